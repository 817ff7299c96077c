/*
 * test_session.c - refresh tokens as made and recognised before any
 * statement runs.
 */
#include <openssl/sha.h>

#include <stdio.h>
#include <string.h>

#include "auth/session.h"
#include "core/arena.h"
#include "tap.h"

static void
test_new_token(void)
{
	struct arena *a = arena_create(4096);
	char hash[SESSION_HASH_TEXT_SIZE], hash2[SESSION_HASH_TEXT_SIZE];
	char want[SESSION_HASH_TEXT_SIZE];
	unsigned char digest[SHA256_DIGEST_LENGTH];
	const char *t1, *t2;
	size_t i;

	t1 = session_new_refresh_token(a, hash);
	t2 = session_new_refresh_token(a, hash2);
	ok(t1 != NULL && t2 != NULL, "tokens made");
	is_int(strlen(t1), 43, "43 characters (256 bits, base64url)");
	ok(session_token_plausible(t1), "a token we made is plausible");
	ok(strcmp(t1, t2) != 0 && strcmp(hash, hash2) != 0,
	    "two tokens differ, and so do their hashes");

	/* Only the SHA-256 is stored, as bytea text. */
	SHA256((const unsigned char *)t1, strlen(t1), digest);
	strcpy(want, "\\x");
	for (i = 0; i < sizeof(digest); i++)
		snprintf(want + 2 + 2 * i, 3, "%02x", digest[i]);
	is_str(hash, want, "hash_text is \\x and the token's SHA-256 in hex");
	arena_destroy(a);
}

static void
test_plausible(void)
{
	char s[64];

	memset(s, 'A', 43);
	s[43] = '\0';
	ok(session_token_plausible(s), "43 base64url characters");
	s[10] = '-';
	s[11] = '_';
	ok(session_token_plausible(s), "- and _ belong to base64url");
	s[12] = '+';
	ok(!session_token_plausible(s), "+ does not");
	s[12] = 'A';
	s[42] = '\0';
	ok(!session_token_plausible(s), "42 characters: too short");
	s[42] = 'A';
	s[43] = 'A';
	s[44] = '\0';
	ok(!session_token_plausible(s), "44 characters: too long");
	ok(!session_token_plausible(""), "empty");
}

int
main(void)
{
	test_new_token();
	test_plausible();
	return done_testing();
}
