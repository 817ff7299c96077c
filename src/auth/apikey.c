/*
 * apikey.c - look an API key up by its SHA-256.
 */
#include <openssl/crypto.h>

#include <stdint.h>
#include <time.h>

#include <stdlib.h>
#include <string.h>

#include "auth/apikey.h"
#include "core/db.h"
#include "core/digest.h"
#include "core/util.h"

static time_t
monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

const struct apikey_cached *
apikey_cache_find(const struct apikey_cache *c, const unsigned char *digest,
    time_t now)
{
	size_t i;

	for (i = 0; i < APIKEY_CACHE_ENTRIES; i++)
		if (c->entries[i].expires > now &&
		    CRYPTO_memcmp(c->entries[i].digest, digest,
		    APIKEY_DIGEST_LEN) == 0)
			return &c->entries[i];
	return NULL;
}

void
apikey_cache_store(struct apikey_cache *c, const unsigned char *digest,
    int64_t client_id, time_t now)
{
	struct apikey_cached *slot;

	if (c->seconds <= 0)
		return;
	slot = &c->entries[c->next++ % APIKEY_CACHE_ENTRIES];
	memcpy(slot->digest, digest, APIKEY_DIGEST_LEN);
	slot->client_id = client_id;
	slot->expires = now + c->seconds;
}

static const struct db_stmt find_client = {
	"apikey_find",
	"SELECT id FROM api_clients WHERE key_hash = $1::bytea "
	"AND revoked_at IS NULL",
	1
};

enum apikey_result
apikey_check(struct db *db, struct arena *a, struct apikey_cache *cache,
    const char *key, int64_t *client_id)
{
	unsigned char digest[DIGEST_SHA256_LEN];
	char hex[2 + DIGEST_SHA256_LEN * 2 + 1];
	const struct apikey_cached *hit;
	const char *params[1];
	enum db_status st;
	PGresult *res;
	size_t len;
	time_t now;

	if (key == NULL || *key == '\0')
		return APIKEY_MISSING;
	len = strlen(key);
	if (len > APIKEY_MAX_LEN)
		return APIKEY_INVALID;
	digest_sha256(key, len, digest);
	now = monotonic_seconds();
	if (cache->seconds > 0 &&
	    (hit = apikey_cache_find(cache, digest, now)) != NULL) {
		*client_id = hit->client_id;
		return APIKEY_OK;
	}
	db_bytea_text(digest, sizeof(digest), hex);
	params[0] = hex;
	res = db_exec(db, a, &find_client, params, &st);
	if (res == NULL)
		return st == DB_UNAVAILABLE ? APIKEY_UNAVAILABLE :
		    APIKEY_INVALID;
	if (PQntuples(res) != 1)
		return APIKEY_INVALID;
	*client_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	apikey_cache_store(cache, digest, *client_id, now);
	return APIKEY_OK;
}
