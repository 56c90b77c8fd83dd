// SPDX-License-Identifier: GPL-2.0
/* gilprof top's screen from a synthetic state: exact lines in 80 columns, hostile names. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "export/topscreen.h"

#define MS 1000000ULL

static char buf[64 * (512 + 2) + 1];

static struct gp_top_cpu cpus[2] = {{450 * MS, 130 * MS, 420 * MS}, {770 * MS, 0, 230 * MS}};

static void state(struct gp_top_state *s, struct gp_top_lock *l, size_t nl, struct gp_top_thread *t,
		  size_t nt)
{
	memset(s, 0, sizeof(*s));
	s->title = "countdown --threads 2";
	s->clock = "12:00:01";
	s->interval_ns = 1000 * MS;
	s->picked = -1;
	s->verdict = "parallelism 1.00 of 2 CPUs | serialised by gil (pid 4242, 49%) | 1.96x "
		     "faster without it";
	s->cpus = cpus;
	s->ncpus = 2;
	s->locks = l;
	s->nlocks = nl;
	s->threads = t;
	s->nthreads = nt;
}

/* Line i of the screen (0 based), without its "\r\n". */
static const char *row(unsigned i, unsigned cols)
{
	static char out[600];

	memcpy(out, buf + i * (cols + 2), cols);
	out[cols] = 0;
	return out;
}

static void check_shape(size_t len, unsigned rows, unsigned cols)
{
	cr_assert_eq(len, rows * (cols + 2) - 2, "rows of exactly %u columns", cols);
	for (unsigned i = 0; i + 1 < rows; i++)
		cr_assert(buf[i * (cols + 2) + cols] == '\r' &&
			  buf[i * (cols + 2) + cols + 1] == '\n');
	for (size_t i = 0; i < len; i++)
		cr_assert(buf[i] == '\r' || buf[i] == '\n' || (buf[i] >= 0x20 && buf[i] < 0x7f),
			  "byte %zu is %#x", i, (unsigned char)buf[i]);
}

Test(topscreen, exact_lines_in_80_columns)
{
	struct gp_top_lock l[] = {
		{"cold", 4242, 2 * MS, 10, 30 * MS, 0},
		{"gil", 4242, 985 * MS, 201, 10520 * MS, 1},
	};
	struct gp_top_thread t[] = {
		{4243, 4242, "worker-1", 1000 * MS, 480 * MS, 10 * MS, 510 * MS, 0, 0, 0},
		{4244, 4242, "worker-0", 1000 * MS, 491 * MS, 5 * MS, 504 * MS, 0, 0, 0},
		{4242, 4242, "countdown", 1000 * MS, 0, 0, 0, 0, 1000 * MS, 0},
	};
	struct gp_top_state s;
	size_t len;

	state(&s, l, 2, t, 3);
	len = topscreen_render(&s, 24, 80, buf);
	check_shape(len, 24, 80);
	cr_assert_str_eq(row(0, 80), "gilprof top  countdown --threads 2      "
				     "                interval 1.0 s  12:00:01");
	cr_assert_str_eq(row(1, 80), "parallelism 1.00 of 2 CPUs | serialised "
				     "by gil (pid 4242, 49%) | 1.96x faster wi");
	cr_assert_str_eq(row(2, 80), "CPU   # traced  + other  . idle         "
				     "                           TRC  OTH IDLE");
	cr_assert_str_eq(row(3, 80), "cpu0  ###########################+++++++"
				     ".........................  45%  13%  42%");
	cr_assert_str_eq(row(4, 80), "cpu1  ##################################"
				     "###########..............  77%   0%  23%");
	cr_assert_str_eq(row(5, 80), "  LOCK (by last interval)               "
				     "     PID     WAIT/S   ACQ/S        TOTAL");
	cr_assert_str_eq(row(6, 80), "  gil                                   "
				     "    4242     0.985s     201     10.520 s");
	cr_assert_str_eq(row(7, 80), "  cold                                  "
				     "    4242     0.002s      10      0.030 s");
	cr_assert_str_eq(row(8, 80), "  TID      THREAD             RUN%  RUNQ"
				     "%  LOCK% SLEEP% OTHER%      PID         ");
	cr_assert_str_eq(row(9, 80), "  4243     worker-1           48.0    1."
				     "0   51.0    0.0    0.0     4242         ");
	cr_assert_str_eq(row(11, 80), "  4242     countdown           0.0    0."
				      "0    0.0    0.0  100.0     4242         ");
	cr_assert_eq(strncmp(row(23, 80), "q quit  p pause  s sort", 23), 0);
	/* by total: the lock with more total first, threads by running time */
	s.sort = GP_TOP_SORT_TOTAL;
	s.paused = true;
	topscreen_render(&s, 24, 80, buf);
	cr_assert(strstr(row(0, 80), "[paused]  interval 1.0 s  12:00:01"));
	cr_assert_eq(strncmp(row(6, 80), "  gil ", 6), 0);
	cr_assert_eq(strncmp(row(9, 80), "  4244     worker-0", 19), 0);
}

/* A picked lock: marked, and only the threads that waited for it listed. */
Test(topscreen, picked_lock)
{
	struct gp_top_lock l[] = {{"gil", 1, 900 * MS, 9, 900 * MS, 0},
				  {"q", 1, 100 * MS, 1, MS, 1}};
	struct gp_top_thread t[] = {
		{2, 1, "a", 1000 * MS, 0, 0, 900 * MS, 0, 0, 1},
		{3, 1, "b", 1000 * MS, 0, 0, 100 * MS, 0, 0, 2},
	};
	struct gp_top_state s;

	state(&s, l, 2, t, 2);
	s.picked = 1;
	topscreen_render(&s, 24, 80, buf);
	cr_assert_eq(strncmp(row(7, 80), "> q ", 4), 0, "%s", row(7, 80));
	cr_assert_eq(strncmp(row(9, 80), "  3        b ", 13), 0, "%s", row(9, 80));
	cr_assert_eq(strspn(row(10, 80), " "), 80, "a did not wait for q");
}

/* What a program names itself is shown as ASCII: no escape reaches the terminal. */
Test(topscreen, hostile_names)
{
	struct gp_top_lock l[] = {{"\x1b[2J\x1b]0;pwned\x07\xc3\xa9", 1, MS, 1, MS, 0}};
	struct gp_top_thread t[] = {{2, 1, "\x1b[31mred\r\n", MS, MS, 0, 0, 0, 0, 0}};
	struct gp_top_state s;
	size_t len;

	state(&s, l, 1, t, 1);
	s.title = "\x1b[H\x1b[2Jtitle";
	len = topscreen_render(&s, 24, 80, buf);
	check_shape(len, 24, 80);
	cr_assert(strstr(buf, "?[2J?]0;pwned???"));
	cr_assert(strstr(buf, "?[31mred??"));
	cr_assert(strstr(buf, "?[H?[2Jtitle"));
}

/* Small and large terminals: still exact lines; the thread list gives way first. */
Test(topscreen, sizes)
{
	struct gp_top_lock l[8];
	struct gp_top_thread t[40];
	struct gp_top_state s;

	memset(l, 0, sizeof(l));
	memset(t, 0, sizeof(t));
	for (int i = 0; i < 8; i++)
		snprintf(l[i].name, sizeof(l[i].name), "lock%d", i);
	for (int i = 0; i < 40; i++)
		t[i] = (struct gp_top_thread){.tid = 100 + i, .pid = 1, .life_ns = MS};
	state(&s, l, 8, t, 40);
	check_shape(topscreen_render(&s, 10, 40, buf), 10, 40);
	check_shape(topscreen_render(&s, 60, 200, buf), 60, 200);
	check_shape(topscreen_render(&s, 1, 80, buf), 1, 80);
}
