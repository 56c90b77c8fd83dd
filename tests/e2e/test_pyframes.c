// SPDX-License-Identifier: GPL-2.0
/*
 * Python frames end to end, with each python there is: tests/python/pyframes.py runs the chain
 * main -> worker -> hot_loop in its main thread and in threads named "pyworker-N", after a child
 * python that does the same ("child-worker-N") and exits before the report. The script prints
 * the chain's lines as its own code has them (inspect); the folded lock and on-CPU views must
 * show that chain with those files and lines, under the Python thread names, for the child too,
 * and the recording must report it byte for byte.
 */
#include "e2e.h"

#define PYENV "/root/.pyenv/versions/"
#define FOLDED_MAX (8 << 20)

/* What the script says of itself. */
struct chain {
	char file[64];
	int hot_loop[8], nhot;
	int worker, main;
	long child_pid;
};

static void chain_parse(const char *out, struct chain *c)
{
	const char *line = strstr(out, "{\"file\"");
	struct json_object *j, *hot;
	size_t i;

	cr_assert_not_null(line, "the script printed no chain: %s", out);
	j = json_tokener_parse(line);
	cr_assert_not_null(j);
	snprintf(c->file, sizeof(c->file), "%s", json_object_get_string(jget(j, "file")));
	hot = jget(j, "hot_loop");
	for (i = 0; i < json_object_array_length(hot) && i < 8; i++)
		c->hot_loop[c->nhot++] = json_object_get_int(json_object_array_get_idx(hot, i));
	c->worker = jint(j, "worker");
	c->main = jint(j, "main");
	c->child_pid = jint(j, "child_pid");
	cr_assert_eq(jint(j, "child_exit"), 0);
	json_object_put(j);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(FOLDED_MAX);
	size_t n;

	cr_assert_not_null(f, "%s was not written", path);
	cr_assert_not_null(buf);
	n = fread(buf, 1, FOLDED_MAX - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/*
 * Folded lines whose root frame starts with root and which hold worker -> hot_loop at one of the
 * loop's lines (preceded by main's call when with_main), and end with leaf when it is not NULL.
 */
static int chain_lines(const char *folded, const struct chain *c, const char *root, bool with_main,
		       const char *leaf)
{
	const char *line = folded;
	char want[256];
	int found = 0, k;

	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[16384];

		snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1),
			 line);
		for (k = 0; k < c->nhot && !strncmp(buf, root, strlen(root)); k++) {
			if (with_main)
				snprintf(want, sizeof(want),
					 ";main (%s:%d);worker (%s:%d);hot_loop (%s:%d)", c->file,
					 c->main, c->file, c->worker, c->file, c->hot_loop[k]);
			else
				snprintf(want, sizeof(want), ";worker (%s:%d);hot_loop (%s:%d)",
					 c->file, c->worker, c->file, c->hot_loop[k]);
			if (strstr(buf, want) && (!leaf || strstr(buf, leaf))) {
				found++;
				break;
			}
		}
		line = end ? end + 1 : line + len;
	}
	return found;
}

/* Folded lines through hot_loop that still hold a frame of the eval loop. */
static int eval_in_chains(const char *folded)
{
	const char *line = folded, *end, *eval;
	int n = 0;

	while (*line) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		eval = strstr(line, ";_PyEval_EvalFrameDefault;");
		if (eval && eval < end && strstr(line, "hot_loop (") < end &&
		    strstr(line, "hot_loop ("))
			n++;
		line = *end ? end + 1 : end;
	}
	return n;
}

/* The number after "label " in the lost line of a text report. */
static long lost_count(const char *text, const char *label)
{
	const char *at = strstr(text, label);

	cr_assert_not_null(at, "no '%s' in the lost line", label);
	return strtol(at + strlen(label), NULL, 10);
}

static void pyframes_traced(const char *python, const char *comm)
{
	char rec[128], text[128], text2[128], lock[128], on[128], root[96];
	char *lockf, *onf, *t1, *t2;
	struct chain c = {0};
	struct e2e_run *r;

	e2e_require_root();
	if (access(python, X_OK))
		cr_skip_test("%s is not installed", python);
	e2e_tmpname(rec, sizeof(rec), "py.data");
	e2e_tmpname(text, sizeof(text), "py.txt");
	e2e_tmpname(text2, sizeof(text2), "py2.txt");
	e2e_tmpname(lock, sizeof(lock), "py-lock.folded");
	e2e_tmpname(on, sizeof(on), "py-on.folded");
	r = e2e_gilprof_run(NULL, (const char *[]){"run", "--no-status", "--record", rec, "-o",
						   text, "--folded", lock, "--view", "lock", "--",
						   python, e2e_bin("../tests/python/pyframes.py"),
						   "2", "8000000", NULL});
	cr_assert_eq(r->status, 0, "gilprof or python failed (%d): %s", r->status, r->err);
	chain_parse(r->out, &c);
	e2e_free(r);
	r = e2e_gilprof_run(NULL, (const char *[]){"report", rec, "-o", text2, "--folded", on,
						   "--view", "on", NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	e2e_free(r);
	lockf = slurp(lock);
	onf = slurp(on);
	t1 = slurp(text);
	t2 = slurp(text2);
	cr_assert_str_eq(t1, t2, "the recording does not report what the run did");

	/* the main thread waits for the GIL in hot_loop, called by worker, called by main */
	snprintf(root, sizeof(root), "%s [MainThread];", comm);
	cr_assert_gt(chain_lines(lockf, &c, root, true, "CPython GIL ("), 0,
		     "no GIL wait of the main thread's chain in:\n%s", lockf);
	snprintf(root, sizeof(root), "%s [pyworker-", comm);
	cr_assert_gt(chain_lines(lockf, &c, root, false, "CPython GIL ("), 0,
		     "no GIL wait of a pyworker's chain in:\n%s", lockf);
	/* and runs there */
	snprintf(root, sizeof(root), "%s [MainThread];", comm);
	cr_assert_gt(chain_lines(onf, &c, root, true, NULL), 0, "no sample of main's chain:\n%s",
		     onf);
	snprintf(root, sizeof(root), "%s [pyworker-", comm);
	cr_assert_gt(chain_lines(onf, &c, root, false, NULL), 0, "no pyworker sample:\n%s", onf);
	/* the child had exited long before the report: its frames and threads are named */
	snprintf(root, sizeof(root), "%s [child-worker-", comm);
	cr_assert_gt(chain_lines(onf, &c, root, false, NULL) +
			     chain_lines(lockf, &c, root, false, NULL),
		     0, "no chain of the child's threads:\n%s", onf);
	snprintf(root, sizeof(root), "process %ld %s (child of", c.child_pid, comm);
	cr_assert_not_null(strstr(t1, root), "%s", t1);
	/*
	 * worker's code takes the address of a code object that site exec'd from a .pth line and
	 * freed: named from a cache gone stale, worker was "<module> (<string>:1)" (3.11, one run
	 * in eight)
	 */
	cr_assert_null(strstr(lockf, ";<module> (<string>:1);hot_loop ("), "%s", lockf);
	cr_assert_null(strstr(onf, ";<module> (<string>:1);hot_loop ("), "%s", onf);
	/* the interpreter's eval loop is gone from the chains: Python frames took its place */
	cr_assert_eq(eval_in_chains(onf), 0, "%s", onf);
	cr_assert_eq(eval_in_chains(lockf), 0, "%s", lockf);

	/* the tables name the threads beside their OS name; GIL waits show the Python caller */
	cr_assert_not_null(strstr(t1, "PYTHON-THREAD"));
	cr_assert_not_null(strstr(t1, "  pyworker-0\n"));
	cr_assert_not_null(strstr(t1, "  child-worker-1\n"));
	cr_assert_not_null(strstr(t1, "  MainThread\n"));
	snprintf(root, sizeof(root), "hot_loop (%s:", c.file);
	cr_assert_not_null(strstr(strstr(t1, "waited at"), root), "%s", t1);
	/* module bodies run once at import: those frames are often gone when read, not others */
	cr_assert_lt(lost_count(t1, "python frames not read "), 100, "%s", t1);
	free(lockf);
	free(onf);
	free(t1);
	free(t2);
	unlink(rec);
	unlink(text);
	unlink(text2);
	unlink(lock);
	unlink(on);
}

Test(pyframes, debian_python3_11, .timeout = 120)
{
	pyframes_traced("/usr/bin/python3.11", "python3.11");
}

Test(pyframes, pyenv_3_11, .timeout = 120)
{
	pyframes_traced(PYENV "3.11.7/bin/python3.11", "python3.11");
}

Test(pyframes, pyenv_3_12, .timeout = 120)
{
	pyframes_traced(PYENV "3.12.1/bin/python3.12", "python3.12");
}

Test(pyframes, pyenv_3_13, .timeout = 120)
{
	pyframes_traced(PYENV "3.13.0/bin/python3.13", "python3.13");
}

/* An interpreter gilprof does not understand: one line says so, its stacks stay native. */
Test(pyframes, not_understood, .timeout = 120)
{
	const char *python = PYENV "3.10.13/bin/python3.10";
	char text[128], lock[128];
	struct e2e_run *r;
	char *t, *f;

	e2e_require_root();
	if (access(python, X_OK))
		cr_skip_test("%s is not installed", python);
	e2e_tmpname(text, sizeof(text), "py310.txt");
	e2e_tmpname(lock, sizeof(lock), "py310.folded");
	r = e2e_gilprof_run(NULL, (const char *[]){"run", "--no-status", "-o", text, "--folded",
						   lock, "--view", "lock", "--", python,
						   e2e_bin("../tests/python/pyframes.py"), "2",
						   "2000000", NULL});
	cr_assert_eq(r->status, 0, "%s", r->err);
	e2e_free(r);
	t = slurp(text);
	f = slurp(lock);
	cr_assert_not_null(strstr(t, "\n  python: CPython 3.10 (libpython3.10.so.1.0): no frame "
				     "layout for this version: native frames only\n"),
			   "%s", t);
	cr_assert_not_null(strstr(f, ";_PyEval_EvalFrameDefault;"), "%s", f);
	cr_assert_null(strstr(f, "(pyframes.py:"), "%s", f);
	free(t);
	free(f);
	unlink(text);
	unlink(lock);
}
