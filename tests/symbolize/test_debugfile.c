// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbolize/debugfile.h"
#include "symbolize/elffile.h"
#include "elftest.h"
#include "symbolize/procmaps.h"

#define COUNTDOWN "build/workloads/countdown"

static char exe[PATH_MAX];

static void setup(void)
{
	elf_version(EV_CURRENT);
	self_exe(exe, sizeof(exe));
	tmpdir_make("debugfile");
}

TestSuite(debugfile, .init = setup, .fini = tmpdir_remove);

static bool any_file(Elf *elf)
{
	(void)elf;
	return true;
}

static bool no_file(Elf *elf)
{
	(void)elf;
	return false;
}

static bool has_symtab(Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB && sh.sh_size)
			return true;
	return false;
}

/* The debug file of the object at path, or its error; *same says whether the build IDs agree. */
static int debug_of(const char *path, bool (*usable)(Elf *elf), bool *same)
{
	const void *id, *did;
	ssize_t n, dn;
	Elf *elf, *delf;
	int fd, dfd, rc;

	cr_assert_eq(elffile_open(path, &fd, &elf), 0, "%s", path);
	rc = debugfile_open(elf, path, usable, &dfd, &delf);
	if (!rc) {
		n = dwelf_elf_gnu_build_id(elf, &id);
		dn = dwelf_elf_gnu_build_id(delf, &did);
		*same = n == dn && (n <= 0 || !memcmp(id, did, (size_t)n));
		cr_assert(has_symtab(delf), "a debug file holds the full symbol table");
		elf_end(delf);
		close(dfd);
	}
	elf_end(elf);
	close(fd);
	return rc;
}

/* A copy of this test without DWARF and symbols as tmpdir/t, linked to the debug file of obj. */
static void stripped_copy(const char *obj)
{
	run("objcopy --only-keep-debug '%s' '%s/t.debug' && cd '%s' && "
	    "objcopy --strip-all --add-gnu-debuglink=t.debug '%s' t",
	    obj, tmpdir, tmpdir, exe);
}

Test(debugfile, debuglink_beside_and_in_dot_debug)
{
	char t[PATH_MAX];
	bool same = false;

	objcopy_needed();
	stripped_copy(exe);
	snprintf(t, sizeof(t), "%s/t", tmpdir);
	cr_assert_eq(debug_of(t, has_symtab, &same), 0);
	cr_assert(same);
	run("cd '%s' && mkdir .debug && mv t.debug .debug/", tmpdir);
	cr_assert_eq(debug_of(t, has_symtab, &same), 0);
	cr_assert(same);
	/* What the caller looks for decides too: the file is passed over when it lacks it. */
	cr_assert_eq(debug_of(t, no_file, &same), -ENOENT);
	run("rm -r '%s/.debug'", tmpdir);
	cr_assert_eq(debug_of(t, any_file, &same), -ENOENT);
	leaks_check();
}

/* The link names a file of another build: its build ID gives it away. */
Test(debugfile, debuglink_of_another_build)
{
	char t[PATH_MAX], countdown[PATH_MAX];
	bool same;

	objcopy_needed();
	cr_assert_not_null(realpath(COUNTDOWN, countdown), "%s: run from the top of the tree",
			   COUNTDOWN);
	stripped_copy(countdown);
	snprintf(t, sizeof(t), "%s/t", tmpdir);
	cr_assert_eq(debug_of(t, any_file, &same), -ENOENT);
	leaks_check();
}

/* Without a build ID the CRC that the link records must match the file. */
Test(debugfile, debuglink_crc)
{
	char t[PATH_MAX];
	bool same = false;

	objcopy_needed();
	/* objcopy warns that the note segment lost the build ID's section, as asked. */
	run("cd '%s' && objcopy --remove-section=.note.gnu.build-id '%s' nobid 2>/dev/null && "
	    "objcopy --only-keep-debug nobid t.debug 2>/dev/null && "
	    "objcopy --strip-all --add-gnu-debuglink=t.debug nobid t 2>/dev/null && rm nobid",
	    tmpdir, exe);
	snprintf(t, sizeof(t), "%s/t", tmpdir);
	cr_assert_eq(debug_of(t, has_symtab, &same), 0);
	cr_assert(same, "neither has a build ID");
	run("cd '%s' && echo >> t.debug", tmpdir);
	cr_assert_eq(debug_of(t, any_file, &same), -ENOENT);
	leaks_check();
}

/* A FIFO where the debug file should be must not block the reader, nor count as one. */
Test(debugfile, fifo_in_the_way, .timeout = 10)
{
	char t[PATH_MAX], fifo[PATH_MAX];
	bool same;

	objcopy_needed();
	stripped_copy(exe);
	snprintf(t, sizeof(t), "%s/t", tmpdir);
	snprintf(fifo, sizeof(fifo), "%s/t.debug", tmpdir);
	cr_assert_eq(unlink(fifo), 0);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_eq(debug_of(t, any_file, &same), -ENOENT);
	leaks_check();
}

/* The link is followed from the directory of an absolute path only: a relative one has none. */
Test(debugfile, relative_path)
{
	char cwd[PATH_MAX];
	bool same;

	objcopy_needed();
	stripped_copy(exe);
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(chdir(tmpdir), 0);
	cr_expect_eq(debug_of("t", any_file, &same), -ENOENT);
	cr_assert_eq(chdir(cwd), 0);
	leaks_check();
}

/* The path of the build-ID debug file of the object at path, false without a build ID. */
static bool build_id_path(const char *path, char *dpath, size_t len)
{
	const unsigned char *id;
	ssize_t n;
	size_t pos;
	Elf *elf;
	int fd;

	cr_assert_eq(elffile_open(path, &fd, &elf), 0, "%s", path);
	n = dwelf_elf_gnu_build_id(elf, (const void **)&id);
	if (n > 1) {
		pos = (size_t)snprintf(dpath, len, "/usr/lib/debug/.build-id/%02x/", id[0]);
		for (ssize_t i = 1; i < n; i++)
			pos += (size_t)snprintf(dpath + pos, len - pos, "%02x", id[i]);
		snprintf(dpath + pos, len - pos, ".debug");
	}
	elf_end(elf);
	close(fd);
	return n > 1;
}

/* Debian's libc has its debug file by build ID when libc6-dbg is installed. */
Test(debugfile, libc_by_build_id)
{
	char libc[PATH_MAX], dpath[PATH_MAX];
	bool same = false;
	int rc;

	cr_assert_not_null(realpath("/lib/x86_64-linux-gnu/libc.so.6", libc));
	cr_assert(build_id_path(libc, dpath, sizeof(dpath)));
	rc = debug_of(libc, has_symtab, &same);
	if (access(dpath, R_OK)) {
		cr_assert_eq(rc, -ENOENT);
		tmpdir_remove();
		cr_skip_test("libc6-dbg is not installed: only its absence was checked");
	}
	cr_assert_eq(rc, 0, "%s is installed", dpath);
	cr_assert(same);
	leaks_check();
}

Test(debugfile, elffile_open_and_begin)
{
	char path[PATH_MAX];
	Elf *elf;
	int fd;

	cr_assert_eq(elffile_open(exe, &fd, &elf), 0);
	cr_assert_eq(elf_kind(elf), ELF_K_ELF);
	elf_end(elf);
	close(fd);
	snprintf(path, sizeof(path), "%s/none", tmpdir);
	cr_assert_eq(elffile_open(path, &fd, &elf), -ENOENT);
	cr_assert_eq(elffile_open(tmpdir, &fd, &elf), -ENOENT, "a directory is no regular file");
	snprintf(path, sizeof(path), "%s/text", tmpdir);
	file_put(path, "not an ELF file\n");
	cr_assert_eq(elffile_open(path, &fd, &elf), -ENOEXEC);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(elffile_begin(fd, &elf), -ENOEXEC);
	close(fd);
	leaks_check();
}

/* Borrowed fds are the snapshot's own; a dup or a path's fd is the caller's to close. */
Test(debugfile, elffile_fds)
{
	struct gp_mapping m = {.path = exe};
	struct stat st;
	int fd, own;

	own = open(exe, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(own, 0);
	cr_assert_eq(fstat(own, &st), 0);
	m.dev = st.st_dev;
	m.ino = st.st_ino;
	m.fd = own;
	cr_assert_eq(elffile_fd_borrow(&m), own);
	elffile_fd_return(&m, own);
	cr_assert_eq(fcntl(own, F_GETFD), FD_CLOEXEC, "the snapshot's fd stays open");
	fd = elffile_fd_dup(&m);
	cr_assert(fd >= 0 && fd != own);
	close(fd);

	m.fd = -1;
	fd = elffile_fd_borrow(&m);
	cr_assert(fd >= 0 && fd != own);
	elffile_fd_return(&m, fd);
	cr_assert_eq(fcntl(fd, F_GETFD), -1, "a path's fd is closed on return");
	fd = elffile_fd_dup(&m);
	cr_assert_geq(fd, 0);
	close(fd);

	/* Another inode at the path: the mapped file is out of reach. */
	m.ino++;
	cr_assert_eq(elffile_fd_borrow(&m), -ENOENT);
	cr_assert_eq(elffile_fd_dup(&m), -ENOENT);
	close(own);
	leaks_check();
}
