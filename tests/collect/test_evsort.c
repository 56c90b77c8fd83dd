// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include "collect/evsort.h"

static union gp_event ev(uint64_t ts, uint32_t type, uint32_t tag)
{
	union gp_event e = {0};

	e.h.ts = ts;
	e.h.type = type;
	e.h.tid = tag; /* identifies the event, to check stability */
	return e;
}

Test(evsort, merges_per_source_runs_in_time_order)
{
	/* two CPUs' slot rings, then a ring buffer batch, each in order */
	union gp_event e[] = {
		ev(10, GP_EV_SWITCH, 1), ev(40, GP_EV_SWITCH, 2), ev(70, GP_EV_SWITCH, 3),
		ev(20, GP_EV_SWITCH, 4), ev(50, GP_EV_SWITCH, 5), ev(15, GP_EV_EXIT, 6),
		ev(45, GP_EV_FORK, 7),	 ev(60, GP_EV_EXEC, 8),
	};
	uint32_t want[] = {1, 6, 4, 2, 7, 5, 8, 3};
	size_t i;

	cr_assert_eq(events_sort(e, 8), 0);
	for (i = 0; i < 8; i++)
		cr_assert_eq(e[i].h.tid, want[i], "position %zu: %u", i, e[i].h.tid);
}

Test(evsort, a_stack_goes_after_the_event_it_belongs_to)
{
	/* the futex wait's stack came through the ring buffer before its slot record was read */
	union gp_event e[] = {
		ev(100, GP_EV_STACKREF, 1),
		ev(100, GP_EV_FUTEX_ENTER, 2),
		ev(100, GP_EV_SWITCH, 3),
		ev(99, GP_EV_SWITCH, 4),
	};

	cr_assert_eq(events_sort(e, 4), 0);
	cr_assert_eq(e[0].h.tid, 4);
	cr_assert_eq(e[1].h.tid, 2, "equal stamps keep their order");
	cr_assert_eq(e[2].h.tid, 3);
	cr_assert_eq(e[3].h.tid, 1, "the stack last");
}

Test(evsort, stable_and_sorted_on_many_runs)
{
	size_t n = 5000, i;
	union gp_event *e = calloc(n, sizeof(*e));

	cr_assert_not_null(e);
	srand(7);
	for (i = 0; i < n; i++)
		e[i] = ev(rand() % 500, i % 7 ? GP_EV_SWITCH : GP_EV_STACKREF, i);
	cr_assert_eq(events_sort(e, n), 0);
	for (i = 1; i < n; i++) {
		cr_assert(!event_before(&e[i], &e[i - 1]), "sorted at %zu", i);
		if (e[i].h.ts == e[i - 1].h.ts && e[i].h.type == e[i - 1].h.type)
			cr_assert_gt(e[i].h.tid, e[i - 1].h.tid, "stable at %zu", i);
	}
	free(e);
}

Test(evsort, sorted_input_is_left_alone)
{
	union gp_event e[] = {ev(1, GP_EV_SWITCH, 1), ev(1, GP_EV_STACKREF, 2),
			      ev(2, GP_EV_SWITCH, 3)};

	cr_assert_eq(events_sort(e, 3), 0);
	cr_assert_eq(e[0].h.tid, 1);
	cr_assert_eq(e[1].h.tid, 2);
	cr_assert_eq(e[2].h.tid, 3);
	cr_assert_eq(events_sort(e, 0), 0);
}
