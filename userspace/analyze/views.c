// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/futex.h"
#include "analyze/views.h"

#define VIEW_MAX_FRAMES (2 * (GP_STACK_FRAMES_MAX + GP_STACK_KERNEL_MAX) + 2)

static const char *const view_names[GP_VIEW_COUNT] = {
	[GP_VIEW_ON] = "on",	 [GP_VIEW_OFF] = "off",	  [GP_VIEW_WALL] = "wall",
	[GP_VIEW_LOCK] = "lock", [GP_VIEW_WAKE] = "wake",
};

const char *view_name(enum gp_view v)
{
	return v < GP_VIEW_COUNT ? view_names[v] : "?";
}

int view_parse(const char *name, enum gp_view *v)
{
	int i;

	for (i = 0; i < GP_VIEW_COUNT; i++) {
		if (!strcmp(name, view_names[i])) {
			*v = i;
			return 0;
		}
	}
	return -1;
}

bool view_needs_profile_stacks(enum gp_view v)
{
	return v != GP_VIEW_LOCK && v != GP_VIEW_WAKE;
}

/* Which cells a view takes, and as what kind of time. Returns -1 to skip the cell. */
static int cell_kind(enum gp_view v, const struct gp_prof_cell *c)
{
	static const int kinds[GP_PK_COUNT] = {
		[GP_PK_CPU] = GP_SK_CPU,	[GP_PK_FUTEX] = GP_SK_LOCK_WAIT,
		[GP_PK_SLEEP] = GP_SK_SLEEP,	[GP_PK_DWAIT] = GP_SK_SLEEP,
		[GP_PK_RUNQ] = GP_SK_RUNQ_WAIT, [GP_PK_LOCKWAIT] = GP_SK_LOCK_WAIT,
		[GP_PK_WAKE] = GP_SK_WAKER,
	};

	switch (v) {
	case GP_VIEW_ON:
		return c->kind == GP_PK_CPU ? kinds[c->kind] : -1;
	case GP_VIEW_OFF:
		return c->kind >= GP_PK_FUTEX && c->kind <= GP_PK_RUNQ ? kinds[c->kind] : -1;
	case GP_VIEW_WALL:
		return c->kind <= GP_PK_RUNQ ? kinds[c->kind] : -1;
	case GP_VIEW_LOCK:
		return c->kind == GP_PK_LOCKWAIT ? kinds[c->kind] : -1;
	case GP_VIEW_WAKE:
		return c->kind == GP_PK_WAKE ? kinds[c->kind] : -1;
	case GP_VIEW_PPROF:
		return c->kind == GP_PK_LOCKWAIT || c->kind == GP_PK_CPU ? kinds[c->kind] : -1;
	default:
		return -1;
	}
}

struct frames {
	struct gp_pframe f[VIEW_MAX_FRAMES];
	char names[VIEW_MAX_FRAMES][160];
	size_t n;
};

static void frames_push(struct frames *fr, const char *name, enum gp_frame_kind kind)
{
	if (fr->n == VIEW_MAX_FRAMES)
		return;
	snprintf(fr->names[fr->n], sizeof(fr->names[0]), "%s", name);
	fr->f[fr->n].name = fr->names[fr->n];
	fr->f[fr->n].kind = kind;
	fr->n++;
}

/* A stack, root first: user frames from the outermost, then the kernel's. */
static void frames_push_stack(struct frames *fr, const struct gp_report *r, uint32_t id1,
			      enum gp_frame_kind user_kind)
{
	char names[GP_STACK_FRAMES_MAX + GP_STACK_KERNEL_MAX][128];
	const struct gp_stack_rec *st;
	size_t n, i;

	if (!id1 || !(st = stacks_get(r->stacks, id1 - 1))) {
		frames_push(fr, "[no stack]", user_kind);
		return;
	}
	n = report_stack_names(r, id1 - 1, true, names, GP_STACK_FRAMES_MAX + GP_STACK_KERNEL_MAX);
	/* names: user innermost..outermost, then kernel innermost..outermost */
	for (i = st->nuser; i-- > 0;)
		frames_push(fr, names[i], user_kind);
	for (i = n; i-- > st->nuser;) {
		char *k = names[i];
		size_t len = strlen(k);

		if (len > 4 && !strcmp(k + len - 4, "_[k]"))
			k[len - 4] = 0; /* the kind carries it; the folded writer adds it back */
		frames_push(fr, k, user_kind == GP_FK_WAKER ? GP_FK_WAKER : GP_FK_KERNEL);
	}
}

static int cell_add(const struct gp_report *r, enum gp_view v, const struct gp_prof_cell *c,
		    int kind, uint64_t period, struct gp_profile *p, struct prof_err *pe)
{
	const struct gp_thread *t = model_thread(r->model, c->tid);
	struct frames *fr = malloc(sizeof(*fr));
	uint64_t weight = c->weight;
	char lock[160];
	int err;

	if (!fr)
		return prof_err_set(pe, ENOMEM, "out of memory");
	fr->n = 0;
	report_thread_label(r, t, lock, sizeof(lock));
	frames_push(fr, lock, GP_FK_COMM);
	frames_push_stack(fr, r, c->stack, GP_FK_USER);
	if (v == GP_VIEW_LOCK || v == GP_VIEW_WAKE ||
	    (v == GP_VIEW_PPROF && c->kind != GP_PK_CPU)) {
		/* the wait itself, as the kernel frame under the lock: "futex(WAIT_BITSET|...)" */
		char op[96];

		futex_wait_name(c->op >> 16, c->op & 0xffff, op, sizeof(op));
		/* futex_wait_name spells the futex2 syscalls out itself: "futex_waitv(U32|...)" */
		if ((c->op >> 16) == GP_FUTEX_SYS_FUTEX)
			snprintf(lock, sizeof(lock), "futex(%s)", op);
		else
			snprintf(lock, sizeof(lock), "%s", op);
		frames_push(fr, lock, GP_FK_KERNEL);
		if (!t || r->name_lock(r->namer_ctx, t->tgid, c->uaddr, lock, sizeof(lock)) < 0)
			snprintf(lock, sizeof(lock), "futex 0x%llx", (unsigned long long)c->uaddr);
		frames_push(fr, lock, GP_FK_LOCK);
	}
	if (v == GP_VIEW_WAKE)
		frames_push_stack(fr, r, c->stack2, GP_FK_WAKER);
	if ((v == GP_VIEW_WALL || v == GP_VIEW_PPROF) && c->kind == GP_PK_CPU)
		weight *= period;
	err = profile_add(p, fr->f, fr->n, kind, weight, c->count, pe);
	free(fr);
	return err;
}

int view_build(const struct gp_report *r, enum gp_view v, uint64_t sample_period_ns,
	       struct gp_profile **out, struct prof_err *pe)
{
	const struct gp_stackprof *sp = &r->model->prof;
	struct gp_profile *p;
	size_t i;
	int kind, err = 0;

	if (!r->stacks)
		return prof_err_set(pe, EINVAL, "no stacks were taken");
	p = profile_new(v == GP_VIEW_ON ? "samples" : "nanoseconds", pe);
	if (!p)
		return pe ? pe->code : -ENOMEM;
	for (i = 0; i < sp->n && !err; i++) {
		kind = cell_kind(v, &sp->cells[i]);
		if (kind >= 0)
			err = cell_add(r, v, &sp->cells[i], kind, sample_period_ns, p, pe);
	}
	if (err) {
		profile_free(p);
		return err;
	}
	*out = p;
	return 0;
}
