/*
 * param.c - typed fields from the body or the query string.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/json.h"
#include "http/param.h"
#include "http/request.h"
#include "http/response.h"

/* Where a field came from: a JSON value, or decoded query text. */
struct raw_field {
	enum param_result	 result;
	const struct json_value	*json;
	const char		*text;
};

static void
add_error(struct request *req, struct field_errors *fe, const char *name,
    const char *format)
{
	field_error_add(fe, name, arena_printf(req->arena, format, name));
}

static struct raw_field
raw_field(struct request *req, struct field_errors *fe, const char *name,
    unsigned flags)
{
	struct raw_field f = { PARAM_ABSENT, NULL, NULL };
	const struct json_value *v;
	int invalid;

	if (req->json != NULL && (v = json_get(req->json, name)) != NULL &&
	    v->type != JSON_NULL) {
		f.result = PARAM_PRESENT;
		f.json = v;
		return f;
	}
	if (!(flags & PARAM_QUERY))
		return f;
	f.text = request_query_param(req, name, &invalid);
	if (invalid) {
		add_error(req, fe, name, "The %s parameter is not correctly "
		    "encoded (percent-encoded UTF-8 without NUL).");
		f.result = PARAM_INVALID;
	} else if (f.text != NULL)
		f.result = PARAM_PRESENT;
	return f;
}

/* Absent (or empty, when that counts as absent) under the flags' rules. */
static enum param_result
missing(struct request *req, struct field_errors *fe, const char *name,
    unsigned flags, bool present)
{
	if (flags & PARAM_REQUIRED) {
		add_error(req, fe, name, "The %s field is required.");
		return PARAM_INVALID;
	}
	if (present && (flags & PARAM_NONBLANK)) {
		add_error(req, fe, name, "The %s must not be empty.");
		return PARAM_INVALID;
	}
	return PARAM_ABSENT;
}

const char *
param_trim(struct arena *a, const char *s, size_t len, size_t *out_len)
{
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (out_len != NULL)
		*out_len = len;
	return arena_strndup(a, s, len);
}

enum param_result
param_string(struct request *req, struct field_errors *fe, const char *name,
    unsigned flags, size_t max_bytes, const char **out, size_t *len)
{
	struct raw_field f = raw_field(req, fe, name, flags);
	const char *s;
	size_t n;

	if (f.result == PARAM_INVALID)
		return PARAM_INVALID;
	if (f.result == PARAM_ABSENT)
		return missing(req, fe, name, flags, false);
	if (f.json != NULL) {
		if (f.json->type != JSON_STRING) {
			add_error(req, fe, name, "The %s must be a string.");
			return PARAM_INVALID;
		}
		if (f.json->u.string.has_nul) {
			add_error(req, fe, name,
			    "The %s must not contain NUL characters.");
			return PARAM_INVALID;
		}
		if (f.json->u.string.bad_utf8) {
			add_error(req, fe, name, "The %s must be valid UTF-8.");
			return PARAM_INVALID;
		}
		s = f.json->u.string.ptr;
		n = f.json->u.string.len;
	} else {
		s = f.text;
		n = strlen(s);
	}
	if (flags & PARAM_TRIM)
		s = param_trim(req->arena, s, n, &n);
	if (n == 0)
		return missing(req, fe, name, flags, true);
	if (n > max_bytes) {
		field_error_add(fe, name, arena_printf(req->arena,
		    "The %s may not be greater than %zu bytes.", name,
		    max_bytes));
		return PARAM_INVALID;
	}
	*out = s;
	if (len != NULL)
		*len = n;
	return PARAM_PRESENT;
}

enum param_result
param_int(struct request *req, struct field_errors *fe, const char *name,
    unsigned flags, int64_t min, int64_t max, int64_t *out)
{
	struct raw_field f = raw_field(req, fe, name, flags);
	struct json_value as_json;
	const struct json_value *v = f.json;
	int64_t value;
	size_t n;

	if (f.result == PARAM_INVALID)
		return PARAM_INVALID;
	if (f.result == PARAM_ABSENT)
		return missing(req, fe, name, flags, false);
	if (v == NULL) {
		/* Query text: the same rules as a JSON string of digits. */
		memset(&as_json, 0, sizeof(as_json));
		as_json.type = JSON_STRING;
		as_json.u.string.ptr = f.text;
		as_json.u.string.len = strlen(f.text);
		v = &as_json;
	}
	if (v->type == JSON_STRING) {
		/* Blank is absent, as for strings. */
		(void)param_trim(req->arena, v->u.string.ptr, v->u.string.len,
		    &n);
		if (n == 0)
			return missing(req, fe, name, flags, true);
	}
	if (json_as_int64(v, true, &value) == -1) {
		add_error(req, fe, name, "The %s must be an integer.");
		return PARAM_INVALID;
	}
	if (value < min || value > max) {
		field_error_add(fe, name, arena_printf(req->arena,
		    "The %s must be between %" PRId64 " and %" PRId64 ".", name,
		    min, max));
		return PARAM_INVALID;
	}
	*out = value;
	return PARAM_PRESENT;
}

int
param_body_id(struct request *req, struct field_errors *fe, const char *name,
    int64_t *out)
{
	const struct json_value *v = json_get(req->json, name);

	if (v == NULL || v->type == JSON_NULL)
		add_error(req, fe, name, "The %s field is required.");
	else if (json_as_int64(v, true, out) == -1 || *out <= 0)
		add_error(req, fe, name, "The %s must be a positive integer.");
	else
		return 0;
	return -1;
}

int
param_path_id(const char *s, int64_t *out)
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

enum param_result
param_idempotency_key(struct request *req, struct field_errors *fe,
    const char **out)
{
	const char *k = req->idempotency_key;
	size_t i, len;

	*out = NULL;
	if (k == NULL)
		return PARAM_ABSENT;
	len = strlen(k);
	for (i = 0; i < len; i++)
		if ((unsigned char)k[i] < 0x20 || (unsigned char)k[i] > 0x7e)
			break;
	if (len == 0 || len > PARAM_IDEMPOTENCY_KEY_MAX || i < len ||
	    k[0] == ' ' || k[len - 1] == ' ') {
		field_error_add(fe, "Idempotency-Key", "The Idempotency-Key "
		    "header must be 1 to 255 printable ASCII characters.");
		return PARAM_INVALID;
	}
	*out = k;
	return PARAM_PRESENT;
}
