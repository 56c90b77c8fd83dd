// SPDX-License-Identifier: GPL-2.0
/* gilprof run: trace a command (or a bundled workload) and print its report at the end. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/args.h"
#include "cli/cmd.h"
#include "cli/opts.h"
#include "cli/workloads.h"
#include "analyze/tour.h"
#include "collect/launch.h"
#include "util/asuser.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sudo gilprof run [OPTIONS] -- COMMAND [ARGS...]\n"
		"       sudo gilprof run [OPTIONS] WORKLOAD [WORKLOAD OPTIONS...]\n"
		"       sudo gilprof run [OPTIONS] -p PID[,PID...] [-d SECONDS]\n"
		"       sudo gilprof run [--json FILE] [EXPERIMENT]   (the tour)\n\n"
		"Trace COMMAND, its threads and child processes from exec to exit (or attach to\n"
		"running processes), then report where every thread's time went and which futex\n"
		"words it waited on. Without a command, the tour: the classic GIL experiments on\n"
		"the bundled workloads (countdown, sleep-vs-cpu, race, startup, concurrency),\n"
		"measured and explained; an EXPERIMENT alone runs only that one (a workload of\n"
		"that name is traced when options follow it).\n\n");
	opts_report_usage(f);
	opts_session_usage(f);
	fprintf(f,
		"      --record FILE     also keep the recording of this run (gilprof report)\n"
		"  -h, --help            this help\n"
		"\nexit status: the target's (128+N when killed by signal N); 2 for usage errors,\n"
		"1 when tracing fails, 126/127 when the command cannot be run.\n");
}

struct run_args {
	struct gp_cli_report rep;
	struct gp_cli_session ses;
	struct gp_creds creds;
	bool dashdash;
	char **argv;
	bool tour; /* no command, or an experiment's name alone */
};

static int parse_opts(int argc, char **argv, struct run_args *a)
{
	static const struct option longopts[] = {
		OPTS_REPORT_LONG,
		OPTS_SESSION_LONG,
		{"record", required_argument, NULL, OPT_RECORD},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c, r;

	opterr = 0; /* our own one-line messages */
	/* '+': stop at the first non-option, so the command's own options pass through */
	while ((c = getopt_long(argc, argv, "+:o:F:vhp:d:", longopts, NULL)) != -1) {
		r = opts_report("run", c, optarg, &a->rep);
		if (!r)
			r = opts_session("run", c, optarg, &a->ses);
		if (r < 0)
			return -1;
		if (r)
			continue;
		if (c == OPT_RECORD) {
			a->rep.path[GP_OUT_RECORD] = optarg;
		} else if (c == 'h') {
			usage(stdout);
			exit(0);
		} else {
			args_getopt_error("run", c, argv);
			return -1;
		}
	}
	a->dashdash = optind > 1 && !strcmp(argv[optind - 1], "--");
	a->argv = argv + optind;
	a->tour = !a->ses.npids &&
		  (!a->argv[0] || (!a->dashdash && !a->argv[1] && tour_find(a->argv[0])));
	return 0;
}

/* The tour writes its text to stdout and, with --json, its figures: no other output. */
static bool tour_other_outputs(const struct gp_cli_report *rep)
{
	struct gp_cli_report others = *rep;

	others.path[GP_OUT_JSON] = NULL;
	return opts_report_any_file(&others);
}

static bool command_exists(const char *name)
{
	char path[PATH_MAX], err[256];

	return launch_resolve(name, path, sizeof(path), err, sizeof(err)) != 127;
}

/* What can be known before anything runs: usage errors exit 2, the environment's exit 1. */
static int run_check(struct run_args *a)
{
	int ret;

	if (!a->argv[0] && a->dashdash) {
		fprintf(stderr, "gilprof run: missing command after '--'\n");
		return 2;
	}
	ret = opts_session_target("run", &a->ses, a->argv);
	if (ret)
		return ret;
	if (a->tour && tour_other_outputs(&a->rep)) {
		fprintf(stderr, "gilprof run: the tour prints its text to stdout and takes --json "
				"FILE only; other output options need a command or workload\n");
		return 2;
	}
	ret = opts_session_check("run", &a->ses, &a->creds);
	if (ret)
		return ret;
	if (a->argv[0] && !a->tour && !a->dashdash && !workload_find(a->argv[0]) &&
	    !strchr(a->argv[0], '/') && !command_exists(a->argv[0])) {
		char names[256];

		workload_names(names, sizeof(names));
		fprintf(stderr,
			"gilprof run: '%s' is neither a bundled workload (%s) nor a command\n",
			a->argv[0], names);
		asuser_stop();
		return 127;
	}
	return 0;
}

/* gilprof run NAME ... with NAME a bundled workload: run its binary with the same arguments. */
static int workload_argv(struct run_args *a, char *path, size_t len)
{
	if (a->dashdash || !workload_find(a->argv[0]))
		return 0;
	if (workload_path(a->argv[0], path, len)) {
		fprintf(stderr, "gilprof: workload '%s' %s\n", a->argv[0], path);
		return 1;
	}
	a->argv[0] = path;
	return 0;
}

static int traced_report(struct gp_cli_session *ses, struct gp_cli_report *rep, char **argv)
{
	struct gp_out_req req[GP_OUT_COUNT];
	struct gp_outputs outs;
	struct gp_session_info info;
	struct gp_report r;
	struct gp_trace t;
	int ret, i;

	if (!rep->path[GP_OUT_TEXT])
		rep->path[GP_OUT_TEXT] = "-";
	opts_report_reqs(rep, req);
	req[GP_OUT_TEXT].opt = strcmp(rep->path[GP_OUT_TEXT], "-") ? "-o" : "the text report";
	if (outputs_open(req, &outs))
		return 2;
	ses->s.argv = argv;
	ses->s.profiles = opts_report_profiles(rep);
	ses->s.lines = rep->r.lines;
	ses->s.record = outs.o[GP_OUT_RECORD].open ? &outs.o[GP_OUT_RECORD] : NULL;
	/* the command's output would end up inside a file written to stdout (the text report
	 * only follows it) */
	for (i = GP_OUT_TEXT + 1; i < GP_OUT_COUNT; i++)
		if (outs.o[i].open && outs.o[i].is_stdout)
			ses->s.stdout_to_stderr = true;
	ret = session_run(&ses->s, &t, &info);
	if (ses->s.record && !ret && output_finish(ses->s.record, 0, NULL))
		ret = 1;
	if (ret) {
		outputs_discard(&outs);
		return ret;
	}
	if (report_init(&r, &t, &rep->r)) {
		fprintf(stderr, "gilprof: out of memory\n");
		outputs_discard(&outs);
		ret = 1;
	} else {
		ret = outputs_write(&rep->r, &r, &outs);
	}
	report_free(&r);
	if (!ret)
		ret = t.exit_status < 0 ? 0 : t.exit_status;
	trace_free(&t);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a;
	char path[PATH_MAX];
	int ret;

	memset(&a, 0, sizeof(a));
	opts_report_init(&a.rep);
	opts_session_init(&a.ses);
	if (parse_opts(argc, argv, &a))
		return 2;
	ret = run_check(&a);
	if (ret)
		return ret;
	if (a.tour)
		ret = tour_run(&a.ses.s, a.argv[0], a.rep.path[GP_OUT_JSON]);
	else if (a.argv[0])
		ret = workload_argv(&a, path, sizeof(path));
	if (!a.tour && !ret)
		ret = traced_report(&a.ses, &a.rep, a.argv[0] ? a.argv : NULL);
	asuser_stop();
	return ret;
}
