/* SPDX-License-Identifier: GPL-2.0 */
/* The table of distinct stacks: deduplicated by their frames (a hash to find candidates, the
 * frames compared to confirm), so no two stacks ever share an id. */
#ifndef GP_STACKS_H
#define GP_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gp_stack_rec {
	uint32_t tgid; /* user addresses mean something only in their process */
	uint32_t nuser, nkernel;
	uint64_t *user; /* innermost first: the ip, then return addresses and Python frames */
	uint64_t *kernel;
};

/* User frames in a stack: the native ones and, merged in, up to as many Python frames. */
#define GP_STACK_FRAMES_MAX 128

/*
 * A Python frame among a stack's user frames, in place of the interpreter's native frame that
 * ran it: its code object and the offset of its instruction, packed into a word that no user
 * (below 1 << 57) or kernel (bit 63) address can be. Code objects are 8-byte aligned below
 * 1 << 47 (4-level page tables); instructions are 2-byte code units.
 */
#define GP_PYFRAME_BIT (1ULL << 62)
/* Above every user address (5-level page tables: 1 << 56): a native user frame is below. */
#define GP_USER_ADDR_END (1ULL << 57)
#define GP_PYFRAME_CODE_BITS 44
#define GP_PYFRAME_UNIT_BITS 18

static inline bool stack_pyframe_fits(uint64_t code, uint32_t instr)
{
	return !(code & 7) && code < 1ULL << (GP_PYFRAME_CODE_BITS + 3) &&
	       instr / 2 < 1U << GP_PYFRAME_UNIT_BITS;
}

static inline uint64_t stack_pyframe(uint64_t code, uint32_t instr)
{
	return GP_PYFRAME_BIT | (uint64_t)(instr / 2) << GP_PYFRAME_CODE_BITS | code >> 3;
}

static inline bool stack_is_pyframe(uint64_t f)
{
	return (f >> 62) == 1;
}

static inline uint64_t stack_pyframe_code(uint64_t f)
{
	return (f & ((1ULL << GP_PYFRAME_CODE_BITS) - 1)) << 3;
}

static inline uint32_t stack_pyframe_instr(uint64_t f)
{
	return (uint32_t)(f >> GP_PYFRAME_CODE_BITS & ((1U << GP_PYFRAME_UNIT_BITS) - 1)) * 2;
}

/* The address a user frame is named by: a return address one byte back, inside its call. */
static inline uint64_t stack_frame_pc(const struct gp_stack_rec *st, uint32_t i)
{
	uint64_t f = st->user[i];

	return i && !stack_is_pyframe(f) ? f - 1 : f;
}

struct gp_stacks;

struct gp_stacks *stacks_new(void);
void stacks_free(struct gp_stacks *s);
/* The id of this stack, added if new. Returns 0 or -ENOMEM. */
int stacks_intern(struct gp_stacks *s, uint32_t tgid, const uint64_t *user, uint32_t nuser,
		  const uint64_t *kernel, uint32_t nkernel, uint32_t *id);
/* Forget the stacks from id n on, the newest first (a reader's undo of a damaged chunk). */
void stacks_truncate(struct gp_stacks *s, size_t n);
const struct gp_stack_rec *stacks_get(const struct gp_stacks *s, uint32_t id);
size_t stacks_count(const struct gp_stacks *s);

#endif
