// SPDX-License-Identifier: GPL-2.0
/*
 * Folded stacks, the input format of flamegraph.pl, inferno and speedscope: one line per stack,
 * frames root first separated by ';', then a space and an integer weight, e.g.
 *
 *	python3;_start;main;PyEval_EvalFrame;take_gil;futex_wait_[k];gil 0x7f1c2a 1234
 *
 * The first frame is the comm. Frame kinds travel as flamegraph.pl's annotation suffixes, which
 * its renderer (and ours) strips for display:
 *	_[k]	kernel frame (flamegraph.pl colours it orange)
 *	_[w]	waker frame of a wake view (flamegraph.pl's "chain" palette)
 *	_[j] _[i]	JIT and inlined frames (flamegraph.pl's java palette): never written, read
 *		as user frames with the suffix stripped
 * Comm, lock and user frames have no annotation. A line's weight is the field after its LAST
 * space, so frame names may contain spaces and end in digits.
 *
 * Writing escapes what would corrupt the line structure: ';' in a name becomes ':', CR and LF
 * are removed, an empty name becomes "[unknown]", and a trailing "_[x]" that is part of a name
 * (not our annotation) is written "_(x)" so that it is not read back as one.
 *
 * Neither the sample kind nor the thread is part of the format: writing merges the stacks with
 * the same frames into one line (an off view's blocked time and the run-queue wait after it,
 * seven threads of one name at one place), in the order of their first stack. Reading assigns:
 * GP_SK_WAKER to stacks with a waker frame, the caller's kind to the others; with
 * GP_SK_LOCK_WAIT the unannotated leaf of a stack of two or more frames becomes the GP_FK_LOCK
 * frame. Write one file per view to keep the kinds apart.
 * Counts are not written either: reading sets count = weight for "samples" profiles and 1 per
 * line for "nanoseconds" ones.
 */
#ifndef GP_FOLDED_H
#define GP_FOLDED_H

#include <stdio.h>

#include "analyze/profile.h"

struct gz_writer;

#define FOLDED_GZ_LEVEL 1

/* The lines of p to w (plain or gzip: the writer's choice). */
int folded_emit(const struct gp_profile *p, struct gz_writer *w, struct prof_err *pe);
int folded_write_fp(const struct gp_profile *p, FILE *fp, struct prof_err *pe);

/*
 * Add the stacks of folded text read from fd (plain or gzip; the fd is the reader's and closed)
 * to p; name is for messages. CRLF line ends and blank lines are accepted; a malformed line fails
 * the whole read with its line number in *pe, and p then holds the lines before it.
 */
int folded_read_fd(struct gp_profile *p, int fd, const char *name, enum gp_sample_kind kind,
		   struct prof_err *pe);

#endif /* GP_FOLDED_H */
