/*
 * routes.c - method + path -> handler, with each route's checks.
 */
#include "api/handlers.h"
#include "api/routes.h"

#define BODY	(ROUTE_NEEDS_BODY | ROUTE_JSON_BODY)

/*
 * Each row's index (its metrics row) is its position: __COUNTER__ counts
 * the rows as the table is written.  test_router checks that it holds.
 */
enum { first_row = __COUNTER__ + 1 };
#define ROUTE(pattern, methods, handler, flags, message, details) \
	{ pattern, methods, handler, flags, message, details, \
	  (unsigned)(__COUNTER__ - first_row) }

const struct route api_routes[] = {
	/* docs/API.md §8: no API key, ever. */
	ROUTE("/api/health", METHOD_GET | METHOD_HEAD, handle_health,
	    0, NULL, NULL),
	ROUTE("/api/ready", METHOD_GET | METHOD_HEAD, handle_ready,
	    0, NULL, NULL),
	/* Prometheus; guarded by metrics_allow instead of a key. */
	ROUTE("/api/metrics", METHOD_GET, handle_metrics,
	    0, NULL, NULL),

	/* docs/API.md §2: fdelux, with the seed's own 405 wording. */
	ROUTE("/api/login", METHOD_POST, handle_fdelux_login,
	    ROUTE_FDELUX | BODY,
	    "Only POST requests are supported for this endpoint.",
	    "Please use POST to submit your login credentials."),
	ROUTE("/api/register", METHOD_POST, handle_fdelux_register,
	    ROUTE_FDELUX | BODY,
	    "Only POST requests are supported for this endpoint.",
	    "Please use POST to submit your registration details."),

	/* ---- accounts ---- */
	/* docs/API.md §3: Cexup routes, x-api-key always. */
	ROUTE("/api/login/patient", METHOD_POST, handle_patient_login,
	    ROUTE_CEXUP_KEY | BODY, NULL, NULL),
	ROUTE("/api/register/patient", METHOD_POST, handle_patient_register,
	    ROUTE_CEXUP_KEY | BODY, NULL, NULL),
	/* The value is a query parameter: any body, or none, will do. */
	ROUTE("/api/register/check-id/{}", METHOD_POST, handle_check_id,
	    ROUTE_CEXUP_KEY | ROUTE_JSON_BODY, NULL, NULL),
	ROUTE("/api/update/{}", METHOD_POST, handle_update_profile,
	    ROUTE_CEXUP_KEY | BODY, NULL, NULL),
	ROUTE("/api/avatar", METHOD_POST, handle_avatar_upload,
	    ROUTE_CEXUP_KEY | BODY | ROUTE_LARGE_BODY, NULL, NULL),
	/* docs/API.md §4, §9: the token authenticates; a key only if "all". */
	ROUTE("/api/token/refresh", METHOD_POST, handle_token_refresh,
	    ROUTE_FDELUX | BODY, NULL, NULL),
	ROUTE("/api/logout", METHOD_POST, handle_logout,
	    ROUTE_FDELUX | ROUTE_JSON_BODY, NULL, NULL),
	ROUTE("/api/me", METHOD_GET | METHOD_HEAD, handle_me,
	    ROUTE_FDELUX, NULL, NULL),
	/* For <img>: never a key, never a token. */
	ROUTE("/api/users/{}/avatar", METHOD_GET | METHOD_HEAD,
	    handle_avatar_image, 0, NULL, NULL),

	/* ---- account lifecycle (issue 13); key rule as above (§9) ---- */
	/* These two hash: nginx sends them to the auth pool. */
	ROUTE("/api/password/change", METHOD_POST, handle_password_change,
	    ROUTE_FDELUX | BODY, NULL, NULL),
	ROUTE("/api/account/delete", METHOD_POST, handle_account_delete,
	    ROUTE_FDELUX | BODY, NULL, NULL),
	ROUTE("/api/sessions", METHOD_GET | METHOD_HEAD, handle_sessions_list,
	    ROUTE_FDELUX, NULL, NULL),
	ROUTE("/api/sessions/revoke-others", METHOD_POST,
	    handle_sessions_revoke_others,
	    ROUTE_FDELUX | ROUTE_JSON_BODY, NULL, NULL),
	ROUTE("/api/sessions/{}/revoke", METHOD_POST, handle_session_revoke,
	    ROUTE_FDELUX | ROUTE_JSON_BODY, NULL, NULL),
	/* No token: the mailed one.  reset hashes: the auth pool. */
	ROUTE("/api/password/forgot", METHOD_POST, handle_password_forgot,
	    ROUTE_FDELUX | BODY, NULL, NULL),
	ROUTE("/api/password/reset", METHOD_POST, handle_password_reset,
	    ROUTE_FDELUX | BODY, NULL, NULL),
	ROUTE("/api/email/verify", METHOD_POST, handle_email_verify,
	    ROUTE_FDELUX | BODY, NULL, NULL),
	ROUTE("/api/email/verify/resend", METHOD_POST,
	    handle_email_verify_resend, ROUTE_FDELUX | ROUTE_JSON_BODY, NULL,
	    NULL),

	/* ---- catalog ---- */
	/*
	 * docs/API.md §3: POST with a JSON body or GET with query parameters;
	 * the body is optional (GET has none).
	 */
#define CATALOG		(METHOD_GET | METHOD_POST)
#define CATALOG_FLAGS	(ROUTE_CEXUP_KEY | ROUTE_JSON_BODY)
	/* Answered from the response cache (respcache.h). */
#define CACHED_FLAGS	(CATALOG_FLAGS | ROUTE_CACHED)
	ROUTE("/api/doctor", CATALOG, handle_doctor_list,
	    CACHED_FLAGS, NULL, NULL),
	ROUTE("/api/doctor/show", CATALOG, handle_doctor_show,
	    CACHED_FLAGS, NULL, NULL),
	ROUTE("/api/doctor/get-time-list", CATALOG, handle_time_list,
	    CATALOG_FLAGS, NULL, NULL),
	ROUTE("/api/speciality", CATALOG, handle_speciality_list,
	    CACHED_FLAGS, NULL, NULL),
	ROUTE("/api/hospital", CATALOG, handle_hospital_list,
	    CACHED_FLAGS, NULL, NULL),
	ROUTE("/api/hospital/show", CATALOG, handle_hospital_show,
	    CACHED_FLAGS, NULL, NULL),
	ROUTE("/api/article", CATALOG, handle_article_list,
	    CACHED_FLAGS, NULL, NULL),
	ROUTE("/api/article/show", CATALOG, handle_article_show,
	    CACHED_FLAGS, NULL, NULL),

	/* ---- booking (issue 14): API key and a patient's token ---- */
	ROUTE("/api/appointment", CATALOG, handle_booking_list,
	    CATALOG_FLAGS, NULL, NULL),
	ROUTE("/api/appointment/book", METHOD_POST, handle_booking_book,
	    ROUTE_CEXUP_KEY | BODY, NULL, NULL),
	ROUTE("/api/appointment/cancel", METHOD_POST, handle_booking_cancel,
	    ROUTE_CEXUP_KEY | BODY, NULL, NULL),
	/* A doctor's token. */
	ROUTE("/api/doctor/appointments", CATALOG, handle_doctor_appointments,
	    CATALOG_FLAGS, NULL, NULL),
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
