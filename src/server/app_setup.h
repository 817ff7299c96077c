/*
 * app_setup.h - creating a worker's struct app (app/app.h) after fork.
 */
#ifndef CEXUP_APP_SETUP_H
#define CEXUP_APP_SETUP_H

#include <stddef.h>

struct app;
struct config;
struct metrics;

/*
 * Everything costly (key file, database connection) happens here, once,
 * for a worker of the pool (enum pool_id) at scoreboard place `place`; no
 * Argon2 hash is made.  metrics may be NULL.  0, or -1 with a message in
 * err.
 */
int	app_init(struct app *, const struct config *, int pool, int place,
	    int hash_slots_id, struct metrics *, char *err, size_t errsize);
/*
 * Checks what would make every worker fail with this configuration (the
 * signing keys, the migrations directory, the Argon2 parameters) without
 * keeping anything.  0, or -1 with a message in err.
 */
int	app_preflight(const struct config *, char *err, size_t errsize);
/* Closes, wipes and unmaps the worker's state, Argon2's buffer included. */
void	app_free(struct app *);

#endif
