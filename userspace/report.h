/* SPDX-License-Identifier: GPL-2.0 */
/* What a report is made of, whatever the source (live run or recording), and its writers. */
#ifndef GP_REPORT_H
#define GP_REPORT_H

#include <stdio.h>
#include "analysis.h"
#include "collector.h"
#include "model.h"

struct gp_report {
	struct gp_model *model;
	const struct gp_collector_stats *stats;
	uint64_t start_ts, end_ts;
	char *const *argv; /* the traced command */
	int exit_status; /* shell-style; -1 when unknown */
	gp_namer_fn name_lock; /* 0: named by a symbol, 1: by mapping only */
	void *namer_ctx;
	const char *lock_filter; /* --lock: only futex words that match (lock_filter_match) */
	unsigned top_locks; /* rows in the lock table (0: all) */
	unsigned top_pairs;
};

int report_text(FILE *f, const struct gp_report *r);
/* Locks by total wait that pass the report's --lock filter; malloc'd, n set. */
struct gp_lock **report_locks(const struct gp_report *r, size_t *n);
int report_json(FILE *f, const struct gp_report *r);

/* Human durations with 4 significant digits: "2.013 s", "12.35 ms", "45.60 us", "789 ns". */
char *fmt_ns(char *buf, size_t len, uint64_t ns);
/* Every lost-data counter, BPF and userspace, with a stable key and a label. */
struct gp_loss {
	const char *key, *label;
	uint64_t count;
};
size_t report_losses(const struct gp_report *r, struct gp_loss *out, size_t max);

#endif
