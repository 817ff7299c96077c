/*
 * migrate.h - schema migrations: sql/NNN_description.sql, applied in order,
 * each in its own transaction, recorded in schema_migrations.  Safe to run
 * twice and from several nodes at once (an advisory lock serialises them).
 */
#ifndef CEXUP_MIGRATE_H
#define CEXUP_MIGRATE_H

#include <stddef.h>
#include <stdio.h>

/* Applies pending migrations; progress to out.  Returns 0 or -1. */
int	migrate_run(const char *conninfo, const char *sql_dir, FILE *out);

/* The NNN of the newest migration file in sql_dir; 0 or -1 if none. */
int	migrate_latest_version(const char *sql_dir, char *out, size_t size);

/* True if name looks like NNN_something.sql. */
int	migrate_is_migration_name(const char *name);

#endif
