/*
 * token.c - HS256 JSON Web Tokens with a key ring (RFC 7519, RFC 8725).
 *
 * Verification order matters: the header is checked (HS256 only, known kid)
 * and the MAC compared before the claims are even parsed, so an attacker's
 * payload never reaches the JSON parser unless it was signed by us.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth/token.h"
#include "core/arena.h"
#include "core/base64.h"
#include "core/digest.h"
#include "core/json.h"

#define MAC_LEN		DIGEST_SHA256_LEN
#define IAT_LEEWAY	30	/* seconds of clock skew tolerated for iat */
#define KEYFILE_MAX	(64 * 1024)

static int
valid_kid(const char *kid)
{
	size_t	 i, n = strlen(kid);

	if (n == 0 || n > TOKEN_KID_MAX)
		return 0;
	/* Goes into the header unescaped, so keep it to a safe set. */
	for (i = 0; i < n; i++) {
		char c = kid[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

int
token_ring_add(struct token_ring *ring, const char *kid,
    const unsigned char *secret, size_t len)
{
	struct token_key	*k;
	size_t			 i;

	if (ring->count >= TOKEN_MAX_KEYS || kid == NULL || !valid_kid(kid) ||
	    len < TOKEN_SECRET_MIN || len > TOKEN_SECRET_MAX)
		return -1;
	for (i = 0; i < ring->count; i++)
		if (strcmp(ring->keys[i].kid, kid) == 0)
			return -1;	/* kid must pick one key */
	k = &ring->keys[ring->count++];
	memset(k, 0, sizeof(*k));
	memcpy(k->kid, kid, strlen(kid) + 1);
	memcpy(k->secret, secret, len);
	k->secret_len = len;
	return 0;
}

void
token_ring_wipe(struct token_ring *ring)
{
	OPENSSL_cleanse(ring->keys, sizeof(ring->keys));
	ring->count = 0;
}

static const char *
keyfile_error(unsigned line, const char *what)
{
	/* Start-up only, so a static buffer is fine. */
	static char	 msg[128];

	snprintf(msg, sizeof(msg), "key file line %u: %s", line, what);
	return msg;
}

/* Parses the key file text into tmp; returns NULL or the reason. */
static const char *
parse_keyfile(struct token_ring *tmp, char *text)
{
	unsigned char	 secret[TOKEN_SECRET_MAX + 2];
	const char	*err = NULL;
	char		*line, *next, *kid, *sec, *p;
	unsigned	 lineno = 0;
	size_t		 slen;
	long		 n;

	for (line = text; line != NULL && err == NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		p = line + strlen(line);
		while (p > line && (p[-1] == ' ' || p[-1] == '\t' ||
		    p[-1] == '\r'))
			*--p = '\0';
		line += strspn(line, " \t");
		if (*line == '\0' || *line == '#')
			continue;

		kid = line;
		p = kid + strcspn(kid, " \t");
		if (*p == '\0') {
			err = keyfile_error(lineno, "expected \"kid secret\"");
			break;
		}
		*p++ = '\0';
		sec = p + strspn(p, " \t");
		slen = strcspn(sec, " \t");
		if (sec[slen] != '\0') {
			err = keyfile_error(lineno, "trailing text after secret");
			break;
		}
		if (!valid_kid(kid)) {
			err = keyfile_error(lineno,
			    "kid must be 1-64 of [A-Za-z0-9._-]");
			break;
		}
		/* Bound the encoded length before decoding into secret[]. */
		if (slen > (TOKEN_SECRET_MAX * 4 + 2) / 3) {
			err = keyfile_error(lineno, "secret longer than 128 "
			    "bytes");
			break;
		}
		if ((n = base64url_decode(sec, slen, secret)) < 0) {
			err = keyfile_error(lineno, "secret is not unpadded "
			    "base64url");
			break;
		}
		if (n < TOKEN_SECRET_MIN) {
			err = keyfile_error(lineno, "secret shorter than 32 "
			    "bytes");
			break;
		}
		if (token_ring_add(tmp, kid, secret, (size_t)n) == -1)
			err = keyfile_error(lineno, tmp->count >= TOKEN_MAX_KEYS ?
			    "too many keys" : "duplicate kid");
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	if (err == NULL && tmp->count == 0)
		err = "key file holds no keys";
	return err;
}

int
token_ring_load_file(struct token_ring *ring, const char *path,
    const char **errstr)
{
	struct token_ring	*tmp;
	const char		*err = NULL;
	char			*text;
	size_t			 len = 0, n;
	FILE			*fp;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errstr != NULL)
			*errstr = strerror(errno);
		return -1;
	}
	/* Unbuffered, so no copy of the secrets lingers in stdio's buffer. */
	setvbuf(fp, NULL, _IONBF, 0);
	if ((text = malloc(KEYFILE_MAX + 1)) == NULL ||
	    (tmp = calloc(1, sizeof(*tmp))) == NULL) {
		fprintf(stderr, "cexup-api: out of memory\n");
		exit(1);
	}
	while ((n = fread(text + len, 1, KEYFILE_MAX + 1 - len, fp)) > 0)
		len += n;
	if (ferror(fp))
		err = "read error on key file";
	else if (len > KEYFILE_MAX)
		err = "key file too large";
	fclose(fp);
	if (err == NULL) {
		text[len] = '\0';
		if (memchr(text, '\0', len) != NULL)
			err = "key file contains a NUL byte";
		else
			err = parse_keyfile(tmp, text);
	}
	if (err == NULL) {
		token_ring_wipe(ring);
		memcpy(ring->keys, tmp->keys, sizeof(ring->keys));
		ring->count = tmp->count;
	}
	OPENSSL_cleanse(text, KEYFILE_MAX + 1);
	free(text);
	token_ring_wipe(tmp);
	free(tmp);
	if (err != NULL) {
		if (errstr != NULL)
			*errstr = err;
		return -1;
	}
	return 0;
}

static void
hmac256(const struct token_key *k, const char *data, size_t len,
    unsigned char mac[MAC_LEN])
{
	digest_hmac_sha256(k->secret, k->secret_len, data, len, mac);
}

char *
token_sign(struct arena *a, const struct token_ring *ring,
    struct token_claims *claims, time_t now)
{
	const struct token_key	*k;
	struct json_writer	*w;
	unsigned char		 mac[MAC_LEN];
	const char		*header, *body;
	size_t			 hlen, blen, off;
	char			*tok;

	if (ring->count == 0)
		return NULL;
	k = &ring->keys[ring->count - 1];
	claims->iat = (int64_t)now;
	claims->exp = (int64_t)now + ring->ttl;

	header = arena_printf(a, "{\"alg\":\"HS256\",\"typ\":\"JWT\","
	    "\"kid\":\"%s\"}", k->kid);
	hlen = strlen(header);

	w = json_writer_new(a);
	json_w_object_open(w);
	json_w_kv_string(w, "iss", ring->issuer);
	json_w_kv_string(w, "aud", ring->audience);
	json_w_kv_string(w, "sub", claims->sub);
	json_w_kv_string(w, "role", claims->role);
	json_w_kv_string(w, "sid", claims->sid);
	json_w_kv_int(w, "iat", claims->iat);
	json_w_kv_int(w, "exp", claims->exp);
	json_w_object_close(w);
	body = json_writer_text(w, &blen);

	tok = arena_alloc(a, BASE64URL_ENCODED_SIZE(hlen) +
	    BASE64URL_ENCODED_SIZE(blen) + BASE64URL_ENCODED_SIZE(MAC_LEN));
	off = base64url_encode((const unsigned char *)header, hlen, tok);
	tok[off++] = '.';
	off += base64url_encode((const unsigned char *)body, blen, tok + off);
	hmac256(k, tok, off, mac);
	tok[off++] = '.';
	base64url_encode(mac, MAC_LEN, tok + off);
	OPENSSL_cleanse(mac, sizeof(mac));
	return tok;
}

/* Decodes one base64url part into the arena; NULL if it is not valid. */
static unsigned char *
decode_part(struct arena *a, const char *s, size_t n, size_t *outlen)
{
	unsigned char	*out;
	long		 r;

	out = arena_alloc(a, n * 3 / 4 + 1);
	if ((r = base64url_decode(s, n, out)) < 0)
		return NULL;
	*outlen = (size_t)r;
	return out;
}

/* A string member that is text (UTF-8, no NUL), or NULL. */
static const struct json_value *
get_string(const struct json_value *obj, const char *key)
{
	const struct json_value	*v = json_get(obj, key);

	return json_string_ok(v) ? v : NULL;
}

static int
string_is(const struct json_value *v, const char *want)
{
	size_t	 n = strlen(want);

	return json_string_ok(v) && v->u.string.len == n &&
	    memcmp(v->u.string.ptr, want, n) == 0;
}

/* Copies a non-empty string claim that fits dst (with its NUL). */
static int
copy_claim(const struct json_value *obj, const char *key, char *dst,
    size_t size)
{
	const struct json_value	*v = get_string(obj, key);

	if (v == NULL || v->u.string.len == 0 || v->u.string.len >= size)
		return -1;
	memcpy(dst, v->u.string.ptr, v->u.string.len + 1);
	return 0;
}

static int
audience_ok(const struct json_value *aud, const char *want)
{
	size_t	 i;

	if (aud == NULL)
		return 0;
	if (aud->type == JSON_STRING)
		return string_is(aud, want);
	if (aud->type != JSON_ARRAY)
		return 0;
	for (i = 0; i < aud->u.array.count; i++)
		if (string_is(aud->u.array.items[i], want))
			return 1;
	return 0;
}

static enum token_status
check_claims(const struct token_ring *ring, const struct json_value *c,
    time_t now, struct token_claims *out)
{
	const struct json_value	*iat, *exp;
	size_t			 i;

	if (c->type != JSON_OBJECT)
		return TOKEN_MALFORMED;
	if (!string_is(json_get(c, "iss"), ring->issuer) ||
	    !audience_ok(json_get(c, "aud"), ring->audience))
		return TOKEN_BAD_CLAIMS;
	if (copy_claim(c, "sub", out->sub, sizeof(out->sub)) == -1 ||
	    copy_claim(c, "role", out->role, sizeof(out->role)) == -1 ||
	    copy_claim(c, "sid", out->sid, sizeof(out->sid)) == -1)
		return TOKEN_BAD_CLAIMS;
	for (i = 0; out->sub[i] != '\0'; i++)
		if (out->sub[i] < '0' || out->sub[i] > '9')
			return TOKEN_BAD_CLAIMS;
	iat = json_get(c, "iat");
	exp = json_get(c, "exp");
	if (json_as_int64(iat, false, &out->iat) == -1 ||
	    json_as_int64(exp, false, &out->exp) == -1)
		return TOKEN_BAD_CLAIMS;
	if (out->iat > (int64_t)now + IAT_LEEWAY)
		return TOKEN_BAD_CLAIMS;
	if (out->exp <= (int64_t)now)
		return TOKEN_EXPIRED;
	return TOKEN_OK;
}

enum token_status
token_verify(struct arena *a, const struct token_ring *ring,
    const char *token, size_t len, time_t now, struct token_claims *out)
{
	const struct token_key	*key = NULL;
	const struct json_value	*hdr, *claims, *kid, *typ;
	const char		*d1, *d2;
	unsigned char		*h, *p, *s;
	unsigned char		 mac[MAC_LEN];
	size_t			 hl, pl, sl, i;
	enum token_status	 st;
	struct token_claims	 tmp;

	memset(out, 0, sizeof(*out));
	if (token == NULL || len == 0 || len > TOKEN_MAX_LEN ||
	    memchr(token, '\0', len) != NULL)
		return TOKEN_MALFORMED;
	if ((d1 = memchr(token, '.', len)) == NULL ||
	    (d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token))) ==
	    NULL ||
	    memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)) != NULL)
		return TOKEN_MALFORMED;
	if ((h = decode_part(a, token, (size_t)(d1 - token), &hl)) == NULL ||
	    (p = decode_part(a, d1 + 1, (size_t)(d2 - d1 - 1), &pl)) == NULL ||
	    (s = decode_part(a, d2 + 1, len - (size_t)(d2 + 1 - token),
	    &sl)) == NULL)
		return TOKEN_MALFORMED;

	hdr = json_parse(a, (const char *)h, hl, NULL);
	if (hdr == NULL || hdr->type != JSON_OBJECT)
		return TOKEN_MALFORMED;
	if (!string_is(json_get(hdr, "alg"), "HS256"))
		return TOKEN_BAD_ALG;
	if ((typ = json_get(hdr, "typ")) != NULL && !string_is(typ, "JWT"))
		return TOKEN_MALFORMED;
	/* We implement no extensions, so any "crit" is one we do not know. */
	if (json_get(hdr, "crit") != NULL)
		return TOKEN_MALFORMED;
	if ((kid = get_string(hdr, "kid")) == NULL)
		return TOKEN_UNKNOWN_KID;
	for (i = 0; i < ring->count; i++)
		if (string_is(kid, ring->keys[i].kid)) {
			key = &ring->keys[i];
			break;
		}
	if (key == NULL)
		return TOKEN_UNKNOWN_KID;

	if (sl != MAC_LEN)
		return TOKEN_BAD_SIGNATURE;
	hmac256(key, token, (size_t)(d2 - token), mac);
	if (CRYPTO_memcmp(mac, s, MAC_LEN) != 0) {
		OPENSSL_cleanse(mac, sizeof(mac));
		return TOKEN_BAD_SIGNATURE;
	}
	OPENSSL_cleanse(mac, sizeof(mac));

	if ((claims = json_parse(a, (const char *)p, pl, NULL)) == NULL)
		return TOKEN_MALFORMED;
	memset(&tmp, 0, sizeof(tmp));
	if ((st = check_claims(ring, claims, now, &tmp)) == TOKEN_OK)
		*out = tmp;
	return st;
}

const char *
token_status_text(enum token_status st)
{
	switch (st) {
	case TOKEN_OK:
		return "ok";
	case TOKEN_MALFORMED:
		return "malformed token";
	case TOKEN_BAD_ALG:
		return "unsupported algorithm";
	case TOKEN_UNKNOWN_KID:
		return "unknown key id";
	case TOKEN_BAD_SIGNATURE:
		return "bad signature";
	case TOKEN_BAD_CLAIMS:
		return "invalid claims";
	case TOKEN_EXPIRED:
		return "token expired";
	}
	return "unknown token status";
}
