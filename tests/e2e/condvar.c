// SPDX-License-Identifier: GPL-2.0
/*
 * A producer fills a one-slot queue every 2 ms and signals queue_cond; a consumer waits on it.
 * Prints the producer's tid.
 * usage: condvar ITEMS
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t queue_cond = PTHREAD_COND_INITIALIZER;
static int queued, done;
static long items;
static pid_t producer_tid;

static void *producer(void *arg)
{
	struct timespec gap = {0, 2 * 1000 * 1000};
	long i;

	producer_tid = gettid();
	for (i = 0; i < items; i++) {
		nanosleep(&gap, NULL);
		pthread_mutex_lock(&queue_lock);
		queued++;
		done = i == items - 1;
		pthread_cond_signal(&queue_cond);
		pthread_mutex_unlock(&queue_lock);
	}
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t th;
	long got = 0;

	if (argc != 2 || (items = atol(argv[1])) < 1) {
		fprintf(stderr, "usage: condvar ITEMS\n");
		return 2;
	}
	pthread_create(&th, NULL, producer, NULL);
	pthread_mutex_lock(&queue_lock);
	while (got < items) {
		while (!queued)
			pthread_cond_wait(&queue_cond, &queue_lock);
		got += queued;
		queued = 0;
	}
	pthread_mutex_unlock(&queue_lock);
	pthread_join(th, NULL);
	printf("producer %d consumed %ld done %d\n", producer_tid, got, done);
	return 0;
}
