// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "collect/evsort.h"

/* Merge the sorted runs src[lo, mid) and src[mid, hi) into dst[lo, hi), left first on ties. */
static void merge(const union gp_event *src, union gp_event *dst, size_t lo, size_t mid, size_t hi)
{
	size_t i = lo, j = mid, k = lo;

	while (i < mid && j < hi)
		dst[k++] = event_before(&src[j], &src[i]) ? src[j++] : src[i++];
	memcpy(&dst[k], &src[i], (mid - i) * sizeof(*src));
	k += mid - i;
	memcpy(&dst[k], &src[j], (hi - j) * sizeof(*src));
}

/* The end of the ascending run starting at from. */
static size_t run_end(const union gp_event *ev, size_t from, size_t n)
{
	size_t i = from + 1;

	while (i < n && !event_before(&ev[i], &ev[i - 1]))
		i++;
	return i;
}

/*
 * Natural merge sort: the input is a few long runs (one per source), so merge neighbouring runs
 * pass after pass until one is left.
 */
int events_sort(union gp_event *ev, size_t n)
{
	union gp_event *tmp, *src = ev, *dst;
	size_t *bounds, nb = 0, i;

	if (n < 2 || run_end(ev, 0, n) == n)
		return 0;
	tmp = malloc(n * sizeof(*tmp));
	bounds = malloc((n + 1) * sizeof(*bounds));
	if (!tmp || !bounds) {
		free(tmp);
		free(bounds);
		return -ENOMEM;
	}
	for (i = 0; i < n; i = run_end(ev, i, n))
		bounds[nb++] = i;
	bounds[nb] = n;
	dst = tmp;
	while (nb > 1) {
		size_t out = 0;

		for (i = 0; i < nb; i += 2) {
			if (i + 1 < nb)
				merge(src, dst, bounds[i], bounds[i + 1], bounds[i + 2]);
			else
				memcpy(&dst[bounds[i]], &src[bounds[i]],
				       (bounds[i + 1] - bounds[i]) * sizeof(*src));
			bounds[out++] = bounds[i];
		}
		bounds[out] = n;
		nb = out;
		src = dst;
		dst = src == ev ? tmp : ev;
	}
	if (src != ev)
		memcpy(ev, src, n * sizeof(*ev));
	free(tmp);
	free(bounds);
	return 0;
}
