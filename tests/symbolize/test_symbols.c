// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <sanitizer/lsan_interface.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "symbolize/elffile.h"
#include "symbolize/ksyms.h"
#include "symbolize/procmaps.h"
#include "symbolize/symbols.h"

#define ADDR(p) ((uint64_t)(uintptr_t)(p))
#define NAME_LEN 256

/* What the tests name: initialised data, .bss, a .bss object reaching far past the file. */
int counter_lock_like[4] = {1, 2, 3, 4};
static long small_bss_obj;
static char big_bss[1 << 20];
/* Stands for CPython's ".PyRuntime". */
__attribute__((section(".gp_test_sect"), used)) int sect_var = 5;

__attribute__((noinline)) int gp_test_helper(int x)
{
	return x * 3 + counter_lock_like[x & 3];
}

/*
 * Exact code layout: gp_fn_a is sized and followed by alignment padding, gp_fn_label has no size
 * (like hand-written assembly), so only the fallback names the bytes after it. gp_fn_tail, also
 * unsized, ends its own section: what lies past that is not part of it.
 */
void gp_fn_a(void);
void gp_fn_label(void);
void gp_fn_tail(void);
__asm__(".pushsection .text\n"
	".p2align 4\n"
	".globl gp_fn_a\n"
	".type gp_fn_a, %function\n"
	"gp_fn_a:\n"
	"\tret\n"
	".size gp_fn_a, .-gp_fn_a\n"
	".p2align 4\n"
	".globl gp_fn_label\n"
	".type gp_fn_label, %function\n"
	"gp_fn_label:\n"
	"\tnop\n"
	"\tnop\n"
	"\tnop\n"
	"\tret\n"
	".p2align 4\n"
	".popsection\n"
	".pushsection .gp_text_tail, \"ax\", %progbits\n"
	".globl gp_fn_tail\n"
	".type gp_fn_tail, %function\n"
	"gp_fn_tail:\n"
	"\tnop\n"
	"\tret\n"
	".popsection\n");

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

/* Nested data symbols, as unions and C++ members produce: the innermost one names the byte. */
extern char gp_outer[16];
__asm__(".pushsection .data\n"
	".p2align 4\n"
	".globl gp_outer, gp_inner, gp_mid\n"
	".type gp_outer, %object\n"
	".type gp_inner, %object\n"
	".type gp_mid, %object\n"
	"gp_outer:\n"
	"gp_inner:\n"
	"\t.zero 8\n"
	"gp_mid:\n"
	"\t.zero 8\n"
	".size gp_inner, 4\n"
	".size gp_mid, 4\n"
	".size gp_outer, 16\n"
	".popsection\n");

static struct gp_procmaps *pm;
static struct gp_symbolizer *sym;

static void setup(void)
{
	cr_assert_eq(procmaps_snapshot(getpid(), &pm), 0);
	sym = symbolizer_new();
	cr_assert_not_null(sym);
}

static void teardown(void)
{
	symbolizer_free(sym);
	procmaps_free(pm);
	sym = NULL;
	pm = NULL;
}

static void symbols_done(void)
{
	teardown();
	leaks_check();
}

TestSuite(symbols, .init = setup, .fini = teardown);

static void data_expect(const struct gp_procmaps *p, const void *addr, int rc, const char *name)
{
	char buf[NAME_LEN];

	cr_assert_eq(symbolizer_name_data(sym, p, ADDR(addr), buf, sizeof(buf)), rc, "%p: %s", addr,
		     buf);
	cr_assert_str_eq(buf, name);
}

static void code_expect(const void *addr, int rc, const char *name, const char *obj)
{
	char buf[NAME_LEN], objbuf[NAME_LEN];

	cr_assert_eq(
		symbolizer_name_code(sym, pm, ADDR(addr), buf, sizeof(buf), objbuf, sizeof(objbuf)),
		rc, "%p: %s", addr, buf);
	cr_assert_str_eq(buf, name);
	if (obj)
		cr_assert_str_eq(objbuf, obj);
}

static void loc_get(const void *addr, struct gp_addr_loc *loc)
{
	cr_assert_eq(symbolizer_locate(sym, pm, ADDR(addr), loc), 0);
	cr_assert_not_null(loc->obj, "%p has no object", addr);
	cr_assert(loc->elf);
	cr_assert_eq(loc->vaddr + loc->bias, ADDR(addr));
}

static const char *exe_base(void)
{
	static char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	cr_assert_gt(n, 0);
	exe[n] = '\0';
	return basename(exe);
}

Test(symbols, data_exact_inside_end)
{
	char buf[NAME_LEN];

	data_expect(pm, counter_lock_like, GP_NAME_SYMBOL, "counter_lock_like");
	data_expect(pm, (char *)counter_lock_like + 8, GP_NAME_SYMBOL, "counter_lock_like+0x8");
	data_expect(pm, (char *)counter_lock_like + 15, GP_NAME_SYMBOL, "counter_lock_like+0xf");
	/* addr + size is past the object: whatever it is, it is not counter_lock_like. */
	cr_assert_geq(symbolizer_name_data(sym, pm, ADDR(counter_lock_like + 4), buf, sizeof(buf)),
		      0);
	cr_assert_null(strstr(buf, "counter_lock_like"), "%s", buf);
	symbols_done();
}

Test(symbols, data_nested)
{
	data_expect(pm, gp_outer, GP_NAME_SYMBOL, "gp_inner");
	data_expect(pm, gp_outer + 2, GP_NAME_SYMBOL, "gp_inner+0x2");
	data_expect(pm, gp_outer + 4, GP_NAME_SYMBOL, "gp_outer+0x4");
	data_expect(pm, gp_outer + 9, GP_NAME_SYMBOL, "gp_mid+0x1");
	/* Past gp_mid, the walk must go back to the symbol that still contains the address. */
	data_expect(pm, gp_outer + 12, GP_NAME_SYMBOL, "gp_outer+0xc");
	data_expect(pm, gp_outer + 15, GP_NAME_SYMBOL, "gp_outer+0xf");
	symbols_done();
}

Test(symbols, data_vs_bss)
{
	struct gp_addr_loc data, bss;
	uint64_t start, size;

	small_bss_obj++;
	data_expect(pm, &small_bss_obj, GP_NAME_SYMBOL, "small_bss_obj");
	data_expect(pm, (char *)&small_bss_obj + 4, GP_NAME_SYMBOL, "small_bss_obj+0x4");
	loc_get(counter_lock_like, &data);
	loc_get(&small_bss_obj, &bss);
	cr_assert_eq(symbolizer_find_section(sym, data.obj, ".data", &start, &size), 0);
	cr_assert(data.vaddr >= start && data.vaddr < start + size);
	cr_assert_eq(symbolizer_find_section(sym, bss.obj, ".bss", &start, &size), 0);
	cr_assert(bss.vaddr >= start && bss.vaddr < start + size);
	symbols_done();
}

Test(symbols, bss_in_anonymous_mapping)
{
	const struct gp_mapping *m;
	struct gp_addr_loc loc;
	char *p = big_bss + (1 << 19);

	p[0] = 1;
	m = procmaps_find(pm, ADDR(p));
	cr_assert_not_null(m);
	cr_assert(mapping_is_anon(m), "big_bss+0x80000 is in '%s'", m->path);
	loc_get(p, &loc);
	cr_assert_neq(loc.obj, loc.map);
	cr_assert_eq(loc.map, m);
	cr_assert_eq(loc.obj->end, m->start);
	data_expect(pm, p, GP_NAME_SYMBOL, "big_bss+0x80000");
	data_expect(pm, big_bss + sizeof(big_bss) - 1, GP_NAME_SYMBOL, "big_bss+0xfffff");
	data_expect(pm, big_bss, GP_NAME_SYMBOL, "big_bss");
	symbols_done();
}

Test(symbols, bias_matches_loader)
{
	struct gp_addr_loc loc;
	Dl_info info;

	cr_assert(dladdr(counter_lock_like, &info));
	loc_get(counter_lock_like, &loc);
	cr_assert_eq(loc.bias, ADDR(info.dli_fbase));
	cr_assert(dladdr(stdout, &info));
	loc_get(stdout, &loc);
	cr_assert_eq(loc.bias, ADDR(info.dli_fbase));
	symbols_done();
}

Test(symbols, libc_data)
{
	char buf[NAME_LEN];

	data_expect(pm, stdout, GP_NAME_SYMBOL, "_IO_2_1_stdout_");
	data_expect(pm, (char *)stdout + 0x10, GP_NAME_SYMBOL, "_IO_2_1_stdout_+0x10");
	/* A copy relocation puts stdout in the executable, as "stdout@GLIBC_2.2.5" in .symtab. */
	data_expect(pm, &stdout, GP_NAME_SYMBOL, "stdout");
	/* Code is not data. */
	cr_assert_eq(symbolizer_name_data(sym, pm, ADDR(&getpid), buf, sizeof(buf)),
		     GP_NAME_MAPPING);
	cr_assert_eq(strncmp(buf, "libc.so.6+0x", 12), 0, "%s", buf);
	symbols_done();
}

Test(symbols, libc_code)
{
	struct gp_addr_loc loc;
	struct gp_sym s;
	char buf[NAME_LEN];

	/* getpid and __getpid are aliases: the name without underscores wins. */
	code_expect(&getpid, GP_NAME_SYMBOL, "getpid", "libc.so.6");
	code_expect((char *)&getpid + 1, GP_NAME_SYMBOL, "getpid+0x1", "libc.so.6");
	loc_get(&getpid, &loc);
	cr_assert_eq(symbolizer_lookup_code(sym, loc.obj, loc.vaddr, &s), 0);
	cr_assert_str_eq(s.name, "getpid");
	cr_assert_eq(s.addr, loc.vaddr);
	cr_assert_gt(s.size, 0);
	cr_assert_geq(
		symbolizer_name_code(sym, pm, ADDR(&getpid) + s.size, buf, sizeof(buf), NULL, 0),
		0);
	cr_assert_null(strstr(buf, "getpid"), "%s", buf);
	symbols_done();
}

Test(symbols, exe_code)
{
	const char *exe = exe_base();
	uint64_t start, size;
	struct gp_addr_loc loc;
	struct gp_sym s;
	char buf[NAME_LEN];

	code_expect(&gp_test_helper, GP_NAME_SYMBOL, "gp_test_helper", exe);
	code_expect((char *)&gp_test_helper + 3, GP_NAME_SYMBOL, "gp_test_helper+0x3", exe);
	code_expect(&gp_fn_a, GP_NAME_SYMBOL, "gp_fn_a", exe);

	/* The end of a sized function is outside it: here alignment padding, named by object. */
	loc_get(&gp_fn_a, &loc);
	cr_assert_eq(symbolizer_lookup_code(sym, loc.obj, loc.vaddr, &s), 0);
	cr_assert_gt(s.size, 0);
	cr_assert_eq(symbolizer_lookup_code(sym, loc.obj, loc.vaddr + s.size, &s), -ENOENT);
	cr_assert_eq(
		symbolizer_name_code(sym, pm, ADDR(&gp_fn_label) - 1, buf, sizeof(buf), NULL, 0),
		GP_NAME_MAPPING, "%s", buf);
	cr_assert_eq(strncmp(buf, exe, strlen(exe)), 0, "%s", buf);
	cr_assert_eq(strncmp(buf + strlen(exe), "+0x", 3), 0, "%s", buf);

	/* An unsized label names what follows it. */
	code_expect(&gp_fn_label, GP_NAME_SYMBOL, "gp_fn_label", exe);
	code_expect((char *)&gp_fn_label + 2, GP_NAME_SYMBOL, "gp_fn_label+0x2", exe);
	code_expect((char *)&gp_fn_tail + 1, GP_NAME_SYMBOL, "gp_fn_tail+0x1", exe);
	cr_assert_eq(symbolizer_find_section(sym, loc.obj, ".gp_text_tail", &start, &size), 0);
	if (symbolizer_lookup_code(sym, loc.obj, start + size, &s) == 0)
		cr_assert_str_neq(s.name, "gp_fn_tail");
	symbols_done();
}

/* A profile's frame: the function without the offset into it, and its file's build ID. */
Test(symbols, function_names_and_build_id)
{
	const char *exe = exe_base();
	char buf[NAME_LEN], id[128], readelf[256], cmd[PATH_MAX + 64];
	struct gp_addr_loc loc;
	FILE *f;

	cr_assert_eq(symbolizer_name_function(sym, pm, ADDR(&gp_test_helper) + 3, buf, sizeof(buf)),
		     GP_NAME_SYMBOL);
	cr_assert_str_eq(buf, "gp_test_helper");
	cr_assert_eq(symbolizer_name_function(sym, pm, ADDR(&gp_fn_label) - 1, buf, sizeof(buf)),
		     GP_NAME_MAPPING, "no symbol: named as code, by object and offset");
	cr_assert_eq(strncmp(buf, exe, strlen(exe)), 0, "%s", buf);
	loc_get(&gp_test_helper, &loc);
	cr_assert_eq(elffile_build_id(loc.obj, id, sizeof(id)), 0);
	/* readelf's own reading of the note */
	snprintf(cmd, sizeof(cmd), "readelf -n /proc/%d/exe | sed -n 's/.*Build ID: //p'",
		 getpid());
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(readelf, sizeof(readelf), f));
	pclose(f);
	readelf[strcspn(readelf, "\n")] = 0;
	cr_assert_str_eq(id, readelf);
	cr_assert_eq(elffile_build_id(loc.obj, id, 8), -ENOSPC, "whole or nothing");
	cr_assert_str_eq(id, "");
	symbols_done();
}

Test(symbols, sections)
{
	struct gp_addr_loc loc;
	uint64_t start, size;

	loc_get(&sect_var, &loc);
	data_expect(pm, &sect_var, GP_NAME_SYMBOL, "sect_var");
	cr_assert_eq(symbolizer_find_section(sym, loc.obj, ".gp_test_sect", &start, &size), 0);
	cr_assert_eq(start, loc.vaddr);
	cr_assert_geq(size, sizeof(sect_var));
	cr_assert_eq(symbolizer_find_section(sym, loc.obj, ".PyRuntime", &start, &size), -ENOENT);
	/* Not an allocated section: it has no address. */
	cr_assert_eq(symbolizer_find_section(sym, loc.obj, ".symtab", &start, &size), -ENOENT);
	symbols_done();
}

static const char pseudo_maps[] =
	"10000000-10021000 rw-p 00000000 00:00 0                          [heap]\n"
	"20000000-20001000 rw-p 00000000 00:00 0 \n"
	"30000000-30002000 rw-s 00000000 00:01 77                         /dev/zero (deleted)\n"
	"40000000-40001000 r--p 00002000 fe:01 999999999                  "
	"/nonexistent/dir/data file.bin (deleted)\n"
	"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                  [stack]\n"
	"7ffd00100000-7ffd00102000 r-xp 00000000 00:00 0                  [vdso]\n";

Test(symbols, names_by_mapping)
{
	struct gp_procmaps *p;
	char buf[NAME_LEN], obj[NAME_LEN];

	cr_assert_eq(procmaps_parse(pseudo_maps, 1, &p), 0);
	data_expect(p, (void *)0x100001a0, GP_NAME_MAPPING, "[heap]+0x1a0");
	data_expect(p, (void *)0x20000010, GP_NAME_MAPPING, "[anon] 0x20000010");
	data_expect(p, (void *)0x30000040, GP_NAME_MAPPING, "[anon-shared]+0x40");
	data_expect(p, (void *)0x40000010, GP_NAME_MAPPING, "data file.bin+0x2010");
	data_expect(p, (void *)0x7ffd00020ff0, GP_NAME_MAPPING, "[stack] 0x7ffd00020ff0");
	data_expect(p, (void *)0x7ffd00100010, GP_NAME_MAPPING, "[vdso]+0x10");
	data_expect(p, (void *)0x50000000, GP_NAME_MAPPING, "[unmapped] 0x50000000");
	cr_assert_eq(
		symbolizer_name_code(sym, p, 0x7ffd00100010, buf, sizeof(buf), obj, sizeof(obj)),
		GP_NAME_MAPPING);
	cr_assert_str_eq(obj, "[vdso]");
	cr_assert_eq(symbolizer_name_code(sym, p, 0x20000010, buf, sizeof(buf), obj, sizeof(obj)),
		     GP_NAME_MAPPING);
	cr_assert_str_eq(obj, "[anon]");

	cr_assert_eq(symbolizer_name_data(sym, p, 0x100001a0, buf, 6), GP_NAME_MAPPING);
	cr_assert_str_eq(buf, "[heap");
	cr_assert_eq(symbolizer_name_data(sym, p, 0x100001a0, buf, 0), -EINVAL);
	procmaps_free(p);
	symbols_done();
}

/* The layout of a small PIE (binutils, -z separate-code): .rodata and RELRO share file page 2. */
static const struct gp_load_seg pie_segs[] = {
	{.vaddr = 0, .memsz = 0xf10, .offset = 0, .filesz = 0xf10, .flags = PF_R},
	{.vaddr = 0x1000, .memsz = 0x44d, .offset = 0x1000, .filesz = 0x44d, .flags = PF_R | PF_X},
	{.vaddr = 0x2000, .memsz = 0x32c, .offset = 0x2000, .filesz = 0x32c, .flags = PF_R},
	{.vaddr = 0x3d78,
	 .memsz = 0x1008d0,
	 .offset = 0x2d78,
	 .filesz = 0x848,
	 .flags = PF_R | PF_W},
};

#define PIE_BASE 0x56435e95e000ull

static const struct gp_mapping pie_maps[] = {
	{.start = PIE_BASE, .end = PIE_BASE + 0x1000, .pgoff = 0, .prot = PROT_READ},
	{.start = PIE_BASE + 0x1000,
	 .end = PIE_BASE + 0x2000,
	 .pgoff = 0x1000,
	 .prot = PROT_READ | PROT_EXEC},
	{.start = PIE_BASE + 0x2000, .end = PIE_BASE + 0x3000, .pgoff = 0x2000, .prot = PROT_READ},
	{.start = PIE_BASE + 0x3000, .end = PIE_BASE + 0x4000, .pgoff = 0x2000, .prot = PROT_READ},
	{.start = PIE_BASE + 0x4000,
	 .end = PIE_BASE + 0x5000,
	 .pgoff = 0x3000,
	 .prot = PROT_READ | PROT_WRITE},
};

Test(symbols, loadbias_pie_shared_page)
{
	uint64_t bias = 0;

	cr_assert_eq(loadbias_compute(pie_segs, 4, pie_maps, 5, 4096, &bias), 0);
	cr_assert_eq(bias, PIE_BASE);
	/* Only the RELRO page and the data after it: they still agree on the bias. */
	bias = 0;
	cr_assert_eq(loadbias_compute(pie_segs, 4, pie_maps + 3, 2, 4096, &bias), 0);
	cr_assert_eq(bias, PIE_BASE);
	symbols_done();
}

Test(symbols, loadbias_exec_and_old_layout)
{
	/* ET_EXEC: mapped at its link address, bias 0. */
	static const struct gp_load_seg exec_seg = {.vaddr = 0x400000,
						    .memsz = 0x1000,
						    .offset = 0,
						    .filesz = 0x1000,
						    .flags = PF_R | PF_X};
	static const struct gp_mapping exec_map = {
		.start = 0x400000, .end = 0x401000, .prot = PROT_READ | PROT_EXEC};
	/* Pre separate-code layout: the data segment starts inside the text's last file page. */
	static const struct gp_load_seg old_segs[] = {
		{.vaddr = 0, .memsz = 0x1234, .offset = 0, .filesz = 0x1234, .flags = PF_R | PF_X},
		{.vaddr = 0x201234,
		 .memsz = 0x200,
		 .offset = 0x1234,
		 .filesz = 0x100,
		 .flags = PF_R | PF_W},
	};
	static const struct gp_mapping old_maps[] = {
		{.start = 0x7f0000000000,
		 .end = 0x7f0000002000,
		 .pgoff = 0,
		 .prot = PROT_READ | PROT_EXEC},
		{.start = 0x7f0000201000,
		 .end = 0x7f0000202000,
		 .pgoff = 0x1000,
		 .prot = PROT_READ | PROT_WRITE},
	};
	struct gp_mapping none = exec_map;
	uint64_t bias = 1;

	cr_assert_eq(loadbias_compute(&exec_seg, 1, &exec_map, 1, 4096, &bias), 0);
	cr_assert_eq(bias, 0);
	cr_assert_eq(loadbias_compute(old_segs, 2, old_maps, 2, 4096, &bias), 0);
	cr_assert_eq(bias, 0x7f0000000000);
	/* Alone, the data mapping is ambiguous by votes; its missing execute bit decides. */
	bias = 1;
	cr_assert_eq(loadbias_compute(old_segs, 2, old_maps + 1, 1, 4096, &bias), 0);
	cr_assert_eq(bias, 0x7f0000000000);
	/* No segment holds the offset; a PROT_NONE gap does not vote. */
	none.pgoff = 0x100000;
	cr_assert_eq(loadbias_compute(&exec_seg, 1, &none, 1, 4096, &bias), -ENOENT);
	none.pgoff = 0;
	none.prot = 0;
	cr_assert_eq(loadbias_compute(&exec_seg, 1, &none, 1, 4096, &bias), -ENOENT);
	symbols_done();
}

static void child_reap(pid_t pid)
{
	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
	cr_assert_eq(kill(pid, 0), -1);
}

Test(symbols, exited_process)
{
	struct gp_procmaps *cpm;
	pid_t pid;
	int err;

	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		for (;;)
			pause();
	}
	err = procmaps_snapshot(pid, &cpm);
	child_reap(pid);
	cr_assert_eq(err, 0);
	/* fork keeps the layout: the parent's addresses are the child's. */
	data_expect(cpm, (char *)counter_lock_like + 8, GP_NAME_SYMBOL, "counter_lock_like+0x8");
	data_expect(cpm, big_bss + 0x80000, GP_NAME_SYMBOL, "big_bss+0x80000");
	procmaps_free(cpm);
	symbols_done();
}

static void file_copy(const char *from, int to)
{
	char buf[65536];
	ssize_t n;
	int fd = open(from, O_RDONLY);

	cr_assert_geq(fd, 0, "%s", from);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		cr_assert_eq(write(to, buf, (size_t)n), n);
	cr_assert_eq(n, 0);
	close(fd);
}

/* libm is a small library exporting both a data object and a plain (not IFUNC) function. */
static void libm_copy(char *path)
{
	struct link_map *lm;
	void *h = dlopen("libm.so.6", RTLD_NOW);
	int fd;

	cr_assert_not_null(h);
	cr_assert_eq(dlinfo(h, RTLD_DI_LINKMAP, &lm), 0);
	fd = mkstemps(path, 3);
	cr_assert_geq(fd, 0);
	file_copy(lm->l_name, fd);
	close(fd);
	dlclose(h);
}

/* The child loads its own copy of libm, which is deleted once the child is gone. */
static void child_run(const char *lib, int wfd)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	uint64_t addrs[2] = {0, 0};

	if (h) {
		addrs[0] = ADDR(dlsym(h, "signgam"));
		addrs[1] = ADDR(dlsym(h, "frexp"));
	}
	if (write(wfd, addrs, sizeof(addrs)) != sizeof(addrs))
		_exit(1);
	for (;;)
		pause();
}

Test(symbols, deleted_library_of_exited_process)
{
	char lib[] = "/tmp/gp-libm-XXXXXX.so", buf[NAME_LEN], obj[NAME_LEN];
	struct gp_procmaps *cpm;
	uint64_t addrs[2] = {0, 0};
	ssize_t n;
	int p[2], err;
	pid_t pid;

	libm_copy(lib);
	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid)
		child_run(lib, p[1]);
	n = read(p[0], addrs, sizeof(addrs));
	err = procmaps_snapshot(pid, &cpm);
	child_reap(pid);
	unlink(lib);
	close(p[0]);
	close(p[1]);
	cr_assert_eq(n, sizeof(addrs));
	cr_assert(addrs[0] && addrs[1], "the child could not load %s", lib);
	cr_assert_eq(err, 0);
	cr_assert_str_eq(procmaps_find(cpm, addrs[0])->path, lib);

	/* Neither the process nor the file exists now: only the snapshot's fd reaches the ELF. */
	data_expect(cpm, (void *)(uintptr_t)addrs[0], GP_NAME_SYMBOL, "signgam");
	cr_assert_eq(
		symbolizer_name_code(sym, cpm, addrs[1] + 4, buf, sizeof(buf), obj, sizeof(obj)),
		GP_NAME_SYMBOL);
	cr_assert_str_eq(buf, "frexp+0x4");
	cr_assert_str_eq(obj, basename(lib));
	procmaps_free(cpm);
	symbols_done();
}

static const char kallsyms_text[] = "ffffffff81000000 T _stext\n"
				    "ffffffff81000000 T srso_alias_untrain_ret\n"
				    "ffffffff81000000 t __local_alias\n"
				    "ffffffff81000100 t helper\n"
				    "ffffffff81000180 T schedule\n"
				    "ffffffff81000400 D some_data\n"
				    "0000000000000000 A fixed_percpu_data\n"
				    "ffffffffc0001100 t nft_last\t[nf_tables]\n"
				    "ffffffffc0001000 t nft_do_chain\t[nf_tables]\n";

static void ksym_expect(const struct gp_ksyms *ks, uint64_t addr, int rc, const char *name)
{
	char buf[NAME_LEN];

	cr_assert_eq(ksyms_name(ks, addr, buf, sizeof(buf)), rc, "%s", buf);
	cr_assert_str_eq(buf, name);
}

Test(ksyms, parse_and_lookup)
{
	struct gp_ksyms *ks;

	cr_assert_eq(ksyms_parse(kallsyms_text, &ks), 0);
	cr_assert_eq(ks->n, 6);
	ksym_expect(ks, 0xffffffff81000000, 0, "srso_alias_untrain_ret");
	ksym_expect(ks, 0xffffffff810000ff, 0, "srso_alias_untrain_ret+0xff");
	ksym_expect(ks, 0xffffffff81000100, 0, "helper");
	ksym_expect(ks, 0xffffffff81000192, 0, "schedule+0x12");
	ksym_expect(ks, 0xffffffff810003ff, 0, "schedule+0x27f");
	ksym_expect(ks, 0xffffffff81000400, 0, "some_data");
	/* The last symbol of the core kernel and of a module has no known end. */
	ksym_expect(ks, 0xffffffff81000404, 1, "0xffffffff81000404");
	ksym_expect(ks, 0xffffffffc0001010, 0, "nft_do_chain+0x10 [nf_tables]");
	ksym_expect(ks, 0xffffffffc0001100, 0, "nft_last [nf_tables]");
	ksym_expect(ks, 0xffffffffc0001101, 1, "0xffffffffc0001101");
	ksym_expect(ks, 0x1000, 1, "0x1000");
	cr_assert_str_eq(ksyms_find(ks, 0xffffffffc0001000)->module, "nf_tables");
	cr_assert_null(ksyms_find(ks, 0xffffffff81000180)->module);
	cr_assert_eq(ksyms_find(ks, 0xffffffff81000180)->size, 0x280);
	ksyms_free(ks);
	leaks_check();
}

Test(ksyms, parse_malformed)
{
	static const char *const bad[] = {
		"zz T name\n",
		"ffffffff81000000 T\n",
		"ffffffff81000000 TT name\n",
		"ffffffff81000000  name\n",
		"fffffffff81000000 T name\n",
		"ffffffff81000000 t name\tnf_tables\n",
		"ffffffff81000000 t name\t[]\n",
		"ffffffff81000000 T ok\nffffffff81000000\n",
	};
	struct gp_ksyms *ks = (void *)1;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(ksyms_parse(bad[i], &ks), -EINVAL, "accepted: %s", bad[i]);
		cr_assert_null(ks);
	}
	cr_assert_eq(ksyms_parse("", &ks), 0);
	cr_assert_eq(ks->n, 0);
	ksym_expect(ks, 0xffffffff81000000, 1, "0xffffffff81000000");
	ksyms_free(ks);
	leaks_check();
}

Test(ksyms, real_kallsyms)
{
	const struct gp_ksym *k = NULL;
	struct gp_ksyms *ks;
	int err;

	err = ksyms_load(NULL, &ks);
	if (err == -EACCES)
		cr_skip_test("kernel addresses are hidden (kptr_restrict, no CAP_SYSLOG)");
	cr_assert_eq(err, 0);
	cr_assert_gt(ks->n, 1000);
	for (size_t i = 0; i < ks->n && !k; i++)
		if (!strcmp(ks->syms[i].name, "schedule"))
			k = &ks->syms[i];
	cr_assert_not_null(k);
	cr_assert_eq(ksyms_find(ks, k->addr), k);
	cr_assert_gt(k->size, 1);
	ksym_expect(ks, k->addr + 1, 0, "schedule+0x1");
	for (size_t i = 1; i < ks->n; i++)
		cr_assert_lt(ks->syms[i - 1].addr, ks->syms[i].addr);
	ksyms_free(ks);
	leaks_check();
}
