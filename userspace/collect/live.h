/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A live trace that goes on until it is stopped (gilprof monitor, gilprof top): the collector's
 * events feed a model cut into windows of a fixed length (model_split), each handed to the
 * caller once the stream has passed its end, then freed, so memory holds one window. What is
 * traced: processes attached to (-p), a command launched (top -- CMD), or processes followed as
 * they start (by name, or all), with those of that kind already running attached at the start.
 * The caller runs the poll loop: live_fd() with its own descriptors, then live_poll().
 *
 *   collector --ordered--> window model --cut every interval--> on_window(finished model)
 *             --raw------> locknames (mappings while the process lives)
 *             --stack----> stack stage
 */
#ifndef GP_LIVE_H
#define GP_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "model/model.h"
#include "stream/trace.h"
#include "symbolize/nametab.h"
#include "util/creds.h"

struct gp_live_opts {
	unsigned buffer_mb;
	bool stacks; /* futex waiter and release stacks */
	bool call_graph_dwarf;
	bool verbose;
	uint64_t interval_ns; /* window length */
	const struct gp_creds *creds; /* a launched command runs as this user; NULL: as root */
	char *const *argv; /* launch this (stdin, stdout, stderr on /dev/null) ... */
	const int *pids; /* ... or attach to these ... */
	size_t npids;
	const char *const *comms; /* ... or follow processes of these names ... */
	size_t ncomms;
	bool all; /* ... or every process */
	long long uid; /* following: only this user's processes, -1 for anyone's */
};

/* One window: its model is finished at end; stats hold what the kernel counted in it. */
struct gp_live_window {
	struct gp_model *model;
	uint64_t start, end;
	struct gp_trace_stats stats; /* drops and per-CPU time over the window */
	struct gp_trace_stats total; /* and since the start */
};

typedef int (*gp_live_window_fn)(void *ctx, const struct gp_live_window *w);
/* Every event in stream order (before the window model sees it), for a flight recorder. */
typedef int (*gp_live_event_fn)(void *ctx, const union gp_event *e);
/* A cut at ts: the next window's model, whose threads are what the stream carries over. */
typedef int (*gp_live_cut_fn)(void *ctx, uint64_t ts, const struct gp_model *next,
			      const struct gp_trace_stats *total);

struct gp_live_hooks {
	gp_live_window_fn on_window;
	gp_live_event_fn on_event; /* may be NULL */
	gp_live_cut_fn on_cut; /* may be NULL */
	void *ctx;
};

struct gp_live;

/* Load the BPF programs, start what is traced. 0, or an exit status after one line. */
int live_start(const struct gp_live_opts *o, const struct gp_live_hooks *h, struct gp_live **out);
/* Readable when there are events to read (poll it with a timeout: the producers batch). */
int live_fd(const struct gp_live *l);
/* Read what is there; every window whose end the stream has passed goes to on_window.
 * 0, or a hook's error or -errno. */
int live_poll(struct gp_live *l);
/* -p or a command: every traced process is gone (never when following). */
bool live_over(struct gp_live *l);
/* Stop tracing (and end a launched command's tree); the last window goes to on_window.
 * Returns the launched command's exit status, else 0; -errno on failure. */
int live_stop(struct gp_live *l);
void live_free(struct gp_live *l);

/* Naming for the windows' reports: the live symbolizer, kept while the processes live. */
struct gp_namer live_namer(struct gp_live *l);
struct gp_stacks *live_stacks(struct gp_live *l);
/* How many processes were attached at the start (-p, or those found running). */
size_t live_attached(const struct gp_live *l);
/* What the traced processes are called: "pid 4242 (python3)", "comm python3", "all". */
const char *live_label(const struct gp_live *l);
uint64_t live_start_ts(const struct gp_live *l);
/* The source's totals now, and the time the stream has been read up to. 0 or -errno. */
int live_totals(struct gp_live *l, struct gp_trace_stats *st, uint64_t *ts);
/* Events lost so far, for a status line. */
uint64_t live_lost(const struct gp_live *l);
uint64_t live_received(const struct gp_live *l);
/* Processes whose mapping snapshots are held (bounded by those alive, plus the grace). */
size_t live_names_held(const struct gp_live *l);

#endif
