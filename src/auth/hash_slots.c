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

int
hash_slots_create(int slots)
{
	union semun arg;
	int id;

	if ((id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600)) == -1)
		return -1;
	arg.val = slots;
	if (semctl(id, 0, SETVAL, arg) == -1) {
		hash_slots_destroy(id);
		return -1;
	}
	return id;
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
	struct sembuf op = { .sem_num = 0, .sem_op = -1, .sem_flg = SEM_UNDO };
	struct timespec deadline, now, left;

	if (id < 0)
		return 0;
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
			return -1;
		if (semtimedop(id, &op, 1, &left) == 0)
			return 0;
		if (errno == EAGAIN)
			return -1;
		if (errno != EINTR) {
			log_warn("semtimedop");
			return -1;
		}
	}
}

void
hash_slot_release(int id)
{
	struct sembuf op = { .sem_num = 0, .sem_op = 1, .sem_flg = SEM_UNDO };

	if (id >= 0 && semop(id, &op, 1) == -1)
		log_warn("semop release");
}
