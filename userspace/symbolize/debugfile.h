/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The separate debug file of a stripped ELF object, where distributions keep its full symbol
 * table and DWARF (Debian's -dbg and -dbgsym packages). The places looked at, in order:
 *   /usr/lib/debug/.build-id/xx/yyyy.debug      for the object's build ID in hex, its first byte
 *                                              xx and the rest yyyy
 *   DIR/LINK, DIR/.debug/LINK, /usr/lib/debug/DIR/LINK
 *                                              for the name LINK in the object's .gnu_debuglink
 *                                              and the directory DIR of the object's path
 * A file there counts only when it is a regular ELF file that matches the object, by the same build
 * ID or, for an object without one, by the CRC that its .gnu_debuglink records (a stale file of
 * another build describes other addresses), and when it holds what the caller looks for in it.
 */
#ifndef GP_DEBUGFILE_H
#define GP_DEBUGFILE_H

#include <libelf.h>
#include <stdbool.h>

/*
 * The debug file of the object elf, mapped from path (absolute; a " (deleted)" the kernel appends
 * is harmless), that usable() accepts. Returns 0 with its fd and ELF handle for the caller to
 * close and elf_end(), -ENOENT when there is none, -ENOMEM or -EMFILE when a candidate could not
 * be opened for want of them.
 */
int debugfile_open(Elf *elf, const char *path, bool (*usable)(Elf *elf), int *fdp, Elf **elfp);

#endif /* GP_DEBUGFILE_H */
