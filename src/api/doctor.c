/*
 * doctor.c - POST|GET /api/doctor (list with filters) and
 * POST|GET /api/doctor/show (docs/API.md §3, §5, §9).
 *
 * The list is one statement per combination of filters: a statement whose
 * WHERE clause tests "$n IS NULL OR ..." would get one generic plan that
 * cannot pick the index each filter needs.  Each statement returns the
 * total and the page in one round trip: a one-row total, LEFT JOINed to
 * the page (so a page past the end still brings the total).
 *
 * Every statement reads doctor_list (sql/004): the list rows as served,
 * with positions in list order that leave gaps (sql/012: a count or a
 * page boundary can never be computed from them); the name search goes
 * through doctor_search, lower-cased names by position.
 *
 *  - no filter, speciality only: the total and the page from the sorted
 *    positions of the whole list or of the speciality, kept in chunks
 *    (sorted_list_chunks, sql/012), one or two slices per page;
 *  - any other filter: the matching rows are collected once (MATERIALIZED,
 *    so the trigram or hospital index is used however the plan is made),
 *    then counted and sorted by position: the cost follows the number of
 *    matches, not the size of the table;
 *  - q shorter than a trigram alone: the same from the chunks of its
 *    piece (sql/005, sql/012), the sorted positions of the names holding
 *    it;
 *    with another filter, that filter's rows tested
 *    one by one.
 */
#include <string.h>

#include "api/catalog.h"
#include "api/doctor.h"
#include "api/handlers.h"
#include "api/page.h"
#include "app/app.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/json.h"
#include "http/param.h"
#include "http/request.h"
#include "http/response.h"

#define Q_MAX_BYTES	100
/*
 * A trigram index narrows a search down only from three characters on.  A
 * shorter q (a person's first keystrokes) matches much of the catalog
 * anyway ('a': 98 % of the scale data), so it has its own statements: alone,
 * its piece's stored list of positions; with a filter, the few rows that
 * filter selects, each name tested.
 */
#define Q_TRIGRAM_CHARS	3

/* The members of a list item, in doctor_write_summary()'s order. */
#define DOCTOR_LIST_COLUMNS \
	"t.total, p.doctor_id, p.slug, p.name, p.title, p.photo_url," \
	" p.years_of_practice, p.speciality_id, p.speciality_slug," \
	" p.speciality_name"

/* Filter conditions on doctor_list l; the argument: the parameter's number. */
#define BY_SPECIALITY(n) \
	"l.speciality_id = (SELECT id FROM specialities WHERE slug = $" #n ")"
#define BY_HOSPITAL(n) \
	"l.doctor_id IN (SELECT dh.doctor_id FROM doctor_has_hospital dh" \
	" JOIN hospitals h ON h.id = dh.hospital_id WHERE h.slug = $" #n ")"
#define NAME_MATCHES(col, n)	col " LIKE lower($" #n ")"
#define BY_NAME(n) \
	"l.position IN (SELECT position FROM doctor_search" \
	" WHERE " NAME_MATCHES("name_lower", n) ")"
/*
 * For a q shorter than a trigram (not a LIKE pattern: $n is q itself): the
 * row's lower-cased name, as doctor_search holds it, contains lower(q).
 * Testing the rows another filter selects costs less than joining them to
 * the thousands of positions a short piece has (a speciality's 800 doctors
 * and 'a': 0.5 ms against 28 ms).
 */
#define BY_SHORT_NAME(n)	"strpos(lower(l.name), lower($" #n ")) > 0"

/*
 * Collect the matches once, count them, cut the page in list order.  The
 * constant LIMIT inside tells the planner the page is small even in a
 * generic plan, where $1 is unknown.
 */
#define MATCHING_LIST(name, nparams, where) \
	{ name, "WITH m AS MATERIALIZED (SELECT l.* FROM doctor_list l" \
	    " WHERE " where ")" \
	  " SELECT " DOCTOR_LIST_COLUMNS \
	  " FROM (SELECT count(*) AS total FROM m) t" \
	  " LEFT JOIN LATERAL (SELECT * FROM (SELECT * FROM m" \
	  "  WHERE t.total > $2::bigint ORDER BY m.position" \
	  "  LIMIT " PAGE_SIZE_MAX_SQL " OFFSET $2::bigint) pg" \
	  "  LIMIT $1::bigint) p ON true" \
	  " ORDER BY p.position", nparams }

/*
 * q alone: count and sort the matching doctor_search rows, read
 * doctor_list for the page's rows only.
 */
#define NAME_LIST(name, match) \
	{ name, "WITH m AS MATERIALIZED (SELECT position FROM doctor_search" \
	    "  WHERE " match ")" \
	  " SELECT " DOCTOR_LIST_COLUMNS \
	  " FROM (SELECT count(*) AS total FROM m) t" \
	  " LEFT JOIN LATERAL (SELECT l.* FROM (SELECT * FROM" \
	  "  (SELECT m.position FROM m WHERE t.total > $2::bigint" \
	  "  ORDER BY m.position LIMIT " PAGE_SIZE_MAX_SQL \
	  "  OFFSET $2::bigint) x LIMIT $1::bigint) pg" \
	  "  JOIN doctor_list l ON l.position = pg.position) p ON true" \
	  " ORDER BY p.position", 3 }

/*
 * A sorted list of positions (sql/012: the whole list, each speciality,
 * and for a q shorter than a trigram its piece) holds the matches in list
 * order, cut into chunks of a few hundred (sorted_list_chunks, `key` the
 * list's kind and key): the total is the sum of the chunks' lengths, and
 * a page the slices of the one or two chunks holding its ranks, found by
 * the running sum of the lengths (20,000 doctors: 79 chunks for the whole
 * list), read from doctor_list by primary key, however deep.  The LIMIT
 * keeps the chunk's row a lookup for each chunk chosen: joined, the
 * planner (expecting 3 chunks) sliced every chunk for every chunk, 0.9-1.6
 * ms a page instead of 0.2 ms.  No chunk:
 * no match.  (Offsets stay below 2^31: PAGE_MAX x PAGE_SIZE_MAX.)
 */
#define SORTED_CHUNKS_LIST(name, nparams, key) \
	{ name, "WITH c AS MATERIALIZED (SELECT first_position, n," \
	  "  sum(n) OVER (ORDER BY first_position) - n AS before" \
	  "  FROM sorted_list_chunks WHERE " key ")" \
	  " SELECT " DOCTOR_LIST_COLUMNS \
	  " FROM (SELECT coalesce(sum(n), 0) AS total FROM c) t" \
	  " LEFT JOIN LATERAL (SELECT l.* FROM c," \
	  "  LATERAL (SELECT k.positions FROM sorted_list_chunks k" \
	  "  WHERE " key " AND k.first_position = c.first_position" \
	  "  LIMIT 1) k," \
	  "  unnest(k.positions[(greatest($2::bigint - c.before, 0) + 1)" \
	  "  ::integer : ($2::bigint + $1::bigint - c.before)::integer]) pos" \
	  "  JOIN doctor_list l ON l.position = pos" \
	  "  WHERE t.total > $2::bigint" \
	  "  AND c.before < $2::bigint + $1::bigint" \
	  "  AND c.before + c.n > $2::bigint) p ON true" \
	  " ORDER BY p.position", nparams }

enum doctor_filter {
	FILTER_SPECIALITY	= 1 << 0,
	FILTER_HOSPITAL		= 1 << 1,
	FILTER_NAME		= 1 << 2
};

/* Indexed by the enum doctor_filter bits in use. */
static const struct db_stmt doctor_list[8] = {
	SORTED_CHUNKS_LIST("doctor_list", 2, "kind = 'all' AND key = '0'"),
	SORTED_CHUNKS_LIST("doctor_list_s", 3, "kind = 'speciality'"
	    " AND key = (SELECT id::text FROM specialities WHERE slug = $3)"),
	MATCHING_LIST("doctor_list_h", 3, BY_HOSPITAL(3)),
	MATCHING_LIST("doctor_list_sh", 4,
	    BY_SPECIALITY(3) " AND " BY_HOSPITAL(4)),
	/*
	 * q alone: count and sort the narrow doctor_search rows, read
	 * doctor_list for the page's ten only.
	 */
	NAME_LIST("doctor_list_q", NAME_MATCHES("name_lower", 3)),
	MATCHING_LIST("doctor_list_sq", 4,
	    BY_SPECIALITY(3) " AND " BY_NAME(4)),
	MATCHING_LIST("doctor_list_hq", 4,
	    BY_HOSPITAL(3) " AND " BY_NAME(4)),
	MATCHING_LIST("doctor_list_shq", 5,
	    BY_SPECIALITY(3) " AND " BY_HOSPITAL(4) " AND " BY_NAME(5)),
};

/*
 * The FILTER_NAME entries of doctor_list for a q shorter than a trigram;
 * their q parameter is q itself, not a LIKE pattern.
 */
static const struct db_stmt doctor_list_short_q[8] = {
	[FILTER_NAME] = SORTED_CHUNKS_LIST("doctor_list_q1", 3,
	    "kind = 'piece' AND key = lower($3)"),
	[FILTER_SPECIALITY | FILTER_NAME] = MATCHING_LIST("doctor_list_sq1", 4,
	    BY_SPECIALITY(3) " AND " BY_SHORT_NAME(4)),
	[FILTER_HOSPITAL | FILTER_NAME] = MATCHING_LIST("doctor_list_hq1", 4,
	    BY_HOSPITAL(3) " AND " BY_SHORT_NAME(4)),
	[FILTER_SPECIALITY | FILTER_HOSPITAL | FILTER_NAME] =
	    MATCHING_LIST("doctor_list_shq1", 5, BY_SPECIALITY(3) " AND "
	    BY_HOSPITAL(4) " AND " BY_SHORT_NAME(5)),
};

static const struct db_stmt doctor_show = {
	"doctor_show",
	"SELECT d.id, d.slug, d.name, d.title, d.photo_url,"
	" d.years_of_practice, s.id, s.slug, s.name, d.bio,"
	" dh.id, dh.consultation_fee, dh.offers_online, dh.offers_offline,"
	" h.id, h.slug, h.name, h.address, h.city, h.phone, h.photo_url"
	" FROM doctors d"
	" JOIN specialities s ON s.id = d.speciality_id"
	" LEFT JOIN doctor_has_hospital dh ON dh.doctor_id = d.id"
	" LEFT JOIN hospitals h ON h.id = dh.hospital_id"
	" WHERE d.slug = $1"
	" ORDER BY h.name, h.id",
	1
};

/*
 * The members of a doctor in lists (inside an open object), from columns
 * col .. col + 8: id, slug, name, title, photo_url, years_of_practice,
 * speciality id, slug, name.
 */
void
doctor_write_summary(struct json_writer *w, const PGresult *res, int row,
    int col)
{
	json_w_kv_int(w, "id", db_int(res, row, col));
	json_w_kv_string(w, "slug", db_value(res, row, col + 1));
	json_w_kv_string(w, "name", db_value(res, row, col + 2));
	json_w_kv_string(w, "title", db_value(res, row, col + 3));
	json_w_kv_string(w, "photo_url", db_value(res, row, col + 4));
	catalog_write_int_or_null(w, "years_of_practice", res, row, col + 5);
	json_w_key(w, "speciality");
	json_w_object_open(w);
	json_w_kv_int(w, "id", db_int(res, row, col + 6));
	json_w_kv_string(w, "slug", db_value(res, row, col + 7));
	json_w_kv_string(w, "name", db_value(res, row, col + 8));
	json_w_object_close(w);
}

/* Characters (not bytes) of valid UTF-8. */
static size_t
utf8_chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

void
handle_doctor_list(struct request *req, struct response *resp)
{
	const char *params[5], *speciality = NULL, *hospital = NULL;
	const struct db_stmt *stmt;
	const char *q = NULL;
	struct field_errors fe;
	struct page pg;
	enum db_status st;
	unsigned filters = 0;
	size_t q_len = 0;
	int nparams = 2;
	PGresult *res;

	field_errors_init(&fe, req->arena);
	(void)page_parse(req, &fe, &pg);
	if (param_string(req, &fe, "speciality", PARAM_QUERY | PARAM_TRIM,
	    CATALOG_SLUG_MAX_BYTES, &speciality, NULL) == PARAM_PRESENT)
		filters |= FILTER_SPECIALITY;
	if (param_string(req, &fe, "hospital", PARAM_QUERY | PARAM_TRIM,
	    CATALOG_SLUG_MAX_BYTES, &hospital, NULL) == PARAM_PRESENT)
		filters |= FILTER_HOSPITAL;
	if (param_string(req, &fe, "q", PARAM_QUERY | PARAM_TRIM, Q_MAX_BYTES,
	    &q, &q_len) == PARAM_PRESENT)
		filters |= FILTER_NAME;
	if (field_errors_any(&fe)) {
		response_invalid(resp, &fe);
		return;
	}

	/* Length-prefixed: no value can imitate another's separator. */
	if (page_cache_lookup(req, resp, &pg, arena_printf(req->arena,
	    "|%zu:%s|%zu:%s|%zu:%s",
	    speciality ? strlen(speciality) : 0, speciality ? speciality : "-",
	    hospital ? strlen(hospital) : 0, hospital ? hospital : "-",
	    q_len, q ? q : "-")))
		return;
	params[0] = pg.limit;
	params[1] = pg.offset;
	if (filters & FILTER_SPECIALITY)
		params[nparams++] = speciality;
	if (filters & FILTER_HOSPITAL)
		params[nparams++] = hospital;
	stmt = &doctor_list[filters];
	if ((filters & FILTER_NAME) && utf8_chars(q, q_len) < Q_TRIGRAM_CHARS) {
		stmt = &doctor_list_short_q[filters];
		params[nparams++] = q;
	} else if (filters & FILTER_NAME)
		params[nparams++] = catalog_like_pattern(req->arena, q, q_len);
	res = db_exec(req->app->db, req->arena, stmt, params, &st);
	if (res == NULL) {
		response_db_failure(resp, st);
		return;
	}
	page_respond(resp, res, &pg, doctor_write_summary);
}

void
handle_doctor_show(struct request *req, struct response *resp)
{
	struct json_writer *w;
	PGresult *res;
	int i, rows;

	if ((res = catalog_fetch_by_slug(req, resp, &doctor_show,
	    "Doctor not found.", "No doctor has this slug.")) == NULL)
		return;
	rows = PQntuples(res);

	w = envelope_begin(resp, "OK");
	json_w_object_open(w);
	doctor_write_summary(w, res, 0, 0);
	json_w_kv_string(w, "bio", db_value(res, 0, 9));
	json_w_key(w, "hospitals");
	json_w_array_open(w);
	for (i = 0; i < rows; i++) {
		if (PQgetisnull(res, i, 10))
			continue;	/* practises nowhere yet */
		json_w_object_open(w);
		json_w_kv_int(w, "doctor_has_hospital_id", db_int(res, i, 10));
		json_w_kv_int(w, "id", db_int(res, i, 14));
		json_w_kv_string(w, "slug", db_value(res, i, 15));
		json_w_kv_string(w, "name", db_value(res, i, 16));
		json_w_kv_string(w, "address", db_value(res, i, 17));
		json_w_kv_string(w, "city", db_value(res, i, 18));
		json_w_kv_string(w, "phone", db_value(res, i, 19));
		json_w_kv_string(w, "photo_url", db_value(res, i, 20));
		json_w_kv_int(w, "consultation_fee", db_int(res, i, 11));
		catalog_write_appointment_types(w, db_bool(res, i, 12),
		    db_bool(res, i, 13));
		json_w_object_close(w);
	}
	json_w_array_close(w);
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}
