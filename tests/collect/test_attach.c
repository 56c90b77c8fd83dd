// SPDX-License-Identifier: GPL-2.0
/* The parsers of an attached thread's snapshot, on the texts /proc gives. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include "collect/attach.h"

Test(attach_parse, stat_state_comm_and_flags)
{
	struct gp_ev_attach ev;
	unsigned long flags = 0;

	cr_assert_eq(attach_parse_stat("42 (a (b) c) S 1 42 42 0 -1 4194560 90 0 0 0", &ev, &flags),
		     0);
	cr_assert_str_eq(ev.comm, "a (b) c", "the comm ends at the last parenthesis");
	cr_assert_eq(ev.state, GP_AS_SLEEPING);
	cr_assert_eq(flags, 4194560);
	cr_assert_eq(attach_parse_stat("7 (w) R 1 1 1 0 -1 0", &ev, NULL), 0);
	cr_assert_eq(ev.state, GP_AS_RUNNABLE);
	cr_assert_eq(attach_parse_stat("7 (w) D 1 1 1 0 -1 0", &ev, NULL), 0);
	cr_assert_eq(ev.state, GP_AS_DISK);
	cr_assert_eq(attach_parse_stat("7 (w) t 1 1 1 0 -1 0", &ev, NULL), 0);
	cr_assert_eq(ev.state, GP_AS_SLEEPING, "stopped by a tracer: woken by someone else");
	cr_assert_eq(attach_parse_stat("7 (w) Z 1 1 1 0 -1 0", &ev, NULL), -ESRCH);
	cr_assert_eq(attach_parse_stat("7 (w)", &ev, NULL), -EINVAL);
	cr_assert_eq(attach_parse_stat("garbage", &ev, NULL), -EINVAL);
	cr_assert_eq(attach_parse_stat("1 (a-very-long-thread-name) S 1 1 1 0 -1 0", &ev, NULL), 0);
	cr_assert_eq(strlen(ev.comm), GP_COMM_LEN - 1);
}

Test(attach_parse, futex_waits_from_the_syscall_line)
{
	struct gp_ev_attach ev = {.state = GP_AS_SLEEPING};

	/* FUTEX_WAIT_BITSET|PRIVATE with a timeout */
	cr_assert_eq(attach_parse_syscall("202 0x55d0c0de0230 0x89 0x0 0x7ffd1000 0x0 0xffffffff "
					  "0x7ffd0ff8 0x7f0012345678",
					  getpid(), &ev),
		     1);
	cr_assert(ev.in_futex);
	cr_assert_eq(ev.futex_uaddr, 0x55d0c0de0230);
	cr_assert_eq(ev.futex_op, 0x89);
	cr_assert_eq(ev.futex_sys, GP_FUTEX_SYS_FUTEX);
	/* FUTEX_WAIT without a timeout */
	cr_assert_eq(attach_parse_syscall("202 0x1000 0x80 0x2 0x0 0x0 0x0 0x1 0x2", getpid(), &ev),
		     0);
	cr_assert(ev.in_futex);
	/* FUTEX_WAKE is no wait; read(2) is none either */
	cr_assert_eq(attach_parse_syscall("202 0x1000 0x81 0x1 0x0 0x0 0x0 0x1 0x2", getpid(), &ev),
		     0);
	cr_assert_not(ev.in_futex);
	cr_assert_eq(attach_parse_syscall("0 0x3 0x1000 0x10 0x0 0x0 0x0 0x1 0x2", getpid(), &ev),
		     0);
	cr_assert_not(ev.in_futex);
	cr_assert_eq(attach_parse_syscall("running", getpid(), &ev), 0);
	cr_assert_not(ev.in_futex);
	cr_assert_eq(attach_parse_syscall("-1 0x7ffd0ff8 0x7f0012345678", getpid(), &ev), 0);
	cr_assert_not(ev.in_futex);
	/* futex_wait(2): its flags are the 4th argument, its timeout the 5th */
	cr_assert_eq(attach_parse_syscall("455 0x2000 0x0 0xffffffff 0x82 0x7ffd1000 0x1 0x1 0x2",
					  getpid(), &ev),
		     1);
	cr_assert(ev.in_futex);
	cr_assert_eq(ev.futex_sys, GP_FUTEX_SYS_WAIT);
	cr_assert_eq(ev.futex_op, 0x82);
	/* runnable inside a futex call: not waiting */
	ev.state = GP_AS_RUNNABLE;
	cr_assert_eq(attach_parse_syscall("202 0x1000 0x80 0x2 0x0 0x0 0x0 0x1 0x2", getpid(), &ev),
		     0);
	cr_assert_not(ev.in_futex);
}

/* futex_waitv(2): the first word is read from the process's memory (here, this one's). */
Test(attach_parse, futex_waitv_reads_its_first_word)
{
	struct {
		uint64_t val, uaddr;
		uint32_t flags, reserved;
	} w[2] = {{0, 0x4242000, 0x82, 0}, {0, 0x5000, 0x82, 0}};
	struct gp_ev_attach ev = {.state = GP_AS_SLEEPING};
	char line[160];

	snprintf(line, sizeof(line), "449 %p 0x2 0x0 0x0 0x1 0x0 0x1 0x2", (void *)w);
	cr_assert_eq(attach_parse_syscall(line, getpid(), &ev), 0);
	cr_assert(ev.in_futex);
	cr_assert_eq(ev.futex_sys, GP_FUTEX_SYS_WAITV);
	cr_assert_eq(ev.futex_uaddr, 0x4242000);
	cr_assert_eq(ev.futex_op, 0x82);
}

Test(attach_parse, switch_counters_from_status)
{
	struct gp_ev_attach ev = {0};

	attach_parse_status("Name:\tx\nvoluntary_ctxt_switches:\t1234\n"
			    "nonvoluntary_ctxt_switches:\t56\n",
			    &ev);
	cr_assert_eq(ev.nvcsw, 1234);
	cr_assert_eq(ev.nivcsw, 56);
}
