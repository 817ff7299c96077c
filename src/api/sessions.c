/*
 * sessions.c - a signed-in user's own sessions (docs/API.md §4, §10):
 * GET /api/sessions, POST /api/sessions/{id}/revoke and
 * POST /api/sessions/revoke-others.
 *
 * Every statement checks in its own round trip that the caller's session
 * ($1, for user $2) is still live, as bearer_query() does for one-row
 * statements.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "app/app.h"
#include "auth/caller.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/json.h"
#include "core/validate.h"
#include "http/bearer.h"
#include "http/request.h"
#include "http/response.h"

#define ISO_UTC(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* The caller's session is live: every statement below starts with it. */
#define CURRENT_CTE \
	"WITH cur AS (SELECT id FROM sessions WHERE id = $1::uuid" \
	" AND user_id = $2 AND revoked_at IS NULL)"

/*
 * Live sessions: not revoked, and a refresh token not yet expired (a
 * session whose refresh tokens all expired can never be used again).  The
 * current one is always listed, so no row means the caller's has ended.
 */
static const struct db_stmt list_sessions = {
	"sessions_list",
	CURRENT_CTE
	" SELECT s.id::text, s.id = $1::uuid, " ISO_UTC("s.created_at") ","
	"  " ISO_UTC("s.last_seen_at") ", s.api_client_id, c.name,"
	"  s.user_agent, s.remote_addr"
	" FROM sessions s LEFT JOIN api_clients c ON c.id = s.api_client_id"
	" WHERE s.user_id = $2 AND s.revoked_at IS NULL"
	" AND EXISTS (SELECT 1 FROM cur)"
	" AND (s.id = $1::uuid OR EXISTS (SELECT 1 FROM refresh_tokens r"
	"  WHERE r.session_id = s.id AND r.expires_at > now()))"
	" ORDER BY s.id = $1::uuid DESC, s.last_seen_at DESC, s.id",
	2
};

/*
 * $3 the session to end, or NULL for every other one.  Columns: whether
 * the caller's session is live, how many sessions were ended.
 */
static const struct db_stmt revoke_sessions = {
	"sessions_revoke",
	CURRENT_CTE ","
	" s AS ("
	"  UPDATE sessions SET revoked_at = now(), revoked_reason = $7"
	"  WHERE user_id = $2 AND revoked_at IS NULL"
	"  AND EXISTS (SELECT 1 FROM cur)"
	"  AND CASE WHEN $3::uuid IS NULL THEN id <> $1::uuid"
	"   ELSE id = $3::uuid END"
	"  RETURNING id, user_id, api_client_id),"
	" e AS ("
	"  INSERT INTO auth_events (event, user_id, session_id, api_client_id,"
	"   remote_addr, user_agent)"
	"  SELECT 'session_revoke', user_id, id,"
	"   coalesce($4::bigint, api_client_id), $5, left($6, 512) FROM s)"
	"SELECT EXISTS (SELECT 1 FROM cur), (SELECT count(*) FROM s)",
	7
};

/* ---- GET /api/sessions ---- */

static void
write_nullable_string(struct json_writer *w, const PGresult *res, int row,
    int col, const char *key)
{
	json_w_kv_string(w, key, PQgetisnull(res, row, col) ? NULL :
	    PQgetvalue(res, row, col));
}

void
handle_sessions_list(struct request *req, struct response *resp)
{
	struct json_writer *w;
	const char *params[2];
	struct bearer b;
	PGresult *res;
	int i, n;

	if (!bearer_authenticate(req, resp, &b))
		return;
	if ((res = bearer_query_rows(req, resp, &b, &list_sessions,
	    params)) == NULL)
		return;
	n = PQntuples(res);
	w = envelope_begin(resp, "OK");
	json_w_object_open(w);
	json_w_key(w, "sessions");
	json_w_array_open(w);
	for (i = 0; i < n; i++) {
		json_w_object_open(w);
		json_w_kv_string(w, "id", PQgetvalue(res, i, 0));
		json_w_kv_bool(w, "current", PQgetvalue(res, i, 1)[0] == 't');
		json_w_kv_string(w, "created_at", PQgetvalue(res, i, 2));
		json_w_kv_string(w, "last_used_at", PQgetvalue(res, i, 3));
		json_w_key(w, "client_app");
		if (PQgetisnull(res, i, 4))
			json_w_null(w);
		else {
			json_w_object_open(w);
			json_w_kv_int(w, "id",
			    strtoll(PQgetvalue(res, i, 4), NULL, 10));
			write_nullable_string(w, res, i, 5, "name");
			json_w_object_close(w);
		}
		write_nullable_string(w, res, i, 6, "user_agent");
		write_nullable_string(w, res, i, 7, "ip_address");
		json_w_object_close(w);
	}
	json_w_array_close(w);
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}

/* ---- POST /api/sessions/{id}/revoke, POST /api/sessions/revoke-others */

/*
 * Ends one session (target) or every other one (NULL).  Returns the count
 * ended, or -1 after answering (401 for an ended caller session, 5xx).
 */
static long
revoke(struct request *req, struct response *resp, const struct bearer *b,
    const char *target, const char *reason)
{
	char client[AUTH_CLIENT_TEXT_SIZE];
	struct auth_caller caller;
	const char *params[7];
	enum db_status st;
	PGresult *res;

	request_caller(req, &caller);
	params[0] = b->claims.sid;
	params[1] = b->user_id_text;
	params[2] = target;
	auth_caller_params(&caller, client, params + 3);
	params[6] = reason;
	res = db_exec(req->app->db, req->arena, &revoke_sessions, params, &st);
	if (res == NULL || PQntuples(res) != 1) {
		response_db_failure(resp, res == NULL ? st : DB_ERROR);
		return -1;
	}
	if (PQgetvalue(res, 0, 0)[0] != 't') {
		bearer_respond_revoked(resp);
		return -1;
	}
	return strtol(PQgetvalue(res, 0, 1), NULL, 10);
}

static void
respond_revoked_count(struct response *resp, const char *message, long n)
{
	struct json_writer *w;

	w = envelope_begin(resp, message);
	json_w_object_open(w);
	json_w_kv_int(w, "revoked_sessions", n);
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}

void
handle_session_revoke(struct request *req, struct response *resp)
{
	const char *id = req->path_params[0];
	struct bearer b;
	long n;

	if (!bearer_authenticate(req, resp, &b))
		return;
	/* Not a uuid, someone else's, or already ended: all the same 404. */
	if (!valid_uuid(id)) {
		response_error(resp, 404, "Session not found.",
		    "No live session of yours has this id.");
		return;
	}
	if ((n = revoke(req, resp, &b, id, "revoked")) < 0)
		return;
	if (n == 0) {
		response_error(resp, 404, "Session not found.",
		    "No live session of yours has this id.");
		return;
	}
	respond_revoked_count(resp, "Session revoked", n);
}

void
handle_sessions_revoke_others(struct request *req, struct response *resp)
{
	struct bearer b;
	long n;

	if (!bearer_authenticate(req, resp, &b))
		return;
	if ((n = revoke(req, resp, &b, NULL, "revoke_others")) < 0)
		return;
	respond_revoked_count(resp, "Other sessions revoked", n);
}
