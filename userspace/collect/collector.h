/* SPDX-License-Identifier: GPL-2.0 */
/* The live event source: loads the BPF programs, follows a set of processes, and hands the
 * decoded events to a consumer in time order. */
#ifndef GP_COLLECTOR_H
#define GP_COLLECTOR_H

#include <stdbool.h>
#include <stdint.h>
#include "model/event.h"
#include "stream/trace.h"

/* Called for every event in time order. Non-zero stops the collection with that error. */
typedef int (*gp_event_fn)(void *ctx, const union gp_event *e);
/* Called for every event as soon as it is read, before reordering: for work that must happen
 * while the traced process is still alive (snapshotting its mappings). */
typedef void (*gp_raw_fn)(void *ctx, const union gp_event *e);

/* Called for every stack record as it is read: intern it and fill the reference that takes its
 * place in the ordered stream. Non-zero drops the stack. */
typedef int (*gp_stack_fn)(void *ctx, const struct gp_ev_stack *st,
			   const struct gp_ev_stack_dwarf *dw /* NULL without a slice */,
			   const struct gp_py_stack *py /* NULL without Python frames */,
			   struct gp_ev_stackref *ref);

struct gp_collector_opts {
	unsigned buffer_mb; /* ring buffer size, power of two MiB */
	gp_event_fn on_event;
	gp_raw_fn on_raw;
	gp_stack_fn on_stack; /* NULL: stacks are not taken at all */
	bool stack_slices; /* copy user stack slices for DWARF unwinding */
	bool offcpu_stacks; /* a stack at every blocking switch-out */
	unsigned sample_hz; /* on-CPU stack samples per second per CPU, 0 for none */
	bool no_py_frames; /* native stacks only, even for the processes marked as Python */
	bool py_timing; /* time the Python walks into the py_times map (make bench) */
	void *ctx;
	bool verbose; /* libbpf debug output */
	/* start tracing processes as they exec (enum gp_follow): those named follow_comm[], or
	 * all, of the user follow_uid (-1: of anyone) */
	unsigned follow;
	const char *follow_comm[GP_FOLLOW_COMMS];
	unsigned nfollow_comm;
	long long follow_uid;
};

struct gp_collector;

/* Check what tracing needs (root, BTF, a BPF ring buffer); on failure write one line into err. */
int collector_check_env(char *err, size_t errlen);
int collector_open(const struct gp_collector_opts *opts, struct gp_collector **out, char *err,
		   size_t errlen);
/* Mark the task pidfd names (a process, or a thread with PIDFD_THREAD) traced as m says: 0, or
 * -EEXIST when it is already (a traced task forked it), or another -errno. */
int collector_mark(struct gp_collector *c, int pidfd, const struct gp_task_mark *m);
/* After marking tasks that may be on a CPU: every CPU looks its current task up again. */
void collector_marks_done(struct gp_collector *c);
/* Mark the launched command (stopped before its exec) traced; its exit ends collector_poll's
 * wait. */
int collector_trace_pid(struct gp_collector *c, int pid);
/* The end of the process pidfd holds ends collector_poll's wait (once); pidfd stays the
 * caller's. 0 or -errno. */
int collector_watch(struct gp_collector *c, int pidfd);
/* Walk the Python frames of tgid's threads in its stacks, as walk says (NULL: stop): 0 or
 * -errno. */
int collector_py_mark(struct gp_collector *c, uint32_t tgid, const struct gp_py_proc *walk);
/* An event made in userspace (an attached thread), into the stream in time order. */
int collector_inject(struct gp_collector *c, const union gp_event *e);
/* Turn the probes on; returns the CLOCK_MONOTONIC time at which they were. */
uint64_t collector_enable(struct gp_collector *c);
/* Wait up to timeout_ms for events and deliver those old enough to be in order. */
int collector_poll(struct gp_collector *c, int timeout_ms);
/* Turn the probes off, drain and deliver everything left; returns the end time. */
int collector_stop(struct gp_collector *c, uint64_t *end_ts);
int collector_read_stats(struct gp_collector *c, uint64_t end_ts, struct gp_trace_stats *st);
uint64_t collector_received(const struct gp_collector *c);
/* A descriptor that polls readable when collector_poll has events to read. */
int collector_fd(const struct gp_collector *c);
/* The time of the oldest event read but not yet delivered (UINT64_MAX when none): every event
 * before it has been delivered, once the holdback after it has passed. */
uint64_t collector_oldest_pending(const struct gp_collector *c);
/* Events lost so far (all BPF drop causes plus malformed records), for the status line. */
uint64_t collector_lost(const struct gp_collector *c);
/* Possible CPUs: the size of per-CPU data and the model's CPU tables. */
unsigned collector_ncpus(void);
void collector_close(struct gp_collector *c);

uint64_t monotonic_ns(void);

#endif
