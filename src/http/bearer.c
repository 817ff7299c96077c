/*
 * bearer.c - "Authorization: Bearer <jwt>" for every authenticated route.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app/app.h"
#include "core/db.h"
#include "core/log.h"
#include "core/validate.h"
#include "http/bearer.h"
#include "http/request.h"
#include "http/response.h"

#define UNAUTHENTICATED	"Unauthenticated."

static void
respond_unauthenticated(struct response *resp, const char *details)
{
	response_header(resp, "WWW-Authenticate", "Bearer");
	response_error(resp, 401, UNAUTHENTICATED, details);
}

void
bearer_respond_revoked(struct response *resp)
{
	respond_unauthenticated(resp,
	    "The session of this access token has ended. Please log in again.");
}

bool
bearer_authenticate(struct request *req, struct response *resp,
    struct bearer *out)
{
	const char *h = req->authorization, *token;
	enum token_status st;

	memset(out, 0, sizeof(*out));
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		respond_unauthenticated(resp,
		    "Send an access token in the Authorization header "
		    "(Bearer).");
		return false;
	}
	for (token = h + 7; *token == ' '; token++)
		;
	st = token_verify(req->arena, &req->app->ring, token, strlen(token),
	    time(NULL), &out->claims);
	if (st == TOKEN_OK && !valid_uuid(out->claims.sid))
		st = TOKEN_BAD_CLAIMS;
	if (st == TOKEN_OK && (out->user_id = strtoll(out->claims.sub, NULL,
	    10)) <= 0)
		st = TOKEN_BAD_CLAIMS;
	if (st != TOKEN_OK) {
		/* Why goes to the debug log only: the client learns nothing. */
		log_debug("bearer token refused: %s", token_status_text(st));
		respond_unauthenticated(resp, st == TOKEN_EXPIRED ?
		    "The access token has expired. Refresh it or log in "
		    "again." :
		    "The access token is invalid.");
		return false;
	}
	snprintf(out->user_id_text, sizeof(out->user_id_text), "%" PRId64,
	    out->user_id);
	req->user_id = out->user_id;
	return true;
}

bool
bearer_require_role(const struct bearer *b, struct response *resp,
    const char *role, const char *details)
{
	if (strcmp(b->claims.role, role) == 0)
		return true;
	response_error(resp, 403, "Forbidden.", details);
	return false;
}

/* At least min_rows rows, at most max_rows (0: no limit). */
static PGresult *
query_rows(struct request *req, struct response *resp, const struct bearer *b,
    const struct db_stmt *stmt, const char **params, const int *lengths,
    const int *formats, int min_rows, int max_rows)
{
	enum db_status st;
	PGresult *res;
	int n;

	params[0] = b->claims.sid;
	params[1] = b->user_id_text;
	res = db_exec_bin(req->app->db, req->arena, stmt, params, lengths,
	    formats, 0, &st);
	if (res == NULL) {
		response_db_failure(resp, st);
		return NULL;
	}
	n = PQntuples(res);
	if (n < min_rows || (max_rows > 0 && n > max_rows)) {
		bearer_respond_revoked(resp);
		return NULL;
	}
	return res;
}

PGresult *
bearer_query(struct request *req, struct response *resp,
    const struct bearer *b, const struct db_stmt *stmt, const char **params,
    const int *lengths, const int *formats)
{
	return query_rows(req, resp, b, stmt, params, lengths, formats, 1, 1);
}

PGresult *
bearer_query_rows(struct request *req, struct response *resp,
    const struct bearer *b, const struct db_stmt *stmt, const char **params)
{
	return query_rows(req, resp, b, stmt, params, NULL, NULL, 1, 0);
}
