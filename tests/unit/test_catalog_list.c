/*
 * test_catalog_list.c - request fields (src/http/param.c), pagination
 * (src/api/page.c) and the catalog helpers (src/api/catalog.c), on
 * requests built in memory.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "api/catalog.h"
#include "api/page.h"
#include "core/arena.h"
#include "core/json.h"
#include "http/param.h"
#include "http/request.h"
#include "http/response.h"
#include "tap.h"

static struct arena *a;

/* A request with body (JSON text or NULL) and query string. */
static struct request *
make_request(const char *body, const char *query)
{
	struct request *req = arena_calloc(a, 1, sizeof(*req));

	req->arena = a;
	req->query = query;
	if (body != NULL)
		req->json = json_parse(a, body, strlen(body), NULL);
	return req;
}

/* page_parse(); returns "size/number" or "error:<fields>". */
static const char *
paging(const char *body, const char *query)
{
	struct request *req = make_request(body, query);
	struct field_errors fe;
	const struct field_error *e;
	struct page pg;
	char *out;

	field_errors_init(&fe, a);
	if (page_parse(req, &fe, &pg) == 0)
		return arena_printf(a, "%lld/%lld:%s:%s", (long long)pg.size,
		    (long long)pg.number, pg.limit, pg.offset);
	out = arena_strdup(a, "error");
	for (e = fe.first; e != NULL; e = e->next)
		out = arena_printf(a, "%s:%s", out, e->field);
	return out;
}

static void
test_paging(void)
{
	is_str(paging(NULL, ""), "10/1:10:0", "defaults");
	is_str(paging("{}", ""), "10/1:10:0", "empty object: defaults");
	is_str(paging("{\"data\":5,\"page\":3}", ""), "5/3:5:10",
	    "numbers from the body");
	is_str(paging("{\"data\":\"5\",\"page\":\"3\"}", ""), "5/3:5:10",
	    "strings of digits from the body");
	is_str(paging(NULL, "data=5&page=3"), "5/3:5:10", "query string");
	is_str(paging("{\"data\":7}", "data=5&page=2"), "7/2:7:7",
	    "the body wins, the query string fills in");
	is_str(paging("{\"data\":null}", "data=5"), "5/1:5:0",
	    "JSON null is absent");
	is_str(paging("{\"data\":\"\"}", "data="), "10/1:10:0",
	    "empty strings are absent");
	is_str(paging("{\"data\":100,\"page\":10000000}", ""),
	    "100/10000000:100:999999900", "largest size and page");
	is_str(paging("{\"data\":0}", ""), "error:data", "data 0");
	is_str(paging("{\"data\":101}", ""), "error:data", "data 101");
	is_str(paging("{\"data\":\"ten\"}", ""), "error:data", "data ten");
	is_str(paging("{\"data\":1.0}", ""), "error:data", "data 1.0");
	is_str(paging("{\"data\":-5}", ""), "error:data", "data -5");
	is_str(paging("{\"data\":true}", ""), "error:data", "data true");
	is_str(paging("{\"data\":[1]}", ""), "error:data", "data [1]");
	is_str(paging("{\"page\":0}", ""), "error:page", "page 0");
	is_str(paging("{\"page\":10000001}", ""), "error:page", "page too big");
	is_str(paging("{\"page\":99999999999999999999}", ""), "error:page",
	    "page beyond int64");
	is_str(paging(NULL, "data=%2B5"), "error:data", "query +5");
	is_str(paging(NULL, "data=%ff"), "error:data", "query not UTF-8");
	is_str(paging(NULL, "data=5%"), "error:data", "query bad escape");
	is_str(paging(NULL, "data=0&page=x"), "error:data:page",
	    "both fields reported");
}

static void
test_last_page(void)
{
	is_int(page_last(0, 10), 1, "no rows: one (empty) page");
	is_int(page_last(1, 10), 1, "one row");
	is_int(page_last(10, 10), 1, "exactly one page");
	is_int(page_last(11, 10), 2, "one more row: two pages");
	is_int(page_last(20000, 7), 2858, "20000 rows by 7");
	is_int(page_last(INT64_MAX, 1), INT64_MAX, "no overflow");
}

static void
test_strings(void)
{
	struct field_errors fe;
	const char *s = NULL;
	size_t len = 0;
	struct request *req;

	field_errors_init(&fe, a);
	req = make_request("{\"q\":\"  Siti \",\"n\":5,\"z\":\"a\\u0000b\"}",
	    "q=ignored&slug=%20x%20");
	ok(param_string(req, &fe, "q", PARAM_QUERY | PARAM_TRIM, 100,
	    &s, &len) == PARAM_PRESENT,
	    "q from the body");
	is_str(s, "Siti", "... trimmed");
	is_int(len, 4, "... length");
	ok(param_string(req, &fe, "slug", PARAM_QUERY, 100, &s, &len) ==
	    PARAM_PRESENT, "slug from the query string");
	is_str(s, " x ", "... untrimmed when asked");
	ok(param_string(req, &fe, "missing", PARAM_QUERY | PARAM_TRIM, 100,
	    &s, &len) ==
	    PARAM_ABSENT, "absent");
	ok(!field_errors_any(&fe), "no errors so far");
	ok(param_string(req, &fe, "n", PARAM_QUERY | PARAM_TRIM, 100,
	    &s, &len) == PARAM_INVALID,
	    "a number is not a string");
	ok(param_string(req, &fe, "z", PARAM_QUERY | PARAM_TRIM, 100,
	    &s, &len) == PARAM_INVALID,
	    "NUL inside is refused");
	ok(param_string(req, &fe, "q", PARAM_QUERY | PARAM_TRIM, 3,
	    &s, &len) == PARAM_INVALID,
	    "longer than max_bytes");
	ok(field_errors_any(&fe), "errors were recorded");

	field_errors_init(&fe, a);
	req = make_request(NULL, "");
	ok(catalog_slug(req, &fe) == NULL && fe.first != NULL &&
	    strcmp(fe.first->field, "slug") == 0, "a missing slug is an error");
}

/* The count of errors for field, and whether its first message has want. */
static bool
error_says(const struct field_errors *fe, const char *field, const char *want)
{
	const struct field_error *e;

	for (e = fe->first; e != NULL; e = e->next)
		if (strcmp(e->field, field) == 0)
			return e->n_messages > 0 &&
			    strstr(e->messages[0], want) != NULL;
	return false;
}

/* One rule for every string (docs/API.md §7): NUL and bad UTF-8 are errors. */
static void
test_text_rule(void)
{
	static const char *bad[] = {
		"\"a\\u0000\"",		/* NUL escape */
		"\"\x80\"",			/* lone continuation byte */
		"\"\xe2\x82\"",		/* truncated sequence */
		"\"\xc0\xaf\"",		/* overlong '/' */
		"\"\xed\xa0\x80\"",		/* UTF-16 surrogate */
		"\"\xf4\x90\x80\x80\"",	/* above U+10FFFF */
	};
	struct field_errors fe;
	struct request *req;
	const char *s;
	size_t i, refused = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		req = make_request(arena_printf(a, "{\"f\":%s}", bad[i]), "");
		field_errors_init(&fe, a);
		s = NULL;
		if (req->json != NULL &&
		    param_string(req, &fe, "f", 0, SIZE_MAX, &s, NULL) ==
		    PARAM_INVALID && s == NULL && error_says(&fe, "f", "The f"))
			refused++;
	}
	is_int(refused, 6, "each class is a field error of a parsed body");

	req = make_request("{\"f\":\"\x80\"}", "");
	field_errors_init(&fe, a);
	(void)param_string(req, &fe, "f", PARAM_TRIM, 10, &s, NULL);
	ok(error_says(&fe, "f", "valid UTF-8"), "invalid UTF-8 says so");
	req = make_request("{\"f\":\"\\u0000\"}", "");
	field_errors_init(&fe, a);
	(void)param_string(req, &fe, "f", PARAM_TRIM, 10, &s, NULL);
	ok(error_says(&fe, "f", "NUL"), "NUL says so");

	req = make_request(NULL, "f=%C0%AF");
	field_errors_init(&fe, a);
	ok(param_string(req, &fe, "f", PARAM_QUERY, 10, &s, NULL) ==
	    PARAM_INVALID && error_says(&fe, "f", "encoded"),
	    "an overlong in the query string is a field error");
	field_errors_init(&fe, a);
	ok(param_string(req, &fe, "f", 0, 10, &s, NULL) == PARAM_ABSENT &&
	    !field_errors_any(&fe),
	    "without PARAM_QUERY the query is not read");

	req = make_request("{\"e\":\"  \"}", "");
	field_errors_init(&fe, a);
	ok(param_string(req, &fe, "e", PARAM_TRIM | PARAM_REQUIRED, 10, &s,
	    NULL) == PARAM_INVALID && error_says(&fe, "e", "required"),
	    "blank and required: required");
	field_errors_init(&fe, a);
	ok(param_string(req, &fe, "e", PARAM_TRIM | PARAM_NONBLANK, 10, &s,
	    NULL) == PARAM_INVALID && error_says(&fe, "e", "not be empty"),
	    "blank and non-blank: empty");
	field_errors_init(&fe, a);
	ok(param_string(req, &fe, "gone", PARAM_NONBLANK, 10, &s, NULL) ==
	    PARAM_ABSENT && !field_errors_any(&fe),
	    "absent and non-blank: absent, no error");
	field_errors_init(&fe, a);
	ok(param_string(req, &fe, "e", 0, 10, &s, NULL) == PARAM_PRESENT &&
	    strcmp(s, "  ") == 0, "untrimmed blank is text");
}

static void
test_like_pattern(void)
{
	is_str(catalog_like_pattern(a, "siti", 4), "%siti%", "plain");
	is_str(catalog_like_pattern(a, "100%", 4), "%100\\%%", "percent");
	is_str(catalog_like_pattern(a, "a_b", 3), "%a\\_b%", "underscore");
	is_str(catalog_like_pattern(a, "a\\b", 3), "%a\\\\b%", "backslash");
	is_str(catalog_like_pattern(a, "%_\\", 3), "%\\%\\_\\\\%",
	    "all three");
	is_str(catalog_like_pattern(a, "", 0), "%%", "empty");
}

int
main(void)
{
	a = arena_create(4096);
	test_paging();
	test_last_page();
	test_strings();
	test_text_rule();
	test_like_pattern();
	arena_destroy(a);
	return done_testing();
}
