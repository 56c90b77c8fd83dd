/* SPDX-License-Identifier: GPL-2.0 */
/* One traced run, shared by 'gilprof run' and the default experiment. */
#ifndef GP_RUN_H
#define GP_RUN_H

#include <stdbool.h>
#include "collector.h"
#include "locknames.h"
#include "model.h"
#include "stacks.h"
#include "unwind.h"

#define GP_UNWIND_STOPS (GP_UNWIND_BAD_CFA + 1)

struct gp_run_opts {
	const char *output, *json, *lock;
	const char *folded, *flamegraph, *pprof, *speedscope; /* profile outputs */
	int view; /* enum gp_view for folded, flamegraph, speedscope */
	unsigned freq; /* on-CPU samples per second when a profile output is asked for */
	bool as_root, status, verbose, dashdash;
	bool quiet; /* the target's stdout goes to /dev/null */
	bool call_graph_dwarf; /* --call-graph dwarf: unwind user stacks from CFI */
	bool lines; /* --lines: source file:line in stack frames */
	unsigned buffer_mb, top_locks, top_pairs;
	char **argv; /* the command, NULL-terminated; argv[0] NULL when none was given */
};

struct gp_run_result {
	struct gp_model *model; /* finished */
	struct gp_locknames *names;
	struct gp_stacks *stacks;
	struct gp_collector_stats stats;
	uint64_t start_ts, end_ts;
	int exit_status; /* shell-style */
	uint64_t
		unwind_stops[GP_UNWIND_STOPS]; /* why DWARF unwinds ended, by enum gp_unwind_stop */
};

void run_opts_init(struct gp_run_opts *o);
/* Any profile output asked for: take on-CPU samples and off-CPU stacks too. */
bool run_wants_profiles(const struct gp_run_opts *o);
/* Trace argv to its end. Returns 0 with res filled, or an exit status after printing why. */
int run_traced(const struct gp_run_opts *o, char *const argv[], struct gp_run_result *res);
int run_report(const struct gp_run_opts *o, struct gp_run_result *res, char *const argv[]);
void run_result_free(struct gp_run_result *res);
struct gp_report;
/* Write the profile outputs asked for; prints why and returns 1 on failure. */
int run_profile_outputs(const struct gp_run_opts *o, const struct gp_report *r);
/* The embedded default: countdown with 1 thread, N threads and N processes, side by side. */
int run_default(const struct gp_run_opts *o);

#endif
