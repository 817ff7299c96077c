/*
 * session.c - session creation; the refresh token never leaves this file
 * except in the response body.
 */
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/caller.h"
#include "auth/session.h"
#include "auth/token.h"
#include "core/arena.h"
#include "core/base64.h"
#include "core/digest.h"
#include "core/util.h"

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

char *
session_new_refresh_token(struct arena *a, char *hash_text)
{
	unsigned char raw[REFRESH_TOKEN_BYTES], digest[DIGEST_SHA256_LEN];
	char *token = arena_alloc(a, BASE64URL_ENCODED_SIZE(sizeof(raw)));

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return NULL;
	base64url_encode(raw, sizeof(raw), token);
	OPENSSL_cleanse(raw, sizeof(raw));
	digest_sha256(token, strlen(token), digest);
	db_bytea_text(digest, sizeof(digest), hash_text);
	return token;
}

enum db_status
session_open(const struct auth_caller *c, const struct token_ring *ring,
    const struct session_params *sp, int64_t user_id, const char *role,
    struct issued_tokens *out)
{
	char uid[24], client[AUTH_CLIENT_TEXT_SIZE], ttl[24];
	char hash_text[SESSION_HASH_TEXT_SIZE];
	const char *params[6];
	struct token_claims claims;
	enum db_status st;
	PGresult *res;

	memset(out, 0, sizeof(*out));
	if ((out->refresh_token = session_new_refresh_token(c->arena,
	    hash_text)) == NULL)
		return DB_ERROR;
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	snprintf(ttl, sizeof(ttl), "%ld", sp->refresh_ttl);
	params[0] = uid;
	auth_caller_params(c, client, params + 1);
	params[4] = hash_text;
	params[5] = ttl;
	res = db_exec(c->db, c->arena, &open_session, params, &st);
	if (res == NULL)
		return st;
	if (PQntuples(res) != 1)
		return DB_ERROR;
	out->session_id = arena_strdup(c->arena, PQgetvalue(res, 0, 0));

	memset(&claims, 0, sizeof(claims));
	strlcpy_safe(claims.sub, uid, sizeof(claims.sub));
	strlcpy_safe(claims.role, role, sizeof(claims.role));
	strlcpy_safe(claims.sid, out->session_id, sizeof(claims.sid));
	out->access_token = token_sign(c->arena, ring, &claims,
	    time(NULL));
	out->expires_in = ring->ttl;
	return out->access_token != NULL ? DB_OK : DB_ERROR;
}

/*
 * Rotation in one statement, so no interleaving of concurrent requests can
 * redeem a token twice outside the window.  "redeemed" takes the token's
 * row lock: a second request presenting the same token waits for the first
 * to commit, then re-checks the condition against the spent row, which
 * only holds within the reuse window.  A token spent earlier matches no
 * row in "redeemed" and revokes its session in "reused".  The window is
 * measured against clock_timestamp(), not the transaction's start: a
 * request that began before the token was spent must not count as inside
 * a zero window.
 */
static const struct db_stmt rotate_refresh_token = {
	"session_refresh",
	"WITH redeemed AS ("
	"  UPDATE refresh_tokens SET spent_at = coalesce(spent_at, now())"
	"  WHERE token_hash = $1::bytea AND expires_at > now()"
	"  AND (spent_at IS NULL"
	"   OR spent_at > clock_timestamp()"
	"    - make_interval(secs => $3::float8))"
	"  RETURNING session_id),"
	" live AS ("
	"  SELECT s.id, s.user_id, s.api_client_id, u.role FROM redeemed r"
	"  JOIN sessions s ON s.id = r.session_id AND s.revoked_at IS NULL"
	"  JOIN users u ON u.id = s.user_id),"
	" issued AS ("
	"  INSERT INTO refresh_tokens (token_hash, session_id, expires_at)"
	"  SELECT $2::bytea, id, now() + make_interval(secs => $4::float8)"
	"  FROM live),"
	/* "Last used" in the sessions list: one indexed row per refresh. */
	" seen AS ("
	"  UPDATE sessions SET last_seen_at = now() FROM live"
	"  WHERE sessions.id = live.id),"
	" reused AS ("
	"  UPDATE sessions SET revoked_at = now(),"
	"   revoked_reason = 'refresh_reuse'"
	"  WHERE revoked_at IS NULL AND NOT EXISTS (SELECT 1 FROM redeemed)"
	"  AND id = (SELECT session_id FROM refresh_tokens"
	"   WHERE token_hash = $1::bytea AND spent_at IS NOT NULL"
	"   AND spent_at <= clock_timestamp()"
	"    - make_interval(secs => $3::float8))"
	"  RETURNING id, user_id, api_client_id),"
	/* The session's client app when the request named none. */
	" e AS ("
	"  INSERT INTO auth_events (event, user_id, session_id, api_client_id,"
	"   remote_addr, user_agent)"
	"  SELECT 'refresh', user_id, id, coalesce($5::bigint, api_client_id),"
	"   $6, left($7, 512) FROM live"
	"  UNION ALL"
	"  SELECT 'refresh_reuse', user_id, id,"
	"   coalesce($5::bigint, api_client_id), $6, left($7, 512)"
	"  FROM reused)"
	"SELECT 'rotated', id::text, user_id, role FROM live"
	" UNION ALL "
	"SELECT 'reused', id::text, user_id, NULL FROM reused",
	7
};

static const struct db_stmt revoke_session = {
	"session_revoke",
	"WITH s AS ("
	"  UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout'"
	"  WHERE id = $1::uuid AND user_id = $2 AND revoked_at IS NULL"
	"  RETURNING id, user_id, api_client_id),"
	" e AS ("
	"  INSERT INTO auth_events (event, user_id, session_id, api_client_id,"
	"   remote_addr, user_agent)"
	"  SELECT 'logout', user_id, id, coalesce($3::bigint, api_client_id),"
	"   $4, left($5, 512) FROM s)"
	"SELECT id FROM s",
	5
};

bool
session_token_plausible(const char *s)
{
	/* Unpadded base64url of n bytes: ceil(4n / 3) characters. */
	size_t i, want = (REFRESH_TOKEN_BYTES * 4 + 2) / 3;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= want || !((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return false;
	return i == want;
}

bool
session_token_hash(const char *presented, char *hash_text)
{
	unsigned char digest[DIGEST_SHA256_LEN];

	if (!session_token_plausible(presented))
		return false;
	digest_sha256(presented, strlen(presented), digest);
	db_bytea_text(digest, sizeof(digest), hash_text);
	return true;
}

enum db_status
session_refresh(const struct auth_caller *c, const struct token_ring *ring,
    const struct session_params *sp, const char *presented,
    struct issued_tokens *out, enum refresh_result *result, int64_t *user_id)
{
	char old_hash[SESSION_HASH_TEXT_SIZE];
	char new_hash[SESSION_HASH_TEXT_SIZE];
	char window[24], ttl[24], client[AUTH_CLIENT_TEXT_SIZE];
	const char *params[7];
	struct token_claims claims;
	enum db_status st;
	PGresult *res;

	memset(out, 0, sizeof(*out));
	*result = REFRESH_INVALID;
	*user_id = 0;
	if (!session_token_hash(presented, old_hash))
		return DB_OK;
	if ((out->refresh_token = session_new_refresh_token(c->arena,
	    new_hash)) == NULL)
		return DB_ERROR;
	snprintf(window, sizeof(window), "%d", sp->refresh_reuse_window);
	snprintf(ttl, sizeof(ttl), "%ld", sp->refresh_ttl);
	params[0] = old_hash;
	params[1] = new_hash;
	params[2] = window;
	params[3] = ttl;
	auth_caller_params(c, client, params + 4);
	res = db_exec(c->db, c->arena, &rotate_refresh_token, params,
	    &st);
	if (res == NULL)
		return st;
	if (PQntuples(res) != 1)
		return DB_OK;
	*user_id = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	if (strcmp(PQgetvalue(res, 0, 0), "reused") == 0) {
		*result = REFRESH_REUSED;
		return DB_OK;
	}

	out->session_id = arena_strdup(c->arena, PQgetvalue(res, 0, 1));
	memset(&claims, 0, sizeof(claims));
	strlcpy_safe(claims.sub, PQgetvalue(res, 0, 2), sizeof(claims.sub));
	strlcpy_safe(claims.role, PQgetvalue(res, 0, 3), sizeof(claims.role));
	strlcpy_safe(claims.sid, out->session_id, sizeof(claims.sid));
	out->access_token = token_sign(c->arena, ring, &claims,
	    time(NULL));
	out->expires_in = ring->ttl;
	if (out->access_token == NULL)
		return DB_ERROR;
	*result = REFRESH_ROTATED;
	return DB_OK;
}

enum db_status
session_revoke(const struct auth_caller *c, const char *session_id,
    int64_t user_id, int *revoked)
{
	char uid[24], client[AUTH_CLIENT_TEXT_SIZE];
	const char *params[5];
	enum db_status st;
	PGresult *res;

	*revoked = 0;
	snprintf(uid, sizeof(uid), "%" PRId64, user_id);
	params[0] = session_id;
	params[1] = uid;
	auth_caller_params(c, client, params + 2);
	res = db_exec(c->db, c->arena, &revoke_session, params, &st);
	if (res == NULL)
		return st;
	*revoked = PQntuples(res) == 1;
	return DB_OK;
}
