// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/analysis.h"
#include "analyze/report.h"
#include "export/report_strip.h"
#include "export/report_text.h"
#include "symbolize/unwind.h"

#define LOCK_NAME_LEN 160

static void print_handoffs(FILE *f, const struct gp_report *r, struct gp_lock **locks, size_t n);
struct gp_lock_stack;

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * part / whole : 0;
}

static void print_header(FILE *f, const struct gp_report *r)
{
	const struct gp_model *m = r->model;
	uint64_t dur = r->end_ts > r->start_ts ? r->end_ts - r->start_ts : 0;
	char b[32];
	int i;

	fprintf(f, "gilprof:%s", r->attached ? " attached to" : "");
	for (i = 0; r->argv && r->argv[i]; i++)
		fprintf(f, " %s", r->argv[i]);
	if (r->exit_status >= 0)
		fprintf(f, "  (exit status %d)", r->exit_status);
	fprintf(f, "\ntraced %zu process%s, %zu thread%s for %s; %" PRIu64 " events (%.1fk/s)\n",
		m->nprocs, m->nprocs == 1 ? "" : "es", m->nthreads, m->nthreads == 1 ? "" : "s",
		fmt_ns(b, sizeof(b), dur), m->events, dur ? m->events / (dur / 1e9) / 1e3 : 0.0);
}

/* An object of one word is named as the word is (with its waiter's call site if unnamed). */
static void obj_name(const struct gp_report *r, const struct gp_lock_obj *o, char *buf, size_t len)
{
	if (o->nwords == 1)
		report_lock_name(r, o->words[0], buf, len);
	else
		snprintf(buf, len, "%s", o->name);
}

static void print_verdict_parallelism(FILE *f, const struct gp_report *r)
{
	const struct gp_verdict *v = &r->verdict;
	char b[2][24];
	unsigned k, last = 0;

	for (k = 0; k < GP_VERDICT_HIST; k++)
		if (v->hist[k])
			last = k;
	fprintf(f, "  wall %s, CPU %s: parallelism %.2f of %u CPU%s (time with",
		fmt_ns(b[0], 24, v->wall_ns), fmt_ns(b[1], 24, v->cpu_ns), v->parallelism, v->ncpus,
		v->ncpus == 1 ? "" : "s");
	for (k = 0; k <= last; k++)
		fprintf(f, "%s%u%s", k ? "/" : " ", k, k == GP_VERDICT_HIST - 1 ? "+" : "");
	fprintf(f, " running:");
	for (k = 0; k <= last; k++)
		fprintf(f, " %.1f%%", pct(v->hist[k], v->wall_ns));
	fprintf(f, ")\n");
}

/* " 4242 worker 61%, 4243 worker 39%": threads with their share of total. */
static void print_shares(FILE *f, const struct gp_report *r, const struct gp_verdict_holder *h,
			 size_t n, uint64_t total)
{
	for (size_t i = 0; i < n; i++) {
		const struct gp_thread *t = model_thread(r->model, h[i].tid);

		fprintf(f, "%s %u %s %.0f%%", i ? "," : "", h[i].tid, t ? t->comm : "?",
			pct(h[i].ns, total));
	}
}

static void print_verdict_holders(FILE *f, const struct gp_report *r)
{
	const struct gp_verdict *v = &r->verdict;
	char site[256];

	fprintf(f, "; released by");
	print_shares(f, r, v->holders, v->nholders, v->lock->acquire_ns);
	if (!report_release_site(r, v->release_word, site, sizeof(site)))
		fprintf(f, ", at %s", site);
	if (!v->nheld)
		return;
	/* the interpreter's word for who held it, as each wait began */
	fprintf(f, "; held, by the interpreter, by");
	print_shares(f, r, v->held, v->nheld, v->held_total_ns);
	fprintf(f, " of the time slept on it");
}

static const char *const advice_text[] = {
	[GP_ADV_GIL] = "the waiting threads are CPU-bound Python threads taking turns on the GIL: "
		       "run the work in processes (multiprocessing, ProcessPoolExecutor) or on a "
		       "free-threaded build (python3.13t), or release the GIL in C code",
	[GP_ADV_CONVOY] =
		"a convoy: the lock is held briefly but each hand-off costs a wakeup, and "
		"woken waiters mostly lose it again; hold it less often (batch the work "
		"under one acquisition) or use a lock that spins before it sleeps",
	[GP_ADV_SHRINK] = "shrink the critical sections it guards (move work out of them), split "
			  "it into finer locks, or replace it with per-thread or lock-free state",
};

/* The answer first: how parallel, what serialised it, the gain without it, what to do. */
static void print_verdict(FILE *f, const struct gp_report *r)
{
	const struct gp_verdict *v = &r->verdict;
	char name[LOCK_NAME_LEN], b[3][24];

	fprintf(f, "\nverdict\n");
	print_verdict_parallelism(f, r);
	if (!v->lock) {
		fprintf(f, "  no lock serialised it: no lock took %.0f%% of the threads' time\n",
			100 * GP_VERDICT_MIN_SHARE);
		return;
	}
	obj_name(r, v->lock, name, sizeof(name));
	fprintf(f,
		"  serialised by %s (pid %u): its waiters spent %.1f%% of their time acquiring it",
		name, v->lock->tgid, 100 * v->lock_share);
	print_verdict_holders(f, r);
	fputc('\n', f);
	if (!v->predicted)
		return;
	fprintf(f, "  without its waits: %.2fx faster (%s -> %s)\n", v->predicted_speedup,
		fmt_ns(b[0], 24, v->wall_ns), fmt_ns(b[1], 24, v->predicted_wall_ns));
	fprintf(f,
		"  how: the threads' recorded timelines replayed on %.2f CPUs, waits others ended "
		"kept as dependencies, without the %s spent in its waits (replayed as recorded: "
		"%s)\n",
		v->whatif.capacity, fmt_ns(b[0], 24, v->whatif.removed_ns),
		fmt_ns(b[2], 24, v->whatif.base_ns));
	fprintf(f, "  advice: %s\n", advice_text[v->advice]);
}

/* A Python process's threads get a last column: their Python names (threading.Thread.name). */
static void print_thread_cols(FILE *f, bool python)
{
	fprintf(f, "  %-8s %-16s %10s %10s %9s %10s %10s %10s %10s %10s %7s %7s %6s%s\n", "TID",
		"THREAD", "LIFETIME", "RUNNING", "SWITCHING", "RUNQ-WAKE", "RUNQ-PREEMP",
		"FUTEX-WAIT", "SLEEP", "D-WAIT", "VCSW", "ICSW", "MIGR",
		python ? "  PYTHON-THREAD" : "");
}

static bool process_has_pythreads(const struct gp_report *r, const struct gp_process *p)
{
	size_t i;

	for (i = 0; i < p->nthreads; i++)
		if (report_pythread(r, p->threads[i]))
			return true;
	return false;
}

static void print_row(FILE *f, const char *id, const char *name, uint64_t life,
		      const uint64_t *bucket, uint64_t vcsw, uint64_t icsw, uint64_t migr,
		      const char *pyname)
{
	char b[GP_B_COUNT + 1][24];
	int i;

	fmt_ns(b[GP_B_COUNT], sizeof(b[0]), life);
	for (i = 0; i < GP_B_COUNT; i++)
		fmt_ns(b[i], sizeof(b[0]), bucket[i]);
	fprintf(f,
		"  %-8s %-16.16s %10s %10s %9s %10s %10s %10s %10s %10s %7" PRIu64 " %7" PRIu64
		" %6" PRIu64 "%s%s\n",
		id, name, b[GP_B_COUNT], b[GP_B_RUNNING], b[GP_B_SWITCHING], b[GP_B_RUNQ_WAKE],
		b[GP_B_RUNQ_PREEMPT], b[GP_B_FUTEX], b[GP_B_SLEEP], b[GP_B_DWAIT], vcsw, icsw, migr,
		pyname ? "  " : "", pyname ? pyname : "");
}

static void print_share_row(FILE *f, const struct gp_totals *tot)
{
	int i;

	fprintf(f, "  %-8s %-16s %10s", "", "share", "100%");
	for (i = 0; i < GP_B_COUNT; i++)
		fprintf(f, " %*.1f%%", i == GP_B_SWITCHING ? 8 : 9,
			pct(tot->bucket[i], tot->lifetime));
	fputc('\n', f);
}

static void print_process(FILE *f, const struct gp_report *r, const struct gp_process *p)
{
	struct gp_totals tot;
	char id[24], life[24];
	bool python;
	size_t i;

	totals_of_process(&tot, p, r->model->ncpus);
	fmt_ns(life, sizeof(life), p->end_ts - p->start_ts);
	fprintf(f, "\nprocess %u %s", p->tgid, p->comm);
	if (p->parent_tgid)
		fprintf(f, " (child of %u)", p->parent_tgid);
	fprintf(f, ", %s %s", p->attached ? "traced since the attach for" : "alive", life);
	if (p->exit_code_known) {
		if (p->exit_code & 0x7f)
			fprintf(f, ", killed by signal %u", p->exit_code & 0x7f);
		else
			fprintf(f, ", exit %u", (p->exit_code >> 8) & 0xff);
	}
	fputc('\n', f);
	if (report_python_note(r, p->tgid))
		fprintf(f, "  python: %s: native frames only\n", report_python_note(r, p->tgid));
	python = process_has_pythreads(r, p);
	print_thread_cols(f, python);
	for (i = 0; i < p->nthreads; i++) {
		const struct gp_thread *t = p->threads[i];
		const char *py = report_pythread(r, t);

		snprintf(id, sizeof(id), "%u", t->tid);
		print_row(f, id, t->comm, thread_lifetime(t), t->bucket, t->nvcsw, t->nivcsw,
			  t->migrations, python ? (py ? py : "-") : NULL);
	}
	if (p->nthreads > 1) {
		snprintf(id, sizeof(id), "all %u", tot.nthreads);
		print_row(f, id, "", tot.lifetime, tot.bucket, tot.nvcsw, tot.nivcsw,
			  tot.migrations, NULL);
	}
	print_share_row(f, &tot);
}

static void print_running_cpus(FILE *f, const struct gp_report *r, const struct gp_totals *tot)
{
	char b[24];
	unsigned c;

	fprintf(f, "running per CPU (traced threads):");
	for (c = 0; c < r->model->ncpus && c < GP_MAX_CPUS; c++)
		fprintf(f, "  cpu%u %s", c, fmt_ns(b, sizeof(b), tot->running_cpu[c]));
	fputc('\n', f);
}

static void print_closure(FILE *f, const struct gp_report *r)
{
	struct gp_closure c = analysis_closure(r->model);
	char b[24];

	fprintf(f, "time split closes to within %s (%.4f%%) of each thread's lifetime",
		fmt_ns(b, sizeof(b), c.max_abs_err_ns), 100 * c.max_rel_err);
	if (c.max_abs_err_ns)
		fprintf(f, " (worst: tid %u)", c.worst_tid);
	fputc('\n', f);
}

/* A word with no symbol is named by its mapping and where its first waiter called from. */
/*
 * One line: the user frames of a stack, innermost first, the first eight; and the innermost
 * Python frame when it is further out (the Python code that waited for the GIL, or released it).
 */
static void print_stack_line(FILE *f, const struct gp_report *r, const char *what,
			     const struct gp_lock_stack *st, uint64_t total)
{
	char names[GP_STACK_FRAMES_MAX][128], b[24];
	size_t n = report_stack_names(r, st->stack, false, names, GP_STACK_FRAMES_MAX), i;
	long py = report_stack_first_python(r, st->stack);

	fprintf(f, "      %s (%.0f%%, %s):", what, total ? 100.0 * st->ns / total : 0,
		fmt_ns(b, sizeof(b), st->ns));
	for (i = 0; i < n && i < 8; i++)
		fprintf(f, "%s %s", i ? " <-" : "", names[i]);
	if (py >= 8 && (size_t)py < n)
		fprintf(f, " <- ... <- %s", names[py]);
	fprintf(f, "%s\n", n ? "" : " [no user frames]");
}

static void print_top_stack(FILE *f, const struct gp_report *r, const char *what,
			    const struct gp_lock_stacks *sts, uint64_t total)
{
	size_t n;
	struct gp_lock_stack **v = lock_stacks_sorted(sts, &n);

	if (n)
		print_stack_line(f, r, what, v[0], total);
	free(v);
}

/* Waits cut short by the trace's span: found in progress at the attach, or still going at the
 * end. They count from the attach, or to the end. */
static void print_cut_waits(FILE *f, const struct gp_lock_objs *objs)
{
	uint64_t before = 0, after = 0;
	size_t i;

	for (i = 0; i < objs->n; i++) {
		before += objs->v[i].at_attach;
		after += objs->v[i].ongoing;
	}
	if (before)
		fprintf(f,
			"  %" PRIu64 " wait%s began before the attach: counted from the attach\n",
			before, before == 1 ? "" : "s");
	if (after)
		fprintf(f,
			"  %" PRIu64
			" wait%s had not ended when tracing ended: counted to the end\n",
			after, after == 1 ? "" : "s");
}

/* Does an object pass --lock: its name, or any of its words' names or addresses. */
static bool obj_matches(const struct gp_report *r, const struct gp_lock_obj *o)
{
	char name[LOCK_NAME_LEN];
	size_t i;

	if (!r->lock_filter || !strcmp(r->lock_filter, o->name))
		return true;
	for (i = 0; i < o->nwords; i++) {
		report_lock_name(r, o->words[i], name, sizeof(name));
		if (lock_filter_match(r->lock_filter, o->words[i]->uaddr, name))
			return true;
	}
	return false;
}

static void print_obj_words(FILE *f, const struct gp_report *r, const struct gp_lock_obj *o)
{
	char name[LOCK_NAME_LEN], b[24];
	size_t i;

	for (i = 0; o->nwords > 1 && i < o->nwords; i++) {
		const struct gp_lock *l = o->words[i];

		report_lock_name(r, l, name, sizeof(name));
		fprintf(f, "  %-7s   word 0x%" PRIx64 " %7" PRIu64 " waits %10s slept  %s\n", "",
			l->uaddr, l->waits, fmt_ns(b, sizeof(b), l->blocked_ns), name);
	}
}

static void print_obj(FILE *f, const struct gp_report *r, struct gp_lock_obj *o)
{
	char name[LOCK_NAME_LEN], b[6][24];

	obj_name(r, o, name, sizeof(name));
	fprintf(f,
		"  %-7u %8" PRIu64 " %7" PRIu64 " %7" PRIu64
		" %10s %10s %9s %9s %9s %9s %7zu  %s\n",
		o->tgid, o->acquisitions, o->retries, o->timeouts, fmt_ns(b[0], 24, o->acquire_ns),
		fmt_ns(b[1], 24, o->sleep_ns),
		fmt_ns(b[2], 24, o->acquisitions ? o->acquire_ns / o->acquisitions : 0),
		fmt_ns(b[3], 24, u64vec_percentile(&o->durations, 50)),
		fmt_ns(b[4], 24, u64vec_percentile(&o->durations, 99)),
		fmt_ns(b[5], 24, u64vec_percentile(&o->durations, 100)), o->nwaiters, name);
	print_obj_words(f, r, o);
}

/* Waits for a thread's exit are no lock anyone contends: listed apart, not ranked. */
static void print_joins(FILE *f, const struct gp_report *r)
{
	const struct gp_lock_objs *objs = &r->objs;
	char name[LOCK_NAME_LEN], b[24];
	size_t i;

	if (objs->n == objs->nlocks)
		return;
	fprintf(f, "\nthread joins (waits for a thread's exit, as pthread_join makes)\n");
	fprintf(f, "  %-7s %8s %10s  %s\n", "PID", "WAITS", "WAIT", "WORD");
	for (i = objs->nlocks; i < objs->n; i++) {
		if (!obj_matches(r, &objs->v[i]))
			continue;
		obj_name(r, &objs->v[i], name, sizeof(name));
		fprintf(f, "  %-7u %8" PRIu64 " %10s  %s\n", objs->v[i].tgid, objs->v[i].waits,
			fmt_ns(b, sizeof(b), objs->v[i].acquire_ns), name);
	}
}

/* The hottest words of the shown objects, for the hand-off section. */
static size_t top_words(const struct gp_report *r, struct gp_lock_obj **shown, size_t nshown,
			struct gp_lock **out, size_t max)
{
	size_t i, k, n = 0;

	for (i = 0; i < nshown && n < max; i++)
		for (k = 0; k < shown[i]->nwords && k < 2 && n < max; k++)
			out[n++] = shown[i]->words[k];
	(void)r;
	return n;
}

/* The pair in which tid waited longest for another holder, NULL when it never waited. */
static const struct gp_gilmem_pair *most_waited_for(const struct gp_gilmem *g, uint32_t tid)
{
	const struct gp_gilmem_pair *best = NULL;

	for (size_t i = 0; i < g->np; i++)
		if (g->p[i].waiter == tid && (!best || g->p[i].wait_ns > best->wait_ns))
			best = &g->p[i];
	return best;
}

static double share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

/* The GIL as the interpreter recorded it (model/gilmem.h), beside the trace's figures. */
static void print_gil_interp(FILE *f, const struct gp_report *r)
{
	const struct gp_gilmem *g = r->gil.mem;
	uint64_t total, waits = 0;
	char b[2][24], wf[64];
	size_t i;

	if (!g)
		return;
	total = g->held_ns + g->free_ns + g->unknown_ns;
	for (i = 0; i < r->gil.n; i++)
		waits += r->gil.t[i].acquisitions;
	fprintf(f,
		"  as the interpreter recorded it (its GIL read at %" PRIu64
		" switch-outs and exits of its threads): %" PRIu64
		" hand-offs (switch_number %" PRIu64 " -> %" PRIu64 "; the trace saw %" PRIu64
		" contended acquisitions)\n",
		g->samples, g->handoffs, g->first_switch, g->last_switch, waits);
	fprintf(f,
		"  time between them: held by one thread %.1f%%, free %.1f%%, a hand-off between "
		"%.1f%%\n",
		share(g->held_ns, total), share(g->free_ns, total), share(g->unknown_ns, total));
	fprintf(f, "  %-8s %-16s %10s %12s %9s  %s\n", "TID", "THREAD", "HELD", "OUT-HOLDING",
		"PREEMPTED", "WAITED MOST FOR (WAITS, TIME)");
	for (i = 0; i < r->gil.n; i++) {
		const struct gp_gil_thread *t = &r->gil.t[i];
		const struct gp_thread *th = model_thread(r->model, t->tid);
		const struct gp_gilmem_pair *p = most_waited_for(g, t->tid);

		snprintf(wf, sizeof(wf), "-");
		if (p)
			snprintf(wf, sizeof(wf), "%u (%" PRIu64 ", %s)", p->holder, p->waits,
				 fmt_ns(b[1], 24, p->wait_ns));
		fprintf(f, "  %-8u %-16.16s %10s %12" PRIu64 " %9" PRIu64 "  %s\n", t->tid,
			th ? th->comm : "?", fmt_ns(b[0], 24, t->mem_held_ns), t->holding_outs,
			t->preempted_holding, wf);
	}
}

/* The GIL's figures per thread (analyze/gilstats.h says how each is read from the trace). */
static void print_gil(FILE *f, const struct gp_report *r)
{
	const struct gp_gil_stats *g = &r->gil;
	char b[3][24], io[48];
	const char *py;
	bool python = false;
	size_t i;

	if (!g->gil || !obj_matches(r, g->gil))
		return;
	for (i = 0; i < g->n && !python; i++)
		python = report_pythread(r, model_thread(r->model, g->t[i].tid)) != NULL;
	fprintf(f,
		"\nGIL per thread (%s): held from an acquisition to its release, waited to "
		"acquire it\n",
		g->gil->name);
	fprintf(f, "  %-8s %-16s %10s %10s %8s %8s %6s  %s%s\n", "TID", "THREAD", "HELD", "WAITED",
		"ACQUIRED", "DROP-REQ", "FORCED",
		python ? "AFTER-I/O (P50 WAIT)  " : "AFTER-I/O (P50 WAIT)",
		python ? "PYTHON-THREAD" : "");
	for (i = 0; i < g->n; i++) {
		const struct gp_gil_thread *t = &g->t[i];
		const struct gp_thread *th = model_thread(r->model, t->tid);

		snprintf(io, sizeof(io), "%" PRIu64, t->after_io);
		if (t->after_io)
			snprintf(
				io, sizeof(io), "%" PRIu64 " (%s)", t->after_io,
				fmt_ns(b[2], 24,
				       u64vec_percentile((struct gp_u64vec *)&t->after_io_ns, 50)));
		py = report_pythread(r, th);
		fprintf(f,
			"  %-8u %-16.16s %10s %10s %8" PRIu64 " %8" PRIu64 " %6" PRIu64
			"  %-*s%s%s\n",
			t->tid, th ? th->comm : "?", fmt_ns(b[0], 24, t->held_ns),
			fmt_ns(b[1], 24, t->waited_ns), t->acquisitions, t->drop_requests,
			t->forced_switches, py ? 20 : 0, io, py ? "  " : "", py ? py : "");
	}
	print_gil_interp(f, r);
}

static void print_locks(FILE *f, const struct gp_report *r)
{
	const struct gp_lock_objs *objs = &r->objs;
	struct gp_lock_obj **shown = calloc(objs->nlocks + 1, sizeof(*shown));
	struct gp_lock *hot[5];
	size_t n = 0, i, max;

	fprintf(f,
		"\nlocks by time waited to acquire them (first futex wait -> back on a CPU after "
		"the last)%s%s\n",
		r->lock_filter ? ", matching --lock " : "", r->lock_filter ? r->lock_filter : "");
	for (i = 0; shown && i < objs->nlocks; i++)
		if (obj_matches(r, &objs->v[i]))
			shown[n++] = &objs->v[i];
	if (!n) {
		fprintf(f, "  no futex waits\n");
	} else {
		fprintf(f, "  %-7s %8s %7s %7s %10s %10s %9s %9s %9s %9s %7s  %s\n", "PID",
			"ACQUIRES", "RETRIES", "TIMEOUT", "WAIT", "SLEPT", "MEAN", "P50", "P99",
			"MAX", "WAITERS", "LOCK");
		max = r->top_locks && r->top_locks < n ? r->top_locks : n;
		for (i = 0; i < max; i++)
			print_obj(f, r, shown[i]);
		if (max < n)
			fprintf(f, "  ... %zu more (--top-locks 0 shows all)\n", n - max);
		print_cut_waits(f, objs);
		print_handoffs(f, r, hot, top_words(r, shown, max, hot, 5));
	}
	free(shown);
	print_gil(f, r);
	print_joins(f, r);
}

static void waker_name(const struct gp_report *r, uint32_t waker, char *buf, size_t len)
{
	const char *label = waker_label(waker);
	const struct gp_thread *t;

	if (label) {
		snprintf(buf, len, "%s", label);
		return;
	}
	t = model_thread(r->model, waker);
	/* the idle task: an interrupt on an idle CPU */
	snprintf(buf, len, "%u %s", waker, t ? t->comm : waker ? "(untraced)" : "[interrupt]");
}

/* For each of the top locks: how it changes hands, and who ended whose waits. */
static void print_handoffs(FILE *f, const struct gp_report *r, struct gp_lock **locks, size_t n)
{
	char name[LOCK_NAME_LEN], b[2][24], who[2][48];
	size_t i, j, np;

	fprintf(f, "\nhand-offs of the top futex words (who ended whose waits below each)\n");
	fprintf(f, "  %9s %9s %10s %10s %6s %6s  %s\n", "HANDOFFS", "FUTILE", "WAKE2RUN50",
		"WAKE2RUN99", "MAXQ", "MEANQ", "LOCK");
	for (i = 0; i < n; i++) {
		struct gp_lock *l = locks[i];
		struct gp_lock_pair **pairs;

		report_lock_name(r, l, name, sizeof(name));
		fprintf(f, "  %9" PRIu64 " %9" PRIu64 " %10s %10s %6u %6.2f  %s\n", l->handoffs,
			l->futile, fmt_ns(b[0], 24, u64vec_percentile(&l->wake_to_run, 50)),
			fmt_ns(b[1], 24, u64vec_percentile(&l->wake_to_run, 99)), l->max_depth,
			lock_mean_depth(l), name);
		pairs = lock_pairs_sorted(l, &np);
		for (j = 0; j < np && j < 3; j++) {
			waker_name(r, pairs[j]->waiter, who[0], sizeof(who[0]));
			waker_name(r, pairs[j]->waker, who[1], sizeof(who[1]));
			fprintf(f, "      %-22s <- %-22s %7" PRIu64 " waits %10s\n", who[0], who[1],
				pairs[j]->count, fmt_ns(b[0], 24, pairs[j]->wait_ns));
		}
		free(pairs);
		if (r->stacks) {
			print_top_stack(f, r, "waited at", &l->wait_stacks, l->wait_ns);
			print_top_stack(f, r, "released at", &l->release_stacks, l->wait_ns);
		}
	}
}

/*
 * TRACED counts switch to switch, as the threads' timelines do; RUNNING (running per CPU) is the
 * kernel's runtime, which charges a task from the moment the scheduler picks it, before the
 * switch tracepoint: say how far apart the two are, and why.
 */
static void print_cpus_vs_running(FILE *f, const struct gp_report *r)
{
	uint64_t span[GP_MAX_CPUS], all_span = 0;
	struct gp_totals tot;
	char b[2][24];
	unsigned c;

	if (r->model->ncpus > GP_MAX_CPUS)
		return;
	totals_of_model(&tot, r->model);
	analysis_oncpu_spans(r->model, span);
	for (c = 0; c < r->model->ncpus; c++)
		all_span += span[c];
	fprintf(f,
		"  TRACED is switch to switch (the threads' tracepoint spans: %s); their RUNNING "
		"is "
		"the kernel's runtime (%s), which starts before a switch-in's tracepoint\n",
		fmt_ns(b[0], 24, all_span), fmt_ns(b[1], 24, tot.bucket[GP_B_RUNNING]));
}

static void print_cpus(FILE *f, const struct gp_report *r)
{
	const struct gp_trace_stats *st = r->stats;
	char b[3][24];
	unsigned c;

	if (!st)
		return;
	fprintf(f, "\nper CPU over the trace: busy with traced threads / with everything else / "
		   "idle\n");
	fprintf(f, "  %-6s %12s %7s %12s %7s %12s %7s\n", "CPU", "TRACED", "", "OTHER", "", "IDLE",
		"");
	for (c = 0; c < st->ncpus; c++) {
		const __u64 *ns = st->cpu[c].ns;
		uint64_t all = ns[GP_CPU_IDLE] + ns[GP_CPU_TRACED] + ns[GP_CPU_OTHER];

		fprintf(f, "  cpu%-3u %12s %6.1f%% %12s %6.1f%% %12s %6.1f%%\n", c,
			fmt_ns(b[0], 24, ns[GP_CPU_TRACED]), pct(ns[GP_CPU_TRACED], all),
			fmt_ns(b[1], 24, ns[GP_CPU_OTHER]), pct(ns[GP_CPU_OTHER], all),
			fmt_ns(b[2], 24, ns[GP_CPU_IDLE]), pct(ns[GP_CPU_IDLE], all));
	}
	print_cpus_vs_running(f, r);
}

/* Interleaving against parallelism at a glance: which thread ran on each CPU over time. */
static void print_strip(FILE *f, const struct gp_report *r)
{
	struct gp_tlview v;

	if (tlview_build(r, &v) || report_strip(f, &v, GP_STRIP_WIDTH))
		fprintf(f, "\nthreads on each CPU: out of memory\n");
	tlview_free(&v);
}

static const char *thread_comm(const struct gp_model *m, uint32_t tid)
{
	const struct gp_thread *t = model_thread(m, tid);

	/* wakeups from interrupts (timers) run in the idle task or whatever they interrupted */
	return t ? t->comm : tid ? "(untraced)" : "[interrupt]";
}

static void print_pairs(FILE *f, const struct gp_report *r)
{
	size_t n, i, shown;
	struct gp_wake_pair **pairs = analysis_pairs_by_count(r->model, &n);
	char b[24], who[40];

	fprintf(f, "\nwho woke whom (wakeups that ended a block)\n");
	if (!n) {
		fprintf(f, "  none\n");
		return;
	}
	fprintf(f, "  %-26s %-26s %9s %9s %12s\n", "WAKER", "WAKEE", "WAKEUPS", "OF-FUTEX",
		"BLOCKED");
	shown = r->top_pairs && r->top_pairs < n ? r->top_pairs : n;
	for (i = 0; i < shown; i++) {
		const struct gp_wake_pair *p = pairs[i];

		waker_name(r, p->waker, who, sizeof(who));
		fprintf(f, "  %-26s", who);
		snprintf(who, sizeof(who), "%u %s", p->wakee, thread_comm(r->model, p->wakee));
		fprintf(f, " %-26s %9" PRIu64 " %9" PRIu64 " %12s\n", who, p->count, p->futex_count,
			fmt_ns(b, sizeof(b), p->blocked_ns));
	}
	if (shown < n)
		fprintf(f, "  ... %zu more pairs\n", n - shown);
	free(pairs);
}

static void print_losses(FILE *f, const struct gp_report *r)
{
	struct gp_loss l[32];
	size_t n = report_losses(r, l, 32), i;
	uint64_t total = 0;

	for (i = 0; i < n; i++)
		total += l[i].count;
	fprintf(f, "\nlost or inconsistent events: %" PRIu64 " (", total);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s %" PRIu64, i ? ", " : "", l[i].label, l[i].count);
	fprintf(f, ")\n");
}

int report_text_verdict(FILE *f, const struct gp_report *r)
{
	print_verdict(f, r);
	return ferror(f) ? -1 : 0;
}

int report_text(FILE *f, const struct gp_report *r)
{
	struct gp_totals tot;
	size_t i;

	totals_of_model(&tot, r->model);
	print_header(f, r);
	print_verdict(f, r);
	for (i = 0; i < r->model->nprocs; i++)
		print_process(f, r, r->model->procs[i]);
	fputc('\n', f);
	print_closure(f, r);
	print_running_cpus(f, r, &tot);
	print_locks(f, r);
	print_pairs(f, r);
	print_cpus(f, r);
	print_strip(f, r);
	print_losses(f, r);
	return ferror(f) ? -1 : 0;
}
