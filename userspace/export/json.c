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

static void json_escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
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
