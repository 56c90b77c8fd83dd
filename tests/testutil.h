// SPDX-License-Identifier: GPL-2.0
/*
 * Fixtures the unit tests share: a scratch directory per test, files written and read back,
 * profiles built or read from folded text, stacks as text. Every tests/test_*.c is its own
 * program, so all of it is static and inline.
 */
#ifndef GP_TESTUTIL_H
#define GP_TESTUTIL_H

#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "util/asuser.h"
#include "export/export_pprof.h"
#include "export/flamegraph.h"
#include "export/folded.h"
#include "util/gzfile.h"
#include "util/output.h"
#include "analyze/profile.h"

/* Set by the suite's .init; programs that use no directory leave it empty. */
static char tmpdir[64] __attribute__((unused));

/* /tmp/gp-test-NAME-XXXXXX, made anew for each test (each runs in its own process). */
static inline void tmpdir_make(const char *name)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/gp-test-%s-XXXXXX", name);
	cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
}

static inline int tmpdir_entry_remove(const char *path, const struct stat *st, int flag,
				      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Also called by a test before cr_skip(): .fini does not run after a skip. */
static inline void tmpdir_remove(void)
{
	nftw(tmpdir, tmpdir_entry_remove, 8, FTW_DEPTH | FTW_PHYS);
}

/* A suite whose every test gets a fresh tmpdir named after the suite, removed after it. */
#define TMPDIR_SUITE(suite)                   \
	static void suite##_tmpdir_make(void) \
	{                                     \
		tmpdir_make(#suite);          \
	}                                     \
	TestSuite(suite, .init = suite##_tmpdir_make, .fini = tmpdir_remove)

/* name inside tmpdir; four buffers in turn, so that one call can take several paths. */
/*
 * Files as gilprof reads and writes them: through asuser (this process's own rights, as no
 * broker runs in unit tests) and the one output module, so these tests cover both.
 */
static inline int t_folded_read(struct gp_profile *p, const char *path, enum gp_sample_kind kind,
				struct prof_err *pe)
{
	char err[PATH_MAX + 200];
	int fd = asuser_open_read(path, true, NULL, err, sizeof(err));

	if (fd < 0)
		return prof_err_set(pe, -fd, "%s", err);
	return folded_read_fd(p, fd, path, kind, pe);
}

/* What a test writes: the profile and options, and where the exporter's error goes. */
struct t_emit {
	const struct gp_profile *p;
	const void *opts;
	struct prof_err *pe;
};

static inline int t_emit_folded(struct gz_writer *w, void *ctx, struct prof_err *pe)
{
	struct t_emit *e = ctx;

	(void)pe;
	return folded_emit(e->p, w, e->pe);
}

static inline int t_emit_svg(struct gz_writer *w, void *ctx, struct prof_err *pe)
{
	struct t_emit *e = ctx;

	(void)pe;
	return flamegraph_emit(e->p, e->opts, w, e->pe);
}

static inline int t_emit_pprof(struct gz_writer *w, void *ctx, struct prof_err *pe)
{
	struct t_emit *e = ctx;

	(void)pe;
	return pprof_write(e->p, e->opts, w, e->pe);
}

/* Through the real output module: as gilprof writes its files. */
static inline int t_write(const char *path, int level, bool always_gz,
			  int (*fn)(struct gz_writer *w, void *ctx, struct prof_err *pe),
			  const struct gp_profile *p, const void *opts, struct prof_err *pe)
{
	struct t_emit e = {p, opts, pe};
	struct gp_output o;
	int err = output_open(&o, "test", path);

	if (err)
		return prof_err_set(pe, -err, "cannot open %s", path);
	return output_write_gz(&o, level, always_gz, fn, &e);
}

static inline int t_folded_write(const struct gp_profile *p, const char *path, struct prof_err *pe)
{
	return t_write(path, FOLDED_GZ_LEVEL, false, t_emit_folded, p, NULL, pe);
}

static inline int t_flamegraph_write_path(const struct gp_profile *p,
					  const struct gp_flamegraph_opts *o, const char *path,
					  struct prof_err *pe)
{
	return t_write(path, FLAMEGRAPH_GZ_LEVEL, false, t_emit_svg, p, o, pe);
}

static inline int t_pprof_write(const struct gp_profile *p, const struct gp_pprof_opts *po,
				const char *path, struct prof_err *pe)
{
	return t_write(path, PPROF_GZ_LEVEL, true, t_emit_pprof, p, po, pe);
}

/* What `gilprof flamegraph IN -o OUT` does, opts NULL for the defaults. */
static inline int t_render_folded(const char *in, const char *out,
				  const struct gp_flamegraph_opts *opts, struct prof_err *pe)
{
	struct gp_flamegraph_opts defaults;
	struct gp_profile *p;
	int err;

	if (!opts) {
		flamegraph_opts_init(&defaults);
		opts = &defaults;
	}
	p = profile_new(opts->unit ? opts->unit : "samples", pe);
	if (!p)
		return pe->code;
	err = t_folded_read(p, in, opts->kind, pe);
	if (!err)
		err = t_flamegraph_write_path(p, opts, out, pe);
	profile_free(p);
	return err;
}

static inline const char *path_in_tmp(const char *name)
{
	static char path[4][256];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	return p;
}

static inline void file_put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	cr_assert_eq(fclose(f), 0);
}

/*
 * The whole file, decompressed if it is gzip, NUL-terminated; caller frees. *len (if len) is
 * its length, *gzip (if gzip) whether it was compressed.
 */
static inline char *file_read(const char *path, size_t *len, bool *gzip)
{
	gzFile gz = gzopen(path, "rb");
	size_t n = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	int got;

	cr_assert_not_null(gz, "%s: %s", path, strerror(errno));
	cr_assert_not_null(buf);
	while ((got = gzread(gz, buf + n, cap - n - 1)) > 0) {
		n += got;
		if (cap - n < 2) {
			buf = realloc(buf, cap *= 2);
			cr_assert_not_null(buf);
		}
	}
	cr_assert_eq(got, 0, "%s: read error", path);
	if (gzip)
		*gzip = !gzdirect(gz);
	gzclose(gz);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static inline char *file_get(const char *path)
{
	return file_read(path, NULL, NULL);
}

/* Outputs are written whole or not at all: after a failure nothing may stand at path. */
static inline void file_absent(const char *path, const char *why)
{
	cr_assert_neq(access(path, F_OK), 0, "%s: %s", path, why);
}

/* Outputs are written to path.tmp and renamed over path: none may be left behind. */
static inline void tmp_absent(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	file_absent(tmp, "temporary left behind");
}

/* Asserts that text holds each of the n needles, naming the first one it lacks. */
static inline void text_has_all(const char *text, const char *const *needles, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_assert(strstr(text, needles[i]), "lacks '%s'", needles[i]);
}

#define TEXT_HAS(text, ...)                                      \
	text_has_all((text), (const char *const[]){__VA_ARGS__}, \
		     sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static inline struct gp_profile *profile_make(const char *unit)
{
	struct prof_err pe = {0};
	struct gp_profile *p = profile_new(unit, &pe);

	cr_assert_not_null(p, "profile_new(%s): %s", unit, pe.msg);
	return p;
}

static inline void stack_add(struct gp_profile *p, const struct gp_pframe *f, size_t n,
			     enum gp_sample_kind kind, uint64_t weight, uint64_t count)
{
	struct prof_err pe = {0};
	int err = profile_add(p, f, n, kind, weight, count, &pe);

	cr_assert_eq(err, 0, "profile_add: %s", pe.msg);
}

/* A profile of the folded lines in text, read as samples of kind. */
static inline struct gp_profile *profile_from_folded(const char *text, const char *unit,
						     enum gp_sample_kind kind)
{
	struct gp_profile *p = profile_make(unit);
	struct prof_err pe = {0};
	const char *path = path_in_tmp("in.folded");

	file_put(path, text);
	cr_assert_eq(t_folded_read(p, path, kind, &pe), 0, "%s", pe.msg);
	return p;
}

/*
 * Stack i of p, root first, as "name<sep><label of its kind>;...", for comparisons that do not
 * depend on ids. Returns the length written, at most size - 1.
 */
static inline size_t stack_text(const struct gp_profile *p, size_t i, const char *sep,
				const char *(*label)(enum gp_frame_kind), char *buf, size_t size)
{
	struct gp_stack s;
	size_t j, o = 0;

	profile_stack(p, i, &s);
	buf[0] = '\0';
	for (j = 0; j < s.depth && o < size; j++) {
		struct gp_pframe f = profile_frame(p, s.frames[j]);

		o += snprintf(buf + o, size - o, "%s%s%s%s", j ? ";" : "", f.name, sep,
			      label(f.kind));
	}
	return o < size ? o : size - 1;
}

/* "name/kind;..." with the names profile.c gives the kinds. */
static inline size_t stack_kinds(const struct gp_profile *p, size_t i, char *buf, size_t size)
{
	return stack_text(p, i, "/", frame_kind_name, buf, size);
}

/* stack_kinds() then " weight sample-kind": all that a folded line became. */
static inline size_t stack_describe(const struct gp_profile *p, size_t i, char *buf, size_t size)
{
	struct gp_stack s;
	size_t o = stack_kinds(p, i, buf, size);

	profile_stack(p, i, &s);
	o += snprintf(buf + o, size - o, " %llu %s", (unsigned long long)s.weight,
		      sample_kind_name(s.kind));
	return o < size ? o : size - 1;
}

/* Asserts that text(p, i) is expect: text is stack_kinds, stack_describe or the like. */
static inline void stack_expect(size_t (*text)(const struct gp_profile *, size_t, char *, size_t),
				const struct gp_profile *p, size_t i, const char *expect)
{
	char buf[512];

	text(p, i, buf, sizeof(buf));
	cr_assert_str_eq(buf, expect, "stack %zu", i);
}

#endif /* GP_TESTUTIL_H */
