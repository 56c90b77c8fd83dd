// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "stream/stackstage.h"
#include "stream/trace.h"

/*
 * Unwind the copied stack slice from its CFI; where the slice ends before the stack does,
 * continue with the frame-pointer frames beyond the last unwound one, if they reach it.
 */
static uint32_t user_frames_dwarf(struct gp_stackstage *rc, const struct gp_ev_stack_dwarf *dw,
				  uint64_t *frames, uint32_t max)
{
	const struct gp_ev_stack *st = &dw->s;
	struct gp_uregs regs = {dw->ip, dw->sp, dw->bp};
	const struct gp_procmaps *pm = locknames_maps(rc->names, st->h.tgid, dw->ip);
	uint32_t nfp = st->user_bytes > 0 ? st->user_bytes / 8 : 0, i;
	enum gp_unwind_stop why = GP_UNWIND_NO_MAP;
	int n = 0;

	if (pm)
		n = unwind_stack(rc->unwinder, pm, &regs, dw->slice, dw->slice_len, frames, max,
				 &why);
	if (n <= 0) {
		rc->unwind_stops[GP_UNWIND_NO_MAP]++;
		memcpy(frames, st->user, nfp * sizeof(uint64_t));
		return nfp;
	}
	rc->unwind_stops[why]++;
	if (why != GP_UNWIND_OUT_OF_STACK)
		return n;
	for (i = 1; i < nfp; i++) {
		if (st->user[i] != frames[n - 1])
			continue;
		for (i++; i < nfp && (uint32_t)n < max; i++)
			frames[n++] = st->user[i];
		break;
	}
	return n;
}

/*
 * A frame-pointer walk through code that keeps no frame pointer reads return addresses off
 * whatever the stack holds: a value above the user half of the address space means it left the
 * frames, and the rest is cut there (such a value would otherwise pass for a Python frame,
 * model/stacks.h).
 */
static uint32_t user_frames_canonical(const uint64_t *frames, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n && frames[i] < GP_USER_ADDR_END; i++)
		;
	return i;
}

int stackstage_on_stack(void *ctx, const struct gp_ev_stack *st, const struct gp_ev_stack_dwarf *dw,
			const struct gp_py_stack *py, struct gp_ev_stackref *ref)
{
	struct gp_stackstage *rc = ctx;
	uint32_t nuser = st->user_bytes > 0 ? st->user_bytes / 8 : 0;
	uint32_t nkernel = st->kernel_bytes > 0 ? st->kernel_bytes / 8 : 0;
	const uint64_t *user = (const uint64_t *)st->user;
	uint64_t frames[GP_STACK_FRAMES_MAX];
	int err;

	if (dw && rc->unwinder)
		nuser = user_frames_dwarf(rc, dw, frames, GP_STACK_USER_MAX);
	else
		memcpy(frames, user, nuser * sizeof(uint64_t));
	nuser = user_frames_canonical(frames, nuser);
	user = frames;
	err = pystage_stack(&rc->py, st->h.tgid, st->h.tid, py, frames, &nuser);
	if (err)
		return err;
	memset(ref, 0, sizeof(*ref));
	ref->h = st->h;
	ref->h.type = GP_EV_STACKREF;
	ref->kind = st->kind;
	ref->target_tid = st->target_tid;
	ref->uaddr = st->uaddr;
	return stacks_intern(rc->stacks, st->h.tgid, user, nuser, (const uint64_t *)st->kernel,
			     nkernel, &ref->stack_id);
}
