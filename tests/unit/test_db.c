/*
 * test_db.c - which SQLSTATEs count as a lost server (503 + reconnect).
 */
#include <stddef.h>

#include "core/db.h"
#include "tap.h"

int
main(void)
{
	static const char *const unavailable[] = {
		"08000", "08003", "08006", "08001", "08004", "08P01",
		"57P01",	/* admin_shutdown: switchover, pg_ctl stop */
		"57P02",	/* crash_shutdown */
		"57P03",	/* cannot_connect_now: starting / recovering */
		"57P04",	/* database_dropped */
		"25006",	/* read_only_sql_transaction: demoted to standby */
	};
	static const char *const error[] = {
		"42P01", "22001", "23503", "40001", "57014", "25P02",
		"25001", "2500",
	};
	size_t i;

	for (i = 0; i < sizeof(unavailable) / sizeof(unavailable[0]); i++)
		ok(db_sqlstate_status(unavailable[i]) == DB_UNAVAILABLE,
		    "%s is unavailable (503, reconnect)", unavailable[i]);
	for (i = 0; i < sizeof(error) / sizeof(error[0]); i++)
		ok(db_sqlstate_status(error[i]) == DB_ERROR,
		    "%s is an error (500)", error[i]);
	ok(db_sqlstate_status("23505") == DB_UNIQUE_VIOLATION,
	    "23505 is a unique violation");
	ok(db_sqlstate_status(NULL) == DB_ERROR, "no SQLSTATE is an error");
	return done_testing();
}
