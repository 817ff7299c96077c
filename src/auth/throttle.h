/*
 * throttle.h - login lockout shared by every node (docs/API.md §6, §9).
 *
 * Failures are counted in PostgreSQL under one key per account ("user:<id>")
 * when the identifier names one, else under the lower-cased identifier
 * ("id:<identifier>"), so an unknown email locks exactly like a known one.
 * From lockout_threshold failures on, each failure locks the key for
 * lockout_base_seconds doubled per further failure, up to
 * lockout_max_seconds.  Attempts while locked are refused without being
 * counted; a successful login clears the counter.  A counter whose last
 * failure is older than lockout_memory_seconds starts again from one.
 */
#ifndef CEXUP_THROTTLE_H
#define CEXUP_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/db.h"

struct arena;
struct auth_caller;

#define THROTTLE_KEY_MAX	300

/* From the configuration (lockout_*). */
struct lockout_params {
	int	threshold;		/* failures before locking */
	int	base_seconds;
	int	max_seconds;
	int	memory_seconds;
};

/*
 * The counter key: "user:<id>" when user_id > 0, else "id:" and the
 * identifier with ASCII letters lower-cased (truncated to
 * THROTTLE_KEY_MAX bytes on a character boundary), in the arena.
 */
const char	*throttle_key(struct arena *, int64_t user_id,
		    const char *identifier);

/*
 * Counts one failed login under key and records the audit events
 * (login_failed, and lockout when this failure locks the key).  user_id
 * may be 0.  Sets *locked_seconds to the lock this failure imposed (0 if
 * none).
 */
enum db_status	throttle_record_failure(const struct auth_caller *,
		    const struct lockout_params *, const char *key,
		    int64_t user_id, const char *identifier,
		    long *locked_seconds);

/* Records an attempt refused because the key is locked. */
void		throttle_record_blocked(const struct auth_caller *,
		    int64_t user_id, const char *identifier);

/* Clears the counter after a successful login. */
void		throttle_reset(const struct auth_caller *, const char *key);

#endif
