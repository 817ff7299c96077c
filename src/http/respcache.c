/*
 * respcache.c - catalog answers from memory, emptied by PostgreSQL.
 */
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "app/config.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/log.h"
#include "core/lru.h"
#include "core/metrics.h"
#include "http/request.h"
#include "http/respcache.h"
#include "http/response.h"
#include "http/router.h"

enum { C_HITS, C_MISSES, C_EVICTIONS, C_CLEARS };

/* The status of an alias entry: its body is a normalised key. */
#define RAW_ALIAS	0

void
respcache_init(struct app *app)
{
	const struct config *cfg = app->cfg;
	static const enum metrics_counter which[4] = { METRICS_CACHE_HITS,
	    METRICS_CACHE_MISSES, METRICS_CACHE_EVICTIONS,
	    METRICS_CACHE_CLEARS };
	int i;

	if (cfg->catalog_cache_bytes <= 0)
		return;
	app->catalog_cache = lru_create((size_t)cfg->catalog_cache_bytes,
	    cfg->catalog_cache_max_age);
	for (i = 0; i < 4; i++)
		app->cache_counters[i] = metrics_counter(app->metrics,
		    app->pool, which[i]);
	db_listen(app->db, RESPCACHE_CHANNEL);
	/* Whatever the connection's epoch is now, the cache is empty. */
	(void)db_epoch(app->db, &app->catalog_epoch);
	db_request_done(app->db);	/* the next request checks anew */
}

void
respcache_free(struct app *app)
{
	lru_free(app->catalog_cache);
	app->catalog_cache = NULL;
}

/* Empties the cache if the database moved to another epoch. */
static bool
current(struct app *app, uint64_t *epoch)
{
	if (!db_epoch(app->db, epoch))
		return false;
	if (*epoch != app->catalog_epoch) {
		lru_clear(app->catalog_cache);
		app->catalog_epoch = *epoch;
		metrics_add(app->cache_counters[C_CLEARS], 1);
	}
	return true;
}

/*
 * An alias's key: 0x80 | the route's position (normalised keys start with
 * position + 1, below 0x80), the method's first letter, the query, a NUL,
 * the body.  Longer requests get no alias; they are rare and their key
 * would cost more than parsing them.
 */
#define RAW_KEY_MAX	2048
#define RAW_KEY_MARK	0x80

bool
respcache_lookup_raw(struct request *req, struct response *resp)
{
	struct app *app = req->app;
	const void *target;
	size_t target_len, qlen, len;
	uint64_t epoch;
	char *key;
	int status;

	if (app->catalog_cache == NULL || req->route == NULL ||
	    req->route->index + 1 >= RAW_KEY_MARK)
		return false;
	qlen = strlen(req->query);
	if (qlen + req->body_len > RAW_KEY_MAX)
		return false;
	if (!current(app, &epoch))
		return false;
	len = 2 + qlen + 1 + req->body_len;
	key = arena_alloc(req->arena, len);
	key[0] = (char)(RAW_KEY_MARK | req->route->index);
	key[1] = req->method[0];
	memcpy(key + 2, req->query, qlen + 1);
	memcpy(key + 2 + qlen + 1, req->body, req->body_len);
	req->raw_cache_key = key;
	req->raw_cache_key_len = len;
	if (!lru_get(app->catalog_cache, key, len, time(NULL), &status,
	    &target, &target_len) || status != RAW_ALIAS)
		return false;
	/* target points into the cache: lru_get does not move entries. */
	if (!lru_get(app->catalog_cache, target, target_len, time(NULL),
	    &resp->status, &resp->body, &resp->body_len))
		return false;	/* evicted: parse, and alias it again */
	metrics_add(app->cache_counters[C_HITS], 1);
	log_debug("catalog cache: answered from the request's bytes");
	return true;
}

/* Remembers that the request's bytes mean the normalised key full. */
static void
store_alias(struct request *req, const char *full, size_t full_len)
{
	if (req->raw_cache_key == NULL)
		return;
	(void)lru_put(req->app->catalog_cache, req->raw_cache_key,
	    req->raw_cache_key_len, time(NULL), RAW_ALIAS, full, full_len);
}

bool
respcache_lookup(struct request *req, struct response *resp,
    const char *key, size_t key_len)
{
	struct app *app = req->app;
	const void *body;
	size_t body_len;
	uint64_t epoch;
	char *full;
	int status;

	if (app->catalog_cache == NULL || req->route == NULL)
		return false;
	if (!current(app, &epoch))
		return false;	/* no connection: the handler answers 503 */
	/* The route's position first: two routes may share parameters. */
	full = arena_alloc(req->arena, key_len + 1);
	full[0] = (char)(req->route->index + 1);
	memcpy(full + 1, key, key_len);
	if (lru_get(app->catalog_cache, full, key_len + 1, time(NULL),
	    &status, &body, &body_len)) {
		if (req->raw_cache_key != NULL) {
			/* A put may evict and moves bodies: then look again. */
			store_alias(req, full, key_len + 1);
			req->raw_cache_key = NULL;
			return respcache_lookup(req, resp, key, key_len);
		}
		metrics_add(app->cache_counters[C_HITS], 1);
		resp->status = status;
		resp->body = body;
		resp->body_len = body_len;
		return true;
	}
	metrics_add(app->cache_counters[C_MISSES], 1);
	req->cache_key = full;
	req->cache_key_len = key_len + 1;
	req->cache_epoch = epoch;
	return false;
}

void
respcache_store(struct request *req, const struct response *resp)
{
	struct app *app = req->app;
	struct lru_stats before, after;
	uint64_t epoch;

	if (req->cache_key == NULL || app->catalog_cache == NULL)
		return;
	/* Only the plain JSON answers; a 503 carries Retry-After. */
	if ((resp->status != 200 && resp->status != 404) ||
	    resp->n_headers != 1)
		return;
	/*
	 * A write whose notification came in while the handler ran may or
	 * may not be in this answer: keep it only if the epoch still holds.
	 */
	if (!current(app, &epoch) || epoch != req->cache_epoch)
		return;
	lru_stats(app->catalog_cache, &before);
	if (lru_put(app->catalog_cache, req->cache_key, req->cache_key_len,
	    time(NULL), resp->status, resp->body, resp->body_len) == 0)
		store_alias(req, req->cache_key, req->cache_key_len);
	lru_stats(app->catalog_cache, &after);
	if (after.evictions != before.evictions)
		metrics_add(app->cache_counters[C_EVICTIONS],
		    after.evictions - before.evictions);
}
