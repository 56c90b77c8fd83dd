// SPDX-License-Identifier: GPL-2.0
/*
 * N threads contend one pthread mutex. Each records, just before it returns, what the kernel
 * says of it (/proc/thread-self/schedstat run time, voluntary and involuntary switches), and the
 * main thread writes those figures to a file for the test to compare with gilprof's.
 * usage: mutex_contend THREADS ITERATIONS TRUTH_FILE
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter, iterations;

struct truth {
	pid_t tid;
	unsigned long long run_ns, nvcsw, nivcsw;
};

static void read_self(struct truth *t)
{
	struct timespec nap = {0, 1000000};
	char line[256];
	FILE *f;

	/* schedstat shows the runtime as of the thread's last accounting update, up to a tick
	 * old while it runs; a short sleep makes the kernel account it before we read it */
	nanosleep(&nap, NULL);
	f = fopen("/proc/thread-self/status", "r");

	t->tid = gettid();
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "voluntary_ctxt_switches: %llu", &t->nvcsw);
		sscanf(line, "nonvoluntary_ctxt_switches: %llu", &t->nivcsw);
	}
	if (f)
		fclose(f);
	/* read schedstat last: it is the figure compared to the microsecond */
	f = fopen("/proc/thread-self/schedstat", "r");
	if (!f || fscanf(f, "%llu", &t->run_ns) != 1)
		exit(3);
	fclose(f);
}

static void *worker(void *arg)
{
	struct truth *t = arg;
	volatile unsigned spin;
	long i;

	for (i = 0; i < iterations; i++) {
		pthread_mutex_lock(&counter_lock);
		for (spin = 0; spin < 200000; spin++)
			;
		counter++;
		pthread_mutex_unlock(&counter_lock);
	}
	read_self(t);
	return NULL;
}

int main(int argc, char **argv)
{
	struct truth *t;
	pthread_t *th;
	FILE *out;
	int n, i;

	if (argc != 4 || (n = atoi(argv[1])) < 1 || (iterations = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: mutex_contend THREADS ITERATIONS TRUTH_FILE\n");
		return 2;
	}
	t = calloc(n, sizeof(*t));
	th = calloc(n, sizeof(*th));
	for (i = 0; i < n; i++)
		pthread_create(&th[i], NULL, worker, &t[i]);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	out = fopen(argv[3], "w");
	if (!out)
		return 4;
	for (i = 0; i < n; i++)
		fprintf(out, "%d %llu %llu %llu\n", t[i].tid, t[i].run_ns, t[i].nvcsw, t[i].nivcsw);
	fclose(out);
	return counter == n * iterations ? 0 : 5;
}
