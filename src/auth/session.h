/*
 * session.h - sessions and refresh tokens (docs/API.md §4).
 *
 * A login opens a session row and its first refresh token (256 random bits,
 * base64url; only its SHA-256 is stored) and signs an access token carrying
 * the session id as "sid".
 */
#ifndef CEXUP_SESSION_H
#define CEXUP_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "core/db.h"

struct arena;
struct auth_caller;
struct token_ring;

#define REFRESH_TOKEN_BYTES	32

/* From the configuration (refresh_ttl, refresh_reuse_window). */
struct session_params {
	long	refresh_ttl;		/* seconds */
	int	refresh_reuse_window;	/* seconds */
};

struct issued_tokens {
	const char	*access_token;
	const char	*refresh_token;
	long		 expires_in;
	const char	*session_id;
};

/* Opens a session for a user who just proved their password. */
enum db_status	session_open(const struct auth_caller *,
		    const struct token_ring *, const struct session_params *,
		    int64_t user_id, const char *role,
		    struct issued_tokens *out);

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
enum db_status	session_refresh(const struct auth_caller *,
		    const struct token_ring *, const struct session_params *,
		    const char *refresh_token, struct issued_tokens *out,
		    enum refresh_result *result, int64_t *user_id);

/* Revokes a live session of user_id (logout); *revoked false if none. */
enum db_status	session_revoke(const struct auth_caller *,
		    const char *session_id, int64_t user_id, int *revoked);

/*
 * A new refresh token in the arena (base64url of REFRESH_TOKEN_BYTES
 * random bytes); its SHA-256 as bytea text goes to hash_text, which holds
 * SESSION_HASH_TEXT_SIZE bytes.  NULL if the random source fails.
 */
#define SESSION_HASH_TEXT_SIZE	(2 * 32 + 3)
char		*session_new_refresh_token(struct arena *, char *hash_text);
/* True if s has the shape of a token we issue (43 base64url characters). */
bool		 session_token_plausible(const char *s);
/*
 * The stored form of a presented token (its SHA-256 as bytea text, into
 * SESSION_HASH_TEXT_SIZE bytes); false, without hashing, when it does not
 * have a token's shape.  Also the reset and verification tokens of
 * account mails (api/recovery.c), which are made the same way.
 */
bool		 session_token_hash(const char *presented, char *hash_text);

#endif
