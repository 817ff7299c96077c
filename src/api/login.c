/*
 * login.c - one login, whichever route it came through.
 *
 * Every failure path costs the same: one lookup (account and lock state
 * together), one Argon2 verification (against the dummy hash when there is
 * no account, or the password is too long to be anyone's), one counting
 * statement.  A locked key is refused before any hashing, alike for known
 * and unknown identifiers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/login.h"
#include "api/user.h"
#include "app/app.h"
#include "app/config.h"
#include "auth/caller.h"
#include "auth/password.h"
#include "auth/session.h"
#include "auth/throttle.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/json.h"
#include "http/bearer.h"
#include "http/request.h"
#include "http/response.h"

/*
 * The account (if any) and the lock state of its counter, in one row even
 * when there is no account.  $2 is the counter key for an unknown
 * identifier.  Columns: USER_COLUMN_COUNT user columns, failures, seconds
 * the key stays locked (NULL when not locked).
 */
#define LOOKUP_SQL(where) \
	"SELECT u.*, lf.failures," \
	" CASE WHEN lf.locked_until > now() THEN" \
	"  ceil(extract(epoch FROM lf.locked_until - now()))::bigint END" \
	" FROM (SELECT 1) one" \
	" LEFT JOIN (SELECT " USER_COLUMNS " FROM users WHERE " where \
	"  LIMIT 1) u ON true" \
	" LEFT JOIN login_failures lf ON lf.key = coalesce('user:' || u.id, $2)"

static const struct db_stmt lookup_by_email = {
	"login_lookup_email",
	LOOKUP_SQL("lower(email) = lower($1)"),
	2
};

/* A username never holds '@', so the two cannot name different users. */
static const struct db_stmt lookup_by_email_or_username = {
	"login_lookup_patient",
	LOOKUP_SQL("lower(email) = lower($1) OR lower(username) = lower($1)"),
	2
};

/* Compare-and-set, so a concurrent password change is never overwritten. */
static const struct db_stmt upgrade_hash = {
	"upgrade_password_hash",
	"UPDATE users SET password_hash = $2 WHERE id = $1 AND "
	"password_hash = $3",
	3
};

static void
respond_login_failed(struct response *resp, enum login_route route)
{
	if (route == LOGIN_FDELUX)
		response_error(resp, 401, "Invalid email or password.",
		    "The provided credentials do not match our records.");
	else
		response_error(resp, 401, "Invalid credentials.",
		    "The provided credentials do not match our records.");
}

void
login_respond_locked(struct request *req, struct response *resp, long seconds)
{
	if (seconds < 1)
		seconds = 1;
	response_header(resp, "Retry-After",
	    arena_printf(req->arena, "%ld", seconds));
	response_error(resp, 429, "Too many login attempts.",
	    arena_printf(req->arena, "Please try again in %ld seconds.",
	    seconds));
}

/* Argon2id with other parameters, or bcrypt: store a fresh hash. */
static void
maybe_upgrade_hash(struct request *req, const struct user_row *u,
    const char *pw, size_t len)
{
	const struct password_guard *g = &req->app->passwords;
	char fresh[PASSWORD_HASH_MAX], uid[24];
	const char *params[3];
	enum db_status st;

	if (!password_needs_rehash(g->params, u->password_hash))
		return;
	if (password_hash_guarded(g, request_hash_wait_ms(req), pw, len,
	    fresh) == -1)
		return;		/* busy: the next login will try again */
	snprintf(uid, sizeof(uid), "%" PRId64, u->id);
	params[0] = uid;
	params[1] = fresh;
	params[2] = u->password_hash;
	(void)db_exec(req->app->db, req->arena, &upgrade_hash, params, &st);
}

void
login_run(struct request *req, struct response *resp, enum login_route route,
    const char *identifier, const char *pw, size_t pw_len)
{
	const struct lockout_params *lockout = &req->app->cfg->lockout;
	struct issued_tokens tokens;
	struct auth_caller caller;
	struct user_row user, *found = NULL;
	struct json_writer *w;
	const char *params[2], *key, *stored;
	long failures = 0, locked;
	enum db_status st;
	PGresult *res;

	if (request_hash_too_late(req, resp))
		return;
	request_caller(req, &caller);
	params[0] = identifier;
	params[1] = throttle_key(req->arena, 0, identifier);
	res = db_exec(req->app->db, req->arena, route == LOGIN_FDELUX ?
	    &lookup_by_email : &lookup_by_email_or_username, params, &st);
	if (res == NULL || PQntuples(res) != 1) {
		response_db_failure(resp, res == NULL ? st : DB_ERROR);
		return;
	}
	if (!PQgetisnull(res, 0, 0)) {
		user_row_read(res, 0, &user);
		found = &user;
	}
	if (!PQgetisnull(res, 0, USER_COLUMN_COUNT))
		failures = strtol(PQgetvalue(res, 0, USER_COLUMN_COUNT), NULL,
		    10);
	key = found != NULL ? throttle_key(req->arena, found->id, NULL) :
	    params[1];

	/* Locked: refused before any hashing, even with the right password. */
	if (!PQgetisnull(res, 0, USER_COLUMN_COUNT + 1)) {
		locked = strtol(PQgetvalue(res, 0, USER_COLUMN_COUNT + 1), NULL,
		    10);
		throttle_record_blocked(&caller, found ? found->id : 0,
		    identifier);
		login_respond_locked(req, resp, locked);
		return;
	}

	/* Too long to be anyone's password: still pay for one hash. */
	stored = found != NULL && pw_len <= PASSWORD_MAX_LEN ?
	    found->password_hash : NULL;
	switch (password_check(&req->app->passwords,
	    request_hash_wait_ms(req), stored, pw, pw_len)) {
	case PASSWORD_BUSY:
		response_busy(resp);
		return;
	case PASSWORD_MISMATCH:
		st = throttle_record_failure(&caller, lockout, key,
		    found ? found->id : 0, identifier, &locked);
		if (st != DB_OK)
			response_db_failure(resp, st);
		else
			respond_login_failed(resp, route);
		return;
	case PASSWORD_MATCH:
		break;
	}

	/*
	 * The right password of a doctor at the patient route: the caller
	 * proved who they are, so this is "not allowed", not a failure.
	 */
	if (route == LOGIN_PATIENT && (found->role == NULL ||
	    strcmp(found->role, "patient") != 0)) {
		response_error(resp, 403, "This account cannot log in here.",
		    "Only patient accounts can log in to the patient app.");
		return;
	}

	/* After the password check, so it tells nothing about a guess. */
	if (req->app->cfg->require_verified_email &&
	    found->email_verified_at == NULL) {
		response_error(resp, 403, "Email not verified.",
		    "Please confirm your email address with the link we sent "
		    "you, then log in again.");
		return;
	}

	if (failures > 0)
		throttle_reset(&caller, key);
	maybe_upgrade_hash(req, found, pw, pw_len);
	if ((st = session_open(&caller, &req->app->ring,
	    &req->app->cfg->session, found->id, found->role, &tokens)) !=
	    DB_OK) {
		response_db_failure(resp, st);
		return;
	}
	req->user_id = found->id;

	w = envelope_begin(resp, "Login successful");
	json_w_object_open(w);
	json_w_key(w, "token");
	login_write_tokens(w, &tokens);
	json_w_key(w, "user");
	if (route == LOGIN_FDELUX)
		user_write_fdelux(req, w, found);
	else
		user_write_cexup(req, w, found);
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}

void
login_write_tokens(struct json_writer *w, const struct issued_tokens *t)
{
	json_w_object_open(w);
	json_w_kv_string(w, "access_token", t->access_token);
	json_w_kv_string(w, "refresh_token", t->refresh_token);
	json_w_kv_string(w, "type", "Bearer");
	json_w_kv_int(w, "expires_in", t->expires_in);
	json_w_object_close(w);
}

/* ---- a logged-in user proving their password again ---- */

/* The stored hash and the lock state, only while the session is live. */
static const struct db_stmt lookup = {
	"reauth_lookup",
	"SELECT u.password_hash, lf.failures,"
	" CASE WHEN lf.locked_until > now() THEN"
	"  ceil(extract(epoch FROM lf.locked_until - now()))::bigint END"
	" FROM users u JOIN sessions s ON s.user_id = u.id"
	" LEFT JOIN login_failures lf ON lf.key = 'user:' || u.id"
	" WHERE s.id = $1::uuid AND u.id = $2 AND s.revoked_at IS NULL",
	2
};

bool
login_reauthenticate(struct request *req, struct response *resp,
    const struct bearer *b, const char *pw, size_t pw_len,
    const char **stored_out)
{
	const struct lockout_params *lockout = &req->app->cfg->lockout;
	struct auth_caller caller;
	const char *params[2], *key, *stored;
	long failures = 0, locked;
	enum db_status st;
	PGresult *res;

	if (request_hash_too_late(req, resp))
		return false;
	if ((res = bearer_query(req, resp, b, &lookup, params, NULL,
	    NULL)) == NULL)
		return false;
	stored = arena_strdup(req->arena, PQgetvalue(res, 0, 0));
	if (!PQgetisnull(res, 0, 1))
		failures = strtol(PQgetvalue(res, 0, 1), NULL, 10);
	request_caller(req, &caller);
	if (!PQgetisnull(res, 0, 2)) {
		throttle_record_blocked(&caller, b->user_id, NULL);
		login_respond_locked(req, resp,
		    strtol(PQgetvalue(res, 0, 2), NULL, 10));
		return false;
	}

	key = throttle_key(req->arena, b->user_id, NULL);
	switch (password_check(&req->app->passwords,
	    request_hash_wait_ms(req), pw_len <= PASSWORD_MAX_LEN ? stored :
	    NULL, pw, pw_len)) {
	case PASSWORD_BUSY:
		response_busy(resp);
		return false;
	case PASSWORD_MISMATCH:
		st = throttle_record_failure(&caller, lockout, key, b->user_id,
		    NULL, &locked);
		if (st != DB_OK)
			response_db_failure(resp, st);
		else
			response_error(resp, 401, "Invalid credentials.",
			    "The current password is incorrect.");
		return false;
	case PASSWORD_MATCH:
		break;
	}
	if (failures > 0)
		throttle_reset(&caller, key);
	*stored_out = stored;
	return true;
}
