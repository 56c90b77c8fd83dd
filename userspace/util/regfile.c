// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "util/regfile.h"

int regfile_reopen(int pathfd, struct stat *st)
{
	struct stat s, s2;
	char proc[64];
	int fd;

	if (fstat(pathfd, &s)) {
		fd = -errno;
		goto out;
	}
	if (!S_ISREG(s.st_mode)) {
		fd = -ENODEV;
		goto out;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
	fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		fd = -errno;
		goto out;
	}
	/* The magic link leads to the inode itself; check anyway that nothing swapped under us. */
	if (fstat(fd, &s2) || s2.st_ino != s.st_ino || s2.st_dev != s.st_dev) {
		close(fd);
		fd = -ESTALE;
		goto out;
	}
	if (st)
		*st = s;
out:
	close(pathfd);
	return fd;
}

int regfile_open(int dirfd, const char *path, int flags, struct stat *st)
{
	int pfd = openat(dirfd, path, O_PATH | O_CLOEXEC | (flags & O_NOFOLLOW));

	if (pfd < 0)
		return -errno;
	return regfile_reopen(pfd, st);
}
