// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/ksyms.h"
#include "symbolize/procmaps.h"

/* "ADDR TYPE NAME[\t[MODULE]]" over [line, eol), split in place. */
static int line_parse(char *line, char *eol, struct gp_ksym *k)
{
	char *p = line, *end;

	if (!isxdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	k->addr = strtoull(p, &end, 16);
	if (errno || end - p > 16 || *end != ' ')
		return -EINVAL;
	p = end + 1;
	if (!isalpha((unsigned char)p[0]) || p[1] != ' ')
		return -EINVAL;
	k->type = p[0];
	k->name = p + 2;
	k->module = NULL;
	for (end = p + 2; end < eol && *end != '\t'; end++)
		;
	if (end == k->name)
		return -EINVAL;
	if (end < eol) {
		*end = '\0';
		p = end + 1;
		if (eol - p < 3 || p[0] != '[' || eol[-1] != ']')
			return -EINVAL;
		eol[-1] = '\0';
		k->module = p + 1;
	}
	*eol = '\0';
	return 0;
}

/* Absolute and undefined symbols carry no kernel address; all of them read 0 when hidden. */
static bool ksym_useful(const struct gp_ksym *k)
{
	return k->addr && k->type != 'a' && k->type != 'A' && k->type != 'U' && k->type != 'u';
}

static int ksym_push(struct gp_ksyms *ks, size_t *cap, const struct gp_ksym *k)
{
	struct gp_ksym *syms;

	if (ks->n == *cap) {
		*cap = *cap ? *cap * 2 : 4096;
		syms = reallocarray(ks->syms, *cap, sizeof(*syms));
		if (!syms)
			return -ENOMEM;
		ks->syms = syms;
	}
	ks->syms[ks->n++] = *k;
	return 0;
}

static int lines_parse(struct gp_ksyms *ks)
{
	char *line = ks->text, *eol, *next;
	struct gp_ksym k;
	size_t cap = 0;
	int err;

	for (; *line; line = next) {
		eol = strchrnul(line, '\n');
		next = *eol ? eol + 1 : eol;
		if (eol == line)
			continue;
		err = line_parse(line, eol, &k);
		if (err)
			return err;
		if (!ksym_useful(&k))
			continue;
		err = ksym_push(ks, &cap, &k);
		if (err)
			return err;
	}
	return 0;
}

static unsigned int leading_underscores(const char *s)
{
	unsigned int n = 0;

	while (s[n] == '_')
		n++;
	return n;
}

/* By address, then the preferred alias first: global (upper-case type), fewer underscores. */
static int ksym_cmp(const void *a, const void *b)
{
	const struct gp_ksym *x = a, *y = b;
	bool gx = isupper((unsigned char)x->type), gy = isupper((unsigned char)y->type);
	unsigned int ux, uy;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (gx != gy)
		return gx ? -1 : 1;
	ux = leading_underscores(x->name);
	uy = leading_underscores(y->name);
	if (ux != uy)
		return ux < uy ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool same_module(const struct gp_ksym *a, const struct gp_ksym *b)
{
	if (!a->module || !b->module)
		return a->module == b->module;
	return !strcmp(a->module, b->module);
}

static void sizes_derive(struct gp_ksyms *ks)
{
	size_t n = 0;

	for (size_t i = 0; i < ks->n; i++)
		if (!n || ks->syms[n - 1].addr != ks->syms[i].addr)
			ks->syms[n++] = ks->syms[i];
	ks->n = n;
	for (size_t i = 0; i < n; i++) {
		ks->syms[i].size = 0;
		if (i + 1 < n && same_module(&ks->syms[i], &ks->syms[i + 1]))
			ks->syms[i].size = ks->syms[i + 1].addr - ks->syms[i].addr;
	}
}

int ksyms_parse(const char *text, struct gp_ksyms **out)
{
	struct gp_ksyms *ks;
	int err;

	*out = NULL;
	ks = calloc(1, sizeof(*ks));
	if (!ks)
		return -ENOMEM;
	ks->text = strdup(text);
	if (!ks->text) {
		err = -ENOMEM;
		goto err;
	}
	err = lines_parse(ks);
	if (err)
		goto err;
	if (ks->n)
		qsort(ks->syms, ks->n, sizeof(*ks->syms), ksym_cmp);
	sizes_derive(ks);
	*out = ks;
	return 0;
err:
	ksyms_free(ks);
	return err;
}

int ksyms_load(const char *path, struct gp_ksyms **out)
{
	struct gp_ksyms *ks;
	char *text;
	int err;

	*out = NULL;
	err = procfile_read(path ? path : "/proc/kallsyms", &text);
	if (err)
		return err;
	err = ksyms_parse(text, &ks);
	free(text);
	if (err)
		return err;
	if (!ks->n) {
		ksyms_free(ks);
		return -EACCES;
	}
	*out = ks;
	return 0;
}

const struct gp_ksym *ksyms_find(const struct gp_ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks->n;
	const struct gp_ksym *k;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	k = &ks->syms[lo - 1];
	return addr == k->addr || addr - k->addr < k->size ? k : NULL;
}

int ksyms_name(const struct gp_ksyms *ks, uint64_t addr, char *buf, size_t len)
{
	const struct gp_ksym *k;
	char off[24] = "";

	if (!buf || !len)
		return -EINVAL;
	k = ksyms_find(ks, addr);
	if (!k) {
		snprintf(buf, len, "0x%" PRIx64, addr);
		return 1;
	}
	if (addr != k->addr)
		snprintf(off, sizeof(off), "+0x%" PRIx64, addr - k->addr);
	if (k->module)
		snprintf(buf, len, "%s%s [%s]", k->name, off, k->module);
	else
		snprintf(buf, len, "%s%s", k->name, off);
	return 0;
}

const struct gp_ksym *ksyms_lookup(const struct gp_ksyms *ks, const char *name)
{
	size_t i;

	for (i = 0; i < ks->n; i++) {
		if (!ks->syms[i].module && !strcmp(ks->syms[i].name, name))
			return &ks->syms[i];
	}
	return NULL;
}

void ksyms_free(struct gp_ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->text);
	free(ks);
}
