/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recording file format (gilprof.data), version 5. Little-endian, as the hosts that run the
 * BPF programs (x86-64, arm64).
 *
 *   header  "GILPROF\n" | u32 version | u32 crc32 of the 12 bytes before it
 *   chunk*  u32 "GPCK" | u32 type | u32 raw length | u32 stored length | u32 crc32 of the
 *           16 bytes before it and the stored bytes | stored bytes (zlib of the raw ones)
 *
 * Chunks, in the order a recorder writes them:
 *   META    once, first: ncpus, freq, flags, start_ts, wall-clock start, argv, host, kernel
 *   STACKS  the stacks interned since the previous one, in id order (first id, count, frames)
 *   NAMES   name facts added or changed since the previous one (symbolize/nametab.h): count,
 *           then each as kind, tgid, addr, rc, name, obj, num[0], num[1]
 *   EVENTS  decoded events in stream order, stored by field (see recfmt_events_encode)
 *   END     once, last: end_ts, exit status, the source's totals, unwind stops, Python
 *           frames lost
 * A recording is written as it goes: a recorder killed at any point leaves a file whose
 * complete chunks still make a report, which then says that the end is missing.
 */
#ifndef GP_RECFMT_H
#define GP_RECFMT_H

#include <stddef.h>
#include <stdint.h>
#include "util/bytes.h"

#define GP_REC_MAGIC "GILPROF\n"
/*
 * 2: switch records stored as changes per thread; 3: an exit carries its process's peak RSS,
 * func and mapping name facts, with two numbers each; 4: Python frames among a stack's user
 * frames (model/stacks.h), up to GP_STACK_FRAMES_MAX of them, Python thread and interpreter
 * names, and END's Python frame losses; 5: the interpreter's GIL state (GP_EV_GIL records),
 * which is all that changed: version 4 is read as well
 */
#define GP_REC_VERSION 5
#define GP_REC_VERSION_MIN 4
#define GP_REC_HDR_LEN 16
#define GP_REC_CHUNK_MAGIC 0x4b435047u /* "GPCK" */
#define GP_REC_CHUNK_HDR_LEN 20
#define GP_REC_CHUNK_MAX (64u << 20) /* raw or stored bytes of one chunk */

enum gp_rec_chunk {
	GP_RC_META = 1,
	GP_RC_STACKS,
	GP_RC_NAMES,
	GP_RC_EVENTS,
	GP_RC_END,
	GP_RC_MAX,
};

/* META flags */
#define GP_REC_F_LINES 1u /* names hold source lines for every user frame */
#define GP_REC_F_ATTACHED 2u /* processes were attached to, not launched */

void recfmt_header(struct gp_bytes *out);
/* 0; -EPROTO (not a recording), or -EPROTONOSUPPORT with *version set. */
int recfmt_header_check(const void *p, size_t len, uint32_t *version);
/* Append one chunk of raw bytes, compressed at zlib level. 0 or -ENOMEM / -EINVAL. */
int recfmt_chunk_put(struct gp_bytes *out, uint32_t type, const void *raw, size_t len, int level);
/*
 * The chunk at the cursor, inflated into raw: 1 with *type set, 0 at a clean end of file, or
 * -EINVAL (damaged: why says how) leaving the cursor at the damaged chunk.
 */
int recfmt_chunk_get(struct gp_cursor *c, uint32_t *type, struct gp_bytes *raw, char *why,
		     size_t whylen);

/*
 * Events as a recording stores them: n records of the decoded stream (model/event.h)
 * concatenated; stored as n, the type of each, then each type's records with their timestamp
 * as the difference to the previous record's, byte plane by byte plane. Fields that change
 * little (pids, names, high timestamp bytes) then form runs that zlib all but removes. A switch
 * record's counters are stored as the change since the same thread's last switch record in the
 * chunk, its names XORed with that thread's last, its wakeup time as ts + 1 - next_wake_ts.
 */
int recfmt_events_encode(const void *recs, size_t len, uint32_t n, struct gp_bytes *out);
/* The inverse, each record checked with event_validate(): 0 or -EINVAL. */
int recfmt_events_decode(const void *p, size_t len, struct gp_bytes *recs, uint32_t *n);

#endif
