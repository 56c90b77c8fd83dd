// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbolize/debugfile.h"
#include "symbolize/dwarfobj.h"
#include "symbolize/elffile.h"

struct dwarfobj {
	int err; /* remembered: -ENOENT without the DWARF, -EIO when corrupt */
	int fd; /* owned, -1 once closed: a dup of the snapshot's fd, or the debug file */
	Elf *elf;
	Dwarf *dbg;
	void *index; /* the reader's */
};

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

/* The units' line programs are found through .debug_info: lines need both. */
static bool dwarf_present(Elf *elf, bool lines)
{
	bool info = false, line = !lines;
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

static bool info_present(Elf *elf)
{
	return dwarf_present(elf, false);
}

static bool lines_present(Elf *elf)
{
	return dwarf_present(elf, true);
}

/* The ELF holding the object's DWARF: the mapped file itself (fd, consumed) or its debug file. */
static int dwarf_elf_open(const struct gp_dwarfobjs *c, const struct gp_mapping *m, int fd,
			  int *fdp, Elf **elfp)
{
	bool (*usable)(Elf *) = c->ops->lines ? lines_present : info_present;
	Elf *elf = NULL;
	int err = -ENOENT;

	if (elffile_begin(fd, &elf))
		goto out;
	if (usable(elf)) {
		*fdp = fd;
		*elfp = elf;
		return 0;
	}
	err = debugfile_open(elf, m->path, usable, fdp, elfp);
out:
	elf_end(elf);
	close(fd);
	return err;
}

/* Give back what an object holds, keeping what is remembered about it (err). */
static void dwarfobj_release(const struct gp_dwarfobjs *c, struct dwarfobj *o)
{
	if (o->index)
		c->ops->index_release(o->index);
	free(o->index);
	dwarf_end(o->dbg);
	elf_end(o->elf);
	if (o->fd >= 0)
		close(o->fd);
	*o = (struct dwarfobj){.err = o->err, .fd = -1};
}

/* Open and index an object from its fd (consumed). */
static int dwarfobj_open(const struct gp_dwarfobjs *c, struct dwarfobj *o,
			 const struct gp_mapping *m, int fd)
{
	int err;

	err = dwarf_elf_open(c, m, fd, &o->fd, &o->elf);
	if (err)
		return err;
	o->dbg = dwarf_begin_elf(o->elf, DWARF_C_READ, NULL);
	if (!o->dbg)
		return -EIO;
	o->index = calloc(1, c->ops->index_size);
	if (!o->index)
		return -ENOMEM;
	return c->ops->index_build(o->index, o->dbg);
}

int dwarfobjs_get(struct gp_dwarfobjs *c, const struct gp_mapping *m, Dwarf **dbg, void **index)
{
	struct dwarfobj *o = hashmap_get(&c->objs, m->dev, m->ino);
	int fd, err;

	if (o)
		goto done;
	fd = elffile_fd_dup(m);
	if (fd < 0)
		return fd;
	o = calloc(1, sizeof(*o));
	if (!o) {
		close(fd);
		return -ENOMEM;
	}
	o->fd = -1;
	o->err = dwarfobj_open(c, o, m, fd);
	if (o->err)
		dwarfobj_release(c, o);
	err = o->err;
	if (err == -ENOMEM || err == -EMFILE)
		goto fail;
	err = hashmap_put(&c->objs, m->dev, m->ino, o);
	if (err)
		goto fail;
done:
	*dbg = o->dbg;
	*index = o->index;
	return o->err;
fail:
	dwarfobj_release(c, o);
	free(o);
	return err;
}

void dwarfobjs_init(struct gp_dwarfobjs *c, const struct dwarfobj_ops *ops)
{
	c->ops = ops;
	hashmap_init(&c->objs);
}

void dwarfobjs_release(struct gp_dwarfobjs *c)
{
	struct gp_hkey key;
	void *val;

	for (size_t pos = 0; hashmap_next(&c->objs, &pos, &key, &val);) {
		dwarfobj_release(c, val);
		free(val);
	}
	hashmap_free(&c->objs);
}
