// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include "util/hashmap.h"
#include "symbolize/cpython.h"
#include "symbolize/dwarfnames.h"
#include "symbolize/elffile.h"
#include "symbolize/ksyms.h"
#include "symbolize/srclines.h"
#include "model/model.h"
#include "model/stacks.h"
#include "symbolize/locknames.h"
#include "symbolize/procmaps.h"
#include "symbolize/symbols.h"

struct proc_snap {
	struct gp_procmaps *pm;
	bool gil_tried; /* looked for a CPython GIL in this image */
	struct gp_cpython_gil gil;
	uint32_t parent; /* forked from, for a child that never exec'd and was not snapshot */
	bool stale; /* exec'd since the snapshot */
	bool execd;
};

struct gp_locknames {
	struct gp_symbolizer *sym;
	struct gp_dwarfnames *dwarf;
	struct gp_srclines *lines;
	const struct gp_model *model; /* the finished model: futex word behaviour for the GIL */
	struct gp_ksyms *ksyms;
	int ksyms_err; /* why kallsyms could not be loaded, 0 until tried */
	struct gp_hashmap procs; /* tgid -> struct proc_snap */
	uint64_t taken, failed;
};

struct gp_locknames *locknames_new(void)
{
	struct gp_locknames *ln = calloc(1, sizeof(*ln));

	if (!ln)
		return NULL;
	ln->sym = symbolizer_new();
	ln->dwarf = dwarfnames_new();
	ln->lines = srclines_new();
	if (!ln->sym || !ln->dwarf || !ln->lines) {
		symbolizer_free(ln->sym);
		dwarfnames_free(ln->dwarf);
		srclines_free(ln->lines);
		free(ln);
		return NULL;
	}
	hashmap_init(&ln->procs);
	return ln;
}

void locknames_free(struct gp_locknames *ln)
{
	struct proc_snap *ps;
	size_t pos = 0;

	if (!ln)
		return;
	while (hashmap_next(&ln->procs, &pos, NULL, (void **)&ps)) {
		procmaps_free(ps->pm);
		free(ps);
	}
	hashmap_free(&ln->procs);
	symbolizer_free(ln->sym);
	dwarfnames_free(ln->dwarf);
	srclines_free(ln->lines);
	ksyms_free(ln->ksyms);
	free(ln);
}

static struct proc_snap *snap_get(struct gp_locknames *ln, uint32_t tgid)
{
	struct proc_snap *ps = hashmap_get(&ln->procs, tgid, 0);

	if (ps)
		return ps;
	ps = calloc(1, sizeof(*ps));
	if (!ps || hashmap_put(&ln->procs, tgid, 0, ps)) {
		free(ps);
		return NULL;
	}
	return ps;
}

static int snap_take(struct gp_locknames *ln, uint32_t tgid, struct proc_snap *ps)
{
	struct gp_procmaps *pm;
	int err = procmaps_snapshot(tgid, &pm);

	if (err) {
		ln->failed++;
		return err;
	}
	ln->taken++;
	procmaps_free(ps->pm);
	ps->pm = pm;
	ps->stale = false;
	ps->gil_tried = false; /* a new image may hold another interpreter */
	return 0;
}

void locknames_observe(struct gp_locknames *ln, const union gp_event *e)
{
	struct proc_snap *ps;

	switch (e->h.type) {
	case GP_EV_FORK:
		if (e->fork.child_tgid == e->h.tgid)
			return;
		ps = snap_get(ln, e->fork.child_tgid);
		if (ps)
			ps->parent = e->h.tgid;
		return;
	case GP_EV_EXEC:
		/* The executable is mapped already (libraries come later): a process that exits
		 * before its first futex wait is read still has its own data symbols named. */
		ps = snap_get(ln, e->h.tgid);
		if (ps) {
			ps->execd = true;
			snap_take(ln, e->h.tgid, ps);
			ps->stale = true;
		}
		return;
	case GP_EV_FUTEX_ENTER:
		/* also when the word is in memory mapped since (a new thread's stack, the heap) */
		ps = snap_get(ln, e->h.tgid);
		if (ps && (!ps->pm || ps->stale || !procmaps_find(ps->pm, e->fenter.uaddr)))
			snap_take(ln, e->h.tgid, ps);
		return;
	}
}

/* The snapshot that maps uaddr for tgid: its own, a fresh one, or its parent's (fork shares
 * the layout until exec). */
static const struct gp_procmaps *snap_for(struct gp_locknames *ln, uint32_t tgid, uint64_t uaddr)
{
	struct proc_snap *ps = snap_get(ln, tgid);
	int hops;

	if (!ps)
		return NULL;
	if ((!ps->pm || !procmaps_find(ps->pm, uaddr)) && snap_take(ln, tgid, ps) && !ps->pm) {
		for (hops = 0; hops < 16 && ps && !ps->execd && ps->parent; hops++) {
			ps = hashmap_get(&ln->procs, ps->parent, 0);
			if (ps && ps->pm && procmaps_find(ps->pm, uaddr))
				return ps->pm;
		}
		return NULL;
	}
	return ps->pm;
}

void locknames_set_model(struct gp_locknames *ln, const struct gp_model *m)
{
	ln->model = m;
}

/* How the process's futex words behaved: the GIL's cond is the one waited on with timeouts. */
static struct gp_futex_word *futex_words(const struct gp_model *m, uint32_t tgid, size_t *n)
{
	struct gp_futex_word *w = calloc(m->nlocks ? m->nlocks : 1, sizeof(*w));
	size_t i;

	*n = 0;
	for (i = 0; w && i < m->nlocks; i++) {
		struct gp_lock *l = m->locks[i];

		if (l->tgid != tgid)
			continue;
		w[*n].uaddr = l->uaddr;
		w[*n].waits = l->waits;
		w[*n].timeouts = l->outcome[GP_WO_TIMEOUT];
		w[*n].p50_ns = u64vec_percentile(&l->durations, 50);
		(*n)++;
	}
	return w;
}

/* "CPython GIL (cond)" and the like, for a word of a python process's GIL; *off is the word's
 * offset inside that part. */
static const char *gil_label(struct gp_locknames *ln, uint32_t tgid, const struct gp_procmaps *pm,
			     uint64_t uaddr, uint64_t *off)
{
	struct proc_snap *ps = snap_get(ln, tgid);
	struct gp_futex_word *words = NULL;
	size_t n = 0;

	if (!ps || ps->pm != pm)
		return NULL; /* named from a parent's snapshot: not this process's image */
	if (!ps->gil_tried) {
		if (ln->model)
			words = futex_words(ln->model, tgid, &n);
		if (!cpython_gil_locate(ln->sym, pm, words, n, &ps->gil))
			ps->gil_tried = true;
		free(words);
	}
	return cpython_gil_part(&ps->gil, uaddr, off);
}

/* With DWARF, a word inside a struct is named by its member: gil+0x50 is gil.cond. */
static void member_name(struct gp_locknames *ln, const struct gp_procmaps *pm, uint64_t uaddr,
			char *buf, size_t len)
{
	struct gp_addr_loc loc;
	struct gp_sym sym;
	char member[160];

	if (symbolizer_locate(ln->sym, pm, uaddr, &loc) || !loc.obj ||
	    symbolizer_lookup_data(ln->sym, loc.obj, loc.vaddr, &sym))
		return;
	if (!dwarfnames_member(ln->dwarf, loc.obj, sym.name, sym.addr, loc.vaddr - sym.addr, member,
			       sizeof(member)))
		snprintf(buf, len, "%s", member);
}

int locknames_name(void *ctx, uint32_t tgid, uint64_t uaddr, char *buf, size_t len)
{
	struct gp_locknames *ln = ctx;
	const struct gp_procmaps *pm = snap_for(ln, tgid, uaddr);
	const char *label;
	uint64_t off = 0;

	if (!pm) {
		snprintf(buf, len, "0x%" PRIx64, uaddr);
		return 1;
	}
	label = gil_label(ln, tgid, pm, uaddr, &off);
	/* "CPython GIL (cond+0x28)": the words of one part are told apart */
	if (label && off)
		snprintf(buf, len, "%.*s+0x%" PRIx64 ")", (int)strlen(label) - 1, label, off);
	else if (label)
		snprintf(buf, len, "%s", label);
	if (label)
		return 0;
	if (symbolizer_name_data(ln->sym, pm, uaddr, buf, len))
		return symbolizer_name_data(ln->sym, pm, uaddr, buf, len);
	member_name(ln, pm, uaddr, buf, len);
	return 0;
}

int locknames_code(void *ctx, uint32_t tgid, uint64_t addr, char *buf, size_t len, char *obj,
		   size_t objlen)
{
	struct gp_locknames *ln = ctx;
	const struct gp_procmaps *pm;

	/* a Python frame is named as it comes (stream/pystage.c): here only one that was not */
	if (stack_is_pyframe(addr)) {
		snprintf(buf, len, "[python] 0x%" PRIx64 "+0x%x", stack_pyframe_code(addr),
			 stack_pyframe_instr(addr));
		if (obj)
			snprintf(obj, objlen, "[python]");
		return 1;
	}
	pm = snap_for(ln, tgid, addr);

	if (!pm) {
		snprintf(buf, len, "0x%" PRIx64, addr);
		if (obj)
			snprintf(obj, objlen, "[unknown]");
		return 1;
	}
	return symbolizer_name_code(ln->sym, pm, addr, buf, len, obj, objlen);
}

int locknames_line(void *ctx, uint32_t tgid, uint64_t pc, char *buf, size_t len)
{
	struct gp_locknames *ln = ctx;
	const struct gp_procmaps *pm = snap_for(ln, tgid, pc);
	struct gp_addr_loc loc;

	if (!pm || symbolizer_locate(ln->sym, pm, pc, &loc) || !loc.elf || !loc.obj)
		return -ENOENT;
	return srclines_lookup(ln->lines, loc.obj, loc.vaddr, buf, len);
}

static const struct gp_ksyms *kernel_syms(struct gp_locknames *ln)
{
	if (!ln->ksyms && !ln->ksyms_err)
		ln->ksyms_err = ksyms_load(NULL, &ln->ksyms) ? -1 : 0;
	return ln->ksyms;
}

int locknames_kernel(void *ctx, uint64_t addr, char *buf, size_t len)
{
	struct gp_locknames *ln = ctx;

	if (!kernel_syms(ln)) {
		snprintf(buf, len, "[kernel] 0x%" PRIx64, addr);
		return 1;
	}
	return ksyms_name(ln->ksyms, addr, buf, len);
}

/* A kernel function as ksyms_name() names it, less the offset: "futex_wait", "f [module]". */
static void kernel_func(struct gp_locknames *ln, uint64_t addr, struct gp_func_fact *out)
{
	const struct gp_ksym *k = kernel_syms(ln) ? ksyms_find(ln->ksyms, addr) : NULL;

	if (!ln->ksyms)
		snprintf(out->name, sizeof(out->name), "[kernel] 0x%" PRIx64, addr);
	else if (!k)
		snprintf(out->name, sizeof(out->name), "0x%" PRIx64, addr);
	else if (k->module)
		snprintf(out->name, sizeof(out->name), "%s [%s]", k->name, k->module);
	else
		snprintf(out->name, sizeof(out->name), "%s", k->name);
}

int locknames_func(void *ctx, uint32_t tgid, uint64_t pc, bool lines, struct gp_func_fact *out)
{
	struct gp_locknames *ln = ctx;
	const struct gp_procmaps *pm;
	struct gp_addr_loc loc;

	memset(out, 0, sizeof(*out));
	if (!tgid) {
		kernel_func(ln, pc, out);
		return 0;
	}
	pm = snap_for(ln, tgid, pc);
	if (!pm) {
		snprintf(out->name, sizeof(out->name), "0x%" PRIx64, pc);
		return 1;
	}
	symbolizer_name_function(ln->sym, pm, pc, out->name, sizeof(out->name));
	if (symbolizer_locate(ln->sym, pm, pc, &loc) || !loc.map)
		return 0;
	/* a file, or a mapping the kernel names ("[vdso]"): not anonymous memory */
	if (!mapping_is_anon(loc.map))
		out->map_start = loc.map->start;
	if (lines && loc.elf && loc.obj &&
	    srclines_lookup_path(ln->lines, loc.obj, loc.vaddr, out->file, sizeof(out->file),
				 &out->line))
		out->file[0] = 0;
	return 0;
}

int locknames_mapping(void *ctx, uint32_t tgid, uint64_t start, struct gp_map_fact *out)
{
	struct gp_locknames *ln = ctx;
	const struct gp_procmaps *pm = snap_for(ln, tgid, start);
	const struct gp_mapping *m = pm ? procmaps_find(pm, start) : NULL;

	memset(out, 0, sizeof(*out));
	if (!m || m->start != start)
		return -ENOENT;
	snprintf(out->path, sizeof(out->path), "%s", m->path);
	out->limit = m->end;
	out->offset = m->pgoff;
	if (mapping_is_file(m))
		elffile_build_id(m, out->build_id, sizeof(out->build_id));
	return 0;
}

const struct gp_procmaps *locknames_maps(struct gp_locknames *ln, uint32_t tgid, uint64_t addr)
{
	return snap_for(ln, tgid, addr);
}

const struct gp_procmaps *locknames_snapshot(struct gp_locknames *ln, uint32_t tgid, bool fresh)
{
	struct proc_snap *ps = snap_get(ln, tgid);

	if (ps && (fresh || !ps->pm))
		snap_take(ln, tgid, ps);
	return ps ? ps->pm : NULL;
}

struct gp_symbolizer *locknames_symbolizer(struct gp_locknames *ln)
{
	return ln->sym;
}

void locknames_forget(struct gp_locknames *ln, uint32_t tgid)
{
	struct proc_snap *ps = hashmap_del(&ln->procs, tgid, 0);

	if (!ps)
		return;
	procmaps_free(ps->pm);
	free(ps);
}

size_t locknames_held(const struct gp_locknames *ln)
{
	return ln->procs.len;
}

void locknames_counts(const struct gp_locknames *ln, uint64_t *taken, uint64_t *failed)
{
	*taken = ln->taken;
	*failed = ln->failed;
}

struct gp_namer locknames_namer(struct gp_locknames *ln)
{
	return (struct gp_namer){locknames_name,
				 locknames_code,
				 locknames_line,
				 locknames_kernel,
				 locknames_func,
				 locknames_mapping,
				 ln};
}
