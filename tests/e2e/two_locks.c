// SPDX-License-Identifier: GPL-2.0
/*
 * Two mutexes of different heat: every iteration takes cold_lock for a short critical section,
 * then hot_lock for a five times longer one. Prints, per lock, the tids that held it.
 * usage: two_locks THREADS ITERATIONS
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

pthread_mutex_t hot_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t cold_lock = PTHREAD_MUTEX_INITIALIZER;
static long iterations;
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

	for (i = 0; i < iterations; i++) {
		pthread_mutex_lock(&cold_lock);
		cold_holders[slot] = me;
		spin(20000);
		pthread_mutex_unlock(&cold_lock);
		pthread_mutex_lock(&hot_lock);
		hot_holders[slot] = me;
		spin(100000);
		pthread_mutex_unlock(&hot_lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[64];
	long n, i;

	if (argc != 3 || (n = atol(argv[1])) < 2 || n > 64 || (iterations = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: two_locks THREADS(2-64) ITERATIONS\n");
		return 2;
	}
	for (i = 0; i < n; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < n; i++)
		printf("holder hot_lock %d\nholder cold_lock %d\n", hot_holders[i], cold_holders[i]);
	return 0;
}
