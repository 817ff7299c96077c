/*
 * speciality.c - GET|POST /api/speciality: the specialities, by name
 * (CONTRACT §3, §5).
 */
#include "api/handlers.h"
#include "api/list.h"
#include "core/db.h"
#include "core/json.h"
#include "http/request.h"
#include "http/response.h"
#include "server/app.h"

/*
 * Same shape as the doctor list: one-row total LEFT JOIN the page (why two
 * LIMITs: list.h, PAGE_SIZE_MAX_SQL).  A short table: no page marks.
 */
static const struct db_stmt speciality_list = {
	"speciality_list",
	"SELECT t.total, p.id, p.slug, p.name, p.description"
	" FROM (SELECT n AS total FROM catalog_counts"
	"  WHERE name = 'specialities') t"
	" LEFT JOIN LATERAL (SELECT * FROM (SELECT s.id, s.slug, s.name,"
	"   s.description FROM specialities s WHERE t.total > $2::bigint"
	"   ORDER BY s.name, s.id LIMIT " PAGE_SIZE_MAX_SQL
	"   OFFSET $2::bigint) page LIMIT $1::bigint) p ON true"
	" ORDER BY p.name, p.id",
	2
};

void
handle_speciality_list(struct request *req, struct response *resp)
{
	struct field_errors fe;
	struct json_writer *w;
	const char *params[2];
	struct page pg;
	enum db_status st;
	PGresult *res;
	int i, rows;

	field_errors_init(&fe, req->arena);
	if (page_parse(req, &fe, &pg) == -1) {
		respond_invalid(resp, &fe);
		return;
	}
	params[0] = pg.limit;
	params[1] = pg.offset;
	res = db_exec(req->app->db, req->arena, &speciality_list, params, &st);
	if (res == NULL) {
		respond_query_failed(resp, st);
		return;
	}
	w = envelope_begin(resp, "OK");
	json_w_array_open(w);
	rows = PQntuples(res);
	for (i = 0; i < rows; i++) {
		if (PQgetisnull(res, i, 1))
			continue;	/* the lone total row of an empty page */
		json_w_object_open(w);
		json_w_kv_int(w, "id", col_int(res, i, 1));
		json_w_kv_string(w, "slug", db_value(res, i, 2));
		json_w_kv_string(w, "name", db_value(res, i, 3));
		json_w_kv_string(w, "description", db_value(res, i, 4));
		json_w_object_close(w);
	}
	json_w_array_close(w);
	write_meta(w, &pg, rows > 0 ? col_int(res, 0, 0) : 0);
	envelope_finish(resp, 200, w);
}
