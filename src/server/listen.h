/*
 * listen.h - the listening socket: inherited from systemd (LISTEN_FDS) or
 * bound from the `listen` setting.  Opened by the master before forking.
 */
#ifndef CEXUP_LISTEN_H
#define CEXUP_LISTEN_H

/*
 * Returns a non-blocking listening fd, or -1 with a message in err.
 * *from_systemd tells whether it came from socket activation.
 */
int	listen_open(const char *spec, int mode, int backlog, int *from_systemd,
	    char *err, unsigned long errsize);
/* Removes the unix socket file we created (not systemd's). */
void	listen_cleanup(const char *spec, int from_systemd);

#endif
