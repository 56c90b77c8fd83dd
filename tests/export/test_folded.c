// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "export/folded.h"
#include "analyze/profile.h"
#include "testutil.h"

TMPDIR_SUITE(folded);

static char *write_to_string(const struct gp_profile *p)
{
	struct prof_err pe = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(folded_write_fp(p, f, &pe), 0, "%s", pe.msg);
	fclose(f);
	return buf;
}

Test(folded, write_annotations_and_escapes)
{
	struct gp_profile *p = profile_make("samples");
	struct gp_pframe lock[] = {
		{"python3", GP_FK_COMM},	 {"main", GP_FK_USER},	     {"a;b", GP_FK_USER},
		{"line\nbreak\r", GP_FK_KERNEL}, {"GIL 0x7f00", GP_FK_LOCK},
	};
	struct gp_pframe digits[] = {
		{"my comm 2", GP_FK_COMM}, {"frame 123", GP_FK_USER}, {"", GP_FK_USER},
		{"fake_[k]", GP_FK_USER},  {"wake", GP_FK_WAKER},
	};
	char *out;

	stack_add(p, lock, 5, GP_SK_LOCK_WAIT, 12, 1);
	stack_add(p, digits, 5, GP_SK_WAKER, 7, 1);
	out = write_to_string(p);
	cr_assert_str_eq(out, "python3;main;a:b;linebreak_[k];GIL 0x7f00 12\n"
			      "my comm 2;frame 123;[unknown];fake_(k);wake_[w] 7\n");
	free(out);
	profile_free(p);
}

/* The format has neither kinds nor threads: one line per stack of frames, at its first place. */
Test(folded, one_line_per_stack_whatever_its_kinds_and_threads)
{
	struct gp_profile *p = profile_make("nanoseconds");
	struct gp_pframe off[] = {
		{"w", GP_FK_COMM}, {"work", GP_FK_USER}, {"schedule", GP_FK_KERNEL}};
	struct gp_pframe cpu[] = {{"w", GP_FK_COMM}, {"work", GP_FK_USER}};
	struct gp_ptags t1 = {.pid = 1, .tid = 2, .thread = "w"}, t2 = {.pid = 1, .tid = 3};
	struct prof_err pe = {0};
	char *out;

	cr_assert_eq(profile_add_tagged(p, off, NULL, 3, &t1, GP_SK_SLEEP, 100, 1, &pe), 0);
	cr_assert_eq(profile_add_tagged(p, cpu, NULL, 2, &t1, GP_SK_CPU, 7, 1, &pe), 0);
	cr_assert_eq(profile_add_tagged(p, off, NULL, 3, &t1, GP_SK_RUNQ_WAIT, 20, 1, &pe), 0);
	cr_assert_eq(profile_add_tagged(p, off, NULL, 3, &t2, GP_SK_SLEEP, 3, 1, &pe), 0);
	cr_assert_eq(profile_add_tagged(p, cpu, NULL, 2, &t2, GP_SK_CPU, 1, 1, &pe), 0);
	cr_assert_eq(profile_nstacks(p), 5);
	out = write_to_string(p);
	cr_assert_str_eq(out, "w;work;schedule_[k] 123\n"
			      "w;work 8\n");
	free(out);
	profile_free(p);
}

Test(folded, read_kinds_and_annotations)
{
	struct gp_profile *p = profile_from_folded("python3;main;do_futex_[k];GIL 0x7f00 30\n"
						   "python3;main 5\n"
						   "w2;take_gil;GIL;drop_gil_[w];futex_wake_[w] 4\n"
						   "java;Foo.bar_[j];inl_[i] 2\n",
						   "nanoseconds", GP_SK_LOCK_WAIT);

	cr_assert_eq(profile_nstacks(p), 4);
	stack_expect(stack_describe, p, 0,
		     "python3/comm;main/user;do_futex/kernel;GIL 0x7f00/lock 30 lock-wait");
	stack_expect(stack_describe, p, 1, "python3/comm;main/lock 5 lock-wait");
	stack_expect(stack_describe, p, 2,
		     "w2/comm;take_gil/user;GIL/user;drop_gil/waker;futex_wake/waker 4 waker");
	stack_expect(stack_describe, p, 3, "java/comm;Foo.bar/user;inl/lock 2 lock-wait");
	profile_free(p);
}

/* The reader remembers frame texts: a text seen again is the same frame in the same role. */
Test(folded, repeated_frame_texts_keep_their_kinds)
{
	struct gp_profile *p = profile_from_folded("main;main;main_[k];x 1\n"
						   "x;main_[w];main;L 4\n"
						   "main;main;main_[k];x 2\n"
						   "x;main_[w];main;L 4\n"
						   "x;main;L 1\n",
						   "samples", GP_SK_LOCK_WAIT);

	cr_assert_eq(profile_nstacks(p), 3);
	stack_expect(stack_describe, p, 0, "main/comm;main/user;main/kernel;x/lock 3 lock-wait");
	stack_expect(stack_describe, p, 1, "x/comm;main/waker;main/user;L/user 8 waker");
	stack_expect(stack_describe, p, 2, "x/comm;main/user;L/lock 1 lock-wait");
	profile_free(p);
}

/* Frames of 1 to 40 bytes, twice each, at the start, middle and end of their lines. */
Test(folded, frames_of_every_length)
{
	struct gp_profile *p = profile_make("samples");
	const char *path = path_in_tmp("lengths.folded");
	struct prof_err pe = {0};
	FILE *f = fopen(path, "w");
	char name[48];
	struct gp_stack s;
	size_t k, j;

	cr_assert_not_null(f);
	for (j = 0; j < 2; j++)
		for (k = 1; k <= 40; k++) {
			memset(name, 'a', k);
			name[k] = '\0';
			name[k - 1] =
				k > 20 ? 'b' : 'a'; /* the same first 16 bytes as the one before */
			fprintf(f, "%s;%s;%s_[k] 1\n", name, name, name);
		}
	fclose(f);
	cr_assert_eq(t_folded_read(p, path, GP_SK_CPU, &pe), 0, "%s", pe.msg);
	cr_assert_eq(profile_nstacks(p), 40);
	cr_assert_eq(profile_nframes(p), 3 * 40);
	for (k = 1; k <= 40; k++) {
		profile_stack(p, k - 1, &s);
		cr_assert_eq(s.weight, 2);
		cr_assert_eq(s.depth, 3);
		for (j = 0; j < 3; j++) {
			struct gp_pframe fr = profile_frame(p, s.frames[j]);

			cr_assert_eq(strlen(fr.name), k, "frame %zu of stack %zu", j, k);
			cr_assert_eq(fr.name[k - 1], k > 20 ? 'b' : 'a');
			cr_assert_eq(fr.kind, j == 0   ? GP_FK_COMM
					      : j == 1 ? GP_FK_USER
						       : GP_FK_KERNEL);
		}
	}
	profile_free(p);
}

Test(folded, names_with_spaces_and_trailing_digits)
{
	struct gp_profile *p = profile_from_folded("my comm;frame 123;x 99 17\n"
						   "a;b  3\n"
						   "tab\tcomm;leaf\t8\n",
						   "samples", GP_SK_CPU);
	struct gp_stack s;

	stack_expect(stack_describe, p, 0, "my comm/comm;frame 123/user;x 99/user 17 cpu");
	/* Like flamegraph.pl, the stack keeps everything before the last blank. */
	stack_expect(stack_describe, p, 1, "a/comm;b /user 3 cpu");
	stack_expect(stack_describe, p, 2, "tab\tcomm/comm;leaf/user 8 cpu");
	profile_stack(p, 0, &s);
	cr_assert_eq(s.count, 17, "count is the weight for sampled profiles");
	profile_free(p);
}

Test(folded, crlf_blank_lines_and_no_final_newline)
{
	struct gp_profile *p = profile_from_folded("\r\n  \t\na;b 1\r\n\r\n\na;b 2\r\nc;d 5",
						   "nanoseconds", GP_SK_SLEEP);
	struct gp_stack s;

	cr_assert_eq(profile_nstacks(p), 2);
	profile_stack(p, 0, &s);
	cr_assert_eq(s.weight, 3);
	cr_assert_eq(s.count, 2, "count is the number of lines for nanosecond profiles");
	cr_assert_eq(s.kind, GP_SK_SLEEP);
	profile_stack(p, 1, &s);
	cr_assert_eq(s.weight, 5);
	profile_free(p);
}

static void read_fails(const char *text, const char *where, const char *why)
{
	struct gp_profile *p = profile_make("samples");
	struct prof_err pe = {0};
	const char *path = path_in_tmp("bad.folded");
	char expect[512];

	file_put(path, text);
	cr_assert_eq(t_folded_read(p, path, GP_SK_CPU, &pe), -EINVAL, "accepted %s", text);
	snprintf(expect, sizeof(expect), "%s:%s", path, where);
	cr_assert(strstr(pe.msg, expect), "'%s' lacks '%s'", pe.msg, expect);
	cr_assert(strstr(pe.msg, why), "'%s' lacks '%s'", pe.msg, why);
	profile_free(p);
}

Test(folded, malformed_lines_are_rejected_with_their_line_number)
{
	read_fails("a;b 1\nno_weight\n", "2:", "expected 'frames weight'");
	read_fails("a;b 1\n\na;b x1\n", "3:", "not an unsigned 64-bit integer");
	read_fails("a;b -1\n", "1:", "not an unsigned 64-bit integer");
	read_fails("a;b 18446744073709551616\n", "1:", "not an unsigned 64-bit integer");
	read_fails("a;;b 1\n", "1:", "empty frame name");
	read_fails("a;b; 1\n", "1:", "empty frame name");
	read_fails("_[k];b 1\n", "1:", "empty frame name");
	read_fails(" 5\n", "1:", "no frames before the weight");
	read_fails("a;b 3 \n", "1:", "expected 'frames weight'");
	read_fails("a;b\t1.5\n", "1:", "not an unsigned 64-bit integer");
}

Test(folded, missing_file)
{
	struct gp_profile *p = profile_make("samples");
	struct prof_err pe = {0};

	cr_assert_eq(t_folded_read(p, path_in_tmp("nope.folded"), GP_SK_CPU, &pe), -ENOENT);
	cr_assert(strstr(pe.msg, "nope.folded"), "%s", pe.msg);
	profile_free(p);
}

static void round_trip(const char *name)
{
	struct gp_profile *p = profile_make("nanoseconds"), *q = profile_make("nanoseconds");
	struct prof_err pe = {0};
	const char *path = path_in_tmp(name);
	char a[256], b[256];
	size_t i;

	for (i = 0; i < 3000; i++) {
		char leaf[32];
		struct gp_pframe f[] = {{i % 2 ? "t1" : "t2", GP_FK_COMM},
					{"main", GP_FK_USER},
					{leaf, i % 3 ? GP_FK_USER : GP_FK_KERNEL}};

		snprintf(leaf, sizeof(leaf), "fn %zu", i % 1000);
		stack_add(p, f, 3, GP_SK_CPU, i + 1, 1);
	}
	cr_assert_eq(t_folded_write(p, path, &pe), 0, "%s", pe.msg);
	tmp_absent(path);
	cr_assert_eq(t_folded_read(q, path, GP_SK_CPU, &pe), 0, "%s", pe.msg);
	cr_assert_eq(profile_nstacks(q), profile_nstacks(p));
	cr_assert_eq(profile_total(q), profile_total(p));
	for (i = 0; i < profile_nstacks(p); i++) {
		stack_describe(p, i, a, sizeof(a));
		stack_describe(q, i, b, sizeof(b));
		cr_assert_str_eq(a, b);
	}
	profile_free(p);
	profile_free(q);
}

Test(folded, plain_round_trip)
{
	round_trip("rt.folded");
}

Test(folded, gzip_round_trip)
{
	const char *path = path_in_tmp("rt.folded.gz");
	unsigned char magic[2];
	FILE *f;

	round_trip("rt.folded.gz");
	f = fopen(path, "rb");
	cr_assert_not_null(f);
	cr_assert_eq(fread(magic, 1, 2, f), 2);
	fclose(f);
	cr_assert(magic[0] == 0x1f && magic[1] == 0x8b, "not gzip: %02x %02x", magic[0], magic[1]);
}

Test(folded, truncated_gzip_is_an_error)
{
	struct gp_profile *p = profile_make("samples");
	struct prof_err pe = {0};
	const char *full = path_in_tmp("t.folded.gz"), *cut = path_in_tmp("cut.folded.gz");
	char *text;
	size_t i;
	FILE *f;
	gzFile gz = gzopen(full, "wb");

	cr_assert_not_null(gz);
	for (i = 0; i < 20000; i++)
		gzprintf(gz, "comm;f%zu;g%zu %zu\n", i, i * 7, i);
	gzclose(gz);
	text = malloc(1 << 20);
	f = fopen(full, "rb");
	i = fread(text, 1, 1 << 20, f);
	fclose(f);
	f = fopen(cut, "wb");
	fwrite(text, 1, i / 2, f);
	fclose(f);
	free(text);
	cr_assert_lt(t_folded_read(p, cut, GP_SK_CPU, &pe), 0);
	cr_assert(strstr(pe.msg, "cut.folded.gz"), "%s", pe.msg);
	profile_free(p);
}

Test(folded, failed_write_leaves_nothing)
{
	struct gp_profile *p = profile_make("samples");
	struct gp_pframe f[] = {{"a", GP_FK_COMM}};
	struct prof_err pe = {0};
	char path[300];

	stack_add(p, f, 1, GP_SK_CPU, 1, 1);
	snprintf(path, sizeof(path), "%s/missing-dir/out.folded", tmpdir);
	cr_assert_eq(t_folded_write(p, path, &pe), -ENOENT);
	cr_assert(strstr(pe.msg, "missing-dir/out.folded"), "%s", pe.msg);
	/* A full device fails at write or close time: the old file must survive untouched. */
	if (access("/dev/full", W_OK) == 0) {
		FILE *full = fopen("/dev/full", "w");

		cr_assert_not_null(full);
		setvbuf(full, NULL, _IONBF, 0);
		cr_assert_eq(folded_write_fp(p, full, &pe), -ENOSPC, "%s", pe.msg);
		fclose(full);
	}
	profile_free(p);
}

Test(folded, existing_file_is_replaced_whole)
{
	struct gp_profile *p = profile_make("samples");
	struct gp_pframe f[] = {{"a", GP_FK_COMM}, {"b", GP_FK_USER}};
	struct prof_err pe = {0};
	const char *path = path_in_tmp("replace.folded");
	char *text;

	file_put(path, "old;content 1\nmore;old;content 2\n");
	stack_add(p, f, 2, GP_SK_CPU, 9, 1);
	cr_assert_eq(t_folded_write(p, path, &pe), 0, "%s", pe.msg);
	text = file_get(path);
	cr_assert_str_eq(text, "a;b 9\n");
	free(text);
	profile_free(p);
}

/* Megabytes of gzip input: lines cross the reader's chunk boundaries, then an early error
 * must stop the inflating thread while it waits for room. */
static void big_gz_write(const char *path, size_t lines, size_t bad_line, unsigned long long *sum)
{
	gzFile gz = gzopen(path, "wb1");
	size_t i;

	cr_assert_not_null(gz);
	*sum = 0;
	for (i = 1; i <= lines; i++) {
		if (i == bad_line) {
			gzprintf(gz, "this line has no weight\n");
			continue;
		}
		gzprintf(gz, "comm%zu;some_function_name_%zu;another_frame_%zu %zu\n", i % 5,
			 i % 977, i, i % 10 + 1);
		*sum += i % 10 + 1;
	}
	cr_assert_eq(gzclose(gz), Z_OK);
}

Test(folded, large_gzip_input)
{
	struct gp_profile *p = profile_make("samples");
	struct prof_err pe = {0};
	const char *path = path_in_tmp("large.folded.gz");
	unsigned long long sum;

	big_gz_write(path, 300000, 0, &sum);
	cr_assert_eq(t_folded_read(p, path, GP_SK_CPU, &pe), 0, "%s", pe.msg);
	cr_assert_eq(profile_nstacks(p), 300000);
	cr_assert_eq(profile_total(p), sum);
	profile_free(p);
}

Test(folded, early_error_in_large_gzip_input, .timeout = 30)
{
	struct gp_profile *p = profile_make("samples");
	struct prof_err pe = {0};
	const char *path = path_in_tmp("early.folded.gz");
	unsigned long long sum;

	big_gz_write(path, 300000, 3, &sum);
	cr_assert_eq(t_folded_read(p, path, GP_SK_CPU, &pe), -EINVAL);
	cr_assert(strstr(pe.msg, "early.folded.gz:3:"), "%s", pe.msg);
	cr_assert_eq(profile_nstacks(p), 2);
	profile_free(p);
}

/* Lines are added in batches: an error names its line wherever it falls in one. */
Test(folded, errors_past_a_batch_name_their_line)
{
	struct gp_profile *p = profile_make("samples");
	struct prof_err pe = {0};
	const char *path = path_in_tmp("batches.folded");
	FILE *f = fopen(path, "w");
	char where[32];
	int i;

	cr_assert_not_null(f);
	for (i = 0; i < 3 * GP_IDS_BATCH_MAX + 5; i++)
		fprintf(f, "t;f%d 1\n", i % 7);
	fprintf(f, "t;g 18446744073709551615\n");
	fprintf(f, "t;h x\n");
	fclose(f);
	/* the weight overflow comes first, though the line after it is the one parsed last */
	cr_assert_eq(t_folded_read(p, path, GP_SK_CPU, &pe), -ERANGE);
	snprintf(where, sizeof(where), ":%d: ", 3 * GP_IDS_BATCH_MAX + 6);
	cr_assert(strstr(pe.msg, where), "'%s' lacks '%s'", pe.msg, where);
	cr_assert_eq(profile_nstacks(p), 7);
	cr_assert_eq(profile_total(p), 3 * GP_IDS_BATCH_MAX + 5);
	profile_free(p);
}
