// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stream/recfmt.h"
#include "stream/replay.h"

#define ARGC_MAX 4096

struct replay {
	struct gp_trace *t;
	struct gp_replay_info *info;
	struct gp_bytes recs;
	uint64_t last_ts;
	bool have_end;
};

/*
 * Each chunk is read whole and checked before any of it is kept, so that a damaged chunk adds
 * nothing to the trace: a report then holds exactly the intact chunks before the damage.
 */

/* META's strings, checked before the trace takes anything from it. */
static int meta_check(struct gp_cursor c, uint32_t argc, struct gp_replay_info *info)
{
	char arg[4096];
	uint32_t i;

	for (i = 0; i < argc && !c.bad; i++)
		cursor_str(&c, arg, sizeof(arg));
	cursor_str(&c, info->host, sizeof(info->host));
	cursor_str(&c, info->kernel, sizeof(info->kernel));
	cursor_str(&c, info->version, sizeof(info->version));
	return c.bad || cursor_left(&c) ? -EINVAL : 0;
}

static int get_meta(struct replay *rp, struct gp_cursor *c)
{
	struct gp_trace *t = rp->t;
	uint32_t ncpus = cursor_u32(c), freq = cursor_u32(c), flags = cursor_u32(c), argc, i;
	uint64_t start_ts = cursor_u64(c), wall = cursor_u64(c);
	char arg[4096];

	argc = cursor_u32(c);
	/* a report names the command by argv[0]: a recording always has one */
	if (c->bad || !ncpus || ncpus > GP_MAX_CPUS || !argc || argc > ARGC_MAX || freq > 100000 ||
	    meta_check(*c, argc, rp->info))
		return -EINVAL;
	t->freq = freq;
	t->start_ts = rp->last_ts = start_ts;
	t->start_wall_ns = rp->info->wall_start_ns = wall;
	t->lines = flags & GP_REC_F_LINES;
	t->attached = flags & GP_REC_F_ATTACHED;
	t->argv = calloc(argc + 1, sizeof(*t->argv));
	t->model = model_new(ncpus);
	t->stacks = stacks_new();
	t->names = nametab_new();
	if (!t->argv || !t->model || !t->stacks || !t->names)
		return -ENOMEM;
	for (i = 0; i < argc; i++) {
		cursor_str(c, arg, sizeof(arg));
		t->argv[i] = strdup(arg);
		if (!t->argv[i])
			return -ENOMEM;
	}
	return 0;
}

/* One stack's frames: NULL when they are out of range or cut short. */
static const void *stack_take(struct gp_cursor *c, uint32_t *tgid, uint32_t *nu, uint32_t *nk)
{
	*tgid = cursor_u32(c);
	*nu = cursor_u32(c);
	*nk = cursor_u32(c);
	if (c->bad || *nu > GP_STACK_FRAMES_MAX || *nk > GP_STACK_KERNEL_MAX)
		return NULL;
	return cursor_take(c, (*nu + *nk) * 8ul);
}

static int stacks_check(struct gp_cursor c, uint32_t n)
{
	uint32_t k, tgid, nu, nk;

	for (k = 0; k < n; k++)
		if (!stack_take(&c, &tgid, &nu, &nk))
			return -EINVAL;
	return cursor_left(&c) ? -EINVAL : 0;
}

static int get_stacks(struct replay *rp, struct gp_cursor *c)
{
	uint32_t first = cursor_u32(c), n = cursor_u32(c), k, id, tgid, nu, nk;
	uint64_t frames[GP_STACK_FRAMES_MAX + GP_STACK_KERNEL_MAX];

	if (c->bad || first != stacks_count(rp->t->stacks) || stacks_check(*c, n))
		return -EINVAL;
	for (k = 0; k < n; k++) {
		const void *f = stack_take(c, &tgid, &nu, &nk); /* checked whole above */

		memcpy(frames, f, (nu + nk) * 8ul);
		if (stacks_intern(rp->t->stacks, tgid, frames, nu, frames + nu, nk, &id)) {
			stacks_truncate(rp->t->stacks, first);
			return -ENOMEM;
		}
		/* a recorder writes each distinct stack once: a repeat is damage */
		if (id != first + k) {
			stacks_truncate(rp->t->stacks, first);
			return -EINVAL;
		}
	}
	return 0;
}

#define NAME_LEN 512 /* as nametab.h keeps them */

/* One name fact: 0, or -EINVAL when it is out of range or cut short. */
static int name_take(struct gp_cursor *c, struct gp_name *e, char name[NAME_LEN],
		     char obj[NAME_LEN])
{
	e->kind = cursor_u32(c);
	e->tgid = cursor_u32(c);
	e->addr = cursor_u64(c);
	e->rc = (int32_t)cursor_u32(c);
	cursor_str(c, name, NAME_LEN);
	cursor_str(c, obj, NAME_LEN);
	e->num[0] = cursor_u64(c);
	e->num[1] = cursor_u64(c);
	return c->bad || e->kind >= GP_NK_COUNT ? -EINVAL : 0;
}

static int names_check(struct gp_cursor c, uint32_t n)
{
	char name[NAME_LEN], obj[NAME_LEN];
	struct gp_name e;
	uint32_t i;

	for (i = 0; i < n; i++)
		if (name_take(&c, &e, name, obj))
			return -EINVAL;
	return cursor_left(&c) ? -EINVAL : 0;
}

static int get_names(struct replay *rp, struct gp_cursor *c)
{
	uint32_t n = cursor_u32(c), i;
	char name[NAME_LEN], obj[NAME_LEN];
	struct gp_name e;
	int err = c->bad ? -EINVAL : names_check(*c, n);

	for (i = 0; i < n && !err; i++) {
		name_take(c, &e, name, obj);
		err = nametab_put_num(rp->t->names, e.kind, e.tgid, e.addr, e.rc, name, obj, e.num);
	}
	return err;
}

static int get_events(struct replay *rp, const void *p, size_t len)
{
	size_t nstacks = stacks_count(rp->t->stacks), off = 0, i;
	uint32_t n;
	int err = recfmt_events_decode(p, len, &rp->recs, &n);

	if (err)
		return err;
	/* checked whole before any is fed, so that a damaged chunk adds nothing */
	for (i = 0; i < n; i++) {
		const union gp_event *e = (const void *)(rp->recs.p + off);

		if (e->h.type == GP_EV_STACKREF && e->sref.stack_id >= nstacks)
			return -EINVAL;
		off += event_size(e->h.type);
	}
	for (i = 0, off = 0; i < n; i++) {
		union gp_event e;

		memcpy(&e, rp->recs.p + off,
		       event_size(((struct gp_ev_hdr *)(rp->recs.p + off))->type));
		off += event_size(e.h.type);
		if (model_feed(rp->t->model, &e))
			return -ENOMEM;
		if (e.h.ts > rp->last_ts)
			rp->last_ts = e.h.ts;
	}
	rp->info->events += n;
	return 0;
}

/* END's figures, kept only once all of them have been read and checked. */
struct end {
	uint64_t end_ts;
	int exit_status;
	struct gp_trace_stats stats;
	uint64_t unwind_stops[GP_UNWIND_STOPS];
	uint64_t py_lost[GP_PY_LOSSES];
};

static void end_cpus(struct gp_cursor *c, struct gp_trace_stats *st)
{
	uint32_t cpu, k;

	for (cpu = 0; cpu < st->ncpus; cpu++) {
		st->cpu[cpu].last_ts = cursor_u64(c);
		st->cpu[cpu].cur_kind = cursor_u32(c);
		st->cpu[cpu].cur_tid = cursor_u32(c);
		for (k = 0; k < GP_CPU_KINDS; k++)
			st->cpu[cpu].ns[k] = cursor_u64(c);
	}
}

static int end_take(struct gp_cursor *c, struct end *e)
{
	struct gp_trace_stats *st = &e->stats;
	uint32_t k;

	e->end_ts = cursor_u64(c);
	e->exit_status = (int)cursor_u32(c);
	if (cursor_u32(c) != GP_DROP_CAUSE_MAX_BPF)
		return -EINVAL;
	for (k = 0; k < GP_DROP_CAUSE_MAX_BPF; k++)
		st->drops[k] = cursor_u64(c);
	st->invalid = cursor_u64(c);
	st->stacks_dropped = cursor_u64(c);
	st->received = cursor_u64(c);
	st->ncpus = cursor_u32(c);
	if (st->ncpus > GP_MAX_CPUS)
		return -EINVAL;
	end_cpus(c, st);
	if (cursor_u32(c) != GP_UNWIND_STOPS)
		return -EINVAL;
	for (k = 0; k < GP_UNWIND_STOPS; k++)
		e->unwind_stops[k] = cursor_u64(c);
	if (cursor_u32(c) != GP_PY_LOSSES)
		return -EINVAL;
	for (k = 0; k < GP_PY_LOSSES; k++)
		e->py_lost[k] = cursor_u64(c);
	return c->bad || cursor_left(c) || e->exit_status < -1 || e->exit_status > 255 ? -EINVAL
										       : 0;
}

static int get_end(struct replay *rp, struct gp_cursor *c)
{
	struct gp_trace *t = rp->t;
	struct end e = {0};

	if (end_take(c, &e) || e.end_ts < t->start_ts)
		return -EINVAL;
	t->end_ts = e.end_ts;
	t->exit_status = e.exit_status;
	t->stats = e.stats;
	memcpy(t->unwind_stops, e.unwind_stops, sizeof(e.unwind_stops));
	memcpy(t->py_lost, e.py_lost, sizeof(e.py_lost));
	rp->have_end = true;
	return 0;
}

static int get_chunk(struct replay *rp, uint32_t type, const struct gp_bytes *raw)
{
	struct gp_cursor c;

	cursor_init(&c, raw->p, raw->len);
	if ((type == GP_RC_META) != !rp->t->model)
		return -EINVAL; /* META first, and only once */
	switch (type) {
	case GP_RC_META:
		return get_meta(rp, &c);
	case GP_RC_STACKS:
		return get_stacks(rp, &c);
	case GP_RC_NAMES:
		return get_names(rp, &c);
	case GP_RC_EVENTS:
		return get_events(rp, raw->p, raw->len);
	case GP_RC_END:
		return get_end(rp, &c);
	}
	return -EINVAL;
}

static const char *chunk_name(uint32_t type)
{
	static const char *const names[GP_RC_MAX] = {
		[GP_RC_META] = "header",   [GP_RC_STACKS] = "stacks", [GP_RC_NAMES] = "names",
		[GP_RC_EVENTS] = "events", [GP_RC_END] = "end",
	};

	return type < GP_RC_MAX && names[type] ? names[type] : "unknown";
}

/* Exactly len bytes from rd into buf: len, fewer at the end of the input, or -errno. */
static ssize_t read_full(gp_read_fn rd, void *ctx, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = rd(ctx, (unsigned char *)buf + got, len - got);

		if (n < 0)
			return n;
		if (!n)
			break;
		got += n;
	}
	return got;
}

/* What follows the end chunk, counted up to a limit: the input may be endless (a pipe). */
#define TRAILING_MAX (16u << 20)

static size_t trailing_count(gp_read_fn rd, void *ctx, bool *more)
{
	unsigned char sink[4096];
	size_t n = 0;
	ssize_t k;

	while (n < TRAILING_MAX && (k = rd(ctx, sink, sizeof(sink))) > 0)
		n += k;
	*more = n >= TRAILING_MAX;
	return n;
}

/*
 * The next chunk, read whole (header and stored bytes, never more than GP_REC_CHUNK_MAX) into
 * one, and inflated into raw: 1, 0 at a clean end, -EINVAL with why, -errno of the input.
 */
static int chunk_next(gp_read_fn rd, void *ctx, struct gp_bytes *one, uint32_t *type,
		      struct gp_bytes *raw, char *why, size_t whylen)
{
	uint32_t hdr[5];
	struct gp_cursor c;
	ssize_t n = read_full(rd, ctx, hdr, sizeof(hdr)), m = 0;

	if (n <= 0)
		return n;
	bytes_reset(one);
	bytes_put(one, hdr, n);
	/* Memory grows with the bytes that came, not the size the header claims. */
	if (n == sizeof(hdr) && hdr[0] == GP_REC_CHUNK_MAGIC && hdr[3] <= GP_REC_CHUNK_MAX) {
		for (size_t left = hdr[3]; left; left -= m) {
			size_t step = left < (1u << 20) ? left : 1u << 20;
			unsigned char *at = bytes_extend(one, step);

			if (!at)
				return -ENOMEM;
			m = read_full(rd, ctx, at, step);
			if (m < 0)
				return m;
			one->len -= step - m;
			if ((size_t)m < step)
				break;
		}
	}
	cursor_init(&c, one->p, one->len);
	return recfmt_chunk_get(&c, type, raw, why, whylen);
}

int replay_stream(gp_read_fn rd, void *ctx, struct gp_trace *t, struct gp_replay_info *info,
		  char *msg, size_t msglen)
{
	struct replay rp = {.t = t, .info = info};
	struct gp_bytes raw = {0}, one = {0};
	unsigned char head[GP_REC_HDR_LEN];
	uint32_t version = 0, type = 0;
	char why[160] = "";
	size_t at = GP_REC_HDR_LEN, extra = 0;
	bool more = false;
	ssize_t n;
	int ret, err = 0;

	memset(t, 0, sizeof(*t));
	memset(info, 0, sizeof(*info));
	t->exit_status = -1;
	n = read_full(rd, ctx, head, sizeof(head));
	ret = n < 0 ? (int)n : recfmt_header_check(head, n, &version);
	if (ret) {
		if (ret == -EPROTONOSUPPORT)
			snprintf(msg, msglen, "recording format version %u; this gilprof reads %u",
				 version, GP_REC_VERSION);
		else if (ret == -EPROTO)
			snprintf(msg, msglen, "not a gilprof recording");
		else
			snprintf(msg, msglen, "cannot read it: %s", strerror(-ret));
		return ret == -EPROTO || ret == -EPROTONOSUPPORT ? ret : -EIO;
	}
	while (!rp.have_end) {
		ret = chunk_next(rd, ctx, &one, &type, &raw, why, sizeof(why));
		if (ret <= 0) {
			if (!ret)
				snprintf(why, sizeof(why), "it ends before its end chunk");
			else if (ret == -EINVAL && strlen(why) + 20 < sizeof(why))
				snprintf(why + strlen(why), sizeof(why) - strlen(why),
					 " at byte %zu", at);
			else if (ret != -EINVAL)
				snprintf(why, sizeof(why), "%s at byte %zu", strerror(-ret), at);
			err = ret == -ENOMEM ? ret : 0;
			break;
		}
		err = get_chunk(&rp, type, &raw);
		if (err) {
			snprintf(why, sizeof(why), "its %s chunk at byte %zu is %s",
				 chunk_name(type), at,
				 err == -ENOMEM ? "too large for memory" : "inconsistent");
			break;
		}
		at += one.len;
		info->chunks++;
		info->bytes_used = at;
	}
	if (rp.have_end)
		extra = trailing_count(rd, ctx, &more);
	bytes_free(&raw);
	bytes_free(&one);
	bytes_free(&rp.recs);
	if (!t->model || err == -ENOMEM) {
		snprintf(msg, msglen, "%s%s",
			 err == -ENOMEM ? "out of memory: " : "no intact recording: ", why);
		trace_free(t);
		t->exit_status = -1;
		return err == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	if (!rp.have_end) {
		t->truncated = true;
		t->end_ts = rp.last_ts;
		snprintf(msg, msglen,
			 "the recording is incomplete (%s): this reports its %llu intact chunks",
			 why, (unsigned long long)info->chunks);
	} else if (extra) {
		t->truncated = true;
		snprintf(msg, msglen, "%s%zu bytes after the end of the recording are ignored",
			 more ? "more than " : "", extra);
	}
	model_finish(t->model, t->end_ts);
	return t->truncated ? 1 : 0;
}

struct mem_reader {
	const unsigned char *p;
	size_t len, off;
};

static ssize_t mem_read(void *ctx, void *buf, size_t len)
{
	struct mem_reader *m = ctx;
	size_t n = m->len - m->off < len ? m->len - m->off : len;

	memcpy(buf, m->p + m->off, n);
	m->off += n;
	return n;
}

int replay_load(const void *buf, size_t len, struct gp_trace *t, struct gp_replay_info *info,
		char *msg, size_t msglen)
{
	struct mem_reader m = {buf, len, 0};

	return replay_stream(mem_read, &m, t, info, msg, msglen);
}
