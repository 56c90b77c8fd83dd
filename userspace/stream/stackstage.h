/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stack stage of a live session: each raw stack record, as it is read, becomes a reference
 * to an interned stack (user frames unwound from CFI with --call-graph dwarf) in the ordered
 * stream. A recording holds the interned stacks, so replay needs no stage.
 */
#ifndef GP_STACKSTAGE_H
#define GP_STACKSTAGE_H

#include "model/stacks.h"
#include "model/event.h"
#include "symbolize/locknames.h"
#include "symbolize/unwind.h"
#include "stream/pystage.h"

struct gp_stackstage {
	struct gp_stacks *stacks;
	struct gp_locknames *names; /* the process's mappings, for the unwinder */
	struct gp_unwinder *unwinder; /* NULL: frame pointers only */
	uint64_t *unwind_stops; /* [GP_UNWIND_STOPS]: why DWARF unwinds ended */
	struct gp_pystage py; /* Python frames merged in (py.procs NULL: none) */
};

/* A gp_stack_fn (collect/collector.h) with ctx a struct gp_stackstage. */
int stackstage_on_stack(void *ctx, const struct gp_ev_stack *st, const struct gp_ev_stack_dwarf *dw,
			const struct gp_py_stack *py, struct gp_ev_stackref *ref);

#endif
