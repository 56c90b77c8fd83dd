/* SPDX-License-Identifier: GPL-2.0 */
/* One traced run, shared by 'gilprof run' and the default experiment. */
#ifndef GP_RUN_H
#define GP_RUN_H

#include <stdbool.h>
#include "collect/collector.h"
#include "util/creds.h"
#include "symbolize/locknames.h"
#include "model/model.h"
#include "export/output.h"
#include "model/stacks.h"
#include "symbolize/unwind.h"

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
	struct gp_creds creds; /* who invoked sudo: the target runs as, and files are opened by */
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

/* The files a run writes, by the option that names them. */
enum gp_out_id {
	GP_OUT_TEXT, /* -o, else stdout */
	GP_OUT_JSON,
	GP_OUT_FOLDED,
	GP_OUT_FLAMEGRAPH,
	GP_OUT_PPROF,
	GP_OUT_SPEEDSCOPE,
	GP_OUT_COUNT
};

struct gp_run_outputs {
	struct gp_output o[GP_OUT_COUNT]; /* .open for those asked for */
};

void run_opts_init(struct gp_run_opts *o);
/* Any profile output asked for: take on-CPU samples and off-CPU stacks too. */
bool run_wants_profiles(const struct gp_run_opts *o);
/* Trace argv to its end. Returns 0 with res filled, or an exit status after printing why. */
int run_traced(const struct gp_run_opts *o, char *const argv[], struct gp_run_result *res);
/* Write every output of ro (and release them); returns 0, 1 when one failed, 2 for --lock. */
int run_report(const struct gp_run_opts *o, struct gp_run_result *res, char *const argv[],
	       struct gp_run_outputs *ro);
void run_result_free(struct gp_run_result *res);
struct gp_report;
/* Open every output of o, as the user, before tracing: -1 after printing one line. */
int run_outputs_open(const struct gp_run_opts *o, struct gp_run_outputs *ro);
/* Nothing of the outputs is left under any name. */
void run_outputs_discard(struct gp_run_outputs *ro);
/* Write the profile outputs asked for; prints why and returns 1 on failure. */
int run_profile_outputs(const struct gp_run_opts *o, const struct gp_report *r,
			struct gp_run_outputs *ro);
/* The embedded default: countdown with 1 thread, N threads and N processes, side by side. */
int run_default(const struct gp_run_opts *o);

#endif
