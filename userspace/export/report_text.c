// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/analysis.h"
#include "analyze/report.h"
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

static void print_thread_cols(FILE *f)
{
	fprintf(f, "  %-8s %-16s %10s %10s %9s %10s %10s %10s %10s %10s %7s %7s %6s\n", "TID",
		"THREAD", "LIFETIME", "RUNNING", "SWITCHING", "RUNQ-WAKE", "RUNQ-PREEMP",
		"FUTEX-WAIT", "SLEEP", "D-WAIT", "VCSW", "ICSW", "MIGR");
}

static void print_row(FILE *f, const char *id, const char *name, uint64_t life,
		      const uint64_t *bucket, uint64_t vcsw, uint64_t icsw, uint64_t migr)
{
	char b[GP_B_COUNT + 1][24];
	int i;

	fmt_ns(b[GP_B_COUNT], sizeof(b[0]), life);
	for (i = 0; i < GP_B_COUNT; i++)
		fmt_ns(b[i], sizeof(b[0]), bucket[i]);
	fprintf(f,
		"  %-8s %-16.16s %10s %10s %9s %10s %10s %10s %10s %10s %7" PRIu64 " %7" PRIu64
		" %6" PRIu64 "\n",
		id, name, b[GP_B_COUNT], b[GP_B_RUNNING], b[GP_B_SWITCHING], b[GP_B_RUNQ_WAKE],
		b[GP_B_RUNQ_PREEMPT], b[GP_B_FUTEX], b[GP_B_SLEEP], b[GP_B_DWAIT], vcsw, icsw,
		migr);
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
	print_thread_cols(f);
	for (i = 0; i < p->nthreads; i++) {
		const struct gp_thread *t = p->threads[i];

		snprintf(id, sizeof(id), "%u", t->tid);
		print_row(f, id, t->comm, thread_lifetime(t), t->bucket, t->nvcsw, t->nivcsw,
			  t->migrations);
	}
	if (p->nthreads > 1) {
		snprintf(id, sizeof(id), "all %u", tot.nthreads);
		print_row(f, id, "", tot.lifetime, tot.bucket, tot.nvcsw, tot.nivcsw,
			  tot.migrations);
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
/* One line: the user frames of a stack, innermost first. */
static void print_stack_line(FILE *f, const struct gp_report *r, const char *what,
			     const struct gp_lock_stack *st, uint64_t total)
{
	char names[8][128], b[24];
	size_t n = report_stack_names(r, st->stack, false, names, 8), i;

	fprintf(f, "      %s (%.0f%%, %s):", what, total ? 100.0 * st->ns / total : 0,
		fmt_ns(b, sizeof(b), st->ns));
	for (i = 0; i < n; i++)
		fprintf(f, "%s %s", i ? " <-" : "", names[i]);
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

static void print_lock(FILE *f, const struct gp_report *r, struct gp_lock *l)
{
	char name[LOCK_NAME_LEN], addr[24], b[5][24];

	report_lock_name(r, l, name, sizeof(name));
	snprintf(addr, sizeof(addr), "0x%" PRIx64, l->uaddr);
	fprintf(f,
		"  %-7u %-14s %7" PRIu64 " %7" PRIu64 " %5" PRIu64
		" %10s %9s %9s %9s %9s %7zu  %s\n",
		l->tgid, addr, l->waits, l->outcome[GP_WO_TIMEOUT],
		l->outcome[GP_WO_INTR] + l->outcome[GP_WO_OTHER] + l->outcome[GP_WO_AGAIN],
		fmt_ns(b[0], 24, l->wait_ns),
		fmt_ns(b[1], 24, l->waits ? l->wait_ns / l->waits : 0),
		fmt_ns(b[2], 24, lock_percentile(l, 50)), fmt_ns(b[3], 24, lock_percentile(l, 99)),
		fmt_ns(b[4], 24, l->max_ns), l->nwaiters, name);
}

/* Waits cut short by the trace's span: found in progress at the attach, or still going at the
 * end. They count from the attach, or to the end. */
static void print_cut_waits(FILE *f, struct gp_lock **locks, size_t n)
{
	uint64_t before = 0, after = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		before += locks[i]->at_attach;
		after += locks[i]->outcome[GP_WO_ONGOING];
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

static void print_locks(FILE *f, const struct gp_report *r)
{
	size_t n, i, shown;
	struct gp_lock **locks = report_locks(r, &n);

	fprintf(f,
		"\nfutex words by total wait (wait = blocked in the futex until back on a "
		"CPU)%s%s\n",
		r->lock_filter ? ", matching --lock " : "", r->lock_filter ? r->lock_filter : "");
	if (!n) {
		fprintf(f, "  no futex waits\n");
		free(locks);
		return;
	}
	fprintf(f, "  %-7s %-14s %7s %7s %5s %10s %9s %9s %9s %9s %7s  %s\n", "PID", "ADDRESS",
		"WAITS", "TIMEOUT", "INTR", "TOTAL", "MEAN", "P50", "P99", "MAX", "WAITERS",
		"LOCK");
	shown = r->top_locks && r->top_locks < n ? r->top_locks : n;
	for (i = 0; i < shown; i++)
		print_lock(f, r, locks[i]);
	if (shown < n)
		fprintf(f, "  ... %zu more (--top-locks 0 shows all)\n", n - shown);
	print_cut_waits(f, locks, n);
	print_handoffs(f, r, locks, shown < 5 ? shown : 5);
	free(locks);
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
	snprintf(buf, len, "%u %s", waker, t ? t->comm : "(untraced)");
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

		snprintf(who, sizeof(who), "%u %s", p->waker, thread_comm(r->model, p->waker));
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

int report_text(FILE *f, const struct gp_report *r)
{
	struct gp_totals tot;
	size_t i;

	totals_of_model(&tot, r->model);
	print_header(f, r);
	for (i = 0; i < r->model->nprocs; i++)
		print_process(f, r, r->model->procs[i]);
	fputc('\n', f);
	print_closure(f, r);
	print_running_cpus(f, r, &tot);
	print_locks(f, r);
	print_pairs(f, r);
	print_cpus(f, r);
	print_losses(f, r);
	return ferror(f) ? -1 : 0;
}
