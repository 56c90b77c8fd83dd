// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "util/vec.h"

int vec_reserve(void **v, size_t *cap, size_t len, size_t elem, size_t first)
{
	size_t ncap;
	void *n;

	if (len < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : first;
	if (ncap <= len || ncap > SIZE_MAX / elem)
		return -ENOMEM;
	n = realloc(*v, ncap * elem);
	if (!n)
		return -ENOMEM;
	*v = n;
	*cap = ncap;
	return 0;
}
