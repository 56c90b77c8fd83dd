/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where CPython 3.11 to 3.13 keep what a profiler reads of a running interpreter: the thread
 * states and their frame chains (walked by the BPF side, bpf/gilprof.h struct gp_py_proc), and
 * the objects userspace reads to name frames and threads (code objects, strings, bytes, ints,
 * dicts, the threading module's Thread objects). LP64, default (GIL) builds only.
 *
 * The offsets come from the versions' own headers (Include/internal with Py_BUILD_CORE; the unit
 * test tests/symbolize/test_pylayout.c compiles a program against the pyenv headers and checks
 * the table against it). 3.13 also describes itself in _Py_DebugOffsets at the start of
 * _PyRuntime (cookie "xdebugpy"): where it does, its values are used instead of the table's, so
 * a patch release that moved a field is still read right. Internal layouts change between minor
 * versions (3.14 moved most of these): another version is not understood.
 */
#ifndef GP_PYLAYOUT_H
#define GP_PYLAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "gilprof.h"

/* Where an instance's attributes are (Py_TPFLAGS_MANAGED_DICT types, such as Python classes). */
enum gp_py_attrs {
	GP_PYA_311, /* values array at obj - 32, dict at obj - 24 */
	GP_PYA_312, /* obj - 24: a dict, or the values array - 1 (odd: tagged) */
	GP_PYA_313, /* dict at obj - 24, else values inline at obj + tp_basicsize (+8) */
};

struct gp_pylayout {
	unsigned major, minor;
	struct gp_py_proc walk; /* the BPF walk's offsets; walk.runtime is the process's */
	uint16_t interp_modules; /* PyInterpreterState: sys.modules */
	uint16_t code_filename, code_name, code_qualname, code_linetable, code_firstlineno;
	uint16_t type_name, type_basicsize, type_flags, heaptype_cached_keys;
	uint16_t str_state, str_length, str_ascii_size, str_compact_size;
	uint16_t bytes_size, bytes_sval;
	uint16_t long_size, long_digit;
	bool long_tagged; /* 3.12+: lv_tag = ndigits << 3 | sign, else ob_size = +-ndigits */
	uint16_t dict_keys, dict_values;
	uint16_t keys_log2_size, keys_log2_index_bytes, keys_kind, keys_nentries, keys_indices;
	uint16_t module_dict;
	enum gp_py_attrs attrs;
};

/* Whether the BPF walk can read the frames of l: their fields in the first 72 bytes, the
 * pointers 8-byte aligned (the walk reads a frame's head in one copy). */
bool pylayout_walk_fits(const struct gp_pylayout *l);

/* Bytes of _PyRuntime's start that pylayout_from_debug() reads. */
#define GP_PY_DEBUG_HEAD 576

/* The table's layout of major.minor: 0, or -ENOENT for a version it does not have. */
int pylayout_for_version(unsigned major, unsigned minor, struct gp_pylayout *out);

/*
 * Override l's offsets with those of the _Py_DebugOffsets at head (the first len bytes of
 * _PyRuntime, as the file has them) when it describes l's version. Returns 0, -ENOENT without a
 * cookie or for another version, -EINVAL when an offset is out of the range the walk can use.
 */
int pylayout_from_debug(const void *head, size_t len, struct gp_pylayout *l);

#endif
