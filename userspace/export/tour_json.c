// SPDX-License-Identifier: GPL-2.0
#include "analyze/tour.h"
#include "export/json.h"
#include "export/tour_json.h"

/* share < 0: not known */
static void json_lock(struct gp_json *j, const struct gp_tour_lock *l, double share)
{
	json_obj_begin(j);
	json_kstr(j, "name", l->name);
	json_ku64(j, "acquisitions", l->acquisitions);
	json_ku64(j, "wait_ns", l->wait_ns);
	json_ku64(j, "waiters", l->waiters);
	if (share >= 0)
		json_kdouble(j, "share_pct", 100 * share);
	json_obj_end(j);
}

static void json_shares(struct gp_json *j, const struct gp_tour_fig *f)
{
	json_ku64(j, "workers_lifetime_ns", f->life_ns);
	json_key(j, "shares_pct");
	json_obj_begin(j);
	json_kdouble(j, "lock_wait", 100 * tour_share(f->lock_ns, f->life_ns));
	json_kdouble(j, "run_queue", 100 * tour_share(f->runq_ns, f->life_ns));
	json_kdouble(j, "sleep", 100 * tour_share(f->sleep_ns, f->life_ns));
	json_obj_end(j);
}

static void json_locks(struct gp_json *j, const struct gp_tour_fig *f)
{
	json_key(j, "lock");
	if (f->has_lock)
		json_lock(j, &f->lock, f->lock_share);
	else
		json_null(j);
	json_key(j, "predicted_speedup");
	if (f->predicted)
		json_double(j, f->predicted_speedup);
	else
		json_null(j);
	json_key(j, "gil");
	json_obj_begin(j);
	json_ku64(j, "drop_requests", f->drop_requests);
	json_ku64(j, "forced_switches", f->forced_switches);
	json_obj_end(j);
	json_key(j, "locks");
	json_arr_begin(j);
	for (size_t i = 0; i < f->nlocks; i++)
		json_lock(j, &f->locks[i], -1);
	json_arr_end(j);
}

static void json_result(struct gp_json *j, const struct gp_tour_fig *f)
{
	json_key(j, "result");
	if (!f->has_result) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	json_ku64(j, "total", f->total);
	json_ku64(j, "expected", f->expected);
	json_ku64(j, "lost", f->lost);
	json_obj_end(j);
}

static void json_workers(struct gp_json *j, const struct gp_tour_fig *f)
{
	json_key(j, "workers");
	json_obj_begin(j);
	for (int k = 0; k < GP_TK_COUNT; k++) {
		const struct gp_tour_start *s = &f->start[k];

		json_key(j, tour_kind_name(k));
		json_obj_begin(j);
		json_ku64(j, "count", s->workers);
		json_ku64(j, "start_ns", s->start_ns);
		json_ku64(j, "parent_ns", s->parent_ns);
		json_ku64(j, "cpu_ns", s->cpu_ns);
		json_key(j, "rss_kb");
		if (s->rss_kb)
			json_u64(j, s->rss_kb);
		else
			json_null(j);
		json_obj_end(j);
	}
	json_obj_end(j);
}

static void json_strip(struct gp_json *j, const struct gp_tour_fig *f)
{
	char letter[2] = {0};

	json_key(j, "strip");
	json_obj_begin(j);
	json_ku64(j, "width", f->strip.width);
	json_key(j, "rows");
	json_arr_begin(j);
	for (unsigned c = 0; f->strip.rows && c < f->strip.ncpus; c++)
		json_str(j, tlview_strip_row(&f->strip, c));
	json_arr_end(j);
	json_key(j, "threads");
	json_arr_begin(j);
	for (size_t k = 0; k < f->strip.nthreads; k++) {
		letter[0] = f->strip.threads[k].letter;
		json_obj_begin(j);
		json_kstr(j, "letter", letter);
		json_ku64(j, "tid", f->strip.threads[k].tid);
		json_kstr(j, "name", f->strip.threads[k].comm);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void json_mode(struct gp_json *j, const struct gp_tour_run *r, unsigned i)
{
	const struct gp_tour_mode_def *d = &r->def->modes[i];
	const struct gp_tour_fig *f = &r->fig[i];

	json_obj_begin(j);
	json_kstr(j, "key", d->key);
	json_kstr(j, "label", f->label);
	json_kstr(j, "command", r->command[i]);
	json_ki64(j, "exit_status", f->exit_status);
	json_ku64(j, "wall_ns", f->wall_ns);
	json_ku64(j, "cpu_ns", f->cpu_ns);
	json_kdouble(j, "parallelism", f->parallelism);
	json_ku64(j, "cpus", d->pin ? 1 : f->ncpus);
	json_kdouble(j, "free_cpus", f->free_cpus);
	json_key(j, "running_ns");
	json_arr_begin(j);
	for (unsigned k = 0; k <= f->ncpus && k < GP_VERDICT_HIST; k++)
		json_u64(j, f->hist[k]);
	json_arr_end(j);
	json_shares(j, f);
	json_kstr(j, "baseline", r->def->modes[d->base].key);
	json_kdouble(j, "speedup", tour_speedup(r, i));
	json_locks(j, f);
	json_result(j, f);
	json_workers(j, f);
	json_strip(j, f);
	json_obj_end(j);
}

int tour_json(FILE *f, const struct gp_tour *t)
{
	struct gp_json j;

	json_init(&j, f);
	json_obj_begin(&j);
	json_kstr(&j, "schema", GP_TOUR_JSON_SCHEMA);
	json_ku64(&j, "ncpus", t->ncpus);
	json_ku64(&j, "n", t->n);
	json_ku64(&j, "wall_ns", t->wall_ns);
	json_key(&j, "experiments");
	json_arr_begin(&j);
	for (size_t i = 0; i < t->nruns; i++) {
		const struct gp_tour_run *r = &t->runs[i];

		json_obj_begin(&j);
		json_kstr(&j, "name", r->def->name);
		json_kstr(&j, "title", r->def->title);
		json_key(&j, "modes");
		json_arr_begin(&j);
		for (unsigned m = 0; m < r->def->nmodes; m++)
			json_mode(&j, r, m);
		json_arr_end(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	return ferror(f) ? -1 : 0;
}
