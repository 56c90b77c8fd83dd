/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers for end-to-end tests: run the real gilprof (as root, real BPF) and read its JSON. */
#ifndef GP_E2E_H
#define GP_E2E_H

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define E2E_OUT_MAX (1 << 20)

/* When set, gilprof gets SIGALRM after this many seconds (exit 128 + 14): a hang fails a test. */
static unsigned e2e_alarm_s __attribute__((unused));

struct e2e_run {
	int status; /* gilprof's exit status */
	char out[E2E_OUT_MAX]; /* stdout */
	char err[16384]; /* stderr */
	struct json_object *json; /* --json output, when asked for and written */
};

/*
 * The path of rel (relative to build/) for the test binary: the tests live in build/tests/e2e/.
 * Each distinct rel has its own buffer for the life of the test process, so a path held by a
 * caller stays valid however many other paths are asked for meanwhile (a rotating set of
 * buffers did not: running gilprof asks for several, and a workload's path held across the
 * run was overwritten with gilprof's).
 */
static inline const char *e2e_bin(const char *rel)
{
	static struct {
		char rel[256];
		char path[4352];
	} paths[64];
	static unsigned used;
	char self[4096];
	ssize_t n;
	unsigned i;

	for (i = 0; i < used; i++) {
		if (!strcmp(paths[i].rel, rel))
			return paths[i].path;
	}
	cr_assert_lt(used, 64, "more than 64 distinct paths asked of e2e_bin");
	cr_assert_lt(strlen(rel), sizeof(paths[0].rel));
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	cr_assert(n > 0);
	self[n] = 0;
	*strrchr(self, '/') = 0;
	snprintf(paths[used].rel, sizeof(paths[used].rel), "%s", rel);
	snprintf(paths[used].path, sizeof(paths[used].path), "%s/../../%s", self, rel);
	return paths[used++].path;
}

static inline const char *e2e_gilprof(void)
{
	const char *env = getenv("GILPROF");

	/* the sanitizer build, so the end-to-end runs check gilprof for memory errors too */
	return env && *env ? env : e2e_bin("san/gilprof");
}

static inline void e2e_slurp(int fd, char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while ((n = read(fd, buf + off, len - 1 - off)) > 0)
		off += n;
	buf[off] = 0;
}

/*
 * path is UTF-8 JSON text that validates against SCHEMA (doc/gilprof-report.schema.json...), or,
 * SCHEMA being doc/, against the schema its "schema" member names; checked by Debian's
 * python3-jsonschema (tools/validate-json.py).
 */
static inline void e2e_json_valid(const char *path, const char *schema)
{
	char cmd[1024], out[8192];
	size_t n;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -I %s %s %s 2>&1",
		 e2e_bin("../tools/validate-json.py"), e2e_bin(schema), path);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = 0;
	st = pclose(f);
	cr_assert_eq(st, 0,
		     "%s does not validate against %s (make deps installs python3-jsonschema):\n%s",
		     path, schema, out);
}

/* The same for JSON text gilprof wrote to stdout. */
static inline void e2e_json_text_valid(const char *text, const char *schema)
{
	char path[] = "/tmp/gilprof-e2e-json-XXXXXX";
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	e2e_json_valid(path, schema);
	unlink(path);
}

/* The JSON report at path, validated against its schema; NULL when there is none. */
static inline struct json_object *e2e_json_report(const char *path, const char *schema)
{
	if (access(path, R_OK))
		return NULL;
	e2e_json_valid(path, schema);
	return json_object_from_file(path);
}

/* Run gilprof with args (NULL-terminated), capturing stdout/stderr; json_path may be NULL. When
 * json_path is written, it must validate against the schema it names (report, diff, tour). */
static inline struct e2e_run *e2e_gilprof_run(const char *json_path, const char *const args[])
{
	struct e2e_run *r = calloc(1, sizeof(*r));
	char outpath[] = "/tmp/gilprof-e2e-out-XXXXXX", errpath[] = "/tmp/gilprof-e2e-err-XXXXXX";
	int outfd = mkstemp(outpath), errfd = mkstemp(errpath), st;
	const char *argv[64];
	size_t n = 0;
	pid_t pid;

	cr_assert(r && outfd >= 0 && errfd >= 0);
	argv[n++] = e2e_gilprof();
	for (; args[n - 1] && n < 63; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(outfd, 1);
		dup2(errfd, 2);
		setenv("ASAN_OPTIONS", "exitcode=86", 1);
		setenv("LSAN_OPTIONS", "exitcode=86", 1);
		alarm(e2e_alarm_s); /* survives the exec; 0 sets none */
		execv(argv[0], (char *const *)argv);
		_exit(99);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	lseek(outfd, 0, SEEK_SET);
	lseek(errfd, 0, SEEK_SET);
	e2e_slurp(outfd, r->out, sizeof(r->out));
	e2e_slurp(errfd, r->err, sizeof(r->err));
	close(outfd);
	close(errfd);
	unlink(outpath);
	unlink(errpath);
	cr_assert_neq(r->status, 86, "gilprof hit a sanitizer error:\n%s", r->err);
	if (json_path)
		r->json = e2e_json_report(json_path, "../doc");
	return r;
}

/* Lines of text, to check that an error is said in one. */
static inline int e2e_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static inline void e2e_free(struct e2e_run *r)
{
	if (r->json)
		json_object_put(r->json);
	free(r);
}

/* Member lookup by a dotted path of keys; NULL when any is missing. */
static inline struct json_object *jget(struct json_object *o, const char *path)
{
	char buf[256], *save = NULL, *k;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
		if (!json_object_object_get_ex(o, k, &o))
			return NULL;
	}
	return o;
}

static inline int64_t jint(struct json_object *o, const char *path)
{
	struct json_object *v = jget(o, path);

	cr_assert_not_null(v, "missing JSON member %s", path);
	return json_object_get_int64(v);
}

static inline double jdbl(struct json_object *o, const char *path)
{
	struct json_object *v = jget(o, path);

	cr_assert_not_null(v, "missing JSON member %s", path);
	return json_object_get_double(v);
}

/* The thread with this tid in any process of a gilprof report. */
static inline struct json_object *e2e_thread(struct json_object *report, int64_t tid)
{
	struct json_object *procs = jget(report, "processes");
	size_t i, j;

	for (i = 0; procs && i < json_object_array_length(procs); i++) {
		struct json_object *th = jget(json_object_array_get_idx(procs, i), "threads");

		for (j = 0; th && j < json_object_array_length(th); j++) {
			struct json_object *t = json_object_array_get_idx(th, j);

			if (jint(t, "tid") == tid)
				return t;
		}
	}
	return NULL;
}

static inline void e2e_tmpname(char *buf, size_t len, const char *what)
{
	static int seq;

	snprintf(buf, len, "/tmp/gilprof-e2e-%d-%d-%s", getpid(), seq++, what);
	unlink(buf);
}

static inline void e2e_require_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("end-to-end tests load BPF programs: run them as root");
}

/* The futex word called name in the report's lock table, and its rank there; NULL if none. */
static inline struct json_object *e2e_lock_named(struct json_object *report, const char *name,
						 size_t *rank)
{
	struct json_object *locks = jget(report, "locks");
	size_t i;

	for (i = 0; i < json_object_array_length(locks); i++) {
		struct json_object *l = json_object_array_get_idx(locks, i);

		if (!strcmp(json_object_get_string(jget(l, "name")), name)) {
			*rank = i;
			return l;
		}
	}
	return NULL;
}

/* The waker that ended most of this waiter's waits on the lock, or -1 for none or not a thread. */
static inline long e2e_top_waker(struct json_object *lock, long waiter)
{
	struct json_object *ended = jget(lock, "ended_by");
	long best = -1;
	int64_t best_count = 0;
	size_t i;

	for (i = 0; i < json_object_array_length(ended); i++) {
		struct json_object *e = json_object_array_get_idx(ended, i);
		struct json_object *w = jget(e, "waker");

		if (jint(e, "waiter") != waiter || jint(e, "count") <= best_count)
			continue;
		best_count = jint(e, "count");
		best = json_object_is_type(w, json_type_int) ? json_object_get_int64(w) : -1;
	}
	return best;
}

#endif
