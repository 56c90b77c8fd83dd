// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sanitizer/lsan_interface.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "symbolize/cpython.h"

#define MS 1000000ull
#define PYENV "/root/.pyenv/versions/"

/* Offsets of the GIL in .PyRuntime, as the binaries' DWARF (gdb) and Debian's code show them. */
#define GIL_OFF_311 0x168
#define GIL_OFF_312 0x12e78
#define GIL_OFF_313 0x17768
#define RUNTIME_SIZE_311 0x28b20
#define RUNTIME_SIZE_312 0x704a8
#define RUNTIME_SIZE_313 0x452b8

static void leaks_check(void)
{
#ifdef __SANITIZE_ADDRESS__
	cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "leaks: see the LeakSanitizer report");
#endif
}

Test(cpython, version_from_name)
{
	static const struct {
		const char *path;
		int err;
		unsigned major, minor;
		bool ft;
	} cases[] = {
		{"/usr/bin/python3.11", 0, 3, 11, false},
		{"/root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0", 0, 3, 12, false},
		{"/opt/py/lib/libpython3.13t.so.1.0", 0, 3, 13, true},
		{"/opt/py/bin/python3.13t", 0, 3, 13, true},
		{"/usr/bin/python3.11 (deleted)", 0, 3, 11, false},
		{"/usr/lib/libpython3.10d.so", 0, 3, 10, false},
		{"python3.9", 0, 3, 9, false},
		{"/usr/bin/python3", -ENOENT, 0, 0, false},
		{"/usr/bin/python", -ENOENT, 0, 0, false},
		{"/usr/bin/python3.", -ENOENT, 0, 0, false},
		{"/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so", -ENOENT, 0,
		 0, false},
		{"/usr/bin/python3.11x2", -ENOENT, 0, 0, false},
		{"/usr/lib/python3.11/foo", -ENOENT, 0, 0, false},
		{"/usr/lib/x86_64-linux-gnu/libc.so.6", -ENOENT, 0, 0, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned major = 0, minor = 0;
		bool ft = false;
		int err = cpython_version_from_name(cases[i].path, &major, &minor, &ft);

		cr_assert_eq(err, cases[i].err, "%s: %d", cases[i].path, err);
		if (err)
			continue;
		cr_assert_eq(major, cases[i].major, "%s", cases[i].path);
		cr_assert_eq(minor, cases[i].minor, "%s", cases[i].path);
		cr_assert_eq(ft, cases[i].ft, "%s", cases[i].path);
	}
}

static void put64(unsigned char *h, size_t off, uint64_t v)
{
	memcpy(h + off, &v, sizeof(v));
}

/* The start of 3.13.0's .PyRuntime (pyenv build): its _Py_DebugOffsets as gdb prints them. */
static void debug_head_313(unsigned char *h, size_t len)
{
	memset(h, 0, len);
	memcpy(h, "xdebugpy", 8);
	put64(h, 8, 0x030d00f0);
	put64(h, 16, 0); /* free_threaded */
	put64(h, 24, RUNTIME_SIZE_313); /* runtime_state.size */
	put64(h, 48, 0x2f998); /* interpreter_state.size */
	put64(h, 112, 0x10); /* ceval_gil */
	put64(h, 120, 0x1e48); /* gil_runtime_state */
	put64(h, 136, 0x1e58); /* gil_runtime_state_locked */
	put64(h, 144, 0x1e50); /* gil_runtime_state_holder */
}

Test(cpython, layout_from_debug_313)
{
	struct gp_pyruntime rt = {.start = 0x7f0000000000, .size = RUNTIME_SIZE_313};
	unsigned char h[256];

	debug_head_313(h, sizeof(h));
	cr_assert_eq(cpython_layout_from_debug(h, sizeof(h), &rt), 0);
	cr_assert_eq(rt.major, 3);
	cr_assert_eq(rt.minor, 13);
	cr_assert_not(rt.free_threaded);
	cr_assert(rt.has_layout);
	/* _main_interpreter is last: 0x452b8 - 0x2f998 = 88352, + 0x1e48 */
	cr_assert_eq(rt.gil_off, GIL_OFF_313, "0x%lx", (unsigned long)rt.gil_off);
}

Test(cpython, layout_from_debug_refusals)
{
	struct gp_pyruntime rt = {.size = RUNTIME_SIZE_313};
	unsigned char h[256];

	debug_head_313(h, sizeof(h));
	h[0] = 'X';
	cr_assert_eq(cpython_layout_from_debug(h, sizeof(h), &rt), -ENOENT);
	cr_assert_eq(rt.major, 0);

	/* too short to hold the offsets: the version is known, the layout is not */
	debug_head_313(h, sizeof(h));
	cr_assert_eq(cpython_layout_from_debug(h, 64, &rt), 0);
	cr_assert_eq(rt.minor, 13);
	cr_assert_not(rt.has_layout);

	/* free threaded: its GIL struct has an "enabled" field */
	rt = (struct gp_pyruntime){.size = RUNTIME_SIZE_313};
	put64(h, 16, 1);
	cr_assert_eq(cpython_layout_from_debug(h, sizeof(h), &rt), 0);
	cr_assert(rt.free_threaded);
	cr_assert_not(rt.has_layout);

	/* "locked" elsewhere than in our struct */
	rt = (struct gp_pyruntime){.size = RUNTIME_SIZE_313};
	debug_head_313(h, sizeof(h));
	put64(h, 136, 0x1e5c);
	cpython_layout_from_debug(h, sizeof(h), &rt);
	cr_assert_not(rt.has_layout);

	/* a runtime larger than the section it is in */
	rt = (struct gp_pyruntime){.size = RUNTIME_SIZE_313 - 8};
	debug_head_313(h, sizeof(h));
	cpython_layout_from_debug(h, sizeof(h), &rt);
	cr_assert_not(rt.has_layout);

	/* 3.14 reordered _Py_DebugOffsets: version only */
	rt = (struct gp_pyruntime){.size = RUNTIME_SIZE_313};
	put64(h, 8, 0x030e00f0);
	cr_assert_eq(cpython_layout_from_debug(h, sizeof(h), &rt), 0);
	cr_assert_eq(rt.minor, 14);
	cr_assert_not(rt.has_layout);
}

Test(cpython, layout_from_version)
{
	struct gp_pyruntime rt = {.size = 0x30000, .major = 3, .minor = 11};

	/* 3.11: fixed-size fields before the GIL, any section size */
	cpython_layout_from_version(&rt);
	cr_assert(rt.has_layout);
	cr_assert_eq(rt.gil_off, GIL_OFF_311);

	rt = (struct gp_pyruntime){.size = RUNTIME_SIZE_312, .major = 3, .minor = 12};
	cpython_layout_from_version(&rt);
	cr_assert(rt.has_layout);
	cr_assert_eq(rt.gil_off, GIL_OFF_312);

	/* 3.12 with other static objects: no layout */
	rt = (struct gp_pyruntime){.size = RUNTIME_SIZE_312 + 32, .major = 3, .minor = 12};
	cpython_layout_from_version(&rt);
	cr_assert_not(rt.has_layout);

	rt = (struct gp_pyruntime){.size = 0x30000, .major = 3, .minor = 10};
	cpython_layout_from_version(&rt);
	cr_assert_not(rt.has_layout);

	rt = (struct gp_pyruntime){.size = 0x30000, .major = 3, .minor = 11, .free_threaded = 1};
	cpython_layout_from_version(&rt);
	cr_assert_not(rt.has_layout);

	/* a section too small to hold the struct at that offset */
	rt = (struct gp_pyruntime){.size = GIL_OFF_311 + GP_GIL_SIZE - 1, .major = 3, .minor = 11};
	cpython_layout_from_version(&rt);
	cr_assert_not(rt.has_layout);
}

/*
 * The futex words of Debian's python3.11 with 4 threads counting down, as gilprof measured them
 * (.PyRuntime at 0xa5b740): the condvar's two signal words, the mutex, switch_cond and
 * switch_mutex, and a thread-join word on the heap.
 */
#define DEB_RUNTIME 0xa5b740ull
static const struct gp_futex_word deb_words[] = {
	{DEB_RUNTIME + 0x1b0, 328, 0, 242, 5066000},
	{DEB_RUNTIME + 0x1b4, 325, 0, 243, 5066000},
	{0x3c4610a0, 4, 0, 0, 119800},
	{DEB_RUNTIME + 0x208, 30, 0, 0, 45330},
	{DEB_RUNTIME + 0x20c, 29, 0, 0, 42540},
	{DEB_RUNTIME + 0x210, 8, 0, 0, 45650},
	{DEB_RUNTIME + 0x1b8, 149, 0, 0, 6429},
};
#define NDEB (sizeof(deb_words) / sizeof(deb_words[0]))

static struct gp_pyruntime deb_runtime(bool layout)
{
	struct gp_pyruntime rt = {.start = DEB_RUNTIME, .size = RUNTIME_SIZE_311};

	if (layout) {
		rt.major = 3;
		rt.minor = 11;
		cpython_layout_from_version(&rt);
	}
	return rt;
}

Test(cpython, place_by_layout_without_words)
{
	struct gp_pyruntime rt = deb_runtime(true);
	struct gp_cpython_gil g;

	cpython_gil_place(&rt, NULL, 0, &g);
	cr_assert(g.found);
	cr_assert_not(g.inferred);
	cr_assert_str_eq(g.version, "3.11");
	cr_assert_eq(g.base, DEB_RUNTIME + GIL_OFF_311);
	cr_assert_eq(g.runtime, DEB_RUNTIME);
	cr_assert_eq(g.runtime_size, RUNTIME_SIZE_311);
}

Test(cpython, place_by_layout_confirmed_by_words)
{
	struct gp_pyruntime rt = deb_runtime(true);
	struct gp_cpython_gil g;

	cpython_gil_place(&rt, deb_words, NDEB, &g);
	cr_assert(g.found);
	cr_assert_not(g.inferred);
	cr_assert_eq(g.base, DEB_RUNTIME + GIL_OFF_311);
}

Test(cpython, infer_from_debian_words)
{
	struct gp_pyruntime rt = deb_runtime(false);
	struct gp_cpython_gil g;

	/* the most timed word is __g_signals[1] (0x1b4, not 8-byte aligned): cond = word - 0x2c */
	cpython_gil_place(&rt, deb_words, NDEB, &g);
	cr_assert(g.found);
	cr_assert(g.inferred);
	cr_assert_str_eq(g.version, "");
	cr_assert_eq(g.base, DEB_RUNTIME + GIL_OFF_311, "0x%lx", (unsigned long)g.base);
	for (size_t i = 0; i < NDEB; i++) {
		const char *l = cpython_gil_label(&g, deb_words[i].uaddr);
		uint64_t off = deb_words[i].uaddr - DEB_RUNTIME;

		if (off == 0x1b0 || off == 0x1b4)
			cr_assert_str_eq(l, "CPython GIL (cond)");
		else if (off == 0x1b8)
			cr_assert_str_eq(l, "CPython GIL (mutex)");
		else if (off == 0x208 || off == 0x20c)
			cr_assert_str_eq(l, "CPython GIL (switch_cond)");
		else if (off == 0x210)
			cr_assert_str_eq(l, "CPython GIL (switch_mutex)");
		else
			cr_assert_null(l);
	}
}

Test(cpython, infer_from_signal_zero_alone)
{
	struct gp_pyruntime rt = {.start = 0x7f0000010000, .size = 0x1000};
	/* __g_signals[0] at an 8-byte boundary: cond = word - 0x28 */
	struct gp_futex_word w = {0x7f0000010000 + 0x200 + GP_GIL_COND + GP_COND_SIGNALS, 50, 0, 40,
				  5 * MS};
	struct gp_cpython_gil g;

	cpython_gil_place(&rt, &w, 1, &g);
	cr_assert(g.found);
	cr_assert(g.inferred);
	cr_assert_eq(g.base, 0x7f0000010200);
}

Test(cpython, layout_overruled_by_behaviour)
{
	struct gp_pyruntime rt = deb_runtime(true);
	struct gp_futex_word moved[NDEB];
	struct gp_cpython_gil g;

	/* a patch release that moved the struct 0x40 further: the words say where it is */
	for (size_t i = 0; i < NDEB; i++) {
		moved[i] = deb_words[i];
		if (moved[i].uaddr >= DEB_RUNTIME && moved[i].uaddr < DEB_RUNTIME + 0x1000)
			moved[i].uaddr += 0x40;
	}
	cpython_gil_place(&rt, moved, NDEB, &g);
	cr_assert(g.found);
	cr_assert(g.inferred);
	cr_assert_str_eq(g.version, "3.11");
	cr_assert_eq(g.base, DEB_RUNTIME + GIL_OFF_311 + 0x40);
	cr_assert_null(cpython_gil_label(&g, DEB_RUNTIME + 0x1b0));
	cr_assert_str_eq(cpython_gil_label(&g, DEB_RUNTIME + 0x1f0), "CPython GIL (cond)");
}

Test(cpython, gil_like_criteria)
{
	struct gp_pyruntime rt = {.start = 0x10000, .size = 0x1000};
	uint64_t sig = 0x10000 + 0x100 + GP_GIL_COND + GP_COND_SIGNALS;
	static const struct {
		uint64_t waits, timed, timeouts, p50;
		bool gil;
	} cases[] = {
		{400, 0, 300, 5 * MS, true}, /* four threads: most waits time out */
		{400, 0, 200, 30000, true}, /* two threads: half time out, p50 a hand-off */
		{400, 0, 110, 30000, true},
		{400, 0, 90, 30000, false}, /* a few timeouts among fast hand-offs */
		{400, 0, 10, 5 * MS, true}, /* the median is the interval */
		{400, 0, 10, 3 * MS, false},
		{400, 0, 10, 7 * MS, false},
		{400, 300, 0, 1 * MS, true}, /* counted timed waits, a shorter interval */
		{400, 150, 0, 1 * MS, false},
		{400, 0, 0, 5 * MS, false}, /* untimed: a mutex held for 5 ms */
		{0, 0, 0, 0, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gp_futex_word w = {sig, cases[i].waits, cases[i].timed, cases[i].timeouts,
					  cases[i].p50};
		struct gp_cpython_gil g;

		cpython_gil_place(&rt, &w, 1, &g);
		cr_assert_eq(g.found, cases[i].gil, "case %zu", i);
	}
}

Test(cpython, infer_ignores_words_outside_runtime)
{
	struct gp_pyruntime rt = {.start = 0x10000, .size = 0x1000};
	struct gp_futex_word w[] = {
		/* a timed condvar on the heap: not CPython's GIL */
		{0x55d000000048, 900, 0, 800, 5 * MS},
		/* unaligned: no futex word */
		{0x10000 + 0x100 + 0x49, 900, 0, 800, 5 * MS},
		/* a struct that would start before the section */
		{0x10000 + 0x28, 900, 0, 800, 5 * MS},
		/* one that would end after it */
		{0x10000 + 0x1000 - 0x50, 900, 0, 800, 5 * MS},
	};
	struct gp_cpython_gil g;

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		cpython_gil_place(&rt, &w[i], 1, &g);
		cr_assert_not(g.found, "word %zu", i);
	}
	/* the heap word looks more like the GIL, but the real one is in .PyRuntime */
	w[1].uaddr = 0x10000 + 0x100 + 0x48;
	w[1].timeouts = 10;
	cpython_gil_place(&rt, w, 2, &g);
	cr_assert(g.found);
	cr_assert_eq(g.base, 0x10100);
}

Test(cpython, infer_picks_most_timed_word)
{
	struct gp_pyruntime rt = {.start = 0x10000, .size = 0x1000};
	struct gp_futex_word w[] = {
		{0x10000 + 0x300 + 0x48, 40, 0, 30, 5 * MS},
		{0x10000 + 0x100 + 0x4c, 400, 0, 300, 5 * MS},
		{0x10000 + 0x100 + 0x48, 400, 0, 290, 5 * MS},
	};
	struct gp_cpython_gil g;

	cpython_gil_place(&rt, w, 3, &g);
	cr_assert(g.found);
	cr_assert_eq(g.base, 0x10100);
}

Test(cpython, label_boundaries)
{
	struct gp_cpython_gil g = {.found = true, .base = 0x1000};
	static const struct {
		uint64_t off;
		const char *label;
	} cases[] = {
		{0, NULL},
		{GP_GIL_LOCKED, NULL},
		{GP_GIL_COND - 4, NULL},
		{GP_GIL_COND, "CPython GIL (cond)"},
		{GP_GIL_COND + 0x28, "CPython GIL (cond)"},
		{GP_GIL_COND + 0x2c, "CPython GIL (cond)"},
		{GP_GIL_MUTEX, "CPython GIL (mutex)"},
		{GP_GIL_MUTEX + 36, "CPython GIL (mutex)"},
		{GP_GIL_SWITCH_COND, "CPython GIL (switch_cond)"},
		{GP_GIL_SWITCH_COND + 0x2c, "CPython GIL (switch_cond)"},
		{GP_GIL_SWITCH_MUTEX, "CPython GIL (switch_mutex)"},
		{GP_GIL_SIZE - 4, "CPython GIL (switch_mutex)"},
		{GP_GIL_SIZE, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *l = cpython_gil_label(&g, g.base + cases[i].off);

		if (cases[i].label)
			cr_assert_str_eq(l, cases[i].label, "offset %lu",
					 (unsigned long)cases[i].off);
		else
			cr_assert_null(l, "offset %lu: %s", (unsigned long)cases[i].off, l);
	}
	cr_assert_null(cpython_gil_label(&g, g.base - 8));
	g.found = false;
	cr_assert_null(cpython_gil_label(&g, g.base + GP_GIL_COND));
}

/* A live python3 running tests/python/countdown.py with its threads contending for the GIL. */
struct pyproc {
	pid_t pid;
	int out; /* its stdout */
};

static void script_path(char *buf, size_t len)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	/* this test is build/tests/symbolize/test_cpython */
	cr_assert(n > 0);
	self[n] = 0;
	*strrchr(self, '/') = 0;
	snprintf(buf, len, "%s/../../../tests/python/countdown.py", self);
}

static void pyproc_child(const char *python, const char *script, int out, pid_t parent)
{
	/* a failed assertion ends this test's process: python must not outlive it */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(127);
	if (dup2(out, STDOUT_FILENO) < 0)
		_exit(127);
	execl(python, python, script, "4", "2000000000", (char *)NULL);
	_exit(127);
}

static void pyproc_wait_ready(struct pyproc *p)
{
	struct pollfd pfd = {.fd = p->out, .events = POLLIN};
	char buf[64];
	size_t off = 0;
	ssize_t n;

	while (off < sizeof(buf) - 1) {
		cr_assert_eq(poll(&pfd, 1, 20000), 1, "python printed nothing for 20 s");
		n = read(p->out, buf + off, sizeof(buf) - 1 - off);
		cr_assert_gt(n, 0, "python exited before its threads started");
		off += (size_t)n;
		buf[off] = 0;
		if (strchr(buf, '\n'))
			break;
	}
	cr_assert_str_eq(buf, "ready\n");
}

static void pyproc_start(struct pyproc *p, const char *python)
{
	char script[4200];
	pid_t parent = getpid();
	int fds[2];

	script_path(script, sizeof(script));
	cr_assert_eq(access(script, R_OK), 0, "%s: %s", script, strerror(errno));
	cr_assert_eq(pipe2(fds, O_CLOEXEC), 0);
	p->pid = fork();
	cr_assert_geq(p->pid, 0);
	if (p->pid == 0)
		pyproc_child(python, script, fds[1], parent);
	close(fds[1]);
	p->out = fds[0];
	pyproc_wait_ready(p);
}

static void pyproc_stop(struct pyproc *p)
{
	kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
	close(p->out);
}

static uint64_t mem_read(int fd, uint64_t addr, size_t len)
{
	uint64_t v = 0;

	cr_assert_eq(pread(fd, &v, len, (off_t)addr), (ssize_t)len, "/proc/PID/mem at 0x%lx",
		     (unsigned long)addr);
	return v;
}

/* The GIL's fields as the live process has them: the switch interval, locked, its holder. */
static void gil_check_memory(pid_t pid, uint64_t base)
{
	char path[64];
	uint64_t locked;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(mem_read(fd, base + GP_GIL_INTERVAL, 8), 5000, "switch interval at 0x%lx",
		     (unsigned long)base);
	cr_assert_neq(mem_read(fd, base + GP_GIL_LAST_HOLDER, 8), 0);
	for (i = 0; i < 10; i++) {
		locked = mem_read(fd, base + GP_GIL_LOCKED, 4);
		cr_assert(locked <= 1, "locked is %lu", (unsigned long)locked);
	}
	close(fd);
}

/* Words where the live GIL is, behaving like it: the layout must agree, inference find it. */
static void gil_check_words(struct gp_symbolizer *s, const struct gp_procmaps *pm,
			    const struct gp_cpython_gil *g)
{
	uint64_t cond = g->base + GP_GIL_COND;
	struct gp_futex_word w[] = {
		{cond + GP_COND_SIGNALS, 300, 0, 220, 5 * MS},
		{cond + GP_COND_SIGNALS + 4, 300, 0, 230, 5 * MS},
		{g->base + GP_GIL_MUTEX, 150, 0, 0, 7000},
	};
	struct gp_pyruntime rt = {.start = g->runtime, .size = g->runtime_size};
	struct gp_cpython_gil by_words, inferred;

	cr_assert_eq(cpython_gil_locate(s, pm, w, 3, &by_words), 0);
	cr_assert(by_words.found);
	cr_assert_not(by_words.inferred);
	cr_assert_eq(by_words.base, g->base);
	cr_assert_str_eq(by_words.version, g->version);

	/* the same words without the version's layout */
	cpython_gil_place(&rt, w, 3, &inferred);
	cr_assert(inferred.found);
	cr_assert(inferred.inferred);
	cr_assert_eq(inferred.base, g->base);
}

static void gil_check_live(const char *python, const char *version)
{
	struct gp_symbolizer *s;
	struct gp_procmaps *pm;
	struct gp_cpython_gil g;
	struct pyproc p;
	char name[128];

	if (access(python, X_OK))
		cr_skip_test("%s is not installed", python);
	pyproc_start(&p, python);
	cr_assert_eq(procmaps_snapshot(p.pid, &pm), 0);
	s = symbolizer_new();
	cr_assert_not_null(s);

	cr_assert_eq(cpython_gil_locate(s, pm, NULL, 0, &g), 0);
	cr_assert(g.found, "%s: no GIL (.PyRuntime at 0x%lx)", python, (unsigned long)g.runtime);
	cr_assert_not(g.inferred);
	cr_assert_str_eq(g.version, version);
	/* _PyRuntime is the whole section */
	cr_assert_eq(symbolizer_name_data(s, pm, g.runtime, name, sizeof(name)), GP_NAME_SYMBOL);
	cr_assert_str_eq(name, "_PyRuntime");
	cr_assert(g.base >= g.runtime && g.base + GP_GIL_SIZE <= g.runtime + g.runtime_size);
	gil_check_memory(p.pid, g.base);
	gil_check_words(s, pm, &g);

	pyproc_stop(&p);
	symbolizer_free(s);
	procmaps_free(pm);
	leaks_check();
}

Test(cpython, live_debian_python311, .timeout = 60)
{
	gil_check_live("/usr/bin/python3.11", "3.11");
}

Test(cpython, live_pyenv_python311, .timeout = 60)
{
	gil_check_live(PYENV "3.11.7/bin/python3.11", "3.11");
}

Test(cpython, live_pyenv_python312, .timeout = 60)
{
	gil_check_live(PYENV "3.12.1/bin/python3.12", "3.12");
}

Test(cpython, live_pyenv_python313, .timeout = 60)
{
	gil_check_live(PYENV "3.13.0/bin/python3.13", "3.13");
}

Test(cpython, not_python)
{
	struct gp_symbolizer *s = symbolizer_new();
	struct gp_procmaps *pm;
	struct gp_cpython_gil g;

	cr_assert_not_null(s);
	cr_assert_eq(procmaps_snapshot(getpid(), &pm), 0);
	cr_assert_eq(cpython_gil_locate(s, pm, NULL, 0, &g), 0);
	cr_assert_not(g.found);
	cr_assert_eq(g.runtime, 0);
	cr_assert_null(cpython_gil_label(&g, 0));
	symbolizer_free(s);
	procmaps_free(pm);
	leaks_check();
}
