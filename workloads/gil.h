// SPDX-License-Identifier: GPL-2.0
/*
 * A global interpreter lock built the way CPython 3.11-3.13 builds its GIL (Python/ceval_gil.c,
 * with FORCE_SWITCHING), so that what gilprof learns from these workloads carries over to real
 * Python: the same futex words are waited on, in the same pattern, for the same reasons.
 *
 * Layout of the global object `gil` (the profiler names a futex address by the ELF symbol that
 * contains it plus an offset, so the members that are waited on come first and in this order).
 * Offsets are for x86-64 glibc, where a mutex is 40 bytes and a condition variable 48:
 *
 *   +0    mutex         pthread_mutex_t  guards locked/switch_number; waited on briefly
 *   +40   cond          pthread_cond_t   threads wanting the GIL wait here, one interval at a time
 *   +88   switch_cond   pthread_cond_t   a thread that dropped on request waits here for hand-off
 *   +136  switch_mutex  pthread_mutex_t  orders last_holder updates against switch_cond waits
 *   +176  locked, last_holder, switch_number, drop_request, enabled, interval_ns, check_interval
 *
 * Within a condition variable glibc 2.36 waits on __g_signals[2] at +40 of the cond, so a thread
 * waiting for the GIL shows up as a futex wait at gil+80 or gil+84, and one waiting for the
 * hand-off after a forced drop at gil+128 or gil+132.
 */
#ifndef WL_GIL_H
#define WL_GIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GIL_DEFAULT_INTERVAL_NS 5000000LL /* sys.setswitchinterval() default, 5 ms */
#define GIL_DEFAULT_CHECK_INTERVAL 100u /* "bytecodes" between two looks at drop_request */

struct gil {
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	pthread_cond_t switch_cond;
	pthread_mutex_t switch_mutex;
	atomic_int locked;
	atomic_int last_holder; /* tid of the thread that took the GIL last, 0 before the first */
	atomic_ulong switch_number; /* hand-offs to a different thread so far */
	atomic_int drop_request; /* a waiter timed out: the holder must drop at its next check */
	atomic_int enabled; /* 0 models a free-threaded build: every GIL operation is a no-op */
	atomic_llong interval_ns;
	atomic_uint check_interval;
};

_Static_assert(offsetof(struct gil, mutex) == 0, "the profiler expects the mutex at gil+0");
_Static_assert(offsetof(struct gil, cond) == sizeof(pthread_mutex_t), "cond follows mutex");
_Static_assert(offsetof(struct gil, switch_cond) ==
		       sizeof(pthread_mutex_t) + sizeof(pthread_cond_t),
	       "switch_cond follows cond");

extern struct gil gil;

/*
 * Ground truth for one thread, measured inside the program with CLOCK_MONOTONIC. A thread's
 * wait runs from asking for the GIL (or from dropping it on request) to holding it again; its
 * hold runs from taking it to releasing it. The GIL functions update the record of the calling
 * thread through gil_self, so the record must outlive the thread's use of the GIL.
 */
struct gil_thread {
	pid_t tid;
	char name[16];
	int64_t start_ns;
	int64_t end_ns;
	int64_t wait_ns;
	int64_t hold_ns;
	uint64_t acquisitions;
	uint64_t drop_requests; /* times this thread set drop_request after a timed-out wait */
	uint64_t forced_switches; /* times this thread dropped the GIL because of a request */
	int64_t held_since;
	int held;
};

extern __thread struct gil_thread *gil_self;
extern __thread unsigned gil_ticks;

void gil_init(void);
void gil_set_enabled(bool enabled);
void gil_set_switch_interval_ns(int64_t ns);
void gil_set_check_interval(unsigned k);
int64_t gil_now_ns(void);

void gil_thread_start(struct gil_thread *t, const char *name);
void gil_thread_stop(void);

void gil_acquire(void);
void gil_release(void);
void gil_yield(void);

void gil_sleep_ns(int64_t ns);
ssize_t gil_read(int fd, void *buf, size_t len);
ssize_t gil_write(int fd, const void *buf, size_t len);
void gil_mutex_lock(pthread_mutex_t *m);

/* The eval breaker: the only place a running holder gives the GIL up without blocking. */
static inline void gil_check(void)
{
	if (atomic_load_explicit(&gil.drop_request, memory_order_relaxed))
		gil_yield();
}

/*
 * Called once per simulated bytecode. CPython looks at the eval breaker only at some
 * instructions (backward jumps, calls), so a run of instructions between two looks is atomic
 * with respect to other Python threads; every K-th tick plays that role here.
 */
static inline void gil_tick(void)
{
	if (--gil_ticks == 0) {
		gil_ticks = atomic_load_explicit(&gil.check_interval, memory_order_relaxed);
		gil_check();
	}
}

#endif /* WL_GIL_H */
