// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "symbolize/cpython.h"
#include "symbolize/pyline.h"
#include "symbolize/pymem.h"
#include "symbolize/pyprocs.h"
#include "util/hashmap.h"

#define EVAL_FUNC "_PyEval_EvalFrameDefault"
#define RETRY_NS (10 * 1000 * 1000ULL) /* a python executable without .PyRuntime: libpython */
#define RETRIES 50
#define LINETABLE_MAX (1u << 20)
#define UNREAD_MIN_STACKS 20

/* A code object as read once: what names its frames. */
struct pycode {
	int err; /* 0, or why it could not be read */
	char *qualname, *file;
	int firstlineno;
	uint8_t *table;
	size_t tlen;
	/*
	 * A freed code object's address is reused by another (module bodies run once at import
	 * are freed, and the next functions land there): its qualname, filename and line table
	 * pointers, checked again at most every CODE_CHECK_NS, tell, and gen counts the objects
	 * seen there.
	 */
	uint64_t id[3];
	uint32_t gen;
	uint64_t checked_ns;
};

#define CODE_CHECK_NS 50000000ULL

struct pyproc {
	uint32_t tgid;
	enum gp_py_found found;
	const struct gp_procmaps *seen; /* the snapshot last looked in */
	uint64_t next_retry;
	unsigned retries;
	struct gp_pylayout l;
	uint64_t eval_start, eval_end;
	char label[96]; /* "CPython 3.11 (python3.11)" */
	struct gp_hashmap codes; /* code address -> struct pycode */
	uint64_t names_next; /* thread names are read again from then on */
	uint64_t active; /* threading._active, once found */
	uint64_t stacks, tstates, named; /* what the stack stage saw */
};

struct gp_pyprocs {
	struct gp_hashmap procs; /* tgid -> struct pyproc */
	bool walked; /* a process was found to walk */
};

struct gp_pyprocs *pyprocs_new(void)
{
	struct gp_pyprocs *p = calloc(1, sizeof(*p));

	if (p)
		hashmap_init(&p->procs);
	return p;
}

static void code_free(struct pycode *c)
{
	free(c->qualname);
	free(c->file);
	free(c->table);
	free(c);
}

static void proc_free(struct pyproc *pr)
{
	struct pycode *c;
	size_t pos = 0;

	while (hashmap_next(&pr->codes, &pos, NULL, (void **)&c))
		code_free(c);
	hashmap_free(&pr->codes);
	free(pr);
}

void pyprocs_free(struct gp_pyprocs *p)
{
	struct pyproc *pr;
	size_t pos = 0;

	if (!p)
		return;
	while (hashmap_next(&p->procs, &pos, NULL, (void **)&pr))
		proc_free(pr);
	hashmap_free(&p->procs);
	free(p);
}

static struct pyproc *proc_get(struct gp_pyprocs *p, uint32_t tgid, bool create)
{
	struct pyproc *pr = hashmap_get(&p->procs, tgid, 0);

	if (pr || !create)
		return pr;
	pr = calloc(1, sizeof(*pr));
	if (!pr || hashmap_put(&p->procs, tgid, 0, pr)) {
		free(pr);
		return NULL;
	}
	pr->tgid = tgid;
	hashmap_init(&pr->codes);
	return pr;
}

bool pyprocs_walking(const struct gp_pyprocs *p)
{
	return p && p->walked;
}

void pyprocs_forget(struct gp_pyprocs *p, uint32_t tgid)
{
	struct pyproc *pr = hashmap_del(&p->procs, tgid, 0);

	if (pr)
		proc_free(pr);
}

int pyprocs_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
	ssize_t n;

	if (!len)
		return 0;
	n = process_vm_readv((pid_t)(uintptr_t)ctx, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

static struct gp_pymem proc_mem(const struct pyproc *pr)
{
	return (struct gp_pymem){pyprocs_read, (void *)(uintptr_t)pr->tgid, &pr->l};
}

static const char *base_of(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* The executable is python's: its interpreter may be in a libpython mapped after the exec. */
static bool exe_is_python(const struct gp_procmaps *pm)
{
	size_t i;

	for (i = 0; i < pm->n; i++) {
		if (mapping_is_file(&pm->maps[i]))
			return strstr(base_of(pm->maps[i].path), "python") != NULL;
	}
	return false;
}

/* The layout of rt's version, 3.13's from its own _Py_DebugOffsets: 0, or why not. */
static int layout_of(struct pyproc *pr, const struct gp_pyruntime *rt, const struct gp_procmaps *pm,
		     const struct gp_mapping *obj, char *why, size_t whylen)
{
	unsigned char head[GP_PY_DEBUG_HEAD];
	ssize_t n;

	if (!rt->major || rt->free_threaded || pylayout_for_version(rt->major, rt->minor, &pr->l)) {
		snprintf(why, whylen, "%s: no frame layout for %s", pr->label,
			 rt->free_threaded ? "a free-threaded build" : "this version");
		return -ENOENT;
	}
	n = cpython_runtime_head(pm, obj, rt->start, head, sizeof(head));
	if ((n > 0 && pylayout_from_debug(head, (size_t)n, &pr->l) == -EINVAL) ||
	    !pylayout_walk_fits(&pr->l)) {
		snprintf(why, whylen, "%s: its _Py_DebugOffsets are not 3.13's", pr->label);
		return -EINVAL;
	}
	return 0;
}

/* Where _PyEval_EvalFrameDefault is: without it the Python frames go outermost, unmerged. */
static void eval_range(struct pyproc *pr, struct gp_symbolizer *s, const struct gp_mapping *obj,
		       uint64_t bias)
{
	struct gp_sym sym;

	if (symbolizer_find_code(s, obj, EVAL_FUNC, &sym) || !sym.size)
		return;
	pr->eval_start = sym.addr + bias;
	pr->eval_end = pr->eval_start + sym.size;
}

/* Whether to look in pm now: a new snapshot, or a retry of a python executable's. */
static bool detect_due(const struct pyproc *pr, const struct gp_procmaps *pm, uint64_t now)
{
	if (pr->found != GP_PYF_NONE)
		return false;
	if (pm != pr->seen)
		return true;
	return pr->retries && pr->retries < RETRIES && now >= pr->next_retry;
}

bool pyprocs_wants_fresh(const struct gp_pyprocs *p, uint32_t tgid, uint64_t now_ns)
{
	const struct pyproc *pr = hashmap_get(&p->procs, tgid, 0);

	return pr && pr->found == GP_PYF_NONE && pr->retries && pr->retries < RETRIES &&
	       now_ns >= pr->next_retry;
}

uint64_t pyprocs_retry_at(const struct gp_pyprocs *p, uint32_t tgid)
{
	const struct pyproc *pr = hashmap_get(&p->procs, tgid, 0);

	if (!pr || pr->found != GP_PYF_NONE || !pr->retries || pr->retries >= RETRIES)
		return 0;
	return pr->next_retry;
}

enum gp_py_found pyprocs_detect(struct gp_pyprocs *p, uint32_t tgid, struct gp_symbolizer *s,
				const struct gp_procmaps *pm, uint64_t now_ns,
				struct gp_py_proc *walk, char *why, size_t whylen)
{
	struct pyproc *pr = proc_get(p, tgid, true);
	const struct gp_mapping *obj;
	struct gp_pyruntime rt;
	uint64_t bias;
	int err;

	if (!pr || !pm || !detect_due(pr, pm, now_ns))
		return GP_PYF_NONE;
	pr->seen = pm;
	/* a libpython found before its data is mapped is looked at again, as one not yet found */
	err = cpython_runtime_find(s, pm, &rt, &obj, &bias);
	if (err || (rt.head_unread && pr->retries < RETRIES)) {
		if ((exe_is_python(pm) || !err) && pr->retries < RETRIES) {
			pr->retries++;
			pr->next_retry = now_ns + RETRY_NS;
		}
		return GP_PYF_NONE;
	}
	snprintf(pr->label, sizeof(pr->label), "CPython %u.%u (%s)", rt.major, rt.minor,
		 base_of(obj->path));
	if (layout_of(pr, &rt, pm, obj, why, whylen)) {
		pr->found = GP_PYF_NOT_UNDERSTOOD;
		return pr->found;
	}
	eval_range(pr, s, obj, bias);
	pr->l.walk.runtime = rt.start;
	/* by the version's layout: the BPF side reads the GIL's state there (bpf gil_fill) */
	pr->l.walk.gil = rt.has_layout ? rt.start + rt.gil_off : 0;
	*walk = pr->l.walk;
	pr->found = GP_PYF_WALK;
	p->walked = true;
	return pr->found;
}

bool pyprocs_inherit(struct gp_pyprocs *p, uint32_t parent, uint32_t child, struct gp_py_proc *walk)
{
	const struct pyproc *pp = hashmap_get(&p->procs, parent, 0);
	struct pyproc *pc = hashmap_get(&p->procs, child, 0);

	if (!pp || pp->found != GP_PYF_WALK || (pc && pc->found != GP_PYF_NONE))
		return false;
	pc = proc_get(p, child, true);
	if (!pc)
		return false;
	pc->found = pp->found;
	pc->l = pp->l;
	pc->eval_start = pp->eval_start;
	pc->eval_end = pp->eval_end;
	memcpy(pc->label, pp->label, sizeof(pc->label));
	*walk = pc->l.walk;
	return true;
}

bool pyprocs_eval_range(const struct gp_pyprocs *p, uint32_t tgid, uint64_t *start, uint64_t *end)
{
	const struct pyproc *pr = hashmap_get(&p->procs, tgid, 0);

	if (!pr || !pr->eval_end)
		return false;
	*start = pr->eval_start;
	*end = pr->eval_end;
	return true;
}

static int str_dup(const struct gp_pymem *m, uint64_t obj, char **out)
{
	char buf[256];
	int err = pymem_str(m, obj, buf, sizeof(buf));

	if (err)
		return err;
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

/* Name, file, first line and line table of a code object. */
static int code_read(const struct gp_pymem *m, uint64_t addr, struct pycode *c)
{
	const struct gp_pylayout *l = m->l;
	uint64_t qualname = 0, name = 0, file = 0, table = 0;
	char type[16];
	int32_t first = 0;
	int err = pymem_type_name(m, addr, type, sizeof(type));

	if (!err && strcmp(type, "code"))
		err = -EINVAL;
	if (!err)
		err = pymem_ptr(m, addr + l->code_qualname, &qualname);
	if (!err)
		err = pymem_ptr(m, addr + l->code_name, &name);
	if (!err)
		err = pymem_ptr(m, addr + l->code_filename, &file);
	if (!err)
		err = pymem_ptr(m, addr + l->code_linetable, &table);
	if (!err)
		err = pymem_read(m, addr + l->code_firstlineno, &first, sizeof(first));
	c->id[0] = qualname;
	c->id[1] = file;
	c->id[2] = table;
	if (!err && str_dup(m, qualname, &c->qualname))
		err = str_dup(m, name, &c->qualname);
	if (!err)
		err = str_dup(m, file, &c->file);
	if (!err)
		err = pymem_bytes(m, table, LINETABLE_MAX, &c->table, &c->tlen);
	c->firstlineno = first;
	return err;
}

/* The code object at addr of pr's process, read on first use and kept, failures included. */
static struct pycode *code_get(struct pyproc *pr, uint64_t addr)
{
	struct pycode *c = hashmap_get(&pr->codes, addr, 0);
	struct gp_pymem m = proc_mem(pr);

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->err = code_read(&m, addr, c);
	c->gen = 1;
	if (hashmap_put(&pr->codes, addr, 0, c)) {
		code_free(c);
		return NULL;
	}
	return c;
}

int pyprocs_frame_name(struct gp_pyprocs *p, uint32_t tgid, uint64_t code, uint32_t instr,
		       char *buf, size_t len, char *obj, size_t objlen)
{
	struct pyproc *pr = proc_get(p, tgid, false);
	struct pycode *c = pr && pr->found == GP_PYF_WALK ? code_get(pr, code) : NULL;
	int line;

	if (!c || c->err) {
		snprintf(buf, len, "[python] 0x%" PRIx64 "+0x%x", code, instr);
		if (obj)
			snprintf(obj, objlen, "[python]");
		return !pr ? -ENOENT : !c ? -ENOMEM : c->err;
	}
	line = pyline_addr2line(c->table, c->tlen, c->firstlineno, instr);
	/* the file's basename, as native frames name their objects */
	if (line >= 0)
		snprintf(buf, len, "%s (%s:%d)", c->qualname, base_of(c->file), line);
	else
		snprintf(buf, len, "%s (%s)", c->qualname, base_of(c->file));
	if (obj)
		snprintf(obj, objlen, "%s", base_of(c->file));
	return 0;
}

/* The identity of the code object at addr now; false when it cannot be read. */
static bool code_id(const struct gp_pymem *m, uint64_t addr, uint64_t id[3])
{
	const struct gp_pylayout *l = m->l;

	return !pymem_ptr(m, addr + l->code_qualname, &id[0]) &&
	       !pymem_ptr(m, addr + l->code_filename, &id[1]) &&
	       !pymem_ptr(m, addr + l->code_linetable, &id[2]);
}

uint32_t pyprocs_code_gen(struct gp_pyprocs *p, uint32_t tgid, uint64_t code, uint64_t now_ns)
{
	struct pyproc *pr = proc_get(p, tgid, false);
	struct pycode *c = pr && pr->found == GP_PYF_WALK ? hashmap_get(&pr->codes, code, 0) : NULL;
	struct gp_pymem m;
	uint64_t id[3];

	if (!c)
		return 0;
	if (!c->checked_ns || now_ns - c->checked_ns < CODE_CHECK_NS) {
		if (!c->checked_ns)
			c->checked_ns = now_ns;
		return c->gen;
	}
	c->checked_ns = now_ns;
	m = proc_mem(pr);
	/* gone (the process exited): what was read stays the name */
	if (!code_id(&m, code, id) || !memcmp(id, c->id, sizeof(id)))
		return c->gen;
	free(c->qualname);
	free(c->file);
	free(c->table);
	c->qualname = c->file = NULL;
	c->table = NULL;
	c->tlen = 0;
	c->err = code_read(&m, code, c);
	return ++c->gen;
}

int pyprocs_frame_func(struct gp_pyprocs *p, uint32_t tgid, uint64_t code, uint32_t instr,
		       char *name, size_t len, char *file, size_t filelen, int *line)
{
	struct pyproc *pr = proc_get(p, tgid, false);
	struct pycode *c = pr && pr->found == GP_PYF_WALK ? code_get(pr, code) : NULL;

	if (!c || c->err)
		return !pr ? -ENOENT : !c ? -ENOMEM : c->err;
	*line = pyline_addr2line(c->table, c->tlen, c->firstlineno, instr);
	if (*line < 0)
		*line = 0;
	snprintf(name, len, "%s", c->qualname);
	snprintf(file, filelen, "%s", c->file);
	return 0;
}

/* threading._active of the process: the dict of its started, not yet ended, Thread objects. */
static int active_find(struct pyproc *pr, const struct gp_pymem *m)
{
	uint64_t interp, modules, threading, mdict;
	int err = pymem_ptr(m, pr->l.walk.runtime + pr->l.walk.rt_interp_head, &interp);

	if (!err)
		err = pymem_ptr(m, interp + pr->l.interp_modules, &modules);
	if (!err)
		err = pymem_dict_get(m, modules, "threading", &threading);
	if (!err && !threading)
		err = -ENOENT; /* not imported (yet) */
	if (!err)
		err = pymem_ptr(m, threading + pr->l.module_dict, &mdict);
	if (!err)
		err = pymem_dict_get(m, mdict, "_active", &pr->active);
	if (!err && !pr->active)
		err = -ENOENT;
	return err;
}

struct names_walk {
	const struct gp_pymem *m;
	gp_pythread_fn fn;
	void *ctx;
	int found;
};

static int thread_name_of(void *ctx, uint64_t key, uint64_t thread)
{
	struct names_walk *w = ctx;
	uint64_t tid_obj, name_obj;
	int64_t tid;
	char name[64];

	(void)key;
	if (pymem_attr_get(w->m, thread, "_native_id", &tid_obj) || !tid_obj ||
	    pymem_long(w->m, tid_obj, &tid) || tid <= 0 || tid > UINT32_MAX ||
	    pymem_attr_get(w->m, thread, "_name", &name_obj) || !name_obj ||
	    pymem_str(w->m, name_obj, name, sizeof(name)))
		return 0;
	w->found++;
	return w->fn(w->ctx, (uint32_t)tid, name);
}

int pyprocs_thread_names(struct gp_pyprocs *p, uint32_t tgid, uint64_t now_ns, uint64_t delay_ns,
			 gp_pythread_fn fn, void *ctx)
{
	struct pyproc *pr = proc_get(p, tgid, false);
	struct gp_pymem m;
	struct names_walk w = {&m, fn, ctx, 0};
	int err;

	if (!pr || pr->found != GP_PYF_WALK || now_ns < pr->names_next)
		return 0;
	pr->names_next = now_ns + delay_ns;
	m = proc_mem(pr);
	if (!pr->active && (err = active_find(pr, &m)))
		return err;
	err = pymem_dict_each(&m, pr->active, thread_name_of, &w);
	if (err == -EINVAL)
		pr->active = 0; /* no longer a dict: look it up again next time */
	return err < 0 ? err : w.found;
}

void pyprocs_count(struct gp_pyprocs *p, uint32_t tgid, bool tstate_found, unsigned named)
{
	struct pyproc *pr = proc_get(p, tgid, false);

	if (!pr)
		return;
	pr->stacks++;
	pr->tstates += tstate_found;
	pr->named += named;
}

int pyprocs_each_unread(const struct gp_pyprocs *p,
			int (*fn)(void *ctx, uint32_t tgid, const char *why), void *ctx)
{
	const struct pyproc *pr;
	char why[192];
	size_t pos = 0;
	int err = 0;

	while (!err && hashmap_next(&p->procs, &pos, NULL, (void **)&pr)) {
		if (pr->found != GP_PYF_WALK || pr->stacks < UNREAD_MIN_STACKS || pr->named)
			continue;
		snprintf(why, sizeof(why), "%s: %s", pr->label,
			 pr->tstates ? "no code object of its frames could be read"
				     : "none of its threads was found in the interpreter's list");
		err = fn(ctx, pr->tgid, why);
	}
	return err;
}
