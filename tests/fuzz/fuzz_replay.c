// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the recording reader. Any bytes go to replay_load() as a file's would;
 * what it loads is made into the text and JSON reports and every profile view, so that the
 * names, stacks and locks of a hostile file pass through all that a report does with them. The
 * reader's contract is checked too: a known status, one line of message, nothing kept on error.
 *
 * Mutating the raw bytes almost never gets past a chunk's checksum and its zlib stream, so the
 * custom mutator mostly works beneath them: it takes a recording apart into chunks, mutates one
 * chunk's inflated bytes (an EVENTS chunk's as decoded records), drops, repeats, swaps or
 * retypes chunks, or changes the header's version, and puts the file back together with valid
 * checksums. One mutation in eight
 * is of the raw bytes, for the header and framing themselves.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "analyze/report.h"
#include "analyze/views.h"
#include "export/export_pprof.h"
#include "export/report_json.h"
#include "export/report_text.h"
#include "stream/recfmt.h"
#include "stream/replay.h"
#include "util/gzfile.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);

#define FZ_MAX_CHUNKS 64
#define FZ_RAW_MAX (1u << 20) /* inflated bytes a chunk may grow to under mutation */

#define FZ_CHECK(cond)                                                                          \
	do {                                                                                    \
		if (!(cond)) {                                                                  \
			fprintf(stderr, "fuzz_replay: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                \
		}                                                                               \
	} while (0)

static FILE *fz_null;

/*
 * Everything a report reads of a trace: the text and JSON reports, and one of the profile views
 * (each allocates a large name arena, so all of them would triple the time of a run), chosen by
 * the last byte of the input: a zlib checksum byte in a recording, so all views get their turn.
 * The pprof view is also written, as it is the one that takes the mapping facts' files, ranges
 * and build IDs and the functions' sources into its messages.
 */
static void fz_report(const struct gp_trace *t, int view)
{
	struct gp_report_opts o = {.lines = true}; /* top 0: all locks and pairs */
	struct gp_profile *p = NULL;
	struct prof_err pe = {0};
	struct gp_report r;

	if (!report_init(&r, t, &o)) {
		report_text(fz_null, &r);
		report_json(fz_null, &r);
		if (!view_build(&r, view, r.sample_period_ns, &p, &pe)) {
			struct gp_pprof_opts po = {.period_ns = r.sample_period_ns};
			struct gz_writer w;

			if (view == GP_VIEW_PPROF) {
				gzwriter_open_fp(&w, fz_null, "fuzz");
				gzwriter_close(&w, pprof_write(p, &po, &w, &pe), &pe);
			}
			profile_free(p);
		}
	}
	report_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gp_replay_info info;
	struct gp_trace t;
	char msg[256] = "";
	int ret;

	if (!fz_null)
		fz_null = fopen("/dev/null", "w");
	FZ_CHECK(fz_null);
	ret = replay_load(data, size, &t, &info, msg, sizeof(msg));
	FZ_CHECK(ret == 0 || ret == 1 || ret == -EPROTO || ret == -EPROTONOSUPPORT ||
		 ret == -EINVAL || ret == -ENOMEM);
	FZ_CHECK(!ret || (msg[0] && !strchr(msg, '\n')));
	FZ_CHECK(info.bytes_used <= size);
	if (ret < 0) {
		FZ_CHECK(!t.model && !t.stacks && !t.names && !t.argv);
		return 0;
	}
	FZ_CHECK(t.model && t.stacks && t.names && t.argv && t.argv[0]);
	FZ_CHECK(t.end_ts >= t.start_ts);
	fz_report(&t, data[size - 1] % (GP_VIEW_PPROF + 1));
	trace_free(&t);
	return 0;
}

/*
 * The custom mutator's view of a recording: its chunks, and what follows them. A chunk's stored
 * bytes are kept as they are unless it is mutated, when its raw bytes replace them.
 */
struct fz_chunk {
	uint32_t type, rawlen, storedlen;
	const uint8_t *stored;
	struct gp_bytes raw; /* inflated and mutated: written anew */
	bool dirty;
};

struct fz_file {
	uint32_t version; /* of the header written back */
	struct fz_chunk c[FZ_MAX_CHUNKS];
	size_t n;
	const uint8_t *tail;
	size_t taillen;
};

static uint64_t fz_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Chunks up to the first that does not frame; checksums are not looked at. */
static void fz_split(const uint8_t *p, size_t len, struct fz_file *f)
{
	size_t off = GP_REC_HDR_LEN;

	memset(f, 0, sizeof(*f));
	f->version = GP_REC_VERSION;
	while (f->n < FZ_MAX_CHUNKS && len - off >= GP_REC_CHUNK_HDR_LEN) {
		struct fz_chunk *c = &f->c[f->n];
		uint32_t h[5];

		memcpy(h, p + off, sizeof(h));
		if (h[0] != GP_REC_CHUNK_MAGIC || h[3] > len - off - GP_REC_CHUNK_HDR_LEN)
			break;
		c->type = h[1];
		c->rawlen = h[2];
		c->storedlen = h[3];
		c->stored = p + off + GP_REC_CHUNK_HDR_LEN;
		f->n++;
		off += GP_REC_CHUNK_HDR_LEN + h[3];
	}
	f->tail = p + off;
	f->taillen = len - off;
}

/* The chunk's raw bytes to mutate: 0, or -EINVAL when it does not inflate. */
static int fz_inflate(struct fz_chunk *c)
{
	uLongf rawlen = c->rawlen;

	if (c->dirty)
		return 0;
	if (c->rawlen > FZ_RAW_MAX || !bytes_extend(&c->raw, c->rawlen + 1) ||
	    uncompress(c->raw.p, &rawlen, c->stored, c->storedlen) != Z_OK || rawlen != c->rawlen)
		return -EINVAL;
	c->raw.len = rawlen;
	c->dirty = true;
	return 0;
}

static void fz_file_free(struct fz_file *f)
{
	size_t i;

	for (i = 0; i < FZ_MAX_CHUNKS; i++)
		bytes_free(&f->c[i].raw);
}

/* Mutate bytes in place within b's room for up to max of them. */
static void fz_mutate_bytes(struct gp_bytes *b, size_t max)
{
	size_t len = b->len;

	b->len = 0;
	if (!bytes_extend(b, max)) {
		b->len = len;
		return;
	}
	b->len = LLVMFuzzerMutate(b->p, len, max);
}

/* Make mutated records decodable: known non-stack types, whole records, mostly sane CPUs and
 * stack ids (or every chunk would be rejected for them and the model never reached). */
static uint32_t fz_events_repair(unsigned char *p, size_t *len, uint64_t *rs)
{
	static const uint32_t types[] = {1, 2, 3, 4, 5, 6, 7, 8, GP_EV_STACKREF};
	size_t off = 0;
	uint32_t n = 0;

	while (off + sizeof(struct gp_ev_hdr) <= *len) {
		union gp_event e;
		size_t sz;

		memcpy(&e.h, p + off, sizeof(e.h));
		if (!event_size(e.h.type) || event_is_raw_stack(e.h.type))
			e.h.type = types[e.h.type % (sizeof(types) / sizeof(types[0]))];
		sz = event_size(e.h.type);
		if (off + sz > *len)
			break;
		memcpy((unsigned char *)&e + sizeof(e.h), p + off + sizeof(e.h), sz - sizeof(e.h));
		if (fz_rand(rs) % 4)
			e.h.cpu %= 4;
		if (e.h.type == GP_EV_STACKREF && fz_rand(rs) % 4)
			e.sref.stack_id %= 8;
		memcpy(p + off, &e, sz);
		off += sz;
		n++;
	}
	*len = off;
	return n;
}

/* An EVENTS chunk mutated as the records it holds; 0, or -EINVAL when it does not decode. */
static int fz_mutate_events(struct gp_bytes *raw, uint64_t *rs)
{
	struct gp_bytes recs = {0};
	uint32_t n;
	size_t len;
	int err = recfmt_events_decode(raw->p, raw->len, &recs, &n);

	if (!err) {
		fz_mutate_bytes(&recs, recs.len + 512 < FZ_RAW_MAX / 2 ? recs.len + 512 : recs.len);
		len = recs.len;
		n = fz_events_repair(recs.p, &len, rs);
		bytes_reset(raw);
		err = recfmt_events_encode(recs.p, len, n, raw) || raw->oom ? -EINVAL : 0;
	}
	bytes_free(&recs);
	return err;
}

/* Swap, drop, repeat or retype chunks, or mutate one's contents: -EINVAL when it cannot. */
static int fz_mutate_file(struct fz_file *f, uint64_t *rs)
{
	size_t i = fz_rand(rs) % f->n, j = fz_rand(rs) % f->n;
	struct fz_chunk tmp, *c = &f->c[i];

	switch (fz_rand(rs) % 16) { /* one in three rearranges, the rest mutate a chunk */
	case 0: /* drop */
		tmp = *c;
		memmove(c, c + 1, (f->n - i - 1) * sizeof(*c));
		f->c[--f->n] = tmp; /* freed with the rest */
		return 0;
	case 1: /* repeat at the end */
		if (f->n == FZ_MAX_CHUNKS)
			return -EINVAL;
		f->c[f->n] = *c;
		memset(&f->c[f->n].raw, 0, sizeof(c->raw));
		if (c->dirty)
			bytes_put(&f->c[f->n].raw, c->raw.p, c->raw.len);
		f->n++;
		return 0;
	case 2:
		tmp = *c, *c = f->c[j], f->c[j] = tmp;
		return 0;
	case 3:
		c->type = fz_rand(rs) % (GP_RC_MAX + 1);
		return 0;
	case 4: /* a header of another version, or of none, with its checksum right */
		f->version = fz_rand(rs) % 4;
		return 0;
	}
	if (fz_inflate(c))
		return -EINVAL;
	if (c->type == GP_RC_EVENTS && fz_rand(rs) % 2 && !fz_mutate_events(&c->raw, rs))
		return 0;
	fz_mutate_bytes(&c->raw,
			c->raw.len * 2 + 64 < FZ_RAW_MAX ? c->raw.len * 2 + 64 : c->raw.len);
	return 0;
}

/*
 * A chunk as recfmt_chunk_put() writes it; a mutated one deflated with a small window and hash,
 * as compress2() would set up (and clear) 256 KiB of zlib state for it.
 */
static void fz_chunk_put(struct gp_bytes *out, const struct fz_chunk *c)
{
	uint32_t hdr[5] = {GP_REC_CHUNK_MAGIC, c->type, c->rawlen, c->storedlen, 0};
	size_t start = out->len;
	z_stream z = {0};
	unsigned char *at;

	if (!c->dirty) {
		hdr[4] = crc32(crc32(0, (void *)hdr, 16), c->stored, c->storedlen);
		bytes_put(out, hdr, sizeof(hdr));
		bytes_put(out, c->stored, c->storedlen);
		return;
	}
	if (deflateInit2(&z, 1, Z_DEFLATED, 9, 1, Z_DEFAULT_STRATEGY) != Z_OK)
		return;
	at = bytes_extend(out, GP_REC_CHUNK_HDR_LEN + deflateBound(&z, c->raw.len));
	if (at) {
		z.next_in = c->raw.p;
		z.avail_in = c->raw.len;
		z.next_out = at + GP_REC_CHUNK_HDR_LEN;
		z.avail_out = out->len - start - GP_REC_CHUNK_HDR_LEN;
		deflate(&z, Z_FINISH);
		hdr[2] = c->raw.len;
		hdr[3] = z.total_out;
		hdr[4] = crc32(crc32(0, (void *)hdr, 16), at + GP_REC_CHUNK_HDR_LEN, hdr[3]);
		memcpy(at, hdr, sizeof(hdr));
		out->len = start + GP_REC_CHUNK_HDR_LEN + hdr[3];
	}
	deflateEnd(&z);
}

/* The file again, with valid checksums; 0 when it does not fit in max bytes. */
static size_t fz_join(const struct fz_file *f, uint8_t *data, size_t max)
{
	struct gp_bytes out = {0};
	size_t i, len = 0;

	recfmt_header(&out);
	if (!out.oom && f->version != GP_REC_VERSION) {
		uint32_t crc;

		memcpy(out.p + 8, &f->version, 4);
		crc = crc32(0, out.p, 12);
		memcpy(out.p + 12, &crc, 4);
	}
	for (i = 0; i < f->n; i++)
		fz_chunk_put(&out, &f->c[i]);
	bytes_put(&out, f->tail, f->taillen);
	if (!out.oom && out.len <= max) {
		memcpy(data, out.p, out.len);
		len = out.len;
	}
	bytes_free(&out);
	return len;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned int seed)
{
	uint64_t rs = seed * 0x9e3779b97f4a7c15ULL + 1;
	struct fz_file f;
	size_t len = 0;

	if (size < GP_REC_HDR_LEN || memcmp(data, GP_REC_MAGIC, 8) || fz_rand(&rs) % 8 == 0)
		return LLVMFuzzerMutate(data, size, max);
	fz_split(data, size, &f);
	if (f.n && !fz_mutate_file(&f, &rs))
		len = fz_join(&f, data, max);
	fz_file_free(&f);
	return len ? len : LLVMFuzzerMutate(data, size, max);
}
