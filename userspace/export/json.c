// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include "export/json.h"

void json_init(struct gp_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->pending_key = false;
}

/* Separator before a value or key at the current level. */
static void json_sep(struct gp_json *j)
{
	if (j->pending_key) {
		j->pending_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
}

static void json_open(struct gp_json *j, char c)
{
	json_sep(j);
	fputc(c, j->f);
	if (j->depth < GP_JSON_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct gp_json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void json_obj_begin(struct gp_json *j)
{
	json_open(j, '{');
}

void json_obj_end(struct gp_json *j)
{
	json_close(j, '}');
}

void json_arr_begin(struct gp_json *j)
{
	json_open(j, '[');
}

void json_arr_end(struct gp_json *j)
{
	json_close(j, ']');
}

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), 0 when the byte at s does not start one.
 */
static size_t json_utf8_len(const unsigned char *s)
{
	uint32_t cp, min;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	return cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0 : n;
}

/*
 * Comms, paths and symbols are bytes from the traced program, not always UTF-8, and JSON text
 * must be: a byte that is not part of a well-formed sequence is written as the four characters
 * \xHH (JSON "\\xff"), which says which byte it was where U+FFFD would not.
 */
static void json_escaped(FILE *f, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;

	fputc('"', f);
	for (; u && *u; u++) {
		unsigned char c = *u;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else if (c < 0x80)
			fputc(c, f);
		else if ((n = json_utf8_len(u))) {
			fwrite(u, 1, n, f);
			u += n - 1;
		} else {
			fprintf(f, "\\\\x%02x", c);
		}
	}
	fputc('"', f);
}

void json_key(struct gp_json *j, const char *key)
{
	json_sep(j);
	json_escaped(j->f, key);
	fputc(':', j->f);
	j->pending_key = true;
}

void json_str(struct gp_json *j, const char *s)
{
	json_sep(j);
	json_escaped(j->f, s);
}

void json_u64(struct gp_json *j, uint64_t v)
{
	json_sep(j);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_i64(struct gp_json *j, int64_t v)
{
	json_sep(j);
	fprintf(j->f, "%lld", (long long)v);
}

void json_double(struct gp_json *j, double v)
{
	json_sep(j);
	if (isfinite(v))
		fprintf(j->f, "%.6g", v);
	else
		fputs("null", j->f);
}

void json_bool(struct gp_json *j, bool v)
{
	json_sep(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct gp_json *j)
{
	json_sep(j);
	fputs("null", j->f);
}

void json_kstr(struct gp_json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_ku64(struct gp_json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_u64(j, v);
}

void json_ki64(struct gp_json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_i64(j, v);
}

void json_kdouble(struct gp_json *j, const char *key, double v)
{
	json_key(j, key);
	json_double(j, v);
}

void json_kbool(struct gp_json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}
