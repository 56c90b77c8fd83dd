// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include "symbolize/pylayout.h"

#define NONE GP_PY_NO_OFF

/*
 * From the headers of 3.11.7, 3.12.1 and 3.13.0 (offsetof with Py_BUILD_CORE; see the header).
 * Debian's python3.11 (3.11.2) has 3.11.7's: these structures did not change in 3.11's patch
 * releases.
 */
static const struct gp_pylayout layouts[] = {
	{
		.major = 3,
		.minor = 11,
		.walk =
			{
				.rt_interp_head = 40,
				.is_threads_head = 16,
				.ts_next = 8,
				.ts_native_tid = 160,
				.ts_frame = 56, /* cframe */
				.cframe_frame = 8,
				.fr_code = 32,
				.fr_previous = 48,
				.fr_instr = 56, /* prev_instr */
				.fr_owner = 69,
				.fr_is_entry = 68,
				.code_first_instr = 184,
				.owner_cstack =
					0xff, /* no shim frames: is_entry marks the boundary */
			},
		.interp_modules = 888,
		.code_filename = 112,
		.code_name = 120,
		.code_qualname = 128,
		.code_linetable = 136,
		.code_firstlineno = 72,
		.type_name = 24,
		.type_basicsize = 32,
		.type_flags = 168,
		.heaptype_cached_keys = 872,
		.str_state = 32,
		.str_length = 16,
		.str_ascii_size = 48, /* 3.11 still has wstr */
		.str_compact_size = 72,
		.bytes_size = 16,
		.bytes_sval = 32,
		.long_size = 16,
		.long_digit = 24,
		.long_tagged = false,
		.dict_keys = 32,
		.dict_values = 40,
		.keys_log2_size = 8,
		.keys_log2_index_bytes = 9,
		.keys_kind = 10,
		.keys_nentries = 24,
		.keys_indices = 32,
		.module_dict = 16,
		.attrs = GP_PYA_311,
	},
	{
		.major = 3,
		.minor = 12,
		.walk =
			{
				.rt_interp_head = 40,
				.is_threads_head = 72,
				.ts_next = 8,
				.ts_native_tid = 144,
				.ts_frame = 56, /* cframe */
				.cframe_frame = 0,
				.fr_code = 0,
				.fr_previous = 8,
				.fr_instr = 56, /* prev_instr */
				.fr_owner = 70,
				.fr_is_entry = NONE,
				.code_first_instr = 192,
				.owner_cstack = 3,
			},
		.interp_modules = 944, /* imports.modules */
		.code_filename = 112,
		.code_name = 120,
		.code_qualname = 128,
		.code_linetable = 136,
		.code_firstlineno = 68,
		.type_name = 24,
		.type_basicsize = 32,
		.type_flags = 168,
		.heaptype_cached_keys = 880,
		.str_state = 32,
		.str_length = 16,
		.str_ascii_size = 40,
		.str_compact_size = 56,
		.bytes_size = 16,
		.bytes_sval = 32,
		.long_size = 16,
		.long_digit = 24,
		.long_tagged = true,
		.dict_keys = 32,
		.dict_values = 40,
		.keys_log2_size = 8,
		.keys_log2_index_bytes = 9,
		.keys_kind = 10,
		.keys_nentries = 24,
		.keys_indices = 32,
		.module_dict = 16,
		.attrs = GP_PYA_312,
	},
	{
		.major = 3,
		.minor = 13,
		.walk =
			{
				.rt_interp_head = 632,
				.is_threads_head = 7344,
				.ts_next = 8,
				.ts_native_tid = 160,
				.ts_frame = 72, /* current_frame */
				.cframe_frame = NONE,
				.fr_code = 0, /* f_executable */
				.fr_previous = 8,
				.fr_instr = 56, /* instr_ptr */
				.fr_owner = 70,
				.fr_is_entry = NONE,
				.code_first_instr = 200,
				.owner_cstack = 3,
			},
		.interp_modules = 7656, /* imports.modules */
		.code_filename = 112,
		.code_name = 120,
		.code_qualname = 128,
		.code_linetable = 136,
		.code_firstlineno = 68,
		.type_name = 24,
		.type_basicsize = 32,
		.type_flags = 168,
		.heaptype_cached_keys = 880,
		.str_state = 32,
		.str_length = 16,
		.str_ascii_size = 40,
		.str_compact_size = 56,
		.bytes_size = 16,
		.bytes_sval = 32,
		.long_size = 16,
		.long_digit = 24,
		.long_tagged = true,
		.dict_keys = 32,
		.dict_values = 40,
		.keys_log2_size = 8,
		.keys_log2_index_bytes = 9,
		.keys_kind = 10,
		.keys_nentries = 24,
		.keys_indices = 32,
		.module_dict = 16,
		.attrs = GP_PYA_313,
	},
};

#define FRAME_HEAD 72 /* bpf/gilprof.bpf.c PY_FRAME_HEAD */

static bool ptr_fits(uint16_t off)
{
	return off % 8 == 0 && off + 8 <= FRAME_HEAD;
}

bool pylayout_walk_fits(const struct gp_pylayout *l)
{
	const struct gp_py_proc *w = &l->walk;

	return ptr_fits(w->fr_code) && ptr_fits(w->fr_previous) && ptr_fits(w->fr_instr) &&
	       w->fr_owner < FRAME_HEAD && (w->fr_is_entry == NONE || w->fr_is_entry < FRAME_HEAD);
}

int pylayout_for_version(unsigned major, unsigned minor, struct gp_pylayout *out)
{
	size_t i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		if (layouts[i].major == major && layouts[i].minor == minor) {
			*out = layouts[i];
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * 3.13's _Py_DebugOffsets (Include/internal/pycore_runtime.h): u64 fields, each group led by the
 * size of its struct. Byte offsets of the fields read here.
 */
enum dbg_field {
	DBG_VERSION = 8,
	DBG_FREE_THREADED = 16,
	DBG_RT_INTERP_HEAD = 40,
	DBG_IS_THREADS_HEAD = 72,
	DBG_IS_MODULES = 88,
	DBG_TS_NEXT = 168,
	DBG_TS_FRAME = 184,
	DBG_TS_NATIVE_TID = 200,
	DBG_FR_PREVIOUS = 232,
	DBG_FR_CODE = 240,
	DBG_FR_INSTR = 248,
	DBG_FR_OWNER = 264,
	DBG_CODE_FILENAME = 280,
	DBG_CODE_NAME = 288,
	DBG_CODE_QUALNAME = 296,
	DBG_CODE_LINETABLE = 304,
	DBG_CODE_FIRSTLINENO = 312,
	DBG_CODE_FIRST_INSTR = 344,
	DBG_TYPE_NAME = 376,
	DBG_TYPE_FLAGS = 392,
	DBG_DICT_KEYS = 456,
	DBG_DICT_VALUES = 464,
	DBG_LONG_TAG = 496,
	DBG_LONG_DIGIT = 504,
	DBG_BYTES_SIZE = 520,
	DBG_BYTES_SVAL = 528,
	DBG_STR_STATE = 544,
	DBG_STR_LENGTH = 552,
	DBG_STR_ASCII_SIZE = 560,
	DBG_END = 568,
};

struct dbg_map {
	enum dbg_field at;
	size_t field; /* offset of the uint16_t in struct gp_pylayout */
};

#define L(f) offsetof(struct gp_pylayout, f)

static const struct dbg_map dbg_fields[] = {
	{DBG_RT_INTERP_HEAD, L(walk.rt_interp_head)},
	{DBG_IS_THREADS_HEAD, L(walk.is_threads_head)},
	{DBG_IS_MODULES, L(interp_modules)},
	{DBG_TS_NEXT, L(walk.ts_next)},
	{DBG_TS_FRAME, L(walk.ts_frame)},
	{DBG_TS_NATIVE_TID, L(walk.ts_native_tid)},
	{DBG_FR_PREVIOUS, L(walk.fr_previous)},
	{DBG_FR_CODE, L(walk.fr_code)},
	{DBG_FR_INSTR, L(walk.fr_instr)},
	{DBG_FR_OWNER, L(walk.fr_owner)},
	{DBG_CODE_FILENAME, L(code_filename)},
	{DBG_CODE_NAME, L(code_name)},
	{DBG_CODE_QUALNAME, L(code_qualname)},
	{DBG_CODE_LINETABLE, L(code_linetable)},
	{DBG_CODE_FIRSTLINENO, L(code_firstlineno)},
	{DBG_CODE_FIRST_INSTR, L(walk.code_first_instr)},
	{DBG_TYPE_NAME, L(type_name)},
	{DBG_TYPE_FLAGS, L(type_flags)},
	{DBG_DICT_KEYS, L(dict_keys)},
	{DBG_DICT_VALUES, L(dict_values)},
	{DBG_LONG_TAG, L(long_size)},
	{DBG_LONG_DIGIT, L(long_digit)},
	{DBG_BYTES_SIZE, L(bytes_size)},
	{DBG_BYTES_SVAL, L(bytes_sval)},
	{DBG_STR_STATE, L(str_state)},
	{DBG_STR_LENGTH, L(str_length)},
	{DBG_STR_ASCII_SIZE, L(str_ascii_size)},
};

static uint64_t dbg_u64(const unsigned char *h, size_t off)
{
	uint64_t v;

	memcpy(&v, h + off, sizeof(v));
	return v;
}

int pylayout_from_debug(const void *head, size_t len, struct gp_pylayout *l)
{
	uint16_t v16[sizeof(dbg_fields) / sizeof(dbg_fields[0])];
	const unsigned char *h = head;
	uint64_t version, v;
	size_t i;

	if (len < DBG_END || memcmp(h, "xdebugpy", 8))
		return -ENOENT;
	version = dbg_u64(h, DBG_VERSION); /* PY_VERSION_HEX */
	if ((version >> 24 & 0xff) != l->major || (version >> 16 & 0xff) != l->minor ||
	    l->major != 3 || l->minor != 13 || dbg_u64(h, DBG_FREE_THREADED))
		return -ENOENT;
	/* all or nothing: an offset the walk cannot hold means a struct we do not know */
	for (i = 0; i < sizeof(dbg_fields) / sizeof(dbg_fields[0]); i++) {
		v = dbg_u64(h, dbg_fields[i].at);
		if (v >= GP_PY_NO_OFF)
			return -EINVAL;
		v16[i] = (uint16_t)v;
	}
	for (i = 0; i < sizeof(dbg_fields) / sizeof(dbg_fields[0]); i++)
		memcpy((char *)l + dbg_fields[i].field, &v16[i], sizeof(uint16_t));
	return 0;
}
