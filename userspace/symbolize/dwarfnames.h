/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names for words inside global variables from DWARF: where symbols.h names a futex word
 * "gil+0x50", this names it "gil.cond", the member of the variable's type that holds it.
 *
 * Naming conventions (the first word is always the ELF symbol name passed in):
 *   "gil.cond+0x28"         the member containing the word, and the word's offset inside it
 *                           when not 0: a condition variable waits on different words of itself
 *                           in turn, which must not read as one word (analyze/lockobj.c makes
 *                           them one lock again, by the name before the member)
 *   "locks[3].mutex"        through arrays ("grid[2][1]" for each dimension) and nested structs;
 *                           members of anonymous structs and C++ base classes need no name of
 *                           their own ("s.x", not "s..x")
 *   "counter_lock"          a variable that is itself a leaf (below) names no member
 *   "obj.inner+0x6"         a word in padding, which no member holds: the offset into the
 *                           innermost struct that contains it
 * The walk stops (the member is a leaf) at unions, which is what glibc's pthread_mutex_t,
 * pthread_cond_t, pthread_rwlock_t and sem_t are, so no name ends in ".__data.__lock"; at types
 * declared in system headers (/usr/include, the compiler's own include directories: std::mutex,
 * FILE, atomic_int); at types named pthread_* or __pthread_*, which glibc's own debug info
 * declares in its source tree; and at scalars, pointers and enums.
 *
 * DWARF is read from the object itself (.debug_info, compressed or not), else from its separate
 * debug file (debugfile.h: by build ID, then by .gnu_debuglink).
 */
#ifndef GP_DWARFNAMES_H
#define GP_DWARFNAMES_H

#include <stddef.h>
#include <stdint.h>

#include "symbolize/procmaps.h"

/*
 * A cache of the DWARF of ELF objects, keyed by the (dev, inode) of their mappings: an object is
 * opened and its variables indexed on first use, then kept open (one fd each, on the object or its
 * debug file) until dwarfnames_free(); objects without DWARF are remembered as such, at no fd.
 * Lookups are serialized by an internal mutex.
 */
struct gp_dwarfnames;

struct gp_dwarfnames *dwarfnames_new(void);
void dwarfnames_free(struct gp_dwarfnames *d);

/*
 * Name the word at offset off inside the data symbol sym, at file-relative address sym_addr (what
 * symbolizer_lookup_data() returns) of the object mapped by the file mapping m. The object is read
 * through m->fd, by path only when m->fd < 0. The variable is the DWARF definition at sym_addr
 * (DW_OP_addr, optionally plus a constant) preferring one named sym; failing that, the only
 * variable named sym (linkage name for C++) whose address DWARF does not give, such as an extern
 * declaration in a unit compiled with -g when the definition's was not.
 *
 * Writes the NUL-terminated name into buf, truncated to len as symbols.h does. Returns 0 when
 * named by DWARF, -ENOENT when the object has no DWARF, the variable is not found or its type is
 * smaller than off, -EINVAL for an empty buffer or a mapping that is no file, -ENOMEM, -EIO when
 * the DWARF is corrupt.
 */
int dwarfnames_member(struct gp_dwarfnames *d, const struct gp_mapping *m, const char *sym,
		      uint64_t sym_addr, uint64_t off, char *buf, size_t len);

#endif /* GP_DWARFNAMES_H */
