/* SPDX-License-Identifier: GPL-2.0 */
/* Growable arrays: the one place that doubles a buffer when it is full. */
#ifndef GP_VEC_H
#define GP_VEC_H

#include <stddef.h>

/*
 * Make room for element number len in *v (elements of elem bytes, *cap of them allocated),
 * doubling it, or allocating first elements when empty. Returns 0 or -ENOMEM (*v untouched).
 */
int vec_reserve(void **v, size_t *cap, size_t len, size_t elem, size_t first);

#endif
