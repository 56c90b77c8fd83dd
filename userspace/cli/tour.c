// SPDX-License-Identifier: GPL-2.0
/*
 * gilprof run with no command: the tour (analyze/tour.h), every experiment or the one named,
 * each mode a traced run of a bundled workload. The text goes to stdout once all ran, progress
 * to stderr as it goes, and with --json the figures to a file. The workloads' own output is
 * discarded, but for the race, whose printed total is the count of lost updates: its stdout is
 * a memfd, the only descriptor of gilprof's it is handed.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "analyze/report.h"
#include "analyze/tour.h"
#include "cli/cmd.h"
#include "cli/workloads.h"
#include "collect/session.h"
#include "export/outputs.h"
#include "export/tour_json.h"
#include "export/tour_text.h"

#define TOUR_OUTPUT_MAX (1 << 20) /* of a workload's stdout that is read */

struct tour_ctx {
	const struct gp_session_opts *o;
	unsigned n; /* N: online CPUs, at least 2 */
	cpu_set_t one_cpu; /* for pinned modes: the first CPU gilprof may use */
};

static uint64_t tour_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The command of a mode: the workload's path, then its arguments with N for "N". */
static int tour_argv(const struct tour_ctx *c, const struct gp_tour_mode_def *d, char *path,
		     size_t len, char *num, char **argv, char *cmd, size_t cmdlen)
{
	size_t used, i;

	if (workload_path(d->workload, path, len)) {
		fprintf(stderr, "gilprof: the %s workload %s\n", d->workload, path);
		return 1;
	}
	snprintf(num, 16, "%u", c->n);
	argv[0] = path;
	used = snprintf(cmd, cmdlen, "%s", d->workload);
	for (i = 0; d->args[i]; i++) {
		argv[i + 1] = strcmp(d->args[i], "N") ? (char *)d->args[i] : num;
		if (used < cmdlen)
			used += snprintf(cmd + used, cmdlen - used, " %s", argv[i + 1]);
	}
	argv[i + 1] = NULL;
	return 0;
}

/* What the workload printed, from the start of its memfd. */
static void tour_read_output(int fd, struct gp_tour_fig *f)
{
	char *buf = malloc(TOUR_OUTPUT_MAX + 1);
	ssize_t n;

	if (!buf)
		return;
	n = pread(fd, buf, TOUR_OUTPUT_MAX, 0);
	buf[n > 0 ? n : 0] = 0;
	if (tour_parse_result(buf, f))
		fprintf(stderr, "gilprof: %s printed no result line\n", f->label);
	free(buf);
}

/* The figures of a finished trace; 0 or 1 after a line. */
static int tour_analyse(struct gp_trace *t, struct gp_tour_fig *f)
{
	struct gp_report_opts ro = {0};
	struct gp_report r;
	int err = report_init(&r, t, &ro);

	if (!err)
		err = tour_measure(&r, f);
	report_free(&r);
	if (err)
		fprintf(stderr, "gilprof: out of memory\n");
	return err ? 1 : 0;
}

/* One mode: traced, measured; 0, or an exit status after a line. */
static int tour_mode(const struct tour_ctx *c, struct gp_tour_run *run, unsigned i)
{
	const struct gp_tour_mode_def *d = &run->def->modes[i];
	struct gp_tour_fig *f = &run->fig[i];
	char path[PATH_MAX], num[16], *argv[GP_TOUR_ARGS + 2];
	struct gp_session_opts q = *c->o;
	struct gp_session_info info;
	struct gp_trace t;
	int ret, fd = -1;

	snprintf(f->label, sizeof(f->label), d->label, c->n);
	if (tour_argv(c, d, path, sizeof(path), num, argv, run->command[i],
		      sizeof(run->command[i])))
		return 1;
	if (d->result && (fd = memfd_create("gilprof-tour-output", MFD_CLOEXEC)) < 0) {
		fprintf(stderr, "gilprof: memfd_create: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "gilprof: tracing %s%s%s...\n",
		strncmp(f->label, d->workload, strlen(d->workload)) ? d->workload : "",
		strncmp(f->label, d->workload, strlen(d->workload)) ? " " : "", f->label);
	q.status = false;
	q.quiet = true; /* the workloads' own tables would bury the comparison */
	q.stdout_to_fd = fd >= 0;
	q.stdout_fd = fd;
	q.cpus = d->pin ? &c->one_cpu : NULL;
	q.argv = argv;
	ret = session_run(&q, &t, &info);
	if (!ret) {
		ret = tour_analyse(&t, f);
		trace_free(&t);
	}
	if (!ret && fd >= 0)
		tour_read_output(fd, f);
	if (fd >= 0)
		close(fd);
	if (!ret && f->exit_status) {
		fprintf(stderr, "gilprof: %s exited with status %d\n", run->command[i],
			f->exit_status);
		ret = 1;
	}
	return ret;
}

static int tour_experiment(const struct tour_ctx *c, const struct gp_tour_def *def,
			   struct gp_tour_run *run)
{
	int ret = 0;

	run->def = def;
	for (unsigned i = 0; i < def->nmodes && !ret; i++)
		ret = tour_mode(c, run, i);
	return ret;
}

static void tour_free(struct gp_tour *t)
{
	for (size_t i = 0; i < t->nruns; i++)
		for (unsigned m = 0; m < GP_TOUR_MODES; m++)
			tour_fig_free(&t->runs[i].fig[m]);
	free(t);
}

static int write_text(FILE *f, void *ctx)
{
	return tour_text(f, ctx);
}

static int write_json(FILE *f, void *ctx)
{
	return tour_json(f, ctx);
}

static void tour_ctx_init(struct tour_ctx *c, const struct gp_session_opts *o)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t mine;
	int cpu = 0;

	c->o = o;
	c->n = online > 2 ? (unsigned)online : 2;
	/* the first CPU gilprof itself may run on: the pinned modes' */
	if (!sched_getaffinity(0, sizeof(mine), &mine))
		while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &mine))
			cpu++;
	CPU_ZERO(&c->one_cpu);
	CPU_SET(cpu, &c->one_cpu);
}

int tour_run(const struct gp_session_opts *o, const char *name, const char *json)
{
	struct gp_out_req req[GP_OUT_COUNT] = {{"-", "the tour's text"}, {json, "--json"}};
	const struct gp_tour_def *only = name ? tour_find(name) : NULL;
	struct gp_outputs outs;
	struct tour_ctx c;
	struct gp_tour *t;
	uint64_t start = tour_now();
	int ret = 0;

	if (outputs_open(req, &outs))
		return 2;
	t = calloc(1, sizeof(*t));
	if (!t) {
		fprintf(stderr, "gilprof: out of memory\n");
		outputs_discard(&outs);
		return 1;
	}
	tour_ctx_init(&c, o);
	t->ncpus = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	t->n = c.n;
	for (size_t i = 0; i < GP_TOUR_COUNT && !ret; i++) {
		if (only && only != &gp_tours[i])
			continue;
		ret = tour_experiment(&c, &gp_tours[i], &t->runs[t->nruns++]);
	}
	t->wall_ns = tour_now() - start;
	if (ret) {
		outputs_discard(&outs);
	} else {
		if (outs.o[GP_OUT_JSON].open && output_write(&outs.o[GP_OUT_JSON], write_json, t))
			ret = 1;
		if (output_write(&outs.o[GP_OUT_TEXT], write_text, t))
			ret = 1;
	}
	tour_free(t);
	return ret;
}
