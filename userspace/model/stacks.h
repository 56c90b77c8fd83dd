/* SPDX-License-Identifier: GPL-2.0 */
/* The table of distinct stacks: deduplicated by their frames (a hash to find candidates, the
 * frames compared to confirm), so no two stacks ever share an id. */
#ifndef GP_STACKS_H
#define GP_STACKS_H

#include <stddef.h>
#include <stdint.h>

struct gp_stack_rec {
	uint32_t tgid; /* user addresses mean something only in their process */
	uint32_t nuser, nkernel;
	uint64_t *user; /* innermost first: the ip, then return addresses */
	uint64_t *kernel;
};

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
