/*
 * test_apikey.c - the API key check before the database: missing and
 * oversized keys, and the per-worker cache of verified keys.
 */
#include <openssl/sha.h>

#include <string.h>

#include "auth/apikey.h"
#include "core/arena.h"
#include "tap.h"

static void
digest_of(const char *key, unsigned char out[APIKEY_DIGEST_LEN])
{
	SHA256((const unsigned char *)key, strlen(key), out);
}

static void
test_without_database(void)
{
	struct arena *a = arena_create(1024);
	struct apikey_cache cache;
	char longkey[APIKEY_MAX_LEN + 2];
	int64_t id = 0;

	memset(&cache, 0, sizeof(cache));
	cache.seconds = 10;
	/* db is NULL: a statement would crash, so none may be run. */
	is_int(apikey_check(NULL, a, &cache, NULL, &id), APIKEY_MISSING,
	    "no header: missing");
	is_int(apikey_check(NULL, a, &cache, "", &id), APIKEY_MISSING,
	    "empty header: missing");
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	is_int(apikey_check(NULL, a, &cache, longkey, &id), APIKEY_INVALID,
	    "longer than any key we issue: invalid without a lookup");
	arena_destroy(a);
}

static void
test_cache(void)
{
	struct arena *a = arena_create(1024);
	unsigned char d1[APIKEY_DIGEST_LEN], d2[APIKEY_DIGEST_LEN];
	const struct apikey_cached *hit;
	struct apikey_cache cache;
	int64_t id = 0;
	int i;

	memset(&cache, 0, sizeof(cache));
	cache.seconds = 10;
	digest_of("key-one", d1);
	digest_of("key-two", d2);
	ok(apikey_cache_find(&cache, d1, 100) == NULL, "empty cache: miss");
	apikey_cache_store(&cache, d1, 41, 100);
	hit = apikey_cache_find(&cache, d1, 105);
	ok(hit != NULL && hit->client_id == 41, "stored key found");
	ok(apikey_cache_find(&cache, d2, 105) == NULL, "other key: miss");
	ok(apikey_cache_find(&cache, d1, 110) == NULL,
	    "gone after `seconds` (a revoked key is refused again)");

	/* A hit answers without the database (db is NULL here). */
	apikey_cache_store(&cache, d1, 42, 1000000000);
	is_int(apikey_check(NULL, a, &cache, "key-one", &id), APIKEY_OK,
	    "cached key: OK without a lookup");
	is_int(id, 42, "... with its client id");

	/* Bounded: the oldest entry makes room. */
	memset(&cache, 0, sizeof(cache));
	cache.seconds = 10;
	apikey_cache_store(&cache, d1, 1, 100);
	for (i = 0; i < APIKEY_CACHE_ENTRIES; i++)
		apikey_cache_store(&cache, d2, 2, 100);
	ok(apikey_cache_find(&cache, d1, 101) == NULL,
	    "the oldest entry is overwritten when the cache is full");

	memset(&cache, 0, sizeof(cache));
	cache.seconds = 0;
	apikey_cache_store(&cache, d1, 1, 100);
	ok(apikey_cache_find(&cache, d1, 100) == NULL,
	    "seconds = 0 keeps nothing");
	arena_destroy(a);
}

int
main(void)
{
	test_without_database();
	test_cache();
	return done_testing();
}
