// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbolize/cpython.h"

#define RUNTIME_SECTION ".PyRuntime"
#define GIL_INTERVAL_NS 5000000ull /* CPython's default switch interval */
#define GIL_NEAR_NS 1000000ull

/* _Py_DebugOffsets of 3.13 (Include/internal/pycore_runtime.h), from the start of _PyRuntime */
#define DBG_COOKIE "xdebugpy"
#define DBG_VERSION 8
#define DBG_FREE_THREADED 16
#define DBG_RUNTIME_SIZE 24
#define DBG_INTERP_SIZE 48
#define DBG_INTERP_GIL 120
#define DBG_INTERP_GIL_LOCKED 136
#define DBG_INTERP_GIL_HOLDER 144
#define DBG_HEAD_LEN 152

/*
 * Where the GIL is in .PyRuntime when the version has no _Py_DebugOffsets, measured on the
 * binaries (see the comments); runtime_size is the section size the offset was seen with, 0 when
 * nothing of variable size precedes the GIL.
 */
static const struct version_layout {
	unsigned major, minor;
	uint64_t gil_off;
	uint64_t runtime_size;
} version_layouts[] = {
	/*
	 * _PyRuntime.ceval.gil, behind fields of fixed size: DWARF of 3.11.7 (pyenv), and the
	 * code of Debian's stripped 3.11.2, which locks _PyRuntime+0x1b8 and signals
	 * _PyRuntime+0x188.
	 */
	{3, 11, 0x168, 0},
	/* _PyRuntime._main_interpreter._gil, behind the static objects: DWARF of 3.12.1 */
	{3, 12, 0x12e78, 0x704a8},
};

static uint64_t u64_at(const unsigned char *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

int cpython_version_from_name(const char *path, unsigned *major, unsigned *minor,
			      bool *free_threaded)
{
	const char *base = strrchr(path, '/'), *p;
	char *end;
	unsigned long maj, min;

	p = strstr(base ? base + 1 : path, "python");
	if (!p || !isdigit((unsigned char)p[6]))
		return -ENOENT;
	maj = strtoul(p + 6, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return -ENOENT;
	min = strtoul(end + 1, &end, 10);
	if (maj > 99 || min > 999)
		return -ENOENT;
	/* ABI flags ("t", "d") end the version; anything else after it would make it a guess */
	for (p = end; islower((unsigned char)*p); p++)
		;
	if (*p && *p != '.' && *p != ' ' && *p != '-' && *p != '_')
		return -ENOENT;
	*major = (unsigned)maj;
	*minor = (unsigned)min;
	*free_threaded = memchr(end, 't', (size_t)(p - end)) != NULL;
	return 0;
}

/* 3.13: _main_interpreter is the last member of _PyRuntime, its _gil at a given offset in it. */
static void layout_from_debug_313(const unsigned char *h, struct gp_pyruntime *rt)
{
	uint64_t runtime_size = u64_at(h, DBG_RUNTIME_SIZE),
		 interp_size = u64_at(h, DBG_INTERP_SIZE);
	uint64_t gil = u64_at(h, DBG_INTERP_GIL);

	if (rt->free_threaded || runtime_size > rt->size || interp_size > runtime_size ||
	    gil > interp_size || interp_size - gil < GP_GIL_SIZE)
		return;
	/* the fields it names must sit where our struct has them */
	if (u64_at(h, DBG_INTERP_GIL_LOCKED) != gil + GP_GIL_LOCKED ||
	    u64_at(h, DBG_INTERP_GIL_HOLDER) != gil + GP_GIL_LAST_HOLDER)
		return;
	rt->gil_off = runtime_size - interp_size + gil;
	rt->has_layout = true;
}

int cpython_layout_from_debug(const void *head, size_t len, struct gp_pyruntime *rt)
{
	const unsigned char *h = head;
	uint64_t version;

	if (len < DBG_FREE_THREADED + 8 || memcmp(h, DBG_COOKIE, strlen(DBG_COOKIE)))
		return -ENOENT;
	version = u64_at(h, DBG_VERSION); /* PY_VERSION_HEX */
	rt->major = (unsigned)(version >> 24 & 0xff);
	rt->minor = (unsigned)(version >> 16 & 0xff);
	rt->free_threaded = u64_at(h, DBG_FREE_THREADED) != 0;
	/* the struct differs in other versions (3.14 added members): only 3.13's is read */
	if (rt->major == 3 && rt->minor == 13 && len >= DBG_HEAD_LEN)
		layout_from_debug_313(h, rt);
	return 0;
}

void cpython_layout_from_version(struct gp_pyruntime *rt)
{
	const struct version_layout *l;
	size_t i;

	if (rt->has_layout || rt->free_threaded)
		return;
	for (i = 0; i < sizeof(version_layouts) / sizeof(version_layouts[0]); i++) {
		l = &version_layouts[i];
		if (l->major != rt->major || l->minor != rt->minor)
			continue;
		if (l->runtime_size && l->runtime_size != rt->size)
			return;
		if (l->gil_off + GP_GIL_SIZE > rt->size)
			return;
		rt->gil_off = l->gil_off;
		rt->has_layout = true;
		return;
	}
}

static bool runtime_holds(const struct gp_pyruntime *rt, uint64_t addr, uint64_t len)
{
	return addr >= rt->start && rt->size >= len && addr - rt->start <= rt->size - len;
}

/*
 * A waiter for the GIL times out once per switch interval, asks the holder to drop it, and is
 * then woken by the hand-off: with two threads about half of its waits end in ETIMEDOUT, with
 * more most do, and the median is the interval. Nothing else in .PyRuntime waits with a timeout.
 */
static bool word_gil_like(const struct gp_futex_word *w)
{
	if (!w->timed_waits && !w->timeouts)
		return false;
	if (w->p50_ns + GIL_NEAR_NS >= GIL_INTERVAL_NS &&
	    w->p50_ns <= GIL_INTERVAL_NS + GIL_NEAR_NS)
		return true;
	return 2 * w->timed_waits > w->waits || 4 * w->timeouts >= w->waits;
}

/* Orders two GIL-like words: more timed waits, then more waits, then the lower address. */
static bool word_better(const struct gp_futex_word *a, const struct gp_futex_word *b)
{
	uint64_t ta = max_u64(a->timed_waits, a->timeouts),
		 tb = max_u64(b->timed_waits, b->timeouts);

	if (ta != tb)
		return ta > tb;
	if (a->waits != b->waits)
		return a->waits > b->waits;
	return a->uaddr < b->uaddr;
}

/* The word of .PyRuntime that behaves most like the GIL's condvar, NULL if none does. */
static const struct gp_futex_word *signal_word(const struct gp_pyruntime *rt,
					       const struct gp_futex_word *words, size_t n)
{
	const struct gp_futex_word *best = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (words[i].uaddr & 3 || !runtime_holds(rt, words[i].uaddr, 4) ||
		    !word_gil_like(&words[i]))
			continue;
		if (!best || word_better(&words[i], best))
			best = &words[i];
	}
	return best;
}

/*
 * The condvar whose __g_signals[0] or [1] is at uaddr: a pthread_cond_t is 8-byte aligned (its
 * 64-bit counters), so [0] (offset 40) is at an 8-byte boundary and [1] (offset 44) is not.
 */
static uint64_t cond_of_signal(uint64_t uaddr)
{
	return uaddr - GP_COND_SIGNALS - (uaddr & 4);
}

static void gil_set(struct gp_cpython_gil *out, const struct gp_pyruntime *rt, uint64_t base,
		    bool inferred)
{
	if (!runtime_holds(rt, base, GP_GIL_SIZE))
		return;
	out->found = true;
	out->inferred = inferred;
	out->base = base;
}

void cpython_gil_place(const struct gp_pyruntime *rt, const struct gp_futex_word *words,
		       size_t nwords, struct gp_cpython_gil *out)
{
	const struct gp_futex_word *sig = signal_word(rt, words, nwords);
	uint64_t base;

	memset(out, 0, sizeof(*out));
	out->runtime = rt->start;
	out->runtime_size = rt->size;
	if (rt->major)
		snprintf(out->version, sizeof(out->version), "%u.%u", rt->major, rt->minor);
	if (rt->has_layout) {
		base = rt->start + rt->gil_off;
		if (!sig || cond_of_signal(sig->uaddr) == base + GP_GIL_COND) {
			gil_set(out, rt, base, false);
			return;
		}
	}
	if (sig)
		gil_set(out, rt, cond_of_signal(sig->uaddr) - GP_GIL_COND, true);
}

/* .PyRuntime of the object mapped by m (bias from its load) in the process, -ENOENT if none. */
static int runtime_of(struct gp_symbolizer *s, const struct gp_mapping *m, uint64_t bias,
		      struct gp_pyruntime *rt)
{
	uint64_t start, size;
	int err = symbolizer_find_section(s, m, RUNTIME_SECTION, &start, &size);

	if (err)
		return err == -ENOMEM ? err : -ENOENT;
	memset(rt, 0, sizeof(*rt));
	rt->start = start + bias;
	rt->size = size;
	return 0;
}

/* The runtime holding one of the words: the objects the words are in, in the words' order. */
static int runtime_of_words(struct gp_symbolizer *s, const struct gp_procmaps *pm,
			    const struct gp_futex_word *words, size_t n, struct gp_pyruntime *rt,
			    const struct gp_mapping **obj)
{
	struct gp_addr_loc loc;
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = symbolizer_locate(s, pm, words[i].uaddr, &loc);
		if (err)
			return err;
		if (!loc.elf)
			continue;
		err = runtime_of(s, loc.obj, loc.bias, rt);
		if (err == -ENOMEM)
			return err;
		if (!err && runtime_holds(rt, words[i].uaddr, 4)) {
			*obj = loc.obj;
			return 0;
		}
	}
	return -ENOENT;
}

/* The first mapped object with a .PyRuntime. */
static int runtime_of_maps(struct gp_symbolizer *s, const struct gp_procmaps *pm,
			   struct gp_pyruntime *rt, const struct gp_mapping **obj)
{
	const struct gp_mapping *m;
	struct gp_addr_loc loc;
	size_t i;
	int err;

	for (i = 0; i < pm->n; i++) {
		m = &pm->maps[i];
		/* an object's later mappings hold nothing its first one does not */
		if (!mapping_is_file(m) ||
		    (i && pm->maps[i - 1].dev == m->dev && pm->maps[i - 1].ino == m->ino))
			continue;
		err = symbolizer_locate(s, pm, m->start, &loc);
		if (err)
			return err;
		if (!loc.elf)
			continue;
		err = runtime_of(s, m, loc.bias, rt);
		if (err == -ENOMEM)
			return err;
		if (!err) {
			*obj = m;
			return 0;
		}
	}
	return -ENOENT;
}

ssize_t cpython_runtime_head(const struct gp_procmaps *pm, const struct gp_mapping *obj,
			     uint64_t start, void *buf, size_t len)
{
	const struct gp_mapping *m = procmaps_find(pm, start);
	ssize_t n;
	int fd;

	if (!m || !mapping_is_file(m) || m->dev != obj->dev || m->ino != obj->ino)
		return -ENOENT;
	if (m->end - start < len)
		len = m->end - start;
	fd = m->fd >= 0 ? m->fd : mapping_open_path(m);
	if (fd < 0)
		return fd;
	n = pread(fd, buf, len, (off_t)(start - m->start + m->pgoff));
	if (n < 0)
		n = -errno;
	if (fd != m->fd)
		close(fd);
	return n;
}

static void runtime_version(const struct gp_procmaps *pm, const struct gp_mapping *obj,
			    struct gp_pyruntime *rt)
{
	unsigned char head[DBG_HEAD_LEN];
	ssize_t n = cpython_runtime_head(pm, obj, rt->start, head, sizeof(head));

	rt->head_unread = n <= 0;
	if (n <= 0 || cpython_layout_from_debug(head, (size_t)n, rt)) {
		cpython_version_from_name(obj->path, &rt->major, &rt->minor, &rt->free_threaded);
		/*
		 * From 3.13 on the section begins with _Py_DebugOffsets: bytes without its cookie
		 * are not the section's yet (ld.so maps a library whole, at offset 0, before it maps
		 * each segment where it belongs)
		 */
		if (rt->major > 3 || (rt->major == 3 && rt->minor >= 13))
			rt->head_unread = true;
	}
	cpython_layout_from_version(rt);
}

/* Objects an interpreter is looked for in: the executable, and objects named like python's. */
static bool maybe_python(const struct gp_procmaps *pm, size_t i)
{
	const char *base = strrchr(pm->maps[i].path, '/');
	size_t k;

	if (strstr(base ? base + 1 : pm->maps[i].path, "python"))
		return true;
	for (k = 0; k < i; k++) {
		if (mapping_is_file(&pm->maps[k]))
			return false;
	}
	return true;
}

int cpython_runtime_find(struct gp_symbolizer *s, const struct gp_procmaps *pm,
			 struct gp_pyruntime *rt, const struct gp_mapping **obj, uint64_t *bias)
{
	const struct gp_mapping *m;
	struct gp_addr_loc loc;
	size_t i;
	int err;

	for (i = 0; i < pm->n; i++) {
		m = &pm->maps[i];
		if (!mapping_is_file(m) || !maybe_python(pm, i) ||
		    (i && pm->maps[i - 1].dev == m->dev && pm->maps[i - 1].ino == m->ino))
			continue;
		err = symbolizer_locate(s, pm, m->start, &loc);
		if (err)
			return err;
		if (!loc.elf)
			continue;
		err = runtime_of(s, m, loc.bias, rt);
		if (err == -ENOMEM)
			return err;
		if (!err) {
			*obj = m;
			*bias = loc.bias;
			runtime_version(pm, m, rt);
			return 0;
		}
	}
	return -ENOENT;
}

int cpython_gil_locate(struct gp_symbolizer *s, const struct gp_procmaps *pm,
		       const struct gp_futex_word *words, size_t nwords, struct gp_cpython_gil *out)
{
	const struct gp_mapping *obj = NULL;
	struct gp_pyruntime rt;
	int err;

	memset(out, 0, sizeof(*out));
	if (nwords)
		err = runtime_of_words(s, pm, words, nwords, &rt, &obj);
	else
		err = runtime_of_maps(s, pm, &rt, &obj);
	if (err)
		return err == -ENOMEM ? err : 0;
	runtime_version(pm, obj, &rt);
	cpython_gil_place(&rt, words, nwords, out);
	return 0;
}

const char *cpython_gil_label(const struct gp_cpython_gil *g, uint64_t uaddr)
{
	return cpython_gil_part(g, uaddr, NULL);
}

const char *cpython_gil_part(const struct gp_cpython_gil *g, uint64_t uaddr, uint64_t *part_off)
{
	static const struct {
		uint64_t start, end;
		const char *label;
	} parts[] = {
		{GP_GIL_COND, GP_GIL_MUTEX, "CPython GIL (cond)"},
		{GP_GIL_MUTEX, GP_GIL_SWITCH_COND, "CPython GIL (mutex)"},
		{GP_GIL_SWITCH_COND, GP_GIL_SWITCH_MUTEX, "CPython GIL (switch_cond)"},
		{GP_GIL_SWITCH_MUTEX, GP_GIL_SIZE, "CPython GIL (switch_mutex)"},
	};
	uint64_t off;
	size_t i;

	if (!g->found || uaddr < g->base)
		return NULL;
	off = uaddr - g->base;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (off >= parts[i].start && off < parts[i].end) {
			if (part_off)
				*part_off = off - parts[i].start;
			return parts[i].label;
		}
	}
	return NULL;
}
