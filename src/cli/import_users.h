/*
 * import_users.h - `cexup-api import-users FILE`: move an existing user
 * base (a Laravel deployment's users table) over without password resets
 * (docs/API.md §6).  bcrypt and Argon2 hashes are kept as they are and
 * upgraded to Argon2id at each user's next successful login.
 *
 * FILE holds JSON lines (one object per line) or CSV with a header line
 * (RFC 4180 quoting), with the fields name, email, password_hash and
 * optionally username, role, phone_number, address.  Invalid and duplicate
 * rows are skipped and reported on stderr; a summary goes to stdout; the
 * exit status is non-zero when nothing could be imported.
 */
#ifndef CEXUP_CLI_IMPORT_USERS_H
#define CEXUP_CLI_IMPORT_USERS_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct config;

/* One user to import; NULL for an absent optional field. */
struct import_row {
	const char	*name, *email, *username, *password_hash;
	const char	*role, *phone_number, *address;
};

enum import_field {
	IMPORT_NAME, IMPORT_EMAIL, IMPORT_USERNAME, IMPORT_PASSWORD_HASH,
	IMPORT_ROLE, IMPORT_PHONE_NUMBER, IMPORT_ADDRESS, IMPORT_FIELD_COUNT
};

/* The field a column or key names (exact, lower case), or -1. */
int		 import_field_by_name(const char *);
/* $2y$/$2b$/$2a$ bcrypt, or $argon2id$/$argon2i$ PHC, well-formed. */
bool		 import_hash_accepted(const char *);
/* NULL if the row can be imported, else why not. */
const char	*import_row_invalid(const struct import_row *);
/* Stores value (trimmed; "" becomes NULL) as field f of row, in the arena. */
void		 import_row_set(struct arena *, struct import_row *,
		    enum import_field, const char *value, size_t len);

/* True when s (a CSV record so far) has no open quoted field. */
bool		 csv_record_complete(const char *s);
/*
 * Splits one CSV record in place (quotes removed, "" unescaped, the final
 * line break dropped) into at most max fields.  Returns the number of
 * fields, or -1 when quoting is malformed or there are more than max.
 */
int		 csv_split(char *record, char **fields, int max);

/*
 * One JSON line into row: an object whose known keys are strings (or null
 * for the optional ones).  Returns 0, or -1 with the reason in *why.
 */
int		 import_row_from_json(struct arena *, const char *line,
		    size_t len, struct import_row *, const char **why);

/* argv[0] is "import-users".  Returns the exit status. */
int		 cli_import_users(const struct config *, int argc, char **argv);

#endif
