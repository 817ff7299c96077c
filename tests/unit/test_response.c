/*
 * test_response.c - the envelope of docs/API.md §1 and query parameters.
 */
#include <string.h>

#include "core/arena.h"
#include "core/json.h"
#include "http/request.h"
#include "http/response.h"
#include "tap.h"

static const char *
body(const struct response *r)
{
	return (const char *)r->body;
}

static const char *
header(const struct response *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_headers; i++)
		if (strcmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

static const struct {
	const char *scheme, *host, *port, *want, *name;
} origins[] = {
	{ "https", "api.example.com", "443", "https://api.example.com",
	  "origin: default https port omitted" },
	{ "https", "api.example.com", "8443", "https://api.example.com:8443",
	  "origin: another port added" },
	{ "https", "api.example.com:9443", "8443",
	  "https://api.example.com:9443", "origin: host naming its port kept" },
	{ "https", "[::1]", "8443", "https://[::1]:8443",
	  "origin: IPv6 literal gets the port" },
	{ "https", "[::1]:9443", "8443", "https://[::1]:9443",
	  "origin: IPv6 literal with a port is kept" },
	{ "http", "localhost", "80", "http://localhost",
	  "origin: default http port omitted" },
	{ "http", "localhost", "443", "http://localhost:443",
	  "origin: 443 is not http's default" },
	{ "http", "localhost", "80; evil", "http://localhost",
	  "origin: a port that is not digits is ignored" },
	{ "http", "localhost", "123456", "http://localhost",
	  "origin: more than five digits is ignored" },
	{ "http", NULL, NULL, "http://localhost", "origin: no host, no port" },
	{ NULL, "", "8080", "http://localhost:8080",
	  "origin: no scheme, empty host" },
};

int
main(void)
{
	struct arena *a = arena_create(4096);
	struct response r;
	struct field_errors fe;
	struct json_writer *w;
	struct request req;
	int invalid;
	size_t i;

	response_init(&r, a);
	response_error(&r, 401, "Invalid email or password.",
	    "The provided credentials do not match our records.");
	is_int(r.status, 401, "error status");
	is_str(body(&r), "{\"message\":\"Invalid email or password.\","
	    "\"details\":\"The provided credentials do not match our "
	    "records.\"}", "error envelope");
	is_str(r.content_type, "application/json; charset=utf-8",
	    "JSON content type");
	is_str(header(&r, "Cache-Control"), "no-store", "no-store default");

	response_init(&r, a);
	field_errors_init(&fe, a);
	ok(!field_errors_any(&fe), "no errors yet");
	field_error_add(&fe, "email", "The email field is required.");
	field_error_add(&fe, "password", "too short");
	field_error_add(&fe, "email", "second");
	response_field_errors(&r, 400, "m", "d", &fe);
	is_str(body(&r), "{\"message\":\"m\",\"details\":\"d\",\"errors\":"
	    "{\"email\":[\"The email field is required.\",\"second\"],"
	    "\"password\":[\"too short\"]}}", "errors grouped by field, in order");

	response_init(&r, a);
	w = envelope_begin(&r, "OK");
	json_w_array_open(w);
	json_w_int(w, 1);
	json_w_array_close(w);
	json_w_key(w, "meta");
	json_w_object_open(w);
	json_w_kv_int(w, "total", 1);
	json_w_object_close(w);
	envelope_finish(&r, 200, w);
	is_str(body(&r), "{\"message\":\"OK\",\"data\":[1],\"meta\":"
	    "{\"total\":1}}", "list envelope with meta");

	response_init(&r, a);
	response_db_unavailable(&r);
	is_int(r.status, 503, "db unavailable is 503");
	is_str(header(&r, "Retry-After"), "5", "503 carries Retry-After");
	response_header(&r, "Retry-After", "7");
	is_str(header(&r, "Retry-After"), "7", "header replaced, not doubled");
	response_internal_error(&r);
	ok(strstr(body(&r), "unexpected") != NULL && r.status == 500,
	    "500 says nothing internal");

	memset(&req, 0, sizeof(req));
	req.arena = a;
	req.query = "email=a%40b.c&username=x+y&empty=&flag&username=last";
	is_str(request_query_param(&req, "email", &invalid), "a@b.c",
	    "percent-decoded");
	is_str(request_query_param(&req, "username", &invalid), "last",
	    "last duplicate wins");
	is_str(request_query_param(&req, "empty", &invalid), "", "empty value");
	is_str(request_query_param(&req, "flag", &invalid), "",
	    "bare name is empty");
	ok(request_query_param(&req, "missing", &invalid) == NULL && !invalid,
	    "absent parameter");
	ok(request_query_param(&req, "emai", &invalid) == NULL,
	    "no prefix match");
	req.query = "email=%ff%fe";
	ok(request_query_param(&req, "email", &invalid) == NULL && invalid,
	    "invalid UTF-8 flagged");
	req.query = "email=a%00b";
	ok(request_query_param(&req, "email", &invalid) == NULL && invalid,
	    "NUL flagged");
	req.query = "email=abc%4";
	ok(request_query_param(&req, "email", &invalid) == NULL && invalid,
	    "truncated escape flagged");
	req.query = "email=%zz";
	ok(request_query_param(&req, "email", &invalid) == NULL && invalid,
	    "bad hex flagged");

	for (i = 0; i < sizeof(origins) / sizeof(origins[0]); i++) {
		memset(&req, 0, sizeof(req));
		req.arena = a;
		req.scheme = origins[i].scheme;
		req.host = origins[i].host;
		req.server_port = origins[i].port;
		is_str(request_origin(&req), origins[i].want, origins[i].name);
	}

	arena_destroy(a);
	return done_testing();
}
