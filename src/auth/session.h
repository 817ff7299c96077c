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

#endif
