/*
 * respcache.h - the worker's cache of catalog answers.
 *
 * A catalog handler, once its parameters are parsed (so every spelling of
 * the same request - {"data":"10"}, {"data":10}, ?data=10 - gives the same
 * key), asks respcache_lookup; on a hit the response is filled from memory
 * and the handler returns without touching PostgreSQL.  On a miss the
 * handler answers as usual and dispatch stores a 200 or 404 under the key.
 *
 * The same request sent again byte for byte skips even the parsing: see
 * respcache_lookup_raw.
 *
 * Validity: the cache belongs to one database epoch (db_epoch).  Catalog
 * writes NOTIFY cexup_catalog (sql/006); a notification or a reconnect
 * starts a new epoch and the whole cache is emptied before the next
 * lookup.  While the connection is down nothing is served from memory.
 */
#ifndef CEXUP_RESPCACHE_H
#define CEXUP_RESPCACHE_H

#include <stdbool.h>
#include <stddef.h>

struct app;
struct request;
struct response;

/* The channel sql/006_catalog_notify.sql notifies on. */
#define RESPCACHE_CHANNEL	"cexup_catalog"

/* Creates app->catalog_cache from the configuration, and LISTENs. */
void	respcache_init(struct app *);
void	respcache_free(struct app *);

/*
 * Before the body is parsed, for ROUTE_CACHED routes: true when these
 * very bytes (route, method, query, body) were answered from the cache
 * before, in this epoch: resp then holds that answer, and the request
 * needs no parsing at all.  The bytes are kept as an alias of the
 * normalised key the handler then looks up, stored beside it.  Only
 * answers the cache keeps get an alias, so a request with an error is
 * parsed (and refused) every time.
 */
bool	respcache_lookup_raw(struct request *, struct response *);

/*
 * true: resp holds the cached answer for this route and key.  false: a
 * miss (or no cache); the key is remembered for respcache_store.
 */
bool	respcache_lookup(struct request *, struct response *,
	    const char *key, size_t key_len);
/* After the handler: keeps resp if the request was a cacheable miss. */
void	respcache_store(struct request *, const struct response *);

#endif
