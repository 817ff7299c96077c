/*
 * digest.h - SHA-256 and HMAC-SHA256 with OpenSSL objects fetched once per
 * process.
 *
 * OpenSSL 3's one-shot SHA256() and HMAC() look the algorithm up in the
 * provider tables on every call: measured at about 10 % of a worker's CPU
 * on a cached catalog answer (one API key digest per request).  These keep
 * one fetched algorithm and one context per process and reuse them.  Not
 * thread-safe; every cexup-api process is single-threaded.  A failure
 * here is an allocation failure inside OpenSSL: the process aborts rather
 * than answer without the digest.
 */
#ifndef CEXUP_DIGEST_H
#define CEXUP_DIGEST_H

#include <stddef.h>

#define DIGEST_SHA256_LEN	32

/* out = SHA-256(data). */
void	digest_sha256(const void *data, size_t len,
	    unsigned char out[DIGEST_SHA256_LEN]);

/* out = HMAC-SHA256(key, data); keylen > 0. */
void	digest_hmac_sha256(const void *key, size_t keylen, const void *data,
	    size_t len, unsigned char out[DIGEST_SHA256_LEN]);

#endif
