// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "collect/slots.h"

#define SHIFT 3 /* 8 slots */

struct seen {
	uint64_t ts[64];
	size_t n, stop_at;
};

static int collect(void *ctx, void *data, size_t len)
{
	struct seen *s = ctx;
	const struct gp_ev_hdr *h = data;

	cr_assert_eq(len, GP_SLOT_SIZE);
	s->ts[s->n++] = h->ts;
	return s->n == s->stop_at ? -EINTR : 0;
}

/* The producer's side, as the BPF program does it: fill the slot, then advance the head. */
static void produce(struct gp_slot_ctl *ctl, struct gp_slot *ring, uint64_t ts)
{
	struct gp_ev_hdr *h = (struct gp_ev_hdr *)&ring[ctl->head & ((1 << SHIFT) - 1)];

	memset(h, 0, GP_SLOT_SIZE);
	h->ts = ts;
	h->type = GP_EV_SWITCH;
	ctl->head++;
}

Test(slots, drains_from_tail_to_head_across_the_wrap)
{
	struct gp_slot_ctl ctl = {0};
	struct gp_slot ring[1 << SHIFT];
	struct seen s = {0};
	uint64_t t, skipped = 0;

	for (t = 1; t <= 6; t++)
		produce(&ctl, ring, t);
	cr_assert_eq(slots_drain(&ctl, ring, SHIFT, collect, &s, &skipped), 6);
	cr_assert_eq(ctl.tail, 6);
	for (t = 7; t <= 13; t++) /* wraps: slots 6, 7, 0, ..., 4 */
		produce(&ctl, ring, t);
	ctl.nudged = 1;
	cr_assert_eq(slots_drain(&ctl, ring, SHIFT, collect, &s, &skipped), 7);
	cr_assert_eq(ctl.tail, 13);
	cr_assert_eq(ctl.nudged, 0, "a drain re-arms the producer's nudge");
	cr_assert_eq(s.n, 13);
	for (t = 0; t < 13; t++)
		cr_assert_eq(s.ts[t], t + 1);
	cr_assert_eq(slots_drain(&ctl, ring, SHIFT, collect, &s, &skipped), 0, "nothing new");
	cr_assert_eq(skipped, 0);
}

Test(slots, a_consumer_error_keeps_the_rest)
{
	struct gp_slot_ctl ctl = {0};
	struct gp_slot ring[1 << SHIFT];
	struct seen s = {.stop_at = 2};
	uint64_t t, skipped = 0;

	for (t = 1; t <= 4; t++)
		produce(&ctl, ring, t);
	cr_assert_eq(slots_drain(&ctl, ring, SHIFT, collect, &s, &skipped), -EINTR);
	cr_assert_eq(ctl.tail, 2, "the record that failed is consumed, the rest kept");
	s.stop_at = 0;
	cr_assert_eq(slots_drain(&ctl, ring, SHIFT, collect, &s, &skipped), 2);
	cr_assert_eq(s.ts[2], 3);
	cr_assert_eq(s.ts[3], 4);
	cr_assert_eq(skipped, 0);
}

Test(slots, an_impossible_head_is_skipped_not_read)
{
	struct gp_slot_ctl ctl = {.head = 100, .tail = 3};
	struct gp_slot ring[1 << SHIFT] = {0};
	struct seen s = {0};
	uint64_t skipped = 0;

	cr_assert_eq(slots_drain(&ctl, ring, SHIFT, collect, &s, &skipped), 0);
	cr_assert_eq(ctl.tail, 100);
	cr_assert_eq(s.n, 0);
	cr_assert_eq(skipped, 97, "the records the head claims are counted, not read");
	ctl.tail = 105; /* a head behind the tail: the break is counted */
	cr_assert_eq(slots_drain(&ctl, ring, SHIFT, collect, &s, &skipped), 0);
	cr_assert_eq(ctl.tail, 100);
	cr_assert_eq(skipped, 98);
}
