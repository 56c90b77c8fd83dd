// SPDX-License-Identifier: GPL-2.0
/*
 * startup: what starting a worker costs as a thread, as a forked process and as a spawned
 * process (a fresh image of this program that sets all its state up again, like
 * multiprocessing's "spawn"), and what each can share: a thread's append to a global list is
 * seen by the parent, a child process's append lands in its own copy and is not.
 */
#include "wlcommon.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define STARTUP_REPORT_FD 3 /* where a spawned worker finds the pipe to its parent */
#define STARTUP_NO_WORKER UINT64_MAX

extern char **environ;

struct startup_phase {
	const char *how;
	int64_t ns;
	unsigned len_before;
	unsigned len_after;
	unsigned seen_min;
	unsigned seen_max;
};

/* Threads append up to WL_MAX_WORKERS items, then a forked child appends after those. */
static unsigned startup_list[2 * WL_MAX_WORKERS];
static atomic_uint startup_len;
static uint64_t startup_workers = 8;
static uint64_t startup_worker_idx = STARTUP_NO_WORKER;

static const struct wl_opt startup_opts[] = {
	WL_OPT_NUM("workers", "N", "workers started each way (default 8)", 1, WL_MAX_WORKERS,
		   &startup_workers),
	WL_OPT_NUM("wl-worker", "IDX", NULL, 0, WL_MAX_WORKERS - 1, &startup_worker_idx),
	WL_OPT_END,
};

static const struct wl_prog startup_prog = {
	.name = "startup",
	.summary = "Start N workers as threads, forked processes and spawned processes; time each\n"
		   "way and show which of them share the parent's memory.",
	.modes = 0,
	.default_mode = WL_PROCESSES,
	.default_workers = 8,
	.max_workers = WL_MAX_WORKERS,
	.opts = startup_opts,
};

/* A worker's whole job: append its number to the list; returns the length it found. */
static wl_u128 startup_work(unsigned part, unsigned nparts, void *arg)
{
	unsigned seen = atomic_fetch_add(&startup_len, 1);

	(void)nparts;
	(void)arg;
	startup_list[seen % (2 * WL_MAX_WORKERS)] = part;
	return seen;
}

/* A fresh image knows nothing: it is told its number and the parent's GIL settings. */
static void startup_argv(char **argv, char (*buf)[24], unsigned idx)
{
	int n = 0;

	snprintf(buf[0], sizeof(buf[0]), "%u", idx);
	snprintf(buf[1], sizeof(buf[1]), "%lld", (long long)(wl.switch_interval_ns / 1000));
	snprintf(buf[2], sizeof(buf[2]), "%u", wl.check_interval);
	argv[n++] = "startup";
	argv[n++] = "--wl-worker";
	argv[n++] = buf[0];
	argv[n++] = "--switch-interval";
	argv[n++] = buf[1];
	argv[n++] = "--check-interval";
	argv[n++] = buf[2];
	if (!wl.gil)
		argv[n++] = "--no-gil";
	argv[n] = NULL;
}

/* The child gets the write end of the pipe as fd 3, where startup_worker_main reports. */
static pid_t startup_spawn(unsigned idx, int *rfd)
{
	char buf[3][24], *argv[9];
	posix_spawn_file_actions_t fa;
	int p[2], wfd, err;
	pid_t pid;

	startup_argv(argv, buf, idx);
	if (pipe2(p, O_CLOEXEC))
		wl_die("pipe: %s", strerror(errno));
	/* dup2 onto itself would leave close-on-exec set */
	wfd = p[1];
	if (wfd == STARTUP_REPORT_FD)
		wfd = fcntl(p[1], F_DUPFD_CLOEXEC, STARTUP_REPORT_FD + 1);
	if (wfd < 0)
		wl_die("fcntl: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, wfd, STARTUP_REPORT_FD);
	err = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		wl_die("posix_spawn: %s", strerror(err));
	if (wfd != p[1])
		close(wfd);
	close(p[1]);
	*rfd = p[0];
	return pid;
}

static void startup_seen(struct startup_phase *ph, const wl_u128 *seen, unsigned n)
{
	ph->seen_min = ph->seen_max = (unsigned)seen[0];
	for (unsigned i = 1; i < n; i++) {
		if ((unsigned)seen[i] < ph->seen_min)
			ph->seen_min = (unsigned)seen[i];
		if ((unsigned)seen[i] > ph->seen_max)
			ph->seen_max = (unsigned)seen[i];
	}
}

/* Time from the first launch to the last worker reaped, the parent's GIL released meanwhile. */
static void startup_processes(struct startup_phase *ph, bool spawn, unsigned n)
{
	pid_t pids[WL_MAX_WORKERS];
	int fds[WL_MAX_WORKERS];
	wl_u128 seen[WL_MAX_WORKERS];
	int64_t t0 = gil_now_ns();

	ph->len_before = atomic_load(&startup_len);
	for (unsigned i = 0; i < n; i++)
		pids[i] = spawn ? startup_spawn(i, &fds[i])
				: wl_fork_worker("fork", i, n, startup_work, NULL, &fds[i]);
	gil_release();
	for (unsigned i = 0; i < n; i++)
		wl_collect(pids[i], fds[i], &seen[i]);
	gil_acquire();
	ph->ns = gil_now_ns() - t0;
	ph->len_after = atomic_load(&startup_len);
	startup_seen(ph, seen, n);
}

static void startup_threads(struct startup_phase *ph, unsigned n)
{
	static char names[WL_MAX_WORKERS][16];
	const char *ptrs[WL_MAX_WORKERS];
	wl_u128 seen[WL_MAX_WORKERS];
	int64_t t0;

	for (unsigned i = 0; i < n; i++) {
		wl_thread_name(names[i], sizeof(names[i]), "thread", i);
		ptrs[i] = names[i];
	}
	t0 = gil_now_ns();
	ph->len_before = atomic_load(&startup_len);
	wl_run_threads(n, ptrs, startup_work, NULL, seen);
	ph->ns = gil_now_ns() - t0;
	ph->len_after = atomic_load(&startup_len);
	startup_seen(ph, seen, n);
}

static void startup_print(const struct startup_phase *ph, unsigned nph, unsigned n)
{
	printf("startup: %u workers started each way\n", n);
	printf("  %-8s %10s %14s %16s %20s\n", "how", "total ms", "per worker ms", "list len seen",
	       "parent's list len");
	for (unsigned i = 0; i < nph; i++)
		printf("  %-8s %10.3f %14.3f %7u..%-8u %10u -> %-6u\n", ph[i].how, ph[i].ns / 1e6,
		       ph[i].ns / 1e6 / n, ph[i].seen_min, ph[i].seen_max, ph[i].len_before,
		       ph[i].len_after);
	printf("  a thread's append %s visible to the parent; a forked child's %s; a spawned\n"
	       "  child starts from a fresh image and saw %u items (a forked one saw %u)\n\n",
	       ph[0].len_after > ph[0].len_before ? "is" : "is NOT",
	       ph[1].len_after > ph[1].len_before ? "IS" : "is not", ph[2].seen_max,
	       ph[1].seen_min);
}

static int startup_worker_main(unsigned idx)
{
	wl_child_begin("spawn", idx);
	wl_child_end(STARTUP_REPORT_FD, startup_work(idx, 1, NULL));
}

int main(int argc, char **argv)
{
	struct startup_phase ph[3] = {{.how = "threads"}, {.how = "fork"}, {.how = "spawn"}};
	unsigned n;

	wl_parse(&startup_prog, argc, argv);
	if (startup_worker_idx != STARTUP_NO_WORKER)
		return startup_worker_main(startup_worker_idx);
	n = startup_workers;
	wl.workers = n;
	wl_begin();
	startup_threads(&ph[0], n);
	startup_processes(&ph[1], false, n);
	startup_processes(&ph[2], true, n);
	startup_print(ph, 3, n);
	return wl_finish("%u workers: threads %.3f ms, fork %.3f ms, spawn %.3f ms; parent's list "
			 "%u after threads, %u after fork, %u after spawn",
			 n, ph[0].ns / 1e6, ph[1].ns / 1e6, ph[2].ns / 1e6, ph[0].len_after,
			 ph[1].len_after, ph[2].len_after);
}
