/*
 * bearer.h - the access token of an authenticated request (CONTRACT §4).
 *
 * Parses "Authorization: Bearer <jwt>" and verifies the token against the
 * worker's key ring (no database: microseconds).  Whether the token's
 * session is still live is checked by each handler's own statement, in the
 * same round trip that reads or changes the user.
 */
#ifndef CEXUP_BEARER_H
#define CEXUP_BEARER_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/token.h"

struct request;
struct response;

struct bearer {
	struct token_claims	 claims;
	int64_t			 user_id;	/* claims.sub as a number */
};

/*
 * Verifies the request's Bearer token.  Returns true and fills *out, or
 * answers 401 (with WWW-Authenticate) and returns false.
 */
bool	bearer_authenticate(struct request *, struct response *,
	    struct bearer *out);

/* 401 for a token whose session was revoked (logout, reuse) or is gone. */
void	respond_session_revoked(struct response *);

/* True if s is a canonical lower-case uuid (36 characters). */
bool	is_uuid_text(const char *s);

#endif
