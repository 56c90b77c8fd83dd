// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include "model/event.h"

static const struct {
	size_t size;
	const char *name;
} event_types[GP_EV_TYPE_MAX] = {
	[GP_EV_SWITCH] = {sizeof(struct gp_ev_switch), "switch"},
	[GP_EV_WAKING] = {sizeof(struct gp_ev_waking), "waking"},
	[GP_EV_WAKEUP_NEW] = {sizeof(struct gp_ev_waking), "wakeup_new"},
	[GP_EV_FORK] = {sizeof(struct gp_ev_fork), "fork"},
	[GP_EV_EXEC] = {sizeof(struct gp_ev_exec), "exec"},
	[GP_EV_EXIT] = {sizeof(struct gp_ev_exit), "exit"},
	[GP_EV_FUTEX_ENTER] = {sizeof(struct gp_ev_futex_enter), "futex_enter"},
	[GP_EV_FUTEX_EXIT] = {sizeof(struct gp_ev_futex_exit), "futex_exit"},
	[GP_EV_STACK] = {sizeof(struct gp_ev_stack), "stack"},
	[GP_EV_STACKREF] = {sizeof(struct gp_ev_stackref), "stackref"},
	[GP_EV_STACK_DWARF] = {sizeof(struct gp_ev_stack_dwarf), "stack_dwarf"},
	[GP_EV_ATTACH] = {sizeof(struct gp_ev_attach), "attach"},
	[GP_EV_STACK_PY] = {sizeof(struct gp_ev_stack_py), "stack_py"},
	[GP_EV_STACK_DWARF_PY] = {sizeof(struct gp_ev_stack_dwarf_py), "stack_dwarf_py"},
	[GP_EV_GIL] = {sizeof(struct gp_ev_gil), "gil"},
};

size_t event_size(__u32 type)
{
	return type < GP_EV_TYPE_MAX ? event_types[type].size : 0;
}

const char *event_type_name(__u32 type)
{
	return type < GP_EV_TYPE_MAX && event_types[type].name ? event_types[type].name : "unknown";
}

/* The Python part of a stack record of type type, NULL for one without. */
static const struct gp_py_stack *py_part(const void *data, __u32 type)
{
	if (type == GP_EV_STACK_PY)
		return &((const struct gp_ev_stack_py *)data)->py;
	if (type == GP_EV_STACK_DWARF_PY)
		return &((const struct gp_ev_stack_dwarf_py *)data)->py;
	return NULL;
}

bool event_is_raw_stack(__u32 type)
{
	return type == GP_EV_STACK || type == GP_EV_STACK_DWARF || type == GP_EV_STACK_PY ||
	       type == GP_EV_STACK_DWARF_PY;
}

int event_validate(const void *data, size_t len)
{
	const struct gp_ev_hdr *h = data;
	const struct gp_py_stack *py;

	if (len < sizeof(*h) || !event_size(h->type) || len < event_size(h->type))
		return -EINVAL;
	if (h->cpu >= GP_MAX_CPUS)
		return -EINVAL;
	if (event_is_raw_stack(h->type)) {
		const struct gp_ev_stack *st = data;

		if (st->user_bytes > (int)sizeof(st->user) ||
		    st->kernel_bytes > (int)sizeof(st->kernel))
			return -EINVAL;
	}
	if (h->type == GP_EV_ATTACH && ((const struct gp_ev_attach *)data)->state > GP_AS_DISK)
		return -EINVAL;
	if (h->type == GP_EV_GIL) {
		const struct gp_ev_gil *g = data;

		if (g->locked < 0 || g->locked > 1 || g->runnable > GP_GIL_AT_EXIT)
			return -EINVAL;
	}
	if ((h->type == GP_EV_STACK_DWARF || h->type == GP_EV_STACK_DWARF_PY) &&
	    ((const struct gp_ev_stack_dwarf *)data)->slice_len > GP_STACK_SLICE)
		return -EINVAL;
	py = py_part(data, h->type);
	if (py && py->nframes > GP_PY_FRAMES_MAX)
		return -EINVAL;
	return 0;
}
