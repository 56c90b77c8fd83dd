/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time order for events read from several sources at once (the per-CPU slot rings, each in
 * order, and the ring buffer, nearly in order).
 */
#ifndef GP_EVSORT_H
#define GP_EVSORT_H

#include <stdbool.h>
#include "model/event.h"

/*
 * Whether a goes strictly before b: by timestamp, and at equal timestamps a stack after the
 * other events. A program stamps a stack with the time of the event it belongs to (a futex
 * wait, a switch-out), but sends the two through different buffers.
 */
static inline bool event_before(const union gp_event *a, const union gp_event *b)
{
	if (a->h.ts != b->h.ts)
		return a->h.ts < b->h.ts;
	return a->h.type != GP_EV_STACKREF && b->h.type == GP_EV_STACKREF;
}

/* Stable sort of n events by event_before; linear on sorted input, n log(runs) otherwise.
 * Returns 0 or -ENOMEM. */
int events_sort(union gp_event *ev, size_t n);

#endif
