/*
 * test_token.c - JWT signing and verification.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/token.h"
#include "core/arena.h"
#include "core/base64.h"
#include "tap.h"

#define NOW	((time_t)1700000000)

static struct arena *A;
static unsigned char key_old[32], key_new[48];

static void
init_ring(struct token_ring *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->issuer, "cexup-api");
	strcpy(r->audience, "cexup");
	r->ttl = 900;
}

static void
sample_claims(struct token_claims *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->sub, "42");
	strcpy(c->role, "user");
	strcpy(c->sid, "0b6c6f2e-2f0c-4d3e-9a0e-2f6b0d7c1e11");
}

static enum token_status
verify(const struct token_ring *r, const char *tok, time_t now,
    struct token_claims *out)
{
	return token_verify(A, r, tok, strlen(tok), now, out);
}

static char *
b64(const char *s)
{
	char	*out = arena_alloc(A, BASE64URL_ENCODED_SIZE(strlen(s)));

	base64url_encode((const unsigned char *)s, strlen(s), out);
	return out;
}

/* Builds header.payload.signature with a correct HS256 MAC under key. */
static char *
forge(const char *header, const char *payload, const unsigned char *key,
    size_t keylen)
{
	unsigned char	 mac[32];
	unsigned int	 maclen = sizeof(mac);
	char		*signing, sig[64];

	signing = arena_printf(A, "%s.%s", b64(header), b64(payload));
	HMAC(EVP_sha256(), key, (int)keylen, (unsigned char *)signing,
	    strlen(signing), mac, &maclen);
	base64url_encode(mac, maclen, sig);
	return arena_printf(A, "%s.%s", signing, sig);
}

static const char *
claims_json(const char *iss, const char *aud, const char *sub, long long iat,
    long long exp)
{
	return arena_printf(A, "{\"iss\":%s,\"aud\":%s,\"sub\":%s,"
	    "\"role\":\"user\",\"sid\":\"s1\",\"iat\":%lld,\"exp\":%lld}",
	    iss, aud, sub, iat, exp);
}

#define HDR_OLD	"{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}"

static void
test_round_trip(void)
{
	struct token_ring	 r;
	struct token_claims	 c, out;
	char			*tok, *dot;
	unsigned char		 hdr[256];
	long			 n;

	init_ring(&r);
	ok(token_sign(A, &r, &c, NOW) == NULL, "empty ring cannot sign");
	ok(token_ring_add(&r, "k1", key_old, sizeof(key_old)) == 0, "add key");
	sample_claims(&c);
	tok = token_sign(A, &r, &c, NOW);
	ok(tok != NULL && strlen(tok) < TOKEN_MAX_LEN, "signed");
	is_int(c.iat, NOW, "iat written back");
	is_int(c.exp, NOW + 900, "exp written back");

	dot = strchr(tok, '.');
	n = base64url_decode(tok, (size_t)(dot - tok), hdr);
	ok(n > 0 && (size_t)n == strlen(HDR_OLD) &&
	    memcmp(hdr, HDR_OLD, (size_t)n) == 0, "header is exactly %s",
	    HDR_OLD);

	is_int(verify(&r, tok, NOW, &out), TOKEN_OK, "verifies");
	is_str(out.sub, "42", "sub");
	is_str(out.role, "user", "role");
	is_str(out.sid, c.sid, "sid");
	is_int(out.iat, NOW, "iat");
	is_int(out.exp, NOW + 900, "exp");
	is_int(verify(&r, tok, NOW + 899, &out), TOKEN_OK, "valid 1s before exp");
	is_int(verify(&r, tok, NOW + 900, &out), TOKEN_EXPIRED, "expired at exp");
	is_str(out.sub, "", "claims cleared on failure");
	is_int(verify(&r, tok, NOW + 100000, &out), TOKEN_EXPIRED,
	    "expired long after");
	is_int(verify(&r, tok, NOW - 30, &out), TOKEN_OK,
	    "iat 30s in the future tolerated");
	is_int(verify(&r, tok, NOW - 31, &out), TOKEN_BAD_CLAIMS,
	    "iat 31s in the future rejected");

	/* A role with a quote must come back intact (writer escapes it). */
	strcpy(c.role, "a\"b\\c");
	tok = token_sign(A, &r, &c, NOW);
	ok(verify(&r, tok, NOW, &out) == TOKEN_OK &&
	    strcmp(out.role, "a\"b\\c") == 0, "escaped claim round trip");
}

static void
test_tampering(void)
{
	struct token_ring	 r;
	struct token_claims	 c, out;
	char			*tok, *t2, *d1, *d2;
	const char		*p;
	unsigned char		 other[32];

	init_ring(&r);
	token_ring_add(&r, "k1", key_old, sizeof(key_old));
	sample_claims(&c);
	tok = token_sign(A, &r, &c, NOW);
	d1 = strchr(tok, '.');
	d2 = strchr(d1 + 1, '.');

	/* Payload with a different sub, original signature. */
	p = claims_json("\"cexup-api\"", "\"cexup\"", "\"1\"", NOW, NOW + 900);
	t2 = arena_printf(A, "%.*s.%s%s", (int)(d1 - tok), tok, b64(p), d2);
	is_int(verify(&r, t2, NOW, &out), TOKEN_BAD_SIGNATURE,
	    "tampered payload rejected");

	/* Flip one character of the signature (keeping it canonical). */
	t2 = arena_strdup(A, tok);
	t2[d2 - tok + 1] = t2[d2 - tok + 1] == 'A' ? 'B' : 'A';
	is_int(verify(&r, t2, NOW, &out), TOKEN_BAD_SIGNATURE,
	    "tampered signature rejected");

	/* Truncated and extended signatures. */
	/* 43 -> 40 characters: still canonical base64url, 30 bytes. */
	t2 = arena_strndup(A, tok, strlen(tok) - 3);
	is_int(verify(&r, t2, NOW, &out), TOKEN_BAD_SIGNATURE,
	    "short signature rejected");
	t2 = arena_printf(A, "%sAAAA", tok);
	is_int(verify(&r, t2, NOW, &out), TOKEN_BAD_SIGNATURE,
	    "long signature rejected");
	t2 = arena_strndup(A, tok, (size_t)(d2 - tok) + 1);
	is_int(verify(&r, t2, NOW, &out), TOKEN_BAD_SIGNATURE,
	    "empty signature rejected");

	/* Signed by a key the ring does not hold, under a known kid. */
	memset(other, 0x77, sizeof(other));
	p = claims_json("\"cexup-api\"", "\"cexup\"", "\"42\"", NOW, NOW + 900);
	is_int(verify(&r, forge(HDR_OLD, p, other, sizeof(other)), NOW, &out),
	    TOKEN_BAD_SIGNATURE, "wrong key rejected");
	is_int(verify(&r, forge(HDR_OLD, p, key_old, sizeof(key_old)), NOW,
	    &out), TOKEN_OK, "forge helper agrees with token_sign");

	/* alg games. */
	t2 = arena_printf(A, "%s.%s.", b64("{\"alg\":\"none\"}"), b64(p));
	is_int(verify(&r, t2, NOW, &out), TOKEN_BAD_ALG, "alg none rejected");
	t2 = arena_printf(A, "%s.%s.",
	    b64("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"k1\"}"), b64(p));
	is_int(verify(&r, t2, NOW, &out), TOKEN_BAD_ALG,
	    "alg none with kid rejected");
	is_int(verify(&r, forge("{\"alg\":\"HS512\",\"kid\":\"k1\"}", p,
	    key_old, sizeof(key_old)), NOW, &out), TOKEN_BAD_ALG,
	    "alg HS512 rejected");
	is_int(verify(&r, forge("{\"alg\":\"hs256\",\"kid\":\"k1\"}", p,
	    key_old, sizeof(key_old)), NOW, &out), TOKEN_BAD_ALG,
	    "alg compared exactly");
	is_int(verify(&r, forge("{\"alg\":\"HS256\\u0000\",\"kid\":\"k1\"}", p,
	    key_old, sizeof(key_old)), NOW, &out), TOKEN_BAD_ALG,
	    "alg with NUL rejected");
	is_int(verify(&r, forge("{\"alg\":[\"HS256\"],\"kid\":\"k1\"}", p,
	    key_old, sizeof(key_old)), NOW, &out), TOKEN_BAD_ALG,
	    "alg array rejected");
	is_int(verify(&r, forge("{\"kid\":\"k1\"}", p, key_old,
	    sizeof(key_old)), NOW, &out), TOKEN_BAD_ALG, "missing alg");
	is_int(verify(&r, forge("{\"alg\":\"HS256\",\"kid\":\"k1\"}", p,
	    key_old, sizeof(key_old)), NOW, &out), TOKEN_OK,
	    "typ may be absent");
	is_int(verify(&r, forge("{\"alg\":\"HS256\",\"typ\":\"JWS\","
	    "\"kid\":\"k1\"}", p, key_old, sizeof(key_old)), NOW, &out),
	    TOKEN_MALFORMED, "typ other than JWT rejected");
	is_int(verify(&r, forge("{\"alg\":\"HS256\",\"kid\":\"k1\","
	    "\"crit\":[\"exp\"]}", p, key_old, sizeof(key_old)), NOW, &out),
	    TOKEN_MALFORMED, "crit header rejected");
	is_int(verify(&r, forge("{\"alg\":\"HS256\",\"kid\":\"k9\"}", p,
	    key_old, sizeof(key_old)), NOW, &out), TOKEN_UNKNOWN_KID,
	    "unknown kid");
	is_int(verify(&r, forge("{\"alg\":\"HS256\"}", p, key_old,
	    sizeof(key_old)), NOW, &out), TOKEN_UNKNOWN_KID, "missing kid");
	is_int(verify(&r, forge("{\"alg\":\"HS256\",\"kid\":1}", p, key_old,
	    sizeof(key_old)), NOW, &out), TOKEN_UNKNOWN_KID, "numeric kid");
	is_int(verify(&r, forge("[\"HS256\"]", p, key_old, sizeof(key_old)),
	    NOW, &out), TOKEN_MALFORMED, "header not an object");
	is_int(verify(&r, forge("{\"alg\":\"HS256\",\"kid\":\"k1\"", p,
	    key_old, sizeof(key_old)), NOW, &out), TOKEN_MALFORMED,
	    "header not JSON");
}

static void
check_claims(const struct token_ring *r, const char *payload, int want,
    const char *name)
{
	struct token_claims	 out;

	is_int(verify(r, forge(HDR_OLD, payload, key_old, sizeof(key_old)),
	    NOW, &out), want, name);
}

static void
test_claims(void)
{
	struct token_ring	 r;
	const char		*base;

	init_ring(&r);
	token_ring_add(&r, "k1", key_old, sizeof(key_old));

	check_claims(&r, claims_json("\"other\"", "\"cexup\"", "\"42\"", NOW,
	    NOW + 60), TOKEN_BAD_CLAIMS, "wrong iss");
	check_claims(&r, claims_json("\"cexup-api \"", "\"cexup\"", "\"42\"",
	    NOW, NOW + 60), TOKEN_BAD_CLAIMS, "iss compared exactly");
	check_claims(&r, claims_json("null", "\"cexup\"", "\"42\"", NOW,
	    NOW + 60), TOKEN_BAD_CLAIMS, "null iss");
	check_claims(&r, claims_json("\"cexup-api\"", "\"other\"", "\"42\"",
	    NOW, NOW + 60), TOKEN_BAD_CLAIMS, "wrong aud");
	check_claims(&r, claims_json("\"cexup-api\"", "[\"x\",\"cexup\"]",
	    "\"42\"", NOW, NOW + 60), TOKEN_OK, "aud array containing ours");
	check_claims(&r, claims_json("\"cexup-api\"", "[\"x\",\"y\"]",
	    "\"42\"", NOW, NOW + 60), TOKEN_BAD_CLAIMS,
	    "aud array without ours");
	check_claims(&r, claims_json("\"cexup-api\"", "[]", "\"42\"", NOW,
	    NOW + 60), TOKEN_BAD_CLAIMS, "empty aud array");
	check_claims(&r, claims_json("\"cexup-api\"", "\"cexup\"", "42", NOW,
	    NOW + 60), TOKEN_BAD_CLAIMS, "numeric sub");
	check_claims(&r, claims_json("\"cexup-api\"", "\"cexup\"", "\"\"", NOW,
	    NOW + 60), TOKEN_BAD_CLAIMS, "empty sub");
	check_claims(&r, claims_json("\"cexup-api\"", "\"cexup\"", "\"4a\"",
	    NOW, NOW + 60), TOKEN_BAD_CLAIMS, "non-digit sub");
	check_claims(&r, claims_json("\"cexup-api\"", "\"cexup\"", "\"-4\"",
	    NOW, NOW + 60), TOKEN_BAD_CLAIMS, "negative sub");
	check_claims(&r, claims_json("\"cexup-api\"", "\"cexup\"",
	    "\"12345678901234567890123456789012\"", NOW, NOW + 60),
	    TOKEN_BAD_CLAIMS, "overlong sub");
	check_claims(&r, claims_json("\"cexup-api\"", "\"cexup\"", "\"42\"",
	    NOW - 120, NOW - 60), TOKEN_EXPIRED, "expired");
	check_claims(&r, claims_json("\"cexup-api\"", "\"cexup\"", "\"42\"",
	    NOW - 60, NOW), TOKEN_EXPIRED, "exp == now is expired");

	base = "{\"iss\":\"cexup-api\",\"aud\":\"cexup\",\"sub\":\"42\","
	    "\"role\":\"user\",\"sid\":\"s1\",\"iat\":1700000000";
	check_claims(&r, arena_printf(A, "%s}", base), TOKEN_BAD_CLAIMS,
	    "missing exp");
	check_claims(&r, arena_printf(A, "%s,\"exp\":1.7e9}", base),
	    TOKEN_BAD_CLAIMS, "float exp");
	check_claims(&r, arena_printf(A, "%s,\"exp\":\"1800000000\"}", base),
	    TOKEN_BAD_CLAIMS, "string exp");
	check_claims(&r, arena_printf(A, "%s,\"exp\":99999999999999999999}",
	    base), TOKEN_BAD_CLAIMS, "huge exp");
	check_claims(&r, "{\"iss\":\"cexup-api\",\"aud\":\"cexup\","
	    "\"sub\":\"42\",\"sid\":\"s1\",\"iat\":1700000000,"
	    "\"exp\":1800000000}", TOKEN_BAD_CLAIMS, "missing role");
	check_claims(&r, "{\"iss\":\"cexup-api\",\"aud\":\"cexup\","
	    "\"sub\":\"42\",\"role\":\"user\",\"iat\":1700000000,"
	    "\"exp\":1800000000}", TOKEN_BAD_CLAIMS, "missing sid");
	check_claims(&r, "{\"iss\":\"cexup-api\",\"aud\":\"cexup\","
	    "\"sub\":\"42\",\"role\":\"user\",\"sid\":\"s1\","
	    "\"exp\":1800000000}", TOKEN_BAD_CLAIMS, "missing iat");
	check_claims(&r, "{\"iss\":\"cexup-api\",\"aud\":\"cexup\","
	    "\"sub\":\"42\",\"role\":\"a-role-that-is-too-long\","
	    "\"sid\":\"s1\",\"iat\":1700000000,\"exp\":1800000000}",
	    TOKEN_BAD_CLAIMS, "role too long for claims struct");
	check_claims(&r, "[1,2]", TOKEN_MALFORMED, "claims not an object");
	check_claims(&r, "{\"iss\":", TOKEN_MALFORMED, "claims not JSON");
	check_claims(&r, "", TOKEN_MALFORMED, "empty claims");
}

static void
test_garbage(void)
{
	struct token_ring	 r;
	struct token_claims	 c, out;
	char			*tok, *big;
	static const char *const junk[] = {
		"", ".", "..", "...", "abc", "a.b", "a.b.c.d", "a..c",
		"eyJhbGciOiJIUzI1NiJ9", "!!!.???.###", "a b.c.d",
	};
	size_t			 i;

	init_ring(&r);
	token_ring_add(&r, "k1", key_old, sizeof(key_old));
	sample_claims(&c);
	tok = token_sign(A, &r, &c, NOW);

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		is_int(verify(&r, junk[i], NOW, &out), TOKEN_MALFORMED,
		    arena_printf(A, "garbage '%s'", junk[i]));
	is_int(token_verify(A, &r, NULL, 0, NOW, &out), TOKEN_MALFORMED,
	    "NULL token");
	is_int(verify(&r, arena_printf(A, "%s.", tok), NOW, &out),
	    TOKEN_MALFORMED, "4 parts (trailing dot)");
	is_int(verify(&r, arena_printf(A, "%s.AAAA", tok), NOW, &out),
	    TOKEN_MALFORMED, "4 parts");
	is_int(verify(&r, strchr(tok, '.') + 1, NOW, &out), TOKEN_MALFORMED,
	    "2 parts");
	is_int(verify(&r, arena_printf(A, " %s", tok), NOW, &out),
	    TOKEN_MALFORMED, "leading space");
	is_int(verify(&r, arena_printf(A, "%s=", tok), NOW, &out),
	    TOKEN_MALFORMED, "padding on signature");
	is_int(token_verify(A, &r, tok, strlen(tok) + 1, NOW, &out),
	    TOKEN_MALFORMED, "embedded NUL (length past terminator)");
	is_int(token_verify(A, &r, tok, strlen(tok) - 3, NOW, &out),
	    TOKEN_BAD_SIGNATURE, "length honoured, not strlen");

	/* Oversized: valid structure padded past the limit. */
	big = arena_alloc(A, TOKEN_MAX_LEN + 2);
	memset(big, 'A', TOKEN_MAX_LEN + 1);
	big[TOKEN_MAX_LEN + 1] = '\0';
	big[10] = big[20] = '.';
	is_int(verify(&r, big, NOW, &out), TOKEN_MALFORMED, "oversized token");
	{
		/* A genuinely signed token longer than the limit. */
		char		*sid = arena_alloc(A, 1700);
		const char	*p;

		memset(sid, 's', 1699);
		sid[1699] = '\0';
		p = claims_json("\"cexup-api\"", "\"cexup\"", "\"42\"", NOW,
		    NOW + 60);
		p = arena_printf(A, "{\"pad\":\"%s\",%s", sid, p + 1);
		tok = forge(HDR_OLD, p, key_old, sizeof(key_old));
		ok(strlen(tok) > TOKEN_MAX_LEN, "built a long signed token");
		is_int(verify(&r, tok, NOW, &out), TOKEN_MALFORMED,
		    "long signed token rejected unread");
	}
}

static void
test_rotation(void)
{
	struct token_ring	 r;
	struct token_claims	 c, out;
	char			*old_tok, *new_tok;
	unsigned char		 h[256];
	long			 n;

	init_ring(&r);
	token_ring_add(&r, "k1", key_old, sizeof(key_old));
	sample_claims(&c);
	old_tok = token_sign(A, &r, &c, NOW);

	ok(token_ring_add(&r, "k2", key_new, sizeof(key_new)) == 0,
	    "add newer key");
	is_int(verify(&r, old_tok, NOW + 10, &out), TOKEN_OK,
	    "token from old key verifies after rotation");
	new_tok = token_sign(A, &r, &c, NOW + 10);
	n = base64url_decode(new_tok, (size_t)(strchr(new_tok, '.') - new_tok),
	    h);
	ok(n > 0 && strstr((char *)h, "\"kid\":\"k2\"") != NULL,
	    "new tokens carry the new kid");
	is_int(verify(&r, new_tok, NOW + 10, &out), TOKEN_OK,
	    "new token verifies");

	/* A ring that dropped the old key refuses its tokens. */
	{
		struct token_ring r2;

		init_ring(&r2);
		token_ring_add(&r2, "k2", key_new, sizeof(key_new));
		is_int(verify(&r2, old_tok, NOW + 10, &out), TOKEN_UNKNOWN_KID,
		    "retired key's tokens rejected");
		is_int(verify(&r2, new_tok, NOW + 10, &out), TOKEN_OK,
		    "current key's tokens accepted");
	}
	/* Old kid header with the new key's MAC: must not cross keys. */
	{
		const char *p = claims_json("\"cexup-api\"", "\"cexup\"",
		    "\"42\"", NOW, NOW + 60);

		is_int(verify(&r, forge(HDR_OLD, p, key_new, sizeof(key_new)),
		    NOW, &out), TOKEN_BAD_SIGNATURE,
		    "kid selects exactly one key");
	}

	ok(token_ring_add(&r, "k2", key_new, sizeof(key_new)) == -1,
	    "duplicate kid refused");
	ok(token_ring_add(&r, "k3", key_new, 31) == -1, "31-byte secret refused");
	ok(token_ring_add(&r, "k3", key_new, TOKEN_SECRET_MAX + 1) == -1,
	    "oversized secret refused");
	ok(token_ring_add(&r, "", key_new, 32) == -1, "empty kid refused");
	ok(token_ring_add(&r, "k\"3", key_new, 32) == -1, "kid with quote");
	ok(token_ring_add(&r, "k 3", key_new, 32) == -1, "kid with space");
	{
		char	 kid[TOKEN_KID_MAX + 2];
		int	 i, full = 0;

		memset(kid, 'k', sizeof(kid) - 1);
		kid[sizeof(kid) - 1] = '\0';
		ok(token_ring_add(&r, kid, key_new, 32) == -1, "65-char kid");
		kid[TOKEN_KID_MAX] = '\0';
		ok(token_ring_add(&r, kid, key_new, 32) == 0, "64-char kid");
		for (i = 0; i < TOKEN_MAX_KEYS; i++) {
			snprintf(kid, sizeof(kid), "x%d", i);
			if (token_ring_add(&r, kid, key_new, 32) == -1)
				full = 1;
		}
		ok(full && r.count == TOKEN_MAX_KEYS, "ring capacity enforced");
	}
	token_ring_wipe(&r);
	is_int(r.count, 0, "wipe empties the ring");
	ok(r.keys[0].secret[0] == 0 && r.keys[0].secret_len == 0,
	    "wipe clears secrets");
}

static const char *
write_temp(const char *text)
{
	static char	 path[64];
	int		 fd;

	strcpy(path, "/tmp/test_token.XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return NULL;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return NULL;
	}
	close(fd);
	return path;
}

static void
test_load_file(void)
{
	struct token_ring	 r;
	struct token_claims	 c, out;
	const char		*path, *err;
	char			 e1[BASE64URL_ENCODED_SIZE(48)];
	char			 e2[BASE64URL_ENCODED_SIZE(32)];
	char			*text, *tok;

	base64url_encode(key_old, sizeof(key_old), e2);
	base64url_encode(key_new, sizeof(key_new), e1);

	init_ring(&r);
	text = arena_printf(A, "# keys\n\n  k1 %s\r\n\t# retired soon\n"
	    "k2\t%s  \n", e2, e1);
	path = write_temp(text);
	err = NULL;
	ok(path != NULL && token_ring_load_file(&r, path, &err) == 0,
	    "good key file loads");
	if (err != NULL)
		printf("# %s\n", err);
	is_int(r.count, 2, "two keys");
	is_str(r.keys[1].kid, "k2", "last key signs");
	ok(r.keys[1].secret_len == 48 &&
	    memcmp(r.keys[1].secret, key_new, 48) == 0, "secret decoded");
	sample_claims(&c);
	tok = token_sign(A, &r, &c, NOW);
	is_int(verify(&r, tok, NOW, &out), TOKEN_OK, "file keys sign/verify");
	unlink(path);

	{
		static const struct {
			const char	*text;
			const char	*name;
		} bad[] = {
			{ "", "empty file" },
			{ "# only a comment\n\n", "comments only" },
			{ "k1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
			  "31-byte secret" },
			{ "k1\n", "kid without secret" },
			{ "k1 %s extra\n", "trailing field" },
			{ "k1 %s=\n", "padded secret" },
			{ "k1 %s\nk1 %s\n", "duplicate kid" },
			{ "k\"1 %s\n", "bad kid" },
			{ "k1 !!!!\n", "secret not base64url" },
		};
		size_t	 i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			init_ring(&r);
			token_ring_add(&r, "keep", key_new, sizeof(key_new));
			text = arena_printf(A, bad[i].text, e1, e1);
			path = write_temp(text);
			err = NULL;
			ok(path != NULL &&
			    token_ring_load_file(&r, path, &err) == -1 &&
			    err != NULL, "key file: %s rejected", bad[i].name);
			ok(r.count == 1 && strcmp(r.keys[0].kid, "keep") == 0,
			    "ring unchanged after %s", bad[i].name);
			unlink(path);
		}
	}
	err = NULL;
	ok(token_ring_load_file(&r, "/nonexistent/keys", &err) == -1 &&
	    err != NULL, "missing file rejected");
}

static void
test_status_text(void)
{
	int	 s, good = 1;

	for (s = TOKEN_OK; s <= TOKEN_EXPIRED; s++)
		if (token_status_text((enum token_status)s) == NULL)
			good = 0;
	ok(good, "every status has a text");
}

int
main(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(key_old); i++)
		key_old[i] = (unsigned char)(i * 7 + 1);
	for (i = 0; i < sizeof(key_new); i++)
		key_new[i] = (unsigned char)(255 - i * 3);
	A = arena_create(0);
	test_round_trip();
	test_tampering();
	test_claims();
	test_garbage();
	test_rotation();
	test_load_file();
	test_status_text();
	arena_destroy(A);
	return done_testing();
}
