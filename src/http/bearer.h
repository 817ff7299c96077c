/*
 * bearer.h - the access token of an authenticated request (docs/API.md §4),
 * the HTTP middleware every route that reads the user goes through.
 *
 * bearer_authenticate() parses "Authorization: Bearer <jwt>" and verifies
 * the token against the worker's key ring (no database: microseconds).
 * Whether the token's session is still live is checked by the route's own
 * statement, in the same round trip that reads or changes the user:
 * bearer_query() runs it and answers for it.  docs/API.md §9 puts field
 * errors before token errors, so handlers call these after reading their
 * fields, not dispatch.
 */
#ifndef CEXUP_BEARER_H
#define CEXUP_BEARER_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "auth/token.h"

struct db_stmt;
struct request;
struct response;

struct bearer {
	struct token_claims	 claims;
	int64_t			 user_id;	/* claims.sub as a number */
	char			 user_id_text[24];
};

/*
 * Verifies the request's Bearer token.  Returns true, fills *out and sets
 * req->user_id; or answers 401 (with WWW-Authenticate) and returns false.
 */
bool	bearer_authenticate(struct request *, struct response *,
	    struct bearer *out);

/*
 * True when the token's role is `role`; else answers 403 with `details`
 * and returns false.
 */
bool	bearer_require_role(const struct bearer *, struct response *,
	    const char *role, const char *details);

/*
 * The first CTE of a statement gated on a live session ($1 session id,
 * $2 user id): "u" has the user's id while the session is live, no row
 * once it has ended.  The statement goes on with ", name AS (...)".
 */
#define BEARER_LIVE_USER_CTE \
	"WITH u AS (SELECT users.id FROM users" \
	"  JOIN sessions ON sessions.user_id = users.id" \
	"  WHERE sessions.id = $1::uuid AND sessions.revoked_at IS NULL" \
	"  AND users.id = $2)"

/*
 * Runs a statement that matches the user's row only while the token's
 * session is live: $1 the session id and $2 the user id are filled in
 * here, params[2..] are the route's (lengths and formats as for
 * db_exec_bin, or NULL for text).  Returns the one row, or NULL after
 * answering 401 (session ended), 503 or 500.
 */
PGresult *bearer_query(struct request *, struct response *,
	    const struct bearer *, const struct db_stmt *,
	    const char **params, const int *lengths, const int *formats);

/*
 * The same for a statement that answers a list: one or more rows while
 * the session is live (an empty list as one row of NULLs), none once it
 * has ended.  Text parameters.
 */
PGresult *bearer_query_rows(struct request *, struct response *,
	    const struct bearer *, const struct db_stmt *,
	    const char **params);

/* 401 for a token whose session was revoked (logout, reuse) or is gone. */
void	bearer_respond_revoked(struct response *);

#endif
