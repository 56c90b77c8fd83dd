// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <time.h>
#include "model/stacks.h"
#include "stream/pystage.h"
#include "stream/trace.h"

/* Thread names are read again at most this often per process, while a thread has none. */
#define NAMES_DELAY_NS (50 * 1000 * 1000ULL)
#define NAME_LEN 256
#define OBJ_LEN 128

static uint64_t pystage_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint32_t pystage_merge(const uint64_t *native, uint32_t nnative, uint64_t eval_start,
		       uint64_t eval_end, const struct gp_py_stack *py, const uint64_t *pyf,
		       uint64_t *out, uint32_t max)
{
	uint32_t n = 0, i, p = 0;
	bool last;

	for (i = 0; i < nnative && n < max; i++) {
		uint64_t pc = i ? native[i] - 1 : native[i];

		if (p >= py->nframes || pc < eval_start || pc >= eval_end) {
			out[n++] = native[i];
			continue;
		}
		/* this eval call's frames: up to the one that entered it */
		do {
			last = py->frames[p].flags & GP_PYF_ENTRY;
			out[n++] = pyf[p++];
		} while (!last && p < py->nframes && n < max);
	}
	while (p < py->nframes && n < max)
		out[n++] = pyf[p++];
	return n;
}

/* A stack of a process not known to run Python: look for its interpreter (once per snapshot). */
static int pystage_detect(struct gp_pystage *ps, uint32_t tgid)
{
	uint64_t now = pystage_now();
	bool fresh = pyprocs_wants_fresh(ps->procs, tgid, now);
	const struct gp_procmaps *pm = locknames_snapshot(ps->names, tgid, fresh);
	struct gp_py_proc walk;
	char why[192];

	switch (pyprocs_detect(ps->procs, tgid, locknames_symbolizer(ps->names), pm, now, &walk,
			       why, sizeof(why))) {
	case GP_PYF_WALK:
		/* a map that refuses it leaves the process's stacks native, as they were */
		if (ps->mark)
			ps->mark(ps->mark_ctx, tgid, &walk);
		return 0;
	case GP_PYF_NOT_UNDERSTOOD:
		return nametab_put(ps->facts, GP_NK_PYTHON, tgid, 0, 1, why, NULL);
	default:
		return 0;
	}
}

/* A Python frame's function fact (symbolize/nametab.h), for the profiles that want one. */
static int pystage_func_fact(struct gp_pystage *ps, uint32_t tgid, uint64_t f)
{
	const uint64_t num[2] = {0, 0}; /* no mapping: the code is the interpreter's data */
	char name[NAME_LEN], file[512];
	int line;

	if (pyprocs_frame_func(ps->procs, tgid, stack_pyframe_code(f), stack_pyframe_instr(f), name,
			       sizeof(name), file, sizeof(file), &line))
		return 0;
	return nametab_put_num(ps->facts, GP_NK_FUNC, tgid, f, line, name, file, num);
}

/*
 * The name fact of a Python frame, read now if new or if another code object took its address
 * since (its CODE fact's num[1] is the code object's generation); whether it names the frame.
 * The newest object's name then names every stack with that frame.
 */
static int pystage_frame_fact(struct gp_pystage *ps, uint32_t tgid, uint64_t f, bool *named)
{
	const struct gp_name *e = nametab_get(ps->facts, GP_NK_CODE, tgid, f);
	uint64_t code = stack_pyframe_code(f), num[2] = {0, 0};
	char name[NAME_LEN], obj[OBJ_LEN];
	/* checked before the name is read: a name read from a cache gone stale stays stale */
	uint32_t gen = pyprocs_code_gen(ps->procs, tgid, code, pystage_now());
	int rc, err;

	if (!e || e->num[1] != gen) {
		rc = pyprocs_frame_name(ps->procs, tgid, code, stack_pyframe_instr(f), name,
					sizeof(name), obj, sizeof(obj));
		if (rc == -ENOMEM)
			return rc;
		num[1] = pyprocs_code_gen(ps->procs, tgid, code, pystage_now());
		err = nametab_put_num(ps->facts, GP_NK_CODE, tgid, f, rc ? 1 : 0, name, obj, num);
		if (!err && !rc)
			err = pystage_func_fact(ps, tgid, f);
		if (err)
			return err;
		e = nametab_get(ps->facts, GP_NK_CODE, tgid, f);
	}
	*named = e && e->rc == 0;
	return 0;
}

/* Pack py's frames into pyf, named; the frames that name nothing are lost ones. */
static int pystage_pack(struct gp_pystage *ps, uint32_t tgid, const struct gp_py_stack *py,
			uint64_t *pyf, unsigned *named)
{
	const struct gp_py_frame *fr;
	uint32_t i;
	bool ok;
	int err;

	*named = 0;
	for (i = 0; i < py->nframes; i++) {
		fr = &py->frames[i];
		/* one that does not fit is named as one that could not be read */
		pyf[i] = stack_pyframe_fits(fr->code, fr->instr)
				 ? stack_pyframe(fr->code, fr->instr)
				 : stack_pyframe(0, 0);
		err = pystage_frame_fact(ps, tgid, pyf[i], &ok);
		if (err)
			return err;
		if (ok)
			(*named)++;
		else
			ps->lost[GP_PYL_UNREAD]++;
	}
	return 0;
}

static int thread_fact(void *ctx, uint32_t tid, const char *name)
{
	struct gp_pystage *ps = ctx;
	const struct gp_name *e = nametab_get(ps->facts, GP_NK_THREAD, ps->cur_tgid, tid);

	if (e && !strcmp(e->name, name))
		return 0;
	return nametab_put(ps->facts, GP_NK_THREAD, ps->cur_tgid, tid, 0, name, NULL);
}

/* A thread with no Python name yet: read the process's thread names (not too often). */
static int pystage_thread_names(struct gp_pystage *ps, uint32_t tgid, uint32_t tid)
{
	int n;

	if (nametab_get(ps->facts, GP_NK_THREAD, tgid, tid))
		return 0;
	ps->cur_tgid = tgid;
	n = pyprocs_thread_names(ps->procs, tgid, pystage_now(), NAMES_DELAY_NS, thread_fact, ps);
	return n == -ENOMEM ? n : 0;
}

int pystage_stack(struct gp_pystage *ps, uint32_t tgid, uint32_t tid, const struct gp_py_stack *py,
		  uint64_t *frames, uint32_t *n)
{
	uint64_t pyf[GP_PY_FRAMES_MAX], merged[GP_STACK_FRAMES_MAX], start = 0, end = 0;
	unsigned named;
	int err;

	if (!ps->procs)
		return 0;
	if (!py)
		return pystage_detect(ps, tgid);
	if (py->status == GP_PYS_FAULT)
		ps->lost[GP_PYL_UNREAD]++;
	else if (py->status == GP_PYS_CUT)
		ps->lost[GP_PYL_CUT]++;
	err = pystage_pack(ps, tgid, py, pyf, &named);
	if (err)
		return err;
	pyprocs_count(ps->procs, tgid, py->status != GP_PYS_NO_TSTATE, named);
	pyprocs_eval_range(ps->procs, tgid, &start, &end);
	*n = pystage_merge(frames, *n, start, end, py, pyf, merged, GP_STACK_FRAMES_MAX);
	memcpy(frames, merged, *n * sizeof(*frames));
	return pystage_thread_names(ps, tgid, tid);
}

/*
 * Raw events, read while the process most likely lives: an exec forgets what was known of the
 * process and looks at its new image at once (Debian's python3.11 holds its interpreter: its
 * first stacks then have Python frames); the snapshot a first futex wait takes is looked at too,
 * and a python executable without an interpreter yet again after a delay (libpython).
 */
void pystage_observe(struct gp_pystage *ps, const union gp_event *e)
{
	uint32_t tgid = e->h.tgid;
	struct gp_py_proc walk;
	uint64_t at;

	if (!ps->procs)
		return;
	switch (e->h.type) {
	case GP_EV_EXEC:
		/* the BPF side forgot it at the exec, but a fork read since may have marked it */
		pyprocs_forget(ps->procs, tgid);
		if (ps->mark)
			ps->mark(ps->mark_ctx, tgid, NULL);
		pystage_detect(ps, tgid);
		return;
	case GP_EV_FUTEX_ENTER:
		pystage_detect(ps, tgid);
		return;
	case GP_EV_FORK:
		if (e->fork.child_tgid != tgid &&
		    pyprocs_inherit(ps->procs, tgid, e->fork.child_tgid, &walk) && ps->mark)
			ps->mark(ps->mark_ctx, e->fork.child_tgid, &walk);
		return;
	}
	at = pyprocs_retry_at(ps->procs, tgid);
	if (at && pystage_now() >= at)
		pystage_detect(ps, tgid);
}

static int unread_fact(void *ctx, uint32_t tgid, const char *why)
{
	struct gp_pystage *ps = ctx;

	return nametab_put(ps->facts, GP_NK_PYTHON, tgid, 0, 1, why, NULL);
}

int pystage_finish(struct gp_pystage *ps)
{
	return ps->procs ? pyprocs_each_unread(ps->procs, unread_fact, ps) : 0;
}
