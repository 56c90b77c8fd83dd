// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include "model/model.h"
#include "model/timeline.h"
#include "util/vec.h"

int timeline_push(struct gp_timeline *tl, uint64_t ts, unsigned bucket, int cpu)
{
	struct gp_seg *last = timeline_last(tl);

	if (last && ts < last->ts)
		ts = last->ts; /* out-of-order events are clamped, as the buckets clamp them */
	/* a zero-length segment says nothing, but for a futex wait woken before it blocked:
	 * that is still a wait, for acquisitions and hand-offs */
	if (!last || ts > last->ts || last->bucket == GP_B_FUTEX) {
		if (vec_reserve((void **)&tl->v, &tl->cap, tl->n, sizeof(*tl->v), 64))
			return -ENOMEM;
		last = &tl->v[tl->n++];
	}
	*last = (struct gp_seg){.ts = ts, .bucket = bucket, .cpu = cpu > 0 ? cpu : 0};
	return 0;
}

void timeline_free(struct gp_timeline *tl)
{
	free(tl->v);
	tl->v = NULL;
	tl->n = tl->cap = 0;
}
