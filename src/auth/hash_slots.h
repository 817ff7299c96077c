/*
 * hash_slots.h - a node-wide bound on concurrent password hashes
 * (docs/API.md §6 hash_slots).
 *
 * A SysV semaphore set created by the master and shared by its workers.
 * SEM_UNDO gives a slot back when its holder dies, even by kill -9, so a
 * crash can never shrink the pool.
 *
 * Besides the slots there is a waiting room of the same size: a login that
 * finds no free slot may wait only if a place in the room is free, else it
 * is refused at once.  So at most 2 x slots workers are ever busy with
 * passwords, and a login flood cannot tie up every worker: token refreshes
 * and catalog reads keep being served.
 */
#ifndef CEXUP_HASH_SLOTS_H
#define CEXUP_HASH_SLOTS_H

/* Returns the semaphore id, or -1 with errno set. */
int	hash_slots_create(int slots);
void	hash_slots_destroy(int id);
/*
 * Waits up to wait_ms for a slot: 0 when one was taken, -1 on timeout.
 * With id < 0 (command-line tools) there is no bound: always 0.
 */
int	hash_slot_acquire(int id, int wait_ms);
void	hash_slot_release(int id);

#endif
