/*
 * password.c - Argon2id (reference libargon2) and imported bcrypt hashes.
 */
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <crypt.h>
#include <stdio.h>
#include <string.h>

#include <argon2.h>

#include "auth/hash_slots.h"
#include "auth/password.h"
#include "core/metrics.h"

#define SALT_LEN	16
#define HASH_LEN	32

int
password_hash(const struct password_params *p, const char *pw, size_t len,
    char out[PASSWORD_HASH_MAX])
{
	unsigned char salt[SALT_LEN];
	size_t need;

	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return -1;
	need = argon2_encodedlen(p->iterations, p->memory_kib, p->parallelism,
	    SALT_LEN, HASH_LEN, Argon2_id);
	if (need > PASSWORD_HASH_MAX)
		return -1;
	if (argon2id_hash_encoded(p->iterations, p->memory_kib,
	    p->parallelism, pw, len, salt, sizeof(salt), HASH_LEN, out,
	    PASSWORD_HASH_MAX) != ARGON2_OK)
		return -1;
	return 0;
}

/*
 * bcrypt through libxcrypt.  PHP writes "$2y$", which is the same algorithm
 * as "$2b$"; libxcrypt accepts both.  crypt_rn() compares nothing itself, so
 * the comparison below is constant-time.
 */
static bool
bcrypt_verify(const char *stored, const char *pw, size_t len)
{
	struct crypt_data data;
	char pwbuf[PASSWORD_MAX_LEN + 1];
	const char *out;
	size_t slen = strlen(stored);
	bool match;

	/* bcrypt reads a C string; a NUL inside would truncate it. */
	if (len > PASSWORD_MAX_LEN || memchr(pw, '\0', len) != NULL)
		return false;
	memcpy(pwbuf, pw, len);
	pwbuf[len] = '\0';
	memset(&data, 0, sizeof(data));
	out = crypt_rn(pwbuf, stored, &data, sizeof(data));
	match = out != NULL && out[0] != '*' && strlen(out) == slen &&
	    CRYPTO_memcmp(out, stored, slen) == 0;
	OPENSSL_cleanse(pwbuf, sizeof(pwbuf));
	OPENSSL_cleanse(&data, sizeof(data));
	return match;
}

bool
password_verify(const char *stored, const char *pw, size_t len)
{
	if (stored == NULL)
		return false;
	if (strncmp(stored, "$argon2id$", 10) == 0)
		return argon2id_verify(stored, pw, len) == ARGON2_OK;
	if (strncmp(stored, "$argon2i$", 9) == 0)
		return argon2i_verify(stored, pw, len) == ARGON2_OK;
	if (strncmp(stored, "$2y$", 4) == 0 || strncmp(stored, "$2b$", 4) == 0 ||
	    strncmp(stored, "$2a$", 4) == 0)
		return bcrypt_verify(stored, pw, len);
	return false;
}

bool
password_needs_rehash(const struct password_params *p, const char *stored)
{
	char prefix[96];

	snprintf(prefix, sizeof(prefix), "$argon2id$v=19$m=%u,t=%u,p=%u$",
	    p->memory_kib, p->iterations, p->parallelism);
	return strncmp(stored, prefix, strlen(prefix)) != 0;
}

int
password_make_dummy(const struct password_params *p,
    char out[PASSWORD_HASH_MAX])
{
	unsigned char random_pw[32];
	int rc;

	if (RAND_bytes(random_pw, sizeof(random_pw)) != 1)
		return -1;
	rc = password_hash(p, (const char *)random_pw, sizeof(random_pw), out);
	OPENSSL_cleanse(random_pw, sizeof(random_pw));
	return rc;
}

enum password_check
password_check(const struct password_guard *g, int wait_ms,
    const char *stored, const char *pw, size_t len)
{
	bool match;

	if (wait_ms <= 0 || hash_slot_acquire(g->slots_id, wait_ms) == -1) {
		metrics_add(g->busy_counter, 1);
		return PASSWORD_BUSY;
	}
	if (stored == NULL) {
		(void)password_verify(g->dummy_hash, pw, len);
		match = false;
	} else
		match = password_verify(stored, pw, len);
	hash_slot_release(g->slots_id);
	return match ? PASSWORD_MATCH : PASSWORD_MISMATCH;
}

int
password_hash_guarded(const struct password_guard *g, int wait_ms,
    const char *pw, size_t len, char out[PASSWORD_HASH_MAX])
{
	int rc;

	if (wait_ms <= 0 || hash_slot_acquire(g->slots_id, wait_ms) == -1) {
		metrics_add(g->busy_counter, 1);
		return -1;
	}
	rc = password_hash(g->params, pw, len, out);
	hash_slot_release(g->slots_id);
	return rc;
}
