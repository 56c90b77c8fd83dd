/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPython's GIL in a traced process: where its futex words are, so that they are named
 * "CPython GIL (cond)" and so on instead of "_PyRuntime+0x1b0".
 *
 * The GIL of CPython 3.11 to 3.13 (main interpreter) is a struct _gil_runtime_state inside the
 * interpreter's .PyRuntime ELF section (in the python executable or in libpython):
 *   3.11       _PyRuntime.ceval.gil
 *   3.12, 3.13 _PyRuntime._main_interpreter._gil
 * and _PyRuntime is the start of that section. Two ways to place it:
 *   - by layout: the interpreter version (3.13's _Py_DebugOffsets at the start of .PyRuntime, else
 *     the file name: python3.11, libpython3.12.so.1.0) gives the offset of the GIL in the section;
 *   - by behaviour, for any version: a thread waiting for the GIL does timed condvar waits of one
 *     switch interval (5 ms), which nothing else in .PyRuntime does. The word with most of them is
 *     one of the condvar's two __g_signals words, and from it follow the whole struct.
 * Behaviour wins when both are known and disagree (a patch release that moved the struct).
 * Assumes LP64 and glibc's condvar (2.25 and later), as on Debian 12.
 */
#ifndef GP_CPYTHON_H
#define GP_CPYTHON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>

#include "gilprof.h"
#include "symbolize/procmaps.h"
#include "symbolize/symbols.h"

/*
 * Offsets in struct _gil_runtime_state { unsigned long interval; last_holder; int locked;
 * unsigned long switch_number; pthread_cond_t cond; pthread_mutex_t mutex; pthread_cond_t
 * switch_cond; pthread_mutex_t switch_mutex; } (FORCE_SWITCHING), identical in 3.11, 3.12 and 3.13,
 * and of the words glibc waits on in a pthread_cond_t (__g_signals[2]).
 */
enum gp_gil_layout {
	GP_GIL_INTERVAL = 0, /* the switch interval in microseconds, 5000 by default */
	GP_GIL_LAST_HOLDER = 8,
	GP_GIL_LOCKED = 16,
	GP_GIL_COND = 32,
	GP_GIL_MUTEX = 80,
	GP_GIL_SWITCH_COND = 120,
	GP_GIL_SWITCH_MUTEX = 168,
	GP_GIL_SIZE = GP_GIL_STRUCT_SIZE,
	GP_COND_SIGNALS = 40, /* __g_signals[0]; [1] follows at 44 */
};

/* What gilprof measured of one futex word of a process: the behaviour the GIL is recognised by. */
struct gp_futex_word {
	uint64_t uaddr;
	uint64_t waits; /* completed waits */
	uint64_t timed_waits; /* of which had a timeout; 0 when not counted */
	uint64_t timeouts; /* of which returned ETIMEDOUT */
	uint64_t p50_ns; /* median wait */
};

/* The interpreter image of a process, as far as the GIL needs it. */
struct gp_pyruntime {
	uint64_t start, size; /* .PyRuntime in the process */
	unsigned major, minor; /* 0 when unknown */
	bool free_threaded; /* a 3.13t build: another GIL struct, no layout */
	bool has_layout; /* gil_off is known for this version */
	bool head_unread; /* the section's head could not be read where it belongs (yet: ld.so
			   * maps a library's segments one after the other) */
	uint64_t gil_off; /* offset of the GIL's struct in .PyRuntime */
};

struct gp_cpython_gil {
	bool found; /* a GIL was located in this process */
	bool inferred; /* located by behaviour, not by the version's layout */
	char version[16]; /* "3.11" when known, else "" */
	uint64_t runtime, runtime_size; /* .PyRuntime in the process; 0 without one */
	uint64_t base; /* address of struct _gil_runtime_state in the process */
};

/*
 * Version from an object's path: "python3.11", "libpython3.12.so.1.0", "python3.13t" (free
 * threaded), " (deleted)" allowed. Returns 0 or -ENOENT when the name carries no version.
 */
int cpython_version_from_name(const char *path, unsigned *major, unsigned *minor,
			      bool *free_threaded);

/*
 * Version and GIL offset from the first len bytes of .PyRuntime in the file (3.13 and later start
 * with _Py_DebugOffsets: the cookie "xdebugpy", PY_VERSION_HEX and structure offsets). Fills rt's
 * version, free_threaded and, for a 3.13 image whose offsets are consistent with rt->size, the
 * layout. Returns 0, or -ENOENT when there is no cookie.
 */
int cpython_layout_from_debug(const void *head, size_t len, struct gp_pyruntime *rt);

/*
 * The layout of 3.11 and 3.12 by version, as measured on their binaries (3.12's only for the
 * .PyRuntime size it was measured on: its GIL follows static objects whose size varies). Sets
 * rt->has_layout when known.
 */
void cpython_layout_from_version(struct gp_pyruntime *rt);

/*
 * Place the GIL of an image (pure): by rt's layout unless the words' behaviour points elsewhere,
 * else by behaviour. out->found is false when neither places a whole struct inside .PyRuntime.
 */
void cpython_gil_place(const struct gp_pyruntime *rt, const struct gp_futex_word *words,
		       size_t nwords, struct gp_cpython_gil *out);

/*
 * Locate the GIL of pm's process. With words, only the objects that hold one of them are searched
 * (a process whose waits are all elsewhere has no GIL word to name), with none every mapped
 * object. Returns 0 (out->found tells) or -ENOMEM.
 */
int cpython_gil_locate(struct gp_symbolizer *s, const struct gp_procmaps *pm,
		       const struct gp_futex_word *words, size_t nwords,
		       struct gp_cpython_gil *out);

/*
 * The interpreter of pm's process for its Python frames: the first object with a .PyRuntime
 * among the executable and the objects whose name says python ("python3.11",
 * "libpython3.12.so.1.0"), so that no other library's ELF is read. Fills rt (its version from
 * _Py_DebugOffsets or the name), the object's first mapping and its load bias. Returns 0,
 * -ENOENT or -ENOMEM.
 */
int cpython_runtime_find(struct gp_symbolizer *s, const struct gp_procmaps *pm,
			 struct gp_pyruntime *rt, const struct gp_mapping **obj, uint64_t *bias);
/* The first len bytes at start (inside obj) as the file has them: static initializers, such as
 * 3.13's _Py_DebugOffsets. Returns the bytes read or -errno. */
ssize_t cpython_runtime_head(const struct gp_procmaps *pm, const struct gp_mapping *obj,
			     uint64_t start, void *buf, size_t len);

/* "CPython GIL (cond)", "(mutex)", "(switch_cond)", "(switch_mutex)" for a word of a located GIL,
 * NULL for any other address. */
const char *cpython_gil_label(const struct gp_cpython_gil *g, uint64_t uaddr);
/* The same, and the word's offset inside that part (a condvar waits on words inside it). */
const char *cpython_gil_part(const struct gp_cpython_gil *g, uint64_t uaddr, uint64_t *part_off);

#endif /* GP_CPYTHON_H */
