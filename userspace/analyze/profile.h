// SPDX-License-Identifier: GPL-2.0
/*
 * The in-memory profile every exporter reads: a set of weighted stacks. Frames are interned
 * (name, kind) pairs named by a dense uint32_t id; stacks are deduplicated by their frame ids and
 * sample kind, so adding the same stack twice sums its weight and count. Not thread-safe.
 */
#ifndef GP_PROFILE_H
#define GP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

/* What a frame is; drives colouring and the folded annotations. */
enum gp_frame_kind {
	GP_FK_USER = 0,
	GP_FK_KERNEL,
	GP_FK_LOCK, /* the lock waited on, as the leaf of a lock-wait stack */
	GP_FK_WAKER, /* a frame of the waker's stack in a wake view */
	GP_FK_COMM, /* the process/thread name, the root frame */
	GP_FK_COUNT,
};

/* What a stack's weight measures. */
enum gp_sample_kind {
	GP_SK_CPU = 0,
	GP_SK_LOCK_WAIT,
	GP_SK_RUNQ_WAIT,
	GP_SK_SLEEP, /* sleep or I/O */
	GP_SK_WAKER, /* a wake view stack: the waiter's frames then the waker's */
	GP_SK_COUNT,
};

/* A frame as callers pass it in and read it back; name is NUL-terminated. */
struct gp_pframe {
	const char *name;
	enum gp_frame_kind kind;
};

/* A stack as read back; frames point into the profile and stay valid until the next add. */
struct gp_stack {
	const uint32_t *frames; /* frame ids, root (the comm) first */
	uint32_t depth;
	enum gp_sample_kind kind;
	uint64_t weight; /* in the profile's unit */
	uint64_t count; /* number of events (samples, waits) merged into this stack */
};

/* A hash over bytes; replaceable so that tests can force collisions. */
typedef uint64_t (*gp_hash_fn)(const void *data, size_t len, uint64_t seed);

struct gp_profile;

/* unit is "samples" or "nanoseconds". Returns NULL with *pe filled on failure. */
struct gp_profile *profile_new(const char *unit, struct prof_err *pe);
void profile_free(struct gp_profile *p);
const char *profile_unit(const struct gp_profile *p);
bool profile_unit_is_ns(const struct gp_profile *p);

/* Intern the first len bytes of name (no NUL needed) as a frame of the given kind. */
int profile_frame_intern(struct gp_profile *p, const char *name, size_t len,
			 enum gp_frame_kind kind, uint32_t *id, struct prof_err *pe);

/* Add one stack given root first; merges with an existing equal stack (same frames and kind). */
int profile_add(struct gp_profile *p, const struct gp_pframe *frames, size_t n,
		enum gp_sample_kind kind, uint64_t weight, uint64_t count, struct prof_err *pe);
/* Same with frame ids from profile_frame_intern(), the fast path of the folded reader. */
int profile_add_ids(struct gp_profile *p, const uint32_t *ids, size_t n, enum gp_sample_kind kind,
		    uint64_t weight, uint64_t count, struct prof_err *pe);

size_t profile_nstacks(const struct gp_profile *p);
/* Stacks are numbered 0..nstacks-1 in order of first addition. */
void profile_stack(const struct gp_profile *p, size_t i, struct gp_stack *out);
size_t profile_nframes(const struct gp_profile *p);
struct gp_pframe profile_frame(const struct gp_profile *p, uint32_t id);

uint64_t profile_total(const struct gp_profile *p);
uint64_t profile_kind_total(const struct gp_profile *p, enum gp_sample_kind kind);

/* Tests only: replace the hash of names and stacks; call before anything is added. */
int profile_hash_set(struct gp_profile *p, gp_hash_fn fn, struct prof_err *pe);
uint64_t profile_hash_bytes(const void *data, size_t len, uint64_t seed);

/* Short stable names: "cpu", "lock-wait", "runqueue", "sleep", "waker"; NULL if out of range. */
const char *sample_kind_name(enum gp_sample_kind kind);
/* "user", "kernel", "lock", "waker", "comm"; NULL if out of range. */
const char *frame_kind_name(enum gp_frame_kind kind);

#endif /* GP_PROFILE_H */
