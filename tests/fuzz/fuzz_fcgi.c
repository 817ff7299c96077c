/*
 * fuzz_fcgi.c - the check of a FastCGI request's head (fcgi_guard_check).
 * Its verdict on any bytes is the verdict of a plain reference reader that
 * works the other way round (first the records, collecting the PARAMS
 * content, then the name-value pairs of what it collected); a complete
 * head never exceeds a cap, is complete alone (trailing bytes are the
 * body's), and no shorter prefix of it is complete; an invalid prefix
 * stays invalid however it goes on.  Every call gets a buffer of exactly
 * its length, so that ASan sees any read past it.
 */
#include <string.h>

#include "server/fcgi_guard.h"
#include "fuzz.h"

static uint8_t	stream[FCGI_GUARD_MAX_PARAMS_BYTES];

static enum fcgi_guard_verdict
ref_pairs(size_t slen, int ended)
{
	size_t off = 0, count = 0, len[2], k, i;
	enum fcgi_guard_verdict partial = ended ? FCGI_GUARD_INVALID :
	    FCGI_GUARD_INCOMPLETE;

	while (off < slen) {
		if (++count > FCGI_GUARD_MAX_PAIRS)
			return FCGI_GUARD_INVALID;
		for (k = 0; k < 2; k++) {
			if (off >= slen)
				return partial;
			if (stream[off] & 0x80) {
				if (slen - off < 4)
					return partial;
				len[k] = ((size_t)stream[off] & 0x7f) << 24 |
				    (size_t)stream[off + 1] << 16 |
				    (size_t)stream[off + 2] << 8 | stream[off + 3];
				off += 4;
			} else
				len[k] = stream[off++];
			if (off + len[k] > FCGI_GUARD_MAX_PARAMS_BYTES)
				return FCGI_GUARD_INVALID;
			if (k == 0 && len[0] == 0)
				return FCGI_GUARD_INVALID;
		}
		for (i = 0; i < len[0] && off + i < slen; i++)
			if (stream[off + i] == '=' || stream[off + i] == 0)
				return FCGI_GUARD_INVALID;
		if (slen - off < len[0] + len[1])
			return partial;
		off += len[0] + len[1];
	}
	return ended ? FCGI_GUARD_COMPLETE : FCGI_GUARD_INCOMPLETE;
}

static enum fcgi_guard_verdict
reference(const uint8_t *d, size_t n, size_t *length)
{
	size_t pos, slen = 0, records = 0, clen, plen, avail;
	unsigned id;

	*length = 0;
	if (n < 8)
		return FCGI_GUARD_INCOMPLETE;
	if (d[0] != 1 || d[1] != 1 || (d[2] == 0 && d[3] == 0) ||
	    d[4] != 0 || d[5] != 8)
		return FCGI_GUARD_INVALID;
	id = (unsigned)d[2] << 8 | d[3];
	if (n < 16 + (size_t)d[6])
		return FCGI_GUARD_INCOMPLETE;
	if (d[8] != 0 || d[9] != 1)
		return FCGI_GUARD_INVALID;
	pos = 16 + (size_t)d[6];
	for (;;) {
		if (n - pos < 8)
			return ref_pairs(slen, 0);
		clen = (size_t)d[pos + 4] << 8 | d[pos + 5];
		plen = d[pos + 6];
		if (d[pos] != 1 || d[pos + 1] != 4 ||
		    ((unsigned)d[pos + 2] << 8 | d[pos + 3]) != id ||
		    ++records > FCGI_GUARD_MAX_PARAMS_RECORDS ||
		    slen + clen > FCGI_GUARD_MAX_PARAMS_BYTES)
			return FCGI_GUARD_INVALID;
		pos += 8;
		avail = n - pos < clen ? n - pos : clen;
		memcpy(stream + slen, d + pos, avail);
		slen += avail;
		if (avail < clen || n - pos - clen < plen)
			return ref_pairs(slen, 0);
		pos += clen + plen;
		if (clen == 0) {
			*length = pos;
			return ref_pairs(slen, 1);
		}
	}
}

/* fcgi_guard_check on the first len bytes, in a buffer of their own. */
static enum fcgi_guard_verdict
check_prefix(const uint8_t *d, size_t len, struct fcgi_guard_result *r)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum fcgi_guard_verdict v;

	FUZZ_CHECK(copy != NULL);
	memcpy(copy, d, len);
	v = fcgi_guard_check(copy, len, r);
	free(copy);
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fcgi_guard_result r, p;
	enum fcgi_guard_verdict v, want;
	size_t ref_length, half = size / 2;

	v = check_prefix(data, size, &r);
	want = reference(data, size, &ref_length);
	FUZZ_CHECK(v == want);
	FUZZ_CHECK(r.verdict == v);
	FUZZ_CHECK((v == FCGI_GUARD_INVALID) == (r.reason != NULL));
	FUZZ_CHECK(r.params_bytes <= FCGI_GUARD_MAX_PARAMS_BYTES);
	FUZZ_CHECK(r.pairs <= FCGI_GUARD_MAX_PAIRS + 1);

	if (v == FCGI_GUARD_COMPLETE) {
		FUZZ_CHECK(r.length == ref_length);
		FUZZ_CHECK(r.length <= size && r.length <= FCGI_GUARD_MAX_HEAD);
		FUZZ_CHECK(r.pairs <= FCGI_GUARD_MAX_PAIRS);
		FUZZ_CHECK(check_prefix(data, r.length, &p) ==
		    FCGI_GUARD_COMPLETE && p.length == r.length &&
		    p.pairs == r.pairs && p.params_bytes == r.params_bytes);
		FUZZ_CHECK(check_prefix(data, r.length - 1, &p) ==
		    FCGI_GUARD_INCOMPLETE);
		if (half < r.length)
			FUZZ_CHECK(check_prefix(data, half, &p) ==
			    FCGI_GUARD_INCOMPLETE);
	} else {
		FUZZ_CHECK(r.length == 0);
	}
	if (check_prefix(data, half, &p) == FCGI_GUARD_INVALID)
		FUZZ_CHECK(v == FCGI_GUARD_INVALID);
	return 0;
}
