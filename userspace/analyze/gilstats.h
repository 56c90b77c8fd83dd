/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A GIL's figures per thread, from the trace: how long each thread held it and waited for it,
 * how often it asked the holder to drop it (a timed wait on the GIL's condition that expired:
 * CPython sets eval_breaker's gil_drop_request then), how often it was made to wait for the
 * thread it handed the GIL to (FORCE_SWITCHING: a wait on switch_cond), hand-offs, and the
 * convoy effect: what a thread that releases the GIL around blocking calls waits to get it back.
 *
 *   GIL per thread (gil)
 *     TID    THREAD        HELD     WAITED  ACQUIRED  DROP-REQ  FORCED  AFTER-I/O (p50)
 *     4243   io-convoy   2.52 ms    1.047 s       202       201       0   200 (5.21 ms)
 *     4244   cpu-convoy   1.065 s  9.960 ms       202         0     201     0
 *
 * Held is read from the GIL's hand-offs: a thread holds it from the end of an acquisition (back
 * on a CPU after its wait) until it releases it (it wakes a waiter of the GIL, waits for it
 * itself, or blocks elsewhere, which CPython does only with the GIL released); a thread that
 * releases it without having waited for it held it since it began. Uncontended acquisitions
 * make no futex wait and are not seen: held is exact while the GIL is contended.
 *
 * For a CPython process the interpreter's own record is beside it (model/gilmem.h: its GIL state
 * read from its memory at its threads' switch-outs): hand-offs by switch_number, held by
 * last_holder, switch-outs while holding the GIL, and who held it while each thread waited.
 */
#ifndef GP_GILSTATS_H
#define GP_GILSTATS_H

#include <stddef.h>
#include <stdint.h>
#include "analyze/analysis.h"
#include "analyze/lockobj.h"
#include "model/lockstat.h"

struct gp_gil_thread {
	uint32_t tid;
	uint64_t held_ns, waited_ns;
	uint64_t acquisitions; /* contended: with a futex wait */
	uint64_t drop_requests, forced_switches, handoffs;
	uint64_t after_io; /* acquisitions right after a block elsewhere (I/O, a sleep) */
	struct gp_u64vec after_io_ns; /* and how long each waited */
	/* from the interpreter's memory (model/gilmem.h), 0 without */
	uint64_t mem_held_ns, holding_outs, preempted_holding;
};

struct gp_gil_stats {
	const struct gp_lock_obj *gil; /* NULL: the trace has no GIL */
	struct gp_gil_thread *t; /* threads that waited for it, released it or held it, by tid */
	size_t n;
	const struct gp_gilmem *mem; /* the interpreter's record, NULL without one */
};

/* Is this lock object a GIL: CPython's, or one named gil (the bundled workloads')? */
bool gil_object(const struct gp_lock_obj *o);
/* The figures of the most-waited GIL in objs. 0, or -ENOMEM. */
int gil_stats_build(const struct gp_model *m, const struct gp_lock_objs *objs, gp_namer_fn name,
		    void *ctx, struct gp_gil_stats *out);
void gil_stats_free(struct gp_gil_stats *g);

#endif
