/*
 * list.c - parameters from the body or the query string, pagination and
 * the answers shared by the catalog routes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "api/list.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/json.h"
#include "core/util.h"
#include "core/validate.h"
#include "http/request.h"
#include "http/response.h"
#include "server/app.h"

/*
 * Where a parameter came from: a JSON value of the body, or the decoded
 * text of the query string.  Absent when neither has it.
 */
struct raw_param {
	enum param_result	 result;
	const struct json_value	*json;		/* from the body */
	const char		*text;		/* from the query string */
};

static struct raw_param
raw_param(struct request *req, struct field_errors *fe, const char *name)
{
	struct raw_param p = { PARAM_ABSENT, NULL, NULL };
	const struct json_value *v;
	int invalid;

	if (req->json != NULL && (v = json_get(req->json, name)) != NULL &&
	    v->type != JSON_NULL) {
		p.result = PARAM_PRESENT;
		p.json = v;
		return p;
	}
	p.text = request_query_param(req, name, &invalid);
	if (invalid) {
		field_error_add(fe, name, arena_printf(req->arena,
		    "The %s parameter is not correctly encoded (percent-encoded "
		    "UTF-8 without NUL).", name));
		p.result = PARAM_INVALID;
	} else if (p.text != NULL)
		p.result = PARAM_PRESENT;
	return p;
}

enum param_result
param_string(struct request *req, struct field_errors *fe, const char *name,
    size_t max_bytes, bool trim, const char **out, size_t *len)
{
	struct raw_param p = raw_param(req, fe, name);
	const char *s;
	size_t n;

	if (p.result != PARAM_PRESENT)
		return p.result;
	if (p.json != NULL) {
		if (p.json->type != JSON_STRING) {
			field_error_add(fe, name, arena_printf(req->arena,
			    "The %s must be a string.", name));
			return PARAM_INVALID;
		}
		if (p.json->u.string.has_nul) {
			field_error_add(fe, name, arena_printf(req->arena,
			    "The %s must not contain NUL characters.", name));
			return PARAM_INVALID;
		}
		s = p.json->u.string.ptr;
		n = p.json->u.string.len;
	} else {
		s = p.text;
		n = strlen(s);
	}
	if (trim)
		s = trimmed(req, s, n, &n);
	if (n == 0)
		return PARAM_ABSENT;
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
    int64_t min, int64_t max, int64_t *out)
{
	struct raw_param p = raw_param(req, fe, name);
	struct json_value as_json;
	const struct json_value *v;
	int64_t value;

	if (p.result != PARAM_PRESENT)
		return p.result;
	v = p.json;
	if (v == NULL) {
		/* Query text: the same rules as a JSON string of digits. */
		memset(&as_json, 0, sizeof(as_json));
		as_json.type = JSON_STRING;
		as_json.u.string.ptr = p.text;
		as_json.u.string.len = strlen(p.text);
		v = &as_json;
	}
	if (v->type == JSON_STRING) {
		/* Blank is absent, as for strings. */
		size_t n;

		(void)trimmed(req, v->u.string.ptr, v->u.string.len, &n);
		if (n == 0)
			return PARAM_ABSENT;
	}
	if (json_as_int64(v, true, &value) == -1) {
		field_error_add(fe, name, arena_printf(req->arena,
		    "The %s must be an integer.", name));
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

const char *
param_slug(struct request *req, struct field_errors *fe)
{
	const char *slug = NULL;

	switch (param_string(req, fe, "slug", SLUG_MAX_BYTES, true, &slug,
	    NULL)) {
	case PARAM_PRESENT:
		return slug;
	case PARAM_ABSENT:
		field_error_add(fe, "slug", "The slug field is required.");
		return NULL;
	case PARAM_INVALID:
		break;
	}
	return NULL;
}

void
page_set(struct page *pg, int64_t number, int64_t size)
{
	pg->number = number;
	pg->size = size;
	snprintf(pg->limit, sizeof(pg->limit), "%" PRId64, size);
	snprintf(pg->offset, sizeof(pg->offset), "%" PRId64,
	    (number - 1) * size);
}

int
page_parse(struct request *req, struct field_errors *fe, struct page *pg)
{
	int64_t size = PAGE_SIZE_DEFAULT, number = 1;
	int bad = 0;

	if (param_int(req, fe, "data", 1, PAGE_SIZE_MAX, &size) ==
	    PARAM_INVALID)
		bad = 1;
	if (param_int(req, fe, "page", 1, PAGE_MAX, &number) == PARAM_INVALID)
		bad = 1;
	if (bad)
		return -1;
	page_set(pg, number, size);
	return 0;
}

int64_t
page_last(int64_t total, int64_t size)
{
	if (total <= 0 || size <= 0)
		return 1;
	/* Not (total + size - 1) / size: that overflows near INT64_MAX. */
	return total / size + (total % size != 0);
}

void
write_meta(struct json_writer *w, const struct page *pg, int64_t total)
{
	json_w_key(w, "meta");
	json_w_object_open(w);
	json_w_kv_int(w, "current_page", pg->number);
	json_w_kv_int(w, "per_page", pg->size);
	json_w_kv_int(w, "total", total);
	json_w_kv_int(w, "last_page", page_last(total, pg->size));
	json_w_object_close(w);
}

char *
like_contains_pattern(struct arena *a, const char *s, size_t len)
{
	/* Worst case every byte escaped, plus two '%' and the NUL. */
	char *out = arena_alloc(a, 2 * len + 3), *o = out;
	size_t i;

	*o++ = '%';
	for (i = 0; i < len; i++) {
		/* LIKE's default escape character is the backslash. */
		if (s[i] == '%' || s[i] == '_' || s[i] == '\\')
			*o++ = '\\';
		*o++ = s[i];
	}
	*o++ = '%';
	*o = '\0';
	return out;
}

int64_t
col_int(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return 0;
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

bool
col_bool(const PGresult *res, int row, int col)
{
	return !PQgetisnull(res, row, col) &&
	    PQgetvalue(res, row, col)[0] == 't';
}

void
write_kv_int_or_null(struct json_writer *w, const char *key,
    const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		json_w_kv_null(w, key);
	else
		json_w_kv_int(w, key, col_int(res, row, col));
}

void
write_appointment_types(struct json_writer *w, bool online, bool offline)
{
	json_w_key(w, "appointment_types");
	json_w_array_open(w);
	if (online)
		json_w_string(w, "online");
	if (offline)
		json_w_string(w, "offline");
	json_w_array_close(w);
}

void
respond_invalid(struct response *resp, const struct field_errors *fe)
{
	response_field_errors(resp, 400, "The given data was invalid.",
	    "One or more parameters are invalid; see errors.", fe);
}

void
respond_query_failed(struct response *resp, int db_status)
{
	if (db_status == DB_UNAVAILABLE)
		response_db_unavailable(resp);
	else
		response_internal_error(resp);
}

void
respond_page(struct response *resp, const PGresult *res,
    const struct page *pg, list_item_writer write_item)
{
	struct json_writer *w;
	int i, rows;

	w = envelope_begin(resp, "OK");
	json_w_array_open(w);
	rows = PQntuples(res);
	for (i = 0; i < rows; i++) {
		if (PQgetisnull(res, i, 1))
			continue;	/* the lone total row of an empty page */
		json_w_object_open(w);
		write_item(w, res, i, 1);
		json_w_object_close(w);
	}
	json_w_array_close(w);
	write_meta(w, pg, rows > 0 ? col_int(res, 0, 0) : 0);
	envelope_finish(resp, 200, w);
}

void
respond_page_list(struct request *req, struct response *resp,
    const struct db_stmt *stmt, list_item_writer write_item)
{
	struct field_errors fe;
	const char *params[2];
	struct page pg;
	enum db_status st;
	PGresult *res;

	field_errors_init(&fe, req->arena);
	if (page_parse(req, &fe, &pg) == -1) {
		respond_invalid(resp, &fe);
		return;
	}
	params[0] = pg.limit;
	params[1] = pg.offset;
	res = db_exec(req->app->db, req->arena, stmt, params, &st);
	if (res == NULL) {
		respond_query_failed(resp, st);
		return;
	}
	respond_page(resp, res, &pg, write_item);
}

PGresult *
fetch_by_slug(struct request *req, struct response *resp,
    const struct db_stmt *stmt, const char *not_found,
    const char *not_found_details)
{
	struct field_errors fe;
	const char *params[1];
	enum db_status st;
	PGresult *res;

	field_errors_init(&fe, req->arena);
	if ((params[0] = param_slug(req, &fe)) == NULL) {
		respond_invalid(resp, &fe);
		return NULL;
	}
	res = db_exec(req->app->db, req->arena, stmt, params, &st);
	if (res == NULL) {
		respond_query_failed(resp, st);
		return NULL;
	}
	if (PQntuples(res) == 0) {
		response_error(resp, 404, not_found, not_found_details);
		return NULL;
	}
	return res;
}
