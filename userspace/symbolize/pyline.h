/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPython's location table (co_linetable, 3.11 and later; Objects/locations.md): the source line
 * of an instruction of a code object, as PyCode_Addr2Line() computes it.
 *
 * The table is a run of entries, each covering 1 to 8 code units (2-byte instructions and their
 * inline caches). An entry's first byte has its top bit set, a 4-bit code and the length - 1:
 *   codes 0-9    short form: same line, a column byte follows
 *   codes 10-12  one-line form: line + (code - 10), two column bytes follow
 *   code 13      no columns: line + a signed varint
 *   code 14      long form: line + a signed varint, then end line, column, end column varints
 *   code 15      no location: the instruction has no line (-1)
 * Varints are 6-bit groups, least significant first, 0x40 marking that another follows; a signed
 * varint holds (v << 1) for v >= 0 and ((-v) << 1) | 1 for v < 0. Lines start at co_firstlineno.
 */
#ifndef GP_PYLINE_H
#define GP_PYLINE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The line of the instruction at byte offset off from the code's first instruction, given the
 * table's len bytes and co_firstlineno. Returns the line, -1 when the instruction has no line,
 * or -2 when the table ends before off or is malformed.
 */
int pyline_addr2line(const uint8_t *table, size_t len, int firstlineno, uint32_t off);

#endif
