// SPDX-License-Identifier: GPL-2.0
/*
 * The live counters: a window's figures from a window model, the registry that adds windows up
 * with bounded labels and frees exited processes, and its OpenMetrics text.
 */
#include "analyze/metrics.h"
#include "analyze/window.h"
#include "export/openmetrics.h"
#include "feed.h"

#define US 1000ULL

TestSuite(metrics, .init = setup, .fini = teardown);

/* 0x2000 is hot, 0x1000 gil.cond; others by address */
static int namer(void *ctx, uint32_t tgid, uint64_t uaddr, char *buf, size_t len)
{
	(void)ctx;
	(void)tgid;
	if (uaddr == 0x2000)
		snprintf(buf, len, "hot");
	else if (uaddr == 0x1000)
		snprintf(buf, len, "gil.cond");
	else {
		snprintf(buf, len, "[anon] 0x%llx", (unsigned long long)uaddr);
		return 1;
	}
	return 0;
}

static void wait_on(uint32_t t, uint32_t cpu, uint64_t uaddr, uint64_t ts, uint32_t waker,
		    uint64_t wake_ts, uint64_t in)
{
	futex_in(ts, t, uaddr, false);
	sw(ts, cpu, t, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0);
	wake(wake_ts, waker, t);
	sw(in, cpu, 0, 0, false, t, 0, 0);
	futex_out(in, t, 0);
}

static void window_of(struct gp_model *w, struct gp_window *out)
{
	struct gp_lock_objs objs;

	cr_assert_eq(lock_objs_build(w, namer, NULL, &objs), 0);
	cr_assert_eq(window_build(w, &objs, namer, NULL, out), 0);
	lock_objs_free(&objs);
}

/* A wait across the cut is one acquisition: counted in the window it began in, its time in both. */
Test(metrics, window_counts_an_acquisition_once)
{
	struct gp_window w1, w2;
	struct gp_model *next;

	sw(0, 0, 0, 0, false, 1, 0, 0);
	sw(0, 1, 0, 0, false, 2, 0, 0);
	wait_on(1, 0, 0x2000, 1 * MS, 2, 3 * MS, 3 * MS + 20 * US);
	futex_in(6 * MS, 1, 0x2000, false);
	sw(6 * MS, 0, 1, GP_TASK_INTERRUPTIBLE, false, 0, 0, 0);
	next = model_split(m, 8 * MS);
	cr_assert_not_null(next);
	window_of(m, &w1);
	model_free(m);
	m = next;
	wake(9 * MS, 2, 1);
	sw(10 * MS, 0, 0, 0, false, 1, 0, 0);
	futex_out(10 * MS, 1, 0);
	model_finish(m, 12 * MS);
	window_of(m, &w2);
	cr_assert_eq(w1.nprocs, 1);
	cr_assert_eq(w1.procs[0].nlocks, 1);
	cr_assert_str_eq(w1.procs[0].locks[0].name, "hot");
	cr_assert_eq(w1.procs[0].locks[0].acquisitions, 2);
	cr_assert_eq(w1.procs[0].locks[0].wait_ns, 2 * MS + 20 * US + 2 * MS);
	cr_assert_eq(w2.procs[0].locks[0].acquisitions, 0, "carried in: counted before");
	cr_assert_eq(w2.procs[0].locks[0].wait_ns, 2 * MS);
	cr_assert_eq(w1.start, 0);
	cr_assert_eq(w1.end, 8 * MS);
	cr_assert_eq(w2.start, 8 * MS);
	cr_assert_eq(w2.end, 12 * MS);
	cr_assert_eq(w1.procs[0].threads, 2);
	/* thread 2 ran all along, thread 1 ran 1 + 2.98 ms before the cut */
	cr_assert_eq(w1.procs[0].running_ns, 8 * MS + 1 * MS + 3 * MS - 20 * US);
	cr_assert_float_eq(window_parallelism(&w2, &w2.procs[0]), (4 + 2) / 4.0, 1e-9);
	window_free(&w1);
	window_free(&w2);
}

static struct gp_wlock wl(const char *name, uint64_t ns, uint64_t acq)
{
	struct gp_wlock l = {.wait_ns = ns, .acquisitions = acq};

	snprintf(l.name, sizeof(l.name), "%s", name);
	return l;
}

static struct gp_wproc wp(uint32_t tgid, const char *comm, uint64_t running, struct gp_wlock *locks,
			  size_t n)
{
	struct gp_wproc p = {.tgid = tgid, .running_ns = running, .locks = locks, .nlocks = n};

	snprintf(p.comm, sizeof(p.comm), "%s", comm);
	p.threads = 1;
	return p;
}

static const struct gp_mlock *mlock(const struct gp_mproc *p, const char *name)
{
	for (size_t i = 0; i < p->nlocks; i++)
		if (!strcmp(p->locks[i].name, name))
			return &p->locks[i];
	return NULL;
}

/* top_locks 2: the first two locks keep their labels for good, the others add up to other. */
Test(metrics, lock_labels_are_bounded_and_kept)
{
	struct gp_metrics_opts o = {.top_locks = 2, .max_procs = 10, .max_comms = 10};
	struct gp_wlock a[] = {wl("b", 5, 1), wl("a", 3, 2), wl("c", 1, 1)};
	struct gp_wlock b[] = {wl("d", 50, 5), wl("a", 7, 1), wl("c", 2, 1)};
	struct gp_wproc p1[] = {wp(7, "py", 10, a, 3)}, p2[] = {wp(7, "py", 10, b, 3)};
	struct gp_window w1 = {0, 1000, p1, 1}, w2 = {1000, 2000, p2, 1};
	struct gp_metrics mt;
	const struct gp_mproc *p;

	metrics_init(&mt, &o);
	cr_assert_eq(metrics_add(&mt, &w1), 0);
	cr_assert_eq(metrics_add(&mt, &w2), 0);
	p = metrics_proc(&mt, 7);
	cr_assert_not_null(p);
	cr_assert_eq(p->nlocks, 2);
	cr_assert_eq(mlock(p, "b")->wait_ns, 5);
	cr_assert_eq(mlock(p, "a")->wait_ns, 10);
	cr_assert_eq(mlock(p, "a")->acquisitions, 3);
	cr_assert_null(mlock(p, "d"), "d came after the labels were taken");
	cr_assert_eq(p->other.wait_ns, 1 + 50 + 2);
	cr_assert_eq(p->other.acquisitions, 1 + 5 + 1);
	cr_assert_eq(metrics_lock_wait(p), 5 + 3 + 1 + 50 + 7 + 2);
	cr_assert_eq(p->running_ns, 20);
	cr_assert_eq(mt.ncomms, 1);
	cr_assert_eq(mt.comms[0].processes, 1);
	cr_assert_eq(mt.comms[0].lock_wait_ns, metrics_lock_wait(p));
	metrics_free(&mt);
}

/* max_procs 2: the third process shares "other"; an exited one goes after keep_exited, its time
 * stays in its comm's totals, and its slot is free again. */
Test(metrics, processes_are_bounded_and_freed)
{
	struct gp_metrics_opts o = {
		.top_locks = 2, .max_procs = 2, .max_comms = 10, .keep_exited_ns = 5000};
	struct gp_wproc p1[] = {wp(1, "a", 10, NULL, 0), wp(2, "b", 20, NULL, 0),
				wp(3, "b", 30, NULL, 0)};
	struct gp_wproc p2[] = {wp(1, "a", 1, NULL, 0), wp(2, "b", 2, NULL, 0),
				wp(4, "c", 4, NULL, 0)};
	struct gp_window w1 = {0, 1000, p1, 3}, w2 = {1000, 2000, p2, 3};
	struct gp_metrics mt;

	p1[0].exited = true;
	metrics_init(&mt, &o);
	cr_assert_eq(metrics_add(&mt, &w1), 0);
	cr_assert_eq(metrics_proc(&mt, 3), &mt.other);
	cr_assert_eq(mt.other.running_ns, 30);
	metrics_expire(&mt, 2000);
	cr_assert_not_null(metrics_proc(&mt, 1), "kept 5000 ns after its exit");
	metrics_expire(&mt, 6000);
	cr_assert_null(metrics_proc(&mt, 1));
	cr_assert_eq(mt.nprocs, 1);
	cr_assert_eq(metrics_add(&mt, &w2), 0);
	/* pid 1 again: a new process of the same pid, with its own series */
	cr_assert_neq(metrics_proc(&mt, 1), &mt.other);
	cr_assert_eq(metrics_proc(&mt, 1)->running_ns, 1);
	cr_assert_eq(metrics_proc(&mt, 4), &mt.other);
	cr_assert_eq(mt.other.running_ns, 34);
	cr_assert_eq(mt.ncomms, 3);
	cr_assert_eq(mt.comms[0].running_ns, 11);
	cr_assert_eq(mt.comms[0].processes, 2);
	cr_assert_eq(mt.comms[1].running_ns, 52);
	cr_assert_eq(mt.comms[1].processes, 2);
	metrics_free(&mt);
}

static char *render(const struct gp_metrics *mt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(openmetrics_write(f, mt), 0);
	fclose(f);
	return buf;
}

/* Every line is a comment of the families or a sample whose labels parse, the text ends # EOF. */
static void check_lines(const char *text)
{
	const char *p = text, *nl;
	int eof = 0;

	while (*p) {
		nl = strchr(p, '\n');
		cr_assert_not_null(nl, "every line ends with a newline");
		cr_assert_eq(eof, 0, "nothing after # EOF");
		if (!strncmp(p, "# EOF", 5))
			eof = 1;
		else if (*p == '#')
			cr_assert(!strncmp(p, "# TYPE ", 7) || !strncmp(p, "# HELP ", 7) ||
				  !strncmp(p, "# UNIT ", 7));
		else {
			/* name{k="v",...} value: quotes balanced, escapes only \\ \" \n */
			const char *q = strchr(p, '{');
			bool in = false;

			cr_assert(q && q < nl, "%.*s", (int)(nl - p), p);
			for (q++; q < nl && (in || *q != '}'); q++) {
				if (*q == '"')
					in = !in;
				else if (in && *q == '\\') {
					q++;
					cr_assert(*q == '\\' || *q == '"' || *q == 'n');
				}
				cr_assert((unsigned char)*q >= 0x20);
			}
			cr_assert(!in && *q == '}' && q[1] == ' ', "%.*s", (int)(nl - p), p);
		}
		p = nl + 1;
	}
	cr_assert_eq(eof, 1);
}

Test(metrics, openmetrics_text)
{
	struct gp_metrics_opts o = {.top_locks = 1, .max_procs = 10, .max_comms = 10};
	struct gp_wlock a[] = {wl("CPython GIL", 1500000000, 3), wl("q", 2, 1)};
	struct gp_wproc p1[] = {wp(4242, "python3", 2000000001, a, 2)};
	struct gp_window w1 = {0, 2000000000, p1, 1};
	struct gp_metrics mt;
	char *text;

	p1[0].has_gil = true;
	p1[0].gil_wait_ns = 1500000000;
	p1[0].gil_held_ns = 400000000;
	metrics_init(&mt, &o);
	cr_assert_eq(metrics_add(&mt, &w1), 0);
	mt.loss_key[0] = "ringbuf_full";
	mt.loss[0] = 3;
	mt.nlosses = 1;
	text = render(&mt);
	check_lines(text);
	cr_assert_not_null(strstr(text, "# TYPE gilprof_running_seconds counter\n"
					"# UNIT gilprof_running_seconds seconds\n"));
	cr_assert_not_null(strstr(text,
				  "\ngilprof_running_seconds_total{pid=\"4242\",comm=\"python3\"} "
				  "2.000000001\n"));
	cr_assert_not_null(strstr(text, "\ngilprof_lock_wait_seconds_total{pid=\"4242\",comm="
					"\"python3\",lock=\"CPython GIL\"} 1.500000000\n"));
	cr_assert_not_null(strstr(text, "\ngilprof_lock_wait_seconds_total{pid=\"4242\",comm="
					"\"python3\",lock=\"other\"} 0.000000002\n"));
	cr_assert_not_null(strstr(text, "\ngilprof_lock_acquisitions_total{pid=\"4242\",comm="
					"\"python3\",lock=\"CPython GIL\"} 3\n"));
	cr_assert_not_null(strstr(text, "\ngilprof_gil_held_seconds_total{pid=\"4242\",comm="
					"\"python3\"} 0.400000000\n"));
	cr_assert_not_null(
		strstr(text, "\ngilprof_parallelism{pid=\"4242\",comm=\"python3\"} 1.0000\n"));
	cr_assert_not_null(strstr(text, "\ngilprof_comm_processes_total{comm=\"python3\"} 1\n"));
	cr_assert_not_null(
		strstr(text, "\ngilprof_dropped_events_total{cause=\"ringbuf_full\"} 3\n"));
	cr_assert(strlen(text) > 6 && !strcmp(text + strlen(text) - 6, "# EOF\n"));
	free(text);
	metrics_free(&mt);
}

/* What a traced program names itself cannot end a label, a line, or reach a terminal. */
Test(metrics, hostile_names_are_escaped)
{
	struct gp_metrics_opts o = {.top_locks = 4, .max_procs = 10, .max_comms = 10};
	struct gp_wlock a[] = {wl("x\"} 1\nfake_total 9\n#", 5, 1), wl("\\\x1b[2J\xff\xfe", 4, 1)};
	struct gp_wproc p1[] = {wp(9, "a\"b\\\n\x07", 1, a, 2)};
	struct gp_window w1 = {0, 1000, p1, 1};
	struct gp_metrics mt;
	char *text;

	metrics_init(&mt, &o);
	cr_assert_eq(metrics_add(&mt, &w1), 0);
	text = render(&mt);
	check_lines(text);
	cr_assert_null(strstr(text, "\nfake_total"));
	cr_assert_null(strchr(text, '\x1b'));
	cr_assert_null(strchr(text, '\x07'));
	cr_assert_not_null(strstr(text, "lock=\"x\\\"} 1\\nfake_total 9\\n#\"} 0.000000005\n"));
	cr_assert_not_null(strstr(text, "lock=\"\\\\\xef\xbf\xbd[2J\xef\xbf\xbd\xef\xbf\xbd\"}"));
	cr_assert_not_null(strstr(text, "comm=\"a\\\"b\\\\\\n\xef\xbf\xbd\""));
	free(text);
	metrics_free(&mt);
}
