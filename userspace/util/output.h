/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every file gilprof writes, whatever its format, goes through here. Outputs are opened before
 * anything is traced, with the invoking user's rights (asuser.h), so a path the user could not
 * write fails at once, in one line, before the command runs. A file is written unnamed and only
 * linked under its name, replacing what was there, once all of it is written and synced: a
 * failure, an interrupt or a SIGKILL leaves no partial file under any name. "-" is stdout; an
 * existing character device (/dev/null) is written in place. Files belong to the user who wrote
 * them through sudo because that user created them: there is no chown.
 */
#ifndef GP_OUTPUT_H
#define GP_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include "util/asuser.h"
#include "util/gzfile.h"

struct gp_output {
	const char *opt; /* the option that named it ("--json"), for messages */
	const char *path; /* as given; "-" is stdout */
	bool is_stdout;
	bool open;
	struct asuser_out f; /* unless is_stdout */
};

/* 0, or -errno after printing one line (nothing is created then). */
int output_open(struct gp_output *o, const char *opt, const char *path);
/* Two outputs on one file, or more than one on stdout: -1 after printing one line. */
int outputs_check(struct gp_output *const *outs, size_t n);
/* The output is the file that fd reads (the input of a conversion): -1 after printing why. */
int output_check_not_input(const struct gp_output *o, int fd);
int output_fd(const struct gp_output *o);
bool output_is_gz(const struct gp_output *o);
/*
 * werr is the writer's result (0 or -errno, why the message it already printed, if msg is NULL).
 * On success sync the file and link it under its name; on any failure discard it. Prints one
 * line on failure and returns -1; 0 when the output is complete under its name.
 */
int output_finish(struct gp_output *o, int werr, const char *msg);
/*
 * Link the file under its name now and go on writing it there: for a recording, which must show
 * what it holds so far if gilprof is killed. From here a discard leaves the file as it is.
 */
int output_publish(struct gp_output *o);
/* Discard without a message (another output failed first, or nothing is to be written). */
void output_discard(struct gp_output *o);
/* Write the whole output through a stdio stream with fn, then output_finish(). */
int output_write(struct gp_output *o, int (*fn)(FILE *f, void *ctx), void *ctx);
/*
 * The same through a gz_writer: gzip at level (1-9) when the path ends in ".gz" or always_gz,
 * plain bytes otherwise. fn returns 0 or -errno with *pe filled. Returns 0; fn's or the writer's
 * -errno; or -1 when syncing or linking failed (one line printed for each failure).
 */
int output_write_gz(struct gp_output *o, int level, bool always_gz,
		    int (*fn)(struct gz_writer *w, void *ctx, struct prof_err *pe), void *ctx);

#endif
