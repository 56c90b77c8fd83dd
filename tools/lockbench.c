// SPDX-License-Identifier: GPL-2.0
/*
 * lockbench THREADS ITERATIONS SPIN: THREADS threads take one pthread mutex in turn, ITERATIONS
 * times each, holding it for SPIN iterations of a loop; a condition variable per thread says
 * whose turn it is, so every acquisition is contended: the thread slept in a futex wait until
 * the one before it woke it. For make bench, the lock-heavy program run alone and under the
 * tracers, with a fixed amount of lock traffic (a wait, a wakeup and two switches per
 * acquisition) however the tracer slows it: when the lock's contention depends on timing, a
 * slower run can contend less and look cheaper.
 * One line out, from the program's own timing (first thread's start to last one's end: no
 * tracer start-up or report in it) and its voluntary context switches.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define MAX_THREADS 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_cv[MAX_THREADS];
static long iterations, spin_n, turn;
static int nthreads;
static volatile long counter;

static void spin(long n)
{
	for (volatile long i = 0; i < n; i++)
		;
}

static void *worker(void *arg)
{
	long me = (long)arg;

	for (long i = 0; i < iterations; i++) {
		pthread_mutex_lock(&lock);
		while (turn != me)
			pthread_cond_wait(&turn_cv[me], &lock);
		spin(spin_n);
		counter++;
		turn = (me + 1) % nthreads;
		pthread_cond_signal(&turn_cv[turn]);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	pthread_t th[MAX_THREADS];
	struct rusage ru;
	double t0, t;
	long n;

	nthreads = argc == 4 ? atoi(argv[1]) : 0;
	iterations = argc == 4 ? atol(argv[2]) : 0;
	spin_n = argc == 4 ? atol(argv[3]) : -1;
	if (nthreads < 2 || nthreads > MAX_THREADS || iterations < 1 || spin_n < 0) {
		fprintf(stderr, "usage: lockbench THREADS(2-64) ITERATIONS SPIN\n");
		return 2;
	}
	for (int i = 0; i < nthreads; i++)
		pthread_cond_init(&turn_cv[i], NULL);
	t0 = now();
	for (long i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	t = now() - t0;
	getrusage(RUSAGE_SELF, &ru);
	n = nthreads * iterations;
	printf("lockbench: %ld acquisitions, %ld slept, %.3f s, %.1f ns per acquisition\n", n,
	       ru.ru_nvcsw, t, t * 1e9 / n);
	return counter == n ? 0 : 1;
}
