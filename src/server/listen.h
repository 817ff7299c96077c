/*
 * listen.h - the listening socket: inherited from systemd (LISTEN_FDS) or
 * bound from the `listen` / `auth_listen` settings.  Opened by the master before forking.
 */
#ifndef CEXUP_LISTEN_H
#define CEXUP_LISTEN_H

/*
 * An idle worker's accept() returns -EAGAIN after this long with nothing
 * to take, and it looks at its stop flag again: the longest a stop request
 * can wait for an idle worker (see listen.c).
 */
#define LISTEN_ACCEPT_WAKE_MS	1000

/*
 * Returns a blocking listening fd with LISTEN_ACCEPT_WAKE_MS as its
 * receive timeout for the pool, or -1 with a message in
 * err: the socket systemd passed under the pool's name (FileDescriptorName=;
 * a lone unnamed socket is the api pool's), else spec bound here.
 * *from_systemd tells whether it came from socket activation.
 */
int	listen_open(const char *pool, const char *spec, int mode, int backlog,
	    int *from_systemd, char *err, unsigned long errsize);
/* Call once every pool is open: the workers must not see LISTEN_*. */
void	listen_forget_systemd(void);
/* Removes the unix socket file we created (not systemd's). */
void	listen_cleanup(const char *spec, int from_systemd);

#endif
