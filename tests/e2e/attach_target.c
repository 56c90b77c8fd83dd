// SPDX-License-Identifier: GPL-2.0
/*
 * A program to attach to while it runs: three workers contend attach_lock, one thread waits on
 * idle_cond for good, main waits in pthread_join. With "spawn", once told on stdin (any line) it
 * starts a fourth worker and forks a child that contends a lock of its own for 300 ms: threads
 * and processes that appear after the attach. It prints "ready" when every thread runs, and runs
 * until it is killed (or, given a number of seconds, until that many have passed).
 * usage: attach_target [SECONDS] [spawn]
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

pthread_mutex_t attach_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t idle_mutex = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
pthread_mutex_t child_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile unsigned long counter;
static double seconds;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void critical(pthread_mutex_t *m)
{
	volatile unsigned spin;

	pthread_mutex_lock(m);
	for (spin = 0; spin < 20000; spin++)
		;
	counter++;
	pthread_mutex_unlock(m);
	for (spin = 0; spin < 2000; spin++)
		;
}

static void *worker(void *arg)
{
	double end = seconds > 0 ? now() + seconds : 0;

	(void)arg;
	while (!end || now() < end)
		critical(&attach_lock);
	return NULL;
}

static void *idle(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&idle_mutex);
	for (;;)
		pthread_cond_wait(&idle_cond, &idle_mutex);
	return NULL;
}

static void *child_worker(void *arg)
{
	double end = now() + 0.3;

	(void)arg;
	while (now() < end)
		critical(&child_lock);
	return NULL;
}

/* A child process with two threads of its own on child_lock, for 300 ms. */
static void spawn_child(void)
{
	pthread_t a, b;
	pid_t pid = fork();

	if (pid == 0) {
		pthread_create(&a, NULL, child_worker, NULL);
		pthread_create(&b, NULL, child_worker, NULL);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

int main(int argc, char **argv)
{
	bool spawn = false;
	pthread_t th[5];
	char line[16];
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "spawn"))
			spawn = true;
		else
			seconds = atof(argv[i]);
	}
	for (i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	pthread_create(&th[3], NULL, idle, NULL);
	printf("ready\n");
	fflush(stdout);
	if (spawn && fgets(line, sizeof(line), stdin)) {
		pthread_create(&th[4], NULL, worker, NULL);
		spawn_child();
		printf("spawned\n");
		fflush(stdout);
	}
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	return 0;
}
