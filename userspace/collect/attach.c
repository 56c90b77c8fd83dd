// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "collect/attach.h"
#include "model/futex.h"
#include "util/asuser.h"
#include "util/hashmap.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9: a pidfd for one thread, not its whole process */
#endif
#define PF_KTHREAD 0x00200000

/* x86-64 syscall numbers of the futex waits (the BPF side decodes the same) */
#define NR_futex 202
#define NR_futex_waitv 449
#define NR_futex_wait 455

static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

int attach_parse_stat(const char *stat, struct gp_ev_attach *ev, unsigned long *flags)
{
	const char *open = strchr(stat, '('), *close = strrchr(stat, ')');
	size_t n;

	/* the comm may hold spaces and parentheses: it ends at the last ')' */
	if (!open || !close || close < open || close[1] != ' ' || !close[2])
		return -EINVAL;
	n = close - open - 1;
	memset(ev->comm, 0, sizeof(ev->comm));
	memcpy(ev->comm, open + 1, n < GP_COMM_LEN - 1 ? n : GP_COMM_LEN - 1);
	switch (close[2]) {
	case 'R':
		ev->state = GP_AS_RUNNABLE;
		break;
	case 'D':
		ev->state = GP_AS_DISK;
		break;
	case 'Z':
	case 'X':
		return -ESRCH; /* exited: nothing left to trace */
	default: /* S, I, T, t, P: blocked or stopped, woken by someone */
		ev->state = GP_AS_SLEEPING;
	}
	/* state ppid pgrp session tty_nr tpgid flags */
	if (flags && sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %lu", flags) != 1)
		return -EINVAL;
	return 0;
}

void attach_parse_status(const char *status, struct gp_ev_attach *ev)
{
	const char *v = strstr(status, "\nvoluntary_ctxt_switches:");
	const char *nv = strstr(status, "\nnonvoluntary_ctxt_switches:");

	if (v)
		ev->nvcsw = strtoull(strchr(v, ':') + 1, NULL, 10);
	if (nv)
		ev->nivcsw = strtoull(strchr(nv, ':') + 1, NULL, 10);
}

/* futex_waitv's first word: its waiters array lives in the process's memory. */
static int waitv_first(pid_t pid, uint64_t waiters, __u64 *uaddr, __u32 *flags)
{
	struct {
		uint64_t val, uaddr;
		uint32_t flags, reserved;
	} w;
	struct iovec local = {&w, sizeof(w)}, remote = {(void *)(uintptr_t)waiters, sizeof(w)};

	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof(w))
		return -EFAULT;
	*uaddr = w.uaddr;
	*flags = w.flags;
	return 0;
}

int attach_parse_syscall(const char *line, pid_t pid, struct gp_ev_attach *ev)
{
	unsigned long long a[6];
	struct gp_futex_op op;
	long nr;

	ev->in_futex = 0;
	if (sscanf(line, "%ld %llx %llx %llx %llx %llx %llx", &nr, &a[0], &a[1], &a[2], &a[3],
		   &a[4], &a[5]) != 7)
		return 0; /* "running", or blocked outside a syscall */
	switch (nr) {
	case NR_futex:
		futex_op_decode((uint32_t)a[1], &op);
		if (!op.can_block)
			return 0;
		ev->futex_sys = GP_FUTEX_SYS_FUTEX;
		ev->futex_uaddr = a[0];
		ev->futex_op = (uint32_t)a[1];
		ev->futex_val = (uint32_t)a[2];
		break;
	case NR_futex_wait:
		ev->futex_sys = GP_FUTEX_SYS_WAIT;
		ev->futex_uaddr = a[0];
		ev->futex_op = (uint32_t)a[3];
		ev->futex_val = (uint32_t)a[1];
		break;
	case NR_futex_waitv:
		ev->futex_sys = GP_FUTEX_SYS_WAITV;
		if (waitv_first(pid, a[0], &ev->futex_uaddr, &ev->futex_op))
			return 0;
		break;
	default:
		return 0;
	}
	ev->in_futex = ev->state == GP_AS_SLEEPING;
	/* futex(2) and futex_waitv(2) take the timeout 4th, futex_wait(2) 5th */
	return ev->in_futex && (nr == NR_futex_wait ? a[4] : a[3]) != 0;
}

int attach_check(pid_t pid, struct gp_attach *a, char *err, size_t errlen)
{
	char path[64], buf[2048], *tgid;
	struct gp_ev_attach ev;
	unsigned long flags = 0;
	int ret;

	a->pid = pid;
	a->pidfd = -1;
	if (pid == getpid()) {
		snprintf(err, errlen, "-p %d is gilprof itself", pid);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	ret = pid > 0 ? read_text(path, buf, sizeof(buf)) : -ESRCH;
	if (ret >= 0)
		ret = attach_parse_stat(buf, &ev, &flags);
	if (ret < 0) {
		snprintf(err, errlen, "-p %d: no such process", pid);
		return -ESRCH;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_text(path, buf, sizeof(buf)) > 0 && (tgid = strstr(buf, "\nTgid:")) &&
	    atoi(tgid + 6) != pid) {
		snprintf(err, errlen, "-p %d is a thread of process %d, not a process: give %d",
			 pid, atoi(tgid + 6), atoi(tgid + 6));
		return -EINVAL;
	}
	if (flags & PF_KTHREAD) {
		snprintf(err, errlen,
			 "-p %d (%s) is a kernel thread: it has no user space to trace", pid,
			 ev.comm);
		return -EINVAL;
	}
	a->pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (a->pidfd < 0) {
		ret = -errno;
		snprintf(err, errlen, "-p %d: %s", pid, strerror(-ret));
		return ret;
	}
	ret = asuser_may_trace(pid);
	/* alive after the check: the pid the check opened was the process the pidfd holds */
	if (!ret && syscall(SYS_pidfd_send_signal, a->pidfd, 0, NULL, 0))
		ret = -ESRCH;
	if (ret) {
		snprintf(err, errlen, "-p %d (%s): %s", pid, ev.comm,
			 ret == -EACCES || ret == -EPERM
				 ? "you may not trace it (another user's, or "
				   "not dumpable)"
				 : strerror(-ret));
		attach_close(a);
		return ret;
	}
	memcpy(a->comm, ev.comm, sizeof(a->comm));
	return 0;
}

/* What the thread is doing now, as its GP_EV_ATTACH and its mark. */
static int thread_snapshot(const struct gp_attach *a, pid_t tid, const char *exe,
			   struct gp_ev_attach *ev, struct gp_task_mark *mark)
{
	char path[96], buf[2048];
	int ret, timed;

	memset(ev, 0, sizeof(*ev));
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", a->pid, tid);
	ret = read_text(path, buf, sizeof(buf));
	if (ret < 0 || (ret = attach_parse_stat(buf, ev, NULL)))
		return ret < 0 ? ret : -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", a->pid, tid);
	timed = read_text(path, buf, sizeof(buf)) > 0 ? attach_parse_syscall(buf, a->pid, ev) : 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", a->pid, tid);
	if (read_text(path, buf, sizeof(buf)) > 0)
		attach_parse_status(buf, ev);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", a->pid, tid);
	if (read_text(path, buf, sizeof(buf)) > 0)
		ev->runtime = strtoull(buf, NULL, 10);
	ev->h.type = GP_EV_ATTACH;
	ev->h.tid = tid;
	ev->h.tgid = a->pid;
	snprintf(ev->exe, sizeof(ev->exe), "%s", exe);
	*mark = (struct gp_task_mark){
		.traced = 1,
		.in_futex = ev->in_futex,
		.futex_uaddr = ev->futex_uaddr,
		.futex_timeout = timed,
		.futex_ret = GP_FUTEX_RET_UNSEEN, /* until its wakeup says */
	};
	return 0;
}

/*
 * Mark one thread. Its pidfd is opened before its /proc entry is checked again: a tid that was
 * still the process's thread then is the thread the pidfd holds (a live tid is not reused).
 */
static int thread_mark(struct gp_collector *c, const struct gp_attach *a, pid_t tid,
		       const char *exe)
{
	struct gp_task_mark mark;
	struct gp_ev_attach ev;
	char path[96];
	int fd, ret;

	ret = thread_snapshot(a, tid, exe, &ev, &mark);
	if (ret)
		return ret;
	fd = syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
	if (fd < 0)
		return errno == EINVAL ? -ENOSYS : -errno;
	snprintf(path, sizeof(path), "/proc/%d/task/%d", a->pid, tid);
	ev.h.ts = monotonic_ns(); /* before the mark: every event of the thread comes after */
	ret = access(path, F_OK) ? -ESRCH : collector_mark(c, fd, &mark);
	close(fd);
	return ret ? ret : collector_inject(c, (const union gp_event *)&ev);
}

/* One pass over the process's threads: how many were marked, or -errno. */
static int threads_scan(struct gp_collector *c, const struct gp_attach *a, const char *exe,
			struct gp_hashmap *seen)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", a->pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (!ret && (d = readdir(dir))) {
		pid_t tid = atoi(d->d_name);

		if (tid <= 0 || hashmap_get(seen, tid, 0))
			continue;
		ret = thread_mark(c, a, tid, exe);
		/* already marked by the fork hook, or gone since the listing */
		if (ret == -EEXIST || ret == -ESRCH || ret == -ENOENT)
			ret = 0;
		else if (!ret)
			n++;
		if (!ret && hashmap_put(seen, tid, 0, (void *)1))
			ret = -ENOMEM;
	}
	closedir(dir);
	return ret ? ret : n;
}

int attach_threads(struct gp_collector *c, const struct gp_attach *a, char *err, size_t errlen)
{
	struct gp_hashmap seen;
	char path[64], exe[GP_PATH_LEN] = "";
	int n, total = 0;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/exe", a->pid);
	len = readlink(path, exe, sizeof(exe) - 1);
	exe[len > 0 ? len : 0] = 0;
	hashmap_init(&seen);
	/* a thread started by one not yet marked is not followed by the fork hook: scan again */
	do {
		n = threads_scan(c, a, exe, &seen);
		collector_marks_done(c);
		total += n > 0 ? n : 0;
	} while (n > 0);
	hashmap_free(&seen);
	if (n < 0) {
		snprintf(err, errlen, "cannot attach to pid %d: %s", a->pid,
			 n == -ENOSYS
				 ? "this kernel has no thread pidfds (Linux 6.9 or later needed)"
				 : strerror(-n));
		return n;
	}
	return total;
}

void attach_close(struct gp_attach *a)
{
	if (a->pidfd >= 0)
		close(a->pidfd);
	a->pidfd = -1;
}
