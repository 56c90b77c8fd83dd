// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <sanitizer/lsan_interface.h>
#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#include "symbolize/procmaps.h"
#include "symbolize/symbols.h"
#include "symbolize/unwind.h"

#define ADDR(p) ((uint64_t)(uintptr_t)(p))
#define NAME_LEN 256
#define SLICE_MAX 8192
#define MAX_FRAMES 64

/*
 * Functions that must keep their own frame and call, without a frame pointer, like Debian's
 * glibc: the walk through them can only come from CFI. The empty asm after each call keeps the
 * call from becoming a tail jump that would leave no frame.
 */
#define NOFP __attribute__((noinline, noclone, optimize("omit-frame-pointer")))
#define CALL_KEEP() __asm__ volatile("" ::: "memory")

/* What the BPF side would copy, captured in-process. */
static unsigned char cap_buf[SLICE_MAX];
static struct gp_uregs cap_regs;
static size_t cap_len;
static uint64_t cap_top; /* end of the stack's mapping: the copy must not read past it */
static int cap_calls;

/*
 * Registers of the current frame, then up to 8 KB of stack from rsp. A macro, so that the
 * registers are those of the function that uses it. rep movsb is not instrumented: the slice
 * crosses the redzones ASan put around callers' locals.
 */
#define STACK_CAPTURE()                                                                       \
	do {                                                                                  \
		uint64_t ip_, sp_, bp_;                                                       \
		size_t n_;                                                                    \
		void *dst_ = cap_buf;                                                         \
		__asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2"         \
				 : "=r"(ip_), "=r"(sp_), "=r"(bp_));                          \
		n_ = cap_top - sp_ < SLICE_MAX ? cap_top - sp_ : SLICE_MAX;                   \
		cap_regs = (struct gp_uregs){ip_, sp_, bp_};                                  \
		cap_len = n_;                                                                 \
		__asm__ volatile("rep movsb" : "+D"(dst_), "+S"(sp_), "+c"(n_) : : "memory"); \
	} while (0)

static int vals[] = {9, 4, 7, 1, 8, 2, 6, 3};

static NOFP int cmp_capture(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	/* The last call wins: ASan's qsort interceptor makes the first calls itself, glibc the last. */
	cap_calls++;
	STACK_CAPTURE();
	return (x > y) - (x < y);
}

static NOFP int level3(int *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_capture);
	CALL_KEEP();
	return v[0];
}

static NOFP int level2(int *v, size_t n)
{
	int r = level3(v, n);

	CALL_KEEP();
	return r + 1;
}

static NOFP int level1(int *v, size_t n)
{
	int r = level2(v, n);

	CALL_KEEP();
	return r + 1;
}

/*
 * A frame-pointer frame without CFI: top-level assembly gets no .eh_frame entry unless it says
 * .cfi_startproc, so only the frame-pointer fallback can step through it.
 */
void fp_trampoline(void (*fn)(void));
__asm__(".pushsection .text\n"
	".p2align 4\n"
	".globl fp_trampoline\n"
	".type fp_trampoline, %function\n"
	"fp_trampoline:\n"
	"\tpush %rbp\n"
	"\tmov %rsp, %rbp\n"
	"\tcall *%rdi\n"
	"\tpop %rbp\n"
	"\tret\n"
	".size fp_trampoline, .-fp_trampoline\n"
	".popsection\n");

static NOFP void fp_callee(void)
{
	STACK_CAPTURE();
}

static NOFP int fp_level1(void)
{
	fp_trampoline(fp_callee);
	CALL_KEEP();
	return 1;
}

/*
 * A function whose only CFI is in .debug_frame (as code built with -fno-asynchronous-unwind-tables
 * -g has it), written by hand since a compiler puts a whole file's CFI in one of the two sections.
 * It keeps 8 bytes of stack and no frame pointer.
 */
void dbg_frame_fn(void (*fn)(void));
__asm__(".pushsection .text\n"
	".p2align 4\n"
	".globl dbg_frame_fn\n"
	".type dbg_frame_fn, %function\n"
	"dbg_frame_fn:\n"
	"\tsub $8, %rsp\n"
	"\tcall *%rdi\n"
	"\tadd $8, %rsp\n"
	"\tret\n"
	".Ldbg_fn_end:\n"
	".size dbg_frame_fn, .-dbg_frame_fn\n"
	".popsection\n"
	".pushsection .debug_frame, \"\", %progbits\n"
	".Ldbg_cie:\n"
	"\t.long .Ldbg_cie_end - .Ldbg_cie_id\n"
	".Ldbg_cie_id:\n"
	"\t.long 0xffffffff\n"
	"\t.byte 1\n" /* version */
	"\t.string \"\"\n" /* augmentation */
	"\t.uleb128 1\n" /* code alignment */
	"\t.sleb128 -8\n" /* data alignment */
	"\t.byte 16\n" /* return address column */
	"\t.byte 0x0c, 7, 8\n" /* DW_CFA_def_cfa: rsp + 8 */
	"\t.byte 0x90, 1\n" /* DW_CFA_offset: rip at cfa - 8 */
	"\t.p2align 3\n"
	".Ldbg_cie_end:\n"
	"\t.long .Ldbg_fde_end - .Ldbg_fde_cie\n"
	".Ldbg_fde_cie:\n"
	"\t.long .Ldbg_cie\n"
	"\t.quad dbg_frame_fn\n"
	"\t.quad .Ldbg_fn_end - dbg_frame_fn\n"
	"\t.byte 0x44\n" /* DW_CFA_advance_loc: past the sub */
	"\t.byte 0x0e, 16\n" /* DW_CFA_def_cfa_offset: 16 */
	"\t.p2align 3\n"
	".Ldbg_fde_end:\n"
	".popsection\n");

static NOFP void dbg_callee(void)
{
	STACK_CAPTURE();
}

static NOFP int dbg_level1(void)
{
	dbg_frame_fn(dbg_callee);
	CALL_KEEP();
	return 1;
}

static void leaks_check(void)
{
#ifdef __SANITIZE_ADDRESS__
	cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "leaks: see the LeakSanitizer report");
#endif
}

static struct gp_procmaps *pm;
static struct gp_symbolizer *sym;
static struct gp_unwinder *uw;

/* Set where the copy of the stack has to stop, then snapshot the mappings the walk reads. */
static void capture_prepare(void)
{
	struct gp_procmaps *p;
	const struct gp_mapping *m;

	cr_assert_eq(procmaps_snapshot(getpid(), &p), 0);
	m = procmaps_find(p, ADDR(__builtin_frame_address(0)));
	cr_assert_not_null(m);
	cap_top = m->end;
	procmaps_free(p);
	cap_calls = 0;
	cap_len = 0;
}

static void snapshot_take(void)
{
	cr_assert_eq(procmaps_snapshot(getpid(), &pm), 0);
}

static void setup(void)
{
	sym = symbolizer_new();
	cr_assert_not_null(sym);
	uw = unwinder_new(sym);
	cr_assert_not_null(uw);
}

static void teardown(void)
{
	unwinder_free(uw);
	symbolizer_free(sym);
	procmaps_free(pm);
	uw = NULL;
	sym = NULL;
	pm = NULL;
}

static void unwind_done(void)
{
	teardown();
	leaks_check();
}

TestSuite(unwind, .init = setup, .fini = teardown);

/* A frame's function name, without "+0x..", and its object's basename. */
static void frame_name(const uint64_t *frames, int i, char *fn, char *obj)
{
	char *plus;
	int rc;

	rc = symbolizer_name_code(sym, pm, frames[i] - (i ? 1 : 0), fn, NAME_LEN, obj, NAME_LEN);
	cr_assert_geq(rc, 0);
	plus = strstr(fn, "+0x");
	if (plus && rc == GP_NAME_SYMBOL)
		*plus = '\0';
}

static void chain_print(const char *what, const uint64_t *frames, int n, enum gp_unwind_stop why)
{
	char fn[NAME_LEN], obj[NAME_LEN];

	fprintf(stderr, "%s: %d frames, %s\n", what, n, unwind_stop_name(why));
	for (int i = 0; i < n; i++) {
		frame_name(frames, i, fn, obj);
		fprintf(stderr, "  #%-2d 0x%016llx %s (%s)\n", i, (unsigned long long)frames[i], fn,
			obj);
	}
}

/* Index of the first frame at or after from named fn, -1 if none. */
static int frame_index(const uint64_t *frames, int n, int from, const char *fn)
{
	char name[NAME_LEN], obj[NAME_LEN];

	for (int i = from; i < n; i++) {
		frame_name(frames, i, name, obj);
		if (!strcmp(name, fn))
			return i;
	}
	return -1;
}

static bool frame_in(const uint64_t *frames, int i, const char *objname)
{
	char name[NAME_LEN], obj[NAME_LEN];

	frame_name(frames, i, name, obj);
	return !strcmp(obj, objname);
}

static int unwind_captured(size_t len, uint64_t *frames, size_t max, enum gp_unwind_stop *why)
{
	return unwind_stack(uw, pm, &cap_regs, cap_buf, len, frames, max, why);
}

static void qsort_capture(void)
{
	capture_prepare();
	level1(vals, sizeof(vals) / sizeof(vals[0]));
	CALL_KEEP();
	cr_assert_gt(cap_calls, 0);
	cr_assert_gt(cap_len, 0);
	snapshot_take();
}

Test(unwind, through_glibc_qsort, .fini = unwind_done)
{
	uint64_t frames[MAX_FRAMES];
	enum gp_unwind_stop why;
	int n, i3, i;

	qsort_capture();
	n = unwind_captured(cap_len, frames, MAX_FRAMES, &why);
	chain_print("qsort", frames, n, why);
	cr_assert_geq(n, 1);
	cr_assert_eq(frames[0], cap_regs.ip);
	cr_assert_eq(frame_index(frames, n, 0, "cmp_capture"), 0);
	/* Our callers follow one another, the test's function last, with libc's in between. */
	i3 = frame_index(frames, n, 1, "level3");
	cr_assert_gt(i3, 1, "level3 not found past cmp_capture");
	cr_assert_eq(frame_index(frames, n, i3, "level2"), i3 + 1);
	cr_assert_eq(frame_index(frames, n, i3, "level1"), i3 + 2);
	cr_assert_eq(frame_index(frames, n, i3, "qsort_capture"), i3 + 3);
	cr_assert_eq(frame_index(frames, n, i3, "unwind_through_glibc_qsort_impl"), i3 + 4);
	for (i = 1; i < i3 && !frame_in(frames, i, "libc.so.6"); i++)
		;
	cr_assert_lt(i, i3, "no libc frame between the comparator and level3");
	cr_assert(why == GP_UNWIND_OUT_OF_STACK || why == GP_UNWIND_END, "stopped: %s",
		  unwind_stop_name(why));
}

/* Cut anywhere, the slice gives a prefix of the whole walk and says it ran out of stack. */
Test(unwind, truncated_slice, .fini = unwind_done)
{
	uint64_t full[MAX_FRAMES], part[MAX_FRAMES];
	enum gp_unwind_stop why_full, why;
	int n_full, n;
	bool cut_seen = false;

	qsort_capture();
	n_full = unwind_captured(cap_len, full, MAX_FRAMES, &why_full);
	cr_assert_gt(n_full, 5);
	for (size_t len = 0; len <= cap_len; len += 4) {
		n = unwind_captured(len, part, MAX_FRAMES, &why);
		cr_assert_geq(n, 1, "len %zu: %d", len, n);
		cr_assert_leq(n, n_full, "len %zu", len);
		cr_assert_arr_eq(part, full, (size_t)n * sizeof(part[0]), "len %zu", len);
		if (n < n_full) {
			cr_assert_eq(why, GP_UNWIND_OUT_OF_STACK, "len %zu: %s", len,
				     unwind_stop_name(why));
			cut_seen = true;
		}
	}
	cr_assert(cut_seen);
	n = unwind_captured(0, part, MAX_FRAMES, &why);
	cr_assert_eq(n, 1);
	cr_assert_eq(why, GP_UNWIND_OUT_OF_STACK);
}

Test(unwind, max_depth, .fini = unwind_done)
{
	uint64_t full[MAX_FRAMES], part[MAX_FRAMES];
	enum gp_unwind_stop why_full, why;
	int n_full, n;

	qsort_capture();
	n_full = unwind_captured(cap_len, full, MAX_FRAMES, &why_full);
	cr_assert_gt(n_full, 3);
	n = unwind_captured(cap_len, part, 3, &why);
	cr_assert_eq(n, 3);
	cr_assert_eq(why, GP_UNWIND_MAX_DEPTH);
	cr_assert_arr_eq(part, full, 3 * sizeof(part[0]));
	/* Exactly enough room: the walk's own reason, not a full array. */
	n = unwind_captured(cap_len, part, (size_t)n_full, &why);
	cr_assert_eq(n, n_full);
	cr_assert_eq(why, why_full);
	n = unwind_captured(cap_len, part, 1, &why);
	cr_assert_eq(n, 1);
	cr_assert_eq(why, GP_UNWIND_MAX_DEPTH);
}

Test(unwind, unmapped_ip, .fini = unwind_done)
{
	static const long data_word = 42;
	uint64_t frames[MAX_FRAMES];
	enum gp_unwind_stop why;
	struct gp_uregs regs;

	qsort_capture();
	regs = (struct gp_uregs){0x10, cap_regs.sp, 0};
	cr_assert_eq(unwind_stack(uw, pm, &regs, cap_buf, cap_len, frames, MAX_FRAMES, &why), 1);
	cr_assert_eq(frames[0], 0x10);
	cr_assert_eq(why, GP_UNWIND_NO_MAP);
	/* Mapped but not code. */
	regs.ip = ADDR(&data_word);
	cr_assert_eq(unwind_stack(uw, pm, &regs, cap_buf, cap_len, frames, MAX_FRAMES, &why), 1);
	cr_assert_eq(why, GP_UNWIND_NO_MAP);
}

/* The slot of the comparator's return address, found by its value: the lowest one in the slice. */
static size_t ra_slot(uint64_t ra)
{
	uint64_t v;

	for (size_t off = 0; off + 8 <= cap_len; off += 8) {
		memcpy(&v, cap_buf + off, 8);
		if (v == ra)
			return off;
	}
	cr_assert_fail("return address 0x%llx not in the slice", (unsigned long long)ra);
	return 0;
}

Test(unwind, corrupt_return_address, .fini = unwind_done)
{
	uint64_t frames[MAX_FRAMES], bad = 0x10;
	enum gp_unwind_stop why;
	size_t off;
	int n;

	qsort_capture();
	n = unwind_captured(cap_len, frames, MAX_FRAMES, &why);
	cr_assert_gt(n, 2);
	off = ra_slot(frames[1]);
	memset(cap_buf + off, 0, 8);
	cr_assert_eq(unwind_captured(cap_len, frames, MAX_FRAMES, &why), 1);
	cr_assert_eq(why, GP_UNWIND_END);
	memcpy(cap_buf + off, &bad, 8);
	cr_assert_eq(unwind_captured(cap_len, frames, MAX_FRAMES, &why), 2);
	cr_assert_eq(frames[1], bad);
	cr_assert_eq(why, GP_UNWIND_NO_MAP);
}

Test(unwind, frame_pointer_fallback, .fini = unwind_done)
{
	uint64_t frames[MAX_FRAMES];
	enum gp_unwind_stop why;
	int n, it;

	capture_prepare();
	fp_level1();
	CALL_KEEP();
	cr_assert_gt(cap_len, 0);
	snapshot_take();
	n = unwind_captured(cap_len, frames, MAX_FRAMES, &why);
	chain_print("fp", frames, n, why);
	cr_assert_eq(frame_index(frames, n, 0, "fp_callee"), 0);
	it = frame_index(frames, n, 1, "fp_trampoline");
	cr_assert_eq(it, 1);
	cr_assert_eq(frame_index(frames, n, it, "fp_level1"), it + 1);
	cr_assert_eq(frame_index(frames, n, it, "unwind_frame_pointer_fallback_impl"), it + 2);
	/* Without a frame pointer, the trampoline is where the walk must stop. */
	cap_regs.bp = 0x10;
	n = unwind_captured(cap_len, frames, MAX_FRAMES, &why);
	cr_assert_eq(n, 2);
	cr_assert_eq(why, GP_UNWIND_NO_CFI);
}

/*
 * .eh_frame does not cover dbg_frame_fn: only .debug_frame does. A frame-pointer step there would
 * use the test function's rbp and skip dbg_level1 and the test function.
 */
Test(unwind, debug_frame, .fini = unwind_done)
{
	uint64_t frames[MAX_FRAMES];
	enum gp_unwind_stop why;
	int n;

	capture_prepare();
	dbg_level1();
	CALL_KEEP();
	cr_assert_gt(cap_len, 0);
	snapshot_take();
	n = unwind_captured(cap_len, frames, MAX_FRAMES, &why);
	chain_print("debug_frame", frames, n, why);
	cr_assert_eq(frame_index(frames, n, 0, "dbg_callee"), 0);
	cr_assert_eq(frame_index(frames, n, 1, "dbg_frame_fn"), 1);
	cr_assert_eq(frame_index(frames, n, 2, "dbg_level1"), 2);
	cr_assert_eq(frame_index(frames, n, 3, "unwind_debug_frame_impl"), 3);
}

static void *thread_capture(void *arg)
{
	(void)arg;
	capture_prepare();
	level1(vals, sizeof(vals) / sizeof(vals[0]));
	CALL_KEEP();
	return NULL;
}

/* A thread's stack is short: the walk reaches clone3, whose CFI ends the chain. */
Test(unwind, thread_to_the_end, .fini = unwind_done)
{
	uint64_t frames[MAX_FRAMES];
	enum gp_unwind_stop why;
	pthread_t t;
	int n;

	cr_assert_eq(pthread_create(&t, NULL, thread_capture, NULL), 0);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_assert_gt(cap_len, 0);
	snapshot_take();
	n = unwind_captured(cap_len, frames, MAX_FRAMES, &why);
	chain_print("thread", frames, n, why);
	cr_assert_eq(why, GP_UNWIND_END, "stopped: %s", unwind_stop_name(why));
	cr_assert_geq(frame_index(frames, n, 0, "thread_capture"), 0);
	cr_assert(frame_in(frames, n - 1, "libc.so.6"));
}

static NOFP void sig_capture(int sig)
{
	(void)sig;
	STACK_CAPTURE();
}

static NOFP int sig_level1(void)
{
	raise(SIGUSR1);
	CALL_KEEP();
	return 1;
}

/*
 * Through a signal frame: glibc's __restore_rt has CFI that reads the interrupted registers from
 * the kernel's signal frame, and the interrupted pc is exact, not a return address.
 */
Test(unwind, signal_frame, .fini = unwind_done)
{
	struct sigaction sa = {.sa_handler = sig_capture}, old;
	uint64_t frames[MAX_FRAMES];
	enum gp_unwind_stop why;
	int n, i;

	cr_assert_eq(sigaction(SIGUSR1, &sa, &old), 0);
	capture_prepare();
	sig_level1();
	CALL_KEEP();
	cr_assert_eq(sigaction(SIGUSR1, &old, NULL), 0);
	cr_assert_gt(cap_len, 0);
	snapshot_take();
	n = unwind_captured(cap_len, frames, MAX_FRAMES, &why);
	chain_print("signal", frames, n, why);
	cr_assert_eq(frame_index(frames, n, 0, "sig_capture"), 0);
	i = frame_index(frames, n, 1, "sig_level1");
	cr_assert_gt(i, 2, "sig_level1 not found past the signal frame");
	/* __restore_rt (a local symbol), then raise()'s frames where the signal interrupted them. */
	for (int k = 1; k < i; k++)
		cr_assert(frame_in(frames, k, "libc.so.6"), "frame %d", k);
	cr_assert_eq(frame_index(frames, n, i, "unwind_signal_frame_impl"), i + 1);
}

/* The address of a function of the vDSO, which has no file to read CFI from. */
static uint64_t vdso_func(const char *name)
{
	const unsigned char *base = (const void *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const void *)base;
	const Elf64_Shdr *sh;
	const Elf64_Phdr *ph;
	uint64_t vaddr0 = 0;

	cr_assert_not_null(base);
	sh = (const void *)(base + eh->e_shoff);
	ph = (const void *)(base + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && !ph[i].p_offset)
			vaddr0 = ph[i].p_vaddr;
	for (int i = 0; i < eh->e_shnum; i++) {
		const Elf64_Sym *syms = (const void *)(base + sh[i].sh_offset);
		const char *str = (const char *)base + sh[sh[i].sh_link].sh_offset;

		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		for (size_t k = 0; k < sh[i].sh_size / sizeof(*syms); k++)
			if (!strcmp(str + syms[k].st_name, name) && syms[k].st_value)
				return ADDR(base) + syms[k].st_value - vaddr0;
	}
	cr_assert_fail("%s not in the vDSO", name);
	return 0;
}

/* At the vDSO's entry the return address is at [rsp]: only its CFI says so, bp is no help. */
Test(unwind, vdso, .fini = unwind_done)
{
	uint64_t slice[2] = {ADDR(level2) + 8, 0}, frames[MAX_FRAMES];
	struct gp_uregs regs = {vdso_func("__vdso_clock_gettime"), ADDR(slice), 0};
	enum gp_unwind_stop why;
	char fn[NAME_LEN], obj[NAME_LEN];

	snapshot_take();
	frame_name(&regs.ip, 0, fn, obj);
	cr_assert_str_eq(obj, "[vdso]");
	cr_assert_eq(unwind_stack(uw, pm, &regs, slice, sizeof(slice), frames, MAX_FRAMES, &why),
		     2);
	cr_assert_eq(frames[1], slice[0]);
	cr_assert_eq(why, GP_UNWIND_OUT_OF_STACK);
}

Test(unwind, bad_arguments, .fini = unwind_done)
{
	struct gp_uregs regs = {0x10, 0x1000, 0};
	uint64_t frames[4];
	struct gp_unwinder *own;

	snapshot_take();
	cr_assert_eq(unwind_stack(NULL, pm, &regs, NULL, 0, frames, 4, NULL), -EINVAL);
	cr_assert_eq(unwind_stack(uw, NULL, &regs, NULL, 0, frames, 4, NULL), -EINVAL);
	cr_assert_eq(unwind_stack(uw, pm, NULL, NULL, 0, frames, 4, NULL), -EINVAL);
	cr_assert_eq(unwind_stack(uw, pm, &regs, NULL, 8, frames, 4, NULL), -EINVAL);
	cr_assert_eq(unwind_stack(uw, pm, &regs, NULL, 0, NULL, 4, NULL), -EINVAL);
	cr_assert_eq(unwind_stack(uw, pm, &regs, NULL, 0, frames, 0, NULL), -EINVAL);
	/* No stack at all and a NULL why are fine. */
	cr_assert_eq(unwind_stack(uw, pm, &regs, NULL, 0, frames, 4, NULL), 1);
	/* A slice that would run past the top of the address space. */
	regs.sp = UINT64_MAX - 7;
	cr_assert_eq(unwind_stack(uw, pm, &regs, frames, sizeof(frames), frames, 4, NULL), 1);
	own = unwinder_new(NULL);
	cr_assert_not_null(own);
	unwinder_free(own);
	unwinder_free(NULL);
	cr_assert_str_eq(unwind_stop_name(GP_UNWIND_BAD_CFA), "bad-cfa");
	cr_assert_str_eq(unwind_stop_name((enum gp_unwind_stop)99), "unknown");
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Cost per stack once the objects are cached; every walk must give the same frames. */
Test(unwind, cost, .fini = unwind_done)
{
	uint64_t first[MAX_FRAMES], frames[MAX_FRAMES];
	enum gp_unwind_stop why;
	const int rounds = 100000;
	double t0, t1;
	int n;

	qsort_capture();
	t0 = now_ns();
	n = unwind_captured(cap_len, first, MAX_FRAMES, &why);
	t1 = now_ns();
	cr_assert_gt(n, 5);
	fprintf(stderr, "unwind cost: first walk (reads CFI) %.0f us\n", (t1 - t0) / 1e3);
	t0 = now_ns();
	for (int i = 0; i < rounds; i++) {
		cr_assert_eq(unwind_captured(cap_len, frames, MAX_FRAMES, &why), n);
		cr_assert_eq(frames[n - 1], first[n - 1]);
	}
	t1 = now_ns();
	fprintf(stderr, "unwind cost: %d frames, %.0f ns per stack, %.0f ns per frame (%d walks)\n",
		n, (t1 - t0) / rounds, (t1 - t0) / rounds / n, rounds);
}
