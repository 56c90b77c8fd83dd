// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "symbolize/pymem.h"

#define OB_TYPE 8 /* PyObject.ob_type in every build without Py_TRACE_REFS */
#define TPFLAGS_INLINE_VALUES (1ul << 2) /* 3.13 */
#define TPFLAGS_MANAGED_DICT (1ul << 4)
#define MANAGED_DICT_OFF 24 /* the dict (or tagged values) pointer, below the object */
#define VALUES_311_OFF 32 /* 3.11's values pointer, below that */
#define DICT_KEYS_GENERAL 0 /* entries with their hash; unicode and split keys have none */
#define DICT_ENTRIES_MAX 65536
#define STR_MAX 4096

int pymem_read(const struct gp_pymem *m, uint64_t addr, void *buf, size_t len)
{
	if (!addr)
		return -EFAULT;
	return m->read(m->ctx, addr, buf, len);
}

int pymem_ptr(const struct gp_pymem *m, uint64_t addr, uint64_t *v)
{
	return pymem_read(m, addr, v, sizeof(*v));
}

/* A C string of at most len - 1 bytes, read in small pieces: it may end near unmapped memory. */
static int cstr_read(const struct gp_pymem *m, uint64_t addr, char *buf, size_t len)
{
	size_t got = 0, n;
	int err;

	while (got + 1 < len) {
		n = 16 - (addr + got) % 16;
		if (n > len - 1 - got)
			n = len - 1 - got;
		err = pymem_read(m, addr + got, buf + got, n);
		if (err)
			return err;
		if (memchr(buf + got, 0, n))
			return 0;
		got += n;
	}
	buf[got] = 0;
	return 0;
}

int pymem_type_name(const struct gp_pymem *m, uint64_t obj, char *buf, size_t len)
{
	uint64_t type, name;
	int err = pymem_ptr(m, obj + OB_TYPE, &type);

	if (!err)
		err = pymem_ptr(m, type + m->l->type_name, &name);
	return err ? err : cstr_read(m, name, buf, len);
}

static int type_is(const struct gp_pymem *m, uint64_t obj, const char *want)
{
	char name[32];
	int err = pymem_type_name(m, obj, name, sizeof(name));

	return err ? err : strcmp(name, want) ? -EINVAL : 0;
}

/* Code points of kind 1, 2 or 4 bytes as UTF-8, as many as fit in len - 1 bytes. */
static void ucs_to_utf8(const uint8_t *p, size_t n, unsigned kind, char *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		uint32_t c = kind == 1	 ? p[i]
			     : kind == 2 ? ((const uint16_t *)p)[i]
					 : ((const uint32_t *)p)[i];
		char u[4];
		size_t k = 0;

		if (c < 0x80) {
			u[k++] = (char)c;
		} else if (c < 0x800) {
			u[k++] = (char)(0xc0 | c >> 6);
			u[k++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			u[k++] = (char)(0xe0 | c >> 12);
			u[k++] = (char)(0x80 | (c >> 6 & 0x3f));
			u[k++] = (char)(0x80 | (c & 0x3f));
		} else {
			u[k++] = (char)(0xf0 | (c >> 18 & 7));
			u[k++] = (char)(0x80 | (c >> 12 & 0x3f));
			u[k++] = (char)(0x80 | (c >> 6 & 0x3f));
			u[k++] = (char)(0x80 | (c & 0x3f));
		}
		if (o + k >= len)
			break;
		memcpy(buf + o, u, k);
		o += k;
	}
	buf[o] = 0;
}

int pymem_str(const struct gp_pymem *m, uint64_t obj, char *buf, size_t len)
{
	const struct gp_pylayout *l = m->l;
	uint32_t state;
	int64_t n;
	unsigned kind;
	uint8_t *data;
	int err;

	if (!len)
		return -EINVAL;
	err = type_is(m, obj, "str");
	if (!err)
		err = pymem_read(m, obj + l->str_state, &state, sizeof(state));
	if (!err)
		err = pymem_read(m, obj + l->str_length, &n, sizeof(n));
	if (err)
		return err;
	kind = state >> 2 & 7;
	/* (state >> 5) & 1 compact, (state >> 6) & 1 ascii: the same bits in 3.11 to 3.13 */
	if (!(state >> 5 & 1) || n < 0 || (kind != 1 && kind != 2 && kind != 4))
		return -EINVAL;
	if (n > STR_MAX)
		n = STR_MAX;
	if (state >> 6 & 1) {
		if ((size_t)n >= len)
			n = (int64_t)len - 1;
		buf[n] = 0;
		return pymem_read(m, obj + l->str_ascii_size, buf, (size_t)n);
	}
	data = malloc((size_t)n * kind + 1);
	if (!data)
		return -ENOMEM;
	err = pymem_read(m, obj + l->str_compact_size, data, (size_t)n * kind);
	if (!err)
		ucs_to_utf8(data, (size_t)n, kind, buf, len);
	free(data);
	return err;
}

int pymem_bytes(const struct gp_pymem *m, uint64_t obj, size_t max, uint8_t **data, size_t *len)
{
	int64_t n;
	int err = type_is(m, obj, "bytes");

	*data = NULL;
	*len = 0;
	if (!err)
		err = pymem_read(m, obj + m->l->bytes_size, &n, sizeof(n));
	if (err)
		return err;
	if (n < 0)
		return -EINVAL;
	if ((uint64_t)n > max)
		return -E2BIG;
	*data = malloc(n ? (size_t)n : 1);
	if (!*data)
		return -ENOMEM;
	err = pymem_read(m, obj + m->l->bytes_sval, *data, (size_t)n);
	if (err) {
		free(*data);
		*data = NULL;
		return err;
	}
	*len = (size_t)n;
	return 0;
}

int pymem_long(const struct gp_pymem *m, uint64_t obj, int64_t *v)
{
	uint32_t digit[2] = {0, 0};
	int64_t size;
	uint64_t ndigits;
	bool neg;
	int err = type_is(m, obj, "int");

	if (!err)
		err = pymem_read(m, obj + m->l->long_size, &size, sizeof(size));
	if (err)
		return err;
	if (m->l->long_tagged) {
		/* lv_tag: digits << 3 | sign (0 positive, 1 zero, 2 negative) */
		ndigits = (uint64_t)size >> 3;
		neg = (size & 3) == 2;
	} else {
		neg = size < 0;
		ndigits = neg ? (uint64_t)-size : (uint64_t)size;
	}
	if (ndigits > 2)
		return -ERANGE;
	if (ndigits && (err = pymem_read(m, obj + m->l->long_digit, digit, ndigits * 4)))
		return err;
	*v = (int64_t)digit[0] | (int64_t)digit[1] << 30;
	if (neg)
		*v = -*v;
	return 0;
}

/* A dict keys object's header, as far as a walk needs it. */
struct keys_hdr {
	uint64_t entries; /* address of entry 0 */
	size_t n, esize; /* entries in use, bytes per entry */
	bool general; /* entries are (hash, key, value) */
};

static int keys_read(const struct gp_pymem *m, uint64_t keys, struct keys_hdr *k)
{
	const struct gp_pylayout *l = m->l;
	uint8_t log2_size, log2_index, kind;
	int64_t n;
	int err = pymem_read(m, keys + l->keys_log2_size, &log2_size, 1);

	if (!err)
		err = pymem_read(m, keys + l->keys_log2_index_bytes, &log2_index, 1);
	if (!err)
		err = pymem_read(m, keys + l->keys_kind, &kind, 1);
	if (!err)
		err = pymem_read(m, keys + l->keys_nentries, &n, sizeof(n));
	if (err)
		return err;
	if (log2_size > 30 || log2_index > 32 || n < 0 || n > ((int64_t)1 << log2_size) ||
	    n > DICT_ENTRIES_MAX)
		return -EINVAL;
	k->general = kind == DICT_KEYS_GENERAL;
	k->esize = k->general ? 24 : 16;
	k->n = (size_t)n;
	k->entries = keys + l->keys_indices + ((uint64_t)1 << log2_index);
	return 0;
}

/* The items of a keys object, their values from values[] when it is not 0 (a split dict). */
static int keys_each(const struct gp_pymem *m, uint64_t keys, uint64_t values, gp_pydict_fn fn,
		     void *ctx)
{
	struct keys_hdr k;
	uint64_t *e = NULL, *vals = NULL, key, val;
	size_t i, words;
	int err = keys_read(m, keys, &k);

	if (err || !k.n)
		return err;
	words = k.esize / 8;
	e = malloc(k.n * k.esize);
	vals = values ? malloc(k.n * 8) : NULL;
	if (!e || (values && !vals))
		err = -ENOMEM;
	if (!err)
		err = pymem_read(m, k.entries, e, k.n * k.esize);
	if (!err && values)
		err = pymem_read(m, values, vals, k.n * 8);
	for (i = 0; !err && i < k.n; i++) {
		key = e[i * words + (k.general ? 1 : 0)];
		val = values ? vals[i] : e[i * words + (k.general ? 2 : 1)];
		if (key && val)
			err = fn(ctx, key, val);
	}
	free(e);
	free(vals);
	return err;
}

/* Where a values array's pointers start: 3.13 put a header before them. */
static uint64_t values_array(const struct gp_pymem *m, uint64_t values)
{
	return values + (m->l->attrs == GP_PYA_313 ? 8 : 0);
}

int pymem_dict_each(const struct gp_pymem *m, uint64_t dict, gp_pydict_fn fn, void *ctx)
{
	uint64_t keys, values;
	int err = type_is(m, dict, "dict");

	if (!err)
		err = pymem_ptr(m, dict + m->l->dict_keys, &keys);
	if (!err)
		err = pymem_ptr(m, dict + m->l->dict_values, &values);
	if (err)
		return err;
	return keys_each(m, keys, values ? values_array(m, values) : 0, fn, ctx);
}

struct str_find {
	const struct gp_pymem *m;
	const char *key;
	uint64_t value;
};

static int str_match(void *ctx, uint64_t key, uint64_t value)
{
	struct str_find *f = ctx;
	char name[128];

	if (pymem_str(f->m, key, name, sizeof(name)) || strcmp(name, f->key))
		return 0;
	f->value = value;
	return 1;
}

int pymem_dict_get(const struct gp_pymem *m, uint64_t dict, const char *key, uint64_t *value)
{
	struct str_find f = {m, key, 0};
	int err = pymem_dict_each(m, dict, str_match, &f);

	*value = f.value;
	return err < 0 ? err : 0;
}

/* The values of an instance without a dict: its class's shared keys and its values array. */
static int attrs_split(const struct gp_pymem *m, uint64_t type, uint64_t values, const char *key,
		       uint64_t *value)
{
	struct str_find f = {m, key, 0};
	uint64_t keys;
	int err = pymem_ptr(m, type + m->l->heaptype_cached_keys, &keys);

	if (!err)
		err = keys_each(m, keys, values, str_match, &f);
	*value = f.value;
	return err < 0 ? err : 0;
}

/* 3.13: no dict yet, the values inline after the object (valid unless a dict took them). */
static int attrs_inline(const struct gp_pymem *m, uint64_t obj, uint64_t type, const char *key,
			uint64_t *value)
{
	int64_t basic;
	uint8_t hdr[4];
	int err = pymem_read(m, type + m->l->type_basicsize, &basic, sizeof(basic));

	if (!err && (basic <= 0 || basic > 4096))
		err = -EINVAL;
	if (!err)
		err = pymem_read(m, obj + (uint64_t)basic, hdr, sizeof(hdr));
	if (err)
		return err;
	if (!hdr[3])
		return -ENOENT;
	return attrs_split(m, type, values_array(m, obj + (uint64_t)basic), key, value);
}

int pymem_attr_get(const struct gp_pymem *m, uint64_t obj, const char *key, uint64_t *value)
{
	uint64_t type, flags, dv, values = 0;
	int err = pymem_ptr(m, obj + OB_TYPE, &type);

	*value = 0;
	if (!err)
		err = pymem_ptr(m, type + m->l->type_flags, &flags);
	if (!err)
		err = pymem_ptr(m, obj - MANAGED_DICT_OFF, &dv);
	if (err)
		return err;
	if (!(flags & TPFLAGS_MANAGED_DICT))
		return -ENOTSUP;
	switch (m->l->attrs) {
	case GP_PYA_311:
		err = pymem_ptr(m, obj - VALUES_311_OFF, &values);
		if (!err && values)
			return attrs_split(m, type, values, key, value);
		break;
	case GP_PYA_312:
		/* values are stored as their address - 1 (odd, as no dict's is) */
		if (dv & 1)
			return attrs_split(m, type, dv + 1, key, value);
		break;
	case GP_PYA_313:
		if (!dv && flags & TPFLAGS_INLINE_VALUES)
			return attrs_inline(m, obj, type, key, value);
		break;
	}
	if (err)
		return err;
	return dv ? pymem_dict_get(m, dv, key, value) : -ENOENT;
}
