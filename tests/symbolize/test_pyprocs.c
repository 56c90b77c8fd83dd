// SPDX-License-Identifier: GPL-2.0
/*
 * CPython processes read from outside, with each python there is: the layout table against the
 * pyenv headers (a program compiled against them prints the offsets), and a live python
 * (tests/python/pyprobe.py) whose interpreter is found, whose code object names each of its
 * instructions with the line co_positions() gives, and whose threads have their names.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "symbolize/pylayout.h"
#include "symbolize/pyprocs.h"

#define PYENV "/root/.pyenv/versions/"
#define PROBE_LINES 4096

/* The program the table is checked against: offsetof() with the interpreter's own headers. */
static const char offsets_c[] =
	"#define Py_BUILD_CORE 1\n"
	"#include <Python.h>\n"
	"#include <stdio.h>\n"
	"#include \"internal/pycore_runtime.h\"\n"
	"#include \"internal/pycore_interp.h\"\n"
	"#include \"internal/pycore_frame.h\"\n"
	"#include \"internal/pycore_dict.h\"\n"
	"#include \"internal/pycore_moduleobject.h\"\n"
	"#define P(n, e) printf(\"%s %zu\\n\", n, (size_t)(e))\n"
	"int main(void) {\n"
	"P(\"rt_interp_head\", offsetof(_PyRuntimeState, interpreters.head));\n"
	"P(\"is_threads_head\", offsetof(PyInterpreterState, threads.head));\n"
	"#if PY_MINOR_VERSION >= 12\n"
	"P(\"interp_modules\", offsetof(PyInterpreterState, imports.modules));\n"
	"#else\n"
	"P(\"interp_modules\", offsetof(PyInterpreterState, modules));\n"
	"#endif\n"
	"P(\"ts_next\", offsetof(PyThreadState, next));\n"
	"P(\"ts_native_tid\", offsetof(PyThreadState, native_thread_id));\n"
	"#if PY_MINOR_VERSION >= 13\n"
	"P(\"ts_frame\", offsetof(PyThreadState, current_frame));\n"
	"P(\"fr_code\", offsetof(_PyInterpreterFrame, f_executable));\n"
	"P(\"fr_instr\", offsetof(_PyInterpreterFrame, instr_ptr));\n"
	"#else\n"
	"P(\"ts_frame\", offsetof(PyThreadState, cframe));\n"
	"P(\"cframe_frame\", offsetof(_PyCFrame, current_frame));\n"
	"P(\"fr_code\", offsetof(_PyInterpreterFrame, f_code));\n"
	"P(\"fr_instr\", offsetof(_PyInterpreterFrame, prev_instr));\n"
	"#endif\n"
	"#if PY_MINOR_VERSION == 11\n"
	"P(\"fr_is_entry\", offsetof(_PyInterpreterFrame, is_entry));\n"
	"#else\n"
	"P(\"owner_cstack\", FRAME_OWNED_BY_CSTACK);\n"
	"#endif\n"
	"P(\"fr_previous\", offsetof(_PyInterpreterFrame, previous));\n"
	"P(\"fr_owner\", offsetof(_PyInterpreterFrame, owner));\n"
	"P(\"code_first_instr\", offsetof(PyCodeObject, co_code_adaptive));\n"
	"P(\"code_filename\", offsetof(PyCodeObject, co_filename));\n"
	"P(\"code_name\", offsetof(PyCodeObject, co_name));\n"
	"P(\"code_qualname\", offsetof(PyCodeObject, co_qualname));\n"
	"P(\"code_linetable\", offsetof(PyCodeObject, co_linetable));\n"
	"P(\"code_firstlineno\", offsetof(PyCodeObject, co_firstlineno));\n"
	"P(\"type_name\", offsetof(PyTypeObject, tp_name));\n"
	"P(\"type_basicsize\", offsetof(PyTypeObject, tp_basicsize));\n"
	"P(\"type_flags\", offsetof(PyTypeObject, tp_flags));\n"
	"P(\"heaptype_cached_keys\", offsetof(PyHeapTypeObject, ht_cached_keys));\n"
	"P(\"str_state\", offsetof(PyASCIIObject, state));\n"
	"P(\"str_length\", offsetof(PyASCIIObject, length));\n"
	"P(\"str_ascii_size\", sizeof(PyASCIIObject));\n"
	"P(\"str_compact_size\", sizeof(PyCompactUnicodeObject));\n"
	"P(\"bytes_size\", offsetof(PyBytesObject, ob_base.ob_size));\n"
	"P(\"bytes_sval\", offsetof(PyBytesObject, ob_sval));\n"
	"#if PY_MINOR_VERSION >= 12\n"
	"P(\"long_size\", offsetof(PyLongObject, long_value.lv_tag));\n"
	"P(\"long_digit\", offsetof(PyLongObject, long_value.ob_digit));\n"
	"#else\n"
	"P(\"long_size\", offsetof(PyVarObject, ob_size));\n"
	"P(\"long_digit\", offsetof(PyLongObject, ob_digit));\n"
	"#endif\n"
	"P(\"dict_keys\", offsetof(PyDictObject, ma_keys));\n"
	"P(\"dict_values\", offsetof(PyDictObject, ma_values));\n"
	"P(\"keys_log2_size\", offsetof(PyDictKeysObject, dk_log2_size));\n"
	"P(\"keys_log2_index_bytes\", offsetof(PyDictKeysObject, dk_log2_index_bytes));\n"
	"P(\"keys_kind\", offsetof(PyDictKeysObject, dk_kind));\n"
	"P(\"keys_nentries\", offsetof(PyDictKeysObject, dk_nentries));\n"
	"P(\"keys_indices\", offsetof(PyDictKeysObject, dk_indices));\n"
	"P(\"module_dict\", offsetof(PyModuleObject, md_dict));\n"
	"return 0; }\n";

static unsigned layout_field(const struct gp_pylayout *l, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
#define F(n, m) {n, offsetof(struct gp_pylayout, m)}
		F("rt_interp_head", walk.rt_interp_head),
		F("is_threads_head", walk.is_threads_head),
		F("ts_next", walk.ts_next),
		F("ts_native_tid", walk.ts_native_tid),
		F("ts_frame", walk.ts_frame),
		F("cframe_frame", walk.cframe_frame),
		F("fr_code", walk.fr_code),
		F("fr_previous", walk.fr_previous),
		F("fr_instr", walk.fr_instr),
		F("fr_owner", walk.fr_owner),
		F("fr_is_entry", walk.fr_is_entry),
		F("code_first_instr", walk.code_first_instr),
		F("interp_modules", interp_modules),
		F("code_filename", code_filename),
		F("code_name", code_name),
		F("code_qualname", code_qualname),
		F("code_linetable", code_linetable),
		F("code_firstlineno", code_firstlineno),
		F("type_name", type_name),
		F("type_basicsize", type_basicsize),
		F("type_flags", type_flags),
		F("heaptype_cached_keys", heaptype_cached_keys),
		F("str_state", str_state),
		F("str_length", str_length),
		F("str_ascii_size", str_ascii_size),
		F("str_compact_size", str_compact_size),
		F("bytes_size", bytes_size),
		F("bytes_sval", bytes_sval),
		F("long_size", long_size),
		F("long_digit", long_digit),
		F("dict_keys", dict_keys),
		F("dict_values", dict_values),
		F("keys_log2_size", keys_log2_size),
		F("keys_log2_index_bytes", keys_log2_index_bytes),
		F("keys_kind", keys_kind),
		F("keys_nentries", keys_nentries),
		F("keys_indices", keys_indices),
		F("module_dict", module_dict),
#undef F
	};
	uint16_t v;
	size_t i;

	if (!strcmp(name, "owner_cstack"))
		return l->walk.owner_cstack;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!strcmp(fields[i].name, name)) {
			memcpy(&v, (const char *)l + fields[i].off, sizeof(v));
			return v;
		}
	}
	cr_assert_fail("no field %s in the layout", name);
	return 0;
}

/* The table's layout of a version against its headers (skipped without them or a compiler). */
static void layout_check(const char *version, unsigned minor)
{
	char inc[256], dir[] = "/tmp/gp-pylayout-XXXXXX", cmd[1024], name[64];
	struct gp_pylayout l;
	unsigned long v;
	int checked = 0;
	FILE *f;

	snprintf(inc, sizeof(inc), PYENV "%s/include/python3.%u", version, minor);
	if (access(inc, R_OK))
		cr_skip_test("%s: no headers", inc);
	cr_assert_eq(pylayout_for_version(3, minor, &l), 0);
	cr_assert(pylayout_walk_fits(&l), "3.%u: the BPF walk cannot read its frames", minor);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s/offsets.c", dir);
	f = fopen(cmd, "w");
	cr_assert_not_null(f);
	fputs(offsets_c, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cc -I%s -I%s/internal -o %s/offsets %s/offsets.c 2>&1", inc,
		 inc, dir, dir);
	if (system(cmd))
		cr_skip_test("cannot compile against %s", inc);
	snprintf(cmd, sizeof(cmd), "%s/offsets", dir);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	while (fscanf(f, "%63s %lu", name, &v) == 2) {
		cr_assert_eq(layout_field(&l, name), v,
			     "3.%u %s: the table has %u, the headers %lu", minor, name,
			     layout_field(&l, name), v);
		checked++;
	}
	cr_assert_eq(pclose(f), 0);
	cr_assert_geq(checked, 37);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(pylayout, table_3_11)
{
	layout_check("3.11.7", 11);
}

Test(pylayout, table_3_12)
{
	layout_check("3.12.1", 12);
}

Test(pylayout, table_3_13)
{
	layout_check("3.13.0", 13);
}

Test(pylayout, others)
{
	struct gp_pylayout l;
	unsigned char head[GP_PY_DEBUG_HEAD] = "xdebugpy";
	uint64_t version = 0x030e00f0; /* 3.14.0 */

	cr_assert_eq(pylayout_for_version(3, 10, &l), -ENOENT);
	cr_assert_eq(pylayout_for_version(3, 14, &l), -ENOENT);
	/* debug offsets of another version than the layout's are not taken */
	cr_assert_eq(pylayout_for_version(3, 13, &l), 0);
	memcpy(head + 8, &version, sizeof(version));
	cr_assert_eq(pylayout_from_debug(head, sizeof(head), &l), -ENOENT);
	cr_assert_eq(pylayout_from_debug(head, 100, &l), -ENOENT);
}

/* A running pyprobe.py and what it said of itself. */
struct probe {
	pid_t pid;
	int in, out;
	uint64_t code;
	char qualname[64];
	unsigned nlines;
	int offset[PROBE_LINES], line[PROBE_LINES];
	unsigned nthreads;
	uint32_t tid[8];
	char tname[8][32];
	bool names_seen[8];
};

static void probe_path(char *buf, size_t len)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	/* this test is build/tests/symbolize/test_pyprocs */
	cr_assert(n > 0);
	self[n] = 0;
	*strrchr(self, '/') = 0;
	snprintf(buf, len, "%s/../../../tests/python/pyprobe.py", self);
}

static void probe_child(const char *python, const char *script, int in, int out, pid_t parent)
{
	/* a failed assertion ends this test's process: python must not outlive it */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(127);
	if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0)
		_exit(127);
	execl(python, python, script, (char *)NULL);
	_exit(127);
}

static void probe_read(struct probe *p)
{
	FILE *f = fdopen(p->out, "r");
	char line[256], rest[32];
	unsigned long v;
	int a, b;

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) && strncmp(line, "end", 3)) {
		if (sscanf(line, "code %lu %63s", &v, p->qualname) == 2)
			p->code = v;
		else if (sscanf(line, "line %d %d", &a, &b) == 2 && p->nlines < PROBE_LINES)
			p->offset[p->nlines] = a, p->line[p->nlines++] = b;
		else if (sscanf(line, "thread %lu %31s", &v, rest) == 2 && p->nthreads < 8)
			p->tid[p->nthreads] = (uint32_t)v,
			memcpy(p->tname[p->nthreads++], rest, sizeof(rest));
		else
			cr_assert_fail("the probe said: %s", line);
	}
	cr_assert_neq(p->code, 0, "the probe said nothing");
	p->out = -1; /* the FILE has it */
}

static void probe_start(struct probe *p, const char *python)
{
	int in[2], out[2];
	pid_t parent = getpid();
	char script[4200];

	probe_path(script, sizeof(script));
	memset(p, 0, sizeof(*p));
	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	p->pid = fork();
	cr_assert_geq(p->pid, 0);
	if (!p->pid)
		probe_child(python, script, in[0], out[1], parent);
	close(in[0]);
	close(out[1]);
	p->in = in[1];
	p->out = out[0];
	probe_read(p);
}

static void probe_stop(struct probe *p)
{
	close(p->in);
	waitpid(p->pid, NULL, 0);
}

static int name_seen(void *ctx, uint32_t tid, const char *name)
{
	struct probe *p = ctx;
	unsigned i;

	for (i = 0; i < p->nthreads; i++) {
		if (p->tid[i] == tid) {
			cr_assert_str_eq(name, p->tname[i], "thread %u", tid);
			p->names_seen[i] = true;
		}
	}
	return 0;
}

static void probe_check(const char *python)
{
	struct gp_symbolizer *s;
	struct gp_pyprocs *py;
	struct gp_procmaps *pm;
	struct gp_py_proc walk;
	struct probe p;
	char name[256], obj[64], want[256], why[192] = "";
	unsigned i;

	if (access(python, X_OK))
		cr_skip_test("%s is not installed", python);
	probe_start(&p, python);
	cr_assert_eq(procmaps_snapshot(p.pid, &pm), 0);
	s = symbolizer_new();
	py = pyprocs_new();
	cr_assert(s && py);
	cr_assert_eq(pyprocs_detect(py, p.pid, s, pm, 1, &walk, why, sizeof(why)), GP_PYF_WALK,
		     "%s: %s", python, why);
	cr_assert_neq(walk.runtime, 0);
	/* once only */
	cr_assert_eq(pyprocs_detect(py, p.pid, s, pm, 2, &walk, why, sizeof(why)), GP_PYF_NONE);

	/* every instruction of Probe.method named with its line */
	for (i = 0; i < p.nlines; i++) {
		cr_assert_eq(pyprocs_frame_name(py, p.pid, p.code, p.offset[i], name, sizeof(name),
						obj, sizeof(obj)),
			     0, "%s", name);
		if (p.line[i] >= 0)
			snprintf(want, sizeof(want), "%s (pyprobe.py:%d)", p.qualname, p.line[i]);
		else
			snprintf(want, sizeof(want), "%s (pyprobe.py)", p.qualname);
		cr_assert_str_eq(name, want, "offset %d", p.offset[i]);
		cr_assert_str_eq(obj, "pyprobe.py");
	}
	/* something that is not a code object */
	cr_assert_lt(pyprocs_frame_name(py, p.pid, walk.runtime, 0, name, sizeof(name), NULL, 0),
		     0);

	/* the threads' names, MainThread's included */
	cr_assert_eq(pyprocs_thread_names(py, p.pid, 10, 1000, name_seen, &p), (int)p.nthreads);
	for (i = 0; i < p.nthreads; i++)
		cr_assert(p.names_seen[i], "no name read for %s", p.tname[i]);
	/* not again before the delay */
	cr_assert_eq(pyprocs_thread_names(py, p.pid, 20, 1000, name_seen, &p), 0);

	probe_stop(&p);
	pyprocs_free(py);
	symbolizer_free(s);
	procmaps_free(pm);
}

Test(pyprocs, debian_python3_11)
{
	probe_check("/usr/bin/python3.11");
}

Test(pyprocs, pyenv_3_11)
{
	probe_check(PYENV "3.11.7/bin/python3.11");
}

Test(pyprocs, pyenv_3_12)
{
	probe_check(PYENV "3.12.1/bin/python3.12");
}

Test(pyprocs, pyenv_3_13)
{
	probe_check(PYENV "3.13.0/bin/python3.13");
}

/* A python this gilprof does not understand is said to be so, once. */
Test(pyprocs, not_understood)
{
	const char *python = PYENV "3.10.13/bin/python3.10";
	struct gp_symbolizer *s;
	struct gp_pyprocs *py;
	struct gp_procmaps *pm;
	struct gp_py_proc walk;
	char why[192] = "";
	int in[2], out[2];
	size_t got;
	ssize_t n;
	pid_t pid;
	char buf[8];

	if (access(python, X_OK))
		cr_skip_test("%s is not installed", python);
	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		execl(python, python, "-c", "import sys; print('up', flush=True); sys.stdin.read()",
		      (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	/* "up\n" once the interpreter runs (a read may return it piecewise) */
	for (got = 0; got < 3; got += (size_t)n) {
		n = read(out[0], buf + got, 3 - got);
		cr_assert_gt(n, 0, "%s did not start", python);
	}
	cr_assert_eq(procmaps_snapshot(pid, &pm), 0);
	s = symbolizer_new();
	py = pyprocs_new();
	cr_assert_eq(pyprocs_detect(py, pid, s, pm, 1, &walk, why, sizeof(why)),
		     GP_PYF_NOT_UNDERSTOOD);
	cr_assert_str_eq(why, "CPython 3.10 (libpython3.10.so.1.0): no frame layout for this "
			      "version");
	close(in[1]);
	close(out[0]);
	waitpid(pid, NULL, 0);
	pyprocs_free(py);
	symbolizer_free(s);
	procmaps_free(pm);
}
