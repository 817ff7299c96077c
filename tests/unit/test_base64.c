/*
 * test_base64.c - base64url and standard base64.
 */
#include <string.h>

#include "core/base64.h"
#include "tap.h"

/* RFC 4648 §10 test vectors. */
static const struct {
	const char	*plain;
	const char	*url;	/* unpadded */
	const char	*std;	/* padded */
} vectors[] = {
	{ "", "", "" },
	{ "f", "Zg", "Zg==" },
	{ "fo", "Zm8", "Zm8=" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};

#define NV	(sizeof(vectors) / sizeof(vectors[0]))

static long
url_dec(const char *s, unsigned char *out)
{
	return base64url_decode(s, strlen(s), out);
}

static long
std_dec(const char *s, unsigned char *out)
{
	return base64_decode(s, strlen(s), out);
}

static void
test_vectors(void)
{
	char		 enc[64];
	unsigned char	 dec[64];
	size_t		 i, n;
	long		 r;

	for (i = 0; i < NV; i++) {
		n = base64url_encode((const unsigned char *)vectors[i].plain,
		    strlen(vectors[i].plain), enc);
		is_str(enc, vectors[i].url, "encode vector");
		is_int(n, strlen(vectors[i].url), "encode length");
		ok(BASE64URL_ENCODED_SIZE(strlen(vectors[i].plain)) >= n + 1,
		    "ENCODED_SIZE is enough for \"%s\"", vectors[i].plain);
		r = url_dec(vectors[i].url, dec);
		ok(r == (long)strlen(vectors[i].plain) &&
		    memcmp(dec, vectors[i].plain, (size_t)r) == 0,
		    "base64url decodes \"%s\"", vectors[i].url);
		r = std_dec(vectors[i].std, dec);
		ok(r == (long)strlen(vectors[i].plain) &&
		    memcmp(dec, vectors[i].plain, (size_t)r) == 0,
		    "base64 decodes \"%s\"", vectors[i].std);
	}
}

static void
test_alphabets(void)
{
	unsigned char	 bin[] = { 0xfb, 0xff, 0xbf, 0x00, 0x10, 0x83 };
	unsigned char	 dec[16];
	char		 enc[16];
	long		 r;

	base64url_encode(bin, sizeof(bin), enc);
	is_str(enc, "-_-_ABCD", "url alphabet uses - and _");
	r = url_dec("-_-_ABCD", dec);
	ok(r == 6 && memcmp(dec, bin, 6) == 0, "url alphabet decodes");
	r = std_dec("+/+/ABCD", dec);
	ok(r == 6 && memcmp(dec, bin, 6) == 0, "std alphabet decodes");
	is_int(url_dec("+/+/ABCD", dec), -1, "url rejects + and /");
	is_int(std_dec("-_-_ABCD", dec), -1, "std rejects - and _");

	/* All 256 byte values round-trip. */
	{
		unsigned char	 all[256], back[256 + 2];	/* n * 3 / 4 + 1 */
		char		 e[BASE64URL_ENCODED_SIZE(256)];
		int		 k;

		for (k = 0; k < 256; k++)
			all[k] = (unsigned char)k;
		for (k = 0; k <= 256; k++) {
			size_t n = base64url_encode(all, (size_t)k, e);

			if (base64url_decode(e, n, back) != k ||
			    memcmp(all, back, (size_t)k) != 0)
				break;
		}
		is_int(k, 257, "round trip for lengths 0..256");
	}
}

static void
test_url_invalid(void)
{
	unsigned char	 dec[64];

	is_int(url_dec("Zg==", dec), -1, "url rejects padding");
	is_int(url_dec("Zm8=", dec), -1, "url rejects single pad");
	is_int(url_dec("Z", dec), -1, "url rejects length 1 mod 4");
	is_int(url_dec("Zm9vY", dec), -1, "url rejects length 5");
	is_int(url_dec("Zm 9v", dec), -1, "url rejects space");
	is_int(url_dec("Zm9v\n", dec), -1, "url rejects newline");
	is_int(url_dec("Zm.v", dec), -1, "url rejects '.'");
	is_int(url_dec("Zm9\xc3\xa9", dec), -1, "url rejects non-ASCII");
	is_int(base64url_decode("Zm\0v", 4, dec), -1, "url rejects NUL");
	/* "Zh" and "Zm9" with non-zero spare bits alias "Zg"/"Zm8". */
	is_int(url_dec("Zh", dec), -1, "url rejects non-zero trailing bits (2)");
	is_int(url_dec("Zm9", dec), -1,
	    "url rejects non-zero trailing bits (3)");
	is_int(url_dec("Zm-", dec), -1, "url rejects '-' with spare bits");
	is_int(url_dec("", dec), 0, "url empty is zero bytes");
}

static void
test_std_invalid(void)
{
	unsigned char	 dec[64];
	long		 r;

	r = std_dec(" Zm9v\r\nYmFy\t", dec);
	ok(r == 6 && memcmp(dec, "foobar", 6) == 0, "std ignores whitespace");
	r = std_dec("Zm8\n=", dec);
	ok(r == 2 && memcmp(dec, "fo", 2) == 0, "whitespace before padding");
	is_int(std_dec("Zg", dec), -1, "std requires padding");
	is_int(std_dec("Zm8", dec), -1, "std requires padding (3)");
	is_int(std_dec("Zg=", dec), -1, "std rejects short padding");
	is_int(std_dec("Zg===", dec), -1, "std rejects triple padding");
	is_int(std_dec("Z===", dec), -1, "std rejects pad after 1 char");
	is_int(std_dec("====", dec), -1, "std rejects all padding");
	is_int(std_dec("Zg==Zg==", dec), -1, "std rejects data after padding");
	is_int(std_dec("Zm=9", dec), -1, "std rejects pad in the middle");
	is_int(std_dec("Zh==", dec), -1, "std rejects non-zero spare bits");
	is_int(std_dec("Zm9=", dec), -1, "std rejects non-zero spare bits (3)");
	is_int(std_dec("Zm9v*", dec), -1, "std rejects '*'");
	is_int(std_dec("Zm9vY", dec), -1, "std rejects partial group");
	is_int(base64_decode("Zm\0v", 4, dec), -1, "std rejects NUL");
	is_int(std_dec("Zg== ", dec), 1, "trailing whitespace after pad ok");
	is_int(std_dec("", dec), 0, "std empty is zero bytes");
}

int
main(void)
{
	test_vectors();
	test_alphabets();
	test_url_invalid();
	test_std_invalid();
	return done_testing();
}
