/*
 * routes.c - method + path -> handler, with each route's checks.
 */
#include "api/handlers.h"
#include "api/routes.h"

#define BODY	(ROUTE_NEEDS_BODY | ROUTE_JSON_BODY)

const struct route api_routes[] = {
	/* CONTRACT §8: no API key, ever. */
	{ "/api/health", METHOD_GET | METHOD_HEAD, handle_health, 0, NULL, NULL },
	{ "/api/ready", METHOD_GET | METHOD_HEAD, handle_ready, 0, NULL, NULL },
	/* Prometheus; guarded by metrics_allow instead of a key. */
	{ "/api/metrics", METHOD_GET, handle_metrics, 0, NULL, NULL },

	/* CONTRACT §2: fdelux, with the seed's own 405 wording. */
	{ "/api/login", METHOD_POST, handle_fdelux_login, ROUTE_FDELUX | BODY,
	  "Only POST requests are supported for this endpoint.",
	  "Please use POST to submit your login credentials." },
	{ "/api/register", METHOD_POST, handle_fdelux_register,
	  ROUTE_FDELUX | BODY,
	  "Only POST requests are supported for this endpoint.",
	  "Please use POST to submit your registration details." },

	/* ---- accounts (issue 3) ---- */

	/* ---- catalog (issue 4) ---- */
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
