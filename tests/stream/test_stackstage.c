// SPDX-License-Identifier: GPL-2.0
/* The stack stage on frame-pointer stacks: raw BPF stacks to interned ones. */
#include <criterion/criterion.h>
#include "model/stacks.h"
#include "stream/stackstage.h"

static const struct gp_stack_rec *staged(struct gp_stackstage *rc, const uint64_t *user,
					 uint32_t nuser)
{
	struct gp_ev_stack st = {.h = {.type = GP_EV_STACK, .tid = 42, .tgid = 42}};
	struct gp_ev_stackref ref;

	memcpy(st.user, user, nuser * sizeof(*user));
	st.user_bytes = nuser * 8;
	st.kernel[0] = 0xffffffff81000010ULL;
	st.kernel_bytes = 8;
	cr_assert_eq(stackstage_on_stack(rc, &st, NULL, NULL, &ref), 0);
	cr_assert_eq(ref.h.type, GP_EV_STACKREF);
	return stacks_get(rc->stacks, ref.stack_id);
}

/*
 * A frame-pointer walk through code without frame pointers reads whatever the stack holds: the
 * stack is cut at the first value above user addresses, which would otherwise pass for a Python
 * frame ("[python] 0x180031968+0x64cae" in an off-CPU profile of perf bench).
 */
Test(stackstage, a_walk_that_left_the_frames_is_cut_there)
{
	struct gp_stackstage rc = {.stacks = stacks_new()};
	const uint64_t good[] = {0x401000, 0x402000, 0x403000};
	const uint64_t bad[] = {0x401000, 0x402000, 0x4000000180031968ULL, 0x403000};
	const struct gp_stack_rec *s;

	cr_assert_not_null(rc.stacks);
	s = staged(&rc, good, 3);
	cr_assert_eq(s->nuser, 3);
	cr_assert_eq(s->nkernel, 1);
	s = staged(&rc, bad, 4);
	cr_assert_eq(s->nuser, 2);
	cr_assert_eq(s->user[1], 0x402000);
	cr_assert_eq(s->nkernel, 1, "the kernel's frames stay");
	stacks_free(rc.stacks);
}
