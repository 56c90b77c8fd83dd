/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Little-endian binary encoding into a growable buffer, and decoding from a bounded cursor that
 * never reads past its end: a failed read sets the cursor's error and yields zeros, so a decoder
 * reads on and checks once (the recording format is built from these).
 */
#ifndef GP_BYTES_H
#define GP_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct gp_bytes {
	unsigned char *p;
	size_t len, cap;
	bool oom; /* an append failed: the buffer is incomplete */
};

struct gp_cursor {
	const unsigned char *p;
	size_t len, off;
	bool bad; /* a read went past the end, or a value was out of range */
};

/* Room for n more bytes: a pointer to them (len grows by n), or NULL with oom set. */
void *bytes_extend(struct gp_bytes *b, size_t n);
void bytes_put(struct gp_bytes *b, const void *data, size_t n);
void bytes_u32(struct gp_bytes *b, uint32_t v);
void bytes_u64(struct gp_bytes *b, uint64_t v);
/* A string as a u32 length and its bytes. */
void bytes_str(struct gp_bytes *b, const char *s);
void bytes_reset(struct gp_bytes *b);
void bytes_free(struct gp_bytes *b);

static inline void cursor_init(struct gp_cursor *c, const void *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->off = 0;
	c->bad = false;
}

/* n bytes at the cursor, or NULL (and bad) when fewer are left. */
const void *cursor_take(struct gp_cursor *c, size_t n);
uint32_t cursor_u32(struct gp_cursor *c);
uint64_t cursor_u64(struct gp_cursor *c);
/* A string of at most max - 1 bytes without NULs, copied into buf[max]. */
void cursor_str(struct gp_cursor *c, char *buf, size_t max);
static inline size_t cursor_left(const struct gp_cursor *c)
{
	return c->len - c->off;
}

#endif
