// SPDX-License-Identifier: GPL-2.0
/*
 * The embedded default experiment: the GIL's classic demonstration measured, not asserted.
 * countdown runs with 1 thread, N threads and N processes (N = online CPUs, at least 2) under
 * tracing, and the explanation is written from what the trace saw.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analyze/analysis.h"
#include "analyze/report.h"
#include "cli/cmd.h"
#include "collect/session.h"
#include "cli/workloads.h"

#define NMODES 3

struct mode_result {
	char label[32];
	uint64_t wall, cpu, life, lockwait, runq;
	double parallelism;
	int exit_status;
	char lock[160]; /* the most contended futex word */
	uint64_t lock_wait, lock_waits, lock_timeouts;
	size_t lock_waiters, lock_words;
	double other_cpu; /* share of all CPU time that went to untraced tasks */
};

/* Threads that do the work: all but the launching main thread when it only waits for others. */
static bool is_worker(const struct gp_model *m, const struct gp_thread *t, uint32_t root)
{
	return !(t->tid == root && m->nthreads > 1);
}

/* The most-waited lock object that at least two threads waited on (a word with a single
 * waiter is a join or an event, not a lock that serialises anyone). */
static void top_contended(struct mode_result *mr, struct gp_trace *res)
{
	size_t n, i;
	struct gp_lock_group *g = analysis_lock_groups(res->model, nametab_lock, res->names, &n);

	for (i = 0; i < n; i++) {
		if (g[i].nwaiters < 2)
			continue;
		snprintf(mr->lock, sizeof(mr->lock), "%s", g[i].name);
		mr->lock_wait = g[i].wait_ns;
		mr->lock_waits = g[i].waits;
		mr->lock_timeouts = g[i].timeouts;
		mr->lock_waiters = g[i].nwaiters;
		mr->lock_words = g[i].nwords;
		break;
	}
	lock_groups_free(g, n);
}

static double other_cpu_share(const struct gp_trace_stats *st)
{
	uint64_t other = 0, all = 0;
	unsigned c;
	int k;

	for (c = 0; c < st->ncpus; c++) {
		other += st->cpu[c].ns[GP_CPU_OTHER];
		for (k = 0; k < GP_CPU_KINDS; k++)
			all += st->cpu[c].ns[k];
	}
	return all ? (double)other / all : 0;
}

static void mode_measure(struct mode_result *mr, struct gp_trace *res)
{
	const struct gp_model *m = res->model;
	uint32_t root = m->nprocs ? m->procs[0]->tgid : 0;
	size_t i;

	mr->exit_status = res->exit_status;
	mr->wall = m->nprocs ? m->procs[0]->end_ts - m->procs[0]->start_ts : 0;
	for (i = 0; i < m->nthreads; i++) {
		const struct gp_thread *t = m->threads[i];

		mr->cpu += t->bucket[GP_B_RUNNING];
		if (!is_worker(m, t, root))
			continue;
		mr->life += thread_lifetime(t);
		mr->lockwait += t->bucket[GP_B_FUTEX];
		mr->runq += t->bucket[GP_B_RUNQ_WAKE] + t->bucket[GP_B_RUNQ_PREEMPT];
	}
	mr->parallelism = mr->wall ? (double)mr->cpu / mr->wall : 0;
	mr->other_cpu = other_cpu_share(&res->stats);
	top_contended(mr, res);
}

static int mode_run(const struct gp_session_opts *o, const char *path, const char *flag, unsigned n,
		    struct mode_result *mr)
{
	char num[16], *argv[4] = {(char *)path, NULL, NULL, NULL};
	struct gp_session_opts q = *o;
	struct gp_session_info info;
	struct gp_trace res;
	int ret;

	if (flag) {
		snprintf(num, sizeof(num), "%u", n);
		argv[1] = (char *)flag;
		argv[2] = num;
	}
	fprintf(stderr, "gilprof: tracing countdown %s...\n", mr->label);
	q.argv = argv;
	ret = session_run(&q, &res, &info);
	if (ret)
		return ret;
	mode_measure(mr, &res);
	trace_free(&res);
	if (mr->exit_status) {
		fprintf(stderr, "gilprof: countdown %s exited with status %d\n", mr->label,
			mr->exit_status);
		return 1;
	}
	return 0;
}

static double share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * part / whole : 0;
}

static void table_print(const struct mode_result *mr, unsigned ncpus)
{
	char w[24], c[24];
	int i;

	printf("\ncountdown under a GIL (5 ms switch interval) on %u CPUs\n\n", ncpus);
	printf("  %-13s %10s %10s %10s %10s %12s %8s\n", "MODE", "WALL", "CPU", "LOCK-WAIT",
	       "RUN-QUEUE", "PARALLELISM", "SPEEDUP");
	for (i = 0; i < NMODES; i++) {
		printf("  %-13s %10s %10s %9.1f%% %9.1f%% %12.2f %7.2fx\n", mr[i].label,
		       fmt_ns(w, sizeof(w), mr[i].wall), fmt_ns(c, sizeof(c), mr[i].cpu),
		       share(mr[i].lockwait, mr[i].life), share(mr[i].runq, mr[i].life),
		       mr[i].parallelism, mr[i].wall ? (double)mr[0].wall / mr[i].wall : 0);
	}
	printf("\n  LOCK-WAIT and RUN-QUEUE are shares of the worker threads' lifetimes;\n"
	       "  PARALLELISM is CPU time over wall time; SPEEDUP is against one thread.\n");
}

static void explain(const struct mode_result *mr, unsigned n)
{
	const struct mode_result *th = &mr[1], *pr = &mr[2];
	char b[24];

	printf("\nwhat happened\n");
	printf("  %u threads took %.2fx the time of one thread: they ran one at a time "
	       "(parallelism %.2f of %u CPUs)",
	       n, mr[0].wall ? (double)th->wall / mr[0].wall : 0, th->parallelism, n);
	if (th->lock[0]) {
		printf(" and spent %.0f%% of their lives blocked in futex waits; the lock that "
		       "serialised them is %s (%zu futex word%s): %" PRIu64
		       " waits by %zu threads, %" PRIu64 " of them timed out (%s in all).\n",
		       share(th->lockwait, th->life), th->lock, th->lock_words,
		       th->lock_words == 1 ? "" : "s", th->lock_waits, th->lock_waiters,
		       th->lock_timeouts, fmt_ns(b, sizeof(b), th->lock_wait));
		printf("  Timed-out waits are the GIL's switch interval expiring: the waiter then "
		       "asks the holder to drop the lock.\n");
	} else {
		printf("; no futex word was contended by two or more threads.\n");
	}
	printf("  %u processes each have their own GIL: parallelism %.2f, %.2fx the speed of one "
	       "thread, lock wait %.1f%%.\n",
	       n, pr->parallelism, pr->wall ? (double)mr[0].wall / pr->wall : 0,
	       share(pr->lockwait, pr->life));
	if (pr->parallelism < 0.75 * n)
		printf("  They did not get %u CPUs to themselves: %.0f%% of the machine's CPU time "
		       "went to other tasks while they ran (run-queue share %.0f%%).\n",
		       n, 100 * pr->other_cpu, share(pr->runq, pr->life));
}

int run_default(const struct gp_session_opts *o)
{
	struct mode_result mr[NMODES];
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = online > 2 ? (unsigned)online : 2;
	struct gp_session_opts q = *o;
	char path[PATH_MAX];
	int ret;

	if (workload_path("countdown", path, sizeof(path))) {
		fprintf(stderr, "gilprof: the countdown workload %s\n", path);
		return 1;
	}
	q.status = false;
	q.quiet = true; /* the workloads' own tables would bury the comparison */
	memset(mr, 0, sizeof(mr));
	snprintf(mr[0].label, sizeof(mr[0].label), "1 thread");
	snprintf(mr[1].label, sizeof(mr[1].label), "%u threads", n);
	snprintf(mr[2].label, sizeof(mr[2].label), "%u processes", n);
	ret = mode_run(&q, path, NULL, 1, &mr[0]);
	if (!ret)
		ret = mode_run(&q, path, "--threads", n, &mr[1]);
	if (!ret)
		ret = mode_run(&q, path, "--processes", n, &mr[2]);
	if (ret)
		return ret;
	table_print(mr, (unsigned)(online > 0 ? online : 1));
	explain(mr, n);
	return 0;
}
