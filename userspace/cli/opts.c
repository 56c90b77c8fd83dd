// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "analyze/views.h"
#include "cli/args.h"
#include "cli/opts.h"
#include "collect/collector.h"
#include "util/asuser.h"

static const char *const out_opt[GP_OUT_COUNT] = {
	[GP_OUT_TEXT] = "-o",	      [GP_OUT_JSON] = "--json",
	[GP_OUT_FOLDED] = "--folded", [GP_OUT_FLAMEGRAPH] = "--flamegraph",
	[GP_OUT_PPROF] = "--pprof",   [GP_OUT_SPEEDSCOPE] = "--speedscope",
	[GP_OUT_HTML] = "--html",     [GP_OUT_TRACE] = "--trace",
	[GP_OUT_RECORD] = "--record",
};

void opts_report_init(struct gp_cli_report *o)
{
	memset(o, 0, sizeof(*o));
	o->r.top_locks = 20;
	o->r.top_pairs = 10;
	o->r.view = GP_VIEW_WALL;
}

int opts_report(const char *cmd, int c, const char *arg, struct gp_cli_report *o)
{
	enum gp_view v;

	switch (c) {
	case 'o':
		o->path[GP_OUT_TEXT] = arg;
		return 1;
	case OPT_JSON:
		o->path[GP_OUT_JSON] = arg;
		return 1;
	case OPT_FOLDED:
		o->path[GP_OUT_FOLDED] = arg;
		return 1;
	case OPT_FLAMEGRAPH:
		o->path[GP_OUT_FLAMEGRAPH] = arg;
		return 1;
	case OPT_PPROF:
		o->path[GP_OUT_PPROF] = arg;
		return 1;
	case OPT_SPEEDSCOPE:
		o->path[GP_OUT_SPEEDSCOPE] = arg;
		return 1;
	case OPT_HTML:
		o->path[GP_OUT_HTML] = arg;
		return 1;
	case OPT_TRACE:
		o->path[GP_OUT_TRACE] = arg;
		return 1;
	case OPT_TOP_LOCKS:
		return args_uint(cmd, "--top-locks", arg, 1000000, &o->r.top_locks) ? -1 : 1;
	case OPT_TOP_WAKERS:
		return args_uint(cmd, "--top-wakers", arg, 1000000, &o->r.top_pairs) ? -1 : 1;
	case OPT_LOCK:
		o->r.lock = arg;
		return 1;
	case OPT_LINES:
		o->r.lines = true;
		return 1;
	case OPT_ADDRESSES:
		o->r.addresses = true;
		return 1;
	case OPT_VIEW:
		if (view_parse(arg, &v)) {
			fprintf(stderr,
				"gilprof %s: --view must be on, off, wall, lock or wake, not "
				"'%s'\n",
				cmd, arg);
			return -1;
		}
		o->r.view = v;
		return 1;
	}
	return 0;
}

/* --html shows every flame graph view, so it takes the stacks a profile output takes. */
bool opts_report_profiles(const struct gp_cli_report *o)
{
	return o->path[GP_OUT_FOLDED] || o->path[GP_OUT_FLAMEGRAPH] || o->path[GP_OUT_PPROF] ||
	       o->path[GP_OUT_SPEEDSCOPE] || o->path[GP_OUT_HTML];
}

bool opts_report_any_file(const struct gp_cli_report *o)
{
	for (int i = 0; i < GP_OUT_COUNT; i++)
		if (o->path[i])
			return true;
	return false;
}

void opts_report_reqs(const struct gp_cli_report *o, struct gp_out_req req[GP_OUT_COUNT])
{
	for (int i = 0; i < GP_OUT_COUNT; i++)
		req[i] = (struct gp_out_req){o->path[i], out_opt[i]};
}

void opts_report_usage(FILE *f)
{
	fprintf(f,
		"report options:\n"
		"  -o, --output FILE     write the text report to FILE instead of stdout\n"
		"      --json FILE       also write the report as JSON (schema gilprof-report/1)\n"
		"      --top-locks N     rows in the lock table (default 20, 0 = all)\n"
		"      --top-wakers N    rows in the who-woke-whom table (default 10, 0 = all)\n"
		"      --lock ADDR|NAME  only the futex words at ADDR (0x...) or named NAME\n"
		"                        (a symbol, 'gil+0x50', or an object, 'gil')\n"
		"      --lines           source file:line of user frames where DWARF has it\n"
		"      --folded FILE     folded stacks of the --view (gzip when FILE ends in .gz)\n"
		"      --flamegraph FILE an interactive SVG flame graph of the --view\n"
		"      --pprof FILE      gzipped pprof: lock waits (contentions, delay) and CPU "
		"time\n"
		"      --speedscope FILE speedscope JSON of the --view, a profile per thread\n"
		"      --html FILE       one HTML page: verdict, per-core timeline (zoom, pan,\n"
		"                        hover), flame graph of every view, tables\n"
		"      --trace FILE      the timeline as Chrome trace-event JSON (Perfetto UI,\n"
		"                        chrome://tracing): thread states, locks, wakeups, CPUs\n"
		"      --view VIEW       on (CPU samples), off (blocked time by reason), wall "
		"(both,\n"
		"                        in ns; default), lock (wait time, the lock as leaf),\n"
		"                        wake (waiter stack, lock, then the waker's stack)\n"
		"      --addresses       profile frames by code address (func+0x1a), not by "
		"function\n");
}

void opts_session_init(struct gp_cli_session *o)
{
	memset(o, 0, sizeof(*o));
	o->s.status = true;
	o->s.call_graph_dwarf = true;
	o->s.freq = 99;
}

int opts_session(const char *cmd, int c, const char *arg, struct gp_cli_session *o)
{
	switch (c) {
	case OPT_AS_ROOT:
		o->as_root = true;
		return 1;
	case OPT_BUFFER_MB:
		if (args_uint(cmd, "--buffer-mb", arg, 1024, &o->s.buffer_mb))
			return -1;
		if (!o->s.buffer_mb || o->s.buffer_mb & (o->s.buffer_mb - 1)) {
			fprintf(stderr,
				"gilprof %s: --buffer-mb must be a power of two from 1 to 1024\n",
				cmd);
			return -1;
		}
		return 1;
	case 'F':
		if (args_uint(cmd, "--freq", arg, 10000, &o->s.freq))
			return -1;
		if (!o->s.freq) {
			fprintf(stderr, "gilprof %s: --freq must be from 1 to 10000\n", cmd);
			return -1;
		}
		return 1;
	case OPT_CALL_GRAPH:
		if (strcmp(arg, "fp") && strcmp(arg, "dwarf")) {
			fprintf(stderr, "gilprof %s: --call-graph must be fp or dwarf, not '%s'\n",
				cmd, arg);
			return -1;
		}
		o->s.call_graph_dwarf = !strcmp(arg, "dwarf");
		return 1;
	case OPT_NO_STATUS:
		o->s.status = false;
		return 1;
	case 'v':
		o->s.verbose = true;
		return 1;
	case 'p':
		if (args_pids(cmd, arg, o->pids, GP_MAX_PIDS, &o->npids))
			return -1;
		o->s.pids = o->pids;
		o->s.npids = o->npids;
		return 1;
	case 'd':
		if (args_uint(cmd, "--duration", arg, 31536000, &o->s.duration_s))
			return -1;
		if (!o->s.duration_s) {
			fprintf(stderr, "gilprof %s: --duration must be at least 1 second\n", cmd);
			return -1;
		}
		return 1;
	}
	return 0;
}

int opts_session_target(const char *cmd, struct gp_cli_session *o, char *const *argv)
{
	if (o->npids && argv[0]) {
		fprintf(stderr,
			"gilprof %s: -p attaches to running processes: give -p or a command, "
			"not both\n",
			cmd);
		return 2;
	}
	if (o->s.duration_s && !o->npids) {
		fprintf(stderr,
			"gilprof %s: --duration is for -p: a command is traced until it exits\n",
			cmd);
		return 2;
	}
	if (o->as_root && o->npids) {
		fprintf(stderr, "gilprof %s: --as-root is for a command: -p runs nothing\n", cmd);
		return 2;
	}
	return 0;
}

void opts_session_usage(FILE *f)
{
	fprintf(f,
		"tracing options:\n"
		"      --as-root         run the target as root (only when root itself ran sudo)\n"
		"      --buffer-mb N     BPF ring buffer size in MiB, a power of two (default 16)\n"
		"  -F, --freq HZ         on-CPU samples per second when stacks are taken (default "
		"99)\n"
		"      --call-graph fp|dwarf  user stacks by frame pointer, or unwound from CFI\n"
		"                        through code without frame pointers (default dwarf)\n"
		"  -p, --pid PID[,PID...] attach to running processes (all their threads and "
		"later\n"
		"                        children) instead of running a command\n"
		"  -d, --duration SECS   with -p: stop after SECS seconds (default: at Ctrl-C, or\n"
		"                        when every traced process has exited)\n"
		"      --no-status       no live status line on stderr\n"
		"  -v, --verbose         libbpf diagnostics (verifier log on load failure)\n");
}

int opts_session_check(const char *cmd, struct gp_cli_session *o, struct gp_creds *creds)
{
	char err[256];

	if (creds_from_env(creds, err, sizeof(err))) {
		fprintf(stderr, "gilprof: %s\n", err);
		return 2;
	}
	/* Through sudo, gilprof must not be a way to run any command as root. */
	if (o->as_root && creds->sudo && creds->uid != 0) {
		fprintf(stderr,
			"gilprof %s: --as-root would run the command as root for uid %u: "
			"only root may ask for it\n",
			cmd, (unsigned)creds->uid);
		return 2;
	}
	o->s.creds = o->as_root ? NULL : creds;
	if (collector_check_env(err, sizeof(err))) {
		fprintf(stderr, "gilprof: %s\n", err);
		return 1;
	}
	/* Before the command is looked for: that, too, is done with the user's rights. */
	if (asuser_start(creds, err, sizeof(err))) {
		fprintf(stderr, "gilprof: %s\n", err);
		return 1;
	}
	return 0;
}
