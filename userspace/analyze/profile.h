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

/*
 * Where a frame's code is, for the formats that carry addresses (pprof): a frame with a location
 * is one instruction of one mapping, so two frames of one name at two addresses stay apart.
 */
struct gp_ploc {
	uint64_t address; /* of the instruction: the pc, or a return address less one */
	uint32_t mapping; /* profile_mapping_add()'s id + 1; 0 for none */
	uint32_t line; /* its source line, 0 when unknown */
	const char *function; /* the function without offset ("worker"); NULL: the frame's name */
	const char *file; /* its source file as DWARF names it; NULL when unknown */
};

/* A frame as callers pass it in and read it back; name is NUL-terminated. */
struct gp_pframe {
	const char *name;
	enum gp_frame_kind kind;
};

/* A mapped file that frames are in, as pprof's Mapping message has it. */
struct gp_pmapping {
	uint64_t start, limit, offset; /* [start, limit) maps the file from offset */
	const char *file; /* its path */
	const char *build_id; /* in hex; "" when it has none */
};

/* Whose time a stack is: part of a stack's identity, so that threads of one name stay apart. */
struct gp_ptags {
	uint32_t pid, tid; /* 0: unknown (a folded file) */
	const char *thread; /* the thread's name; NULL: unknown */
	const char *lock; /* the lock object a lock-wait stack waited for; NULL for others */
};

/* A stack as read back; frames point into the profile and stay valid until the next add. */
struct gp_stack {
	const uint32_t *frames; /* frame ids, root (the comm) first */
	uint32_t depth;
	enum gp_sample_kind kind;
	uint64_t weight; /* in the profile's unit */
	uint64_t count; /* number of events (samples, waits) merged into this stack */
	struct gp_ptags tags;
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
/* The same with the frames' locations (locs[i] for frames[i], NULL for none; locs NULL for
 * none at all) and the stack's tags (NULL for none): stacks merge when their tags are the same. */
int profile_add_tagged(struct gp_profile *p, const struct gp_pframe *frames,
		       const struct gp_ploc *const *locs, size_t n, const struct gp_ptags *tags,
		       enum gp_sample_kind kind, uint64_t weight, uint64_t count,
		       struct prof_err *pe);
/* A mapping that frames' locations refer to by id + 1; equal mappings share an id. */
int profile_mapping_add(struct gp_profile *p, const struct gp_pmapping *m, uint32_t *id,
			struct prof_err *pe);
/* Same with frame ids from profile_frame_intern(), the fast path of the folded reader. */
int profile_add_ids(struct gp_profile *p, const uint32_t *ids, size_t n, enum gp_sample_kind kind,
		    uint64_t weight, uint64_t count, struct prof_err *pe);

/* One stack of a batch: ids[off..off + depth) of the batch's array. */
struct gp_ids_stack {
	size_t off;
	uint32_t depth;
	enum gp_sample_kind kind;
	uint64_t weight, count;
};

#define GP_IDS_BATCH_MAX 64
/*
 * profile_add_ids() for up to GP_IDS_BATCH_MAX stacks in order, faster in a large profile. Stops
 * at the first failure: *added is the number of stacks added before it.
 */
int profile_add_ids_batch(struct gp_profile *p, const uint32_t *ids,
			  const struct gp_ids_stack *stacks, size_t n, size_t *added,
			  struct prof_err *pe);

size_t profile_nstacks(const struct gp_profile *p);
/* Stacks are numbered 0..nstacks-1 in order of first addition. */
void profile_stack(const struct gp_profile *p, size_t i, struct gp_stack *out);
size_t profile_nframes(const struct gp_profile *p);
struct gp_pframe profile_frame(const struct gp_profile *p, uint32_t id);
/* The frame's location, NULL for none; it points into the profile, valid until the next add. */
const struct gp_ploc *profile_frame_loc(const struct gp_profile *p, uint32_t id);
size_t profile_nmappings(const struct gp_profile *p);
struct gp_pmapping profile_mapping(const struct gp_profile *p, uint32_t id);
/*
 * Stacks with the same frames, whatever their kind and tags, for the formats that have neither
 * (folded): group[i] is the group of stack i, groups numbered in order of their first stack.
 * group has room for profile_nstacks(p) ids; *ngroups gets their number. 0 or -ENOMEM.
 */
int profile_stack_groups(const struct gp_profile *p, uint32_t *group, size_t *ngroups,
			 struct prof_err *pe);

uint64_t profile_total(const struct gp_profile *p);
uint64_t profile_kind_total(const struct gp_profile *p, enum gp_sample_kind kind);

/* Tests only: replace the hash of names and stacks; call before anything is added. */
int profile_hash_set(struct gp_profile *p, gp_hash_fn fn, struct prof_err *pe);
/* A hash that stays the same from run to run and version to version (flame graph colours). */
uint64_t profile_hash_bytes(const void *data, size_t len, uint64_t seed);

/* Short stable names: "cpu", "lock-wait", "runqueue", "sleep", "waker"; NULL if out of range. */
const char *sample_kind_name(enum gp_sample_kind kind);
/* "user", "kernel", "lock", "waker", "comm"; NULL if out of range. */
const char *frame_kind_name(enum gp_frame_kind kind);

#endif /* GP_PROFILE_H */
