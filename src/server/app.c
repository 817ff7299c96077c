/*
 * app.c - per-worker state set-up.  Everything costly (key file parsing, the
 * dummy hash, the database connection) happens here, once, and never on the
 * request path.
 */
#include <stdio.h>
#include <string.h>

#include "auth/password.h"
#include "auth/token.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/util.h"
#include "server/app.h"
#include "server/config.h"
#include "server/migrate.h"
#include "server/scoreboard.h"

int
app_init(struct app *app, const struct config *cfg, int hash_slots_id,
    char *err, size_t errsize)
{
	const char *errstr = NULL;

	memset(app, 0, sizeof(*app));
	app->cfg = cfg;
	app->hash_slots_id = hash_slots_id;

	if (cfg->jwt_keys_file[0] == '\0') {
		snprintf(err, errsize, "jwt_keys_file is not set (and no "
		    "jwt.keys credential was passed)");
		return -1;
	}
	if (token_ring_load_file(&app->ring, cfg->jwt_keys_file,
	    &errstr) == -1) {
		snprintf(err, errsize, "%s: %s", cfg->jwt_keys_file,
		    errstr ? errstr : "cannot load keys");
		return -1;
	}
	strlcpy_safe(app->ring.issuer, cfg->jwt_issuer,
	    sizeof(app->ring.issuer));
	strlcpy_safe(app->ring.audience, cfg->jwt_audience,
	    sizeof(app->ring.audience));
	app->ring.ttl = cfg->access_ttl;

	if (password_make_dummy(&cfg->argon2, app->dummy_hash) == -1) {
		snprintf(err, errsize, "cannot compute the dummy hash "
		    "(argon2 parameters too large for this machine?)");
		return -1;
	}
	if (migrate_latest_version(cfg->sql_dir, app->schema_version,
	    sizeof(app->schema_version)) == -1) {
		snprintf(err, errsize, "sql_dir %s: no migrations found",
		    cfg->sql_dir);
		return -1;
	}
	app->arena = arena_create(64 * 1024);
	/* Connection failures are not fatal: the worker answers 503. */
	app->db = db_open(cfg->database_url, cfg->statement_timeout_ms,
	    cfg->db_connect_timeout);
	if (scoreboard != NULL)
		db_set_counters(app->db, &scoreboard->db_errors,
		    &scoreboard->db_reconnects);
	return 0;
}

int
app_preflight(const struct config *cfg, char *err, size_t errsize)
{
	struct token_ring ring;
	const char *errstr = NULL;
	char version[16];
	int rc;

	if (cfg->jwt_keys_file[0] == '\0') {
		snprintf(err, errsize, "jwt_keys_file is not set (create one "
		    "with `cexup-api keygen KID`)");
		return -1;
	}
	memset(&ring, 0, sizeof(ring));
	rc = token_ring_load_file(&ring, cfg->jwt_keys_file, &errstr);
	token_ring_wipe(&ring);
	if (rc == -1) {
		snprintf(err, errsize, "%s: %s", cfg->jwt_keys_file,
		    errstr ? errstr : "cannot load signing keys");
		return -1;
	}
	if (migrate_latest_version(cfg->sql_dir, version,
	    sizeof(version)) == -1) {
		snprintf(err, errsize, "sql_dir %s holds no migrations",
		    cfg->sql_dir);
		return -1;
	}
	return 0;
}

void
app_free(struct app *app)
{
	if (app->db != NULL)
		db_close(app->db);
	if (app->arena != NULL)
		arena_destroy(app->arena);
	token_ring_wipe(&app->ring);
	memset(app, 0, sizeof(*app));
}
