// SPDX-License-Identifier: GPL-2.0
/*
 * The profile views of a report, from a synthetic trace: a model fed events, a stack table and
 * the name facts a session would have looked up. Each view is read back as the folded text its
 * profile writes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/report.h"
#include "analyze/views.h"
#include "export/folded.h"
#include "feed.h"

#define TGID P

/* Kernel addresses, and their names as facts: the probe's own frames first. */
#define K_BPF 0xffffffffa0001000ull
#define K_ITER 0xffffffff81100040ull
#define K_SCHED 0xffffffff81200627ull
#define K_SCHEDULE 0xffffffff81200822ull
/* User code: main at 0x1000, work at 0x2000 with two call sites. */
#define U_MAIN 0x401050ull
#define U_WORK_A 0x402074ull
#define U_WORK_B 0x4020d1ull

static struct gp_stacks *stacks;
static struct gp_nametab *names;
static struct gp_trace trace;
static struct gp_report rep;

static void fact(uint32_t kind, uint32_t tgid, uint64_t addr, int rc, const char *name)
{
	cr_assert_eq(
		nametab_put(names, kind, tgid, addr, rc, name, kind == GP_NK_CODE ? "prog" : NULL),
		0);
}

/* A func fact: the function, its source and line, the start of its mapping. */
static void ffact(uint32_t tgid, uint64_t pc, const char *fn, const char *file, int line,
		  uint64_t map)
{
	const uint64_t num[2] = {map, 0};

	cr_assert_eq(nametab_put_num(names, GP_NK_FUNC, tgid, pc, line, fn, file, num), 0);
}

/* A kernel fact for the address and for the address one byte back, as a report asks both. */
static void kfact(uint64_t addr, const char *fn, unsigned off)
{
	char name[128];

	snprintf(name, sizeof(name), "%s+0x%x", fn, off);
	fact(GP_NK_KERNEL, 0, addr, 0, name);
	ffact(0, addr, fn, "", 0, 0);
	snprintf(name, sizeof(name), "%s+0x%x", fn, off - 1);
	fact(GP_NK_KERNEL, 0, addr - 1, 0, name);
	ffact(0, addr - 1, fn, "", 0, 0);
}

static void views_setup(void)
{
	setup();
	stacks = stacks_new();
	names = nametab_new();
	cr_assert(stacks && names);
	kfact(K_BPF, "bpf_prog_6deef7357e7b4530_on_switch", 0x40);
	kfact(K_ITER, "__traceiter_sched_switch", 0x40);
	kfact(K_SCHED, "__schedule", 0x627);
	kfact(K_SCHEDULE, "schedule", 0x22);
	fact(GP_NK_CODE, TGID, U_MAIN - 1, 0, "main+0x4f");
	fact(GP_NK_CODE, TGID, U_WORK_A, 0, "work+0x74");
	fact(GP_NK_CODE, TGID, U_WORK_B, 0, "work+0xd1");
	ffact(TGID, U_MAIN - 1, "main", "/src/prog.c", 12, 0x401000);
	ffact(TGID, U_WORK_A, "work", "/src/prog.c", 38, 0x401000);
	ffact(TGID, U_WORK_B, "work", "/src/prog.c", 44, 0x401000);
	cr_assert_eq(nametab_put_num(names, GP_NK_MAPPING, TGID, 0x401000, 0, "/usr/bin/prog",
				     "4f0c1d", (const uint64_t[2]){0x403000, 0x1000}),
		     0);
}

static void views_teardown(void)
{
	report_free(&rep);
	free(trace.argv);
	stacks_free(stacks);
	nametab_free(names);
	teardown();
}

TestSuite(views, .init = views_setup, .fini = views_teardown);

static uint32_t stack(const uint64_t *user, uint32_t nuser, const uint64_t *kernel,
		      uint32_t nkernel)
{
	uint32_t id;

	cr_assert_eq(stacks_intern(stacks, TGID, user, nuser, kernel, nkernel, &id), 0);
	return id;
}

static void stackref(uint64_t ts, uint32_t tid, enum gp_stack_kind kind, uint32_t id)
{
	union gp_event e = {0};

	e.sref.kind = kind;
	e.sref.stack_id = id;
	feed(&e, GP_EV_STACKREF, ts, 0, tid, P);
}

static struct gp_report_opts opts = {.top_locks = 20, .top_pairs = 10};

/* The report of what was fed, ending at end_ms, with opts. */
static void report_at(uint64_t end_ms)
{
	struct gp_report_opts o = opts;

	model_finish(m, end_ms * MS);
	trace = (struct gp_trace){
		.model = m,
		.stacks = stacks,
		.names = names,
		.end_ts = end_ms * MS,
		.freq = 100,
		.argv = calloc(2, sizeof(char *)),
	};
	cr_assert_not_null(trace.argv);
	trace.argv[0] = "prog";
	cr_assert_eq(report_init(&rep, &trace, &o), 0);
}

/* The folded text of view v. */
static char *folded_of(enum gp_view v)
{
	struct gp_profile *p = NULL;
	struct prof_err pe = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(f);
	cr_assert_eq(view_build(&rep, v, rep.sample_period_ns, &p, &pe), 0, "%s", pe.msg);
	cr_assert_eq(folded_write_fp(p, f, &pe), 0, "%s", pe.msg);
	fclose(f);
	profile_free(p);
	return text;
}

/* t1 runs 0-10, sleeps 10-30 in the stack of one of its switches, runs 30-40, sleeps 40-60 in
 * the other's, runs 60-70: the same path, unwound once through the tracepoint's iterator. */
Test(views, the_tracepoint_iterator_is_trimmed_from_every_stack)
{
	const uint64_t user[] = {U_WORK_A, U_MAIN};
	const uint64_t with_iter[] = {K_BPF, K_ITER, K_SCHED, K_SCHEDULE};
	const uint64_t without[] = {K_BPF, K_SCHED, K_SCHEDULE};
	uint32_t a = stack(user, 2, with_iter, 4), b = stack(user, 2, without, 3);
	char *text;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(10 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0);
	stackref(10 * MS, 1, GP_STK_OFFCPU, a);
	wake(30 * MS, 0, 1);
	sw(30 * MS, 0, 0, 0, false, 1, 1, 0);
	sw(40 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 2, 0);
	stackref(40 * MS, 1, GP_STK_OFFCPU, b);
	wake(60 * MS, 0, 1);
	sw(60 * MS, 0, 0, 0, false, 1, 2, 0);
	report_at(70);
	text = folded_of(GP_VIEW_OFF);
	cr_assert_str_eq(text, "t1;main;work;schedule_[k];__schedule_[k] 40000000\n");
	free(text);
}

/*
 * t1 runs 0-3 (samples at 1, 2 in work+0x74, at 2.5 in work+0xd1), is preempted 3-5, runs 5-8,
 * sleeps 8-12, waits for a CPU 12-16, runs 16-20. t2 appears at 3, runs 3-5, sleeps 5-9 and
 * waits 9-10 with no stack taken, runs 10-16 unsampled, is preempted 16-20 with no stack taken.
 * The wall view holds both lifetimes, 20 + 17 ms.
 */
static void two_threads(void)
{
	const uint64_t s1[] = {U_WORK_A, U_MAIN}, s2[] = {U_WORK_B, U_MAIN};
	const uint64_t preempted[] = {K_BPF, K_SCHED}, slept[] = {K_BPF, K_SCHED, K_SCHEDULE};
	const uint64_t none[1] = {0};
	uint32_t a = stack(s1, 2, none, 0), b = stack(s2, 2, none, 0);
	uint32_t p = stack(s1, 2, preempted, 2), z = stack(s1, 2, slept, 3);

	sw(0, 0, 0, 0, false, 1, 0, 0);
	stackref(1 * MS, 1, GP_STK_SAMPLE, a);
	stackref(2 * MS, 1, GP_STK_SAMPLE, a);
	stackref(2 * MS + MS / 2, 1, GP_STK_SAMPLE, b);
	sw(3 * MS, 0, 1, GP_TASK_RUNNING, true, 2, 0, 1);
	stackref(3 * MS, 1, GP_STK_OFFCPU, p);
	sw(5 * MS, 0, 2, GP_TASK_INTERRUPTIBLE, false, 1, 1, 0);
	sw(8 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 1, 1);
	stackref(8 * MS, 1, GP_STK_OFFCPU, z);
	wake(9 * MS, 0, 2);
	sw(10 * MS, 0, 0, 0, false, 2, 0, 0);
	wake(12 * MS, 0, 1);
	sw(16 * MS, 0, 2, GP_TASK_RUNNING, true, 1, 1, 1);
	report_at(20);
}

static uint64_t lifetimes(void)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < m->nthreads; i++)
		sum += thread_lifetime(m->threads[i]);
	return sum;
}

Test(views, the_wall_view_holds_every_state_of_every_thread)
{
	struct gp_profile *p = NULL;
	struct prof_err pe = {0};
	char *text;

	two_threads();
	cr_assert_eq(lifetimes(), 37 * MS);
	cr_assert_eq(view_build(&rep, GP_VIEW_WALL, rep.sample_period_ns, &p, &pe), 0, "%s",
		     pe.msg);
	cr_assert_eq(profile_total(p), 37 * MS);
	cr_assert_eq(profile_kind_total(p, GP_SK_CPU), 18 * MS, "running, shared over samples");
	cr_assert_eq(profile_kind_total(p, GP_SK_RUNQ_WAIT), 11 * MS);
	cr_assert_eq(profile_kind_total(p, GP_SK_SLEEP), 8 * MS);
	profile_free(p);
	text = folded_of(GP_VIEW_WALL);
	cr_assert_str_eq(text, "t1;main;work;__schedule_[k] 2000000\n"
			       "t1;main;work;schedule_[k];__schedule_[k] 8000000\n"
			       "t2;[sleep, no stack] 4000000\n"
			       "t2;[run queue, no stack] 5000000\n"
			       "t2;[on CPU, not sampled] 8000000\n"
			       "t1;main;work 10000000\n");
	free(text);
}

/* The off view: blocked time and the run-queue wait after it at one stack, the kinds kept. */
Test(views, the_off_view_keeps_the_run_queue_wait_apart_in_one_stack)
{
	struct gp_profile *p = NULL;
	struct prof_err pe = {0};
	struct gp_stack s;

	two_threads();
	cr_assert_eq(view_build(&rep, GP_VIEW_OFF, rep.sample_period_ns, &p, &pe), 0, "%s", pe.msg);
	cr_assert_eq(profile_nstacks(p), 2);
	profile_stack(p, 0, &s);
	cr_assert_eq(s.kind, GP_SK_SLEEP);
	cr_assert_eq(s.weight, 4 * MS);
	cr_assert_eq(s.tags.tid, 1);
	cr_assert_eq(s.tags.pid, P);
	cr_assert_str_eq(s.tags.thread, "t1");
	profile_stack(p, 1, &s);
	cr_assert_eq(s.kind, GP_SK_RUNQ_WAIT);
	cr_assert_eq(s.weight, 4 * MS);
	profile_free(p);
}

/* --addresses keeps the offsets the function view aggregates; --lines adds the source line. */
Test(views, addresses_keep_offsets_and_lines_name_the_line)
{
	char *text;

	opts.addresses = true;
	opts.lines = true;
	fact(GP_NK_LINE, TGID, U_MAIN - 1, 0, "prog.c:12");
	fact(GP_NK_LINE, TGID, U_WORK_A, 0, "prog.c:38");
	fact(GP_NK_LINE, TGID, U_WORK_B, 0, "prog.c:44");
	two_threads();
	text = folded_of(GP_VIEW_ON);
	cr_assert_str_eq(text, "t1;main+0x4f (prog.c:12);work+0x74 (prog.c:38) 2\n"
			       "t1;main+0x4f (prog.c:12);work+0xd1 (prog.c:44) 1\n");
	free(text);
	report_free(&rep);
	free(trace.argv);
	opts.addresses = false;
	report_at(20);
	text = folded_of(GP_VIEW_ON);
	cr_assert_str_eq(text, "t1;main (prog.c:12);work (prog.c:38) 2\n"
			       "t1;main (prog.c:12);work (prog.c:44) 1\n");
	free(text);
}

/* The pprof view: frames at their addresses, with function, line and mapping; a wait tagged
 * with its lock object. */
Test(views, the_pprof_view_locates_every_code_frame)
{
	const uint64_t user[] = {U_WORK_A, U_MAIN}, kernel[] = {K_BPF, K_SCHED, K_SCHEDULE};
	uint32_t a = stack(user, 2, kernel, 3);
	const struct gp_ploc *l;
	struct gp_profile *p = NULL;
	struct prof_err pe = {0};
	struct gp_pmapping pm;
	struct gp_pframe f;
	struct gp_stack s;
	union gp_event e = {0};

	fact(GP_NK_LOCK, TGID, 0x5000, 0, "table_lock");
	sw(0, 0, 0, 0, false, 1, 0, 0);
	futex_in(1 * MS, 1, 0x5000, false);
	sw(1 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 1, 0);
	e.sref = (struct gp_ev_stackref){.kind = GP_STK_FUTEX_WAIT, .uaddr = 0x5000, .stack_id = a};
	feed(&e, GP_EV_STACKREF, 1 * MS, 0, 1, P);
	wake(4 * MS, 0, 1);
	sw(4 * MS, 0, 0, 0, false, 1, 1, 0);
	futex_out(4 * MS, 1, 0);
	report_at(10);
	cr_assert_eq(view_build(&rep, GP_VIEW_PPROF, rep.sample_period_ns, &p, &pe), 0, "%s",
		     pe.msg);
	cr_assert_eq(profile_nstacks(p), 1);
	profile_stack(p, 0, &s);
	cr_assert_eq(s.kind, GP_SK_LOCK_WAIT);
	cr_assert_eq(s.weight, 3 * MS);
	cr_assert_str_eq(s.tags.lock, "table_lock");
	cr_assert_eq(s.tags.tid, 1);
	/* t1; main; work; schedule; __schedule; futex(...); table_lock */
	cr_assert_eq(s.depth, 7);
	f = profile_frame(p, s.frames[2]);
	cr_assert_str_eq(f.name, "work+0x74");
	l = profile_frame_loc(p, s.frames[2]);
	cr_assert_not_null(l);
	cr_assert_eq(l->address, U_WORK_A);
	cr_assert_str_eq(l->function, "work");
	cr_assert_str_eq(l->file, "/src/prog.c");
	cr_assert_eq(l->line, 38);
	cr_assert_eq(l->mapping, 1);
	pm = profile_mapping(p, 0);
	cr_assert_eq(pm.start, 0x401000);
	cr_assert_eq(pm.limit, 0x403000);
	cr_assert_eq(pm.offset, 0x1000);
	cr_assert_str_eq(pm.file, "/usr/bin/prog");
	cr_assert_str_eq(pm.build_id, "4f0c1d");
	l = profile_frame_loc(p, s.frames[1]);
	cr_assert_eq(l->address, U_MAIN - 1, "a return address less one");
	l = profile_frame_loc(p, s.frames[4]);
	cr_assert_not_null(l);
	cr_assert_eq(l->address, K_SCHED - 1);
	cr_assert_str_eq(l->function, "__schedule");
	cr_assert_eq(l->mapping, 0);
	cr_assert_null(profile_frame_loc(p, s.frames[0]), "the thread is no code");
	cr_assert_null(profile_frame_loc(p, s.frames[6]), "nor is the lock");
	profile_free(p);
}
