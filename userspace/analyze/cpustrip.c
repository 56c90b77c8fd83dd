// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/cpustrip.h"

char cpustrip_letter(size_t i)
{
	if (i < 26)
		return (char)('A' + i);
	return i < GP_STRIP_LETTERS ? (char)('a' + i - 26) : '#';
}

struct strip_grid {
	uint64_t start, span;
	unsigned width, ncpus;
};

/* The cell of an instant in [start, start + span). */
static unsigned grid_cell(const struct strip_grid *g, uint64_t ts)
{
	return (unsigned)((unsigned __int128)(ts - g->start) * g->width / g->span);
}

static uint64_t grid_edge(const struct strip_grid *g, unsigned k)
{
	return g->start + (uint64_t)((unsigned __int128)g->span * k / g->width);
}

/* Time on cpu over [a, b), clipped to the grid, added to the cells it covers. */
static void grid_add(const struct strip_grid *g, uint64_t *cells, unsigned cpu, uint64_t a,
		     uint64_t b)
{
	unsigned k;

	if (a < g->start)
		a = g->start;
	if (b > g->start + g->span)
		b = g->start + g->span;
	if (a >= b || cpu >= g->ncpus)
		return;
	for (k = grid_cell(g, a); k <= grid_cell(g, b - 1); k++) {
		uint64_t lo = grid_edge(g, k), hi = grid_edge(g, k + 1);

		cells[cpu * g->width + k] += (b < hi ? b : hi) - (a > lo ? a : lo);
	}
}

/* A thread's time on each CPU, cell by cell; whether it ran at all in the grid. */
static bool thread_cells(const struct strip_grid *g, const struct gp_thread *t, uint64_t *cells)
{
	size_t k, ncells = (size_t)g->ncpus * g->width, i;

	memset(cells, 0, ncells * sizeof(*cells));
	for (k = 0; k < t->tl.n; k++) {
		const struct gp_seg *s = &t->tl.v[k];

		if (s->bucket == GP_B_RUNNING)
			grid_add(g, cells, s->cpu, s->ts,
				 k + 1 < t->tl.n ? t->tl.v[k + 1].ts : t->end_ts);
	}
	for (i = 0; i < ncells; i++)
		if (cells[i])
			return true;
	return false;
}

/* Where t ran longer than any thread before it, its letter. */
static void strip_claim(struct gp_cpustrip *s, const uint64_t *mine, uint64_t *best, char letter)
{
	size_t i;

	for (i = 0; i < (size_t)s->ncpus * s->width; i++) {
		if (mine[i] > best[i]) {
			best[i] = mine[i];
			s->rows[i / s->width * (s->width + 1) + i % s->width] = letter;
		}
	}
}

int cpustrip_build(const struct gp_model *m, uint64_t start, uint64_t end, unsigned width,
		   struct gp_cpustrip *s)
{
	struct strip_grid g = {start, end - start, width, m->ncpus};
	size_t ncells = (size_t)m->ncpus * width, i;
	uint64_t *best, *mine;
	unsigned c;

	memset(s, 0, sizeof(*s));
	if (!width || end <= start || !m->ncpus)
		return -EINVAL;
	best = calloc(ncells, sizeof(*best));
	mine = calloc(ncells, sizeof(*mine));
	s->rows = malloc((size_t)m->ncpus * (width + 1));
	if (!best || !mine || !s->rows) {
		free(best);
		free(mine);
		cpustrip_free(s);
		return -ENOMEM;
	}
	s->ncpus = m->ncpus;
	s->width = width;
	for (c = 0; c < m->ncpus; c++) {
		memset(s->rows + (size_t)c * (width + 1), '.', width);
		s->rows[(size_t)c * (width + 1) + width] = 0;
	}
	for (i = 0; i < m->nthreads; i++) {
		if (!thread_cells(&g, m->threads[i], mine))
			continue;
		if (s->nletters < GP_STRIP_LETTERS)
			s->tids[s->nletters] = m->threads[i]->tid;
		strip_claim(s, mine, best, cpustrip_letter(s->nletters));
		if (s->nletters < GP_STRIP_LETTERS)
			s->nletters++;
	}
	free(best);
	free(mine);
	return 0;
}

void cpustrip_free(struct gp_cpustrip *s)
{
	free(s->rows);
	s->rows = NULL;
}
