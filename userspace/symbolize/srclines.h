/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Source lines for code addresses, from the DWARF line tables of the mapped objects: the
 * "pthread_mutex_lock.c:93" beside a stack frame's "___pthread_mutex_lock+0x1a".
 *
 * A line is named "FILE:LINE" with FILE the basename of the source file. Paths relative to the
 * compilation directory were the alternative: they tell apart two files of one name, but they are
 * long and noisy (glibc's memmove is "../sysdeps/x86_64/multiarch/memmove-vec-unaligned-erms.S",
 * its mutex "./nptl/pthread_mutex_lock.c"; outside the build tree paths are absolute) where a
 * frame leaves room for a few words, and the function named beside the line already says which of
 * two same-named files is meant. The line is the innermost one the line table gives: for code
 * inlined from a header it is the header's line, as addr2line prints without -i.
 *
 * DWARF is read from the object itself when it has a line table (.debug_line and .debug_info), else
 * from its separate debug file (debugfile.h: by build ID, then by .gnu_debuglink) when that has
 * one.
 */
#ifndef GP_SRCLINES_H
#define GP_SRCLINES_H

#include <stddef.h>
#include <stdint.h>

#include "symbolize/procmaps.h"

/*
 * A cache of the line tables of ELF objects, keyed by the (dev, inode) of their mappings: an
 * object is opened on first use and the address ranges of its compilation units indexed, then it
 * stays open (one fd, on the object or its debug file) until srclines_free(). A unit's line table
 * is decoded on the first lookup that falls in it, so a lookup costs two binary searches once the
 * unit has been seen. Objects without line tables are remembered as such, at no fd. Lookups are
 * serialized by an internal mutex.
 */
struct gp_srclines;

struct gp_srclines *srclines_new(void);
void srclines_free(struct gp_srclines *s);

/*
 * The source line of the instruction at the file-relative virtual address file_vaddr (what
 * symbolizer_locate() gives as loc.vaddr, with loc.obj as m) of the object mapped by the file
 * mapping m. The object is read through m->fd, by path only when m->fd < 0. For a frame below
 * the innermost, pass the return address minus one: the return address itself is the instruction
 * after the call and may belong to the next line, or to another function after a call that does
 * not return.
 *
 * Writes the NUL-terminated "file.c:123" into buf, truncated to len. Returns 0; -ENOENT when the
 * object has no line table, no table covers the address, or covers it with line 0 (code the
 * compiler made up); -EINVAL for an empty buffer or a mapping that is no file; -EIO when the
 * DWARF is corrupt; -ENOMEM.
 */
int srclines_lookup(struct gp_srclines *s, const struct gp_mapping *m, uint64_t file_vaddr,
		    char *buf, size_t len);

/*
 * The same line as its source file's path, as the line table names it (joined to the unit's
 * compilation directory: "/build/glibc-x/nptl/pthread_mutex_lock.c"), into file[len], and its
 * number into *line: what pprof's Function and Line hold, for `pprof -list` to open the file.
 * Same returns.
 */
int srclines_lookup_path(struct gp_srclines *s, const struct gp_mapping *m, uint64_t file_vaddr,
			 char *file, size_t len, int *line);

#endif /* GP_SRCLINES_H */
