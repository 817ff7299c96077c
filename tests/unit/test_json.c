/*
 * test_json.c - parser and writer.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/json.h"
#include "tap.h"

static struct arena *A;

static struct json_value *
parse(const char *s)
{
	return json_parse(A, s, strlen(s), NULL);
}

/* Test names must stay on one line: escape what would break TAP. */
static const char *
printable(const char *s)
{
	static char	 out[256];
	size_t		 o = 0;

	for (; *s != '\0' && o + 5 < sizeof(out); s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

/* Expects a parse failure with a reason. */
static void
bad(const char *s, size_t len, const char *name)
{
	const char		*err = NULL;
	struct json_value	*v = json_parse(A, s, len, &err);

	ok(v == NULL && err != NULL && *err != '\0', "rejects %s",
	    printable(name));
}

static void
test_kinds(void)
{
	struct json_value	*v;

	v = parse("{}");
	ok(v != NULL && v->type == JSON_OBJECT && v->u.object.count == 0,
	    "empty object");
	v = parse("[]");
	ok(v != NULL && v->type == JSON_ARRAY && v->u.array.count == 0,
	    "empty array (top-level non-object parses; caller checks type)");
	v = parse("\"str\"");
	ok(v != NULL && v->type == JSON_STRING && v->u.string.len == 3 &&
	    strcmp(v->u.string.ptr, "str") == 0, "top-level string");
	v = parse("42");
	ok(v != NULL && v->type == JSON_NUMBER &&
	    strcmp(v->u.number.text, "42") == 0, "top-level number");
	v = parse("-1.5e3");
	ok(v != NULL && v->type == JSON_NUMBER &&
	    strcmp(v->u.number.text, "-1.5e3") == 0, "number text as written");
	v = parse("true");
	ok(v != NULL && v->type == JSON_BOOL && v->u.boolean, "true");
	v = parse("false");
	ok(v != NULL && v->type == JSON_BOOL && !v->u.boolean, "false");
	v = parse("null");
	ok(v != NULL && v->type == JSON_NULL, "null");
	v = parse(" \t\r\n{ \"a\" : 1 } \n");
	ok(v != NULL && v->type == JSON_OBJECT, "surrounding whitespace ok");

	is_str(json_type_name(JSON_STRING), "String", "type name String");
	is_str(json_type_name(JSON_NUMBER), "Number", "type name Number");
	is_str(json_type_name(JSON_BOOL), "Boolean", "type name Boolean");
	is_str(json_type_name(JSON_NULL), "Null", "type name Null");
	is_str(json_type_name(JSON_ARRAY), "Array", "type name Array");
	is_str(json_type_name(JSON_OBJECT), "Object", "type name Object");
}

static void
test_tree(void)
{
	struct json_value	*v, *x;
	const char		*text =
	    "{\"name\":\"Ann\",\"tags\":[1,\"two\",null,[true]],"
	    "\"nested\":{\"k\":{}},\"name\":\"Bob\",\"n\":0}";
	int64_t			 i;

	v = parse(text);
	ok(v != NULL && v->type == JSON_OBJECT && v->u.object.count == 5,
	    "object keeps all members, duplicates included");
	if (v == NULL)
		return;
	x = json_get(v, "name");
	ok(x != NULL && x->type == JSON_STRING &&
	    strcmp(x->u.string.ptr, "Bob") == 0, "last duplicate key wins");
	x = json_get(v, "tags");
	ok(x != NULL && x->type == JSON_ARRAY && x->u.array.count == 4,
	    "array count");
	ok(x->u.array.items[0]->type == JSON_NUMBER &&
	    x->u.array.items[1]->type == JSON_STRING &&
	    x->u.array.items[2]->type == JSON_NULL &&
	    x->u.array.items[3]->type == JSON_ARRAY &&
	    x->u.array.items[3]->u.array.items[0]->type == JSON_BOOL,
	    "array items in order");
	x = json_get(json_get(v, "nested"), "k");
	ok(x != NULL && x->type == JSON_OBJECT, "nested lookup");
	ok(json_get(v, "missing") == NULL, "absent key is NULL");
	ok(json_get(v, "nam") == NULL, "prefix of key does not match");
	ok(json_get(json_get(v, "tags"), "0") == NULL, "json_get on array");
	ok(json_get(NULL, "x") == NULL, "json_get(NULL)");
	ok(json_as_int64(json_get(v, "n"), false, &i) == 0 && i == 0,
	    "member n is 0");

	/* Many members force the member array to grow. */
	{
		char	 big[8192];
		size_t	 off = 0;
		int	 k, good = 1;

		off += (size_t)snprintf(big + off, sizeof(big) - off, "{");
		for (k = 0; k < 300; k++)
			off += (size_t)snprintf(big + off, sizeof(big) - off,
			    "%s\"k%d\":%d", k ? "," : "", k, k);
		snprintf(big + off, sizeof(big) - off, "}");
		v = parse(big);
		ok(v != NULL && v->u.object.count == 300, "300 members");
		for (k = 0; v != NULL && k < 300; k++) {
			char key[16];

			snprintf(key, sizeof(key), "k%d", k);
			if (json_as_int64(json_get(v, key), false, &i) != 0 ||
			    i != k)
				good = 0;
		}
		ok(good, "every member found with its value");
	}
}

static void
test_strings(void)
{
	struct json_value	*v;
	const char		 nul[] = "\"a\\u0000b\"";
	const char		*s;

	v = json_parse(A, nul, sizeof(nul) - 1, NULL);
	ok(v != NULL && v->type == JSON_STRING && v->u.string.len == 3 &&
	    v->u.string.has_nul && memcmp(v->u.string.ptr, "a\0b", 4) == 0,
	    "\\u0000 kept with length and flagged");
	v = parse("\"plain\"");
	ok(v != NULL && !v->u.string.has_nul, "plain string not flagged");
	v = parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"");
	ok(v != NULL && strcmp(v->u.string.ptr, "\"\\/\b\f\n\r\t") == 0,
	    "simple escapes decoded");
	v = parse("\"\\u00e9\\u20ac\\ud83d\\ude00\"");
	ok(v != NULL && strcmp(v->u.string.ptr,
	    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80") == 0,
	    "\\u escapes and surrogate pair decoded to UTF-8");
	v = parse("\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
	ok(v != NULL && v->type == JSON_STRING, "raw UTF-8 accepted");

	s = "{\"a\\u0000b\":1}";
	bad(s, strlen(s), "NUL in object key");
	v = parse("{\"\":1}");
	ok(v != NULL && v->u.object.count == 1 &&
	    v->u.object.members[0].key_len == 0, "empty key allowed");
}

static void
test_malformed(void)
{
	static const char *const cases[] = {
		"{", "}", "[", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]",
		"{a:1}", "{'a':1}", "[1 2]", "tru", "nul", "True", "NaN",
		"Infinity", "-", "+1", ".5", "1.", "01", "0x10", "1e", "\"abc",
		"\"\\x\"", "\"\\u12\"", "{\"a\":1}}", "{\"a\":1} x", "{}{}",
		"[] []", "1 2", "{} //c", "/* c */ {}", "{\"a\":1 /*c*/}",
		"\"tab\there\"", "\"nl\nhere\"", "[1,,2]", "{,}",
		/* An unterminated string after the value: yajl waits for
		 * its end and accepts (found by fuzz_json). */
		"{\"a\":1}\"", "{\"a\":1}\"junk", "[1] \"x", "2\"abc",
		"\"s\"\"", "true\"", "2\"\xf7\x9f\x80\x80"
	};
	size_t	 i;

	bad("", 0, "empty input");
	bad("   \n\t ", 6, "whitespace only");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bad(cases[i], strlen(cases[i]), cases[i]);
	bad("{\"a\":1}\0", 8, "NUL after value");
	bad("\0{}", 3, "leading NUL");
	bad("\"a\0b\"", 5, "raw NUL inside string");
	ok(json_parse(A, "{}", 2, NULL) != NULL, "NULL errstr is allowed");
	ok(parse(" 2 ") != NULL && parse("2") != NULL && parse("\"s\"\n") &&
	    parse("[1] \r\n") != NULL && parse("{}\t") != NULL,
	    "whitespace after a value is fine");
	ok(json_parse(A, "{", 1, NULL) == NULL, "NULL errstr on failure");
}

static void
test_utf8(void)
{
	static const struct {
		const char	*s;
		const char	*name;
	} cases[] = {
		{ "\"\xff\"", "byte 0xff" },
		{ "\"\xfe\"", "byte 0xfe" },
		{ "\"\x80\"", "lone continuation byte" },
		{ "\"\xc3\"", "truncated 2-byte sequence" },
		{ "\"\xe2\x82\"", "truncated 3-byte sequence" },
		{ "\"\xc0\xaf\"", "overlong 2-byte '/'" },
		{ "\"\xc1\xbf\"", "overlong 2-byte" },
		{ "\"\xe0\x80\xaf\"", "overlong 3-byte" },
		{ "\"\xf0\x80\x80\xaf\"", "overlong 4-byte" },
		{ "\"\xed\xa0\x80\"", "UTF-16 surrogate in raw UTF-8" },
		{ "\"\xed\xbf\xbf\"", "low surrogate in raw UTF-8" },
		{ "\"\xf4\x90\x80\x80\"", "above U+10FFFF" },
		{ "\"\xf8\x88\x80\x80\x80\"", "5-byte sequence" },
		{ "{\"\xff\":1}", "invalid UTF-8 in key" },
		{ "{\"k\xc0\xaf\":1}", "overlong in key" },
		{ "\xef\xbb\xbf{}", "byte order mark" },
		{ "{\"a\":\xff}", "invalid byte outside string" },
	};
	struct json_value *v;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].s[0] != '"') {
			/* Outside a string value: not JSON at all. */
			bad(cases[i].s, strlen(cases[i].s), cases[i].name);
			continue;
		}
		/* Inside one: kept and flagged, a field error for the reader. */
		v = parse(cases[i].s);
		ok(v != NULL && v->type == JSON_STRING &&
		    v->u.string.bad_utf8 && !json_string_ok(v),
		    "string with %s: parsed, flagged, not text", cases[i].name);
	}
	v = parse("\"a\\u0000b\"");
	ok(v != NULL && !v->u.string.bad_utf8 && v->u.string.has_nul &&
	    !json_string_ok(v), "NUL escape: flagged, not text");
	v = parse("\"caf\xc3\xa9\"");
	ok(v != NULL && json_string_ok(v), "valid UTF-8 is text");
	v = parse("[\"x\\ud800y\"]");
	ok(v != NULL && v->u.array.items[0]->u.string.bad_utf8,
	    "lone high surrogate escape: flagged (yajl made it '?')");
	v = parse("{\"k\":\"\\\"\\udbff\"}");
	ok(v != NULL && json_get(v, "k")->u.string.bad_utf8,
	    "lone high surrogate escape after an escaped quote: flagged");
	v = parse("\"\\udc00\"");
	ok(v != NULL && v->u.string.bad_utf8, "lone low surrogate: flagged");
	v = parse("\"\\ud83d\\ude00\"");
	ok(v != NULL && json_string_ok(v), "surrogate pair: text");
	v = parse("\"\\ud83d\\ud0e0 -\"");
	ok(v != NULL && v->u.string.bad_utf8,
	    "high surrogate before a non-surrogate escape: flagged (fuzz_json)");
	v = parse("\"\\\\ud800\"");
	ok(v != NULL && json_string_ok(v) && strcmp(v->u.string.ptr,
	    "\\ud800") == 0, "an escaped backslash before ud800 is text");
	ok(parse("\"\xf4\x8f\xbf\xbf\"") != NULL, "U+10FFFF accepted");
	ok(parse("\"\xee\x80\x80\"") != NULL, "U+E000 accepted");
}

static void
test_depth(void)
{
	char			 buf[200];
	const char		*err = NULL;
	struct json_value	*v;
	int			 i;

	for (i = 0; i < JSON_MAX_DEPTH; i++) {
		buf[i] = '[';
		buf[i + JSON_MAX_DEPTH] = ']';
	}
	v = json_parse(A, buf, 2 * JSON_MAX_DEPTH, NULL);
	ok(v != NULL, "depth %d accepted", JSON_MAX_DEPTH);

	for (i = 0; i < JSON_MAX_DEPTH + 1; i++) {
		buf[i] = '[';
		buf[i + JSON_MAX_DEPTH + 1] = ']';
	}
	v = json_parse(A, buf, 2 * (JSON_MAX_DEPTH + 1), &err);
	ok(v == NULL && err != NULL && strstr(err, "deep") != NULL,
	    "depth %d rejected as too deep", JSON_MAX_DEPTH + 1);

	/* Objects count toward depth too; unclosed deep input too. */
	buf[0] = '\0';
	for (i = 0; i < JSON_MAX_DEPTH + 1; i++)
		strcat(buf, "{\"a\":");
	v = json_parse(A, buf, strlen(buf), &err);
	ok(v == NULL, "deep unclosed objects rejected");
}

static void
test_int64(void)
{
	static const struct {
		const char	*text;
		int		 ok;
		int64_t		 want;
	} nums[] = {
		{ "0", 1, 0 },
		{ "-0", 1, 0 },
		{ "42", 1, 42 },
		{ "-42", 1, -42 },
		{ "9223372036854775807", 1, INT64_MAX },
		{ "-9223372036854775808", 1, INT64_MIN },
		{ "9223372036854775808", 0, 0 },
		{ "-9223372036854775809", 0, 0 },
		{ "18446744073709551616", 0, 0 },
		{ "99999999999999999999999999999", 0, 0 },
		{ "1.0", 0, 0 },
		{ "1e3", 0, 0 },
		{ "1E3", 0, 0 },
		{ "-1.5", 0, 0 },
	};
	static const struct {
		const char	*text;
		int		 ok;
		int64_t		 want;
	} strs[] = {
		{ "\"7\"", 1, 7 },
		{ "\"007\"", 1, 7 },
		{ "\"123456789012345678\"", 1, 123456789012345678LL },
		{ "\"1234567890123456789\"", 0, 0 },
		{ "\"\"", 0, 0 },
		{ "\"-7\"", 0, 0 },
		{ "\"+7\"", 0, 0 },
		{ "\" 7\"", 0, 0 },
		{ "\"7 \"", 0, 0 },
		{ "\"1e3\"", 0, 0 },
		{ "\"0x10\"", 0, 0 },
		{ "\"7\\u0000\"", 0, 0 },
		{ "\"\xd9\xa3\"", 0, 0 },	/* ARABIC-INDIC DIGIT THREE */
	};
	struct json_value	*v;
	int64_t			 out;
	size_t			 i;

	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		v = parse(nums[i].text);
		out = 12345;
		if (nums[i].ok)
			ok(v != NULL && json_as_int64(v, false, &out) == 0 &&
			    out == nums[i].want, "int64 %s", nums[i].text);
		else
			ok(v != NULL && json_as_int64(v, true, &out) == -1 &&
			    out == 12345, "int64 rejects %s", nums[i].text);
	}
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		v = parse(strs[i].text);
		out = 12345;
		if (strs[i].ok) {
			ok(v != NULL && json_as_int64(v, true, &out) == 0 &&
			    out == strs[i].want, "digit string %s",
			    strs[i].text);
			ok(json_as_int64(v, false, &out) == -1,
			    "digit string %s refused when not allowed",
			    strs[i].text);
		} else
			ok(v != NULL && json_as_int64(v, true, &out) == -1 &&
			    out == 12345, "digit string rejects %s",
			    strs[i].text);
	}
	ok(json_as_int64(parse("true"), true, &out) == -1, "bool not int");
	ok(json_as_int64(parse("null"), true, &out) == -1, "null not int");
	ok(json_as_int64(parse("[1]"), true, &out) == -1, "array not int");
	ok(json_as_int64(parse("{}"), true, &out) == -1, "object not int");
	ok(json_as_int64(NULL, true, &out) == -1, "NULL not int");
}

static const char *
gen_string(const char *s, size_t len)
{
	struct json_writer	*w = json_writer_new(A);

	json_w_string_len(w, s, len);
	return json_writer_text(w, NULL);
}

static void
test_writer(void)
{
	struct json_writer	*w;
	const char		*t;
	size_t			 len;
	struct json_value	*v;

	w = json_writer_new(A);
	t = json_writer_text(w, &len);
	ok(t != NULL && len == 0 && *t == '\0', "empty writer gives \"\"");

	w = json_writer_new(A);
	json_w_object_open(w);
	json_w_kv_string(w, "s", "x");
	json_w_kv_string(w, "n", NULL);
	json_w_kv_int(w, "i", -5);
	json_w_kv_int(w, "max", INT64_MAX);
	json_w_kv_int(w, "min", INT64_MIN);
	json_w_kv_bool(w, "t", true);
	json_w_kv_bool(w, "f", false);
	json_w_kv_null(w, "z");
	json_w_key(w, "a");
	json_w_array_open(w);
	json_w_int(w, 1);
	json_w_string(w, "two");
	json_w_null(w);
	json_w_bool(w, false);
	json_w_object_open(w);
	json_w_object_close(w);
	json_w_array_close(w);
	json_w_object_close(w);
	t = json_writer_text(w, &len);
	is_str(t, "{\"s\":\"x\",\"n\":null,\"i\":-5,"
	    "\"max\":9223372036854775807,\"min\":-9223372036854775808,"
	    "\"t\":true,\"f\":false,\"z\":null,"
	    "\"a\":[1,\"two\",null,false,{}]}", "writer output");
	is_int(len, strlen(t), "writer length");

	is_str(gen_string("say \"hi\"\\", 9), "\"say \\\"hi\\\"\\\\\"",
	    "quotes and backslash escaped");
	is_str(gen_string("a\nb\tc\rd\be\ff", 11),
	    "\"a\\nb\\tc\\rd\\be\\ff\"", "named control escapes");
	t = gen_string("\x01\x1f\x7f", 3);
	ok(strcmp(t, "\"\\u0001\\u001f\x7f\"") == 0 ||
	    strcmp(t, "\"\\u0001\\u001F\x7f\"") == 0,
	    "other control chars as \\u00XX");
	t = gen_string("a\0b", 3);
	is_str(t, "\"a\\u0000b\"", "NUL written as \\u0000");
	is_str(gen_string("caf\xc3\xa9 \xf0\x9f\x98\x80", 10),
	    "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", "UTF-8 passed through");
	is_str(gen_string("</script>", 9), "\"</script>\"",
	    "solidus not escaped");
	t = gen_string("a\xff" "b\xc0\xaf", 5);
	is_str(t, "\"a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\"",
	    "invalid UTF-8 replaced by U+FFFD, output stays valid");
	v = parse(t);
	ok(v != NULL && v->type == JSON_STRING, "sanitised output parses");

	/* Round trip of awkward strings through writer and parser. */
	{
		const char	 raw[] = "q\"\\/\x01\n\xe2\x82\xac\0end";
		size_t		 rlen = sizeof(raw) - 1;

		t = gen_string(raw, rlen);
		v = parse(t);
		ok(v != NULL && v->type == JSON_STRING &&
		    v->u.string.len == rlen &&
		    memcmp(v->u.string.ptr, raw, rlen) == 0 &&
		    v->u.string.has_nul, "writer -> parser round trip");
	}

	/* A big document forces yajl's buffer to grow (arena realloc). */
	{
		int	 k;

		w = json_writer_new(A);
		json_w_array_open(w);
		for (k = 0; k < 5000; k++)
			json_w_string(w, "0123456789abcdef");
		json_w_array_close(w);
		t = json_writer_text(w, &len);
		is_int(len, 2 + 5000 * 19 - 1, "large output length");
		v = json_parse(A, t, len, NULL);
		ok(v != NULL && v->u.array.count == 5000,
		    "large output parses back");
	}
}

int
main(void)
{
	A = arena_create(0);
	test_kinds();
	test_tree();
	test_strings();
	test_malformed();
	test_utf8();
	test_depth();
	test_int64();
	test_writer();
	arena_destroy(A);
	return done_testing();
}
