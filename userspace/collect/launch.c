// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "util/asuser.h"
#include "collect/launch.h"

/* Checked as the user who will run it (asuser.h), with a shell's statuses. */
static int check_exec(const char *path, const char *argv0, char *err, size_t errlen)
{
	int e = asuser_exec_check(path);

	if (!e)
		return 0;
	if (e == -EISDIR)
		snprintf(err, errlen, "%s: is a directory", argv0);
	else if (e == -ENOEXEC)
		snprintf(err, errlen, "%s: permission denied (not executable)", argv0);
	else
		snprintf(err, errlen, "%s: %s", argv0, strerror(-e));
	return e == -ENOENT || e == -ENOTDIR ? 127 : 126;
}

int launch_resolve(const char *argv0, char *path, size_t pathlen, char *err, size_t errlen)
{
	const char *env = getenv("PATH");
	char *dirs, *dir, *save = NULL;
	int ret = 127;

	if (!*argv0) {
		snprintf(err, errlen, "empty command name");
		return 127;
	}
	if (strchr(argv0, '/')) {
		snprintf(path, pathlen, "%s", argv0);
		return check_exec(path, argv0, err, errlen);
	}
	dirs = strdup(env && *env ? env : "/usr/local/bin:/usr/bin:/bin");
	if (!dirs) {
		snprintf(err, errlen, "out of memory");
		return 127;
	}
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(path, pathlen, "%s/%s", *dir ? dir : ".", argv0);
		if (asuser_exec_check(path) != -ENOENT) {
			ret = check_exec(path, argv0, err, errlen);
			if (!ret)
				break;
		}
	}
	free(dirs);
	if (ret == 127)
		snprintf(err, errlen, "%s: command not found", argv0);
	return ret;
}

static void child_stdout(const struct gp_launch_opts *o)
{
	int null;

	if (o->out == GP_LAUNCH_STDOUT_NULL && (null = open("/dev/null", O_WRONLY)) >= 0) {
		dup2(null, STDOUT_FILENO);
		close(null);
	} else if (o->out == GP_LAUNCH_STDOUT_STDERR) {
		dup2(STDERR_FILENO, STDOUT_FILENO);
	} else if (o->out == GP_LAUNCH_STDOUT_FD) {
		dup2(o->out_fd, STDOUT_FILENO);
	} else if (o->out == GP_LAUNCH_DETACHED && (null = open("/dev/null", O_RDWR)) >= 0) {
		for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
			dup2(null, fd);
		close(null);
	}
}

static void child_run(const char *path, char *const argv[], const struct gp_launch_opts *o,
		      pid_t parent, int go, int errw)
{
	char c;
	int e = 0;

	/* Before the wait, so that it is woken, and first traced, on a CPU of its set. */
	if (o->cpus && sched_setaffinity(0, sizeof(*o->cpus), o->cpus))
		e = errno;
	/* Wait until the parent has put us in the traced set (and in the command's cgroup). */
	if (read(go, &c, 1) != 1)
		_exit(127);
	close(go);
	if (e)
		goto fail;
	if (c == 'p')
		setpgid(0, 0);
	child_stdout(o);
	e = o->creds ? -creds_drop(o->creds) : 0;
	if (e)
		goto fail;
	/*
	 * Credential changes clear the death signal, so it is set after them; it ends this one
	 * process with gilprof even if the cgroup (or the guardian) should not.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent) {
		e = ESRCH;
		goto fail;
	}
	signal(SIGPIPE, SIG_DFL);
	execv(path, argv);
	e = errno;
fail:
	if (write(errw, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(e == ENOENT ? 127 : 126);
}

int launch_prepare(const char *path, char *const argv[], const struct gp_launch_opts *o,
		   struct gp_launch *l, char *err, size_t errlen)
{
	pid_t parent = getpid();
	int go[2], ep[2];

	if (pipe2(go, O_CLOEXEC))
		goto fail_pipe;
	if (pipe2(ep, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		goto fail_pipe;
	}
	l->pid = fork();
	if (l->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(go[0]);
		close(go[1]);
		close(ep[0]);
		close(ep[1]);
		return -1;
	}
	if (l->pid == 0) {
		close(go[1]);
		close(ep[0]);
		child_run(path, argv, o, parent, go[0], ep[1]);
	}
	close(go[0]);
	close(ep[1]);
	l->go_fd = go[1];
	l->err_fd = ep[0];
	return 0;
fail_pipe:
	snprintf(err, errlen, "pipe: %s", strerror(errno));
	return -1;
}

int launch_go(struct gp_launch *l, bool own_pgrp, char *err, size_t errlen)
{
	ssize_t n;
	int e = 0;

	n = write(l->go_fd, own_pgrp ? "p" : "g", 1);
	close(l->go_fd);
	l->go_fd = -1;
	if (n != 1) {
		snprintf(err, errlen, "cannot start the target: %s", strerror(errno));
		return 127;
	}
	/* EOF means exec succeeded (the pipe was close-on-exec). */
	do
		n = read(l->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(l->err_fd);
	l->err_fd = -1;
	if (n != sizeof(e))
		return 0;
	snprintf(err, errlen, "cannot execute the target: %s", strerror(e));
	return e == ENOENT ? 127 : 126;
}

int launch_exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}
