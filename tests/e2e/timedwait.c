// SPDX-License-Identifier: GPL-2.0
/*
 * Futex waits with a known outcome, counted by the waiter from the syscall's return value:
 * first WAITS waits on timed_word that nobody wakes (each times out after 1 ms), then WAITS
 * waits on woken_word with a 10 s timeout that a second thread ends with FUTEX_WAKE every ms.
 * Prints "timedout N woken N again N waker TID"; "again" counts waits that returned at once.
 * usage: timedwait WAITS
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

_Atomic unsigned timed_word, woken_word;
static atomic_int waking;
static pid_t waker_tid;

static long futex(_Atomic unsigned *word, int op, unsigned val, const struct timespec *timeout)
{
	return syscall(SYS_futex, word, op | FUTEX_PRIVATE_FLAG, val, timeout, NULL, 0);
}

static void *waker(void *arg)
{
	struct timespec gap = {0, 1000 * 1000};

	waker_tid = gettid();
	while (atomic_load(&waking)) {
		nanosleep(&gap, NULL);
		atomic_fetch_add(&woken_word, 1);
		futex(&woken_word, FUTEX_WAKE, 1, NULL);
	}
	return arg;
}

int main(int argc, char **argv)
{
	struct timespec ms = {0, 1000 * 1000}, ten_s = {10, 0};
	long waits, i, timedout = 0, woken = 0, again = 0;
	pthread_t th;

	if (argc != 2 || (waits = atol(argv[1])) < 1) {
		fprintf(stderr, "usage: timedwait WAITS\n");
		return 2;
	}
	for (i = 0; i < waits; i++) {
		if (futex(&timed_word, FUTEX_WAIT, 0, &ms) == -1 && errno == ETIMEDOUT)
			timedout++;
	}
	atomic_store(&waking, 1);
	pthread_create(&th, NULL, waker, NULL);
	for (i = 0; i < waits;) {
		unsigned seen = atomic_load(&woken_word);

		if (futex(&woken_word, FUTEX_WAIT, seen, &ten_s) == 0) {
			woken++;
			i++;
		} else if (errno == EAGAIN) {
			again++;
		}
	}
	atomic_store(&waking, 0);
	pthread_join(th, NULL);
	printf("timedout %ld woken %ld again %ld waker %d\n", timedout, woken, again, waker_tid);
	return 0;
}
