/*
 * log.h - diagnostics to stderr (journald keeps them under systemd).
 *
 * log_warn/log_fatal append strerror(errno); the x variants do not.
 * log_fatal* are for start-up only: they exit(1).
 */
#ifndef CEXUP_LOG_H
#define CEXUP_LOG_H

#include <syslog.h>

void	log_init(const char *progname, int level);
void	log_set_level(int level);
int	log_level_from_name(const char *);	/* -1 if unknown */
void	log_set_role(const char *role);		/* "master", "worker" */

void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	log_fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
