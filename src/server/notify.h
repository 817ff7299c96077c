/*
 * notify.h - sd_notify(3) without libsystemd: one datagram to
 * $NOTIFY_SOCKET.  A no-op when not started by systemd.
 */
#ifndef CEXUP_NOTIFY_H
#define CEXUP_NOTIFY_H

void	notify_systemd(const char *state);

#endif
