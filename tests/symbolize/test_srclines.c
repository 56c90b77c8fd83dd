// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <sanitizer/lsan_interface.h>
#include <dlfcn.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "elftest.h"
#include "symbolize/procmaps.h"
#include "symbolize/srclines.h"
#include "symbolize/symbols.h"

#define ADDR(p) ((uint64_t)(uintptr_t)(p))
#define LINE_LEN 256
#define THIS_FILE "test_srclines.c"
#define NTHREADS 4
#define NLOOKUPS 10000

/* A call site: the address the callee returns to, and the line of the call. */
struct site {
	uint64_t ret;
	int line;
};

static __attribute__((noinline)) struct site site_here(int line)
{
	return (struct site){ADDR(__builtin_return_address(0)), line};
}

/* A few call sites in a row, so that neighbouring lines are told apart. */
static const int sites_fill_line = __LINE__ + 1;
static __attribute__((noinline)) void sites_fill(struct site *s)
{
	s[0] = site_here(__LINE__);
	s[1] = site_here(__LINE__);
	s[2] = site_here(__LINE__);
}

/* Data: no line table covers it. */
static int not_code[4];

static struct gp_procmaps *pm;
static struct gp_symbolizer *sym;
static struct gp_srclines *sl;

static void setup(void)
{
	cr_assert_eq(procmaps_snapshot(getpid(), &pm), 0);
	sym = symbolizer_new();
	cr_assert_not_null(sym);
	sl = srclines_new();
	cr_assert_not_null(sl);
}

static void teardown(void)
{
	srclines_free(sl);
	symbolizer_free(sym);
	procmaps_free(pm);
	sl = NULL;
	sym = NULL;
	pm = NULL;
}

/* Criterion ignores LeakSanitizer's report at a worker's exit: each test asks for it itself. */
static void srclines_done(void)
{
	teardown();
	leaks_check();
}

TestSuite(srclines, .init = setup, .fini = teardown);

/* What gilprof has for a code address: the object mapping it and the file-relative address. */
static void locate(uint64_t addr, struct gp_addr_loc *loc)
{
	cr_assert_eq(symbolizer_locate(sym, pm, addr, loc), 0);
	cr_assert(loc->elf, "0x%lx is in no ELF object", (unsigned long)addr);
}

static int line_at(uint64_t addr, char *buf, size_t len)
{
	struct gp_addr_loc loc;

	locate(addr, &loc);
	return srclines_lookup(sl, loc.obj, loc.vaddr, buf, len);
}

/* "file:N" with the file as given and N returned. */
static int line_of(const char *got, const char *file)
{
	size_t n = strlen(file);
	char *end;
	long line;

	cr_assert(!strncmp(got, file, n) && got[n] == ':', "%s is not in %s", got, file);
	line = strtol(got + n + 1, &end, 10);
	cr_assert(*end == '\0' && line > 0, "%s", got);
	return (int)line;
}

/* Return addresses minus one, as gilprof passes them for every frame but the innermost. */
Test(srclines, call_sites_in_this_file)
{
	struct site s[3];
	char buf[LINE_LEN];

	sites_fill(s);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(line_at(s[i].ret - 1, buf, sizeof(buf)), 0, "site %d", i);
		cr_expect_eq(line_of(buf, THIS_FILE), s[i].line, "site %d: %s", i, buf);
	}
	srclines_done();
}

Test(srclines, function_entry_in_this_file)
{
	char buf[LINE_LEN];
	int line;

	/* The entry is the line of the opening brace or of the declaration before it. */
	cr_assert_eq(line_at(ADDR(&sites_fill), buf, sizeof(buf)), 0);
	line = line_of(buf, THIS_FILE);
	cr_expect(line == sites_fill_line || line == sites_fill_line + 1, "sites_fill() is at %s",
		  buf);
	srclines_done();
}

Test(srclines, by_path_without_fd)
{
	struct gp_addr_loc loc;
	struct gp_mapping m;
	char buf[LINE_LEN];
	struct site s;

	s = site_here(__LINE__);
	locate(s.ret - 1, &loc);
	m = *loc.obj;
	m.fd = -1;
	cr_assert_eq(srclines_lookup(sl, &m, loc.vaddr, buf, sizeof(buf)), 0);
	cr_expect_eq(line_of(buf, THIS_FILE), s.line, "%s", buf);
	srclines_done();
}

/* The source's path from the root (the test is built from a relative path, make's), and its
 * line: what pprof's -list needs to open the file. */
Test(srclines, path_from_the_root)
{
	char path[PATH_MAX];
	struct gp_addr_loc loc;
	struct site s;
	int line = 0;

	s = site_here(__LINE__);
	locate(s.ret - 1, &loc);
	cr_assert_eq(srclines_lookup_path(sl, loc.obj, loc.vaddr, path, sizeof(path), &line), 0);
	cr_expect_eq(line, s.line);
	cr_assert_eq(path[0], '/', "%s", path);
	cr_assert_null(strstr(path, "/./"), "%s", path);
	cr_assert_null(strstr(path, "/../"), "%s", path);
	cr_assert_gt(strlen(path), strlen(__FILE__));
	cr_assert_str_eq(path + strlen(path) - strlen(__FILE__), __FILE__);
	cr_assert_eq(access(path, R_OK), 0, "%s", path);
	srclines_done();
}

/* The separate debug file that /usr/lib/debug holds for path's build ID, if any. */
static bool debug_file_present(const char *path)
{
	const unsigned char *id;
	char dpath[PATH_MAX];
	bool present = false;
	ssize_t n;
	size_t pos;
	Elf *elf;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "%s", path);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	cr_assert_not_null(elf);
	n = dwelf_elf_gnu_build_id(elf, (const void **)&id);
	if (n > 1) {
		pos = (size_t)snprintf(dpath, sizeof(dpath), "/usr/lib/debug/.build-id/%02x/",
				       id[0]);
		for (ssize_t i = 1; i < n; i++)
			pos += (size_t)snprintf(dpath + pos, sizeof(dpath) - pos, "%02x", id[i]);
		snprintf(dpath + pos, sizeof(dpath) - pos, ".debug");
		present = access(dpath, R_OK) == 0;
	}
	elf_end(elf);
	close(fd);
	return present;
}

/* libc's own definition: the executable's reference may lead to a sanitizer's interceptor. */
static uint64_t libc_function(const char *name)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	void *fn;

	cr_assert_not_null(libc, "%s", dlerror());
	fn = dlsym(libc, name);
	cr_assert_not_null(fn, "%s", name);
	dlclose(libc);
	return ADDR(fn);
}

/*
 * Debian's libc is stripped: its lines come from libc6-dbg's build-ID debug file, whose sections
 * are compressed. Without the package there are none.
 */
Test(srclines, libc_from_debug_file)
{
	uint64_t lock = libc_function("pthread_mutex_lock");
	uint64_t unlock = libc_function("pthread_mutex_unlock");
	struct gp_addr_loc loc;
	char buf[LINE_LEN];
	int rc;

	locate(lock, &loc);
	cr_assert_not_null(strstr(loc.obj->path, "libc.so"), "%s", loc.obj->path);
	rc = srclines_lookup(sl, loc.obj, loc.vaddr, buf, sizeof(buf));
	if (!debug_file_present(loc.obj->path)) {
		cr_assert_eq(rc, -ENOENT);
		cr_skip_test("libc6-dbg is not installed: only its absence was checked");
	}
	cr_assert_eq(rc, 0, "libc's debug file is installed");
	line_of(buf, "pthread_mutex_lock.c");
	cr_log_info("pthread_mutex_lock: %s", buf);
	cr_assert_eq(line_at(unlock, buf, sizeof(buf)), 0);
	line_of(buf, "pthread_mutex_unlock.c");
	srclines_done();
}

Test(srclines, no_line_table)
{
	char buf[LINE_LEN] = "untouched";
	struct gp_addr_loc loc;

	/* Data of an object with line tables. */
	cr_expect_eq(line_at(ADDR(&not_code[1]), buf, sizeof(buf)), -ENOENT);
	/* The ELF header: at file-relative address 0, where discarded functions' DWARF points. */
	locate(ADDR(&sites_fill), &loc);
	cr_expect_eq(srclines_lookup(sl, loc.obj, 0, buf, sizeof(buf)), -ENOENT);
	cr_expect_eq(srclines_lookup(sl, loc.obj, UINT64_MAX, buf, sizeof(buf)), -ENOENT);
	cr_expect_str_eq(buf, "untouched");
	srclines_done();
}

Test(srclines, library_without_dwarf)
{
	void *lib = dlopen("libcriterion.so.3", RTLD_NOW | RTLD_NOLOAD);
	struct gp_addr_loc loc;
	char buf[LINE_LEN];
	void *fn;

	cr_assert_not_null(lib, "%s", dlerror());
	fn = dlsym(lib, "criterion_initialize");
	cr_assert_not_null(fn);
	dlclose(lib);
	locate(ADDR(fn), &loc);
	cr_assert_not_null(strstr(loc.obj->path, "libcriterion"), "%s", loc.obj->path);
	if (debug_file_present(loc.obj->path))
		cr_skip_test("libcriterion's debug file is installed");
	cr_assert_eq(srclines_lookup(sl, loc.obj, loc.vaddr, buf, sizeof(buf)), -ENOENT);
	/* Remembered: the second answer comes from the cache. */
	cr_assert_eq(srclines_lookup(sl, loc.obj, loc.vaddr, buf, sizeof(buf)), -ENOENT);
	srclines_done();
}

Test(srclines, not_elf)
{
	char path[] = "/tmp/gp-srclines-XXXXXX", buf[LINE_LEN];
	const struct gp_mapping *m;
	struct gp_procmaps *mine;
	long pagesz = sysconf(_SC_PAGESIZE);
	void *p;
	int fd;

	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	unlink(path);
	cr_assert_eq(ftruncate(fd, pagesz), 0);
	cr_assert_eq(pwrite(fd, "not an ELF file\n", 16, 0), 16);
	p = mmap(NULL, (size_t)pagesz, PROT_READ, MAP_PRIVATE, fd, 0);
	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(procmaps_snapshot(getpid(), &mine), 0);
	m = procmaps_find(mine, ADDR(p));
	cr_assert_not_null(m);
	cr_assert(mapping_is_file(m), "%s", m->path);
	cr_expect_eq(srclines_lookup(sl, m, 0, buf, sizeof(buf)), -ENOENT);
	procmaps_free(mine);
	munmap(p, (size_t)pagesz);
	close(fd);
	srclines_done();
}

Test(srclines, bad_input)
{
	struct gp_mapping anon = {.start = 0x1000, .end = 0x2000, .path = "", .fd = -1};
	struct gp_addr_loc loc;
	char buf[LINE_LEN], small[8];
	struct site s;

	cr_expect_eq(srclines_lookup(sl, &anon, 0, buf, sizeof(buf)), -EINVAL);
	s = site_here(__LINE__);
	locate(s.ret - 1, &loc);
	cr_expect_eq(srclines_lookup(sl, loc.obj, loc.vaddr, buf, 0), -EINVAL);
	/* Truncated like every name gilprof writes. */
	cr_assert_eq(srclines_lookup(sl, loc.obj, loc.vaddr, small, sizeof(small)), 0);
	cr_expect_str_eq(small, "test_sr");
	srclines_done();
}

static void *lookups_run(void *arg)
{
	const struct site *s = arg;
	static char failed;
	struct gp_addr_loc loc;
	char buf[LINE_LEN];

	/* The symbolizer serializes its users as the line cache does. */
	if (symbolizer_locate(sym, pm, s->ret - 1, &loc))
		return &failed;
	for (int i = 0; i < NLOOKUPS / NTHREADS; i++) {
		if (srclines_lookup(sl, loc.obj, loc.vaddr, buf, sizeof(buf)) ||
		    strncmp(buf, THIS_FILE ":", strlen(THIS_FILE) + 1) ||
		    atoi(buf + strlen(THIS_FILE) + 1) != s->line)
			return &failed;
	}
	return NULL;
}

/* Thousands of lookups from several threads: the cache serves them all, quickly. */
Test(srclines, many_lookups_from_threads)
{
	struct timespec t0, t1;
	pthread_t t[NTHREADS];
	struct site s[3];
	void *ret;
	double ms;

	sites_fill(s);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < NTHREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, lookups_run, &s[i % 3]), 0);
	for (int i = 0; i < NTHREADS; i++) {
		cr_assert_eq(pthread_join(t[i], &ret), 0);
		cr_expect_null(ret, "thread %d", i);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	cr_log_info("%d lookups: %.1f ms", NLOOKUPS, ms);
	cr_assert_lt(ms, 2000.0);
	srclines_done();
}
