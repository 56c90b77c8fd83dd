// SPDX-License-Identifier: GPL-2.0
/*
 * The workloads' GIL and shared command line. The timing tests assert with tolerances meant to
 * hold on a busy 2-core machine: lower bounds follow from the algorithm, upper bounds leave
 * room for the scheduler and are checked on the median where one late wake-up is no failure.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gil.h"
#include "wlcommon.h"

#define MS 1000000LL

struct runner {
	pthread_t thread;
	struct gil_thread rec;
	const char *name;
	atomic_llong deadline;
	unsigned iters;
	atomic_int ready;
};

static void gil_fresh(bool enabled, int64_t interval_ns, unsigned check)
{
	gil_init();
	gil_set_enabled(enabled);
	gil_set_switch_interval_ns(interval_ns);
	gil_set_check_interval(check);
}

static void runner_start(struct runner *r, void *(*fn)(void *))
{
	cr_assert_eq(pthread_create(&r->thread, NULL, fn, r), 0);
}

static void runner_wait_ready(struct runner *r)
{
	while (!atomic_load(&r->ready))
		usleep(100);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Mutual exclusion: a non-atomic read-modify-write with a busy gap between the read and the
 * write, done between eval-breaker ticks of K=1 by 8 threads for 300 ms with a 100 us switch
 * interval, so the GIL changes hands many times; any overlap shows as a lost update and in
 * the overlap count.
 */
static volatile uint64_t excl_counter;
static atomic_int excl_inside;
static atomic_int excl_overlaps;

static void excl_update(void)
{
	uint64_t v;

	if (atomic_fetch_add(&excl_inside, 1) != 0)
		atomic_fetch_add(&excl_overlaps, 1);
	v = excl_counter;
	for (int k = 0; k < 20; k++)
		__asm__ volatile("");
	excl_counter = v + 1;
	atomic_fetch_sub(&excl_inside, 1);
}

static void *excl_worker(void *p)
{
	struct runner *r = p;

	gil_thread_start(&r->rec, r->name);
	while (gil_now_ns() < r->deadline) {
		excl_update();
		if (++r->iters % 50000 == 0)
			gil_sleep_ns(0);
		gil_tick();
	}
	gil_thread_stop();
	return NULL;
}

Test(gil, mutual_exclusion, .timeout = 60)
{
	struct runner r[8] = {0};
	uint64_t switches = 0, done = 0;
	int64_t deadline;

	gil_fresh(true, 100000, 1);
	deadline = gil_now_ns() + 300 * MS;
	for (int i = 0; i < 8; i++) {
		r[i].name = "excl";
		r[i].deadline = deadline;
		runner_start(&r[i], excl_worker);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(r[i].thread, NULL);
		switches += r[i].rec.forced_switches;
		done += r[i].iters;
	}
	cr_assert_eq(atomic_load(&excl_overlaps), 0, "%d overlapping critical sections",
		     atomic_load(&excl_overlaps));
	cr_assert_eq(excl_counter, done, "lost updates: %llu of %llu",
		     (unsigned long long)(done - excl_counter), (unsigned long long)done);
	cr_assert_geq(switches, 20, "only %llu forced switches: exclusion was barely exercised",
		      (unsigned long long)switches);
}

/* A CPU-bound holder that never blocks: it gives the GIL up only at its ticks. */
static void *spin_holder(void *p)
{
	struct runner *r = p;

	gil_thread_start(&r->rec, r->name);
	atomic_store(&r->ready, 1);
	while (gil_now_ns() < r->deadline)
		gil_tick();
	gil_thread_stop();
	return NULL;
}

/*
 * Drop request: a thread asking for a GIL that a spinning thread holds times out after one
 * interval (2 ms), sets drop_request and gets the GIL at the holder's next tick. The wait is
 * never shorter than one interval. Undisturbed it is under two: the shortest of 20 rounds must
 * be. When the holder is preempted the waiter times out again, so on a loaded machine the
 * median is allowed 8 ms of scheduling delay beyond two intervals and the worst round 100 ms.
 * The holder drops exactly once per round, however many requests it took.
 */
Test(gil, drop_request_hand_off, .timeout = 60)
{
	struct runner h = {.name = "holder"};
	struct gil_thread rec[20];
	int64_t waits[20], interval = 2 * MS;

	gil_fresh(true, interval, 100);
	h.deadline = gil_now_ns() + 10000 * MS;
	runner_start(&h, spin_holder);
	runner_wait_ready(&h);
	for (int i = 0; i < 20; i++) {
		/* The holder may not have retaken the GIL since the last round yet. */
		while (!atomic_load(&gil.locked) || atomic_load(&gil.last_holder) != h.rec.tid)
			usleep(100);
		gil_thread_start(&rec[i], "asker");
		gil_thread_stop();
		waits[i] = rec[i].wait_ns;
		cr_assert_geq(rec[i].drop_requests, 1, "round %d: the GIL came without asking", i);
		cr_assert_geq(waits[i], interval,
			      "round %d: waited %lld ns, less than one interval", i,
			      (long long)waits[i]);
		usleep(1000);
	}
	qsort(waits, 20, sizeof(waits[0]), cmp_i64);
	cr_assert_leq(waits[0], 2 * interval, "shortest wait %lld ns exceeds two intervals",
		      (long long)waits[0]);
	cr_assert_leq(waits[10], 2 * interval + 8 * MS, "median wait %lld ns",
		      (long long)waits[10]);
	cr_assert_leq(waits[19], 100 * MS, "worst wait %lld ns", (long long)waits[19]);
	h.deadline = 0;
	pthread_join(h.thread, NULL);
	cr_assert_eq(h.rec.forced_switches, 20, "holder dropped %llu times for 20 requests",
		     (unsigned long long)h.rec.forced_switches);
}

/*
 * Forced switching: two CPU-bound threads, 500 ms with a 1 ms interval. A thread that drops on
 * request waits until the other has taken the GIL, so every forced switch is followed by the other
 * thread running, which it notes when it sees itself run after the other. Without the
 * hand-off wait the dropping thread would usually retake the GIL before the woken waiter got
 * to it, and the runs seen would fall short of the forced switches.
 */
static int forced_last_runner;
static unsigned forced_changes;

static void forced_note(int me)
{
	if (forced_last_runner != me) {
		forced_last_runner = me;
		forced_changes++;
	}
}

static void *forced_worker(void *p)
{
	struct runner *r = p;
	int me = r->name[0];

	gil_thread_start(&r->rec, r->name);
	forced_note(me);
	while (gil_now_ns() < r->deadline) {
		gil_tick();
		forced_note(me);
	}
	gil_thread_stop();
	return NULL;
}

Test(gil, forced_switching, .timeout = 60)
{
	struct runner r[2] = {{.name = "x"}, {.name = "y"}};
	uint64_t forced;

	gil_fresh(true, 1 * MS, 10);
	r[0].deadline = r[1].deadline = gil_now_ns() + 500 * MS;
	runner_start(&r[0], forced_worker);
	runner_start(&r[1], forced_worker);
	pthread_join(r[0].thread, NULL);
	pthread_join(r[1].thread, NULL);
	forced = r[0].rec.forced_switches + r[1].rec.forced_switches;
	cr_assert_geq(forced, 20, "only %llu forced switches in 500 ms at a 1 ms interval",
		      (unsigned long long)forced);
	cr_assert_geq(forced_changes, forced, "%u runs seen after %llu forced switches",
		      forced_changes, (unsigned long long)forced);
	cr_assert_geq(r[0].rec.forced_switches, 3);
	cr_assert_geq(r[1].rec.forced_switches, 3);
}

/*
 * Blocking calls release the GIL: while one thread sleeps 200 ms in gil_sleep_ns(), another
 * takes the GIL at once (under 50 ms, without a drop request; the 50 ms interval makes a
 * request impossible in that time) and finishes before the sleeper wakes. The sleep is not
 * counted as holding.
 */
static void *sleeper(void *p)
{
	struct runner *r = p;

	gil_thread_start(&r->rec, r->name);
	atomic_store(&r->ready, 1);
	gil_sleep_ns(200 * MS);
	gil_thread_stop();
	return NULL;
}

Test(gil, release_around_blocking_calls, .timeout = 60)
{
	struct runner s = {.name = "sleeper"};
	struct gil_thread me;
	int64_t until;

	gil_fresh(true, 50 * MS, 100);
	runner_start(&s, sleeper);
	runner_wait_ready(&s);
	gil_thread_start(&me, "worker");
	until = gil_now_ns() + 20 * MS;
	while (gil_now_ns() < until)
		gil_tick();
	gil_thread_stop();
	pthread_join(s.thread, NULL);
	cr_assert_lt(me.wait_ns, 50 * MS, "waited %lld ns for a sleeping holder",
		     (long long)me.wait_ns);
	cr_assert_eq(me.drop_requests, 0);
	cr_assert_lt(me.end_ns, s.rec.end_ns, "the worker should finish while the sleeper sleeps");
	cr_assert_lt(s.rec.hold_ns, 50 * MS, "the sleeper held the GIL %lld ns",
		     (long long)s.rec.hold_ns);
	cr_assert_eq(s.rec.acquisitions, 2);
}

/*
 * The read and write wrappers release the GIL too: a thread blocked in gil_read() on an empty
 * pipe leaves the GIL free for the writer (under 50 ms, with a 50 ms interval so that no drop
 * request can be involved), and it does not hold the GIL while blocked.
 */
static int rw_pipe[2];

static void *rw_reader(void *p)
{
	struct runner *r = p;
	char c = 0;

	gil_thread_start(&r->rec, r->name);
	atomic_store(&r->ready, 1);
	r->iters = gil_read(rw_pipe[0], &c, 1) == 1 && c == 'x';
	gil_thread_stop();
	return NULL;
}

Test(gil, release_around_read_write, .timeout = 60)
{
	struct runner rd = {.name = "reader"};
	struct gil_thread me;

	gil_fresh(true, 50 * MS, 100);
	cr_assert_eq(pipe(rw_pipe), 0);
	runner_start(&rd, rw_reader);
	runner_wait_ready(&rd);
	usleep(20000);
	gil_thread_start(&me, "writer");
	cr_assert_eq(gil_write(rw_pipe[1], "x", 1), 1);
	gil_thread_stop();
	pthread_join(rd.thread, NULL);
	cr_assert_eq(rd.iters, 1, "the reader did not get the byte");
	cr_assert_lt(me.wait_ns, 50 * MS, "waited %lld ns for a reader blocked in read()",
		     (long long)me.wait_ns);
	cr_assert_eq(me.drop_requests, 0);
	cr_assert_lt(rd.rec.hold_ns, 10 * MS, "the reader held the GIL %lld ns while blocked",
		     (long long)rd.rec.hold_ns);
	cr_assert_eq(me.acquisitions, 2);
	close(rw_pipe[0]);
	close(rw_pipe[1]);
}

/*
 * The accounting adds up: a CPU-bound thread is always either holding the GIL or waiting for
 * it, so wait + hold covers its life to within 5% (plus 2 ms for start and stop).
 */
Test(gil, accounting_covers_lifetime, .timeout = 60)
{
	struct runner r[2] = {{.name = "a"}, {.name = "b"}};

	gil_fresh(true, 2 * MS, 100);
	r[0].deadline = r[1].deadline = gil_now_ns() + 200 * MS;
	runner_start(&r[0], spin_holder);
	runner_start(&r[1], spin_holder);
	for (int i = 0; i < 2; i++) {
		struct gil_thread *t = &r[i].rec;
		int64_t life, covered;

		pthread_join(r[i].thread, NULL);
		life = t->end_ns - t->start_ns;
		covered = t->wait_ns + t->hold_ns;
		cr_assert_leq(covered, life, "wait + hold %lld exceeds life %lld",
			      (long long)covered, (long long)life);
		cr_assert_geq(covered, life - life / 20 - 2 * MS, "wait + hold %lld of life %lld",
			      (long long)covered, (long long)life);
		cr_assert_gt(t->wait_ns, 0);
		cr_assert_geq(t->acquisitions, t->forced_switches + 1);
	}
}

/*
 * --no-gil: two threads can be inside "Python" at the same time (each waits, up to 5 s, for
 * the other to arrive, which under a GIL with no switching could never happen), and nothing
 * is recorded as waiting, holding or switching.
 */
static atomic_int meet_arrived;

static void *meet_worker(void *p)
{
	struct runner *r = p;
	int64_t give_up = gil_now_ns() + 5000 * MS;

	gil_thread_start(&r->rec, r->name);
	atomic_fetch_add(&meet_arrived, 1);
	while (atomic_load(&meet_arrived) < 2 && gil_now_ns() < give_up)
		gil_tick();
	r->iters = atomic_load(&meet_arrived);
	gil_thread_stop();
	return NULL;
}

Test(gil, no_gil_records_no_waits, .timeout = 60)
{
	struct runner r[2] = {{.name = "a"}, {.name = "b"}};

	gil_fresh(false, 1 * MS, 1);
	runner_start(&r[0], meet_worker);
	runner_start(&r[1], meet_worker);
	for (int i = 0; i < 2; i++) {
		struct gil_thread *t = &r[i].rec;

		pthread_join(r[i].thread, NULL);
		cr_assert_eq(r[i].iters, 2, "thread %d ran alone", i);
		cr_assert_eq(t->wait_ns, 0);
		cr_assert_eq(t->hold_ns, 0);
		cr_assert_eq(t->acquisitions, 0);
		cr_assert_eq(t->drop_requests, 0);
		cr_assert_eq(t->forced_switches, 0);
		cr_assert_gt(t->end_ns, t->start_ns);
	}
}

/*
 * Processes do not share a GIL: a child forked while another parent thread holds the GIL gets
 * a GIL of its own, free, and takes it at once.
 */
Test(gil, fork_gives_child_its_own_gil, .timeout = 60)
{
	struct runner h = {.name = "holder"};
	int status;
	pid_t pid;

	gil_fresh(true, 1000 * MS, 100);
	h.deadline = gil_now_ns() + 3000 * MS;
	runner_start(&h, spin_holder);
	runner_wait_ready(&h);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct gil_thread me;

		alarm(5);
		gil_thread_start(&me, "child");
		gil_thread_stop();
		_exit(me.wait_ns < 100 * MS ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	h.deadline = 0;
	pthread_join(h.thread, NULL);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
}

/* Leaves before the leak checker's exit hook, which in a forked child only adds noise. */
static void child_exit_now(int status, void *arg)
{
	(void)arg;
	fflush(NULL);
	_exit(status);
}

/* Runs wl_parse in a child and returns its exit status and what it wrote to stderr. */
static int parse_in_child(char **argv, char *err, size_t len)
{
	static const struct wl_opt opts[] = {
		WL_OPT_NUM("count", "N", "count", 1, WL_MAX_COUNT, NULL),
		WL_OPT_END,
	};
	static uint64_t count;
	struct wl_prog prog = {
		.name = "countdown",
		.summary = "test",
		.modes = WL_MODE(WL_THREADS) | WL_MODE(WL_PROCESSES),
		.default_mode = WL_SINGLE,
		.default_workers = 1,
		.max_workers = WL_MAX_WORKERS,
		.opts = opts,
	};
	struct wl_opt mine[2] = {opts[0], opts[1]};
	int p[2], status, argc = 0;
	ssize_t n;
	pid_t pid;

	mine[0].num = &count;
	prog.opts = mine;
	while (argv[argc])
		argc++;
	cr_assert_eq(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 2);
		on_exit(child_exit_now, NULL);
		wl_parse(&prog, argc, argv);
		_exit(wl.mode == WL_THREADS ? 0 : 3);
	}
	close(p[1]);
	for (size_t got = 0;; got += n) {
		n = read(p[0], err + got, len - 1 - got);
		if (n <= 0) {
			err[got] = '\0';
			break;
		}
	}
	close(p[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Exit status 2 and exactly one line on stderr, msg. */
static void parse_expect_error(const char *msg, char *a1, char *a2)
{
	char *argv[] = {"countdown", a1, a2, NULL};
	char err[256];
	size_t len;

	cr_assert_eq(parse_in_child(argv, err, sizeof(err)), 2, "%s %s: exit status", a1,
		     a2 ? a2 : "");
	len = strlen(err);
	cr_assert(len > 0 && strchr(err, '\n') == err + len - 1, "not one line: '%s'", err);
	err[len - 1] = '\0';
	cr_assert_str_eq(err, msg);
}

Test(wlcommon, bad_input_exits_2_with_one_line)
{
	const char *threads = "countdown: --threads must be between 1 and 1024";
	const char *count = "countdown: --count must be between 1 and 4611686018427387904";

	parse_expect_error(threads, "--threads", "0");
	parse_expect_error(threads, "--threads", "-1");
	parse_expect_error(threads, "--threads", "two");
	parse_expect_error(threads, "--threads", "1025");
	parse_expect_error(threads, "--threads=", NULL);
	parse_expect_error(count, "--count", "4611686018427387905");
	parse_expect_error(count, "--count", "99999999999999999999999");
	parse_expect_error("countdown: unknown option '--bogus' (see --help)", "--bogus", NULL);
	parse_expect_error("countdown: --threads needs a value", "--threads", NULL);
	parse_expect_error("countdown: unknown option '--sequential' (see --help)", "--sequential",
			   NULL);
	parse_expect_error("countdown: --no-gil takes no value", "--no-gil=1", NULL);
}

Test(wlcommon, good_input_parses)
{
	char *argv[] = {"countdown", "--threads=4", "--switch-interval", "2000", "--no-gil", NULL};
	char err[256];

	cr_assert_eq(parse_in_child(argv, err, sizeof(err)), 0, "stderr: %s", err);
	cr_assert_str_empty(err);
}

/* The truth file appears whole under its name, and nothing is left beside it. */
static wl_u128 truth_part(unsigned part, unsigned nparts, void *arg)
{
	(void)nparts;
	(void)arg;
	for (int i = 0; i < 1000; i++)
		gil_tick();
	return part + 1;
}

Test(wlcommon, truth_file_written_whole, .timeout = 60, .init = cr_redirect_stdout)
{
	char dir[] = "/tmp/test_gil.XXXXXX", path[64], tmp[80], buf[8192];
	char arg[64];
	char *argv[] = {"countdown", "--threads", "2", "--truth", arg, NULL};
	static const struct wl_prog prog = {
		.name = "countdown",
		.summary = "test",
		.modes = WL_MODE(WL_THREADS),
		.default_mode = WL_SINGLE,
		.default_workers = 1,
		.max_workers = 4,
		.opts = NULL,
	};
	wl_u128 results[2];
	struct stat st;
	ssize_t n;
	int fd;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/truth.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(arg, sizeof(arg), "%s", path);
	wl_parse(&prog, 5, argv);
	wl_begin();
	wl_run(truth_part, NULL, results);
	cr_assert(results[0] == 1 && results[1] == 2);
	wl_finish("done");
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_assert_neq(stat(tmp, &st), 0, "%s left behind", tmp);
	cr_assert_not_null(strstr(buf,
				  "{\"workload\":\"countdown\",\"mode\":\"threads\",\"gil\":true,"
				  "\"switch_interval_ns\":5000000,\"start_ns\":"));
	cr_assert_not_null(strstr(buf, "\"result\":\"done\",\"processes\":[{\"pid\":"));
	cr_assert_not_null(strstr(buf, "\"name\":\"worker-1\",\"start_ns\":"));
	cr_assert_eq(buf[n - 2], '}');
	unlink(path);
	rmdir(dir);
}

/* Timing tests must not share the two cores with each other: one job unless told otherwise. */
int main(int argc, char *argv[])
{
	struct criterion_test_set *tests = criterion_initialize();
	int result = 0;

	criterion_options.jobs = 1;
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	return result;
}
