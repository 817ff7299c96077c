/*
 * session.c - session creation; the refresh token never leaves this file
 * except in the response body.
 */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/session.h"
#include "auth/token.h"
#include "core/arena.h"
#include "core/base64.h"
#include "core/util.h"
#include "http/request.h"
#include "server/app.h"
#include "server/config.h"

/* One round trip: session, first refresh token and the audit event. */
static const struct db_stmt open_session = {
	"session_open",
	"WITH s AS ("
	"  INSERT INTO sessions (user_id, api_client_id, remote_addr, user_agent)"
	"  VALUES ($1, $2, $3, left($4, 512)) RETURNING id),"
	" t AS ("
	"  INSERT INTO refresh_tokens (token_hash, session_id, expires_at)"
	"  SELECT $5::bytea, id, now() + make_interval(secs => $6::float8)"
	"  FROM s),"
	" e AS ("
	"  INSERT INTO auth_events (event, user_id, session_id, api_client_id,"
	"   remote_addr, user_agent)"
	"  SELECT 'login', $1, id, $2, $3, left($4, 512) FROM s)"
	"SELECT id::text FROM s",
	6
};

/* Makes a refresh token; writes its digest as bytea text to hash_text. */
static char *
new_refresh_token(struct arena *a, char *hash_text)
{
	unsigned char raw[REFRESH_TOKEN_BYTES], digest[SHA256_DIGEST_LENGTH];
	char *token = arena_alloc(a, BASE64URL_ENCODED_SIZE(sizeof(raw)));

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return NULL;
	base64url_encode(raw, sizeof(raw), token);
	OPENSSL_cleanse(raw, sizeof(raw));
	SHA256((const unsigned char *)token, strlen(token), digest);
	db_bytea_text(digest, sizeof(digest), hash_text);
	return token;
}

enum db_status
session_open(struct request *req, int64_t user_id, const char *role,
    struct issued_tokens *out)
{
	const struct config *cfg = req->app->cfg;
	char uid[24], client[24], ttl[24];
	char hash_text[2 * SHA256_DIGEST_LENGTH + 3];
	const char *params[6];
	struct token_claims claims;
	enum db_status st;
	PGresult *res;

	memset(out, 0, sizeof(*out));
	if ((out->refresh_token = new_refresh_token(req->arena,
	    hash_text)) == NULL)
		return DB_ERROR;
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(client, sizeof(client), "%" PRId64, req->api_client_id);
	snprintf(ttl, sizeof(ttl), "%ld", cfg->refresh_ttl);
	params[0] = uid;
	params[1] = req->api_client_id > 0 ? client : NULL;
	params[2] = req->remote_addr;
	params[3] = req->user_agent;
	params[4] = hash_text;
	params[5] = ttl;
	res = db_exec(req->app->db, req->arena, &open_session, params, &st);
	if (res == NULL)
		return st;
	if (PQntuples(res) != 1)
		return DB_ERROR;
	out->session_id = arena_strdup(req->arena, PQgetvalue(res, 0, 0));

	memset(&claims, 0, sizeof(claims));
	strlcpy_safe(claims.sub, uid, sizeof(claims.sub));
	strlcpy_safe(claims.role, role, sizeof(claims.role));
	strlcpy_safe(claims.sid, out->session_id, sizeof(claims.sid));
	out->access_token = token_sign(req->arena, &req->app->ring, &claims,
	    time(NULL));
	out->expires_in = req->app->ring.ttl;
	return out->access_token != NULL ? DB_OK : DB_ERROR;
}
