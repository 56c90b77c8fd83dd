// SPDX-License-Identifier: GPL-2.0
/* gilprof run: launch a command under tracing, feed the model, print the report. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli/args.h"
#include "cli/cmd.h"
#include "collect/collector.h"
#include "collect/contain.h"
#include "collect/launch.h"
#include "symbolize/locknames.h"
#include "model/model.h"
#include "util/asuser.h"
#include "export/output.h"
#include "analyze/report.h"
#include "stream/run.h"
#include "symbolize/unwind.h"
#include "analyze/views.h"
#include "cli/workloads.h"

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

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sudo gilprof run [OPTIONS] -- COMMAND [ARGS...]\n"
		"       sudo gilprof run [OPTIONS] WORKLOAD [WORKLOAD OPTIONS...]\n"
		"       sudo gilprof run [OPTIONS]            (the default experiment)\n\n"
		"Trace COMMAND, its threads and child processes from exec to exit, then report\n"
		"where every thread's time went and which futex words it waited on.\n\n"
		"options:\n"
		"  -o, --output FILE     write the text report to FILE instead of stdout\n"
		"      --json FILE       also write the report as JSON (schema gilprof-report/1)\n"
		"      --as-root         run the target as root (only when root itself ran sudo)\n"
		"      --buffer-mb N     BPF ring buffer size in MiB, a power of two (default 16)\n"
		"      --top-locks N     rows in the lock table (default 20, 0 = all)\n"
		"      --folded FILE     folded stacks of the --view (gzip when FILE ends in .gz)\n"
		"      --flamegraph FILE an interactive SVG flame graph of the --view\n"
		"      --pprof FILE      gzipped pprof: lock waits (contentions, delay) and CPU "
		"time\n"
		"      --speedscope FILE speedscope JSON of the --view, a profile per thread\n"
		"      --view VIEW       on (CPU samples), off (blocked time by reason), wall "
		"(both,\n"
		"                        in ns; default), lock (wait time, the lock as leaf),\n"
		"                        wake (waiter stack, lock, then the waker's stack)\n"
		"  -F, --freq HZ         on-CPU samples per second with a profile output (default "
		"99)\n"
		"      --lines           source file:line of user frames where DWARF has it\n"
		"      --call-graph fp|dwarf  user stacks by frame pointer, or unwound from CFI\n"
		"                        through code without frame pointers (default dwarf)\n"
		"      --lock ADDR|NAME  only the futex words at ADDR (0x...) or named NAME\n"
		"                        (a symbol, 'gil+0x50', or an object, 'gil')\n"
		"      --top-wakers N    rows in the who-woke-whom table (default 10, 0 = all)\n"
		"      --no-status       no live status line on stderr\n"
		"  -v, --verbose         libbpf diagnostics (verifier log on load failure)\n"
		"  -h, --help            this help\n"
		"\nexit status: the target's (128+N when killed by signal N); 2 for usage errors,\n"
		"1 when tracing fails, 126/127 when the command cannot be run.\n");
}

static int parse_opts(int argc, char **argv, struct gp_run_opts *o)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"json", required_argument, NULL, 'j'},
		{"as-root", no_argument, NULL, 'r'},
		{"buffer-mb", required_argument, NULL, 'b'},
		{"top-locks", required_argument, NULL, 'l'},
		{"lock", required_argument, NULL, 'L'},
		{"call-graph", required_argument, NULL, 'g'},
		{"lines", no_argument, NULL, 'n'},
		{"folded", required_argument, NULL, 'f'},
		{"flamegraph", required_argument, NULL, 'G'},
		{"pprof", required_argument, NULL, 'p'},
		{"speedscope", required_argument, NULL, 'S'},
		{"view", required_argument, NULL, 'V'},
		{"freq", required_argument, NULL, 'F'},
		{"top-wakers", required_argument, NULL, 'w'},
		{"no-status", no_argument, NULL, 's'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	opterr = 0; /* our own one-line messages */
	/* '+': stop at the first non-option, so the command's own options pass through */
	while ((c = getopt_long(argc, argv, "+:o:F:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'r':
			o->as_root = true;
			break;
		case 'b':
			if (args_uint("run", "--buffer-mb", optarg, 1024, &o->buffer_mb))
				return -1;
			if (!o->buffer_mb || o->buffer_mb & (o->buffer_mb - 1)) {
				fprintf(stderr, "gilprof run: --buffer-mb must be a power of two "
						"from 1 to 1024\n");
				return -1;
			}
			break;
		case 'l':
			if (args_uint("run", "--top-locks", optarg, 1000000, &o->top_locks))
				return -1;
			break;
		case 'L':
			o->lock = optarg;
			break;
		case 'f':
			o->folded = optarg;
			break;
		case 'n':
			o->lines = true;
			break;
		case 'G':
			o->flamegraph = optarg;
			break;
		case 'p':
			o->pprof = optarg;
			break;
		case 'S':
			o->speedscope = optarg;
			break;
		case 'V': {
			enum gp_view v;

			if (view_parse(optarg, &v)) {
				fprintf(stderr,
					"gilprof run: --view must be on, off, wall, lock or wake, "
					"not '%s'\n",
					optarg);
				return -1;
			}
			o->view = v;
			break;
		}
		case 'F':
			if (args_uint("run", "--freq", optarg, 10000, &o->freq))
				return -1;
			if (!o->freq) {
				fprintf(stderr, "gilprof run: --freq must be from 1 to 10000\n");
				return -1;
			}
			break;
		case 'g':
			if (strcmp(optarg, "fp") && strcmp(optarg, "dwarf")) {
				fprintf(stderr,
					"gilprof run: --call-graph must be fp or dwarf, not "
					"'%s'\n",
					optarg);
				return -1;
			}
			o->call_graph_dwarf = !strcmp(optarg, "dwarf");
			break;
		case 'w':
			if (args_uint("run", "--top-wakers", optarg, 1000000, &o->top_pairs))
				return -1;
			break;
		case 's':
			o->status = false;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			args_getopt_error("run", c, argv);
			return -1;
		}
	}
	o->dashdash = optind > 1 && !strcmp(argv[optind - 1], "--");
	o->argv = argv + optind;
	return 0;
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

struct run_ctx {
	struct gp_model *model;
	struct gp_locknames *names;
	struct gp_stacks *stacks;
	struct gp_unwinder *unwinder;
	uint64_t *unwind_stops; /* [GP_UNWIND_STOPS]: why DWARF unwinds ended */
};

/*
 * Unwind the copied stack slice from its CFI; where the slice ends before the stack does,
 * continue with the frame-pointer frames beyond the last unwound one, if they reach it.
 */
static uint32_t user_frames_dwarf(struct run_ctx *rc, const struct gp_ev_stack_dwarf *dw,
				  uint64_t *frames, uint32_t max)
{
	const struct gp_ev_stack *st = &dw->s;
	struct gp_uregs regs = {dw->ip, dw->sp, dw->bp};
	const struct gp_procmaps *pm = locknames_maps(rc->names, st->h.tgid, dw->ip);
	uint32_t nfp = st->user_bytes > 0 ? st->user_bytes / 8 : 0, i;
	enum gp_unwind_stop why = GP_UNWIND_NO_MAP;
	int n = 0;

	if (pm)
		n = unwind_stack(rc->unwinder, pm, &regs, dw->slice, dw->slice_len, frames, max,
				 &why);
	if (n <= 0) {
		rc->unwind_stops[GP_UNWIND_NO_MAP]++;
		memcpy(frames, st->user, nfp * sizeof(uint64_t));
		return nfp;
	}
	rc->unwind_stops[why]++;
	if (why != GP_UNWIND_OUT_OF_STACK)
		return n;
	for (i = 1; i < nfp; i++) {
		if (st->user[i] != frames[n - 1])
			continue;
		for (i++; i < nfp && (uint32_t)n < max; i++)
			frames[n++] = st->user[i];
		break;
	}
	return n;
}

static int run_on_stack(void *ctx, const struct gp_ev_stack *st, const struct gp_ev_stack_dwarf *dw,
			struct gp_ev_stackref *ref)
{
	struct run_ctx *rc = ctx;
	uint32_t nuser = st->user_bytes > 0 ? st->user_bytes / 8 : 0;
	uint32_t nkernel = st->kernel_bytes > 0 ? st->kernel_bytes / 8 : 0;
	const uint64_t *user = (const uint64_t *)st->user;

	uint64_t frames[GP_STACK_USER_MAX];

	if (dw && rc->unwinder) {
		nuser = user_frames_dwarf(rc, dw, frames, GP_STACK_USER_MAX);
		user = frames;
	}
	memset(ref, 0, sizeof(*ref));
	ref->h = st->h;
	ref->h.type = GP_EV_STACKREF;
	ref->kind = st->kind;
	ref->target_tid = st->target_tid;
	ref->uaddr = st->uaddr;
	return stacks_intern(rc->stacks, st->h.tgid, user, nuser, (const uint64_t *)st->kernel,
			     nkernel, &ref->stack_id);
}

static int run_on_event(void *ctx, const union gp_event *e)
{
	struct run_ctx *rc = ctx;

	return model_feed(rc->model, e);
}

static void run_on_raw(void *ctx, const union gp_event *e)
{
	struct run_ctx *rc = ctx;

	locknames_observe(rc->names, e);
}

/*
 * Poll until the target exits. It is left for the caller to reap: until then neither its pid nor
 * its process group can be another's.
 */
static void run_loop(struct gp_collector *c, pid_t pid, bool status, uint64_t start, int *err)
{
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
		*err = collector_poll(c, 100);
		if (*err)
			break;
		if (status)
			status_line(c, start, &last_print, &last_count);
	}
	if (status)
		fprintf(stderr, "\r\033[K");
}

int run_traced(const struct gp_run_opts *o, char *const argv[], struct gp_run_result *res)
{
	struct gp_collector_opts copts = {0};
	struct gp_collector *c = NULL;
	struct run_ctx rc = {0};
	struct gp_launch l = {-1, -1, -1};
	struct gp_contain ct;
	bool contained = false, reaped = false;
	char err[512], path[PATH_MAX];
	int ret, wstatus = 0, left;

	memset(res, 0, sizeof(*res));
	res->exit_status = -1;
	ret = launch_resolve(argv[0], path, sizeof(path), err, sizeof(err));
	if (ret) {
		fprintf(stderr, "gilprof: %s\n", err);
		return ret;
	}
	rc.model = model_new(collector_ncpus());
	rc.names = locknames_new();
	rc.stacks = stacks_new();
	rc.unwind_stops = res->unwind_stops;
	if (rc.names && o->call_graph_dwarf)
		rc.unwinder = unwinder_new(locknames_symbolizer(rc.names));
	if (!rc.model || !rc.names || !rc.stacks || (o->call_graph_dwarf && !rc.unwinder)) {
		fprintf(stderr, "gilprof: out of memory\n");
		ret = 1;
		goto cleanup;
	}
	copts.buffer_mb = o->buffer_mb;
	copts.verbose = o->verbose;
	copts.on_event = run_on_event;
	copts.on_raw = run_on_raw;
	copts.on_stack = run_on_stack;
	copts.stack_slices = o->call_graph_dwarf;
	copts.offcpu_stacks = run_wants_profiles(o);
	copts.sample_hz = run_wants_profiles(o) ? o->freq : 0;
	copts.ctx = &rc;
	if (collector_open(&copts, &c, err, sizeof(err))) {
		fprintf(stderr, "gilprof: %s\n", err);
		ret = 1;
		goto cleanup;
	}
	contain_init(&ct);
	contained = true;
	if (launch_prepare(path, argv, o->as_root ? NULL : &o->creds, o->quiet, &l, err,
			   sizeof(err))) {
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
	ret = collector_trace_pid(c, l.pid);
	if (ret) {
		fprintf(stderr, "gilprof: cannot trace pid %d: %s\n", l.pid, strerror(-ret));
		ret = 1;
		goto cleanup;
	}
	res->start_ts = collector_enable(c);
	ret = launch_go(&l, contain_own_pgrp(&ct), err, sizeof(err));
	if (ret)
		fprintf(stderr, "gilprof: %s\n", err);
	/* the child's exit status (126/127) says it all from here */
	ret = 0;
	run_loop(c, l.pid, o->status && isatty(STDERR_FILENO), res->start_ts, &ret);
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
			left == 1 ? "" : "es", argv[0]);
	res->exit_status = launch_exit_status(wstatus);
	if (collector_stop(c, &res->end_ts) || collector_read_stats(c, res->end_ts, &res->stats)) {
		fprintf(stderr, "gilprof: cannot drain the trace\n");
		ret = 1;
		goto cleanup;
	}
	model_finish(rc.model, res->end_ts);
	locknames_set_model(rc.names, rc.model);
	res->model = rc.model;
	res->names = rc.names;
	res->stacks = rc.stacks;
	rc.model = NULL;
	rc.names = NULL;
	rc.stacks = NULL;
	ret = 0;
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
	collector_close(c);
	unwinder_free(rc.unwinder);
	model_free(rc.model);
	locknames_free(rc.names);
	stacks_free(rc.stacks);
	return ret;
}

void run_result_free(struct gp_run_result *res)
{
	model_free(res->model);
	locknames_free(res->names);
	stacks_free(res->stacks);
	res->model = NULL;
	res->names = NULL;
	res->stacks = NULL;
}

static int write_text(FILE *f, void *ctx)
{
	return report_text(f, ctx);
}

static int write_json(FILE *f, void *ctx)
{
	return report_json(f, ctx);
}

static bool lock_filter_empty(const struct gp_report *r)
{
	size_t n;
	struct gp_lock **locks = report_locks(r, &n);

	free(locks);
	return n == 0;
}

/* --lock matched nothing: name the locks it could have been, on one line. */
static void lock_filter_error(struct gp_report *r, const char *json)
{
	char name[160];
	size_t n, i;
	struct gp_lock **locks;

	fprintf(stderr,
		"gilprof: --lock %s matches no futex word; the top ones are:", r->lock_filter);
	r->lock_filter = NULL;
	locks = report_locks(r, &n);
	for (i = 0; i < n && i < 5; i++) {
		if (r->name_lock(r->namer_ctx, locks[i]->tgid, locks[i]->uaddr, name,
				 sizeof(name)) < 0)
			name[0] = 0;
		fprintf(stderr, "%s %s (0x%llx, pid %u)", i ? "," : "", name,
			(unsigned long long)locks[i]->uaddr, locks[i]->tgid);
	}
	fprintf(stderr, "%s%s%s\n", n ? "" : " none", json ? "; the full report is in " : "",
		json ? json : "");
	free(locks);
}

int run_report(const struct gp_run_opts *o, struct gp_run_result *res, char *const argv[],
	       struct gp_run_outputs *ro)
{
	struct gp_report r = {
		.model = res->model,
		.stats = &res->stats,
		.start_ts = res->start_ts,
		.end_ts = res->end_ts,
		.argv = argv,
		.exit_status = res->exit_status,
		.name_lock = locknames_name,
		.name_code = locknames_code,
		.name_kernel = locknames_kernel,
		.name_line = o->lines ? locknames_line : NULL,
		.namer_ctx = res->names,
		.stacks = res->stacks,
		.unwind_stops = res->unwind_stops,
		.top_locks = o->top_locks,
		.top_pairs = o->top_pairs,
	};
	struct gp_output *json = &ro->o[GP_OUT_JSON];
	bool json_written = false;
	int err = 0;

	if (json->open) {
		json_written = !output_write(json, write_json, &r);
		err = !json_written;
	}
	r.lock_filter = o->lock;
	if (o->lock && lock_filter_empty(&r)) {
		lock_filter_error(&r, json_written ? o->json : NULL);
		run_outputs_discard(ro);
		return 2;
	}
	if (run_profile_outputs(o, &r, ro))
		err = 1;
	if (output_write(&ro->o[GP_OUT_TEXT], write_text, &r))
		err = 1;
	return err;
}

void run_opts_init(struct gp_run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->status = true;
	o->top_locks = 20;
	o->call_graph_dwarf = true;
	o->view = GP_VIEW_WALL;
	o->freq = 99;
	o->top_pairs = 10;
}

bool run_wants_profiles(const struct gp_run_opts *o)
{
	return o->folded || o->flamegraph || o->pprof || o->speedscope;
}

static int run_command(const struct gp_run_opts *o, char *const argv[], struct gp_run_outputs *ro)
{
	struct gp_run_result res;
	int ret;

	ret = run_traced(o, argv, &res);
	if (ret) {
		run_outputs_discard(ro);
		return ret;
	}
	ret = run_report(o, &res, argv, ro);
	if (!ret)
		ret = res.exit_status;
	run_result_free(&res);
	return ret;
}

/* gilprof run NAME ... with NAME a bundled workload: run its binary with the same arguments. */
static int run_workload(const struct gp_run_opts *o, char **argv, struct gp_run_outputs *ro)
{
	char path[PATH_MAX];
	char *saved = argv[0];
	int ret;

	if (workload_path(argv[0], path, sizeof(path))) {
		fprintf(stderr, "gilprof: workload '%s' is not built (%s): run 'make'\n", argv[0],
			path);
		run_outputs_discard(ro);
		return 1;
	}
	argv[0] = path;
	ret = run_command(o, argv, ro);
	argv[0] = saved;
	return ret;
}

static bool command_exists(const char *name)
{
	char path[PATH_MAX], err[256];

	return launch_resolve(name, path, sizeof(path), err, sizeof(err)) != 127;
}

static bool any_output(const struct gp_run_opts *o)
{
	return o->output || o->json || run_wants_profiles(o);
}

/* What can be known before anything runs: usage errors exit 2, the environment's exit 1. */
static int run_check(struct gp_run_opts *o)
{
	char err[256];

	if (!o->argv[0] && o->dashdash) {
		fprintf(stderr, "gilprof run: missing command after '--'\n");
		return 2;
	}
	if (!o->argv[0] && any_output(o)) {
		fprintf(stderr,
			"gilprof run: the default experiment prints its comparison to stdout; "
			"output options need a command or workload\n");
		return 2;
	}
	if (creds_from_env(&o->creds, err, sizeof(err))) {
		fprintf(stderr, "gilprof: %s\n", err);
		return 2;
	}
	/* Through sudo, gilprof must not be a way to run any command as root. */
	if (o->as_root && o->creds.sudo && o->creds.uid != 0) {
		fprintf(stderr,
			"gilprof run: --as-root would run the command as root for uid %u: "
			"only root may ask for it\n",
			(unsigned)o->creds.uid);
		return 2;
	}
	if (collector_check_env(err, sizeof(err))) {
		fprintf(stderr, "gilprof: %s\n", err);
		return 1;
	}
	/* Before the command is looked for: that, too, is done with the user's rights. */
	if (asuser_start(&o->creds, err, sizeof(err))) {
		fprintf(stderr, "gilprof: %s\n", err);
		return 1;
	}
	if (o->argv[0] && !o->dashdash && !workload_find(o->argv[0]) && !strchr(o->argv[0], '/') &&
	    !command_exists(o->argv[0])) {
		char names[256];

		workload_names(names, sizeof(names));
		fprintf(stderr,
			"gilprof run: '%s' is neither a bundled workload (%s) nor a command\n",
			o->argv[0], names);
		asuser_stop();
		return 127;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct gp_run_outputs ro;
	struct gp_run_opts o;
	int ret;

	run_opts_init(&o);
	if (parse_opts(argc, argv, &o))
		return 2;
	ret = run_check(&o);
	if (ret)
		return ret;
	if (o.argv[0] && run_outputs_open(&o, &ro)) {
		asuser_stop();
		return 2;
	}
	signals_install();
	if (!o.argv[0])
		ret = run_default(&o);
	else if (!o.dashdash && workload_find(o.argv[0]))
		ret = run_workload(&o, o.argv, &ro);
	else
		ret = run_command(&o, o.argv, &ro);
	asuser_stop();
	return ret;
}
