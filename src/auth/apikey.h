/*
 * apikey.h - x-api-key of white-label client apps (docs/API.md §3, §9).
 * Keys are random, shown once, stored as SHA-256.
 */
#ifndef CEXUP_APIKEY_H
#define CEXUP_APIKEY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct arena;
struct db;

#define APIKEY_MAX_LEN		256
#define APIKEY_CACHE_ENTRIES	16
#define APIKEY_DIGEST_LEN	32	/* SHA-256 */

/*
 * Keys verified recently by one worker, so that a client app's requests do
 * not each pay a database round trip for its key.  Only valid keys are
 * kept, for `seconds`: that is how long a revoked key may still be
 * accepted by a worker that saw it just before.  0 turns it off.
 */
struct apikey_cache {
	struct apikey_cached {
		unsigned char	digest[APIKEY_DIGEST_LEN];
		int64_t		client_id;
		time_t		expires;	/* monotonic seconds; 0: empty */
	}		entries[APIKEY_CACHE_ENTRIES];
	size_t		next;
	int		seconds;
};

enum apikey_result {
	APIKEY_OK,		/* *client_id set */
	APIKEY_MISSING,
	APIKEY_INVALID,		/* unknown or revoked */
	APIKEY_UNAVAILABLE	/* database down: 503 */
};

/*
 * Checks a presented key (NULL or "" when none was sent): from the cache,
 * else by one statement on db.
 */
enum apikey_result	apikey_check(struct db *, struct arena *,
			    struct apikey_cache *, const char *key,
			    int64_t *client_id);

/* The cache's parts, separately for tests; now is monotonic seconds. */
const struct apikey_cached *apikey_cache_find(const struct apikey_cache *,
			    const unsigned char *digest, time_t now);
void			apikey_cache_store(struct apikey_cache *,
			    const unsigned char *digest, int64_t client_id,
			    time_t now);

#endif
