// SPDX-License-Identifier: GPL-2.0
/*
 * Two mutexes of different heat: the larger half of the threads contend for hot_lock with a
 * long critical section, the others for cold_lock with a five times shorter one. Prints, per
 * lock, the tids that held it.
 * usage: two_locks THREADS ITERATIONS
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

pthread_mutex_t hot_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t cold_lock = PTHREAD_MUTEX_INITIALIZER;
static long iterations, nthreads;
static pid_t hot_holders[64], cold_holders[64];

static void spin(unsigned n)
{
	volatile unsigned i;

	for (i = 0; i < n; i++)
		;
}

static void *worker(void *arg)
{
	long slot = (long)arg, i;
	pid_t me = gettid();

	/* the first half and one more contend for hot_lock, the others for cold_lock */
	bool hot = slot < nthreads / 2 + 1;
	pthread_mutex_t *lock = hot ? &hot_lock : &cold_lock;

	/* as many loops as it takes both groups to run about as long */
	for (i = 0; i < (hot ? iterations : 5 * iterations); i++) {
		pthread_mutex_lock(lock);
		if (hot)
			hot_holders[slot] = me;
		else
			cold_holders[slot] = me;
		spin(hot ? 100000 : 20000);
		pthread_mutex_unlock(lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[64];
	long n, i;

	if (argc != 3 || (n = atol(argv[1])) < 3 || n > 64 || (iterations = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: two_locks THREADS(3-64) ITERATIONS\n");
		return 2;
	}
	nthreads = n;
	for (i = 0; i < n; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < n; i++)
		printf("holder %s %d\n", hot_holders[i] ? "hot_lock" : "cold_lock",
		       hot_holders[i] ? hot_holders[i] : cold_holders[i]);
	return 0;
}
