// SPDX-License-Identifier: GPL-2.0
/*
 * The location table decoder against the pythons' own answer: each table below is the
 * co_linetable of a function as 3.11.7, 3.12.1 and 3.13.0 (pyenv) compiled it, and lines is
 * [p[0] for p in co.co_positions()] (None as -1), one per 2-byte code unit. Made by:
 *
 *   def sample(n):            # line 2 of the file
 *       total = 0
 *       while n > 0:
 *           if n % 3 == 0:
 *               total += n
 *           n -= 1
 *       <3 empty lines>
 *       return (total +
 *               1)
 *
 *   def gen(xs):              # line 1 of another file
 *       for x in xs:
 *           try:
 *               yield x
 *           except ValueError:
 *               pass
 *
 *   print(co.co_firstlineno, co.co_linetable.hex(), [p[0] for p in co.co_positions()])
 * Debian's python3.11 (3.11.2) gives 3.11.7's bytes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/pyline.h"

struct lt_case {
	const char *what, *hex;
	int firstlineno;
	const char *lines;
};

static const struct lt_case cases[] = {
	{"3.11 sample",
	 "8000d80c0d8045d80a0b88618a258825d80b0c8871893590418a3a883ad80c119051894a8845d80809885189"
	 "068801f007000b0c88618a258825f00e000d12d80c0df103010d0ef00001050f",
	 2, "2,3,3,4,4,4,4,4,4,5,5,5,5,5,5,5,5,5,6,6,6,6,6,7,7,7,7,7,4,4,4,4,4,4,11,12,11,11,11"},
	{"3.12 sample",
	 "8000d80c0d8045d80a0b88618a25d80b0c8871893590418a3ad80c119051894a8845d80809885189068801f0"
	 "07000b0c88618b25f00e000d12d80c0df103010d0ef00001050f",
	 2, "2,3,3,4,4,4,4,4,5,5,5,5,5,5,5,5,6,6,6,6,6,7,7,7,7,7,4,4,4,4,4,4,11,12,11,11,11"},
	{"3.13 sample",
	 "8000d80c0d8045d80a0b88618b25d80b0c8871893590418b3ad80c11894a8845d80809885189068801f00700"
	 "0b0c88618d25f00e000d12d80c0df103010d0ef00001050f",
	 2, "2,3,3,4,4,4,4,4,4,5,5,5,5,5,5,5,5,5,6,6,6,6,7,7,7,7,7,4,4,4,4,4,4,4,4,11,12,11,11,11"},
	{"3.11 gen",
	 "e800e8008000d80d0ff000040511f0000405118801f002030911d812138847884788478847f8dd0f19f00001"
	 "0911f000010911f000010911d80c108844f003010911f8f8f8f007040511f000040511",
	 1, "1,1,1,2,2,2,2,3,4,4,4,4,4,-1,5,5,5,5,5,5,5,5,5,6,6,5,-1,-1,-1,2,2"},
	{"3.12 gen",
	 "e800f88000d80d0ff2000405118801f002030911d812138b47f105040511f8f40600101af200010911d90c10"
	 "f003010911fc",
	 1, "1,-1,1,2,2,2,2,2,3,4,4,4,4,4,2,2,-1,5,5,5,5,5,5,5,5,6,6,5,-1,-1,-1,-1,-1"},
	{"3.13 gen",
	 "e9008000db0d0f8801f002030911d812138c47f205000e10f8f40600101af300010911da0c10f003010911fc",
	 1, "1,1,1,2,2,2,2,2,3,4,4,4,4,4,4,2,2,2,-1,5,5,5,5,5,5,5,5,5,6,6,6,5,-1,-1,-1,-1,-1"},
};

static size_t hex_decode(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned b;

	while (hex[0] && hex[1] && n < max && sscanf(hex, "%2x", &b) == 1) {
		out[n++] = (uint8_t)b;
		hex += 2;
	}
	return n;
}

/* Every code unit, each byte of it, and the first offset past the table. */
static void case_check(const struct lt_case *c)
{
	uint8_t table[256];
	size_t len = hex_decode(c->hex, table, sizeof(table));
	const char *p = c->lines;
	uint32_t unit = 0;
	char *end;

	while (*p) {
		long want = strtol(p, &end, 10);

		cr_assert_eq(pyline_addr2line(table, len, c->firstlineno, unit * 2), want,
			     "%s: code unit %u", c->what, unit);
		cr_assert_eq(pyline_addr2line(table, len, c->firstlineno, unit * 2 + 1), want);
		unit++;
		p = *end ? end + 1 : end;
	}
	cr_assert_eq(pyline_addr2line(table, len, c->firstlineno, unit * 2), -2,
		     "%s: past the table", c->what);
}

Test(pyline, versions)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		case_check(&cases[i]);
}

Test(pyline, malformed)
{
	/* an entry without its top bit, a varint cut short, columns cut short */
	static const uint8_t no_top[] = {0x00, 0x01};
	static const uint8_t cut_varint[] = {0xe8, 0x40};
	static const uint8_t cut_cols[] = {0xd0};
	static const uint8_t long_varint[] = {0xe8, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x01};

	cr_assert_eq(pyline_addr2line(no_top, sizeof(no_top), 1, 0), -2);
	cr_assert_eq(pyline_addr2line(cut_varint, sizeof(cut_varint), 1, 0), -2);
	cr_assert_eq(pyline_addr2line(cut_cols, sizeof(cut_cols), 1, 0), -2);
	cr_assert_eq(pyline_addr2line(long_varint, sizeof(long_varint), 1, 0), -2);
	cr_assert_eq(pyline_addr2line(NULL, 0, 1, 0), -2);
}
