/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Open a file only if it is a regular file, without ever opening anything else: the name is
 * resolved with O_PATH (which runs no driver's open and does not block on a FIFO), checked with
 * fstat, and only then reopened for reading through /proc/self/fd. A name that a traced program
 * controls can so not make gilprof open a device (side effects) or a FIFO (a hang).
 */
#ifndef GP_REGFILE_H
#define GP_REGFILE_H

#include <sys/stat.h>

/*
 * dirfd/path as for openat(); flags are added to O_RDONLY|O_CLOEXEC (O_NOFOLLOW, say). Returns the
 * descriptor with *st filled (st may be NULL), -ENODEV for anything but a regular file, or -errno.
 */
int regfile_open(int dirfd, const char *path, int flags, struct stat *st);
/* The same, for a descriptor already opened with O_PATH (closed by the call). */
int regfile_reopen(int pathfd, struct stat *st);

#endif
