/*
 * smtp.c - libcurl's SMTP client, one handle reused for every mail.
 */
#include <sys/stat.h>

#include <curl/curl.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/config.h"
#include "core/util.h"
#include "mail/smtp.h"

#define CONNECT_TIMEOUT	10	/* seconds; smtp_timeout bounds the rest */
#define CRED_MAX	1024

struct mail_smtp {
	CURL	*curl;
	char	 url[512];
	char	 ca_file[PATH_MAX];	/* "": curl's default bundle */
	char	*user;		/* NULL: no AUTH */
	char	*password;
	long	 use_ssl;
	long	 timeout;
};

struct upload {
	const char	*data;
	size_t		 len;
	size_t		 off;
};

static size_t
read_cb(char *dst, size_t size, size_t nitems, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nitems;

	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(dst, u->data + u->off, n);
	u->off += n;
	return n;
}

static int
read_credentials(struct mail_smtp *s, const char *path, char *err,
    size_t errsize)
{
	char line[CRED_MAX], *colon;
	struct stat st;
	FILE *fp;
	int rc = -1;

	if ((fp = fopen(path, "re")) == NULL) {
		snprintf(err, errsize, "smtp_credentials_file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	/* Like ssh with its keys: a secret others can read is refused. */
	if (fstat(fileno(fp), &st) == -1 || (st.st_mode & 077) != 0) {
		snprintf(err, errsize, "smtp_credentials_file %s: readable "
		    "by group or others (chmod 600 it)", path);
		goto out;
	}
	if (fgets(line, sizeof(line), fp) == NULL ||
	    (colon = strchr(line, ':')) == NULL || colon == line) {
		snprintf(err, errsize, "smtp_credentials_file %s: expected "
		    "one line user:password", path);
		goto out;
	}
	line[strcspn(line, "\r\n")] = '\0';
	*colon = '\0';
	s->user = xstrdup(line);
	s->password = xstrdup(colon + 1);
	rc = 0;
out:
	secure_wipe(line, sizeof(line));
	fclose(fp);
	return rc;
}

struct mail_smtp *
mail_smtp_open(const struct config *cfg, char *err, size_t errsize)
{
	struct mail_smtp *s;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errsize, "curl_global_init failed");
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	strlcpy_safe(s->url, cfg->smtp_url, sizeof(s->url));
	strlcpy_safe(s->ca_file, cfg->smtp_ca_file, sizeof(s->ca_file));
	s->timeout = cfg->smtp_timeout;
	if (strncasecmp(cfg->smtp_url, "smtps://", 8) == 0 ||
	    strcmp(cfg->smtp_tls, "required") == 0)
		s->use_ssl = CURLUSESSL_ALL;
	else if (strcmp(cfg->smtp_tls, "off") == 0)
		s->use_ssl = CURLUSESSL_NONE;
	else
		s->use_ssl = CURLUSESSL_TRY;
	if (cfg->smtp_credentials_file[0] != '\0' &&
	    read_credentials(s, cfg->smtp_credentials_file, err,
	    errsize) == -1) {
		mail_smtp_close(s);
		return NULL;
	}
	if ((s->curl = curl_easy_init()) == NULL) {
		snprintf(err, errsize, "curl_easy_init failed");
		mail_smtp_close(s);
		return NULL;
	}
	return s;
}

void
mail_smtp_close(struct mail_smtp *s)
{
	if (s == NULL)
		return;
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
	if (s->password != NULL) {
		secure_wipe(s->password, strlen(s->password));
		free(s->password);
	}
	free(s->user);
	free(s);
}

enum mail_result
mail_smtp_send(struct mail_smtp *s, const char *from, const char *to,
    const char *msg, size_t len, char *err, size_t errsize)
{
	char errbuf[CURL_ERROR_SIZE], mailfrom[300], rcpt[300];
	struct curl_slist *rcpts = NULL;
	struct upload u = { msg, len, 0 };
	long code = 0;
	CURLcode rc;
	CURL *c = s->curl;

	snprintf(mailfrom, sizeof(mailfrom), "<%s>", from);
	snprintf(rcpt, sizeof(rcpt), "<%s>", to);
	if ((rcpts = curl_slist_append(NULL, rcpt)) == NULL) {
		snprintf(err, errsize, "out of memory");
		return MAIL_TEMPFAIL;
	}
	errbuf[0] = '\0';
	curl_easy_reset(c);	/* keeps the open connection */
	curl_easy_setopt(c, CURLOPT_URL, s->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USE_SSL, s->use_ssl);
	if (s->ca_file[0] != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, s->timeout);
	if (s->user != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, s->password);
	}
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, mailfrom);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(rcpts);
	if (rc == CURLE_OK)
		return MAIL_SENT;
	snprintf(err, errsize, "%s (curl %d, smtp %ld)",
	    errbuf[0] ? errbuf : curl_easy_strerror(rc), (int)rc, code);
	/*
	 * A 5xx for the recipient or the message will not change; a refused
	 * login or sender is the relay's configuration, which an operator
	 * fixes: those are retried like an outage.
	 */
	if (code >= 500 && code <= 599 && rc != CURLE_LOGIN_DENIED &&
	    strncmp(errbuf, "MAIL failed", 11) != 0)
		return MAIL_PERMFAIL;
	return MAIL_TEMPFAIL;
}
