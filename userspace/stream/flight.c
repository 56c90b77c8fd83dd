// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stream/flight.h"
#include "stream/recfmt.h"
#include "stream/record.h"
#include "util/bytes.h"
#include "util/hashmap.h"

/* zlib's fastest: a block is compressed in the poll loop every window */
#define FLIGHT_ZLEVEL 1
/* A block is sealed early past this many raw bytes (a chunk holds 64 MiB at most). */
#define BLOCK_RAW_MAX (16u << 20)

struct block {
	uint64_t start, end;
	struct gp_trace_stats at_start;
	struct gp_bytes raw; /* records, until sealed */
	uint32_t nraw;
	struct gp_bytes chunk; /* sealed: one EVENTS chunk */
	uint32_t nevents;
};

struct gp_flight {
	uint64_t keep_ns;
	size_t max_bytes, bytes; /* bytes: of the sealed blocks */
	struct block **b; /* oldest first; the last one is open */
	size_t n, cap;
};

static void block_free(struct block *b)
{
	if (!b)
		return;
	bytes_free(&b->raw);
	bytes_free(&b->chunk);
	free(b);
}

struct gp_flight *flight_new(uint64_t keep_ns, size_t max_bytes)
{
	struct gp_flight *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->keep_ns = keep_ns;
	f->max_bytes = max_bytes;
	return f;
}

void flight_free(struct gp_flight *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		block_free(f->b[i]);
	free(f->b);
	free(f);
}

static struct block *open_block(struct gp_flight *f)
{
	return f->n && !f->b[f->n - 1]->chunk.len ? f->b[f->n - 1] : NULL;
}

static int seal(struct gp_flight *f, struct block *b, uint64_t ts)
{
	struct gp_bytes enc = {0};
	int err;

	b->end = ts;
	if (!b->nraw) {
		b->raw.len = 0;
		return 0;
	}
	err = b->raw.oom ? -ENOMEM : recfmt_events_encode(b->raw.p, b->raw.len, b->nraw, &enc);
	if (!err)
		err = recfmt_chunk_put(&b->chunk, GP_RC_EVENTS, enc.p, enc.len, FLIGHT_ZLEVEL);
	bytes_free(&enc);
	b->nevents = b->nraw;
	bytes_free(&b->raw);
	b->nraw = 0;
	f->bytes += b->chunk.len;
	return err;
}

/* Old blocks out: those that end before the span kept, and the oldest past the memory bound. */
static void trim(struct gp_flight *f, uint64_t now)
{
	size_t drop = 0;

	while (drop + 1 < f->n && ((f->b[drop]->end && f->b[drop]->end + f->keep_ns < now) ||
				   f->bytes > f->max_bytes)) {
		f->bytes -= f->b[drop]->chunk.len;
		block_free(f->b[drop]);
		drop++;
	}
	memmove(f->b, f->b + drop, (f->n - drop) * sizeof(*f->b));
	f->n -= drop;
}

static int block_new(struct gp_flight *f, uint64_t ts, const struct gp_trace_stats *total)
{
	struct block *b;

	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		struct block **v = realloc(f->b, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		f->b = v;
		f->cap = cap;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->start = ts;
	if (total)
		b->at_start = *total;
	f->b[f->n++] = b;
	return 0;
}

/* What an attach would say of a thread the stream carries over a cut. */
static void attach_of(const struct gp_thread *t, uint64_t ts, struct gp_ev_attach *a)
{
	memset(a, 0, sizeof(*a));
	a->h.ts = ts;
	a->h.type = GP_EV_ATTACH;
	a->h.tid = t->tid;
	a->h.tgid = t->tgid;
	a->state = t->state != GP_TS_BLOCKED	   ? GP_AS_RUNNABLE
		   : t->block_bucket == GP_B_DWAIT ? GP_AS_DISK
						   : GP_AS_SLEEPING;
	a->in_futex = t->in_futex && t->state == GP_TS_BLOCKED;
	if (a->in_futex) {
		a->futex_uaddr = t->futex_uaddr;
		a->futex_op = t->futex_op;
		a->futex_sys = t->futex_sys;
		a->futex_val = t->futex_val;
	}
	a->nvcsw = t->knvcsw;
	a->nivcsw = t->knivcsw;
	a->runtime = t->kruntime;
	memcpy(a->comm, t->comm, sizeof(a->comm));
	memcpy(a->exe, t->proc->exe, sizeof(a->exe));
}

int flight_cut(struct gp_flight *f, uint64_t ts, const struct gp_model *next,
	       const struct gp_trace_stats *total)
{
	struct block *b = open_block(f);
	struct gp_ev_attach a;
	int err = b ? seal(f, b, ts) : 0;

	trim(f, ts);
	if (!err)
		err = block_new(f, ts, total);
	for (size_t i = 0; !err && i < next->nthreads; i++) {
		attach_of(next->threads[i], ts, &a);
		err = flight_event(f, (const union gp_event *)&a);
	}
	return err;
}

int flight_event(struct gp_flight *f, const union gp_event *e)
{
	struct block *b = open_block(f);
	int err;

	if (!b) {
		err = block_new(f, e->h.ts, NULL);
		if (err)
			return err;
		b = open_block(f);
	}
	bytes_put(&b->raw, e, event_size(e->h.type));
	b->nraw++;
	if (b->raw.oom)
		return -ENOMEM;
	if (b->raw.len < BLOCK_RAW_MAX)
		return 0;
	/* a busy window: go on in a block of its own, without the threads' preamble (the
	 * replay ignores an attach of a thread it knows) */
	err = seal(f, b, e->h.ts);
	return err ? err : block_new(f, e->h.ts, &b->at_start);
}

size_t flight_bytes(const struct gp_flight *f)
{
	const struct block *b = f->n ? f->b[f->n - 1] : NULL;

	return f->bytes + (b && !b->chunk.len ? b->raw.len : 0);
}

uint64_t flight_span(const struct gp_flight *f, uint64_t now_ts)
{
	return f->n && now_ts > f->b[0]->start ? now_ts - f->b[0]->start : 0;
}

/* The futex words the dumped events name, for the names chunk. */
static int words_note(struct gp_hashmap *words, const union gp_event *e)
{
	if (e->h.type == GP_EV_FUTEX_ENTER)
		return hashmap_put(words, e->h.tgid, e->fenter.uaddr, (void *)1);
	if (e->h.type == GP_EV_ATTACH && e->attach.in_futex)
		return hashmap_put(words, e->h.tgid, e->attach.futex_uaddr, (void *)1);
	return 0;
}

static int put_records(struct gp_recorder *r, struct gp_hashmap *words, const void *p, size_t len,
		       uint64_t *n)
{
	size_t off = 0;
	int err = 0;

	while (!err && off < len) {
		const union gp_event *e = (const union gp_event *)((const char *)p + off);

		off += event_size(e->h.type);
		err = recorder_event(r, e);
		if (!err)
			err = words_note(words, e);
		(*n)++;
	}
	return err;
}

/* A sealed block's events back as records, into the recorder. */
static int put_block(struct gp_recorder *r, struct gp_hashmap *words, const struct block *b,
		     uint64_t *n)
{
	struct gp_bytes raw = {0}, recs = {0};
	struct gp_cursor c;
	uint32_t type, count;
	char why[128];
	int err;

	if (b->raw.len)
		return put_records(r, words, b->raw.p, b->raw.len, n);
	if (!b->chunk.len)
		return 0;
	cursor_init(&c, b->chunk.p, b->chunk.len);
	err = recfmt_chunk_get(&c, &type, &raw, why, sizeof(why)) == 1 ? 0 : -EINVAL;
	if (!err)
		err = recfmt_events_decode(raw.p, raw.len, &recs, &count);
	if (!err)
		err = put_records(r, words, recs.p, recs.len, n);
	bytes_free(&raw);
	bytes_free(&recs);
	return err;
}

static int names_make(struct gp_nametab *names, const struct gp_hashmap *words,
		      const struct gp_flight_dump *d)
{
	struct gp_hkey k;
	size_t pos = 0;
	char buf[256];
	void *v;
	int err = nametab_add_stacks(names, d->stacks, 0, stacks_count(d->stacks), d->namer, false);

	while (!err && hashmap_next(words, &pos, &k, &v)) {
		int rc = d->namer->lock(d->namer->ctx, (uint32_t)k.a, k.b, buf, sizeof(buf));

		if (rc >= 0)
			err = nametab_put(names, GP_NK_LOCK, (uint32_t)k.a, k.b, rc, buf, "");
	}
	return err;
}

static void stats_since(struct gp_trace_stats *d, const struct gp_trace_stats *now,
			const struct gp_trace_stats *then)
{
	*d = *now;
	for (int k = 0; k < GP_DROP_CAUSE_MAX_BPF; k++)
		d->drops[k] = now->drops[k] - then->drops[k];
	d->invalid = now->invalid - then->invalid;
	d->received = now->received - then->received;
	for (unsigned c = 0; c < now->ncpus && c < GP_MAX_CPUS; c++)
		for (int k = 0; k < GP_CPU_KINDS; k++)
			d->cpu[c].ns[k] = now->cpu[c].ns[k] - then->cpu[c].ns[k];
}

int flight_dump(struct gp_flight *f, int fd, const char *path, const struct gp_flight_dump *d,
		uint64_t *events)
{
	struct gp_rec_meta meta = {.ncpus = d->ncpus, .attached = true, .argv = d->argv};
	struct gp_trace t = {0};
	struct gp_hashmap words;
	struct gp_recorder *r;
	int err = 0;

	*events = 0;
	if (!f->n) {
		fprintf(stderr, "gilprof: %s: no events kept yet\n", path);
		return -ENODATA;
	}
	meta.start_ts = f->b[0]->start;
	r = recorder_start(fd, path, &meta);
	if (!r)
		return -EIO;
	hashmap_init(&words);
	for (size_t i = 0; !err && i < f->n; i++) {
		err = put_block(r, &words, f->b[i], events);
		if (!err)
			err = recorder_flush(r, d->stacks, NULL);
	}
	t.names = nametab_new();
	if (!err)
		err = t.names ? names_make(t.names, &words, d) : -ENOMEM;
	t.stacks = (struct gp_stacks *)d->stacks;
	t.start_ts = f->b[0]->start;
	t.end_ts = d->end_ts;
	t.exit_status = -1;
	t.attached = true;
	stats_since(&t.stats, d->total, &f->b[0]->at_start);
	if (!err)
		err = recorder_finish(r, &t);
	else
		fprintf(stderr, "gilprof: %s: cannot write the flight recording: %s\n", path,
			strerror(-err));
	nametab_free(t.names);
	hashmap_free(&words);
	recorder_free(r);
	return err;
}
