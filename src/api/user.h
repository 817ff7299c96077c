/*
 * user.h - the user row every account route reads, the user objects of
 * the responses, and the rules for the fields of a new account.
 */
#ifndef CEXUP_API_USER_H
#define CEXUP_API_USER_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

struct field_errors;
struct json_writer;
struct request;

/* Longest name accepted (registration, profile update, import). */
#define USER_NAME_MAX_BYTES	255

/*
 * Columns of every user query, in the order user_row_read() expects.
 * USER_COLUMNS_OF(t) qualifies them, for statements that join another
 * table with columns of the same name (sessions.id, sessions.user_id).
 */
#define USER_COLUMNS_OF(t) \
	#t ".id, " #t ".name, " #t ".email, " #t ".username, " #t ".role, " \
	#t ".phone_number, " #t ".city, " #t ".address, " #t ".postal_code, " \
	#t ".gender, " #t ".id_type, " #t ".id_number, " #t ".password_hash, " \
	#t ".avatar_sha256, to_char(" #t ".email_verified_at AT TIME ZONE " \
	"'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS email_verified_at"
#define USER_COLUMNS	USER_COLUMNS_OF(users)
#define USER_COLUMN_COUNT	15

struct user_row {
	int64_t		 id;
	const char	*name, *email, *username, *role, *phone_number;
	const char	*city, *address, *postal_code, *gender, *id_type;
	const char	*id_number, *password_hash;
	const char	*avatar_sha256;	/* hex, NULL without an avatar */
	const char	*email_verified_at;	/* ISO 8601 UTC, or NULL */
};

void	user_row_read(const PGresult *, int row, struct user_row *);
/*
 * Absolute URL of the user's avatar image (docs/API.md §9), versioned by its
 * hash so that caches see a new URL for a new image; NULL without one.
 */
const char *user_photo_url(struct request *, const struct user_row *);
/* The fdelux user: id, name, email, phone_number, city, address,
 * postal_code, photo_url, email_verified_at (docs/API.md §2). */
void	user_write_fdelux(struct request *, struct json_writer *,
	    const struct user_row *);
/* The Cexup user: the fdelux user plus username, role, gender, id_type,
 * id_number (docs/API.md §3). */
void	user_write_cexup(struct request *, struct json_writer *,
	    const struct user_row *);

/* A valid email (required), or NULL after adding an error. */
const char *user_new_email(struct request *, struct field_errors *);
/* A new password (8..1024 bytes, not trimmed), or NULL after an error. */
const char *user_new_password(struct request *, struct field_errors *,
	    size_t *len);
/* The same rules for a password under another field name (new_password). */
const char *user_new_password_field(struct request *, struct field_errors *,
	    const char *field, size_t *len);
/* Lower-cased, surrounding-space-trimmed copy of an email, in the arena. */
const char *user_normalize_email(struct request *, const char *s,
	    size_t len);

#endif
