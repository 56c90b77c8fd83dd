// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "export/escape.h"

size_t esc_utf8_next(const unsigned char *s, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	for (i = 1; i < n; i++) {
		/* a cut sequence: the bytes so far are one bad character, the next starts anew */
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return i;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
		c = 0xfffd;
	*cp = c;
	return n;
}

/* One code point of a JSON string into out (12 bytes at most): its length. */
static size_t esc_json_char(char *out, uint32_t cp, const unsigned char *u, size_t len,
			    bool script_safe)
{
	if (cp == '"' || cp == '\\')
		return (size_t)sprintf(out, "\\%c", (char)cp);
	if (cp == '\n')
		return (size_t)sprintf(out, "\\n");
	if (cp == '\t')
		return (size_t)sprintf(out, "\\t");
	/* "</script" or "<!--" would end or upset the <script> element the JSON is in; U+2028 and
	 * U+2029 are line ends to older JavaScript parsers */
	if (cp < 0x20 || cp == 0x7f || cp == 0xfffd || cp == 0x2028 || cp == 0x2029 ||
	    (script_safe && cp == '<' && (u[1] == '/' || u[1] == '!')))
		return (size_t)sprintf(out, "\\u%04x", cp);
	memcpy(out, u, len);
	return len;
}

void esc_json(FILE *f, const char *s, bool script_safe)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	char out[16];
	uint32_t cp;
	size_t len;

	fputc('"', f);
	for (; *u; u += len) {
		len = esc_utf8_next(u, &cp);
		fwrite(out, 1, esc_json_char(out, cp, u, len, script_safe), f);
	}
	fputc('"', f);
}

void esc_json_gz(struct gz_writer *w, const char *s)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	char out[16];
	uint32_t cp;
	size_t len;

	gzwriter_putc(w, '"');
	for (; *u; u += len) {
		len = esc_utf8_next(u, &cp);
		gzwriter_write(w, out, esc_json_char(out, cp, u, len, false));
	}
	gzwriter_putc(w, '"');
}

void esc_html(FILE *f, const char *s)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	uint32_t cp;
	size_t len;

	for (; *u; u += len) {
		len = esc_utf8_next(u, &cp);
		if (cp == '&')
			fputs("&amp;", f);
		else if (cp == '<')
			fputs("&lt;", f);
		else if (cp == '>')
			fputs("&gt;", f);
		else if (cp == '"')
			fputs("&quot;", f);
		else if (cp == '\'')
			fputs("&#39;", f);
		else if ((cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7f || cp == 0xfffd)
			fprintf(f, "&#x%x;", cp < 0x20 || cp == 0x7f ? 0xfffd : cp);
		else
			fwrite(u, 1, len, f);
	}
}
