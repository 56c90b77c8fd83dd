// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "collect/attach.h"
#include "collect/collector.h"
#include "collect/contain.h"
#include "collect/launch.h"
#include "stream/record.h"
#include "collect/session.h"
#include "stream/stackstage.h"

static volatile sig_atomic_t sigint_count;
static volatile sig_atomic_t target_pid;
/* Attached: the first SIGINT, SIGTERM or SIGHUP ends tracing (the processes are not ours). */
static volatile sig_atomic_t stop_requested;
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
	stop_requested = 1;
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
	uint64_t exit_seen; /* when the traced processes were first seen ended */
};

/* A process is reported exited before its threads' last switches: how long to wait for them */
#define EXIT_GRACE_NS (50 * 1000000ULL)

static int on_event(void *ctx, const union gp_event *e)
{
	struct session *s = ctx;
	int err = model_feed(s->t->model, e);

	if (!err && s->rec)
		err = recorder_event(s->rec, e);
	return err;
}

static int on_stack(void *ctx, const struct gp_ev_stack *st, const struct gp_ev_stack_dwarf *dw,
		    const struct gp_py_stack *py, struct gp_ev_stackref *ref)
{
	struct session *s = ctx;

	return stackstage_on_stack(&s->stage, st, dw, py, ref);
}

static void on_raw(void *ctx, const union gp_event *e)
{
	struct session *s = ctx;

	locknames_observe(s->names, e);
	pystage_observe(&s->stage.py, e);
}

/* The stack stage found a CPython process: its threads' stacks carry their Python frames. */
static int on_python(void *ctx, uint32_t tgid, const struct gp_py_proc *walk)
{
	struct session *s = ctx;

	return s->c ? collector_py_mark(s->c, tgid, walk) : -ENODEV;
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
 * Whether a thread of tgid still runs: a process whose leader has exited is a zombie in
 * /proc/PID/stat while its other threads go on (and, in an exit_group, before they have exited),
 * so each of its tasks is looked at.
 */
static bool process_alive(uint32_t tgid)
{
	char path[64], buf[512];
	struct gp_ev_attach ev;
	struct dirent *d;
	bool alive = false;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/task", tgid);
	dir = opendir(path);
	while (dir && !alive && (d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%u/task/%.16s/stat", tgid, d->d_name);
		f = fopen(path, "re");
		alive = f && fgets(buf, sizeof(buf), f) && !attach_parse_stat(buf, &ev, NULL);
		if (f)
			fclose(f);
	}
	if (dir)
		closedir(dir);
	return alive;
}

/* Attached: every process of the trace has ended (its last thread died, or it is gone). */
static bool attached_all_gone(const struct gp_model *m)
{
	size_t i;

	for (i = 0; i < m->nprocs; i++) {
		if (!m->procs[i]->exited && process_alive(m->procs[i]->tgid))
			return false;
	}
	return m->nprocs > 0;
}

/* Every process of the trace has ended in the trace too: its threads' last switches are in. */
static bool all_exited(const struct gp_model *m)
{
	for (size_t i = 0; i < m->nprocs; i++)
		if (!m->procs[i]->exited)
			return false;
	return true;
}

/* A process is gone (reapable, or reaped) before its threads' last switches reach the model:
 * once its end is seen, wait for them (in_trace), EXIT_GRACE_NS at most. */
static bool ended_in_trace(struct session *s, bool in_trace)
{
	uint64_t now = monotonic_ns();

	if (!s->exit_seen)
		s->exit_seen = now;
	return in_trace || now - s->exit_seen >= EXIT_GRACE_NS;
}

/* Whether tracing is over: the launched command exited (left for the caller to reap: until
 * then neither its pid nor its process group can be another's), or, attached, the duration
 * ended, a signal came, or every traced process is gone. */
static bool session_over(struct session *s, pid_t pid, uint64_t start, int *err)
{
	const struct gp_session_opts *o = s->o;
	siginfo_t si = {0};

	if (pid > 0) {
		const struct gp_process *p;

		if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT)) {
			if (errno != EINTR)
				*err = -errno;
			return errno != EINTR;
		}
		if (si.si_pid != pid)
			return false;
		/* exit_notify() wakes us before the exiting thread's last switch */
		p = model_process(s->t->model, pid);
		return ended_in_trace(s, !p || p->exited);
	}
	if (stop_requested)
		return true;
	if (o->duration_s && monotonic_ns() - start >= o->duration_s * 1000000000ULL)
		return true;
	return attached_all_gone(s->t->model) && ended_in_trace(s, all_exited(s->t->model));
}

/* How long to wait for events: Python code objects are read as their frames come (the sooner,
 * the likelier the process is still there to read them from), and a duration ends on time. */
static int session_timeout_ms(const struct session *s, uint64_t start)
{
	uint64_t end = start + s->o->duration_s * 1000000000ULL, now = monotonic_ns();
	int ms = s->exit_seen ? 1 : pyprocs_walking(s->stage.py.procs) ? 20 : 100;

	if (s->o->duration_s && end > now && (end - now) / 1000000 < (uint64_t)ms)
		ms = (int)((end - now + 999999) / 1000000);
	return ms;
}

/* Poll until tracing is over (see session_over). */
static void session_loop(struct session *s, pid_t pid, uint64_t start, int *err)
{
	bool status = s->o->status && isatty(STDERR_FILENO);
	uint64_t last_print = start, last_count = 0;

	while (!session_over(s, pid, start, err) && !*err) {
		*err = collector_poll(s->c, session_timeout_ms(s, start));
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
	    (o->call_graph_dwarf && !s->stage.unwinder) ||
	    (o->argv && trace_set_argv(t, o->argv))) {
		fprintf(stderr, "gilprof: out of memory\n");
		return 1;
	}
	s->stage.stacks = t->stacks;
	s->stage.names = s->names;
	s->stage.unwind_stops = t->unwind_stops;
	s->stage.py = (struct gp_pystage){.procs = pyprocs_new(),
					  .names = s->names,
					  .facts = t->names,
					  .lost = t->py_lost,
					  .mark = on_python,
					  .mark_ctx = s};
	if (!s->stage.py.procs) {
		fprintf(stderr, "gilprof: out of memory\n");
		return 1;
	}
	s->namer = locknames_namer(s->names);
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
		/* for make bench to weigh the Python frames (tools/bench-python.sh): native stacks
		 * only, or the Python walks timed in the kernel */
		.no_py_frames = getenv("GILPROF_NO_PYFRAMES") != NULL,
		.py_timing = getenv("GILPROF_PY_TIMING") != NULL,
		.ctx = s,
	};
	char err[512];

	if (collector_open(&copts, &s->c, err, sizeof(err))) {
		fprintf(stderr, "gilprof: %s\n", err);
		return 1;
	}
	return 0;
}

/* The wall-clock time of the trace's start, which pprof's time_nanos says. */
static uint64_t wall_now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (uint64_t)now.tv_sec * 1000000000ULL + now.tv_nsec;
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
		.start_wall_ns = s->t->start_wall_ns,
		.attached = s->t->attached,
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
	if (pystage_finish(&s->stage.py) ||
	    nametab_add_stacks(t->names, t->stacks, s->named_stacks, stacks_count(t->stacks),
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
	if (o->stdout_to_fd)
		return GP_LAUNCH_STDOUT_FD;
	if (o->quiet)
		return GP_LAUNCH_STDOUT_NULL;
	return o->stdout_to_stderr ? GP_LAUNCH_STDOUT_STDERR : GP_LAUNCH_STDOUT_KEEP;
}

/* The end of any session: drain the trace, close the model, name all it holds, end the
 * recording. */
static int session_end(struct session *s)
{
	struct gp_trace *t = s->t;
	int ret;

	if (collector_stop(s->c, &t->end_ts) || collector_read_stats(s->c, t->end_ts, &t->stats)) {
		fprintf(stderr, "gilprof: cannot drain the trace\n");
		return 1;
	}
	model_finish(t->model, t->end_ts);
	ret = session_names(s);
	if (!ret && s->rec)
		ret = recorder_finish(s->rec, t) ? 1 : 0;
	return ret;
}

/* Launch the command and trace it from its exec until it exits. */
static int session_launch(struct session *s, const char *path)
{
	const struct gp_session_opts *o = s->o;
	struct gp_trace *t = s->t;
	struct gp_launch_opts lo = {o->creds, session_stdout(o), o->stdout_fd, o->cpus};
	struct gp_launch l = {-1, -1, -1};
	struct gp_contain ct;
	bool reaped = false;
	int ret, wstatus = 0, left;
	char err[512];

	contain_init(&ct);
	if (launch_prepare(path, o->argv, &lo, &l, err, sizeof(err))) {
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
	ret = collector_trace_pid(s->c, l.pid);
	if (ret) {
		fprintf(stderr, "gilprof: cannot trace pid %d: %s\n", l.pid, strerror(-ret));
		ret = 1;
		goto cleanup;
	}
	t->start_ts = collector_enable(s->c);
	t->start_wall_ns = wall_now_ns();
	ret = record_begin(s);
	if (ret)
		goto cleanup;
	ret = launch_go(&l, contain_own_pgrp(&ct), err, sizeof(err));
	if (ret)
		fprintf(stderr, "gilprof: %s\n", err);
	/* the child's exit status (126/127) says it all from here */
	ret = 0;
	session_loop(s, l.pid, t->start_ts, &ret);
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
	ret = session_end(s);
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
	contain_close(&ct);
	return ret;
}

/* What the report calls an attached trace: "pid 4242 (countdown), pid 4250 (sleepy)". */
static int attach_label(struct gp_trace *t, const struct gp_attach *a, size_t n)
{
	char label[512], *argv[2] = {label, NULL};
	size_t i, used = 0;

	label[0] = 0;
	for (i = 0; i < n && used < sizeof(label); i++)
		used += snprintf(label + used, sizeof(label) - used, "%spid %d (%s)", i ? ", " : "",
				 a[i].pid, a[i].comm);
	return trace_set_argv(t, argv);
}

/* Check every pid before anything is traced, so that a wrong one fails at once. */
static int attach_prepare(struct session *s, struct gp_attach *a)
{
	const struct gp_session_opts *o = s->o;
	char err[512];
	size_t i;

	for (i = 0; i < o->npids; i++)
		a[i].pidfd = -1;
	for (i = 0; i < o->npids; i++) {
		if (attach_check(o->pids[i], &a[i], err, sizeof(err))) {
			fprintf(stderr, "gilprof: %s\n", err);
			return 1;
		}
	}
	if (attach_label(s->t, a, o->npids)) {
		fprintf(stderr, "gilprof: out of memory\n");
		return 1;
	}
	return 0;
}

/* Attach to running processes and trace them until the duration ends, a signal, or they exit. */
static int session_attach(struct session *s, struct gp_attach *a)
{
	const struct gp_session_opts *o = s->o;
	struct gp_trace *t = s->t;
	char err[512];
	size_t i;
	int n, threads = 0, ret = 0;

	t->attached = true;
	/* on first: threads the marked ones start from here on are marked by the fork hook */
	t->start_ts = collector_enable(s->c);
	t->start_wall_ns = wall_now_ns();
	for (i = 0; i < o->npids; i++) {
		n = attach_threads(s->c, &a[i], err, sizeof(err));
		if (n < 0) {
			fprintf(stderr, "gilprof: %s\n", err);
			return 1;
		}
		threads += n;
		/* without it, the end of the last one would be seen only at a poll's timeout */
		ret = collector_watch(s->c, a[i].pidfd);
		if (ret) {
			fprintf(stderr, "gilprof: cannot watch pid %d: %s\n", a[i].pid,
				strerror(-ret));
			return 1;
		}
	}
	if (record_begin(s))
		return 1;
	if (!o->quiet) {
		fprintf(stderr, "gilprof: attached to %d thread%s of %s", threads,
			threads == 1 ? "" : "s", t->argv[0]);
		if (o->duration_s)
			fprintf(stderr, " for %u s", o->duration_s);
		fprintf(stderr, " (Ctrl-C ends it)\n");
	}
	session_loop(s, 0, t->start_ts, &ret);
	if (ret) {
		fprintf(stderr, "gilprof: tracing failed: %s\n", strerror(-ret));
		return 1;
	}
	return session_end(s);
}

int session_run(const struct gp_session_opts *o, struct gp_trace *t, struct gp_session_info *info)
{
	struct session s = {.o = o};
	struct gp_attach *a = NULL;
	char err[512], path[PATH_MAX];
	size_t i;
	int ret;

	memset(info, 0, sizeof(*info));
	stop_requested = 0;
	if (!o->npids) {
		ret = launch_resolve(o->argv[0], path, sizeof(path), err, sizeof(err));
		if (ret) {
			fprintf(stderr, "gilprof: %s\n", err);
			memset(t, 0, sizeof(*t));
			return ret;
		}
	}
	ret = session_prepare(&s, t);
	if (!ret && o->npids) {
		a = calloc(o->npids, sizeof(*a));
		if (!a)
			fprintf(stderr, "gilprof: out of memory\n");
		ret = a ? attach_prepare(&s, a) : 1;
	}
	if (!ret)
		ret = collector_start(&s);
	if (!ret) {
		signals_install();
		ret = o->npids ? session_attach(&s, a) : session_launch(&s, path);
	}
	info->lost = s.c ? collector_lost(s.c) : 0;
	for (i = 0; a && i < o->npids; i++)
		attach_close(&a[i]);
	free(a);
	if (s.rec) {
		info->rec_events = recorder_events(s.rec);
		info->rec_bytes = recorder_bytes(s.rec);
	}
	recorder_free(s.rec);
	collector_close(s.c);
	unwinder_free(s.stage.unwinder);
	pyprocs_free(s.stage.py.procs);
	locknames_free(s.names);
	if (ret)
		trace_free(t);
	return ret;
}
