/*
 * master.h - the supervising process of `cexup-api serve`.
 *
 * Opens the listening socket, forks the workers and then only supervises:
 * respawns dead workers (at once when they die after reporting ready, with
 * backoff when they fail before; master.c has the policy), replaces them
 * one by one on SIGHUP, and drains them on SIGTERM/SIGINT.
 */
#ifndef CEXUP_MASTER_H
#define CEXUP_MASTER_H

struct config;

/*
 * Exit status for a worker that cannot run with this configuration: the
 * master stops when no worker was ever ready, else it backs off.
 */
#define EXIT_CONFIG	78

/* Runs until drained; returns the process exit status. */
int	master_run(struct config *cfg);

/*
 * Respawn delay after `streak` consecutive failures before ready:
 * min(100 ms * 2^(streak-1), 30 s); 0 when streak is 0.  Pure, for tests.
 */
long	master_backoff_ms(unsigned streak);

#endif
