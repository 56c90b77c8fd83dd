// SPDX-License-Identifier: GPL-2.0
/*
 * A plain -O2 program built without frame pointers (like most distribution code) whose threads,
 * the main thread among them, contend in pthread_mutex_lock: a frame-pointer walk loses `worker`,
 * DWARF unwinding must not.
 * usage: contend_nofp THREADS ITERATIONS
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile unsigned long table[64];
static long iterations;

__attribute__((noinline)) static void *worker(void *arg)
{
	volatile unsigned spin;
	long i;

	for (i = 0; i < iterations; i++) {
		pthread_mutex_lock(&table_lock);
		for (spin = 0; spin < 100000; spin++)
			;
		table[i & 63]++;
		pthread_mutex_unlock(&table_lock);
	}
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t th[64];
	int n, i;

	if (argc != 3 || (n = atoi(argv[1])) < 2 || n > 64 || (iterations = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: contend_nofp THREADS(2-64) ITERATIONS\n");
		return 2;
	}
	for (i = 1; i < n; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	worker(NULL);
	for (i = 1; i < n; i++)
		pthread_join(th[i], NULL);
	return 0;
}
