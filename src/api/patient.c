/*
 * patient.c - the Cexup patient routes that need no token (docs/API.md §3):
 * POST /api/login/patient, POST /api/register/patient and
 * POST /api/register/check-id/{type}.
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
#include "core/validate.h"
#include "http/param.h"
#include "http/request.h"
#include "http/response.h"

#define ADDRESS_MAX_BYTES	500

static const struct db_stmt identity_taken = {
	"patient_identity_taken",
	"SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1)),"
	" EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($2))",
	2
};

/*
 * ON CONFLICT without a target: either unique index (email, username).
 * The verification mail is queued with the account, or neither is.
 */
static const struct db_stmt insert_patient = {
	"insert_patient",
	"WITH u AS ("
	"  INSERT INTO users (name, address, username, email, password_hash,"
	"   role)"
	"  VALUES ($1, $2, $3, $4, $5, 'patient')"
	"  ON CONFLICT DO NOTHING"
	"  RETURNING " USER_COLUMNS "),"
	" e AS ("
	"  INSERT INTO auth_events (event, user_id, api_client_id, remote_addr,"
	"   user_agent)"
	"  SELECT 'register', id, $6, $7, left($8, 512) FROM u),"
	ACCOUNT_MAIL_CTES("verify", "u", "$9", "$10", "$11")
	"SELECT * FROM u",
	11
};

static const struct db_stmt username_available = {
	"check_username",
	"SELECT NOT EXISTS (SELECT 1 FROM users"
	" WHERE lower(username) = lower($1))",
	1
};

static const struct db_stmt email_available = {
	"check_email",
	"SELECT NOT EXISTS (SELECT 1 FROM users"
	" WHERE lower(email) = lower($1))",
	1
};

/* ---- POST /api/login/patient ---- */

void
handle_patient_login(struct request *req, struct response *resp)
{
	const char *identifier = NULL, *pw = NULL;
	struct field_errors fe;
	size_t pw_len = 0;

	field_errors_init(&fe, req->arena);
	(void)param_string(req, &fe, "email", PARAM_TRIM | PARAM_REQUIRED,
	    SIZE_MAX, &identifier, NULL);
	(void)param_string(req, &fe, "password", PARAM_REQUIRED, SIZE_MAX, &pw,
	    &pw_len);
	if (field_errors_any(&fe)) {
		response_invalid(resp, &fe);
		return;
	}
	login_run(req, resp, LOGIN_PATIENT, identifier, pw, pw_len);
}

/* ---- POST /api/register/patient ---- */

static const char *
validate_new_username(struct request *req, struct field_errors *fe)
{
	const char *s;
	size_t len;

	if (param_string(req, fe, "username", PARAM_TRIM | PARAM_REQUIRED,
	    SIZE_MAX, &s, &len) != PARAM_PRESENT)
		return NULL;
	if (!valid_username(s, len)) {
		field_error_add(fe, "username", "The username must be letters "
		    "followed by optional digits (at most 64 characters).");
		return NULL;
	}
	return s;
}

/* 409 naming each taken field. */
static bool
respond_if_taken(struct request *req, struct response *resp,
    const char *username, const char *email)
{
	const char *params[2] = { username, email };
	struct field_errors fe;
	enum db_status st;
	PGresult *res;

	res = db_exec(req->app->db, req->arena, &identity_taken, params, &st);
	if (res == NULL) {
		response_db_failure(resp, st);
		return true;
	}
	field_errors_init(&fe, req->arena);
	if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		field_error_add(&fe, "username",
		    "The username has already been taken.");
	if (strcmp(PQgetvalue(res, 0, 1), "t") == 0)
		field_error_add(&fe, "email",
		    "The email has already been taken.");
	if (!field_errors_any(&fe))
		return false;
	response_field_errors(resp, 409, "User already exists.",
	    "The username or email is already registered.", &fe);
	return true;
}

void
handle_patient_register(struct request *req, struct response *resp)
{
	struct field_errors fe;
	const char *name = NULL, *address = NULL, *username, *email, *pw;
	const char *params[11];
	char hash[PASSWORD_HASH_MAX], client[AUTH_CLIENT_TEXT_SIZE];
	struct account_mail mail;
	struct auth_caller caller;
	size_t pw_len = 0;
	struct user_row user;
	struct json_writer *w;
	enum db_status st;
	PGresult *res;

	field_errors_init(&fe, req->arena);
	(void)param_string(req, &fe, "name", PARAM_TRIM | PARAM_REQUIRED,
	    USER_NAME_MAX_BYTES, &name, NULL);
	(void)param_string(req, &fe, "address", PARAM_TRIM | PARAM_REQUIRED,
	    ADDRESS_MAX_BYTES, &address, NULL);
	username = validate_new_username(req, &fe);
	email = user_new_email(req, &fe);
	pw = user_new_password(req, &fe, &pw_len);
	if (field_errors_any(&fe)) {
		response_invalid(resp, &fe);
		return;
	}
	if (request_hash_too_late(req, resp))
		return;

	/* Cheap check first, so a taken name costs no Argon2 work. */
	if (respond_if_taken(req, resp, username, email))
		return;
	if (password_hash_guarded(&req->app->passwords,
	    request_hash_wait_ms(req), pw, pw_len, hash) == -1) {
		response_busy(resp);
		return;
	}
	params[0] = name;
	params[1] = address;
	params[2] = username;
	params[3] = email;
	params[4] = hash;
	request_caller(req, &caller);
	auth_caller_params(&caller, client, params + 5);
	if (!account_mail_prepare(req, &mail, req->app->cfg->verify_token_ttl)) {
		response_internal_error(resp);
		return;
	}
	params[8] = mail.hash;
	params[9] = mail.ttl;
	params[10] = mail.token;
	res = db_exec(req->app->db, req->arena, &insert_patient, params, &st);
	if (res == NULL) {
		response_db_failure(resp, st);
		return;
	}
	if (PQntuples(res) == 0) {
		/* Lost a race with a concurrent registration. */
		if (!respond_if_taken(req, resp, username, email))
			response_internal_error(resp);
		return;
	}
	user_row_read(res, 0, &user);
	req->user_id = user.id;

	w = envelope_begin(resp, "Registration successful");
	json_w_object_open(w);
	json_w_key(w, "user");
	user_write_cexup(req, w, &user);
	json_w_object_close(w);
	envelope_finish(resp, 201, w);
}

/* ---- POST /api/register/check-id/{type} ---- */

void
handle_check_id(struct request *req, struct response *resp)
{
	const char *type = req->path_params[0], *raw, *value, *params[1];
	const struct db_stmt *stmt;
	struct field_errors fe;
	struct json_writer *w;
	enum db_status st;
	PGresult *res;
	size_t len = 0;
	int invalid;
	bool ok;

	if (strcmp(type, "username") == 0)
		stmt = &username_available;
	else if (strcmp(type, "email") == 0)
		stmt = &email_available;
	else {
		response_error(resp, 404, "Not found.",
		    "The check type must be username or email.");
		return;
	}

	field_errors_init(&fe, req->arena);
	raw = request_query_param(req, type, &invalid);
	value = raw != NULL ? param_trim(req->arena, raw, strlen(raw), &len) :
	    NULL;
	if (invalid)
		field_error_add(&fe, type, arena_printf(req->arena,
		    "The %s must be valid UTF-8 text.", type));
	else if (value == NULL || len == 0)
		field_error_add(&fe, type, arena_printf(req->arena,
		    "The %s query parameter is required.", type));
	else {
		ok = stmt == &username_available ? valid_username(value, len) :
		    valid_email(value, len);
		if (!ok)
			field_error_add(&fe, type, stmt == &username_available ?
			    "The username must be letters followed by optional "
			    "digits (at most 64 characters)." :
			    "The email must be a valid email address.");
	}
	if (field_errors_any(&fe)) {
		response_invalid(resp, &fe);
		return;
	}

	params[0] = value;
	if ((res = db_exec(req->app->db, req->arena, stmt, params, &st)) ==
	    NULL) {
		response_db_failure(resp, st);
		return;
	}
	w = envelope_begin(resp, "OK");
	json_w_object_open(w);
	json_w_kv_string(w, "type", type);
	json_w_kv_string(w, "value", value);
	json_w_kv_bool(w, "available", strcmp(PQgetvalue(res, 0, 0), "t") == 0);
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}
