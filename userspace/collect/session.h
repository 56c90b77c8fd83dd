/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A live session: the collector's events (collect/) through the stack stage into the sinks, the
 * model and, when asked, the recorder; at the end every name the trace needs is looked up while
 * the traced processes' files are still at hand. The traced processes are a command it launches
 * (traced from its exec to its exit) or running processes it attaches to (from the attach until
 * the duration ends, a signal, or they all exit).
 *
 *   collector --raw--> locknames (mappings, while the process lives)
 *             --stack--> stack stage --> stacks
 *             --ordered--> model, recorder
 */
#ifndef GP_SESSION_H
#define GP_SESSION_H

#include <sched.h>
#include <stdbool.h>
#include "stream/trace.h"
#include "util/creds.h"
#include "util/output.h"

struct gp_session_opts {
	unsigned buffer_mb;
	unsigned freq; /* on-CPU samples per second, with profiles */
	bool profiles; /* stacks: on-CPU samples, off-CPU and futex stacks */
	bool call_graph_dwarf, lines, verbose, status;
	bool quiet; /* the command's stdout goes to /dev/null */
	bool stdout_to_stderr; /* to gilprof's stderr: gilprof's stdout carries a recording or JSON */
	bool stdout_to_fd; /* to stdout_fd, a descriptor of the caller's (a memfd it reads after) */
	int stdout_fd;
	const cpu_set_t *cpus; /* the command and all it starts run on these CPUs; NULL: any */
	const struct gp_creds *creds; /* the target runs as this user; NULL: as root */
	char *const *argv; /* launch this command (argv[0] a path or a name on PATH), or NULL */
	const int *pids; /* or attach to these processes (npids of them) */
	size_t npids;
	unsigned duration_s; /* attached: stop after this many seconds (0: at a signal or exit) */
	struct gp_output *record; /* open: record the trace there, published once tracing starts */
};

/* Recording figures for the summary line. */
struct gp_session_info {
	uint64_t rec_events, rec_bytes, lost;
};

/* Trace to the end. 0 with t filled, or an exit status after printing why. */
int session_run(const struct gp_session_opts *o, struct gp_trace *t, struct gp_session_info *info);

#endif
