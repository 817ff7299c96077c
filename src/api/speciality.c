/*
 * speciality.c - GET|POST /api/speciality: the specialities, by name
 * (docs/API.md §3, §5).
 */
#include "api/handlers.h"
#include "api/page.h"
#include "app/app.h"
#include "core/db.h"
#include "core/json.h"
#include "http/request.h"
#include "http/response.h"

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

static void
write_speciality(struct json_writer *w, const PGresult *res, int row, int col)
{
	json_w_kv_int(w, "id", db_int(res, row, col));
	json_w_kv_string(w, "slug", db_value(res, row, col + 1));
	json_w_kv_string(w, "name", db_value(res, row, col + 2));
	json_w_kv_string(w, "description", db_value(res, row, col + 3));
}

void
handle_speciality_list(struct request *req, struct response *resp)
{
	page_respond_list(req, resp, &speciality_list, write_speciality);
}
