// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/recording.h"
#include "stream/recfmt.h"
#include "stream/replay.h"
#include "util/asuser.h"
#include "util/bytes.h"

int recording_begin(void)
{
	struct gp_creds creds;
	char err[256];

	if (creds_from_env(&creds, err, sizeof(err))) {
		fprintf(stderr, "gilprof: %s\n", err);
		return 2;
	}
	if (asuser_start(&creds, err, sizeof(err))) {
		fprintf(stderr, "gilprof: %s\n", err);
		return 1;
	}
	return 0;
}

static ssize_t fd_read(void *ctx, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(*(int *)ctx, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int recording_load(const char *path, struct gp_trace *t, int *fdp)
{
	struct gp_replay_info info;
	char err[512], msg[256];
	bool in = !strcmp(path, "-");
	int fd, ret;

	fd = in ? dup(STDIN_FILENO) : asuser_open_read(path, true, NULL, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "gilprof: cannot read %s: %s\n", path, in ? strerror(errno) : err);
		return 1;
	}
	ret = replay_stream(fd_read, &fd, t, &info, msg, sizeof(msg));
	if (ret < 0) {
		fprintf(stderr, "gilprof: %s: %s\n", in ? "stdin" : path, msg);
		goto fail;
	}
	if (ret)
		fprintf(stderr, "gilprof: warning: %s: %s\n", in ? "stdin" : path, msg);
	*fdp = fd;
	return 0;
fail:
	close(fd);
	return 1;
}
