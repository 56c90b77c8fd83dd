// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "util/ctlsock.h"

#define RUNDIR "/run/gilprof"
/* a request is one short line: a client that stalls is cut off; a dump may take a while */
#define REQUEST_TIMEOUT_MS 200
#define REPLY_TIMEOUT_MS 120000

/*
 * $GILPROF_RUNDIR is root's own setting (the tests use one each): under sudo it is ignored, so a
 * user whose sudoers passes the environment cannot make root create directories elsewhere.
 */
static const char *rundir(void)
{
	const char *d = getenv("GILPROF_RUNDIR");

	return d && *d && !getenv("SUDO_UID") ? d : RUNDIR;
}

/* Root's, a directory (not a link to one), and no one else may write it. */
static int dir_check(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(dir, &st)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		snprintf(err, errlen,
			 "%s must be a directory of root's that no one else may write (it is %s, "
			 "uid %u, mode %o)",
			 dir, S_ISDIR(st.st_mode) ? "a directory" : "not a directory",
			 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

static int sock_path(char *path, size_t len, const char *dir, const char *pid)
{
	struct sockaddr_un sa;

	if ((size_t)snprintf(path, len, "%s/monitor-%s.sock", dir, pid) >= len ||
	    strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	return 0;
}

int ctlsock_listen(char *path, size_t pathlen, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *dir = rundir();
	char pid[16];
	int fd, e;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot make %s: %s", dir, strerror(errno));
		return -errno;
	}
	e = dir_check(dir, err, errlen);
	if (e)
		return e;
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (sock_path(path, pathlen, dir, pid)) {
		snprintf(err, errlen, "%s: path too long for a socket", dir);
		return -ENAMETOOLONG;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	strcpy(sa.sun_path, path);
	unlink(path); /* a monitor of the same pid that was killed */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0600) || listen(fd, 4)) {
		e = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return e;
	}
	return fd;
}

/* A line from fd within the time bound; its length, or -1. */
static int line_read(int fd, char *line, size_t len, int timeout_ms)
{
	size_t n = 0;

	while (n + 1 < len) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t k;

		if (poll(&p, 1, timeout_ms) <= 0)
			return -1;
		k = read(fd, line + n, len - 1 - n);
		if (k <= 0)
			break;
		n += k;
		if (memchr(line, '\n', n))
			break;
	}
	line[n] = 0;
	line[strcspn(line, "\n")] = 0;
	return n ? (int)strlen(line) : -1;
}

int ctlsock_accept(int lfd, char *line, size_t len)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return -1;
	/* the directory keeps others out; this is the check that does not depend on it */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || cred.uid != 0 ||
	    line_read(fd, line, len, REQUEST_TIMEOUT_MS) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void ctlsock_reply(int fd, const char *line)
{
	char buf[CTLSOCK_LINE + 2];
	int n = snprintf(buf, sizeof(buf), "%s\n", line);

	/* a client that went away has nothing to be told */
	(void)!send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

/* The pid of the only monitor whose socket answers, into pid. */
static int only_monitor(const char *dir, char *pid, size_t len, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	if (!d) {
		snprintf(err, errlen, "no gilprof monitor is running (%s: %s)", dir,
			 strerror(errno));
		return 1;
	}
	while ((e = readdir(d))) {
		unsigned p;
		char tail[8];

		if (sscanf(e->d_name, "monitor-%u%7s", &p, tail) != 2 || strcmp(tail, ".sock") ||
		    kill((pid_t)p, 0))
			continue;
		if (found++)
			break;
		snprintf(pid, len, "%u", p);
	}
	closedir(d);
	if (found == 1)
		return 0;
	snprintf(err, errlen,
		 found ? "several gilprof monitors are running: give the pid of one (--dump PID)"
		       : "no gilprof monitor is running");
	return 1;
}

int ctlsock_request(const char *pid, const char *cmd, char *reply, size_t len, char *err,
		    size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *dir = rundir();
	char only[16], path[sizeof(sa.sun_path) + 64];
	int fd, n;

	if (geteuid() != 0) {
		snprintf(err, errlen,
			 "--dump talks to a monitor, which runs as root: run it with "
			 "sudo");
		return 1;
	}
	if (dir_check(dir, err, errlen)) {
		if (errno == ENOENT)
			snprintf(err, errlen, "no gilprof monitor is running");
		return 1;
	}
	if (pid && strspn(pid, "0123456789") != strlen(pid)) {
		snprintf(err, errlen, "--dump %s: not a pid", pid);
		return 2;
	}
	if (!pid && only_monitor(dir, only, sizeof(only), err, errlen))
		return 1;
	if (sock_path(path, sizeof(path), dir, pid ? pid : only)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return 1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(err, errlen, "no gilprof monitor with pid %s answers (%s)",
			 pid ? pid : only, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	n = snprintf(reply, len, "%s\n", cmd);
	if (write(fd, reply, n) != n || line_read(fd, reply, len, REPLY_TIMEOUT_MS) < 0) {
		snprintf(err, errlen, "the monitor (pid %s) did not answer", pid ? pid : only);
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}
