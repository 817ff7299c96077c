/*
 * digest.c - SHA-256 and HMAC-SHA256 over objects fetched once per process.
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/digest.h"

static EVP_MD		*sha256_md;
static EVP_MD_CTX	*sha256_ctx;
static EVP_MAC_CTX	*hmac_ctx;

static void
digest_fail(const char *what)
{
	fprintf(stderr, "cexup-api: %s failed\n", what);
	abort();
}

void
digest_sha256(const void *data, size_t len,
    unsigned char out[DIGEST_SHA256_LEN])
{
	unsigned int n = 0;

	if (sha256_md == NULL &&
	    (sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		digest_fail("fetching SHA-256");
	if (sha256_ctx == NULL && (sha256_ctx = EVP_MD_CTX_new()) == NULL)
		digest_fail("allocating a SHA-256 context");
	if (EVP_DigestInit_ex2(sha256_ctx, sha256_md, NULL) != 1 ||
	    EVP_DigestUpdate(sha256_ctx, data, len) != 1 ||
	    EVP_DigestFinal_ex(sha256_ctx, out, &n) != 1 ||
	    n != DIGEST_SHA256_LEN)
		digest_fail("SHA-256");
}

/* The HMAC context learns its digest once; each call then sets only the key. */
static EVP_MAC_CTX *
hmac_context(void)
{
	OSSL_PARAM	 params[2];
	EVP_MAC		*mac;

	if (hmac_ctx != NULL)
		return hmac_ctx;
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		digest_fail("fetching HMAC");
	hmac_ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);	/* the context keeps its own reference */
	if (hmac_ctx == NULL)
		digest_fail("allocating an HMAC context");
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_CTX_set_params(hmac_ctx, params) != 1)
		digest_fail("choosing HMAC's digest");
	return hmac_ctx;
}

void
digest_hmac_sha256(const void *key, size_t keylen, const void *data,
    size_t len, unsigned char out[DIGEST_SHA256_LEN])
{
	EVP_MAC_CTX	*ctx = hmac_context();
	size_t		 n = 0;

	if (EVP_MAC_init(ctx, key, keylen, NULL) != 1 ||
	    EVP_MAC_update(ctx, data, len) != 1 ||
	    EVP_MAC_final(ctx, out, &n, DIGEST_SHA256_LEN) != 1 ||
	    n != DIGEST_SHA256_LEN)
		digest_fail("HMAC-SHA256");
}
