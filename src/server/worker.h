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

/* What the master hands a worker it forks. */
struct worker_args {
	const struct config	*cfg;
	int			 pool;		/* enum pool_id */
	int			 place;		/* its scoreboard place */
	int			 listen_fd;	/* the pool's socket */
	int			 status_fd;	/* WORKER_READY goes here */
	int			 hash_slots_id;
	struct metrics		*metrics;
	int			 master_pid;
};

/* Never returns: exits 0 (drained or recycled), EXIT_CONFIG or 1. */
void	worker_main(const struct worker_args *) __attribute__((noreturn));

#endif
