// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "collect/slots.h"

_Static_assert(sizeof(struct gp_ev_switch) <= GP_SLOT_SIZE, "a switch record fits a slot");
_Static_assert(sizeof(struct gp_ev_futex_enter) <= GP_SLOT_SIZE, "a futex record fits a slot");
_Static_assert(sizeof(struct gp_slot_ctl) == 128, "head and tail on cache lines of their own");

struct gp_slots {
	struct gp_slot_ctl *ctl;
	struct gp_slot *ring;
	size_t ctl_len, ring_len;
	unsigned ncpus, shift;
	gp_ringbuf_fn fn;
	void *ctx;
};

long slots_drain(struct gp_slot_ctl *ctl, const struct gp_slot *ring, unsigned shift,
		 gp_ringbuf_fn fn, void *ctx, uint64_t *skipped)
{
	uint64_t tail = __atomic_load_n(&ctl->tail, __ATOMIC_RELAXED);
	uint64_t head = __atomic_load_n(&ctl->head, __ATOMIC_ACQUIRE);
	uint64_t mask = (1ULL << shift) - 1;
	long n = 0;
	int err = 0;

	/* a head behind the tail or over a ring ahead is not a ring we can read: start afresh,
	 * counting what the producer says it published (or, behind the tail, the break itself) */
	if (head - tail > mask + 1) {
		*skipped += head > tail ? head - tail : 1;
		tail = head;
	}
	while (tail != head && !err) {
		err = fn(ctx, (void *)&ring[tail & mask], GP_SLOT_SIZE);
		tail++;
		n++;
	}
	/* the producer reads the tail only to see how full the ring is: once per drain */
	__atomic_store_n(&ctl->tail, tail, __ATOMIC_RELEASE);
	__atomic_store_n(&ctl->nudged, 0, __ATOMIC_RELAXED);
	return err ? err : n;
}

static size_t page_round(size_t len)
{
	size_t page = sysconf(_SC_PAGESIZE);

	return (len + page - 1) / page * page;
}

int slots_open(int slots_fd, int ctl_fd, unsigned ncpus, unsigned shift, gp_ringbuf_fn fn,
	       void *ctx, struct gp_slots **out)
{
	struct gp_slots *s = calloc(1, sizeof(*s));
	void *p;
	int err;

	if (!s)
		return -ENOMEM;
	s->ncpus = ncpus;
	s->shift = shift;
	s->fn = fn;
	s->ctx = ctx;
	s->ctl_len = page_round((size_t)ncpus * sizeof(struct gp_slot_ctl));
	s->ring_len = page_round(((size_t)ncpus << shift) * sizeof(struct gp_slot));
	p = mmap(NULL, s->ctl_len, PROT_READ | PROT_WRITE, MAP_SHARED, ctl_fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	s->ctl = p;
	p = mmap(NULL, s->ring_len, PROT_READ, MAP_SHARED, slots_fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	s->ring = p;
	madvise(p, s->ring_len, MADV_DONTFORK); /* see ringbuf.c: nothing forked needs them */
	*out = s;
	return 0;
fail:
	slots_close(s);
	return err;
}

long slots_consume(struct gp_slots *s, uint64_t *skipped)
{
	long total = 0, n;
	unsigned cpu;

	for (cpu = 0; cpu < s->ncpus; cpu++) {
		n = slots_drain(&s->ctl[cpu], s->ring + ((size_t)cpu << s->shift), s->shift, s->fn,
				s->ctx, skipped);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

void slots_close(struct gp_slots *s)
{
	if (!s)
		return;
	if (s->ctl)
		munmap(s->ctl, s->ctl_len);
	if (s->ring)
		munmap(s->ring, s->ring_len);
	free(s);
}
