/*
 * response.c - the JSON envelope.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/json.h"
#include "http/response.h"

#define JSON_CONTENT_TYPE	"application/json; charset=utf-8"

void
response_init(struct response *r, struct arena *a)
{
	memset(r, 0, sizeof(*r));
	r->arena = a;
	r->content_type = JSON_CONTENT_TYPE;
	/* API answers are per user and per moment: nothing is cacheable
	 * unless a handler says so (the avatar image does). */
	response_header(r, "Cache-Control", "no-store");
}

/* Sets a header, replacing an earlier one of the same name. */
void
response_header(struct response *r, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < r->n_headers; i++)
		if (strcasecmp(r->headers[i].name, name) == 0) {
			r->headers[i].value = value;
			return;
		}
	if (r->n_headers < RESPONSE_MAX_HEADERS) {
		r->headers[r->n_headers].name = name;
		r->headers[r->n_headers].value = value;
		r->n_headers++;
	}
}

const char *
response_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* What a truncated body is replaced by: fixed text, no writer involved. */
static const char internal_error_body[] =
    "{\"message\":\"An unexpected error occurred.\","
    "\"details\":\"Please try again later or contact support.\"}";

static void
set_json_body(struct response *r, int status, struct json_writer *w)
{
	size_t len;

	if (json_writer_failed(w)) {
		r->status = 500;
		r->content_type = JSON_CONTENT_TYPE;
		r->body = internal_error_body;
		r->body_len = sizeof(internal_error_body) - 1;
		return;
	}
	r->status = status;
	r->content_type = JSON_CONTENT_TYPE;
	r->body = json_writer_text(w, &len);
	r->body_len = len;
}

struct json_writer *
envelope_begin(struct response *r, const char *message)
{
	struct json_writer *w = json_writer_new(r->arena);

	json_w_object_open(w);
	json_w_kv_string(w, "message", message);
	json_w_key(w, "data");
	return w;
}

void
envelope_finish(struct response *r, int status, struct json_writer *w)
{
	json_w_object_close(w);
	set_json_body(r, status, w);
}

void
response_field_errors(struct response *r, int status, const char *message,
    const char *details, const struct field_errors *fe)
{
	struct json_writer *w = json_writer_new(r->arena);
	const struct field_error *e;
	size_t i;

	json_w_object_open(w);
	json_w_kv_string(w, "message", message);
	json_w_kv_string(w, "details", details);
	if (fe != NULL && fe->first != NULL) {
		json_w_key(w, "errors");
		json_w_object_open(w);
		for (e = fe->first; e != NULL; e = e->next) {
			json_w_key(w, e->field);
			json_w_array_open(w);
			for (i = 0; i < e->n_messages; i++)
				json_w_string(w, e->messages[i]);
			json_w_array_close(w);
		}
		json_w_object_close(w);
	}
	json_w_object_close(w);
	set_json_body(r, status, w);
}

void
response_error(struct response *r, int status, const char *message,
    const char *details)
{
	response_field_errors(r, status, message, details, NULL);
}

void
response_bytes(struct response *r, int status, const char *content_type,
    const void *data, size_t len)
{
	r->status = status;
	r->content_type = content_type;
	r->body = data;
	r->body_len = len;
}

void
response_db_unavailable(struct response *r)
{
	response_header(r, "Retry-After", "5");
	response_error(r, 503, "Service temporarily unavailable.",
	    "The database is unreachable. Please retry shortly.");
}

void
response_internal_error(struct response *r)
{
	response_error(r, 500, "An unexpected error occurred.",
	    "Please try again later or contact support.");
}

void
response_db_failure(struct response *r, enum db_status st)
{
	if (st == DB_UNAVAILABLE)
		response_db_unavailable(r);
	else
		response_internal_error(r);
}

void
response_invalid(struct response *r, const struct field_errors *fe)
{
	response_field_errors(r, 400, "The given data was invalid.",
	    "Please correct the fields listed in errors.", fe);
}

void
response_busy(struct response *r)
{
	response_header(r, "Retry-After", "1");
	response_error(r, 503, "Server busy.",
	    "Too many logins are being processed. Please retry shortly.");
}

void
field_errors_init(struct field_errors *fe, struct arena *a)
{
	memset(fe, 0, sizeof(*fe));
	fe->arena = a;
}

void
field_error_add(struct field_errors *fe, const char *field,
    const char *message)
{
	struct field_error *e;

	for (e = fe->first; e != NULL; e = e->next)
		if (strcmp(e->field, field) == 0)
			break;
	if (e == NULL) {
		e = arena_calloc(fe->arena, 1, sizeof(*e));
		e->field = field;
		if (fe->last != NULL)
			fe->last->next = e;
		else
			fe->first = e;
		fe->last = e;
	}
	if (e->n_messages < sizeof(e->messages) / sizeof(e->messages[0]))
		e->messages[e->n_messages++] = message;
}

int
field_errors_any(const struct field_errors *fe)
{
	return fe->first != NULL;
}
