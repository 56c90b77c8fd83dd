// SPDX-License-Identifier: GPL-2.0
/* gilprof report: the report of a recording, byte for byte what the live run printed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/args.h"
#include "cli/cmd.h"
#include "cli/opts.h"
#include "cli/recording.h"
#include "analyze/views.h"
#include "util/asuser.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: gilprof report [OPTIONS] [FILE]\n\n"
		   "Report the recording FILE (default gilprof.data; - for stdin) as gilprof run\n"
		   "reported the run, with any report option. Needs neither root nor the traced\n"
		   "binaries: the recording carries the names of all it holds.\n\n");
	opts_report_usage(f);
	fprintf(f, "  -h, --help            this help\n"
		   "\nexit status: 0; 1 when the recording cannot be read or an output not be\n"
		   "written; 2 for usage errors, when --lock matches nothing, and for a view the\n"
		   "recording has not the stacks for (gilprof run took none without a profile\n"
		   "output: only --view lock and wake then).\n");
}

static int parse_opts(int argc, char **argv, struct gp_cli_report *o)
{
	static const struct option longopts[] = {
		OPTS_REPORT_LONG,
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		r = opts_report("report", c, optarg, o);
		if (r < 0)
			return -1;
		if (r)
			continue;
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		args_getopt_error("report", c, argv);
		return -1;
	}
	if (argc - optind > 1) {
		fprintf(stderr, "gilprof report: one recording at a time ('%s' is extra)\n",
			argv[optind + 1]);
		return -1;
	}
	return optind;
}

/*
 * A recording made by gilprof run without a profile output holds only the futex waiter and
 * waker stacks: the views that need more would come out empty or partial, not as the run would
 * have written them. 0, or 2 after one line.
 */
static int profiles_check(const struct gp_cli_report *o, const struct gp_trace *t, const char *path)
{
	bool view =
		o->path[GP_OUT_FOLDED] || o->path[GP_OUT_FLAMEGRAPH] || o->path[GP_OUT_SPEEDSCOPE];
	char what[64];

	if (t->freq)
		return 0;
	if (o->path[GP_OUT_PPROF])
		snprintf(what, sizeof(what), "--pprof");
	else if (view && view_needs_profile_stacks(o->r.view))
		snprintf(what, sizeof(what), "--view %s", view_name(o->r.view));
	else
		return 0;
	fprintf(stderr,
		"gilprof report: %s needs the on-CPU samples and off-CPU stacks that %s does not "
		"hold (gilprof run took none without a profile output; gilprof record always "
		"does); --view lock and --view wake can be reported from it\n",
		what, strcmp(path, "-") ? path : "stdin");
	return 2;
}

int cmd_report(int argc, char **argv)
{
	struct gp_out_req req[GP_OUT_COUNT];
	struct gp_cli_report o;
	struct gp_outputs outs;
	struct gp_report r;
	struct gp_trace t;
	const char *path;
	int first, fd, ret, i;

	opts_report_init(&o);
	first = parse_opts(argc, argv, &o);
	if (first < 0)
		return 2;
	path = argv[first] ? argv[first] : "gilprof.data";
	if (!o.path[GP_OUT_TEXT])
		o.path[GP_OUT_TEXT] = "-";
	ret = recording_begin();
	if (ret)
		return ret;
	ret = recording_load(path, &t, &fd);
	if (ret) {
		asuser_stop();
		return ret;
	}
	ret = profiles_check(&o, &t, path);
	if (ret) {
		close(fd);
		trace_free(&t);
		asuser_stop();
		return ret;
	}
	opts_report_reqs(&o, req);
	req[GP_OUT_TEXT].opt = strcmp(o.path[GP_OUT_TEXT], "-") ? "-o" : "the text report";
	ret = outputs_open(req, &outs) ? 2 : 0;
	for (i = 0; !ret && i < GP_OUT_COUNT; i++)
		if (outs.o[i].open && output_check_not_input(&outs.o[i], fd))
			ret = 2;
	close(fd);
	if (ret) {
		outputs_discard(&outs);
	} else {
		if (report_init(&r, &t, &o.r)) {
			fprintf(stderr, "gilprof: out of memory\n");
			outputs_discard(&outs);
			ret = 1;
		} else {
			ret = outputs_write(&o.r, &r, &outs);
		}
		report_free(&r);
	}
	trace_free(&t);
	asuser_stop();
	return ret;
}
