// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cmd.h"
#include "cli/workloads.h"

const struct gp_workload gp_workloads[] = {
	{"countdown", "count down from COUNT in one thread, N threads or N processes"},
	{"sleepy", "square and cube a list, sleeping 200 ms per step (sleep releases the GIL)"},
	{"crunch", "square and cube a list with a CPU loop per step: threads vs processes"},
	{"race", "4 threads x 1000 increments: GIL only, with a delay, with a lock"},
	{"startup", "cost of starting workers as threads, forks, spawns; memory isolation"},
	{"convoy", "an I/O thread's call latency beside a CPU-bound thread"},
	{"squares", "sum of squares of 1..N split over threads vs processes"},
};
const size_t gp_nworkloads = sizeof(gp_workloads) / sizeof(gp_workloads[0]);

const struct gp_workload *workload_find(const char *name)
{
	size_t i;

	for (i = 0; i < gp_nworkloads; i++) {
		if (!strcmp(gp_workloads[i].name, name))
			return &gp_workloads[i];
	}
	return NULL;
}

int workload_path(const char *name, char *buf, size_t len)
{
	const char *dir = getenv("GILPROF_WORKLOADS");
	char self[PATH_MAX];
	ssize_t n;

	if (dir && *dir) {
		snprintf(buf, len, "%s/%s", dir, name);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return -errno;
		self[n] = 0;
		/* build/san/gilprof is the sanitizer twin of build/gilprof */
		snprintf(buf, len, "%s/workloads/%s", dirname(self), name);
		if (access(buf, X_OK) && strstr(buf, "/san/workloads/")) {
			snprintf(buf, len, "%s/../workloads/%s", self, name);
		}
	}
	return access(buf, X_OK) ? -errno : 0;
}

void workload_names(char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = 0;
	for (i = 0; i < gp_nworkloads && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "", gp_workloads[i].name);
}

int cmd_workloads(int argc, char **argv)
{
	char path[PATH_MAX];
	size_t i;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: gilprof workloads\n\nList the bundled workloads; run one with "
		       "'sudo gilprof run NAME [its options]' ('NAME --help' for them).\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "gilprof workloads: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	for (i = 0; i < gp_nworkloads; i++) {
		int err = workload_path(gp_workloads[i].name, path, sizeof(path));

		printf("  %-10s %s%s\n", gp_workloads[i].name, gp_workloads[i].help,
		       err ? "  [not built]" : "");
	}
	return 0;
}
