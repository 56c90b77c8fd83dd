/* SPDX-License-Identifier: GPL-2.0 */
/* gilprof monitor's options (cmd_monitor.c parses them) and its loop (monitor.c). */
#ifndef GP_MONITOR_H
#define GP_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include "analyze/trigger.h"
#include "cli/opts.h"

#define GP_MAX_TRIGGERS 4

struct gp_monitor_args {
	struct gp_cli_session ses; /* -p, --buffer-mb, --call-graph, -v */
	struct gp_creds creds;
	char comms[GP_FOLLOW_COMMS][GP_COMM_LEN];
	size_t ncomms;
	bool all, dump;
	const char *metrics; /* [ADDR:]PORT */
	double interval; /* seconds */
	unsigned top_locks, max_procs;
	double flight; /* seconds kept, 0: no flight recorder */
	const char *flight_dir;
	unsigned flight_mb;
	struct gp_trigger triggers[GP_MAX_TRIGGERS];
	size_t ntriggers;
	double pprof_every;
	const char *pprof_dir;
	char **rest;
};

/* --trigger RULE: 0, or -1 after one line. */
int monitor_trigger_opt(struct gp_monitor_args *a, const char *rule);
/* Trace until stopped; the exit status. */
int monitor_run(struct gp_monitor_args *a);
struct gp_live;
struct gp_live_window;
struct gp_profile;
/* --pprof-every: DIR is the user's to write (2 after one line otherwise). */
int monitor_pprof_check(const struct gp_monitor_args *a);
/* Add a window to the period's profile; write and restart it when the period is over. */
void monitor_pprof_window(struct gp_live *live, const struct gp_live_window *w,
			  struct gp_profile **acc, uint64_t *start,
			  const struct gp_monitor_args *a);
/* --dump [PID]: ask a running monitor to write its flight recording. The exit status. */
int monitor_dump_request(const char *pid);

#endif
