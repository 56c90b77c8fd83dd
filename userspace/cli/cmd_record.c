// SPDX-License-Identifier: GPL-2.0
/* gilprof record: trace a command into a recording, for gilprof report and gilprof diff. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/report.h"
#include "cli/args.h"
#include "cli/cmd.h"
#include "cli/opts.h"
#include "cli/workloads.h"
#include "util/asuser.h"

#define DEFAULT_RECORDING "gilprof.data"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sudo gilprof record [-o FILE] [OPTIONS] -- COMMAND [ARGS...]\n"
		"       sudo gilprof record [-o FILE] [OPTIONS] WORKLOAD [WORKLOAD OPTIONS...]\n\n"
		"Trace COMMAND like gilprof run, with on-CPU samples and off-CPU stacks, into a\n"
		"recording that gilprof report reads without root and without the binaries.\n\n"
		"  -o, --output FILE     the recording (default " DEFAULT_RECORDING
		"; - for stdout)\n");
	opts_session_usage(f);
	fprintf(f,
		"  -h, --help            this help\n"
		"\nexit status: the target's (128+N when killed by signal N); 2 for usage errors,\n"
		"1 when tracing or writing fails, 126/127 when the command cannot be run.\n");
}

static int parse_opts(int argc, char **argv, struct gp_cli_session *s, const char **out,
		      bool *dashdash)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		OPTS_SESSION_LONG,
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:o:F:vhp:d:", longopts, NULL)) != -1) {
		r = opts_session("record", c, optarg, s);
		if (r < 0)
			return -1;
		if (r)
			continue;
		if (c == 'o') {
			*out = optarg;
		} else if (c == 'h') {
			usage(stdout);
			exit(0);
		} else {
			args_getopt_error("record", c, argv);
			return -1;
		}
	}
	*dashdash = optind > 1 && !strcmp(argv[optind - 1], "--");
	return optind;
}

static void summary(const struct gp_trace *t, const struct gp_session_info *info, const char *path)
{
	char b[24];

	fprintf(stderr,
		"gilprof: recorded %llu events of %s in %s to %s (%.1f KiB, %llu lost, %zu "
		"stacks)\n",
		(unsigned long long)info->rec_events, t->argv[0],
		fmt_ns(b, sizeof(b), t->end_ts - t->start_ts), strcmp(path, "-") ? path : "stdout",
		info->rec_bytes / 1024.0, (unsigned long long)info->lost, stacks_count(t->stacks));
}

int cmd_record(int argc, char **argv)
{
	struct gp_out_req req[GP_OUT_COUNT] = {{0}};
	const char *out = DEFAULT_RECORDING;
	struct gp_session_info info;
	struct gp_cli_session s;
	struct gp_outputs outs;
	struct gp_creds creds;
	struct gp_trace t;
	char path[PATH_MAX];
	bool dashdash;
	int ret, first;

	opts_session_init(&s);
	first = parse_opts(argc, argv, &s, &out, &dashdash);
	if (first < 0)
		return 2;
	argv += first;
	if (!argv[0] && !s.npids) {
		fprintf(stderr, "gilprof record: missing command or -p%s\n",
			dashdash ? " after '--'" : "");
		return 2;
	}
	ret = opts_session_target("record", &s, argv);
	if (ret)
		return ret;
	ret = opts_session_check("record", &s, &creds);
	if (ret)
		return ret;
	if (argv[0] && !dashdash && workload_find(argv[0])) {
		if (workload_path(argv[0], path, sizeof(path))) {
			fprintf(stderr, "gilprof: workload '%s' %s\n", argv[0], path);
			asuser_stop();
			return 1;
		}
		argv[0] = path;
	}
	req[GP_OUT_RECORD] = (struct gp_out_req){out, "-o"};
	if (outputs_open(req, &outs)) {
		asuser_stop();
		return 2;
	}
	s.s.argv = argv[0] ? argv : NULL;
	s.s.profiles = true; /* any view can be asked of the recording later */
	s.s.lines = true;
	s.s.record = &outs.o[GP_OUT_RECORD];
	/* the command's output would be written into the recording */
	s.s.stdout_to_stderr = s.s.record->is_stdout;
	ret = session_run(&s.s, &t, &info);
	if (!ret && output_finish(s.s.record, 0, NULL))
		ret = 1;
	if (!ret) {
		summary(&t, &info, out);
		ret = t.exit_status < 0 ? 0 : t.exit_status;
		trace_free(&t);
	}
	outputs_discard(&outs);
	asuser_stop();
	return ret;
}
