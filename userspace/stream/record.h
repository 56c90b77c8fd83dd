/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recorder: a sink of the event stream that writes a recording (stream/recfmt.h) as it goes,
 * to a descriptor it does not own. Events are buffered and handed by recorder_flush(), with the
 * stacks and names added since the last, to a thread of its own that encodes, compresses and
 * writes them as chunks, so the caller's loop goes on reading meanwhile.
 */
#ifndef GP_RECORD_H
#define GP_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include "model/event.h"
#include "stream/trace.h"

struct gp_recorder;

/* What META holds: the trace's start, how it was taken. */
struct gp_rec_meta {
	unsigned ncpus, freq;
	bool lines, attached;
	uint64_t start_ts;
	uint64_t start_wall_ns; /* the same moment on CLOCK_REALTIME */
	char *const *argv;
};

/* Write the header and META to fd. Returns NULL after printing one line. */
struct gp_recorder *recorder_start(int fd, const char *path, const struct gp_rec_meta *m);
/* Buffer one ordered event; non-zero only on allocation failure. */
int recorder_event(struct gp_recorder *r, const union gp_event *e);
/* Raw event bytes waiting and nanoseconds since the last flush, for the flush policy. */
size_t recorder_pending(const struct gp_recorder *r);
/* Write what is buffered: new stacks of s, changed names of names, then the events; 0, or
 * -errno of an earlier write. */
int recorder_flush(struct gp_recorder *r, const struct gp_stacks *s,
		   const struct gp_nametab *names);
/* The last flush, then END from t. 0, or -errno after printing one line. */
int recorder_finish(struct gp_recorder *r, const struct gp_trace *t);
uint64_t recorder_bytes(struct gp_recorder *r);
uint64_t recorder_events(const struct gp_recorder *r);
/* Frees r (the descriptor stays the caller's). */
void recorder_free(struct gp_recorder *r);

#endif
