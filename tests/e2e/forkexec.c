// SPDX-License-Identifier: GPL-2.0
/*
 * A process tree: the parent starts a thread, forks a child that re-executes this program, and
 * forks a child that exits with status 7 without exec. It prints the pids it made.
 * usage: forkexec [--execd]
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void spin_ms(long ms)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

static void *helper(void *arg)
{
	spin_ms(20);
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t th;
	pid_t a, b;
	int st;

	if (argc > 1 && !strcmp(argv[1], "--execd")) {
		spin_ms(30);
		return 0;
	}
	pthread_create(&th, NULL, helper, NULL);
	a = fork();
	if (a == 0) {
		execl("/proc/self/exe", "forkexec", "--execd", (char *)NULL);
		_exit(126);
	}
	b = fork();
	if (b == 0) {
		spin_ms(10);
		_exit(7);
	}
	pthread_join(th, NULL);
	waitpid(a, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	waitpid(b, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 7)
		return 1;
	printf("parent %d execd %d plain %d\n", getpid(), a, b);
	return 0;
}
