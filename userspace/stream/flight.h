/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flight recorder: the last seconds of a live trace's events, kept in memory and written as
 * a recording (recfmt.h) on demand, for gilprof report. Events are kept in blocks, one per window
 * of the live trace, each compressed as a recording's EVENTS chunk once the window ends (about
 * 4-10 bytes an event); blocks older than the span asked for, or past the memory bound, go.
 *
 *   block [12.000 s, 13.000 s): ATTACH for each thread alive at 12.000 s, then the events
 *   block [13.000 s, 14.000 s): ...
 *   dump = META, STACKS (the live table), EVENTS of the blocks kept, NAMES, END
 *
 * Each block opens with what an attach would say of every thread alive at its start (from the
 * live model), so a recording that starts at any block reads as an attach at its start: threads
 * are accounted from there, a futex wait in progress counts from there.
 */
#ifndef GP_FLIGHT_H
#define GP_FLIGHT_H

#include <stddef.h>
#include <stdint.h>
#include "model/model.h"
#include "model/stacks.h"
#include "stream/trace.h"
#include "symbolize/nametab.h"

struct gp_flight;

struct gp_flight *flight_new(uint64_t keep_ns, size_t max_bytes);
void flight_free(struct gp_flight *f);
/* A window ends at ts: seal the block, start the next with the threads next carries, and
 * total (the source's totals at ts) as its start. 0, or -ENOMEM. */
int flight_cut(struct gp_flight *f, uint64_t ts, const struct gp_model *next,
	       const struct gp_trace_stats *total);
/* An event of the stream, in order. 0, or -ENOMEM. */
int flight_event(struct gp_flight *f, const union gp_event *e);
/* Bytes held, and the span of time they cover. */
size_t flight_bytes(const struct gp_flight *f);
uint64_t flight_span(const struct gp_flight *f, uint64_t now_ts);

struct gp_flight_dump {
	char *const *argv; /* what the recording says was traced */
	unsigned ncpus;
	const struct gp_stacks *stacks; /* the live stack table the events refer to */
	const struct gp_namer *namer; /* the live namer, for its stacks and futex words */
	const struct gp_trace_stats *total; /* the source's totals now */
	uint64_t end_ts;
};

/*
 * Write what is kept as a recording to fd (path for messages). 0 with the number of events
 * written in *events, or -errno after printing one line.
 */
int flight_dump(struct gp_flight *f, int fd, const char *path, const struct gp_flight_dump *d,
		uint64_t *events);

#endif
