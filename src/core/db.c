/*
 * db.c - one libpq connection per worker, prepared statements, and the
 * mapping of failures to 503 (connection) or 500 (anything else).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/util.h"

#define MAX_PREPARED		256
#define RECONNECT_INTERVAL	1	/* seconds after a slow failed attempt */
#define SLOW_ATTEMPT_MS		100	/* a refused connect takes far less */

struct db {
	char			*conninfo;
	int			 statement_timeout_ms;
	int			 connect_timeout;
	PGconn			*conn;
	time_t			 last_attempt;
	bool			 last_attempt_slow;	/* failed by timing out */
	bool			 checked;	/* idle check done this request */
	uint64_t		*error_counter;
	uint64_t		*reconnect_counter;
	/*
	 * LISTEN channel re-issued on every connect, and the epoch: bumped
	 * by every connect and every notification received, so a cache
	 * tagged with an older epoch knows it may hold stale answers.
	 */
	char			 channel[64];
	bool			 listening;	/* LISTEN succeeded */
	uint64_t		 epoch;
	/* Statements prepared on this connection, by identity. */
	const struct db_stmt	*prepared[MAX_PREPARED];
	size_t			 n_prepared;
};

static void	drop_connection(struct db *, const char *why);

static void
notice_ignore(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

/*
 * The channel is ours (a constant), not input: quoting it as an identifier
 * is still the safe way to build the one statement that takes no $n.
 */
static void
listen_channel(struct db *db)
{
	PGresult *res;
	char *ident, sql[128];

	if ((ident = PQescapeIdentifier(db->conn, db->channel,
	    strlen(db->channel))) == NULL)
		return;
	snprintf(sql, sizeof(sql), "LISTEN %s", ident);
	PQfreemem(ident);
	res = PQexec(db->conn, sql);
	/* Refused (e.g. on a hot standby): no notifications, no cache. */
	db->listening = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!db->listening)
		log_warnx("LISTEN %s: %s", db->channel,
		    PQerrorMessage(db->conn));
	PQclear(res);
}

static int
db_connect(struct db *db)
{
	const char *keys[] = { "dbname", "connect_timeout", "options",
	    "application_name", "client_encoding", NULL };
	char timeout[16], options[64];
	const char *values[6];
	struct timespec t0, t1;

	db->last_attempt = time(NULL);
	if (db->conn != NULL) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
	db->n_prepared = 0;
	snprintf(timeout, sizeof(timeout), "%d", db->connect_timeout);
	snprintf(options, sizeof(options), "-c statement_timeout=%d",
	    db->statement_timeout_ms);
	/* expand_dbname: "dbname" may be a full conninfo string or URI. */
	values[0] = db->conninfo;
	values[1] = timeout;
	values[2] = options;
	values[3] = "cexup-api";
	values[4] = "UTF8";
	values[5] = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	db->conn = PQconnectdbParams(keys, values, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	db->last_attempt_slow = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000 >= SLOW_ATTEMPT_MS;
	if (PQstatus(db->conn) != CONNECTION_OK) {
		log_warnx("database connection failed: %s",
		    PQerrorMessage(db->conn));
		PQfinish(db->conn);
		db->conn = NULL;
		return -1;
	}
	PQsetNoticeReceiver(db->conn, notice_ignore, NULL);
	db->listening = false;
	db->epoch++;	/* notifications may have been missed meanwhile */
	if (db->channel[0] != '\0')
		listen_channel(db);
	return 0;
}

struct db *
db_open(const char *conninfo, int statement_timeout_ms, int connect_timeout)
{
	struct db *db = xcalloc(1, sizeof(*db));

	db->conninfo = xstrdup(conninfo);
	db->statement_timeout_ms = statement_timeout_ms;
	db->connect_timeout = connect_timeout;
	(void)db_connect(db);
	return db;
}

void
db_close(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	secure_wipe(db->conninfo, strlen(db->conninfo));
	free(db->conninfo);
	free(db);
}

/*
 * An idle connection has nothing to read unless the server is going away
 * (it sends a FATAL and closes, e.g. on restart).  Noticing that before the
 * first statement of a request turns a PostgreSQL restart into a reconnect
 * instead of a failed request.
 */
static void
check_idle_connection(struct db *db)
{
	struct pollfd p;
	int i;

	db->checked = true;
	if (db->conn == NULL)
		return;
	p.fd = PQsocket(db->conn);
	p.events = POLLIN;
	/*
	 * The server's FATAL message and its EOF may need two reads: libpq
	 * marks the connection bad only when a read returns nothing.
	 */
	for (i = 0; i < 4 && p.fd >= 0; i++) {
		p.revents = 0;
		if (poll(&p, 1, 0) <= 0 || !PQconsumeInput(db->conn))
			break;
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		log_warnx("database connection lost while idle");
		PQfinish(db->conn);
		db->conn = NULL;
		db->n_prepared = 0;
		db->last_attempt = 0;
	}
}

void
db_listen(struct db *db, const char *channel)
{
	snprintf(db->channel, sizeof(db->channel), "%s", channel);
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		listen_channel(db);
}

/* Reads what has arrived (without waiting) and counts notifications. */
static void
drain_notifications(struct db *db)
{
	struct pollfd p;
	PGnotify *n;

	if (db->conn == NULL)
		return;
	p.fd = PQsocket(db->conn);
	p.events = POLLIN;
	p.revents = 0;
	if (p.fd >= 0 && poll(&p, 1, 0) > 0)
		(void)PQconsumeInput(db->conn);
	while ((n = PQnotifies(db->conn)) != NULL) {
		db->epoch++;
		PQfreemem(n);
	}
}

bool
db_epoch(struct db *db, uint64_t *epoch)
{
	PGnotify *n;

	if (!db->checked)
		check_idle_connection(db);	/* also reads what is there */
	else
		drain_notifications(db);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK ||
	    (db->channel[0] != '\0' && !db->listening))
		return false;
	while ((n = PQnotifies(db->conn)) != NULL) {
		db->epoch++;
		PQfreemem(n);
	}
	*epoch = db->epoch;
	return true;
}

bool
db_wait(struct db *db, int timeout_ms, const void *sigmask)
{
	struct pollfd p;
	struct timespec ts;
	PGnotify *n;
	int got = 0, rc;

	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
	/* Read while running a statement: already queued, no need to wait. */
	if (db->conn != NULL)
		while ((n = PQnotifies(db->conn)) != NULL) {
			got = 1;
			PQfreemem(n);
		}
	if (got) {
		db->epoch++;
		return true;
	}
	p.fd = db->conn != NULL ? PQsocket(db->conn) : -1;
	p.events = POLLIN;
	p.revents = 0;
	rc = ppoll(&p, p.fd >= 0 ? 1 : 0, &ts, sigmask);
	if (rc <= 0 || db->conn == NULL)
		return false;
	if (!PQconsumeInput(db->conn) ||
	    PQstatus(db->conn) != CONNECTION_OK) {
		drop_connection(db, "database connection lost while idle");
		return false;
	}
	while ((n = PQnotifies(db->conn)) != NULL) {
		got = 1;
		PQfreemem(n);
	}
	if (got)
		db->epoch++;
	return got;
}

bool
db_ready(struct db *db)
{
	if (!db->checked)
		check_idle_connection(db);
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return true;
	/*
	 * Do not let every request pay a connect timeout while the server is
	 * unreachable; a refused connection (server down, socket gone) costs
	 * microseconds, so then every request tries, and service resumes with
	 * the first request after the server is back.
	 */
	if (db->conn == NULL && db->last_attempt_slow &&
	    time(NULL) - db->last_attempt < RECONNECT_INTERVAL)
		return false;
	if (db_connect(db) == -1)
		return false;
	metrics_add(db->reconnect_counter, 1);
	log_info("database connection re-established");
	return true;
}

void
db_set_counters(struct db *db, uint64_t *errors, uint64_t *reconnects)
{
	db->error_counter = errors;
	db->reconnect_counter = reconnects;
}

enum db_status
db_sqlstate_status(const char *state)
{
	if (state == NULL)
		return DB_ERROR;
	if (strcmp(state, "23505") == 0)
		return DB_UNIQUE_VIOLATION;
	if (strcmp(state, "23P01") == 0)
		return DB_EXCLUSION_VIOLATION;
	if (strcmp(state, "40P01") == 0)
		return DB_DEADLOCK;
	/*
	 * Class 08 connection exception and 57P0x (admin / crash shutdown,
	 * cannot connect now, database dropped): the server is going away.
	 * 25006 read_only_sql_transaction: the node we hold became a standby
	 * (a failover or switchover demoted it); reconnecting with
	 * target_session_attrs=read-write finds the new primary.
	 */
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
	    strcmp(state, "25006") == 0)
		return DB_UNAVAILABLE;
	return DB_ERROR;
}

static enum db_status
classify(PGconn *conn, const PGresult *res)
{
	if (PQstatus(conn) != CONNECTION_OK)
		return DB_UNAVAILABLE;
	return db_sqlstate_status(res ?
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL);
}

static void
drop_connection(struct db *db, const char *why)
{
	log_warnx("%s", why);
	PQfinish(db->conn);
	db->conn = NULL;
	db->n_prepared = 0;
	db->last_attempt = 0;	/* retry on the next request */
}

/*
 * A broken connection is dropped so the next request reconnects; so is one
 * that still works but answered "unavailable" (a demoted primary, a server
 * shutting down): keeping it would serve every later request from a node
 * that cannot take writes.
 */
static void
drop_if_broken(struct db *db, enum db_status st)
{
	if (db->conn == NULL)
		return;
	if (PQstatus(db->conn) != CONNECTION_OK)
		drop_connection(db, "database connection lost");
	else if (st == DB_UNAVAILABLE)
		drop_connection(db, "database server unavailable "
		    "(read-only or shutting down): reconnecting");
}

static int
ensure_prepared(struct db *db, const struct db_stmt *stmt,
    enum db_status *status)
{
	PGresult *res;
	size_t i;

	for (i = 0; i < db->n_prepared; i++)
		if (db->prepared[i] == stmt)
			return 0;
	res = PQprepare(db->conn, stmt->name, stmt->sql, stmt->nparams, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		*status = classify(db->conn, res);
		if (*status != DB_UNAVAILABLE)
			log_warnx("prepare %s: %s", stmt->name,
			    PQerrorMessage(db->conn));
		PQclear(res);
		drop_if_broken(db, *status);
		return -1;
	}
	PQclear(res);
	if (db->n_prepared < MAX_PREPARED)
		db->prepared[db->n_prepared++] = stmt;
	return 0;
}

static void
clear_result(void *res)
{
	PQclear(res);
}

PGresult *
db_exec_bin(struct db *db, struct arena *a, const struct db_stmt *stmt,
    const char *const *params, const int *lengths, const int *formats,
    int result_format, enum db_status *status)
{
	PGresult *res;
	ExecStatusType rs;

	*status = DB_UNAVAILABLE;
	if (!db_ready(db))
		return NULL;
	if (ensure_prepared(db, stmt, status) == -1)
		return NULL;
	res = PQexecPrepared(db->conn, stmt->name, stmt->nparams, params,
	    lengths, formats, result_format);
	rs = PQresultStatus(res);
	if (rs == PGRES_TUPLES_OK || rs == PGRES_COMMAND_OK) {
		arena_cleanup_add(a, clear_result, res);
		*status = DB_OK;
		return res;
	}
	*status = classify(db->conn, res);
	metrics_add(db->error_counter, 1);
	if (*status == DB_ERROR)
		log_warnx("%s: %s", stmt->name,
		    PQresultErrorMessage(res));
	PQclear(res);
	drop_if_broken(db, *status);
	return NULL;
}

PGresult *
db_exec(struct db *db, struct arena *a, const struct db_stmt *stmt,
    const char *const *params, enum db_status *status)
{
	return db_exec_bin(db, a, stmt, params, NULL, NULL, 0, status);
}

static enum db_status
simple_command(struct db *db, const char *sql)
{
	PGresult *res;
	enum db_status st = DB_OK;

	if (!db_ready(db))
		return DB_UNAVAILABLE;
	res = PQexec(db->conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		st = classify(db->conn, res);
	PQclear(res);
	drop_if_broken(db, st);
	return st;
}

enum db_status
db_begin(struct db *db)
{
	return simple_command(db, "BEGIN");
}

enum db_status
db_commit(struct db *db)
{
	return simple_command(db, "COMMIT");
}

void
db_rollback(struct db *db)
{
	if (db->conn != NULL)
		(void)simple_command(db, "ROLLBACK");
}

void
db_request_done(struct db *db)
{
	db->checked = false;
	if (db->conn == NULL)
		return;
	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		db_rollback(db);
	drop_if_broken(db, DB_OK);
}

void
db_bytea_text(const unsigned char *bytes, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	out[0] = '\\';
	out[1] = 'x';
	for (i = 0; i < n; i++) {
		out[2 + 2 * i] = hex[bytes[i] >> 4];
		out[3 + 2 * i] = hex[bytes[i] & 15];
	}
	out[2 + 2 * n] = '\0';
}

const char *
db_value(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return PQgetvalue(res, row, col);
}

int64_t
db_int(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return 0;
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

bool
db_bool(const PGresult *res, int row, int col)
{
	return !PQgetisnull(res, row, col) &&
	    PQgetvalue(res, row, col)[0] == 't';
}
