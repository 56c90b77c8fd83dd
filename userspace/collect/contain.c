// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "collect/contain.h"

/* gilprof waits this long for the killed tree to exit; the guardian, whom nobody waits for,
 * longer (a task in uninterruptible sleep dies only when it wakes). */
#define CONTAIN_WAIT_MS 2000
#define GUARD_WAIT_MS 10000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* mountinfo writes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = 0;
}

/* This process's cgroup v2 path, from the "0::PATH" line, relative to the cgroup2 root. */
static int own_cgroup(char *path, size_t len, char *why, size_t whylen)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = -1;

	if (!f) {
		snprintf(why, whylen, "/proc/self/cgroup: %s", strerror(errno));
		return -1;
	}
	snprintf(why, whylen, "no 0:: line in /proc/self/cgroup");
	while ((n = getline(&line, &cap, f)) > 0) {
		if (strncmp(line, "0::/", 4))
			continue;
		if (line[n - 1] == '\n')
			line[--n] = 0;
		if ((size_t)n - 3 >= len)
			snprintf(why, whylen, "cgroup path too long");
		else if (strstr(line, " (deleted)"))
			snprintf(why, whylen, "gilprof's cgroup %s was removed", line + 3);
		else {
			memcpy(path, line + 3, n - 2);
			ret = 0;
		}
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

/*
 * The directory of this process's cgroup v2: a cgroup2 mount whose root holds it (the mount may
 * be at /sys/fs/cgroup, /sys/fs/cgroup/unified in the hybrid layout, or of a subtree).
 */
static int own_cgroup_dir(char *dir, size_t len, char *why, size_t whylen)
{
	char cg[PATH_MAX], *line = NULL;
	size_t cap = 0;
	FILE *f;
	int ret = -1;

	if (own_cgroup(cg, sizeof(cg), why, whylen))
		return -1;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f) {
		snprintf(why, whylen, "/proc/self/mountinfo: %s", strerror(errno));
		return -1;
	}
	snprintf(why, whylen, "no cgroup2 mount holds gilprof's cgroup %s", cg);
	while (ret && getline(&line, &cap, f) > 0) {
		char *save = NULL, *fld[5], *tok, *fstype = NULL;
		size_t rlen;
		int i = 0;

		/* id parent dev root mountpoint options [optional...] - fstype source super */
		for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			if (i < 5)
				fld[i] = tok;
			if (i++ >= 5 && !strcmp(tok, "-")) {
				fstype = strtok_r(NULL, " \n", &save);
				break;
			}
		}
		if (!fstype || strcmp(fstype, "cgroup2"))
			continue;
		unescape(fld[3]);
		unescape(fld[4]);
		rlen = strcmp(fld[3], "/") ? strlen(fld[3]) : 0;
		if (strncmp(cg, fld[3], rlen) || (cg[rlen] && cg[rlen] != '/'))
			continue;
		/* the root cgroup is the mount point itself */
		if ((size_t)snprintf(dir, len, "%s%s", fld[4],
				     strcmp(cg + rlen, "/") ? cg + rlen : "") >= len)
			snprintf(why, whylen, "cgroup path too long");
		else
			ret = 0;
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

static void fd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int cgroup_remove(const struct gp_contain *c)
{
	return unlinkat(c->parent_fd, c->name, AT_REMOVEDIR);
}

/* The command's cgroup under dir, and what killing and watching it needs, opened now. */
static int cgroup_make(struct gp_contain *c, const char *dir, char *why, size_t whylen)
{
	struct statfs sf;
	struct stat st;

	c->parent_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->parent_fd < 0) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (fstatfs(c->parent_fd, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(why, whylen, "%s is not on cgroup2", dir);
		return -1;
	}
	/* An existing one can only be an earlier gilprof's with this pid: reused if empty. */
	if (mkdirat(c->parent_fd, c->name, 0755) &&
	    (errno != EEXIST || cgroup_remove(c) || mkdirat(c->parent_fd, c->name, 0755))) {
		snprintf(why, whylen, "mkdir %s/%s: %s", dir, c->name, strerror(errno));
		return -1;
	}
	c->dir_fd = openat(c->parent_fd, c->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->dir_fd < 0) {
		snprintf(why, whylen, "%s/%s: %s", dir, c->name, strerror(errno));
		cgroup_remove(c);
		return -1;
	}
	/*
	 * In a subtree delegated to the user, the user could swap in a cgroup of their own between
	 * the mkdir and the open, and then move the command out of it: ours belongs to root.
	 */
	if (fstat(c->dir_fd, &st) || st.st_uid != geteuid()) {
		snprintf(why, whylen, "%s/%s was replaced by another user's cgroup", dir, c->name);
		return -1;
	}
	c->kill_fd = openat(c->dir_fd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
	if (c->kill_fd < 0) {
		snprintf(why, whylen, "%s/%s/cgroup.kill: %s%s", dir, c->name, strerror(errno),
			 errno == ENOENT ? " (Linux before 5.14)" : "");
		cgroup_remove(c);
		return -1;
	}
	c->events_fd = openat(c->dir_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (c->events_fd < 0) {
		snprintf(why, whylen, "%s/%s/cgroup.events: %s", dir, c->name, strerror(errno));
		cgroup_remove(c);
		return -1;
	}
	return 0;
}

static void fallback(struct gp_contain *c, const char *why)
{
	fd_close(&c->events_fd);
	fd_close(&c->kill_fd);
	fd_close(&c->dir_fd);
	fd_close(&c->parent_fd);
	fprintf(stderr,
		"gilprof: no cgroup v2 (%s): only the command's process group is killed at the "
		"end\n",
		why);
}

void contain_init(struct gp_contain *c)
{
	char dir[PATH_MAX], why[PATH_MAX + 128];

	memset(c, 0, sizeof(*c));
	c->parent_fd = c->dir_fd = c->kill_fd = c->events_fd = c->guard_fd = -1;
	snprintf(c->name, sizeof(c->name), "gilprof-%d", (int)getpid());
	if (own_cgroup_dir(dir, sizeof(dir), why, sizeof(why)) ||
	    cgroup_make(c, dir, why, sizeof(why)))
		fallback(c, why);
}

void contain_add(struct gp_contain *c, pid_t pid)
{
	char buf[24], why[128];
	int fd, n, e;

	if (c->dir_fd >= 0) {
		fd = openat(c->dir_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
		n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
		if (fd >= 0 && write(fd, buf, n) == n) {
			close(fd);
			return;
		}
		e = errno;
		if (fd >= 0)
			close(fd);
		snprintf(why, sizeof(why), "cannot move the command into cgroup %s: %s", c->name,
			 strerror(e));
		cgroup_remove(c);
		fallback(c, why);
	}
	/* The child sets it too, as shells do; it waits before exec, so neither can be late. */
	setpgid(pid, pid);
	c->pgid = pid;
}

bool contain_own_pgrp(const struct gp_contain *c)
{
	return c->pgid > 0;
}

void contain_kill_async(const struct gp_contain *c)
{
	if (c->kill_fd >= 0) {
		if (write(c->kill_fd, "1", 1) < 0)
			return;
	} else if (c->pgid > 0) {
		kill(-c->pgid, SIGKILL);
	}
}

/* Processes in the cgroup itself but cmd (a --as-root command may make sub-cgroups; those are
 * killed, not counted). */
static int cgroup_count(const struct gp_contain *c, pid_t cmd)
{
	int fd = openat(c->dir_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC), n = 0;
	bool digits = false;
	char buf[4096];
	long long v = 0;
	ssize_t r, i;

	if (fd < 0)
		return 0;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < r; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				v = v * 10 + (buf[i] - '0');
				digits = true;
				continue;
			}
			n += digits && v != cmd;
			v = 0;
			digits = false;
		}
	}
	close(fd);
	return n;
}

static bool cgroup_wait_empty(const struct gp_contain *c, int ms)
{
	long long end = now_ms() + ms, left;
	struct pollfd p = {c->events_fd, POLLPRI, 0};
	char buf[256];
	ssize_t r;

	for (;;) {
		r = pread(c->events_fd, buf, sizeof(buf) - 1, 0);
		if (r < 0)
			return false;
		buf[r] = 0;
		if (strstr(buf, "populated 0"))
			return true;
		left = end - now_ms();
		if (left <= 0)
			return false;
		/* the kernel notifies changes of cgroup.events; the cap is in case it does not */
		poll(&p, 1, left < 50 ? left : 50);
	}
}

/* Live members of process group pgid but cmd, from /proc. */
static int pgrp_count(pid_t pgid, pid_t cmd)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[64], buf[512], *p, state;
		int fd, ppid, pg;
		ssize_t r;
		long pid;

		pid = strtol(de->d_name, &p, 10);
		if (*p || pid <= 0 || pid == cmd)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = 0;
		/* the name in parentheses may hold anything, so parse after the last ')' */
		p = strrchr(buf, ')');
		if (p && sscanf(p + 1, " %c %d %d", &state, &ppid, &pg) == 3 && pg == pgid &&
		    state != 'Z' && state != 'X')
			n++;
	}
	closedir(d);
	return n;
}

static bool pgrp_wait_empty(pid_t pgid, pid_t cmd, int ms)
{
	long long end = now_ms() + ms;

	while (pgrp_count(pgid, cmd)) {
		if (now_ms() >= end)
			return false;
		nanosleep(&(struct timespec){0, 20 * 1000000}, NULL);
	}
	return true;
}

int contain_end(struct gp_contain *c, pid_t cmd)
{
	int n = 0;

	if (c->dir_fd >= 0) {
		n = cgroup_count(c, cmd);
		contain_kill_async(c);
		c->ended = cgroup_wait_empty(c, CONTAIN_WAIT_MS) && !cgroup_remove(c);
	} else if (c->pgid > 0) {
		n = pgrp_count(c->pgid, cmd);
		contain_kill_async(c);
		c->ended = pgrp_wait_empty(c->pgid, cmd, CONTAIN_WAIT_MS);
	}
	return n;
}

static void close_from(unsigned lo, unsigned hi)
{
	long max;

	if (lo > hi || !close_range(lo, hi, 0))
		return;
	/* kernels before 5.9 */
	max = sysconf(_SC_OPEN_MAX);
	for (; lo <= hi && (max < 0 || lo < (unsigned long)max) && lo < 65536; lo++)
		close(lo);
}

/* Close every descriptor but those in keep (-1 entries ignored). */
static void fds_keep_only(int *keep, int n)
{
	unsigned lo = 0;
	int i, j, k;

	for (i = 1; i < n; i++) {
		for (k = keep[i], j = i; j > 0 && keep[j - 1] > k; j--)
			keep[j] = keep[j - 1];
		keep[j] = k;
	}
	for (i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < lo)
			continue;
		if ((unsigned)keep[i] > lo)
			close_from(lo, keep[i] - 1);
		lo = keep[i] + 1;
	}
	close_from(lo, ~0U);
}

static __attribute__((noreturn)) void guard_main(const struct gp_contain *c, int rfd)
{
	static const int ignored[] = {SIGINT,  SIGQUIT, SIGTERM, SIGHUP,
				      SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU};
	int keep[] = {rfd, c->parent_fd, c->dir_fd, c->kill_fd, c->events_fd};
	sigset_t none;
	ssize_t n;
	size_t i;
	char b;

	/* Nothing of gilprof's: no BPF maps or rings, no outputs, not the command's pipes, not
	 * the terminal (which would also keep a reader of gilprof's output waiting). */
	fds_keep_only(keep, sizeof(keep) / sizeof(keep[0]));
	/* Out of the terminal's process group and session: its Ctrl-C and hangup are gilprof's
	 * to act on, and a kill of gilprof's whole group leaves the guardian to clean up. */
	setsid();
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_NAME, "gilprof-guard");
	for (;;) {
		n = read(rfd, &b, 1);
		if (n == 1 && b == 'd')
			_exit(0);
		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
	/* gilprof ended without cleaning up: whatever it was killed by, the tree goes too */
	contain_kill_async(c);
	if (c->dir_fd >= 0) {
		if (cgroup_wait_empty(c, GUARD_WAIT_MS))
			cgroup_remove(c);
	} else if (c->pgid > 0) {
		pgrp_wait_empty(c->pgid, 0, GUARD_WAIT_MS);
	}
	_exit(0);
}

int contain_guard(struct gp_contain *c, char *err, size_t errlen)
{
	int p[2];

	/* close-on-exec: the command must not hold the write end, or gilprof's death is no EOF */
	if (pipe2(p, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	c->guard_pid = fork();
	if (c->guard_pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		c->guard_pid = 0;
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (c->guard_pid == 0)
		guard_main(c, p[0]);
	close(p[0]);
	c->guard_fd = p[1];
	return 0;
}

void contain_close(struct gp_contain *c)
{
	if (c->guard_fd >= 0) {
		if (c->ended && write(c->guard_fd, "d", 1) != 1)
			c->ended = false;
		fd_close(&c->guard_fd);
		/* a guardian not told "done" is killing the tree and exits when it is gone */
		if (c->ended)
			waitpid(c->guard_pid, NULL, 0);
	} else if (!c->ended && c->dir_fd >= 0) {
		contain_kill_async(c);
		if (cgroup_wait_empty(c, CONTAIN_WAIT_MS))
			cgroup_remove(c);
	}
	fd_close(&c->events_fd);
	fd_close(&c->kill_fd);
	fd_close(&c->dir_fd);
	fd_close(&c->parent_fd);
}
