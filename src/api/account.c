/*
 * account.c - the routes of a logged-in user (docs/API.md §3, §4, §9):
 * GET /api/me, POST /api/update/{role}, POST /api/token/refresh and
 * POST /api/logout.
 *
 * The access token is verified in memory (http/bearer.c); then one
 * statement both checks that the token's session is live and reads or
 * changes the user, so a revoked session is refused at no extra round
 * trip (an update that changes nothing takes a second, read-only one).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/login.h"
#include "api/user.h"
#include "app/app.h"
#include "app/config.h"
#include "auth/caller.h"
#include "auth/session.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/json.h"
#include "core/validate.h"
#include "http/bearer.h"
#include "http/param.h"
#include "http/request.h"
#include "http/response.h"

#define ADDRESS_MAX_BYTES	500
#define ID_NUMBER_MAX_BYTES	32

static const struct db_stmt current_user = {
	"account_me",
	"SELECT " USER_COLUMNS " FROM users"
	" JOIN sessions ON sessions.user_id = users.id"
	" WHERE sessions.id = $1::uuid AND sessions.revoked_at IS NULL"
	" AND users.id = $2",
	2
};

/*
 * A NULL parameter leaves its column as it is.  The row is written only
 * when a value differs: a save that changes nothing costs no new row
 * version, WAL or transaction id (none of these columns is indexed, so a
 * change stays a HOT update).  No row back means nothing differed, or the
 * session is not live: current_user then answers both.  (A single
 * statement reading the unchanged row back, a data-modifying CTE with
 * UNION ALL, measured 15-30 % slower for changing updates: bench/RESULTS.md
 * "#10 catalog cache and update route".)
 */
static const struct db_stmt update_user = {
	"account_update",
	"UPDATE users SET"
	" name = coalesce($3, users.name),"
	" address = coalesce($4, users.address),"
	" gender = coalesce($5, users.gender),"
	" phone_number = coalesce($6, users.phone_number),"
	" id_type = coalesce($7, users.id_type),"
	" id_number = coalesce($8, users.id_number),"
	" updated_at = now()"
	" FROM sessions"
	" WHERE users.id = $2 AND sessions.id = $1::uuid"
	" AND sessions.user_id = users.id AND sessions.revoked_at IS NULL"
	" AND (users.name, users.address, users.gender, users.phone_number,"
	" users.id_type, users.id_number) IS DISTINCT FROM"
	" (coalesce($3, users.name), coalesce($4, users.address),"
	" coalesce($5, users.gender), coalesce($6, users.phone_number),"
	" coalesce($7, users.id_type), coalesce($8, users.id_number))"
	" RETURNING " USER_COLUMNS,
	8
};

static void
respond_user(struct request *req, struct response *resp, const char *message,
    const PGresult *res)
{
	struct user_row user;
	struct json_writer *w;

	user_row_read(res, 0, &user);
	w = envelope_begin(resp, message);
	json_w_object_open(w);
	json_w_key(w, "user");
	user_write_cexup(req, w, &user);
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}

/* ---- GET /api/me ---- */

void
handle_me(struct request *req, struct response *resp)
{
	struct bearer b;
	const char *params[2];
	PGresult *res;

	if (!bearer_authenticate(req, resp, &b))
		return;
	if ((res = bearer_query(req, resp, &b, &current_user, params, NULL,
	    NULL)) == NULL)
		return;
	respond_user(req, resp, "OK", res);
}

/* ---- POST /api/update/{role} ---- */

/*
 * An optional string field: absent or null leaves the column unchanged.
 * Returns the trimmed value, or NULL when absent or after adding an error
 * (*bad set).
 */
static const char *
optional_string(struct request *req, struct field_errors *fe,
    const char *field, size_t max, size_t *len, bool *bad)
{
	const char *v = NULL;

	*len = 0;
	switch (param_string(req, fe, field, PARAM_TRIM | PARAM_NONBLANK, max,
	    &v, len)) {
	case PARAM_PRESENT:
		return v;
	case PARAM_INVALID:
		*bad = true;
		break;
	case PARAM_ABSENT:
		break;
	}
	return NULL;
}

/* 16 digits for Indonesian ID cards; letters and digits otherwise. */
static bool
valid_id_number(const char *type, const char *s, size_t len)
{
	size_t i;

	if (strcmp(type, "ktp") == 0 || strcmp(type, "nik") == 0)
		return len == 16 && all_digits(s, len);
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]))
			return false;
	return len > 0;
}

struct profile_update {
	int64_t		 user_id;
	const char	*name, *address, *gender, *phone, *id_type, *id_number;
};

/* Every field of the body; false after adding errors to fe. */
static bool
read_profile_update(struct request *req, struct field_errors *fe,
    struct profile_update *u)
{
	bool bad = false, type_bad = false, number_bad = false;
	size_t len;

	memset(u, 0, sizeof(*u));
	(void)param_body_id(req, fe, "user_id", &u->user_id);
	u->name = optional_string(req, fe, "name", USER_NAME_MAX_BYTES, &len,
	    &bad);
	u->address = optional_string(req, fe, "address", ADDRESS_MAX_BYTES,
	    &len, &bad);
	u->gender = optional_string(req, fe, "gender", 16, &len, &bad);
	if (u->gender != NULL && strcmp(u->gender, "male") != 0 &&
	    strcmp(u->gender, "female") != 0)
		field_error_add(fe, "gender",
		    "The gender must be male or female.");
	u->phone = optional_string(req, fe, "phone_number", 32, &len, &bad);
	if (u->phone != NULL && !valid_phone(u->phone, len))
		field_error_add(fe, "phone_number", "The phone_number must be "
		    "8 to 15 digits, optionally after a +.");

	u->id_type = optional_string(req, fe, "type", 16, &len, &type_bad);
	if (u->id_type != NULL && strcmp(u->id_type, "ktp") != 0 &&
	    strcmp(u->id_type, "nik") != 0 &&
	    strcmp(u->id_type, "passport") != 0 &&
	    strcmp(u->id_type, "kitas") != 0) {
		field_error_add(fe, "type",
		    "The type must be one of ktp, nik, passport, kitas.");
		type_bad = true;
	}
	u->id_number = optional_string(req, fe, "no_type", ID_NUMBER_MAX_BYTES,
	    &len, &number_bad);
	if (u->id_type != NULL && !type_bad && u->id_number == NULL &&
	    !number_bad)
		field_error_add(fe, "no_type",
		    "The no_type field is required when type is present.");
	if (u->id_number != NULL && u->id_type == NULL && !type_bad)
		field_error_add(fe, "type",
		    "The type field is required when no_type is present.");
	if (u->id_type != NULL && !type_bad && u->id_number != NULL &&
	    !valid_id_number(u->id_type, u->id_number, len))
		field_error_add(fe, "no_type",
		    strcmp(u->id_type, "ktp") == 0 ||
		    strcmp(u->id_type, "nik") == 0 ?
		    "The no_type of a ktp or nik must be exactly 16 digits." :
		    "The no_type must be letters and digits only.");
	return !field_errors_any(fe);
}

void
handle_update_profile(struct request *req, struct response *resp)
{
	const char *role = req->path_params[0], *params[8];
	struct profile_update u;
	struct field_errors fe;
	enum db_status st;
	struct bearer b;
	PGresult *res;

	/* docs/API.md §9: an unknown {role} is an unknown route. */
	if (strcmp(role, "patient") != 0 && strcmp(role, "doctor") != 0) {
		response_error(resp, 404, "Not found.",
		    "The role in the path must be patient or doctor.");
		return;
	}
	field_errors_init(&fe, req->arena);
	if (!read_profile_update(req, &fe, &u)) {
		response_invalid(resp, &fe);
		return;
	}
	if (!bearer_authenticate(req, resp, &b))
		return;
	if (!bearer_require_role(&b, resp, role,
	    "The role in the path does not match your account."))
		return;
	if (u.user_id != b.user_id) {
		response_error(resp, 403, "Forbidden.",
		    "You may only update your own profile.");
		return;
	}

	params[0] = b.claims.sid;
	params[1] = b.user_id_text;
	params[2] = u.name;
	params[3] = u.address;
	params[4] = u.gender;
	params[5] = u.phone;
	params[6] = u.id_type;
	params[7] = u.id_number;
	if ((res = db_exec_bin(req->app->db, req->arena, &update_user, params,
	    NULL, NULL, 0, &st)) == NULL) {
		response_db_failure(resp, st);
		return;
	}
	/* Unchanged, or the session has ended: read (or refuse) as /api/me. */
	if (PQntuples(res) != 1 && (res = bearer_query(req, resp, &b,
	    &current_user, params, NULL, NULL)) == NULL)
		return;
	respond_user(req, resp, "Profile updated", res);
}

/* ---- POST /api/token/refresh ---- */

void
handle_token_refresh(struct request *req, struct response *resp)
{
	struct issued_tokens tokens;
	enum refresh_result result;
	struct auth_caller caller;
	struct field_errors fe;
	struct json_writer *w;
	enum db_status st;
	const char *token;

	field_errors_init(&fe, req->arena);
	if (param_string(req, &fe, "refresh_token", PARAM_REQUIRED, SIZE_MAX,
	    &token, NULL) != PARAM_PRESENT) {
		response_invalid(resp, &fe);
		return;
	}
	request_caller(req, &caller);
	st = session_refresh(&caller, &req->app->ring, &req->app->cfg->session,
	    token, &tokens, &result, &req->user_id);
	if (st != DB_OK) {
		response_db_failure(resp, st);
		return;
	}
	switch (result) {
	case REFRESH_INVALID:
		response_header(resp, "WWW-Authenticate", "Bearer");
		response_error(resp, 401, "Unauthenticated.",
		    "The refresh token is invalid or has expired.");
		return;
	case REFRESH_REUSED:
		response_header(resp, "WWW-Authenticate", "Bearer");
		response_error(resp, 401, "Unauthenticated.",
		    "This refresh token was already used, so its session has "
		    "been ended. Please log in again.");
		return;
	case REFRESH_ROTATED:
		break;
	}
	w = envelope_begin(resp, "Token refreshed");
	json_w_object_open(w);
	json_w_key(w, "token");
	login_write_tokens(w, &tokens);
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}

/* ---- POST /api/logout ---- */

void
handle_logout(struct request *req, struct response *resp)
{
	struct auth_caller caller;
	struct json_writer *w;
	struct bearer b;
	enum db_status st;
	int revoked;

	if (!bearer_authenticate(req, resp, &b))
		return;
	request_caller(req, &caller);
	if ((st = session_revoke(&caller, b.claims.sid, b.user_id,
	    &revoked)) != DB_OK) {
		response_db_failure(resp, st);
		return;
	}
	if (!revoked) {
		bearer_respond_revoked(resp);
		return;
	}
	w = envelope_begin(resp, "Logged out");
	json_w_null(w);
	envelope_finish(resp, 200, w);
}
