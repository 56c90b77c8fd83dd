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
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "symbolize/dwarfnames.h"
#include "elftest.h"
#include "gil.h"
#include "symbolize/procmaps.h"
#include "symbolize/symbols.h"

#define ADDR(p) ((uint64_t)(uintptr_t)(p))
#define NAME_LEN 256
#define COUNTDOWN "build/workloads/countdown"

/*
 * The fixtures: this file is compiled with -g, so its own DWARF describes them. Each is used below
 * through its address, which keeps it in the binary.
 */
struct {
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	int n;
	struct {
		int a;
		pthread_mutex_t m;
	} inner[2];
} fixture;

/* Anonymous members, a union, padding, and a user typedef ending in _t that is no opaque type. */
typedef struct {
	atomic_int flag;
	int word;
} user_lock_t;

static struct {
	int a;
	struct {
		int x;
		int y;
	};
	union {
		int i;
		float f;
	} u;
	char c;
	int after; /* 3 bytes of padding before it */
	user_lock_t users[2];
} shapes;

int grid[3][4];
pthread_mutex_t plain_lock = PTHREAD_MUTEX_INITIALIZER;

/* Two variables named twin (the function's is "twin.N" in ELF): the address tells them apart. */
static struct {
	int a, b;
} twin;

static void *inner_twin(void)
{
	static struct {
		long x[4];
	} twin;

	return &twin;
}

/* Defined in assembly, so only the extern declaration below has DWARF: found by name. */
extern struct gp_dw_pair {
	int a;
	int b;
} gp_dw_asm_pair[2];
__asm__(".pushsection .data\n"
	".p2align 3\n"
	".globl gp_dw_asm_pair\n"
	".type gp_dw_asm_pair, %object\n"
	"gp_dw_asm_pair:\n"
	"\t.zero 16\n"
	".size gp_dw_asm_pair, 16\n"
	".popsection\n");

static struct gp_procmaps *pm;
static struct gp_symbolizer *sym;
static struct gp_dwarfnames *dn;

static void setup(void)
{
	cr_assert_eq(procmaps_snapshot(getpid(), &pm), 0);
	sym = symbolizer_new();
	cr_assert_not_null(sym);
	dn = dwarfnames_new();
	cr_assert_not_null(dn);
}

static void teardown(void)
{
	dwarfnames_free(dn);
	symbolizer_free(sym);
	procmaps_free(pm);
	dn = NULL;
	sym = NULL;
	pm = NULL;
}

/* Criterion ignores LeakSanitizer's report at a worker's exit: each test asks for it itself. */
static void dwarfnames_done(void)
{
	teardown();
	leaks_check();
}

TestSuite(dwarfnames, .init = setup, .fini = teardown);

struct located {
	struct gp_addr_loc loc;
	struct gp_sym s;
};

/* What gilprof has for a futex word: its mapping, its data symbol and the offset into it. */
static void locate(const void *addr, struct located *l)
{
	cr_assert_eq(symbolizer_locate(sym, pm, ADDR(addr), &l->loc), 0);
	cr_assert(l->loc.elf, "%p is in no ELF object", addr);
	cr_assert_eq(symbolizer_lookup_data(sym, l->loc.obj, l->loc.vaddr, &l->s), 0,
		     "%p has no data symbol", addr);
}

static int name_at(const void *addr, char *buf, size_t len)
{
	struct located l;

	locate(addr, &l);
	return dwarfnames_member(dn, l.loc.obj, l.s.name, l.s.addr, l.loc.vaddr - l.s.addr, buf,
				 len);
}

static void name_expect(const void *addr, const char *want)
{
	char buf[NAME_LEN];

	cr_assert_eq(name_at(addr, buf, sizeof(buf)), 0, "%p (want %s)", addr, want);
	cr_assert_str_eq(buf, want);
}

#define AT(base, off) ((const char *)(base) + (off))

Test(dwarfnames, member_containing_the_word)
{
	/* glibc 2.36 waits on __g_signals[0] at +0x28 of a condition variable: words inside a
	 * leaf carry their offset, so that two words never read the same */
	name_expect(AT(&fixture.cond, 0x28), "fixture.cond+0x28");
	name_expect(&fixture.cond, "fixture.cond");
	name_expect(AT(&fixture.cond, sizeof(fixture.cond) - 4), "fixture.cond+0x2c");
	name_expect(&fixture.mutex, "fixture.mutex");
	name_expect(&fixture.n, "fixture.n");
	name_expect(AT(&fixture.n, 3), "fixture.n+0x3");
	name_expect(&fixture.inner[1].m, "fixture.inner[1].m");
	name_expect(AT(&fixture.inner[1].m, 4), "fixture.inner[1].m+0x4");
	name_expect(&fixture.inner[0].a, "fixture.inner[0].a");
	dwarfnames_done();
}

Test(dwarfnames, shapes_of_types)
{
	name_expect(&shapes.a, "shapes.a");
	/* Members of an anonymous struct are named as C names them. */
	name_expect(&shapes.y, "shapes.y");
	/* A union is a leaf: which member is meant is not for us to say. */
	name_expect(&shapes.u.f, "shapes.u");
	/* No member holds padding: the offset into the innermost struct says where it is. */
	name_expect(AT(&shapes.c, 1), "shapes+0x11");
	name_expect(&shapes.after, "shapes.after");
	name_expect(&shapes.users[1].word, "shapes.users[1].word");
	/* atomic_int is a system header's typedef: a leaf, like the int it is. */
	name_expect(&shapes.users[0].flag, "shapes.users[0].flag");
	name_expect(&grid[2][1], "grid[2][1]");
	name_expect(AT(&grid[0][3], 2), "grid[0][3]+0x2");
	/* A variable that is a leaf itself names no member. */
	name_expect(&plain_lock, "plain_lock");
	name_expect(AT(&plain_lock, 8), "plain_lock+0x8");
	dwarfnames_done();
}

Test(dwarfnames, static_variables_by_address)
{
	struct located l;
	char buf[NAME_LEN], want[NAME_LEN];
	long *x = inner_twin();

	name_expect(&twin.b, "twin.b");
	locate(&x[2], &l);
	cr_assert_neq(strcmp(l.s.name, "twin"), 0, "gcc names the function's static twin.N");
	cr_assert_eq(dwarfnames_member(dn, l.loc.obj, l.s.name, l.s.addr, l.loc.vaddr - l.s.addr,
				       buf, sizeof(buf)),
		     0);
	snprintf(want, sizeof(want), "%s.x[2]", l.s.name);
	cr_assert_str_eq(buf, want);
	dwarfnames_done();
}

Test(dwarfnames, extern_declaration_by_name)
{
	name_expect(&gp_dw_asm_pair[1].b, "gp_dw_asm_pair[1].b");
	name_expect(&gp_dw_asm_pair[0].a, "gp_dw_asm_pair[0].a");
	dwarfnames_done();
}

Test(dwarfnames, not_found_and_bad_input)
{
	struct located l;
	char buf[NAME_LEN] = "stale";
	const struct gp_mapping *anon = NULL;

	locate(&fixture, &l);
	cr_assert_eq(
		dwarfnames_member(dn, l.loc.obj, "gp_no_such_variable", 0x1, 0, buf, sizeof(buf)),
		-ENOENT);
	cr_assert_str_eq(buf, "");
	/* Beyond the variable's type: the symbol and DWARF disagree, so no name. */
	cr_assert_eq(dwarfnames_member(dn, l.loc.obj, l.s.name, l.s.addr, sizeof(fixture), buf,
				       sizeof(buf)),
		     -ENOENT);
	cr_assert_eq(dwarfnames_member(dn, l.loc.obj, l.s.name, l.s.addr, 0, buf, 0), -EINVAL);
	for (size_t i = 0; i < pm->n && !anon; i++)
		if (mapping_is_anon(&pm->maps[i]))
			anon = &pm->maps[i];
	cr_assert_not_null(anon);
	cr_assert_eq(dwarfnames_member(dn, anon, "x", 0, 0, buf, sizeof(buf)), -EINVAL);
	/* Truncated like symbols.h names. */
	cr_assert_eq(dwarfnames_member(dn, l.loc.obj, l.s.name, l.s.addr,
				       ADDR(&fixture.inner[1].m) - ADDR(&fixture), buf, 12),
		     0);
	cr_assert_str_eq(buf, "fixture.inn");
	dwarfnames_done();
}

/* A mapping without an fd is read by path, when the file there is still the mapped one. */
Test(dwarfnames, by_path_without_fd)
{
	struct gp_mapping m;
	struct located l;
	char buf[NAME_LEN];

	locate(&fixture.cond, &l);
	m = *l.loc.obj;
	m.fd = -1;
	cr_assert_eq(dwarfnames_member(dn, &m, l.s.name, l.s.addr, l.loc.vaddr - l.s.addr, buf,
				       sizeof(buf)),
		     0);
	cr_assert_str_eq(buf, "fixture.cond");
	dwarfnames_done();
}

/* The separate debug file that /usr/lib/debug holds for path's build ID, if any. */
static bool debug_file_present(const char *path)
{
	const unsigned char *id;
	char dpath[PATH_MAX];
	ssize_t n;
	size_t pos;
	Elf *elf;
	int fd;
	bool present = false;

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

/*
 * Debian's libc is stripped: without libc6-dbg it has no DWARF. With it, the DWARF comes from
 * the build-ID debug file, whose .debug_info is compressed.
 */
Test(dwarfnames, libc_stripped_or_debug_file)
{
	struct located l;
	char buf[NAME_LEN];
	int rc;

	elf_version(EV_CURRENT);
	locate(stdout, &l);
	cr_assert_str_eq(l.s.name, "_IO_2_1_stdout_");
	rc = dwarfnames_member(dn, l.loc.obj, l.s.name, l.s.addr, 0, buf, sizeof(buf));
	if (debug_file_present(l.loc.obj->path)) {
		cr_assert_eq(rc, 0, "libc's debug file is installed");
		cr_assert_str_eq(buf, "_IO_2_1_stdout_.file._flags");
		name_expect(&stdout->_lock, "_IO_2_1_stdout_.file._lock");
	} else {
		cr_assert_eq(rc, -ENOENT);
		cr_assert_str_eq(buf, "");
	}
	/* The answer is remembered either way. */
	cr_assert_eq(dwarfnames_member(dn, l.loc.obj, l.s.name, l.s.addr, 0, buf, sizeof(buf)), rc);
	dwarfnames_done();
}

Test(dwarfnames, library_without_dwarf)
{
	void *lib = dlopen("libcriterion.so.3", RTLD_NOW | RTLD_NOLOAD);
	struct located l;
	char buf[NAME_LEN];
	void *opts;

	elf_version(EV_CURRENT);
	cr_assert_not_null(lib, "%s", dlerror());
	/* The library's own copy: the executable may hold another, made by a copy relocation. */
	opts = dlsym(lib, "criterion_options");
	cr_assert_not_null(opts);
	locate(opts, &l);
	dlclose(lib);
	cr_assert_not_null(strstr(l.loc.obj->path, "libcriterion"), "%s", l.loc.obj->path);
	if (debug_file_present(l.loc.obj->path))
		cr_skip_test("libcriterion's debug file is installed");
	cr_assert_eq(dwarfnames_member(dn, l.loc.obj, l.s.name, l.s.addr, 8, buf, sizeof(buf)),
		     -ENOENT);
	dwarfnames_done();
}

/* The file-relative address of a symbol, from the file's .symtab. */
static bool symtab_find(int fd, const char *name, uint64_t *addr)
{
	Elf_Scn *scn = NULL;
	Elf_Data *data;
	GElf_Shdr sh;
	GElf_Sym s;
	bool found = false;
	Elf *elf;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	cr_assert_not_null(elf);
	while (!found && (scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			if (gelf_getsym(data, (int)i, &s) &&
			    !strcmp(elf_strptr(elf, sh.sh_link, s.st_name), name)) {
				*addr = s.st_value;
				found = true;
				break;
			}
		}
	}
	elf_end(elf);
	return found;
}

/* The countdown workload's GIL, laid out as workloads/gil.h documents. */
static const struct {
	uint64_t off;
	const char *name;
} gil_words[] = {
	{0x0, "gil.mutex"},
	{0x28, "gil.cond"},
	{offsetof(struct gil, cond) + 40, "gil.cond+0x28"},
	{offsetof(struct gil, cond) + 44, "gil.cond+0x2c"},
	{0x58, "gil.switch_cond"},
	{offsetof(struct gil, switch_cond) + 44, "gil.switch_cond+0x2c"},
	{offsetof(struct gil, switch_mutex), "gil.switch_mutex"},
	{offsetof(struct gil, drop_request), "gil.drop_request"},
};

Test(dwarfnames, countdown_gil)
{
	char path[PATH_MAX], buf[NAME_LEN];
	struct gp_mapping m;
	uint64_t gil_addr;

	cr_assert_not_null(realpath(COUNTDOWN, path), "%s: run from the top of the tree after make",
			   COUNTDOWN);
	file_mapping(path, &m);
	cr_assert(symtab_find(m.fd, "gil", &gil_addr));
	for (size_t i = 0; i < sizeof(gil_words) / sizeof(gil_words[0]); i++) {
		cr_assert_eq(dwarfnames_member(dn, &m, "gil", gil_addr, gil_words[i].off, buf,
					       sizeof(buf)),
			     0, "gil+%#lx", (unsigned long)gil_words[i].off);
		cr_assert_str_eq(buf, gil_words[i].name, "gil+%#lx",
				 (unsigned long)gil_words[i].off);
	}
	close(m.fd);
	dwarfnames_done();
}

/* Name fixture.cond in the stripped copy at path, with a cache of its own. */
static int stripped_name(const char *path, char *buf, size_t len)
{
	struct gp_dwarfnames *d = dwarfnames_new();
	struct gp_mapping m;
	uint64_t addr;
	int rc;

	cr_assert_not_null(d);
	file_mapping(path, &m);
	cr_assert(symtab_find(m.fd, "fixture", &addr));
	rc = dwarfnames_member(d, &m, "fixture", addr, offsetof(typeof(fixture), cond) + 0x28, buf,
			       len);
	close(m.fd);
	dwarfnames_free(d);
	return rc;
}

/*
 * A copy of this test stripped of its DWARF, the way distributions ship binaries, with the DWARF
 * in a .gnu_debuglink file beside it, then in .debug/ beside it; without a build ID the link's CRC
 * must match the file.
 */
Test(dwarfnames, debuglink_file)
{
	char dir[] = "/tmp/gp-dwarfnames-XXXXXX", exe[PATH_MAX], t[PATH_MAX], buf[NAME_LEN];
	ssize_t n;

	if (system("command -v objcopy >/dev/null"))
		cr_skip_test("objcopy (binutils) is not installed");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	cr_assert_gt(n, 0);
	exe[n] = '\0';
	cr_assert_not_null(mkdtemp(dir));
	snprintf(t, sizeof(t), "%s/t", dir);

	run("objcopy --only-keep-debug '%s' '%s/t.debug' && cd '%s' && "
	    "objcopy --strip-debug --add-gnu-debuglink=t.debug '%s' t",
	    exe, dir, dir, exe);
	cr_assert_eq(stripped_name(t, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "fixture.cond+0x28");
	run("cd '%s' && mkdir .debug && mv t.debug .debug/", dir);
	cr_assert_eq(stripped_name(t, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "fixture.cond+0x28");

	/* objcopy warns that the note segment lost the build ID's section, as asked. */
	run("cd '%s' && rm -r .debug t && "
	    "objcopy --remove-section=.note.gnu.build-id '%s' nobid && "
	    "objcopy --only-keep-debug nobid t.debug 2>/dev/null && "
	    "objcopy --strip-debug --add-gnu-debuglink=t.debug nobid t && rm nobid",
	    dir, exe);
	cr_assert_eq(stripped_name(t, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "fixture.cond+0x28");
	/* A debug file that changed since the link was made describes some other build. */
	run("cd '%s' && echo >> t.debug", dir);
	cr_assert_eq(stripped_name(t, buf, sizeof(buf)), -ENOENT);

	run("rm -r '%s'", dir);
	dwarfnames_done();
}

/* Indexed once per object: hundreds of lookups cost little after the first. */
Test(dwarfnames, many_lookups)
{
	struct located cond, pair;
	struct timespec t0, t1;
	char buf[NAME_LEN];
	double ms;

	locate(&fixture.cond, &cond);
	locate(&gp_dw_asm_pair[1], &pair);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 500; i++) {
		cr_assert_eq(dwarfnames_member(dn, cond.loc.obj, cond.s.name, cond.s.addr,
					       cond.loc.vaddr - cond.s.addr, buf, sizeof(buf)),
			     0);
		cr_assert_eq(dwarfnames_member(dn, pair.loc.obj, pair.s.name, pair.s.addr,
					       pair.loc.vaddr - pair.s.addr, buf, sizeof(buf)),
			     0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	cr_log_info("1000 lookups: %.1f ms", ms);
	cr_assert_lt(ms, 2000.0);
	dwarfnames_done();
}
