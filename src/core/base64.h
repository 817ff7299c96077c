/*
 * base64.h - base64url without padding (JWT, refresh tokens, API keys) and
 * standard base64 (avatar uploads).
 */
#ifndef CEXUP_BASE64_H
#define CEXUP_BASE64_H

#include <stddef.h>

/* Output size including the NUL for base64url of n bytes, no padding. */
#define BASE64URL_ENCODED_SIZE(n)	((((n) + 2) / 3) * 4 + 1)

/* Writes NUL-terminated base64url (no '=') to out; returns its length. */
size_t	base64url_encode(const unsigned char *in, size_t n, char *out);

/*
 * Decodes base64url without padding (padding rejected, as are characters
 * outside the alphabet and non-canonical trailing bits).  out must hold
 * at least n * 3 / 4 + 1 bytes.  Returns the decoded length or -1.
 */
long	base64url_decode(const char *in, size_t n, unsigned char *out);

/*
 * Decodes standard base64 ('+', '/', '=' padding required to a multiple of
 * four; ASCII whitespace ignored).  Same output rules as above.
 */
long	base64_decode(const char *in, size_t n, unsigned char *out);

#endif
