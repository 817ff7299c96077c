/*
 * config.h - the configuration file (key = value) with environment overrides.
 *
 * Every key has a default (see config.c's table and README "Configuration").
 * CEXUP_<KEY> in the environment (key upper-cased) overrides the file.
 * Secrets never come from the command line.  The JWT key ring is a file
 * (jwt_keys_file; when unset, the systemd credential "jwt.keys" in
 * $CREDENTIALS_DIRECTORY).  The database password belongs in libpq's
 * password file (PGPASSFILE), not in database_url; config_dump masks the
 * URL all the same.
 */
#ifndef CEXUP_CONFIG_H
#define CEXUP_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "auth/password.h"
#include "auth/session.h"
#include "auth/throttle.h"

/*
 * Worker pools, as php-fpm has them: each has its own listening socket,
 * worker count and max_requests.  The auth pool serves the routes that hash
 * a password; nginx sends them there, so a login flood waits in nginx and
 * the auth socket's backlog and never takes a worker from the catalog.
 * Without an auth_listen the api pool serves every route (small installs).
 */
enum pool_id {
	POOL_API,
	POOL_AUTH,
	POOL_MAX
};

struct pool_config {
	char		listen[PATH_MAX];	/* unix:/path, host:port; "": off */
	int		workers;
	long		max_requests;
};

enum api_key_scope {
	API_KEY_CEXUP,	/* only the Cexup routes (default) */
	API_KEY_ALL	/* every route but health/ready and the avatar image */
};

struct config {
	char		path[PATH_MAX];		/* file this came from, or "" */

	struct pool_config pool[POOL_MAX];	/* [POOL_API] always runs */
	int		auth_nice;		/* auth workers' nice(2) value */
	int		listen_mode;		/* unix socket permissions */
	int		listen_backlog;
	int		drain_timeout;		/* seconds */

	char		database_url[1024];	/* libpq conninfo or URI */
	int		statement_timeout_ms;
	int		db_connect_timeout;	/* seconds */
	char		sql_dir[PATH_MAX];

	char		jwt_keys_file[PATH_MAX];
	char		jwt_issuer[128];
	char		jwt_audience[128];
	long		access_ttl;		/* seconds */
	struct session_params session;	/* refresh_ttl, refresh_reuse_window */

	struct password_params argon2;
	int		hash_slots;		/* 0: number of CPUs */
	int		hash_wait_ms;		/* counted from nginx's arrival */
	int		queue_timeout_ms;	/* older requests: 503, not run */
	int		request_timeout;	/* seconds; 0: no limit */

	long		body_limit;		/* bytes */
	long		avatar_body_limit;	/* bytes */
	enum api_key_scope api_key_required;
	char		public_base_url[256];
	char		timezone[64];
	int		cancel_notice_minutes;	/* later: cancel is 409 */

	struct lockout_params lockout;		/* lockout_* */
	int		require_verified_email;	/* 1: unverified login 403 */
	long		reset_token_ttl;	/* seconds */
	long		verify_token_ttl;	/* seconds */
	int		account_mails_per_hour;	/* per account and purpose */
	int		forgot_floor_ms;	/* forgot answers no sooner */

	int		log_level;		/* LOG_ERR .. LOG_DEBUG */
	char		metrics_allow[512];	/* who may GET /api/metrics */
	int		api_key_cache_seconds;	/* workers remember valid keys */
	long		catalog_cache_bytes;	/* per worker; 0: no cache */
	int		catalog_cache_max_age;	/* seconds; 0: no limit */

	/* `cexup-api mailer` (src/mail/, README "Mail"). */
	char		smtp_url[512];		/* smtp://host:port, smtps:// */
	char		smtp_from[320];		/* addr or "Name <addr>" */
	char		smtp_credentials_file[PATH_MAX];  /* user:password */
	char		smtp_tls[16];		/* try, required, off */
	char		smtp_ca_file[PATH_MAX];	/* "": the system's CAs */
	int		smtp_timeout;		/* seconds, per mail */
	char		mail_templates_dir[PATH_MAX];
	int		mailer_poll_seconds;	/* safety net besides NOTIFY */
	int		mailer_retry_base_seconds;	/* doubles per attempt */
	int		mailer_retry_max_seconds;
	int		mailer_max_attempts;	/* for permanent (5xx) errors */
};

/* "api", "auth". */
const char	*config_pool_name(enum pool_id);
/* True if the pool runs: the api pool always, the auth pool with a listen. */
int		 config_pool_on(const struct config *, enum pool_id);

/* Defaults only. */
void	config_defaults(struct config *);

/*
 * Defaults, then the file (if path is not NULL), then the environment, then
 * validation.  Returns 0, or -1 with a message in err.
 */
int	config_load(struct config *, const char *path, char *err, size_t errsize);

/* Writes every key and its effective value (secrets masked) to fp. */
void	config_dump(const struct config *, FILE *fp);

#endif
