/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixtures of the tests of the ELF readers (elffile.h, debugfile.h, dwarfobj.h): the test's own
 * executable, compiled with -g, stands for an object with DWARF, and objcopy makes from it the
 * stripped copies and separate debug files that distributions ship. Every tests/test_*.c is its
 * own program, so all of it is static and inline.
 */
#ifndef GP_ELFTEST_H
#define GP_ELFTEST_H

#include <criterion/criterion.h>
#include <sanitizer/lsan_interface.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbolize/procmaps.h"
#include "testutil.h"

/* This test program's path. */
static inline void self_exe(char *path, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", path, len - 1);

	cr_assert_gt(n, 0);
	path[n] = '\0';
}

/* A shell command that must succeed. */
__attribute__((format(printf, 1, 2))) static inline void run(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static inline void objcopy_needed(void)
{
	if (system("command -v objcopy >/dev/null")) {
		tmpdir_remove();
		cr_skip_test("objcopy (binutils) is not installed");
	}
}

/* A mapping of the file at path, as a snapshot holds one: the caller closes m->fd. */
static inline void file_mapping(const char *path, struct gp_mapping *m)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "%s", path);
	cr_assert_eq(fstat(fd, &st), 0);
	*m = (struct gp_mapping){.prot = PROT_READ,
				 .dev = st.st_dev,
				 .ino = st.st_ino,
				 .path = (char *)path,
				 .fd = fd};
}

/* Criterion ignores LeakSanitizer's report at a worker's exit: each test asks for it itself. */
static inline void leaks_check(void)
{
#ifdef __SANITIZE_ADDRESS__
	cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "leaks: see the LeakSanitizer report");
#endif
}

#endif /* GP_ELFTEST_H */
