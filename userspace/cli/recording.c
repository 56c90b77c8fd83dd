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

/*
 * The whole file, or only its header when that is not one of a recording this gilprof reads
 * (replay_load() then says so): `report - </dev/zero` would otherwise read until memory ran out.
 */
static int read_all(int fd, struct gp_bytes *b)
{
	uint32_t version;

	for (;;) {
		unsigned char *at = bytes_extend(b, 1 << 20);
		ssize_t n;

		if (!at)
			return -ENOMEM;
		n = read(fd, at, 1 << 20);
		if (n < 0 && errno == EINTR)
			n = 0;
		if (n < 0)
			return -errno;
		b->len -= (1 << 20) - n;
		if (!n || (b->len >= GP_REC_HDR_LEN && recfmt_header_check(b->p, b->len, &version)))
			return 0;
	}
}

int recording_load(const char *path, struct gp_trace *t, int *fdp)
{
	struct gp_replay_info info;
	struct gp_bytes buf = {0};
	char err[512], msg[256];
	bool in = !strcmp(path, "-");
	int fd, ret;

	fd = in ? dup(STDIN_FILENO) : asuser_open_read(path, true, NULL, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "gilprof: cannot read %s: %s\n", path, in ? strerror(errno) : err);
		return 1;
	}
	ret = read_all(fd, &buf);
	if (ret) {
		fprintf(stderr, "gilprof: cannot read %s: %s\n", path, strerror(-ret));
		goto fail;
	}
	ret = replay_load(buf.p, buf.len, t, &info, msg, sizeof(msg));
	if (ret < 0) {
		fprintf(stderr, "gilprof: %s: %s\n", in ? "stdin" : path, msg);
		goto fail;
	}
	if (ret)
		fprintf(stderr, "gilprof: warning: %s: %s\n", in ? "stdin" : path, msg);
	bytes_free(&buf);
	*fdp = fd;
	return 0;
fail:
	bytes_free(&buf);
	close(fd);
	return 1;
}
