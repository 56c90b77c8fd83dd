// SPDX-License-Identifier: GPL-2.0
/*
 * What the tour prints, for each experiment:
 *
 *   1. countdown under a GIL (5 ms switch interval): one thread, N threads, N processes
 *
 *     MODE                      WALL       CPU PARALLEL LOCK-WAIT RUN-QUEUE SPEEDUP PREDICTED  LOCK
 *     1 thread              412.3 ms  410.9 ms     1.00      0.0%      0.1%   1.00x         -  -
 *     2 threads             431.0 ms  428.8 ms     0.99     49.2%      0.6%   0.96x     1.95x  gil
 *     ...
 *
 *     what happened
 *       2 threads took 1.05x the time of one thread: ...
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include "analyze/report.h"
#include "export/tour_text.h"

#define TEXT_COLUMNS 100

/* A paragraph in words, wrapped at TEXT_COLUMNS under an indent. */
static void __attribute__((format(printf, 3, 4)))
text_para(FILE *f, const char *indent, const char *fmt, ...)
{
	char buf[2048], *p = buf;
	size_t room = TEXT_COLUMNS - strlen(indent);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	while (strlen(p) > room) {
		char *cut = p + room;

		while (cut > p && *cut != ' ')
			cut--;
		if (cut == p)
			cut = strchr(p + room, ' ');
		if (!cut)
			break;
		fprintf(f, "%s%.*s\n", indent, (int)(cut - p), p);
		p = cut + 1;
	}
	fprintf(f, "%s%s\n", indent, p);
}

static double pct(uint64_t part, uint64_t whole)
{
	return 100 * tour_share(part, whole);
}

/* "1.4 MiB", "812 KiB" */
static char *fmt_kb(char *buf, size_t len, uint64_t kb)
{
	if (kb >= 1024)
		snprintf(buf, len, "%.1f MiB", kb / 1024.0);
	else
		snprintf(buf, len, "%" PRIu64 " KiB", kb);
	return buf;
}

/* The lock object called name in a mode, NULL if none was waited on. */
static const struct gp_tour_lock *fig_lock(const struct gp_tour_fig *f, const char *name)
{
	for (size_t i = 0; i < f->nlocks; i++)
		if (!strcmp(f->locks[i].name, name))
			return &f->locks[i];
	return NULL;
}

static uint64_t fig_acquisitions(const struct gp_tour_fig *f, const char *name)
{
	const struct gp_tour_lock *l = fig_lock(f, name);

	return l ? l->acquisitions : 0;
}

/* ---- the mode table: columns, and each experiment's choice of them ---- */

typedef void (*col_fmt)(const struct gp_tour_run *r, unsigned i, char *buf, size_t len);

static void col_mode(const struct gp_tour_run *r, unsigned i, char *buf, size_t len)
{
	snprintf(buf, len, "%s", r->fig[i].label);
}

static void col_wall(const struct gp_tour_run *r, unsigned i, char *buf, size_t len)
{
	fmt_ns(buf, len, r->fig[i].wall_ns);
}

static void col_cpu(const struct gp_tour_run *r, unsigned i, char *buf, size_t len)
{
	fmt_ns(buf, len, r->fig[i].cpu_ns);
}

static void col_parallel(const struct gp_tour_run *r, unsigned i, char *buf, size_t len)
{
	snprintf(buf, len, "%.2f", r->fig[i].parallelism);
}

static void col_lockwait(const struct gp_tour_run *r, unsigned i, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f%%", pct(r->fig[i].lock_ns, r->fig[i].life_ns));
}

static void col_runq(const struct gp_tour_run *r, unsigned i, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f%%", pct(r->fig[i].runq_ns, r->fig[i].life_ns));
}

static void col_sleep(const struct gp_tour_run *r, unsigned i, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f%%", pct(r->fig[i].sleep_ns, r->fig[i].life_ns));
}

static void col_speedup(const struct gp_tour_run *r, unsigned i, char *buf, size_t len)
{
	snprintf(buf, len, "%.2fx", tour_speedup(r, i));
}

static void col_predicted(const struct gp_tour_run *r, unsigned i, char *buf, size_t len)
{
	if (r->fig[i].predicted)
		snprintf(buf, len, "%.2fx", r->fig[i].predicted_speedup);
	else
		snprintf(buf, len, "-");
}

static void col_result(const struct gp_tour_run *r, unsigned i, char *buf, size_t len)
{
	const struct gp_tour_fig *f = &r->fig[i];

	if (f->has_result)
		snprintf(buf, len, "%" PRIu64 " of %" PRIu64, f->lost, f->expected);
	else
		snprintf(buf, len, "?");
}

/* Shares of the wall time with 0, 1, 2... threads running: "1/98/1%". */
static void col_hist(const struct gp_tour_run *r, unsigned i, char *buf, size_t len)
{
	const struct gp_tour_fig *f = &r->fig[i];
	size_t used = 0;

	for (unsigned k = 0; k <= f->ncpus && k < GP_VERDICT_HIST && used < len; k++)
		used += snprintf(buf + used, len - used, "%s%.0f", k ? "/" : "",
				 pct(f->hist[k], f->wall_ns));
	if (used < len)
		snprintf(buf + used, len - used, "%%");
}

static void col_lock(const struct gp_tour_run *r, unsigned i, char *buf, size_t len)
{
	const struct gp_tour_fig *f = &r->fig[i];

	if (f->has_lock)
		snprintf(buf, len, "%s (%" PRIu64 " acquisitions)", f->lock.name,
			 f->lock.acquisitions);
	else
		snprintf(buf, len, "-");
}

/* Every lock object that was waited on, with its contended acquisitions. */
static void col_acquisitions(const struct gp_tour_run *r, unsigned i, char *buf, size_t len)
{
	const struct gp_tour_fig *f = &r->fig[i];
	size_t used = 0;

	buf[0] = 0;
	for (size_t k = 0; k < f->nlocks && used < len; k++)
		used += snprintf(buf + used, len - used, "%s%s %" PRIu64, k ? ", " : "",
				 f->locks[k].name, f->locks[k].acquisitions);
	if (!f->nlocks)
		snprintf(buf, len, "-");
}

enum col_id {
	C_MODE,
	C_WALL,
	C_CPU,
	C_PARALLEL,
	C_LOCKWAIT,
	C_RUNQ,
	C_SLEEP,
	C_SPEEDUP,
	C_PREDICTED,
	C_LOST,
	C_HIST,
	C_LOCK, /* the last two are as wide as their text */
	C_ACQ,
	C_END,
};

static const struct {
	const char *head;
	int width; /* < 0: left-aligned */
	col_fmt fmt;
} cols[C_END] = {
	[C_MODE] = {"MODE", -22, col_mode},
	[C_WALL] = {"WALL", 9, col_wall},
	[C_CPU] = {"CPU", 9, col_cpu},
	[C_PARALLEL] = {"PARALLEL", 8, col_parallel},
	[C_LOCKWAIT] = {"LOCK-WAIT", 9, col_lockwait},
	[C_RUNQ] = {"RUN-QUEUE", 9, col_runq},
	[C_SLEEP] = {"SLEEP", 6, col_sleep},
	[C_SPEEDUP] = {"SPEEDUP", 7, col_speedup},
	[C_PREDICTED] = {"PREDICTED", 9, col_predicted},
	[C_LOST] = {"LOST", 11, col_result},
	[C_HIST] = {"RUNNING 0/1/2..", 15, col_hist},
	[C_LOCK] = {"LOCK", -1, col_lock},
	[C_ACQ] = {"LOCK ACQUISITIONS", -1, col_acquisitions},
};

static void table_cell(FILE *f, enum col_id c, const char *text)
{
	fprintf(f, " %*s", cols[c].width, text);
}

static void table_print(FILE *f, const struct gp_tour_run *r, const enum col_id *use)
{
	char buf[256];
	unsigned i, k;

	fputc(' ', f);
	for (k = 0; use[k] != C_END; k++)
		table_cell(f, use[k], cols[use[k]].head);
	fputc('\n', f);
	for (i = 0; i < r->def->nmodes; i++) {
		fputc(' ', f);
		for (k = 0; use[k] != C_END; k++) {
			cols[use[k]].fmt(r, i, buf, sizeof(buf));
			table_cell(f, use[k], buf);
		}
		fputc('\n', f);
	}
}

/* ---- what happened, per experiment, from the figures ---- */

/* "ran one at a time" or not, by the parallelism measured. */
static const char *how_parallel(double parallelism)
{
	return parallelism < 1.25 ? "one at a time" : "at the same time";
}

/*
 * When other tasks took the CPUs, what needed them (a speedup, the parallelism) says little:
 * name the runs that had less than want CPUs free (one, pinned).
 */
static void busy_note(FILE *f, const struct gp_tour_run *r, double want)
{
	char runs[512];
	size_t used = 0;
	unsigned i, n = 0;

	for (i = 0; i < r->def->nmodes && used < sizeof(runs); i++) {
		const struct gp_tour_fig *g = &r->fig[i];

		/* a pinned run needs its one CPU */
		if (g->free_cpus >= (r->def->modes[i].pin ? 1 : want) - 0.25)
			continue;
		used += snprintf(runs + used, sizeof(runs) - used, "%s%.1f to \"%s\"",
				 n++ ? ", " : "", g->free_cpus, g->label);
	}
	if (!n)
		return;
	text_para(f, "    ",
		  "The machine was busy: other tasks left only %s of its %u CPUs, so the figures "
		  "that need CPUs (speedups, parallelism) say less than on an idle machine.",
		  runs, r->fig[0].ncpus);
}

static void explain_countdown(FILE *f, const struct gp_tour *t, const struct gp_tour_run *r)
{
	const struct gp_tour_fig *th = &r->fig[1], *pr = &r->fig[2];
	char a[24], b[24];

	text_para(f, "    ",
		  "%s took %.2fx the time of one thread: they ran %s (parallelism %.2f of %u "
		  "CPUs) and spent %.0f%% of their lives waiting for a lock.",
		  th->label, r->fig[0].wall_ns ? (double)th->wall_ns / r->fig[0].wall_ns : 0,
		  how_parallel(th->parallelism), th->parallelism, th->ncpus,
		  pct(th->lock_ns, th->life_ns));
	if (th->has_lock)
		text_para(f, "    ",
			  "The lock that serialised them is %s: %" PRIu64
			  " contended acquisitions, %" PRIu64
			  " drop requests (a waiter's 5 ms switch interval ran out: it asks the "
			  "holder to let go) and %" PRIu64
			  " forced switches (the holder let go and waited for the hand-off).",
			  th->lock.name, th->lock.acquisitions, th->drop_requests,
			  th->forced_switches);
	if (th->predicted)
		text_para(f, "    ",
			  "Without its waits they would take %s instead of %s, gilprof predicts "
			  "(%.2fx), from a replay of their timelines.",
			  fmt_ns(a, sizeof(a), (uint64_t)(th->wall_ns / th->predicted_speedup)),
			  fmt_ns(b, sizeof(b), th->wall_ns), th->predicted_speedup);
	text_para(f, "    ",
		  "%s each have a GIL of their own: they ran %s (parallelism %.2f), %.2fx the "
		  "speed of one thread, with %.1f%% lock wait.",
		  pr->label, how_parallel(pr->parallelism), pr->parallelism, tour_speedup(r, 2),
		  pct(pr->lock_ns, pr->life_ns));
	busy_note(f, r, t->n);
}

static void explain_sleep_cpu(FILE *f, const struct gp_tour *t, const struct gp_tour_run *r)
{
	const struct gp_tour_fig *st = &r->fig[1], *ct = &r->fig[4], *cp = &r->fig[5];

	(void)t;
	text_para(f, "    ",
		  "sleepy: 2 threads ran %.2fx and 2 processes %.2fx the speed of the sequential "
		  "run. Each step sleeps with the GIL released: the threads were asleep %.0f%% of "
		  "their lives and waited for a lock %.1f%%, so their sleeps overlapped.",
		  tour_speedup(r, 1), tour_speedup(r, 2), pct(st->sleep_ns, st->life_ns),
		  pct(st->lock_ns, st->life_ns));
	text_para(f, "    ",
		  "crunch: 2 threads ran %.2fx the speed of the sequential run: its steps are CPU "
		  "work that holds the GIL, so the threads ran %s (parallelism %.2f) and waited "
		  "%.0f%% of their lives for %s. 2 processes, a GIL each, ran %.2fx (parallelism "
		  "%.2f).",
		  tour_speedup(r, 4), how_parallel(ct->parallelism), ct->parallelism,
		  pct(ct->lock_ns, ct->life_ns), ct->has_lock ? ct->lock.name : "no lock",
		  tour_speedup(r, 5), cp->parallelism);
	text_para(f, "    ",
		  "Threads help where the GIL is released (sleep, I/O), not in Python code.");
	busy_note(f, r, 2);
}

static void explain_race_mode(FILE *f, const struct gp_tour_fig *g, const char *why)
{
	if (!g->has_result) {
		text_para(f, "    ", "%s: the program printed no total.", g->label);
		return;
	}
	text_para(f, "    ", "%s: %" PRIu64 " of %" PRIu64 " increments, %" PRIu64 " lost: %s",
		  g->label, g->total, g->expected, g->lost, why);
}

static void explain_race(FILE *f, const struct gp_tour *t, const struct gp_tour_run *r)
{
	const struct gp_tour_fig *lk = &r->fig[2];

	(void)t;
	explain_race_mode(f, &r->fig[0],
			  r->fig[0].lost
				  ? "updates were lost even under the GIL."
				  : "an increment's read, add and write run between two checks "
				    "of the eval breaker, so no other thread runs in between.");
	explain_race_mode(f, &r->fig[1],
			  r->fig[1].lost ? "the sleep between the read and the write releases the "
					   "GIL; another thread reads the same value, and one of "
					   "the two writes is lost."
					 : "no update was lost this time.");
	explain_race_mode(f, lk,
			  lk->lost ? "the lock did not keep the updates whole."
				   : "counter_lock makes each update whole again.");
	text_para(f, "    ",
		  "The price of the lock: %" PRIu64 " contended acquisitions of counter_lock "
		  "(%" PRIu64 " without it), %.0f%% of the threads' lives waiting for a lock, "
		  "%.2fx the time of the run without it.",
		  fig_acquisitions(lk, "counter_lock"),
		  fig_acquisitions(&r->fig[1], "counter_lock"), pct(lk->lock_ns, lk->life_ns),
		  r->fig[1].wall_ns ? (double)lk->wall_ns / r->fig[1].wall_ns : 0);
	text_para(f, "    ", "(The totals are what the program printed; every time is gilprof's.)");
}

static void startup_table(FILE *f, const struct gp_tour_fig *g)
{
	char a[24], b[24], c[24], d[24];
	int k;

	fprintf(f, "  %-8s %7s %12s %12s %12s %12s\n", "KIND", "WORKERS", "PARENT", "FIRST-RUN",
		"CPU", "PEAK-RSS");
	for (k = 0; k < GP_TK_COUNT; k++) {
		const struct gp_tour_start *s = &g->start[k];

		fprintf(f, "  %-8s %7u %12s %12s %12s %12s\n", tour_kind_name(k), s->workers,
			fmt_ns(a, sizeof(a), s->parent_ns), fmt_ns(b, sizeof(b), s->start_ns),
			fmt_ns(c, sizeof(c), s->cpu_ns),
			k == GP_TK_THREAD ? "(shared)" : fmt_kb(d, sizeof(d), s->rss_kb));
	}
	fprintf(f, "  (medians over the workers of each kind; wall %s, CPU %s)\n",
		fmt_ns(a, sizeof(a), g->wall_ns), fmt_ns(b, sizeof(b), g->cpu_ns));
}

static void explain_startup(FILE *f, const struct gp_tour *t, const struct gp_tour_run *r)
{
	const struct gp_tour_start *s = r->fig[0].start;
	char a[3][24], b[3][24], c[3][24], d[2][24];

	(void)t;
	for (int k = 0; k < GP_TK_COUNT; k++) {
		fmt_ns(a[k], sizeof(a[k]), s[k].parent_ns);
		fmt_ns(b[k], sizeof(b[k]), s[k].cpu_ns);
		fmt_ns(c[k], sizeof(c[k]), s[k].start_ns);
	}
	text_para(f, "    ",
		  "Each start held the parent up %s for a thread, %s for a fork (the kernel "
		  "copies its page tables before the child exists) and %s for a spawn "
		  "(posix_spawn waits until the child's exec has let go of the parent's memory) "
		  "(PARENT: the time between two creations).",
		  a[0], a[1], a[2]);
	text_para(f, "    ",
		  "A worker's own CPU, creation to exit: %s for a thread, %s for a forked "
		  "process (copy-on-write faults, its copy of the address space torn down), %s "
		  "for a spawned one (the exec, dynamic loading, setting itself up again).",
		  b[0], b[1], b[2]);
	text_para(f, "    ",
		  "FIRST-RUN is creation to first run (a spawned worker: its new image's, at the "
		  "end of its exec): %s, %s, %s. It is up to the scheduler (a forked child often "
		  "waits for the CPU its parent keeps while it forks the next ones), so it orders "
		  "the kinds less reliably than their CPU.",
		  c[0], c[1], c[2]);
	text_para(f, "    ",
		  "Peak resident memory (the kernel's maxrss, as wait4 reports it): a forked "
		  "worker %s, counting what it shares copy-on-write with its parent; a spawned one "
		  "%s, a fresh image (the kernel keeps the larger of it and the parent's at the "
		  "exec); threads share their process's.",
		  fmt_kb(d[0], sizeof(d[0]), s[GP_TK_FORK].rss_kb),
		  fmt_kb(d[1], sizeof(d[1]), s[GP_TK_SPAWN].rss_kb));
}

/* A strip of who ran where for each mode, with its letters. */
static void strips_print(FILE *f, const struct gp_tour_run *r)
{
	char legend[512];

	fprintf(f,
		"\n  who ran where (a column is 1/%u of the run: the thread that ran longest in "
		"it, "
		". where its threads ran under half of it)\n",
		GP_TOUR_STRIP_WIDTH);
	for (unsigned i = 0; i < r->def->nmodes; i++) {
		const struct gp_tour_fig *g = &r->fig[i];
		size_t used = 0;

		for (size_t k = 0; k < g->strip.nthreads && used < sizeof(legend); k++)
			used += snprintf(legend + used, sizeof(legend) - used, "%s%c %s",
					 k ? ", " : "", g->strip.threads[k].letter,
					 g->strip.threads[k].comm);
		fprintf(f, "  %s (%s)\n", g->label, used ? legend : "nothing ran");
		for (unsigned c = 0; g->strip.rows && c < g->strip.ncpus; c++)
			fprintf(f, "    cpu%-3u %s\n", c, tlview_strip_row(&g->strip, c));
	}
}

static void explain_concurrency(FILE *f, const struct gp_tour *t, const struct gp_tour_run *r)
{
	const struct gp_tour_fig *p = &r->fig[0], *s = &r->fig[1];
	unsigned n = t->n < GP_VERDICT_HIST ? t->n : GP_VERDICT_HIST - 1;

	text_para(f, "    ",
		  "Without a GIL nothing makes the threads wait for each other. On one CPU they "
		  "took turns (concurrency): one ran %.0f%% of the time, %u at once %.0f%% "
		  "(parallelism %.2f). On all CPUs they ran %u at once %.0f%% of the time "
		  "(parallelism %.2f), %.2fx the speed.",
		  pct(p->hist[1], p->wall_ns), n, pct(p->hist[n], p->wall_ns), p->parallelism, n,
		  pct(s->hist[n], s->wall_ns), s->parallelism, tour_speedup(r, 1));
	busy_note(f, r, t->n);
}

static const struct {
	enum col_id cols[12];
	void (*explain)(FILE *f, const struct gp_tour *t, const struct gp_tour_run *r);
	bool startup, strips;
} views[GP_TOUR_COUNT] = {
	[GP_TOUR_COUNTDOWN] = {{C_MODE, C_WALL, C_CPU, C_PARALLEL, C_LOCKWAIT, C_RUNQ, C_SPEEDUP,
				C_PREDICTED, C_LOCK, C_END},
			       explain_countdown},
	[GP_TOUR_SLEEP_CPU] = {{C_MODE, C_WALL, C_CPU, C_PARALLEL, C_LOCKWAIT, C_SLEEP, C_RUNQ,
				C_SPEEDUP, C_LOCK, C_END},
			       explain_sleep_cpu},
	[GP_TOUR_RACE] = {{C_MODE, C_WALL, C_CPU, C_LOCKWAIT, C_SLEEP, C_LOST, C_ACQ, C_END},
			  explain_race},
	[GP_TOUR_STARTUP] = {{C_END}, explain_startup, true},
	[GP_TOUR_CONCURRENCY] = {{C_MODE, C_WALL, C_CPU, C_PARALLEL, C_RUNQ, C_SPEEDUP, C_HIST,
				  C_END},
				 explain_concurrency,
				 false,
				 true},
};

static void tour_intro(FILE *f, const struct gp_tour *t)
{
	fprintf(f, "\n");
	text_para(f, "",
		  "gilprof's tour: the classic GIL experiments on the bundled workloads, N = %u "
		  "(online CPUs, at least 2); every figure is gilprof's, from the trace.",
		  t->n);
	text_para(f, "  ",
		  "WALL is the launched program's life; PARALLEL its CPU time over WALL; "
		  "LOCK-WAIT, RUN-QUEUE and SLEEP are shares of the workers' lifetimes (a main "
		  "thread that only starts and waits for them aside); SPEEDUP is against the "
		  "experiment's first run (crunch: its own sequential run); PREDICTED is the "
		  "speed gilprof predicts without the waits of the lock that serialised the run.");
}

int tour_text(FILE *f, const struct gp_tour *t)
{
	tour_intro(f, t);
	for (size_t i = 0; i < t->nruns; i++) {
		const struct gp_tour_run *r = &t->runs[i];
		enum gp_tour_id id = r->def->id;

		fprintf(f, "\n%zu. %s\n\n", i + 1, r->def->title);
		if (views[id].startup)
			startup_table(f, &r->fig[0]);
		else
			table_print(f, r, views[id].cols);
		if (views[id].strips)
			strips_print(f, r);
		fprintf(f, "\n  what happened\n");
		views[id].explain(f, t, r);
	}
	return ferror(f) ? -1 : 0;
}
