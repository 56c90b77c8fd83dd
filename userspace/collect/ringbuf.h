/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A BPF ring buffer consumer that publishes its position once per batch. libbpf's consumer
 * stores the consumer position after every record; the producer reads that position on every
 * reservation, so at hundreds of thousands of events a second the cache line holding it moves
 * between the tracing CPU and ours for every event.
 */
#ifndef GP_RINGBUF_H
#define GP_RINGBUF_H

#include <stdbool.h>
#include <stddef.h>

/* Called for each record; non-zero stops consuming and is returned. */
typedef int (*gp_ringbuf_fn)(void *ctx, void *data, size_t len);

struct gp_ringbuf;

int ringbuf_open(int map_fd, gp_ringbuf_fn fn, void *ctx, struct gp_ringbuf **out);
void ringbuf_close(struct gp_ringbuf *rb);
/* Consume everything committed so far. Returns the number of records, or an error. */
long ringbuf_consume(struct gp_ringbuf *rb);
/* Records published or reserved that ringbuf_consume() has not read (a reserved one stops it). */
bool ringbuf_unread(const struct gp_ringbuf *rb);
/* Wait up to timeout_ms for a wakeup (or a signal). Returns 0 or an error. */
int ringbuf_wait(struct gp_ringbuf *rb, int timeout_ms);
/* Also end a ringbuf_wait, once, when fd polls readable (a pidfd: the process ended). 0 or
 * -errno. */
int ringbuf_watch(struct gp_ringbuf *rb, int fd);

#endif
