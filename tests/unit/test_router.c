/*
 * test_router.c - route matching, 405 detection, Allow header.
 */
#include <string.h>

#include "api/routes.h"
#include "http/router.h"
#include "tap.h"

static void
h_a(struct request *rq, struct response *rs)
{
	(void)rq;
	(void)rs;
}

static void
h_b(struct request *rq, struct response *rs)
{
	(void)rq;
	(void)rs;
}

static const struct route table[] = {
	{ "/api/health", METHOD_GET | METHOD_HEAD, h_a, 0, NULL, NULL, 0 },
	{ "/api/users", METHOD_POST, h_a, 0, NULL, NULL, 1 },
	{ "/api/users", METHOD_GET, h_b, 0, NULL, NULL, 2 },
	{ "/api/users/{}", METHOD_GET, h_a, 0, "no", "details", 3 },
	{ "/api/users/{}", METHOD_DELETE, h_b, 0, NULL, NULL, 4 },
	{ "/api/users/{}/posts/{}", METHOD_PUT | METHOD_PATCH, h_a, 0, NULL,
	  NULL, 5 },
	{ "/api/users/me", METHOD_OPTIONS, h_a, 0, NULL, NULL, 6 },
	{ "/api/x{}", METHOD_GET, h_a, 0, NULL, NULL, 7 },
	{ "/api/a/{}/{}/{}/{}/{}", METHOD_GET, h_a, 0, NULL, NULL, 8 },
	{ "/api/b/{}/{}/{}/{}", METHOD_GET, h_a, 0, NULL, NULL, 9 },
};

#define N	(sizeof(table) / sizeof(table[0]))

static enum route_result
match(const char *method, const char *path, const char **params,
    size_t *np, const struct route **r)
{
	static char	 scratch[256];

	return router_match(table, N, method, path, scratch, params, np, r);
}

static void
test_methods(void)
{
	char	 out[128];

	is_int(router_method_bit("GET"), METHOD_GET, "GET");
	is_int(router_method_bit("HEAD"), METHOD_HEAD, "HEAD");
	is_int(router_method_bit("POST"), METHOD_POST, "POST");
	is_int(router_method_bit("PUT"), METHOD_PUT, "PUT");
	is_int(router_method_bit("PATCH"), METHOD_PATCH, "PATCH");
	is_int(router_method_bit("DELETE"), METHOD_DELETE, "DELETE");
	is_int(router_method_bit("OPTIONS"), METHOD_OPTIONS, "OPTIONS");
	is_int(router_method_bit("get"), 0, "lower case is unknown");
	is_int(router_method_bit("TRACE"), 0, "TRACE unknown");
	is_int(router_method_bit(""), 0, "empty unknown");
	is_int(router_method_bit("GETX"), 0, "prefix is not a match");
	is_int(router_method_bit(NULL), 0, "NULL unknown");

	router_allow_header(METHOD_GET | METHOD_POST, out, sizeof(out));
	is_str(out, "GET, POST", "allow GET, POST");
	router_allow_header(METHOD_DELETE | METHOD_GET, out, sizeof(out));
	is_str(out, "GET, DELETE", "allow in canonical order");
	router_allow_header(0x7f, out, sizeof(out));
	is_str(out, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS", "all");
	router_allow_header(0, out, sizeof(out));
	is_str(out, "", "none");
	router_allow_header(METHOD_GET | METHOD_POST, out, 8);
	is_str(out, "GET", "small buffer holds whole names only");
}

static void
test_match(void)
{
	const char		*params[ROUTER_MAX_PARAMS];
	const struct route	*r;
	size_t			 np;

	is_int(match("GET", "/api/health", params, &np, &r), ROUTE_MATCHED,
	    "exact match");
	ok(r == &table[0] && np == 0, "route and no params");
	is_int(match("HEAD", "/api/health", params, &np, &r), ROUTE_MATCHED,
	    "second method of a route");
	is_int(match("GET", "/api/health/", params, &np, &r), ROUTE_NOT_FOUND,
	    "trailing slash not matched");
	ok(r == NULL && np == 0, "not found clears outputs");
	is_int(match("GET", "/api/healthz", params, &np, &r), ROUTE_NOT_FOUND,
	    "longer path not matched");
	is_int(match("GET", "/api/healt", params, &np, &r), ROUTE_NOT_FOUND,
	    "prefix not matched");
	is_int(match("GET", "/API/health", params, &np, &r), ROUTE_NOT_FOUND,
	    "case-sensitive");
	is_int(match("GET", "", params, &np, &r), ROUTE_NOT_FOUND, "empty path");

	is_int(match("GET", "/api/users", params, &np, &r), ROUTE_MATCHED,
	    "same pattern, second entry");
	ok(r == &table[2], "GET picks the GET entry");
	is_int(match("POST", "/api/users", params, &np, &r), ROUTE_MATCHED,
	    "same pattern, first entry");
	ok(r == &table[1], "POST picks the POST entry");

	is_int(match("GET", "/api/users/17", params, &np, &r), ROUTE_MATCHED,
	    "capture");
	ok(r == &table[3] && np == 1 && strcmp(params[0], "17") == 0,
	    "captured 17");
	is_int(match("DELETE", "/api/users/abc", params, &np, &r),
	    ROUTE_MATCHED, "capture with other method");
	ok(r == &table[4] && np == 1 && strcmp(params[0], "abc") == 0,
	    "captured abc");
	is_int(match("GET", "/api/users/", params, &np, &r), ROUTE_NOT_FOUND,
	    "{} needs a non-empty segment");
	is_int(match("GET", "/api/users/1/", params, &np, &r),
	    ROUTE_NOT_FOUND, "{} then trailing slash");
	is_int(match("GET", "/api/users/1/2", params, &np, &r),
	    ROUTE_NOT_FOUND, "{} does not span segments");
	is_int(match("GET", "/api/users//", params, &np, &r), ROUTE_NOT_FOUND,
	    "empty segment");

	is_int(match("PATCH", "/api/users/5/posts/9", params, &np, &r),
	    ROUTE_MATCHED, "two captures");
	ok(np == 2 && strcmp(params[0], "5") == 0 &&
	    strcmp(params[1], "9") == 0, "captured 5 and 9 in order");
	is_int(match("PATCH", "/api/users/5/posts", params, &np, &r),
	    ROUTE_NOT_FOUND, "missing last segment");

	/* Literal beats nothing: /api/users/me matches {} as well. */
	is_int(match("OPTIONS", "/api/users/me", params, &np, &r),
	    ROUTE_MATCHED, "literal route for its method");
	ok(r == &table[6] && np == 0, "literal route chosen");
	is_int(match("GET", "/api/users/me", params, &np, &r), ROUTE_MATCHED,
	    "{} route for another method");
	ok(r == &table[3] && strcmp(params[0], "me") == 0, "captured me");

	is_int(match("GET", "/api/x{}", params, &np, &r), ROUTE_MATCHED,
	    "{} inside a segment is literal");
	is_int(match("GET", "/api/xyz", params, &np, &r), ROUTE_NOT_FOUND,
	    "{} inside a segment does not capture");

	is_int(match("GET", "/api/b/1/2/3/4", params, &np, &r), ROUTE_MATCHED,
	    "ROUTER_MAX_PARAMS captures");
	ok(np == 4 && strcmp(params[3], "4") == 0, "four captured");
	is_int(match("GET", "/api/a/1/2/3/4/5", params, &np, &r),
	    ROUTE_NOT_FOUND, "more than ROUTER_MAX_PARAMS never matches");
}

static void
test_not_allowed(void)
{
	const char		*params[ROUTER_MAX_PARAMS];
	const struct route	*r;
	size_t			 np;
	char			 allow[128];
	unsigned		 m;

	is_int(match("DELETE", "/api/health", params, &np, &r),
	    ROUTE_METHOD_NOT_ALLOWED, "405 on known path");
	ok(r == &table[0], "405 reports the matching route");
	is_int(match("BREW", "/api/health", params, &np, &r),
	    ROUTE_METHOD_NOT_ALLOWED, "unknown method on known path");
	is_int(match("PUT", "/api/users/9", params, &np, &r),
	    ROUTE_METHOD_NOT_ALLOWED, "405 with capture");
	ok(r == &table[3] && np == 1 && strcmp(params[0], "9") == 0,
	    "405 reports first route and its captures");
	ok(r->not_allowed_message != NULL, "custom 405 text reachable");
	is_int(match("DELETE", "/api/nope", params, &np, &r), ROUTE_NOT_FOUND,
	    "unknown path is 404 whatever the method");

	m = router_allowed_methods(table, N, "/api/users");
	router_allow_header(m, allow, sizeof(allow));
	is_str(allow, "GET, POST", "Allow is the union of duplicate patterns");
	m = router_allowed_methods(table, N, "/api/users/7");
	router_allow_header(m, allow, sizeof(allow));
	is_str(allow, "GET, DELETE", "union with captures");
	m = router_allowed_methods(table, N, "/api/users/me");
	router_allow_header(m, allow, sizeof(allow));
	is_str(allow, "GET, DELETE, OPTIONS", "literal and {} routes unite");
	is_int(router_allowed_methods(table, N, "/api/zzz"), 0,
	    "no methods for unknown path");
}

/* Each row of the API table knows its position: its metrics row. */
static void
test_api_indexes(void)
{
	size_t i, bad = 0;

	for (i = 0; i < api_routes_count; i++)
		if (api_routes[i].index != i)
			bad++;
	ok(api_routes_count > 20 && bad == 0,
	    "api_routes[i].index == i for every route");
}

int
main(void)
{
	test_api_indexes();
	test_methods();
	test_match();
	test_not_allowed();
	return done_testing();
}
