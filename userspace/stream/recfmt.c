// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>
#include "model/event.h"
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
	return *version == GP_REC_VERSION ? 0 : -EPROTONOSUPPORT;
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
	uint64_t prev = 0;

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
	for (i = 0; i < n; i++) {
		union gp_event e;
		uint32_t t = ((const struct gp_ev_hdr *)(p + off))->type;
		size_t sz = event_size(t), k = seen[t]++;
		const unsigned char *rec = (const unsigned char *)&e;

		memcpy(&e, p + off, sz);
		/* the difference wraps back on decode, so an out-of-order record costs nothing */
		e.h.ts -= prev;
		prev += e.h.ts;
		types[i] = (unsigned char)t;
		for (j = 0; j < sz; j++)
			planes[base[t] + j * count[t] + k] = rec[j];
		off += sz;
	}
	return 0;
}

int recfmt_events_decode(const void *data, size_t len, struct gp_bytes *recs, uint32_t *nout)
{
	size_t count[GP_EV_TYPE_MAX] = {0}, base[GP_EV_TYPE_MAX], seen[GP_EV_TYPE_MAX] = {0};
	size_t total = 0, i, j;
	struct gp_cursor c;
	const unsigned char *types, *planes;
	uint64_t prev = 0;
	uint32_t n;

	cursor_init(&c, data, len);
	n = cursor_u32(&c);
	types = cursor_take(&c, n);
	if (!types)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		/* stack records never reach the ordered stream: they are interned first */
		if (!event_size(types[i]) || types[i] == GP_EV_STACK ||
		    types[i] == GP_EV_STACK_DWARF)
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
	for (i = 0; i < n; i++) {
		uint32_t t = types[i];
		size_t sz = event_size(t), k = seen[t]++;
		unsigned char *rec = bytes_extend(recs, sz);
		struct gp_ev_hdr h;

		if (!rec)
			return -ENOMEM;
		for (j = 0; j < sz; j++)
			rec[j] = planes[base[t] + j * count[t] + k];
		memcpy(&h, rec, sizeof(h));
		if (h.type != t)
			return -EINVAL;
		prev += h.ts;
		h.ts = prev;
		memcpy(rec, &h, sizeof(h));
		if (event_validate(rec, sz))
			return -EINVAL;
	}
	*nout = n;
	return 0;
}
