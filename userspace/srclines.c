// SPDX-License-Identifier: GPL-2.0
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hashmap.h"
#include "srclines.h"

#define DEBUG_BUILD_ID_DIR "/usr/lib/debug/.build-id"
#define MIN_CAP 64

/* An address range of a compilation unit. */
struct cu_range {
	uint64_t lo, hi; /* [lo, hi) */
	uint64_t reach; /* the highest hi of this range and all before it in the sorted array */
	size_t cu; /* index into cus */
};

struct sl_obj {
	int err; /* remembered: -ENOENT without line tables, -EIO when corrupt */
	int fd; /* owned, -1 once closed: a dup of the snapshot's fd, or the debug file */
	Elf *elf;
	Dwarf *dbg;
	Dwarf_Die *cus;
	size_t ncus, capcus;
	struct cu_range *ranges; /* sorted by lo */
	size_t nranges, capranges;
};

struct gp_srclines {
	pthread_mutex_t lock; /* guards objs and every libdw handle in it */
	struct gp_hashmap objs; /* (dev, ino) -> struct sl_obj */
};

/* ---- Finding the line tables: in the mapped file or in its debug file ---- */

static bool elf_magic_is(int fd)
{
	unsigned char ident[SELFMAG];

	return pread(fd, ident, SELFMAG, 0) == SELFMAG && !memcmp(ident, ELFMAG, SELFMAG);
}

/* pread and mmap only: the fd may be the snapshot's, shared with its other users. */
static Elf *elf_of_fd(int fd)
{
	Elf *elf;

	if (!elf_magic_is(fd))
		return NULL;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf && elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		return NULL;
	}
	return elf;
}

/*
 * A section of one of two names that has contents: a debug file's copies of the code are NOBITS,
 * for one. ".zdebug_*" is the older GNU compression, which libdw reads too.
 */
static bool section_filled(Elf *elf, size_t shstrndx, Elf_Scn *scn, const char *name,
			   const char *zname)
{
	const char *sname;
	GElf_Shdr sh;

	if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS || !sh.sh_size)
		return false;
	sname = elf_strptr(elf, shstrndx, sh.sh_name);
	return sname && (!strcmp(sname, name) || !strcmp(sname, zname));
}

/* The units' line programs are found through .debug_info: both are needed. */
static bool elf_has_lines(Elf *elf)
{
	bool info = false, line = false;
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		info = info || section_filled(elf, shstrndx, scn, ".debug_info", ".zdebug_info");
		line = line || section_filled(elf, shstrndx, scn, ".debug_line", ".zdebug_line");
	}
	return info && line;
}

static int build_id_path(const unsigned char *id, ssize_t idlen, char *path, size_t len)
{
	size_t pos;

	if (idlen < 2)
		return -ENOENT;
	pos = (size_t)snprintf(path, len, "%s/%02x/", DEBUG_BUILD_ID_DIR, id[0]);
	for (ssize_t i = 1; i < idlen && pos < len; i++)
		pos += (size_t)snprintf(path + pos, len - pos, "%02x", id[i]);
	if (pos >= len || (size_t)snprintf(path + pos, len - pos, ".debug") >= len - pos)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * The separate debug file of elf, by build ID: 0 with its fd and ELF, -ENOENT when there is none
 * with line tables and the same build ID (a stale file from another version of the package).
 */
static int debug_file_open(Elf *elf, int *fdp, Elf **elfp)
{
	const void *id, *did;
	char path[PATH_MAX];
	ssize_t idlen, didlen;
	Elf *delf = NULL;
	struct stat st;
	int fd;

	idlen = dwelf_elf_gnu_build_id(elf, &id);
	if (idlen <= 0 || build_id_path(id, idlen, path, sizeof(path)))
		return -ENOENT;
	/* O_NONBLOCK: a FIFO planted there must not hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOMEM || errno == EMFILE ? -errno : -ENOENT;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		goto fail;
	delf = elf_of_fd(fd);
	if (!delf || !elf_has_lines(delf))
		goto fail;
	didlen = dwelf_elf_gnu_build_id(delf, &did);
	if (didlen != idlen || memcmp(did, id, (size_t)idlen))
		goto fail;
	*fdp = fd;
	*elfp = delf;
	return 0;
fail:
	elf_end(delf);
	close(fd);
	return -ENOENT;
}

/* The mapped file, through a dup of the snapshot's fd: the cache outlives snapshots. */
static int object_fd(const struct gp_mapping *m)
{
	int fd;

	if (m->fd < 0) {
		fd = mapping_open_path(m);
		return fd >= 0 || fd == -ENOMEM || fd == -EMFILE ? fd : -ENOENT;
	}
	fd = fcntl(m->fd, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

/* The ELF holding the line tables of the object open at fd (consumed): itself or its debug file. */
static int lines_elf_open(int fd, int *fdp, Elf **elfp)
{
	Elf *elf = elf_of_fd(fd);
	int err = -ENOENT;

	if (elf && elf_has_lines(elf)) {
		*fdp = fd;
		*elfp = elf;
		return 0;
	}
	if (elf)
		err = debug_file_open(elf, fdp, elfp);
	elf_end(elf);
	close(fd);
	return err;
}

/* ---- The index of compilation units by address ---- */

static int cus_push(struct sl_obj *o, const Dwarf_Die *cudie)
{
	size_t cap = o->capcus ? o->capcus * 2 : MIN_CAP;
	Dwarf_Die *n;

	if (o->ncus == o->capcus) {
		n = realloc(o->cus, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		o->cus = n;
		o->capcus = cap;
	}
	o->cus[o->ncus++] = *cudie;
	return 0;
}

static int ranges_push(struct sl_obj *o, uint64_t lo, uint64_t hi)
{
	size_t cap = o->capranges ? o->capranges * 2 : MIN_CAP;
	struct cu_range *n;

	if (o->nranges == o->capranges) {
		n = realloc(o->ranges, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		o->ranges = n;
		o->capranges = cap;
	}
	o->ranges[o->nranges++] = (struct cu_range){.lo = lo, .hi = hi, .cu = o->ncus};
	return 0;
}

/*
 * The ranges of one unit. A unit whose ranges cannot be read is left out rather than failing the
 * object, whose other units are as good. Ranges at 0 are the linker's tombstones for functions
 * that --gc-sections or COMDAT folding threw away (GNU ld writes 1 where 0 would end a DWARF 4
 * range list: those ranges lie below any code too, and "reach" keeps them out of every walk).
 */
static int cu_add(struct sl_obj *o, Dwarf_Die *cudie)
{
	Dwarf_Addr base, lo, hi;
	size_t first = o->nranges;
	ptrdiff_t off = 0;
	int err;

	while ((off = dwarf_ranges(cudie, off, &base, &lo, &hi)) > 0) {
		if (!lo || lo >= hi)
			continue;
		err = ranges_push(o, lo, hi);
		if (err)
			return err;
	}
	if (off < 0 || o->nranges == first) {
		o->nranges = first;
		return 0;
	}
	return cus_push(o, cudie);
}

static int range_cmp(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

/* Skeleton units (split DWARF) keep their line table in this file; type units have none. */
static int cus_index(struct sl_obj *o)
{
	uint64_t reach = 0;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t type;
	int rc, err;

	while ((rc = dwarf_get_units(o->dbg, cu, &cu, NULL, &type, &cudie, NULL)) == 0) {
		if (type != DW_UT_compile && type != DW_UT_skeleton)
			continue;
		err = cu_add(o, &cudie);
		if (err)
			return err;
	}
	if (rc < 0)
		return -EIO;
	qsort(o->ranges, o->nranges, sizeof(*o->ranges), range_cmp);
	for (size_t i = 0; i < o->nranges; i++) {
		reach = o->ranges[i].hi > reach ? o->ranges[i].hi : reach;
		o->ranges[i].reach = reach;
	}
	return 0;
}

/* ---- The cache ---- */

/* Give back what an object holds, keeping what is remembered about it (err). */
static void sl_obj_release(struct sl_obj *o)
{
	dwarf_end(o->dbg);
	elf_end(o->elf);
	if (o->fd >= 0)
		close(o->fd);
	free(o->cus);
	free(o->ranges);
	*o = (struct sl_obj){.err = o->err, .fd = -1};
}

/* Open and index an object from its fd (consumed). */
static int sl_obj_open(struct sl_obj *o, int fd)
{
	int err;

	err = lines_elf_open(fd, &o->fd, &o->elf);
	if (err)
		return err;
	o->dbg = dwarf_begin_elf(o->elf, DWARF_C_READ, NULL);
	if (!o->dbg)
		return -EIO;
	return cus_index(o);
}

/*
 * The cached object of m: 0 and *out, or its remembered error. A file that cannot be reached is
 * not remembered (a later snapshot may hold it open), nor is running out of memory or fds.
 */
static int sl_obj_get(struct gp_srclines *s, const struct gp_mapping *m, struct sl_obj **out)
{
	struct sl_obj *o = hashmap_get(&s->objs, m->dev, m->ino);
	int fd, err;

	if (o)
		goto done;
	fd = object_fd(m);
	if (fd < 0)
		return fd;
	o = calloc(1, sizeof(*o));
	if (!o) {
		close(fd);
		return -ENOMEM;
	}
	o->fd = -1;
	o->err = sl_obj_open(o, fd);
	if (o->err)
		sl_obj_release(o);
	err = o->err;
	if (err == -ENOMEM || err == -EMFILE)
		goto fail;
	err = hashmap_put(&s->objs, m->dev, m->ino, o);
	if (err)
		goto fail;
done:
	*out = o;
	return o->err;
fail:
	sl_obj_release(o);
	free(o);
	return err;
}

/* ---- Lookups ---- */

/* The line of addr in one unit's table, -ENOENT when the table has none for it. */
static int cu_line(Dwarf_Die *cudie, uint64_t addr, char *buf, size_t len)
{
	const char *file, *slash;
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
	file = dwarf_linesrc(line, NULL, NULL);
	if (!file)
		return -ENOENT;
	slash = strrchr(file, '/');
	snprintf(buf, len, "%s:%d", slash ? slash + 1 : file, lineno);
	return 0;
}

/* First range starting above addr. */
static size_t ranges_upper(const struct sl_obj *o, uint64_t addr)
{
	size_t lo = 0, hi = o->nranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (o->ranges[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Units do not overlap in sane DWARF, so the range starting last at or below addr is the one.
 * When they do, every range that reaches past addr is tried, nearest first: reach ends the walk
 * as soon as no earlier range can cover addr.
 */
static int obj_line(struct sl_obj *o, uint64_t addr, char *buf, size_t len)
{
	size_t i = ranges_upper(o, addr);
	int err;

	while (i-- > 0 && o->ranges[i].reach > addr) {
		if (o->ranges[i].hi <= addr)
			continue;
		err = cu_line(&o->cus[o->ranges[i].cu], addr, buf, len);
		if (err != -ENOENT)
			return err;
	}
	return -ENOENT;
}

int srclines_lookup(struct gp_srclines *s, const struct gp_mapping *m, uint64_t file_vaddr,
		    char *buf, size_t len)
{
	struct sl_obj *o;
	int err;

	if (!len || !mapping_is_file(m))
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	err = sl_obj_get(s, m, &o);
	if (!err)
		err = obj_line(o, file_vaddr, buf, len);
	pthread_mutex_unlock(&s->lock);
	return err;
}

struct gp_srclines *srclines_new(void)
{
	struct gp_srclines *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	/* libelf refuses every call until the version is set, once per process. */
	elf_version(EV_CURRENT);
	pthread_mutex_init(&s->lock, NULL);
	hashmap_init(&s->objs);
	return s;
}

void srclines_free(struct gp_srclines *s)
{
	struct gp_hkey key;
	size_t pos = 0;
	void *val;

	if (!s)
		return;
	while (hashmap_next(&s->objs, &pos, &key, &val)) {
		sl_obj_release(val);
		free(val);
	}
	hashmap_free(&s->objs);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
