// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "collect/collector.h"
#include "collect/contain.h"
#include "collect/launch.h"
#include "stream/record.h"
#include "collect/session.h"
#include "stream/stackstage.h"

static volatile sig_atomic_t sigint_count;
static volatile sig_atomic_t target_pid;
/* The command's tree while it may run; the handler kills it with a single write() or kill(). */
static const struct gp_contain *volatile tree;

/*
 * A tty's Ctrl-C already reached the target (same process group) unless the target has a group
 * of its own (no cgroup v2); a kill(1) did not. The second ends all the command started.
 */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	const struct gp_contain *t = tree;
	bool own_pgrp = t && contain_own_pgrp(t);

	(void)uc;
	if (sig == SIGINT)
		sigint_count++;
	if (sigint_count >= 2) {
		if (t)
			contain_kill_async(t);
		else if (target_pid > 0)
			kill(target_pid, SIGKILL);
		static const char msg[] = "\ngilprof: aborted by a second interrupt\n";
		if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
			_exit(130);
		_exit(130);
	}
	if (target_pid > 0 && (sig != SIGINT || si->si_code != SI_KERNEL || own_pgrp))
		kill(own_pgrp ? -target_pid : target_pid, sig);
}

static void signals_install(void)
{
	struct sigaction sa = {0};

	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void status_line(const struct gp_collector *c, uint64_t start, uint64_t *last_print,
			uint64_t *last_count)
{
	uint64_t now = monotonic_ns(), n = collector_received(c);

	if (now - *last_print < 1000000000ULL)
		return;
	fprintf(stderr, "\r\033[Kgilprof: %.1f s  %.1fk events/s  lost %llu", (now - start) / 1e9,
		(n - *last_count) / ((now - *last_print) / 1e9) / 1e3,
		(unsigned long long)collector_lost(c));
	*last_print = now;
	*last_count = n;
}

struct session {
	const struct gp_session_opts *o;
	struct gp_trace *t;
	struct gp_locknames *names; /* live symbolizer: mappings, ELF, DWARF, kallsyms */
	struct gp_stackstage stage;
	struct gp_collector *c;
	struct gp_recorder *rec;
	struct gp_namer namer;
	uint64_t last_flush;
	size_t named_stacks; /* stacks [0, named_stacks) have their names in t->names */
};

static int on_event(void *ctx, const union gp_event *e)
{
	struct session *s = ctx;
	int err = model_feed(s->t->model, e);

	if (!err && s->rec)
		err = recorder_event(s->rec, e);
	return err;
}

static int on_stack(void *ctx, const struct gp_ev_stack *st, const struct gp_ev_stack_dwarf *dw,
		    struct gp_ev_stackref *ref)
{
	struct session *s = ctx;

	return stackstage_on_stack(&s->stage, st, dw, ref);
}

static void on_raw(void *ctx, const union gp_event *e)
{
	struct session *s = ctx;

	locknames_observe(s->names, e);
}

/*
 * The stacks and events so far; their names go out at the end (session_names), as run looks them
 * up. Naming here stalled the poll loop for the first symbol and line tables (0.5 s for kallsyms
 * and glibc's DWARF), and perf bench sched pipe lost 40% of its events to full buffers.
 */
static int record_flush(struct session *s)
{
	s->last_flush = monotonic_ns();
	return recorder_flush(s->rec, s->t->stacks, s->t->names);
}

/* A chunk a second, or sooner when 4 MiB of events are waiting. */
static int record_maybe_flush(struct session *s)
{
	if (!s->rec || (recorder_pending(s->rec) < (4u << 20) &&
			monotonic_ns() - s->last_flush < 1000000000ULL))
		return 0;
	return record_flush(s);
}

/*
 * Poll until the target exits. It is left for the caller to reap: until then neither its pid nor
 * its process group can be another's.
 */
static void session_loop(struct session *s, pid_t pid, uint64_t start, int *err)
{
	bool status = s->o->status && isatty(STDERR_FILENO);
	uint64_t last_print = start, last_count = 0;

	for (;;) {
		siginfo_t si = {0};

		if (!waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT)) {
			if (si.si_pid == pid)
				break;
		} else if (errno != EINTR) {
			*err = -errno;
			break;
		}
		*err = collector_poll(s->c, 100);
		if (!*err)
			*err = record_maybe_flush(s);
		if (*err)
			break;
		if (status)
			status_line(s->c, start, &last_print, &last_count);
	}
	if (status)
		fprintf(stderr, "\r\033[K");
}

static int session_prepare(struct session *s, struct gp_trace *t)
{
	const struct gp_session_opts *o = s->o;

	memset(t, 0, sizeof(*t));
	t->exit_status = -1;
	t->freq = o->profiles ? o->freq : 0;
	t->lines = o->lines || o->record;
	s->t = t;
	t->model = model_new(collector_ncpus());
	t->stacks = stacks_new();
	t->names = nametab_new();
	s->names = locknames_new();
	if (s->names && o->call_graph_dwarf)
		s->stage.unwinder = unwinder_new(locknames_symbolizer(s->names));
	if (!t->model || !t->stacks || !t->names || !s->names ||
	    (o->call_graph_dwarf && !s->stage.unwinder) || trace_set_argv(t, o->argv)) {
		fprintf(stderr, "gilprof: out of memory\n");
		return 1;
	}
	s->stage.stacks = t->stacks;
	s->stage.names = s->names;
	s->stage.unwind_stops = t->unwind_stops;
	s->namer = (struct gp_namer){locknames_name, locknames_code, locknames_line,
				     locknames_kernel, s->names};
	return 0;
}

static int collector_start(struct session *s)
{
	const struct gp_session_opts *o = s->o;
	struct gp_collector_opts copts = {
		.buffer_mb = o->buffer_mb,
		.verbose = o->verbose,
		.on_event = on_event,
		.on_raw = on_raw,
		.on_stack = on_stack,
		.stack_slices = o->call_graph_dwarf,
		.offcpu_stacks = o->profiles,
		.sample_hz = o->profiles ? o->freq : 0,
		.ctx = s,
	};
	char err[512];

	if (collector_open(&copts, &s->c, err, sizeof(err))) {
		fprintf(stderr, "gilprof: %s\n", err);
		return 1;
	}
	return 0;
}

/* Tracing is on: the recording's name now shows what it holds so far, whatever happens next. */
static int record_begin(struct session *s)
{
	const struct gp_session_opts *o = s->o;
	struct gp_rec_meta m = {
		.ncpus = s->t->model->ncpus,
		.freq = s->t->freq,
		.lines = true,
		.start_ts = s->t->start_ts,
		.argv = s->t->argv,
	};

	if (!o->record)
		return 0;
	/* published first: that replaces the descriptor the recorder is to write */
	if (output_publish(o->record))
		return 1;
	s->rec = recorder_start(output_fd(o->record), o->record->path, &m);
	if (!s->rec)
		return 1;
	s->last_flush = monotonic_ns();
	return 0;
}

/* Every name the report can ask for, while the traced processes' files are still at hand. */
static int session_names(struct session *s)
{
	struct gp_trace *t = s->t;

	locknames_set_model(s->names, t->model);
	if (nametab_add_stacks(t->names, t->stacks, s->named_stacks, stacks_count(t->stacks),
			       &s->namer, t->lines) ||
	    nametab_add_locks(t->names, t->model, &s->namer)) {
		fprintf(stderr, "gilprof: out of memory\n");
		return 1;
	}
	s->named_stacks = stacks_count(t->stacks);
	return 0;
}

static enum gp_launch_stdout session_stdout(const struct gp_session_opts *o)
{
	if (o->quiet)
		return GP_LAUNCH_STDOUT_NULL;
	return o->stdout_to_stderr ? GP_LAUNCH_STDOUT_STDERR : GP_LAUNCH_STDOUT_KEEP;
}

int session_run(const struct gp_session_opts *o, struct gp_trace *t, struct gp_session_info *info)
{
	struct session s = {.o = o};
	struct gp_launch l = {-1, -1, -1};
	struct gp_contain ct;
	bool contained = false, reaped = false;
	char err[512], path[PATH_MAX];
	int ret, wstatus = 0, left;

	memset(info, 0, sizeof(*info));
	ret = launch_resolve(o->argv[0], path, sizeof(path), err, sizeof(err));
	if (ret) {
		fprintf(stderr, "gilprof: %s\n", err);
		memset(t, 0, sizeof(*t));
		return ret;
	}
	ret = session_prepare(&s, t);
	if (!ret)
		ret = collector_start(&s);
	if (ret)
		goto cleanup;
	signals_install();
	contain_init(&ct);
	contained = true;
	if (launch_prepare(path, o->argv, o->creds, session_stdout(o), &l, err, sizeof(err))) {
		fprintf(stderr, "gilprof: %s\n", err);
		ret = 1;
		goto cleanup;
	}
	/* In its cgroup before it can exec, so that all it starts is there too. */
	contain_add(&ct, l.pid);
	/* Forked untraced (tracing follows the forks of traced tasks only) and before the target
	 * may run, so that no moment of the target's life is left without it. */
	if (contain_guard(&ct, err, sizeof(err))) {
		fprintf(stderr, "gilprof: cannot start the guardian: %s\n", err);
		ret = 1;
		goto cleanup;
	}
	tree = &ct;
	target_pid = l.pid;
	ret = collector_trace_pid(s.c, l.pid);
	if (ret) {
		fprintf(stderr, "gilprof: cannot trace pid %d: %s\n", l.pid, strerror(-ret));
		ret = 1;
		goto cleanup;
	}
	t->start_ts = collector_enable(s.c);
	ret = record_begin(&s);
	if (ret)
		goto cleanup;
	ret = launch_go(&l, contain_own_pgrp(&ct), err, sizeof(err));
	if (ret)
		fprintf(stderr, "gilprof: %s\n", err);
	/* the child's exit status (126/127) says it all from here */
	ret = 0;
	session_loop(&s, l.pid, t->start_ts, &ret);
	/* What the command left running would go on untraced and unseen once gilprof is gone;
	 * killed while tracing still runs, so the trace sees it end. */
	left = contain_end(&ct, l.pid);
	while (waitpid(l.pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	reaped = true;
	tree = NULL;
	target_pid = 0;
	if (ret) {
		fprintf(stderr, "gilprof: tracing failed: %s\n", strerror(-ret));
		ret = 1;
		goto cleanup;
	}
	if (left > 0)
		fprintf(stderr, "gilprof: killed %d process%s that %s left running\n", left,
			left == 1 ? "" : "es", o->argv[0]);
	t->exit_status = launch_exit_status(wstatus);
	if (collector_stop(s.c, &t->end_ts) || collector_read_stats(s.c, t->end_ts, &t->stats)) {
		fprintf(stderr, "gilprof: cannot drain the trace\n");
		ret = 1;
		goto cleanup;
	}
	model_finish(t->model, t->end_ts);
	ret = session_names(&s);
	if (!ret && s.rec)
		ret = recorder_finish(s.rec, t) ? 1 : 0;
	info->lost = collector_lost(s.c);
cleanup:
	if (l.pid > 0 && !reaped) {
		contain_end(&ct, l.pid);
		/* still stopped before exec if it never went to the cgroup or a group of its own */
		kill(l.pid, SIGKILL);
		while (waitpid(l.pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	tree = NULL;
	target_pid = 0;
	if (l.go_fd >= 0)
		close(l.go_fd);
	if (l.err_fd >= 0)
		close(l.err_fd);
	if (contained)
		contain_close(&ct);
	if (s.rec) {
		info->rec_events = recorder_events(s.rec);
		info->rec_bytes = recorder_bytes(s.rec);
	}
	recorder_free(s.rec);
	collector_close(s.c);
	unwinder_free(s.stage.unwinder);
	locknames_free(s.names);
	if (ret)
		trace_free(t);
	return ret;
}
