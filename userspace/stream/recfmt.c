// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>
#include "model/event.h"
#include "util/hashmap.h"
#include "util/vec.h"
#include "stream/recfmt.h"

/* Deflate codes at most 258 bytes in 2 bits (zlib's "technical details"). */
#define ZLIB_MAX_RATIO 1032

static uint32_t crc(uint32_t c, const void *p, size_t n)
{
	return (uint32_t)crc32(c, p, (uInt)n);
}

void recfmt_header(struct gp_bytes *out)
{
	unsigned char *h = bytes_extend(out, GP_REC_HDR_LEN);
	uint32_t v = GP_REC_VERSION, c;

	if (!h)
		return;
	memcpy(h, GP_REC_MAGIC, 8);
	memcpy(h + 8, &v, 4);
	c = crc(0, h, 12);
	memcpy(h + 12, &c, 4);
}

int recfmt_header_check(const void *p, size_t len, uint32_t *version)
{
	const unsigned char *h = p;
	uint32_t c;

	if (len < GP_REC_HDR_LEN || memcmp(h, GP_REC_MAGIC, 8))
		return -EPROTO;
	memcpy(&c, h + 12, 4);
	if (c != crc(0, h, 12))
		return -EPROTO;
	memcpy(version, h + 8, 4);
	return *version >= GP_REC_VERSION_MIN && *version <= GP_REC_VERSION ? 0 : -EPROTONOSUPPORT;
}

int recfmt_chunk_put(struct gp_bytes *out, uint32_t type, const void *raw, size_t len, int level)
{
	uLongf stored = compressBound(len);
	size_t start = out->len;
	uint32_t hdr[5] = {GP_REC_CHUNK_MAGIC, type, (uint32_t)len, 0, 0};
	unsigned char *at;

	if (len > GP_REC_CHUNK_MAX || stored > GP_REC_CHUNK_MAX)
		return -EINVAL;
	at = bytes_extend(out, GP_REC_CHUNK_HDR_LEN + stored);
	if (!at)
		return -ENOMEM;
	if (compress2(at + GP_REC_CHUNK_HDR_LEN, &stored, raw, len, level) != Z_OK) {
		out->len = start;
		return -ENOMEM;
	}
	hdr[3] = (uint32_t)stored;
	hdr[4] = crc(crc(0, hdr, 16), at + GP_REC_CHUNK_HDR_LEN, stored);
	memcpy(at, hdr, sizeof(hdr));
	out->len = start + GP_REC_CHUNK_HDR_LEN + stored;
	return 0;
}

int recfmt_chunk_get(struct gp_cursor *c, uint32_t *type, struct gp_bytes *raw, char *why,
		     size_t whylen)
{
	size_t start = c->off;
	uint32_t hdr[5];
	const void *h, *stored;
	uLongf rawlen;

	if (!cursor_left(c))
		return 0;
	h = cursor_take(c, GP_REC_CHUNK_HDR_LEN);
	if (!h) {
		snprintf(why, whylen, "a chunk header is cut short");
		goto bad;
	}
	memcpy(hdr, h, sizeof(hdr));
	if (hdr[0] != GP_REC_CHUNK_MAGIC || !hdr[1] || hdr[1] >= GP_RC_MAX ||
	    hdr[2] > GP_REC_CHUNK_MAX || hdr[3] > GP_REC_CHUNK_MAX) {
		snprintf(why, whylen, "not a chunk header");
		goto bad;
	}
	stored = cursor_take(c, hdr[3]);
	if (!stored) {
		snprintf(why, whylen, "a chunk is cut short (%u of its %u bytes)",
			 (unsigned)(c->len - start - GP_REC_CHUNK_HDR_LEN), hdr[3]);
		goto bad;
	}
	if (crc(crc(0, hdr, 16), stored, hdr[3]) != hdr[4]) {
		snprintf(why, whylen, "a chunk's checksum does not match");
		goto bad;
	}
	/* checked before the room for it is taken: the size is the file's word, not a fact */
	if (hdr[2] > (uint64_t)hdr[3] * ZLIB_MAX_RATIO) {
		snprintf(why, whylen, "a chunk claims more bytes than it can inflate to");
		goto bad;
	}
	bytes_reset(raw);
	rawlen = hdr[2];
	if (!bytes_extend(raw, hdr[2] ? hdr[2] : 1)) {
		snprintf(why, whylen, "out of memory");
		goto bad;
	}
	if (uncompress(raw->p, &rawlen, stored, hdr[3]) != Z_OK || rawlen != hdr[2]) {
		snprintf(why, whylen, "a chunk does not inflate to its stated size");
		goto bad;
	}
	raw->len = rawlen;
	*type = hdr[1];
	return 1;
bad:
	c->off = start;
	c->bad = false;
	return -EINVAL;
}

/*
 * What a thread's switch records said last within one events chunk: its counters and its name.
 * A switch record is stored as the change from these (names XORed with the last), with its wakeup
 * time as the time since the wakeup: the fields that only grow or never change for a thread then
 * cost next to nothing after zlib, a third of a countdown recording (make bench). The decoder
 * keeps the same state, record by record in stream order; each chunk starts afresh, so a chunk
 * still decodes alone.
 */
struct sw_thread {
	uint64_t nvcsw, nivcsw, runtime;
	char comm[GP_COMM_LEN];
};

struct sw_state {
	struct gp_hashmap idx; /* tid -> index + 1 into v */
	struct sw_thread *v;
	size_t n, cap;
};

static struct sw_thread *sw_thread(struct sw_state *s, uint32_t tid)
{
	uintptr_t i = (uintptr_t)hashmap_get(&s->idx, tid, 0);

	if (i)
		return &s->v[i - 1];
	if (vec_reserve((void **)&s->v, &s->cap, s->n, sizeof(*s->v), 64) ||
	    hashmap_put(&s->idx, tid, 0, (void *)(uintptr_t)(s->n + 1)))
		return NULL;
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	return &s->v[s->n++];
}

static void sw_free(struct sw_state *s)
{
	hashmap_free(&s->idx);
	free(s->v);
}

static void comm_xor(char *dst, const char *a, const char *b)
{
	for (size_t i = 0; i < GP_COMM_LEN; i++)
		dst[i] = a[i] ^ b[i];
}

/*
 * The wakeup time as ts + 1 - wake_ts, a short latency. 0 (no wakeup) stays 0, and so does
 * ts + 1, the one time whose difference would be 0: the map is its own inverse.
 */
static uint64_t wake_swap(uint64_t ts, uint64_t v)
{
	return !v || v == ts + 1 ? v : ts + 1 - v;
}

/* A switch record to its stored form (encode) or back (decode); -ENOMEM. */
static int sw_code(struct sw_state *s, struct gp_ev_switch *e, bool encode)
{
	struct sw_thread *prev = sw_thread(s, e->h.tid), *next;
	char comm[GP_COMM_LEN];
	uint64_t v[3] = {e->prev_nvcsw, e->prev_nivcsw, e->prev_runtime};

	if (!prev)
		return -ENOMEM;
	e->next_wake_ts = wake_swap(e->h.ts, e->next_wake_ts);
	e->prev_nvcsw = encode ? v[0] - prev->nvcsw : v[0] + prev->nvcsw;
	e->prev_nivcsw = encode ? v[1] - prev->nivcsw : v[1] + prev->nivcsw;
	e->prev_runtime = encode ? v[2] - prev->runtime : v[2] + prev->runtime;
	prev->nvcsw = encode ? v[0] : e->prev_nvcsw;
	prev->nivcsw = encode ? v[1] : e->prev_nivcsw;
	prev->runtime = encode ? v[2] : e->prev_runtime;
	memcpy(comm, e->prev_comm, GP_COMM_LEN);
	comm_xor(e->prev_comm, comm, prev->comm);
	memcpy(prev->comm, encode ? comm : e->prev_comm, GP_COMM_LEN);
	/* looked up after prev's update: the vector may move */
	next = sw_thread(s, e->next_tid);
	if (!next)
		return -ENOMEM;
	memcpy(comm, e->next_comm, GP_COMM_LEN);
	comm_xor(e->next_comm, comm, next->comm);
	memcpy(next->comm, encode ? comm : e->next_comm, GP_COMM_LEN);
	return 0;
}

/* Records of each type in recs, checked to fill len exactly. */
static int events_count(const unsigned char *p, size_t len, uint32_t n,
			size_t count[GP_EV_TYPE_MAX])
{
	size_t off = 0, i;

	for (i = 0; i < n; i++) {
		const struct gp_ev_hdr *h = (const void *)(p + off);

		if (off + sizeof(*h) > len || !event_size(h->type) ||
		    off + event_size(h->type) > len)
			return -EINVAL;
		count[h->type]++;
		off += event_size(h->type);
	}
	return off == len ? 0 : -EINVAL;
}

int recfmt_events_encode(const void *recs, size_t len, uint32_t n, struct gp_bytes *out)
{
	const unsigned char *p = recs;
	size_t count[GP_EV_TYPE_MAX] = {0}, base[GP_EV_TYPE_MAX], seen[GP_EV_TYPE_MAX] = {0};
	size_t total = 0, off = 0, i, j;
	unsigned char *types, *planes;
	struct sw_state sw = {0};
	uint64_t prev = 0;
	int err = 0;

	if (events_count(p, len, n, count))
		return -EINVAL;
	for (i = 0; i < GP_EV_TYPE_MAX; i++) {
		base[i] = total;
		total += count[i] * event_size(i);
	}
	bytes_u32(out, n);
	types = bytes_extend(out, n + total);
	if (!types)
		return -ENOMEM;
	planes = types + n;
	hashmap_init(&sw.idx);
	for (i = 0; i < n && !err; i++) {
		union gp_event e;
		uint32_t t = ((const struct gp_ev_hdr *)(p + off))->type;
		size_t sz = event_size(t), k = seen[t]++;
		const unsigned char *rec = (const unsigned char *)&e;

		memcpy(&e, p + off, sz);
		if (t == GP_EV_SWITCH)
			err = sw_code(&sw, &e.sw, true);
		/* the difference wraps back on decode, so an out-of-order record costs nothing */
		e.h.ts -= prev;
		prev += e.h.ts;
		types[i] = (unsigned char)t;
		for (j = 0; j < sz; j++)
			planes[base[t] + j * count[t] + k] = rec[j];
		off += sz;
	}
	sw_free(&sw);
	return err;
}

int recfmt_events_decode(const void *data, size_t len, struct gp_bytes *recs, uint32_t *nout)
{
	size_t count[GP_EV_TYPE_MAX] = {0}, base[GP_EV_TYPE_MAX], seen[GP_EV_TYPE_MAX] = {0};
	size_t total = 0, i, j;
	struct gp_cursor c;
	const unsigned char *types, *planes;
	struct sw_state sw = {0};
	uint64_t prev = 0;
	uint32_t n;
	int err = 0;

	cursor_init(&c, data, len);
	n = cursor_u32(&c);
	types = cursor_take(&c, n);
	if (!types)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		/* stack records never reach the ordered stream: they are interned first */
		if (!event_size(types[i]) || event_is_raw_stack(types[i]))
			return -EINVAL;
		count[types[i]]++;
	}
	for (i = 0; i < GP_EV_TYPE_MAX; i++) {
		base[i] = total;
		total += count[i] * event_size(i);
	}
	planes = cursor_take(&c, total);
	if (!planes || cursor_left(&c))
		return -EINVAL;
	bytes_reset(recs);
	hashmap_init(&sw.idx);
	for (i = 0; i < n && !err; i++) {
		uint32_t t = types[i];
		size_t sz = event_size(t), k = seen[t]++;
		unsigned char *rec = bytes_extend(recs, sz);
		union gp_event e;

		if (!rec) {
			err = -ENOMEM;
			break;
		}
		for (j = 0; j < sz; j++)
			((unsigned char *)&e)[j] = planes[base[t] + j * count[t] + k];
		if (e.h.type != t) {
			err = -EINVAL;
			break;
		}
		prev += e.h.ts;
		e.h.ts = prev;
		if (t == GP_EV_SWITCH)
			err = sw_code(&sw, &e.sw, false);
		memcpy(rec, &e, sz);
		if (!err && event_validate(rec, sz))
			err = -EINVAL;
	}
	sw_free(&sw);
	if (!err)
		*nout = n;
	return err;
}
