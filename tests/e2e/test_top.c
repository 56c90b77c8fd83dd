// SPDX-License-Identifier: GPL-2.0
/*
 * gilprof top driven in tmux (a server of the test's own, 80x24): the lock and a bar per CPU on
 * the screen in exact 80-column lines, a key picks the lock, q and Ctrl-C end it and give the
 * terminal back, the process attached to runs on, a command started by top ends with it, and
 * without a terminal top says so in one line.
 */
#include <signal.h>
#include "e2e.h"

static char sock[64];
static pid_t target;

static void setup(void)
{
	e2e_require_root();
	if (access("/usr/bin/tmux", X_OK))
		cr_skip_test("no /usr/bin/tmux: run 'make deps'");
	snprintf(sock, sizeof(sock), "gilprof-e2e-%d", getpid());
}

static void tmux(const char *args)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "tmux -L %s %s >/dev/null 2>&1", sock, args);
	(void)!system(cmd);
}

static void teardown(void)
{
	tmux("kill-server");
	if (target > 0) {
		kill(-target, SIGKILL);
		while (waitpid(-target, NULL, 0) > 0)
			;
	}
	target = 0;
}

TestSuite(top, .init = setup, .fini = teardown);

static char *screen(void)
{
	static char buf[16384];
	char cmd[256];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "tmux -L %s capture-pane -p -t top", sock);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = 0;
	pclose(p);
	return buf;
}

/* Wait for the screen to hold what; the screen. */
static char *wait_screen(const char *what, int secs)
{
	for (int i = 0; i < secs * 10; i++) {
		char *s = screen();

		if (strstr(s, what))
			return s;
		usleep(100000);
	}
	cr_assert_fail("the screen never showed '%s':\n%s", what, screen());
	return NULL;
}

static void start_top(const char *args)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd),
		 "new-session -d -s top -x 80 -y 24 \"%s top %s; echo TOP-EXIT=\\$?; sleep 60\"",
		 e2e_gilprof(), args);
	tmux(cmd);
}

static pid_t countdown(void)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (!pid) {
		int null = open("/dev/null", O_RDWR);

		setpgid(0, 0);
		dup2(null, 1);
		execl(e2e_bin("workloads/countdown"), "countdown", "--threads", "2", "--count",
		      "100000000000", NULL);
		_exit(99);
	}
	setpgid(pid, pid);
	return pid;
}

/* The lines of a screen that start with "cpu": one per CPU, its bar of # + . only. */
static int cpu_bars(const char *s)
{
	int n = 0;

	for (const char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		size_t len = strcspn(l, "\n"), bar;

		if (strncmp(l, "cpu", 3))
			continue;
		cr_assert_eq(len, 80, "a CPU line fills the 80 columns: %.*s", (int)len, l);
		bar = strspn(l + 6, "#+.");
		cr_assert_eq(bar, 59, "%.*s", (int)len, l);
		n++;
	}
	return n;
}

Test(top, attached_shows_the_gil_and_q_leaves_it_running, .timeout = 60)
{
	char args[64], *s;

	target = countdown();
	usleep(200000);
	snprintf(args, sizeof(args), "-p %d", target);
	start_top(args);
	s = wait_screen("gil  ", 15);
	cr_assert_not_null(strstr(s, "gilprof top  pid "), "%s", s);
	cr_assert_not_null(strstr(s, "LOCK (by last interval)"));
	cr_assert_not_null(strstr(s, "worker-0"));
	cr_assert_eq(cpu_bars(s), sysconf(_SC_NPROCESSORS_CONF), "a bar per CPU:\n%s", s);
	/* pick the lock: marked, its waiters listed */
	tmux("send-keys -t top l");
	s = wait_screen("> gil", 5);
	cr_assert_not_null(strstr(s, "worker-1"), "%s", s);
	tmux("send-keys -t top s");
	wait_screen("LOCK (by total)", 5);
	tmux("send-keys -t top q");
	s = wait_screen("TOP-EXIT=0", 10);
	cr_assert_null(strstr(s, "LOCK ("), "the terminal's screen is back:\n%s", s);
	cr_assert_eq(kill(target, 0), 0, "the process attached to runs on");
}

Test(top, ctrl_c_ends_a_command_with_top, .timeout = 60)
{
	char args[512], *s;

	snprintf(args, sizeof(args), "-- %s --threads 2 --count 100000000000",
		 e2e_bin("workloads/countdown"));
	start_top(args);
	s = wait_screen("gil  ", 15);
	cr_assert_not_null(strstr(s, "countdown --threads 2"), "%s", s);
	tmux("send-keys -t top C-c");
	s = wait_screen("TOP-EXIT=0", 10);
	cr_assert_null(strstr(s, "LOCK ("), "%s", s);
	cr_assert_neq(system("pgrep -f '^[^ ]*workloads/countdown --threads 2 --count "
			     "100000000000' >/dev/null"),
		      0, "the command ended with top");
}

Test(top, ends_when_the_target_exits, .timeout = 60)
{
	char args[64], *s;

	target = countdown();
	snprintf(args, sizeof(args), "-p %d", target);
	start_top(args);
	wait_screen("gil  ", 15);
	kill(-target, SIGKILL);
	s = wait_screen("TOP-EXIT=0", 15);
	cr_assert_not_null(strstr(s, "every traced process has exited"), "%s", s);
	cr_assert_null(strstr(s, "LOCK ("), "%s", s);
}

Test(top, needs_a_terminal)
{
	struct e2e_run *r = e2e_gilprof_run(NULL, (const char *const[]){"top", "-p", "1", NULL});

	cr_assert_eq(r->status, 2, "%s", r->err);
	cr_assert_eq(e2e_lines(r->err), 1, "%s", r->err);
	cr_assert_not_null(strstr(r->err, "terminal"));
	e2e_free(r);
	r = e2e_gilprof_run(NULL, (const char *const[]){"top", NULL});
	cr_assert_eq(r->status, 2, "%s", r->err);
	cr_assert_eq(e2e_lines(r->err), 1, "%s", r->err);
	e2e_free(r);
}
