/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names futex words and code addresses: snapshots each traced process's mappings while it is
 * alive (at exec, at its first futex wait, and when a word lies outside the snapshot) and
 * symbolizes addresses from them at report time.
 */
#ifndef GP_LOCKNAMES_H
#define GP_LOCKNAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "model/event.h"
#include "symbolize/nametab.h"

struct gp_locknames;
struct gp_model;

struct gp_locknames *locknames_new(void);
void locknames_free(struct gp_locknames *ln);
/* The finished model, whose futex word statistics recognise a CPython GIL by its behaviour. */
void locknames_set_model(struct gp_locknames *ln, const struct gp_model *m);
/* Raw event hook: runs while the process is most likely still alive. */
void locknames_observe(struct gp_locknames *ln, const union gp_event *e);
/* A gp_lock_namer: 0 named by symbol, 1 by mapping only ("[heap]+0x10"), -errno unknown. */
int locknames_name(void *ctx, uint32_t tgid, uint64_t uaddr, char *buf, size_t len);
/* Name a user code address of a process ("func+0x12", "libfoo.so+0x1234"); obj, when not NULL,
 * gets the object's basename. Same returns as locknames_name. */
int locknames_code(void *ctx, uint32_t tgid, uint64_t addr, char *buf, size_t len, char *obj,
		   size_t objlen);
/* "file.c:123" for a user code address, from DWARF line tables (-ENOENT without). */
int locknames_line(void *ctx, uint32_t tgid, uint64_t pc, char *buf, size_t len);
/* Name a kernel address from /proc/kallsyms (loaded on first use). */
int locknames_kernel(void *ctx, uint64_t addr, char *buf, size_t len);
/* A gp_namer's func: the function of a code address (tgid 0: the kernel's) without offset, its
 * mapping and, with lines, its source file and line. 0, or 1 when no snapshot maps it. */
int locknames_func(void *ctx, uint32_t tgid, uint64_t pc, bool lines, struct gp_func_fact *out);
/* A gp_namer's mapping: the mapping of the process that starts at start. 0 or -ENOENT. */
int locknames_mapping(void *ctx, uint32_t tgid, uint64_t start, struct gp_map_fact *out);
/* All of the above, as the namer a name table is filled from. */
struct gp_namer locknames_namer(struct gp_locknames *ln);
struct gp_procmaps;
struct gp_symbolizer;
/* The process's current snapshot, retaken when addr is not mapped in it; NULL if none. */
const struct gp_procmaps *locknames_maps(struct gp_locknames *ln, uint32_t tgid, uint64_t addr);
/* The process's snapshot, taken now when it has none or fresh is asked; NULL if none. */
const struct gp_procmaps *locknames_snapshot(struct gp_locknames *ln, uint32_t tgid, bool fresh);
struct gp_symbolizer *locknames_symbolizer(struct gp_locknames *ln);
/* Forget an exited process's snapshot (its mapped files are closed): a long trace sees many
 * processes come and go. Names asked for it later are by address. */
void locknames_forget(struct gp_locknames *ln, uint32_t tgid);
/* Processes with a snapshot held. */
size_t locknames_held(const struct gp_locknames *ln);
/* Snapshots taken and failed, for the report. */
void locknames_counts(const struct gp_locknames *ln, uint64_t *taken, uint64_t *failed);

#endif
