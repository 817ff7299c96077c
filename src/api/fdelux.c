/*
 * fdelux.c - POST /api/login and POST /api/register (CONTRACT §2), with the
 * seed's messages byte for byte.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "api/handlers.h"
#include "auth/password.h"
#include "auth/session.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/json.h"
#include "core/validate.h"
#include "http/request.h"
#include "http/response.h"
#include "server/app.h"
#include "server/config.h"

#define NAME_MAX_BYTES	255

static const struct db_stmt find_user_by_email = {
	"user_by_email",
	"SELECT " USER_COLUMNS " FROM users WHERE lower(email) = lower($1)",
	1
};

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
	"  SELECT 'register', id, $4, $5, left($6, 512) FROM u)"
	"SELECT id, name, email FROM u",
	6
};

static const struct db_stmt record_login_failure = {
	"login_failure_event",
	"INSERT INTO auth_events (event, user_id, identifier, api_client_id,"
	" remote_addr, user_agent)"
	" VALUES ('login_failed', $1, left($2, 254), $3, $4, left($5, 512))",
	5
};

/* Compare-and-set, so a concurrent password change is never overwritten. */
static const struct db_stmt upgrade_hash = {
	"upgrade_password_hash",
	"UPDATE users SET password_hash = $2 WHERE id = $1 AND "
	"password_hash = $3",
	3
};

static void
respond_login_failed(struct response *resp)
{
	response_error(resp, 401, "Invalid email or password.",
	    "The provided credentials do not match our records.");
}

static void
record_failure(struct request *req, const struct user_row *u,
    const char *identifier)
{
	char uid[24], client[24];
	const char *params[5];
	enum db_status st;

	snprintf(uid, sizeof(uid), "%" PRId64, u ? u->id : 0);
	snprintf(client, sizeof(client), "%" PRId64, req->api_client_id);
	params[0] = u ? uid : NULL;
	params[1] = identifier;
	params[2] = req->api_client_id > 0 ? client : NULL;
	params[3] = req->remote_addr;
	params[4] = req->user_agent;
	(void)db_exec(req->app->db, req->arena, &record_login_failure, params,
	    &st);
}

/* Argon2id with other parameters, or bcrypt: store a fresh hash. */
static void
maybe_upgrade_hash(struct request *req, const struct user_row *u,
    const char *pw, size_t len)
{
	const struct password_params *p = &req->app->cfg->argon2;
	char fresh[PASSWORD_HASH_MAX], uid[24];
	const char *params[3];
	enum db_status st;

	if (!password_needs_rehash(p, u->password_hash))
		return;
	if (password_hash(p, pw, len, fresh) == -1)
		return;
	snprintf(uid, sizeof(uid), "%" PRId64, u->id);
	params[0] = uid;
	params[1] = fresh;
	params[2] = u->password_hash;
	(void)db_exec(req->app->db, req->arena, &upgrade_hash, params, &st);
}

void
handle_fdelux_login(struct request *req, struct response *resp)
{
	struct str_field email = body_string(req, "email");
	struct str_field pw = body_string(req, "password");
	struct issued_tokens tokens;
	struct user_row user, *found = NULL;
	struct json_writer *w;
	const char *identifier, *params[1];
	enum db_status st;
	PGresult *res;
	size_t id_len;

	identifier = email.state == FIELD_STRING ?
	    trimmed(req, email.s, email.len, &id_len) : NULL;
	if (identifier == NULL || id_len == 0 || pw.state != FIELD_STRING ||
	    pw.len == 0) {
		response_error(resp, 400,
		    "Both \"email\" and \"password\" are required.",
		    "Please provide both email and password in the request "
		    "body.");
		return;
	}

	params[0] = identifier;
	res = db_exec(req->app->db, req->arena, &find_user_by_email, params,
	    &st);
	if (res == NULL) {
		if (st == DB_UNAVAILABLE)
			response_db_unavailable(resp);
		else
			response_internal_error(resp);
		return;
	}
	if (PQntuples(res) == 1) {
		user_row_read(res, 0, &user);
		found = &user;
	}

	/* Too long to be anyone's password: still pay for one hash. */
	switch (check_password(req, found != NULL &&
	    pw.len <= PASSWORD_MAX_LEN ? found->password_hash : NULL, pw.s,
	    pw.len)) {
	case PASSWORD_BUSY:
		respond_busy(resp);
		return;
	case PASSWORD_MISMATCH:
		record_failure(req, found, identifier);
		respond_login_failed(resp);
		return;
	case PASSWORD_MATCH:
		break;
	}

	maybe_upgrade_hash(req, found, pw.s, pw.len);
	if ((st = session_open(req, found->id, found->role, &tokens)) != DB_OK) {
		if (st == DB_UNAVAILABLE)
			response_db_unavailable(resp);
		else
			response_internal_error(resp);
		return;
	}
	req->user_id = found->id;

	w = envelope_begin(resp, "Login successful");
	json_w_object_open(w);
	json_w_key(w, "token");
	write_token(w, &tokens);
	json_w_key(w, "user");
	write_user_fdelux(w, found);
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
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
	const char *name, *email, *pw, *params[6];
	char hash[PASSWORD_HASH_MAX], client[24];
	size_t name_len = 0, pw_len = 0;
	struct json_writer *w;
	enum db_status st;
	PGresult *res;

	field_errors_init(&fe, req->arena);
	name = required_string(req, &fe, "name", &name_len);
	if (name != NULL && name_len > NAME_MAX_BYTES) {
		field_error_add(&fe, "name",
		    "The name may not be greater than 255 bytes.");
		name = NULL;
	}
	email = validate_new_email(req, &fe);
	pw = validate_new_password(req, &fe, &pw_len);
	if (field_errors_any(&fe)) {
		response_field_errors(resp, 400, REGISTER_MESSAGE,
		    REGISTER_DETAILS, &fe);
		return;
	}

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

	if (hash_new_password(req, pw, pw_len, hash) == -1) {
		respond_busy(resp);
		return;
	}
	snprintf(client, sizeof(client), "%" PRId64, req->api_client_id);
	params[0] = name;
	params[1] = email;
	params[2] = hash;
	params[3] = req->api_client_id > 0 ? client : NULL;
	params[4] = req->remote_addr;
	params[5] = req->user_agent;
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
