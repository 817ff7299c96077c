/*
 * token.h - HS256 JSON Web Tokens with a key ring (docs/API.md §4).
 *
 * Header {"alg":"HS256","typ":"JWT","kid":...}; claims iss, aud, sub, role,
 * sid, iat, exp.  The newest key of the ring signs; every key verifies, chosen
 * by kid, so a signing key can be rotated without logging anyone out.
 * Verification accepts nothing but HS256, compares the MAC in constant time,
 * and rejects unknown kid, wrong iss/aud, expired and oversized tokens.
 */
#ifndef CEXUP_TOKEN_H
#define CEXUP_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct arena;

#define TOKEN_MAX_LEN		2048	/* longer tokens are rejected unread */
#define TOKEN_KID_MAX		64
#define TOKEN_SECRET_MIN	32	/* bytes: RFC 8725 wants >= 256 bits */
#define TOKEN_SECRET_MAX	128
#define TOKEN_MAX_KEYS		16

struct token_key {
	char		kid[TOKEN_KID_MAX + 1];
	unsigned char	secret[TOKEN_SECRET_MAX];
	size_t		secret_len;
};

struct token_ring {
	struct token_key	keys[TOKEN_MAX_KEYS];
	size_t			count;	/* keys[count - 1] signs */
	char			issuer[128];
	char			audience[128];
	long			ttl;	/* seconds, access token lifetime */
};

struct token_claims {
	char	sub[32];	/* user id, decimal */
	char	role[16];
	char	sid[64];	/* session id (uuid text) */
	int64_t	iat;
	int64_t	exp;
};

/*
 * Loads "kid secret" lines (secret as base64url, at least 32 bytes decoded;
 * '#' comments and blank lines skipped) from a file; the last key signs.
 * Returns 0, or -1 with a reason in *errstr.  The file's text is wiped.
 */
int	token_ring_load_file(struct token_ring *, const char *path,
	    const char **errstr);
/* Adds one key; returns 0 or -1 (ring full, bad kid, bad secret length). */
int	token_ring_add(struct token_ring *, const char *kid,
	    const unsigned char *secret, size_t len);
/* Wipes the secrets (OPENSSL_cleanse). */
void	token_ring_wipe(struct token_ring *);

/*
 * Signs claims (iat/exp taken from now and ring->ttl, written back into
 * *claims).  Returns a NUL-terminated token in the arena.
 */
char	*token_sign(struct arena *, const struct token_ring *,
	    struct token_claims *claims, time_t now);

enum token_status {
	TOKEN_OK = 0,
	TOKEN_MALFORMED,	/* not three base64url parts, bad JSON, too long */
	TOKEN_BAD_ALG,		/* alg other than HS256 (including "none") */
	TOKEN_UNKNOWN_KID,
	TOKEN_BAD_SIGNATURE,
	TOKEN_BAD_CLAIMS,	/* wrong iss/aud, missing sub/sid/role/exp */
	TOKEN_EXPIRED
};

enum token_status	token_verify(struct arena *, const struct token_ring *,
			    const char *token, size_t len, time_t now,
			    struct token_claims *out);
const char		*token_status_text(enum token_status);

#endif
