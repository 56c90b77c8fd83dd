// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include "util/bytes.h"

void *bytes_extend(struct gp_bytes *b, size_t n)
{
	void *at;

	if (b->oom)
		return NULL;
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 4096;
		unsigned char *p;

		while (cap - b->len < n) {
			if (cap > SIZE_MAX / 2) {
				b->oom = true;
				return NULL;
			}
			cap *= 2;
		}
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	at = b->p + b->len;
	b->len += n;
	return at;
}

void bytes_put(struct gp_bytes *b, const void *data, size_t n)
{
	void *at = bytes_extend(b, n);

	if (at && n)
		memcpy(at, data, n);
}

void bytes_u32(struct gp_bytes *b, uint32_t v)
{
	bytes_put(b, &v, sizeof(v)); /* little-endian hosts only: see stream/recfmt.h */
}

void bytes_u64(struct gp_bytes *b, uint64_t v)
{
	bytes_put(b, &v, sizeof(v));
}

void bytes_str(struct gp_bytes *b, const char *s)
{
	size_t n = strlen(s);

	bytes_u32(b, (uint32_t)n);
	bytes_put(b, s, n);
}

void bytes_reset(struct gp_bytes *b)
{
	b->len = 0;
	b->oom = false;
}

void bytes_free(struct gp_bytes *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

const void *cursor_take(struct gp_cursor *c, size_t n)
{
	const void *at;

	if (c->bad || n > c->len - c->off) {
		c->bad = true;
		return NULL;
	}
	at = c->p + c->off;
	c->off += n;
	return at;
}

uint32_t cursor_u32(struct gp_cursor *c)
{
	const void *at = cursor_take(c, 4);
	uint32_t v = 0;

	if (at)
		memcpy(&v, at, 4);
	return v;
}

uint64_t cursor_u64(struct gp_cursor *c)
{
	const void *at = cursor_take(c, 8);
	uint64_t v = 0;

	if (at)
		memcpy(&v, at, 8);
	return v;
}

void cursor_str(struct gp_cursor *c, char *buf, size_t max)
{
	uint32_t n = cursor_u32(c);
	const char *s;

	buf[0] = 0;
	if (n >= max) {
		c->bad = true;
		return;
	}
	s = cursor_take(c, n);
	if (!s)
		return;
	if (memchr(s, 0, n)) {
		c->bad = true;
		return;
	}
	memcpy(buf, s, n);
	buf[n] = 0;
}
