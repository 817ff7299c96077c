/*
 * app_setup.c - per-worker state set-up.  Everything costly (key file
 * parsing, the database connection) happens here, once, and never on the
 * request path; the dummy hash is the exception (see password_check()).
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/config.h"
#include "auth/password.h"
#include "auth/token.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/metrics.h"
#include "core/util.h"
#include "http/respcache.h"
#include "server/app_setup.h"
#include "server/migrate.h"

/*
 * What both a worker and the preflight need: the signing keys into ring
 * and the newest migration's version.
 */
static int
load_keys_and_schema(const struct config *cfg, struct token_ring *ring,
    char *version, size_t version_size, char *err, size_t errsize)
{
	const char *errstr = NULL;

	if (cfg->jwt_keys_file[0] == '\0') {
		snprintf(err, errsize, "jwt_keys_file is not set (create one "
		    "with `cexup-api keygen KID`, or pass the jwt.keys "
		    "credential)");
		return -1;
	}
	if (token_ring_load_file(ring, cfg->jwt_keys_file, &errstr) == -1) {
		snprintf(err, errsize, "%s: %s", cfg->jwt_keys_file,
		    errstr ? errstr : "cannot load signing keys");
		return -1;
	}
	if (migrate_latest_version(cfg->sql_dir, version, version_size) ==
	    -1) {
		snprintf(err, errsize, "sql_dir %s holds no migrations",
		    cfg->sql_dir);
		return -1;
	}
	return 0;
}

static int
check_argon2_params(const struct config *cfg, char *err, size_t errsize)
{
	if (password_params_valid(&cfg->argon2))
		return 0;
	snprintf(err, errsize, "argon2 parameters refused by libargon2 "
	    "(argon2_memory_kib must be >= 8 * argon2_parallelism)");
	return -1;
}

int
app_init(struct app *app, const struct config *cfg, int pool, int place,
    int hash_slots_id, struct metrics *metrics, char *err, size_t errsize)
{
	memset(app, 0, sizeof(*app));
	app->cfg = cfg;
	app->metrics = metrics;
	app->pool = pool;
	app->board = metrics_worker(metrics, place);
	if (load_keys_and_schema(cfg, &app->ring, app->schema_version,
	    sizeof(app->schema_version), err, errsize) == -1)
		return -1;
	strlcpy_safe(app->ring.issuer, cfg->jwt_issuer,
	    sizeof(app->ring.issuer));
	strlcpy_safe(app->ring.audience, cfg->jwt_audience,
	    sizeof(app->ring.audience));
	app->ring.ttl = cfg->access_ttl;

	/*
	 * The dummy hash is made on the first unknown-account login, not
	 * here: hashing at start would cost every worker m KiB of Argon2
	 * memory and a hash's CPU, also the workers that never hash.
	 */
	if (check_argon2_params(cfg, err, errsize) == -1)
		return -1;
	app->passwords.params = &cfg->argon2;
	app->passwords.slots_id = hash_slots_id;
	app->passwords.dummy_hash = app->dummy_hash;
	app->passwords.busy_counter = metrics_counter(metrics, pool,
	    METRICS_HASH_BUSY);
	app->api_keys.seconds = cfg->api_key_cache_seconds;

	app->arena = arena_create(64 * 1024);
	/* Connection failures are not fatal: the worker answers 503. */
	app->db = db_open(cfg->database_url, cfg->statement_timeout_ms,
	    cfg->db_connect_timeout);
	db_set_counters(app->db, metrics_counter(metrics, pool,
	    METRICS_DB_ERRORS), metrics_counter(metrics, pool,
	    METRICS_DB_RECONNECTS));
	if (pool == POOL_API)
		respcache_init(app);
	return 0;
}

int
app_preflight(const struct config *cfg, char *err, size_t errsize)
{
	struct token_ring ring;
	char version[16];
	int rc;

	memset(&ring, 0, sizeof(ring));
	rc = load_keys_and_schema(cfg, &ring, version, sizeof(version), err,
	    errsize);
	token_ring_wipe(&ring);
	if (rc == 0)
		rc = check_argon2_params(cfg, err, errsize);
	return rc;
}

void
app_free(struct app *app)
{
	respcache_free(app);
	if (app->db != NULL)
		db_close(app->db);
	if (app->arena != NULL)
		arena_destroy(app->arena);
	token_ring_wipe(&app->ring);
	password_release_buffer();
	memset(app, 0, sizeof(*app));
}
