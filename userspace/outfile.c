// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "outfile.h"

static int tmp_name(const char *path, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s.tmp", path) >= len) {
		fprintf(stderr, "gilprof: output path too long: %s\n", path);
		return -1;
	}
	return 0;
}

/* Files made for the sudo user belong to that user, not root. */
static void chown_to_sudo_user(int fd)
{
	const char *uid = getenv("SUDO_UID"), *gid = getenv("SUDO_GID");

	if (uid && gid && geteuid() == 0 && fchown(fd, atoi(uid), atoi(gid)))
		return; /* not fatal: the file is still complete */
}

/*
 * A device, pipe or socket (/dev/null, /dev/stdout, a fifo) is written where it is: renaming a
 * temporary file over it would replace the device node itself.
 */
static bool is_special(const char *path)
{
	struct stat st;

	return !stat(path, &st) && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

static int special_write(const char *path, int (*fn)(FILE *f, void *ctx), void *ctx)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f) {
		fprintf(stderr, "gilprof: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	err = fn(f, ctx);
	if (fclose(f) || err) {
		fprintf(stderr, "gilprof: cannot write %s: write error\n", path);
		return -1;
	}
	return 0;
}

int outfile_check(const char *path)
{
	char tmp[PATH_MAX];
	int fd;

	if (is_special(path)) {
		if (!access(path, W_OK))
			return 0;
		fprintf(stderr, "gilprof: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (tmp_name(path, tmp, sizeof(tmp)))
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "gilprof: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	close(fd);
	unlink(tmp);
	return 0;
}

int outfile_write(const char *path, int (*fn)(FILE *f, void *ctx), void *ctx)
{
	char tmp[PATH_MAX];
	int fd, err;
	FILE *f;

	if (is_special(path))
		return special_write(path, fn, ctx);
	if (tmp_name(path, tmp, sizeof(tmp)))
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		fprintf(stderr, "gilprof: cannot write %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	chown_to_sudo_user(fd);
	err = fn(f, ctx);
	if (fflush(f) || ferror(f) || fsync(fd))
		err = -1;
	err = fclose(f) || err;
	if (!err && rename(tmp, path))
		err = -1;
	if (err) {
		fprintf(stderr, "gilprof: cannot write %s: %s\n", path,
			errno ? strerror(errno) : "write error");
		unlink(tmp);
		return -1;
	}
	return 0;
}
