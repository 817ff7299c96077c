/*
 * migrate.c - apply sql/NNN_*.sql in order.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/util.h"
#include "server/migrate.h"

#define MAX_MIGRATIONS	1000
/* Any constant works; it only has to be the same on every node. */
#define MIGRATE_LOCK_KEY	"727374"

int
migrate_is_migration_name(const char *name)
{
	size_t len = strlen(name);

	return len > 8 && isdigit((unsigned char)name[0]) &&
	    isdigit((unsigned char)name[1]) && isdigit((unsigned char)name[2]) &&
	    name[3] == '_' && strcmp(name + len - 4, ".sql") == 0;
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted migration file names; caller frees each and the array. */
static char **
list_migrations(const char *dir, size_t *count)
{
	DIR *d;
	struct dirent *de;
	char **names;
	size_t n = 0;

	if ((d = opendir(dir)) == NULL)
		return NULL;
	names = xcalloc(MAX_MIGRATIONS, sizeof(*names));
	while ((de = readdir(d)) != NULL && n < MAX_MIGRATIONS)
		if (migrate_is_migration_name(de->d_name))
			names[n++] = xstrdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(*names), compare_names);
	*count = n;
	return names;
}

static void
free_list(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
migrate_latest_version(const char *sql_dir, char *out, size_t size)
{
	char **names;
	size_t n;

	if ((names = list_migrations(sql_dir, &n)) == NULL || n == 0) {
		if (names != NULL)
			free_list(names, n);
		return -1;
	}
	snprintf(out, size, "%.3s", names[n - 1]);
	free_list(names, n);
	return 0;
}

static char *
read_file(const char *path)
{
	FILE *fp;
	char *text;
	long len;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == -1 || (len = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) == -1) {
		fclose(fp);
		return NULL;
	}
	text = xmalloc((size_t)len + 1);
	if (fread(text, 1, (size_t)len, fp) != (size_t)len) {
		free(text);
		fclose(fp);
		return NULL;
	}
	text[len] = '\0';
	fclose(fp);
	return text;
}

static int
exec_ok(PGconn *conn, const char *sql, FILE *out, const char *what)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(out, "migrate: %s: %s", what, PQerrorMessage(conn));
	PQclear(res);
	return ok ? 0 : -1;
}

static int
is_applied(PGconn *conn, const char *version)
{
	const char *params[1] = { version };
	PGresult *res = PQexecParams(conn,
	    "SELECT 1 FROM schema_migrations WHERE version = $1", 1, NULL,
	    params, NULL, NULL, 0);
	int applied = PQresultStatus(res) == PGRES_TUPLES_OK &&
	    PQntuples(res) == 1;

	PQclear(res);
	return applied;
}

static int
apply_one(PGconn *conn, const char *dir, const char *name, FILE *out)
{
	char path[4096], version[4];
	const char *params[2];
	char *sql;
	PGresult *res;
	int ok;

	snprintf(version, sizeof(version), "%.3s", name);
	if (is_applied(conn, version))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((sql = read_file(path)) == NULL) {
		fprintf(out, "migrate: cannot read %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	if (exec_ok(conn, "BEGIN", out, "BEGIN") == -1) {
		free(sql);
		return -1;
	}
	if (exec_ok(conn, sql, out, name) == -1) {
		free(sql);
		(void)exec_ok(conn, "ROLLBACK", out, "ROLLBACK");
		return -1;
	}
	free(sql);
	params[0] = version;
	params[1] = name;
	res = PQexecParams(conn, "INSERT INTO schema_migrations "
	    "(version, name) VALUES ($1, $2)", 2, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok || exec_ok(conn, "COMMIT", out, "COMMIT") == -1) {
		(void)exec_ok(conn, "ROLLBACK", out, "ROLLBACK");
		return -1;
	}
	fprintf(out, "applied %s\n", name);
	return 0;
}

int
migrate_run(const char *conninfo, const char *sql_dir, FILE *out)
{
	const char *keys[] = { "dbname", "application_name", NULL };
	const char *values[] = { conninfo, "cexup-api migrate", NULL };
	PGconn *conn;
	char **names;
	size_t n, i;
	int rc = 0;

	if ((names = list_migrations(sql_dir, &n)) == NULL) {
		fprintf(out, "migrate: cannot read %s: %s\n", sql_dir,
		    strerror(errno));
		return -1;
	}
	conn = PQconnectdbParams(keys, values, 1);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(out, "migrate: %s", PQerrorMessage(conn));
		PQfinish(conn);
		free_list(names, n);
		return -1;
	}
	if (exec_ok(conn, "SET client_min_messages = warning", out, "SET") ||
	    exec_ok(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", out,
	    "lock") ||
	    exec_ok(conn, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version text PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())", out,
	    "schema_migrations"))
		rc = -1;
	for (i = 0; rc == 0 && i < n; i++)
		rc = apply_one(conn, sql_dir, names[i], out);
	(void)exec_ok(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")",
	    out, "unlock");
	PQfinish(conn);
	if (rc == 0)
		fprintf(out, "schema is current (%zu migrations)\n", n);
	free_list(names, n);
	return rc;
}
