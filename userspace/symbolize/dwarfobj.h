/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A cache of the DWARF of ELF objects, keyed by the (dev, inode) of their mappings, for readers
 * that each keep an index of their own beside it (dwarfnames.h: variables by address and name;
 * srclines.h: compilation units by address). An object is opened on first use: the mapped file
 * when it has the DWARF sections the reader needs, else its separate debug file (debugfile.h);
 * the reader's index is built then, and both stay, with one fd on the file read, until
 * dwarfobjs_release(). An object without that DWARF, or whose DWARF is corrupt, is remembered as
 * such at no fd. Not thread-safe: readers serialize their lookups, as libdw's handles need anyway.
 */
#ifndef GP_DWARFOBJ_H
#define GP_DWARFOBJ_H

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/hashmap.h"
#include "symbolize/procmaps.h"

/* What a reader needs of an object's DWARF, and how it indexes it. */
struct dwarfobj_ops {
	bool lines; /* the line tables: .debug_line as well as .debug_info */
	size_t index_size; /* bytes of the index, zeroed before index_build() */
	/* Index dbg, which outlives the index: 0, -EIO for corrupt DWARF, -ENOMEM. */
	int (*index_build)(void *index, Dwarf *dbg);
	/* Free what the index holds, whether index_build() succeeded or not. */
	void (*index_release)(void *index);
};

struct gp_dwarfobjs {
	const struct dwarfobj_ops *ops;
	struct gp_hashmap objs; /* (dev, ino) -> struct dwarfobj */
};

/* libelf's version must have been set (elf_version()) before the first dwarfobjs_get(). */
void dwarfobjs_init(struct gp_dwarfobjs *c, const struct dwarfobj_ops *ops);
void dwarfobjs_release(struct gp_dwarfobjs *c);

/*
 * The DWARF of the object mapped by the file mapping m, read through m->fd, by path only when
 * m->fd < 0: 0 with its handle and the reader's index of it, else the object's remembered error
 * (-ENOENT without the DWARF the reader needs, -EIO when it is corrupt, or index_build()'s). A file
 * that cannot be reached (-ENOENT) is not remembered, since a later snapshot may hold it open, nor
 * is running out of memory or fds (-ENOMEM, -EMFILE).
 */
int dwarfobjs_get(struct gp_dwarfobjs *c, const struct gp_mapping *m, Dwarf **dbg, void **index);

#endif /* GP_DWARFOBJ_H */
