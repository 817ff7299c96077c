/*
 * fuzz_json.c - the JSON parser on any bytes, and a round trip: whatever it
 * accepts, the writer writes back as JSON that parses to the same tree
 * (numbers are written as strings of their text: the writer has no
 * number-text call, and the parser keeps the text as written).
 */
#include <string.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/validate.h"
#include "fuzz.h"

static void
write_value(struct json_writer *w, const struct json_value *v)
{
	size_t i;

	switch (v->type) {
	case JSON_NULL:
		json_w_null(w);
		break;
	case JSON_BOOL:
		json_w_bool(w, v->u.boolean);
		break;
	case JSON_NUMBER:
		json_w_string_len(w, v->u.number.text, v->u.number.len);
		break;
	case JSON_STRING:
		json_w_string_len(w, v->u.string.ptr, v->u.string.len);
		break;
	case JSON_ARRAY:
		json_w_array_open(w);
		for (i = 0; i < v->u.array.count; i++)
			write_value(w, v->u.array.items[i]);
		json_w_array_close(w);
		break;
	case JSON_OBJECT:
		json_w_object_open(w);
		for (i = 0; i < v->u.object.count; i++) {
			json_w_key(w, v->u.object.members[i].key);
			write_value(w, v->u.object.members[i].value);
		}
		json_w_object_close(w);
		break;
	}
}

static int
same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* b is a's round trip: equal, except that numbers came back as strings. */
static int
same_tree(const struct json_value *a, const struct json_value *b)
{
	size_t i;

	if (a->type == JSON_NUMBER)
		return b->type == JSON_STRING && same_bytes(a->u.number.text,
		    a->u.number.len, b->u.string.ptr, b->u.string.len);
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case JSON_BOOL:
		return a->u.boolean == b->u.boolean;
	case JSON_STRING:
		/* The writer replaces invalid UTF-8 with U+FFFD. */
		if (a->u.string.bad_utf8)
			return !b->u.string.bad_utf8 &&
			    a->u.string.has_nul == b->u.string.has_nul;
		return a->u.string.has_nul == b->u.string.has_nul &&
		    same_bytes(a->u.string.ptr, a->u.string.len,
		    b->u.string.ptr, b->u.string.len);
	case JSON_ARRAY:
		if (a->u.array.count != b->u.array.count)
			return 0;
		for (i = 0; i < a->u.array.count; i++)
			if (!same_tree(a->u.array.items[i], b->u.array.items[i]))
				return 0;
		return 1;
	case JSON_OBJECT:
		if (a->u.object.count != b->u.object.count)
			return 0;
		for (i = 0; i < a->u.object.count; i++)
			if (strcmp(a->u.object.members[i].key,
			    b->u.object.members[i].key) != 0 ||
			    !same_tree(a->u.object.members[i].value,
			    b->u.object.members[i].value))
				return 0;
		return 1;
	default:
		return 1;
	}
}

/*
 * Every string's flags tell the truth, and json_string_ok passes exactly
 * the text strings (valid UTF-8, no NUL).  Returns how many strings are
 * flagged as invalid UTF-8.
 */
static size_t
check_strings(const struct json_value *v)
{
	size_t i, n = 0;

	switch (v->type) {
	case JSON_STRING:
		/*
		 * valid_utf8() also refuses NUL.  A string may be flagged
		 * though its decoded bytes are valid: yajl turns an unpaired
		 * surrogate escape into '?' or pairs it with a non-surrogate,
		 * and the raw text is what decides.
		 */
		FUZZ_CHECK(v->u.string.has_nul ==
		    (memchr(v->u.string.ptr, '\0', v->u.string.len) != NULL));
		FUZZ_CHECK(json_string_ok(v) ==
		    (!v->u.string.has_nul && !v->u.string.bad_utf8));
		if (json_string_ok(v))
			FUZZ_CHECK(valid_utf8(v->u.string.ptr,
			    v->u.string.len));
		if (!v->u.string.has_nul &&
		    !valid_utf8(v->u.string.ptr, v->u.string.len))
			FUZZ_CHECK(v->u.string.bad_utf8);
		return v->u.string.bad_utf8;
	case JSON_ARRAY:
		for (i = 0; i < v->u.array.count; i++)
			n += check_strings(v->u.array.items[i]);
		return n;
	case JSON_OBJECT:
		for (i = 0; i < v->u.object.count; i++) {
			FUZZ_CHECK(valid_utf8(v->u.object.members[i].key,
			    v->u.object.members[i].key_len));
			n += check_strings(v->u.object.members[i].value);
		}
		return n;
	default:
		return 0;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_create(4096);
	struct json_value *v, *again;
	struct json_writer *w;
	const char *errstr = NULL, *text;
	size_t len;

	v = json_parse(a, (const char *)data, size, &errstr);
	if (v == NULL) {
		FUZZ_CHECK(errstr != NULL);
	} else {
		/* Invalid UTF-8 is accepted only inside string values,
		 * which say so (the rest of a JSON text is ASCII). */
		if (check_strings(v) == 0)
			FUZZ_CHECK(valid_utf8((const char *)data, size));
		w = json_writer_new(a);
		write_value(w, v);
		text = json_writer_text(w, &len);
		FUZZ_CHECK(text != NULL);
		again = json_parse(a, text, len, &errstr);
		FUZZ_CHECK(again != NULL);
		FUZZ_CHECK(same_tree(v, again));
	}
	arena_destroy(a);
	return 0;
}
