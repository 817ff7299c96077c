/*
 * user.c - user rows, their JSON, the fields of a new account.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/user.h"
#include "app/app.h"
#include "app/config.h"
#include "auth/password.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/json.h"
#include "core/validate.h"
#include "http/param.h"
#include "http/request.h"
#include "http/response.h"

void
user_row_read(const PGresult *res, int row, struct user_row *u)
{
	u->id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
	u->name = db_value(res, row, 1);
	u->email = db_value(res, row, 2);
	u->username = db_value(res, row, 3);
	u->role = db_value(res, row, 4);
	u->phone_number = db_value(res, row, 5);
	u->city = db_value(res, row, 6);
	u->address = db_value(res, row, 7);
	u->postal_code = db_value(res, row, 8);
	u->gender = db_value(res, row, 9);
	u->id_type = db_value(res, row, 10);
	u->id_number = db_value(res, row, 11);
	u->password_hash = db_value(res, row, 12);
	u->avatar_sha256 = db_value(res, row, 13);
	u->email_verified_at = db_value(res, row, 14);
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
	json_w_kv_string(w, "email_verified_at", u->email_verified_at);
}

void
user_write_fdelux(struct request *req, struct json_writer *w,
    const struct user_row *u)
{
	json_w_object_open(w);
	write_user_common(req, w, u);
	json_w_object_close(w);
}

void
user_write_cexup(struct request *req, struct json_writer *w,
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

const char *
user_normalize_email(struct request *req, const char *s, size_t len)
{
	char *copy = (char *)(uintptr_t)param_trim(req->arena, s, len, NULL);
	char *p;

	/* ASCII only: PostgreSQL's lower() on the index does the rest. */
	for (p = copy; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return copy;
}

/* Password rules (docs/API.md §6): 8..1024 bytes; not trimmed. */
const char *
user_new_password(struct request *req, struct field_errors *fe, size_t *len)
{
	return user_new_password_field(req, fe, "password", len);
}

const char *
user_new_password_field(struct request *req, struct field_errors *fe,
    const char *field, size_t *len)
{
	const char *pw;

	if (param_string(req, fe, field, PARAM_REQUIRED, SIZE_MAX, &pw,
	    len) != PARAM_PRESENT)
		return NULL;
	if (*len < PASSWORD_MIN_LEN || *len > PASSWORD_MAX_LEN) {
		field_error_add(fe, field, arena_printf(req->arena,
		    "The %s must be between 8 and 1024 bytes.", field));
		return NULL;
	}
	return pw;
}

/* Email rules shared by both registrations. */
const char *
user_new_email(struct request *req, struct field_errors *fe)
{
	const char *email;
	size_t len;

	if (param_string(req, fe, "email", PARAM_TRIM | PARAM_REQUIRED,
	    SIZE_MAX, &email, &len) != PARAM_PRESENT)
		return NULL;
	if (!valid_email(email, len)) {
		field_error_add(fe, "email",
		    "The email must be a valid email address.");
		return NULL;
	}
	return email;
}
