// SPDX-License-Identifier: GPL-2.0
/*
 * Threads whose names are not UTF-8 ("bad\xff", as prctl(PR_SET_NAME) allows any bytes), taking
 * turns at one mutex, so that the report's names, locks and stacks all carry them.
 * usage: badname THREADS ITERATIONS
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/prctl.h>

pthread_mutex_t bad_lock = PTHREAD_MUTEX_INITIALIZER;
static long iterations;

static void *worker(void *arg)
{
	volatile unsigned spin;
	long i;

	(void)arg;
	prctl(PR_SET_NAME, "w\xc3\x28\xfe");
	for (i = 0; i < iterations; i++) {
		pthread_mutex_lock(&bad_lock);
		for (spin = 0; spin < 100000; spin++)
			;
		pthread_mutex_unlock(&bad_lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3, i;
	pthread_t t[16];

	iterations = argc > 2 ? atol(argv[2]) : 100;
	if (n < 1 || n > 16)
		return 2;
	prctl(PR_SET_NAME, "bad\xff");
	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, worker, NULL))
			return 1;
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}
