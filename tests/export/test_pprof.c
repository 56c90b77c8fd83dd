// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/export_pprof.h"
#include "analyze/profile.h"
#include "testutil.h"

#define MAX_VALUES 8

TMPDIR_SUITE(pprof);

/* A minimal protobuf reader: enough of the wire format for profile.proto. */
struct pb_reader {
	const uint8_t *p, *end;
};

struct pb_field {
	unsigned num, wire;
	uint64_t v; /* varint fields */
	const uint8_t *data; /* length-delimited fields */
	size_t len;
};

static uint64_t varint_read(struct pb_reader *r)
{
	uint64_t v = 0;
	unsigned shift = 0;

	for (;;) {
		cr_assert_lt(r->p, r->end, "varint runs past the end");
		cr_assert_lt(shift, 64, "varint longer than 10 bytes");
		v |= (uint64_t)(*r->p & 0x7f) << shift;
		shift += 7;
		if (!(*r->p++ & 0x80))
			return v;
	}
}

static bool field_next(struct pb_reader *r, struct pb_field *f)
{
	uint64_t key;

	if (r->p == r->end)
		return false;
	key = varint_read(r);
	f->num = key >> 3;
	f->wire = key & 7;
	cr_assert_neq(f->num, 0, "field number 0");
	if (f->wire == 0) {
		f->v = varint_read(r);
	} else if (f->wire == 2) {
		f->len = varint_read(r);
		cr_assert_leq(f->len, (size_t)(r->end - r->p), "field runs past the end");
		f->data = r->p;
		r->p += f->len;
	} else {
		cr_assert_fail("unexpected wire type %u", f->wire);
	}
	return true;
}

/* A repeated integer, packed (wire type 2) or not (wire type 0). */
static size_t ints_read(const struct pb_field *f, uint64_t *out, size_t max)
{
	struct pb_reader r = {f->data, f->data + f->len};
	size_t n = 0;

	if (f->wire == 0) {
		cr_assert_lt(n, max);
		out[0] = f->v;
		return 1;
	}
	while (r.p < r.end) {
		cr_assert_lt(n, max, "too many packed values");
		out[n++] = varint_read(&r);
	}
	return n;
}

struct dec_sample {
	uint64_t locs[64];
	size_t nlocs;
	uint64_t vals[MAX_VALUES];
	size_t nvals;
	uint64_t label_key, label_str; /* the first label's */
	int nlabels;
	uint64_t labels[8][3]; /* key, str, num */
};

enum { L_ID, L_FUNC, L_MAPPING, L_ADDRESS, L_LINE, L_COUNT };
enum { M_ID, M_START, M_LIMIT, M_OFFSET, M_FILE, M_BUILD_ID, M_FN, M_FL, M_LN, M_COUNT };

struct dec_profile {
	char **strings;
	size_t nstrings;
	uint64_t types[MAX_VALUES][2];
	size_t ntypes;
	struct dec_sample *samples;
	size_t nsamples;
	uint64_t (*locs)[L_COUNT];
	size_t nlocs;
	uint64_t (*maps)[M_COUNT];
	size_t nmaps;
	uint64_t (*funcs)[4]; /* id, name, system name, file name */
	size_t nfuncs;
	uint64_t time, duration, period, period_type[2], default_type;
	uint64_t comments[8];
	size_t ncomments;
};

static void *grow(void *arr, size_t n, size_t elem)
{
	if (n & (n - 1))
		return arr;
	arr = realloc(arr, (n ? n * 2 : 1) * elem);
	cr_assert_not_null(arr);
	return arr;
}

static void value_type_read(const struct pb_field *f, uint64_t out[2])
{
	struct pb_reader r = {f->data, f->data + f->len};
	struct pb_field g;

	out[0] = out[1] = 0;
	while (field_next(&r, &g))
		if (g.num == 1 || g.num == 2)
			out[g.num - 1] = g.v;
}

static void sample_read(const struct pb_field *f, struct dec_sample *s)
{
	struct pb_reader r = {f->data, f->data + f->len};
	struct pb_field g, h;

	memset(s, 0, sizeof(*s));
	while (field_next(&r, &g)) {
		if (g.num == 1) {
			s->nlocs += ints_read(&g, s->locs + s->nlocs, 64 - s->nlocs);
		} else if (g.num == 2) {
			s->nvals += ints_read(&g, s->vals + s->nvals, MAX_VALUES - s->nvals);
		} else if (g.num == 3) {
			struct pb_reader lr = {g.data, g.data + g.len};

			cr_assert_lt(s->nlabels, 8);
			while (field_next(&lr, &h))
				if (h.num >= 1 && h.num <= 3)
					s->labels[s->nlabels][h.num - 1] = h.v;
			if (!s->nlabels) {
				s->label_key = s->labels[0][0];
				s->label_str = s->labels[0][1];
			}
			s->nlabels++;
		}
	}
}

static void location_read(const struct pb_field *f, uint64_t out[L_COUNT])
{
	struct pb_reader r = {f->data, f->data + f->len}, lr;
	struct pb_field g, h;
	int lines = 0;

	memset(out, 0, L_COUNT * sizeof(*out));
	while (field_next(&r, &g)) {
		if (g.num == 1)
			out[L_ID] = g.v;
		else if (g.num == 2)
			out[L_MAPPING] = g.v;
		else if (g.num == 3)
			out[L_ADDRESS] = g.v;
		if (g.num != 4)
			continue;
		lines++;
		lr = (struct pb_reader){g.data, g.data + g.len};
		while (field_next(&lr, &h))
			if (h.num == 1 || h.num == 2)
				out[h.num == 1 ? L_FUNC : L_LINE] = h.v;
	}
	cr_assert_eq(lines, 1, "location %llu has %d lines", (unsigned long long)out[0], lines);
}

static void mapping_read(const struct pb_field *f, uint64_t out[M_COUNT])
{
	struct pb_reader r = {f->data, f->data + f->len};
	struct pb_field g;

	memset(out, 0, M_COUNT * sizeof(*out));
	while (field_next(&r, &g))
		if (g.num >= 1 && g.num <= 9)
			out[g.num - 1] = g.v;
}

static void function_read(const struct pb_field *f, uint64_t out[4])
{
	struct pb_reader r = {f->data, f->data + f->len};
	struct pb_field g;

	memset(out, 0, 4 * sizeof(*out));
	while (field_next(&r, &g))
		if (g.num >= 1 && g.num <= 4)
			out[g.num - 1] = g.v;
}

static void profile_field(struct dec_profile *d, const struct pb_field *f)
{
	switch (f->num) {
	case 1:
		cr_assert_lt(d->ntypes, MAX_VALUES);
		value_type_read(f, d->types[d->ntypes++]);
		break;
	case 2:
		d->samples = grow(d->samples, d->nsamples, sizeof(*d->samples));
		sample_read(f, &d->samples[d->nsamples++]);
		break;
	case 3:
		d->maps = grow(d->maps, d->nmaps, sizeof(*d->maps));
		mapping_read(f, d->maps[d->nmaps++]);
		break;
	case 4:
		d->locs = grow(d->locs, d->nlocs, sizeof(*d->locs));
		location_read(f, d->locs[d->nlocs++]);
		break;
	case 5:
		d->funcs = grow(d->funcs, d->nfuncs, sizeof(*d->funcs));
		function_read(f, d->funcs[d->nfuncs++]);
		break;
	case 6:
		d->strings = grow(d->strings, d->nstrings, sizeof(*d->strings));
		d->strings[d->nstrings++] = strndup((const char *)f->data, f->len);
		break;
	case 9:
		d->time = f->v;
		break;
	case 10:
		d->duration = f->v;
		break;
	case 11:
		value_type_read(f, d->period_type);
		break;
	case 12:
		d->period = f->v;
		break;
	case 13:
		cr_assert_lt(d->ncomments, 8);
		d->comments[d->ncomments++] = f->v;
		break;
	case 14:
		d->default_type = f->v;
		break;
	default:
		cr_assert_fail("unexpected Profile field %u", f->num);
	}
}

static struct dec_profile *pprof_decode(const char *path)
{
	struct dec_profile *d = calloc(1, sizeof(*d));
	size_t len;
	bool gzip;
	uint8_t *buf = (uint8_t *)file_read(path, &len, &gzip);
	struct pb_reader r = {buf, buf + len};
	struct pb_field f;

	cr_assert(gzip, "%s is not gzip-compressed", path);
	while (field_next(&r, &f))
		profile_field(d, &f);
	free(buf);
	return d;
}

static void decoded_free(struct dec_profile *d)
{
	size_t i;

	for (i = 0; i < d->nstrings; i++)
		free(d->strings[i]);
	free(d->strings);
	free(d->samples);
	free(d->locs);
	free(d->maps);
	free(d->funcs);
	free(d);
}

static const char *str(const struct dec_profile *d, uint64_t i)
{
	cr_assert_lt(i, d->nstrings, "string index %llu out of range", (unsigned long long)i);
	return d->strings[i];
}

static const uint64_t *location(const struct dec_profile *d, uint64_t loc)
{
	for (size_t i = 0; i < d->nlocs; i++)
		if (d->locs[i][L_ID] == loc)
			return d->locs[i];
	cr_assert_fail("no location %llu", (unsigned long long)loc);
	return NULL;
}

static const uint64_t *function_of_location(const struct dec_profile *d, uint64_t loc)
{
	const uint64_t *l = location(d, loc);
	size_t j;

	for (j = 0; j < d->nfuncs; j++)
		if (d->funcs[j][0] == l[L_FUNC])
			return d->funcs[j];
	cr_assert_fail("location %llu: no function %llu", (unsigned long long)loc,
		       (unsigned long long)l[L_FUNC]);
	return NULL;
}

/* A decoded sample's stack root first, as "name[file];..." */
static void sample_stack(const struct dec_profile *d, const struct dec_sample *s, char *buf,
			 size_t size)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = s->nlocs; i-- > 0 && o < size;) {
		const uint64_t *fn = function_of_location(d, s->locs[i]);

		cr_assert_eq(fn[1], fn[2], "system name differs from name");
		o += snprintf(buf + o, size - o, "%s%s%s", i + 1 < s->nlocs ? ";" : "",
			      str(d, fn[1]), str(d, fn[3]));
	}
}

/* The file name the writer gives a frame's function to tell its kind. */
static const char *frame_file(enum gp_frame_kind kind)
{
	static const char *const file[GP_FK_COUNT] = {"", "[kernel]", "[lock]", "[waker]",
						      "[thread]"};

	return file[kind];
}

static void types_check(const struct dec_profile *d, const char *const *expect, size_t n)
{
	size_t i;

	cr_assert_eq(d->ntypes, n);
	for (i = 0; i < n; i++) {
		char t[64];

		snprintf(t, sizeof(t), "%s/%s", str(d, d->types[i][0]), str(d, d->types[i][1]));
		cr_assert_str_eq(t, expect[i]);
	}
}

static void ids_unique(void *rows, size_t nrows, size_t stride)
{
	size_t i, j;
	uint64_t *a = rows;

	for (i = 0; i < nrows; i++) {
		cr_assert_neq(a[i * stride], 0, "id 0");
		for (j = i + 1; j < nrows; j++)
			cr_assert_neq(a[i * stride], a[j * stride], "duplicate id");
	}
}

static struct gp_profile *mixed_profile(void)
{
	struct gp_profile *p = profile_make("nanoseconds");
	struct gp_pframe cpu[] = {
		{"python3", GP_FK_COMM}, {"main", GP_FK_USER}, {"compute", GP_FK_USER}};
	struct gp_pframe lock[] = {{"python3", GP_FK_COMM},
				   {"main", GP_FK_USER},
				   {"take_gil", GP_FK_USER},
				   {"main", GP_FK_KERNEL},
				   {"GIL 0x7f00", GP_FK_LOCK}};
	struct gp_pframe wake[] = {{"w", GP_FK_COMM}, {"drop_gil", GP_FK_WAKER}};

	stack_add(p, cpu, 3, GP_SK_CPU, 5000000000ULL, 500);
	stack_add(p, lock, 5, GP_SK_LOCK_WAIT, 3000000000ULL, 1200);
	stack_add(p, cpu, 2, GP_SK_RUNQ_WAIT, 700, 7);
	stack_add(p, lock, 3, GP_SK_SLEEP, 1, 1);
	stack_add(p, wake, 2, GP_SK_WAKER, 90, 9);
	return p;
}

Test(pprof, mixed_round_trip)
{
	static const char *const types[] = {"samples/count", "cpu/nanoseconds", "contentions/count",
					    "delay/nanoseconds"};
	static const char *const kinds[] = {"cpu", "lock-wait", "runqueue", "sleep", "waker"};
	const char *comments[] = {"gilprof run -- python3 x.py", "second"};
	struct gp_pprof_opts o = {.time_ns = 1700000000123456789LL,
				  .duration_ns = 10000000000LL,
				  .comments = comments,
				  .ncomments = 2};
	struct gp_profile *p = mixed_profile();
	struct prof_err pe = {0};
	struct dec_profile *d;
	char a[512], b[512];
	size_t i, main_strings = 0;

	cr_assert_eq(t_pprof_write(p, &o, path_in_tmp("m.pb.gz"), &pe), 0, "%s", pe.msg);
	d = pprof_decode(path_in_tmp("m.pb.gz"));
	cr_assert_str_eq(str(d, 0), "");
	types_check(d, types, 4);
	cr_assert_eq(d->nsamples, profile_nstacks(p));
	for (i = 0; i < d->nsamples; i++) {
		const struct dec_sample *s = &d->samples[i];
		struct gp_stack st;
		bool cpu;

		profile_stack(p, i, &st);
		cpu = st.kind == GP_SK_CPU;
		sample_stack(d, s, a, sizeof(a));
		stack_text(p, i, "", frame_file, b, sizeof(b));
		cr_assert_str_eq(a, b);
		cr_assert_eq(s->nvals, 4);
		cr_assert_eq(s->vals[0], cpu ? st.count : 0);
		cr_assert_eq(s->vals[1], cpu ? st.weight : 0);
		cr_assert_eq(s->vals[2], cpu ? 0 : st.count);
		cr_assert_eq(s->vals[3], cpu ? 0 : st.weight);
		cr_assert_eq(s->nlabels, 1);
		cr_assert_str_eq(str(d, s->label_key), "kind");
		cr_assert_str_eq(str(d, s->label_str), kinds[st.kind]);
	}
	/* 8 distinct frames, "main" user and kernel share one string. */
	cr_assert_eq(d->nlocs, 8);
	cr_assert_eq(d->nfuncs, 8);
	ids_unique(d->locs, d->nlocs, L_COUNT);
	ids_unique(d->funcs, d->nfuncs, 4);
	for (i = 0; i < d->nstrings; i++)
		main_strings += !strcmp(d->strings[i], "main");
	cr_assert_eq(main_strings, 1);
	cr_assert_eq(d->time, 1700000000123456789ULL);
	cr_assert_eq(d->duration, 10000000000ULL);
	cr_assert_str_eq(str(d, d->period_type[0]), "cpu");
	cr_assert_str_eq(str(d, d->period_type[1]), "nanoseconds");
	cr_assert_eq(d->period, 1);
	cr_assert_str_eq(str(d, d->default_type), "delay");
	cr_assert_eq(d->ncomments, 2);
	cr_assert_str_eq(str(d, d->comments[0]), comments[0]);
	cr_assert_str_eq(str(d, d->comments[1]), "second");
	decoded_free(d);
	profile_free(p);
}

Test(pprof, sampled_cpu_profile_is_go_cpu_shaped)
{
	static const char *const types[] = {"samples/count", "cpu/nanoseconds"};
	struct gp_pprof_opts o = {.period_ns = 10101010};
	struct prof_err pe = {0};
	struct gp_profile *p = profile_make("samples");
	struct dec_profile *d;
	size_t i;

	/* Enough frames and weight for multi-byte varints in ids and values. */
	for (i = 0; i < 3000; i++) {
		char name[32];
		struct gp_pframe f[] = {{"t", GP_FK_COMM}, {name, GP_FK_USER}};

		snprintf(name, sizeof(name), "fn%zu", i);
		stack_add(p, f, 2, GP_SK_CPU, i * 1000 + 1, 1);
	}
	cr_assert_eq(t_pprof_write(p, &o, path_in_tmp("cpu.pb.gz"), &pe), 0, "%s", pe.msg);
	d = pprof_decode(path_in_tmp("cpu.pb.gz"));
	types_check(d, types, 2);
	cr_assert_eq(d->nsamples, 3000);
	cr_assert_eq(d->samples[2999].vals[0], 2999001);
	cr_assert_eq(d->samples[2999].vals[1], 2999001ULL * 10101010);
	cr_assert_str_eq(str(d, function_of_location(d, d->samples[2999].locs[0])[1]), "fn2999");
	cr_assert_str_eq(str(d, d->period_type[0]), "cpu");
	cr_assert_eq(d->period, 10101010);
	cr_assert_str_eq(str(d, d->default_type), "cpu");
	cr_assert_eq(d->time, 0);
	cr_assert_eq(d->ncomments, 0);
	decoded_free(d);
	profile_free(p);
}

Test(pprof, lock_profile_is_go_mutex_shaped)
{
	static const char *const types[] = {"contentions/count", "delay/nanoseconds"};
	struct prof_err pe = {0};
	struct gp_profile *p = profile_make("nanoseconds");
	struct gp_pframe f[] = {{"t", GP_FK_COMM}, {"GIL", GP_FK_LOCK}};
	struct dec_profile *d;

	stack_add(p, f, 2, GP_SK_LOCK_WAIT, 123456, 3);
	cr_assert_eq(t_pprof_write(p, NULL, path_in_tmp("lock.pb.gz"), &pe), 0, "%s", pe.msg);
	d = pprof_decode(path_in_tmp("lock.pb.gz"));
	types_check(d, types, 2);
	cr_assert_eq(d->samples[0].vals[0], 3);
	cr_assert_eq(d->samples[0].vals[1], 123456);
	cr_assert_str_eq(str(d, d->period_type[0]), "contentions");
	cr_assert_str_eq(str(d, d->period_type[1]), "count");
	cr_assert_eq(d->period, 1);
	cr_assert_str_eq(str(d, d->default_type), "delay");
	decoded_free(d);
	profile_free(p);
}

Test(pprof, errors)
{
	struct prof_err pe = {0};
	struct gp_profile *p = profile_make("samples");
	struct gp_pframe f[] = {{"t", GP_FK_COMM}};
	struct gp_pprof_opts o = {.period_ns = 1ULL << 62};

	stack_add(p, f, 1, GP_SK_CPU, 8, 1);
	cr_assert_eq(t_pprof_write(p, NULL, path_in_tmp("x.pb.gz"), &pe), -EINVAL);
	cr_assert(strstr(pe.msg, "sampling period"), "%s", pe.msg);
	file_absent(path_in_tmp("x.pb.gz"), "no output on failure");
	cr_assert_eq(t_pprof_write(p, &o, path_in_tmp("x.pb.gz"), &pe), -ERANGE);
	cr_assert(strstr(pe.msg, "int64"), "%s", pe.msg);
	file_absent(path_in_tmp("x.pb.gz"), "no output on failure");
	tmp_absent(path_in_tmp("x.pb.gz"));
	profile_free(p);
}

/*
 * A profile of located frames, as the pprof view makes one: two threads of one name, at two
 * addresses of one function in the program, and in libc, each sample with its thread and lock.
 */
static struct gp_profile *located_profile(void)
{
	struct gp_profile *p = profile_make("nanoseconds");
	struct gp_pmapping lib = {0x7f0000001000, 0x7f0000100000, 0x1000, "/lib/libc.so.6", "aa11"};
	struct gp_pmapping exe = {0x55000000, 0x55001000, 0, "/src/prog", "bb22"};
	struct gp_ploc lock = {0x7f0000002000, 1, 49, "__lll_lock_wait", "/glibc/lowlevellock.c"};
	struct gp_ploc a = {0x55000074, 2, 38, "worker", "/src/prog.c"}, b = a;
	struct gp_ploc k = {0xffffffff81200626, 0, 0, "__schedule", NULL};
	struct gp_pframe f[] = {{"prog", GP_FK_COMM},
				{"worker+0x74", GP_FK_USER},
				{"__lll_lock_wait+0x2b", GP_FK_USER},
				{"__schedule+0x626", GP_FK_KERNEL},
				{"hot_lock", GP_FK_LOCK}};
	const struct gp_ploc *la[] = {NULL, &a, &lock, &k, NULL},
			     *lb[] = {NULL, &b, &lock, &k, NULL};
	struct gp_ptags t1 = {.pid = 4242, .tid = 4243, .thread = "prog", .lock = "hot_lock"};
	struct gp_ptags t2 = t1;
	struct prof_err pe = {0};
	uint32_t id;

	t2.tid = 4244;
	b.address = 0x550000d1;
	b.line = 44;
	cr_assert_eq(profile_mapping_add(p, &lib, &id, &pe), 0);
	cr_assert_eq(profile_mapping_add(p, &exe, &id, &pe), 0);
	cr_assert_eq(profile_add_tagged(p, f, la, 5, &t1, GP_SK_LOCK_WAIT, 3000, 2, &pe), 0);
	f[1].name = "worker+0xd1";
	cr_assert_eq(profile_add_tagged(p, f, lb, 5, &t2, GP_SK_LOCK_WAIT, 5000, 1, &pe), 0);
	return p;
}

/* The label of a sample with the key called key: its string's index, or its number. */
static const uint64_t *label_of(const struct dec_profile *d, const struct dec_sample *s,
				const char *key)
{
	for (int i = 0; i < s->nlabels; i++)
		if (!strcmp(str(d, s->labels[i][0]), key))
			return s->labels[i];
	return NULL;
}

Test(pprof, located_frames_mappings_and_labels)
{
	struct gp_pprof_opts o = {.period_ns = 10101010};
	struct gp_profile *p = located_profile();
	struct prof_err pe = {0};
	struct dec_profile *d;
	const uint64_t *l, *fn, *lab;

	cr_assert_eq(t_pprof_write(p, &o, path_in_tmp("loc.pb.gz"), &pe), 0, "%s", pe.msg);
	d = pprof_decode(path_in_tmp("loc.pb.gz"));
	cr_assert_eq(d->nmaps, 2);
	/* the program first, where pprof looks for the main binary */
	cr_assert_eq(d->maps[0][M_ID], 1);
	cr_assert_str_eq(str(d, d->maps[0][M_FILE]), "/src/prog");
	cr_assert_str_eq(str(d, d->maps[0][M_BUILD_ID]), "bb22");
	cr_assert_eq(d->maps[0][M_START], 0x55000000);
	cr_assert_eq(d->maps[0][M_LIMIT], 0x55001000);
	cr_assert(d->maps[0][M_FN] && d->maps[0][M_FL] && d->maps[0][M_LN]);
	cr_assert_str_eq(str(d, d->maps[1][M_FILE]), "/lib/libc.so.6");
	cr_assert_eq(d->maps[1][M_OFFSET], 0x1000);
	cr_assert_eq(d->nsamples, 2);
	/* leaf first: hot_lock, __schedule, __lll_lock_wait, worker, prog */
	l = location(d, d->samples[0].locs[3]);
	cr_assert_eq(l[L_ADDRESS], 0x55000074);
	cr_assert_eq(l[L_MAPPING], 1);
	cr_assert_eq(l[L_LINE], 38);
	fn = function_of_location(d, l[L_ID]);
	cr_assert_str_eq(str(d, fn[1]), "worker");
	cr_assert_str_eq(str(d, fn[3]), "/src/prog.c");
	l = location(d, d->samples[1].locs[3]);
	cr_assert_eq(l[L_ADDRESS], 0x550000d1);
	cr_assert_eq(l[L_LINE], 44);
	cr_assert_eq(function_of_location(d, l[L_ID])[0], fn[0], "one function, two addresses");
	l = location(d, d->samples[0].locs[2]);
	cr_assert_eq(l[L_MAPPING], 2);
	l = location(d, d->samples[0].locs[1]);
	cr_assert_eq(l[L_ADDRESS], 0xffffffff81200626);
	cr_assert_eq(l[L_MAPPING], 0, "kernel code: no mapping");
	cr_assert_str_eq(str(d, function_of_location(d, l[L_ID])[3]), "[kernel]");
	l = location(d, d->samples[0].locs[0]);
	cr_assert_eq(l[L_ADDRESS], 0);
	cr_assert_str_eq(str(d, function_of_location(d, l[L_ID])[1]), "hot_lock");
	cr_assert_eq(d->nfuncs, 5);
	lab = label_of(d, &d->samples[1], "tid");
	cr_assert(lab && lab[2] == 4244);
	lab = label_of(d, &d->samples[1], "pid");
	cr_assert(lab && lab[2] == 4242);
	lab = label_of(d, &d->samples[1], "thread");
	cr_assert(lab && !strcmp(str(d, lab[1]), "prog"));
	lab = label_of(d, &d->samples[1], "lock");
	cr_assert(lab && !strcmp(str(d, lab[1]), "hot_lock"));
	cr_assert_eq(d->period, 1, "no CPU samples: a contention is one");
	decoded_free(d);
	profile_free(p);
}

/* The real consumer: `go tool pprof -raw` must parse the file and see our samples. */
Test(pprof, go_tool_pprof_reads_it)
{
	struct gp_profile *p;
	struct prof_err pe = {0};
	char cmd[512], line[512];
	bool types = false, gil = false, label = false;
	FILE *f;
	int rc;

	if (system("command -v go >/dev/null 2>&1") != 0) {
		tmpdir_remove(); /* .fini does not run after a skip */
		cr_skip("go is not installed: `go tool pprof` not tried");
	}
	p = mixed_profile();
	cr_assert_eq(t_pprof_write(p, NULL, path_in_tmp("go.pb.gz"), &pe), 0, "%s", pe.msg);
	snprintf(cmd, sizeof(cmd), "HOME=%s go tool pprof -raw '%s' 2>&1", tmpdir,
		 path_in_tmp("go.pb.gz"));
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		types |= strstr(line, "samples/count cpu/nanoseconds contentions/count "
				      "delay/nanoseconds[dflt]") != NULL;
		gil |= strstr(line, "GIL 0x7f00") != NULL;
		label |= strstr(line, "kind:[lock-wait]") != NULL;
	}
	rc = pclose(f);
	cr_assert_eq(rc, 0, "go tool pprof failed (%d)", rc);
	cr_assert(types, "sample types not listed");
	cr_assert(gil, "lock frame not listed");
	cr_assert(label, "kind label not listed");
	profile_free(p);
}
