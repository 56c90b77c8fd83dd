/* SPDX-License-Identifier: GPL-2.0 */
/* The bundled workloads: names, one-line descriptions, and where their binaries live. */
#ifndef GP_WORKLOADS_H
#define GP_WORKLOADS_H

#include <stddef.h>

struct gp_workload {
	const char *name;
	const char *help;
};

extern const struct gp_workload gp_workloads[];
extern const size_t gp_nworkloads;

const struct gp_workload *workload_find(const char *name);
/*
 * The workload's binary: GILPROF_WORKLOADS/NAME when that is set (an absolute path), else the
 * build tree's, DIR_OF_GILPROF/workloads/NAME, else the installed one, LIBEXECDIR/NAME, when
 * nobody but root can change it. 0 with the path in buf, or -errno with where it looked or why
 * it refused in buf.
 */
int workload_path(const char *name, char *buf, size_t len);
/* "countdown, sleepy, ..." for error messages. */
void workload_names(char *buf, size_t len);

#endif
