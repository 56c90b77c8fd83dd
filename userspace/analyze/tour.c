// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "analyze/analysis.h"
#include "analyze/tour.h"

/*
 * Sized for the whole tour to take about 10 s on 2 idle CPUs, well inside the 45 s it may take
 * on a busy machine: long enough runs (0.2 to 0.5 s) that a scheduler tick or a start-up cost
 * does not move a ratio by more than a few percent.
 */
#define COUNT "20000000" /* countdown: 0.4 s in one thread */
#define SLEEP_MS "50" /* sleepy: 8 steps of 50 ms, 0.4 s sequential */
#define WORK "2500000" /* crunch: 8 steps of about 50 ms of CPU */
#define INCREMENTS "500" /* race: 4 threads x 500; a 100 us delay each */

/* A mode of a workload: key, label, workload, then its arguments. */
#define MODE(k, l, w, ...) .key = (k), .label = (l), .workload = (w), .args = {__VA_ARGS__}

const struct gp_tour_def gp_tours[GP_TOUR_COUNT] = {
	{
		.id = GP_TOUR_COUNTDOWN,
		.name = "countdown",
		.title = "countdown under a GIL (5 ms switch interval): one thread, N threads, "
			 "N processes",
		.nmodes = 3,
		.modes =
			{
				{MODE("thread", "1 thread", "countdown", "--count", COUNT)},
				{MODE("threads", "%u threads", "countdown", "--threads", "N",
				      "--count", COUNT)},
				{MODE("processes", "%u processes", "countdown", "--processes", "N",
				      "--count", COUNT)},
			},
	},
	{
		.id = GP_TOUR_SLEEP_CPU,
		.name = "sleep-vs-cpu",
		.title = "square and cube a list: sleep-bound (sleepy) and CPU-bound (crunch), "
			 "one task per worker",
		.nmodes = 6,
		.modes =
			{
				{MODE("sleepy_sequential", "sleepy sequential", "sleepy",
				      "--sequential", "--sleep-ms", SLEEP_MS)},
				{MODE("sleepy_threads", "sleepy 2 threads", "sleepy", "--threads",
				      "2", "--sleep-ms", SLEEP_MS)},
				{MODE("sleepy_processes", "sleepy 2 processes", "sleepy",
				      "--processes", "2", "--sleep-ms", SLEEP_MS)},
				{MODE("crunch_sequential", "crunch sequential", "crunch",
				      "--sequential", "--work", WORK),
				 .base = 3},
				{MODE("crunch_threads", "crunch 2 threads", "crunch", "--threads",
				      "2", "--work", WORK),
				 .base = 3},
				{MODE("crunch_processes", "crunch 2 processes", "crunch",
				      "--processes", "2", "--work", WORK),
				 .base = 3},
			},
	},
	{
		.id = GP_TOUR_RACE,
		.name = "race",
		.title = "race: 4 threads add 1 to a shared counter " INCREMENTS " times each",
		.nmodes = 3,
		.modes =
			{
				{MODE("gil", "GIL only", "race", "--increments", INCREMENTS),
				 .result = true},
				{MODE("delay", "GIL-releasing delay", "race", "--increments",
				      INCREMENTS, "--delay"),
				 .result = true},
				{MODE("lock", "delay + counter_lock", "race", "--increments",
				      INCREMENTS, "--delay", "--lock"),
				 .result = true},
			},
	},
	{
		.id = GP_TOUR_STARTUP,
		.name = "startup",
		.title = "startup: 8 workers started as threads, as forked processes, as spawned "
			 "processes",
		.nmodes = 1,
		.modes =
			{
				{MODE("workers", "8 of each kind", "startup", "--workers", "8")},
			},
	},
	{
		.id = GP_TOUR_CONCURRENCY,
		.name = "concurrency",
		.title = "concurrency vs parallelism: countdown without a GIL, N threads on one "
			 "CPU and on all",
		.nmodes = 2,
		.modes =
			{
				{MODE("pinned", "%u threads, 1 CPU", "countdown", "--no-gil",
				      "--threads", "N", "--count", COUNT),
				 .pin = true},
				{MODE("spread", "%u threads, all CPUs", "countdown", "--no-gil",
				      "--threads", "N", "--count", COUNT)},
			},
	},
};

const struct gp_tour_def *tour_find(const char *name)
{
	for (size_t i = 0; i < GP_TOUR_COUNT; i++)
		if (!strcmp(gp_tours[i].name, name))
			return &gp_tours[i];
	return NULL;
}

const char *tour_kind_name(enum gp_tour_kind k)
{
	static const char *const names[GP_TK_COUNT] = {"thread", "fork", "spawn"};

	return k < GP_TK_COUNT ? names[k] : "?";
}

double tour_share(uint64_t part, uint64_t whole)
{
	return whole ? (double)part / whole : 0;
}

double tour_speedup(const struct gp_tour_run *run, unsigned mode)
{
	const struct gp_tour_fig *f = &run->fig[mode];
	const struct gp_tour_fig *b = &run->fig[run->def->modes[mode].base];

	return f->wall_ns ? (double)b->wall_ns / f->wall_ns : 0;
}

/* Threads that do the work: all but the launching main thread when it only starts others. */
static bool tour_worker(const struct gp_model *m, const struct gp_thread *t, uint32_t root)
{
	return !(t->tid == root && m->nthreads > 1);
}

static void tour_times(const struct gp_model *m, uint32_t root, struct gp_tour_fig *f)
{
	size_t i;

	for (i = 0; i < m->nthreads; i++) {
		const struct gp_thread *t = m->threads[i];

		f->cpu_ns += t->bucket[GP_B_RUNNING];
		if (!tour_worker(m, t, root))
			continue;
		f->life_ns += thread_lifetime(t);
		f->lock_ns += t->bucket[GP_B_FUTEX];
		f->runq_ns += t->bucket[GP_B_RUNQ_WAKE] + t->bucket[GP_B_RUNQ_PREEMPT];
		f->sleep_ns += t->bucket[GP_B_SLEEP];
	}
	f->parallelism = f->wall_ns ? (double)f->cpu_ns / f->wall_ns : 0;
}

static void tour_lock_copy(struct gp_tour_lock *d, const struct gp_lock_obj *o)
{
	snprintf(d->name, sizeof(d->name), "%s", o->name);
	d->acquisitions = o->acquisitions;
	d->wait_ns = o->acquire_ns;
	d->waiters = o->nwaiters;
}

static void tour_locks(const struct gp_report *r, const struct gp_verdict *v, struct gp_tour_fig *f)
{
	size_t i;

	for (i = 0; i < r->objs.nlocks && f->nlocks < GP_TOUR_LOCKS; i++)
		tour_lock_copy(&f->locks[f->nlocks++], &r->objs.v[i]);
	for (i = 0; i < r->gil.n; i++) {
		f->drop_requests += r->gil.t[i].drop_requests;
		f->forced_switches += r->gil.t[i].forced_switches;
	}
	f->has_lock = v->lock != NULL;
	if (v->lock) {
		tour_lock_copy(&f->lock, v->lock);
		f->lock_share = v->lock_share;
	}
	f->predicted = v->predicted;
	f->predicted_speedup = v->predicted ? v->predicted_speedup : 0;
}

/* When t first ran at or after ts: ts itself if it was running then. 0 if it never did. */
static uint64_t tour_first_run(const struct gp_thread *t, uint64_t ts)
{
	for (size_t k = 0; k < t->tl.n; k++) {
		uint64_t end = k + 1 < t->tl.n ? t->tl.v[k + 1].ts : t->end_ts;

		if (t->tl.v[k].bucket == GP_B_RUNNING && end > ts)
			return t->tl.v[k].ts > ts ? t->tl.v[k].ts : ts;
	}
	return 0;
}

static enum gp_tour_kind tour_kind(const struct gp_thread *t, uint32_t root)
{
	if (t->tgid == root)
		return GP_TK_THREAD;
	return t->proc->execs ? GP_TK_SPAWN : GP_TK_FORK;
}

struct kind_acc {
	struct gp_u64vec start, created, cpu, rss;
};

static int tour_start_add(struct kind_acc *a, const struct gp_thread *t, bool spawned)
{
	uint64_t from = spawned ? t->proc->exec_ts : t->start_ts;
	uint64_t first = tour_first_run(t, from);
	int err = 0;

	if (first)
		err |= u64vec_push(&a->start, first - t->start_ts);
	err |= u64vec_push(&a->created, t->start_ts);
	err |= u64vec_push(&a->cpu, t->bucket[GP_B_RUNNING]);
	if (t->proc->maxrss_kb && t->tgid == t->tid)
		err |= u64vec_push(&a->rss, t->proc->maxrss_kb);
	return err ? -ENOMEM : 0;
}

/* The parent's time between two creations of a kind: the median gap of their start times. */
static uint64_t tour_gap(struct gp_u64vec *created)
{
	struct gp_u64vec gaps = {0};
	uint64_t g;
	size_t i;

	u64vec_percentile(created, 50); /* sorts them */
	for (i = 1; i < created->n; i++)
		if (u64vec_push(&gaps, created->v[i] - created->v[i - 1]))
			break;
	g = u64vec_percentile(&gaps, 50);
	u64vec_free(&gaps);
	return g;
}

/* How the workers of each kind started: the threads of the launched process (its main
 * thread aside) and the processes it started, by whether they exec'd. */
static int tour_startup(const struct gp_model *m, uint32_t root, struct gp_tour_fig *f)
{
	struct kind_acc acc[GP_TK_COUNT] = {0};
	int err = 0, k;

	for (size_t i = 0; i < m->nthreads && !err; i++) {
		const struct gp_thread *t = m->threads[i];

		if (t->tid == root || !t->parent_tid)
			continue; /* the main thread, or one that was there before tracing */
		k = tour_kind(t, root);
		err = tour_start_add(&acc[k], t, k == GP_TK_SPAWN);
	}
	for (k = 0; k < GP_TK_COUNT; k++) {
		f->start[k].workers = (unsigned)acc[k].created.n;
		f->start[k].start_ns = u64vec_percentile(&acc[k].start, 50);
		f->start[k].parent_ns = tour_gap(&acc[k].created);
		f->start[k].cpu_ns = u64vec_percentile(&acc[k].cpu, 50);
		f->start[k].rss_kb = u64vec_percentile(&acc[k].rss, 50);
		u64vec_free(&acc[k].start);
		u64vec_free(&acc[k].created);
		u64vec_free(&acc[k].cpu);
		u64vec_free(&acc[k].rss);
	}
	return err;
}

static int tour_strip(const struct gp_report *r, uint64_t start, uint64_t end,
		      struct gp_tour_fig *f)
{
	struct gp_tlview v;
	int err = tlview_build(r, &v);

	if (err)
		return err;
	err = tlview_strip(&v, start, end, GP_TOUR_STRIP_WIDTH, &f->strip);
	tlview_free(&v);
	return err == -EINVAL ? 0 : err;
}

int tour_measure(const struct gp_report *r, struct gp_tour_fig *f)
{
	const struct gp_model *m = r->model;
	const struct gp_process *p = m->nprocs ? m->procs[0] : NULL;
	struct gp_verdict v;
	int err;

	f->exit_status = r->exit_status;
	f->ncpus = m->ncpus;
	if (!p)
		return 0;
	/* The launched process's life, not the trace's span, which ends when gilprof notices
	 * the exit, up to a poll interval later. */
	f->wall_ns = p->end_ts - p->start_ts;
	tour_times(m, p->tgid, f);
	err = verdict_build(m, r->stats, p->start_ts, p->end_ts, &r->objs, &v);
	if (err)
		return err;
	memcpy(f->hist, v.hist, sizeof(f->hist));
	f->free_cpus = v.whatif.capacity;
	tour_locks(r, &v, f);
	err = tour_startup(m, p->tgid, f);
	return err ? err : tour_strip(r, p->start_ts, p->end_ts, f);
}

void tour_fig_free(struct gp_tour_fig *f)
{
	tlview_strip_free(&f->strip);
}

int tour_parse_result(const char *out, struct gp_tour_fig *f)
{
	unsigned long long total, expected, lost;
	const char *at;

	/* the last one: the result line of race's own table (wlcommon.c) */
	for (at = strstr(out, "total "); at; at = strstr(at + 1, "total ")) {
		if (sscanf(at, "total %llu, expected %llu, lost %llu", &total, &expected, &lost) !=
		    3)
			continue;
		f->has_result = true;
		f->total = total;
		f->expected = expected;
		f->lost = lost;
	}
	return f->has_result ? 0 : -ENOENT;
}
