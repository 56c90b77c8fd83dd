/* SPDX-License-Identifier: GPL-2.0 */
/* The decoded event stream: the records of bpf/gilprof.h, validated, in time order. The live
 * collector and a recording produce the same stream and the model consumes it; it is the
 * model's input, so it lives with the model, below every layer that produces or reads it. */
#ifndef GP_EVENT_H
#define GP_EVENT_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gilprof.h"

union gp_event {
	struct gp_ev_hdr h;
	struct gp_ev_switch sw;
	struct gp_ev_waking wk;
	struct gp_ev_fork fork;
	struct gp_ev_exec exec;
	struct gp_ev_exit exit;
	struct gp_ev_futex_enter fenter;
	struct gp_ev_futex_exit fexit;
	struct gp_ev_stackref sref;
	struct gp_ev_attach attach;
	struct gp_ev_gil gil;
	/* gp_ev_stack is not here: the collector turns it into a gp_ev_stackref as it reads it */
};

/* Size of a record of this type, 0 for an unknown type. */
size_t event_size(__u32 type);
/* Check a raw record of len bytes: known type, right size, CPU in range. Returns 0 or -EINVAL. */
int event_validate(const void *data, size_t len);
const char *event_type_name(__u32 type);
/* A stack record as the BPF side sends it (GP_EV_STACK and its variants): never in the ordered
 * stream, where the collector puts a GP_EV_STACKREF in its place. */
bool event_is_raw_stack(__u32 type);

#endif
