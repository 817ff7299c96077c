/*
 * config.c - defaults, file, environment, validation.
 *
 * One table describes every key: its type, where it lives in struct config,
 * its range and default.  Unknown keys are errors, so a typo in the file is
 * found at start-up instead of silently ignored.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "app/config.h"
#include "core/log.h"
#include "core/netaddr.h"
#include "core/util.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/cexup-api"
#endif

enum key_type { K_STR, K_INT, K_LONG, K_U32, K_OCTAL, K_LOGLEVEL, K_KEYSCOPE };

struct key_spec {
	const char	*name;
	enum key_type	 type;
	size_t		 offset;
	size_t		 size;		/* K_STR: buffer size */
	long		 min, max;
	const char	*def;
	int		 secret;	/* masked by config_dump */
};

#define STR(n, d)		{ #n, K_STR, offsetof(struct config, n), \
				  sizeof(((struct config *)0)->n), 0, 0, d, 0 }
#define SECRET_STR(n, d)	{ #n, K_STR, offsetof(struct config, n), \
				  sizeof(((struct config *)0)->n), 0, 0, d, 1 }
#define NUM(t, n, lo, hi, d)	{ #n, t, offsetof(struct config, n), 0, \
				  lo, hi, d, 0 }
/* A key whose field lives in a module's own struct inside config. */
#define STR_IN(name, field, d)	{ name, K_STR, offsetof(struct config, field), \
				  sizeof(((struct config *)0)->field), 0, 0, d, \
				  0 }
#define NUM_IN(t, name, field, lo, hi, d) \
				{ name, t, offsetof(struct config, field), 0, \
				  lo, hi, d, 0 }

static const struct key_spec keys[] = {
	STR_IN("listen", pool[POOL_API].listen,
	    "unix:/run/cexup-api/cexup-api.sock"),
	NUM_IN(K_INT, "workers", pool[POOL_API].workers, 0, 512, "0"),
	NUM_IN(K_LONG, "max_requests", pool[POOL_API].max_requests, 0,
	    100000000, "10000"),
	STR_IN("auth_listen", pool[POOL_AUTH].listen,
	    "unix:/run/cexup-api/cexup-api-auth.sock"),
	NUM_IN(K_INT, "auth_workers", pool[POOL_AUTH].workers, 0, 512, "0"),
	NUM_IN(K_LONG, "auth_max_requests", pool[POOL_AUTH].max_requests, 0,
	    100000000, "10000"),
	NUM(K_INT, auth_nice, 0, 19, "10"),
	NUM(K_OCTAL, listen_mode, 0, 0777, "0660"),
	NUM(K_INT, listen_backlog, 1, 65535, "511"),
	NUM(K_INT, drain_timeout, 1, 3600, "20"),
	SECRET_STR(database_url, "dbname=cexup"),
	NUM(K_INT, statement_timeout_ms, 100, 600000, "5000"),
	NUM(K_INT, db_connect_timeout, 1, 60, "3"),
	STR(sql_dir, PKGDATADIR "/sql"),
	STR(jwt_keys_file, ""),
	STR(jwt_issuer, "cexup-api"),
	STR(jwt_audience, "cexup-api"),
	NUM(K_LONG, access_ttl, 60, 86400, "3600"),
	NUM_IN(K_LONG, "refresh_ttl", session.refresh_ttl, 300, 31536000,
	    "2592000"),
	NUM_IN(K_INT, "refresh_reuse_window", session.refresh_reuse_window, 0,
	    300, "10"),
	{ "argon2_memory_kib", K_U32, offsetof(struct config, argon2.memory_kib),
	  0, 8, 4194304, "19456", 0 },
	{ "argon2_iterations", K_U32, offsetof(struct config, argon2.iterations),
	  0, 1, 100, "2", 0 },
	{ "argon2_parallelism", K_U32,
	  offsetof(struct config, argon2.parallelism), 0, 1, 64, "1", 0 },
	NUM(K_INT, hash_slots, 0, 1024, "0"),
	NUM(K_INT, hash_wait_ms, 100, 60000, "3000"),
	NUM(K_INT, queue_timeout_ms, 100, 3600000, "25000"),
	NUM(K_INT, request_timeout, 0, 3600, "60"),
	NUM(K_LONG, body_limit, 1024, 16777216, "65536"),
	NUM(K_LONG, avatar_body_limit, 1024, 67108864, "4194304"),
	NUM(K_KEYSCOPE, api_key_required, 0, 0, "cexup"),
	STR(public_base_url, ""),
	STR(timezone, "Asia/Jakarta"),
	NUM(K_INT, cancel_notice_minutes, 0, 10080, "120"),
	NUM_IN(K_INT, "lockout_threshold", lockout.threshold, 1, 1000, "5"),
	NUM_IN(K_INT, "lockout_base_seconds", lockout.base_seconds, 1, 86400,
	    "30"),
	NUM_IN(K_INT, "lockout_max_seconds", lockout.max_seconds, 1, 604800,
	    "900"),
	NUM_IN(K_INT, "lockout_memory_seconds", lockout.memory_seconds, 60,
	    2592000, "86400"),
	NUM(K_INT, require_verified_email, 0, 1, "0"),
	NUM(K_LONG, reset_token_ttl, 300, 86400, "3600"),
	NUM(K_LONG, verify_token_ttl, 3600, 2592000, "86400"),
	NUM(K_INT, account_mails_per_hour, 1, 100, "3"),
	NUM(K_INT, forgot_floor_ms, 0, 1000, "5"),
	NUM(K_LOGLEVEL, log_level, 0, 0, "info"),
	STR(metrics_allow, "127.0.0.1 ::1"),
	NUM(K_INT, api_key_cache_seconds, 0, 3600, "10"),
	NUM(K_LONG, catalog_cache_bytes, 0, 1073741824, "4194304"),
	NUM(K_INT, catalog_cache_max_age, 0, 86400, "60"),
	STR(smtp_url, "smtp://127.0.0.1:25"),
	STR(smtp_from, ""),
	STR(smtp_credentials_file, ""),
	STR(smtp_tls, "try"),
	STR(smtp_ca_file, ""),
	NUM(K_INT, smtp_timeout, 1, 600, "30"),
	STR(mail_templates_dir, PKGDATADIR "/mail"),
	NUM(K_INT, mailer_poll_seconds, 1, 3600, "5"),
	NUM(K_INT, mailer_retry_base_seconds, 1, 3600, "5"),
	NUM(K_INT, mailer_retry_max_seconds, 1, 86400, "3600"),
	NUM(K_INT, mailer_max_attempts, 1, 1000, "10"),
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static const struct key_spec *
find_key(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
set_key(struct config *cfg, const struct key_spec *k, const char *value,
    char *err, size_t errsize)
{
	char *field = (char *)cfg + k->offset;
	long n;
	char *end;
	int level;

	switch (k->type) {
	case K_STR:
		if (strlen(value) >= k->size) {
			snprintf(err, errsize, "%s: value too long", k->name);
			return -1;
		}
		strlcpy_safe(field, value, k->size);
		return 0;
	case K_OCTAL:
		errno = 0;
		n = strtol(value, &end, 8);
		if (*value == '\0' || *end != '\0' || errno != 0 ||
		    n < k->min || n > k->max)
			goto range;
		*(int *)(void *)field = (int)n;
		return 0;
	case K_INT:
	case K_LONG:
	case K_U32:
		if (parse_long(value, k->min, k->max, &n) == -1)
			goto range;
		if (k->type == K_INT)
			*(int *)(void *)field = (int)n;
		else if (k->type == K_LONG)
			*(long *)(void *)field = n;
		else
			*(uint32_t *)(void *)field = (uint32_t)n;
		return 0;
	case K_LOGLEVEL:
		if ((level = log_level_from_name(value)) == -1) {
			snprintf(err, errsize,
			    "%s: expected error, warn, info or debug", k->name);
			return -1;
		}
		*(int *)(void *)field = level;
		return 0;
	case K_KEYSCOPE:
		if (strcmp(value, "cexup") == 0)
			*(enum api_key_scope *)(void *)field = API_KEY_CEXUP;
		else if (strcmp(value, "all") == 0)
			*(enum api_key_scope *)(void *)field = API_KEY_ALL;
		else {
			snprintf(err, errsize, "%s: expected cexup or all",
			    k->name);
			return -1;
		}
		return 0;
	}
range:
	snprintf(err, errsize, "%s: '%s' is not a number in %ld..%ld",
	    k->name, value, k->min, k->max);
	return -1;
}

void
config_defaults(struct config *cfg)
{
	char err[256];
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < NKEYS; i++)
		if (set_key(cfg, &keys[i], keys[i].def, err, sizeof(err)) == -1)
			log_fatalx("bad built-in default: %s", err);
}

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int
load_file(struct config *cfg, const char *path, char *err, size_t errsize)
{
	FILE *fp;
	char line[4096], *key, *value, *eq;
	const struct key_spec *k;
	int lineno = 0, rc = 0;
	size_t vlen;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, errsize, "%s:%d: line too long", path,
			    lineno);
			rc = -1;
			break;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, errsize, "%s:%d: expected key = value",
			    path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);
		/* Optional double quotes keep leading/trailing spaces. */
		vlen = strlen(value);
		if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
			value[vlen - 1] = '\0';
			value++;
		}
		if ((k = find_key(key)) == NULL) {
			snprintf(err, errsize, "%s:%d: unknown key '%s'", path,
			    lineno, key);
			rc = -1;
			break;
		}
		if (set_key(cfg, k, value, err + 0, errsize) == -1) {
			char detail[256];

			strlcpy_safe(detail, err, sizeof(detail));
			snprintf(err, errsize, "%s:%d: %s", path, lineno,
			    detail);
			rc = -1;
			break;
		}
	}
	secure_wipe(line, sizeof(line));
	fclose(fp);
	return rc;
}

static int
load_environment(struct config *cfg, char *err, size_t errsize)
{
	char envname[96];
	const char *value;
	size_t i, j;

	for (i = 0; i < NKEYS; i++) {
		snprintf(envname, sizeof(envname), "CEXUP_%s", keys[i].name);
		for (j = 6; envname[j] != '\0'; j++)
			envname[j] = (char)toupper((unsigned char)envname[j]);
		if ((value = getenv(envname)) == NULL)
			continue;
		if (set_key(cfg, &keys[i], value, err, errsize) == -1)
			return -1;
	}
	return 0;
}

/* A systemd credential named `name`, if the service was given one. */
static int
credential_path(const char *name, char *out, size_t size)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");

	if (dir == NULL || *dir == '\0')
		return -1;
	snprintf(out, size, "%s/%s", dir, name);
	return access(out, R_OK);
}

const char *
config_pool_name(enum pool_id id)
{
	return id == POOL_AUTH ? "auth" : "api";
}

int
config_pool_on(const struct config *cfg, enum pool_id id)
{
	return id == POOL_API || (id < POOL_MAX && cfg->pool[id].listen[0]);
}

static int
check_listen(const struct config *cfg, enum pool_id id, char *err,
    size_t errsize)
{
	const char *spec = cfg->pool[id].listen;
	const char *key = id == POOL_AUTH ? "auth_listen" : "listen";

	if (!config_pool_on(cfg, id))
		return 0;
	if (strncmp(spec, "unix:", 5) != 0 && strrchr(spec, ':') == NULL) {
		snprintf(err, errsize,
		    "%s: expected unix:/path or host:port, got '%s'", key,
		    spec);
		return -1;
	}
	if (id == POOL_AUTH && strcmp(spec, cfg->pool[POOL_API].listen) == 0) {
		snprintf(err, errsize, "auth_listen: same socket as listen; "
		    "leave it empty for one pool");
		return -1;
	}
	return 0;
}

int
config_load(struct config *cfg, const char *path, char *err, size_t errsize)
{
	long ncpu;
	char cred[PATH_MAX];

	config_defaults(cfg);
	if (path != NULL) {
		strlcpy_safe(cfg->path, path, sizeof(cfg->path));
		if (load_file(cfg, path, err, errsize) == -1)
			return -1;
	}
	if (load_environment(cfg, err, errsize) == -1)
		return -1;

	if (cfg->jwt_keys_file[0] == '\0' &&
	    credential_path("jwt.keys", cred, sizeof(cred)) == 0)
		strlcpy_safe(cfg->jwt_keys_file, cred,
		    sizeof(cfg->jwt_keys_file));

	/* The mailer's unit may pass the relay's login the same way. */
	if (cfg->smtp_credentials_file[0] == '\0' &&
	    credential_path("smtp.credentials", cred, sizeof(cred)) == 0)
		strlcpy_safe(cfg->smtp_credentials_file, cred,
		    sizeof(cfg->smtp_credentials_file));

	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	/*
	 * Auth workers hash (CPU-bound): one per CPU keeps every core busy
	 * without two hashes sharing one.  Api workers mostly wait for
	 * PostgreSQL: two per CPU.  Alone, the api pool also hashes, so it
	 * keeps the old four per CPU (hash slots bound the hashing there).
	 */
	if (cfg->pool[POOL_AUTH].workers == 0)
		cfg->pool[POOL_AUTH].workers = (int)ncpu;
	if (cfg->pool[POOL_API].workers == 0)
		cfg->pool[POOL_API].workers = config_pool_on(cfg, POOL_AUTH) ?
		    (int)(ncpu * 2 < 4 ? 4 : ncpu * 2) :
		    (int)(ncpu * 4 < 4 ? 4 : ncpu * 4);
	if (cfg->hash_slots == 0)
		cfg->hash_slots = (int)ncpu;

	if (check_listen(cfg, POOL_API, err, errsize) == -1 ||
	    check_listen(cfg, POOL_AUTH, err, errsize) == -1)
		return -1;
	if (!netaddr_list_valid(cfg->metrics_allow)) {
		snprintf(err, errsize, "metrics_allow: expected addresses or "
		    "networks (a.b.c.d/n), got '%s'", cfg->metrics_allow);
		return -1;
	}
	if (cfg->lockout.max_seconds < cfg->lockout.base_seconds) {
		snprintf(err, errsize,
		    "lockout_max_seconds must be >= lockout_base_seconds");
		return -1;
	}
	if (strcmp(cfg->smtp_tls, "try") != 0 &&
	    strcmp(cfg->smtp_tls, "required") != 0 &&
	    strcmp(cfg->smtp_tls, "off") != 0) {
		snprintf(err, errsize, "smtp_tls: expected try, required or "
		    "off, got '%s'", cfg->smtp_tls);
		return -1;
	}
	if (strncasecmp(cfg->smtp_url, "smtp://", 7) != 0 &&
	    strncasecmp(cfg->smtp_url, "smtps://", 8) != 0) {
		snprintf(err, errsize, "smtp_url: expected smtp://host[:port] "
		    "or smtps://host[:port], got '%s'", cfg->smtp_url);
		return -1;
	}
	if (strncasecmp(cfg->smtp_url, "smtps://", 8) == 0 &&
	    strcmp(cfg->smtp_tls, "off") == 0) {
		snprintf(err, errsize, "smtp_tls = off contradicts smtps:// "
		    "(implicit TLS) in smtp_url");
		return -1;
	}
	if (strpbrk(cfg->smtp_from, "\r\n") != NULL) {
		snprintf(err, errsize, "smtp_from: no line breaks allowed");
		return -1;
	}
	if (cfg->mailer_retry_max_seconds < cfg->mailer_retry_base_seconds) {
		snprintf(err, errsize, "mailer_retry_max_seconds must be >= "
		    "mailer_retry_base_seconds");
		return -1;
	}
	if (cfg->lockout.memory_seconds < cfg->lockout.max_seconds) {
		snprintf(err, errsize,
		    "lockout_memory_seconds must be >= lockout_max_seconds");
		return -1;
	}
	return 0;
}

void
config_dump(const struct config *cfg, FILE *fp)
{
	const struct key_spec *k;
	const char *field;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		k = &keys[i];
		field = (const char *)cfg + k->offset;
		fprintf(fp, "%s = ", k->name);
		switch (k->type) {
		case K_STR:
			fprintf(fp, "%s\n", k->secret && *field ? "(set)" :
			    field);
			break;
		case K_OCTAL:
			fprintf(fp, "%04o\n", *(const int *)(const void *)field);
			break;
		case K_INT:
			fprintf(fp, "%d\n", *(const int *)(const void *)field);
			break;
		case K_LONG:
			fprintf(fp, "%ld\n", *(const long *)(const void *)field);
			break;
		case K_U32:
			fprintf(fp, "%u\n",
			    *(const uint32_t *)(const void *)field);
			break;
		case K_LOGLEVEL:
			fprintf(fp, "%d\n", *(const int *)(const void *)field);
			break;
		case K_KEYSCOPE:
			fprintf(fp, "%s\n",
			    *(const enum api_key_scope *)(const void *)field ==
			    API_KEY_ALL ? "all" : "cexup");
			break;
		}
	}
}
