/*
 * log.c - diagnostics to stderr, one line each.
 *
 * Lines start with a syslog "<N>" priority only when stderr is not a
 * terminal: journald turns that prefix into the entry's priority.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/log.h"

static const char	*log_progname = "cexup-api";
static const char	*log_role = "main";
static int		 log_level = LOG_INFO;
static int		 log_prefix_priority;

void
log_init(const char *progname, int level)
{
	log_progname = progname;
	log_level = level;
	log_prefix_priority = !isatty(STDERR_FILENO);
}

void
log_set_level(int level)
{
	log_level = level;
}

void
log_set_role(const char *role)
{
	log_role = role;
}

int
log_level_from_name(const char *name)
{
	static const struct {
		const char	*name;
		int		 level;
	} names[] = {
		{ "error", LOG_ERR }, { "warn", LOG_WARNING },
		{ "warning", LOG_WARNING }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG }
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i].name) == 0)
			return names[i].level;
	return -1;
}

static void
log_vwrite(int priority, int with_errno, const char *fmt, va_list ap)
{
	static const char *const level_names[] = {
		[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",
		[LOG_CRIT] = "crit", [LOG_ERR] = "error",
		[LOG_WARNING] = "warn", [LOG_NOTICE] = "notice",
		[LOG_INFO] = "info", [LOG_DEBUG] = "debug"
	};
	char msg[2048];
	int saved_errno = errno;
	size_t len;

	if (priority > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	if (with_errno && len < sizeof(msg))
		snprintf(msg + len, sizeof(msg) - len, ": %s",
		    strerror(saved_errno));
	if (log_prefix_priority)
		fprintf(stderr, "<%d>%s[%ld] %s %s: %s\n", priority,
		    log_progname, (long)getpid(), log_role,
		    level_names[priority], msg);
	else
		fprintf(stderr, "%s[%ld] %s %s: %s\n", log_progname,
		    (long)getpid(), log_role, level_names[priority], msg);
	errno = saved_errno;
}

#define LOG_FN(name, prio, with_errno)				\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
								\
	va_start(ap, fmt);					\
	log_vwrite(prio, with_errno, fmt, ap);			\
	va_end(ap);						\
}

LOG_FN(log_debug, LOG_DEBUG, 0)
LOG_FN(log_info, LOG_INFO, 0)
LOG_FN(log_warn, LOG_WARNING, 1)
LOG_FN(log_warnx, LOG_WARNING, 0)

void
log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
log_fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
