// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/report.h"
#include "export/report_strip.h"

/* Letters in the order the threads' lanes come (by process, then thread), those that show. */
static const char strip_letters[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
#define STRIP_NLETTERS (sizeof(strip_letters) - 1)
#define STRIP_OTHER '+' /* a thread past the last letter */

/* letter[lane]: its letter, 0 when it never shows; returns how many threads show as '+'. */
static size_t strip_letters_assign(const struct gp_tlview *v, const long *lane, unsigned width,
				   char *letter)
{
	size_t i, used = 0, other = 0;

	for (i = 0; i < (size_t)v->ncpus * width; i++)
		if (lane[i] >= 0)
			letter[lane[i]] = 1;
	for (i = 0; i < v->nlanes; i++) {
		if (!letter[i])
			continue;
		letter[i] = used < STRIP_NLETTERS ? strip_letters[used] : STRIP_OTHER;
		other += used++ >= STRIP_NLETTERS;
	}
	return other;
}

static char strip_busy_char(double busy)
{
	long n = (long)(busy + 0.5);

	return n <= 0 ? '.' : n > 9 ? '+' : (char)('0' + n);
}

static void strip_rows(FILE *f, const struct gp_tlview *v, const long *lane, const double *busy,
		       unsigned width, const char *letter)
{
	unsigned c, col;
	char name[16];

	for (c = 0; c < v->ncpus; c++) {
		snprintf(name, sizeof(name), "cpu%u", c);
		fprintf(f, "  %-5s ", name);
		for (col = 0; col < width; col++) {
			long l = lane[(size_t)c * width + col];

			fputc(l < 0 || !letter[l] ? '.' : letter[l], f);
		}
		fputc('\n', f);
	}
	fprintf(f, "  %-5s ", "busy");
	for (col = 0; col < width; col++)
		fputc(strip_busy_char(busy[col]), f);
	fputc('\n', f);
}

/* The legend, wrapped at about 100 columns. */
static void strip_legend(FILE *f, const struct gp_tlview *v, const char *letter, size_t other)
{
	char item[64];
	size_t i, col = 0, len;

	for (i = 0; i < v->nlanes; i++) {
		if (!letter[i] || letter[i] == STRIP_OTHER)
			continue;
		len = (size_t)snprintf(item, sizeof(item), "%c %u %s", letter[i], v->lanes[i]->tid,
				       v->lanes[i]->comm);
		if (col && col + 3 + len > 100) {
			fputc('\n', f);
			col = 0;
		}
		fprintf(f, "%s%s", col ? "   " : "  ", item);
		col += (col ? 3 : 2) + len;
	}
	if (other)
		fprintf(f, "%s%c any of %zu more threads", col ? "   " : "  ", STRIP_OTHER, other);
	if (col || other)
		fputc('\n', f);
}

int report_strip(FILE *f, const struct gp_tlview *v, unsigned width)
{
	long *lane = malloc(((size_t)v->ncpus * width + 1) * sizeof(*lane));
	double *busy = malloc((width + 1) * sizeof(*busy));
	char *letter = calloc(v->nlanes + 1, 1), col_len[24];
	size_t other;
	int err = -ENOMEM;

	if (!lane || !busy || !letter || tlview_strip(v, width, lane, busy))
		goto out;
	other = strip_letters_assign(v, lane, width, letter);
	fmt_ns(col_len, sizeof(col_len), width ? (v->end - v->start) / width : 0);
	fprintf(f,
		"\nthreads on each CPU over the trace (%u columns of %s: the thread that ran "
		"longest in each, . where traced threads ran under half of it; busy: how many ran "
		"at once, on average)\n",
		width, col_len);
	strip_rows(f, v, lane, busy, width, letter);
	strip_legend(f, v, letter, other);
	err = 0;
out:
	free(lane);
	free(busy);
	free(letter);
	return err;
}
