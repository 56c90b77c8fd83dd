// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/types.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "model/futex.h"
#include "gilprof.h"

/* Kernel-internal errnos (include/linux/errno.h) that leak to the syscall exit tracepoint. */
#define GP_ERESTARTSYS 512
#define GP_ERESTARTNOINTR 513
#define GP_ERESTARTNOHAND 514
#define GP_ERESTART_RESTARTBLOCK 516

_Static_assert(FUTEX_PRIVATE_FLAG == 128 && FUTEX_CLOCK_REALTIME == 256,
	       "the flag bits of a futex(2) op word");
_Static_assert(FUTEX_LOCK_PI2 + 1 == GP_FUTEX_NCMDS, "one table row per futex(2) command");
_Static_assert(FUTEX_32 == GP_FUTEX2_SIZE_U32, "FUTEX_32 is the futex2 32-bit size");
_Static_assert((GP_FUTEX_CMD_MASK & (FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)) == 0 &&
		       (GP_FUTEX_CMD_MASK & 0x7f) == 0x7f,
	       "the command is the op word without its flags");
#ifdef FUTEX2_SIZE_U8
_Static_assert(FUTEX2_SIZE_U8 == GP_FUTEX2_SIZE_U8 && FUTEX2_SIZE_U16 == GP_FUTEX2_SIZE_U16 &&
		       FUTEX2_SIZE_U32 == GP_FUTEX2_SIZE_U32 &&
		       FUTEX2_SIZE_U64 == GP_FUTEX2_SIZE_U64 &&
		       FUTEX2_SIZE_MASK == GP_FUTEX2_SIZE_MASK && FUTEX2_NUMA == GP_FUTEX2_NUMA &&
		       FUTEX2_PRIVATE == GP_FUTEX2_PRIVATE,
	       "futex2 flags as the kernel headers define them");
#endif
#ifdef FUTEX2_MPOL
_Static_assert(FUTEX2_MPOL == GP_FUTEX2_MPOL, "FUTEX2_MPOL as the kernel headers define it");
#endif
_Static_assert((int)GP_FUTEX_SYSCALL_FUTEX == (int)GP_FUTEX_SYS_FUTEX &&
		       (int)GP_FUTEX_SYSCALL_WAITV == (int)GP_FUTEX_SYS_WAITV &&
		       (int)GP_FUTEX_SYSCALL_WAIT == (int)GP_FUTEX_SYS_WAIT,
	       "enum gp_futex_syscall is enum gp_futex_sys of bpf/gilprof.h");

struct cmd_info {
	const char *name;
	bool wait_kind;
	bool realtime_ok; /* FUTEX_CLOCK_REALTIME accepted */
	bool removed; /* ENOSYS whatever the flags */
	enum gp_futex_timeout timeout;
	enum gp_futex_clock clock; /* without FUTEX_CLOCK_REALTIME */
};

/* As kernel/futex/syscalls.c: do_futex(), futex_cmd_has_timeout(), futex_init_timeout(). */
static const struct cmd_info cmds[GP_FUTEX_NCMDS] = {
	[FUTEX_WAIT] = {"WAIT", .wait_kind = true, .timeout = GP_FUTEX_TIMEOUT_RELATIVE,
			.clock = GP_FUTEX_CLOCK_MONOTONIC},
	[FUTEX_WAKE] = {"WAKE"},
	[FUTEX_FD] = {"FD", .removed = true},
	[FUTEX_REQUEUE] = {"REQUEUE"},
	[FUTEX_CMP_REQUEUE] = {"CMP_REQUEUE"},
	[FUTEX_WAKE_OP] = {"WAKE_OP"},
	/* LOCK_PI predates clock selection: its deadline is on CLOCK_REALTIME, without the flag. */
	[FUTEX_LOCK_PI] = {"LOCK_PI", .wait_kind = true, .timeout = GP_FUTEX_TIMEOUT_ABSOLUTE,
			   .clock = GP_FUTEX_CLOCK_REALTIME},
	[FUTEX_UNLOCK_PI] = {"UNLOCK_PI"},
	[FUTEX_TRYLOCK_PI] = {"TRYLOCK_PI"},
	[FUTEX_WAIT_BITSET] = {"WAIT_BITSET", .wait_kind = true, .realtime_ok = true,
			       .timeout = GP_FUTEX_TIMEOUT_ABSOLUTE,
			       .clock = GP_FUTEX_CLOCK_MONOTONIC},
	[FUTEX_WAKE_BITSET] = {"WAKE_BITSET"},
	[FUTEX_WAIT_REQUEUE_PI] = {"WAIT_REQUEUE_PI", .wait_kind = true, .realtime_ok = true,
				   .timeout = GP_FUTEX_TIMEOUT_ABSOLUTE,
				   .clock = GP_FUTEX_CLOCK_MONOTONIC},
	[FUTEX_CMP_REQUEUE_PI] = {"CMP_REQUEUE_PI"},
	[FUTEX_LOCK_PI2] = {"LOCK_PI2", .wait_kind = true, .realtime_ok = true,
			    .timeout = GP_FUTEX_TIMEOUT_ABSOLUTE,
			    .clock = GP_FUTEX_CLOCK_MONOTONIC},
};

static const char *const futex_sys_names[] = {
	[GP_FUTEX_SYSCALL_FUTEX] = "futex",
	[GP_FUTEX_SYSCALL_WAITV] = "futex_waitv",
	[GP_FUTEX_SYSCALL_WAIT] = "futex_wait",
};

_Static_assert(sizeof(futex_sys_names) / sizeof(futex_sys_names[0]) == GP_FUTEX_SYSCALLS,
	       "one name per syscall kind");

static const char *const ret_names[GP_FUTEX_RET_KINDS] = {
	[GP_FUTEX_RET_WOKEN] = "woken", [GP_FUTEX_RET_TIMEDOUT] = "timedout",
	[GP_FUTEX_RET_AGAIN] = "again", [GP_FUTEX_RET_INTERRUPTED] = "interrupted",
	[GP_FUTEX_RET_ERROR] = "error",
};

/* A name being written piece by piece; the first truncation is remembered. */
struct namebuf {
	char *buf;
	size_t len, pos;
	bool truncated;
};

static int namebuf_init(struct namebuf *nb, char *buf, size_t len)
{
	if (!buf || !len)
		return -EINVAL;
	*nb = (struct namebuf){.buf = buf, .len = len};
	buf[0] = '\0';
	return 0;
}

__attribute__((format(printf, 2, 3))) static void namebuf_add(struct namebuf *nb, const char *fmt,
							      ...)
{
	va_list ap;
	int n;

	if (nb->truncated)
		return;
	va_start(ap, fmt);
	n = vsnprintf(nb->buf + nb->pos, nb->len - nb->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= nb->len - nb->pos) {
		nb->truncated = true;
		nb->pos = nb->len - 1;
		return;
	}
	nb->pos += (size_t)n;
}

static int namebuf_done(const struct namebuf *nb)
{
	return nb->truncated ? -ENOSPC : 0;
}

const char *futex_cmd_name(uint32_t cmd)
{
	return cmd < GP_FUTEX_NCMDS ? cmds[cmd].name : NULL;
}

void futex_op_decode(uint32_t op, struct gp_futex_op *out)
{
	const struct cmd_info *ci;

	*out = (struct gp_futex_op){
		.cmd = op & GP_FUTEX_CMD_MASK,
		.private_flag = op & FUTEX_PRIVATE_FLAG,
		.clock_realtime = op & FUTEX_CLOCK_REALTIME,
	};
	out->known = out->cmd < GP_FUTEX_NCMDS;
	if (!out->known) {
		out->rejected = true;
		return;
	}
	ci = &cmds[out->cmd];
	out->wait_kind = ci->wait_kind;
	out->rejected = ci->removed || (out->clock_realtime && !ci->realtime_ok);
	out->can_block = out->wait_kind && !out->rejected;
	if (out->rejected || ci->timeout == GP_FUTEX_TIMEOUT_NONE)
		return;
	out->timeout = ci->timeout;
	out->clock = out->clock_realtime ? GP_FUTEX_CLOCK_REALTIME : ci->clock;
}

int futex_op_name(uint32_t op, char *buf, size_t len)
{
	struct gp_futex_op d;
	struct namebuf nb;
	int err;

	err = namebuf_init(&nb, buf, len);
	if (err)
		return err;
	futex_op_decode(op, &d);
	if (d.known)
		namebuf_add(&nb, "%s", cmds[d.cmd].name);
	else
		namebuf_add(&nb, "UNKNOWN(%" PRIu32 ")", d.cmd);
	if (d.private_flag)
		namebuf_add(&nb, "|PRIVATE");
	if (d.clock_realtime)
		namebuf_add(&nb, "|CLOCK_REALTIME");
	return namebuf_done(&nb);
}

void futex2_flags_decode(uint32_t flags, struct gp_futex2_flags *out)
{
	*out = (struct gp_futex2_flags){
		.size = 1u << (flags & GP_FUTEX2_SIZE_MASK),
		.numa = flags & GP_FUTEX2_NUMA,
		.mpol = flags & GP_FUTEX2_MPOL,
		.private_flag = flags & GP_FUTEX2_PRIVATE,
		.unknown = flags & ~(uint32_t)GP_FUTEX2_KNOWN_MASK,
	};
}

int futex2_flags_name(uint32_t flags, char *buf, size_t len)
{
	struct gp_futex2_flags d;
	struct namebuf nb;
	int err;

	err = namebuf_init(&nb, buf, len);
	if (err)
		return err;
	futex2_flags_decode(flags, &d);
	namebuf_add(&nb, "U%u", d.size * 8);
	if (d.numa)
		namebuf_add(&nb, "|NUMA");
	if (d.mpol)
		namebuf_add(&nb, "|MPOL");
	if (d.private_flag)
		namebuf_add(&nb, "|PRIVATE");
	if (d.unknown)
		namebuf_add(&nb, "|0x%" PRIx32, d.unknown);
	return namebuf_done(&nb);
}

const char *futex_sys_name(uint32_t sys)
{
	return sys < GP_FUTEX_SYSCALLS ? futex_sys_names[sys] : NULL;
}

int futex_wait_decode(uint32_t sys, uint32_t op, struct gp_futex_wait *out)
{
	struct gp_futex_op d;

	if (!futex_sys_name(sys))
		return -EINVAL;
	if (sys == GP_FUTEX_SYSCALL_FUTEX) {
		futex_op_decode(op, &d);
		*out = (struct gp_futex_wait){
			.sys = GP_FUTEX_SYSCALL_FUTEX,
			.can_block = d.can_block,
			.private_flag = d.private_flag,
			.timeout = d.timeout,
			.clock = d.clock,
		};
		return 0;
	}
	*out = (struct gp_futex_wait){
		.sys = (enum gp_futex_syscall)sys,
		.can_block = true,
		.private_flag = op & GP_FUTEX2_PRIVATE,
		.timeout = GP_FUTEX_TIMEOUT_ABSOLUTE,
		.clock = GP_FUTEX_CLOCK_ARG,
	};
	return 0;
}

int futex_wait_name(uint32_t sys, uint32_t op, char *buf, size_t len)
{
	char flags[GP_FUTEX_NAME_LEN];
	struct namebuf nb;
	int err;

	if (sys == GP_FUTEX_SYSCALL_FUTEX)
		return futex_op_name(op, buf, len);
	err = namebuf_init(&nb, buf, len);
	if (err)
		return err;
	/* Callers print buf whatever we return: leave it empty rather than stale. */
	if (!futex_sys_name(sys))
		return -EINVAL;
	futex2_flags_name(op, flags, sizeof(flags));
	namebuf_add(&nb, "%s(%s)", futex_sys_names[sys], flags);
	return namebuf_done(&nb);
}

enum gp_futex_ret futex_ret_classify(uint32_t sys, int64_t ret)
{
	if (ret == 0 || (ret > 0 && sys == GP_FUTEX_SYSCALL_WAITV))
		return GP_FUTEX_RET_WOKEN;
	switch (ret) {
	case -ETIMEDOUT:
		return GP_FUTEX_RET_TIMEDOUT;
	case -EAGAIN:
		return GP_FUTEX_RET_AGAIN;
	case -EINTR:
	case -GP_ERESTARTSYS:
	case -GP_ERESTARTNOINTR:
	case -GP_ERESTARTNOHAND:
	case -GP_ERESTART_RESTARTBLOCK:
		return GP_FUTEX_RET_INTERRUPTED;
	default:
		return GP_FUTEX_RET_ERROR;
	}
}

const char *futex_ret_name(enum gp_futex_ret r)
{
	return (unsigned int)r < GP_FUTEX_RET_KINDS ? ret_names[r] : NULL;
}
