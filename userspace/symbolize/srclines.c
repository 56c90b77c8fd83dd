// SPDX-License-Identifier: GPL-2.0
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <libelf.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/dwarfobj.h"
#include "util/sorted.h"
#include "symbolize/srclines.h"
#include "util/vec.h"

#define MIN_CAP 64

/* An address range of a compilation unit. */
struct cu_range {
	uint64_t lo, hi; /* [lo, hi) */
	uint64_t reach; /* the highest hi of this range and all before it in the sorted array */
	size_t cu; /* index into cus */
};

/* The units of one object, as dwarfobj.h keeps them beside its DWARF. */
struct cu_index {
	Dwarf_Die *cus;
	size_t ncus, capcus;
	struct cu_range *ranges; /* sorted by lo */
	size_t nranges, capranges;
};

struct gp_srclines {
	pthread_mutex_t lock; /* guards objs and every libdw handle in it */
	struct gp_dwarfobjs objs; /* indexed by struct cu_index */
};

/* ---- The index of compilation units by address ---- */

static int cus_push(struct cu_index *ci, const Dwarf_Die *cudie)
{
	if (vec_reserve((void **)&ci->cus, &ci->capcus, ci->ncus, sizeof(*ci->cus), MIN_CAP))
		return -ENOMEM;
	ci->cus[ci->ncus++] = *cudie;
	return 0;
}

static int ranges_push(struct cu_index *ci, uint64_t lo, uint64_t hi)
{
	if (vec_reserve((void **)&ci->ranges, &ci->capranges, ci->nranges, sizeof(*ci->ranges),
			MIN_CAP))
		return -ENOMEM;
	ci->ranges[ci->nranges++] = (struct cu_range){.lo = lo, .hi = hi, .cu = ci->ncus};
	return 0;
}

/*
 * The ranges of one unit. A unit whose ranges cannot be read is left out rather than failing the
 * object, whose other units are as good. Ranges at 0 are the linker's tombstones for functions
 * that --gc-sections or COMDAT folding threw away (GNU ld writes 1 where 0 would end a DWARF 4
 * range list: those ranges lie below any code too, and "reach" keeps them out of every walk).
 */
static int cu_add(struct cu_index *ci, Dwarf_Die *cudie)
{
	Dwarf_Addr base, lo, hi;
	size_t first = ci->nranges;
	ptrdiff_t off = 0;
	int err;

	while ((off = dwarf_ranges(cudie, off, &base, &lo, &hi)) > 0) {
		if (!lo || lo >= hi)
			continue;
		err = ranges_push(ci, lo, hi);
		if (err)
			return err;
	}
	if (off < 0 || ci->nranges == first) {
		ci->nranges = first;
		return 0;
	}
	return cus_push(ci, cudie);
}

static int range_cmp(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

/* Skeleton units (split DWARF) keep their line table in this file; type units have none. */
static int cus_index(void *index, Dwarf *dbg)
{
	struct cu_index *ci = index;
	uint64_t reach = 0;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t type;
	int rc, err;

	while ((rc = dwarf_get_units(dbg, cu, &cu, NULL, &type, &cudie, NULL)) == 0) {
		if (type != DW_UT_compile && type != DW_UT_skeleton)
			continue;
		err = cu_add(ci, &cudie);
		if (err)
			return err;
	}
	if (rc < 0)
		return -EIO;
	qsort(ci->ranges, ci->nranges, sizeof(*ci->ranges), range_cmp);
	for (size_t i = 0; i < ci->nranges; i++) {
		reach = ci->ranges[i].hi > reach ? ci->ranges[i].hi : reach;
		ci->ranges[i].reach = reach;
	}
	return 0;
}

static void cus_release(void *index)
{
	struct cu_index *ci = index;

	free(ci->cus);
	free(ci->ranges);
}

static const struct dwarfobj_ops cus_ops = {
	.lines = true,
	.index_size = sizeof(struct cu_index),
	.index_build = cus_index,
	.index_release = cus_release,
};

/* ---- Lookups ---- */

/* A line as looked up: its file as the table names it (libdw joins it to its directory entry,
 * which may itself be relative to the unit's compilation directory), and number. */
struct src_line {
	const char *file;
	const char *comp_dir; /* the unit's, NULL if it has none */
	int line;
};

/* The line of addr in one unit's table, -ENOENT when the table has none for it. */
static int cu_line(Dwarf_Die *cudie, uint64_t addr, struct src_line *out)
{
	Dwarf_Attribute attr;
	Dwarf_Lines *lines;
	Dwarf_Line *line;
	size_t nlines;
	int lineno;

	if (!dwarf_hasattr(cudie, DW_AT_stmt_list))
		return -ENOENT;
	if (dwarf_getsrclines(cudie, &lines, &nlines))
		return -EIO;
	line = dwarf_getsrc_die(cudie, addr);
	if (!line || dwarf_lineno(line, &lineno) || lineno <= 0)
		return -ENOENT;
	out->file = dwarf_linesrc(line, NULL, NULL);
	out->comp_dir = dwarf_formstring(dwarf_attr(cudie, DW_AT_comp_dir, &attr));
	out->line = lineno;
	return out->file ? 0 : -ENOENT;
}

/* First range starting above addr. */
static size_t ranges_upper(const struct cu_index *ci, uint64_t addr)
{
	return sorted_bound(ci->ranges, ci->nranges, sizeof(*ci->ranges),
			    offsetof(struct cu_range, lo), addr, true);
}

/*
 * Units do not overlap in sane DWARF, so the range starting last at or below addr is the one.
 * When they do, every range that reaches past addr is tried, nearest first: reach ends the walk
 * as soon as no earlier range can cover addr.
 */
static int obj_line(struct cu_index *ci, uint64_t addr, struct src_line *out)
{
	size_t i = ranges_upper(ci, addr);
	int err;

	while (i-- > 0 && ci->ranges[i].reach > addr) {
		if (ci->ranges[i].hi <= addr)
			continue;
		err = cu_line(&ci->cus[ci->ranges[i].cu], addr, out);
		if (err != -ENOENT)
			return err;
	}
	return -ENOENT;
}

/* The line of file_vaddr, written by put (under the lock: the file name is libdw's). */
static int lookup(struct gp_srclines *s, const struct gp_mapping *m, uint64_t file_vaddr,
		  void (*put)(const struct src_line *l, void *ctx), void *ctx)
{
	struct src_line l;
	void *index;
	Dwarf *dbg;
	int err;

	if (!mapping_is_file(m))
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	err = dwarfobjs_get(&s->objs, m, &dbg, &index);
	if (!err)
		err = obj_line(index, file_vaddr, &l);
	if (!err)
		put(&l, ctx);
	pthread_mutex_unlock(&s->lock);
	return err;
}

struct out_buf {
	char *buf;
	size_t len;
	int *line;
};

static void put_short(const struct src_line *l, void *ctx)
{
	const struct out_buf *o = ctx;
	const char *slash = strrchr(l->file, '/');

	snprintf(o->buf, o->len, "%s:%d", slash ? slash + 1 : l->file, l->line);
}

/* The last segment of out[0..o) is "..", which a following ".." cannot take back. */
static bool seg_is_up(const char *out, size_t o)
{
	const char *last = memrchr(out, '/', o);
	size_t start = last ? (size_t)(last - out) + 1 : 0;

	return o - start == 2 && out[start] == '.' && out[start + 1] == '.';
}

/* Drop "." and "name/.." from the path in buf[len]: "/b/glibc/./nptl/../x.c" is "/b/glibc/x.c". */
static void path_clean(char *buf, size_t len)
{
	char out[PATH_MAX];
	const char *seg = buf, *last;
	bool abs = buf[0] == '/';
	size_t o = 0, n;

	while (*seg) {
		n = strcspn(seg, "/");
		if (n == 2 && seg[0] == '.' && seg[1] == '.' && o && !seg_is_up(out, o)) {
			last = memrchr(out, '/', o);
			o = last ? (size_t)(last - out) : 0;
		} else if ((n == 2 && seg[0] == '.' && seg[1] == '.' && abs && !o) || !n ||
			   (n == 1 && seg[0] == '.')) {
			/* nothing above the root; empty and "." segments say nothing */
		} else if (o + n + 2 < sizeof(out)) {
			if (o || abs)
				out[o++] = '/';
			memcpy(out + o, seg, n);
			o += n;
		}
		seg += n + (seg[n] == '/');
	}
	if (!o && abs)
		out[o++] = '/';
	snprintf(buf, len, "%.*s", (int)o, out);
}

/* The file's path from the root when the unit says where it was compiled, so that a reader
 * (pprof -list) finds it from anywhere. */
static void put_path(const struct src_line *l, void *ctx)
{
	const struct out_buf *o = ctx;

	if (l->file[0] != '/' && l->comp_dir && l->comp_dir[0] == '/')
		snprintf(o->buf, o->len, "%s/%s", l->comp_dir, l->file);
	else
		snprintf(o->buf, o->len, "%s", l->file);
	path_clean(o->buf, o->len);
	*o->line = l->line;
}

int srclines_lookup(struct gp_srclines *s, const struct gp_mapping *m, uint64_t file_vaddr,
		    char *buf, size_t len)
{
	struct out_buf o = {buf, len, NULL};

	return len ? lookup(s, m, file_vaddr, put_short, &o) : -EINVAL;
}

int srclines_lookup_path(struct gp_srclines *s, const struct gp_mapping *m, uint64_t file_vaddr,
			 char *file, size_t len, int *line)
{
	struct out_buf o = {file, len, line};

	return len ? lookup(s, m, file_vaddr, put_path, &o) : -EINVAL;
}

struct gp_srclines *srclines_new(void)
{
	struct gp_srclines *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	/* libelf refuses every call until the version is set, once per process. */
	elf_version(EV_CURRENT);
	pthread_mutex_init(&s->lock, NULL);
	dwarfobjs_init(&s->objs, &cus_ops);
	return s;
}

void srclines_free(struct gp_srclines *s)
{
	if (!s)
		return;
	dwarfobjs_release(&s->objs);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
