// SPDX-License-Identifier: GPL-2.0
/* Two runs compared: figures side by side, locks and threads matched by name, a verdict. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/analysis.h"
#include "analyze/diff.h"
#include "analyze/lockobj.h"
#include "util/vec.h"

const char *diff_state_name(enum gp_diff_state st)
{
	static const char *const names[GP_DS_COUNT] = {
		[GP_DS_RUNNING] = "running", [GP_DS_RUNQ] = "run queue",
		[GP_DS_LOCK] = "lock wait",  [GP_DS_SLEEP] = "sleep",
		[GP_DS_DWAIT] = "D",	     [GP_DS_SWITCHING] = "switching",
	};
	return st < GP_DS_COUNT ? names[st] : "?";
}

const char *diff_side_name(enum gp_diff_side_id id)
{
	return id == GP_DIFF_BASE ? "BASE" : "NEW";
}

const char *diff_change_name(enum gp_change c)
{
	return c == GP_CH_LESS ? "less" : c == GP_CH_MORE ? "more" : "unchanged";
}

double diff_pct(double base, double new)
{
	return base ? 100.0 * (new - base) / base : NAN;
}

enum gp_change diff_change(double base, double new, double floor)
{
	double d = fabs(new - base);

	if (d < floor || d < GP_DIFF_REL * base)
		return GP_CH_UNCHANGED;
	return new < base ? GP_CH_LESS : GP_CH_MORE;
}

enum gp_change diff_change_ns(uint64_t base, uint64_t new)
{
	return diff_change((double)base, (double)new, (double)GP_DIFF_MIN_NS);
}

double diff_share(const struct gp_diff_side *s, enum gp_diff_state st)
{
	return s->lifetime_ns ? 100.0 * s->state_ns[st] / s->lifetime_ns : 0;
}

static void side_measure(struct gp_diff_side *s, const struct gp_report *r)
{
	struct gp_totals tot;
	const uint64_t *b = tot.bucket;

	totals_of_model(&tot, r->model);
	s->argv = r->argv;
	s->exit_status = r->exit_status;
	s->wall_ns = r->end_ts > r->start_ts ? r->end_ts - r->start_ts : 0;
	s->cpu_ns = b[GP_B_RUNNING];
	s->lifetime_ns = tot.lifetime;
	s->state_ns[GP_DS_RUNNING] = b[GP_B_RUNNING];
	s->state_ns[GP_DS_RUNQ] = b[GP_B_RUNQ_WAKE] + b[GP_B_RUNQ_PREEMPT];
	s->state_ns[GP_DS_LOCK] = b[GP_B_FUTEX];
	s->state_ns[GP_DS_SLEEP] = b[GP_B_SLEEP];
	s->state_ns[GP_DS_DWAIT] = b[GP_B_DWAIT];
	s->state_ns[GP_DS_SWITCHING] = b[GP_B_SWITCHING];
	s->parallelism = analysis_parallelism(&tot, s->wall_ns);
	s->ncpus = r->model->ncpus;
	s->nprocs = r->model->nprocs;
	s->nthreads = r->model->nthreads;
}

/* "0x7f3a0c1f2990", a whole word of the name: an absolute address. */
static bool word_is_address(const char *w, size_t n)
{
	size_t i;

	if (n < 3 || w[0] != '0' || w[1] != 'x')
		return false;
	for (i = 2; i < n; i++)
		if (!isxdigit((unsigned char)w[i]))
			return false;
	return true;
}

static void key_without_addresses(const char *name, char *key, size_t len)
{
	size_t used = 0, n;
	const char *w;

	key[0] = 0;
	for (w = name; *w; w += n) {
		w += strspn(w, " ");
		n = strcspn(w, " ");
		if (!n || word_is_address(w, n) || used + n + 2 > len)
			continue;
		used += snprintf(key + used, len - used, "%s%.*s", used ? " " : "", (int)n, w);
	}
	if (!key[0] || key[0] == '@') {
		char rest[GP_DIFF_NAME_LEN];

		snprintf(rest, sizeof(rest), "%s", key);
		snprintf(key, len, "[unknown]%s%s", rest[0] ? " " : "", rest);
	}
}

void diff_lock_key(const char *name, bool by_symbol, char *key, size_t len)
{
	if (by_symbol)
		lock_object_key(name, 0, key,
				len); /* the object, as the report's lock table has it */
	else
		key_without_addresses(name, key, len);
}

/* One futex word of one run, under its key. */
struct lock_entry {
	char key[GP_DIFF_NAME_LEN];
	int side;
	const struct gp_lock *l;
};

static int lock_entry_cmp(const void *a, const void *b)
{
	const struct lock_entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	if (x->side != y->side)
		return x->side - y->side;
	return x->l->tgid < y->l->tgid ? -1 : x->l->tgid > y->l->tgid;
}

static void lock_entry_fill(struct lock_entry *e, const struct gp_report *r, int side,
			    const struct gp_lock *l)
{
	char name[GP_DIFF_NAME_LEN];
	int named = r->name_lock ? r->name_lock(r->namer_ctx, l->tgid, l->uaddr, name, sizeof(name))
				 : -1;

	report_lock_name(r, l, name, sizeof(name));
	diff_lock_key(name, named == 0, e->key, sizeof(e->key));
	e->side = side;
	e->l = l;
}

static void lock_side_add(struct gp_diff_lock_side *s, const struct lock_entry *e,
			  const struct lock_entry *prev)
{
	s->present = true;
	s->wait_ns += e->l->wait_ns;
	s->waits += e->l->waits;
	s->timeouts += e->l->outcome[GP_WO_TIMEOUT];
	s->words++;
	if (!prev || prev->side != e->side || strcmp(prev->key, e->key) ||
	    prev->l->tgid != e->l->tgid)
		s->procs++;
}

static uint64_t lock_larger_wait(const struct gp_diff_lock *l)
{
	uint64_t a = l->side[GP_DIFF_BASE].wait_ns, b = l->side[GP_DIFF_NEW].wait_ns;

	return a > b ? a : b;
}

static int diff_lock_cmp(const void *a, const void *b)
{
	const struct gp_diff_lock *x = a, *y = b;
	uint64_t wx = lock_larger_wait(x), wy = lock_larger_wait(y);

	if (wx != wy)
		return wx < wy ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Sorted entries of both runs folded into one row per key. */
static size_t locks_fold(struct gp_diff_lock *rows, const struct lock_entry *e, size_t n)
{
	struct gp_diff_lock *cur = NULL;
	size_t i, nrows = 0;

	for (i = 0; i < n; i++) {
		if (!cur || strcmp(cur->name, e[i].key)) {
			cur = &rows[nrows++];
			snprintf(cur->name, sizeof(cur->name), "%s", e[i].key);
		}
		lock_side_add(&cur->side[e[i].side], &e[i], i ? &e[i - 1] : NULL);
	}
	for (i = 0; i < nrows; i++) {
		uint64_t a = rows[i].side[GP_DIFF_BASE].wait_ns,
			 b = rows[i].side[GP_DIFF_NEW].wait_ns;

		rows[i].delta_ns = (int64_t)b - (int64_t)a;
		rows[i].change = diff_change_ns(a, b);
	}
	qsort(rows, nrows, sizeof(*rows), diff_lock_cmp);
	return nrows;
}

static int diff_locks(struct gp_diff *d, const struct gp_report *r[GP_DIFF_SIDES])
{
	size_t n = r[0]->model->nlocks + r[1]->model->nlocks, k = 0, i;
	struct lock_entry *e;
	int s;

	if (!n)
		return 0;
	e = calloc(n, sizeof(*e));
	d->locks = calloc(n, sizeof(*d->locks));
	if (!e || !d->locks) {
		free(e);
		return -ENOMEM;
	}
	for (s = 0; s < GP_DIFF_SIDES; s++)
		for (i = 0; i < r[s]->model->nlocks; i++)
			lock_entry_fill(&e[k++], r[s], s, r[s]->model->locks[i]);
	qsort(e, n, sizeof(*e), lock_entry_cmp);
	d->nlocks = locks_fold(d->locks, e, n);
	free(e);
	return 0;
}

/* One thread of one run; nth counts the earlier threads of its run with the same comm. */
struct thread_entry {
	const char *comm;
	int side;
	size_t order, nth;
	const struct gp_thread *t;
};

static int thread_entry_by_comm(const void *a, const void *b)
{
	const struct thread_entry *x = a, *y = b;
	int c = strcmp(x->comm, y->comm);

	if (c)
		return c;
	if (x->side != y->side)
		return x->side - y->side;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int thread_entry_by_key(const void *a, const void *b)
{
	const struct thread_entry *x = a, *y = b;
	int c = strcmp(x->comm, y->comm);

	if (c)
		return c;
	if (x->nth != y->nth)
		return x->nth < y->nth ? -1 : 1;
	return x->side - y->side;
}

static void thread_side_fill(struct gp_diff_thread_side *s, const struct gp_thread *t)
{
	s->present = true;
	s->tid = t->tid;
	s->pid = t->tgid;
	s->lifetime_ns = thread_lifetime(t);
	s->running_ns = t->bucket[GP_B_RUNNING];
	s->lock_ns = t->bucket[GP_B_FUTEX];
}

static uint64_t thread_weight(const struct gp_diff_thread *t)
{
	uint64_t w = 0;
	int s;

	for (s = 0; s < GP_DIFF_SIDES; s++)
		w += t->side[s].running_ns + t->side[s].lock_ns;
	return w;
}

static int diff_thread_cmp(const void *a, const void *b)
{
	const struct gp_diff_thread *x = a, *y = b;
	uint64_t wx = thread_weight(x), wy = thread_weight(y);

	if (wx != wy)
		return wx < wy ? 1 : -1;
	return strcmp(x->name, y->name);
}

static size_t threads_fold(struct gp_diff_thread *rows, const struct thread_entry *e, size_t n)
{
	size_t i, nrows = 0;

	for (i = 0; i < n; i++) {
		struct gp_diff_thread *cur = &rows[nrows];

		if (!i || strcmp(e[i].comm, e[i - 1].comm) || e[i].nth != e[i - 1].nth) {
			nrows++;
			if (e[i].nth)
				snprintf(cur->name, sizeof(cur->name), "%s#%zu", e[i].comm,
					 e[i].nth + 1);
			else
				snprintf(cur->name, sizeof(cur->name), "%s", e[i].comm);
		}
		thread_side_fill(&rows[nrows - 1].side[e[i].side], e[i].t);
	}
	qsort(rows, nrows, sizeof(*rows), diff_thread_cmp);
	return nrows;
}

static int diff_threads(struct gp_diff *d, const struct gp_report *r[GP_DIFF_SIDES])
{
	size_t n = r[0]->model->nthreads + r[1]->model->nthreads, k = 0, i;
	struct thread_entry *e;
	int s;

	if (!n)
		return 0;
	e = calloc(n, sizeof(*e));
	d->threads = calloc(n, sizeof(*d->threads));
	if (!e || !d->threads) {
		free(e);
		return -ENOMEM;
	}
	for (s = 0; s < GP_DIFF_SIDES; s++) {
		for (i = 0; i < r[s]->model->nthreads; i++, k++) {
			const struct gp_thread *t = r[s]->model->threads[i];

			e[k] = (struct thread_entry){t->comm[0] ? t->comm : "?", s, i, 0, t};
		}
	}
	/* in order of appearance within each comm of each run: the Nth of a name */
	qsort(e, n, sizeof(*e), thread_entry_by_comm);
	for (i = 1; i < n; i++)
		if (!strcmp(e[i].comm, e[i - 1].comm) && e[i].side == e[i - 1].side)
			e[i].nth = e[i - 1].nth + 1;
	qsort(e, n, sizeof(*e), thread_entry_by_key);
	d->nthreads = threads_fold(d->threads, e, n);
	free(e);
	return 0;
}

/* Appends to a verdict line, cut at its end. */
static void line_add(char *line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line_add(char *line, const char *fmt, ...)
{
	size_t used = strlen(line);
	va_list ap;

	if (used >= GP_DIFF_VERDICT_LEN - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(line + used, GP_DIFF_VERDICT_LEN - used, fmt, ap);
	va_end(ap);
}

/* A new line, or the last one again when all are used (they are sized for every case). */
static char *verdict_line(struct gp_diff *d)
{
	if (d->nverdict == GP_DIFF_VERDICT_MAX)
		return d->verdict[d->nverdict - 1];
	d->verdict[d->nverdict][0] = 0;
	return d->verdict[d->nverdict++];
}

static void verdict_incomplete(struct gp_diff *d)
{
	int s;

	for (s = 0; s < GP_DIFF_SIDES; s++) {
		if (d->side[s].incomplete)
			line_add(verdict_line(d),
				 "%s (%s) is incomplete: the recording is damaged or cut short, so "
				 "its figures cover only its intact part",
				 diff_side_name(s), d->side[s].label ? d->side[s].label : "?");
	}
}

/* "(12.5%)" or "(unchanged)" for a time that is not the wall time. */
static void line_add_time_change(char *line, uint64_t a, uint64_t b)
{
	if (diff_change_ns(a, b) == GP_CH_UNCHANGED)
		line_add(line, " (unchanged)");
	else if (!a)
		line_add(line, " (none before)");
	else
		line_add(line, " (%+.1f%%)", diff_pct(a, b));
}

static void verdict_speed(struct gp_diff *d)
{
	const struct gp_diff_side *a = &d->side[GP_DIFF_BASE], *b = &d->side[GP_DIFF_NEW];
	enum gp_change wall = diff_change_ns(a->wall_ns, b->wall_ns);
	char *line = verdict_line(d), x[24], y[24];

	line_add(line, "wall time %s -> %s", fmt_ns(x, sizeof(x), a->wall_ns),
		 fmt_ns(y, sizeof(y), b->wall_ns));
	if (wall == GP_CH_UNCHANGED)
		line_add(line, " (unchanged)");
	else if (wall == GP_CH_LESS)
		line_add(line, " (%.2fx faster)", b->wall_ns ? (double)a->wall_ns / b->wall_ns : 0);
	else if (a->wall_ns)
		line_add(line, " (%.2fx slower)", (double)b->wall_ns / a->wall_ns);
	else
		line_add(line, " (slower)");
	line_add(line, "; CPU time %s -> %s", fmt_ns(x, sizeof(x), a->cpu_ns),
		 fmt_ns(y, sizeof(y), b->cpu_ns));
	line_add_time_change(line, a->cpu_ns, b->cpu_ns);
	line_add(line, "; parallelism %.2f", a->parallelism);
	if (a->ncpus != b->ncpus)
		line_add(line, " of %u CPUs", a->ncpus);
	line_add(line, " -> %.2f of %u CPUs", b->parallelism, b->ncpus);
	if (diff_change(a->parallelism, b->parallelism, GP_DIFF_MIN_PARALLELISM) == GP_CH_UNCHANGED)
		line_add(line, " (unchanged)");
}

/* The changed locks, the largest changes first: indexes into d->locks, at most max. */
static size_t locks_changed(const struct gp_diff *d, size_t *idx, size_t max)
{
	size_t i, j, n = 0;

	for (i = 0; i < d->nlocks; i++) {
		uint64_t mag = (uint64_t)llabs(d->locks[i].delta_ns);

		if (d->locks[i].change == GP_CH_UNCHANGED)
			continue;
		for (j = n; j > 0 && (uint64_t)llabs(d->locks[idx[j - 1]].delta_ns) < mag; j--)
			if (j < max)
				idx[j] = idx[j - 1];
		if (j < max)
			idx[j] = i;
		if (n < max)
			n++;
	}
	return n;
}

static void line_add_lock(char *line, const struct gp_diff_lock *l)
{
	const struct gp_diff_lock_side *a = &l->side[GP_DIFF_BASE], *b = &l->side[GP_DIFF_NEW];
	char x[24], y[24];

	if (!b->wait_ns)
		line_add(line, "%s no longer waited on (%s before)", l->name,
			 fmt_ns(x, sizeof(x), a->wait_ns));
	else if (!a->wait_ns)
		line_add(line, "%s newly waited on (%s)", l->name,
			 fmt_ns(y, sizeof(y), b->wait_ns));
	else
		line_add(line, "%s %s -> %s (%+.1f%%)", l->name, fmt_ns(x, sizeof(x), a->wait_ns),
			 fmt_ns(y, sizeof(y), b->wait_ns), diff_pct(a->wait_ns, b->wait_ns));
}

static void verdict_locks(struct gp_diff *d)
{
	const struct gp_diff_side *a = &d->side[GP_DIFF_BASE], *b = &d->side[GP_DIFF_NEW];
	double sa = diff_share(a, GP_DS_LOCK), sb = diff_share(b, GP_DS_LOCK);
	size_t idx[GP_DIFF_VERDICT_LOCKS], n, i;
	char *line = verdict_line(d);

	line_add(line, "lock wait %.1f%% -> %.1f%% of thread time", sa, sb);
	if (diff_change(sa, sb, GP_DIFF_MIN_POINTS) == GP_CH_UNCHANGED)
		line_add(line, " (unchanged)");
	if (!d->nlocks) {
		line_add(line, "; no futex waits in either run");
		return;
	}
	n = locks_changed(d, idx, GP_DIFF_VERDICT_LOCKS);
	if (!n)
		line_add(line, "; no lock's total wait changed (by 5%% and 1 ms or more)");
	for (i = 0; i < n; i++) {
		line_add(line, "%s", i ? "; " : ": ");
		line_add_lock(line, &d->locks[idx[i]]);
	}
}

static size_t threads_only_in(const struct gp_diff *d, int s)
{
	size_t i, n = 0;

	for (i = 0; i < d->nthreads; i++)
		n += d->threads[i].side[s].present && !d->threads[i].side[!s].present;
	return n;
}

static void line_add_only_in(char *line, const struct gp_diff *d, int s)
{
	size_t i, n = 0;

	line_add(line, "; only in %s: ", diff_side_name(s));
	for (i = 0; i < d->nthreads; i++) {
		const struct gp_diff_thread *t = &d->threads[i];

		if (!t->side[s].present || t->side[!s].present)
			continue;
		if (n++ == 5) {
			line_add(line, ", ...");
			return;
		}
		line_add(line, "%s%s", n > 1 ? ", " : "", t->name);
	}
}

/* Threads that only one run had, by name: a renamed or an added thread is worth knowing. */
static void verdict_threads(struct gp_diff *d)
{
	char *line;
	int s;

	if (!threads_only_in(d, GP_DIFF_BASE) && !threads_only_in(d, GP_DIFF_NEW))
		return;
	line = verdict_line(d);
	line_add(line, "threads %zu -> %zu", d->side[GP_DIFF_BASE].nthreads,
		 d->side[GP_DIFF_NEW].nthreads);
	for (s = 0; s < GP_DIFF_SIDES; s++)
		if (threads_only_in(d, s))
			line_add_only_in(line, d, s);
}

int diff_build(struct gp_diff *d, const struct gp_report *base, const struct gp_report *new,
	       const struct gp_diff_opts *o)
{
	const struct gp_report *r[GP_DIFF_SIDES] = {base, new};
	int s;

	memset(d, 0, sizeof(*d));
	for (s = 0; s < GP_DIFF_SIDES; s++) {
		side_measure(&d->side[s], r[s]);
		d->side[s].label = o->label[s];
		d->side[s].incomplete = o->incomplete[s];
	}
	if (diff_locks(d, r) || diff_threads(d, r)) {
		diff_free(d);
		return -ENOMEM;
	}
	d->nlocks_shown = o->top_locks && o->top_locks < d->nlocks ? o->top_locks : d->nlocks;
	d->nthreads_shown =
		o->top_threads && o->top_threads < d->nthreads ? o->top_threads : d->nthreads;
	verdict_incomplete(d);
	verdict_speed(d);
	verdict_locks(d);
	verdict_threads(d);
	return 0;
}

void diff_free(struct gp_diff *d)
{
	free(d->locks);
	free(d->threads);
	memset(d, 0, sizeof(*d));
}
