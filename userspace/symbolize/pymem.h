/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading CPython objects out of another process's memory with a pylayout: strings, bytes, small
 * ints, type names, dicts, instance attributes. Every read goes through a reader callback (a
 * process's memory by process_vm_readv, or a test's buffer), checks what it reads (the object's
 * type by name, sizes against bounds) and fails rather than trust a pointer: the objects may be
 * freed or changed while they are read.
 */
#ifndef GP_PYMEM_H
#define GP_PYMEM_H

#include <stddef.h>
#include <stdint.h>
#include "symbolize/pylayout.h"

struct gp_pymem {
	/* len bytes at addr into buf, all or nothing: 0 or -errno */
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	void *ctx;
	const struct gp_pylayout *l;
};

int pymem_read(const struct gp_pymem *m, uint64_t addr, void *buf, size_t len);
int pymem_ptr(const struct gp_pymem *m, uint64_t addr, uint64_t *v);
/* The tp_name of obj's type ("code", "str", "dict", "threading.Thread" is "Thread"). */
int pymem_type_name(const struct gp_pymem *m, uint64_t obj, char *buf, size_t len);
/* A str as UTF-8, cut to len - 1 bytes: 0, or -EINVAL for anything but a compact str. */
int pymem_str(const struct gp_pymem *m, uint64_t obj, char *buf, size_t len);
/* A bytes object's contents into a malloc'd buffer of at most max bytes: 0, -EINVAL, -E2BIG. */
int pymem_bytes(const struct gp_pymem *m, uint64_t obj, size_t max, uint8_t **data, size_t *len);
/* An int of at most two 30-bit digits. */
int pymem_long(const struct gp_pymem *m, uint64_t obj, int64_t *v);

/* Called for each (key, value) of a dict; non-zero stops the walk and is returned. */
typedef int (*gp_pydict_fn)(void *ctx, uint64_t key, uint64_t value);
/* Every item of a dict object. 0, the callback's value, or -errno. */
int pymem_dict_each(const struct gp_pymem *m, uint64_t dict, gp_pydict_fn fn, void *ctx);
/* The value of a str key of a dict (0 when absent): 0 or -errno. */
int pymem_dict_get(const struct gp_pymem *m, uint64_t dict, const char *key, uint64_t *value);
/* The value of an attribute of an instance of a Python class (its managed dict or values). */
int pymem_attr_get(const struct gp_pymem *m, uint64_t obj, const char *key, uint64_t *value);

#endif
