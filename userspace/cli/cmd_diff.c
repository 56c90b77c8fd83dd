// SPDX-License-Identifier: GPL-2.0
/* gilprof diff: two recordings side by side (before and after a fix), and what changed. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analyze/diff.h"
#include "analyze/report.h"
#include "cli/args.h"
#include "cli/cmd.h"
#include "cli/opts.h"
#include "cli/recording.h"
#include "export/diff_json.h"
#include "export/diff_text.h"
#include "util/asuser.h"
#include "util/output.h"

enum { OPT_TOP_THREADS = OPT_CMD_BASE };

enum { OUT_TEXT, OUT_JSON, OUT_COUNT };

struct diff_cli {
	const char *path[OUT_COUNT]; /* -o (default stdout), --json */
	const char *in[GP_DIFF_SIDES];
	unsigned top_locks, top_threads;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gilprof diff [OPTIONS] BASE NEW\n\n"
		"Compare two recordings (gilprof record), BASE before a change and NEW after it:\n"
		"wall and CPU time, parallelism, where the threads' time went, the locks and the\n"
		"threads matched by name, and what got better or worse. Needs no root.\n\n"
		"options:\n"
		"  -o, --output FILE     write the text to FILE instead of stdout\n"
		"      --json FILE       also write the comparison as JSON (schema %s)\n"
		"      --top-locks N     rows in the lock table (default 10, 0 = all)\n"
		"      --top-threads N   rows in the thread table (default 10, 0 = all)\n"
		"  -h, --help            this help\n"
		"\nA change under %.0f%% of BASE or under %.0f ms is called unchanged.\n"
		"exit status: 0; 1 when a recording cannot be read or an output not be written;\n"
		"2 for usage errors.\n",
		GP_DIFF_JSON_SCHEMA, 100 * GP_DIFF_REL, GP_DIFF_MIN_NS / 1e6);
}

static int parse_opt(int c, struct diff_cli *o, char **argv)
{
	switch (c) {
	case 'o':
		o->path[OUT_TEXT] = optarg;
		return 0;
	case OPT_JSON:
		o->path[OUT_JSON] = optarg;
		return 0;
	case OPT_TOP_LOCKS:
		return args_uint("diff", "--top-locks", optarg, 1000000, &o->top_locks);
	case OPT_TOP_THREADS:
		return args_uint("diff", "--top-threads", optarg, 1000000, &o->top_threads);
	case 'h':
		usage(stdout);
		exit(0);
	}
	args_getopt_error("diff", c, argv);
	return -1;
}

static int parse_opts(int argc, char **argv, struct diff_cli *o)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"json", required_argument, NULL, OPT_JSON},
		{"top-locks", required_argument, NULL, OPT_TOP_LOCKS},
		{"top-threads", required_argument, NULL, OPT_TOP_THREADS},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1)
		if (parse_opt(c, o, argv))
			return -1;
	if (argc - optind != 2) {
		if (argc - optind > 2)
			fprintf(stderr, "gilprof diff: two recordings at a time ('%s' is extra)\n",
				argv[optind + 2]);
		else
			fprintf(stderr, "gilprof diff: needs two recordings, BASE and NEW (see "
					"'gilprof diff --help')\n");
		return -1;
	}
	o->in[GP_DIFF_BASE] = argv[optind];
	o->in[GP_DIFF_NEW] = argv[optind + 1];
	if (!strcmp(o->in[0], "-") && !strcmp(o->in[1], "-")) {
		fprintf(stderr, "gilprof diff: BASE and NEW cannot both be stdin ('-')\n");
		return -1;
	}
	return 0;
}

/* Both recordings, or neither: 0, or 1 after recording_load's line. */
static int load_both(const struct diff_cli *o, struct gp_trace t[GP_DIFF_SIDES],
		     int fd[GP_DIFF_SIDES])
{
	if (recording_load(o->in[GP_DIFF_BASE], &t[GP_DIFF_BASE], &fd[GP_DIFF_BASE]))
		return 1;
	if (!recording_load(o->in[GP_DIFF_NEW], &t[GP_DIFF_NEW], &fd[GP_DIFF_NEW]))
		return 0;
	trace_free(&t[GP_DIFF_BASE]);
	close(fd[GP_DIFF_BASE]);
	return 1;
}

/* Every output, as the user, none of them an input: 0, or 2 after one line. */
static int open_outputs(const struct diff_cli *o, const int fd[GP_DIFF_SIDES],
			struct gp_output out[OUT_COUNT])
{
	struct gp_output *list[OUT_COUNT] = {0};
	const char *text = o->path[OUT_TEXT] ? o->path[OUT_TEXT] : "-";
	int i, s;

	memset(out, 0, OUT_COUNT * sizeof(*out));
	if (output_open(&out[OUT_TEXT], o->path[OUT_TEXT] ? "-o" : "the text comparison", text))
		return 2;
	list[OUT_TEXT] = &out[OUT_TEXT];
	if (o->path[OUT_JSON]) {
		if (output_open(&out[OUT_JSON], "--json", o->path[OUT_JSON]))
			goto fail;
		list[OUT_JSON] = &out[OUT_JSON];
	}
	if (outputs_check(list, OUT_COUNT))
		goto fail;
	for (i = 0; i < OUT_COUNT; i++)
		for (s = 0; s < GP_DIFF_SIDES; s++)
			if (out[i].open && output_check_not_input(&out[i], fd[s]))
				goto fail;
	return 0;
fail:
	for (i = 0; i < OUT_COUNT; i++)
		output_discard(&out[i]);
	return 2;
}

static int write_text(FILE *f, void *ctx)
{
	return diff_text(f, ctx);
}

static int write_json(FILE *f, void *ctx)
{
	return diff_json(f, ctx);
}

static int diff_write(const struct diff_cli *o, struct gp_trace t[GP_DIFF_SIDES],
		      struct gp_output out[OUT_COUNT])
{
	struct gp_report_opts ro = {0};
	struct gp_report r[GP_DIFF_SIDES];
	struct gp_diff_opts dopt = {.top_locks = o->top_locks, .top_threads = o->top_threads};
	struct gp_diff d;
	int s, err = 0;

	for (s = 0; s < GP_DIFF_SIDES; s++) {
		err |= report_init(&r[s], &t[s], &ro);
		dopt.label[s] = strcmp(o->in[s], "-") ? o->in[s] : "stdin";
		dopt.incomplete[s] = t[s].truncated;
	}
	if (err || diff_build(&d, &r[GP_DIFF_BASE], &r[GP_DIFF_NEW], &dopt)) {
		fprintf(stderr, "gilprof diff: out of memory\n");
		output_discard(&out[OUT_TEXT]);
		output_discard(&out[OUT_JSON]);
		err = 1;
	} else {
		if (out[OUT_JSON].open && output_write(&out[OUT_JSON], write_json, &d))
			err = 1;
		if (output_write(&out[OUT_TEXT], write_text, &d))
			err = 1;
		diff_free(&d);
	}
	for (s = 0; s < GP_DIFF_SIDES; s++)
		report_free(&r[s]);
	return err;
}

int cmd_diff(int argc, char **argv)
{
	struct diff_cli o = {.top_locks = 10, .top_threads = 10};
	struct gp_output out[OUT_COUNT];
	struct gp_trace t[GP_DIFF_SIDES];
	int fd[GP_DIFF_SIDES], ret, s;

	if (parse_opts(argc, argv, &o))
		return 2;
	ret = recording_begin();
	if (ret)
		return ret;
	ret = load_both(&o, t, fd);
	if (ret) {
		asuser_stop();
		return ret;
	}
	ret = open_outputs(&o, fd, out);
	for (s = 0; s < GP_DIFF_SIDES; s++)
		close(fd[s]);
	if (!ret)
		ret = diff_write(&o, t, out);
	for (s = 0; s < GP_DIFF_SIDES; s++)
		trace_free(&t[s]);
	asuser_stop();
	return ret;
}
