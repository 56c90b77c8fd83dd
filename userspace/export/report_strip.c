// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/report.h"
#include "export/report_strip.h"

static char strip_busy_char(double busy)
{
	long n = (long)(busy + 0.5);

	return n <= 0 ? '.' : n > 9 ? '+' : (char)('0' + n);
}

/* The legend, wrapped at about 100 columns. */
static void strip_legend(FILE *f, const struct gp_tl_strip *s)
{
	char item[64];
	size_t i, col = 0, len;

	for (i = 0; i < s->nthreads; i++) {
		len = (size_t)snprintf(item, sizeof(item), "%c %u %s", s->threads[i].letter,
				       s->threads[i].tid, s->threads[i].comm);
		if (col && col + 3 + len > 100) {
			fputc('\n', f);
			col = 0;
		}
		fprintf(f, "%s%s", col ? "   " : "  ", item);
		col += (col ? 3 : 2) + len;
	}
	if (s->nother)
		fprintf(f, "%s+ any of %zu more threads", col ? "   " : "  ", s->nother);
	if (col || s->nother)
		fputc('\n', f);
}

int report_strip(FILE *f, const struct gp_tlview *v, unsigned width)
{
	struct gp_tl_strip s;
	char col_len[24], name[16];
	unsigned c, col;
	int err = tlview_strip(v, v->start, v->end, width, &s);

	if (err)
		return err == -EINVAL ? 0 : err;
	fmt_ns(col_len, sizeof(col_len), (v->end - v->start) / width);
	fprintf(f,
		"\nthreads on each CPU over the trace (%u columns of %s: the thread that ran "
		"longest in each, . where traced threads ran under half of it; busy: how many ran "
		"at once, on average)\n",
		width, col_len);
	for (c = 0; c < s.ncpus; c++) {
		snprintf(name, sizeof(name), "cpu%u", c);
		fprintf(f, "  %-5s %s\n", name, tlview_strip_row(&s, c));
	}
	fprintf(f, "  %-5s ", "busy");
	for (col = 0; col < width; col++)
		fputc(strip_busy_char(s.busy[col]), f);
	fputc('\n', f);
	strip_legend(f, &s);
	tlview_strip_free(&s);
	return 0;
}
