/*
 * catalog.c - slugs, the name search pattern, shared column JSON.
 */
#include "api/catalog.h"
#include <string.h>

#include "app/app.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/json.h"
#include "http/param.h"
#include "http/request.h"
#include "http/respcache.h"
#include "http/response.h"

const char *
catalog_slug(struct request *req, struct field_errors *fe)
{
	const char *slug = NULL;

	if (param_string(req, fe, "slug", PARAM_QUERY | PARAM_TRIM |
	    PARAM_REQUIRED, CATALOG_SLUG_MAX_BYTES, &slug, NULL) !=
	    PARAM_PRESENT)
		return NULL;
	return slug;
}

PGresult *
catalog_fetch_by_slug(struct request *req, struct response *resp,
    const struct db_stmt *stmt, const char *not_found,
    const char *not_found_details)
{
	struct field_errors fe;
	const char *params[1];
	enum db_status st;
	PGresult *res;

	field_errors_init(&fe, req->arena);
	if ((params[0] = catalog_slug(req, &fe)) == NULL) {
		response_invalid(resp, &fe);
		return NULL;
	}
	if (respcache_lookup(req, resp, params[0], strlen(params[0])))
		return NULL;	/* answered from memory */
	res = db_exec(req->app->db, req->arena, stmt, params, &st);
	if (res == NULL) {
		response_db_failure(resp, st);
		return NULL;
	}
	if (PQntuples(res) == 0) {
		response_error(resp, 404, not_found, not_found_details);
		return NULL;
	}
	return res;
}

char *
catalog_like_pattern(struct arena *a, const char *s, size_t len)
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

void
catalog_write_int_or_null(struct json_writer *w, const char *key,
    const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		json_w_kv_null(w, key);
	else
		json_w_kv_int(w, key, db_int(res, row, col));
}

void
catalog_write_appointment_types(struct json_writer *w, bool online,
    bool offline)
{
	json_w_key(w, "appointment_types");
	json_w_array_open(w);
	if (online)
		json_w_string(w, "online");
	if (offline)
		json_w_string(w, "offline");
	json_w_array_close(w);
}
