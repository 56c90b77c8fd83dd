/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A CPython process's GIL as the interpreter itself records it, from the GP_EV_GIL samples the
 * BPF side reads from the process's memory at each switch-out of one of its threads: locked,
 * last_holder (as a thread id) and switch_number.
 *
 *   hand-offs  switch_number's growth from the first sample to the last: every change of
 *              holder, including the ones that made no thread wait (which the trace cannot see)
 *   held       the time between two consecutive samples goes to the thread both saw holding the
 *              GIL when switch_number did not move between them (free_ns when both saw it
 *              free); one hand-off between them is dated by the new holder's last switch-in
 *              when that was in between (a thread takes the GIL as it runs: the end of its
 *              wait, or of a preemption), at the last sample when the GIL was free then and
 *              the new holder was running. Other changes of holder leave the time between
 *              the two samples nobody's for sure (unknown_ns): several hand-offs between two
 *              switch-outs, or one from a holder to a thread that was running all along
 *   holding    switch-outs of a thread that held the GIL as it left the CPU: the others can only
 *              wait for it until it runs again; preempted_holding counts those where it was still
 *              runnable (preempted with the GIL: more runnable threads than CPUs)
 *   waited for each wait of a thread on the GIL's words with the holder the interpreter named as
 *              the wait began: who kept whom waiting, from the interpreter rather than from the
 *              wakeups
 * Pure: the model feeds it samples and wait ends; holders are checked by the model to be
 * threads of the process (a traced program writes what it likes in its memory).
 */
#ifndef GP_GILMEM_H
#define GP_GILMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "model/event.h"

struct gp_gilmem_thread {
	uint32_t tid;
	uint64_t held_ns;
	uint64_t holding_outs; /* switched out holding the GIL */
	uint64_t preempted_holding; /* of which still runnable */
	uint64_t out_ts; /* its last switch-out (sample) */
};

struct gp_gilmem_pair {
	uint32_t waiter, holder;
	uint64_t waits, wait_ns;
};

/* A wait on the GIL that ended, woken by from, as tid went back on a CPU at ts. */
struct gp_gilmem_take {
	uint32_t tid, from;
	uint64_t ts;
};

struct gp_gilmem {
	uint64_t gil; /* the struct's address in the process */
	uint64_t samples;
	uint64_t first_switch, last_switch; /* switch_number at the first and last sample read */
	/* the first sample, or its holder's switch-in before it: the record covers from there */
	uint64_t first_ts;
	uint64_t handoffs; /* switch_number's growth, summed over the runs of samples of one gil */
	uint64_t held_ns, free_ns, unknown_ns; /* the time between samples, by what they saw */
	bool have_first, have_last;
	/* the last sample read */
	uint64_t last_ts, last_sn;
	uint32_t last_holder;
	bool last_locked;
	struct gp_gilmem_thread *t;
	size_t nt, capt;
	struct gp_gilmem_pair *p;
	size_t np, capp;
	/* the GIL waits woken since the last sample: the hand-offs it has not seen yet */
	struct gp_gilmem_take *tk;
	size_t ntk, captk;
};

/*
 * One sample; holder is e's holder_tid when the model knows it as a thread of the process, else
 * 0, and holder_ran when that thread last went on a CPU (0 unknown). 0 or -ENOMEM.
 */
int gilmem_sample(struct gp_gilmem *g, const struct gp_ev_gil *e, uint32_t holder,
		  uint64_t holder_ran);
/* When a thread's record ends: its thread's end, or the trace's. */
typedef uint64_t (*gp_gilmem_end_fn)(void *ctx, uint32_t tid);
/*
 * The end of the record, when the trace or the process ends. No sample follows a thread's last
 * run, whose exit lets the GIL go: the holder the last sample saw held it until a waiter it woke
 * went back on a CPU (gilmem_woken), that one until the next it woke, and the last of them to
 * its end. 0 or -ENOMEM.
 */
int gilmem_close(struct gp_gilmem *g, gp_gilmem_end_fn end_of, void *ctx);
/* A wait of tid on the GIL's words, woken by thread from, ended at ts. 0 or -ENOMEM. */
int gilmem_woken(struct gp_gilmem *g, uint32_t tid, uint32_t from, uint64_t ts);
/*
 * A wait of waiter on the GIL's words, from start to end, which began while holder held it (0:
 * free, or unknown). 0 or -ENOMEM.
 */
int gilmem_wait_end(struct gp_gilmem *g, uint32_t waiter, uint32_t holder, uint64_t start,
		    uint64_t end);
/* The figures of tid, NULL when it has none. */
const struct gp_gilmem_thread *gilmem_thread(const struct gp_gilmem *g, uint32_t tid);
/* Whether uaddr is one of the words of the GIL g samples. */
bool gilmem_word(const struct gp_gilmem *g, uint64_t uaddr);
void gilmem_free(struct gp_gilmem *g);

#endif
