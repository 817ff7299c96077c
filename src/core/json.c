/*
 * json.c - JSON parsing into an arena tree, and generation, on yajl 2.
 *
 * The parser drives yajl's event interface and builds the tree itself, so
 * every node lives in the request arena and nothing leaks on a parse error.
 * yajl's own UTF-8 check is kept on, but it lets overlong forms and encoded
 * surrogates through, so decoded strings and keys are checked again here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/log.h"

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 if there is none.  NUL counts as
 * a one-byte character here; callers decide whether they want it.
 */
static size_t
utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char	 c = s[0];
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 len, i;

	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;	/* continuation byte or overlong 2-byte lead */
	if (c < 0xe0)
		len = 2;
	else if (c < 0xf0) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* UTF-16 surrogates */
	} else if (c < 0xf5) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return 0;
	if (n < len)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t	 i = 0, l;

	while (i < n) {
		if ((l = utf8_seq_len(s + i, n - i)) == 0)
			return 0;
		i += l;
	}
	return 1;
}

/* ---- parsing ---- */

struct frame {
	struct json_value	*v;
	size_t			 cap;		/* of items/members */
	const char		*key;		/* pending member key */
	size_t			 key_len;
};

struct pctx {
	struct arena		*arena;
	yajl_handle		 handle;
	struct frame		 stack[JSON_MAX_DEPTH];
	size_t			 depth;
	struct json_value	*root;
	size_t			 root_end;	/* offset just past the root */
	bool			 finishing;	/* in yajl_complete_parse */
	const char		*text;
	size_t			 text_len;
	const char		*err;		/* our reason when we cancel */
};

/*
 * Records where the top-level value ended.  yajl accepts an unterminated
 * string after it (`{"a":1}"junk`: its lexer still waits for the closing
 * quote when the input ends), so json_parse checks that only whitespace
 * follows.  A value completed while finishing (a bare number) ends the text.
 */
static void
root_complete(struct pctx *p)
{
	p->root_end = p->finishing ? p->text_len :
	    yajl_get_bytes_consumed(p->handle);
}

static struct json_value *
new_value(struct pctx *p, enum json_type t)
{
	struct json_value	*v;

	v = arena_calloc(p->arena, 1, sizeof(*v));
	v->type = t;
	return v;
}

/* Attaches v to the container being built, or makes it the root. */
static int
attach(struct pctx *p, struct json_value *v)
{
	struct frame		*f;
	struct json_value	*c;
	size_t			 ncap;

	if (p->depth == 0) {
		p->root = v;
		/* A scalar is complete here; a container when it closes. */
		if (v->type != JSON_OBJECT && v->type != JSON_ARRAY)
			root_complete(p);
		return 1;
	}
	f = &p->stack[p->depth - 1];
	c = f->v;
	if (c->type == JSON_ARRAY) {
		if (c->u.array.count == f->cap) {
			ncap = f->cap == 0 ? 4 : f->cap * 2;
			c->u.array.items = arena_realloc(p->arena,
			    c->u.array.items, f->cap * sizeof(v),
			    ncap * sizeof(v));
			f->cap = ncap;
		}
		c->u.array.items[c->u.array.count++] = v;
	} else {
		struct json_member	*m;

		if (c->u.object.count == f->cap) {
			ncap = f->cap == 0 ? 4 : f->cap * 2;
			c->u.object.members = arena_realloc(p->arena,
			    c->u.object.members, f->cap * sizeof(*m),
			    ncap * sizeof(*m));
			f->cap = ncap;
		}
		m = &c->u.object.members[c->u.object.count++];
		m->key = f->key;
		m->key_len = f->key_len;
		m->value = v;
		f->key = NULL;
	}
	return 1;
}

static int
cb_null(void *ctx)
{
	struct pctx	*p = ctx;

	return attach(p, new_value(p, JSON_NULL));
}

static int
cb_boolean(void *ctx, int b)
{
	struct pctx		*p = ctx;
	struct json_value	*v = new_value(p, JSON_BOOL);

	v->u.boolean = b != 0;
	return attach(p, v);
}

static int
cb_number(void *ctx, const char *s, size_t len)
{
	struct pctx		*p = ctx;
	struct json_value	*v = new_value(p, JSON_NUMBER);

	v->u.number.text = arena_strndup(p->arena, s, len);
	v->u.number.len = len;
	return attach(p, v);
}

static int
hex4(const char *s, size_t n, unsigned *out)
{
	size_t i;
	int d;

	if (n < 4)
		return -1;
	for (*out = 0, i = 0; i < 4; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')
			d = (s[i] | 0x20) - 'a' + 10;
		else
			return -1;
		*out = *out << 4 | (unsigned)d;
	}
	return 0;
}

/*
 * True if the raw text of a string (between its quotes) escapes a UTF-16
 * surrogate that is not part of a pair.  yajl decodes a lone high one to
 * '?', so the decoded bytes cannot tell; such text has no UTF-8 form.
 */
static bool
has_lone_surrogate(const char *raw, size_t n)
{
	unsigned cp, low;
	size_t i = 0;

	while (i < n) {
		if (raw[i] != '\\') {
			i++;
			continue;
		}
		if (i + 1 < n && raw[i + 1] == 'u' &&
		    hex4(raw + i + 2, n - i - 2, &cp) == 0) {
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return true;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (i + 12 > n || raw[i + 6] != '\\' ||
				    raw[i + 7] != 'u' ||
				    hex4(raw + i + 8, n - i - 8, &low) == -1 ||
				    low < 0xdc00 || low > 0xdfff)
					return true;
				i += 6;
			}
			i += 6;
		} else
			i += 2;
	}
	return false;
}

/*
 * The raw text of the string token that just ended (yajl has consumed it
 * up to its closing quote): scan back to the opening quote, the first one
 * not escaped by an odd run of backslashes.
 */
static bool
raw_string_has_lone_surrogate(const struct pctx *p)
{
	size_t end = yajl_get_bytes_consumed(p->handle), i, k;

	if (end < 2 || end > p->text_len || p->text[end - 1] != '"')
		return false;	/* cannot locate it: decoded check only */
	for (i = end - 1; i-- > 0;) {
		if (p->text[i] != '"')
			continue;
		for (k = 0; k < i && p->text[i - 1 - k] == '\\'; k++)
			;
		if (k % 2 == 0)
			return has_lone_surrogate(p->text + i + 1,
			    end - 2 - i);
	}
	return false;
}

static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
	struct pctx		*p = ctx;
	struct json_value	*v;

	/* Kept and flagged: a field error for whoever reads it (§7). */
	v = new_value(p, JSON_STRING);
	v->u.string.ptr = arena_strndup(p->arena, (const char *)s, len);
	v->u.string.len = len;
	v->u.string.has_nul = memchr(s, '\0', len) != NULL;
	v->u.string.bad_utf8 = !utf8_ok(s, len) ||
	    raw_string_has_lone_surrogate(p);
	return attach(p, v);
}

static int
cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct pctx	*p = ctx;
	struct frame	*f = &p->stack[p->depth - 1];

	if (!utf8_ok(s, len)) {
		p->err = "invalid UTF-8 in key";
		return 0;
	}
	/* Keys are looked up as C strings; a NUL would make "a\0b" == "a". */
	if (memchr(s, '\0', len) != NULL) {
		p->err = "NUL in object key";
		return 0;
	}
	f->key = arena_strndup(p->arena, (const char *)s, len);
	f->key_len = len;
	return 1;
}

static int
open_container(struct pctx *p, enum json_type t)
{
	struct json_value	*v;
	struct frame		*f;

	if (p->depth == JSON_MAX_DEPTH) {
		p->err = "nesting too deep";
		return 0;
	}
	v = new_value(p, t);
	attach(p, v);
	f = &p->stack[p->depth++];
	f->v = v;
	f->cap = 0;
	f->key = NULL;
	f->key_len = 0;
	return 1;
}

static int
cb_start_map(void *ctx)
{
	return open_container(ctx, JSON_OBJECT);
}

static int
cb_start_array(void *ctx)
{
	return open_container(ctx, JSON_ARRAY);
}

static int
cb_end(void *ctx)
{
	struct pctx	*p = ctx;

	if (--p->depth == 0)
		root_complete(p);
	return 1;
}

static const yajl_callbacks parse_callbacks = {
	cb_null,
	cb_boolean,
	NULL,		/* integer: numbers come as text via cb_number */
	NULL,		/* double */
	cb_number,
	cb_string,
	cb_start_map,
	cb_map_key,
	cb_end,
	cb_start_array,
	cb_end
};

/* Copies yajl's message into the arena, without its trailing newline. */
static const char *
yajl_reason(struct arena *a, yajl_handle h, const char *text, size_t len)
{
	unsigned char	*msg;
	const char	*r;
	size_t		 n;

	msg = yajl_get_error(h, 0, (const unsigned char *)text, len);
	if (msg == NULL)
		return "malformed JSON";
	n = strlen((char *)msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	r = arena_strndup(a, (char *)msg, n);
	yajl_free_error(h, msg);
	return r;
}

/* Whitespace as RFC 8259 defines it. */
static int
is_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

struct json_value *
json_parse(struct arena *a, const char *text, size_t len, const char **errstr)
{
	struct pctx	 p;
	yajl_handle	 h;
	yajl_status	 st;
	const char	*err = NULL;
	size_t		 i;

	for (i = 0; i < len && is_json_space(text[i]); i++)
		;
	if (i == len) {
		if (errstr != NULL)
			*errstr = "empty JSON text";
		return NULL;
	}

	memset(&p, 0, sizeof(p));
	p.arena = a;
	p.text = text;
	p.text_len = len;
	/* Default allocator for yajl's own state: always freed below. */
	if ((h = yajl_alloc(&parse_callbacks, NULL, &p)) == NULL)
		log_fatalx("yajl_alloc failed");
	/* Strings are checked by cb_string and cb_map_key instead. */
	yajl_config(h, yajl_dont_validate_strings, 1);
	p.handle = h;
	st = yajl_parse(h, (const unsigned char *)text, len);
	if (st == yajl_status_ok) {
		p.finishing = true;
		st = yajl_complete_parse(h);
	}
	if (st != yajl_status_ok) {
		if (st == yajl_status_client_canceled && p.err != NULL)
			err = p.err;
		else
			err = yajl_reason(a, h, text, len);
	} else if (p.root == NULL || p.depth != 0)
		err = "incomplete JSON text";	/* cannot happen; be safe */
	else {
		for (i = p.root_end; i < len && is_json_space(text[i]); i++)
			;
		if (i < len)
			err = "parse error: trailing garbage";
	}
	yajl_free(h);

	if (err != NULL) {
		if (errstr != NULL)
			*errstr = err;
		return NULL;
	}
	return p.root;
}

const char *
json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL:
		return "Null";
	case JSON_BOOL:
		return "Boolean";
	case JSON_NUMBER:
		return "Number";
	case JSON_STRING:
		return "String";
	case JSON_ARRAY:
		return "Array";
	case JSON_OBJECT:
		return "Object";
	}
	return "Unknown";
}

struct json_value *
json_get(const struct json_value *obj, const char *key)
{
	size_t	 i, klen;

	if (obj == NULL || obj->type != JSON_OBJECT || key == NULL)
		return NULL;
	klen = strlen(key);
	/* Backwards, so the last of duplicate keys wins. */
	for (i = obj->u.object.count; i > 0; i--) {
		const struct json_member *m = &obj->u.object.members[i - 1];

		if (m->key_len == klen && memcmp(m->key, key, klen) == 0)
			return m->value;
	}
	return NULL;
}

/* Optional '-' then digits only; overflow-checked. */
static int
parse_int64(const char *s, size_t len, int64_t *out)
{
	uint64_t	 v = 0, limit;
	size_t		 i = 0;
	int		 neg = 0;

	if (len > 0 && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == len)
		return -1;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (limit - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

int
json_as_int64(const struct json_value *v, bool accept_digit_string,
    int64_t *out)
{
	size_t	 i;

	if (v == NULL)
		return -1;
	if (v->type == JSON_NUMBER)
		return parse_int64(v->u.number.text, v->u.number.len, out);
	if (v->type != JSON_STRING || !accept_digit_string)
		return -1;
	/* 18 digits always fit in int64; no sign, no blanks. */
	if (v->u.string.len < 1 || v->u.string.len > 18)
		return -1;
	for (i = 0; i < v->u.string.len; i++)
		if (v->u.string.ptr[i] < '0' || v->u.string.ptr[i] > '9')
			return -1;
	return parse_int64(v->u.string.ptr, v->u.string.len, out);
}

/* ---- generation ---- */

struct json_writer {
	struct arena	*arena;
	yajl_gen	 g;
	bool		 failed;
};

/*
 * yajl_gen's allocator, backed by the arena.  realloc needs the old size,
 * so each block carries it in a header padded to keep 16-byte alignment.
 */
#define WHDR	16

static void *
w_malloc(void *ctx, size_t sz)
{
	unsigned char	*p;

	p = arena_alloc(ctx, sz + WHDR);
	memcpy(p, &sz, sizeof(sz));
	return p + WHDR;
}

static void *
w_realloc(void *ctx, void *ptr, size_t sz)
{
	unsigned char	*base;
	size_t		 old;

	if (ptr == NULL)
		return w_malloc(ctx, sz);
	base = (unsigned char *)ptr - WHDR;
	memcpy(&old, base, sizeof(old));
	if (sz <= old)
		return ptr;
	base = arena_realloc(ctx, base, old + WHDR, sz + WHDR);
	memcpy(base, &sz, sizeof(sz));
	return base + WHDR;
}

static void
w_free(void *ctx, void *ptr)
{
	/* The arena releases everything at reset. */
	(void)ctx;
	(void)ptr;
}

struct json_writer *
json_writer_new(struct arena *a)
{
	struct json_writer	*w;
	yajl_alloc_funcs	 funcs;

	w = arena_calloc(a, 1, sizeof(*w));
	w->arena = a;
	funcs.malloc = w_malloc;
	funcs.realloc = w_realloc;
	funcs.free = w_free;
	funcs.ctx = a;
	/* yajl copies the funcs struct, so a local is fine. */
	if ((w->g = yajl_gen_alloc(&funcs)) == NULL)
		log_fatalx("yajl_gen_alloc failed");
	yajl_gen_config(w->g, yajl_gen_validate_utf8, 1);
	return w;
}

/*
 * Misuse (a value where a key belongs, writing past the top-level value) is
 * a programming error; report it once and remember it, so the response
 * layer answers 500 instead of shipping the truncated text.
 */
static void
w_check(struct json_writer *w, yajl_gen_status st, const char *what)
{
	if (st == yajl_gen_status_ok || w->failed)
		return;
	w->failed = true;
	log_warnx("json writer: %s failed (yajl_gen status %d)", what, (int)st);
}

void
json_w_object_open(struct json_writer *w)
{
	w_check(w, yajl_gen_map_open(w->g), "object open");
}

void
json_w_object_close(struct json_writer *w)
{
	w_check(w, yajl_gen_map_close(w->g), "object close");
}

void
json_w_array_open(struct json_writer *w)
{
	w_check(w, yajl_gen_array_open(w->g), "array open");
}

void
json_w_array_close(struct json_writer *w)
{
	w_check(w, yajl_gen_array_close(w->g), "array close");
}

/*
 * Replaces each byte that does not start a well-formed UTF-8 sequence with
 * U+FFFD, so bad input degrades to visible junk rather than broken JSON.
 */
static const char *
utf8_sanitize(struct arena *a, const char *s, size_t len, size_t *outlen)
{
	const unsigned char	*u = (const unsigned char *)s;
	unsigned char		*out, *o;
	size_t			 i = 0, l;

	if (len > (SIZE_MAX - 1) / 3)
		log_fatalx("json writer: string too long");
	o = out = arena_alloc(a, len * 3 + 1);
	while (i < len) {
		if ((l = utf8_seq_len(u + i, len - i)) == 0) {
			*o++ = 0xef;
			*o++ = 0xbf;
			*o++ = 0xbd;
			i++;
		} else {
			memcpy(o, u + i, l);
			o += l;
			i += l;
		}
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return (const char *)out;
}

void
json_w_string_len(struct json_writer *w, const char *s, size_t len)
{
	if (!utf8_ok((const unsigned char *)s, len))
		s = utf8_sanitize(w->arena, s, len, &len);
	w_check(w, yajl_gen_string(w->g, (const unsigned char *)s, len),
	    "string");
}

void
json_w_string(struct json_writer *w, const char *s)
{
	if (s == NULL)
		json_w_null(w);
	else
		json_w_string_len(w, s, strlen(s));
}

void
json_w_key(struct json_writer *w, const char *key)
{
	json_w_string_len(w, key, strlen(key));
}

void
json_w_int(struct json_writer *w, int64_t v)
{
	w_check(w, yajl_gen_integer(w->g, (long long)v), "integer");
}

void
json_w_bool(struct json_writer *w, bool b)
{
	w_check(w, yajl_gen_bool(w->g, b), "boolean");
}

void
json_w_null(struct json_writer *w)
{
	w_check(w, yajl_gen_null(w->g), "null");
}

void
json_w_kv_string(struct json_writer *w, const char *key, const char *s)
{
	json_w_key(w, key);
	json_w_string(w, s);
}

void
json_w_kv_int(struct json_writer *w, const char *key, int64_t v)
{
	json_w_key(w, key);
	json_w_int(w, v);
}

void
json_w_kv_bool(struct json_writer *w, const char *key, bool b)
{
	json_w_key(w, key);
	json_w_bool(w, b);
}

void
json_w_kv_null(struct json_writer *w, const char *key)
{
	json_w_key(w, key);
	json_w_null(w);
}

bool
json_writer_failed(const struct json_writer *w)
{
	return w->failed;
}

bool
json_string_ok(const struct json_value *v)
{
	return v != NULL && v->type == JSON_STRING && !v->u.string.has_nul &&
	    !v->u.string.bad_utf8;
}

const char *
json_writer_text(struct json_writer *w, size_t *len)
{
	const unsigned char	*buf = NULL;
	size_t			 n = 0;

	/*
	 * yajl's buffer is arena memory that yajl keeps NUL-terminated, and
	 * our free is a no-op, so the pointer stays valid until arena reset.
	 */
	if (yajl_gen_get_buf(w->g, &buf, &n) != yajl_gen_status_ok ||
	    buf == NULL) {
		buf = (const unsigned char *)"";
		n = 0;
	}
	if (len != NULL)
		*len = n;
	return (const char *)buf;
}
