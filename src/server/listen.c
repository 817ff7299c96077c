/*
 * listen.c - socket activation or bind.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "server/listen.h"

#define SD_LISTEN_FDS_START	3

/*
 * sd_listen_fds(): systemd passes sockets from fd 3 on when LISTEN_PID is
 * ours, named by the socket units' FileDescriptorName= in LISTEN_FDNAMES
 * (colon-separated).  A pool takes the socket of its name; a single socket
 * without a pool's name (the unit's default name) is the api pool's.
 */
static int
listen_from_systemd(const char *pool)
{
	const char *pid_s = getenv("LISTEN_PID");
	const char *fds_s = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES"), *p, *end;
	size_t len = strlen(pool), n;
	long pid, nfds, i;

	if (pid_s == NULL || fds_s == NULL)
		return -1;
	if (parse_long(pid_s, 1, 1L << 30, &pid) == -1 ||
	    parse_long(fds_s, 1, 64, &nfds) == -1 || pid != (long)getpid())
		return -1;
	for (i = 0, p = names; p != NULL && i < nfds; i++) {
		end = strchr(p, ':');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n == len && strncmp(p, pool, len) == 0)
			return SD_LISTEN_FDS_START + (int)i;
		p = end != NULL ? end + 1 : NULL;
	}
	if (nfds == 1 && strcmp(pool, "api") == 0 &&
	    (names == NULL || strcmp(names, "auth") != 0))
		return SD_LISTEN_FDS_START;
	return -1;
}

void
listen_forget_systemd(void)
{
	/* The workers must not see them. */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

static int
bind_unix(const char *path, int mode, int backlog, char *err,
    unsigned long errsize)
{
	struct sockaddr_un sun;
	int fd;
	mode_t old_umask;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errsize, "listen: socket path too long");
		return -1;
	}
	strlcpy_safe(sun.sun_path, path, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errsize, "socket: %s", strerror(errno));
		return -1;
	}
	/* A stale socket from a crashed run would make bind fail. */
	(void)unlink(path);
	old_umask = umask(0777 & ~mode);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errsize, "bind %s: %s", path, strerror(errno));
		umask(old_umask);
		close(fd);
		return -1;
	}
	umask(old_umask);
	if (chmod(path, (mode_t)mode) == -1 || listen(fd, backlog) == -1) {
		snprintf(err, errsize, "listen %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
bind_tcp(const char *spec, int backlog, char *err, unsigned long errsize)
{
	struct addrinfo hints, *res, *ai;
	char host[256];
	const char *colon = strrchr(spec, ':');
	size_t hostlen = (size_t)(colon - spec);
	int fd = -1, on = 1, gai;

	if (hostlen >= sizeof(host)) {
		snprintf(err, errsize, "listen: host too long");
		return -1;
	}
	memcpy(host, spec, hostlen);
	host[hostlen] = '\0';
	/* [::1]:9000 */
	if (hostlen >= 2 && host[0] == '[' && host[hostlen - 1] == ']') {
		memmove(host, host + 1, hostlen - 2);
		host[hostlen - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((gai = getaddrinfo(*host ? host : NULL, colon + 1, &hints,
	    &res)) != 0) {
		snprintf(err, errsize, "listen %s: %s", spec,
		    gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, backlog) == 0)
			break;
		snprintf(err, errsize, "listen %s: %s", spec, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
listen_open(const char *pool, const char *spec, int mode, int backlog,
    int *from_systemd, char *err, unsigned long errsize)
{
	struct timeval wake;
	int fd, flags;

	*from_systemd = 0;
	if ((fd = listen_from_systemd(pool)) != -1)
		*from_systemd = 1;
	else if (strncmp(spec, "unix:", 5) == 0)
		fd = bind_unix(spec + 5, mode, backlog, err, errsize);
	else
		fd = bind_tcp(spec, backlog, err, errsize);
	if (fd == -1)
		return -1;
	/*
	 * Blocking, with a receive timeout: an idle worker sleeps in
	 * accept(), and the kernel wakes one sleeper per connection (a
	 * non-blocking socket behind epoll woke workers that then found
	 * nothing: a third of all wake-ups).  The timeout is what lets a
	 * signal through: with SO_RCVTIMEO set, accept() fails with EINTR
	 * even under SA_RESTART (signal(7)), and it also bounds the one
	 * race left, a stop request that comes just before accept() sleeps.
	 */
	flags = fcntl(fd, F_GETFL);
	if (flags == -1 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		snprintf(err, errsize, "fcntl: %s", strerror(errno));
		return -1;
	}
	wake.tv_sec = LISTEN_ACCEPT_WAKE_MS / 1000;
	wake.tv_usec = (LISTEN_ACCEPT_WAKE_MS % 1000) * 1000;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wake, sizeof(wake))
	    == -1) {
		snprintf(err, errsize, "setsockopt SO_RCVTIMEO: %s",
		    strerror(errno));
		return -1;
	}
	return fd;
}

void
listen_cleanup(const char *spec, int from_systemd)
{
	if (!from_systemd && strncmp(spec, "unix:", 5) == 0)
		(void)unlink(spec + 5);
}
