// SPDX-License-Identifier: GPL-2.0
/* The recording format's pieces: the header, chunks and their checks, and events by field. */
#include <criterion/criterion.h>
#include <sanitizer/lsan_interface.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "model/event.h"
#include "stream/recfmt.h"

static void leak_check(void)
{
	/* Criterion ignores a worker's exit status once its test passed: a leak must crash it */
	if (__lsan_do_recoverable_leak_check())
		abort();
}

TestSuite(recfmt, .fini = leak_check);

static void put_hdr(struct gp_bytes *b, uint32_t type, uint64_t ts, uint32_t cpu, uint32_t tid)
{
	struct gp_ev_hdr h = {.ts = ts, .type = type, .cpu = cpu, .tid = tid, .tgid = tid & ~7u};

	bytes_put(b, &h, sizeof(h));
}

/* One record of every type the stream carries, fields set apart, time going back once. */
static uint32_t events_sample(struct gp_bytes *b)
{
	static const uint32_t types[] = {GP_EV_SWITCH,	    GP_EV_WAKING,      GP_EV_WAKEUP_NEW,
					 GP_EV_FORK,	    GP_EV_EXEC,	       GP_EV_EXIT,
					 GP_EV_FUTEX_ENTER, GP_EV_FUTEX_EXIT,  GP_EV_STACKREF,
					 GP_EV_SWITCH,	    GP_EV_FUTEX_ENTER, GP_EV_SWITCH};
	uint64_t ts[] = {1000, 1500, 1500, 99, 1ULL << 40, ~0ULL, 7, 8, 9, 10, 11, 12};
	uint32_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t at = b->len, sz = event_size(types[i]), j;
		unsigned char *body;

		put_hdr(b, types[i], ts[i], i % 3, 1000 + i);
		body = bytes_extend(b, sz - sizeof(struct gp_ev_hdr));
		cr_assert_not_null(body);
		for (j = 0; j < sz - sizeof(struct gp_ev_hdr); j++)
			body[j] = (unsigned char)(i * 31 + j * 7);
		cr_assert_eq(b->len, at + sz);
	}
	return i;
}

Test(recfmt, events_round_trip)
{
	struct gp_bytes recs = {0}, enc = {0}, dec = {0};
	uint32_t n = events_sample(&recs), m = 0;

	cr_assert_eq(recfmt_events_encode(recs.p, recs.len, n, &enc), 0);
	cr_assert_eq(recfmt_events_decode(enc.p, enc.len, &dec, &m), 0);
	cr_assert_eq(m, n);
	cr_assert_eq(dec.len, recs.len);
	cr_assert_eq(memcmp(dec.p, recs.p, recs.len), 0);
	/* empty: n 0, nothing else */
	bytes_reset(&enc);
	cr_assert_eq(recfmt_events_encode(NULL, 0, 0, &enc), 0);
	cr_assert_eq(recfmt_events_decode(enc.p, enc.len, &dec, &m), 0);
	cr_assert_eq(m, 0);
	bytes_free(&recs);
	bytes_free(&enc);
	bytes_free(&dec);
}

Test(recfmt, events_refused)
{
	struct gp_bytes recs = {0}, enc = {0}, dec = {0};
	uint32_t n = events_sample(&recs), m;
	unsigned char *types;

	/* a count that does not fill the bytes, or records cut short */
	cr_assert_eq(recfmt_events_encode(recs.p, recs.len, n - 1, &enc), -EINVAL);
	cr_assert_eq(recfmt_events_encode(recs.p, recs.len - 1, n, &enc), -EINVAL);
	bytes_reset(&enc);
	cr_assert_eq(recfmt_events_encode(recs.p, recs.len, n, &enc), 0);
	types = enc.p + 4;
	cr_assert_eq(recfmt_events_decode(enc.p, enc.len - 1, &dec, &m), -EINVAL, "cut short");
	bytes_put(&enc, "x", 1);
	cr_assert_eq(recfmt_events_decode(enc.p, enc.len, &dec, &m), -EINVAL, "a byte left over");
	enc.len--;
	types[1] = GP_EV_STACK; /* stacks are interned before the stream: never in it */
	cr_assert_eq(recfmt_events_decode(enc.p, enc.len, &dec, &m), -EINVAL);
	types[1] = 0;
	cr_assert_eq(recfmt_events_decode(enc.p, enc.len, &dec, &m), -EINVAL);
	types[1] = GP_EV_WAKING;
	cr_assert_eq(recfmt_events_decode(enc.p, enc.len, &dec, &m), 0);
	bytes_free(&recs);
	bytes_free(&enc);
	bytes_free(&dec);
}

Test(recfmt, events_checked_as_records)
{
	struct gp_bytes recs = {0}, enc = {0}, dec = {0};
	uint32_t m;

	/* a CPU out of range fails event_validate() */
	put_hdr(&recs, GP_EV_FUTEX_EXIT, 5, GP_MAX_CPUS, 1);
	bytes_extend(&recs, event_size(GP_EV_FUTEX_EXIT) - sizeof(struct gp_ev_hdr));
	cr_assert_eq(recfmt_events_encode(recs.p, recs.len, 1, &enc), 0);
	cr_assert_eq(recfmt_events_decode(enc.p, enc.len, &dec, &m), -EINVAL);
	bytes_free(&recs);
	bytes_free(&enc);
	bytes_free(&dec);
}

Test(recfmt, header)
{
	struct gp_bytes h = {0};
	uint32_t v = 0, c;

	recfmt_header(&h);
	cr_assert_eq(h.len, GP_REC_HDR_LEN);
	cr_assert_eq(recfmt_header_check(h.p, h.len, &v), 0);
	cr_assert_eq(v, GP_REC_VERSION);
	cr_assert_eq(recfmt_header_check(h.p, h.len - 1, &v), -EPROTO);
	cr_assert_eq(recfmt_header_check("GILPROF\n", 8, &v), -EPROTO);
	/* another version, its checksum right: not ours, and we say which it is */
	v = GP_REC_VERSION + 1;
	memcpy(h.p + 8, &v, 4);
	c = crc32(0, h.p, 12);
	memcpy(h.p + 12, &c, 4);
	v = 0;
	cr_assert_eq(recfmt_header_check(h.p, h.len, &v), -EPROTONOSUPPORT);
	cr_assert_eq(v, GP_REC_VERSION + 1);
	/* the version without its checksum is not a header */
	h.p[12] ^= 1;
	cr_assert_eq(recfmt_header_check(h.p, h.len, &v), -EPROTO);
	h.p[12] ^= 1;
	h.p[0] = 'g';
	cr_assert_eq(recfmt_header_check(h.p, h.len, &v), -EPROTO);
	bytes_free(&h);
}

/* Random bytes that zlib cannot shrink, so a chunk's stored part is as long as its raw one. */
static void noise(unsigned char *p, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		p[i] = seed >> 16;
	}
}

Test(recfmt, chunks_round_trip)
{
	static unsigned char big[100000];
	const struct {
		uint32_t type;
		const void *p;
		size_t len;
	} in[] = {{GP_RC_META, "meta", 4}, {GP_RC_EVENTS, big, sizeof(big)}, {GP_RC_END, "", 0}};
	struct gp_bytes file = {0}, raw = {0};
	struct gp_cursor c;
	uint32_t type;
	char why[160];
	size_t i;

	noise(big, sizeof(big), 1);
	for (i = 0; i < 3; i++)
		cr_assert_eq(recfmt_chunk_put(&file, in[i].type, in[i].p, in[i].len, 6), 0);
	cursor_init(&c, file.p, file.len);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(recfmt_chunk_get(&c, &type, &raw, why, sizeof(why)), 1, "%s", why);
		cr_assert_eq(type, in[i].type);
		cr_assert_eq(raw.len, in[i].len);
		cr_assert_eq(memcmp(raw.p, in[i].p, raw.len), 0);
	}
	cr_assert_eq(recfmt_chunk_get(&c, &type, &raw, why, sizeof(why)), 0, "a clean end");
	cr_assert_eq(recfmt_chunk_put(&file, GP_RC_EVENTS, big, GP_REC_CHUNK_MAX + 1ul, 6),
		     -EINVAL);
	bytes_free(&file);
	bytes_free(&raw);
}

/* A chunk whose header says what it likes, with a checksum that holds. */
static void chunk_forge(struct gp_bytes *b, uint32_t type, uint32_t rawlen, const void *stored,
			uint32_t storedlen)
{
	uint32_t h[5] = {GP_REC_CHUNK_MAGIC, type, rawlen, storedlen, 0};

	h[4] = crc32(crc32(0, (void *)h, 16), stored, storedlen);
	bytes_put(b, h, sizeof(h));
	bytes_put(b, stored, storedlen);
}

/* The chunk at b fails with a reason containing what, and the cursor stays at it. */
static void expect_damaged(const struct gp_bytes *b, const char *what)
{
	struct gp_bytes raw = {0};
	struct gp_cursor c;
	uint32_t type;
	char why[160] = "";

	cursor_init(&c, b->p, b->len);
	cr_assert_eq(recfmt_chunk_get(&c, &type, &raw, why, sizeof(why)), -EINVAL);
	cr_assert_not_null(strstr(why, what), "'%s' lacks '%s'", why, what);
	cr_assert_eq(c.off, 0);
	cr_assert_not(c.bad);
	bytes_free(&raw);
}

Test(recfmt, chunks_damaged)
{
	static const char text[] = "a chunk of names, names, names, names and names";
	struct gp_bytes b = {0};
	unsigned char z[256];
	uLongf zlen = sizeof(z);
	size_t i;

	cr_assert_eq(compress2(z, &zlen, (const void *)text, sizeof(text), 6), Z_OK);
	recfmt_chunk_put(&b, GP_RC_NAMES, text, sizeof(text), 6);
	for (i = 0; i < b.len; i++) { /* any byte flipped, header or data, is caught */
		b.p[i] ^= 0x10;
		expect_damaged(&b, i < 16 ? "" : "checksum"); /* the sizes say it first */
		b.p[i] ^= 0x10;
	}
	b.len--;
	expect_damaged(&b, "cut short (");
	b.len = GP_REC_CHUNK_HDR_LEN - 1;
	expect_damaged(&b, "header is cut short");
	bytes_reset(&b);
	chunk_forge(&b, GP_RC_MAX, sizeof(text), z, zlen);
	expect_damaged(&b, "not a chunk header");
	bytes_reset(&b);
	chunk_forge(&b, GP_RC_NAMES, sizeof(text) + 1, z, zlen);
	expect_damaged(&b, "does not inflate to its stated size");
	bytes_reset(&b);
	chunk_forge(&b, GP_RC_NAMES, sizeof(text), z, zlen - 1);
	expect_damaged(&b, "does not inflate");
	/* a size no zlib stream of this length can inflate to: refused before any room is taken */
	bytes_reset(&b);
	chunk_forge(&b, GP_RC_EVENTS, GP_REC_CHUNK_MAX, z, zlen);
	expect_damaged(&b, "claims more bytes than it can inflate to");
	bytes_reset(&b);
	chunk_forge(&b, GP_RC_EVENTS, GP_REC_CHUNK_MAX + 1, z, zlen);
	expect_damaged(&b, "not a chunk header");
	bytes_free(&b);
}
