/*
 * response.h - the JSON envelope of docs/API.md §1.
 *
 * Success: {"message": ..., "data": ...[, "meta": ...]}
 * Error:   {"message": ..., "details": ...[, "errors": {field: [...]}]}
 */
#ifndef CEXUP_RESPONSE_H
#define CEXUP_RESPONSE_H

#include <stddef.h>

#include "core/db.h"

struct arena;
struct json_writer;

#define RESPONSE_MAX_HEADERS	12

struct response_header {
	const char	*name;
	const char	*value;
};

struct response {
	struct arena		*arena;
	int			 status;
	const char		*content_type;	/* default: JSON, UTF-8 */
	struct response_header	 headers[RESPONSE_MAX_HEADERS];
	size_t			 n_headers;
	const void		*body;
	size_t			 body_len;
};

/* Validation errors: field -> list of messages, in insertion order. */
struct field_error {
	const char		*field;
	const char		*messages[4];
	size_t			 n_messages;
	struct field_error	*next;
};

struct field_errors {
	struct arena		*arena;
	struct field_error	*first;
	struct field_error	*last;
};

void	response_init(struct response *, struct arena *);
void	response_header(struct response *, const char *name, const char *value);
const char *response_status_text(int status);

/*
 * Success envelope.  envelope_begin() opens the object and writes "message"
 * and the "data" key; the caller writes the data value (and may add keys such
 * as "meta"); envelope_finish() closes it and sets status and body.
 */
struct json_writer	*envelope_begin(struct response *, const char *message);
void			 envelope_finish(struct response *, int status,
			    struct json_writer *);

/* {"message","details"} with the given status. */
void	response_error(struct response *, int status, const char *message,
	    const char *details);
/* Same, plus "errors" from fe (omitted when empty). */
void	response_field_errors(struct response *, int status,
	    const char *message, const char *details,
	    const struct field_errors *fe);
/* Raw bytes (avatars). */
void	response_bytes(struct response *, int status, const char *content_type,
	    const void *data, size_t len);

/* Common answers, one wording each. */
void	response_db_unavailable(struct response *);	/* 503 + Retry-After */
void	response_internal_error(struct response *);	/* 500 */
/* After a failed statement: 503 for DB_UNAVAILABLE, else 500. */
void	response_db_failure(struct response *, enum db_status);
/* 400 "The given data was invalid." with the field errors (Cexup routes). */
void	response_invalid(struct response *, const struct field_errors *);
/* 503 + Retry-After for a password that found no free hash slot. */
void	response_busy(struct response *);

void	field_errors_init(struct field_errors *, struct arena *);
void	field_error_add(struct field_errors *, const char *field,
	    const char *message);
int	field_errors_any(const struct field_errors *);

#endif
