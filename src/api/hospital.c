/*
 * hospital.c - POST|GET /api/hospital (list, by name) and
 * POST|GET /api/hospital/show (one hospital with its doctors)
 * (docs/API.md §3, §5, §9).
 */
#include "api/catalog.h"
#include "api/doctor.h"
#include "api/handlers.h"
#include "api/page.h"
#include "app/app.h"
#include "core/db.h"
#include "core/json.h"
#include "http/request.h"
#include "http/response.h"

/*
 * Shape as the unfiltered doctor list (doctor.c): the total from
 * catalog_counts, the page's ids from the (name, id) index starting at the
 * page mark before the offset, the rows by primary key.  (Why two LIMITs:
 * list.h, PAGE_SIZE_MAX_SQL.)
 */
static const struct db_stmt hospital_list = {
	"hospital_list",
	"SELECT t.total, p.id, p.slug, p.name, p.address, p.city, p.phone,"
	" p.photo_url"
	" FROM (SELECT n AS total FROM catalog_counts"
	"  WHERE name = 'hospitals') t"
	" LEFT JOIN LATERAL (SELECT position, sort_text, id"
	"  FROM catalog_page_marks WHERE list = 'hospitals'"
	"  AND position <= $2::bigint"
	"  ORDER BY position DESC LIMIT 1) mark ON true"
	" LEFT JOIN LATERAL (SELECT x.*, pg.name AS sort_name"
	"  FROM (SELECT * FROM (SELECT h0.id, h0.name FROM hospitals h0"
	"   WHERE t.total > $2::bigint AND (h0.name, h0.id) >="
	"    (coalesce(mark.sort_text, ''), coalesce(mark.id, 0))"
	"   ORDER BY h0.name, h0.id LIMIT " PAGE_SIZE_MAX_SQL
	"   OFFSET $2::bigint - coalesce(mark.position, 0)) page"
	"   LIMIT $1::bigint) pg"
	"  CROSS JOIN LATERAL (SELECT h.id, h.slug, h.name, h.address,"
	"   h.city, h.phone, h.photo_url FROM hospitals h"
	"   WHERE h.id = pg.id LIMIT 1) x) p ON true"
	" ORDER BY p.sort_name, p.id",
	2
};

static const struct db_stmt hospital_show = {
	"hospital_show",
	"SELECT h.id, h.slug, h.name, h.address, h.city, h.phone,"
	" h.photo_url, dh.id, dh.consultation_fee, dh.offers_online,"
	" dh.offers_offline, d.id, d.slug, d.name, d.title, d.photo_url,"
	" d.years_of_practice, s.id, s.slug, s.name"
	" FROM hospitals h"
	" LEFT JOIN doctor_has_hospital dh ON dh.hospital_id = h.id"
	" LEFT JOIN doctors d ON d.id = dh.doctor_id"
	" LEFT JOIN specialities s ON s.id = d.speciality_id"
	" WHERE h.slug = $1"
	" ORDER BY d.name, d.id",
	1
};

/* id, slug, name, address, city, phone, photo_url from column col. */
static void
write_hospital(struct json_writer *w, const PGresult *res, int row, int col)
{
	json_w_kv_int(w, "id", db_int(res, row, col));
	json_w_kv_string(w, "slug", db_value(res, row, col + 1));
	json_w_kv_string(w, "name", db_value(res, row, col + 2));
	json_w_kv_string(w, "address", db_value(res, row, col + 3));
	json_w_kv_string(w, "city", db_value(res, row, col + 4));
	json_w_kv_string(w, "phone", db_value(res, row, col + 5));
	json_w_kv_string(w, "photo_url", db_value(res, row, col + 6));
}

void
handle_hospital_list(struct request *req, struct response *resp)
{
	page_respond_list(req, resp, &hospital_list, write_hospital);
}

void
handle_hospital_show(struct request *req, struct response *resp)
{
	struct json_writer *w;
	PGresult *res;
	int i, rows;

	if ((res = catalog_fetch_by_slug(req, resp, &hospital_show,
	    "Hospital not found.", "No hospital has this slug.")) == NULL)
		return;
	rows = PQntuples(res);

	w = envelope_begin(resp, "OK");
	json_w_object_open(w);
	write_hospital(w, res, 0, 0);
	json_w_key(w, "doctors");
	json_w_array_open(w);
	for (i = 0; i < rows; i++) {
		if (PQgetisnull(res, i, 7))
			continue;	/* no doctor practises here yet */
		json_w_object_open(w);
		json_w_kv_int(w, "doctor_has_hospital_id", db_int(res, i, 7));
		doctor_write_summary(w, res, i, 11);
		json_w_kv_int(w, "consultation_fee", db_int(res, i, 8));
		catalog_write_appointment_types(w, db_bool(res, i, 9),
		    db_bool(res, i, 10));
		json_w_object_close(w);
	}
	json_w_array_close(w);
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}
