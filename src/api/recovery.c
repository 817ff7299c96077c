/*
 * recovery.c - a forgotten password and a verified email (docs/API.md
 * §10): POST /api/password/forgot, /api/password/reset, /api/email/verify
 * and /api/email/verify/resend.
 *
 * forgot answers the same bytes for every valid email, known or not, and
 * does the same work for both: one token is made and one statement runs,
 * which inserts only when the address names an account under its hourly
 * mail cap.  The inserts still cost a known address some tenths of a
 * millisecond more, so the answer is held to forgot_floor_ms after the
 * request began: both then take the floor.  A bad, spent or expired token is one answer (400) for reset
 * and verify alike, so none of them tells the three apart.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/handlers.h"
#include "api/recovery.h"
#include "api/user.h"
#include "app/app.h"
#include "app/config.h"
#include "auth/caller.h"
#include "auth/password.h"
#include "auth/session.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/json.h"
#include "http/bearer.h"
#include "http/param.h"
#include "http/request.h"
#include "http/response.h"

/* Tokens of one user and purpose made in the last hour (the mail cap). */
#define RECENT_TOKENS(purpose, user) \
	"(SELECT count(*) FROM account_tokens t WHERE t.user_id = " user \
	"  AND t.purpose = '" purpose "'" \
	"  AND t.created_at > now() - interval '1 hour')"

/* Whether $1 is the hash of a live token made for purpose. */
#define LIVE_TOKEN(purpose) \
	"token_sha256 = $1::bytea AND purpose = '" purpose "'" \
	" AND used_at IS NULL AND expires_at > now()"

/* Spends the live token $1 (compare-and-set: of two uses, one wins). */
#define SPEND_TOKEN_CTE(purpose) \
	"t AS (UPDATE account_tokens SET used_at = now()" \
	"  WHERE " LIVE_TOKEN(purpose) " RETURNING user_id)"

/*
 * $1 email, $2..$4 the mail (hash, ttl, raw), $5 the cap, $6..$8 the
 * caller.  A deleted account ('!' hash, placeholder address) is no
 * account.  Every request writes its audit event, known address or not,
 * so both commit a write (a WAL flush in production: without it an
 * unknown address would answer measurably sooner); the event says which
 * case it was (without the address) and whether the cap held the mail
 * back.
 */
static const struct db_stmt forgot = {
	"password_forgot",
	"WITH u AS (SELECT id, name, email FROM users"
	"  WHERE lower(email) = lower($1) AND password_hash <> '!'),"
	" cap AS (SELECT id, name, email FROM u"
	"  WHERE " RECENT_TOKENS("reset", "u.id") " < $5),"
	ACCOUNT_MAIL_CTES("reset", "cap", "$2", "$3", "$4") ","
	" e AS ("
	"  INSERT INTO auth_events (event, user_id, api_client_id, remote_addr,"
	"   user_agent)"
	"  SELECT CASE WHEN u.id IS NULL THEN 'password_reset_unknown'"
	"   WHEN EXISTS (SELECT 1 FROM cap) THEN 'password_reset_request'"
	"   ELSE 'password_reset_capped' END,"
	"   u.id, $6, $7, left($8, 512) FROM (SELECT 1) one"
	"  LEFT JOIN u ON true)"
	"SELECT count(*) FROM reset_tok",
	8
};

/* A live reset token's user, before paying for the new password's hash. */
static const struct db_stmt reset_lookup = {
	"password_reset_lookup",
	"SELECT user_id FROM account_tokens WHERE " LIVE_TOKEN("reset"),
	1
};

/*
 * Spends the token, sets the password, ends every session, clears the lockout
 * counter, audits.  Following the mailed link proves the address too.
 */
static const struct db_stmt reset = {
	"password_reset",
	"WITH " SPEND_TOKEN_CTE("reset") ","
	" u AS ("
	"  UPDATE users SET password_hash = $2,"
	"   email_verified_at = coalesce(email_verified_at, now()),"
	"   updated_at = now()"
	"  FROM t WHERE users.id = t.user_id AND users.password_hash <> '!'"
	"  RETURNING users.id),"
	" r AS ("
	"  UPDATE sessions SET revoked_at = now(),"
	"   revoked_reason = 'password_reset'"
	"  WHERE user_id IN (SELECT id FROM u) AND revoked_at IS NULL"
	"  RETURNING id),"
	" lf AS (DELETE FROM login_failures"
	"  WHERE key IN (SELECT 'user:' || id FROM u)),"
	" e AS ("
	"  INSERT INTO auth_events (event, user_id, api_client_id, remote_addr,"
	"   user_agent)"
	"  SELECT 'password_reset', id, $3, $4, left($5, 512) FROM u)"
	"SELECT id, (SELECT count(*) FROM r) FROM u",
	5
};

static const struct db_stmt verify = {
	"email_verify",
	"WITH " SPEND_TOKEN_CTE("verify") ","
	" u AS ("
	"  UPDATE users SET email_verified_at = coalesce(email_verified_at,"
	"   now())"
	"  FROM t WHERE users.id = t.user_id AND users.password_hash <> '!'"
	"  RETURNING users.id, users.email_verified_at),"
	" e AS ("
	"  INSERT INTO auth_events (event, user_id, api_client_id, remote_addr,"
	"   user_agent)"
	"  SELECT 'email_verified', id, $2, $3, left($4, 512) FROM u)"
	"SELECT id, to_char(email_verified_at AT TIME ZONE 'UTC',"
	" 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM u",
	4
};

/*
 * $1 session, $2 user (bearer_query), $3..$5 the mail, $6 the cap,
 * $7..$9 the caller.  Columns: verified already, capped, seconds until
 * the oldest mail of the hour leaves the window.
 */
static const struct db_stmt resend = {
	"email_verify_resend",
	BEARER_LIVE_USER_CTE ","
	" me AS ("
	"  SELECT users.id, users.name, users.email,"
	"   users.email_verified_at IS NOT NULL AS verified,"
	"   " RECENT_TOKENS("verify", "users.id") " AS recent,"
	"   (SELECT ceil(extract(epoch FROM min(t.created_at)"
	"     + interval '1 hour' - now()))::bigint FROM account_tokens t"
	"    WHERE t.user_id = users.id AND t.purpose = 'verify'"
	"    AND t.created_at > now() - interval '1 hour') AS wait"
	"  FROM users JOIN u ON u.id = users.id),"
	" go AS (SELECT id, name, email FROM me"
	"  WHERE NOT verified AND recent < $6),"
	ACCOUNT_MAIL_CTES("verify", "go", "$3", "$4", "$5") ","
	" e AS ("
	"  INSERT INTO auth_events (event, user_id, session_id, api_client_id,"
	"   remote_addr, user_agent)"
	"  SELECT 'verify_resend', id, $1::uuid, $7::bigint, $8, left($9, 512)"
	"  FROM go)"
	"SELECT verified, recent >= $6, wait FROM me",
	9
};

bool
account_mail_prepare(struct request *req, struct account_mail *m, long ttl)
{
	if ((m->token = session_new_refresh_token(req->arena, m->hash)) ==
	    NULL)
		return false;
	snprintf(m->ttl, sizeof(m->ttl), "%ld", ttl);
	return true;
}

/* Sleeps until floor_ms after *t0 (CLOCK_MONOTONIC). */
static void
hold_until(const struct timespec *t0, int floor_ms)
{
	struct timespec now, left;
	long long ns;

	if (floor_ms <= 0 || clock_gettime(CLOCK_MONOTONIC, &now) == -1)
		return;
	ns = (long long)floor_ms * 1000000 -
	    ((long long)(now.tv_sec - t0->tv_sec) * 1000000000 +
	    (now.tv_nsec - t0->tv_nsec));
	if (ns <= 0)
		return;
	left.tv_sec = (time_t)(ns / 1000000000);
	left.tv_nsec = (long)(ns % 1000000000);
	while (nanosleep(&left, &left) == -1)
		;	/* EINTR: sleep the rest */
}

static void
respond_bad_token(struct response *resp)
{
	response_error(resp, 400, "Invalid or expired token.",
	    "The link is invalid, has expired or was already used; please "
	    "request a new one.");
}

/*
 * Runs a statement whose $1 is a token's hash and which returns no row
 * when the token is not live; NULL after answering (a database failure,
 * or the bad-token answer).
 */
static PGresult *
exec_token_stmt(struct request *req, struct response *resp,
    const struct db_stmt *stmt, const char **params)
{
	enum db_status st;
	PGresult *res;

	if ((res = db_exec(req->app->db, req->arena, stmt, params, &st)) ==
	    NULL) {
		response_db_failure(resp, st);
		return NULL;
	}
	if (PQntuples(res) == 0) {
		respond_bad_token(resp);
		return NULL;
	}
	return res;
}

/* The required "token" field; NULL after adding an error. */
static const char *
read_token(struct request *req, struct field_errors *fe)
{
	const char *token;

	if (param_string(req, fe, "token", PARAM_TRIM | PARAM_REQUIRED,
	    SIZE_MAX, &token, NULL) != PARAM_PRESENT)
		return NULL;
	return token;
}

/* ---- POST /api/password/forgot ---- */

void
handle_password_forgot(struct request *req, struct response *resp)
{
	char client[AUTH_CLIENT_TEXT_SIZE], cap[16];
	const struct config *cfg = req->app->cfg;
	const char *email, *params[8];
	struct auth_caller caller;
	struct account_mail m;
	struct field_errors fe;
	struct json_writer *w;
	struct timespec t0;
	enum db_status st;

	field_errors_init(&fe, req->arena);
	if ((email = user_new_email(req, &fe)) == NULL) {
		response_invalid(resp, &fe);
		return;
	}
	if (clock_gettime(CLOCK_MONOTONIC, &t0) == -1)
		t0.tv_sec = 0, t0.tv_nsec = 0;
	/* Made whether or not the account exists: the same work for both. */
	if (!account_mail_prepare(req, &m, cfg->reset_token_ttl)) {
		response_internal_error(resp);
		return;
	}
	snprintf(cap, sizeof(cap), "%d", cfg->account_mails_per_hour);
	params[0] = email;
	params[1] = m.hash;
	params[2] = m.ttl;
	params[3] = m.token;
	params[4] = cap;
	request_caller(req, &caller);
	auth_caller_params(&caller, client, params + 5);
	if (db_exec(req->app->db, req->arena, &forgot, params, &st) == NULL) {
		response_db_failure(resp, st);
		return;
	}
	hold_until(&t0, cfg->forgot_floor_ms);
	w = envelope_begin(resp, "If an account with this email exists, a "
	    "password reset link has been sent to it.");
	json_w_null(w);
	envelope_finish(resp, 200, w);
}

/* ---- POST /api/password/reset ---- */

void
handle_password_reset(struct request *req, struct response *resp)
{
	char hash[PASSWORD_HASH_MAX], client[AUTH_CLIENT_TEXT_SIZE];
	char token_hash[SESSION_HASH_TEXT_SIZE];
	const char *token, *pw, *params[5];
	struct auth_caller caller;
	struct field_errors fe;
	struct json_writer *w;
	size_t pw_len = 0;
	PGresult *res;

	field_errors_init(&fe, req->arena);
	token = read_token(req, &fe);
	pw = user_new_password(req, &fe, &pw_len);
	if (field_errors_any(&fe)) {
		response_invalid(resp, &fe);
		return;
	}
	if (!session_token_hash(token, token_hash)) {
		respond_bad_token(resp);
		return;
	}
	if (request_hash_too_late(req, resp))
		return;
	/* A dead token costs one indexed lookup, not an Argon2 hash. */
	params[0] = token_hash;
	if (exec_token_stmt(req, resp, &reset_lookup, params) == NULL)
		return;
	if (password_hash_guarded(&req->app->passwords,
	    request_hash_wait_ms(req), pw, pw_len, hash) == -1) {
		response_busy(resp);
		return;
	}
	params[1] = hash;
	request_caller(req, &caller);
	auth_caller_params(&caller, client, params + 2);
	/* No row: spent by a concurrent reset (or expired) since the lookup. */
	if ((res = exec_token_stmt(req, resp, &reset, params)) == NULL)
		return;
	req->user_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	w = envelope_begin(resp, "Password reset");
	json_w_object_open(w);
	json_w_kv_int(w, "revoked_sessions",
	    strtoll(PQgetvalue(res, 0, 1), NULL, 10));
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}

/* ---- POST /api/email/verify ---- */

void
handle_email_verify(struct request *req, struct response *resp)
{
	char token_hash[SESSION_HASH_TEXT_SIZE], client[AUTH_CLIENT_TEXT_SIZE];
	const char *token, *params[4];
	struct auth_caller caller;
	struct field_errors fe;
	struct json_writer *w;
	PGresult *res;

	field_errors_init(&fe, req->arena);
	if ((token = read_token(req, &fe)) == NULL) {
		response_invalid(resp, &fe);
		return;
	}
	if (!session_token_hash(token, token_hash)) {
		respond_bad_token(resp);
		return;
	}
	params[0] = token_hash;
	request_caller(req, &caller);
	auth_caller_params(&caller, client, params + 1);
	if ((res = exec_token_stmt(req, resp, &verify, params)) == NULL)
		return;
	req->user_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	w = envelope_begin(resp, "Email verified");
	json_w_object_open(w);
	json_w_kv_string(w, "email_verified_at", PQgetvalue(res, 0, 1));
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}

/* ---- POST /api/email/verify/resend ---- */

void
handle_email_verify_resend(struct request *req, struct response *resp)
{
	char client[AUTH_CLIENT_TEXT_SIZE], cap[16];
	const struct config *cfg = req->app->cfg;
	const char *params[9];
	struct auth_caller caller;
	struct account_mail m;
	struct json_writer *w;
	struct bearer b;
	PGresult *res;
	long wait;

	if (!bearer_authenticate(req, resp, &b))
		return;
	if (!account_mail_prepare(req, &m, cfg->verify_token_ttl)) {
		response_internal_error(resp);
		return;
	}
	snprintf(cap, sizeof(cap), "%d", cfg->account_mails_per_hour);
	params[2] = m.hash;
	params[3] = m.ttl;
	params[4] = m.token;
	params[5] = cap;
	request_caller(req, &caller);
	auth_caller_params(&caller, client, params + 6);
	if ((res = bearer_query(req, resp, &b, &resend, params, NULL,
	    NULL)) == NULL)
		return;
	if (db_bool(res, 0, 0)) {
		response_error(resp, 409, "Email already verified.",
		    "This account's email address is verified; no mail was "
		    "sent.");
		return;
	}
	if (db_bool(res, 0, 1)) {
		wait = (long)db_int(res, 0, 2);
		if (wait < 1)
			wait = 1;
		response_header(resp, "Retry-After",
		    arena_printf(req->arena, "%ld", wait));
		response_error(resp, 429, "Too many verification mails.",
		    arena_printf(req->arena, "Please try again in %ld seconds.",
		    wait));
		return;
	}
	w = envelope_begin(resp, "Verification mail sent");
	json_w_null(w);
	envelope_finish(resp, 200, w);
}
