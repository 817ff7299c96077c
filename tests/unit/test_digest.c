/*
 * test_digest.c - SHA-256 (FIPS 180-2 examples) and HMAC-SHA256 (RFC 4231)
 * through the reused contexts: each vector twice and interleaved, so a
 * context that kept state or a key between calls fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/digest.h"
#include "tap.h"

static void
hex(const unsigned char *d, char out[2 * DIGEST_SHA256_LEN + 1])
{
	size_t i;

	for (i = 0; i < DIGEST_SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static const struct {
	const char	*msg;
	const char	*want;
} sha_vectors[] = {
	{ "abc", "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad" },
	{ "", "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1" },
};

static void
test_sha256(void)
{
	unsigned char	 d[DIGEST_SHA256_LEN];
	char		 h[2 * DIGEST_SHA256_LEN + 1], *million;
	size_t		 i, round;

	for (round = 0; round < 2; round++)
		for (i = 0; i < sizeof(sha_vectors) / sizeof(sha_vectors[0]);
		    i++) {
			digest_sha256(sha_vectors[i].msg,
			    strlen(sha_vectors[i].msg), d);
			hex(d, h);
			ok(strcmp(h, sha_vectors[i].want) == 0,
			    "SHA-256 vector %zu, call %zu", i + 1, round + 1);
		}
	million = malloc(1000000);
	memset(million, 'a', 1000000);
	digest_sha256(million, 1000000, d);
	hex(d, h);
	ok(strcmp(h, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0") == 0,
	    "SHA-256 of a million 'a'");
	free(million);
}

static const struct {
	unsigned char	 key_byte;	/* key = key_len copies, or key_text */
	size_t		 key_len;
	const char	*key_text;
	const char	*msg;
	const char	*want;
} hmac_vectors[] = {
	{ 0x0b, 20, NULL, "Hi There",
	    "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7" },
	{ 0, 0, "Jefe", "what do ya want for nothing?",
	    "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843" },
	{ 0xaa, 131, NULL,
	    "Test Using Larger Than Block-Size Key - Hash Key First",
	    "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54" },
};

static void
test_hmac(void)
{
	unsigned char	 key[256], d[DIGEST_SHA256_LEN], ref[DIGEST_SHA256_LEN];
	char		 h[2 * DIGEST_SHA256_LEN + 1], msg[300];
	size_t		 i, keylen, round, n;
	unsigned int	 reflen;

	/* Twice through all three keys: each call must use its own key. */
	for (round = 0; round < 2; round++)
		for (i = 0; i < sizeof(hmac_vectors) / sizeof(hmac_vectors[0]);
		    i++) {
			if (hmac_vectors[i].key_text != NULL) {
				keylen = strlen(hmac_vectors[i].key_text);
				memcpy(key, hmac_vectors[i].key_text, keylen);
			} else {
				keylen = hmac_vectors[i].key_len;
				memset(key, hmac_vectors[i].key_byte, keylen);
			}
			digest_hmac_sha256(key, keylen, hmac_vectors[i].msg,
			    strlen(hmac_vectors[i].msg), d);
			hex(d, h);
			ok(strcmp(h, hmac_vectors[i].want) == 0,
			    "RFC 4231 vector %zu, call %zu", i + 1, round + 1);
		}

	/* Against OpenSSL's one-shot HMAC() over other lengths. */
	for (n = 0; n < sizeof(msg); n += 37) {
		for (i = 0; i < n; i++)
			msg[i] = (char)(i * 7 + n);
		for (i = 0; i < 32 + n % 64; i++)
			key[i] = (unsigned char)(i + n);
		digest_hmac_sha256(key, 32 + n % 64, msg, n, d);
		reflen = sizeof(ref);
		HMAC(EVP_sha256(), key, (int)(32 + n % 64),
		    (unsigned char *)msg, n, ref, &reflen);
		ok(reflen == sizeof(ref) && memcmp(d, ref, sizeof(d)) == 0,
		    "HMAC-SHA256 of %zu bytes equals OpenSSL's HMAC()", n);
	}
}

int
main(void)
{
	test_sha256();
	test_hmac();
	return done_testing();
}
