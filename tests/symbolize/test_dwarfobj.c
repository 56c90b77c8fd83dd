// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbolize/dwarfobj.h"
#include "elftest.h"
#include "symbolize/procmaps.h"

/* What the test's index remembers, and how often the cache built and released one. */
struct test_index {
	Dwarf *dbg;
	size_t units;
};

static int builds, releases, build_err;

static int test_build(void *index, Dwarf *dbg)
{
	struct test_index *ti = index;
	Dwarf_Off off = 0, next;
	size_t hsize;

	builds++;
	ti->dbg = dbg;
	while (!dwarf_nextcu(dbg, off, &next, &hsize, NULL, NULL, NULL)) {
		ti->units++;
		off = next;
	}
	return build_err;
}

static void test_release(void *index)
{
	(void)index;
	releases++;
}

static const struct dwarfobj_ops info_ops = {
	.index_size = sizeof(struct test_index),
	.index_build = test_build,
	.index_release = test_release,
};

static const struct dwarfobj_ops lines_ops = {
	.lines = true,
	.index_size = sizeof(struct test_index),
	.index_build = test_build,
	.index_release = test_release,
};

static char exe[PATH_MAX];
static struct gp_dwarfobjs objs;

static void setup(void)
{
	elf_version(EV_CURRENT);
	self_exe(exe, sizeof(exe));
	tmpdir_make("dwarfobj");
	builds = releases = build_err = 0;
}

static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	cr_assert_not_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

TestSuite(dwarfobj, .init = setup, .fini = tmpdir_remove);

/* Opened and indexed once, then served from the cache; one fd kept, given back at the end. */
Test(dwarfobj, indexed_once)
{
	struct test_index *ti;
	struct gp_mapping m;
	size_t fds;
	void *index;
	Dwarf *dbg;

	file_mapping(exe, &m);
	fds = open_fds();
	dwarfobjs_init(&objs, &lines_ops);
	cr_assert_eq(dwarfobjs_get(&objs, &m, &dbg, &index), 0);
	ti = index;
	cr_assert_eq(ti->dbg, dbg);
	cr_assert_gt(ti->units, 0, "this test is compiled with -g");
	cr_assert_eq(open_fds(), fds + 1);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(dwarfobjs_get(&objs, &m, &dbg, &index), 0);
		cr_assert_eq(index, ti);
	}
	/* The snapshot's fd may go: the cache holds its own. */
	close(m.fd);
	m.fd = -1;
	m.path = "/nonexistent";
	cr_assert_eq(dwarfobjs_get(&objs, &m, &dbg, &index), 0);
	cr_assert_eq(builds, 1);
	dwarfobjs_release(&objs);
	cr_assert_eq(releases, 1);
	cr_assert_eq(open_fds(), fds - 1);
	leaks_check();
}

/* Corrupt DWARF is remembered; running out of memory is not, so the next call tries again. */
Test(dwarfobj, errors_remembered_or_not)
{
	struct gp_mapping m;
	void *index;
	Dwarf *dbg;

	file_mapping(exe, &m);
	dwarfobjs_init(&objs, &info_ops);
	build_err = -ENOMEM;
	cr_assert_eq(dwarfobjs_get(&objs, &m, &dbg, &index), -ENOMEM);
	cr_assert_eq(dwarfobjs_get(&objs, &m, &dbg, &index), -ENOMEM);
	cr_assert_eq(builds, 2);
	cr_assert_eq(releases, 2, "a failed index is released at once");
	build_err = -EIO;
	cr_assert_eq(dwarfobjs_get(&objs, &m, &dbg, &index), -EIO);
	cr_assert_eq(dwarfobjs_get(&objs, &m, &dbg, &index), -EIO);
	cr_assert_eq(builds, 3);
	dwarfobjs_release(&objs);
	cr_assert_eq(releases, 3);
	close(m.fd);
	leaks_check();
}

/* A file out of reach is not remembered: a later snapshot may hold it open. */
Test(dwarfobj, unreachable_not_remembered)
{
	struct gp_mapping m;
	void *index;
	Dwarf *dbg;
	int fd;

	file_mapping(exe, &m);
	fd = m.fd;
	m.fd = -1;
	m.path = "/nonexistent";
	dwarfobjs_init(&objs, &info_ops);
	cr_assert_eq(dwarfobjs_get(&objs, &m, &dbg, &index), -ENOENT);
	m.fd = fd;
	cr_assert_eq(dwarfobjs_get(&objs, &m, &dbg, &index), 0);
	dwarfobjs_release(&objs);
	close(fd);
	leaks_check();
}

/* Not ELF, or ELF without DWARF: remembered as -ENOENT, without an index. */
Test(dwarfobj, without_dwarf)
{
	char text[PATH_MAX], stripped[PATH_MAX];
	struct gp_mapping m;
	void *index;
	Dwarf *dbg;

	snprintf(text, sizeof(text), "%s/text", tmpdir);
	file_put(text, "not an ELF file\n");
	snprintf(stripped, sizeof(stripped), "%s/stripped", tmpdir);
	objcopy_needed();
	run("objcopy --strip-debug '%s' '%s'", exe, stripped);
	dwarfobjs_init(&objs, &info_ops);
	file_mapping(text, &m);
	cr_assert_eq(dwarfobjs_get(&objs, &m, &dbg, &index), -ENOENT);
	close(m.fd);
	file_mapping(stripped, &m);
	cr_assert_eq(dwarfobjs_get(&objs, &m, &dbg, &index), -ENOENT);
	cr_assert_eq(dwarfobjs_get(&objs, &m, &dbg, &index), -ENOENT);
	close(m.fd);
	cr_assert_eq(builds, 0);
	dwarfobjs_release(&objs);
	leaks_check();
}

/*
 * What the reader needs decides where the DWARF comes from: a file without .debug_line serves a
 * reader of variables, not one of lines, which its debug file serves.
 */
Test(dwarfobj, lines_needed)
{
	char t[PATH_MAX];
	struct gp_dwarfobjs lines;
	struct gp_mapping m;
	void *index;
	Dwarf *dbg;

	objcopy_needed();
	run("cd '%s' && objcopy --remove-section=.debug_line '%s' t", tmpdir, exe);
	snprintf(t, sizeof(t), "%s/t", tmpdir);
	file_mapping(t, &m);
	dwarfobjs_init(&objs, &info_ops);
	dwarfobjs_init(&lines, &lines_ops);
	cr_assert_eq(dwarfobjs_get(&objs, &m, &dbg, &index), 0);
	cr_assert_eq(dwarfobjs_get(&lines, &m, &dbg, &index), -ENOENT);
	dwarfobjs_release(&lines);
	run("cd '%s' && objcopy --only-keep-debug '%s' t.debug && "
	    "objcopy --add-gnu-debuglink=t.debug t",
	    tmpdir, exe);
	close(m.fd);
	file_mapping(t, &m);
	dwarfobjs_init(&lines, &lines_ops);
	cr_assert_eq(dwarfobjs_get(&lines, &m, &dbg, &index), 0);
	dwarfobjs_release(&lines);
	dwarfobjs_release(&objs);
	close(m.fd);
	leaks_check();
}
