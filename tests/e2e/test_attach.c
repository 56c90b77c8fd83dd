// SPDX-License-Identifier: GPL-2.0
/*
 * gilprof run -p: attaching to running processes. The truth is the kernel's: each attached
 * thread's switch counters and runtime when it was attached (the report keeps them) and at its
 * last switch; the target shows it ran on unharmed by going on after gilprof is gone.
 */
#include <signal.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include "e2e.h"

struct target {
	pid_t pid;
	FILE *in, *out; /* its stdin and stdout */
};

/* A copy of the target nobody may run: the build tree may sit in a 0700 directory (mktemp -d). */
static const char *target_copy(void)
{
	static char dir[] = "/tmp/gilprof-e2e-attach-XXXXXX", prog[64];
	char cmd[8300];

	if (prog[0])
		return prog;
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chmod(dir, 0755), 0);
	snprintf(prog, sizeof(prog), "%s/attach_target", dir);
	snprintf(cmd, sizeof(cmd), "cp %s %s && chmod 755 %s", e2e_bin("tests/e2e/attach_target"),
		 prog, prog);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	return prog;
}

/* The running target, killed after a test even when an assertion ended it early. */
static pid_t running;

static void targets_kill(void)
{
	if (running > 0 && !kill(running, SIGKILL))
		waitpid(running, NULL, 0);
	running = 0;
}

TestSuite(attach, .fini = targets_kill);

static void target_start(struct target *t, const char *const *args, uid_t uid)
{
	int in[2], out[2];
	const char *argv[8] = {uid ? target_copy() : e2e_bin("tests/e2e/attach_target")};
	char line[32];
	size_t n;

	for (n = 1; args[n - 1] && n < 7; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	cr_assert(!pipe(in) && !pipe(out));
	t->pid = fork();
	cr_assert(t->pid >= 0);
	if (!t->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (uid && (setgid(uid) || setuid(uid)))
			_exit(98);
		execv(argv[0], (char *const *)argv);
		_exit(99);
	}
	running = t->pid;
	close(in[0]);
	close(out[1]);
	t->in = fdopen(in[1], "w");
	t->out = fdopen(out[0], "r");
	cr_assert(fgets(line, sizeof(line), t->out) && !strcmp(line, "ready\n"),
		  "the target did not start");
}

static void target_stop(struct target *t)
{
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
	running = 0;
	if (t->in)
		fclose(t->in);
	fclose(t->out);
}

/* user + system CPU time of a process, in clock ticks (/proc/PID/stat fields 14 and 15) */
static unsigned long long cpu_ticks(pid_t pid)
{
	unsigned long long ut = 0, st = 0;
	char path[64], buf[1024], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')');
	cr_assert(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
			 &st) == 2);
	return ut + st;
}

/* It runs on: more CPU time 300 ms later, and not stopped. */
static void assert_unharmed(pid_t pid)
{
	unsigned long long before = cpu_ticks(pid);
	struct timespec nap = {0, 300000000};
	char path[64], buf[256], *p;
	FILE *f;

	nanosleep(&nap, NULL);
	cr_assert_gt(cpu_ticks(pid), before, "the target runs on after gilprof");
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	cr_assert(f && fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')');
	cr_assert(p[2] == 'R' || p[2] == 'S', "the target's state is %c", p[2]);
}

static int64_t switches(struct json_object *o)
{
	return jint(o, "voluntary_switches") + jint(o, "involuntary_switches");
}

/*
 * Every thread of the target is in the report, attached, alive for the whole trace, and its
 * switches are the kernel's from the attach to its last switch. Between the snapshot that reads
 * the kernel's counters and the mark a thread may switch unseen: at most 2 per thread.
 */
static void assert_threads(struct json_object *j, pid_t pid, int nthreads, double secs)
{
	struct json_object *p = json_object_array_get_idx(jget(j, "processes"), 0);
	struct json_object *th = jget(p, "threads");
	int i, n = json_object_array_length(th);

	cr_assert_eq(jint(p, "pid"), pid);
	cr_assert(json_object_get_boolean(jget(p, "attached")));
	cr_assert_eq(n, nthreads, "%d threads in the report, %d in the target", n, nthreads);
	for (i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(th, i);
		int64_t life = jint(t, "lifetime_ns"), tid = jint(t, "tid");

		cr_assert(json_object_get_boolean(jget(t, "attached")), "tid %ld", (long)tid);
		cr_assert(life > secs * 0.95e9 && life < secs * 1.2e9, "tid %ld lived %ld ns",
			  (long)tid, (long)life);
		if (!json_object_is_type(jget(t, "kernel"), json_type_object))
			continue; /* never switched while traced (blocked throughout) */
		cr_assert_leq(llabs(switches(t) - (switches(jget(t, "kernel")) -
						   switches(jget(t, "kernel_at_attach")))),
			      2, "tid %ld: %ld switches counted, the kernel says %ld", (long)tid,
			      (long)switches(t),
			      (long)(switches(jget(t, "kernel")) -
				     switches(jget(t, "kernel_at_attach"))));
	}
}

static struct json_object *lock_starting(struct json_object *j, const char *prefix)
{
	struct json_object *locks = jget(j, "locks");
	size_t i;

	for (i = 0; i < json_object_array_length(locks); i++) {
		struct json_object *l = json_object_array_get_idx(locks, i);

		if (!strncmp(json_object_get_string(jget(l, "name")), prefix, strlen(prefix)))
			return l;
	}
	return NULL;
}

Test(attach, a_contended_program_for_2_s, .timeout = 90)
{
	struct json_object *hot, *idle;
	struct target t;
	struct e2e_run *r;
	char json[128], pid[16];

	e2e_require_root();
	e2e_tmpname(json, sizeof(json), "attach.json");
	target_start(&t, (const char *[]){NULL}, 0);
	snprintf(pid, sizeof(pid), "%d", t.pid);
	r = e2e_gilprof_run(json, (const char *[]){"run", "--no-status", "-p", pid, "-d", "2",
						   "--json", json, NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_not_null(r->json, "%s", r->err);
	cr_assert(strstr(r->out, "gilprof: attached to pid "), "%s", r->out);
	cr_assert(json_object_get_boolean(jget(r->json, "attached")));
	/* the duration ends on time, not at the next poll after it (up to 100 ms later) */
	cr_assert(jint(r->json, "trace.duration_ns") >= 2000000000LL &&
			  jint(r->json, "trace.duration_ns") < 2010000000LL,
		  "-d 2 traced for %.3f ms", jint(r->json, "trace.duration_ns") / 1e6);
	assert_threads(r->json, t.pid, 5, 2.0);
	hot = lock_starting(r->json, "attach_lock");
	cr_assert_not_null(hot, "attach_lock is named");
	cr_assert_gt(jint(hot, "waits"), 20);
	cr_assert_geq(jint(hot, "waiters"), 2);
	/* idle_cond's waiter slept through: one wait, from the attach to the end */
	idle = lock_starting(r->json, "idle_cond");
	cr_assert_not_null(idle, "idle_cond is named");
	cr_assert_eq(jint(idle, "waits"), 1);
	cr_assert_eq(jint(idle, "in_progress_at_attach"), 1);
	cr_assert_eq(jint(idle, "still_waiting_at_end"), 1);
	cr_assert(jint(idle, "wait_total_ns") > 1.9e9, "%ld", (long)jint(idle, "wait_total_ns"));
	cr_assert(strstr(r->out, "began before the attach: counted from the attach"));
	assert_unharmed(t.pid);
	target_stop(&t);
	unlink(json);
	e2e_free(r);
}

/* The end of the traced processes ends the trace, with their exit in the report. */
Test(attach, ends_when_the_process_exits, .timeout = 60)
{
	struct target t;
	struct e2e_run *r;
	char json[128], pid[16];
	struct json_object *p;

	e2e_require_root();
	e2e_tmpname(json, sizeof(json), "attach-exit.json");
	target_start(&t, (const char *[]){"1.5", NULL}, 0);
	snprintf(pid, sizeof(pid), "%d", t.pid);
	fclose(t.in); /* main does not wait for stdin without "spawn": nothing to close it for */
	t.in = NULL;
	r = e2e_gilprof_run(
		json, (const char *[]){"run", "--no-status", "-p", pid, "--json", json, NULL});
	waitpid(t.pid, NULL, 0);
	running = 0;
	fclose(t.out);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_not_null(r->json);
	p = json_object_array_get_idx(jget(r->json, "processes"), 0);
	cr_assert(json_object_get_boolean(jget(p, "exited")));
	cr_assert_eq(jint(p, "exit_code"), 0);
	cr_assert(jint(r->json, "trace.duration_ns") < 2.5e9, "it ended with the process: %ld ns",
		  (long)jint(r->json, "trace.duration_ns"));
	/* at its exit, not at the next poll after it (up to 100 ms of idle time counted) */
	cr_assert(jint(r->json, "trace.end_ns") - jint(p, "end_ns") < 20000000,
		  "tracing ended %.3f ms after the process",
		  (jint(r->json, "trace.end_ns") - jint(p, "end_ns")) / 1e6);
	unlink(json);
	e2e_free(r);
}

/* Threads and processes started after the attach are followed from their start. */
Test(attach, follows_later_threads_and_children, .timeout = 60)
{
	struct json_object *procs, *child_lock;
	struct target t;
	struct e2e_run *r;
	char json[128], pid[16], line[32];
	pid_t g;
	int st;

	e2e_require_root();
	e2e_tmpname(json, sizeof(json), "attach-spawn.json");
	target_start(&t, (const char *[]){"spawn", NULL}, 0);
	snprintf(pid, sizeof(pid), "%d", t.pid);
	g = fork();
	cr_assert(g >= 0);
	if (!g) {
		execl(e2e_gilprof(), e2e_gilprof(), "run", "--no-status", "-p", pid, "-d", "2",
		      "--json", json, "-o", "/dev/null", (char *)NULL);
		_exit(99);
	}
	sleep(1); /* attached by then */
	fputs("go\n", t.in);
	fflush(t.in);
	cr_assert(fgets(line, sizeof(line), t.out) && !strcmp(line, "spawned\n"));
	cr_assert_eq(waitpid(g, &st, 0), g);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	r = calloc(1, sizeof(*r));
	r->json = e2e_json_report(json, "../doc/gilprof-report.schema.json");
	cr_assert_not_null(r->json);
	procs = jget(r->json, "processes");
	cr_assert_eq(json_object_array_length(procs), 2, "the child process is traced");
	cr_assert_eq(json_object_array_length(jget(json_object_array_get_idx(procs, 0), "threads")),
		     6, "the fifth thread joined the four and main");
	cr_assert_not(
		json_object_get_boolean(jget(json_object_array_get_idx(procs, 1), "attached")));
	child_lock = lock_starting(r->json, "child_lock");
	cr_assert_not_null(child_lock, "the child's lock is named");
	cr_assert_gt(jint(child_lock, "waits"), 0);
	target_stop(&t);
	unlink(json);
	e2e_free(r);
}

/* The first Ctrl-C (SIGINT) ends tracing and the report is written; the target goes on. */
Test(attach, interrupt_ends_the_trace_not_the_target, .timeout = 60)
{
	char out[128], pid[16], text[4096];
	struct target t;
	pid_t g;
	int st, fd;
	ssize_t n;

	e2e_require_root();
	e2e_tmpname(out, sizeof(out), "attach-int.txt");
	target_start(&t, (const char *[]){NULL}, 0);
	snprintf(pid, sizeof(pid), "%d", t.pid);
	g = fork();
	cr_assert(g >= 0);
	if (!g) {
		execl(e2e_gilprof(), e2e_gilprof(), "run", "--no-status", "-p", pid, "-o", out,
		      (char *)NULL);
		_exit(99);
	}
	sleep(2);
	kill(g, SIGINT);
	cr_assert_eq(waitpid(g, &st, 0), g);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %x", st);
	fd = open(out, O_RDONLY);
	cr_assert_geq(fd, 0, "the report was written");
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	cr_assert_gt(n, 0);
	text[n] = 0;
	cr_assert(strstr(text, "attach_lock"), "%s", text);
	assert_unharmed(t.pid);
	target_stop(&t);
	unlink(out);
}

static bool same_file(const char *a, const char *b)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", a, b);
	return system(cmd) == 0;
}

static void refused(const char *const *args, int status, const char *says)
{
	struct e2e_run *r = e2e_gilprof_run(NULL, args);

	cr_assert_eq(r->status, status, "%s: exit %d: %s", args[2], r->status, r->err);
	cr_assert(strstr(r->err, says), "%s", r->err);
	cr_assert_eq(e2e_lines(r->err), 1, "%s", r->err);
	cr_assert_eq(r->out[0], 0);
	e2e_free(r);
}

Test(attach, wrong_targets_are_one_line_errors, .timeout = 60)
{
	char tid[16];
	struct target t;
	DIR *d;
	struct dirent *e;

	e2e_require_root();
	refused((const char *[]){"run", "-p", "4194304", NULL}, 1, "no such process");
	refused((const char *[]){"run", "-p", "1,x", NULL}, 2, "process ids");
	refused((const char *[]){"run", "-p", "0", NULL}, 2, "process ids");
	refused((const char *[]){"run", "-p", "1", "--", "true", NULL}, 2, "not both");
	refused((const char *[]){"run", "-d", "1", "--", "true", NULL}, 2, "--duration is for -p");
	refused((const char *[]){"run", "-p", "2", NULL}, 1, "kernel thread");
	/* a thread of a process, not the process */
	target_start(&t, (const char *[]){NULL}, 0);
	snprintf(tid, sizeof(tid), "%d", t.pid);
	{
		char dir[64];

		snprintf(dir, sizeof(dir), "/proc/%d/task", t.pid);
		d = opendir(dir);
		cr_assert_not_null(d);
		while ((e = readdir(d)))
			if (atoi(e->d_name) > 0 && atoi(e->d_name) != t.pid)
				snprintf(tid, sizeof(tid), "%d", atoi(e->d_name));
		closedir(d);
	}
	refused((const char *[]){"run", "-p", tid, NULL}, 1, "is a thread of process");
	target_stop(&t);
}

/* Through sudo, a user may attach to their own processes only, as gdb or perf would let them. */
Test(attach, a_user_attaches_only_to_their_own, .timeout = 60)
{
	char pid[16], json[128];
	struct target t;
	struct e2e_run *r;

	e2e_require_root();
	setenv("SUDO_UID", "65534", 1);
	setenv("SUDO_GID", "65534", 1);
	/* root's: refused */
	target_start(&t, (const char *[]){NULL}, 0);
	snprintf(pid, sizeof(pid), "%d", t.pid);
	refused((const char *[]){"run", "-p", pid, "-d", "1", NULL}, 1, "you may not trace it");
	target_stop(&t);
	/* nobody's own: traced */
	e2e_tmpname(json, sizeof(json), "attach-nobody.json");
	target_start(&t, (const char *[]){NULL}, 65534);
	snprintf(pid, sizeof(pid), "%d", t.pid);
	r = e2e_gilprof_run(json, (const char *[]){"run", "--no-status", "-p", pid, "-d", "1",
						   "--json", json, NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_not_null(r->json, "%s", r->err);
	cr_assert_not_null(lock_starting(r->json, "attach_lock"), "%s", r->out);
	unlink(json);
	target_stop(&t);
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	e2e_free(r);
}

/* run -p --record keeps the recording of that run: report prints it again, byte for byte. */
Test(attach, recorded_attach_reports_the_same, .timeout = 90)
{
	char pid[16], rec[128], live[128], again[128], ljson[128], rjson[128];
	struct target t;
	struct e2e_run *r;

	e2e_require_root();
	e2e_tmpname(rec, sizeof(rec), "attach.data");
	e2e_tmpname(live, sizeof(live), "attach-live.txt");
	e2e_tmpname(again, sizeof(again), "attach-again.txt");
	e2e_tmpname(ljson, sizeof(ljson), "attach-live.json");
	e2e_tmpname(rjson, sizeof(rjson), "attach-again.json");
	target_start(&t, (const char *[]){NULL}, 0);
	snprintf(pid, sizeof(pid), "%d", t.pid);
	r = e2e_gilprof_run(NULL,
			    (const char *[]){"run", "--no-status", "-p", pid, "-d", "1", "--record",
					     rec, "-o", live, "--json", ljson, NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	e2e_free(r);
	target_stop(&t);
	r = e2e_gilprof_run(NULL,
			    (const char *[]){"report", rec, "-o", again, "--json", rjson, NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	e2e_free(r);
	cr_assert(same_file(live, again), "the text report of the recording differs");
	cr_assert(same_file(ljson, rjson), "the JSON report of the recording differs");
	unlink(rec);
	unlink(live);
	unlink(again);
	unlink(ljson);
	unlink(rjson);
}
