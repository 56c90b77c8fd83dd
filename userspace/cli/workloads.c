// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gp_paths.h" /* GP_LIBEXECDIR: the Makefile's, where make install puts the workloads */
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

/* The build tree: DIR_OF_GILPROF/workloads/NAME; build/san/gilprof uses build/workloads/. */
static int workload_in_build(const char *name, char *buf, size_t len)
{
	char self[PATH_MAX], *dir;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = 0;
	dir = dirname(self);
	snprintf(buf, len, "%s/workloads/%s", dir, name);
	if (access(buf, X_OK) && strstr(buf, "/san/workloads/"))
		snprintf(buf, len, "%s/../workloads/%s", dir, name);
	return access(buf, X_OK) ? -errno : 0;
}

/*
 * Could anyone but root (or whoever owns gilprof's own binary, who decides what root runs
 * anyway) change what path names? gilprof runs as root, and what it finds here runs as root when
 * root itself called it: a directory another user may write on the way from / would let that
 * user swap the workload. A sticky directory (/tmp) is safe when the entry in it is ours, as
 * others cannot rename or remove it; the next component's check sees to that. path is
 * canonical (realpath), so no component is a link. 0, or -EPERM with why in why.
 */
static int path_trusted(const char *path, uid_t owner, char *why, size_t len)
{
	char sub[PATH_MAX];
	struct stat st;
	size_t i, n = strlen(path);

	for (i = 0; i <= n; i++) {
		if (path[i] != '/' && path[i] != 0)
			continue;
		snprintf(sub, sizeof(sub), "%.*s", (int)(i ? i : 1), path); /* "/" first */
		if (lstat(sub, &st)) {
			snprintf(why, len, "%s: %s", sub, strerror(errno));
			return -errno;
		}
		if (S_ISLNK(st.st_mode) || (st.st_uid && st.st_uid != owner)) {
			snprintf(why, len, "%s belongs to uid %u, not root", sub,
				 (unsigned)st.st_uid);
			return -EPERM;
		}
		if (st.st_mode & (S_IWGRP | S_IWOTH) &&
		    !(S_ISDIR(st.st_mode) && i < n && st.st_mode & S_ISVTX)) {
			snprintf(why, len, "%s is writable by others than its owner (mode %04o)",
				 sub, (unsigned)st.st_mode & 07777);
			return -EPERM;
		}
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, len, "%s is not a regular file", path);
		return -EPERM;
	}
	return 0;
}

/* The installed workloads, in LIBEXECDIR as make install put them: only if root's alone. */
static int workload_installed(const char *name, char *buf, size_t len)
{
	char dir[PATH_MAX], why[PATH_MAX + 64];
	struct stat self;
	int err;

	if (GP_LIBEXECDIR[0] != '/')
		return -EINVAL;
	if (!realpath(GP_LIBEXECDIR, dir))
		return -errno;
	if (stat("/proc/self/exe", &self))
		self.st_uid = 0;
	snprintf(buf, len, "%s/%s", dir, name);
	err = access(buf, X_OK) ? -errno : path_trusted(buf, self.st_uid, why, sizeof(why));
	if (err == -EPERM)
		snprintf(buf, len, "is not run from %s: %s", dir, why);
	return err;
}

int workload_path(const char *name, char *buf, size_t len)
{
	const char *dir = getenv("GILPROF_WORKLOADS");
	char build[PATH_MAX];
	int err;

	/* an explicit choice, but never one that depends on the current directory */
	if (dir && *dir) {
		if (dir[0] != '/') {
			snprintf(buf, len,
				 "is not looked for: GILPROF_WORKLOADS=%s is not absolute", dir);
			return -EINVAL;
		}
		snprintf(buf, len, "%s/%s", dir, name);
		err = access(buf, X_OK) ? -errno : 0;
		if (err)
			snprintf(buf, len, "is not in GILPROF_WORKLOADS=%s (%s)", dir,
				 strerror(-err));
		return err;
	}
	err = workload_in_build(name, build, sizeof(build));
	if (!err)
		snprintf(buf, len, "%s", build);
	else if (err != -ENOENT)
		snprintf(buf, len, "cannot be run: %s: %s", build, strerror(-err));
	if (err != -ENOENT)
		return err;
	err = workload_installed(name, buf, len);
	if (err && err != -EPERM)
		snprintf(buf, len, "is not built: neither in %s nor in %s (run 'make')",
			 dirname(build), GP_LIBEXECDIR);
	return err;
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
		       err == -EPERM ? "  [not run: see 'gilprof run NAME']"
		       : err	     ? "  [not built]"
				     : "");
	}
	return 0;
}
