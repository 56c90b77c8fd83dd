// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <dirent.h>
#include <sanitizer/lsan_interface.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "symbolize/procmaps.h"

/*
 * Criterion ignores how a worker exits once its test passed, and failures in a .fini, so each
 * test ends with this: LeakSanitizer's report at exit alone would go unnoticed.
 */
static void leaks_check(void)
{
#ifdef __SANITIZE_ADDRESS__
	cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "leaks: see the LeakSanitizer report");
#endif
}

/* Out of order on purpose: the parser must sort. */
static const char maps_text[] =
	"55d4c1b00000-55d4c1b21000 rw-p 00000000 00:00 0                          [heap]\n"
	"55d4c0a00000-55d4c0a01000 r--p 00000000 fe:01 1234                       /usr/bin/prog\n"
	"55d4c0a01000-55d4c0a02000 r-xp 00001000 fe:01 1234                       /usr/bin/prog\n"
	"7f0000000000-7f0000001000 rw-s 00003000 00:05 4242                       "
	"/my dir/lib with  spaces.so (deleted)\n"
	"7f0000002000-7f0000003000 rw-p 00000000 00:00 0 \n"
	"7f0000003000-7f0000004000 ---p 00000000 00:00 0\n"
	"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]";

Test(procmaps, parse_fields)
{
	struct gp_procmaps *pm;
	const struct gp_mapping *m;

	cr_assert_eq(procmaps_parse(maps_text, 42, &pm), 0);
	cr_assert_eq(pm->pid, 42);
	cr_assert_eq(pm->n, 8);
	for (size_t i = 1; i < pm->n; i++)
		cr_assert_lt(pm->maps[i - 1].start, pm->maps[i].start);

	m = &pm->maps[0];
	cr_assert_eq(m->start, 0x55d4c0a00000);
	cr_assert_eq(m->end, 0x55d4c0a01000);
	cr_assert_eq(m->prot, PROT_READ);
	cr_assert_eq(m->dev, makedev(0xfe, 0x01));
	cr_assert_eq(m->ino, 1234);
	cr_assert_str_eq(m->path, "/usr/bin/prog");
	cr_assert_eq(m->fd, -1);
	cr_assert(mapping_is_file(m));

	m = &pm->maps[1];
	cr_assert_eq(m->prot, PROT_READ | PROT_EXEC);
	cr_assert_eq(m->pgoff, 0x1000);
	cr_assert_not(m->shared);

	m = &pm->maps[2];
	cr_assert_str_eq(m->path, "[heap]");
	cr_assert_eq(m->prot, PROT_READ | PROT_WRITE);
	cr_assert_not(mapping_is_anon(m));
	cr_assert_not(mapping_is_file(m));

	m = &pm->maps[3];
	cr_assert_str_eq(m->path, "/my dir/lib with  spaces.so (deleted)");
	cr_assert(m->shared);
	cr_assert_eq(m->pgoff, 0x3000);
	cr_assert_eq(m->dev, makedev(0, 5));
	cr_assert(mapping_is_file(m));

	cr_assert_str_eq(pm->maps[4].path, "");
	cr_assert(mapping_is_anon(&pm->maps[4]));
	cr_assert_str_eq(pm->maps[5].path, "");
	cr_assert_eq(pm->maps[5].prot, 0);
	cr_assert_str_eq(pm->maps[6].path, "[stack]");
	cr_assert_str_eq(pm->maps[7].path, "[vsyscall]");
	cr_assert_eq(pm->maps[7].end, 0xffffffffff601000);
	cr_assert_eq(pm->maps[7].prot, PROT_EXEC);
	procmaps_free(pm);
	leaks_check();
}

Test(procmaps, parse_empty)
{
	struct gp_procmaps *pm;

	cr_assert_eq(procmaps_parse("", 1, &pm), 0);
	cr_assert_eq(pm->n, 0);
	cr_assert_null(procmaps_find(pm, 0x1000));
	procmaps_free(pm);
	cr_assert_eq(procmaps_parse("\n\n", 1, &pm), 0);
	cr_assert_eq(pm->n, 0);
	procmaps_free(pm);
	leaks_check();
}

Test(procmaps, parse_malformed)
{
	static const char *const bad[] = {
		"1000 2000 r--p 00000000 00:00 0\n", /* no dash */
		"1000-2000 rwzp 00000000 00:00 0\n", /* bad perms */
		"1000-2000 r--p 00000000 00:00\n", /* no inode */
		"1000-2000 r--p 00000000 0000 0\n", /* no colon in dev */
		"1000-2000 r--p 0000g000 00:00 0\n", /* not hex */
		"2000-1000 r--p 00000000 00:00 0\n", /* start after end */
		"1000-1000 r--p 00000000 00:00 0\n", /* empty */
		"-1000-2000 r--p 00000000 00:00 0\n", /* sign */
		"11112222333344445-2000 r--p 00000000 00:00 0\n", /* 17 hex digits */
		"1000-2000 r--p 00000000 00:00 12x\n", /* junk after inode */
		"1000-3000 r--p 00000000 00:00 0\n2000-4000 r--p 00000000 00:00 0\n", /* overlap */
		"1000-2000 r--p 00000000 00:00 0\ngarbage\n", /* second line */
	};
	struct gp_procmaps *pm = (void *)1;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(procmaps_parse(bad[i], 1, &pm), -EINVAL, "accepted: %s", bad[i]);
		cr_assert_null(pm);
	}
	leaks_check();
}

Test(procmaps, find_bounds)
{
	struct gp_procmaps *pm;

	cr_assert_eq(procmaps_parse(maps_text, 1, &pm), 0);
	cr_assert_null(procmaps_find(pm, 0));
	cr_assert_null(procmaps_find(pm, 0x55d4c0a00000 - 1));
	cr_assert_eq(procmaps_find(pm, 0x55d4c0a00000), &pm->maps[0]);
	cr_assert_eq(procmaps_find(pm, 0x55d4c0a00fff), &pm->maps[0]);
	cr_assert_eq(procmaps_find(pm, 0x55d4c0a01000), &pm->maps[1]);
	cr_assert_null(procmaps_find(pm, 0x55d4c0a02000)); /* gap */
	cr_assert_eq(procmaps_find(pm, 0x55d4c1b00010), &pm->maps[2]);
	cr_assert_eq(procmaps_find(pm, 0xffffffffff600000), &pm->maps[7]);
	cr_assert_null(procmaps_find(pm, 0xffffffffff601000));
	cr_assert_null(procmaps_find(pm, UINT64_MAX));
	cr_assert_eq(procmaps_index(pm, 0x55d4c0a02000), 1);
	cr_assert_eq(procmaps_index(pm, 0x10), -1);
	procmaps_free(pm);
	leaks_check();
}

static size_t fds_count(void)
{
	struct dirent *d;
	size_t n = 0;
	DIR *dir = opendir("/proc/self/fd");

	cr_assert_not_null(dir);
	while ((d = readdir(dir)))
		n++;
	closedir(dir);
	return n;
}

static const struct gp_mapping *self_find(const struct gp_procmaps *pm, const void *p)
{
	const struct gp_mapping *m = procmaps_find(pm, (uint64_t)(uintptr_t)p);

	cr_assert_not_null(m, "%p not in any mapping", p);
	return m;
}

Test(procmaps, snapshot_self)
{
	char exe[PATH_MAX];
	const struct gp_mapping *m;
	struct gp_procmaps *pm;
	struct stat st;
	size_t nfds;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	cr_assert_gt(n, 0);
	exe[n] = '\0';
	nfds = fds_count();
	cr_assert_eq(procmaps_snapshot(getpid(), &pm), 0);
	cr_assert_gt(pm->nfds, 0);
	cr_assert_eq(fds_count(), nfds + pm->nfds);
	cr_assert_eq(pm->pid, getpid());

	m = self_find(pm, (void *)self_find);
	cr_assert_str_eq(m->path, exe);
	cr_assert(m->prot & PROT_EXEC);
	cr_assert_geq(m->fd, 0);
	cr_assert_eq(fstat(m->fd, &st), 0);
	cr_assert_eq(st.st_ino, m->ino);

	/* One fd per file, shared by all of its mappings, and each owned fd listed once. */
	for (size_t i = 0; i < pm->n; i++) {
		if (pm->maps[i].ino == m->ino && pm->maps[i].dev == m->dev)
			cr_assert_eq(pm->maps[i].fd, m->fd);
		if (!mapping_is_file(&pm->maps[i]))
			cr_assert_eq(pm->maps[i].fd, -1, "%s", pm->maps[i].path);
	}
	for (size_t i = 0; i < pm->nfds; i++)
		for (size_t j = i + 1; j < pm->nfds; j++)
			cr_assert_neq(pm->fds[i], pm->fds[j]);
	procmaps_free(pm);
	cr_assert_eq(fds_count(), nfds);
	leaks_check();
}

/* The fd is what makes a deleted file readable; it must hold the mapped contents. */
Test(procmaps, snapshot_deleted_file)
{
	char path[] = "/tmp/gp-procmaps-XXXXXX", deleted[64], buf[16] = "";
	const struct gp_mapping *m;
	struct gp_procmaps *pm;
	void *p;
	int fd;

	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, "gilprof-deleted", 16, 0), 16);
	cr_assert_eq(ftruncate(fd, 4096), 0);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert_neq(p, MAP_FAILED);
	close(fd);
	unlink(path);

	cr_assert_eq(procmaps_snapshot(getpid(), &pm), 0);
	m = self_find(pm, p);
	cr_assert(m->shared);
	snprintf(deleted, sizeof(deleted), "%s (deleted)", path);
	cr_assert_str_eq(m->path, deleted);
	cr_assert_eq(mapping_open_path(m), -ENOENT);
	if (!geteuid()) {
		cr_assert_geq(m->fd, 0);
		cr_assert_eq(pread(m->fd, buf, 16, 0), 16);
		cr_assert_str_eq(buf, "gilprof-deleted");
	}
	procmaps_free(pm);
	munmap(p, 4096);
	if (geteuid())
		cr_skip_test("map_files needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE");
	leaks_check();
}

/* Mapped device nodes are never opened: opening them can have side effects. */
Test(procmaps, snapshot_device_not_opened)
{
	const struct gp_mapping *m;
	struct gp_procmaps *pm;
	void *p;
	int fd;

	fd = open("/dev/zero", O_RDONLY);
	cr_assert_geq(fd, 0);
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	cr_assert_neq(p, MAP_FAILED);
	close(fd);
	cr_assert_eq(procmaps_snapshot(getpid(), &pm), 0);
	m = self_find(pm, p);
	cr_assert_str_eq(m->path, "/dev/zero");
	cr_assert_eq(m->fd, -1);
	procmaps_free(pm);
	munmap(p, 4096);
	leaks_check();
}

Test(procmaps, open_path_checks_inode)
{
	struct gp_mapping m = {.path = "/proc/self/exe", .ino = 1, .dev = 1};
	struct stat st;
	int fd;

	cr_assert_eq(mapping_open_path(&m), -ESTALE);
	cr_assert_eq(stat("/proc/self/exe", &st), 0);
	m.ino = st.st_ino;
	m.dev = st.st_dev;
	fd = mapping_open_path(&m);
	cr_assert_geq(fd, 0);
	close(fd);
	m.path = "[heap]";
	cr_assert_eq(mapping_open_path(&m), -ENOENT);
	leaks_check();
}

Test(procmaps, snapshot_missing_process)
{
	struct gp_procmaps *pm = (void *)1;

	/* pid_max is at most 2^22: this pid cannot exist. */
	cr_assert_eq(procmaps_snapshot(INT_MAX, &pm), -ENOENT);
	cr_assert_null(pm);
	leaks_check();
}

/* A zombie's maps read empty: that must fail, not pass for a snapshot of nothing. */
Test(procmaps, exiting_process_is_no_snapshot)
{
	struct gp_procmaps *pm = NULL;
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0)
		_exit(0);
	usleep(100 * 1000); /* a zombie now: not reaped */
	cr_assert_eq(procmaps_snapshot(pid, &pm), -ESRCH);
	cr_assert_null(pm);
	waitpid(pid, NULL, 0);
}
