// SPDX-License-Identifier: GPL-2.0
/*
 * pprof export: a gzip-compressed profile.proto (github.com/google/pprof/proto/profile.proto),
 * encoded by hand, readable by `go tool pprof`.
 *
 * Sample types follow Go's conventions, a pair per family present in the profile:
 *	samples/count, cpu/nanoseconds		for on-CPU stacks (Go's CPU profile)
 *	contentions/count, delay/nanoseconds	for lock-wait, run-queue, sleep/IO and wake view
 *						stacks (Go's mutex and block profiles)
 * so a pure CPU or pure lock-wait profile has exactly Go's shape, and a mixed one has four
 * values per sample, the other family's being zero (pick one with -sample_index=cpu|delay).
 * The count value is the stack's weight for "samples" profiles and its count for "nanoseconds"
 * ones; the nanoseconds value is the weight, times the sampling period for "samples" profiles.
 * Every sample has a string label kind=cpu|lock-wait|runqueue|sleep|waker (-tagfocus=kind=...).
 * period_type is cpu/nanoseconds when there are on-CPU stacks, else contentions/count; the
 * default sample type is delay when there are waits, else cpu.
 *
 * Each distinct frame is one function and one location (one line, no address or mapping).
 * Functions carry the frame kind in their file name: "[kernel]", "[lock]", "[waker]",
 * "[thread]" for the comm, none for user frames, so `pprof -files` groups by kind.
 */
#ifndef GP_EXPORT_PPROF_H
#define GP_EXPORT_PPROF_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/profile.h"

struct gp_pprof_opts {
	uint64_t period_ns; /* sampling period of a "samples" profile (required for those) */
	int64_t time_ns; /* collection start, ns since the Unix epoch; 0 leaves it unset */
	int64_t duration_ns; /* 0 leaves it unset */
	const char *const *comments; /* free-form lines, e.g. the command line */
	size_t ncomments;
};

struct gz_writer;

/* pprof files are gzip-compressed protobuf: w must compress, at the level Go's runtime/pprof
 * uses (gzip.BestSpeed). */
#define PPROF_GZ_LEVEL 1

int pprof_write(const struct gp_profile *p, const struct gp_pprof_opts *opts, struct gz_writer *w,
		struct prof_err *pe);

#endif /* GP_EXPORT_PPROF_H */
