/*
 * booking.c - a patient's appointments (docs/API.md §3, issue 14):
 * POST /api/appointment/book books one slot that get-time-list shows,
 * GET|POST /api/appointment lists them, POST /api/appointment/cancel
 * cancels one (which frees its slot at once: the constraints and
 * get-time-list leave cancelled rows out).  GET|POST
 * /api/doctor/appointments is a doctor's own day of bookings.
 *
 * One statement checks the session, finds the slot in the weekly schedule
 * (same arithmetic as schedule.c, in the configured time zone) and inserts
 * the appointment.  Whether a slot is free is never checked first: the
 * exclusion constraints of sql/008_booking.sql refuse an overlapping
 * booking of the doctor or of the patient, so of any number of racing
 * requests, on any node, exactly one commits and the others are 409.
 * The insert says ON CONFLICT DO NOTHING: a refused booking is an empty
 * result, not an error, so it neither aborts the transaction of an
 * Idempotency-Key (whose answer is stored in it) nor can two overlapping
 * inserters deadlock (speculative insertion waits without that risk).
 *
 * Idempotency-Key: the key is claimed (a row of idempotency_keys) in the
 * transaction that books, and the answer stored there before COMMIT, so a
 * booking never commits without its key.  A concurrent request with the
 * same key waits on the uncommitted row, then replays the stored answer.
 */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "api/handlers.h"
#include "api/page.h"
#include "app/app.h"
#include "app/config.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/json.h"
#include "core/validate.h"
#include "http/bearer.h"
#include "http/param.h"
#include "http/request.h"
#include "http/response.h"

#define NOTE_MAX_BYTES	1000

/*
 * $1 session, $2 user (bearer_query), $3 doctor_has_hospital_id, $4 date,
 * $5 start (HH:MM), $6 appointment, $7 time zone, $8 note.  Always one row
 * while the session is live: the flags say why nothing was inserted.
 * A slot is a start on the grid of a schedule of that weekday whose whole
 * length fits before the schedule's end; the type must be one the practice
 * offers.
 */
static const struct db_stmt book = {
	"booking_book",
	BEARER_LIVE_USER_CTE ","
	" p AS (SELECT $4::date AS day, $5::time AS start,"
	"  (now() AT TIME ZONE $7::text)::date AS today),"
	" dh AS (SELECT d.* FROM doctor_has_hospital d WHERE d.id = $3::bigint),"
	" sl AS (SELECT sc.appointment, sc.slot_minutes"
	"  FROM dh, p, doctor_schedules sc"
	"  WHERE sc.doctor_has_hospital_id = dh.id"
	"   AND sc.weekday = extract(isodow FROM p.day)::smallint"
	"   AND CASE sc.appointment WHEN 'online' THEN dh.offers_online"
	"    ELSE dh.offers_offline END"
	"   AND p.start >= sc.start_time"
	"   AND p.start + make_interval(mins => sc.slot_minutes) <= sc.end_time"
	"   AND p.start + make_interval(mins => sc.slot_minutes) > p.start"
	"   AND extract(epoch FROM p.start - sc.start_time)::bigint"
	"    % (sc.slot_minutes * 60) = 0),"
	" t AS (SELECT ((p.day + p.start) AT TIME ZONE $7::text) AS starts_at,"
	"  sl.slot_minutes FROM p, sl WHERE sl.appointment = $6::text LIMIT 1),"
	" ins AS (INSERT INTO appointments (doctor_has_hospital_id, doctor_id,"
	"   patient_id, appointment, starts_at, ends_at, note)"
	"  SELECT dh.id, dh.doctor_id, u.id, $6::text, t.starts_at,"
	"   t.starts_at + make_interval(mins => t.slot_minutes), $8::text"
	"  FROM u, dh, t, p WHERE p.day >= p.today AND t.starts_at > now()"
	"  ON CONFLICT DO NOTHING"
	"  RETURNING id, doctor_id, starts_at, ends_at, note)"
	" SELECT p.day < p.today, EXISTS (SELECT 1 FROM dh),"
	"  EXISTS (SELECT 1 FROM sl), EXISTS (SELECT 1 FROM t),"
	"  ins.id, ins.doctor_id, to_char(ins.starts_at AT TIME ZONE $7::text,"
	"  'HH24:MI'), to_char(ins.ends_at AT TIME ZONE $7::text, 'HH24:MI'),"
	"  ins.note, p.today::text,"
	"  EXISTS (SELECT 1 FROM t WHERE t.starts_at > now())"
	" FROM u CROSS JOIN p LEFT JOIN ins ON true",
	8
};

/* One appointment as the routes write it; its columns start at col. */
#define APPT_COLUMNS(tz) \
	"a.id, a.doctor_has_hospital_id, a.doctor_id," \
	" to_char(a.starts_at AT TIME ZONE " tz ", 'YYYY-MM-DD')," \
	" to_char(a.starts_at AT TIME ZONE " tz ", 'HH24:MI')," \
	" to_char(a.ends_at AT TIME ZONE " tz ", 'HH24:MI')," \
	" a.appointment, a.cancelled_at IS NOT NULL, a.note"

static void
write_appointment(struct json_writer *w, const PGresult *res, int row,
    int col)
{
	json_w_kv_int(w, "id", db_int(res, row, col));
	json_w_kv_int(w, "doctor_has_hospital_id", db_int(res, row, col + 1));
	json_w_kv_int(w, "doctor_id", db_int(res, row, col + 2));
	json_w_kv_string(w, "date", db_value(res, row, col + 3));
	json_w_kv_string(w, "start", db_value(res, row, col + 4));
	json_w_kv_string(w, "end", db_value(res, row, col + 5));
	json_w_kv_string(w, "appointment", db_value(res, row, col + 6));
	json_w_kv_string(w, "status", db_bool(res, row, col + 7) ?
	    "cancelled" : "booked");
	json_w_kv_string(w, "note", db_value(res, row, col + 8));
}

/* $1 session, $2 user, $3 key, $4 what the request hash is made of. */
static const struct db_stmt idem_claim = {
	"booking_idem_claim",
	BEARER_LIVE_USER_CTE ","
	" ins AS (INSERT INTO idempotency_keys (user_id, key, request_hash,"
	"   status, body)"
	"  SELECT u.id, $3::text, sha256(convert_to($4::text, 'UTF8')), 102, ''"
	"  FROM u ON CONFLICT (user_id, key) DO NOTHING RETURNING 1)"
	" SELECT EXISTS (SELECT 1 FROM ins) FROM u",
	4
};

/* The committed answer to a key taken before; $1 user, $2 key, $3 as $4
 * above.  Expired (24 h): taken over as if new. */
static const struct db_stmt idem_lookup = {
	"booking_idem_lookup",
	"SELECT request_hash = sha256(convert_to($3::text, 'UTF8')), status,"
	" body, created_at < now() - interval '24 hours'"
	" FROM idempotency_keys WHERE user_id = $1 AND key = $2::text"
	" FOR UPDATE",
	3
};

static const struct db_stmt idem_renew = {
	"booking_idem_renew",
	"UPDATE idempotency_keys SET request_hash ="
	" sha256(convert_to($3::text, 'UTF8')), status = 102, body = '',"
	" created_at = now() WHERE user_id = $1 AND key = $2::text",
	3
};

static const struct db_stmt idem_store = {
	"booking_idem_store",
	"UPDATE idempotency_keys SET status = $3::smallint, body = $4::text"
	" WHERE user_id = $1 AND key = $2::text",
	4
};

static void
respond_conflict(struct response *resp)
{
	response_error(resp, 409, "The slot is no longer available.",
	    "Another booking overlaps this time: the doctor's, or one of "
	    "yours. Choose another slot from get-time-list.");
}

/*
 * Claims the key inside the open transaction.  Returns 1 when the caller
 * is to act (and store its answer), 0 when *resp has been answered (the
 * stored answer, 422, 401, 503/500).
 */
static int
idem_begin(struct request *req, struct response *resp, const struct bearer *b,
    const char *key, const char *hash_input)
{
	const char *params[4];
	enum db_status st;
	PGresult *res;

	params[2] = key;
	params[3] = hash_input;
	if ((res = bearer_query(req, resp, b, &idem_claim, params, NULL,
	    NULL)) == NULL)
		return 0;
	if (db_bool(res, 0, 0))
		return 1;
	params[0] = b->user_id_text;
	params[1] = key;
	params[2] = hash_input;
	res = db_exec(req->app->db, req->arena, &idem_lookup, params, &st);
	if (res == NULL || PQntuples(res) != 1) {
		/* The row exists: ON CONFLICT saw it committed. */
		response_db_failure(resp, res == NULL ? st : DB_ERROR);
		return 0;
	}
	if (db_bool(res, 0, 3)) {
		if (db_exec(req->app->db, req->arena, &idem_renew, params,
		    &st) == NULL) {
			response_db_failure(resp, st);
			return 0;
		}
		return 1;
	}
	if (!db_bool(res, 0, 0)) {
		response_error(resp, 422, "Idempotency key reused.",
		    "This Idempotency-Key was used for another request; send a "
		    "new key for a new request.");
		return 0;
	}
	response_bytes(resp, (int)db_int(res, 0, 1),
	    "application/json; charset=utf-8", db_value(res, 0, 2),
	    strlen(db_value(res, 0, 2)));
	response_header(resp, "Idempotent-Replayed", "true");
	return 0;
}

/* Stores the answer with the key and commits; 503/500 if that fails. */
static void
idem_finish(struct request *req, struct response *resp, const struct bearer *b,
    const char *key)
{
	const char *params[4];
	enum db_status st;

	/* Only what the booking decided is kept: a 401 or a failure is not
	 * an answer to the request, and rolls the claim back. */
	if (resp->status == 401 || resp->status >= 500) {
		db_rollback(req->app->db);
		return;
	}
	params[0] = b->user_id_text;
	params[1] = key;
	params[2] = arena_printf(req->arena, "%d", resp->status);
	params[3] = arena_strndup(req->arena, resp->body, resp->body_len);
	if (db_exec(req->app->db, req->arena, &idem_store, params,
	    &st) == NULL || (st = db_commit(req->app->db)) != DB_OK) {
		db_rollback(req->app->db);
		response_db_failure(resp, st);
	}
}

/* The booking itself; answers *resp. */
static void
book_slot(struct request *req, struct response *resp, const struct bearer *b,
    const char **params, int64_t dhh_id)
{
	struct field_errors fe;
	struct json_writer *w;
	enum db_status st;
	PGresult *res;

	field_errors_init(&fe, req->arena);
	params[0] = b->claims.sid;
	params[1] = b->user_id_text;
	res = db_exec(req->app->db, req->arena, &book, params, &st);
	if (res == NULL) {
		/* ON CONFLICT covers the constraints; kept for safety. */
		if (st == DB_UNIQUE_VIOLATION || st == DB_EXCLUSION_VIOLATION ||
		    st == DB_DEADLOCK)
			respond_conflict(resp);
		else
			response_db_failure(resp, st);
		return;
	}
	if (PQntuples(res) != 1) {
		bearer_respond_revoked(resp);
		return;
	}
	if (db_bool(res, 0, 0)) {
		field_error_add(&fe, "date", arena_printf(req->arena,
		    "The date must be today or later (today is %s in %s).",
		    db_value(res, 0, 9), req->app->cfg->timezone));
		response_invalid(resp, &fe);
		return;
	}
	if (!db_bool(res, 0, 1)) {
		response_error(resp, 404, "Doctor's practice not found.",
		    "No doctor_has_hospital_id matches this value.");
		return;
	}
	if (!db_bool(res, 0, 2))
		field_error_add(&fe, "start", "This time is not a slot of the "
		    "practice's schedule on that day (see get-time-list).");
	else if (!db_bool(res, 0, 3))
		field_error_add(&fe, "appointment", "The slot at this time is "
		    "not of this appointment type.");
	else if (!db_bool(res, 0, 10))
		field_error_add(&fe, "start", "This slot has already begun.");
	if (field_errors_any(&fe)) {
		response_invalid(resp, &fe);
		return;
	}
	if (PQgetisnull(res, 0, 4)) {
		respond_conflict(resp);
		return;
	}

	w = envelope_begin(resp, "Appointment booked.");
	json_w_object_open(w);
	json_w_key(w, "appointment");
	json_w_object_open(w);
	json_w_kv_int(w, "id", db_int(res, 0, 4));
	json_w_kv_int(w, "doctor_has_hospital_id", dhh_id);
	json_w_kv_int(w, "doctor_id", db_int(res, 0, 5));
	json_w_kv_string(w, "date", params[3]);
	json_w_kv_string(w, "start", db_value(res, 0, 6));
	json_w_kv_string(w, "end", db_value(res, 0, 7));
	json_w_kv_string(w, "appointment", params[5]);
	json_w_kv_string(w, "status", "booked");
	json_w_kv_string(w, "note", db_value(res, 0, 8));
	json_w_object_close(w);
	json_w_object_close(w);
	envelope_finish(resp, 201, w);
}

void
handle_booking_book(struct request *req, struct response *resp)
{
	const char *params[8], *date = NULL, *start = NULL, *type = NULL;
	const char *note = NULL, *key = NULL;
	struct field_errors fe;
	struct bearer b;
	enum db_status st;
	int64_t dhh_id = 0;
	size_t len = 0;

	field_errors_init(&fe, req->arena);
	if (param_int(req, &fe, "doctor_has_hospital_id", 0, 1, INT64_MAX,
	    &dhh_id) == PARAM_ABSENT)
		field_error_add(&fe, "doctor_has_hospital_id",
		    "The doctor_has_hospital_id field is required.");
	if (param_string(req, &fe, "date", PARAM_REQUIRED, 64, &date, &len) ==
	    PARAM_PRESENT && !valid_date(date, len, NULL, NULL, NULL))
		field_error_add(&fe, "date",
		    "The date must be a real date in the format YYYY-MM-DD.");
	/* HH:MM, 00:00 to 23:59. */
	if (param_string(req, &fe, "start", PARAM_REQUIRED, 16, &start,
	    &len) == PARAM_PRESENT && !(len == 5 && start[2] == ':' &&
	    start[0] >= '0' && start[0] <= '2' && start[1] >= '0' &&
	    start[1] <= '9' && (start[0] < '2' || start[1] <= '3') &&
	    start[3] >= '0' && start[3] <= '5' && start[4] >= '0' &&
	    start[4] <= '9'))
		field_error_add(&fe, "start",
		    "The start must be a time in the format HH:MM.");
	if (param_string(req, &fe, "appointment", PARAM_REQUIRED, 16, &type,
	    NULL) == PARAM_PRESENT && strcmp(type, "online") != 0 &&
	    strcmp(type, "offline") != 0)
		field_error_add(&fe, "appointment",
		    "The appointment must be one of: online, offline.");
	(void)param_string(req, &fe, "note", PARAM_TRIM, NOTE_MAX_BYTES,
	    &note, NULL);
	(void)param_idempotency_key(req, &fe, &key);
	if (field_errors_any(&fe)) {
		response_invalid(resp, &fe);
		return;
	}
	if (!bearer_authenticate(req, resp, &b))
		return;
	if (!bearer_require_role(&b, resp, "patient",
	    "Only patients book appointments."))
		return;

	params[2] = arena_printf(req->arena, "%" PRId64, dhh_id);
	params[3] = date;
	params[4] = start;
	params[5] = type;
	params[6] = req->app->cfg->timezone;
	params[7] = note;
	if (key == NULL) {
		book_slot(req, resp, &b, params, dhh_id);
		return;
	}
	if ((st = db_begin(req->app->db)) != DB_OK) {
		response_db_failure(resp, st);
		return;
	}
	/* The same key with another body is another request (422). */
	if (!idem_begin(req, resp, &b, key, arena_printf(req->arena, "%s\n%s",
	    req->path, req->body != NULL ? req->body : ""))) {
		db_rollback(req->app->db);
		return;
	}
	book_slot(req, resp, &b, params, dhh_id);
	idem_finish(req, resp, &b, key);
}

/* ---- POST /api/appointment/cancel ---- */

/*
 * $1 session, $2 user, $3 appointment id, $4 notice (minutes), $5 time
 * zone.  One row while the session is live; the appointment's columns are
 * NULL when it is not the user's (404 either way: another patient's
 * appointment is not revealed).
 */
static const struct db_stmt cancel = {
	"booking_cancel",
	BEARER_LIVE_USER_CTE ","
	" upd AS (UPDATE appointments SET cancelled_at = now() FROM u"
	"  WHERE appointments.id = $3::bigint AND appointments.patient_id = u.id"
	"  AND appointments.cancelled_at IS NULL AND appointments.starts_at"
	"   - make_interval(mins => $4::int) >= now()"
	"  RETURNING appointments.*)"
	" SELECT coalesce(a.done, false), a.cancelled_at IS NOT NULL,"
	"  " APPT_COLUMNS("$5::text")
	" FROM u LEFT JOIN (SELECT true AS done, upd.* FROM upd"
	"  UNION ALL SELECT false, x.* FROM appointments x, u"
	"  WHERE x.id = $3::bigint AND x.patient_id = u.id"
	"  AND NOT EXISTS (SELECT 1 FROM upd)) a ON true",
	5
};

/* The cancellation itself; answers *resp. */
static void
cancel_one(struct request *req, struct response *resp, const struct bearer *b,
    const char **params)
{
	struct json_writer *w;
	PGresult *res;

	if ((res = bearer_query(req, resp, b, &cancel, params, NULL,
	    NULL)) == NULL)
		return;
	if (PQgetisnull(res, 0, 2)) {
		response_error(resp, 404, "Appointment not found.",
		    "You have no appointment with this id.");
		return;
	}
	if (!db_bool(res, 0, 0)) {
		response_error(resp, 409, db_bool(res, 0, 1) ?
		    "The appointment is already cancelled." :
		    "Too late to cancel.", arena_printf(req->arena,
		    "An appointment can be cancelled until %d minutes before "
		    "it starts.", req->app->cfg->cancel_notice_minutes));
		return;
	}
	w = envelope_begin(resp, "Appointment cancelled.");
	json_w_object_open(w);
	json_w_key(w, "appointment");
	json_w_object_open(w);
	write_appointment(w, res, 0, 2);
	json_w_object_close(w);
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}

void
handle_booking_cancel(struct request *req, struct response *resp)
{
	const char *params[5], *key = NULL;
	struct field_errors fe;
	struct bearer b;
	enum db_status st;
	int64_t id = 0;

	field_errors_init(&fe, req->arena);
	(void)param_body_id(req, &fe, "id", &id);
	(void)param_idempotency_key(req, &fe, &key);
	if (field_errors_any(&fe)) {
		response_invalid(resp, &fe);
		return;
	}
	if (!bearer_authenticate(req, resp, &b))
		return;
	if (!bearer_require_role(&b, resp, "patient",
	    "Only patients cancel their appointments."))
		return;
	params[2] = arena_printf(req->arena, "%" PRId64, id);
	params[3] = arena_printf(req->arena, "%d",
	    req->app->cfg->cancel_notice_minutes);
	params[4] = req->app->cfg->timezone;
	if (key == NULL) {
		cancel_one(req, resp, &b, params);
		return;
	}
	if ((st = db_begin(req->app->db)) != DB_OK) {
		response_db_failure(resp, st);
		return;
	}
	if (!idem_begin(req, resp, &b, key, arena_printf(req->arena, "%s\n%s",
	    req->path, req->body != NULL ? req->body : ""))) {
		db_rollback(req->app->db);
		return;
	}
	cancel_one(req, resp, &b, params);
	idem_finish(req, resp, &b, key);
}

/* ---- GET|POST /api/appointment: my appointments ---- */

/*
 * $1 session, $2 user, $3 limit, $4 offset, $5 status (NULL: all), $6
 * time zone.  Upcoming first (soonest first), then past ones (latest
 * first).  A lone row with NULL item columns for an empty page; none when
 * the session has ended.  A patient's list is short: the total is a
 * window count over the patient's index range.
 */
static const struct db_stmt my_list = {
	"booking_list",
	BEARER_LIVE_USER_CTE ","
	" l AS (SELECT count(*) OVER () AS total, a.*"
	"  FROM appointments a, u"
	"  WHERE a.patient_id = u.id AND ($5::text IS NULL"
	"   OR ($5::text = 'cancelled') = (a.cancelled_at IS NOT NULL))"
	"  ORDER BY a.ends_at <= now(),"
	"   CASE WHEN a.ends_at > now() THEN a.starts_at END,"
	"   a.starts_at DESC, a.id"
	"  LIMIT $3::bigint OFFSET $4::bigint)"
	" SELECT coalesce(a.total, (SELECT count(*) FROM appointments c, u"
	"   WHERE c.patient_id = u.id AND ($5::text IS NULL"
	"   OR ($5::text = 'cancelled') = (c.cancelled_at IS NOT NULL)))),"
	"  " APPT_COLUMNS("$6::text")
	" FROM u LEFT JOIN l a ON true",
	6
};

void
handle_booking_list(struct request *req, struct response *resp)
{
	const char *params[6], *status = NULL;
	struct field_errors fe;
	struct bearer b;
	struct page pg;
	PGresult *res;

	field_errors_init(&fe, req->arena);
	(void)page_parse(req, &fe, &pg);
	if (param_string(req, &fe, "status", PARAM_QUERY, 16, &status,
	    NULL) == PARAM_PRESENT && strcmp(status, "booked") != 0 &&
	    strcmp(status, "cancelled") != 0)
		field_error_add(&fe, "status",
		    "The status must be one of: booked, cancelled.");
	if (field_errors_any(&fe)) {
		response_invalid(resp, &fe);
		return;
	}
	if (!bearer_authenticate(req, resp, &b))
		return;
	params[2] = pg.limit;
	params[3] = pg.offset;
	params[4] = status;
	params[5] = req->app->cfg->timezone;
	if ((res = bearer_query_rows(req, resp, &b, &my_list, params)) == NULL)
		return;
	page_respond(resp, res, &pg, write_appointment);
}

/* ---- GET|POST /api/doctor/appointments: a doctor's day ---- */

/*
 * $1 session, $2 user, $3 date (NULL: today), $4 time zone.  One row per
 * appointment of the day at any of the doctor's hospitals, cancelled ones
 * included (marked), by start; a lone row with NULL columns for a free
 * day; the doctor's id NULL when the account is no doctor's; none when
 * the session has ended.
 */
static const struct db_stmt doctor_day = {
	"booking_doctor_day",
	BEARER_LIVE_USER_CTE ","
	" p AS (SELECT coalesce($3::date, (now() AT TIME ZONE $4::text)::date)"
	"  AS day),"
	" d AS (SELECT doctors.id FROM doctors, u WHERE doctors.user_id = u.id)"
	" SELECT (SELECT id FROM d), p.day::text, " APPT_COLUMNS("$4::text") ","
	"  h.name, pt.name"
	" FROM u CROSS JOIN p"
	" LEFT JOIN appointments a ON a.doctor_id = (SELECT id FROM d)"
	"  AND a.starts_at >= (p.day::timestamp AT TIME ZONE $4::text)"
	"  AND a.starts_at < ((p.day + 1)::timestamp AT TIME ZONE $4::text)"
	" LEFT JOIN doctor_has_hospital dh ON dh.id = a.doctor_has_hospital_id"
	" LEFT JOIN hospitals h ON h.id = dh.hospital_id"
	" LEFT JOIN users pt ON pt.id = a.patient_id"
	" ORDER BY a.starts_at, a.id",
	4
};

void
handle_doctor_appointments(struct request *req, struct response *resp)
{
	const char *params[4], *date = NULL;
	struct field_errors fe;
	struct json_writer *w;
	struct bearer b;
	size_t len = 0;
	PGresult *res;
	int i, rows;

	field_errors_init(&fe, req->arena);
	if (param_string(req, &fe, "date", PARAM_QUERY, 64, &date, &len) ==
	    PARAM_PRESENT && !valid_date(date, len, NULL, NULL, NULL)) {
		field_error_add(&fe, "date",
		    "The date must be a real date in the format YYYY-MM-DD.");
	}
	if (field_errors_any(&fe)) {
		response_invalid(resp, &fe);
		return;
	}
	if (!bearer_authenticate(req, resp, &b))
		return;
	if (!bearer_require_role(&b, resp, "doctor",
	    "Only doctors see their schedule of bookings."))
		return;
	params[2] = date;
	params[3] = req->app->cfg->timezone;
	if ((res = bearer_query_rows(req, resp, &b, &doctor_day, params)) ==
	    NULL)
		return;
	rows = PQntuples(res);
	if (PQgetisnull(res, 0, 0)) {
		response_error(resp, 404, "Doctor not found.",
		    "This account is not linked to a doctor of the catalog.");
		return;
	}
	w = envelope_begin(resp, "OK");
	json_w_object_open(w);
	json_w_kv_int(w, "doctor_id", db_int(res, 0, 0));
	json_w_kv_string(w, "date", db_value(res, 0, 1));
	json_w_key(w, "appointments");
	json_w_array_open(w);
	for (i = 0; i < rows; i++) {
		if (PQgetisnull(res, i, 2))
			continue;	/* a free day */
		json_w_object_open(w);
		write_appointment(w, res, i, 2);
		json_w_kv_string(w, "hospital", db_value(res, i, 11));
		json_w_kv_string(w, "patient_name", db_value(res, i, 12));
		json_w_object_close(w);
	}
	json_w_array_close(w);
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}
