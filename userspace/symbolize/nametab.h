/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names a report uses, as facts: for every lock word, code address, source line and kernel
 * address of a trace, what the live symbolizer answered. A report names everything from this
 * table, live or from a recording (which carries it), so both print the same bytes and a
 * recording names its frames after the binaries are gone.
 *
 *   lock    (tgid, uaddr) -> "CPython GIL (cond)", rc 0 (symbol) or 1 (mapping only)
 *   code    (tgid, pc)    -> "worker+0x2a", object "countdown"
 *   code    (tgid, a Python frame, model/stacks.h) -> "hot_loop (worker.py:12)", object
 *                            "worker.py"
 *   line    (tgid, pc)    -> "countdown.c:42"
 *   kernel  (addr)        -> "futex_wait+0x10"
 *   func    (tgid, pc)    -> "worker", object "/src/countdown.c", rc 42 (the line, 0: unknown),
 *                            num[0] the start of its mapping (tgid 0: a kernel address)
 *   mapping (tgid, start) -> "/usr/bin/countdown", object the build ID "3f9a...", num[0] its
 *                            end, num[1] the file offset of its start
 *   thread  (tgid, tid)   -> "worker-1", a Python thread's name (threading.Thread.name)
 *   python  (tgid, 0)     -> why the process's interpreter was not understood
 * func and mapping are what a profile needs beyond names (pprof's Function, Line and Mapping).
 */
#ifndef GP_NAMETAB_H
#define GP_NAMETAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/hashmap.h"

enum gp_fact_kind {
	GP_NK_LOCK,
	GP_NK_CODE,
	GP_NK_LINE,
	GP_NK_KERNEL,
	GP_NK_FUNC,
	GP_NK_MAPPING,
	GP_NK_THREAD,
	GP_NK_PYTHON,
	GP_NK_COUNT,
};

struct gp_name {
	uint32_t kind, tgid; /* tgid 0 for kernel addresses */
	uint64_t addr;
	int32_t rc; /* what the namer returned */
	uint32_t seq; /* when it was last set: lets a recorder write only what changed */
	char *name;
	char *obj; /* code, func and mapping only, else "" */
	uint64_t num[2]; /* func and mapping only, else 0 */
};

/* A code frame's function, source and mapping (a func fact), as the live namer gives it. */
struct gp_func_fact {
	char name[256]; /* the function without offset; an address no symbol names keeps its code
			 * name ("libfoo.so.1+0x1234") */
	char file[512]; /* its source file as DWARF names it; "" when unknown or not looked up */
	int line; /* 0 when unknown */
	uint64_t map_start; /* the start of its mapping; 0 for none (kernel, anonymous memory) */
};

/* A mapping of a process (a mapping fact). */
struct gp_map_fact {
	char path[512]; /* as /proc/PID/maps names it */
	char build_id[128]; /* GNU build ID in hex; "" when none */
	uint64_t limit, offset; /* its end, and the file offset of its start */
};

/* The live namers the table is filled from (symbolize/locknames.h has them). */
struct gp_namer {
	int (*lock)(void *ctx, uint32_t tgid, uint64_t uaddr, char *buf, size_t len);
	int (*code)(void *ctx, uint32_t tgid, uint64_t addr, char *buf, size_t len, char *obj,
		    size_t objlen);
	int (*line)(void *ctx, uint32_t tgid, uint64_t pc, char *buf, size_t len);
	int (*kernel)(void *ctx, uint64_t addr, char *buf, size_t len);
	/* tgid 0 for a kernel address; lines: look the source up (DWARF), else leave it "" */
	int (*func)(void *ctx, uint32_t tgid, uint64_t pc, bool lines, struct gp_func_fact *out);
	int (*mapping)(void *ctx, uint32_t tgid, uint64_t start, struct gp_map_fact *out);
	void *ctx;
};

struct gp_nametab {
	struct gp_hashmap idx; /* (kind << 32 | tgid, addr) -> entry index + 1 */
	struct gp_name *v;
	size_t n, cap;
	uint32_t seq;
};

struct gp_nametab *nametab_new(void);
void nametab_free(struct gp_nametab *t);
/* Set a fact, replacing an older one for the same key. Returns 0, -EINVAL or -ENOMEM. */
int nametab_put(struct gp_nametab *t, uint32_t kind, uint32_t tgid, uint64_t addr, int rc,
		const char *name, const char *obj);
/* The same with its numbers (func and mapping facts). */
int nametab_put_num(struct gp_nametab *t, uint32_t kind, uint32_t tgid, uint64_t addr, int rc,
		    const char *name, const char *obj, const uint64_t num[2]);
const struct gp_name *nametab_get(const struct gp_nametab *t, uint32_t kind, uint32_t tgid,
				  uint64_t addr);

struct gp_stacks;
struct gp_model;
/* Ask the live namer for every frame of stacks [from, to): code (and lines with lines) as a
 * report looks them up, kernel frames with and without the call-site adjustment, and every
 * frame's function (with its source, with lines) and mapping. */
int nametab_add_stacks(struct gp_nametab *t, const struct gp_stacks *s, size_t from, size_t to,
		       const struct gp_namer *live, bool lines);
/* Ask the live namer for every futex word of the model, replacing names set before. */
int nametab_add_locks(struct gp_nametab *t, const struct gp_model *m, const struct gp_namer *live);

/* Namers over the table, with the signatures of struct gp_report's: what is not in it is named
 * as the live namer names what it cannot resolve ("0x7f12...", "[kernel] 0x..."). */
int nametab_lock(void *ctx, uint32_t tgid, uint64_t uaddr, char *buf, size_t len);
int nametab_code(void *ctx, uint32_t tgid, uint64_t addr, char *buf, size_t len, char *obj,
		 size_t objlen);
int nametab_line(void *ctx, uint32_t tgid, uint64_t pc, char *buf, size_t len);
int nametab_kernel(void *ctx, uint64_t addr, char *buf, size_t len);
/* 0, or -ENOENT when the table has no such fact (out then holds empty names and zeros). */
int nametab_func(void *ctx, uint32_t tgid, uint64_t pc, struct gp_func_fact *out);
int nametab_mapping(void *ctx, uint32_t tgid, uint64_t start, struct gp_map_fact *out);
/* A thread's Python name, NULL without one. */
const char *nametab_thread(const struct gp_nametab *t, uint32_t tgid, uint32_t tid);

#endif
