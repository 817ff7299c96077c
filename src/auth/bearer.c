/*
 * bearer.c - "Authorization: Bearer <jwt>" for every authenticated route.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/bearer.h"
#include "core/log.h"
#include "http/request.h"
#include "http/response.h"
#include "server/app.h"

#define UNAUTHENTICATED	"Unauthenticated."

static void
respond_unauthenticated(struct response *resp, const char *details)
{
	response_header(resp, "WWW-Authenticate", "Bearer");
	response_error(resp, 401, UNAUTHENTICATED, details);
}

void
respond_session_revoked(struct response *resp)
{
	respond_unauthenticated(resp,
	    "The session of this access token has ended. Please log in again.");
}

bool
is_uuid_text(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
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
	if (st == TOKEN_OK && !is_uuid_text(out->claims.sid))
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
	return true;
}
