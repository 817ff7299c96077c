/*
 * worker.h - one prefork worker: accept, handle, repeat.
 */
#ifndef CEXUP_WORKER_H
#define CEXUP_WORKER_H

struct config;
struct metrics;

/* Message a worker sends the master over the status pipe. */
struct worker_status {
	int	pid;
	int	state;		/* WORKER_READY */
};
#define WORKER_READY	1

/* Never returns: exits 0 (drained or recycled), EXIT_CONFIG or 1. */
void	worker_main(const struct config *cfg, int listen_fd, int status_fd,
	    int hash_slots_id, struct metrics *, int master_pid)
	    __attribute__((noreturn));

#endif
