/*
 * json.h - JSON for request bodies and responses, on top of yajl.
 *
 * Parsing uses yajl's event parser and builds a small tree in the request
 * arena (yajl's own tree parser mallocs behind our back and leaks on some
 * errors).  A string value that is not valid UTF-8 (checked here: yajl 2.1
 * lets overlongs and surrogates through) or holds a NUL byte (from
 * "\u0000") is kept with its length and flagged, so that the field readers
 * answer a field error instead of "malformed JSON" (docs/API.md §7); only
 * json_string_ok() strings are text.  Keys must be valid UTF-8 without NUL,
 * and nesting deeper than JSON_MAX_DEPTH is a parse error.
 *
 * Generation wraps yajl_gen with arena-backed allocation.
 */
#ifndef CEXUP_JSON_H
#define CEXUP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

#define JSON_MAX_DEPTH	32

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT
};

struct json_value;

struct json_member {
	const char		*key;	/* NUL-terminated; keys with NUL rejected */
	size_t			 key_len;
	struct json_value	*value;
};

struct json_value {
	enum json_type	 type;
	union {
		bool	 boolean;
		struct {
			const char	*text;	/* number as written */
			size_t		 len;
		} number;
		struct {
			const char	*ptr;	/* NUL-terminated, may hold NUL */
			size_t		 len;
			bool		 has_nul;
			bool		 bad_utf8;	/* not valid UTF-8 */
		} string;
		struct {
			struct json_value	**items;
			size_t			  count;
		} array;
		struct {
			struct json_member	*members;
			size_t			 count;
		} object;
	} u;
};

/*
 * Parses exactly one JSON text.  Returns NULL on malformed input (including
 * empty input, trailing garbage, invalid UTF-8 outside string values,
 * excessive depth), with a short reason in *errstr when errstr is not NULL.
 */
struct json_value	*json_parse(struct arena *, const char *text, size_t len,
			    const char **errstr);

/* A string that is valid UTF-8 without NUL: usable as text. */
bool			 json_string_ok(const struct json_value *);

/* "String", "Number", "Boolean", "Null", "Array", "Object" (docs/API.md §1). */
const char		*json_type_name(enum json_type);

/* Object member lookup (last duplicate wins); NULL if absent or not object. */
struct json_value	*json_get(const struct json_value *obj, const char *key);

/*
 * Integer from a JSON number without fraction/exponent, or (if
 * accept_digit_string) from a string of ASCII digits.  Returns 0 and sets *out
 * on success, -1 if the value is not such an integer or does not fit int64.
 */
int			 json_as_int64(const struct json_value *,
			    bool accept_digit_string, int64_t *out);

/* ---- generation ---- */

struct json_writer;

struct json_writer	*json_writer_new(struct arena *);
void	json_w_object_open(struct json_writer *);
void	json_w_object_close(struct json_writer *);
void	json_w_array_open(struct json_writer *);
void	json_w_array_close(struct json_writer *);
void	json_w_key(struct json_writer *, const char *key);
void	json_w_string(struct json_writer *, const char *s);	/* NULL -> null */
void	json_w_string_len(struct json_writer *, const char *s, size_t len);
void	json_w_int(struct json_writer *, int64_t);
void	json_w_bool(struct json_writer *, bool);
void	json_w_null(struct json_writer *);
/* Shorthands for "key": value inside an object. */
void	json_w_kv_string(struct json_writer *, const char *key, const char *s);
void	json_w_kv_int(struct json_writer *, const char *key, int64_t);
void	json_w_kv_bool(struct json_writer *, const char *key, bool);
void	json_w_kv_null(struct json_writer *, const char *key);
/*
 * The text so far (valid once every container is closed); memory belongs to
 * the arena.  Callers pass valid UTF-8 (client strings are validated on the
 * way in, database text is UTF-8).
 */
const char	*json_writer_text(struct json_writer *, size_t *len);
/* True after a misuse: the text is truncated and must not be sent. */
bool		 json_writer_failed(const struct json_writer *);

#endif
