/*
 * db.h - the worker's PostgreSQL connection.
 *
 * One connection per worker, opened after fork.  Statements are declared as
 * static `struct db_stmt` next to the code that uses them and prepared lazily,
 * once per connection.  When the server goes away the connection is re-opened
 * on a later request (at most once per second); meanwhile callers get
 * DB_UNAVAILABLE and answer 503.
 */
#ifndef CEXUP_DB_H
#define CEXUP_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

struct arena;

struct db_stmt {
	const char	*name;
	const char	*sql;
	int		 nparams;
};

enum db_status {
	DB_OK = 0,
	DB_UNAVAILABLE,		/* no connection, or it broke: 503 */
	DB_UNIQUE_VIOLATION,	/* SQLSTATE 23505 */
	DB_EXCLUSION_VIOLATION,	/* SQLSTATE 23P01 */
	DB_DEADLOCK,		/* SQLSTATE 40P01: one of the waiters aborted */
	DB_ERROR		/* anything else: 500 */
};

struct db;

/*
 * The status an error's SQLSTATE maps to (NULL: DB_ERROR).  Connection
 * exceptions, shutdowns and read_only_sql_transaction (25006: the server
 * was demoted to a standby) are DB_UNAVAILABLE: the connection is dropped
 * and the request answered 503.
 */
enum db_status	 db_sqlstate_status(const char *sqlstate);

struct db	*db_open(const char *conninfo, int statement_timeout_ms,
		    int connect_timeout);
void		 db_close(struct db *);
/* Connected, reconnecting if needed (rate-limited). */
bool		 db_ready(struct db *);
/*
 * LISTEN on channel now (if connected) and after every reconnect.
 */
void		 db_listen(struct db *, const char *channel);
/*
 * Without a round trip: reads whatever the server has sent (the idle check
 * of db_ready, then notifications) and gives the epoch, which grows with
 * every connect and every notification.  false when not connected or the
 * LISTEN was refused (an answer from memory could then be stale without
 * our knowing).
 */
bool		 db_epoch(struct db *, uint64_t *epoch);
/*
 * Counters to bump (atomically: they may be shared between processes) on
 * each failed statement and each reconnect; NULL to stop counting.
 */
void		 db_set_counters(struct db *, uint64_t *errors,
		    uint64_t *reconnects);
/*
 * For a process that sleeps between statements (the mailer): waits up to
 * timeout_ms for a notification on the LISTEN channel, with sigmask (a
 * const sigset_t *, or NULL; void here to keep <signal.h> out of every
 * file) in force while waiting, as ppoll(2) does, so a blocked SIGTERM
 * ends the wait at once.  Without a connection it just sleeps.  Returns
 * true when at least one notification arrived (already queued ones
 * count); a lost connection is dropped, for db_ready to re-open.
 */
bool		 db_wait(struct db *, int timeout_ms, const void *sigmask);

/*
 * Runs a prepared statement with text parameters (NULL = SQL NULL).  The
 * result is registered for PQclear in the arena.  On failure returns NULL
 * and sets *status (never DB_OK); on success *status = DB_OK.
 */
PGresult	*db_exec(struct db *, struct arena *, const struct db_stmt *,
		    const char *const *params, enum db_status *status);
/* Same with explicit lengths/formats (binary parameters such as bytea). */
PGresult	*db_exec_bin(struct db *, struct arena *, const struct db_stmt *,
		    const char *const *params, const int *lengths,
		    const int *formats, int result_format,
		    enum db_status *status);

/* BEGIN / COMMIT / ROLLBACK.  Return DB_OK or an error status. */
enum db_status	 db_begin(struct db *);
enum db_status	 db_commit(struct db *);
void		 db_rollback(struct db *);
/* After each request: roll back anything left open. */
void		 db_request_done(struct db *);

/*
 * Writes bytes as bytea text input ("\\x" + hex, NUL-terminated); out must
 * hold 2 * n + 3 bytes.
 */
void		 db_bytea_text(const unsigned char *, size_t n, char *out);

/* Text value or NULL for SQL NULL. */
const char	*db_value(const PGresult *, int row, int col);
/* Column values: integer (0 for SQL NULL), boolean ('t'). */
int64_t		 db_int(const PGresult *, int row, int col);
bool		 db_bool(const PGresult *, int row, int col);

#endif
