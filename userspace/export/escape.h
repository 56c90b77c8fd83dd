/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Strings from the trace (comm, paths, symbol names: any bytes) written into JSON and HTML so
 * that the file stays valid whatever they hold: invalid UTF-8 becomes U+FFFD, control characters
 * and markup are escaped.
 *
 *   esc_json:  "a\"b\u0001\ufffd"        (with script_safe, the "<" of "</" and "<!" as \u003c
 *                                           too, so that JSON inside a <script> cannot end it)
 *   esc_html:  a&quot;b&lt;&#xfffd;
 */
#ifndef GP_ESCAPE_H
#define GP_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "util/gzfile.h"

/* One code point of s (NUL-terminated): its length in bytes (at least 1); *cp is U+FFFD for a
 * byte that does not start a valid sequence, a surrogate or a non-character. */
size_t esc_utf8_next(const unsigned char *s, uint32_t *cp);
/* s as a JSON string, quotes included. */
void esc_json(FILE *f, const char *s, bool script_safe);
void esc_json_gz(struct gz_writer *w, const char *s);
/* s as HTML text or a quoted attribute value. */
void esc_html(FILE *f, const char *s);

#endif
