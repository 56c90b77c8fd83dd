// SPDX-License-Identifier: GPL-2.0
/* gilprof flamegraph: folded stacks (ours, perf's, flamegraph.pl's) to an interactive SVG. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/args.h"
#include "cli/cmd.h"
#include "util/asuser.h"
#include "export/flamegraph.h"
#include "export/folded.h"
#include "util/output.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: gilprof flamegraph [OPTIONS] IN.folded[.gz] -o OUT.svg\n\n"
		   "Render folded stacks (one 'frame;frame;... weight' line per stack, root first) "
		   "to an\n"
		   "interactive SVG: click to zoom, Ctrl-F or 'Search' to highlight, tooltips with "
		   "shares.\n"
		   "IN may be '-' for stdin and OUT '-' for stdout; OUT may end in .gz.\n\n"
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

/* Read the folded input (as the user; "-" is stdin) into a new profile. */
static struct gp_profile *input_read(const char *path, const struct gp_flamegraph_opts *o,
				     const struct gp_output *out, int *ret)
{
	char err[PATH_MAX + 200];
	struct prof_err pe = {0};
	struct gp_profile *p;
	int fd;

	bool is_stdin = !strcmp(path, "-");

	fd = is_stdin ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0)
		      : asuser_open_read(path, true, NULL, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "gilprof flamegraph: %s\n", is_stdin ? strerror(errno) : err);
		return NULL;
	}
	if (output_check_not_input(out, fd)) {
		close(fd);
		*ret = 2;
		return NULL;
	}
	p = profile_new(o->unit ? o->unit : "samples", &pe);
	if (!p) {
		close(fd);
	} else if (folded_read_fd(p, fd, is_stdin ? "stdin" : path, o->kind, &pe)) {
		profile_free(p);
		p = NULL;
	}
	if (!p)
		fprintf(stderr, "gilprof flamegraph: %s\n", pe.msg);
	return p;
}

struct render_ctx {
	const struct gp_profile *p;
	const struct gp_flamegraph_opts *o;
};

static int render(struct gz_writer *w, void *ctx, struct prof_err *pe)
{
	struct render_ctx *rc = ctx;

	return flamegraph_emit(rc->p, rc->o, w, pe);
}

int cmd_flamegraph(int argc, char **argv)
{
	struct gp_flamegraph_opts o;
	struct render_ctx rc = {NULL, &o};
	struct gp_output out;
	struct gp_profile *p;
	struct gp_creds creds;
	const char *outpath = NULL;
	char err[256];
	int ret = 2;

	flamegraph_opts_init(&o);
	if (parse(argc, argv, &o, &outpath))
		return 2;
	if (optind != argc - 1 || !outpath) {
		fprintf(stderr, "gilprof flamegraph: need one input file and -o OUT.svg "
				"(see 'gilprof flamegraph --help')\n");
		return 2;
	}
	if (creds_from_env(&creds, err, sizeof(err))) {
		fprintf(stderr, "gilprof: %s\n", err);
		return 2;
	}
	if (asuser_start(&creds, err, sizeof(err))) {
		fprintf(stderr, "gilprof: %s\n", err);
		return 1;
	}
	if (output_open(&out, "-o", outpath))
		goto out;
	ret = 1;
	p = input_read(argv[optind], &o, &out, &ret);
	if (!p) {
		output_discard(&out);
		goto out;
	}
	rc.p = p;
	ret = output_write_gz(&out, FLAMEGRAPH_GZ_LEVEL, false, render, &rc) ? 1 : 0;
	profile_free(p);
out:
	asuser_stop();
	return ret;
}
