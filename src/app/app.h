/*
 * app.h - a worker's long-lived state: configuration, database connection,
 * key ring, the password guard, the API key cache, the node's metrics.
 * server/ creates it once after fork (server/app_setup.h); handlers reach
 * it through request->app and hand each auth module what it needs.
 */
#ifndef CEXUP_APP_H
#define CEXUP_APP_H

#include "auth/apikey.h"
#include "auth/password.h"
#include "auth/token.h"

struct arena;
struct config;
struct lru;
struct db;
struct metrics;
struct metrics_worker;

struct app {
	const struct config	*cfg;
	struct db		*db;
	struct token_ring	 ring;
	struct arena		*arena;		/* the request arena */
	struct password_guard	 passwords;	/* hash slots, dummy hash */
	char			 dummy_hash[PASSWORD_HASH_MAX];
	struct apikey_cache	 api_keys;
	struct metrics		*metrics;	/* NULL outside `serve` */
	int			 pool;		/* enum pool_id (app/config.h) */
	struct metrics_worker	*board;		/* scoreboard place, or NULL */
	char			 schema_version[16];	/* newest sql/NNN_ */
	/*
	 * Catalog answers (http/respcache.h), NULL when disabled, valid for
	 * the database epoch catalog_epoch (core/db.h: db_epoch).
	 */
	struct lru		*catalog_cache;
	uint64_t		 catalog_epoch;
	uint64_t		*cache_counters[4];	/* hits misses evict clears */
};

#endif
