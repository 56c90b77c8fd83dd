// SPDX-License-Identifier: GPL-2.0
/*
 * The GIL, after CPython's take_gil()/drop_gil() (Python/ceval_gil.c, 3.11-3.13). Comments name
 * the CPython behaviour each step reproduces, since fidelity to it is the point of this file.
 */
#include "gil.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct gil gil = {
	.mutex = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.switch_cond = PTHREAD_COND_INITIALIZER,
	.switch_mutex = PTHREAD_MUTEX_INITIALIZER,
	.enabled = 1,
	.interval_ns = GIL_DEFAULT_INTERVAL_NS,
	.check_interval = GIL_DEFAULT_CHECK_INTERVAL,
};

__thread struct gil_thread *gil_self;
__thread unsigned gil_ticks = GIL_DEFAULT_CHECK_INTERVAL;

/* Threads that never registered a record still need an identity for last_holder. */
static __thread struct gil_thread gil_anon;

static pthread_once_t gil_once = PTHREAD_ONCE_INIT;

int64_t gil_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct gil_thread *gil_me(void)
{
	struct gil_thread *me = gil_self ? gil_self : &gil_anon;

	if (!me->tid)
		me->tid = gettid();
	return me;
}

static bool gil_on(void)
{
	return atomic_load_explicit(&gil.enabled, memory_order_relaxed);
}

/*
 * Like PyOS_AfterFork_Child(): the child has only the forking thread, so the GIL is rebuilt with
 * that thread as holder if it held it, and nothing can be waiting. The child never shares the
 * parent's GIL: each process serialises only its own threads.
 */
static void gil_after_fork_child(void)
{
	struct gil_thread *me = gil_me();

	me->tid = gettid();
	pthread_mutex_init(&gil.mutex, NULL);
	pthread_cond_init(&gil.cond, NULL);
	pthread_cond_init(&gil.switch_cond, NULL);
	pthread_mutex_init(&gil.switch_mutex, NULL);
	atomic_store(&gil.locked, me->held);
	atomic_store(&gil.last_holder, me->held ? me->tid : 0);
	atomic_store(&gil.drop_request, 0);
}

static void gil_register_fork_handler(void)
{
	pthread_atfork(NULL, NULL, gil_after_fork_child);
}

void gil_init(void)
{
	pthread_once(&gil_once, gil_register_fork_handler);
}

void gil_set_enabled(bool enabled)
{
	atomic_store(&gil.enabled, enabled);
}

void gil_set_switch_interval_ns(int64_t ns)
{
	atomic_store(&gil.interval_ns, ns > 0 ? ns : 1);
}

void gil_set_check_interval(unsigned k)
{
	atomic_store(&gil.check_interval, k ? k : 1);
	gil_ticks = k ? k : 1;
}

/* One COND_TIMED_WAIT of take_gil(): a single switch interval, measured on CLOCK_MONOTONIC. */
static bool gil_cond_wait_interval(void)
{
	int64_t deadline = gil_now_ns() + atomic_load(&gil.interval_ns);
	struct timespec ts = {
		.tv_sec = deadline / 1000000000,
		.tv_nsec = deadline % 1000000000,
	};

	return pthread_cond_clockwait(&gil.cond, &gil.mutex, CLOCK_MONOTONIC, &ts) == ETIMEDOUT;
}

/*
 * Wait in slices of one interval. A slice that times out while the same thread has kept the
 * GIL all along (switch_number unchanged) sets drop_request, which the holder sees at its next
 * gil_check(); a slice in which the GIL changed hands starts the count again, which is why a
 * waiter behind a queue of others can wait far longer than one interval.
 */
static void gil_wait_unlocked(struct gil_thread *me)
{
	while (atomic_load_explicit(&gil.locked, memory_order_relaxed)) {
		unsigned long saved = atomic_load(&gil.switch_number);
		bool timed_out = gil_cond_wait_interval();

		if (timed_out && atomic_load(&gil.locked) &&
		    atomic_load(&gil.switch_number) == saved) {
			atomic_store(&gil.drop_request, 1);
			me->drop_requests++;
		}
	}
}

/*
 * take_gil(). switch_number counts hand-offs to another thread, so a thread that releases and
 * retakes the GIL with nobody in between does not reset the waiters' patience. Signalling
 * switch_cond under switch_mutex ends the forced-switching wait of the thread that dropped.
 */
static void gil_take(struct gil_thread *me)
{
	pthread_mutex_lock(&gil.mutex);
	gil_wait_unlocked(me);

	pthread_mutex_lock(&gil.switch_mutex);
	atomic_store(&gil.locked, 1);
	me->held_since = gil_now_ns();
	me->held = 1;
	me->acquisitions++;
	if (atomic_load(&gil.last_holder) != me->tid) {
		atomic_store(&gil.last_holder, me->tid);
		atomic_fetch_add(&gil.switch_number, 1);
	}
	pthread_cond_signal(&gil.switch_cond);
	pthread_mutex_unlock(&gil.switch_mutex);

	if (atomic_load(&gil.drop_request))
		atomic_store(&gil.drop_request, 0);
	pthread_mutex_unlock(&gil.mutex);
}

/*
 * FORCE_SWITCHING: when a waiter asked for the GIL, the dropping thread does not return (and so
 * cannot retake it, being still on its CPU while the waiter is only being woken) until some
 * other thread has taken it. As in CPython this applies to every release but a thread's last.
 */
static void gil_await_switch(struct gil_thread *me)
{
	pthread_mutex_lock(&gil.switch_mutex);
	if (atomic_load(&gil.last_holder) == me->tid) {
		atomic_store(&gil.drop_request, 0);
		while (atomic_load(&gil.last_holder) == me->tid)
			pthread_cond_wait(&gil.switch_cond, &gil.switch_mutex);
	}
	pthread_mutex_unlock(&gil.switch_mutex);
}

/* drop_gil(): the hold ends when locked is cleared, before any hand-off wait. */
static int64_t gil_drop(struct gil_thread *me, bool final)
{
	int64_t dropped;

	pthread_mutex_lock(&gil.mutex);
	atomic_store(&gil.locked, 0);
	dropped = gil_now_ns();
	me->hold_ns += dropped - me->held_since;
	me->held = 0;
	pthread_cond_signal(&gil.cond);
	pthread_mutex_unlock(&gil.mutex);

	if (!final && atomic_load(&gil.drop_request))
		gil_await_switch(me);
	return dropped;
}

void gil_acquire(void)
{
	struct gil_thread *me = gil_me();
	int64_t asked;

	if (!gil_on())
		return;
	asked = gil_now_ns();
	gil_take(me);
	me->wait_ns += me->held_since - asked;
}

void gil_release(void)
{
	if (gil_on())
		gil_drop(gil_me(), false);
}

/* The eval breaker's answer to drop_request: the wait runs from the drop to the retake. */
void gil_yield(void)
{
	struct gil_thread *me = gil_me();
	int64_t dropped;

	if (!gil_on())
		return;
	me->forced_switches++;
	dropped = gil_drop(me, false);
	gil_take(me);
	me->wait_ns += me->held_since - dropped;
}

void gil_thread_start(struct gil_thread *t, const char *name)
{
	memset(t, 0, sizeof(*t));
	t->start_ns = gil_now_ns();
	t->tid = gettid();
	strncpy(t->name, name, sizeof(t->name) - 1);
	pthread_setname_np(pthread_self(), t->name);
	gil_self = t;
	gil_ticks = atomic_load(&gil.check_interval);
	gil_acquire();
}

void gil_thread_stop(void)
{
	struct gil_thread *me = gil_me();

	if (gil_on() && me->held)
		gil_drop(me, true);
	me->end_ns = gil_now_ns();
	gil_self = NULL;
}

void gil_sleep_ns(int64_t ns)
{
	int64_t until = gil_now_ns() + ns;
	struct timespec ts = {
		.tv_sec = until / 1000000000,
		.tv_nsec = until % 1000000000,
	};

	gil_release();
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	gil_acquire();
}

ssize_t gil_read(int fd, void *buf, size_t len)
{
	ssize_t n;
	int err;

	gil_release();
	n = read(fd, buf, len);
	err = errno;
	gil_acquire();
	errno = err;
	return n;
}

ssize_t gil_write(int fd, const void *buf, size_t len)
{
	ssize_t n;
	int err;

	gil_release();
	n = write(fd, buf, len);
	err = errno;
	gil_acquire();
	errno = err;
	return n;
}

/*
 * A Python-level lock: try without blocking first, and block only with the GIL released, as
 * CPython's acquire_timed() does; blocking while holding the GIL would deadlock against a lock
 * owner that needs the GIL to get to its release.
 */
void gil_mutex_lock(pthread_mutex_t *m)
{
	if (pthread_mutex_trylock(m) == 0)
		return;
	gil_release();
	pthread_mutex_lock(m);
	gil_acquire();
}
