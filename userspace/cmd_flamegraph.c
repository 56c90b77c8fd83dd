// SPDX-License-Identifier: GPL-2.0
/* gilprof flamegraph: folded stacks (ours, perf's, flamegraph.pl's) to an interactive SVG. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"
#include "cmd.h"
#include "flamegraph.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: gilprof flamegraph [OPTIONS] IN.folded[.gz] -o OUT.svg\n\n"
		   "Render folded stacks (one 'frame;frame;... weight' line per stack, root first) "
		   "to an\n"
		   "interactive SVG: click to zoom, Ctrl-F or 'Search' to highlight, tooltips with "
		   "shares.\n"
		   "IN may be '-' for stdin; OUT may end in .gz.\n\n"
		   "options:\n"
		   "  -o, --output FILE   the SVG to write (required)\n"
		   "      --title TEXT    title (default 'Flame Graph')\n"
		   "      --unit UNIT     what weights count: samples (default) or nanoseconds\n"
		   "      --kind KIND     what the stacks are: cpu (default), lock-wait, runqueue, "
		   "sleep\n"
		   "      --width PX      image width (default 1200)\n"
		   "      --min-width PX  omit frames narrower than this (default 0.1)\n"
		   "  -h, --help          this help\n");
}

static int parse_kind(const char *s, enum gp_sample_kind *k)
{
	int i;

	for (i = 0; i < GP_SK_COUNT; i++) {
		if (!strcmp(s, sample_kind_name(i))) {
			*k = i;
			return 0;
		}
	}
	fprintf(stderr,
		"gilprof flamegraph: --kind must be cpu, lock-wait, runqueue, sleep or "
		"waker, not '%s'\n",
		s);
	return -1;
}

static int parse(int argc, char **argv, struct gp_flamegraph_opts *o, const char **out)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"title", required_argument, NULL, 't'},
		{"unit", required_argument, NULL, 'u'},
		{"kind", required_argument, NULL, 'k'},
		{"width", required_argument, NULL, 'w'},
		{"min-width", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	double v;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			*out = optarg;
			break;
		case 't':
			o->title = optarg;
			break;
		case 'u':
			if (strcmp(optarg, "samples") && strcmp(optarg, "nanoseconds")) {
				fprintf(stderr,
					"gilprof flamegraph: --unit must be samples or "
					"nanoseconds, not '%s'\n",
					optarg);
				return -1;
			}
			o->unit = optarg;
			break;
		case 'k':
			if (parse_kind(optarg, &o->kind))
				return -1;
			break;
		case 'w':
			if (args_double("flamegraph", "--width", optarg, 200, 100000, &v))
				return -1;
			o->width = v;
			break;
		case 'm':
			if (args_double("flamegraph", "--min-width", optarg, 0, 1000,
					&o->min_width))
				return -1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			args_getopt_error("flamegraph", c, argv);
			return -1;
		}
	}
	return 0;
}

int cmd_flamegraph(int argc, char **argv)
{
	struct gp_flamegraph_opts o;
	struct prof_err pe = {0};
	const char *out = NULL;

	flamegraph_opts_init(&o);
	if (parse(argc, argv, &o, &out))
		return 2;
	if (optind != argc - 1 || !out) {
		fprintf(stderr, "gilprof flamegraph: need one input file and -o OUT.svg "
				"(see 'gilprof flamegraph --help')\n");
		return 2;
	}
	if (flamegraph_render_folded(argv[optind], out, &o, &pe)) {
		fprintf(stderr, "gilprof flamegraph: %s\n", pe.msg);
		return 1;
	}
	return 0;
}
