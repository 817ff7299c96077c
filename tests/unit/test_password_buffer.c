/*
 * test_password_buffer.c - Argon2 through our reused work buffer: hashes
 * interoperate with libargon2's own encoder and verifier byte for byte,
 * verification follows the parameters stored in the hash, the buffer is
 * mapped once and reused, and the dummy hash is made on first need.
 * Small parameters: the algorithm is the same, the test fast.
 */
#include <stdio.h>
#include <string.h>

#include <argon2.h>

#include "auth/password.h"
#include "core/base64.h"
#include "tap.h"

#define PW	"correct horse"
#define PWLEN	13

static void
params_string(const struct password_params *p, char *out, size_t size)
{
	snprintf(out, size, "m=%u,t=%u,p=%u", p->memory_kib, p->iterations,
	    p->parallelism);
}

/* libargon2 hashes verify with ours, ours with libargon2, byte for byte. */
static void
interoperate(const struct password_params *p)
{
	char lib[PASSWORD_HASH_MAX], ours[PASSWORD_HASH_MAX],
	    again[PASSWORD_HASH_MAX], url[64], name[32];
	unsigned char salt[64];
	const char *s, *e;
	long saltlen;
	size_t i;

	params_string(p, name, sizeof(name));
	ok(argon2id_hash_encoded(p->iterations, p->memory_kib, p->parallelism,
	    PW, PWLEN, "saltsaltsaltsalt", 16, 32, lib, sizeof(lib)) ==
	    ARGON2_OK, "%s: libargon2 hashes", name);
	ok(password_verify(lib, PW, PWLEN), "%s: its hash verifies", name);
	ok(!password_verify(lib, "correct horsf", PWLEN),
	    "%s: wrong password against its hash", name);

	ok(password_hash(p, PW, PWLEN, ours) == 0, "%s: we hash", name);
	ok(argon2id_verify(ours, PW, PWLEN) == ARGON2_OK,
	    "%s: libargon2 verifies ours", name);
	ok(argon2id_verify(ours, "correct horsf", PWLEN) ==
	    ARGON2_VERIFY_MISMATCH, "%s: libargon2, wrong password", name);
	ok(!password_verify(ours, "correct horsf", PWLEN),
	    "%s: we refuse the wrong password", name);

	/* Same salt through libargon2's encoder: the same string. */
	s = strchr(strstr(ours, ",p="), '$') + 1;
	e = strchr(s, '$');
	for (i = 0; s + i < e && i < sizeof(url) - 1; i++)
		url[i] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
	url[i] = '\0';
	saltlen = base64url_decode(url, i, salt);
	ok(saltlen == 16 && argon2id_hash_encoded(p->iterations,
	    p->memory_kib, p->parallelism, PW, PWLEN, salt, (size_t)saltlen,
	    32, again, sizeof(again)) == ARGON2_OK && strcmp(again, ours) == 0,
	    "%s: byte-identical to libargon2's encoding: %s", name, ours);
}

/* Our verifier accepts exactly what libargon2's accepts. */
static void
same_verdict(const char *stored, const char *what)
{
	bool lib = argon2id_verify(stored, PW, PWLEN) == ARGON2_OK;

	ok(password_verify(stored, PW, PWLEN) == lib, "%s: %s like libargon2",
	    what, lib ? "accepted" : "refused");
}

static void
malformed(void)
{
	char good[PASSWORD_HASH_MAX], s[PASSWORD_HASH_MAX * 2];
	const char *salt, *tail;

	argon2id_hash_encoded(1, 64, 1, PW, PWLEN, "saltsaltsaltsalt", 16, 32,
	    good, sizeof(good));
	salt = strchr(strstr(good, ",p="), '$');	/* "$salt$hash" */
	tail = good + strlen("$argon2id$v=19");	/* "$m=...$salt$hash" */

	same_verdict(good, "the original");
	snprintf(s, sizeof(s), "$argon2id$v=19$m=064,t=01,p=1%s", salt);
	same_verdict(s, "leading zeros in m and t");
	snprintf(s, sizeof(s), "$argon2id%s", tail);
	same_verdict(s, "no version (0x10)");
	snprintf(s, sizeof(s), "$argon2id$v=16%s", tail);
	same_verdict(s, "version 16");
	snprintf(s, sizeof(s), "$argon2id$v=20%s", tail);
	same_verdict(s, "version 20");
	snprintf(s, sizeof(s), "%s$", good);
	same_verdict(s, "a trailing '$'");
	snprintf(s, sizeof(s), "%sA", good);
	same_verdict(s, "a trailing sextet");
	snprintf(s, sizeof(s), "%s=", good);
	same_verdict(s, "padding");
	snprintf(s, sizeof(s), "%.*s", (int)strlen(good) - 1, good);
	same_verdict(s, "one character short");
	snprintf(s, sizeof(s), "$argon2id$v=19$m=7,t=1,p=1%s", salt);
	same_verdict(s, "m below the minimum");
	snprintf(s, sizeof(s), "$argon2id$v=19$m=64,t=0,p=1%s", salt);
	same_verdict(s, "t=0");
	snprintf(s, sizeof(s), "$argon2id$v=19$m=64,t=1,p=0%s", salt);
	same_verdict(s, "p=0");
	snprintf(s, sizeof(s), "$argon2id$v=19$m=64,t=1,p=9%s", salt);
	same_verdict(s, "m < 8 p");
	snprintf(s, sizeof(s), "$argon2id$v=19$m=4294967296,t=1,p=1%s", salt);
	same_verdict(s, "m past 32 bits");
	snprintf(s, sizeof(s), "$argon2id$v=19$m=,t=1,p=1%s", salt);
	same_verdict(s, "empty m");
	snprintf(s, sizeof(s), "$argon2id$v=19$t=1,m=64,p=1%s", salt);
	same_verdict(s, "fields out of order");
	snprintf(s, sizeof(s), "$argon2id$v=19$m=64,t=1,p=1$$%s",
	    strrchr(good, '$') + 1);
	same_verdict(s, "empty salt");
	snprintf(s, sizeof(s), "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$%s",
	    strrchr(good, '$') + 1);
	same_verdict(s, "4-byte salt");
	snprintf(s, sizeof(s), "%.*sAAA", (int)(strrchr(good, '$') + 1 - good),
	    good);
	same_verdict(s, "2-byte digest");
	snprintf(s, sizeof(s), "%.*s-%s", (int)(salt + 1 - good), good,
	    salt + 2);
	same_verdict(s, "base64url character in the salt");
	snprintf(s, sizeof(s), "$argon2i$v=19$m=64,t=1,p=1%s", salt);
	ok(!password_verify(s, PW, PWLEN), "argon2id digest under $argon2i$");
}

static void
argon2i_still_verifies(void)
{
	char lib[PASSWORD_HASH_MAX];

	argon2i_hash_encoded(2, 64, 1, PW, PWLEN, "saltsaltsaltsalt", 16, 32,
	    lib, sizeof(lib));
	ok(password_verify(lib, PW, PWLEN), "libargon2 argon2i hash verifies");
	ok(!password_verify(lib, "correct horsf", PWLEN),
	    "argon2i, wrong password");
}

static void
buffer_reuse(void)
{
	struct password_params small = { 64, 1, 1 }, big = { 512, 1, 1 };
	struct password_buffer_stats s0, s1, s2;
	char hash[PASSWORD_HASH_MAX], big_hash[PASSWORD_HASH_MAX];

	password_release_buffer();
	password_buffer_stats(&s0);
	ok(s0.mapped_bytes == 0, "released: nothing mapped");
	password_hash(&small, PW, PWLEN, hash);
	password_buffer_stats(&s1);
	ok(s1.allocations == s0.allocations + 1 && s1.maps == s0.maps + 1 &&
	    s1.mapped_bytes >= 64 * 1024, "first hash maps the buffer "
	    "(%zu bytes)", s1.mapped_bytes);
	ok(password_verify(hash, PW, PWLEN), "second hash (a verification)");
	password_hash(&small, PW, PWLEN, hash);
	password_buffer_stats(&s2);
	ok(s2.allocations == s1.allocations + 2 && s2.maps == s1.maps,
	    "the next two reuse it: %lu allocations, %lu maps",
	    s2.allocations - s1.allocations, s2.maps - s1.maps);

	/* A stored hash with a larger m than the buffer: grown, not failed. */
	argon2id_hash_encoded(1, 512, 1, PW, PWLEN, "saltsaltsaltsalt", 16, 32,
	    big_hash, sizeof(big_hash));
	ok(password_verify(big_hash, PW, PWLEN), "m=512 verifies with a "
	    "64 KiB buffer");
	password_buffer_stats(&s1);
	ok(s1.maps == s2.maps + 1 && s1.mapped_bytes >= 512 * 1024,
	    "the buffer grew to %zu bytes", s1.mapped_bytes);
	ok(password_hash(&big, PW, PWLEN, big_hash) == 0 &&
	    password_verify(hash, PW, PWLEN), "m=512 and m=64 hashes after");
	password_buffer_stats(&s2);
	ok(s2.maps == s1.maps, "no new mapping for either");

	password_release_buffer();
	password_buffer_stats(&s1);
	ok(s1.mapped_bytes == 0, "released again");
	ok(password_verify(hash, PW, PWLEN), "a hash after release works");
	password_buffer_stats(&s2);
	ok(s2.maps == s1.maps + 1, "and maps a buffer again");
	password_release_buffer();
}

static void
lazy_dummy(void)
{
	struct password_params small = { 64, 1, 1 };
	struct password_guard g;
	char dummy[PASSWORD_HASH_MAX] = "", first[PASSWORD_HASH_MAX];
	struct password_buffer_stats s0, s1;

	memset(&g, 0, sizeof(g));
	g.params = &small;
	g.slots_id = -1;
	g.dummy_hash = dummy;
	password_buffer_stats(&s0);
	ok(s0.mapped_bytes == 0 && dummy[0] == '\0',
	    "no dummy hash and no buffer before the first unknown account");
	ok(password_check(&g, 1000, NULL, PW, PWLEN) == PASSWORD_MISMATCH,
	    "unknown account: mismatch");
	password_buffer_stats(&s1);
	ok(strncmp(dummy, "$argon2id$v=19$m=64,t=1,p=1$", 28) == 0 &&
	    s1.allocations == s0.allocations + 1,
	    "the dummy hash is made then, at the cost of one hash");
	memcpy(first, dummy, sizeof(first));
	ok(password_check(&g, 1000, NULL, PW, PWLEN) == PASSWORD_MISMATCH &&
	    strcmp(first, dummy) == 0, "later unknown accounts reuse it");
	password_buffer_stats(&s0);
	ok(s0.allocations == s1.allocations + 1,
	    "verifying against it costs one hash");
	ok(password_check(&g, 1000, NULL, "", 0) == PASSWORD_MISMATCH,
	    "no password matches it");
	/* Admission by wait: a spent budget refuses without hashing. */
	password_buffer_stats(&s0);
	ok(password_check(&g, 0, NULL, PW, PWLEN) == PASSWORD_BUSY,
	    "no wait left: busy");
	ok(password_hash_guarded(&g, -5, PW, PWLEN, first) == -1,
	    "no wait left: no new hash either");
	password_buffer_stats(&s1);
	ok(s1.allocations == s0.allocations, "and nothing was hashed");
}

int
main(void)
{
	static const struct password_params sets[] = {
		{ 64, 1, 1 }, { 128, 3, 1 }, { 256, 2, 4 }, { 19456, 2, 1 }
	};
	struct password_params bad_lanes = { 64, 1, 9 },
	    no_passes = { 64, 0, 1 }, edge = { 64, 1, 8 };
	size_t i;

	lazy_dummy();
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		interoperate(&sets[i]);
	malformed();
	argon2i_still_verifies();
	buffer_reuse();
	ok(password_params_valid(&edge), "m = 8 p is valid");
	ok(!password_params_valid(&bad_lanes), "m < 8 p is not");
	ok(!password_params_valid(&no_passes), "t = 0 is not");
	return done_testing();
}
