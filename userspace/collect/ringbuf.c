// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include "collect/ringbuf.h"

struct gp_ringbuf {
	int map_fd, epfd;
	size_t page, size; /* data area size, a power of two */
	unsigned long *consumer_pos; /* our page, read-write */
	unsigned long *producer_pos; /* the kernel's page, read-only; the data follows it */
	unsigned char *data; /* mapped twice in a row, so a record never wraps */
	gp_ringbuf_fn fn;
	void *ctx;
};

int ringbuf_open(int map_fd, gp_ringbuf_fn fn, void *ctx, struct gp_ringbuf **out)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);
	struct epoll_event ev = {.events = EPOLLIN};
	struct gp_ringbuf *rb = calloc(1, sizeof(*rb));
	void *p;
	int err;

	if (!rb)
		return -ENOMEM;
	rb->map_fd = map_fd;
	rb->fn = fn;
	rb->ctx = ctx;
	rb->page = sysconf(_SC_PAGESIZE);
	rb->epfd = -1;
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len)) {
		err = -errno;
		goto fail;
	}
	rb->size = info.max_entries;
	p = mmap(NULL, rb->page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	rb->consumer_pos = p;
	p = mmap(NULL, rb->page + 2 * rb->size, PROT_READ, MAP_SHARED, map_fd, rb->page);
	if (p == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	rb->producer_pos = p;
	rb->data = (unsigned char *)p + rb->page;
	/* the command and the guardian are forked after this: copying up to 2 GiB of page tables
	 * into each, and freeing them again, took seconds with --buffer-mb 1024 */
	madvise(p, rb->page + 2 * rb->size, MADV_DONTFORK);
	rb->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (rb->epfd < 0 || epoll_ctl(rb->epfd, EPOLL_CTL_ADD, map_fd, &ev)) {
		err = -errno;
		goto fail;
	}
	*out = rb;
	return 0;
fail:
	ringbuf_close(rb);
	return err;
}

void ringbuf_close(struct gp_ringbuf *rb)
{
	if (!rb)
		return;
	if (rb->consumer_pos)
		munmap(rb->consumer_pos, rb->page);
	if (rb->producer_pos)
		munmap(rb->producer_pos, rb->page + 2 * rb->size);
	if (rb->epfd >= 0)
		close(rb->epfd);
	free(rb);
}

long ringbuf_consume(struct gp_ringbuf *rb)
{
	unsigned long cons = __atomic_load_n(rb->consumer_pos, __ATOMIC_ACQUIRE), prod;
	long n = 0;
	int err = 0;

	for (;;) {
		unsigned long start = cons;

		prod = __atomic_load_n(rb->producer_pos, __ATOMIC_ACQUIRE);
		while (cons < prod && !err) {
			uint32_t *hdr = (uint32_t *)(rb->data + (cons & (rb->size - 1)));
			uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

			if (len & BPF_RINGBUF_BUSY_BIT)
				break; /* reserved, not yet committed: records after it wait too */
			cons += ((len & ~BPF_RINGBUF_DISCARD_BIT) + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				n++;
				err = rb->fn(rb->ctx, hdr + 2, len & ~BPF_RINGBUF_DISCARD_BIT);
			}
		}
		/* once per pass: this store is what the producers read on every reservation */
		__atomic_store_n(rb->consumer_pos, cons, __ATOMIC_RELEASE);
		if (err)
			return err;
		if (cons == start)
			return n;
	}
}

bool ringbuf_unread(const struct gp_ringbuf *rb)
{
	return __atomic_load_n(rb->consumer_pos, __ATOMIC_ACQUIRE) <
	       __atomic_load_n(rb->producer_pos, __ATOMIC_ACQUIRE);
}

int ringbuf_wait(struct gp_ringbuf *rb, int timeout_ms)
{
	struct epoll_event ev;

	if (epoll_wait(rb->epfd, &ev, 1, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

int ringbuf_watch(struct gp_ringbuf *rb, int fd)
{
	/* once: an ended process's pidfd stays readable, and others may still run */
	struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT};

	return epoll_ctl(rb->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}
