// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/futex.h"
#include "analyze/views.h"
#include "util/hashmap.h"

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
		[GP_PK_WAKE] = GP_SK_WAKER,	[GP_PK_PREEMPT] = GP_SK_RUNQ_WAIT,
	};

	if (c->kind >= GP_PK_COUNT)
		return -1;
	switch (v) {
	case GP_VIEW_ON:
		return c->kind == GP_PK_CPU ? kinds[c->kind] : -1;
	case GP_VIEW_OFF:
		return c->kind >= GP_PK_FUTEX && c->kind <= GP_PK_RUNQ ? kinds[c->kind] : -1;
	case GP_VIEW_WALL:
		return c->kind <= GP_PK_RUNQ || c->kind == GP_PK_PREEMPT ? kinds[c->kind] : -1;
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

/* A stack as it is handed to the profile; the pprof view also locates each code frame. */
struct frames {
	struct gp_pframe f[VIEW_MAX_FRAMES];
	char names[VIEW_MAX_FRAMES][160];
	const struct gp_ploc *locp[VIEW_MAX_FRAMES];
	struct gp_ploc locs[VIEW_MAX_FRAMES];
	struct gp_func_fact funcs[VIEW_MAX_FRAMES];
	size_t n;
};

/*
 * What the wall view adds up for a thread, so that its total is the thread's lifetime: the
 * time of its stacks by state, and its on-CPU samples, which share out its running time.
 */
struct thread_acc {
	uint64_t blocked[3]; /* futex, sleep, D: in stacks */
	uint64_t runq; /* after a wakeup or a preemption, in stacks */
	uint64_t samples, samples_done; /* on-CPU samples, and those given their time so far */
	uint64_t cpu_ns, cpu_done; /* running time to share out, and shared out so far */
};

/* Building one view. */
struct view_ctx {
	const struct gp_report *r;
	enum gp_view v;
	uint64_t period;
	struct gp_profile *p;
	struct frames *fr;
	struct gp_hashmap objs; /* (tgid, uaddr) -> the name of the lock object of the word */
	struct gp_hashmap acc; /* tid -> struct thread_acc, for the wall view */
	struct gp_hashmap maps; /* (tgid, start) -> profile mapping id + 1, for the pprof view */
	struct prof_err *pe;
};

static void frames_push(struct frames *fr, const char *name, enum gp_frame_kind kind)
{
	if (fr->n == VIEW_MAX_FRAMES)
		return;
	snprintf(fr->names[fr->n], sizeof(fr->names[0]), "%s", name);
	fr->f[fr->n].name = fr->names[fr->n];
	fr->f[fr->n].kind = kind;
	fr->locp[fr->n] = NULL;
	fr->n++;
}

/* The profile's id + 1 of the mapping of tgid that starts at start; 0 for none. */
static uint32_t mapping_id(struct view_ctx *vc, uint32_t tgid, uint64_t start)
{
	const struct gp_report *r = vc->r;
	struct gp_map_fact m;
	struct gp_pmapping pm;
	uintptr_t id1 = (uintptr_t)hashmap_get(&vc->maps, tgid, start);
	uint32_t id;

	if (id1 || !start || !r->name_map || r->name_map(r->namer_ctx, tgid, start, &m))
		return id1;
	pm = (struct gp_pmapping){start, m.limit, m.offset, m.path, m.build_id};
	if (profile_mapping_add(vc->p, &pm, &id, NULL) ||
	    hashmap_put(&vc->maps, tgid, start, (void *)(uintptr_t)(id + 1)))
		return 0;
	return id + 1;
}

/* Where the frame just pushed is: its address, mapping, function and source line. */
static void frame_locate(struct view_ctx *vc, uint32_t tgid, const struct gp_report_frame *f)
{
	const struct gp_report *r = vc->r;
	struct frames *fr = vc->fr;
	size_t i = fr->n - 1;
	struct gp_func_fact *fn = &fr->funcs[i];

	if (!r->name_func || r->name_func(r->namer_ctx, f->kernel ? 0 : tgid, f->pc, fn))
		return;
	fr->locs[i] = (struct gp_ploc){
		.address = f->pc,
		.mapping = f->kernel ? 0 : mapping_id(vc, tgid, fn->map_start),
		.line = fn->line > 0 ? (uint32_t)fn->line : 0,
		.function = fn->name,
		.file = fn->file[0] ? fn->file : NULL,
	};
	fr->locp[i] = &fr->locs[i];
}

/*
 * A stack, root first: user frames from the outermost, then the kernel's. Frames are named by
 * function, or with --addresses by code address; the pprof view names them by address and
 * locates each, since pprof keeps the address and aggregates by function itself.
 */
static void frames_push_stack(struct view_ctx *vc, uint32_t id1, enum gp_frame_kind user_kind)
{
	struct gp_report_frame f[GP_STACK_FRAMES_MAX + GP_STACK_KERNEL_MAX];
	const struct gp_report *r = vc->r;
	bool pprof = vc->v == GP_VIEW_PPROF;
	const struct gp_stack_rec *st;
	size_t n, i;

	if (!id1 || !(st = stacks_get(r->stacks, id1 - 1))) {
		frames_push(vc->fr, "[no stack]", user_kind);
		return;
	}
	n = report_stack_frames(r, id1 - 1, true, !pprof && !r->addresses, f,
				GP_STACK_FRAMES_MAX + GP_STACK_KERNEL_MAX);
	/* f: user innermost..outermost, then kernel innermost..outermost */
	for (i = n < st->nuser ? n : st->nuser; i-- > 0;) {
		frames_push(vc->fr, f[i].name, user_kind);
		if (pprof)
			frame_locate(vc, st->tgid, &f[i]);
	}
	for (i = n; i-- > st->nuser;) {
		frames_push(vc->fr, f[i].name,
			    user_kind == GP_FK_WAKER ? GP_FK_WAKER : GP_FK_KERNEL);
		if (pprof)
			frame_locate(vc, st->tgid, &f[i]);
	}
}

/* Every futex word's lock object (analyze/lockobj.h), for the lock tag of lock-wait stacks. */
static int objs_index(struct view_ctx *vc)
{
	const struct gp_lock_objs *o = &vc->r->objs;
	size_t i, k;

	for (i = 0; i < o->n; i++)
		for (k = 0; k < o->v[i].nwords; k++)
			if (hashmap_put(&vc->objs, o->v[i].tgid, o->v[i].words[k]->uaddr,
					(void *)o->v[i].name))
				return prof_err_set(vc->pe, ENOMEM, "out of memory");
	return 0;
}

/* The futex op as the kernel frame under the lock, then the lock: "futex(WAIT_BITSET|...)". */
static void frames_push_lock(struct view_ctx *vc, const struct gp_thread *t,
			     const struct gp_prof_cell *c)
{
	const struct gp_report *r = vc->r;
	char lock[160], op[96];

	futex_wait_name(c->op >> 16, c->op & 0xffff, op, sizeof(op));
	/* futex_wait_name spells the futex2 syscalls out itself: "futex_waitv(U32|...)" */
	if ((c->op >> 16) == GP_FUTEX_SYS_FUTEX)
		snprintf(lock, sizeof(lock), "futex(%s)", op);
	else
		snprintf(lock, sizeof(lock), "%s", op);
	frames_push(vc->fr, lock, GP_FK_KERNEL);
	if (!t || r->name_lock(r->namer_ctx, t->tgid, c->uaddr, lock, sizeof(lock)) < 0)
		snprintf(lock, sizeof(lock), "futex 0x%llx", (unsigned long long)c->uaddr);
	frames_push(vc->fr, lock, GP_FK_LOCK);
}

static bool cell_is_wait(enum gp_view v, const struct gp_prof_cell *c)
{
	return v == GP_VIEW_LOCK || v == GP_VIEW_WAKE ||
	       (v == GP_VIEW_PPROF && c->kind != GP_PK_CPU);
}

/* Whose time a cell is: its thread, and for a wait the lock object it waited for. */
static struct gp_ptags cell_tags(const struct view_ctx *vc, const struct gp_thread *t,
				 const struct gp_prof_cell *c)
{
	struct gp_ptags tags = {0};

	if (!t)
		return tags;
	tags = (struct gp_ptags){.pid = t->tgid, .tid = t->tid, .thread = t->comm};
	if (cell_is_wait(vc->v, c))
		tags.lock = hashmap_get(&vc->objs, t->tgid, c->uaddr);
	return tags;
}

static int cell_add(struct view_ctx *vc, const struct gp_prof_cell *c, int kind, uint64_t weight)
{
	const struct gp_report *r = vc->r;
	const struct gp_thread *t = model_thread(r->model, c->tid);
	struct gp_ptags tags = cell_tags(vc, t, c);
	char label[160];

	vc->fr->n = 0;
	report_thread_label(r, t, label, sizeof(label));
	frames_push(vc->fr, label, GP_FK_COMM);
	frames_push_stack(vc, c->stack, GP_FK_USER);
	if (cell_is_wait(vc->v, c))
		frames_push_lock(vc, t, c);
	if (vc->v == GP_VIEW_WAKE)
		frames_push_stack(vc, c->stack2, GP_FK_WAKER);
	return profile_add_tagged(vc->p, vc->fr->f, vc->fr->locp, vc->fr->n, &tags, kind, weight,
				  c->count, vc->pe);
}

static struct thread_acc *acc_get(struct view_ctx *vc, uint32_t tid)
{
	struct thread_acc *a = hashmap_get(&vc->acc, tid, 0);

	if (a)
		return a;
	a = calloc(1, sizeof(*a));
	if (a && hashmap_put(&vc->acc, tid, 0, a)) {
		free(a);
		a = NULL;
	}
	return a;
}

/* The wall view's first pass: the off-CPU stacks as they are, the samples counted. */
static int wall_take(struct view_ctx *vc, const struct gp_prof_cell *c, int kind)
{
	struct thread_acc *a = acc_get(vc, c->tid);

	if (!a)
		return prof_err_set(vc->pe, ENOMEM, "out of memory");
	if (c->kind == GP_PK_CPU) {
		a->samples += c->weight;
		return 0;
	}
	if (c->kind == GP_PK_RUNQ || c->kind == GP_PK_PREEMPT)
		a->runq += c->weight;
	else
		a->blocked[c->kind == GP_PK_FUTEX   ? 0
			   : c->kind == GP_PK_SLEEP ? 1
						    : 2] += c->weight;
	return cell_add(vc, c, kind, c->weight);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* A thread's time that no stack holds, as one frame under its name. */
static int residual_add(struct view_ctx *vc, const struct gp_thread *t, const char *what,
			enum gp_sample_kind kind, uint64_t ns)
{
	struct gp_ptags tags = {.pid = t->tgid, .tid = t->tid, .thread = t->comm};

	if (!ns)
		return 0;
	vc->fr->n = 0;
	frames_push(vc->fr, t->comm, GP_FK_COMM);
	frames_push(vc->fr, what, GP_FK_USER);
	return profile_add_tagged(vc->p, vc->fr->f, NULL, vc->fr->n, &tags, kind, ns, 1, vc->pe);
}

/*
 * The states of a thread that its stacks leave out (blocked or waiting without a stack: at the
 * attach, a stack not taken, the run-queue wait of a new thread) and the running time it has
 * once they are counted: the lifetime less every state off CPU. A run-queue wait can weigh a
 * little more in stacks than in its bucket (the kernel's runtime, which starts before the
 * switch-in, moves the difference to running): it is then taken from the running time.
 */
static int wall_residuals(struct view_ctx *vc, const struct gp_thread *t, struct thread_acc *a)
{
	static const int blocked_bucket[3] = {GP_B_FUTEX, GP_B_SLEEP, GP_B_DWAIT};
	static const char *const blocked_what[3] = {"[futex wait, no stack]", "[sleep, no stack]",
						    "[D wait, no stack]"};
	uint64_t off = 0, runq = t->bucket[GP_B_RUNQ_WAKE] + t->bucket[GP_B_RUNQ_PREEMPT], life;
	int i, err = 0;

	for (i = 0; i < 3 && !err; i++) {
		uint64_t b = t->bucket[blocked_bucket[i]];

		off += max_u64(b, a->blocked[i]);
		if (b > a->blocked[i])
			err = residual_add(vc, t, blocked_what[i],
					   i ? GP_SK_SLEEP : GP_SK_LOCK_WAIT, b - a->blocked[i]);
	}
	off += max_u64(runq, a->runq);
	if (!err && runq > a->runq)
		err = residual_add(vc, t, "[run queue, no stack]", GP_SK_RUNQ_WAIT, runq - a->runq);
	life = thread_lifetime(t);
	a->cpu_ns = life > off ? life - off : 0;
	if (!err && !a->samples)
		err = residual_add(vc, t, "[on CPU, not sampled]", GP_SK_CPU, a->cpu_ns);
	return err;
}

/* A cell of samples gets its share of its thread's running time; rounding is carried along
 * the thread's cells, so that the shares add up to the running time exactly. */
static int wall_cpu(struct view_ctx *vc, const struct gp_prof_cell *c)
{
	struct thread_acc *a = hashmap_get(&vc->acc, c->tid, 0);
	uint64_t upto;

	if (!a || !a->samples)
		return 0;
	a->samples_done += c->weight;
	upto = (uint64_t)((unsigned __int128)a->cpu_ns * a->samples_done / a->samples);
	upto -= a->cpu_done;
	a->cpu_done += upto;
	return upto ? cell_add(vc, c, GP_SK_CPU, upto) : 0;
}

/*
 * The wall view accounts for every state of every thread, so its total is the sum of their
 * lifetimes: blocked and run-queue time at the stacks they were taken at, what no stack holds
 * as a frame naming the state, and the running time shared out over the on-CPU samples.
 */
static int wall_build(struct view_ctx *vc)
{
	const struct gp_stackprof *sp = &vc->r->model->prof;
	const struct gp_model *m = vc->r->model;
	size_t i;
	int kind, err = 0;

	for (i = 0; i < sp->n && !err; i++) {
		kind = cell_kind(GP_VIEW_WALL, &sp->cells[i]);
		if (kind >= 0)
			err = wall_take(vc, &sp->cells[i], kind);
	}
	for (i = 0; i < m->nthreads && !err; i++) {
		struct thread_acc *a = acc_get(vc, m->threads[i]->tid);

		err = a ? wall_residuals(vc, m->threads[i], a)
			: prof_err_set(vc->pe, ENOMEM, "out of memory");
	}
	for (i = 0; i < sp->n && !err; i++)
		if (sp->cells[i].kind == GP_PK_CPU)
			err = wall_cpu(vc, &sp->cells[i]);
	return err;
}

static int cells_build(struct view_ctx *vc)
{
	const struct gp_stackprof *sp = &vc->r->model->prof;
	size_t i;
	int kind, err = 0;

	for (i = 0; i < sp->n && !err; i++) {
		const struct gp_prof_cell *c = &sp->cells[i];
		uint64_t weight = c->weight;

		kind = cell_kind(vc->v, c);
		if (kind < 0)
			continue;
		if (vc->v == GP_VIEW_PPROF && c->kind == GP_PK_CPU)
			weight *= vc->period;
		err = cell_add(vc, c, kind, weight);
	}
	return err;
}

static void ctx_free(struct view_ctx *vc)
{
	struct thread_acc *a;
	size_t pos = 0;

	while (hashmap_next(&vc->acc, &pos, NULL, (void **)&a))
		free(a);
	hashmap_free(&vc->acc);
	hashmap_free(&vc->objs);
	hashmap_free(&vc->maps);
	free(vc->fr);
}

int view_build(const struct gp_report *r, enum gp_view v, uint64_t sample_period_ns,
	       struct gp_profile **out, struct prof_err *pe)
{
	struct view_ctx vc = {.r = r, .v = v, .period = sample_period_ns, .pe = pe};
	int err;

	if (!r->stacks)
		return prof_err_set(pe, EINVAL, "no stacks were taken");
	hashmap_init(&vc.objs);
	hashmap_init(&vc.acc);
	hashmap_init(&vc.maps);
	vc.p = profile_new(v == GP_VIEW_ON ? "samples" : "nanoseconds", pe);
	vc.fr = malloc(sizeof(*vc.fr));
	if (!vc.p || !vc.fr)
		err = vc.p ? prof_err_set(pe, ENOMEM, "out of memory") : -ENOMEM;
	else
		err = objs_index(&vc);
	if (!err)
		err = v == GP_VIEW_WALL ? wall_build(&vc) : cells_build(&vc);
	ctx_free(&vc);
	if (err) {
		profile_free(vc.p);
		return err;
	}
	*out = vc.p;
	return 0;
}
