/*
 * apikey.c - look an API key up by its SHA-256.
 */
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <stdint.h>
#include <time.h>

#include <stdlib.h>
#include <string.h>

#include "auth/apikey.h"
#include "core/db.h"
#include "core/util.h"
#include "http/request.h"
#include "server/app.h"
#include "server/config.h"

#define APIKEY_MAX_LEN	256
#define CACHE_ENTRIES	16

/*
 * Keys verified recently by this worker, so that a client app's requests do
 * not each pay a database round trip for its key.  Only valid keys are kept,
 * for api_key_cache_seconds: that is how long a revoked key may still be
 * accepted by a worker that saw it just before.
 */
static struct cached_key {
	unsigned char	digest[SHA256_DIGEST_LENGTH];
	int64_t		client_id;
	time_t		expires;	/* monotonic seconds; 0: empty */
} cache[CACHE_ENTRIES];
static size_t cache_next;

static time_t
monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static const struct cached_key *
cache_find(const unsigned char *digest, time_t now)
{
	size_t i;

	for (i = 0; i < CACHE_ENTRIES; i++)
		if (cache[i].expires > now &&
		    CRYPTO_memcmp(cache[i].digest, digest,
		    SHA256_DIGEST_LENGTH) == 0)
			return &cache[i];
	return NULL;
}

static void
cache_store(const unsigned char *digest, int64_t client_id, time_t expires)
{
	struct cached_key *slot = &cache[cache_next++ % CACHE_ENTRIES];

	memcpy(slot->digest, digest, SHA256_DIGEST_LENGTH);
	slot->client_id = client_id;
	slot->expires = expires;
}

static const struct db_stmt find_client = {
	"apikey_find",
	"SELECT id FROM api_clients WHERE key_hash = $1::bytea "
	"AND revoked_at IS NULL",
	1
};

enum apikey_result
apikey_check(struct request *req)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	char hex[2 + SHA256_DIGEST_LENGTH * 2 + 1];
	const char *params[1];
	enum db_status st;
	PGresult *res;
	size_t len;
	const struct cached_key *hit;
	int ttl = req->app->cfg->api_key_cache_seconds;
	time_t now;

	if (req->api_key == NULL || *req->api_key == '\0')
		return APIKEY_MISSING;
	len = strlen(req->api_key);
	if (len > APIKEY_MAX_LEN)
		return APIKEY_INVALID;
	SHA256((const unsigned char *)req->api_key, len, digest);
	now = monotonic_seconds();
	if (ttl > 0 && (hit = cache_find(digest, now)) != NULL) {
		req->api_client_id = hit->client_id;
		return APIKEY_OK;
	}
	db_bytea_text(digest, sizeof(digest), hex);
	params[0] = hex;
	res = db_exec(req->app->db, req->arena, &find_client, params, &st);
	if (res == NULL)
		return st == DB_UNAVAILABLE ? APIKEY_UNAVAILABLE :
		    APIKEY_INVALID;
	if (PQntuples(res) != 1)
		return APIKEY_INVALID;
	req->api_client_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	if (ttl > 0)
		cache_store(digest, req->api_client_id, now + ttl);
	return APIKEY_OK;
}
