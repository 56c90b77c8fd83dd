// SPDX-License-Identifier: GPL-2.0
/*
 * The top-level protobuf message has no length prefix, so its fields are streamed to the gzip
 * writer one by one and only a sample, location or function at a time is built in memory: the
 * export of a million stacks needs no more memory than the profile itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export/export_pprof.h"
#include "util/gzfile.h"
#include "util/hashmap.h"
#include "util/vec.h"

enum pb_wire {
	PB_VARINT = 0,
	PB_LEN = 2,
};

/* Field numbers of profile.proto. */
enum {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_MAPPING = 3,
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
	LABEL_NUM = 3,
	MAPPING_ID = 1,
	MAPPING_MEMORY_START = 2,
	MAPPING_MEMORY_LIMIT = 3,
	MAPPING_FILE_OFFSET = 4,
	MAPPING_FILENAME = 5,
	MAPPING_BUILD_ID = 6,
	MAPPING_HAS_FUNCTIONS = 7,
	MAPPING_HAS_FILENAMES = 8,
	MAPPING_HAS_LINE_NUMBERS = 9,
	LOCATION_ID = 1,
	LOCATION_MAPPING_ID = 2,
	LOCATION_ADDRESS = 3,
	LOCATION_LINE = 4,
	LINE_FUNCTION_ID = 1,
	LINE_LINE = 2,
	FUNCTION_ID = 1,
	FUNCTION_NAME = 2,
	FUNCTION_SYSTEM_NAME = 3,
	FUNCTION_FILENAME = 4,
};

/* The fixed head of the string table; the others follow in order of first use. */
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
	S_PID,
	S_TID,
	S_THREAD,
	S_LOCK,
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
	[S_PID] = "pid",
	[S_TID] = "tid",
	[S_THREAD] = "thread",
	[S_LOCK] = "lock",
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
	uint32_t *func_id; /* per used frame id: its function's id */
	size_t nfuncs;
	uint32_t *map_new; /* per profile mapping: its pprof id (the main binary's is 1) */
	uint8_t *map_flags; /* per profile mapping: MF_* of its locations */
	struct gp_hashmap str_idx; /* (hash, chain) -> string index + 1, past the fixed head */
	struct gp_hashmap func_idx; /* (name, file) string indexes -> function id */
	const char **strs; /* string table after the fixed head, in order of first use */
	size_t nstrs, strs_cap;
	bool oom;
	struct pb_buf msg, ids, vals, sub;
};

enum { MF_FILES = 1, MF_LINES = 2 };

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

/* The message built in c->msg as a top-level field. */
static void msg_put(struct pprof_ctx *c, unsigned field)
{
	if (!c->msg.oom)
		field_put(c, field, c->msg.d, c->msg.len);
}

static void value_type_put(struct pprof_ctx *c, unsigned field, int type, int unit)
{
	c->msg.len = 0;
	pb_uint(&c->msg, VALUE_TYPE_TYPE, type);
	pb_uint(&c->msg, VALUE_TYPE_UNIT, unit);
	msg_put(c, field);
}

/*
 * The string table index of s, interned: the strings live in the profile (or the options) until
 * the table is written at the end. NULL and "" are index 0, as profile.proto asks.
 */
static uint64_t str_id(struct pprof_ctx *c, const char *s)
{
	uint64_t h, k;
	uintptr_t v;

	if (!s || !*s)
		return S_EMPTY;
	h = profile_hash_bytes(s, strlen(s), 0x737472);
	for (k = 0; (v = (uintptr_t)hashmap_get(&c->str_idx, h, k)); k++)
		if (!strcmp(c->strs[v - 1], s))
			return S_FIXED + v - 1;
	if (vec_reserve((void **)&c->strs, &c->strs_cap, c->nstrs, sizeof(*c->strs), 256) ||
	    hashmap_put(&c->str_idx, h, k, (void *)(uintptr_t)(c->nstrs + 1))) {
		c->oom = true;
		return S_EMPTY;
	}
	c->strs[c->nstrs++] = s;
	return S_FIXED + c->nstrs - 1;
}

/* Mark the frames stacks use and find which sample type families are needed. */
static int frames_scan(struct pprof_ctx *c)
{
	size_t i, j;
	struct gp_stack s;

	c->used = calloc(profile_nframes(c->p) + 1, 1);
	c->func_id = calloc(profile_nframes(c->p) + 1, sizeof(*c->func_id));
	if (!c->used || !c->func_id)
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

/* pprof's guess of the main binary (profile.go, massageMappings): a file, not "[vdso]" and not
 * a shared object ("libc.so.6"). Its mapping goes first, where pprof looks for it. */
static bool mapping_is_main(const struct gp_pmapping *m)
{
	const char *base = strrchr(m->file, '/'), *so;

	base = base ? base + 1 : m->file;
	if (!*base || m->file[0] == '[')
		return false;
	so = strstr(base, ".so");
	return !so || (so[3] && so[3] != '.' && so[3] != '_');
}

/* The pprof ids of the mappings: the first main binary's 1, the others in their order. */
static int mappings_order(struct pprof_ctx *c)
{
	size_t n = profile_nmappings(c->p), i, main = n, next = 2;

	c->map_new = calloc(n + 1, sizeof(*c->map_new));
	c->map_flags = calloc(n + 1, 1);
	if (!c->map_new || !c->map_flags)
		return -ENOMEM;
	for (i = 0; i < n && main == n; i++) {
		struct gp_pmapping m = profile_mapping(c->p, i);

		if (mapping_is_main(&m))
			main = i;
	}
	for (i = 0; i < n; i++)
		c->map_new[i] = i == main || (main == n && i == 0) ? 1 : next++;
	return 0;
}

/* A frame's function: for a located code frame its function and source file, else the frame's
 * name with its kind in place of a file ("[kernel]"), so that `pprof -files` tells kinds apart. */
static uint32_t func_of(struct pprof_ctx *c, uint32_t id)
{
	const struct gp_ploc *l = profile_frame_loc(c->p, id);
	struct gp_pframe f = profile_frame(c->p, id);
	uint64_t name = str_id(c, l && l->function ? l->function : f.name);
	uint64_t file = l && l->file ? str_id(c, l->file) : (uint64_t)kind_file[f.kind];
	uintptr_t v = (uintptr_t)hashmap_get(&c->func_idx, name, file);

	if (v)
		return v;
	if (hashmap_put(&c->func_idx, name, file, (void *)(uintptr_t)(c->nfuncs + 1))) {
		c->oom = true;
		return 0;
	}
	c->msg.len = 0;
	pb_uint(&c->msg, FUNCTION_ID, c->nfuncs + 1);
	pb_uint(&c->msg, FUNCTION_NAME, name);
	pb_uint(&c->msg, FUNCTION_SYSTEM_NAME, name);
	pb_uint(&c->msg, FUNCTION_FILENAME, file);
	msg_put(c, PROFILE_FUNCTION);
	return ++c->nfuncs;
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

/* One label of the sample in c->msg: a string, or a number when str is NULL. */
static void label_put(struct pprof_ctx *c, int key, const char *str, uint64_t num)
{
	c->sub.len = 0;
	pb_uint(&c->sub, LABEL_KEY, key);
	if (str)
		pb_uint(&c->sub, LABEL_STR, str_id(c, str));
	else
		pb_uint(&c->sub, LABEL_NUM, num);
	pb_bytes(&c->msg, SAMPLE_LABEL, c->sub.d, c->sub.len);
}

/* kind=cpu|lock-wait|..., and whose time it is: pid, tid, thread, and a wait's lock. */
static void labels_put(struct pprof_ctx *c, const struct gp_stack *s)
{
	c->sub.len = 0;
	pb_uint(&c->sub, LABEL_KEY, S_KIND);
	pb_uint(&c->sub, LABEL_STR, kind_string[s->kind]);
	pb_bytes(&c->msg, SAMPLE_LABEL, c->sub.d, c->sub.len);
	if (s->tags.tid) {
		label_put(c, S_PID, NULL, s->tags.pid);
		label_put(c, S_TID, NULL, s->tags.tid);
	}
	if (s->tags.thread)
		label_put(c, S_THREAD, s->tags.thread, 0);
	if (s->tags.lock)
		label_put(c, S_LOCK, s->tags.lock, 0);
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
	pb_bytes(&c->msg, SAMPLE_LOCATION_ID, c->ids.d, c->ids.len);
	pb_bytes(&c->msg, SAMPLE_VALUE, c->vals.d, c->vals.len);
	labels_put(c, s);
	if (c->ids.oom || c->vals.oom || c->sub.oom || c->msg.oom || c->oom)
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

/*
 * One location per frame, with the frame id + 1 as id: a located frame at its address in its
 * mapping, with its function and source line; others at address 0, in no mapping.
 */
static void locations_put(struct pprof_ctx *c)
{
	size_t nf = profile_nframes(c->p), i;

	for (i = 0; i < nf && !c->msg.oom && !c->oom; i++) {
		const struct gp_ploc *l = profile_frame_loc(c->p, i);
		uint32_t map = l && l->mapping <= profile_nmappings(c->p) ? l->mapping : 0;

		if (!c->used[i])
			continue;
		c->func_id[i] = func_of(c, i);
		c->msg.len = c->sub.len = 0;
		pb_uint(&c->sub, LINE_FUNCTION_ID, c->func_id[i]);
		pb_uint(&c->sub, LINE_LINE, l ? l->line : 0);
		pb_uint(&c->msg, LOCATION_ID, i + 1);
		pb_uint(&c->msg, LOCATION_MAPPING_ID, map ? c->map_new[map - 1] : 0);
		pb_uint(&c->msg, LOCATION_ADDRESS, l ? l->address : 0);
		pb_bytes(&c->msg, LOCATION_LINE, c->sub.d, c->sub.len);
		msg_put(c, PROFILE_LOCATION);
		if (map)
			c->map_flags[map - 1] |=
				(l->file ? MF_FILES : 0) | (l->line ? MF_LINES : 0);
	}
}

/* Every mapping, in pprof's id order: it has the functions of its locations already. */
static void mappings_put(struct pprof_ctx *c)
{
	size_t n = profile_nmappings(c->p), i;
	uint32_t *order = calloc(n + 1, sizeof(*order));

	if (!order) {
		c->oom = true;
		return;
	}
	for (i = 0; i < n; i++)
		order[c->map_new[i] - 1] = i;
	for (i = 0; i < n && !c->msg.oom && !c->oom; i++) {
		uint32_t k = order[i];
		struct gp_pmapping m = profile_mapping(c->p, k);

		c->msg.len = 0;
		pb_uint(&c->msg, MAPPING_ID, i + 1);
		pb_uint(&c->msg, MAPPING_MEMORY_START, m.start);
		pb_uint(&c->msg, MAPPING_MEMORY_LIMIT, m.limit);
		pb_uint(&c->msg, MAPPING_FILE_OFFSET, m.offset);
		pb_uint(&c->msg, MAPPING_FILENAME, str_id(c, m.file));
		pb_uint(&c->msg, MAPPING_BUILD_ID, str_id(c, m.build_id));
		pb_uint(&c->msg, MAPPING_HAS_FUNCTIONS, 1);
		pb_uint(&c->msg, MAPPING_HAS_FILENAMES, !!(c->map_flags[k] & MF_FILES));
		pb_uint(&c->msg, MAPPING_HAS_LINE_NUMBERS, !!(c->map_flags[k] & MF_LINES));
		msg_put(c, PROFILE_MAPPING);
	}
	free(order);
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
	/* a CPU sample stands for one sampling period, as in Go's CPU profiles */
	if (c->has_cpu) {
		value_type_put(c, PROFILE_PERIOD_TYPE, S_CPU, S_NANOSECONDS);
		varint_put(c, PROFILE_PERIOD, c->o->period_ns ? c->o->period_ns : 1);
	} else {
		value_type_put(c, PROFILE_PERIOD_TYPE, S_CONTENTIONS, S_COUNT);
		varint_put(c, PROFILE_PERIOD, 1);
	}
	for (i = 0; i < c->o->ncomments; i++)
		varint_put(c, PROFILE_COMMENT, str_id(c, c->o->comments[i]));
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
	free(c->func_id);
	free(c->map_new);
	free(c->map_flags);
	free(c->strs);
	hashmap_free(&c->str_idx);
	hashmap_free(&c->func_idx);
	free(c->msg.d);
	free(c->ids.d);
	free(c->vals.d);
	free(c->sub.d);
}

/*
 * Comments are interned first, so that they are the first strings after the fixed head; the
 * string table goes last, once every other message has named its strings.
 */
static int pprof_emit(struct pprof_ctx *c, struct prof_err *pe)
{
	size_t i;
	int err;

	for (i = 0; i < c->o->ncomments; i++)
		str_id(c, c->o->comments[i]);
	if (frames_scan(c) || mappings_order(c) || c->oom)
		return prof_err_set(pe, ENOMEM, "out of memory indexing %zu frames for pprof",
				    profile_nframes(c->p));
	err = samples_put(c, pe);
	if (err)
		return err;
	locations_put(c);
	mappings_put(c);
	trailer_put(c);
	if (c->msg.oom || c->sub.oom || c->oom)
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
	hashmap_init(&c.str_idx);
	hashmap_init(&c.func_idx);
	err = pprof_emit(&c, pe);
	ctx_free(&c);
	return err;
}
