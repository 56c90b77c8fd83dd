/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How 'gilprof monitor --dump' reaches a running monitor: a unix socket per monitor,
 * RUNDIR/monitor-PID.sock, in a directory only root may enter or write (RUNDIR is /run/gilprof,
 * or $GILPROF_RUNDIR, checked the same way). Both sides are root: the monitor accepts a peer
 * only when the kernel says its uid is 0 (SO_PEERCRED), the client trusts a socket only in a
 * directory owned by root that no one else may write, so neither a user's socket nor a user's
 * link can stand in for the other side. One request a connection, one line each way:
 *
 *   client: dump\n          monitor: ok /home/ann/gilprof-flight-4242-20260101-120000.data\n
 *                                    (or: error no events kept yet\n)
 */
#ifndef GP_CTLSOCK_H
#define GP_CTLSOCK_H

#include <stddef.h>
#include <sys/types.h>

#define CTLSOCK_LINE 512

/* The directory, made 0700 if missing, refused unless root's and not writable by others;
 * then the socket of this process listening in it. The fd, or -errno with one line in err. */
int ctlsock_listen(char *path, size_t pathlen, char *err, size_t errlen);
/* Accept one connection from root and read its request line (bounded in size and time). The
 * connection, or -1 (nothing to accept, or a peer refused, which is closed). */
int ctlsock_accept(int lfd, char *line, size_t len);
/* Answer a request and close its connection. */
void ctlsock_reply(int fd, const char *line);
/* The client: send cmd to the monitor pid (NULL: the only one running) and read its answer.
 * 0, or an exit status with one line in err. */
int ctlsock_request(const char *pid, const char *cmd, char *reply, size_t len, char *err,
		    size_t errlen);

#endif
