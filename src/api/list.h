/*
 * list.h - what the catalog routes share: reading a parameter from the
 * JSON body or the query string, pagination (CONTRACT §5) and its "meta"
 * block, and the 400/404 answers.
 *
 * Every catalog route answers POST with a JSON body and GET with query
 * parameters.  A parameter is taken from the body when the body has it
 * (JSON null counts as absent), else from the query string, so a POST with
 * parameters in its URL works too.  An empty string is absent, as with a
 * form that submits an empty field.
 */
#ifndef CEXUP_API_LIST_H
#define CEXUP_API_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

struct arena;
struct field_errors;
struct json_writer;
struct request;
struct response;

#define PAGE_SIZE_DEFAULT	10
#define PAGE_SIZE_MAX		100
/*
 * The same bound as SQL text, for page queries: "LIMIT " PAGE_SIZE_MAX_SQL
 * inside and "LIMIT $1" outside tells the planner a page is small even in
 * a generic plan (a LIMIT parameter alone is estimated as 10 % of the
 * table, which makes the generic plan look costly, so every execution
 * would be planned anew).
 */
#define PAGE_SIZE_MAX_SQL	"100"
/* Far beyond any catalog; keeps (page - 1) * size well inside bigint. */
#define PAGE_MAX		10000000

/* Longest slug accepted (longer ones could never match: 400). */
#define SLUG_MAX_BYTES		200

enum param_result {
	PARAM_ABSENT,
	PARAM_PRESENT,
	PARAM_INVALID		/* an error was added for the field */
};

/*
 * A string parameter of at most max_bytes (valid UTF-8, no NUL), trimmed of
 * surrounding white space when `trim` (names, slugs; not dates, which must
 * be exact).  A JSON value of another type is an error.
 */
enum param_result	param_string(struct request *, struct field_errors *,
			    const char *name, size_t max_bytes, bool trim,
			    const char **out, size_t *len);

/*
 * An integer parameter in [min, max]: a JSON number without fraction, or a
 * string of digits (body or query string).
 */
enum param_result	param_int(struct request *, struct field_errors *,
			    const char *name, int64_t min, int64_t max,
			    int64_t *out);

/* A required slug; NULL after adding an error. */
const char		*param_slug(struct request *, struct field_errors *);

struct page {
	int64_t	number;		/* 1-based */
	int64_t	size;		/* rows per page */
	char	limit[24];	/* size and offset as SQL parameters */
	char	offset[24];
};

/* `data` (page size) and `page`, with their defaults; 0 or -1 (errors). */
int	page_parse(struct request *, struct field_errors *, struct page *);
/* Fills the SQL texts of limit and offset from number and size. */
void	page_set(struct page *, int64_t number, int64_t size);

/* ceil(total / size), but 1 for an empty list (CONTRACT §9). */
int64_t	page_last(int64_t total, int64_t size);

/* "meta": {current_page, per_page, total, last_page} inside an object. */
void	write_meta(struct json_writer *, const struct page *, int64_t total);

/*
 * ILIKE pattern matching s anywhere, with '%', '_' and '\' of s taken
 * literally; in the arena.
 */
char	*like_contains_pattern(struct arena *, const char *s, size_t len);

/* Column values: integer (0 for SQL NULL), boolean ('t'). */
int64_t	col_int(const PGresult *, int row, int col);
bool	col_bool(const PGresult *, int row, int col);
/* "key": integer, or null for SQL NULL. */
void	write_kv_int_or_null(struct json_writer *, const char *key,
	    const PGresult *, int row, int col);
/* "appointment_types": ["online", "offline"] (those offered). */
void	write_appointment_types(struct json_writer *, bool online,
	    bool offline);

/*
 * The members of a doctor in lists (inside an open object) from columns
 * col .. col + 8 of res: id, slug, name, title, photo_url,
 * years_of_practice, speciality id, slug, name (doctor.c).
 */
void	write_doctor_summary(struct json_writer *, const PGresult *, int row,
	    int col);

/* 400 "The given data was invalid." with the errors. */
void	respond_invalid(struct response *, const struct field_errors *);
/* 503 or 500 after a failed statement. */
void	respond_query_failed(struct response *, int db_status);

struct db_stmt;
/* Writes the members of one list item whose columns start at col. */
typedef void	(*list_item_writer)(struct json_writer *, const PGresult *,
		    int row, int col);
/*
 * The whole of an unfiltered list route: page parameters, one statement
 * taking ($1 limit, $2 offset) that returns the total in column 0 and the
 * item from column 1 on (a lone row with NULL item columns when the page is
 * empty), the envelope with its meta block.
 */
void	respond_page_list(struct request *, struct response *,
	    const struct db_stmt *, list_item_writer);
/*
 * The envelope of a page already fetched: res as respond_page_list's
 * statement returns it (total in column 0, items from column 1).
 */
void	respond_page(struct response *, const PGresult *, const struct page *,
	    list_item_writer);
/*
 * The common start of a detail route: the required `slug`, then the
 * statement with it as $1.  Returns the rows (at least one), or NULL after
 * answering 400, 404 (with the given texts) or the database failure.
 */
PGresult	*fetch_by_slug(struct request *, struct response *,
		    const struct db_stmt *, const char *not_found,
		    const char *not_found_details);

#endif
