// SPDX-License-Identifier: GPL-2.0
/*
 * N threads on one heap-allocated mutex with short critical sections: the case where a contended
 * acquisition takes several futex waits (woken, lost the race to a running thread, slept again).
 * Each thread times its own contended acquisitions: a trylock that fails, then pthread_mutex_lock
 * timed from its call to its return (CLOCK_MONOTONIC, the clock gilprof stamps events with).
 * usage: hot_mutex THREADS ITERATIONS SPIN_INSIDE SPIN_OUTSIDE TRUTH_FILE [nolock]
 * With "nolock" the same work runs without the lock (the counter is atomic): the truth for what
 * the program would do without it.
 * The truth file has a line per thread: tid, contended acquisitions, ns spent acquiring them,
 * and the same two for those that slept: the thread's voluntary context switches (getrusage,
 * read outside the timed call) moved during the call. Those are the acquisitions gilprof sees:
 * one that did not sleep makes no futex wait.
 */
#include <pthread.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t *lock;
static long iterations, spin_in, spin_out;
static volatile long counter;
static int nolock;

struct truth {
	pid_t tid;
	unsigned long long contended, acquire_ns, slept, slept_ns;
};

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void spin(long n)
{
	for (volatile long i = 0; i < n; i++)
		;
}

static void *worker(void *arg)
{
	struct truth *t = arg;
	unsigned long long t0, d;
	struct rusage ru0, ru1;

	t->tid = gettid();
	for (long i = 0; nolock && i < iterations; i++) {
		spin(spin_in);
		__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
		spin(spin_out);
	}
	for (long i = 0; !nolock && i < iterations; i++) {
		if (pthread_mutex_trylock(lock)) {
			getrusage(RUSAGE_THREAD, &ru0);
			t0 = now_ns();
			pthread_mutex_lock(lock);
			d = now_ns() - t0;
			getrusage(RUSAGE_THREAD, &ru1);
			t->acquire_ns += d;
			t->contended++;
			if (ru1.ru_nvcsw != ru0.ru_nvcsw) {
				t->slept++;
				t->slept_ns += d;
			}
		}
		spin(spin_in);
		counter++;
		pthread_mutex_unlock(lock);
		spin(spin_out);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct truth *t;
	pthread_t *th;
	FILE *out;
	int n, i;

	if (argc < 6 || argc > 7 || (n = atoi(argv[1])) < 1 || (iterations = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: hot_mutex THREADS ITERATIONS SPIN_INSIDE SPIN_OUTSIDE "
				"TRUTH_FILE [nolock]\n");
		return 2;
	}
	nolock = argc == 7 && !strcmp(argv[6], "nolock");
	spin_in = atol(argv[3]);
	spin_out = atol(argv[4]);
	lock = malloc(sizeof(*lock));
	pthread_mutex_init(lock, NULL);
	t = calloc(n, sizeof(*t));
	th = calloc(n, sizeof(*th));
	for (i = 0; i < n; i++)
		pthread_create(&th[i], NULL, worker, &t[i]);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	out = fopen(argv[5], "w");
	if (!out)
		return 4;
	for (i = 0; i < n; i++)
		fprintf(out, "%d %llu %llu %llu %llu\n", t[i].tid, t[i].contended, t[i].acquire_ns,
			t[i].slept, t[i].slept_ns);
	fclose(out);
	return counter == n * iterations ? 0 : 5;
}
