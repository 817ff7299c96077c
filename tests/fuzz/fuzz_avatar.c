/*
 * fuzz_avatar.c - the avatar upload's "file" field: an optional data: URL
 * prefix, standard base64, then the magic number.  The base64 text found
 * is always the tail of the input; a data: URL declares a known type or is
 * refused; a sniffed type matches the image's first bytes.
 */
#include <string.h>

#include "api/avatar.h"
#include "core/arena.h"
#include "core/base64.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_create(4096);
	const char *s = (const char *)data, *rest;
	unsigned char *bytes;
	enum image_type declared, sniffed;
	size_t rest_len = 0;
	long n;

	rest = avatar_strip_data_url(s, size, &rest_len, &declared);
	if (rest == NULL) {
		FUZZ_CHECK(size >= 5 && strncasecmp(s, "data:", 5) == 0);
	} else {
		FUZZ_CHECK(rest >= s && rest_len <= size &&
		    rest + rest_len == s + size);
		if (rest != s)
			FUZZ_CHECK(declared != IMAGE_UNKNOWN &&
			    image_mime_type(declared) != NULL);
		bytes = arena_alloc(a, rest_len * 3 / 4 + 1);
		n = base64_decode(rest, rest_len, bytes);
		if (n >= 0) {
			FUZZ_CHECK((size_t)n <= rest_len * 3 / 4);
			sniffed = image_sniff(bytes, (size_t)n);
			if (sniffed == IMAGE_PNG)
				FUZZ_CHECK(n >= 8 && bytes[0] == 0x89 &&
				    memcmp(bytes + 1, "PNG", 3) == 0);
			else if (sniffed == IMAGE_JPEG)
				FUZZ_CHECK(n >= 3 && bytes[0] == 0xff &&
				    bytes[1] == 0xd8);
			else if (sniffed == IMAGE_WEBP)
				FUZZ_CHECK(n >= 12 &&
				    memcmp(bytes + 8, "WEBP", 4) == 0);
		}
	}
	arena_destroy(a);
	return 0;
}
