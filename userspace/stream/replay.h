/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recorded source: a recording (stream/recfmt.h) decoded and fed to a model in the order it
 * was recorded, giving the same struct gp_trace the live session gave.
 */
#ifndef GP_REPLAY_H
#define GP_REPLAY_H

#include <stddef.h>
#include <sys/types.h>
#include "stream/trace.h"

/* What the reader found, beyond the trace. */
struct gp_replay_info {
	uint64_t chunks, events, bytes_used; /* intact chunks and what they hold */
	uint64_t wall_start_ns; /* CLOCK_REALTIME at the start of the recording */
	char host[65], kernel[65], version[32];
};

/*
 * Read the recording in buf[len]. 0: complete. 1: damaged or cut short, t holds the intact
 * chunks before the damage and msg says where and why. -EPROTO (not a recording),
 * -EPROTONOSUPPORT (another version), -EINVAL (nothing intact), -ENOMEM: msg says why and t is
 * empty.
 */
int replay_load(const void *buf, size_t len, struct gp_trace *t, struct gp_replay_info *info,
		char *msg, size_t msglen);

/* Like read(2): bytes read into buf (at most len), 0 at the end of the input, or -errno. */
typedef ssize_t (*gp_read_fn)(void *ctx, void *buf, size_t len);
/*
 * The same from an input read as it comes, a chunk at a time: memory holds one chunk and the
 * trace, never the file, so a pipe of endless data stops at its first bad chunk. -EIO when the
 * input cannot be read (msg says why).
 */
int replay_stream(gp_read_fn rd, void *ctx, struct gp_trace *t, struct gp_replay_info *info,
		  char *msg, size_t msglen);

#endif
