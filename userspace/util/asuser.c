// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "util/asuser.h"
#include "util/regfile.h"

enum asu_op {
	OP_OPEN_READ = 1,
	OP_OPEN_READ_PIPES,
	OP_OUT_OPEN,
	OP_COMMIT,
	OP_DISCARD,
	OP_EXEC_CHECK,
	OP_MAY_TRACE
};

struct asu_req {
	uint32_t op;
	char path[PATH_MAX];
	char base[NAME_MAX + 1];
	char tmpname[NAME_MAX + 1];
};

/* The descriptors of out and st travel beside it as SCM_RIGHTS, never as numbers. */
struct asu_rep {
	int32_t err; /* 0 or -errno */
	char msg[PATH_MAX + 160];
	struct asuser_out out;
	struct stat st;
};

#define ASU_MAXFDS 2

static int broker_fd = -1;
static pid_t broker_pid;
/* One request at a time (see asuser.h), here and in the broker: one buffer of each is enough. */
static struct asu_req req;
static struct asu_rep rep;

/* fmt has two %s: the path, then the reason for err. */
static int fail(struct asu_rep *p, int err, const char *fmt, const char *path)
{
	p->err = err;
	snprintf(p->msg, sizeof(p->msg), fmt, path, strerror(-err));
	return err;
}

static int fail_msg(struct asu_rep *p, int err, const char *msg)
{
	p->err = err;
	snprintf(p->msg, sizeof(p->msg), "%s", msg);
	return err;
}

static int op_open_read(const struct asu_req *q, struct asu_rep *p, int *fds, int *nfds)
{
	int fd, fl;

	if (q->op == OP_OPEN_READ) {
		fd = regfile_open(AT_FDCWD, q->path, 0, &p->st);
		if (fd == -ENODEV)
			return fail(p, fd, "%s: not a regular file", q->path);
	} else {
		/* O_NONBLOCK: a FIFO without a writer must not hang the open; reads block again. */
		fd = open(q->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0)
			fd = -errno;
		if (fd >= 0 &&
		    (fstat(fd, &p->st) || (!S_ISREG(p->st.st_mode) && !S_ISFIFO(p->st.st_mode)))) {
			close(fd);
			return fail(p, S_ISDIR(p->st.st_mode) ? -EISDIR : -ENODEV,
				    S_ISDIR(p->st.st_mode) ? "%s: is a directory"
							   : "%s: not a regular file or pipe",
				    q->path);
		}
		if (fd >= 0 &&
		    ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK))) {
			close(fd);
			fd = -errno;
		}
	}
	if (fd < 0)
		return fail(p, fd, "cannot open %s: %s", q->path);
	fds[(*nfds)++] = fd;
	return 0;
}

static int name_split(const char *path, char *dir, char *base, struct asu_rep *p)
{
	char tmp[PATH_MAX], *b;
	size_t n;

	snprintf(tmp, sizeof(tmp), "%s", path);
	n = strlen(tmp);
	if (tmp[n - 1] == '/')
		return fail(p, -EISDIR, "%s: %s (a file name is needed)", path);
	b = basename(tmp);
	if (strlen(b) > NAME_MAX)
		return fail(p, -ENAMETOOLONG, "%s: %s", path);
	strcpy(base, b);
	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(dir, PATH_MAX, "%s", dirname(tmp));
	return 0;
}

static void tmp_pick(char *name, const char *base)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
	snprintf(name, NAME_MAX + 1, ".%.200s.gilprof-%08x", base, r);
}

/* The new file: unnamed where the file system can (nothing is left behind by a crash). */
static int out_create(struct asuser_out *o, mode_t mode)
{
	int fd = openat(o->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);

	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd < 0 ? -errno : fd;
	for (int i = 0; i < 100; i++) {
		tmp_pick(o->tmpname, o->base);
		fd = openat(o->dirfd, o->tmpname,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		o->tmpname[0] = 0;
	return fd < 0 ? -errno : fd;
}

static int out_device(const struct asu_req *q, struct asu_rep *p, int *fds, int *nfds)
{
	struct stat st;
	int fd = open(q->path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return fail(p, -errno, "cannot write %s: %s", q->path);
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode)) {
		close(fd);
		return fail(p, -ESTALE, "%s: %s (replaced while opening)", q->path);
	}
	p->out.kind = ASU_DEVICE;
	p->out.dev = st.st_rdev;
	fds[(*nfds)++] = fd;
	return 0;
}

/* Replacing a file is allowed where writing it would be: not another's in a sticky directory. */
static int out_may_replace(const struct asuser_out *o, const struct stat *dir, const char *path,
			   struct asu_rep *p)
{
	struct stat old;

	if (fstatat(o->dirfd, o->base, &old, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : fail(p, -errno, "cannot write %s: %s", path);
	p->out.old_dev = old.st_dev;
	p->out.old_ino = old.st_ino;
	p->st = old;
	if (faccessat(o->dirfd, o->base, W_OK, AT_EACCESS))
		return fail(p, -errno, "cannot write %s: %s", path);
	if ((dir->st_mode & S_ISVTX) && geteuid() && old.st_uid != geteuid() &&
	    dir->st_uid != geteuid())
		return fail(p, -EPERM,
			    "cannot replace %s: %s (another user's file in a sticky "
			    "directory)",
			    path);
	return 0;
}

static int op_out_open(const struct asu_req *q, struct asu_rep *p, int *fds, int *nfds)
{
	char real[PATH_MAX], dir[PATH_MAX];
	struct asuser_out *o = &p->out;
	const char *name = q->path;
	struct stat st, dst;
	int fd, err;

	o->dirfd = o->fd = -1;
	if (!q->path[0])
		return fail_msg(p, -EINVAL, "an empty file name");
	if (!stat(q->path, &st)) {
		if (S_ISDIR(st.st_mode))
			return fail(p, -EISDIR, "%s: %s", q->path);
		if (S_ISCHR(st.st_mode))
			return out_device(q, p, fds, nfds);
		if (!S_ISREG(st.st_mode))
			return fail(p, -ENODEV,
				    "%s: %s (only regular files and character devices "
				    "are written; '-' is stdout)",
				    q->path);
		/* The user's link to their file: replace the file, not the link. */
		if (!realpath(q->path, real))
			return fail(p, -errno, "cannot write %s: %s", q->path);
		name = real;
	} else if (errno != ENOENT) {
		return fail(p, -errno, "cannot write %s: %s", q->path);
	} else if (!lstat(q->path, &st)) {
		return fail(p, -ENOENT, "cannot write %s: %s (a symbolic link to nothing)",
			    q->path);
	}
	err = name_split(name, dir, o->base, p);
	if (err)
		return err;
	o->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (o->dirfd < 0 || fstat(o->dirfd, &dst)) {
		err = fail(p, -errno, "cannot write %s: %s", q->path);
		goto fail_dir;
	}
	o->kind = ASU_FILE;
	o->dev = dst.st_dev;
	o->ino = dst.st_ino;
	err = out_may_replace(o, &dst, q->path, p);
	if (err)
		goto fail_dir;
	fd = out_create(o, p->out.old_ino ? (p->st.st_mode & 0777) : 0666);
	if (fd < 0) {
		err = fail(p, fd, "cannot write %s: %s", q->path);
		goto fail_dir;
	}
	/* umask applies at creation; a replaced file keeps its own mode (or the narrower one). */
	if (p->out.old_ino)
		(void)!fchmod(fd, p->st.st_mode & 0777);
	fds[(*nfds)++] = fd;
	fds[(*nfds)++] = o->dirfd;
	return 0;
fail_dir:
	if (o->dirfd >= 0)
		close(o->dirfd);
	return err;
}

static int op_commit(const struct asu_req *q, const int *in, int nin, struct asu_rep *p)
{
	char proc[64], tmp[NAME_MAX + 1];
	int dirfd = in[0], fd = in[1], i;

	if (nin != 2)
		return fail_msg(p, -EINVAL, "a commit without its files");
	if (q->tmpname[0]) {
		if (renameat(dirfd, q->tmpname, dirfd, q->base))
			return fail(p, -errno, "cannot rename the output into %s: %s", q->base);
		return 0;
	}
	/* An unnamed file gets a fresh name first: renaming that over the old one is atomic. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	for (i = 0; i < 100; i++) {
		tmp_pick(tmp, q->base);
		if (!linkat(AT_FDCWD, proc, dirfd, tmp, AT_SYMLINK_FOLLOW))
			break;
		if (errno != EEXIST)
			return fail(p, -errno, "cannot link the output as %s: %s", q->base);
	}
	/* Never rename a name this call did not just create. */
	if (i == 100)
		return fail(p, -EEXIST, "cannot link the output as %s: %s", q->base);
	if (renameat(dirfd, tmp, dirfd, q->base)) {
		fail(p, -errno, "cannot rename the output into %s: %s", q->base);
		unlinkat(dirfd, tmp, 0);
		return p->err;
	}
	return 0;
}

/*
 * The kernel's own answer to "may this user read that process's memory map": opening
 * /proc/PID/maps checks ptrace read access with the opener's credentials (what perf and gdb are
 * held to), so a process of another user, a setuid one, or a non-dumpable one is refused.
 */
static int op_may_trace(const struct asu_req *q, struct asu_rep *p)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%.20s/maps", q->path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return p->err = -errno;
	close(fd);
	return 0;
}

static int op_run(const struct asu_req *q, const int *in, int nin, struct asu_rep *p, int *out,
		  int *nout)
{
	memset(p, 0, sizeof(*p));
	p->out.fd = p->out.dirfd = -1;
	switch (q->op) {
	case OP_OPEN_READ:
	case OP_OPEN_READ_PIPES:
		return op_open_read(q, p, out, nout);
	case OP_OUT_OPEN:
		return op_out_open(q, p, out, nout);
	case OP_COMMIT:
		return op_commit(q, in, nin, p);
	case OP_EXEC_CHECK:
		if (stat(q->path, &p->st))
			return p->err = -errno;
		if (S_ISDIR(p->st.st_mode))
			return p->err = -EISDIR;
		return p->err = faccessat(AT_FDCWD, q->path, X_OK, AT_EACCESS) ? -ENOEXEC : 0;
	case OP_MAY_TRACE:
		return op_may_trace(q, p);
	case OP_DISCARD:
		if (nin >= 1 && q->tmpname[0])
			unlinkat(in[0], q->tmpname, 0);
		return 0;
	}
	return fail_msg(p, -EINVAL, "unknown request");
}

static int fds_send(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * ASU_MAXFDS)] = {0};
	struct iovec iov = {(void *)buf, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;
	ssize_t n;

	if (nfds) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EPIPE;
}

/* A message of exactly len bytes and its descriptors; 0 at end of stream, else -errno. */
static int fds_recv(int sock, void *buf, size_t len, int *fds, int *nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * ASU_MAXFDS)];
	struct iovec iov = {buf, len};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm;
	ssize_t n;
	int i, k;

	*nfds = 0;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*nfds < ASU_MAXFDS)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
	if ((size_t)n != len || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		for (i = 0; i < *nfds; i++)
			close(fds[i]);
		*nfds = 0;
		return -EPROTO;
	}
	return 1;
}

static void fds_close(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

static __attribute__((noreturn)) void broker_main(int sock, pid_t parent, const struct gp_creds *c)
{
	int in[ASU_MAXFDS], out[ASU_MAXFDS], nin, nout, err;

	memset(&rep, 0, sizeof(rep));
	/* A terminal's Ctrl-C goes to the whole process group: the report still has to be written. */
	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	err = creds_drop(c);
	/* Credential changes clear the death signal, so it is set after them. */
	if (!err && (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent))
		err = -ESRCH;
	if (!err && (prctl(PR_SET_DUMPABLE, 0) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)))
		err = -errno;
	prctl(PR_SET_NAME, "gilprof-user");
	rep.err = err;
	if (fds_send(sock, &rep, sizeof(rep), NULL, 0) || err)
		_exit(1);
	for (;;) {
		err = fds_recv(sock, &req, sizeof(req), in, &nin);
		if (err <= 0)
			_exit(err ? 1 : 0);
		req.path[sizeof(req.path) - 1] = req.base[sizeof(req.base) - 1] = 0;
		req.tmpname[sizeof(req.tmpname) - 1] = 0;
		nout = 0;
		op_run(&req, in, nin, &rep, out, &nout);
		fds_close(in, nin);
		err = fds_send(sock, &rep, sizeof(rep), out, nout);
		fds_close(out, nout);
		if (err)
			_exit(1);
	}
}

int asuser_start(const struct gp_creds *c, char *err, size_t errlen)
{
	int sv[2], fds[ASU_MAXFDS], nfds, ret;
	pid_t parent = getpid();

	if (!c->sudo || broker_fd >= 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	broker_pid = fork();
	if (broker_pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (broker_pid == 0) {
		/*
		 * Nothing of root's but the socket: no BPF maps, no outputs, no inherited files.
		 * stdin, stdout and stderr stay: the user's shell opened them, and /dev/stdout
		 * (/proc/self/fd/1) must lead to the same file here as in gilprof.
		 */
		if (sv[1] > 3)
			close_range(3, sv[1] - 1, 0);
		close_range(sv[1] + 1, ~0U, 0);
		broker_main(sv[1], parent, c);
	}
	close(sv[1]);
	broker_fd = sv[0];
	/* The broker's first message says whether it became the user. */
	ret = fds_recv(broker_fd, &rep, sizeof(rep), fds, &nfds);
	fds_close(fds, nfds);
	if (ret > 0)
		ret = rep.err;
	else if (!ret)
		ret = -EPIPE;
	if (ret) {
		snprintf(err, errlen, "cannot act as the sudo user (uid %u, gid %u): %s",
			 (unsigned)c->uid, (unsigned)c->gid, strerror(-ret));
		asuser_stop();
		return -1;
	}
	return 0;
}

void asuser_stop(void)
{
	if (broker_fd < 0)
		return;
	close(broker_fd);
	broker_fd = -1;
	waitpid(broker_pid, NULL, 0);
}

/* One request, by the broker when there is one, else here. */
static int asuser_call(const struct asu_req *q, const int *in, int nin, struct asu_rep *p, int *out,
		       int *nout)
{
	int err;

	*nout = 0;
	if (broker_fd < 0)
		return op_run(q, in, nin, p, out, nout);
	err = fds_send(broker_fd, q, sizeof(*q), in, nin);
	if (!err)
		err = fds_recv(broker_fd, p, sizeof(*p), out, nout);
	if (err <= 0) {
		memset(p, 0, sizeof(*p));
		p->err = err ? err : -EPIPE;
		snprintf(p->msg, sizeof(p->msg),
			 "the process that opens files as the sudo user "
			 "is gone");
		return p->err;
	}
	p->msg[sizeof(p->msg) - 1] = 0;
	return p->err;
}

/* The request buffer, cleared and filled; NULL with err when path does not fit. */
static struct asu_req *req_new(enum asu_op op, const char *path, char *err, size_t errlen)
{
	if (path && strlen(path) >= sizeof(req.path)) {
		snprintf(err, errlen, "%.64s...: file name too long", path);
		return NULL;
	}
	memset(&req, 0, sizeof(req));
	req.op = op;
	if (path)
		strcpy(req.path, path);
	return &req;
}

/* The reply's reason for ret, for the caller's message. */
static int reply_err(int ret, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", rep.msg[0] ? rep.msg : strerror(-ret));
	return ret;
}

int asuser_exec_check(const char *path)
{
	char err[64];
	int fds[ASU_MAXFDS], nfds, ret;

	if (!req_new(OP_EXEC_CHECK, path, err, sizeof(err)))
		return -ENAMETOOLONG;
	ret = asuser_call(&req, NULL, 0, &rep, fds, &nfds);
	fds_close(fds, nfds);
	return ret;
}

int asuser_may_trace(pid_t pid)
{
	char num[24], err[64];
	int fds[ASU_MAXFDS], nfds, ret;

	snprintf(num, sizeof(num), "%d", (int)pid);
	if (!req_new(OP_MAY_TRACE, num, err, sizeof(err)))
		return -EINVAL;
	ret = asuser_call(&req, NULL, 0, &rep, fds, &nfds);
	fds_close(fds, nfds);
	return ret;
}

int asuser_open_read(const char *path, bool pipes_ok, struct stat *st, char *err, size_t errlen)
{
	int fds[ASU_MAXFDS], nfds, ret;

	if (!req_new(pipes_ok ? OP_OPEN_READ_PIPES : OP_OPEN_READ, path, err, errlen))
		return -ENAMETOOLONG;
	ret = asuser_call(&req, NULL, 0, &rep, fds, &nfds);
	if (!ret && nfds != 1)
		ret = -EPROTO;
	if (ret) {
		fds_close(fds, nfds);
		return reply_err(ret, err, errlen);
	}
	if (st)
		*st = rep.st;
	return fds[0];
}

int asuser_out_open(const char *path, struct asuser_out *o, char *err, size_t errlen)
{
	int fds[ASU_MAXFDS], nfds, ret;

	memset(o, 0, sizeof(*o));
	o->fd = o->dirfd = -1;
	if (!req_new(OP_OUT_OPEN, path, err, errlen))
		return -ENAMETOOLONG;
	ret = asuser_call(&req, NULL, 0, &rep, fds, &nfds);
	if (!ret && nfds != (rep.out.kind == ASU_FILE ? 2 : 1))
		ret = -EPROTO;
	if (ret) {
		fds_close(fds, nfds);
		return reply_err(ret, err, errlen);
	}
	*o = rep.out;
	o->base[NAME_MAX] = o->tmpname[NAME_MAX] = 0;
	o->fd = fds[0];
	o->dirfd = nfds > 1 ? fds[1] : -1;
	return 0;
}

static void out_close(struct asuser_out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->dirfd >= 0)
		close(o->dirfd);
	o->fd = o->dirfd = -1;
	o->kind = 0;
}

int asuser_out_commit(struct asuser_out *o, char *err, size_t errlen)
{
	int in[2] = {o->dirfd, o->fd}, fds[ASU_MAXFDS], nfds, ret;

	if (o->kind != ASU_FILE) {
		out_close(o);
		return 0;
	}
	req_new(OP_COMMIT, NULL, err, errlen);
	memcpy(req.base, o->base, sizeof(req.base));
	memcpy(req.tmpname, o->tmpname, sizeof(req.tmpname));
	ret = asuser_call(&req, in, 2, &rep, fds, &nfds);
	fds_close(fds, nfds);
	if (!ret) {
		out_close(o);
		return 0;
	}
	reply_err(ret, err, errlen);
	asuser_out_discard(o);
	return ret;
}

void asuser_out_discard(struct asuser_out *o)
{
	int fds[ASU_MAXFDS], nfds;
	char err[32];

	if (o->kind == ASU_FILE && o->tmpname[0]) {
		req_new(OP_DISCARD, NULL, err, sizeof(err));
		memcpy(req.tmpname, o->tmpname, sizeof(req.tmpname));
		asuser_call(&req, &o->dirfd, 1, &rep, fds, &nfds);
		fds_close(fds, nfds);
		o->tmpname[0] = 0;
	}
	out_close(o);
}
