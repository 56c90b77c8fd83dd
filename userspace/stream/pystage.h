/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Python step of the stack stage (stream/stackstage.h): for a stack of a CPython thread, its
 * Python frames take the place of the interpreter's native frames that ran them, as the
 * OpenTelemetry eBPF profiler merges them; for a stack of a process not known to run Python yet,
 * a look for its interpreter. Python frame and thread names are read now, while the process
 * lives, into the trace's name table, so that a recording carries them however early it ends.
 */
#ifndef GP_PYSTAGE_H
#define GP_PYSTAGE_H

#include <stdint.h>
#include "model/event.h"
#include "symbolize/locknames.h"
#include "symbolize/nametab.h"
#include "symbolize/pyprocs.h"

struct gp_pystage {
	struct gp_pyprocs *procs; /* NULL: no Python frames */
	struct gp_locknames *names; /* the processes' mappings and symbolizer */
	struct gp_nametab *facts; /* where frame, thread and interpreter facts go */
	uint64_t *lost; /* [GP_PY_LOSSES] */
	/* the BPF side is to walk tgid's threads with walk (NULL: no more): 0 or -errno */
	int (*mark)(void *ctx, uint32_t tgid, const struct gp_py_proc *walk);
	void *mark_ctx;
	uint32_t cur_tgid; /* the process whose thread names are being read */
};

/*
 * Merge (pure): native frames innermost first, where each frame inside [eval_start, eval_end)
 * (the ip itself, else the call before a return address) is one _PyEval_EvalFrameDefault call
 * and takes the place of that call's Python frames, innermost first; pyf are py's frames packed
 * (model/stacks.h), py's GP_PYF_ENTRY flags ending each call's frames. Python frames left when
 * the native frames run out (an unwind cut short) go outermost; eval frames left stay native.
 * Returns the frames written to out, at most max.
 */
uint32_t pystage_merge(const uint64_t *native, uint32_t nnative, uint64_t eval_start,
		       uint64_t eval_end, const struct gp_py_stack *py, const uint64_t *pyf,
		       uint64_t *out, uint32_t max);

/*
 * A stack of tid: merge py (NULL for a stack without Python frames) into frames (n of them,
 * room for GP_STACK_FRAMES_MAX), naming new Python frames and threads. Returns 0 or -ENOMEM.
 */
int pystage_stack(struct gp_pystage *ps, uint32_t tgid, uint32_t tid, const struct gp_py_stack *py,
		  uint64_t *frames, uint32_t *n);
/* Raw events: an exec forgets the process's interpreter. */
void pystage_observe(struct gp_pystage *ps, const union gp_event *e);
/* At the end of the trace: the processes whose interpreter was found but not understood. */
int pystage_finish(struct gp_pystage *ps);

#endif
