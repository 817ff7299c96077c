/*
 * base64.c - base64url (RFC 4648 §5, unpadded) and standard base64 (§4).
 *
 * Decoders are strict: one spelling per byte string (no padding in base64url,
 * unused trailing bits must be zero), so a token cannot be altered into a
 * different string that decodes to the same bytes.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "core/base64.h"

static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
base64url_encode(const unsigned char *in, size_t n, char *out)
{
	char	*o = out;
	size_t	 i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];

		*o++ = url_alphabet[v >> 18 & 63];
		*o++ = url_alphabet[v >> 12 & 63];
		*o++ = url_alphabet[v >> 6 & 63];
		*o++ = url_alphabet[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		*o++ = url_alphabet[v >> 18 & 63];
		*o++ = url_alphabet[v >> 12 & 63];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		*o++ = url_alphabet[v >> 18 & 63];
		*o++ = url_alphabet[v >> 12 & 63];
		*o++ = url_alphabet[v >> 6 & 63];
	}
	*o = '\0';
	return (size_t)(o - out);
}

static int
url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

static int
std_value(unsigned char c)
{
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	if (c == '-' || c == '_')
		return -1;
	return url_value(c);
}

/*
 * Decodes `count` sextets (2..4) into out; returns bytes written or -1 when
 * the bits past the last whole byte are not zero.
 */
static long
emit_group(const int *s, size_t count, unsigned char *out)
{
	uint32_t	 v = 0;
	size_t		 i;

	for (i = 0; i < 4; i++)
		v = v << 6 | (uint32_t)(i < count ? s[i] : 0);
	switch (count) {
	case 4:
		out[0] = (unsigned char)(v >> 16);
		out[1] = (unsigned char)(v >> 8);
		out[2] = (unsigned char)v;
		return 3;
	case 3:
		if ((v & 0xff) != 0)
			return -1;
		out[0] = (unsigned char)(v >> 16);
		out[1] = (unsigned char)(v >> 8);
		return 2;
	case 2:
		if ((v & 0xffff) != 0)
			return -1;
		out[0] = (unsigned char)(v >> 16);
		return 1;
	}
	return -1;
}

long
base64url_decode(const char *in, size_t n, unsigned char *out)
{
	const unsigned char	*u = (const unsigned char *)in;
	unsigned char		*o = out;
	int			 s[4];
	size_t			 i, k = 0;
	long			 w;

	if (n % 4 == 1 || n / 4 > LONG_MAX / 3 - 1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((s[k++] = url_value(u[i])) < 0)
			return -1;
		if (k == 4) {
			emit_group(s, 4, o);
			o += 3;
			k = 0;
		}
	}
	if (k > 0) {
		if ((w = emit_group(s, k, o)) < 0)
			return -1;
		o += w;
	}
	*o = '\0';
	return (long)(o - out);
}

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

long
base64_decode(const char *in, size_t n, unsigned char *out)
{
	const unsigned char	*u = (const unsigned char *)in;
	unsigned char		*o = out;
	int			 s[4];
	size_t			 i, k = 0, pad = 0;
	long			 w;

	if (n / 4 > LONG_MAX / 3 - 1)
		return -1;
	for (i = 0; i < n; i++) {
		if (is_space(u[i]))
			continue;
		if (u[i] == '=') {
			/* At most two, only in the last group's tail. */
			if (k < 2 || ++pad > 2 || k + pad > 4)
				return -1;
			if (k + pad == 4) {
				if ((w = emit_group(s, k, o)) < 0)
					return -1;
				o += w;
				k = 0;
				/* Only whitespace may follow. */
				for (i++; i < n; i++)
					if (!is_space(u[i]))
						return -1;
				break;
			}
			continue;
		}
		if (pad > 0)
			return -1;	/* data after '=' */
		if ((s[k++] = std_value(u[i])) < 0)
			return -1;
		if (k == 4) {
			emit_group(s, 4, o);
			o += 3;
			k = 0;
		}
	}
	if (k != 0)
		return -1;	/* not a multiple of four */
	*o = '\0';
	return (long)(o - out);
}
