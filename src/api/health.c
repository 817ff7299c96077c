/*
 * health.c - GET /api/health (alive, no database) and GET /api/ready
 * (database reachable and schema current) (docs/API.md §8).
 */
#include <string.h>

#include "api/handlers.h"
#include "app/app.h"
#include "core/db.h"
#include "core/json.h"
#include "http/request.h"
#include "http/response.h"

static const struct db_stmt schema_version = {
	"schema_version",
	"SELECT max(version) FROM schema_migrations",
	0
};

void
handle_health(struct request *req, struct response *resp)
{
	struct json_writer *w = envelope_begin(resp, "OK");

	(void)req;
	json_w_object_open(w);
	json_w_kv_string(w, "status", "alive");
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}

void
handle_ready(struct request *req, struct response *resp)
{
	struct json_writer *w;
	enum db_status st;
	PGresult *res;
	const char *version;

	res = db_exec(req->app->db, req->arena, &schema_version, NULL, &st);
	if (res == NULL) {
		response_db_unavailable(resp);
		return;
	}
	version = db_value(res, 0, 0);
	if (version == NULL ||
	    strcmp(version, req->app->schema_version) != 0) {
		response_header(resp, "Retry-After", "5");
		response_error(resp, 503, "Not ready.",
		    "The database schema is not current: run "
		    "`cexup-api migrate`.");
		return;
	}
	w = envelope_begin(resp, "OK");
	json_w_object_open(w);
	json_w_kv_string(w, "status", "ready");
	json_w_kv_string(w, "schema_version", version);
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}
