/*
 * page.c - pagination and the answer of a catalog list.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api/page.h"
#include "app/app.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/json.h"
#include "http/param.h"
#include "http/request.h"
#include "http/respcache.h"
#include "http/response.h"

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

	if (param_int(req, fe, "data", PARAM_QUERY, 1, PAGE_SIZE_MAX,
	    &size) == PARAM_INVALID)
		bad = 1;
	if (param_int(req, fe, "page", PARAM_QUERY, 1, PAGE_MAX, &number) ==
	    PARAM_INVALID)
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
page_write_meta(struct json_writer *w, const struct page *pg, int64_t total)
{
	json_w_key(w, "meta");
	json_w_object_open(w);
	json_w_kv_int(w, "current_page", pg->number);
	json_w_kv_int(w, "per_page", pg->size);
	json_w_kv_int(w, "total", total);
	json_w_kv_int(w, "last_page", page_last(total, pg->size));
	json_w_object_close(w);
}

void
page_respond(struct response *resp, const PGresult *res,
    const struct page *pg, page_item_writer write_item)
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
	page_write_meta(w, pg, rows > 0 ? db_int(res, 0, 0) : 0);
	envelope_finish(resp, 200, w);
}

bool
page_cache_lookup(struct request *req, struct response *resp,
    const struct page *pg, const char *filters)
{
	const char *key = arena_printf(req->arena, "%" PRId64 ",%" PRId64 "%s",
	    pg->size, pg->number, filters);

	return respcache_lookup(req, resp, key, strlen(key));
}

void
page_respond_list(struct request *req, struct response *resp,
    const struct db_stmt *stmt, page_item_writer write_item)
{
	struct field_errors fe;
	const char *params[2];
	struct page pg;
	enum db_status st;
	PGresult *res;

	field_errors_init(&fe, req->arena);
	if (page_parse(req, &fe, &pg) == -1) {
		response_invalid(resp, &fe);
		return;
	}
	if (page_cache_lookup(req, resp, &pg, ""))
		return;
	params[0] = pg.limit;
	params[1] = pg.offset;
	res = db_exec(req->app->db, req->arena, stmt, params, &st);
	if (res == NULL) {
		response_db_failure(resp, st);
		return;
	}
	page_respond(resp, res, &pg, write_item);
}
