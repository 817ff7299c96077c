/*
 * password.c - Argon2id (reference libargon2) and imported bcrypt hashes.
 *
 * Argon2 runs through argon2_ctx() with our own allocator: libargon2 would
 * malloc() m KiB per hash and free it, which leaves ~m KiB in every worker's
 * heap (glibc's dynamic mmap threshold) and page-faults a fresh buffer on
 * every hash.  Instead each process keeps one mmap'd work buffer, made on
 * its first hash (a worker that never hashes never holds one) and returned
 * to the kernel exactly by password_release_buffer().  Workers are
 * single-threaded; the callbacks take no user pointer, hence file state.
 */
#include <sys/mman.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <crypt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <argon2.h>

#include "auth/hash_slots.h"
#include "auth/password.h"
#include "core/base64.h"
#include "core/metrics.h"

#define SALT_LEN	16
#define HASH_LEN	32
/* Longest salt / digest accepted from a stored hash (ours are 16 / 32). */
#define FIELD_MAX	512

static struct {
	uint8_t				*base;
	size_t				 size;	/* mapped bytes */
	bool				 in_use;
	struct password_buffer_stats	 stats;
} work;

static size_t
page_round(size_t n)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t p = page > 0 ? (size_t)page : 4096;

	return n > SIZE_MAX - p ? 0 : (n + p - 1) / p * p;
}

static uint8_t *
map_bytes(size_t size)
{
	void *m;

	if (size == 0)
		return NULL;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	work.stats.maps++;
	return m;
}

/* argon2 allocate_cbk: the kept buffer, grown when a hash needs more. */
static int
work_allocate(uint8_t **memory, size_t bytes)
{
	size_t size = page_round(bytes);

	work.stats.allocations++;
	*memory = NULL;
	if (work.in_use) {
		/* Not reached single-threaded; a private mapping is safe. */
		*memory = map_bytes(size);
		return *memory == NULL ? ARGON2_MEMORY_ALLOCATION_ERROR :
		    ARGON2_OK;
	}
	if (work.base != NULL && work.size < size) {
		/* A stored hash with a larger m: grow rather than fail. */
		password_release_buffer();
	}
	if (work.base == NULL) {
		if ((work.base = map_bytes(size)) == NULL)
			return ARGON2_MEMORY_ALLOCATION_ERROR;
		work.size = size;
	}
	work.in_use = true;
	*memory = work.base;
	return ARGON2_OK;
}

/* argon2 free_cbk: libargon2 has already wiped the blocks. */
static void
work_free(uint8_t *memory, size_t bytes)
{
	if (memory == NULL)
		return;
	if (memory == work.base) {
		work.in_use = false;
		return;
	}
	(void)munmap(memory, page_round(bytes));
}

void
password_release_buffer(void)
{
	if (work.base != NULL && !work.in_use) {
		(void)munmap(work.base, work.size);
		work.base = NULL;
		work.size = 0;
	}
}

void
password_buffer_stats(struct password_buffer_stats *out)
{
	*out = work.stats;
	out->mapped_bytes = work.size;
}

bool
password_params_valid(const struct password_params *p)
{
	return p->iterations >= ARGON2_MIN_TIME &&
	    p->parallelism >= ARGON2_MIN_LANES &&
	    p->parallelism <= ARGON2_MAX_LANES &&
	    p->memory_kib >= ARGON2_MIN_MEMORY &&
	    (uint64_t)p->memory_kib >= 8 * (uint64_t)p->parallelism;
}

static void
context_init(argon2_context *ctx, uint32_t m, uint32_t t, uint32_t p,
    uint32_t version, const char *pw, size_t len)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->pwd = (uint8_t *)(uintptr_t)pw;	/* flags: never cleared */
	ctx->pwdlen = (uint32_t)len;
	ctx->m_cost = m;
	ctx->t_cost = t;
	ctx->lanes = p;
	ctx->threads = p;
	ctx->version = version;
	ctx->allocate_cbk = work_allocate;
	ctx->free_cbk = work_free;
	ctx->flags = ARGON2_DEFAULT_FLAGS;
}

/* PHC strings use the standard alphabet without padding. */
static size_t
phc_b64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i, len = base64url_encode(in, n, out);

	for (i = 0; i < len; i++)
		out[i] = out[i] == '-' ? '+' : out[i] == '_' ? '/' : out[i];
	return len;
}

/* Decodes in[0..n) into out (FIELD_MAX); the decoded length or -1. */
static long
phc_b64_decode(const char *in, size_t n, unsigned char out[FIELD_MAX])
{
	char url[FIELD_MAX * 4 / 3 + 4];
	size_t i;

	if (n >= sizeof(url) || n * 3 / 4 + 1 > FIELD_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if (in[i] == '-' || in[i] == '_')
			return -1;
		url[i] = in[i] == '+' ? '-' : in[i] == '/' ? '_' : in[i];
	}
	return base64url_decode(url, n, out);
}

int
password_hash(const struct password_params *p, const char *pw, size_t len,
    char out[PASSWORD_HASH_MAX])
{
	unsigned char salt[SALT_LEN], digest[HASH_LEN];
	argon2_context ctx;
	size_t need, off;
	int rc;

	if (len > ARGON2_MAX_PWD_LENGTH)
		return -1;
	need = argon2_encodedlen(p->iterations, p->memory_kib, p->parallelism,
	    SALT_LEN, HASH_LEN, Argon2_id);
	if (need > PASSWORD_HASH_MAX)
		return -1;
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return -1;
	context_init(&ctx, p->memory_kib, p->iterations, p->parallelism,
	    ARGON2_VERSION_13, pw, len);
	ctx.salt = salt;
	ctx.saltlen = SALT_LEN;
	ctx.out = digest;
	ctx.outlen = HASH_LEN;
	rc = argon2_ctx(&ctx, Argon2_id);
	if (rc == ARGON2_OK) {
		/* The layout of libargon2's encode_string(), byte for byte. */
		off = (size_t)snprintf(out, PASSWORD_HASH_MAX,
		    "$argon2id$v=%u$m=%u,t=%u,p=%u$",
		    (unsigned)ARGON2_VERSION_13, p->memory_kib, p->iterations,
		    p->parallelism);
		off += phc_b64_encode(salt, SALT_LEN, out + off);
		out[off++] = '$';
		phc_b64_encode(digest, HASH_LEN, out + off);
	}
	OPENSSL_cleanse(digest, sizeof(digest));
	return rc == ARGON2_OK ? 0 : -1;
}

/* Digits of a uint32_t at *s; no leading zero, as in libargon2. */
static bool
parse_u32(const char **s, uint32_t *v)
{
	const char *c = *s;
	uint64_t acc = 0;

	if (*c < '0' || *c > '9' || (c[0] == '0' && c[1] >= '0' &&
	    c[1] <= '9'))
		return false;
	for (; *c >= '0' && *c <= '9'; c++)
		if ((acc = acc * 10 + (uint64_t)(*c - '0')) > UINT32_MAX)
			return false;
	*v = (uint32_t)acc;
	*s = c;
	return true;
}

static bool
skip(const char **s, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*s, lit, n) != 0)
		return false;
	*s += n;
	return true;
}

/*
 * Verifies pw against a "$<type>[$v=V]$m=M,t=T,p=P$salt$hash" string with
 * the parameters it holds, accepting what libargon2's decoder accepts.
 */
static bool
argon2_string_verify(const char *stored, const char *type_prefix,
    argon2_type type, const char *pw, size_t len)
{
	unsigned char salt[FIELD_MAX], expected[FIELD_MAX], digest[FIELD_MAX];
	const char *s = stored, *dollar;
	uint32_t version = ARGON2_VERSION_10, m, t, p;
	argon2_context ctx;
	long saltlen, outlen;
	int rc;

	if (len > ARGON2_MAX_PWD_LENGTH || !skip(&s, type_prefix))
		return false;
	if (skip(&s, "$v=") && !parse_u32(&s, &version))
		return false;
	if (!skip(&s, "$m=") || !parse_u32(&s, &m) || !skip(&s, ",t=") ||
	    !parse_u32(&s, &t) || !skip(&s, ",p=") || !parse_u32(&s, &p) ||
	    !skip(&s, "$") || (dollar = strchr(s, '$')) == NULL)
		return false;
	if ((saltlen = phc_b64_decode(s, (size_t)(dollar - s), salt)) < 0 ||
	    (outlen = phc_b64_decode(dollar + 1, strlen(dollar + 1),
	    expected)) < 0)
		return false;
	context_init(&ctx, m, t, p, version, pw, len);
	ctx.salt = salt;
	ctx.saltlen = (uint32_t)saltlen;
	ctx.out = digest;
	ctx.outlen = (uint32_t)outlen;
	/* Recomputes, then compares in constant time (argon2_compare). */
	rc = argon2_verify_ctx(&ctx, (const char *)expected, type);
	OPENSSL_cleanse(digest, sizeof(digest));
	return rc == ARGON2_OK;
}

/*
 * bcrypt through libxcrypt.  PHP writes "$2y$", which is the same algorithm
 * as "$2b$"; libxcrypt accepts both.  crypt_rn() compares nothing itself, so
 * the comparison below is constant-time.
 */
static bool
bcrypt_verify(const char *stored, const char *pw, size_t len)
{
	struct crypt_data data;
	char pwbuf[PASSWORD_MAX_LEN + 1];
	const char *out;
	size_t slen = strlen(stored);
	bool match;

	/* bcrypt reads a C string; a NUL inside would truncate it. */
	if (len > PASSWORD_MAX_LEN || memchr(pw, '\0', len) != NULL)
		return false;
	memcpy(pwbuf, pw, len);
	pwbuf[len] = '\0';
	memset(&data, 0, sizeof(data));
	out = crypt_rn(pwbuf, stored, &data, sizeof(data));
	match = out != NULL && out[0] != '*' && strlen(out) == slen &&
	    CRYPTO_memcmp(out, stored, slen) == 0;
	OPENSSL_cleanse(pwbuf, sizeof(pwbuf));
	OPENSSL_cleanse(&data, sizeof(data));
	return match;
}

bool
password_verify(const char *stored, const char *pw, size_t len)
{
	if (stored == NULL)
		return false;
	if (strncmp(stored, "$argon2id$", 10) == 0)
		return argon2_string_verify(stored, "$argon2id", Argon2_id, pw,
		    len);
	if (strncmp(stored, "$argon2i$", 9) == 0)
		return argon2_string_verify(stored, "$argon2i", Argon2_i, pw,
		    len);
	if (strncmp(stored, "$2y$", 4) == 0 || strncmp(stored, "$2b$", 4) == 0 ||
	    strncmp(stored, "$2a$", 4) == 0)
		return bcrypt_verify(stored, pw, len);
	return false;
}

bool
password_needs_rehash(const struct password_params *p, const char *stored)
{
	char prefix[96];

	snprintf(prefix, sizeof(prefix), "$argon2id$v=19$m=%u,t=%u,p=%u$",
	    p->memory_kib, p->iterations, p->parallelism);
	return strncmp(stored, prefix, strlen(prefix)) != 0;
}

int
password_make_dummy(const struct password_params *p,
    char out[PASSWORD_HASH_MAX])
{
	unsigned char random_pw[32];
	int rc;

	if (RAND_bytes(random_pw, sizeof(random_pw)) != 1)
		return -1;
	rc = password_hash(p, (const char *)random_pw, sizeof(random_pw), out);
	OPENSSL_cleanse(random_pw, sizeof(random_pw));
	return rc;
}

enum password_check
password_check(const struct password_guard *g, int wait_ms,
    const char *stored, const char *pw, size_t len)
{
	bool match;

	if (wait_ms <= 0 || hash_slot_acquire(g->slots_id, wait_ms) == -1) {
		metrics_add(g->busy_counter, 1);
		return PASSWORD_BUSY;
	}
	if (stored == NULL) {
		/*
		 * Made on the first unknown account rather than at start, so
		 * a worker that never hashes never pays for it; making it
		 * costs what verifying against it costs.
		 */
		if (g->dummy_hash[0] == '\0')
			(void)password_make_dummy(g->params, g->dummy_hash);
		else
			(void)password_verify(g->dummy_hash, pw, len);
		match = false;
	} else
		match = password_verify(stored, pw, len);
	hash_slot_release(g->slots_id);
	return match ? PASSWORD_MATCH : PASSWORD_MISMATCH;
}

int
password_hash_guarded(const struct password_guard *g, int wait_ms,
    const char *pw, size_t len, char out[PASSWORD_HASH_MAX])
{
	int rc;

	if (wait_ms <= 0 || hash_slot_acquire(g->slots_id, wait_ms) == -1) {
		metrics_add(g->busy_counter, 1);
		return -1;
	}
	rc = password_hash(g->params, pw, len, out);
	hash_slot_release(g->slots_id);
	return rc;
}
