// SPDX-License-Identifier: GPL-2.0
/*
 * The soak's load: PAIRS pairs of threads that hand a byte back and forth over pipes, paced to
 * about SWITCHES context switches a second in all, while the main thread starts and ends a
 * short-lived process (fork + exec /bin/true) and a short-lived thread CHURN times a minute
 * each. Runs SECONDS, then prints what it did: switches/s, processes, threads.
 * usage: soak-load SECONDS SWITCHES CHURN [PAIRS]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double secs, rate_per_pair;
static atomic_ulong hops;
static atomic_int stop;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct pair {
	int ab[2], ba[2];
};

static void *pinger(void *arg)
{
	struct pair *p = arg;
	double start = now();
	unsigned long n = 0;
	char c = 0;

	while (!atomic_load(&stop)) {
		/* a round trip is two switches away and two back: pace it */
		if (n % 256 == 0) {
			double ahead = n * 2 / rate_per_pair - (now() - start);

			if (ahead > 0)
				usleep((useconds_t)(ahead * 1e6));
		}
		if (write(p->ab[1], &c, 1) != 1 || read(p->ba[0], &c, 1) != 1)
			break;
		n++;
	}
	atomic_fetch_add(&hops, n);
	close(p->ab[1]);
	return NULL;
}

static void *ponger(void *arg)
{
	struct pair *p = arg;
	char c;

	while (read(p->ab[0], &c, 1) == 1)
		if (write(p->ba[1], &c, 1) != 1)
			break;
	return NULL;
}

static void *brief(void *arg)
{
	(void)arg;
	usleep(1000);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned pairs = argc > 4 ? atoi(argv[4]) : 2, i, procs = 0, threads = 0;
	double churn, start, next;
	pthread_t *t;
	struct pair *p;

	if (argc < 4) {
		fprintf(stderr, "usage: soak-load SECONDS SWITCHES CHURN [PAIRS]\n");
		return 2;
	}
	secs = atof(argv[1]);
	rate_per_pair = atof(argv[2]) / pairs / 2; /* each round trip is two hops */
	churn = atof(argv[3]) / 60.0;
	t = calloc(2 * pairs, sizeof(*t));
	p = calloc(pairs, sizeof(*p));
	for (i = 0; i < pairs; i++) {
		if (pipe(p[i].ab) || pipe(p[i].ba))
			return 1;
		pthread_create(&t[2 * i], NULL, pinger, &p[i]);
		pthread_create(&t[2 * i + 1], NULL, ponger, &p[i]);
	}
	start = next = now();
	while (now() - start < secs) {
		pid_t pid = fork();
		pthread_t b;

		if (pid == 0) {
			execl("/bin/true", "true", NULL);
			_exit(127);
		}
		if (pid > 0 && waitpid(pid, NULL, 0) == pid)
			procs++;
		if (!pthread_create(&b, NULL, brief, NULL) && !pthread_join(b, NULL))
			threads++;
		next += 1 / churn;
		if (next > now())
			usleep((useconds_t)((next - now()) * 1e6));
	}
	atomic_store(&stop, 1);
	for (i = 0; i < 2 * pairs; i++)
		pthread_join(t[i], NULL);
	printf("soak-load: %.0f switches/s (pipe hops), %u processes and %u threads started and "
	       "ended in %.0f s\n",
	       atomic_load(&hops) * 2 / (now() - start), procs, threads, now() - start);
	return 0;
}
