/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every file a user names is opened, created, linked and renamed with that user's rights. Under
 * sudo a broker process does it: forked before anything else is opened, it drops to
 * SUDO_UID/SUDO_GID and the user's groups (so the kernel refuses what the user could not do,
 * links and sticky directories included), is not dumpable, and passes descriptors back over a
 * socket. Without sudo (or before asuser_start()) the same operations run in this process.
 * Not thread-safe: one caller at a time.
 */
#ifndef GP_ASUSER_H
#define GP_ASUSER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "util/creds.h"

enum asuser_kind {
	ASU_DEVICE = 1, /* an existing character device (/dev/null, a tty), written in place */
	ASU_FILE, /* a new unnamed file, linked under its name by asuser_out_commit() */
	ASU_PUBLISHED, /* such a file linked early (output_publish()), written on in place */
};

struct asuser_out {
	int kind;
	int fd; /* write here */
	int dirfd; /* ASU_FILE: O_PATH descriptor of the directory the file goes into */
	char base[NAME_MAX + 1]; /* ASU_FILE: its name there (after the user's links) */
	/* ASU_FILE on a file system without O_TMPFILE: the named temporary, else "" */
	char tmpname[NAME_MAX + 1];
	dev_t dev; /* ASU_FILE: of the directory; ASU_DEVICE: of the node */
	ino_t ino;
	dev_t old_dev; /* ASU_FILE: the file the commit will replace; 0/0 if none */
	ino_t old_ino;
};

/* Start the broker when c says sudo; -1 with one line in err. */
int asuser_start(const struct gp_creds *c, char *err, size_t errlen);
/* End the broker (it also ends by itself when this process dies). */
void asuser_stop(void);

/*
 * Open path for reading as the user: a regular file, or with pipes_ok also a FIFO or pipe.
 * Without pipes_ok nothing but a regular file is even opened (see regfile.h). Returns the fd
 * with *st filled (st may be NULL), or -errno with a reason in err.
 */
int asuser_open_read(const char *path, bool pipes_ok, struct stat *st, char *err, size_t errlen);
/*
 * Could the user execute path: 0, -EISDIR, -ENOEXEC (no execute permission), or stat()'s
 * -errno as the user, so that root's view of directories the user cannot read tells nothing.
 */
int asuser_exec_check(const char *path);
/* May the user read pid's memory map (ptrace read access, as for perf or gdb): 0 or -errno. */
int asuser_may_trace(pid_t pid);
/*
 * Make the output path: refuse empty names, directories and anything but a regular file or an
 * existing character device; follow the user's links; create the unnamed file in the directory.
 * Returns 0 or -errno with a reason in err (no file is created then).
 */
int asuser_out_open(const char *path, struct asuser_out *o, char *err, size_t errlen);
/* Link the written file under its name, atomically replacing what was there. Closes o. */
int asuser_out_commit(struct asuser_out *o, char *err, size_t errlen);
/* Nothing is left under any name. Closes o. */
void asuser_out_discard(struct asuser_out *o);

#endif
