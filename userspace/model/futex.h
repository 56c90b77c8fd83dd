/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding of futex syscall arguments and results (pure functions), as the kernel interprets them
 * (kernel/futex/syscalls.c): which futex(2) commands can block their caller, what their timeout
 * argument means, the futex2 flags of futex_waitv(2) and futex_wait(2), and what a wait's return
 * value says about how it ended.
 *
 * Names are the kernel's constants without their prefix, flags joined by '|':
 *   "WAIT_BITSET|PRIVATE|CLOCK_REALTIME"   a futex(2) op word: command, then flags
 *   "UNKNOWN(42)|PRIVATE"                  a command the kernel does not know (decimal)
 *   "U32|NUMA|PRIVATE", "U8|0x30"          futex2 flags: word size, then flags, then any
 *                                          unknown bits in hex
 *   "futex_waitv(U32|PRIVATE)"             a wait of a futex2 syscall, with its flags
 */
#ifndef GP_FUTEX_H
#define GP_FUTEX_H

#include <linux/futex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The command of a futex(2) op word is what remains without the two flag bits, high bits
 * included: op 0x200 is the unknown command 512 (ENOSYS), not FUTEX_WAIT. Not the header's
 * FUTEX_CMD_MASK, which newer kernels shrink as they add flags.
 */
#define GP_FUTEX_CMD_MASK (~(uint32_t)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define GP_FUTEX_NCMDS 14 /* FUTEX_WAIT (0) .. FUTEX_LOCK_PI2 (13) */

/*
 * futex2 flags (futex_waitv's per-word flags, futex_wait's flags): Linux 6.7's uapi, newer than
 * the headers of Debian 12, which only have FUTEX_32.
 */
#define GP_FUTEX2_SIZE_U8 0x00
#define GP_FUTEX2_SIZE_U16 0x01
#define GP_FUTEX2_SIZE_U32 0x02
#define GP_FUTEX2_SIZE_U64 0x03
#define GP_FUTEX2_SIZE_MASK 0x03
#define GP_FUTEX2_NUMA 0x04 /* the word is followed by a NUMA node word */
#define GP_FUTEX2_MPOL 0x08 /* the node follows the memory policy (Linux 6.16) */
#define GP_FUTEX2_PRIVATE FUTEX_PRIVATE_FLAG
#define GP_FUTEX2_KNOWN_MASK \
	(GP_FUTEX2_SIZE_MASK | GP_FUTEX2_NUMA | GP_FUTEX2_MPOL | GP_FUTEX2_PRIVATE)

/* Room for any name written by this module, NUL included. */
#define GP_FUTEX_NAME_LEN 64

/*
 * Which syscall carried a wait: the values of enum gp_futex_sys in bpf/gilprof.h, which the
 * event's sys field holds (futex.c checks that they match). An enum of its own keeps this header
 * free of the BPF header's __u32 types.
 */
enum gp_futex_syscall {
	GP_FUTEX_SYSCALL_FUTEX = 0, /* futex(2) */
	GP_FUTEX_SYSCALL_WAITV = 1, /* futex_waitv(2) */
	GP_FUTEX_SYSCALL_WAIT = 2, /* futex_wait(2), the futex2 single-word wait */
	GP_FUTEX_SYSCALLS,
};

/* What the timeout argument (the 4th of futex(2)) is for a command. */
enum gp_futex_timeout {
	GP_FUTEX_TIMEOUT_NONE = 0, /* none: the argument is val2 or unused, or the op is rejected */
	GP_FUTEX_TIMEOUT_RELATIVE = 1, /* an interval from the call */
	GP_FUTEX_TIMEOUT_ABSOLUTE = 2, /* a deadline on the clock below */
};

enum gp_futex_clock {
	GP_FUTEX_CLOCK_NONE = 0, /* no timeout */
	GP_FUTEX_CLOCK_MONOTONIC = 1,
	GP_FUTEX_CLOCK_REALTIME = 2,
	GP_FUTEX_CLOCK_ARG = 3, /* futex_waitv, futex_wait: their clockid argument chooses */
};

/* A decoded futex(2) op word. */
struct gp_futex_op {
	uint32_t cmd; /* op & GP_FUTEX_CMD_MASK */
	bool known; /* cmd is FUTEX_WAIT .. FUTEX_LOCK_PI2 */
	bool private_flag; /* FUTEX_PRIVATE_FLAG: the word is private to the process */
	bool clock_realtime; /* FUTEX_CLOCK_REALTIME */
	/*
	 * The kernel returns ENOSYS at once: an unknown command, FD (removed in Linux 2.6.26), or
	 * FUTEX_CLOCK_REALTIME on a command other than WAIT_BITSET, WAIT_REQUEUE_PI and LOCK_PI2
	 * (FUTEX_WAIT included).
	 */
	bool rejected;
	/*
	 * A wait kind: WAIT, WAIT_BITSET, LOCK_PI, LOCK_PI2, WAIT_REQUEUE_PI, by the command alone
	 * (the BPF side traces these). Not TRYLOCK_PI: it returns EAGAIN instead of blocking.
	 */
	bool wait_kind;
	bool can_block; /* wait_kind and not rejected */
	/*
	 * WAIT: relative, on CLOCK_MONOTONIC. WAIT_BITSET, WAIT_REQUEUE_PI, LOCK_PI2: absolute, on
	 * CLOCK_MONOTONIC or with FUTEX_CLOCK_REALTIME on CLOCK_REALTIME. LOCK_PI: absolute, always
	 * on CLOCK_REALTIME. Other commands: none.
	 */
	enum gp_futex_timeout timeout;
	enum gp_futex_clock clock;
};

void futex_op_decode(uint32_t op, struct gp_futex_op *out);

/* "WAIT_BITSET" for a command (without flags), NULL when unknown. */
const char *futex_cmd_name(uint32_t cmd);

/*
 * Write the name of an op word ("LOCK_PI2|PRIVATE") into buf, NUL-terminated. Returns 0,
 * -ENOSPC when it was truncated to fit len, -EINVAL for an empty buffer.
 */
int futex_op_name(uint32_t op, char *buf, size_t len);

/* Decoded futex2 flags. */
struct gp_futex2_flags {
	unsigned int size; /* bytes of the futex word: 1, 2, 4 or 8 */
	bool numa; /* FUTEX2_NUMA */
	bool mpol; /* FUTEX2_MPOL */
	bool private_flag; /* FUTEX2_PRIVATE */
	uint32_t unknown; /* bits no kernel defines yet; the kernel rejects them with EINVAL */
};

void futex2_flags_decode(uint32_t flags, struct gp_futex2_flags *out);

/* Write the name of futex2 flags ("U32|PRIVATE"). Same returns as futex_op_name(). */
int futex2_flags_name(uint32_t flags, char *buf, size_t len);

/* "futex", "futex_waitv", "futex_wait" for an enum gp_futex_syscall, NULL when unknown. */
const char *futex_sys_name(uint32_t sys);

/*
 * A traced wait: the (sys, op) pair of struct gp_ev_futex_enter, where op is a futex(2) op word for
 * GP_FUTEX_SYSCALL_FUTEX and futex2 flags for the futex2 syscalls. Both futex2 syscalls always wait
 * and take an absolute timeout on the clock of their clockid argument.
 */
struct gp_futex_wait {
	enum gp_futex_syscall sys;
	bool can_block; /* false for a futex(2) op that is no wait kind or is rejected */
	bool private_flag;
	enum gp_futex_timeout timeout;
	enum gp_futex_clock clock;
};

/* Returns 0, or -EINVAL for an unknown sys. */
int futex_wait_decode(uint32_t sys, uint32_t op, struct gp_futex_wait *out);

/*
 * Name a traced wait: the op name for futex(2) ("WAIT_BITSET|PRIVATE"), else the syscall and its
 * flags ("futex_waitv(U32|PRIVATE)"). Same returns as futex_op_name(); -EINVAL for an unknown sys,
 * with buf left empty.
 */
int futex_wait_name(uint32_t sys, uint32_t op, char *buf, size_t len);

/* How a futex wait ended, from its return value. */
enum gp_futex_ret {
	/* 0, or for futex_waitv the index of a woken word: woken (or a spurious wakeup) */
	GP_FUTEX_RET_WOKEN = 0,
	GP_FUTEX_RET_TIMEDOUT = 1, /* -ETIMEDOUT: the timeout expired */
	GP_FUTEX_RET_AGAIN = 2, /* -EAGAIN: the word no longer held the expected value, no sleep */
	/*
	 * -EINTR, or a kernel-internal restart code (ERESTARTSYS 512, ERESTARTNOINTR 513,
	 * ERESTARTNOHAND 514, ERESTART_RESTARTBLOCK 516): the syscall exit tracepoint runs before
	 * signal delivery turns those into EINTR or a restart, and a restarted wait is traced again
	 * as a new wait.
	 */
	GP_FUTEX_RET_INTERRUPTED = 3,
	GP_FUTEX_RET_ERROR = 4, /* any other error, or a positive value where none is defined */
	GP_FUTEX_RET_KINDS,
};

enum gp_futex_ret futex_ret_classify(uint32_t sys, int64_t ret);

/* "woken", "timedout", "again", "interrupted", "error"; NULL out of range. */
const char *futex_ret_name(enum gp_futex_ret r);

#endif /* GP_FUTEX_H */
