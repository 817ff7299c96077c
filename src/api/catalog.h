/*
 * catalog.h - what the catalog routes share beyond pagination: the slug of
 * a detail route, the name search pattern, and the JSON of columns that
 * several routes print alike.
 */
#ifndef CEXUP_API_CATALOG_H
#define CEXUP_API_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

struct arena;
struct db_stmt;
struct field_errors;
struct json_writer;
struct request;
struct response;

/* Longest slug accepted (longer ones could never match: 400). */
#define CATALOG_SLUG_MAX_BYTES	200

/* A required slug (body or query string); NULL after adding an error. */
const char	*catalog_slug(struct request *, struct field_errors *);

/*
 * The common start of a detail route: the required `slug`, then the
 * statement with it as $1.  Returns the rows (at least one), or NULL after
 * answering 400, 404 (with the given texts), the database failure, or from
 * the response cache (http/respcache.h).
 */
PGresult	*catalog_fetch_by_slug(struct request *, struct response *,
		    const struct db_stmt *, const char *not_found,
		    const char *not_found_details);

/*
 * LIKE pattern matching s anywhere, with '%', '_' and '\' of s taken
 * literally; in the arena.
 */
char		*catalog_like_pattern(struct arena *, const char *s,
		    size_t len);

/* "key": integer, or null for SQL NULL. */
void		 catalog_write_int_or_null(struct json_writer *,
		    const char *key, const PGresult *, int row, int col);
/* "appointment_types": ["online", "offline"] (those offered). */
void		 catalog_write_appointment_types(struct json_writer *,
		    bool online, bool offline);

#endif
