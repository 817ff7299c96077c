/*
 * change_password.c - POST /api/password/change (docs/API.md §4, §10): the
 * current password and a new one, under a live access token.
 *
 * The current password is checked by login_reauthenticate() (lockout and
 * all).  On success every other session of the user ends; the caller's
 * stays.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/login.h"
#include "api/user.h"
#include "app/app.h"
#include "auth/caller.h"
#include "auth/password.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/json.h"
#include "http/bearer.h"
#include "http/param.h"
#include "http/request.h"
#include "http/response.h"

/*
 * Compare-and-set on the verified hash ($4), so a concurrent change is
 * never silently overwritten; the other sessions end and the change is
 * audited in the same statement.
 */
static const struct db_stmt change = {
	"password_change",
	"WITH u AS ("
	"  UPDATE users SET password_hash = $3, updated_at = now()"
	"  FROM sessions s WHERE users.id = $2 AND s.id = $1::uuid"
	"  AND s.user_id = users.id AND s.revoked_at IS NULL"
	"  AND users.password_hash = $4"
	"  RETURNING users.id),"
	" r AS ("
	"  UPDATE sessions SET revoked_at = now(),"
	"   revoked_reason = 'password_change'"
	"  WHERE user_id = (SELECT id FROM u) AND id <> $1::uuid"
	"  AND revoked_at IS NULL RETURNING id),"
	" e AS ("
	"  INSERT INTO auth_events (event, user_id, session_id, api_client_id,"
	"   remote_addr, user_agent)"
	"  SELECT 'password_change', id, $1::uuid, $5::bigint, $6,"
	"   left($7, 512) FROM u)"
	"SELECT (SELECT count(*) FROM r) FROM u",
	7
};

void
handle_password_change(struct request *req, struct response *resp)
{
	char hash[PASSWORD_HASH_MAX], client[AUTH_CLIENT_TEXT_SIZE];
	const char *current = NULL, *fresh, *params[7], *stored;
	size_t current_len = 0, fresh_len = 0;
	struct auth_caller caller;
	struct field_errors fe;
	struct json_writer *w;
	struct bearer b;
	PGresult *res;

	field_errors_init(&fe, req->arena);
	(void)param_string(req, &fe, "current_password", PARAM_REQUIRED,
	    SIZE_MAX, &current, &current_len);
	fresh = user_new_password_field(req, &fe, "new_password", &fresh_len);
	if (field_errors_any(&fe)) {
		response_invalid(resp, &fe);
		return;
	}
	if (!bearer_authenticate(req, resp, &b))
		return;
	if (!login_reauthenticate(req, resp, &b, current, current_len,
	    &stored))
		return;

	if (password_hash_guarded(&req->app->passwords,
	    request_hash_wait_ms(req), fresh, fresh_len, hash) == -1) {
		response_busy(resp);
		return;
	}
	params[2] = hash;
	params[3] = stored;
	request_caller(req, &caller);
	auth_caller_params(&caller, client, params + 4);
	/* No row: the session ended, or the password changed meanwhile. */
	if ((res = bearer_query(req, resp, &b, &change, params, NULL,
	    NULL)) == NULL)
		return;
	w = envelope_begin(resp, "Password changed");
	json_w_object_open(w);
	json_w_kv_int(w, "revoked_sessions",
	    strtoll(PQgetvalue(res, 0, 0), NULL, 10));
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}
