// SPDX-License-Identifier: GPL-2.0
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

#include "symbolize/debugfile.h"
#include "symbolize/elffile.h"

#define DEBUG_ROOT "/usr/lib/debug"
#define CRC_CHUNK 8192

/* Small enough for the stack: only debuglink files of objects without a build ID are summed. */
static uint32_t file_crc(int fd)
{
	unsigned char chunk[CRC_CHUNK];
	uLong crc = crc32(0L, Z_NULL, 0);
	off_t pos = 0;
	ssize_t n;

	while ((n = pread(fd, chunk, sizeof(chunk), pos)) > 0) {
		crc = crc32(crc, chunk, (uInt)n);
		pos += n;
	}
	return (uint32_t)crc;
}

/* The same build ID as the object, or for an object without one the CRC its link records. */
static bool debugfile_matches(int fd, Elf *elf, const void *id, ssize_t idlen, uint32_t crc)
{
	const void *cid;
	ssize_t clen;

	if (idlen > 0) {
		clen = dwelf_elf_gnu_build_id(elf, &cid);
		return clen == idlen && !memcmp(cid, id, (size_t)idlen);
	}
	return file_crc(fd) == crc;
}

/* The candidate at path: 0, -ENOENT to try the next one, -ENOMEM or -EMFILE to give up. */
static int debugfile_try(const char *path, bool (*usable)(Elf *elf), const void *id, ssize_t idlen,
			 uint32_t crc, int *fdp, Elf **elfp)
{
	Elf *elf;
	int fd, err;

	err = elffile_open(path, &fd, &elf);
	if (err)
		return err == -ENOMEM || err == -EMFILE ? err : -ENOENT;
	if (usable(elf) && debugfile_matches(fd, elf, id, idlen, crc)) {
		*fdp = fd;
		*elfp = elf;
		return 0;
	}
	elf_end(elf);
	close(fd);
	return -ENOENT;
}

static int build_id_path(const unsigned char *id, ssize_t idlen, char *path, size_t len)
{
	size_t pos;

	if (idlen < 2)
		return -ENOENT;
	pos = (size_t)snprintf(path, len, "%s/.build-id/%02x/", DEBUG_ROOT, id[0]);
	for (ssize_t i = 1; i < idlen && pos < len; i++)
		pos += (size_t)snprintf(path + pos, len - pos, "%02x", id[i]);
	if (pos >= len || (size_t)snprintf(path + pos, len - pos, ".debug") >= len - pos)
		return -ENAMETOOLONG;
	return 0;
}

/* The directory part of the object's path: whatever the kernel appended is in the last part. */
static int path_dir(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (path[0] != '/' || !slash || (size_t)(slash - path) >= len)
		return -ENOENT;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return 0;
}

static int debuglink_open(Elf *elf, const char *objpath, bool (*usable)(Elf *elf), const void *id,
			  ssize_t idlen, int *fdp, Elf **elfp)
{
	static const char *const fmts[] = {"%s/%s", "%s/.debug/%s", DEBUG_ROOT "%s/%s"};
	char dir[PATH_MAX], path[PATH_MAX];
	const char *link;
	GElf_Word crc;
	int err;

	link = dwelf_elf_gnu_debuglink(elf, &crc);
	/* A link is a file name: one with a '/' would lead out of the places above. */
	if (!link || !*link || strchr(link, '/') || path_dir(objpath, dir, sizeof(dir)))
		return -ENOENT;
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		if (snprintf(path, sizeof(path), fmts[i], dir, link) >= (int)sizeof(path))
			continue;
		err = debugfile_try(path, usable, id, idlen, crc, fdp, elfp);
		if (err != -ENOENT)
			return err;
	}
	return -ENOENT;
}

int debugfile_open(Elf *elf, const char *path, bool (*usable)(Elf *elf), int *fdp, Elf **elfp)
{
	char idpath[PATH_MAX];
	const void *id = NULL;
	ssize_t idlen;
	int err;

	idlen = dwelf_elf_gnu_build_id(elf, &id);
	if (!build_id_path(id, idlen, idpath, sizeof(idpath))) {
		err = debugfile_try(idpath, usable, id, idlen, 0, fdp, elfp);
		if (err != -ENOENT)
			return err;
	}
	return debuglink_open(elf, path, usable, id, idlen, fdp, elfp);
}
