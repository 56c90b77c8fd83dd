/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPython processes of a live trace: which traced processes run an interpreter gilprof
 * understands (and what the BPF side needs to walk their threads' frames), the names of their
 * frames and of their threads, read from their memory while they live.
 *
 *   detect    the interpreter's object (.PyRuntime), version and layout, and the address range
 *             of _PyEval_EvalFrameDefault, whose native frames the Python frames replace
 *   frames    code objects read with process_vm_readv and kept by (process, address):
 *             "hot_loop (worker.py:12)", the line from the table at the frame's instruction
 *   threads   threading.Thread names, from the threading module's _active dict, matched to
 *             threads by their _native_id
 */
#ifndef GP_PYPROCS_H
#define GP_PYPROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "symbolize/procmaps.h"
#include "symbolize/pylayout.h"
#include "symbolize/symbols.h"

struct gp_pyprocs;

enum gp_py_found {
	GP_PYF_NONE, /* no interpreter (yet) */
	GP_PYF_WALK, /* one gilprof understands: walk its threads with *walk */
	GP_PYF_NOT_UNDERSTOOD, /* one it does not: why says why */
};

struct gp_pyprocs *pyprocs_new(void);
void pyprocs_free(struct gp_pyprocs *p);

/*
 * Whether tgid runs a CPython, from its snapshot pm: looked for once per snapshot, and for a
 * process whose executable is python's but holds no interpreter, again in fresh snapshots (its
 * libpython is mapped after the exec) while pyprocs_wants_fresh() says so. Returns what it found
 * the first time it finds it, GP_PYF_NONE otherwise, so that the caller acts once.
 */
enum gp_py_found pyprocs_detect(struct gp_pyprocs *p, uint32_t tgid, struct gp_symbolizer *s,
				const struct gp_procmaps *pm, uint64_t now_ns,
				struct gp_py_proc *walk, char *why, size_t whylen);
/* Whether the next look into tgid should be in a fresh snapshot (a few times, 10 ms apart). */
bool pyprocs_wants_fresh(const struct gp_pyprocs *p, uint32_t tgid, uint64_t now_ns);
/* When that next look is due, 0 when none is. */
uint64_t pyprocs_retry_at(const struct gp_pyprocs *p, uint32_t tgid);
/* A child forked (without exec) from a walked process has its interpreter where it was: copy
 * it. True, with *walk set, when the child is to be walked. */
bool pyprocs_inherit(struct gp_pyprocs *p, uint32_t parent, uint32_t child,
		     struct gp_py_proc *walk);
/* Whether any process is walked: its frames are best read soon after they are taken. */
bool pyprocs_walking(const struct gp_pyprocs *p);
/* A new image (exec): what was known of the process is forgotten. */
void pyprocs_forget(struct gp_pyprocs *p, uint32_t tgid);
/* [start, end) of the interpreter's _PyEval_EvalFrameDefault in tgid; false when unknown. */
bool pyprocs_eval_range(const struct gp_pyprocs *p, uint32_t tgid, uint64_t *start, uint64_t *end);

/*
 * "qualname (file.py:line)" of the frame running code at byte offset instr, the object being the
 * file's basename. Returns 0, or -errno when the code object cannot be read (buf then says
 * "[python] 0x..."), or -ENOENT for a process not detected.
 */
int pyprocs_frame_name(struct gp_pyprocs *p, uint32_t tgid, uint64_t code, uint32_t instr,
		       char *buf, size_t len, char *obj, size_t objlen);
/*
 * Which code object is at code now, as a number that changes when another takes its address
 * (checked again at most every 50 ms): 0 before pyprocs_frame_name read it.
 */
uint32_t pyprocs_code_gen(struct gp_pyprocs *p, uint32_t tgid, uint64_t code, uint64_t now_ns);
/*
 * The same frame as a function for profiles: its qualified name, the file as the code object
 * names it, the line (0 unknown). 0 or the same errors, after pyprocs_frame_name read it.
 */
int pyprocs_frame_func(struct gp_pyprocs *p, uint32_t tgid, uint64_t code, uint32_t instr,
		       char *name, size_t len, char *file, size_t filelen, int *line);

/* Called for each Python thread name found: a non-zero return stops. */
typedef int (*gp_pythread_fn)(void *ctx, uint32_t tid, const char *name);
/*
 * Read the names of tgid's Python threads, at most once per delay_ns (0 when it was too soon or
 * the process is not walked). Returns the names given to fn, or -errno.
 */
int pyprocs_thread_names(struct gp_pyprocs *p, uint32_t tgid, uint64_t now_ns, uint64_t delay_ns,
			 gp_pythread_fn fn, void *ctx);

/* What the stack stage saw of a walked process, to tell one whose layout is wrong. */
void pyprocs_count(struct gp_pyprocs *p, uint32_t tgid, bool tstate_found, unsigned named);
/*
 * After the trace, for each walked process whose stacks never found a thread state or named a
 * frame although there were enough of them to: why for fn (tgid, why).
 */
int pyprocs_each_unread(const struct gp_pyprocs *p,
			int (*fn)(void *ctx, uint32_t tgid, const char *why), void *ctx);

/* A process's memory as a pymem reader (process_vm_readv). */
int pyprocs_read(void *ctx, uint64_t addr, void *buf, size_t len);

#endif
