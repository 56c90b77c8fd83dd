// SPDX-License-Identifier: GPL-2.0
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/asuser.h"
#include "symbolize/elffile.h"

int elffile_fd_borrow(const struct gp_mapping *m)
{
	int fd;

	if (m->fd >= 0)
		return m->fd;
	fd = mapping_open_path(m);
	return fd >= 0 || fd == -ENOMEM ? fd : -ENOENT;
}

void elffile_fd_return(const struct gp_mapping *m, int fd)
{
	if (fd != m->fd)
		close(fd);
}

int elffile_fd_dup(const struct gp_mapping *m)
{
	int fd;

	if (m->fd < 0) {
		fd = mapping_open_path(m);
		return fd >= 0 || fd == -ENOMEM || fd == -EMFILE ? fd : -ENOENT;
	}
	fd = fcntl(m->fd, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

int elffile_begin(int fd, Elf **elfp)
{
	unsigned char ident[SELFMAG];
	Elf *elf;

	if (pread(fd, ident, SELFMAG, 0) != SELFMAG || memcmp(ident, ELFMAG, SELFMAG))
		return -ENOEXEC;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		return -EIO;
	if (elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		return -ENOEXEC;
	}
	*elfp = elf;
	return 0;
}

int elffile_build_id(const struct gp_mapping *m, char *hex, size_t len)
{
	const unsigned char *id;
	const void *raw;
	ssize_t n, i;
	size_t used = 0;
	Elf *elf;
	int fd = elffile_fd_borrow(m), err;

	if (!len)
		return -EINVAL;
	hex[0] = 0;
	if (fd < 0)
		return fd == -ENOMEM ? fd : -ENOENT;
	err = elffile_begin(fd, &elf);
	if (!err) {
		n = dwelf_elf_gnu_build_id(elf, &raw);
		id = raw;
		for (i = 0; i < n && used + 3 <= len; i++)
			used += snprintf(hex + used, len - used, "%02x", id[i]);
		err = n <= 0 ? -ENOENT : i < n ? -ENOSPC : 0;
		if (err)
			hex[0] = 0;
		elf_end(elf);
	}
	elffile_fd_return(m, fd);
	return err && err != -ENOMEM && err != -ENOSPC ? -ENOENT : err;
}

/*
 * The names come from the traced program (the directory of its object, the link in its ELF), so
 * they are opened with the invoking user's rights and nothing but a regular file is opened.
 */
int elffile_open(const char *path, int *fdp, Elf **elfp)
{
	char msg[PATH_MAX + 200];
	int fd, err;

	fd = asuser_open_read(path, false, NULL, msg, sizeof(msg));
	if (fd < 0)
		return fd == -ENOMEM || fd == -EMFILE ? fd : -ENOENT;
	err = elffile_begin(fd, elfp);
	if (err) {
		close(fd);
		return err;
	}
	*fdp = fd;
	return 0;
}
