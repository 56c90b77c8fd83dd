/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Locks as a reader thinks of them: objects (a mutex, a condvar, the CPython GIL with its four
 * futex words), and the time a thread waited to acquire one. A contended acquisition is often
 * several futex waits (woken, lost the race to a running thread, slept again; a timed GIL wait
 * that expires and asks the holder to drop it): it counts from the first wait's start to the
 * thread's return to a CPU after the last, the retries, the CPU and run-queue time between them
 * included. The futex sleep alone is kept as its own figure. Pure: computed from the model's
 * timelines and the words' names.
 *
 *   OBJECT       ACQUIRES RETRIES   WAIT      SLEPT   words
 *   CPython GIL       412     380  2.061 s   2.031 s  cond (2 words), mutex, switch_cond
 *   counter_lock     5723    1651  1.505 s   1.452 s  counter_lock
 *   join: [anon] 0x7f..990   1 wait  2.119 s   (main waits for worker-0's exit)
 */
#ifndef GP_LOCKOBJ_H
#define GP_LOCKOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analyze/analysis.h"
#include "model/model.h"

/* Woken, a thread that waits on the object again with less CPU than this between was not let
 * in: the same acquisition. */
#define GP_ACQ_RETRY_CPU_NS 50000
/* A release this close before the releaser's end is part of its exit. */
#define GP_ACQ_EXIT_NS 2000000

/* One contended acquisition: a chain of waits on the object. */
struct gp_acq {
	uint32_t tid;
	uint32_t ender; /* what ended its last wait: a releasing thread, or a GP_WAKER_* label */
	uint64_t start, end; /* first wait's start; back on a CPU after the last */
	uint32_t waits, timeouts;
	bool after_block; /* the thread blocked elsewhere (I/O, a sleep) just before it */
};

/* A thread released the object at ts: a waiter of its word uaddr was woken by that thread. */
struct gp_release {
	uint32_t tid;
	uint64_t ts;
	uint64_t uaddr;
};

struct gp_obj_holder {
	uint32_t tid; /* the thread whose release ended acquisitions (a waker of its waits) */
	uint64_t count, ns; /* acquisitions it ended, and how long they had waited */
};

struct gp_lock_obj {
	uint32_t tgid;
	char name[128]; /* the object: its symbol or label, else its one word's name */
	struct gp_lock **words; /* its futex words, by total wait */
	size_t nwords, capwords;
	bool join; /* every wait on it waited for a thread's exit: pthread_join, or an event a
		    * thread releases as it ends (CPython's Thread.join() on its tstate lock) */
	uint64_t acquisitions; /* contended acquisitions: chains of waits */
	uint64_t waits, retries; /* futex waits, and those after the first of their chain */
	uint64_t acquire_ns; /* first wait's start -> back on a CPU after the last */
	uint64_t sleep_ns; /* blocked in its futex words */
	uint64_t timeouts, at_attach, ongoing;
	uint64_t exit_released; /* acquisitions released by a thread that ended right after */
	struct gp_u64vec durations; /* of each acquisition */
	uint32_t *waiters; /* distinct tids that acquired it after a wait */
	size_t nwaiters, capwaiters;
	struct gp_obj_holder *holders;
	size_t nholders, capholders;
	struct gp_acq *acqs; /* each acquisition, by tid then start */
	size_t nacqs, capacqs;
	struct gp_release *releases; /* by tid then ts */
	size_t nreleases, capreleases;
};

struct gp_lock_objs {
	struct gp_lock_obj *v; /* locks first, by acquire_ns; then joins, by acquire_ns */
	size_t n, nlocks; /* nlocks: how many of v are not joins */
	uint64_t acquire_ns; /* all objects' acquisitions, joins excluded */
};

/*
 * The object a futex word belongs to, from its name: a word named by a symbol (rc 0) belongs to
 * that symbol ("gil.cond+0x4" and "gil.mutex" to "gil"), a labelled CPython GIL word to "CPython
 * GIL"; a word named only by its mapping is its own object.
 */
void lock_object_key(const char *name, int rc, char *key, size_t len);
/* The index of tid's first release of o later than after (o->nreleases when none). */
size_t lock_obj_releases_after(const struct gp_lock_obj *o, uint32_t tid, uint64_t after);
/* The index of tid's first acquisition of o (o->nacqs when none). */
size_t lock_obj_acqs_of(const struct gp_lock_obj *o, uint32_t tid);
/* The model's locks as objects; 0 or -ENOMEM. */
int lock_objs_build(const struct gp_model *m, gp_namer_fn name, void *ctx,
		    struct gp_lock_objs *out);
void lock_objs_free(struct gp_lock_objs *o);

#endif
