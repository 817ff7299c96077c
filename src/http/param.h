/*
 * param.h - the fields of a request, read by one set of rules.
 *
 * A field comes from the JSON body; with PARAM_QUERY (the catalog routes,
 * which answer GET too) it comes from the query string when the body does
 * not have it, so a POST with parameters in its URL works as well.  JSON
 * null counts as absent.
 *
 * Every string a handler gets from here is valid UTF-8 without NUL: a
 * JSON string that is not (json.c keeps and flags it) or a query value
 * that does not decode to such text is a field error on every route, so
 * no handler has to remember (docs/API.md §7).
 */
#ifndef CEXUP_PARAM_H
#define CEXUP_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct field_errors;
struct request;

enum param_result {
	PARAM_ABSENT,
	PARAM_PRESENT,
	PARAM_INVALID		/* an error was added for the field */
};

#define PARAM_QUERY	0x01	/* also the query string */
#define PARAM_TRIM	0x02	/* without surrounding white space */
#define PARAM_REQUIRED	0x04	/* absent or empty: "... is required." */
#define PARAM_NONBLANK	0x08	/* present but empty: "... not be empty." */

/*
 * A string field of at most max_bytes (after trimming with PARAM_TRIM).
 * Empty is absent unless PARAM_REQUIRED or PARAM_NONBLANK makes it an
 * error; a JSON value of another type is an error.  *out (and *len when
 * not NULL) are set only for PARAM_PRESENT.
 */
enum param_result	param_string(struct request *, struct field_errors *,
			    const char *name, unsigned flags, size_t max_bytes,
			    const char **out, size_t *len);

/*
 * An integer in [min, max]: a JSON number without fraction, or a string
 * of digits (body or, with PARAM_QUERY, query string).  Blank is absent;
 * PARAM_REQUIRED makes absent an error.
 */
enum param_result	param_int(struct request *, struct field_errors *,
			    const char *name, unsigned flags, int64_t min,
			    int64_t max, int64_t *out);

/*
 * A required positive id in the body (user_id): a JSON number or a string
 * of digits.  0, or -1 after adding an error.
 */
int			param_body_id(struct request *, struct field_errors *,
			    const char *name, int64_t *out);

#define PARAM_IDEMPOTENCY_KEY_MAX	255

/*
 * The Idempotency-Key header: absent, or 1..255 printable ASCII characters
 * (no controls, no space at either end); anything else is a field error
 * on "Idempotency-Key".
 */
enum param_result	param_idempotency_key(struct request *,
			    struct field_errors *, const char **out);

/* A digit string of a positive id that fits int64 (path parameters). */
int			param_path_id(const char *s, int64_t *out);

/* Copy of s without surrounding white space, in the arena. */
const char		*param_trim(struct arena *, const char *s, size_t len,
			    size_t *out_len);

#endif
