/*
 * router.h - method + path table for the /api/ paths.
 *
 * Patterns are literal paths in which a segment "{}" matches one non-empty
 * path segment (captured in order).  Matching is exact: no trailing slash,
 * no prefix match.
 */
#ifndef CEXUP_ROUTER_H
#define CEXUP_ROUTER_H

#include <stddef.h>

struct request;
struct response;

typedef void (*handler_fn)(struct request *, struct response *);

enum http_method {
	METHOD_GET	= 1 << 0,
	METHOD_HEAD	= 1 << 1,
	METHOD_POST	= 1 << 2,
	METHOD_PUT	= 1 << 3,
	METHOD_PATCH	= 1 << 4,
	METHOD_DELETE	= 1 << 5,
	METHOD_OPTIONS	= 1 << 6
};

enum route_flags {
	ROUTE_CEXUP_KEY	= 1 << 0,	/* needs x-api-key (docs/API.md §3) */
	ROUTE_FDELUX	= 1 << 1,	/* key only if api_key_required = all */
	ROUTE_NEEDS_BODY = 1 << 2,	/* empty body is "malformed JSON" */
	ROUTE_JSON_BODY	= 1 << 3,	/* a non-empty body must be JSON object */
	ROUTE_LARGE_BODY = 1 << 4,	/* avatar_body_limit instead of body_limit */
	ROUTE_CACHED	= 1 << 5	/* answers from respcache: raw aliases too */
};

struct route {
	const char	*pattern;
	unsigned	 methods;	/* enum http_method bits */
	handler_fn	 handler;
	unsigned	 flags;		/* enum route_flags bits */
	const char	*not_allowed_message;	/* NULL: generic 405 text */
	const char	*not_allowed_details;
	unsigned	 index;		/* position in its table: metrics row */
};

/* Most "{}" captures in one pattern; patterns with more never match. */
#define ROUTER_MAX_PARAMS	4

enum route_result {
	ROUTE_MATCHED,
	ROUTE_NOT_FOUND,
	ROUTE_METHOD_NOT_ALLOWED
};

/* Bit for a method name, 0 if unknown. */
unsigned	router_method_bit(const char *method);
/* "GET, POST" for a methods mask, in the arena-free static buffer given. */
void		router_allow_header(unsigned methods, char *out, size_t size);

/*
 * Finds the route for method+path.  On ROUTE_MATCHED, *out is the first route
 * whose pattern matches and which allows the method; on
 * ROUTE_METHOD_NOT_ALLOWED, the first route whose pattern matches.  Captures
 * are written to params (pointers into a copy in `scratch`, which must hold
 * strlen(path) + 1 bytes; params must hold ROUTER_MAX_PARAMS) and counted
 * in *n_params.
 */
enum route_result router_match(const struct route *table, size_t n,
		    const char *method, const char *path, char *scratch,
		    const char **params, size_t *n_params,
		    const struct route **out);

/*
 * Union of the methods of every route whose pattern matches path (0 if none):
 * a table may list one pattern several times, once per handler, and the
 * Allow header of a 405 must name them all.
 */
unsigned	router_allowed_methods(const struct route *table, size_t n,
		    const char *path);

#endif
