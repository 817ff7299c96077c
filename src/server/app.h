/*
 * app.h - a worker's long-lived state: configuration, database connection,
 * key ring, the dummy password hash.  Built once after fork; handlers reach
 * it through request->app.
 */
#ifndef CEXUP_APP_H
#define CEXUP_APP_H

#include <stddef.h>
#include <time.h>

#include "auth/password.h"
#include "auth/token.h"

struct arena;
struct config;
struct db;

struct app {
	const struct config	*cfg;
	struct db		*db;
	struct token_ring	 ring;
	struct arena		*arena;		/* the request arena */
	char			 dummy_hash[PASSWORD_HASH_MAX];
	int			 hash_slots_id;
	char			 schema_version[16];	/* newest sql/NNN_ */
};

int	app_init(struct app *, const struct config *, int hash_slots_id,
	    char *err, size_t errsize);
/*
 * Checks what would make every worker fail with this configuration (the
 * signing keys, the migrations directory) without keeping anything.
 * 0, or -1 with a message in err.
 */
int	app_preflight(const struct config *, char *err, size_t errsize);
void	app_free(struct app *);

#endif
