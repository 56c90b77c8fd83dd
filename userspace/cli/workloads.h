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
/* The binary next to gilprof: DIR_OF_GILPROF/workloads/NAME (or GILPROF_WORKLOADS/NAME). */
int workload_path(const char *name, char *buf, size_t len);
/* "countdown, sleepy, ..." for error messages. */
void workload_names(char *buf, size_t len);

#endif
