// SPDX-License-Identifier: GPL-2.0
/* The recording's event encoding gives back every byte it was given, whatever the values. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>
#include "model/event.h"
#include "stream/recfmt.h"

static void put(struct gp_bytes *b, uint32_t *n, const union gp_event *e)
{
	bytes_put(b, e, event_size(e->h.type));
	(*n)++;
}

static union gp_event sw(uint64_t ts, uint32_t tid, uint32_t next, uint64_t nvcsw, uint64_t runtime,
			 uint64_t wake_ts, const char *comm, const char *ncomm)
{
	union gp_event e;

	memset(&e, 0, sizeof(e));
	e.sw.h = (struct gp_ev_hdr){ts, GP_EV_SWITCH, 1, tid, tid};
	e.sw.next_tid = next;
	e.sw.next_tgid = next;
	e.sw.prev_state = 1;
	e.sw.prev_nvcsw = nvcsw;
	e.sw.prev_nivcsw = nvcsw / 3;
	e.sw.prev_runtime = runtime;
	e.sw.next_wake_ts = wake_ts;
	e.sw.next_waker_tid = tid;
	memcpy(e.sw.prev_comm, comm, strlen(comm));
	memcpy(e.sw.next_comm, ncomm, strlen(ncomm));
	return e;
}

static void roundtrip(const struct gp_bytes *in, uint32_t n)
{
	struct gp_bytes enc = {0}, out = {0};
	uint32_t n2 = 0;

	cr_assert_eq(recfmt_events_encode(in->p, in->len, n, &enc), 0);
	cr_assert_eq(recfmt_events_decode(enc.p, enc.len, &out, &n2), 0);
	cr_assert_eq(n2, n);
	cr_assert_eq(out.len, in->len);
	for (size_t i = 0; i < in->len; i++)
		cr_assert_eq(out.p[i], in->p[i], "byte %zu (record offset %zu)", i, i % 112);
	bytes_free(&enc);
	bytes_free(&out);
}

/* Every value the per-thread changes and the wakeup difference could trip on. */
Test(recevents, switch_records_decode_to_what_was_encoded)
{
	struct gp_bytes in = {0};
	uint32_t n = 0;
	union gp_event e;

	put(&in, &n, (union gp_event[]){sw(1000, 10, 11, 5, 700, 0, "worker-0", "worker-1")});
	/* woken exactly ts + 1 (the difference would be 0) and right at ts */
	put(&in, &n, (union gp_event[]){sw(2000, 11, 10, 3, 900, 2001, "worker-1", "worker-0")});
	put(&in, &n, (union gp_event[]){sw(3000, 10, 11, 6, 1700, 3000, "worker-0", "worker-1")});
	/* counters that go down or wrap, a renamed thread, an empty name, a wakeup in the future */
	put(&in, &n, (union gp_event[]){sw(4000, 11, 12, 1, 100, 9000, "renamed", "")});
	put(&in, &n,
	    (union gp_event[]){sw(5000, 12, 11, UINT64_MAX, UINT64_MAX, 1, "", "renamed")});
	put(&in, &n, (union gp_event[]){sw(6000, 12, 12, 0, 0, UINT64_MAX, "x", "y")});
	/* timestamps out of order, and other records between the switches */
	memset(&e, 0, sizeof(e));
	e.fenter.h = (struct gp_ev_hdr){5500, GP_EV_FUTEX_ENTER, 0, 10, 10};
	e.fenter.uaddr = 0x7f0000001000;
	put(&in, &n, &e);
	put(&in, &n, (union gp_event[]){sw(UINT64_MAX, 10, 11, 7, 1800, 4, "worker-0", "w")});
	memset(&e, 0, sizeof(e));
	e.fexit.h = (struct gp_ev_hdr){7000, GP_EV_FUTEX_EXIT, 1, 10, 10};
	e.fexit.ret = -110;
	put(&in, &n, &e);
	put(&in, &n, (union gp_event[]){sw(0, 10, 10, 8, 1900, 1, "worker-0", "worker-0")});
	roundtrip(&in, n);
	bytes_free(&in);
}

Test(recevents, a_thread_that_keeps_switching_costs_little)
{
	struct gp_bytes in = {0}, enc = {0};
	uint32_t n = 0;
	uint64_t runtime = 1000;
	unsigned char z[1 << 16];
	unsigned long zlen = sizeof(z);

	for (uint32_t i = 0; i < 1000; i++) {
		runtime += 5000 + (i * 7919) % 3000;
		put(&in, &n,
		    (union gp_event[]){sw(1000000 + i * 10000ull, 100 + i % 2, 101 - i % 2, i / 2,
					  runtime, 1000000 + i * 10000ull - 20 - i % 50,
					  i % 2 ? "worker-1" : "worker-0",
					  i % 2 ? "worker-0" : "worker-1")});
	}
	roundtrip(&in, n);
	cr_assert_eq(recfmt_events_encode(in.p, in.len, n, &enc), 0);
	cr_assert_eq(compress2(z, &zlen, enc.p, enc.len, 6), 0);
	/* the counters, names and wakeups that repeat per thread: 1.2 bytes a switch (4.5 when
	 * they were stored as they are) */
	cr_assert_lt(zlen, 3 * n, "%lu bytes for %u switches", zlen, n);
	bytes_free(&in);
	bytes_free(&enc);
}

Test(recevents, damaged_events_are_refused)
{
	struct gp_bytes in = {0}, enc = {0}, out = {0};
	uint32_t n = 0, n2;

	put(&in, &n, (union gp_event[]){sw(1000, 10, 11, 5, 700, 0, "a", "b")});
	put(&in, &n, (union gp_event[]){sw(2000, 11, 10, 5, 700, 0, "b", "a")});
	cr_assert_eq(recfmt_events_encode(in.p, in.len, n, &enc), 0);
	/* the first record's type plane says futex exit: its size no longer fits */
	enc.p[4] = GP_EV_FUTEX_EXIT;
	cr_assert_eq(recfmt_events_decode(enc.p, enc.len, &out, &n2), -EINVAL);
	enc.p[4] = GP_EV_STACK;
	cr_assert_eq(recfmt_events_decode(enc.p, enc.len, &out, &n2), -EINVAL,
		     "raw stacks never reach a recording's events");
	bytes_free(&in);
	bytes_free(&enc);
	bytes_free(&out);
}
