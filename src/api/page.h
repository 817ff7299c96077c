/*
 * page.h - pagination of the catalog lists (docs/API.md §5): the `data` and
 * `page` parameters, the "meta" block, and the whole answer of a list.
 */
#ifndef CEXUP_API_PAGE_H
#define CEXUP_API_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

struct db_stmt;
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

/*
 * The response cache for a list (http/respcache.h): the key is the page
 * size and number, then `filters` (the route's other parameters, already
 * parsed and written unambiguously).  true: resp is answered.
 */
bool	page_cache_lookup(struct request *, struct response *,
	    const struct page *, const char *filters);

/* ceil(total / size), but 1 for an empty list (docs/API.md §9). */
int64_t	page_last(int64_t total, int64_t size);

/* "meta": {current_page, per_page, total, last_page} inside an object. */
void	page_write_meta(struct json_writer *, const struct page *,
	    int64_t total);

/* Writes the members of one list item whose columns start at col. */
typedef void	(*page_item_writer)(struct json_writer *, const PGresult *,
		    int row, int col);
/*
 * The whole of an unfiltered list route: page parameters, one statement
 * taking ($1 limit, $2 offset) that returns the total in column 0 and the
 * item from column 1 on (a lone row with NULL item columns when the page is
 * empty), the envelope with its meta block.
 */
void	page_respond_list(struct request *, struct response *,
	    const struct db_stmt *, page_item_writer);
/*
 * The envelope of a page already fetched: res as page_respond_list's
 * statement returns it (total in column 0, items from column 1).
 */
void	page_respond(struct response *, const PGresult *, const struct page *,
	    page_item_writer);

#endif
