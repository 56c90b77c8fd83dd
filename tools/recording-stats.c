// SPDX-License-Identifier: GPL-2.0
/*
 * Where a recording's bytes go: stored and raw bytes per chunk type, and for the events, what
 * each event type costs when its records are stored alone (the same field planes and zlib level
 * as the recorder, so the parts add up to about the events chunks' total).
 *
 * usage: recording-stats FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>
#include "model/event.h"
#include "stream/recfmt.h"

#define LEVEL 6 /* the recorder's (stream/record.c) */

static const char *const chunk_names[GP_RC_MAX] = {
	[GP_RC_META] = "meta",	   [GP_RC_STACKS] = "stacks", [GP_RC_NAMES] = "names",
	[GP_RC_EVENTS] = "events", [GP_RC_END] = "end",
};

struct tally {
	unsigned long long chunks[GP_RC_MAX], stored[GP_RC_MAX], raw[GP_RC_MAX];
	unsigned long long evn[GP_EV_TYPE_MAX], evraw[GP_EV_TYPE_MAX], evz[GP_EV_TYPE_MAX];
};

static int read_file(const char *path, struct gp_bytes *b)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	do {
		unsigned char *at = bytes_extend(b, 1 << 20);

		if (!at) {
			fclose(f);
			return -1;
		}
		n = fread(at, 1, 1 << 20, f);
		b->len -= (1 << 20) - n;
	} while (n);
	fclose(f);
	return 0;
}

/* Each event type's records of one events chunk, encoded and compressed on their own. */
static int events_by_type(const struct gp_bytes *raw, struct tally *t)
{
	struct gp_bytes recs = {0}, one = {0}, enc = {0};
	uint32_t n, type;
	int err = recfmt_events_decode(raw->p, raw->len, &recs, &n);

	for (type = 1; !err && type < GP_EV_TYPE_MAX; type++) {
		size_t off = 0, sz;
		uint32_t k = 0, i;
		uLongf zlen;
		unsigned char *z;

		bytes_reset(&one);
		bytes_reset(&enc);
		for (i = 0; i < n; i++, off += sz) {
			sz = event_size(((const struct gp_ev_hdr *)(recs.p + off))->type);
			if (((const struct gp_ev_hdr *)(recs.p + off))->type == type) {
				bytes_put(&one, recs.p + off, sz);
				k++;
			}
		}
		if (!k)
			continue;
		err = recfmt_events_encode(one.p, one.len, k, &enc);
		zlen = compressBound(enc.len);
		z = malloc(zlen);
		if (err || !z || compress2(z, &zlen, enc.p, enc.len, LEVEL) != Z_OK)
			err = -1;
		free(z);
		t->evn[type] += k;
		t->evraw[type] += one.len;
		t->evz[type] += zlen;
	}
	bytes_free(&recs);
	bytes_free(&one);
	bytes_free(&enc);
	return err;
}

static void print(const struct tally *t, size_t total)
{
	unsigned long long evtotal = 0;
	uint32_t i;

	printf("  %-12s %7s %12s %12s %7s\n", "chunk", "count", "stored", "raw", "share");
	printf("  %-12s %7s %12s %12s %6.1f%%\n", "header", "1", "16", "16", 1600.0 / total);
	for (i = 1; i < GP_RC_MAX; i++)
		printf("  %-12s %7llu %12llu %12llu %6.1f%%\n", chunk_names[i], t->chunks[i],
		       t->stored[i] + 20 * t->chunks[i], t->raw[i],
		       100.0 * (t->stored[i] + 20 * t->chunks[i]) / total);
	for (i = 1; i < GP_EV_TYPE_MAX; i++)
		evtotal += t->evn[i];
	printf("  events by type, each stored alone (bytes per event after zlib):\n");
	for (i = 1; i < GP_EV_TYPE_MAX; i++) {
		if (!t->evn[i])
			continue;
		printf("    %-12s %9llu events %12llu raw %10llu stored %6.2f B/event\n",
		       event_type_name(i), t->evn[i], t->evraw[i], t->evz[i],
		       (double)t->evz[i] / t->evn[i]);
	}
	printf("  %zu bytes, %llu events: %.2f bytes per event\n", total, evtotal,
	       evtotal ? (double)total / evtotal : 0.0);
}

int main(int argc, char **argv)
{
	struct gp_bytes file = {0}, raw = {0};
	struct tally t = {0};
	struct gp_cursor c;
	uint32_t version, type;
	char why[160];
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: recording-stats FILE\n");
		return 2;
	}
	if (read_file(argv[1], &file) || recfmt_header_check(file.p, file.len, &version)) {
		fprintf(stderr, "recording-stats: %s: not a readable recording\n", argv[1]);
		return 1;
	}
	cursor_init(&c, file.p, file.len);
	cursor_take(&c, GP_REC_HDR_LEN);
	while ((ret = recfmt_chunk_get(&c, &type, &raw, why, sizeof(why))) > 0) {
		t.chunks[type]++;
		t.raw[type] += raw.len;
		if (type == GP_RC_EVENTS && events_by_type(&raw, &t)) {
			fprintf(stderr, "recording-stats: a damaged events chunk\n");
			return 1;
		}
	}
	if (ret < 0) {
		fprintf(stderr, "recording-stats: %s\n", why);
		return 1;
	}
	/* stored bytes: what the file holds minus the header and chunk headers, by type, from a
	 * second pass over the chunk headers */
	cursor_init(&c, file.p, file.len);
	cursor_take(&c, GP_REC_HDR_LEN);
	while (cursor_left(&c) >= GP_REC_CHUNK_HDR_LEN) {
		uint32_t hdr[5];

		memcpy(hdr, cursor_take(&c, GP_REC_CHUNK_HDR_LEN), sizeof(hdr));
		t.stored[hdr[1]] += hdr[3];
		cursor_take(&c, hdr[3]);
	}
	print(&t, file.len);
	bytes_free(&file);
	bytes_free(&raw);
	return 0;
}
