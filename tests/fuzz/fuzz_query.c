/*
 * fuzz_query.c - query strings and base64.  The input is "name\nquery":
 * a parameter's value is valid UTF-8 without NUL, or absent, or flagged
 * invalid.  The input as base64url decodes only when it is the one
 * canonical spelling of its bytes (encoding them gives it back), and
 * standard base64 agrees with base64url on the same text.
 */
#include <string.h>

#include "core/arena.h"
#include "core/base64.h"
#include "core/validate.h"
#include "fuzz.h"
#include "http/request.h"

static void
check_query(struct arena *a, const char *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	struct request req;
	const char *value;
	char *name, *query;
	int invalid = 0;

	if (nl == NULL)
		return;
	name = arena_alloc(a, (size_t)(nl - data) + 1);
	memcpy(name, data, (size_t)(nl - data));
	name[nl - data] = '\0';
	query = arena_alloc(a, size - (size_t)(nl - data));
	memcpy(query, nl + 1, size - (size_t)(nl - data) - 1);
	query[size - (size_t)(nl - data) - 1] = '\0';

	memset(&req, 0, sizeof(req));
	req.arena = a;
	req.query = query;
	value = request_query_param(&req, name, &invalid);
	if (invalid)
		FUZZ_CHECK(value == NULL);
	if (value != NULL)
		FUZZ_CHECK(valid_utf8(value, strlen(value)) ||
		    *value == '\0');
}

static void
check_base64(struct arena *a, const char *data, size_t size)
{
	unsigned char *bytes = arena_alloc(a, size * 3 / 4 + 1);
	unsigned char *std_bytes = arena_alloc(a, size * 3 / 4 + 1);
	char *text, *url;
	long n, m;
	size_t i, k;

	n = base64url_decode(data, size, bytes);
	if (n >= 0) {
		text = arena_alloc(a, BASE64URL_ENCODED_SIZE((size_t)n));
		FUZZ_CHECK(base64url_encode(bytes, (size_t)n, text) == size);
		FUZZ_CHECK(memcmp(text, data, size) == 0);
	}

	/* The same text as standard base64: whitespace dropped, '+' and '/'
	 * for '-' and '_', padding removed, must decode to the same bytes. */
	m = base64_decode(data, size, std_bytes);
	if (m < 0)
		return;
	url = arena_alloc(a, size + 1);
	for (i = k = 0; i < size; i++) {
		char c = data[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\v' || c == '\f' || c == '=')
			continue;
		url[k++] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	n = base64url_decode(url, k, bytes);
	FUZZ_CHECK(n == m);
	FUZZ_CHECK(memcmp(bytes, std_bytes, (size_t)m) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_create(4096);

	check_query(a, (const char *)data, size);
	check_base64(a, (const char *)data, size);
	arena_destroy(a);
	return 0;
}
