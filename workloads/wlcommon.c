// SPDX-License-Identifier: GPL-2.0
/*
 * Shared command line, runners, result table and ground-truth file of the bundled workloads.
 */
#include "wlcommon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WL_MAX_RECS 4096 /* threads of one process: the largest run has 1024 workers and main */
#define WL_TABLE_ROWS 64 /* rows printed; the truth file has them all */
#define WL_COMMON_OPTS 9 /* the common options and the end marker */

struct wl_config wl = {
	.switch_interval_ns = GIL_DEFAULT_INTERVAL_NS,
	.check_interval = GIL_DEFAULT_CHECK_INTERVAL,
	.gil = true,
};

/* What a child process sends its parent before exiting, followed by its thread records. */
struct wl_report {
	pid_t pid;
	uint32_t nthreads;
	wl_u128 result;
};

struct wl_proc {
	pid_t pid;
	unsigned nthreads;
	struct gil_thread *threads;
};

struct wl_worker {
	pthread_t thread;
	unsigned idx;
	unsigned nparts;
	char name[16];
	wl_part_fn fn;
	void *arg;
	wl_u128 result;
	struct gil_thread *rec;
};

static const struct wl_prog *wl_program;
static struct gil_thread wl_recs[WL_MAX_RECS];
static atomic_uint wl_nrecs;
static struct wl_proc *wl_children;
static unsigned wl_nchildren;
static int64_t wl_start_ns;
static int64_t wl_cpu_start_ns;
static int64_t wl_children_cpu_start_ns;

/* What the common options set, before it is checked and turned into wl. */
static struct {
	uint64_t threads;
	uint64_t procs;
	uint64_t interval_us;
	uint64_t check;
	bool seq;
	bool no_gil;
	bool help;
} wl_cli = {
	.interval_us = GIL_DEFAULT_INTERVAL_NS / 1000,
	.check = GIL_DEFAULT_CHECK_INTERVAL,
};

/* One write per message, so that lines from several processes do not interleave. */
static void wl_vmessage(const char *fmt, va_list ap)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "%s: ", wl.prog ? wl.prog : "workload");

	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	fprintf(stderr, "%s\n", msg);
}

void wl_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wl_vmessage(fmt, ap);
	va_end(ap);
	exit(1);
}

void wl_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wl_vmessage(fmt, ap);
	va_end(ap);
	exit(2);
}

/* Digits only: strtoull alone would take "-1" as a huge number and " 7" or "7x" as 7. */
static bool wl_parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s || strspn(s, "0123456789") != strlen(s))
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

static void wl_opt_set(const struct wl_opt *o, const char *val)
{
	uint64_t v;

	if (!o->arg) {
		if (val)
			wl_usage_error("--%s takes no value", o->name);
		*o->flag = true;
		return;
	}
	if (!val)
		wl_usage_error("--%s needs a value", o->name);
	if (o->str) {
		if (!*val)
			wl_usage_error("--%s needs a non-empty value", o->name);
		*o->str = val;
		return;
	}
	if (!wl_parse_u64(val, &v) || v < o->min || v > o->max)
		wl_usage_error("--%s must be between %llu and %llu", o->name,
			       (unsigned long long)o->min, (unsigned long long)o->max);
	*o->num = v;
}

static void wl_opts_help(const struct wl_opt *o)
{
	char left[48];

	for (; o->name; o++) {
		if (!o->help)
			continue;
		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		printf("  %-26s %s\n", left, o->help);
	}
}

static void wl_print_help(const struct wl_prog *p, const struct wl_opt *common)
{
	printf("usage: %s [options]\n%s\n\noptions:\n", p->name, p->summary);
	if (p->opts)
		wl_opts_help(p->opts);
	wl_opts_help(common);
}

static const struct wl_opt *wl_opt_find(const struct wl_opt *o, const char *name, size_t len)
{
	for (; o && o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	return NULL;
}

/* Accepts --name, --name=value and --name value; returns how many argv entries it used. */
static int wl_parse_one(const struct wl_opt *common, char **argv, int i, int argc)
{
	const char *a = argv[i], *eq, *val = NULL;
	const struct wl_opt *o;
	size_t len;

	if (strncmp(a, "--", 2) || !a[2])
		wl_usage_error("unexpected argument '%s' (see --help)", a);
	eq = strchr(a + 2, '=');
	len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
	o = wl_opt_find(wl_program->opts, a + 2, len);
	if (!o)
		o = wl_opt_find(common, a + 2, len);
	if (!o)
		wl_usage_error("unknown option '%s' (see --help)", a);
	if (eq)
		val = eq + 1;
	else if (o->arg && i + 1 < argc)
		val = argv[i + 1];
	wl_opt_set(o, val);
	return o->arg && !eq ? 2 : 1;
}

static void wl_mode_pick(const struct wl_prog *p, uint64_t threads, uint64_t procs, bool seq)
{
	const char *given[3];
	int n = 0;

	if (threads)
		given[n++] = "--threads";
	if (procs)
		given[n++] = "--processes";
	if (seq)
		given[n++] = "--sequential";
	if (n > 1)
		wl_usage_error("%s and %s exclude each other", given[0], given[1]);
	wl.mode = p->default_mode;
	wl.workers = p->default_workers;
	if (threads) {
		wl.mode = WL_THREADS;
		wl.workers = threads;
	} else if (procs) {
		wl.mode = WL_PROCESSES;
		wl.workers = procs;
	} else if (seq) {
		wl.mode = WL_SEQUENTIAL;
	}
}

static void wl_gil_configure(void)
{
	gil_init();
	gil_set_enabled(wl.gil);
	gil_set_switch_interval_ns(wl.switch_interval_ns);
	gil_set_check_interval(wl.check_interval);
}

/* The mode options a program does not offer are left out, so they read as unknown options. */
static bool wl_opt_offered(const struct wl_opt *o, unsigned modes)
{
	if (!strcmp(o->name, "threads"))
		return modes & WL_MODE(WL_THREADS);
	if (!strcmp(o->name, "processes"))
		return modes & WL_MODE(WL_PROCESSES);
	if (!strcmp(o->name, "sequential"))
		return modes & WL_MODE(WL_SEQUENTIAL);
	return true;
}

/* Fills out[] with the common options that p offers; out needs room for WL_COMMON_OPTS. */
static void wl_common_opts(const struct wl_prog *p, struct wl_opt *out)
{
	const struct wl_opt all[WL_COMMON_OPTS] = {
		WL_OPT_NUM("threads", "N", "run the parts in N threads", 1, p->max_workers,
			   &wl_cli.threads),
		WL_OPT_NUM("processes", "N", "run the parts in N processes", 1, p->max_workers,
			   &wl_cli.procs),
		WL_OPT_FLAG("sequential", "run the parts one after the other in the main thread",
			    &wl_cli.seq),
		WL_OPT_NUM("switch-interval", "US",
			   "GIL switch interval in microseconds (default 5000)", 1,
			   WL_MAX_SWITCH_US, &wl_cli.interval_us),
		WL_OPT_NUM("check-interval", "K",
			   "simulated bytecodes between drop-request checks (default 100)", 1,
			   WL_MAX_CHECK, &wl_cli.check),
		WL_OPT_FLAG("no-gil", "disable the GIL (a free-threaded build)", &wl_cli.no_gil),
		WL_OPT_STR("truth", "FILE", "write the measured ground truth as JSON to FILE",
			   &wl.truth),
		WL_OPT_FLAG("help", "show this help", &wl_cli.help),
		WL_OPT_END,
	};
	unsigned n = 0;

	for (const struct wl_opt *o = all; o->name; o++)
		if (wl_opt_offered(o, p->modes))
			out[n++] = *o;
	out[n] = (struct wl_opt)WL_OPT_END;
}

void wl_parse(const struct wl_prog *p, int argc, char **argv)
{
	struct wl_opt common[WL_COMMON_OPTS];

	wl.prog = p->name;
	wl_program = p;
	wl_common_opts(p, common);
	for (int i = 1; i < argc;)
		i += wl_parse_one(common, argv, i, argc);
	if (wl_cli.help) {
		wl_print_help(p, common);
		exit(0);
	}
	wl_mode_pick(p, wl_cli.threads, wl_cli.procs, wl_cli.seq);
	wl.gil = !wl_cli.no_gil;
	wl.switch_interval_ns = (int64_t)wl_cli.interval_us * 1000;
	wl.check_interval = wl_cli.check;
	wl_gil_configure();
}

static int64_t wl_ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static int64_t wl_self_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return wl_ts_ns(&ts);
}

static int64_t wl_children_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

struct gil_thread *wl_thread_new(void)
{
	unsigned idx = atomic_fetch_add(&wl_nrecs, 1);

	if (idx >= WL_MAX_RECS)
		wl_die("more than %d threads in one process", WL_MAX_RECS);
	return &wl_recs[idx];
}

/* Truncated like the kernel truncates comm, to what fits in buf. */
void wl_thread_name(char *buf, size_t len, const char *prefix, unsigned idx)
{
	char full[64];
	size_t n = (size_t)snprintf(full, sizeof(full), "%.40s-%u", prefix, idx);

	if (n >= len)
		n = len - 1;
	memcpy(buf, full, n);
	buf[n] = '\0';
}

/* The main thread holds the GIL whenever it is not waiting for workers, as Python's does. */
void wl_begin(void)
{
	wl_start_ns = gil_now_ns();
	wl_cpu_start_ns = wl_self_cpu_ns();
	wl_children_cpu_start_ns = wl_children_cpu_ns();
	gil_thread_start(wl_thread_new(), wl.prog);
}

static void *wl_worker_main(void *p)
{
	struct wl_worker *w = p;

	gil_thread_start(w->rec, w->name);
	w->result = w->fn(w->idx, w->nparts, w->arg);
	gil_thread_stop();
	return NULL;
}

/*
 * Threads are named names[i], or worker-i without names. Like Python's Thread.join(), waiting
 * for them happens with the GIL released.
 */
void wl_run_threads(unsigned n, const char *const *names, wl_part_fn fn, void *arg,
		    wl_u128 *results)
{
	struct wl_worker *w = calloc(n, sizeof(*w));
	int err;

	if (!w)
		wl_die("out of memory");
	for (unsigned i = 0; i < n; i++) {
		w[i] = (struct wl_worker){.idx = i, .nparts = n, .fn = fn, .arg = arg};
		w[i].rec = wl_thread_new();
		if (names)
			snprintf(w[i].name, sizeof(w[i].name), "%s", names[i]);
		else
			wl_thread_name(w[i].name, sizeof(w[i].name), "worker", i);
		err = pthread_create(&w[i].thread, NULL, wl_worker_main, &w[i]);
		if (err)
			wl_die("cannot start thread %u: %s", i, strerror(err));
	}
	gil_release();
	for (unsigned i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
	gil_acquire();
	for (unsigned i = 0; i < n; i++)
		results[i] = w[i].result;
	free(w);
}

void wl_run_sequential(unsigned n, wl_part_fn fn, void *arg, wl_u128 *results)
{
	for (unsigned i = 0; i < n; i++)
		results[i] = fn(i, n, arg);
}

/*
 * A forked child starts with a copy of the parent's records and, through the fork handler, a
 * GIL of its own held by its only thread: it ends the inherited record and starts its own.
 */
void wl_child_begin(const char *prefix, unsigned idx)
{
	char name[16];

	/* A worker outliving an interrupted parent would run on unobserved for nothing. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(1);
	gil_thread_stop();
	atomic_store(&wl_nrecs, 0);
	wl_nchildren = 0;
	wl_thread_name(name, sizeof(name), prefix, idx);
	gil_thread_start(wl_thread_new(), name);
}

static void wl_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1);
		p += n;
		len -= n;
	}
}

void wl_child_end(int fd, wl_u128 result)
{
	struct wl_report r = {.pid = getpid(), .result = result};

	gil_thread_stop();
	r.nthreads = atomic_load(&wl_nrecs);
	wl_write_all(fd, &r, sizeof(r));
	wl_write_all(fd, wl_recs, r.nthreads * sizeof(wl_recs[0]));
	close(fd);
	_exit(0);
}

pid_t wl_fork_worker(const char *prefix, unsigned idx, unsigned nparts, wl_part_fn fn, void *arg,
		     int *rfd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		wl_die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		wl_die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		wl_child_begin(prefix, idx);
		wl_child_end(p[1], fn(idx, nparts, arg));
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

static bool wl_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

static void wl_child_add(pid_t pid, unsigned n, struct gil_thread *threads)
{
	struct wl_proc *c = realloc(wl_children, (wl_nchildren + 1) * sizeof(*c));

	if (!c)
		wl_die("out of memory");
	wl_children = c;
	wl_children[wl_nchildren++] = (struct wl_proc){pid, n, threads};
}

/* Reads a child's report before reaping it, so a report larger than the pipe cannot block. */
void wl_collect(pid_t pid, int rfd, wl_u128 *result)
{
	struct wl_report r;
	struct gil_thread *t = NULL;
	int status;
	bool ok = wl_read_all(rfd, &r, sizeof(r)) && r.nthreads <= WL_MAX_RECS;

	if (ok) {
		t = calloc(r.nthreads ? r.nthreads : 1, sizeof(*t));
		ok = t && wl_read_all(rfd, t, r.nthreads * sizeof(*t));
	}
	close(rfd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!ok || !WIFEXITED(status) || WEXITSTATUS(status))
		wl_die("worker process %d failed", (int)pid);
	wl_child_add(r.pid, r.nthreads, t);
	*result = r.result;
}

/* Processes each have their own GIL; the parent waits for them with its own released. */
void wl_run_processes(unsigned n, wl_part_fn fn, void *arg, wl_u128 *results)
{
	pid_t *pids = calloc(n, sizeof(*pids));
	int *fds = calloc(n, sizeof(*fds));

	if (!pids || !fds)
		wl_die("out of memory");
	for (unsigned i = 0; i < n; i++)
		pids[i] = wl_fork_worker("worker", i, n, fn, arg, &fds[i]);
	gil_release();
	for (unsigned i = 0; i < n; i++)
		wl_collect(pids[i], fds[i], &results[i]);
	gil_acquire();
	free(pids);
	free(fds);
}

void wl_run(wl_part_fn fn, void *arg, wl_u128 *results)
{
	switch (wl.mode) {
	case WL_SINGLE:
		wl_run_sequential(1, fn, arg, results);
		break;
	case WL_SEQUENTIAL:
		wl_run_sequential(wl.workers, fn, arg, results);
		break;
	case WL_THREADS:
		wl_run_threads(wl.workers, NULL, fn, arg, results);
		break;
	case WL_PROCESSES:
		wl_run_processes(wl.workers, fn, arg, results);
		break;
	}
}

void wl_u128_format(char *buf, size_t len, wl_u128 v)
{
	char tmp[48];
	int i = sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = '0' + (int)(v % 10);
		v /= 10;
	} while (v);
	snprintf(buf, len, "%s", tmp + i);
}

static const char *wl_mode_name(enum wl_mode m)
{
	static const char *const names[] = {
		[WL_SINGLE] = "single",
		[WL_SEQUENTIAL] = "sequential",
		[WL_THREADS] = "threads",
		[WL_PROCESSES] = "processes",
	};

	return names[m];
}

static void wl_table_row(pid_t pid, const struct gil_thread *t)
{
	printf("%8d %8d  %-15s %10.1f %10.1f %10.1f %10llu %8llu %8llu\n", (int)pid, (int)t->tid,
	       t->name, (t->end_ns - t->start_ns) / 1e6, t->wait_ns / 1e6, t->hold_ns / 1e6,
	       (unsigned long long)t->acquisitions, (unsigned long long)t->drop_requests,
	       (unsigned long long)t->forced_switches);
}

static void wl_table_proc(pid_t pid, const struct gil_thread *t, unsigned n, unsigned *rows)
{
	for (unsigned i = 0; i < n; i++, (*rows)++)
		if (*rows < WL_TABLE_ROWS)
			wl_table_row(pid, &t[i]);
}

static void wl_print_table(const char *result, int64_t end_ns, int64_t cpu_ns)
{
	unsigned rows = 0, nrecs = atomic_load(&wl_nrecs);

	printf("%s: %s", wl.prog, wl_mode_name(wl.mode));
	if (wl.mode == WL_THREADS || wl.mode == WL_PROCESSES)
		printf(" x%u", wl.workers);
	if (wl.gil)
		printf(", GIL on (switch interval %.3f ms, check every %u ops)\n",
		       wl.switch_interval_ns / 1e6, wl.check_interval);
	else
		printf(", GIL off\n");
	printf("  result  %s\n  wall    %.3f s\n  cpu     %.3f s (user+sys, with children)\n\n",
	       result, (end_ns - wl_start_ns) / 1e9, cpu_ns / 1e9);
	printf("%8s %8s  %-15s %10s %10s %10s %10s %8s %8s\n", "pid", "tid", "thread", "alive ms",
	       "wait ms", "hold ms", "acquired", "drop-req", "forced");
	wl_table_proc(getpid(), wl_recs, nrecs, &rows);
	for (unsigned i = 0; i < wl_nchildren; i++)
		wl_table_proc(wl_children[i].pid, wl_children[i].threads, wl_children[i].nthreads,
			      &rows);
	if (rows > WL_TABLE_ROWS)
		printf("  ... %u more threads (all of them are in --truth)\n",
		       rows - WL_TABLE_ROWS);
}

static void wl_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void wl_json_thread(FILE *f, const struct gil_thread *t)
{
	fprintf(f, "{\"tid\":%d,\"name\":", (int)t->tid);
	wl_json_string(f, t->name);
	fprintf(f,
		",\"start_ns\":%lld,\"end_ns\":%lld,\"gil_wait_ns\":%lld,\"gil_hold_ns\":%lld,"
		"\"acquisitions\":%llu,\"drop_requests\":%llu,\"forced_switches\":%llu}",
		(long long)t->start_ns, (long long)t->end_ns, (long long)t->wait_ns,
		(long long)t->hold_ns, (unsigned long long)t->acquisitions,
		(unsigned long long)t->drop_requests, (unsigned long long)t->forced_switches);
}

static void wl_json_proc(FILE *f, pid_t pid, const struct gil_thread *t, unsigned n)
{
	fprintf(f, "{\"pid\":%d,\"threads\":[", (int)pid);
	for (unsigned i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		wl_json_thread(f, &t[i]);
	}
	fputs("]}", f);
}

static void wl_json_write(FILE *f, const char *result, int64_t end_ns)
{
	fputs("{\"workload\":", f);
	wl_json_string(f, wl.prog);
	fprintf(f, ",\"mode\":\"%s\",\"gil\":%s,\"switch_interval_ns\":%lld,",
		wl_mode_name(wl.mode), wl.gil ? "true" : "false", (long long)wl.switch_interval_ns);
	fprintf(f, "\"start_ns\":%lld,\"end_ns\":%lld,\"wall_ns\":%lld,\"result\":",
		(long long)wl_start_ns, (long long)end_ns, (long long)(end_ns - wl_start_ns));
	wl_json_string(f, result);
	fputs(",\"processes\":[", f);
	wl_json_proc(f, getpid(), wl_recs, atomic_load(&wl_nrecs));
	for (unsigned i = 0; i < wl_nchildren; i++) {
		fputc(',', f);
		wl_json_proc(f, wl_children[i].pid, wl_children[i].threads,
			     wl_children[i].nthreads);
	}
	fputs("]}\n", f);
}

/* Written beside the target and renamed over it, so a reader never sees half a file. */
static void wl_truth_write(const char *path, const char *result, int64_t end_ns)
{
	size_t len = strlen(path) + 5;
	char *tmp = malloc(len);
	FILE *f;

	if (!tmp)
		wl_die("out of memory");
	snprintf(tmp, len, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		wl_die("cannot write %s: %s", tmp, strerror(errno));
	wl_json_write(f, result, end_ns);
	if (fflush(f) || ferror(f) || fsync(fileno(f)) || fclose(f))
		wl_die("cannot write %s: %s", tmp, strerror(errno));
	if (rename(tmp, path))
		wl_die("cannot rename %s to %s: %s", tmp, path, strerror(errno));
	free(tmp);
}

int wl_finish(const char *fmt, ...)
{
	char result[512];
	int64_t end_ns, cpu_ns;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(result, sizeof(result), fmt, ap);
	va_end(ap);
	gil_thread_stop();
	end_ns = gil_now_ns();
	cpu_ns = wl_self_cpu_ns() - wl_cpu_start_ns + wl_children_cpu_ns() -
		 wl_children_cpu_start_ns;
	wl_print_table(result, end_ns, cpu_ns);
	if (wl.truth)
		wl_truth_write(wl.truth, result, end_ns);
	fflush(stdout);
	return 0;
}

/* What the parts of a square-and-cube run share: the list's length and the step. */
struct wl_powers_job {
	uint64_t items;
	wl_step_fn step;
};

/* Sum of x^(task + 2) over the list, placed in the 64-bit half of the result that is the task's. */
static wl_u128 wl_powers_task(const struct wl_powers_job *job, unsigned task)
{
	uint64_t sum = 0, h = task;

	for (uint64_t i = 0; i < job->items; i++) {
		uint64_t x = i + 2, v = x * x;

		h = job->step(h);
		if (task == 1)
			v *= x;
		sum += v;
	}
	return (wl_u128)sum << (64 * task);
}

static wl_u128 wl_powers_part(unsigned part, unsigned nparts, void *arg)
{
	wl_u128 r = 0;

	for (unsigned t = part; t < WL_POWERS_TASKS; t += nparts)
		r += wl_powers_task(arg, t);
	return r;
}

int wl_powers_run(const struct wl_powers *pw, int argc, char **argv)
{
	struct wl_powers_job job = {.items = 4, .step = pw->step};
	const struct wl_opt opts[] = {
		WL_OPT_NUM("items", "N", "length of the list 2, 3, ... (default 4)", 1, 10000,
			   &job.items),
		*pw->step_opt,
		WL_OPT_END,
	};
	const struct wl_prog prog = {
		.name = pw->name,
		.summary = pw->summary,
		.modes = WL_MODE(WL_SEQUENTIAL) | WL_MODE(WL_THREADS) | WL_MODE(WL_PROCESSES),
		.default_mode = WL_SEQUENTIAL,
		.default_workers = WL_POWERS_TASKS,
		.max_workers = WL_POWERS_TASKS,
		.opts = opts,
	};
	wl_u128 results[WL_POWERS_TASKS], sum = 0;

	wl_parse(&prog, argc, argv);
	wl_begin();
	wl_run(wl_powers_part, &job, results);
	for (unsigned i = 0; i < wl.workers; i++)
		sum += results[i];
	return wl_finish("sum of squares %llu, sum of cubes %llu", (unsigned long long)sum,
			 (unsigned long long)(sum >> 64));
}
