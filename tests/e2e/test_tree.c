// SPDX-License-Identifier: GPL-2.0
/*
 * Nothing the command starts outlives gilprof: not after a second interrupt, not when gilprof
 * itself is SIGKILLed, not what the command left running when it exited. The command runs as
 * nobody, as it would under sudo.
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include "e2e.h"

#define MAX_PIDS 4

static pid_t sleeps[MAX_PIDS], gilprof_pid;
static int nsleeps;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Orphans come to this process, not to PID 1 (which may never reap them), and can be reaped. */
static void tree_init(void)
{
	nsleeps = 0;
	gilprof_pid = 0;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

/* A failed test leaves no sleep 300 behind, nor anything for PID 1 to reap. */
static void tree_fini(void)
{
	int i;

	if (gilprof_pid > 0 && !kill(gilprof_pid, SIGKILL))
		waitpid(gilprof_pid, NULL, 0);
	for (i = 0; i < nsleeps; i++) {
		if (!kill(sleeps[i], SIGKILL))
			waitpid(sleeps[i], NULL, 0);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

TestSuite(tree, .init = tree_init, .fini = tree_fini);

/* A directory the command, running as nobody, can write its pids to. */
static void pid_dir(char *dir, char *file, size_t len)
{
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chmod(dir, 0777), 0);
	snprintf(file, len, "%s/pids", dir);
}

static void pid_dir_remove(const char *dir, const char *file)
{
	unlink(file);
	rmdir(dir);
}

static bool is_sleep(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = 0;
	fclose(f);
	return !strcmp(comm, "sleep\n");
}

/* Gone, or dead and waiting for its reaper (reaped here when that is us). */
static bool is_dead(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool dead;

	if (waitpid(pid, NULL, WNOHANG) == pid)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	dead = p && (p[2] == 'Z' || p[2] == 'X');
	return dead;
}

/*
 * Wait until the file lists n pids, all running sleep by now unless gilprof is 0 (it has ended);
 * records them for tree_fini.
 */
static void read_sleeps(const char *file, int n, pid_t gilprof)
{
	long long end = now_ms() + 30000;
	int i, pid;
	FILE *f;

	for (;;) {
		nsleeps = 0;
		f = fopen(file, "r");
		while (f && nsleeps < MAX_PIDS && fscanf(f, "%d", &pid) == 1)
			sleeps[nsleeps++] = pid;
		if (f)
			fclose(f);
		for (i = 0; i < nsleeps && (!gilprof || is_sleep(sleeps[i])); i++)
			;
		if (nsleeps == n && i == n)
			return;
		cr_assert(!gilprof || waitpid(gilprof, NULL, WNOHANG) == 0,
			  "gilprof ended before the command started its sleeps");
		cr_assert_lt(now_ms(), end, "the command did not start %d sleeps (%d seen)", n,
			     nsleeps);
		usleep(20000);
	}
}

static void assert_sleeps_die(int within_ms)
{
	long long end = now_ms() + within_ms;
	int i;

	for (i = 0; i < nsleeps; i++) {
		while (!is_dead(sleeps[i])) {
			cr_assert_lt(now_ms(), end, "sleep %d (%d of %d) outlived gilprof",
				     (int)sleeps[i], i + 1, nsleeps);
			usleep(20000);
		}
	}
}

/* The cgroup v2 directory this process is in (and so gilprof when it starts); "" if none. */
static void own_cgroup_dir(char *dir, size_t len)
{
	char cg[4096] = "", line[8192], root[4096], mnt[4096];
	FILE *f = fopen("/proc/self/cgroup", "r");

	dir[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "0::", 3) && sscanf(line + 3, "%4095s", cg) == 1)
			break;
	}
	if (f)
		fclose(f);
	f = fopen("/proc/self/mountinfo", "r");
	while (cg[0] && f && fgets(line, sizeof(line), f)) {
		size_t rl;

		if (!strstr(line, " - cgroup2 ") ||
		    sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2)
			continue;
		rl = strcmp(root, "/") ? strlen(root) : 0;
		if (strncmp(cg, root, rl))
			continue;
		snprintf(dir, len, "%s%s", mnt, cg + rl);
		break;
	}
	if (f)
		fclose(f);
}

/* gilprof's cgroup for the command, or "" when this machine has no cgroup2 to check. */
static void command_cgroup(pid_t gilprof, char *path, size_t len)
{
	char dir[8192];

	own_cgroup_dir(dir, sizeof(dir));
	if (dir[0])
		snprintf(path, len, "%s%sgilprof-%d", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
			 (int)gilprof);
	else
		path[0] = 0;
}

static void assert_removed(const char *path, int within_ms)
{
	long long end = now_ms() + within_ms;

	while (path[0] && !access(path, F_OK)) {
		cr_assert_lt(now_ms(), end, "%s was not removed", path);
		usleep(20000);
	}
}

/*
 * gilprof run, as nobody's sudo, in a process group of its own, on a shell that ignores
 * interrupts and runs two sleeps (one in the background, one in the foreground): their pids
 * go to file.
 */
static pid_t start_tree(const char *file, const char *errpath)
{
	char script[512];
	pid_t pid;
	int fd;

	snprintf(script, sizeof(script),
		 "trap '' INT TERM HUP; sleep 300 & echo $! >> %s; "
		 "sh -c 'echo $$ >> %s; exec sleep 300'; true",
		 file, file);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		setenv("SUDO_UID", "65534", 1);
		setenv("SUDO_GID", "65534", 1);
		setenv("ASAN_OPTIONS", "exitcode=86", 1);
		setenv("LSAN_OPTIONS", "exitcode=86", 1);
		execl(e2e_gilprof(), "gilprof", "run", "--no-status", "--", "/bin/sh", "-c", script,
		      (char *)NULL);
		_exit(99);
	}
	gilprof_pid = pid;
	return pid;
}

static int wait_status(pid_t pid, const char *errpath)
{
	char err[16384] = "";
	int st, fd;

	cr_assert_eq(waitpid(pid, &st, 0), pid);
	gilprof_pid = 0;
	fd = open(errpath, O_RDONLY);
	if (fd >= 0) {
		e2e_slurp(fd, err, sizeof(err));
		close(fd);
	}
	unlink(errpath);
	cr_assert(!WIFEXITED(st) || WEXITSTATUS(st) != 86, "sanitizer error:\n%s", err);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(tree, second_interrupt_kills_every_process, .timeout = 60)
{
	char dir[] = "/tmp/gilprof-e2e-tree-XXXXXX", file[64], errpath[128], cg[8300];
	pid_t g;
	int i;

	e2e_require_root();
	pid_dir(dir, file, sizeof(file));
	e2e_tmpname(errpath, sizeof(errpath), "tree.err");
	g = start_tree(file, errpath);
	command_cgroup(g, cg, sizeof(cg));
	read_sleeps(file, 2, g);
	/* the first is the command's to handle: this one ignores it, and its sleeps live on */
	kill(g, SIGINT);
	usleep(300000);
	for (i = 0; i < nsleeps; i++)
		cr_assert(is_sleep(sleeps[i]), "a first interrupt killed sleep %d", (int)sleeps[i]);
	kill(g, SIGINT);
	cr_assert_eq(wait_status(g, errpath), 130);
	assert_sleeps_die(5000);
	assert_removed(cg, 15000);
	pid_dir_remove(dir, file);
}

Test(tree, sigkilled_gilprof_takes_the_tree_along, .timeout = 60)
{
	char dir[] = "/tmp/gilprof-e2e-tree-XXXXXX", file[64], errpath[128], cg[8300];
	bool had_cgroup;
	pid_t g;

	e2e_require_root();
	pid_dir(dir, file, sizeof(file));
	e2e_tmpname(errpath, sizeof(errpath), "tree.err");
	g = start_tree(file, errpath);
	command_cgroup(g, cg, sizeof(cg));
	read_sleeps(file, 2, g);
	had_cgroup = !cg[0] || !access(cg, F_OK);
	kill(g, SIGKILL);
	cr_assert_eq(wait_status(g, errpath), 128 + SIGKILL);
	assert_sleeps_die(5000);
	cr_assert(had_cgroup, "the command was not in cgroup %s", cg);
	assert_removed(cg, 15000);
	pid_dir_remove(dir, file);
}

Test(tree, what_the_command_left_running_is_killed, .timeout = 60)
{
	char dir[] = "/tmp/gilprof-e2e-tree-XXXXXX", file[64], script[256];
	long long start;
	struct e2e_run *r;

	e2e_require_root();
	pid_dir(dir, file, sizeof(file));
	snprintf(script, sizeof(script), "sleep 300 & echo $! > %s; exit 0", file);
	setenv("SUDO_UID", "65534", 1);
	setenv("SUDO_GID", "65534", 1);
	start = now_ms();
	r = e2e_gilprof_run(NULL, (const char *[]){"run", "--", "/bin/sh", "-c", script, NULL});
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	read_sleeps(file, 1, 0);
	cr_assert_eq(r->status, 0, "%s", r->err);
	cr_assert_lt(now_ms() - start, 30000, "gilprof waited for the leftover");
	cr_assert_not_null(strstr(r->err, "gilprof: killed 1 process that /bin/sh left running"),
			   "%s", r->err);
	assert_sleeps_die(5000);
	pid_dir_remove(dir, file);
	e2e_free(r);
}
