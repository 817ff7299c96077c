/*
 * common.h - what several handlers share: reading typed fields from the
 * parsed body, the user row, the user objects of the responses, and the
 * password check with the hash-slot bound.
 */
#ifndef CEXUP_API_COMMON_H
#define CEXUP_API_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "core/db.h"

struct json_writer;
struct request;
struct response;

/* ---- body fields ---- */

enum field_state {
	FIELD_ABSENT,		/* not in the body, or JSON null */
	FIELD_WRONG_TYPE,	/* present but not a string */
	FIELD_STRING
};

struct str_field {
	enum field_state	 state;
	const char		*s;
	size_t			 len;
	bool			 has_nul;
};

struct str_field	body_string(const struct request *, const char *key);

struct field_errors;
/*
 * A required string: present, a string, no NUL, not blank.  Returns the
 * trimmed value, or NULL after adding an error for `field` to fe.
 */
const char		*required_string(struct request *, struct field_errors *fe,
			    const char *field, size_t *len);
/* A valid email (required), or NULL after adding an error. */
const char		*validate_new_email(struct request *,
			    struct field_errors *);
/* A new password (8..1024 bytes, no NUL), or NULL after adding an error. */
const char		*validate_new_password(struct request *,
			    struct field_errors *, size_t *len);

/* Lower-cased, surrounding-space-trimmed copy of an email, in the arena. */
const char		*normalize_email(struct request *, const char *s,
			    size_t len);
/* Surrounding-space-trimmed copy, in the arena. */
const char		*trimmed(struct request *, const char *s, size_t len,
			    size_t *out_len);

/* ---- users ---- */

/*
 * Columns of every user query, in the order user_row_read() expects.
 * USER_COLUMNS_OF(t) qualifies them, for statements that join another
 * table with columns of the same name (sessions.id, sessions.user_id).
 */
#define USER_COLUMNS_OF(t) \
	#t ".id, " #t ".name, " #t ".email, " #t ".username, " #t ".role, " \
	#t ".phone_number, " #t ".city, " #t ".address, " #t ".postal_code, " \
	#t ".gender, " #t ".id_type, " #t ".id_number, " #t ".password_hash, " \
	#t ".avatar_sha256"
#define USER_COLUMNS	USER_COLUMNS_OF(users)
#define USER_COLUMN_COUNT	14

struct user_row {
	int64_t		 id;
	const char	*name, *email, *username, *role, *phone_number;
	const char	*city, *address, *postal_code, *gender, *id_type;
	const char	*id_number, *password_hash;
	const char	*avatar_sha256;	/* hex, NULL without an avatar */
};

void	user_row_read(const PGresult *, int row, struct user_row *);
/*
 * Absolute URL of the user's avatar image (CONTRACT §9), versioned by its
 * hash so that caches see a new URL for a new image; NULL without one.
 */
const char *user_photo_url(struct request *, const struct user_row *);
/* The fdelux user: id, name, email, phone_number, city, address,
 * postal_code, photo_url (CONTRACT §2). */
void	write_user_fdelux(struct request *, struct json_writer *,
	    const struct user_row *);
/* The Cexup user: the fdelux user plus username, role, gender, id_type,
 * id_number (CONTRACT §3). */
void	write_user_cexup(struct request *, struct json_writer *,
	    const struct user_row *);
/* The token object of login and refresh responses. */
struct issued_tokens;
void	write_token(struct json_writer *, const struct issued_tokens *);

/* ---- passwords ---- */

enum password_check {
	PASSWORD_MATCH,
	PASSWORD_MISMATCH,
	PASSWORD_BUSY		/* no hash slot in time: 503 */
};

/*
 * Verifies pw against stored, or against the worker's dummy hash when
 * stored is NULL (unknown account: same cost, never a match).  Takes a
 * hash slot for the duration.
 */
enum password_check	check_password(struct request *, const char *stored,
			    const char *pw, size_t len);
/* Argon2id of a new password under a hash slot; -1 if none came free. */
int			hash_new_password(struct request *, const char *pw,
			    size_t len, char out[256]);
/* 503 + Retry-After for a login that found no free hash slot. */
void			respond_busy(struct response *);

/* ---- answers shared by the Cexup routes ---- */

/* 503 for DB_UNAVAILABLE, else 500. */
void	respond_db_failure(struct response *, enum db_status);
/* 400 "The given data was invalid." with the field errors. */
void	respond_invalid_fields(struct response *, const struct field_errors *);
/* A digit string of a positive id that fits int64 (path parameters). */
int	parse_id(const char *s, int64_t *out);

#endif
