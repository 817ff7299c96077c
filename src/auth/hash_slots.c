/*
 * hash_slots.c - SysV counting semaphore with SEM_UNDO.
 */
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/sem.h>

#include <errno.h>
#include <time.h>

#include "auth/hash_slots.h"
#include "core/log.h"

union semun {
	int		 val;
	struct semid_ds	*buf;
	unsigned short	*array;
};

#define SEM_SLOTS	0
#define SEM_WAITING	1

int
hash_slots_create(int slots)
{
	union semun arg;
	int id;

	if ((id = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600)) == -1)
		return -1;
	arg.val = slots;
	if (semctl(id, SEM_SLOTS, SETVAL, arg) == -1 ||
	    semctl(id, SEM_WAITING, SETVAL, arg) == -1) {
		hash_slots_destroy(id);
		return -1;
	}
	return id;
}

/* Takes (delta -1) or gives back (+1) one unit of semaphore `which`. */
static int
sem_change(int id, unsigned short which, short delta, short flags)
{
	struct sembuf op = { .sem_num = which, .sem_op = delta,
	    .sem_flg = (short)(SEM_UNDO | flags) };

	while (semop(id, &op, 1) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

void
hash_slots_destroy(int id)
{
	if (id >= 0)
		(void)semctl(id, 0, IPC_RMID);
}

int
hash_slot_acquire(int id, int wait_ms)
{
	struct sembuf op = { .sem_num = SEM_SLOTS, .sem_op = -1,
	    .sem_flg = SEM_UNDO };
	struct timespec deadline, now, left;
	int rc;

	if (id < 0)
		return 0;
	/* A free slot: no waiting at all. */
	if (sem_change(id, SEM_SLOTS, -1, IPC_NOWAIT) == 0)
		return 0;
	/* Otherwise wait, if there is room to wait in. */
	if (sem_change(id, SEM_WAITING, -1, IPC_NOWAIT) == -1)
		return -1;
	rc = -1;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += wait_ms / 1000;
	deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = deadline.tv_sec - now.tv_sec;
		left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		if (left.tv_sec < 0)
			break;
		if (semtimedop(id, &op, 1, &left) == 0) {
			rc = 0;
			break;
		}
		if (errno == EAGAIN)
			break;
		if (errno != EINTR) {
			log_warn("semtimedop");
			break;
		}
	}
	(void)sem_change(id, SEM_WAITING, 1, 0);
	return rc;
}

void
hash_slot_release(int id)
{
	if (id >= 0 && sem_change(id, SEM_SLOTS, 1, 0) == -1)
		log_warn("semop release");
}
