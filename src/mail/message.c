/*
 * message.c - renders an outbox row into an RFC 5322 message.
 */
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "mail/message.h"

#define ADDR_MAX	254	/* RFC 5321's path limit, less the brackets */
#define KEY_MAX		64
#define SUBJECT_CHUNK	45	/* bytes per encoded-word: 60 base64 chars */

bool
mail_addr_ok(const char *s)
{
	const char *at = NULL, *p;
	size_t len = strlen(s);

	if (len < 3 || len > ADDR_MAX)
		return false;
	for (p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		/* Printable ASCII without the specials of RFC 5322. */
		if (c <= ' ' || c >= 0x7f || strchr("<>()[]\\,;:\"", c))
			return false;
		if (c == '@') {
			if (at != NULL)
				return false;
			at = p;
		}
	}
	return at != NULL && at != s && at[1] != '\0' && at[1] != '.' &&
	    p[-1] != '.';
}

const char *
mail_from_addr(struct arena *a, const char *from)
{
	const char *lt, *gt;
	char *addr;

	if (strpbrk(from, "\r\n") != NULL)
		return NULL;
	if ((lt = strrchr(from, '<')) == NULL)
		return mail_addr_ok(from) ? from : NULL;
	if ((gt = strchr(lt, '>')) == NULL || gt[1] != '\0')
		return NULL;
	addr = arena_strndup(a, lt + 1, (size_t)(gt - lt - 1));
	return mail_addr_ok(addr) ? addr : NULL;
}

bool
mail_from_ok(const char *from)
{
	const char *lt, *gt;
	char addr[ADDR_MAX + 1];
	size_t n;

	if (strpbrk(from, "\r\n") != NULL)
		return false;
	if ((lt = strrchr(from, '<')) == NULL)
		return mail_addr_ok(from);
	if ((gt = strchr(lt, '>')) == NULL || gt[1] != '\0' ||
	    (n = (size_t)(gt - lt - 1)) > ADDR_MAX)
		return false;
	memcpy(addr, lt + 1, n);
	addr[n] = '\0';
	return mail_addr_ok(addr);
}

bool
mail_template_name_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-'))
			return false;
	return n >= 1 && n <= 64;
}

const char *
mail_addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? at : "@?";
}

/* A placeholder's value as body text: line breaks and controls as spaces. */
static void
append_value(struct buf *b, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		buf_append(b, c < ' ' || c == 0x7f ? " " : &s[i], 1);
	}
}

static void
append_placeholder(struct buf *b, const struct json_value *params,
    const char *base_url, const char *key)
{
	const struct json_value *v;

	size_t n;

	if (strcmp(key, "base_url") == 0) {
		/* "https://x/" + "/reset-password" must not make "//". */
		for (n = strlen(base_url); n > 0 && base_url[n - 1] == '/'; n--)
			;
		append_value(b, base_url, n);
		return;
	}
	if ((v = json_get(params, key)) == NULL)
		return;
	if (v->type == JSON_STRING && json_string_ok(v))
		append_value(b, v->u.string.ptr, v->u.string.len);
	else if (v->type == JSON_NUMBER)
		append_value(b, v->u.number.text, v->u.number.len);
}

static bool
key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

int
mail_render_template(struct arena *a, const char *text, size_t len,
    const char *params_json, const char *base_url, char **subject,
    char **body, char *err, size_t errsize)
{
	const struct json_value *params;
	const char *p, *end = text + len, *eol, *close, *errstr = NULL;
	struct buf b;
	char key[KEY_MAX + 1];
	size_t klen, i;

	params = json_parse(a, params_json, strlen(params_json), &errstr);
	if (params == NULL || params->type != JSON_OBJECT) {
		snprintf(err, errsize, "params is not a JSON object");
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errsize, "template holds a NUL byte");
		return -1;
	}
	if (len < 9 || strncmp(text, "Subject: ", 9) != 0 ||
	    (eol = memchr(text, '\n', len)) == NULL) {
		snprintf(err, errsize, "template: the first line must be "
		    "'Subject: ...'");
		return -1;
	}
	klen = (size_t)(eol - text - 9);
	if (klen > 0 && text[9 + klen - 1] == '\r')
		klen--;
	*subject = arena_strndup(a, text + 9, klen);
	for (i = 0; i < klen; i++)
		if ((unsigned char)(*subject)[i] < ' ' &&
		    (*subject)[i] != '\t') {
			snprintf(err, errsize, "template: control character in "
			    "the Subject");
			return -1;
		}
	p = eol + 1;
	if (p < end && *p == '\r')
		p++;
	if (p >= end || *p != '\n') {
		snprintf(err, errsize, "template: an empty line must follow "
		    "the Subject");
		return -1;
	}
	p++;

	/* The body: CRLF line ends, {{key}} replaced. */
	buf_init(&b, a, len + 256);
	while (p < end) {
		if (*p == '\r') {
			p++;
			continue;
		}
		if (*p == '\n') {
			buf_append(&b, "\r\n", 2);
			p++;
			continue;
		}
		if (end - p >= 4 && p[0] == '{' && p[1] == '{') {
			for (klen = 0; p + 2 + klen < end && klen <= KEY_MAX &&
			    key_char(p[2 + klen]); klen++)
				;
			close = p + 2 + klen;
			if (klen >= 1 && klen <= KEY_MAX && end - close >= 2 &&
			    close[0] == '}' && close[1] == '}') {
				memcpy(key, p + 2, klen);
				key[klen] = '\0';
				append_placeholder(&b, params, base_url, key);
				p = close + 2;
				continue;
			}
		}
		buf_append(&b, p, 1);
		p++;
	}
	if (b.len < 2 || memcmp(b.data + b.len - 2, "\r\n", 2) != 0)
		buf_append(&b, "\r\n", 2);
	*body = b.data;
	return 0;
}

/* The Subject header's value: as is in ASCII, else RFC 2047 words. */
static void
append_subject(struct buf *b, const char *s)
{
	unsigned char enc[4 * ((SUBJECT_CHUNK + 6) / 3) + 1];
	size_t len = strlen(s), i, n;
	bool ascii = true;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			ascii = false;
	if (ascii) {
		buf_puts(b, s);
		return;
	}
	for (i = 0; i < len; i += n) {
		n = len - i < SUBJECT_CHUNK ? len - i : SUBJECT_CHUNK;
		/* Never split a UTF-8 sequence between two words. */
		while (i + n < len && n > 1 &&
		    ((unsigned char)s[i + n] & 0xc0) == 0x80)
			n--;
		EVP_EncodeBlock(enc, (const unsigned char *)s + i, (int)n);
		buf_printf(b, "%s=?UTF-8?B?%s?=", i ? "\r\n " : "",
		    (const char *)enc);
	}
}

static void
append_date(struct buf *b)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t now = time(NULL);
	struct tm tm;

	/* Not strftime: %a and %b follow the locale. */
	gmtime_r(&now, &tm);
	buf_printf(b, "Date: %s, %02d %s %d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static char *
read_template(struct arena *a, const char *dir, const char *name,
    size_t *len, char *err, size_t errsize)
{
	char path[4096], *text;
	ssize_t n;
	size_t got = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s.txt", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errsize, "template %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	text = arena_alloc(a, MAIL_TEMPLATE_MAX + 1);
	while ((n = read(fd, text + got, MAIL_TEMPLATE_MAX + 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (n < 0 || got > MAIL_TEMPLATE_MAX) {
		snprintf(err, errsize, "template %s: %s", path,
		    n < 0 ? strerror(errno) : "larger than 64 KiB");
		return NULL;
	}
	text[got] = '\0';
	*len = got;
	return text;
}

int
mail_render_message(struct arena *a, const struct mail_render *r,
    char **out, size_t *outlen, char *err, size_t errsize)
{
	unsigned char rnd[8];
	const char *from_addr, *domain;
	char *text, *subject, *body;
	struct buf b;
	size_t len, i;

	if (!mail_addr_ok(r->to)) {
		snprintf(err, errsize, "invalid recipient address");
		return -1;
	}
	if ((from_addr = mail_from_addr(a, r->from)) == NULL) {
		snprintf(err, errsize, "invalid smtp_from");
		return -1;
	}
	if (!mail_template_name_ok(r->template)) {
		snprintf(err, errsize, "invalid template name");
		return -1;
	}
	if ((text = read_template(a, r->templates_dir, r->template, &len,
	    err, errsize)) == NULL)
		return -1;
	if (mail_render_template(a, text, len, r->params_json, r->base_url,
	    &subject, &body, err, errsize) == -1)
		return -1;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0, sizeof(rnd));
	domain = strrchr(from_addr, '@') + 1;
	buf_init(&b, a, strlen(body) + 512);
	append_date(&b);
	buf_printf(&b, "From: %s\r\nTo: %s\r\nSubject: ", r->from, r->to);
	append_subject(&b, subject);
	buf_printf(&b, "\r\nMessage-ID: <%lld.", (long long)r->id);
	for (i = 0; i < sizeof(rnd); i++)
		buf_printf(&b, "%02x", rnd[i]);
	buf_printf(&b, "@%s>\r\n", domain);
	buf_puts(&b, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "Auto-Submitted: auto-generated\r\n\r\n");
	buf_puts(&b, body);
	*out = b.data;
	*outlen = b.len;
	return 0;
}
