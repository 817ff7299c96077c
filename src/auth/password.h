/*
 * password.h - password hashing (Argon2id, reference libargon2) and
 * verification of imported bcrypt hashes (docs/API.md §6).
 */
#ifndef CEXUP_PASSWORD_H
#define CEXUP_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PASSWORD_MIN_LEN	8
#define PASSWORD_MAX_LEN	1024
#define PASSWORD_HASH_MAX	256

struct password_params {
	uint32_t	memory_kib;	/* m */
	uint32_t	iterations;	/* t */
	uint32_t	parallelism;	/* p */
};

/* Writes a PHC string ($argon2id$v=19$m=..,t=..,p=..$salt$hash). 0 or -1. */
int	password_hash(const struct password_params *, const char *pw, size_t len,
	    char out[PASSWORD_HASH_MAX]);

/*
 * True if pw matches the stored hash ($argon2id$, $argon2i$, $2y$, $2b$,
 * $2a$).  An unrecognised or corrupt hash never matches.
 */
bool	password_verify(const char *stored, const char *pw, size_t len);

/* True if stored is not Argon2id with exactly these parameters. */
bool	password_needs_rehash(const struct password_params *, const char *stored);

/*
 * A valid Argon2id hash of a random password with these parameters, made
 * once per worker (password_check() makes it on the first unknown account):
 * verifying against it costs what a real verification costs, so unknown
 * accounts are not revealed by timing.
 */
int	password_make_dummy(const struct password_params *,
	    char out[PASSWORD_HASH_MAX]);

/* True if libargon2 accepts these parameters (m >= 8 p, t >= 1, ...). */
bool	password_params_valid(const struct password_params *);

/*
 * Argon2's work memory (m KiB) is one mmap'd buffer per process, mapped on
 * the first hash and reused by every later one (grown when a stored hash
 * asks for more).  password_release_buffer() unmaps it, returning the
 * memory to the kernel; a later hash maps it again.  Call it when a worker
 * leaves.
 */
void	password_release_buffer(void);

struct password_buffer_stats {
	unsigned long	allocations;	/* hashes that took memory */
	unsigned long	maps;		/* of which mapped some */
	size_t		mapped_bytes;	/* held now (0: none) */
};
void	password_buffer_stats(struct password_buffer_stats *);

/*
 * What a worker needs to hash on the request path: the parameters, the
 * hash-slot semaphore that bounds concurrent hashes on the node, the dummy
 * hash for unknown accounts (a PASSWORD_HASH_MAX buffer, "" until
 * password_check() first needs it), and the counter of refusals (NULL: not
 * counted).
 */
struct password_guard {
	const struct password_params	*params;
	int				 slots_id;
	char				*dummy_hash;
	uint64_t			*busy_counter;
};

enum password_check {
	PASSWORD_MATCH,
	PASSWORD_MISMATCH,
	PASSWORD_BUSY		/* no hash slot in time: 503 */
};

/*
 * Verifies pw against stored, or against the dummy hash when stored is
 * NULL (unknown account: same cost, never a match), under a hash slot
 * taken within wait_ms (what is left of the request's hash_wait_ms; <= 0:
 * refused at once, without hashing).
 */
enum password_check	password_check(const struct password_guard *,
			    int wait_ms, const char *stored, const char *pw,
			    size_t len);
/*
 * Argon2id of a new password under a hash slot taken within wait_ms: 0, or
 * -1 when none was (or hashing failed; both answered 503: retry later).
 */
int			password_hash_guarded(const struct password_guard *,
			    int wait_ms, const char *pw, size_t len,
			    char out[PASSWORD_HASH_MAX]);

#endif
