/*
 * common.c - helpers shared by the handlers.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "auth/hash_slots.h"
#include "auth/password.h"
#include "auth/session.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/validate.h"
#include "http/request.h"
#include "http/response.h"
#include "server/app.h"
#include "server/config.h"
#include "server/scoreboard.h"

struct str_field
body_string(const struct request *req, const char *key)
{
	struct str_field f = { FIELD_ABSENT, NULL, 0, false };
	const struct json_value *v;

	if (req->json == NULL || (v = json_get(req->json, key)) == NULL ||
	    v->type == JSON_NULL)
		return f;
	if (v->type != JSON_STRING) {
		f.state = FIELD_WRONG_TYPE;
		return f;
	}
	f.state = FIELD_STRING;
	f.s = v->u.string.ptr;
	f.len = v->u.string.len;
	f.has_nul = v->u.string.has_nul;
	return f;
}

const char *
trimmed(struct request *req, const char *s, size_t len, size_t *out_len)
{
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (out_len != NULL)
		*out_len = len;
	return arena_strndup(req->arena, s, len);
}

const char *
normalize_email(struct request *req, const char *s, size_t len)
{
	char *copy = (char *)(uintptr_t)trimmed(req, s, len, NULL), *p;

	/* ASCII only: PostgreSQL's lower() on the index does the rest. */
	for (p = copy; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return copy;
}

static const char *
column(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

void
user_row_read(const PGresult *res, int row, struct user_row *u)
{
	u->id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
	u->name = column(res, row, 1);
	u->email = column(res, row, 2);
	u->username = column(res, row, 3);
	u->role = column(res, row, 4);
	u->phone_number = column(res, row, 5);
	u->city = column(res, row, 6);
	u->address = column(res, row, 7);
	u->postal_code = column(res, row, 8);
	u->gender = column(res, row, 9);
	u->id_type = column(res, row, 10);
	u->id_number = column(res, row, 11);
	u->password_hash = column(res, row, 12);
	u->avatar_sha256 = column(res, row, 13);
}

const char *
user_photo_url(struct request *req, const struct user_row *u)
{
	const char *base = req->app->cfg->public_base_url;
	size_t len;

	if (u->avatar_sha256 == NULL)
		return NULL;
	if (*base == '\0')
		base = request_origin(req);
	len = strlen(base);
	while (len > 0 && base[len - 1] == '/')
		len--;
	return arena_printf(req->arena, "%.*s/api/users/%lld/avatar?v=%.8s",
	    (int)len, base, (long long)u->id, u->avatar_sha256);
}

static void
write_user_common(struct request *req, struct json_writer *w,
    const struct user_row *u)
{
	json_w_kv_int(w, "id", u->id);
	json_w_kv_string(w, "name", u->name);
	json_w_kv_string(w, "email", u->email);
	json_w_kv_string(w, "phone_number", u->phone_number);
	json_w_kv_string(w, "city", u->city);
	json_w_kv_string(w, "address", u->address);
	json_w_kv_string(w, "postal_code", u->postal_code);
	json_w_kv_string(w, "photo_url", user_photo_url(req, u));
}

void
write_user_fdelux(struct request *req, struct json_writer *w,
    const struct user_row *u)
{
	json_w_object_open(w);
	write_user_common(req, w, u);
	json_w_object_close(w);
}

void
write_user_cexup(struct request *req, struct json_writer *w,
    const struct user_row *u)
{
	json_w_object_open(w);
	write_user_common(req, w, u);
	json_w_kv_string(w, "username", u->username);
	json_w_kv_string(w, "role", u->role);
	json_w_kv_string(w, "gender", u->gender);
	json_w_kv_string(w, "id_type", u->id_type);
	json_w_kv_string(w, "id_number", u->id_number);
	json_w_object_close(w);
}

void
write_token(struct json_writer *w, const struct issued_tokens *t)
{
	json_w_object_open(w);
	json_w_kv_string(w, "access_token", t->access_token);
	json_w_kv_string(w, "refresh_token", t->refresh_token);
	json_w_kv_string(w, "type", "Bearer");
	json_w_kv_int(w, "expires_in", t->expires_in);
	json_w_object_close(w);
}

enum password_check
check_password(struct request *req, const char *stored, const char *pw,
    size_t len)
{
	struct app *app = req->app;
	bool match;

	if (hash_slot_acquire(app->hash_slots_id, app->cfg->hash_wait_ms) == -1)
		return PASSWORD_BUSY;
	if (stored == NULL) {
		(void)password_verify(app->dummy_hash, pw, len);
		match = false;
	} else
		match = password_verify(stored, pw, len);
	hash_slot_release(app->hash_slots_id);
	return match ? PASSWORD_MATCH : PASSWORD_MISMATCH;
}

void
respond_db_failure(struct response *resp, enum db_status st)
{
	if (st == DB_UNAVAILABLE)
		response_db_unavailable(resp);
	else
		response_internal_error(resp);
}

void
respond_invalid_fields(struct response *resp, const struct field_errors *fe)
{
	response_field_errors(resp, 400, "The given data was invalid.",
	    "Please correct the fields listed in errors.", fe);
}

int
parse_id(const char *s, int64_t *out)
{
	long long v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v <= 0)
		return -1;
	*out = v;
	return 0;
}

void
respond_busy(struct response *resp)
{
	if (scoreboard != NULL)
		scoreboard_add(&scoreboard->hash_busy, 1);
	response_header(resp, "Retry-After", "1");
	response_error(resp, 503, "Server busy.",
	    "Too many logins are being processed. Please retry shortly.");
}

/*
 * Common checks of a required string: present, a string, no NUL, not blank.
 * Returns the trimmed value or NULL after adding an error.
 */
const char *
required_string(struct request *req, struct field_errors *fe,
    const char *field, size_t *len)
{
	struct str_field f = body_string(req, field);
	const char *value;

	if (f.state == FIELD_ABSENT) {
		field_error_add(fe, field, arena_printf(req->arena,
		    "The %s field is required.", field));
		return NULL;
	}
	if (f.state == FIELD_WRONG_TYPE) {
		field_error_add(fe, field, arena_printf(req->arena,
		    "The %s must be a string.", field));
		return NULL;
	}
	if (f.has_nul) {
		field_error_add(fe, field, arena_printf(req->arena,
		    "The %s must not contain NUL characters.", field));
		return NULL;
	}
	value = trimmed(req, f.s, f.len, len);
	if (*len == 0) {
		field_error_add(fe, field, arena_printf(req->arena,
		    "The %s field is required.", field));
		return NULL;
	}
	return value;
}

/* Password rules (CONTRACT §6): 8..1024 bytes, no NUL; not trimmed. */
const char *
validate_new_password(struct request *req, struct field_errors *fe,
    size_t *len)
{
	struct str_field f = body_string(req, "password");

	if (f.state == FIELD_ABSENT || (f.state == FIELD_STRING && f.len == 0))
		field_error_add(fe, "password",
		    "The password field is required.");
	else if (f.state == FIELD_WRONG_TYPE)
		field_error_add(fe, "password", "The password must be a string.");
	else if (f.has_nul)
		field_error_add(fe, "password",
		    "The password must not contain NUL characters.");
	else if (f.len < PASSWORD_MIN_LEN || f.len > PASSWORD_MAX_LEN)
		field_error_add(fe, "password",
		    "The password must be between 8 and 1024 bytes.");
	else {
		*len = f.len;
		return f.s;
	}
	return NULL;
}

/* Email rules shared by both registrations. */
const char *
validate_new_email(struct request *req, struct field_errors *fe)
{
	const char *email;
	size_t len;

	if ((email = required_string(req, fe, "email", &len)) == NULL)
		return NULL;
	if (!valid_email(email, len)) {
		field_error_add(fe, "email",
		    "The email must be a valid email address.");
		return NULL;
	}
	return email;
}

int
hash_new_password(struct request *req, const char *pw, size_t len,
    char out[PASSWORD_HASH_MAX])
{
	struct app *app = req->app;
	int rc;

	if (hash_slot_acquire(app->hash_slots_id, app->cfg->hash_wait_ms) == -1)
		return -1;
	rc = password_hash(&app->cfg->argon2, pw, len, out);
	hash_slot_release(app->hash_slots_id);
	return rc;
}
