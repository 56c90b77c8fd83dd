// SPDX-License-Identifier: GPL-2.0
/*
 * gilprof report of a recording prints byte for byte what the live run printed: a live
 * `run --record R` with outputs, then `report R` with the same options, every output compared
 * (the first differing line is shown). Also: a recording made by `record`, to a pipe, of a
 * program deleted before the report, and reported by a user who is not root.
 */
#include <ftw.h>
#include <grp.h>
#include <sys/stat.h>
#include "e2e.h"

#define NOBODY 65534
#define MAX_OUTS 8

/* A scratch directory of the test's own; outputs are named in it. */
struct scratch {
	char dir[64];
	char path[24][160];
	int n;
};

static void scratch_init(struct scratch *s, mode_t mode)
{
	e2e_require_root();
	/* the identity under test is not sudo's: outputs are opened as root, in 0700 directories */
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	snprintf(s->dir, sizeof(s->dir), "/tmp/gilprof-e2e-rec-XXXXXX");
	cr_assert_not_null(mkdtemp(s->dir));
	cr_assert_eq(chmod(s->dir, mode), 0);
	s->n = 0;
}

static const char *scratch_path(struct scratch *s, const char *name)
{
	char *p = s->path[s->n];

	cr_assert_lt(s->n, 24);
	strcpy(p, s->dir);
	snprintf(p + strlen(p), sizeof(s->path[0]) - strlen(p), "/%s", name);
	return s->path[s->n++];
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void scratch_free(struct scratch *s)
{
	nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *slurp_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	ssize_t r;

	cr_assert_geq(fd, 0, "%s was not written: %s", path, strerror(errno));
	cr_assert_not_null(buf);
	while ((r = read(fd, buf + n, cap - n)) > 0) {
		n += r;
		if (n == cap) {
			buf = realloc(buf, (cap *= 2) + 1);
			cr_assert_not_null(buf);
		}
	}
	close(fd);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* Where offset off of buf is, for a message: its line's number, and up to 200 bytes of that
 * line from shortly before off (a JSON report is one long line). */
static int line_at(const char *buf, size_t len, size_t off, const char **start, int *n)
{
	size_t s = off, e = off;
	int line = 1;

	while (s > 0 && buf[s - 1] != '\n' && off - s < 60)
		s--;
	while (e < len && buf[e] != '\n' && e - s < 200)
		e++;
	for (size_t i = 0; i < off; i++)
		line += buf[i] == '\n';
	*start = buf + s;
	*n = (int)(e - s);
	return line;
}

/* live and rep hold the same bytes; else fail showing where they part. */
static void same_file(const char *what, const char *live, const char *rep)
{
	size_t la, lb, off = 0;
	char *a = slurp_file(live, &la), *b = slurp_file(rep, &lb);
	const char *sa, *sb;
	int na, nb, line;

	while (off < la && off < lb && a[off] == b[off])
		off++;
	if (off == la && off == lb) {
		free(a);
		free(b);
		return;
	}
	if (memchr(a, 0, la) || memchr(b, 0, lb))
		cr_assert_fail(
			"%s: the report of the recording differs from the live run's at byte "
			"%zu (%zu bytes live, %zu reported)",
			what, off, la, lb);
	line = line_at(a, la, off, &sa, &na);
	line_at(b, lb, off, &sb, &nb);
	cr_assert_fail("%s: the report of the recording differs from the live run's at line %d "
		       "(byte %zu; %zu bytes live, %zu reported)\n  live:   %.*s\n  report: %.*s",
		       what, line, off, la, lb, na, sa, nb, sb);
}

/* An argument vector for e2e_gilprof_run. */
struct args {
	const char *v[64];
	int n;
};

static void arg(struct args *a, const char *s)
{
	cr_assert_lt(a->n, 62, "too many arguments");
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

/* The outputs of one identity check: "@name" in the options is an output file. */
struct outs {
	const char *live[MAX_OUTS], *rep[MAX_OUTS], *what[MAX_OUTS];
	int n;
};

/* opts with each "@name" replaced by the live (1) or the report's (2) file of that name. */
static void args_opts(struct args *a, struct scratch *s, struct outs *o, const char *const opts[],
		      int which)
{
	char name[64];

	for (int i = 0; opts[i]; i++) {
		if (opts[i][0] != '@') {
			arg(a, opts[i]);
			continue;
		}
		/* name.ext -> name1.ext / name2.ext, so that a .gz suffix still means gzip */
		const char *dot = strchr(opts[i], '.');
		int stem = dot ? (int)(dot - opts[i] - 1) : (int)strlen(opts[i] + 1);

		snprintf(name, sizeof(name), "%.*s%d%s", stem, opts[i] + 1, which, dot ? dot : "");
		arg(a, scratch_path(s, name));
		if (which == 1) {
			cr_assert_lt(o->n, MAX_OUTS);
			o->what[o->n] = opts[i] + 1;
			o->live[o->n++] = a->v[a->n - 1];
		} else {
			for (int k = 0; k < o->n; k++)
				if (!strcmp(o->what[k], opts[i] + 1))
					o->rep[k] = a->v[a->n - 1];
		}
	}
}

/*
 * `run --record R -o T1 --json J1 OPTS -- CMD`, then `report R -o T2 --json J2 OPTS`: every
 * output the same. Returns the live run's JSON (the caller frees it) for further checks.
 */
static struct json_object *identity(const char *const opts[], const char *const cmd[])
{
	const char *base[] = {"-o", "@text", "--json", "@report.json", NULL};
	struct args run = {{0}, 0}, rep = {{0}, 0};
	struct scratch s;
	struct outs o = {{0}, {0}, {0}, 0};
	struct e2e_run *r;
	struct json_object *json;
	const char *rec;

	scratch_init(&s, 0700);
	rec = scratch_path(&s, "rec.data");
	arg(&run, "run");
	arg(&run, "--no-status");
	arg(&run, "--record");
	arg(&run, rec);
	args_opts(&run, &s, &o, base, 1);
	args_opts(&run, &s, &o, opts, 1);
	arg(&run, "--");
	for (int i = 0; cmd[i]; i++)
		arg(&run, cmd[i]);
	arg(&rep, "report");
	arg(&rep, rec);
	args_opts(&rep, &s, &o, base, 2);
	args_opts(&rep, &s, &o, opts, 2);
	r = e2e_gilprof_run(o.live[1], run.v);
	cr_assert_eq(r->status, 0, "gilprof run (or %s) failed (%d): %s", cmd[0], r->status,
		     r->err);
	cr_assert_not_null(r->json, "no JSON report: %s", r->err);
	json = json_object_get(r->json);
	e2e_free(r);
	r = e2e_gilprof_run(NULL, rep.v);
	cr_assert_eq(r->status, 0, "gilprof report failed (%d): %s", r->status, r->err);
	cr_assert_str_empty(r->err, "gilprof report said: %s", r->err);
	e2e_free(r);
	for (int i = 0; i < o.n; i++)
		same_file(o.what[i], o.live[i], o.rep[i]);
	e2e_json_valid(o.rep[1], "../doc/gilprof-report.schema.json");
	scratch_free(&s);
	return json;
}

static void identity_of(const char *const opts[], const char *const cmd[])
{
	json_object_put(identity(opts, cmd));
}

static const char *const no_opts[] = {NULL};

/* ~0.3 to 1 s each, so that the sanitizer build traces them in a few seconds */
Test(record, countdown_two_threads, .timeout = 120)
{
	identity_of(no_opts, (const char *[]){e2e_bin("workloads/countdown"), "--threads", "2",
					      "--count", "30000000", NULL});
}

Test(record, crunch, .timeout = 120)
{
	identity_of(no_opts, (const char *[]){e2e_bin("workloads/crunch"), "--threads", "2",
					      "--work", "4000000", NULL});
}

Test(record, race, .timeout = 120)
{
	identity_of(no_opts, (const char *[]){e2e_bin("workloads/race"), "--threads", "4",
					      "--delay", "--lock", NULL});
}

Test(record, sleepy, .timeout = 120)
{
	identity_of(no_opts, (const char *[]){e2e_bin("workloads/sleepy"), "--threads", "2",
					      "--sleep-ms", "20", NULL});
}

Test(record, convoy, .timeout = 120)
{
	identity_of(no_opts, (const char *[]){e2e_bin("workloads/convoy"), "--calls", "100", NULL});
}

Test(record, mutex_contend, .timeout = 120)
{
	identity_of(no_opts, (const char *[]){e2e_bin("tests/e2e/mutex_contend"), "4", "300",
					      "/dev/null", NULL});
}

Test(record, two_locks, .timeout = 120)
{
	identity_of(no_opts, (const char *[]){e2e_bin("tests/e2e/two_locks"), "6", "300", NULL});
}

/* Its own copy of the path: e2e_bin's buffers are reused by later calls. */
/* The GIL's words are labelled from the interpreter's memory while it lives: the label is a fact
 * of the recording like any name. Its state read from there is in the recording's events. */
Test(record, python3_gil, .timeout = 120)
{
	struct json_object *j;
	size_t rank;

	j = identity((const char *[]){"--folded", "@folded", "--view", "lock", NULL},
		     (const char *[]){"python3", e2e_bin("../tests/python/countdown.py"), "2",
				      "2000000", NULL});
	cr_assert(e2e_lock_named(j, "CPython GIL (cond)", &rank) ||
			  e2e_lock_named(j, "CPython GIL (cond+0x28)", &rank) ||
			  e2e_lock_named(j, "CPython GIL (cond+0x2c)", &rank),
		  "the GIL is not labelled");
	/* and the interpreter's own record of it, which the report's is the same as */
	cr_assert_gt(jint(j, "gil.interpreter.samples"), 0);
	json_object_put(j);
}

static const char *const *two_locks_cmd(void)
{
	static char path[8192];
	/* 1500 turns each: in 300, cold_lock's two threads did not always meet */
	static const char *cmd[] = {path, "6", "1500", NULL};

	snprintf(path, sizeof(path), "%s", e2e_bin("tests/e2e/two_locks"));
	return cmd;
}

Test(record, report_options, .timeout = 240)
{
	struct json_object *j;
	size_t rank;

	j = identity((const char *[]){"--lock", "hot_lock", NULL}, two_locks_cmd());
	cr_assert_not_null(e2e_lock_named(j, "hot_lock", &rank));
	json_object_put(j);
	identity_of((const char *[]){"--top-locks", "1", "--top-wakers", "0", NULL},
		    two_locks_cmd());
	identity_of((const char *[]){"--lines", NULL}, two_locks_cmd());
}

/* Each view, every profile format; run takes every stack when one is asked for. */
static void profiles(const char *view)
{
	identity_of((const char *[]){"--view", view, "--folded", "@folded", "--flamegraph",
				     "@graph.svg", "--speedscope", "@speedscope.json", "--pprof",
				     "@profile.pb.gz", NULL},
		    two_locks_cmd());
}

Test(record, profiles_view_on, .timeout = 120)
{
	profiles("on");
}

Test(record, profiles_view_off, .timeout = 120)
{
	profiles("off");
}

Test(record, profiles_view_wall_gzip_and_lines, .timeout = 120)
{
	identity_of((const char *[]){"--lines", "--folded", "@folded.gz", "--flamegraph",
				     "@graph.svg.gz", NULL},
		    two_locks_cmd());
}

/* Frames by address, and pprof's mappings, functions and source lines: facts of the recording. */
Test(record, profiles_addresses_and_pprof_facts, .timeout = 120)
{
	identity_of((const char *[]){"--addresses", "--folded", "@folded", "--speedscope",
				     "@speedscope.json", "--pprof", "@profile.pb.gz", NULL},
		    two_locks_cmd());
}

Test(record, profiles_view_lock, .timeout = 120)
{
	profiles("lock");
}

Test(record, profiles_view_wake, .timeout = 120)
{
	profiles("wake");
}

/* The timeline outputs: the page (with every view's flame graph) and the trace events, gzip too. */
Test(record, timeline_outputs, .timeout = 120)
{
	identity_of((const char *[]){"--html", "@page.html", "--trace", "@trace.json", NULL},
		    two_locks_cmd());
	identity_of((const char *[]){"--trace", "@trace.json.gz", "--view", "lock", NULL},
		    two_locks_cmd());
}

/*
 * run without a profile output takes only the futex waiter and waker stacks: its recording
 * reports the lock and wake views, and refuses those that need more (they would be partial).
 */
Test(record, a_recording_without_profile_stacks_refuses_the_views_it_cannot_make, .timeout = 120)
{
	static const char *const need[][4] = {
		{"--folded", "on", NULL},  {"--folded", "off", NULL},	   {"--flamegraph", "wall"},
		{"--pprof", "lock", NULL}, {"--speedscope", "wall", NULL},
	};
	struct scratch s;
	struct e2e_run *r;
	const char *rec, *out;

	scratch_init(&s, 0700);
	rec = scratch_path(&s, "rec.data");
	out = scratch_path(&s, "out");
	r = e2e_gilprof_run(NULL, (const char *[]){"run", "--no-status", "--record", rec, "-o",
						   "/dev/null", "--", two_locks_cmd()[0], "6",
						   "300", NULL});
	cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
	e2e_free(r);
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		r = e2e_gilprof_run(NULL,
				    (const char *[]){"report", rec, "-o", "/dev/null", need[i][0],
						     out, "--view", need[i][1], NULL});
		cr_assert_eq(r->status, 2, "%s --view %s: exit %d: %s", need[i][0], need[i][1],
			     r->status, r->err);
		cr_assert_eq(e2e_lines(r->err), 1, "one line: %s", r->err);
		cr_assert_not_null(strstr(r->err, "gilprof record always does"), "%s", r->err);
		cr_assert_neq(access(out, F_OK), 0, "%s was written", out);
		e2e_free(r);
	}
	for (int v = 0; v < 2; v++) {
		size_t len;
		char *f;

		r = e2e_gilprof_run(NULL,
				    (const char *[]){"report", rec, "-o", "/dev/null", "--folded",
						     out, "--view", v ? "wake" : "lock", NULL});
		cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
		e2e_free(r);
		f = slurp_file(out, &len);
		cr_assert_not_null(strstr(f, "hot_lock"), "the %s view lacks the lock: %s",
				   v ? "wake" : "lock", f);
		free(f);
	}
	scratch_free(&s);
}

/* The keys of a and b, recursively (arrays by their first member), are the same. */
static void same_keys(struct json_object *a, struct json_object *b, const char *path)
{
	char sub[256];

	cr_assert_eq(json_object_get_type(a), json_object_get_type(b), "%s: types differ", path);
	if (json_object_is_type(a, json_type_array)) {
		if (json_object_array_length(a) && json_object_array_length(b))
			same_keys(json_object_array_get_idx(a, 0), json_object_array_get_idx(b, 0),
				  path);
		return;
	}
	if (!json_object_is_type(a, json_type_object))
		return;
	cr_assert_eq(json_object_object_length(a), json_object_object_length(b),
		     "%s: %d keys live, %d recorded", path, json_object_object_length(a),
		     json_object_object_length(b));
	json_object_object_foreach(a, k, v)
	{
		struct json_object *w;

		snprintf(sub, sizeof(sub), "%s.%s", path, k);
		cr_assert(json_object_object_get_ex(b, k, &w), "%s is missing from the report",
			  sub);
		/* a thread's kernel counters are null when its last switch was not seen */
		if (!json_object_is_type(v, json_type_null) &&
		    !json_object_is_type(w, json_type_null))
			same_keys(v, w, sub);
	}
}

/* The section titles of a text report, up to their first digit. */
static void text_shape(const char *text, char *out, size_t len)
{
	size_t n = 0;

	for (const char *l = text; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		if (*l == ' ' || *l == '\n' || !strncmp(l, "process ", 8))
			continue;
		for (const char *c = l; *c && *c != '\n' && (*c < '0' || *c > '9') && n + 2 < len;
		     c++)
			out[n++] = *c;
		out[n++] = '\n';
	}
	out[n] = 0;
}

/* record writes what run would have reported: another run, so the same shape, not bytes. */
Test(record, record_then_report_is_a_run, .timeout = 180)
{
	unsigned long long events, lost, stacks;
	char cmdline[256], dest[160], shape_run[4096], shape_rec[4096];
	double kib, size;
	struct scratch s;
	struct e2e_run *r, *live;
	struct json_object *j, *lk, *w;
	const char *rec, *json, *jrun, *trun;
	struct stat st;
	size_t rank, i, len;
	char *text;
	int n;

	scratch_init(&s, 0700);
	rec = scratch_path(&s, "rec.data");
	json = scratch_path(&s, "report.json");
	jrun = scratch_path(&s, "run.json");
	trun = scratch_path(&s, "run.txt");
	r = e2e_gilprof_run(NULL, (const char *[]){"record", "--no-status", "-o", rec, "--",
						   two_locks_cmd()[0], "6", "1500", NULL});
	cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
	n = sscanf(
		strstr(r->err, "gilprof: recorded ") ?: "",
		"gilprof: recorded %llu events of %255s in %*s %*s to %159s (%lf KiB, %llu lost, "
		"%llu stacks)",
		&events, cmdline, dest, &kib, &lost, &stacks);
	cr_assert_eq(n, 6, "record's summary line: %s", r->err);
	cr_assert_str_eq(cmdline, two_locks_cmd()[0]);
	cr_assert_str_eq(dest, rec);
	cr_assert_eq(stat(rec, &st), 0);
	size = st.st_size / 1024.0;
	cr_assert(kib > size - 0.051 && kib < size + 0.051, "summary %.1f KiB, file %.2f KiB", kib,
		  size);
	cr_assert_gt(stacks, 0);
	e2e_free(r);

	r = e2e_gilprof_run(json, (const char *[]){"report", rec, "--json", json, NULL});
	cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
	cr_assert_not_null(r->json, "%s", r->err);
	j = r->json;
	cr_assert_eq(jint(j, "trace.events"), (int64_t)events, "report: %lld events, record: %llu",
		     (long long)jint(j, "trace.events"), events);
	cr_assert_eq(jint(j, "lost.ringbuf_full") + jint(j, "lost.traced_map_full") +
			     jint(j, "lost.invalid_records") + jint(j, "lost.user_stack_failed") +
			     jint(j, "lost.kernel_stack_failed"),
		     (int64_t)lost, "record said %llu lost", lost);

	live = e2e_gilprof_run(jrun,
			       (const char *[]){"run", "--no-status", "--json", jrun, "-o", trun,
						"--", two_locks_cmd()[0], "6", "1500", NULL});
	cr_assert_eq(live->status, 0, "%d: %s", live->status, live->err);
	cr_assert_not_null(live->json, "%s", live->err);
	same_keys(live->json, j, "report");
	cr_assert_eq(jint(j, "exit_status"), jint(live->json, "exit_status"));
	cr_assert_str_eq(json_object_to_json_string(jget(j, "command")),
			 json_object_to_json_string(jget(live->json, "command")));
	cr_assert_eq(json_object_array_length(jget(j, "processes")),
		     json_object_array_length(jget(live->json, "processes")));
	w = jget(json_object_array_get_idx(jget(j, "processes"), 0), "threads");
	cr_assert_eq(json_object_array_length(w), 7, "the main thread and 6 workers");
	for (i = 0; i < 2; i++) {
		const char *lock = i ? "cold_lock" : "hot_lock";

		lk = e2e_lock_named(j, lock, &rank);
		cr_assert_not_null(lk, "the recording lacks %s", lock);
		cr_assert_not_null(e2e_lock_named(live->json, lock, &rank));
		cr_assert_gt(json_object_array_length(jget(lk, "waiter_stacks")), 0);
	}
	e2e_free(r);

	r = e2e_gilprof_run(NULL, (const char *[]){"report", rec, NULL});
	cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
	text_shape(r->out, shape_rec, sizeof(shape_rec));
	text = slurp_file(trun, &len);
	text_shape(text, shape_run, sizeof(shape_run));
	free(text);
	cr_assert_str_eq(shape_rec, shape_run, "section titles differ\nreport:\n%s\nrun:\n%s",
			 shape_rec, shape_run);
	e2e_free(r);
	e2e_free(live);
	scratch_free(&s);
}

/* The program and its directory are gone before the report: its names came with the recording. */
static void deleted_program(const char *prog, const char *const args[], const char *lock,
			    const char *source)
{
	struct args run = {{0}, 0}, rep = {{0}, 0};
	char bindir[64], copy[128], cmd[512];
	const char *rec, *j1, *j2, *f1, *f2;
	struct scratch s;
	struct e2e_run *r;
	size_t rank, len;
	char *folded;

	scratch_init(&s, 0700);
	rec = scratch_path(&s, "rec.data");
	j1 = scratch_path(&s, "j1.json");
	j2 = scratch_path(&s, "j2.json");
	f1 = scratch_path(&s, "f1.folded");
	f2 = scratch_path(&s, "f2.folded");
	snprintf(bindir, sizeof(bindir), "/tmp/gilprof-e2e-bin-XXXXXX");
	cr_assert_not_null(mkdtemp(bindir));
	snprintf(copy, sizeof(copy), "%s/%s", bindir, prog);
	snprintf(cmd, sizeof(cmd), "cp %stests/e2e/%s %s", e2e_bin(""), prog, copy);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	for (const char *const *a =
		     (const char *[]){"run", "--no-status", "--record", rec, "-o", "/dev/null",
				      "--json", j1, "--folded", f1, "--lines", "--", copy, NULL};
	     *a; a++)
		arg(&run, *a);
	for (int i = 0; args[i]; i++)
		arg(&run, args[i]);
	r = e2e_gilprof_run(j1, run.v);
	cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
	cr_assert_not_null(e2e_lock_named(r->json, lock, &rank), "the live run named no %s", lock);
	e2e_free(r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", bindir);
	cr_assert_eq(system(cmd), 0);
	cr_assert_neq(access(copy, F_OK), 0);
	for (const char *const *a = (const char *[]){"report", rec, "-o", "/dev/null", "--json", j2,
						     "--folded", f2, "--lines", NULL};
	     *a; a++)
		arg(&rep, *a);
	r = e2e_gilprof_run(j2, rep.v);
	cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
	cr_assert_not_null(e2e_lock_named(r->json, lock, &rank), "the report named no %s", lock);
	e2e_free(r);
	same_file("--json", j1, j2);
	same_file("--folded", f1, f2);
	folded = slurp_file(f2, &len);
	cr_assert_not_null(strstr(folded, ";worker ("), "no worker frame: %s", folded);
	cr_assert_not_null(strstr(folded, source), "no source line of %s: %s", source, folded);
	free(folded);
	scratch_free(&s);
}

Test(record, a_deleted_program_is_named_from_the_recording, .timeout = 120)
{
	deleted_program("mutex_contend", (const char *[]){"4", "300", "/dev/null", NULL},
			"counter_lock", "(mutex_contend.c:");
}

/* without frame pointers: the frames were unwound from CFI while the program lived */
Test(record, a_deleted_program_without_frame_pointers, .timeout = 120)
{
	deleted_program("contend_nofp", (const char *[]){"4", "300", NULL}, "table_lock",
			"(contend_nofp.c:");
}

/* gilprof as another, unprivileged user (not through sudo): status and stderr. */
static int run_as_nobody(const char *gilprof, const char *const args[], char *err, size_t len)
{
	const char *argv[32] = {gilprof};
	int ep[2], st, n = 1;
	pid_t pid;

	for (; args[n - 1] && n < 31; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	cr_assert_eq(pipe(ep), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(ep[1], 2);
		unsetenv("SUDO_UID");
		unsetenv("SUDO_GID");
		setenv("ASAN_OPTIONS", "exitcode=86", 1);
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY) || !setuid(0))
			_exit(98);
		execv(argv[0], (char *const *)argv);
		_exit(99);
	}
	close(ep[1]);
	e2e_slurp(ep[0], err, len);
	close(ep[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(record, report_needs_no_root_nor_the_program, .timeout = 120)
{
	char gp[160], prog[160], cmd[512], err[4096];
	const char *rec, *t1, *j1, *f1, *t2, *j2, *f2;
	struct scratch s, priv;
	struct e2e_run *r;
	int st;

	scratch_init(&s, 0777);
	/* root's own: nobody can read the program nor (the build tree may be 0700) gilprof */
	scratch_init(&priv, 0700);
	snprintf(prog, sizeof(prog), "%s/mutex_contend", priv.dir);
	snprintf(gp, sizeof(gp), "%s/gilprof", s.dir);
	snprintf(cmd, sizeof(cmd), "cp %s %s && cp %s %s && chmod 755 %s",
		 e2e_bin("tests/e2e/mutex_contend"), prog, e2e_gilprof(), gp, gp);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	rec = scratch_path(&s, "rec.data");
	t1 = scratch_path(&s, "t1");
	j1 = scratch_path(&s, "j1.json");
	f1 = scratch_path(&s, "f1.folded");
	t2 = scratch_path(&s, "t2");
	j2 = scratch_path(&s, "j2.json");
	f2 = scratch_path(&s, "f2.folded");
	r = e2e_gilprof_run(NULL, (const char *[]){"run", "--no-status", "--record", rec, "-o", t1,
						   "--json", j1, "--folded", f1, "--", prog, "4",
						   "300", "/dev/null", NULL});
	cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
	e2e_free(r);
	cr_assert_eq(chmod(rec, 0644), 0);
	st = run_as_nobody(
		gp, (const char *[]){"report", rec, "-o", t2, "--json", j2, "--folded", f2, NULL},
		err, sizeof(err));
	cr_assert_eq(st, 0, "gilprof report as nobody: exit %d: %s", st, err);
	same_file("text", t1, t2);
	same_file("--json", j1, j2);
	same_file("--folded", f1, f2);
	scratch_free(&priv);
	scratch_free(&s);
}

/* record -o - into a pipe, report - from one: the same as the report of the file. */
Test(record, a_recording_through_pipes, .timeout = 120)
{
	char cmd[2048], out[4096];
	const char *rec, *t1, *j1, *t2, *j2, *errf;
	struct scratch s;
	struct e2e_run *r;
	size_t len;
	char *err;
	int st;

	scratch_init(&s, 0700);
	rec = scratch_path(&s, "rec.data");
	t1 = scratch_path(&s, "t1");
	j1 = scratch_path(&s, "j1.json");
	t2 = scratch_path(&s, "t2");
	j2 = scratch_path(&s, "j2.json");
	errf = scratch_path(&s, "record.err");
	/* two_locks prints to stdout: that must go to stderr, not into the recording */
	snprintf(cmd, sizeof(cmd),
		 "set -o pipefail; export ASAN_OPTIONS=exitcode=86; %s record --no-status -o - -- "
		 "%s 6 300 2>%s | tee %s | %s report - -o %s --json %s",
		 e2e_gilprof(), two_locks_cmd()[0], errf, rec, e2e_gilprof(), t1, j1);
	snprintf(out, sizeof(out), "bash -c '%s'", cmd);
	st = system(out);
	err = slurp_file(errf, &len);
	cr_assert_eq(st, 0, "%s: status %d: %s", cmd, st, err);
	cr_assert_not_null(strstr(err, "holder hot_lock"), "the command's output: %s", err);
	cr_assert_not_null(strstr(err, "to stdout ("), "record's summary: %s", err);
	free(err);
	r = e2e_gilprof_run(NULL, (const char *[]){"report", rec, "-o", t2, "--json", j2, NULL});
	cr_assert_eq(r->status, 0, "%d: %s", r->status, r->err);
	cr_assert_str_empty(r->err, "%s", r->err);
	e2e_free(r);
	same_file("text (stdin vs file)", t1, t2);
	same_file("--json (stdin vs file)", j1, j2);
	scratch_free(&s);
}
