/*
 * log.c - diagnostics to stderr, one line each.
 *
 * Lines start with a syslog "<N>" priority only when stderr is not a
 * terminal: journald turns that prefix into the entry's priority.
 */
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
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

/* A message longer than this is cut (the prefix comes on top). */
#define LOG_MESSAGE_MAX	2048

/*
 * The pid in every line, asked of the kernel once per process: a fork
 * handler forgets it in the child (a system call less per request line).
 */
static pid_t		 log_pid;

static void
log_forget_pid(void)
{
	log_pid = 0;
}

static long
log_current_pid(void)
{
	static int handler_installed;

	if (!handler_installed) {
		(void)pthread_atfork(NULL, NULL, log_forget_pid);
		handler_installed = 1;
	}
	if (log_pid == 0)
		log_pid = getpid();
	return (long)log_pid;
}

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

/* All of buf to fd, through short writes and signals; errors are dropped. */
static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* Adds at buf + *len what fmt makes, within size - 1 (room for '\n'). */
static void
append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - 1 - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < size - 1 - *len ? (size_t)n :
		    size - 2 - *len;
}

/*
 * The line is made in one buffer and leaves in one write(2): lines of
 * several processes sharing stderr never interleave, and the request line
 * every request logs costs one formatting pass, not two.
 */
static void
log_vwrite(int priority, int with_errno, const char *fmt, va_list ap)
{
	static const char *const level_names[] = {
		[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",
		[LOG_CRIT] = "crit", [LOG_ERR] = "error",
		[LOG_WARNING] = "warn", [LOG_NOTICE] = "notice",
		[LOG_INFO] = "info", [LOG_DEBUG] = "debug"
	};
	char line[LOG_MESSAGE_MAX + 512];
	int saved_errno = errno, n;
	size_t len = 0, room;

	if (priority > log_level)
		return;
	if (log_prefix_priority)
		append(line, sizeof(line), &len, "<%d>", priority);
	append(line, sizeof(line), &len, "%s[%ld] %s %s: ", log_progname,
	    log_current_pid(), log_role, level_names[priority]);
	/* The message itself stays within LOG_MESSAGE_MAX - 1 bytes. */
	room = sizeof(line) - 1 - len;
	if (room > LOG_MESSAGE_MAX)
		room = LOG_MESSAGE_MAX;
	n = vsnprintf(line + len, room, fmt, ap);
	if (n > 0)
		len += (size_t)n < room ? (size_t)n : room - 1;
	if (with_errno)
		append(line, sizeof(line), &len, ": %s",
		    strerror(saved_errno));
	line[len++] = '\n';
	write_all(STDERR_FILENO, line, len);
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
