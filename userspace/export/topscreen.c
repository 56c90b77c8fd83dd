// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "export/topscreen.h"

#define MAX_COLS 512

struct screen {
	char *buf;
	size_t len;
	unsigned rows, cols, row;
};

void topscreen_safe(const char *s, char *out, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		out[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	out[i] = 0;
}

/* One line, cut or padded to the width; nothing once the screen is full. */
static void line(struct screen *sc, const char *fmt, ...)
{
	char tmp[MAX_COLS + 1];
	va_list ap;
	size_t n;

	if (sc->row >= sc->rows)
		return;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	n = strlen(tmp);
	if (n > sc->cols)
		n = sc->cols;
	if (sc->row)
		sc->len += sprintf(sc->buf + sc->len, "\r\n");
	memcpy(sc->buf + sc->len, tmp, n);
	memset(sc->buf + sc->len + n, ' ', sc->cols - n);
	sc->len += sc->cols;
	sc->row++;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * part / whole : 0;
}

static void header(struct screen *sc, const struct gp_top_state *s)
{
	char title[MAX_COLS], right[64];
	int room;

	topscreen_safe(s->title ? s->title : "", title, sizeof(title));
	snprintf(right, sizeof(right), "%sinterval %.1f s  %s", s->paused ? "[paused]  " : "",
		 s->interval_ns / 1e9, s->clock ? s->clock : "");
	room = (int)sc->cols - 14 - (int)strlen(right);
	if (room < 0)
		room = 0;
	line(sc, "gilprof top  %-*.*s %s", room, room, title, right);
	line(sc, "%s", s->verdict ? s->verdict : "(the first interval is being traced)");
}

static void cpu_bar(struct screen *sc, size_t i, const struct gp_top_cpu *c)
{
	uint64_t all = c->traced_ns + c->other_ns + c->idle_ns;
	int w = (int)sc->cols - 21, t, o, k;
	char bar[MAX_COLS + 1];

	if (w < 4)
		w = 4;
	t = all ? (int)((double)c->traced_ns * w / all + 0.5) : 0;
	o = all ? (int)((double)(c->traced_ns + c->other_ns) * w / all + 0.5) - t : 0;
	for (k = 0; k < w; k++)
		bar[k] = k < t ? '#' : k < t + o ? '+' : '.';
	bar[w] = 0;
	line(sc, "cpu%-2zu %s %3.0f%% %3.0f%% %3.0f%%", i, bar, pct(c->traced_ns, all),
	     pct(c->other_ns, all), pct(c->idle_ns, all));
}

static enum gp_top_sort sort_by;

static int lock_cmp(const void *a, const void *b)
{
	const struct gp_top_lock *x = a, *y = b;
	uint64_t u = sort_by == GP_TOP_SORT_TOTAL ? x->total_ns : x->wait_ns;
	uint64_t v = sort_by == GP_TOP_SORT_TOTAL ? y->total_ns : y->wait_ns;

	if (u != v)
		return u < v ? 1 : -1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int thread_cmp(const void *a, const void *b)
{
	const struct gp_top_thread *x = a, *y = b;
	uint64_t u = sort_by == GP_TOP_SORT_TOTAL ? x->running_ns : x->lock_ns;
	uint64_t v = sort_by == GP_TOP_SORT_TOTAL ? y->running_ns : y->lock_ns;

	if (u != v)
		return u < v ? 1 : -1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static void fmt_secs(char *buf, size_t len, uint64_t ns)
{
	if (ns >= 100000000000ULL)
		snprintf(buf, len, "%.0f s", ns / 1e9);
	else
		snprintf(buf, len, "%.3f s", ns / 1e9);
}

static void locks(struct screen *sc, struct gp_top_state *s, unsigned max)
{
	char name[MAX_COLS], total[32];
	int nw = (int)sc->cols - 42;
	const char *picked =
		s->picked >= 0 && (size_t)s->picked < s->nlocks ? s->locks[s->picked].name : NULL;
	uint32_t picked_pid = picked ? s->locks[s->picked].pid : 0;
	char keep[128];

	if (picked)
		snprintf(keep, sizeof(keep), "%s", picked);
	sort_by = s->sort;
	if (s->nlocks)
		qsort(s->locks, s->nlocks, sizeof(*s->locks), lock_cmp);
	/* the pick follows its lock to its new place */
	for (size_t i = 0; picked && i < s->nlocks; i++)
		if (s->locks[i].pid == picked_pid && !strcmp(s->locks[i].name, keep))
			s->picked = (int)i;
	if (nw < 8)
		nw = 8;
	line(sc, "  %-*s %7s %10s %7s %12s", nw,
	     s->sort == GP_TOP_SORT_TOTAL ? "LOCK (by total)" : "LOCK (by last interval)", "PID",
	     "WAIT/S", "ACQ/S", "TOTAL");
	for (size_t i = 0; i < s->nlocks && i < max; i++) {
		const struct gp_top_lock *l = &s->locks[i];
		double per_s = s->interval_ns ? 1e9 / s->interval_ns : 1;

		topscreen_safe(l->name, name, sizeof(name));
		fmt_secs(total, sizeof(total), l->total_ns);
		line(sc, "%c %-*.*s %7u %9.3fs %7.0f %12s", (int)i == s->picked ? '>' : ' ', nw, nw,
		     name, l->pid, l->wait_ns / 1e9 * per_s, l->acquisitions * per_s, total);
	}
	if (!s->nlocks)
		line(sc, "  (no lock was waited for)");
}

static void threads(struct screen *sc, struct gp_top_state *s, unsigned max)
{
	char comm[GP_COMM_LEN];
	unsigned shown = 0;
	bool filter = s->picked >= 0 && (size_t)s->picked < s->nlocks;
	uint64_t bit = filter && s->locks[s->picked].id < 64 ? 1ULL << s->locks[s->picked].id : 0;

	sort_by = s->sort;
	if (s->nthreads)
		qsort(s->threads, s->nthreads, sizeof(*s->threads), thread_cmp);
	line(sc, "  %-8s %-16s %6s %6s %6s %6s %6s %8s", "TID", "THREAD", "RUN%", "RUNQ%", "LOCK%",
	     "SLEEP%", "OTHER%", "PID");
	for (size_t i = 0; i < s->nthreads && shown < max; i++) {
		const struct gp_top_thread *t = &s->threads[i];

		if (filter && !(t->waited & bit))
			continue;
		topscreen_safe(t->comm, comm, sizeof(comm));
		line(sc, "  %-8u %-16s %6.1f %6.1f %6.1f %6.1f %6.1f %8u", t->tid, comm,
		     pct(t->running_ns, t->life_ns), pct(t->runq_ns, t->life_ns),
		     pct(t->lock_ns, t->life_ns), pct(t->sleep_ns, t->life_ns),
		     pct(t->other_ns, t->life_ns), t->pid);
		shown++;
	}
}

size_t topscreen_render(struct gp_top_state *s, unsigned rows, unsigned cols, char *buf)
{
	struct screen sc = {buf, 0, rows, cols > MAX_COLS ? MAX_COLS : cols, 0};
	unsigned left, nl, i;

	buf[0] = 0;
	if (!rows || !cols)
		return 0;
	header(&sc, s);
	line(&sc, "CPU   # traced  + other  . idle%*s%5s%5s%5s", (int)sc.cols - 46, "", "TRC",
	     "OTH", "IDLE");
	for (i = 0; i < s->ncpus && sc.row + 6 < rows; i++)
		cpu_bar(&sc, i, &s->cpus[i]);
	/* what is left between the locks and the threads, the locks' share at most a third */
	left = rows > sc.row + 3 ? rows - sc.row - 3 : 0;
	nl = s->nlocks < 1 ? 1 : (unsigned)s->nlocks;
	if (nl > left / 3 + 1)
		nl = left / 3 + 1;
	locks(&sc, s, nl);
	threads(&sc, s, rows > sc.row + 2 ? rows - sc.row - 2 : 0);
	while (sc.row + 1 < rows)
		line(&sc, "");
	line(&sc, "%s",
	     s->message ? s->message
			: "q quit  p pause  s sort (interval/total)  l pick a lock "
			  "(again: next, L: none)");
	buf[sc.len] = 0;
	return sc.len;
}
