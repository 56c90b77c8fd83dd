/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The consumer of the BPF side's per-CPU slot rings (struct gp_slot_ctl in bpf/gilprof.h): one
 * producer per ring, so reading is a head load, the slots, and a tail store.
 */
#ifndef GP_SLOTS_H
#define GP_SLOTS_H

#include <stddef.h>
#include "model/event.h"
#include "collect/ringbuf.h"

/*
 * Hand fn every record ring holds between its tail and the head read on entry, oldest first,
 * then publish the new tail and clear the nudge. ring has 1 << shift slots. Returns the number
 * of records, or fn's non-zero result (the records before it are consumed). A head that cannot
 * be (behind the tail, or more than a ring ahead) is skipped to, and the records it claims are
 * added to *skipped.
 */
long slots_drain(struct gp_slot_ctl *ctl, const struct gp_slot *ring, unsigned shift,
		 gp_ringbuf_fn fn, void *ctx, uint64_t *skipped);

struct gp_slots;

/* Map the rings of ncpus CPUs from the slots and slot_ctl maps. */
int slots_open(int slots_fd, int ctl_fd, unsigned ncpus, unsigned shift, gp_ringbuf_fn fn,
	       void *ctx, struct gp_slots **out);
/* Drain every CPU's ring once (see slots_drain). Returns the number of records, or an error. */
long slots_consume(struct gp_slots *s, uint64_t *skipped);
void slots_close(struct gp_slots *s);

#endif
