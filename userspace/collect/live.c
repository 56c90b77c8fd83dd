// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "collect/attach.h"
#include "collect/collector.h"
#include "collect/contain.h"
#include "collect/launch.h"
#include "collect/live.h"
#include "stream/stackstage.h"
#include "symbolize/locknames.h"
#include "util/vec.h"

/* A window is cut once the clock is this far past its end and nothing older is pending. */
#define CUT_MARGIN_NS (20 * 1000000ULL)
/* An exited process's mappings are kept this long after its window, for late lookups. */
#define RETIRE_NS (5 * 1000000000ULL)
/* Windows between two looks at /proc for processes whose exit the stream lost. */
#define GONE_CHECK_WINDOWS 10

struct done_window {
	struct gp_model *model;
	uint64_t start, end;
	struct gp_trace_stats total;
};

struct retire {
	uint32_t tgid;
	uint64_t due;
};

struct gp_live {
	struct gp_live_opts o;
	struct gp_live_hooks h;
	struct gp_collector *c;
	struct gp_locknames *names;
	struct gp_stackstage stage;
	struct gp_stacks *stacks;
	uint64_t unwind_stops[GP_UNWIND_STOPS];
	struct gp_model *m; /* the window being fed */
	uint64_t win_start, win_end, start_ts;
	struct gp_trace_stats prev_total;
	struct done_window *done;
	size_t ndone, capdone;
	struct retire *retire;
	size_t nretire, capretire;
	unsigned windows;
	/* a launched command */
	struct gp_launch launch;
	struct gp_contain ct;
	bool launched, reaped;
	int exit_status;
	size_t attached;
	char label[256];
	int err;
};

static int read_stats(struct gp_live *l, uint64_t ts, struct gp_trace_stats *st)
{
	int err = collector_read_stats(l->c, ts, st);

	st->stacks_dropped = 0; /* kept in the collector's count, not per window */
	return err;
}

/* End the window at ts: its model is finished and queued, the next one starts. */
static int cut(struct gp_live *l, uint64_t ts)
{
	struct gp_model *next = model_split(l->m, ts);
	struct done_window *d;
	int err = 0;

	if (!next)
		return -ENOMEM;
	if (vec_reserve((void **)&l->done, &l->capdone, l->ndone, sizeof(*l->done), 4)) {
		model_free(next);
		return -ENOMEM;
	}
	d = &l->done[l->ndone++];
	d->model = l->m;
	d->start = l->win_start;
	d->end = ts;
	memset(&d->total, 0, sizeof(d->total));
	read_stats(l, ts, &d->total);
	l->m = next;
	l->win_start = ts;
	l->win_end = ts + l->o.interval_ns;
	if (l->h.on_cut)
		err = l->h.on_cut(l->h.ctx, ts, next, &d->total);
	return err;
}

static int on_event(void *ctx, const union gp_event *e)
{
	struct gp_live *l = ctx;
	int err = 0;

	/* after a long gap (a suspended machine), one long window rather than many empty ones */
	if (e->h.ts > l->win_end + 10 * l->o.interval_ns)
		l->win_end = e->h.ts - 1;
	while (!err && e->h.ts > l->win_end)
		err = cut(l, l->win_end);
	if (!err && l->h.on_event)
		err = l->h.on_event(l->h.ctx, e);
	if (!err)
		err = model_feed(l->m, e);
	return err;
}

/* No Python process is marked for frame walks here (stage.py has no procs): py stays NULL. */
static int on_stack(void *ctx, const struct gp_ev_stack *st, const struct gp_ev_stack_dwarf *dw,
		    const struct gp_py_stack *py, struct gp_ev_stackref *ref)
{
	struct gp_live *l = ctx;

	return stackstage_on_stack(&l->stage, st, dw, py, ref);
}

static void on_raw(void *ctx, const union gp_event *e)
{
	struct gp_live *l = ctx;

	locknames_observe(l->names, e);
}

static void stats_sub(struct gp_trace_stats *d, const struct gp_trace_stats *a,
		      const struct gp_trace_stats *b)
{
	*d = *a;
	for (int k = 0; k < GP_DROP_CAUSE_MAX_BPF; k++)
		d->drops[k] = a->drops[k] - b->drops[k];
	d->invalid = a->invalid - b->invalid;
	d->received = a->received - b->received;
	for (unsigned c = 0; c < a->ncpus && c < GP_MAX_CPUS; c++)
		for (int k = 0; k < GP_CPU_KINDS; k++)
			d->cpu[c].ns[k] = a->cpu[c].ns[k] - b->cpu[c].ns[k];
}

static int retire_later(struct gp_live *l, uint32_t tgid, uint64_t now)
{
	if (vec_reserve((void **)&l->retire, &l->capretire, l->nretire, sizeof(*l->retire), 16))
		return -ENOMEM;
	l->retire[l->nretire++] = (struct retire){tgid, now + RETIRE_NS};
	return 0;
}

static void retire_due(struct gp_live *l, uint64_t now)
{
	size_t i, k = 0;

	for (i = 0; i < l->nretire; i++) {
		/* a process seen alive again (a pid reused) keeps its new snapshot */
		if (now < l->retire[i].due)
			l->retire[k++] = l->retire[i];
		else if (!model_process(l->m, l->retire[i].tgid))
			locknames_forget(l->names, l->retire[i].tgid);
	}
	l->nretire = k;
}

/* The last time a thread of p changed state. */
static uint64_t proc_last_seen(const struct gp_process *p)
{
	uint64_t last = p->start_ts;

	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i]->since > last)
			last = p->threads[i]->since;
	return last;
}

/*
 * Processes the window model still carries that /proc no longer has, and that the stream has
 * said nothing of for a whole window: their exit was lost. (One that just exited is gone from
 * /proc before the stream, which lags the kernel, has delivered its last events.)
 */
static void gone_check(struct gp_live *l)
{
	char path[32];

	for (size_t i = 0; i < l->m->nprocs; i++) {
		struct gp_process *p = l->m->procs[i];

		snprintf(path, sizeof(path), "/proc/%u", p->tgid);
		if (!p->exited && proc_last_seen(p) + l->o.interval_ns < l->win_start &&
		    access(path, F_OK) && errno == ENOENT)
			model_forget_process(l->m, p->tgid, l->m->last_ts);
	}
}

static int windows_deliver(struct gp_live *l)
{
	uint64_t now = monotonic_ns();
	size_t i;
	int err = 0;

	for (i = 0; i < l->ndone; i++) {
		struct done_window *d = &l->done[i];
		struct gp_live_window w = {.model = d->model, .start = d->start, .end = d->end};

		stats_sub(&w.stats, &d->total, &l->prev_total);
		w.total = d->total;
		l->prev_total = d->total;
		locknames_set_model(l->names, d->model);
		if (!err)
			err = l->h.on_window(l->h.ctx, &w);
		for (size_t k = 0; k < d->model->nprocs && !err; k++)
			if (d->model->procs[k]->exited)
				err = retire_later(l, d->model->procs[k]->tgid, now);
		locknames_set_model(l->names, NULL);
		model_free(d->model);
		if (++l->windows % GONE_CHECK_WINDOWS == 0)
			gone_check(l);
	}
	l->ndone = 0;
	retire_due(l, now);
	return err;
}

int live_poll(struct gp_live *l)
{
	uint64_t now;
	int err = collector_poll(l->c, 0);

	/* nothing arrives from idle processes: the clock ends their windows */
	now = monotonic_ns();
	while (!err && now > l->win_end + CUT_MARGIN_NS &&
	       collector_oldest_pending(l->c) > l->win_end)
		err = cut(l, l->win_end);
	if (!err)
		err = windows_deliver(l);
	return err;
}

int live_fd(const struct gp_live *l)
{
	return collector_fd(l->c);
}

static int collector_start(struct gp_live *l)
{
	const struct gp_live_opts *o = &l->o;
	struct gp_collector_opts copts = {
		.buffer_mb = o->buffer_mb,
		.verbose = o->verbose,
		.on_event = on_event,
		.on_raw = on_raw,
		.on_stack = o->stacks ? on_stack : NULL,
		.stack_slices = o->stacks && o->call_graph_dwarf,
		.ctx = l,
		.follow = o->all      ? GP_FOLLOW_ALL
			  : o->ncomms ? GP_FOLLOW_COMM
				      : GP_FOLLOW_NONE,
		.follow_uid = o->uid,
	};
	char err[512];

	for (size_t i = 0; i < o->ncomms && i < GP_FOLLOW_COMMS; i++)
		copts.follow_comm[copts.nfollow_comm++] = o->comms[i];
	if (collector_open(&copts, &l->c, err, sizeof(err))) {
		fprintf(stderr, "gilprof: %s\n", err);
		return 1;
	}
	return 0;
}

static int attach_one(struct gp_live *l, pid_t pid, bool quiet)
{
	struct gp_attach a;
	char err[512];
	int n;

	if (attach_check(pid, &a, err, sizeof(err))) {
		if (!quiet)
			fprintf(stderr, "gilprof: %s\n", err);
		return quiet ? 0 : 1;
	}
	n = attach_threads(l->c, &a, err, sizeof(err));
	attach_close(&a);
	if (n < 0 && !quiet) {
		fprintf(stderr, "gilprof: %s\n", err);
		return 1;
	}
	l->attached += n > 0;
	return 0;
}

/* Was this /proc entry one to follow: not gilprof or its helpers, named as asked. */
static bool scan_match(struct gp_live *l, pid_t pid)
{
	char path[48], buf[1024], *p;
	struct gp_ev_attach ev;
	unsigned long flags;
	FILE *f;
	int ppid = 0;

	if (pid == getpid())
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p || attach_parse_stat(buf, &ev, &flags) || (flags & 0x00200000) /* PF_KTHREAD */)
		return false;
	p = strrchr(buf, ')');
	if (p && sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == getpid())
		return false; /* its broker or guardian */
	if (l->o.all)
		return true;
	for (size_t i = 0; i < l->o.ncomms; i++)
		if (!strncmp(ev.comm, l->o.comms[i], GP_COMM_LEN - 1))
			return true;
	return false;
}

/* Following: those of the kind already running are attached to (the exec hook sees the rest). */
static void scan_running(struct gp_live *l)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		pid_t pid = atoi(e->d_name);

		if (pid > 0 && scan_match(l, pid))
			attach_one(l, pid, true);
	}
	if (d)
		closedir(d);
	collector_marks_done(l->c);
}

static int launch_start(struct gp_live *l)
{
	struct gp_launch_opts lo = {.creds = l->o.creds, .out = GP_LAUNCH_DETACHED};
	char err[512], path[PATH_MAX];
	int ret;

	l->launch = (struct gp_launch){-1, -1, -1};
	ret = launch_resolve(l->o.argv[0], path, sizeof(path), err, sizeof(err));
	if (ret) {
		fprintf(stderr, "gilprof: %s\n", err);
		return ret;
	}
	contain_init(&l->ct);
	if (launch_prepare(path, l->o.argv, &lo, &l->launch, err, sizeof(err))) {
		fprintf(stderr, "gilprof: %s\n", err);
		return 1;
	}
	l->launched = true;
	contain_add(&l->ct, l->launch.pid);
	if (contain_guard(&l->ct, err, sizeof(err))) {
		fprintf(stderr, "gilprof: cannot start the guardian: %s\n", err);
		return 1;
	}
	ret = collector_trace_pid(l->c, l->launch.pid);
	if (ret) {
		fprintf(stderr, "gilprof: cannot trace pid %d: %s\n", l->launch.pid,
			strerror(-ret));
		return 1;
	}
	return 0;
}

static int targets_start(struct gp_live *l)
{
	const struct gp_live_opts *o = &l->o;
	char err[512];
	size_t i, used = 0;
	int ret;

	if (o->argv) {
		ret = launch_go(&l->launch, contain_own_pgrp(&l->ct), err, sizeof(err));
		if (ret)
			fprintf(stderr, "gilprof: %s\n", err);
		return 0; /* a command that did not exec has exited: its status says why */
	}
	for (i = 0; i < o->npids; i++) {
		ret = attach_one(l, o->pids[i], false);
		if (ret)
			return ret;
		used += snprintf(l->label + used,
				 used < sizeof(l->label) ? sizeof(l->label) - used : 0, "%spid %d",
				 i ? ", " : "", o->pids[i]);
	}
	if (o->ncomms || o->all)
		scan_running(l);
	return 0;
}

static void label_make(struct gp_live *l)
{
	const struct gp_live_opts *o = &l->o;
	size_t used = 0, i;

	if (o->all)
		snprintf(l->label, sizeof(l->label), "every process%s",
			 o->uid >= 0 ? " of the user" : "");
	for (i = 0; i < o->ncomms; i++)
		used += snprintf(l->label + used,
				 used < sizeof(l->label) ? sizeof(l->label) - used : 0, "%s%s",
				 i ? ", " : "processes named ", o->comms[i]);
	/* the command by its name, as a process list shows it: its path can be long */
	for (i = 0; o->argv && o->argv[i]; i++)
		used += snprintf(
			l->label + used, used < sizeof(l->label) ? sizeof(l->label) - used : 0,
			"%s%s", i ? " " : "",
			i || !strrchr(o->argv[0], '/') ? o->argv[i] : strrchr(o->argv[0], '/') + 1);
}

int live_start(const struct gp_live_opts *o, const struct gp_live_hooks *h, struct gp_live **out)
{
	struct gp_live *l = calloc(1, sizeof(*l));
	int ret;

	if (!l) {
		fprintf(stderr, "gilprof: out of memory\n");
		return 1;
	}
	*out = l;
	l->o = *o;
	l->h = *h;
	l->launch = (struct gp_launch){-1, -1, -1};
	l->ct.guard_fd = -1;
	label_make(l);
	l->m = model_new(collector_ncpus());
	l->stacks = stacks_new();
	l->names = locknames_new();
	if (l->names && o->stacks && o->call_graph_dwarf)
		l->stage.unwinder = unwinder_new(locknames_symbolizer(l->names));
	if (!l->m || !l->stacks || !l->names ||
	    (o->stacks && o->call_graph_dwarf && !l->stage.unwinder)) {
		fprintf(stderr, "gilprof: out of memory\n");
		return 1;
	}
	l->m->timelines = true;
	l->stage.stacks = l->stacks;
	l->stage.names = l->names;
	l->stage.unwind_stops = l->unwind_stops;
	ret = collector_start(l);
	if (!ret && o->argv)
		ret = launch_start(l);
	if (ret)
		return ret;
	l->start_ts = collector_enable(l->c);
	l->m->window = true;
	l->m->first_ts = l->m->last_ts = l->start_ts;
	l->win_start = l->start_ts;
	l->win_end = l->start_ts + o->interval_ns;
	read_stats(l, l->start_ts, &l->prev_total);
	return targets_start(l);
}

bool live_over(struct gp_live *l)
{
	char path[48];
	siginfo_t si = {0};

	if (l->launched)
		return l->reaped ||
		       (!waitid(P_PID, l->launch.pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
			si.si_pid == l->launch.pid);
	if (!l->o.npids)
		return false;
	for (size_t i = 0; i < l->m->nprocs; i++)
		if (!l->m->procs[i]->exited)
			return false;
	for (size_t i = 0; i < l->o.npids; i++) {
		struct gp_ev_attach ev;
		char buf[512];
		FILE *f;

		/* a zombie waiting for its parent is gone too */
		snprintf(path, sizeof(path), "/proc/%d/stat", l->o.pids[i]);
		f = fopen(path, "re");
		if (f && fgets(buf, sizeof(buf), f) && !attach_parse_stat(buf, &ev, NULL)) {
			fclose(f);
			return false;
		}
		if (f)
			fclose(f);
	}
	return true;
}

int live_stop(struct gp_live *l)
{
	uint64_t end;
	int err, wstatus = 0;

	if (l->launched && !l->reaped) {
		/* what the command left running is killed while tracing still sees it end */
		contain_end(&l->ct, l->launch.pid);
		while (waitpid(l->launch.pid, &wstatus, 0) < 0 && errno == EINTR)
			;
		l->reaped = true;
		l->exit_status = launch_exit_status(wstatus);
	}
	err = collector_stop(l->c, &end);
	if (!err) {
		struct done_window *d;

		if (end < l->m->last_ts)
			end = l->m->last_ts;
		if (vec_reserve((void **)&l->done, &l->capdone, l->ndone, sizeof(*l->done), 4))
			return -ENOMEM;
		model_finish(l->m, end);
		d = &l->done[l->ndone++];
		*d = (struct done_window){.model = l->m, .start = l->win_start, .end = end};
		read_stats(l, end, &d->total);
		l->m = model_new(collector_ncpus());
		err = windows_deliver(l);
	}
	return err ? err : l->exit_status;
}

void live_free(struct gp_live *l)
{
	if (!l)
		return;
	if (l->launched && !l->reaped && l->launch.pid > 0) {
		contain_end(&l->ct, l->launch.pid);
		kill(l->launch.pid, SIGKILL);
		while (waitpid(l->launch.pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (l->launch.go_fd >= 0)
		close(l->launch.go_fd);
	if (l->launch.err_fd >= 0)
		close(l->launch.err_fd);
	if (l->launched)
		contain_close(&l->ct);
	for (size_t i = 0; i < l->ndone; i++)
		model_free(l->done[i].model);
	free(l->done);
	free(l->retire);
	collector_close(l->c);
	unwinder_free(l->stage.unwinder);
	locknames_free(l->names);
	stacks_free(l->stacks);
	model_free(l->m);
	free(l);
}

struct gp_namer live_namer(struct gp_live *l)
{
	return locknames_namer(l->names);
}

struct gp_stacks *live_stacks(struct gp_live *l)
{
	return l->stacks;
}

size_t live_attached(const struct gp_live *l)
{
	return l->attached;
}

const char *live_label(const struct gp_live *l)
{
	return l->label;
}

uint64_t live_start_ts(const struct gp_live *l)
{
	return l->start_ts;
}

int live_totals(struct gp_live *l, struct gp_trace_stats *st, uint64_t *ts)
{
	*ts = l->m->last_ts > l->win_start ? l->m->last_ts : l->win_start;
	return read_stats(l, *ts, st);
}

uint64_t live_lost(const struct gp_live *l)
{
	return collector_lost(l->c);
}

uint64_t live_received(const struct gp_live *l)
{
	return collector_received(l->c);
}

size_t live_names_held(const struct gp_live *l)
{
	return locknames_held(l->names);
}
