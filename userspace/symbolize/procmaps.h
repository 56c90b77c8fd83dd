/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Snapshots of a process's memory mappings (/proc/PID/maps). A snapshot outlives the process: it
 * holds an open fd on every mapped regular file, so addresses can be symbolized after the process
 * exited and even when the file was deleted or replaced on disk.
 */
#ifndef GP_PROCMAPS_H
#define GP_PROCMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gp_mapping {
	uint64_t start, end; /* [start, end) */
	uint64_t pgoff; /* file offset of start */
	uint32_t prot; /* PROT_READ|PROT_WRITE|PROT_EXEC from the perms column */
	bool shared; /* 's' in the perms column (MAP_SHARED) */
	uint64_t dev; /* makedev(major, minor) */
	uint64_t ino; /* 0 for anonymous and kernel-special mappings */
	/*
	 * The pathname column: "" for anonymous memory, "[heap]", "[stack]", "[vdso]", "[anon:NAME]",
	 * an absolute path possibly ending in " (deleted)". Kernel escapes (\012) are kept verbatim.
	 */
	char *path;
	/*
	 * Read-only fd on the mapped file, shared by all mappings of the same (dev, ino) in the
	 * snapshot and owned by it; -1 for anonymous mappings, non-regular files, or when the file
	 * could not be opened. Use pread() or mmap() on it, never the file position.
	 */
	int fd;
};

struct gp_procmaps {
	int pid;
	size_t n;
	struct gp_mapping *maps; /* sorted by start, non-overlapping */
	size_t nfds;
	int *fds; /* each distinct fd of maps[], closed by procmaps_free() */
};

/*
 * Parse the text of a /proc/PID/maps file (pure: no file is opened, every fd is -1). Returns 0 and
 * a snapshot to release with procmaps_free(), -EINVAL on a malformed or overlapping line, -ENOMEM.
 */
int procmaps_parse(const char *text, int pid, struct gp_procmaps **out);

/*
 * Read /proc/PID/maps and open every mapped regular file, preferably through
 * /proc/PID/map_files/START-END (needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE; it reaches deleted
 * files), else by path when the file there still has the mapped (dev, ino). Returns 0 or -errno
 * (-ENOENT when the process is gone, -ESRCH for a zombie, whose maps read empty). Out of fds
 * (EMFILE), the remaining files get fd -1 instead of failing the snapshot.
 */
int procmaps_snapshot(int pid, struct gp_procmaps **out);

/* The mapping containing addr, NULL if none. O(log n). */
const struct gp_mapping *procmaps_find(const struct gp_procmaps *pm, uint64_t addr);

/* Index of the last mapping starting at or below addr, or -1 if none: for callers that walk. */
long procmaps_index(const struct gp_procmaps *pm, uint64_t addr);

/* Anonymous memory: no file and no "[...]" pseudo-name. */
bool mapping_is_anon(const struct gp_mapping *m);

/* Backed by a file (possibly deleted, possibly shmem such as memfd or "/dev/zero (deleted)"). */
bool mapping_is_file(const struct gp_mapping *m);

/*
 * Open m->path read-only when it still names the mapped file (same dev and inode, not
 * " (deleted)"). Returns a new fd for the caller to close, or -errno (-ESTALE on a different file).
 */
int mapping_open_path(const struct gp_mapping *m);

void procmaps_free(struct gp_procmaps *pm);

/*
 * Read a whole file into a NUL-terminated buffer to free(), until EOF rather than up to the size
 * that stat reports (0 in procfs). Returns 0 or -errno.
 */
int procfile_read(const char *path, char **out);

#endif /* GP_PROCMAPS_H */
