// SPDX-License-Identifier: GPL-2.0
/* gilprof diff's text and JSON of two synthetic runs (tests/diffruns.h), read back as a user
 * would: the text line by line, the JSON with json-c. */
#include <criterion/criterion.h>
#include <sanitizer/lsan_interface.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analyze/diff.h"
#include "export/diff_json.h"
#include "export/diff_text.h"
#include "diffruns.h"

static struct t_run base, new;
static struct gp_diff d;
static char *out;

static void setup(void)
{
	struct gp_diff_opts o = {.label = {"a.data", "b.data"}, .top_locks = 10, .top_threads = 10};

	t_run_base(&base);
	t_run_new(&new);
	cr_assert_eq(diff_build(&d, &base.r, &new.r, &o), 0);
}

static void teardown(void)
{
	free(out);
	diff_free(&d);
	t_run_free(&base);
	t_run_free(&new);
	if (__lsan_do_recoverable_leak_check())
		abort();
}

TestSuite(diff_writers, .init = setup, .fini = teardown);

/* What a writer wrote, NUL-terminated, in out. */
static void render(int (*writer)(FILE *f, const struct gp_diff *d))
{
	size_t len;
	FILE *f = open_memstream(&out, &len);

	cr_assert_not_null(f);
	cr_assert_eq(writer(f, &d), 0);
	cr_assert_eq(fclose(f), 0);
}

static void has_line(const char *line)
{
	char *at = strstr(out, line);

	cr_assert(at && (at == out || at[-1] == '\n') && at[strlen(line)] == '\n',
		  "no line '%s' in:\n%s", line, out);
}

Test(diff_writers, text_side_by_side)
{
	render(diff_text);
	has_line("gilprof diff: BASE a.data -> NEW b.data");
	has_line("  BASE  countdown --gil  (exit status 0)");
	has_line("  wall time (trace span)        100.0 ms    50.00 ms    -50.00 ms   -50.0%  "
		 "2.00x faster");
	has_line(
		"  CPU time (running)            124.0 ms    92.00 ms    -32.00 ms   -25.8%  less");
	has_line(
		"  parallelism (of 2 CPUs)           1.24        1.84        +0.60   +48.4%  more");
	has_line("  processes / threads              1 / 3       1 / 4");
	has_line("  lock wait (futex)                53.4%       31.5%    -21.9 pts");
	has_line("  sleep                             0.0%        4.2%     +4.2 pts");
}

Test(diff_writers, text_locks_and_threads_with_dashes_for_the_missing_side)
{
	render(diff_text);
	has_line("     BASE-WAIT     NEW-WAIT       CHANGE        %  BASE-WAITS  NEW-WAITS  LOCK");
	has_line("      86.00 ms     43.00 ms    -43.00 ms   -50.0%           1          1  "
		 "[anon] @ wl_run_threads+0x1e6");
	has_line("      56.00 ms            -    -56.00 ms  -100.0%           2          -  gil");
	has_line("             -     2.000 ms    +2.000 ms      new           -          1  "
		 "counter_lock");
	has_line(
		"  worker#2                  40.00 ms      38.00 ms       36.00 ms           0 ns");
	has_line(
		"  helper                           -      4.000 ms              -           0 ns");
}

Test(diff_writers, text_ends_with_the_verdict)
{
	render(diff_text);
	has_line("what changed (a change under 5% of BASE or under 1 ms counts as unchanged)");
	cr_assert(strstr(out, "\n  wall time 100.0 ms -> 50.00 ms (2.00x faster); "));
	cr_assert(strstr(out, "\n  threads 3 -> 4; only in NEW: helper\n"));
}

Test(diff_writers, text_says_how_many_rows_it_left_out)
{
	struct gp_diff_opts o = {.label = {"a.data", "b.data"}, .top_locks = 1, .top_threads = 3};

	diff_free(&d);
	cr_assert_eq(diff_build(&d, &base.r, &new.r, &o), 0);
	render(diff_text);
	has_line("  ... 2 more (--top-locks 0 shows all)");
	has_line("  ... 1 more (--top-threads 0 shows all)");
	cr_assert_null(strstr(out, "  gil\n"), "only the first lock row");
}

static struct json_object *jpath(struct json_object *o, const char *path)
{
	char buf[128], *save = NULL, *k;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
		char *end;
		long idx = strtol(k, &end, 10);

		if (!*end && json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, idx);
		else if (!json_object_object_get_ex(o, k, &o))
			return NULL;
	}
	return o;
}

static int64_t jnum(struct json_object *o, const char *path)
{
	struct json_object *v = jpath(o, path);

	cr_assert_not_null(v, "no %s", path);
	return json_object_get_int64(v);
}

static const char *jstr(struct json_object *o, const char *path)
{
	struct json_object *v = jpath(o, path);

	cr_assert(v && json_object_is_type(v, json_type_string), "no string %s", path);
	return json_object_get_string(v);
}

/* A member that is there, with the value null (not merely missing). */
static void jnull(struct json_object *o, const char *parent, const char *key)
{
	struct json_object *p = jpath(o, parent), *v = (void *)1;

	cr_assert_not_null(p, "no %s", parent);
	cr_assert(json_object_object_get_ex(p, key, &v), "no %s.%s", parent, key);
	cr_assert_null(v, "%s.%s is not null", parent, key);
}

/* out validates against doc/gilprof-diff.schema.json, by Debian's python3-jsonschema. */
static void schema_valid(void)
{
	char self[1024], cmd[4096], path[] = "/tmp/gp-test-diff-json-XXXXXX", msg[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int fd = mkstemp(path), st;
	size_t len;
	FILE *f;

	cr_assert(n > 0 && fd >= 0);
	self[n] = 0;
	*strrchr(self, '/') = 0; /* build/tests/export: the sources are three levels up */
	cr_assert_eq(write(fd, out, strlen(out)), (ssize_t)strlen(out));
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -I %s/../../../tools/validate-json.py "
		 "%s/../../../doc/gilprof-diff.schema.json %s 2>&1",
		 self, self, path);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	len = fread(msg, 1, sizeof(msg) - 1, f);
	msg[len] = 0;
	st = pclose(f);
	unlink(path);
	cr_assert_eq(st, 0,
		     "the diff JSON does not validate (make deps installs "
		     "python3-jsonschema):\n%s",
		     msg);
}

Test(diff_writers, json_is_valid_and_has_every_figure)
{
	struct json_object *j;

	render(diff_json);
	schema_valid();
	j = json_tokener_parse(out);
	cr_assert_not_null(j, "not JSON:\n%s", out);
	cr_assert_str_eq(jstr(j, "schema"), "gilprof-diff/1");
	cr_assert_str_eq(jstr(j, "base.recording"), "a.data");
	cr_assert_str_eq(jstr(j, "new.command.1"), "--no-gil");
	cr_assert_eq(jnum(j, "base.wall_ns"), 100 * MS);
	cr_assert_eq(jnum(j, "new.cpu_ns"), 92 * MS);
	cr_assert_eq(jnum(j, "base.states_ns.lock_wait"), 142 * MS);
	cr_assert_eq(jnum(j, "new.states_ns.sleep"), 6 * MS);
	cr_assert_eq(jnum(j, "new.lifetime_ns"), 143 * MS);
	cr_assert(!json_object_get_boolean(jpath(j, "new.incomplete")));
	cr_assert_eq(jnum(j, "wall.delta_ns"), -50 * (int64_t)MS);
	cr_assert_float_eq(json_object_get_double(jpath(j, "wall.speedup")), 2.0, 1e-9);
	cr_assert_str_eq(jstr(j, "wall.change"), "less");
	cr_assert_str_eq(jstr(j, "shares.2.state"), "lock_wait");
	cr_assert_str_eq(jstr(j, "shares.2.change"), "less");
	cr_assert_eq(jnum(j, "locks_total"), 3);
	cr_assert_str_eq(jstr(j, "locks.1.name"), "gil");
	cr_assert_eq(jnum(j, "locks.1.base.wait_ns"), 56 * MS);
	cr_assert_eq(jnum(j, "locks.1.base.words"), 2);
	jnull(j, "locks.1", "new");
	cr_assert_str_eq(jstr(j, "locks.1.change"), "gone");
	cr_assert_str_eq(jstr(j, "locks.2.change"), "new");
	jnull(j, "locks.2", "pct");
	cr_assert_eq(jnum(j, "threads_total"), 4);
	cr_assert_str_eq(jstr(j, "threads.2.name"), "worker#2");
	cr_assert_eq(jnum(j, "threads.2.new.tid"), 13);
	jnull(j, "threads.3", "base");
	cr_assert_eq(json_object_array_length(jpath(j, "verdict")), 3);
	cr_assert_str_eq(jstr(j, "verdict.2"), "threads 3 -> 4; only in NEW: helper");
	json_object_put(j);
}
