/*
 * fdelux.c - POST /api/login and POST /api/register (docs/API.md §2), with the
 * seed's messages byte for byte.  The login itself is login.c's, shared
 * with POST /api/login/patient.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/login.h"
#include "api/recovery.h"
#include "api/user.h"
#include "app/app.h"
#include "app/config.h"
#include "auth/caller.h"
#include "auth/password.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/json.h"
#include "http/param.h"
#include "http/request.h"
#include "http/response.h"

#define LOGIN_MESSAGE	"Both \"email\" and \"password\" are required."
#define LOGIN_DETAILS	"Please provide both email and password in the " \
			"request body."

static const struct db_stmt email_taken = {
	"email_taken",
	"SELECT 1 FROM users WHERE lower(email) = lower($1)",
	1
};

static const struct db_stmt insert_fdelux_user = {
	"insert_fdelux_user",
	"WITH u AS ("
	"  INSERT INTO users (name, email, password_hash, role)"
	"  VALUES ($1, $2, $3, 'patient')"
	"  ON CONFLICT (lower(email)) DO NOTHING"
	"  RETURNING id, name, email),"
	" e AS ("
	"  INSERT INTO auth_events (event, user_id, api_client_id, remote_addr,"
	"   user_agent)"
	"  SELECT 'register', id, $4, $5, left($6, 512) FROM u),"
	/* The verification mail, queued with the account or not at all. */
	ACCOUNT_MAIL_CTES("verify", "u", "$7", "$8", "$9")
	"SELECT id, name, email FROM u",
	9
};

static bool
is_string_or_absent(const struct request *req, const char *name)
{
	const struct json_value *v = json_get(req->json, name);

	return v == NULL || v->type == JSON_NULL || v->type == JSON_STRING;
}

void
handle_fdelux_login(struct request *req, struct response *resp)
{
	const char *identifier = NULL, *pw = NULL;
	enum param_result email_r, pw_r;
	struct field_errors fe;
	size_t pw_len = 0;

	/*
	 * docs/API.md §9: a missing, empty or non-string field is the seed's
	 * one "Both ..." answer, as the seed has it; a string that is not
	 * text (NUL, invalid UTF-8) is a field error (§7): the same answer
	 * with `errors`.
	 */
	if (!is_string_or_absent(req, "email") ||
	    !is_string_or_absent(req, "password")) {
		response_error(resp, 400, LOGIN_MESSAGE, LOGIN_DETAILS);
		return;
	}
	field_errors_init(&fe, req->arena);
	email_r = param_string(req, &fe, "email", PARAM_TRIM, SIZE_MAX,
	    &identifier, NULL);
	pw_r = param_string(req, &fe, "password", 0, SIZE_MAX, &pw, &pw_len);
	if (email_r != PARAM_PRESENT || pw_r != PARAM_PRESENT) {
		response_field_errors(resp, 400, LOGIN_MESSAGE, LOGIN_DETAILS,
		    field_errors_any(&fe) ? &fe : NULL);
		return;
	}
	login_run(req, resp, LOGIN_FDELUX, identifier, pw, pw_len);
}

/* ---- registration ---- */

#define REGISTER_MESSAGE "All fields (name, email, password) are required."
#define REGISTER_DETAILS "Please provide valid name, email, and password " \
			 "in the request body."

static void
respond_register_failure(struct response *resp)
{
	response_error(resp, 500,
	    "An unexpected error occurred during registration.",
	    "Please try again later or contact support.");
}

void
handle_fdelux_register(struct request *req, struct response *resp)
{
	struct field_errors fe;
	const char *name = NULL, *email, *pw, *params[9];
	char hash[PASSWORD_HASH_MAX], client[AUTH_CLIENT_TEXT_SIZE];
	struct account_mail mail;
	struct auth_caller caller;
	size_t pw_len = 0;
	struct json_writer *w;
	enum db_status st;
	PGresult *res;

	field_errors_init(&fe, req->arena);
	(void)param_string(req, &fe, "name", PARAM_TRIM | PARAM_REQUIRED,
	    USER_NAME_MAX_BYTES, &name, NULL);
	email = user_new_email(req, &fe);
	pw = user_new_password(req, &fe, &pw_len);
	if (field_errors_any(&fe)) {
		response_field_errors(resp, 400, REGISTER_MESSAGE,
		    REGISTER_DETAILS, &fe);
		return;
	}
	if (request_hash_too_late(req, resp))
		return;

	/* Cheap check first, so a taken email costs no Argon2 work. */
	params[0] = email;
	res = db_exec(req->app->db, req->arena, &email_taken, params, &st);
	if (res == NULL) {
		if (st == DB_UNAVAILABLE)
			response_db_unavailable(resp);
		else
			respond_register_failure(resp);
		return;
	}
	if (PQntuples(res) > 0)
		goto taken;

	if (password_hash_guarded(&req->app->passwords,
	    request_hash_wait_ms(req), pw, pw_len, hash) == -1) {
		response_busy(resp);
		return;
	}
	params[0] = name;
	params[1] = email;
	params[2] = hash;
	request_caller(req, &caller);
	auth_caller_params(&caller, client, params + 3);
	if (!account_mail_prepare(req, &mail, req->app->cfg->verify_token_ttl)) {
		respond_register_failure(resp);
		return;
	}
	params[6] = mail.hash;
	params[7] = mail.ttl;
	params[8] = mail.token;
	res = db_exec(req->app->db, req->arena, &insert_fdelux_user, params,
	    &st);
	if (res == NULL) {
		if (st == DB_UNAVAILABLE)
			response_db_unavailable(resp);
		else
			respond_register_failure(resp);
		return;
	}
	/* Lost a race with a concurrent registration of the same email. */
	if (PQntuples(res) == 0)
		goto taken;
	req->user_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);

	w = envelope_begin(resp, "Registration successful");
	json_w_object_open(w);
	json_w_key(w, "user");
	json_w_object_open(w);
	json_w_kv_int(w, "id", req->user_id);
	json_w_kv_string(w, "name", PQgetvalue(res, 0, 1));
	json_w_kv_string(w, "email", PQgetvalue(res, 0, 2));
	json_w_object_close(w);
	json_w_object_close(w);
	envelope_finish(resp, 201, w);
	return;
taken:
	response_error(resp, 409, "User with this email already exists.",
	    "Please use a different email address for registration.");
}
