// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/diff.h"
#include "analyze/report.h"
#include "export/diff_text.h"

static const char *const state_label[GP_DS_COUNT] = {
	[GP_DS_RUNNING] = "running",	       [GP_DS_RUNQ] = "run queue",
	[GP_DS_LOCK] = "lock wait (futex)",    [GP_DS_SLEEP] = "sleep",
	[GP_DS_DWAIT] = "D (uninterruptible)", [GP_DS_SWITCHING] = "switching",
};

/* "-991.0 ms", "+2.000 ms", "0 ns". */
static char *fmt_delta_ns(char *buf, size_t len, int64_t d)
{
	size_t sign = d != 0 && len > 1;

	if (sign)
		buf[0] = d < 0 ? '-' : '+';
	fmt_ns(buf + sign, len - sign, d < 0 ? 0 - (uint64_t)d : (uint64_t)d);
	return buf;
}

/* "+84.0%", "new" when the BASE value was 0. */
static char *fmt_pct(char *buf, size_t len, double base, double new)
{
	double p = diff_pct(base, new);

	if (isnan(p))
		snprintf(buf, len, "%s", new ? "new" : "");
	else
		snprintf(buf, len, "%+.1f%%", p);
	return buf;
}

static void print_side(FILE *f, const struct gp_diff_side *s, const char *name)
{
	int i;

	fprintf(f, "  %-5s", name);
	for (i = 0; s->argv && s->argv[i]; i++)
		fprintf(f, " %s", s->argv[i]);
	if (s->exit_status >= 0)
		fprintf(f, "  (exit status %d)", s->exit_status);
	if (s->incomplete)
		fprintf(f, "  [incomplete recording]");
	fputc('\n', f);
}

static void print_header(FILE *f, const struct gp_diff *d)
{
	const struct gp_diff_side *a = &d->side[GP_DIFF_BASE], *b = &d->side[GP_DIFF_NEW];

	fprintf(f, "gilprof diff: BASE %s -> NEW %s\n", a->label ? a->label : "?",
		b->label ? b->label : "?");
	print_side(f, a, "BASE");
	print_side(f, b, "NEW");
}

static void print_time_row(FILE *f, const char *label, uint64_t a, uint64_t b, const char *word)
{
	char x[24], y[24], dl[24], p[16];

	fprintf(f, "  %-26s %11s %11s %12s %8s  %s\n", label, fmt_ns(x, sizeof(x), a),
		fmt_ns(y, sizeof(y), b), fmt_delta_ns(dl, sizeof(dl), (int64_t)b - (int64_t)a),
		fmt_pct(p, sizeof(p), a, b), word);
}

static const char *wall_word(const struct gp_diff_side *a, const struct gp_diff_side *b, char *buf,
			     size_t len)
{
	switch (diff_change_ns(a->wall_ns, b->wall_ns)) {
	case GP_CH_LESS:
		snprintf(buf, len, "%.2fx faster",
			 b->wall_ns ? (double)a->wall_ns / b->wall_ns : 0);
		break;
	case GP_CH_MORE:
		snprintf(buf, len, "%.2fx slower",
			 a->wall_ns ? (double)b->wall_ns / a->wall_ns : 0);
		break;
	default:
		snprintf(buf, len, "unchanged");
	}
	return buf;
}

static void print_summary(FILE *f, const struct gp_diff *d)
{
	const struct gp_diff_side *a = &d->side[GP_DIFF_BASE], *b = &d->side[GP_DIFF_NEW];
	char w[32], label[40], p[16], x[24], y[24];

	fprintf(f, "\n  %-26s %11s %11s %12s\n", "", "BASE", "NEW", "CHANGE");
	print_time_row(f, "wall time (trace span)", a->wall_ns, b->wall_ns,
		       wall_word(a, b, w, sizeof(w)));
	print_time_row(f, "CPU time (running)", a->cpu_ns, b->cpu_ns,
		       diff_change_name(diff_change_ns(a->cpu_ns, b->cpu_ns)));
	if (a->ncpus == b->ncpus)
		snprintf(label, sizeof(label), "parallelism (of %u CPUs)", a->ncpus);
	else
		snprintf(label, sizeof(label), "parallelism (%u -> %u CPUs)", a->ncpus, b->ncpus);
	fprintf(f, "  %-26s %11.2f %11.2f %+12.2f %8s  %s\n", label, a->parallelism, b->parallelism,
		b->parallelism - a->parallelism,
		fmt_pct(p, sizeof(p), a->parallelism, b->parallelism),
		diff_change_name(
			diff_change(a->parallelism, b->parallelism, GP_DIFF_MIN_PARALLELISM)));
	snprintf(x, sizeof(x), "%zu / %zu", a->nprocs, a->nthreads);
	snprintf(y, sizeof(y), "%zu / %zu", b->nprocs, b->nthreads);
	fprintf(f, "  %-26s %11s %11s\n", "processes / threads", x, y);
}

static void print_shares(FILE *f, const struct gp_diff *d)
{
	const struct gp_diff_side *a = &d->side[GP_DIFF_BASE], *b = &d->side[GP_DIFF_NEW];
	char x[24], y[24];
	int s;

	fprintf(f, "\nwhere the threads' time went (share of their lifetimes)\n");
	fprintf(f, "  %-26s %11s %11s %12s\n", "", "BASE", "NEW", "CHANGE");
	for (s = 0; s < GP_DS_COUNT; s++) {
		double sa = diff_share(a, s), sb = diff_share(b, s), delta = sb - sa;

		/* what rounds to 0.0 is shown as +0.0, not -0.0 */
		fprintf(f, "  %-26s %10.1f%% %10.1f%% %+8.1f pts\n", state_label[s], sa, sb,
			fabs(delta) < 0.05 ? 0.0 : delta);
	}
	fprintf(f, "  (of %s and %s of thread lifetime)\n", fmt_ns(x, sizeof(x), a->lifetime_ns),
		fmt_ns(y, sizeof(y), b->lifetime_ns));
}

/* A side's value, or "-" when the lock or thread was not in that run. */
static const char *side_ns(char *buf, size_t len, bool present, uint64_t ns)
{
	if (!present)
		snprintf(buf, len, "-");
	else
		fmt_ns(buf, len, ns);
	return buf;
}

static const char *side_u64(char *buf, size_t len, bool present, uint64_t v)
{
	if (!present)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

static void print_lock(FILE *f, const struct gp_diff_lock *l)
{
	const struct gp_diff_lock_side *a = &l->side[GP_DIFF_BASE], *b = &l->side[GP_DIFF_NEW];
	char x[24], y[24], dl[24], p[16], wa[24], wb[24];

	fprintf(f, "  %12s %12s %12s %8s %11s %10s  %s\n",
		side_ns(x, sizeof(x), a->present, a->wait_ns),
		side_ns(y, sizeof(y), b->present, b->wait_ns),
		fmt_delta_ns(dl, sizeof(dl), l->delta_ns),
		fmt_pct(p, sizeof(p), a->wait_ns, b->wait_ns),
		side_u64(wa, sizeof(wa), a->present, a->waits),
		side_u64(wb, sizeof(wb), b->present, b->waits), l->name);
}

static void print_locks(FILE *f, const struct gp_diff *d)
{
	size_t i;

	fprintf(f, "\nlocks by total wait, matched by name (- : not waited on in that run)\n");
	if (!d->nlocks) {
		fprintf(f, "  no futex waits in either run\n");
		return;
	}
	fprintf(f, "  %12s %12s %12s %8s %11s %10s  %s\n", "BASE-WAIT", "NEW-WAIT", "CHANGE", "%",
		"BASE-WAITS", "NEW-WAITS", "LOCK");
	for (i = 0; i < d->nlocks_shown; i++)
		print_lock(f, &d->locks[i]);
	if (d->nlocks_shown < d->nlocks)
		fprintf(f, "  ... %zu more (--top-locks 0 shows all)\n",
			d->nlocks - d->nlocks_shown);
}

static void print_thread(FILE *f, const struct gp_diff_thread *t)
{
	const struct gp_diff_thread_side *a = &t->side[GP_DIFF_BASE], *b = &t->side[GP_DIFF_NEW];
	char v[4][24];

	fprintf(f, "  %-20s %13s %13s %14s %14s\n", t->name,
		side_ns(v[0], sizeof(v[0]), a->present, a->running_ns),
		side_ns(v[1], sizeof(v[1]), b->present, b->running_ns),
		side_ns(v[2], sizeof(v[2]), a->present, a->lock_ns),
		side_ns(v[3], sizeof(v[3]), b->present, b->lock_ns));
}

static void print_threads(FILE *f, const struct gp_diff *d)
{
	size_t i;

	fprintf(f, "\nthreads matched by name (#N: the Nth thread of that name, in order of "
		   "appearance)\n");
	if (!d->nthreads) {
		fprintf(f, "  no threads in either run\n");
		return;
	}
	fprintf(f, "  %-20s %13s %13s %14s %14s\n", "THREAD", "BASE-RUNNING", "NEW-RUNNING",
		"BASE-LOCKWAIT", "NEW-LOCKWAIT");
	for (i = 0; i < d->nthreads_shown; i++)
		print_thread(f, &d->threads[i]);
	if (d->nthreads_shown < d->nthreads)
		fprintf(f, "  ... %zu more (--top-threads 0 shows all)\n",
			d->nthreads - d->nthreads_shown);
}

static void print_verdict(FILE *f, const struct gp_diff *d)
{
	size_t i;

	fprintf(f,
		"\nwhat changed (a change under %.0f%% of BASE or under %.0f ms counts as "
		"unchanged)\n",
		100 * GP_DIFF_REL, GP_DIFF_MIN_NS / 1e6);
	for (i = 0; i < d->nverdict; i++)
		fprintf(f, "  %s\n", d->verdict[i]);
}

int diff_text(FILE *f, const struct gp_diff *d)
{
	print_header(f, d);
	print_summary(f, d);
	print_shares(f, d);
	print_locks(f, d);
	print_threads(f, d);
	print_verdict(f, d);
	return ferror(f) ? -1 : 0;
}
