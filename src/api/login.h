/*
 * login.h - the login core shared by POST /api/login (fdelux, every role,
 * by email) and POST /api/login/patient (Cexup, patients, by email or
 * username): lockout, constant-cost password check, hash upgrade, session.
 */
#ifndef CEXUP_API_LOGIN_H
#define CEXUP_API_LOGIN_H

#include <stdbool.h>
#include <stddef.h>

struct bearer;
struct issued_tokens;
struct json_writer;
struct request;
struct response;

enum login_route {
	LOGIN_FDELUX,		/* email; any role; the fdelux user object */
	LOGIN_PATIENT		/* email or username; patients; Cexup user */
};

/*
 * Runs a login whose fields are already checked: identifier is trimmed and
 * not empty, pw is the password as sent (a password longer than
 * PASSWORD_MAX_LEN is simply a failed login).  Writes the whole response.
 */
void	login_run(struct request *, struct response *, enum login_route,
	    const char *identifier, const char *pw, size_t pw_len);

/* 429 with Retry-After for a key locked for seconds more. */
void	login_respond_locked(struct request *, struct response *,
	    long seconds);

/*
 * A logged-in user's password, proved again (change password, delete
 * account): under the account's lockout like a login (a wrong one is
 * counted and answered 401, a locked account 429 before any hashing; a
 * success clears the counter).  True with the verified stored hash in
 * *stored (for a compare-and-set); false after answering (also 401 for
 * an ended session, 503 when no hash slot came in time).
 */
bool	login_reauthenticate(struct request *, struct response *,
	    const struct bearer *, const char *pw, size_t pw_len,
	    const char **stored);

/* The token object of login and refresh responses. */
void	login_write_tokens(struct json_writer *, const struct issued_tokens *);

#endif
