// SPDX-License-Identifier: GPL-2.0
/*
 * The top-level protobuf message has no length prefix, so its fields are streamed to the gzip
 * writer one by one and only a sample, location or function at a time is built in memory: the
 * export of a million stacks needs no more memory than the profile itself.
 */
#include <errno.h>
#include <stdlib.h>

#include "export/export_pprof.h"
#include "util/gzfile.h"

enum pb_wire {
	PB_VARINT = 0,
	PB_LEN = 2,
};

/* Field numbers of profile.proto. */
enum {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_TIME_NANOS = 9,
	PROFILE_DURATION_NANOS = 10,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	PROFILE_COMMENT = 13,
	PROFILE_DEFAULT_SAMPLE_TYPE = 14,
	VALUE_TYPE_TYPE = 1,
	VALUE_TYPE_UNIT = 2,
	SAMPLE_LOCATION_ID = 1,
	SAMPLE_VALUE = 2,
	SAMPLE_LABEL = 3,
	LABEL_KEY = 1,
	LABEL_STR = 2,
	LOCATION_ID = 1,
	LOCATION_LINE = 4,
	LINE_FUNCTION_ID = 1,
	FUNCTION_ID = 1,
	FUNCTION_NAME = 2,
	FUNCTION_SYSTEM_NAME = 3,
	FUNCTION_FILENAME = 4,
};

/* The fixed head of the string table; frame names and comments follow. */
enum {
	S_EMPTY,
	S_SAMPLES,
	S_COUNT,
	S_CPU,
	S_NANOSECONDS,
	S_CONTENTIONS,
	S_DELAY,
	S_KIND,
	S_LOCK_WAIT,
	S_RUNQUEUE,
	S_SLEEP,
	S_WAKER,
	S_FILE_KERNEL,
	S_FILE_LOCK,
	S_FILE_WAKER,
	S_FILE_THREAD,
	S_FIXED,
};

static const char *const fixed_strings[S_FIXED] = {
	[S_EMPTY] = "",
	[S_SAMPLES] = "samples",
	[S_COUNT] = "count",
	[S_CPU] = "cpu",
	[S_NANOSECONDS] = "nanoseconds",
	[S_CONTENTIONS] = "contentions",
	[S_DELAY] = "delay",
	[S_KIND] = "kind",
	[S_LOCK_WAIT] = "lock-wait",
	[S_RUNQUEUE] = "runqueue",
	[S_SLEEP] = "sleep",
	[S_WAKER] = "waker",
	[S_FILE_KERNEL] = "[kernel]",
	[S_FILE_LOCK] = "[lock]",
	[S_FILE_WAKER] = "[waker]",
	[S_FILE_THREAD] = "[thread]",
};

/* The kind label's value, the same text as sample_kind_name(). */
static const int kind_string[GP_SK_COUNT] = {
	[GP_SK_CPU] = S_CPU,	 [GP_SK_LOCK_WAIT] = S_LOCK_WAIT, [GP_SK_RUNQ_WAIT] = S_RUNQUEUE,
	[GP_SK_SLEEP] = S_SLEEP, [GP_SK_WAKER] = S_WAKER,
};

static const int kind_file[GP_FK_COUNT] = {
	[GP_FK_USER] = S_EMPTY,	      [GP_FK_KERNEL] = S_FILE_KERNEL, [GP_FK_LOCK] = S_FILE_LOCK,
	[GP_FK_WAKER] = S_FILE_WAKER, [GP_FK_COMM] = S_FILE_THREAD,
};

struct pb_buf {
	uint8_t *d;
	size_t len, cap;
	bool oom;
};

struct pprof_ctx {
	const struct gp_profile *p;
	const struct gp_pprof_opts *o;
	struct gz_writer *w;
	bool has_cpu, has_wait;
	uint8_t *used; /* per frame id: referenced by a stack */
	uint64_t *name_str; /* per used frame id: string index of its name */
	const char **strs; /* string table after the fixed head */
	size_t nstrs;
	struct pb_buf msg, ids, vals, sub;
};

static void pb_reserve(struct pb_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	uint8_t *d;

	if (b->oom || b->len + n <= b->cap)
		return;
	while (cap < b->len + n)
		cap *= 2;
	d = realloc(b->d, cap);
	if (!d) {
		b->oom = true;
		return;
	}
	b->d = d;
	b->cap = cap;
}

static void pb_varint(struct pb_buf *b, uint64_t v)
{
	pb_reserve(b, 10);
	if (b->oom)
		return;
	for (; v >= 0x80; v >>= 7)
		b->d[b->len++] = (uint8_t)(v | 0x80);
	b->d[b->len++] = (uint8_t)v;
}

static void pb_key(struct pb_buf *b, unsigned field, enum pb_wire wire)
{
	pb_varint(b, (uint64_t)field << 3 | wire);
}

/* proto3 leaves zero scalars out: readers take absent as zero. */
static void pb_uint(struct pb_buf *b, unsigned field, uint64_t v)
{
	if (!v)
		return;
	pb_key(b, field, PB_VARINT);
	pb_varint(b, v);
}

static void pb_bytes(struct pb_buf *b, unsigned field, const void *data, size_t len)
{
	pb_key(b, field, PB_LEN);
	pb_varint(b, len);
	pb_reserve(b, len);
	if (b->oom)
		return;
	memcpy(b->d + b->len, data, len);
	b->len += len;
}

/* One length-delimited top-level field straight to the output. */
static void field_put(struct pprof_ctx *c, unsigned field, const void *data, size_t len)
{
	uint8_t head[20];
	struct pb_buf h = {.d = head, .cap = sizeof(head)};

	pb_key(&h, field, PB_LEN);
	pb_varint(&h, len);
	gzwriter_write(c->w, h.d, h.len);
	gzwriter_write(c->w, data, len);
}

static void varint_put(struct pprof_ctx *c, unsigned field, uint64_t v)
{
	uint8_t buf[20];
	struct pb_buf b = {.d = buf, .cap = sizeof(buf)};

	pb_uint(&b, field, v);
	gzwriter_write(c->w, b.d, b.len);
}

static void value_type_put(struct pprof_ctx *c, unsigned field, int type, int unit)
{
	c->msg.len = 0;
	pb_uint(&c->msg, VALUE_TYPE_TYPE, type);
	pb_uint(&c->msg, VALUE_TYPE_UNIT, unit);
	if (!c->msg.oom)
		field_put(c, field, c->msg.d, c->msg.len);
}

static int frame_name_cmp(const void *a, const void *b, void *ctx)
{
	return strcmp(profile_frame(ctx, *(const uint32_t *)a).name,
		      profile_frame(ctx, *(const uint32_t *)b).name);
}

/* Mark the frames stacks use and find which sample type families are needed. */
static int frames_scan(struct pprof_ctx *c)
{
	size_t i, j;
	struct gp_stack s;

	c->used = calloc(profile_nframes(c->p) + 1, 1);
	c->name_str = calloc(profile_nframes(c->p) + 1, sizeof(*c->name_str));
	if (!c->used || !c->name_str)
		return -ENOMEM;
	for (i = 0; i < profile_nstacks(c->p); i++) {
		profile_stack(c->p, i, &s);
		for (j = 0; j < s.depth; j++)
			c->used[s.frames[j]] = 1;
		if (s.kind == GP_SK_CPU)
			c->has_cpu = true;
		else
			c->has_wait = true;
	}
	if (!c->has_cpu && !c->has_wait) {
		c->has_cpu = !profile_unit_is_ns(c->p);
		c->has_wait = !c->has_cpu;
	}
	return 0;
}

/* Frame names sorted so that frames sharing a name (in different kinds) share a string. */
static int strings_build(struct pprof_ctx *c)
{
	size_t nf = profile_nframes(c->p), n = 0, i;
	uint32_t *ids = malloc((nf ? nf : 1) * sizeof(*ids));
	const char *prev = NULL;

	c->strs = malloc((nf + c->o->ncomments + 1) * sizeof(*c->strs));
	if (!ids || !c->strs) {
		free(ids);
		return -ENOMEM;
	}
	for (i = 0; i < c->o->ncomments; i++)
		c->strs[c->nstrs++] = c->o->comments[i];
	for (i = 0; i < nf; i++)
		if (c->used[i])
			ids[n++] = i;
	qsort_r(ids, n, sizeof(*ids), frame_name_cmp, (void *)c->p);
	for (i = 0; i < n; i++) {
		const char *name = profile_frame(c->p, ids[i]).name;

		if (!prev || strcmp(prev, name))
			c->strs[c->nstrs++] = name;
		c->name_str[ids[i]] = S_FIXED + c->nstrs - 1;
		prev = name;
	}
	free(ids);
	return 0;
}

static int values_compute(struct pprof_ctx *c, const struct gp_stack *s, uint64_t v[4], size_t *nv,
			  struct prof_err *pe)
{
	uint64_t cnt = s->count, ns = s->weight;
	bool cpu = s->kind == GP_SK_CPU;
	size_t n = 0;

	if (!profile_unit_is_ns(c->p)) {
		cnt = s->weight;
		if (__builtin_mul_overflow(s->weight, c->o->period_ns, &ns))
			ns = UINT64_MAX;
	}
	if (cnt > INT64_MAX || ns > INT64_MAX)
		return prof_err_set(pe, ERANGE, "a stack's value overflows pprof's int64");
	if (c->has_cpu) {
		v[n++] = cpu ? cnt : 0;
		v[n++] = cpu ? ns : 0;
	}
	if (c->has_wait) {
		v[n++] = cpu ? 0 : cnt;
		v[n++] = cpu ? 0 : ns;
	}
	*nv = n;
	return 0;
}

static int sample_put(struct pprof_ctx *c, const struct gp_stack *s, struct prof_err *pe)
{
	uint64_t v[4];
	size_t nv = 0, i;
	int err;

	err = values_compute(c, s, v, &nv, pe);
	if (err)
		return err;
	c->ids.len = c->vals.len = c->sub.len = c->msg.len = 0;
	/* pprof wants the leaf first. */
	for (i = s->depth; i-- > 0;)
		pb_varint(&c->ids, (uint64_t)s->frames[i] + 1);
	for (i = 0; i < nv; i++)
		pb_varint(&c->vals, v[i]);
	pb_uint(&c->sub, LABEL_KEY, S_KIND);
	pb_uint(&c->sub, LABEL_STR, kind_string[s->kind]);
	pb_bytes(&c->msg, SAMPLE_LOCATION_ID, c->ids.d, c->ids.len);
	pb_bytes(&c->msg, SAMPLE_VALUE, c->vals.d, c->vals.len);
	pb_bytes(&c->msg, SAMPLE_LABEL, c->sub.d, c->sub.len);
	if (c->ids.oom || c->vals.oom || c->sub.oom || c->msg.oom)
		return prof_err_set(pe, ENOMEM, "out of memory encoding a %u-frame sample",
				    s->depth);
	field_put(c, PROFILE_SAMPLE, c->msg.d, c->msg.len);
	return 0;
}

static int samples_put(struct pprof_ctx *c, struct prof_err *pe)
{
	struct gp_stack s;
	size_t i;
	int err;

	if (c->has_cpu) {
		value_type_put(c, PROFILE_SAMPLE_TYPE, S_SAMPLES, S_COUNT);
		value_type_put(c, PROFILE_SAMPLE_TYPE, S_CPU, S_NANOSECONDS);
	}
	if (c->has_wait) {
		value_type_put(c, PROFILE_SAMPLE_TYPE, S_CONTENTIONS, S_COUNT);
		value_type_put(c, PROFILE_SAMPLE_TYPE, S_DELAY, S_NANOSECONDS);
	}
	for (i = 0; i < profile_nstacks(c->p); i++) {
		profile_stack(c->p, i, &s);
		if (!s.weight && !s.count)
			continue;
		err = sample_put(c, &s, pe);
		if (err)
			return err;
	}
	return 0;
}

/* One function and one location per frame, both with the frame id + 1 as id. */
static void functions_put(struct pprof_ctx *c)
{
	size_t nf = profile_nframes(c->p), i;

	for (i = 0; i < nf && !c->msg.oom; i++) {
		if (!c->used[i])
			continue;
		c->msg.len = c->sub.len = 0;
		pb_uint(&c->sub, LINE_FUNCTION_ID, i + 1);
		pb_uint(&c->msg, LOCATION_ID, i + 1);
		pb_bytes(&c->msg, LOCATION_LINE, c->sub.d, c->sub.len);
		if (!c->msg.oom)
			field_put(c, PROFILE_LOCATION, c->msg.d, c->msg.len);
	}
	for (i = 0; i < nf && !c->msg.oom; i++) {
		if (!c->used[i])
			continue;
		c->msg.len = 0;
		pb_uint(&c->msg, FUNCTION_ID, i + 1);
		pb_uint(&c->msg, FUNCTION_NAME, c->name_str[i]);
		pb_uint(&c->msg, FUNCTION_SYSTEM_NAME, c->name_str[i]);
		pb_uint(&c->msg, FUNCTION_FILENAME, kind_file[profile_frame(c->p, i).kind]);
		if (!c->msg.oom)
			field_put(c, PROFILE_FUNCTION, c->msg.d, c->msg.len);
	}
}

static void trailer_put(struct pprof_ctx *c)
{
	size_t i;

	for (i = 0; i < S_FIXED; i++)
		field_put(c, PROFILE_STRING_TABLE, fixed_strings[i], strlen(fixed_strings[i]));
	for (i = 0; i < c->nstrs; i++)
		field_put(c, PROFILE_STRING_TABLE, c->strs[i], strlen(c->strs[i]));
	if (c->o->time_ns > 0)
		varint_put(c, PROFILE_TIME_NANOS, c->o->time_ns);
	if (c->o->duration_ns > 0)
		varint_put(c, PROFILE_DURATION_NANOS, c->o->duration_ns);
	if (c->has_cpu) {
		value_type_put(c, PROFILE_PERIOD_TYPE, S_CPU, S_NANOSECONDS);
		varint_put(c, PROFILE_PERIOD, profile_unit_is_ns(c->p) ? 1 : c->o->period_ns);
	} else {
		value_type_put(c, PROFILE_PERIOD_TYPE, S_CONTENTIONS, S_COUNT);
		varint_put(c, PROFILE_PERIOD, 1);
	}
	/* Comments are the first strings after the fixed head. */
	for (i = 0; i < c->o->ncomments; i++)
		varint_put(c, PROFILE_COMMENT, S_FIXED + i);
	varint_put(c, PROFILE_DEFAULT_SAMPLE_TYPE, c->has_wait ? S_DELAY : S_CPU);
}

static int opts_check(const struct gp_profile *p, const struct gp_pprof_opts *o,
		      struct prof_err *pe)
{
	size_t i;

	if (!profile_unit_is_ns(p) && (!o->period_ns || o->period_ns > INT64_MAX))
		return prof_err_set(pe, EINVAL,
				    "pprof export of a sampled profile needs its sampling period");
	for (i = 0; i < o->ncomments; i++)
		if (!o->comments[i])
			return prof_err_set(pe, EINVAL, "pprof comment %zu is NULL", i);
	return 0;
}

static void ctx_free(struct pprof_ctx *c)
{
	free(c->used);
	free(c->name_str);
	free(c->strs);
	free(c->msg.d);
	free(c->ids.d);
	free(c->vals.d);
	free(c->sub.d);
}

static int pprof_emit(struct pprof_ctx *c, struct prof_err *pe)
{
	int err;

	if (frames_scan(c) || strings_build(c))
		return prof_err_set(pe, ENOMEM, "out of memory indexing %zu frames for pprof",
				    profile_nframes(c->p));
	err = samples_put(c, pe);
	if (err)
		return err;
	functions_put(c);
	trailer_put(c);
	if (c->msg.oom || c->sub.oom)
		return prof_err_set(pe, ENOMEM, "out of memory encoding pprof functions");
	return 0;
}

int pprof_write(const struct gp_profile *p, const struct gp_pprof_opts *opts, struct gz_writer *w,
		struct prof_err *pe)
{
	struct gp_pprof_opts defaults = {0};
	struct pprof_ctx c = {.p = p, .o = opts ? opts : &defaults, .w = w};
	int err;

	err = opts_check(p, c.o, pe);
	if (err)
		return err;
	err = pprof_emit(&c, pe);
	ctx_free(&c);
	return err;
}
