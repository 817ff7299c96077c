/*
 * test_password.c - Argon2id hashing, bcrypt import, rehash decisions.
 * Uses small Argon2 parameters: the algorithm is the same, the test fast.
 */
#include <string.h>

#include "auth/password.h"
#include "tap.h"

/* "password" under bcrypt cost 4, as PHP (`$2y$`) and Python (`$2b$`)
 * would store it; computed with libxcrypt for this test. */
#define BCRYPT_2B "$2b$04$abcdefghijklmnopqrstuughE8Ev8uGFaUgY2cNEySvxngrb/Jzdm"

int
main(void)
{
	struct password_params small = { 64, 1, 1 }, other = { 128, 1, 1 };
	char hash[PASSWORD_HASH_MAX], hash2[PASSWORD_HASH_MAX],
	    dummy[PASSWORD_HASH_MAX], bcrypt_2y[sizeof(BCRYPT_2B)];

	ok(password_hash(&small, "correct horse", 13, hash) == 0, "hash ok");
	ok(strncmp(hash, "$argon2id$v=19$m=64,t=1,p=1$", 28) == 0,
	    "PHC string with our parameters: %s", hash);
	ok(password_verify(hash, "correct horse", 13), "right password");
	ok(!password_verify(hash, "correct horsE", 13), "wrong password");
	ok(!password_verify(hash, "correct horse", 12), "prefix of password");
	ok(!password_verify(hash, "", 0), "empty password");
	ok(password_hash(&small, "correct horse", 13, hash2) == 0 &&
	    strcmp(hash, hash2) != 0, "salts differ between two hashes");

	/* Embedded NUL: Argon2 hashes bytes, not C strings. */
	ok(password_hash(&small, "ab\0cd", 5, hash2) == 0, "hash with NUL");
	ok(password_verify(hash2, "ab\0cd", 5), "NUL password verifies");
	ok(!password_verify(hash2, "ab", 2), "NUL does not truncate");

	ok(!password_needs_rehash(&small, hash), "same params: no rehash");
	ok(password_needs_rehash(&other, hash), "other memory cost: rehash");
	ok(password_needs_rehash(&small, BCRYPT_2B), "bcrypt: rehash");

	ok(password_verify(BCRYPT_2B, "password", 8), "bcrypt $2b$ verifies");
	ok(!password_verify(BCRYPT_2B, "Password", 8), "bcrypt wrong password");
	memcpy(bcrypt_2y, BCRYPT_2B, sizeof(bcrypt_2y));
	bcrypt_2y[2] = 'y';
	ok(password_verify(bcrypt_2y, "password", 8), "Laravel $2y$ verifies");
	ok(!password_verify(bcrypt_2y, "pass\0word", 9),
	    "bcrypt refuses a NUL inside the password");

	ok(!password_verify("", "password", 8), "empty stored hash");
	ok(!password_verify("$1$abc$def", "password", 8), "md5-crypt refused");
	ok(!password_verify("$argon2id$v=19$m=64,t=1,p=1$garbage", "x", 1),
	    "corrupt argon2 string");
	ok(!password_verify(NULL, "password", 8), "NULL stored hash");

	ok(password_make_dummy(&small, dummy) == 0 &&
	    strncmp(dummy, "$argon2id$v=19$m=64,t=1,p=1$", 28) == 0,
	    "dummy hash has the configured parameters");
	ok(!password_verify(dummy, "password", 8), "dummy matches nothing");
	return done_testing();
}
