// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/futex.h>
#include <stdio.h>
#include <string.h>

#include "model/futex.h"

/*
 * What futex(2) does with each command, written out from the man page and kernel/futex/syscalls.c
 * independently of the table in futex.c.
 */
struct cmd_expect {
	uint32_t cmd;
	const char *name;
	bool wait_kind;
	bool realtime_ok;
	bool removed;
	enum gp_futex_timeout timeout;
	enum gp_futex_clock clock; /* without FUTEX_CLOCK_REALTIME */
};

static const struct cmd_expect expects[] = {
	{FUTEX_WAIT, "WAIT", true, false, false, GP_FUTEX_TIMEOUT_RELATIVE,
	 GP_FUTEX_CLOCK_MONOTONIC},
	{FUTEX_WAKE, "WAKE", false, false, false, GP_FUTEX_TIMEOUT_NONE, GP_FUTEX_CLOCK_NONE},
	{FUTEX_FD, "FD", false, false, true, GP_FUTEX_TIMEOUT_NONE, GP_FUTEX_CLOCK_NONE},
	{FUTEX_REQUEUE, "REQUEUE", false, false, false, GP_FUTEX_TIMEOUT_NONE, GP_FUTEX_CLOCK_NONE},
	{FUTEX_CMP_REQUEUE, "CMP_REQUEUE", false, false, false, GP_FUTEX_TIMEOUT_NONE,
	 GP_FUTEX_CLOCK_NONE},
	{FUTEX_WAKE_OP, "WAKE_OP", false, false, false, GP_FUTEX_TIMEOUT_NONE, GP_FUTEX_CLOCK_NONE},
	{FUTEX_LOCK_PI, "LOCK_PI", true, false, false, GP_FUTEX_TIMEOUT_ABSOLUTE,
	 GP_FUTEX_CLOCK_REALTIME},
	{FUTEX_UNLOCK_PI, "UNLOCK_PI", false, false, false, GP_FUTEX_TIMEOUT_NONE,
	 GP_FUTEX_CLOCK_NONE},
	{FUTEX_TRYLOCK_PI, "TRYLOCK_PI", false, false, false, GP_FUTEX_TIMEOUT_NONE,
	 GP_FUTEX_CLOCK_NONE},
	{FUTEX_WAIT_BITSET, "WAIT_BITSET", true, true, false, GP_FUTEX_TIMEOUT_ABSOLUTE,
	 GP_FUTEX_CLOCK_MONOTONIC},
	{FUTEX_WAKE_BITSET, "WAKE_BITSET", false, false, false, GP_FUTEX_TIMEOUT_NONE,
	 GP_FUTEX_CLOCK_NONE},
	{FUTEX_WAIT_REQUEUE_PI, "WAIT_REQUEUE_PI", true, true, false, GP_FUTEX_TIMEOUT_ABSOLUTE,
	 GP_FUTEX_CLOCK_MONOTONIC},
	{FUTEX_CMP_REQUEUE_PI, "CMP_REQUEUE_PI", false, false, false, GP_FUTEX_TIMEOUT_NONE,
	 GP_FUTEX_CLOCK_NONE},
	{FUTEX_LOCK_PI2, "LOCK_PI2", true, true, false, GP_FUTEX_TIMEOUT_ABSOLUTE,
	 GP_FUTEX_CLOCK_MONOTONIC},
};

#define NEXPECTS (sizeof(expects) / sizeof(expects[0]))

static const uint32_t flag_sets[] = {0, FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME,
				     FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME};

static void name_expect(uint32_t op, const char *want)
{
	char buf[GP_FUTEX_NAME_LEN];

	cr_assert_eq(futex_op_name(op, buf, sizeof(buf)), 0, "op %#x", op);
	cr_assert_str_eq(buf, want, "op %#x", op);
}

static void flags_suffix(uint32_t flags, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", flags & FUTEX_PRIVATE_FLAG ? "|PRIVATE" : "",
		 flags & FUTEX_CLOCK_REALTIME ? "|CLOCK_REALTIME" : "");
}

static void cmd_check(const struct cmd_expect *x, uint32_t flags)
{
	uint32_t op = x->cmd | flags;
	bool rt = flags & FUTEX_CLOCK_REALTIME;
	bool rejected = x->removed || (rt && !x->realtime_ok);
	char want[GP_FUTEX_NAME_LEN], suffix[40];
	struct gp_futex_op d;

	futex_op_decode(op, &d);
	cr_assert_eq(d.cmd, x->cmd, "op %#x", op);
	cr_assert(d.known, "op %#x", op);
	cr_assert_eq(d.private_flag, !!(flags & FUTEX_PRIVATE_FLAG), "op %#x", op);
	cr_assert_eq(d.clock_realtime, rt, "op %#x", op);
	cr_assert_eq(d.rejected, rejected, "op %#x", op);
	cr_assert_eq(d.wait_kind, x->wait_kind, "op %#x", op);
	cr_assert_eq(d.can_block, x->wait_kind && !rejected, "op %#x", op);
	if (rejected) {
		cr_assert_eq(d.timeout, GP_FUTEX_TIMEOUT_NONE, "op %#x", op);
		cr_assert_eq(d.clock, GP_FUTEX_CLOCK_NONE, "op %#x", op);
	} else {
		cr_assert_eq(d.timeout, x->timeout, "op %#x", op);
		cr_assert_eq(d.clock, rt ? GP_FUTEX_CLOCK_REALTIME : x->clock, "op %#x", op);
	}
	cr_assert_str_eq(futex_cmd_name(x->cmd), x->name);
	flags_suffix(flags, suffix, sizeof(suffix));
	snprintf(want, sizeof(want), "%s%s", x->name, suffix);
	name_expect(op, want);
}

Test(futex, every_command_with_every_flag_combination)
{
	cr_assert_eq(NEXPECTS, GP_FUTEX_NCMDS);
	for (size_t i = 0; i < NEXPECTS; i++)
		for (size_t f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++)
			cmd_check(&expects[i], flag_sets[f]);
}

/* The values glibc 2.36 and the kernel's own _PRIVATE constants actually pass. */
Test(futex, common_op_words)
{
	name_expect(FUTEX_WAIT_PRIVATE, "WAIT|PRIVATE");
	name_expect(FUTEX_WAKE_PRIVATE, "WAKE|PRIVATE");
	name_expect(FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME,
		    "WAIT_BITSET|PRIVATE|CLOCK_REALTIME");
	name_expect(FUTEX_LOCK_PI2_PRIVATE, "LOCK_PI2|PRIVATE");
	name_expect(FUTEX_CMP_REQUEUE_PI_PRIVATE, "CMP_REQUEUE_PI|PRIVATE");
	name_expect(0x189, "WAIT_BITSET|PRIVATE|CLOCK_REALTIME");
}

Test(futex, timeouts_follow_the_kernel)
{
	struct gp_futex_op d;

	/* FUTEX_WAIT: an interval, measured on CLOCK_MONOTONIC. */
	futex_op_decode(FUTEX_WAIT_PRIVATE, &d);
	cr_assert_eq(d.timeout, GP_FUTEX_TIMEOUT_RELATIVE);
	cr_assert_eq(d.clock, GP_FUTEX_CLOCK_MONOTONIC);
	/* ...and the kernel refuses it a realtime clock. */
	futex_op_decode(FUTEX_WAIT | FUTEX_CLOCK_REALTIME, &d);
	cr_assert(d.rejected && d.wait_kind && !d.can_block);
	/* LOCK_PI: a CLOCK_REALTIME deadline without asking for it, and ENOSYS when asked. */
	futex_op_decode(FUTEX_LOCK_PI_PRIVATE, &d);
	cr_assert_eq(d.timeout, GP_FUTEX_TIMEOUT_ABSOLUTE);
	cr_assert_eq(d.clock, GP_FUTEX_CLOCK_REALTIME);
	futex_op_decode(FUTEX_LOCK_PI | FUTEX_CLOCK_REALTIME, &d);
	cr_assert(d.rejected);
	/* LOCK_PI2 exists to make the clock selectable. */
	futex_op_decode(FUTEX_LOCK_PI2, &d);
	cr_assert_eq(d.clock, GP_FUTEX_CLOCK_MONOTONIC);
	futex_op_decode(FUTEX_LOCK_PI2 | FUTEX_CLOCK_REALTIME, &d);
	cr_assert_eq(d.timeout, GP_FUTEX_TIMEOUT_ABSOLUTE);
	cr_assert_eq(d.clock, GP_FUTEX_CLOCK_REALTIME);
	/* TRYLOCK_PI returns EAGAIN instead of blocking, whatever its 4th argument. */
	futex_op_decode(FUTEX_TRYLOCK_PI_PRIVATE, &d);
	cr_assert(!d.wait_kind && !d.can_block);
	cr_assert_eq(d.timeout, GP_FUTEX_TIMEOUT_NONE);
	/* FUTEX_FD is gone since Linux 2.6.26. */
	futex_op_decode(FUTEX_FD, &d);
	cr_assert(d.known && d.rejected);
	/* CMP_REQUEUE's 4th argument is val2, a count. */
	futex_op_decode(FUTEX_CMP_REQUEUE_PRIVATE, &d);
	cr_assert_eq(d.timeout, GP_FUTEX_TIMEOUT_NONE);
}

Test(futex, unknown_commands)
{
	struct gp_futex_op d;

	name_expect(14, "UNKNOWN(14)");
	name_expect(42 | FUTEX_PRIVATE_FLAG, "UNKNOWN(42)|PRIVATE");
	name_expect(127 | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME,
		    "UNKNOWN(127)|PRIVATE|CLOCK_REALTIME");
	/* Bits above the flags belong to the command: 0x200 is not FUTEX_WAIT. */
	name_expect(0x200, "UNKNOWN(512)");
	name_expect(0x201 | FUTEX_PRIVATE_FLAG, "UNKNOWN(513)|PRIVATE");
	name_expect(UINT32_MAX, "UNKNOWN(4294966911)|PRIVATE|CLOCK_REALTIME");
	futex_op_decode(0x200, &d);
	cr_assert_eq(d.cmd, 512);
	cr_assert(!d.known && d.rejected && !d.wait_kind && !d.can_block);
	cr_assert_eq(d.timeout, GP_FUTEX_TIMEOUT_NONE);
	cr_assert_eq(d.clock, GP_FUTEX_CLOCK_NONE);
	cr_assert_null(futex_cmd_name(14));
	cr_assert_null(futex_cmd_name(512));
}

Test(futex, names_fit_or_say_so)
{
	char buf[GP_FUTEX_NAME_LEN];

	cr_assert_eq(futex_op_name(FUTEX_WAIT, buf, 0), -EINVAL);
	cr_assert_eq(futex_op_name(FUTEX_WAIT, NULL, 8), -EINVAL);
	cr_assert_eq(futex_op_name(FUTEX_WAIT_BITSET_PRIVATE, buf, 8), -ENOSPC);
	cr_assert_str_eq(buf, "WAIT_BI");
	cr_assert_eq(futex_op_name(FUTEX_WAIT_PRIVATE, buf, 5), -ENOSPC);
	cr_assert_str_eq(buf, "WAIT");
	cr_assert_eq(futex_op_name(FUTEX_WAIT_PRIVATE, buf, 13), 0);
	cr_assert_str_eq(buf, "WAIT|PRIVATE");
	cr_assert_eq(futex2_flags_name(GP_FUTEX2_SIZE_U32, buf, 1), -ENOSPC);
	cr_assert_str_eq(buf, "");
	/* The longest names fit in GP_FUTEX_NAME_LEN. */
	cr_assert_eq(futex_op_name(UINT32_MAX, buf, sizeof(buf)), 0);
	cr_assert_eq(futex2_flags_name(UINT32_MAX, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "U64|NUMA|MPOL|PRIVATE|0xffffff70");
	cr_assert_eq(futex_wait_name(GP_FUTEX_SYSCALL_WAITV, UINT32_MAX, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "futex_waitv(U64|NUMA|MPOL|PRIVATE|0xffffff70)");
}

static void flags_expect(uint32_t flags, unsigned int size, bool numa, bool mpol, bool priv,
			 uint32_t unknown, const char *name)
{
	struct gp_futex2_flags d;
	char buf[GP_FUTEX_NAME_LEN];

	futex2_flags_decode(flags, &d);
	cr_assert_eq(d.size, size, "flags %#x", flags);
	cr_assert_eq(d.numa, numa, "flags %#x", flags);
	cr_assert_eq(d.mpol, mpol, "flags %#x", flags);
	cr_assert_eq(d.private_flag, priv, "flags %#x", flags);
	cr_assert_eq(d.unknown, unknown, "flags %#x", flags);
	cr_assert_eq(futex2_flags_name(flags, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, name);
}

Test(futex, futex2_flags)
{
	flags_expect(GP_FUTEX2_SIZE_U8, 1, false, false, false, 0, "U8");
	flags_expect(GP_FUTEX2_SIZE_U16, 2, false, false, false, 0, "U16");
	flags_expect(GP_FUTEX2_SIZE_U32, 4, false, false, false, 0, "U32");
	flags_expect(GP_FUTEX2_SIZE_U64, 8, false, false, false, 0, "U64");
	/* What glibc-free users of futex_waitv pass: FUTEX_32 | FUTEX_PRIVATE_FLAG. */
	flags_expect(FUTEX_32 | FUTEX_PRIVATE_FLAG, 4, false, false, true, 0, "U32|PRIVATE");
	flags_expect(GP_FUTEX2_SIZE_U32 | GP_FUTEX2_NUMA, 4, true, false, false, 0, "U32|NUMA");
	flags_expect(GP_FUTEX2_SIZE_U16 | GP_FUTEX2_NUMA | GP_FUTEX2_MPOL | GP_FUTEX2_PRIVATE, 2,
		     true, true, true, 0, "U16|NUMA|MPOL|PRIVATE");
	flags_expect(GP_FUTEX2_SIZE_U8 | 0x30, 1, false, false, false, 0x30, "U8|0x30");
	/* FUTEX_CLOCK_REALTIME means nothing to futex2: the clock is an argument. */
	flags_expect(GP_FUTEX2_SIZE_U32 | GP_FUTEX2_PRIVATE | FUTEX_CLOCK_REALTIME, 4, false, false,
		     true, 0x100, "U32|PRIVATE|0x100");
}

Test(futex, syscall_kinds)
{
	struct gp_futex_wait w;
	char buf[GP_FUTEX_NAME_LEN];

	cr_assert_str_eq(futex_sys_name(GP_FUTEX_SYSCALL_FUTEX), "futex");
	cr_assert_str_eq(futex_sys_name(GP_FUTEX_SYSCALL_WAITV), "futex_waitv");
	cr_assert_str_eq(futex_sys_name(GP_FUTEX_SYSCALL_WAIT), "futex_wait");
	cr_assert_null(futex_sys_name(3));

	cr_assert_eq(futex_wait_decode(GP_FUTEX_SYSCALL_FUTEX, FUTEX_WAIT_BITSET_PRIVATE, &w), 0);
	cr_assert(w.can_block && w.private_flag);
	cr_assert_eq(w.sys, GP_FUTEX_SYSCALL_FUTEX);
	cr_assert_eq(w.timeout, GP_FUTEX_TIMEOUT_ABSOLUTE);
	cr_assert_eq(w.clock, GP_FUTEX_CLOCK_MONOTONIC);
	cr_assert_eq(futex_wait_decode(GP_FUTEX_SYSCALL_FUTEX, FUTEX_WAKE, &w), 0);
	cr_assert(!w.can_block && !w.private_flag);

	cr_assert_eq(futex_wait_decode(GP_FUTEX_SYSCALL_WAITV, FUTEX_32 | FUTEX_PRIVATE_FLAG, &w),
		     0);
	cr_assert(w.can_block && w.private_flag);
	cr_assert_eq(w.sys, GP_FUTEX_SYSCALL_WAITV);
	cr_assert_eq(w.timeout, GP_FUTEX_TIMEOUT_ABSOLUTE);
	cr_assert_eq(w.clock, GP_FUTEX_CLOCK_ARG);
	cr_assert_eq(futex_wait_decode(GP_FUTEX_SYSCALL_WAIT, FUTEX_32, &w), 0);
	cr_assert(w.can_block && !w.private_flag);
	cr_assert_eq(w.sys, GP_FUTEX_SYSCALL_WAIT);
	cr_assert_eq(w.clock, GP_FUTEX_CLOCK_ARG);
	cr_assert_eq(futex_wait_decode(3, 0, &w), -EINVAL);

	cr_assert_eq(futex_wait_name(GP_FUTEX_SYSCALL_FUTEX, FUTEX_WAIT_BITSET_PRIVATE, buf,
				     sizeof(buf)),
		     0);
	cr_assert_str_eq(buf, "WAIT_BITSET|PRIVATE");
	cr_assert_eq(futex_wait_name(GP_FUTEX_SYSCALL_WAITV, FUTEX_32 | FUTEX_PRIVATE_FLAG, buf,
				     sizeof(buf)),
		     0);
	cr_assert_str_eq(buf, "futex_waitv(U32|PRIVATE)");
	cr_assert_eq(futex_wait_name(GP_FUTEX_SYSCALL_WAIT, FUTEX_32, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "futex_wait(U32)");
	cr_assert_eq(futex_wait_name(GP_FUTEX_SYSCALL_WAIT, FUTEX_32, buf, 12), -ENOSPC);
	cr_assert_str_eq(buf, "futex_wait(");
	cr_assert_eq(futex_wait_name(7, 0, buf, sizeof(buf)), -EINVAL);
	cr_assert_str_eq(buf, "");
}

static void ret_expect(uint32_t sys, int64_t ret, enum gp_futex_ret want, const char *name)
{
	enum gp_futex_ret r = futex_ret_classify(sys, ret);

	cr_assert_eq(r, want, "sys %u ret %lld", sys, (long long)ret);
	cr_assert_str_eq(futex_ret_name(r), name);
}

Test(futex, return_values)
{
	for (uint32_t sys = GP_FUTEX_SYSCALL_FUTEX; sys <= GP_FUTEX_SYSCALL_WAIT; sys++) {
		ret_expect(sys, 0, GP_FUTEX_RET_WOKEN, "woken");
		ret_expect(sys, -ETIMEDOUT, GP_FUTEX_RET_TIMEDOUT, "timedout");
		ret_expect(sys, -EAGAIN, GP_FUTEX_RET_AGAIN, "again");
		ret_expect(sys, -EWOULDBLOCK, GP_FUTEX_RET_AGAIN, "again");
		ret_expect(sys, -EINTR, GP_FUTEX_RET_INTERRUPTED, "interrupted");
		/* ERESTARTSYS and kin, as the sys_exit tracepoint sees a signal's interruption */
		ret_expect(sys, -512, GP_FUTEX_RET_INTERRUPTED, "interrupted");
		ret_expect(sys, -513, GP_FUTEX_RET_INTERRUPTED, "interrupted");
		ret_expect(sys, -514, GP_FUTEX_RET_INTERRUPTED, "interrupted");
		ret_expect(sys, -516, GP_FUTEX_RET_INTERRUPTED, "interrupted");
		/* ENOIOCTLCMD sits among them but is no restart */
		ret_expect(sys, -515, GP_FUTEX_RET_ERROR, "error");
		ret_expect(sys, -ENOSYS, GP_FUTEX_RET_ERROR, "error");
		ret_expect(sys, -EINVAL, GP_FUTEX_RET_ERROR, "error");
		ret_expect(sys, -EFAULT, GP_FUTEX_RET_ERROR, "error");
		ret_expect(sys, -EDEADLK, GP_FUTEX_RET_ERROR, "error");
		ret_expect(sys, INT64_MIN, GP_FUTEX_RET_ERROR, "error");
	}
	/* futex_waitv returns the index of a woken word. */
	ret_expect(GP_FUTEX_SYSCALL_WAITV, 1, GP_FUTEX_RET_WOKEN, "woken");
	ret_expect(GP_FUTEX_SYSCALL_WAITV, 127, GP_FUTEX_RET_WOKEN, "woken");
	/* A wait of the other two has no positive result. */
	ret_expect(GP_FUTEX_SYSCALL_FUTEX, 1, GP_FUTEX_RET_ERROR, "error");
	ret_expect(GP_FUTEX_SYSCALL_WAIT, 1, GP_FUTEX_RET_ERROR, "error");
	cr_assert_null(futex_ret_name(GP_FUTEX_RET_KINDS));
	cr_assert_null(futex_ret_name((enum gp_futex_ret) - 1));
}
