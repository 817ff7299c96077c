/*
 * session.h - sessions and refresh tokens (CONTRACT §4).
 *
 * A login opens a session row and its first refresh token (256 random bits,
 * base64url; only its SHA-256 is stored) and signs an access token carrying
 * the session id as "sid".
 */
#ifndef CEXUP_SESSION_H
#define CEXUP_SESSION_H

#include <stdint.h>

#include "core/db.h"

struct request;

#define REFRESH_TOKEN_BYTES	32

struct issued_tokens {
	const char	*access_token;
	const char	*refresh_token;
	long		 expires_in;
	const char	*session_id;
};

/* Opens a session for a user who just proved their password. */
enum db_status	session_open(struct request *, int64_t user_id,
		    const char *role, struct issued_tokens *out);

enum refresh_result {
	REFRESH_ROTATED,	/* *out holds the new pair */
	REFRESH_INVALID,	/* unknown, expired, or its session has ended */
	REFRESH_REUSED		/* spent too long ago: session revoked */
};

/*
 * Redeems a refresh token in one atomic statement: a live token is spent
 * and replaced; a token spent less than refresh_reuse_window seconds ago
 * is replaced again in the same session (two tabs refreshing at once); a
 * token spent earlier revokes its whole session.  Sets *result, and
 * *user_id when known (for the log line).
 */
enum db_status	session_refresh(struct request *, const char *refresh_token,
		    struct issued_tokens *out, enum refresh_result *result,
		    int64_t *user_id);

/* Revokes a live session of user_id (logout); *revoked false if none. */
enum db_status	session_revoke(struct request *, const char *session_id,
		    int64_t user_id, int *revoked);

#endif
