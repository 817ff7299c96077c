/*
 * schedule.c - POST|GET /api/doctor/get-time-list (docs/API.md §3, §9): the
 * slots of one day from a doctor's weekly schedule at one hospital, each
 * marked unavailable when it is booked or already past.
 *
 * All date and time arithmetic happens in PostgreSQL, in the configured
 * time zone (config `timezone`, bound as a parameter): "today", the
 * weekday of the date, the slot times, and the instants compared with
 * now() and with the bookings.  One statement answers everything, including
 * whether the date is past (400) and whether the id exists (404): it
 * always returns at least one row carrying those flags.
 */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "api/catalog.h"
#include "api/handlers.h"
#include "api/page.h"
#include "app/app.h"
#include "app/config.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/json.h"
#include "core/validate.h"
#include "http/param.h"
#include "http/request.h"
#include "http/response.h"

/*
 * $1 doctor_has_hospital_id, $2 date (NULL: today), $3 time zone,
 * $4 appointment type (NULL: both).  A booking blocks every slot it
 * overlaps at any of the doctor's hospitals; bookings last at most 240
 * minutes (CHECK in sql/003), which bounds the index range searched.
 */
static const struct db_stmt time_list = {
	"time_list",
	"WITH p AS (SELECT coalesce($2::date,"
	"  (now() AT TIME ZONE $3::text)::date) AS day,"
	"  (now() AT TIME ZONE $3::text)::date AS today)"
	" SELECT p.day::text, p.day < p.today, dh.id IS NOT NULL,"
	"  to_char(sl.slot_start, 'HH24:MI'), to_char(sl.slot_end, 'HH24:MI'),"
	"  sl.appointment, sl.available, p.today::text"
	" FROM p"
	" LEFT JOIN doctor_has_hospital dh ON dh.id = $1::bigint"
	" LEFT JOIN LATERAL ("
	"  SELECT g.slot_start, g.slot_start + s.len AS slot_end,"
	"   s.appointment,"
	"   (g.slot_start AT TIME ZONE $3::text) > now() AND NOT EXISTS ("
	"    SELECT 1 FROM appointments a"
	"    WHERE a.doctor_id = dh.doctor_id AND a.cancelled_at IS NULL"
	"     AND a.starts_at > (g.slot_start AT TIME ZONE $3::text)"
	"      - interval '240 minutes'"
	"     AND a.starts_at < ((g.slot_start + s.len) AT TIME ZONE $3::text)"
	"     AND a.ends_at > (g.slot_start AT TIME ZONE $3::text))"
	"    AS available"
	"  FROM (SELECT sc.start_time, sc.end_time, sc.appointment,"
	"    make_interval(mins => sc.slot_minutes) AS len"
	"   FROM doctor_schedules sc"
	"   WHERE sc.doctor_has_hospital_id = dh.id"
	"    AND sc.weekday = extract(isodow FROM p.day)::smallint"
	"    AND ($4::text IS NULL OR sc.appointment = $4::text)"
	"    AND CASE sc.appointment WHEN 'online' THEN dh.offers_online"
	"     ELSE dh.offers_offline END"
	"    AND p.day >= p.today) s"
	"  CROSS JOIN LATERAL generate_series(p.day + s.start_time,"
	"   p.day + s.end_time - s.len, s.len) AS g(slot_start)) sl ON true"
	" ORDER BY sl.slot_start, sl.appointment",
	4
};

/* "online" or "offline"; NULL (no filter) when absent, or after an error. */
static const char *
appointment_filter(struct request *req, struct field_errors *fe)
{
	const char *s = NULL;

	if (param_string(req, fe, "appointment", PARAM_QUERY, 16, &s,
	    NULL) != PARAM_PRESENT)
		return NULL;
	if (strcmp(s, "online") == 0 || strcmp(s, "offline") == 0)
		return s;
	field_error_add(fe, "appointment",
	    "The appointment must be one of: online, offline.");
	return NULL;
}

void
handle_time_list(struct request *req, struct response *resp)
{
	const char *params[4], *date = NULL, *appointment;
	struct field_errors fe;
	struct json_writer *w;
	enum db_status st;
	int64_t dhh_id = 0;
	size_t date_len = 0;
	PGresult *res;
	int i, rows;

	field_errors_init(&fe, req->arena);
	if (param_int(req, &fe, "doctor_has_hospital_id", PARAM_QUERY, 1,
	    INT64_MAX, &dhh_id) == PARAM_ABSENT)
		field_error_add(&fe, "doctor_has_hospital_id",
		    "The doctor_has_hospital_id field is required.");
	if (param_string(req, &fe, "date", PARAM_QUERY, 64, &date,
	    &date_len) ==
	    PARAM_PRESENT && !valid_date(date, date_len, NULL, NULL, NULL)) {
		field_error_add(&fe, "date",
		    "The date must be a real date in the format YYYY-MM-DD.");
		date = NULL;
	}
	appointment = appointment_filter(req, &fe);
	if (field_errors_any(&fe)) {
		response_invalid(resp, &fe);
		return;
	}

	params[0] = arena_printf(req->arena, "%" PRId64, dhh_id);
	params[1] = date;
	params[2] = req->app->cfg->timezone;
	params[3] = appointment;
	res = db_exec(req->app->db, req->arena, &time_list, params, &st);
	if (res == NULL) {
		response_db_failure(resp, st);
		return;
	}
	if ((rows = PQntuples(res)) == 0) {
		response_internal_error(resp);	/* p always has one row */
		return;
	}
	/* Validation (400) before lookup (404), docs/API.md §9. */
	if (db_bool(res, 0, 1)) {
		field_error_add(&fe, "date", arena_printf(req->arena,
		    "The date must be today or later (today is %s in %s).",
		    db_value(res, 0, 7), req->app->cfg->timezone));
		response_invalid(resp, &fe);
		return;
	}
	if (!db_bool(res, 0, 2)) {
		response_error(resp, 404, "Doctor's practice not found.",
		    "No doctor_has_hospital_id matches this value.");
		return;
	}

	w = envelope_begin(resp, "OK");
	json_w_object_open(w);
	json_w_kv_int(w, "doctor_has_hospital_id", dhh_id);
	json_w_kv_string(w, "date", db_value(res, 0, 0));
	json_w_key(w, "slots");
	json_w_array_open(w);
	for (i = 0; i < rows; i++) {
		if (PQgetisnull(res, i, 3))
			continue;	/* no schedule that day */
		json_w_object_open(w);
		json_w_kv_string(w, "start", db_value(res, i, 3));
		json_w_kv_string(w, "end", db_value(res, i, 4));
		json_w_kv_string(w, "appointment", db_value(res, i, 5));
		json_w_kv_bool(w, "available", db_bool(res, i, 6));
		json_w_object_close(w);
	}
	json_w_array_close(w);
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}
