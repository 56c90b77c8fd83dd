/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Opening the ELF file behind a mapping, the same way for every reader of one (symbols, CFI,
 * DWARF): through the snapshot's fd when it has one, which reaches deleted and replaced files,
 * else by path while the path still names the mapped inode; and as ELF only once its first bytes
 * say so, since most mapped files that are not ELF (locale archives, shared memory) would
 * otherwise cost a libelf parse each.
 */
#ifndef GP_ELFFILE_H
#define GP_ELFFILE_H

#include <libelf.h>

#include "symbolize/procmaps.h"

/*
 * The file of m for a read that ends before the caller returns: m->fd itself, else a new fd on
 * m->path. Give it back with elffile_fd_return(). Returns the fd, -ENOMEM, or -ENOENT when the
 * file cannot be reached (no fd, and the path names no file or another one).
 */
int elffile_fd_borrow(const struct gp_mapping *m);
void elffile_fd_return(const struct gp_mapping *m, int fd);

/*
 * The file of m for a reader that keeps it open beyond the snapshot: a close-on-exec dup of m->fd,
 * else a new fd on m->path. Returns the fd for the caller to close, -ENOMEM, -EMFILE, -ENOENT
 * when the file cannot be reached, or the -errno of a failed dup.
 */
int elffile_fd_dup(const struct gp_mapping *m);

/*
 * An ELF handle on fd, read by pread and mmap only (the fd may be shared with other users of the
 * snapshot, whose file position must not move). Returns 0 and *elfp for elf_end(), -ENOEXEC when
 * the file is no ELF file, -EIO when libelf cannot read it.
 */
int elffile_begin(int fd, Elf **elfp);

/*
 * The GNU build ID of the ELF file of m in lower-case hex, into hex[len]: what tells one build of
 * a file from another (pprof's Mapping.build_id). Returns 0; -ENOENT when the file has none, is
 * not ELF or cannot be reached, -ENOSPC when it does not fit (hex is then ""); -EINVAL for an
 * empty buffer.
 */
int elffile_build_id(const struct gp_mapping *m, char *hex, size_t len);

/*
 * Open the ELF file at path, a name the traced program chose: with the invoking user's rights and
 * regular files only, never opening a FIFO or device (asuser.h). Returns 0 with *fdp and *elfp
 * for the caller to close and elf_end(), -ENOMEM or -EMFILE, -ENOENT for anything that cannot be
 * opened or is not a regular file, or elffile_begin()'s errors.
 */
int elffile_open(const char *path, int *fdp, Elf **elfp);

#endif /* GP_ELFFILE_H */
