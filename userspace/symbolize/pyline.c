// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include "symbolize/pyline.h"

#define CODE_NO_COLUMNS 13
#define CODE_LONG 14
#define CODE_NONE 15
#define CODE_ONE_LINE0 10
#define CODE_ONE_LINE2 12
#define CODE_UNIT 2 /* sizeof(_Py_CODEUNIT) */

struct lt_cursor {
	const uint8_t *p;
	size_t len, pos;
};

/* An unsigned varint at the cursor; false when the table ends inside it. */
static bool lt_varint(struct lt_cursor *c, uint32_t *v)
{
	unsigned shift = 0;
	uint8_t b;

	*v = 0;
	do {
		if (c->pos >= c->len || shift > 30)
			return false;
		b = c->p[c->pos++];
		*v |= (uint32_t)(b & 63) << shift;
		shift += 6;
	} while (b & 64);
	return true;
}

static bool lt_svarint(struct lt_cursor *c, int *v)
{
	uint32_t u;

	if (!lt_varint(c, &u))
		return false;
	*v = u & 1 ? -(int)(u >> 1) : (int)(u >> 1);
	return true;
}

/* Skip n bytes of column data; false past the end. */
static bool lt_skip(struct lt_cursor *c, size_t n)
{
	if (c->len - c->pos < n)
		return false;
	c->pos += n;
	return true;
}

/* The line change of the entry whose header is code, its operands consumed. */
static bool lt_entry_delta(struct lt_cursor *c, unsigned code, int *delta)
{
	uint32_t skip;

	*delta = 0;
	if (code == CODE_NONE)
		return true;
	if (code == CODE_NO_COLUMNS)
		return lt_svarint(c, delta);
	if (code == CODE_LONG)
		return lt_svarint(c, delta) && lt_varint(c, &skip) && lt_varint(c, &skip) &&
		       lt_varint(c, &skip);
	if (code >= CODE_ONE_LINE0 && code <= CODE_ONE_LINE2) {
		*delta = (int)(code - CODE_ONE_LINE0);
		return lt_skip(c, 2);
	}
	return lt_skip(c, 1); /* short form: one column byte */
}

int pyline_addr2line(const uint8_t *table, size_t len, int firstlineno, uint32_t off)
{
	struct lt_cursor c = {table, len, 0};
	uint64_t end = 0;
	int line = firstlineno, delta;

	while (c.pos < c.len) {
		uint8_t h = c.p[c.pos++];
		unsigned code = (h >> 3) & 15;

		if (!(h & 0x80) || !lt_entry_delta(&c, code, &delta))
			return -2;
		line += delta;
		end += ((h & 7) + 1) * CODE_UNIT;
		if (off < end)
			return code == CODE_NONE ? -1 : line;
	}
	return -2;
}
