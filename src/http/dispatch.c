/*
 * dispatch.c - the fixed order of checks before a handler runs.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app/app.h"
#include "app/config.h"
#include "auth/apikey.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/metrics.h"
#include "http/dispatch.h"
#include "http/request.h"
#include "http/respcache.h"
#include "http/response.h"
#include "http/router.h"

#define NOT_OBJECT_MESSAGE	"Request body must be a valid JSON object."

/* docs/API.md §1: the one answer for every body that is not a JSON object. */
void
respond_not_object(struct response *resp, const char *received)
{
	char details[96];

	snprintf(details, sizeof(details),
	    "Expected a JSON object but received: %s", received);
	response_error(resp, 400, NOT_OBJECT_MESSAGE,
	    arena_strdup(resp->arena, details));
}

/* "application/json", any case, optionally followed by parameters. */
static int
is_json_media_type(const char *ct)
{
	size_t n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

static int
needs_api_key(const struct request *req, const struct route *route)
{
	if (route->flags & ROUTE_CEXUP_KEY)
		return 1;
	return (route->flags & ROUTE_FDELUX) &&
	    req->app->cfg->api_key_required == API_KEY_ALL;
}

static void
respond_method_not_allowed(struct request *req, struct response *resp,
    const struct route *table, size_t n, const struct route *route)
{
	char allow[64];
	unsigned methods = router_allowed_methods(table, n, req->path);

	router_allow_header(methods, allow, sizeof(allow));
	response_header(resp, "Allow", arena_strdup(req->arena, allow));
	if (route->not_allowed_message != NULL)
		response_error(resp, 405, route->not_allowed_message,
		    route->not_allowed_details);
	else
		response_error(resp, 405, "Method not allowed.",
		    arena_printf(req->arena, "This endpoint supports: %s.",
		    allow));
}

void
dispatch(struct request *req, struct response *resp,
    const struct route *table, size_t n, const struct body_source *body)
{
	const struct route *route = NULL;
	const struct config *cfg = req->app->cfg;
	const char *errstr;
	char *scratch, *text;
	long limit;

	scratch = arena_alloc(req->arena, strlen(req->path) + 1);
	switch (router_match(table, n, req->method, req->path, scratch,
	    req->path_params, &req->n_path_params, &route)) {
	case ROUTE_NOT_FOUND:
		response_error(resp, 404, "Not found.",
		    "No endpoint matches this path.");
		return;
	case ROUTE_METHOD_NOT_ALLOWED:
		req->route = route;	/* for metrics: the path is known */
		respond_method_not_allowed(req, resp, table, n, route);
		return;
	case ROUTE_MATCHED:
		break;
	}
	req->route = route;
	/* The master names it if this worker dies or overruns. */
	metrics_worker_route(req->app->board, (int)route->index);

	if (needs_api_key(req, route)) {
		switch (apikey_check(req->app->db, req->arena,
		    &req->app->api_keys, req->api_key, &req->api_client_id)) {
		case APIKEY_OK:
			break;
		case APIKEY_UNAVAILABLE:
			response_db_unavailable(resp);
			return;
		case APIKEY_MISSING:
		case APIKEY_INVALID:
			response_error(resp, 401, "Invalid API key.",
			    "Send the x-api-key header issued to your app.");
			return;
		}
	}

	limit = route->flags & ROUTE_LARGE_BODY ? cfg->avatar_body_limit :
	    cfg->body_limit;
	if (body->content_length < 0) {
		response_error(resp, 400, "Invalid Content-Length.",
		    "The Content-Length header must be a number of bytes.");
		return;
	}
	if (body->content_length > limit) {
		response_error(resp, 413, "Request body too large.",
		    arena_printf(req->arena, "The request body may be at most "
		    "%ld bytes.", limit));
		return;
	}
	if (body->content_length > 0 && !is_json_media_type(req->content_type)) {
		response_error(resp, 415, "Unsupported media type.",
		    "Send the request body as application/json.");
		return;
	}
	text = arena_alloc(req->arena, (size_t)body->content_length + 1);
	if (body->content_length > 0 &&
	    body->read(body->ctx, text, (size_t)body->content_length) == -1) {
		response_error(resp, 400, "Incomplete request body.",
		    "The body ended before Content-Length bytes.");
		return;
	}
	text[body->content_length] = '\0';
	req->body = text;
	req->body_len = (size_t)body->content_length;
	if (route->flags & ROUTE_CACHED && respcache_lookup_raw(req, resp))
		return;

	if (route->flags & (ROUTE_NEEDS_BODY | ROUTE_JSON_BODY) &&
	    (req->body_len > 0 || route->flags & ROUTE_NEEDS_BODY)) {
		req->json = json_parse(req->arena, req->body, req->body_len,
		    &errstr);
		if (req->json == NULL) {
			respond_not_object(resp, "malformed JSON");
			return;
		}
		if (req->json->type != JSON_OBJECT) {
			respond_not_object(resp,
			    json_type_name(req->json->type));
			req->json = NULL;
			return;
		}
	}

	route->handler(req, resp);
	if (resp->status == 0)
		response_internal_error(resp);
	respcache_store(req, resp);
}
