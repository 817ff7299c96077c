/*
 * fuzz_token.c - access tokens.  Any bytes given as a token never verify
 * (that would be a forgery).  Claims made from the input sign and verify
 * back to the same claims, and changing any one byte of that token makes
 * it fail.
 */
#include <string.h>

#include "auth/token.h"
#include "core/arena.h"
#include "fuzz.h"

#define NOW	1900000000

static struct token_ring ring;

static void
ring_init(void)
{
	unsigned char old[TOKEN_SECRET_MIN], cur[TOKEN_SECRET_MIN];

	if (ring.count > 0)
		return;
	memset(old, 'o', sizeof(old));
	memset(cur, 'c', sizeof(cur));
	FUZZ_CHECK(token_ring_add(&ring, "old", old, sizeof(old)) == 0);
	FUZZ_CHECK(token_ring_add(&ring, "cur", cur, sizeof(cur)) == 0);
	strcpy(ring.issuer, "cexup-api");
	strcpy(ring.audience, "cexup-api");
	ring.ttl = 3600;
}

/* Copies up to size - 1 input bytes from *p into dst, mapped to allowed. */
static void
take(const uint8_t **p, const uint8_t *end, char *dst, size_t size,
    const char *allowed)
{
	size_t n = strlen(allowed), i = 0;

	while (*p < end && i + 1 < size && **p != 0)
		dst[i++] = allowed[*(*p)++ % n];
	if (*p < end)
		(*p)++;
	if (i == 0)
		dst[i++] = allowed[0];
	dst[i] = '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct arena *a = arena_create(4096);
	struct token_claims in, out;
	enum token_status st;
	char *tok;
	size_t len, pos;

	ring_init();
	st = token_verify(a, &ring, (const char *)data, size, NOW, &out);
	FUZZ_CHECK(st != TOKEN_OK);
	FUZZ_CHECK(token_status_text(st) != NULL);

	memset(&in, 0, sizeof(in));
	take(&p, end, in.sub, sizeof(in.sub), "0123456789");
	take(&p, end, in.role, sizeof(in.role),
	    "abcdefghijklmnopqrstuvwxyz_");
	take(&p, end, in.sid, sizeof(in.sid),
	    "0123456789abcdef-\"\\/ ");
	tok = token_sign(a, &ring, &in, NOW);
	FUZZ_CHECK(tok != NULL);
	len = strlen(tok);
	FUZZ_CHECK(len <= TOKEN_MAX_LEN);
	memset(&out, 0, sizeof(out));
	FUZZ_CHECK(token_verify(a, &ring, tok, len, NOW, &out) == TOKEN_OK);
	FUZZ_CHECK(strcmp(in.sub, out.sub) == 0);
	FUZZ_CHECK(strcmp(in.role, out.role) == 0);
	FUZZ_CHECK(strcmp(in.sid, out.sid) == 0);
	FUZZ_CHECK(in.exp == out.exp && in.iat == out.iat);
	FUZZ_CHECK(token_verify(a, &ring, tok, len, NOW + 3600, &out) ==
	    TOKEN_EXPIRED);

	/* One changed byte, chosen by the input. */
	if (size >= 2) {
		pos = ((size_t)data[0] << 8 | data[1]) % len;
		tok[pos] ^= (char)(data[size - 1] | 1);
		FUZZ_CHECK(token_verify(a, &ring, tok, len, NOW, &out) !=
		    TOKEN_OK);
	}
	arena_destroy(a);
	return 0;
}
