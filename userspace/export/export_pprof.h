// SPDX-License-Identifier: GPL-2.0
/*
 * pprof export: a gzip-compressed profile.proto (github.com/google/pprof/proto/profile.proto),
 * encoded by hand, readable by `go tool pprof` and continuous-profiling backends.
 *
 * Sample types follow Go's conventions, a pair per family present in the profile:
 *	samples/count, cpu/nanoseconds		for on-CPU stacks (Go's CPU profile)
 *	contentions/count, delay/nanoseconds	for lock-wait, run-queue, sleep/IO and wake view
 *						stacks (Go's mutex and block profiles)
 * so a pure CPU or pure lock-wait profile has exactly Go's shape, and a mixed one has four
 * values per sample, the other family's being zero (pick one with -sample_index=cpu|delay).
 * The count value is the stack's weight for "samples" profiles and its count for "nanoseconds"
 * ones; the nanoseconds value is the weight, times the sampling period for "samples" profiles.
 * period_type is cpu/nanoseconds with the sampling period (1e9/freq) when there are on-CPU
 * stacks, else contentions/count 1; the default sample type is delay when there are waits, else
 * cpu. time_nanos is the wall-clock start of the trace, duration_nanos its length.
 *
 * Labels on every sample: kind=cpu|lock-wait|runqueue|sleep|waker, and from the stack's tags
 * pid and tid (numbers), thread (its name) and, on a wait, lock (its lock object's name):
 * `-tagfocus=lock=gil`, `-tags`.
 *
 * A frame with a location (profile.h) is a Location at its address in its Mapping, with one Line:
 * its function (named without offset) and source line; a located code frame of the kernel has
 * no mapping. Functions are one per (name, file). Mappings carry the file, its range and offset
 * and build ID, has_functions set (the names are in the profile: pprof does not look the binaries
 * up), and the main binary's goes first. Frames without a location (the thread, the futex call,
 * the lock) are a Location at address 0, in no mapping, whose Function has the frame's kind in
 * place of a file: "[thread]", "[kernel]", "[lock]", "[waker]".
 *
 *	$ go tool pprof -raw profile.pb.gz
 *	PeriodType: cpu nanoseconds
 *	Period: 10101010
 *	Samples:
 *	samples/count cpu/nanoseconds contentions/count delay/nanoseconds
 *	          0          0         25   41806517: 1 2 3 4 5 6 7 8 9
 *	                pid:[4242] tid:[4244]
 *	                kind:[lock-wait] lock:[hot_lock] thread:[two_locks]
 *	Locations
 *	     1: 0x0 M=0 hot_lock [lock]:0 s=0
 *	     3: 0x7f3e6b0ad89a M=2 __lll_lock_wait /build/glibc/nptl/lowlevellock.c:49 s=0
 *	     6: 0x55c29a0b22a3 M=1 worker /src/tests/e2e/two_locks.c:38 s=0
 *	Mappings
 *	1: 0x55c29a0b2000/0x55c29a0b3000/0x1000 /src/build/tests/e2e/two_locks 4f0c... [FN][FL][LN]
 */
#ifndef GP_EXPORT_PPROF_H
#define GP_EXPORT_PPROF_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/profile.h"

struct gp_pprof_opts {
	uint64_t period_ns; /* sampling period of the on-CPU samples (required for "samples") */
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
