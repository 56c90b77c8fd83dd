// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include "analyze/diff.h"
#include "export/diff_json.h"
#include "export/json.h"

static const char *const state_key[GP_DS_COUNT] = {
	[GP_DS_RUNNING] = "running",	   [GP_DS_RUNQ] = "runq",
	[GP_DS_LOCK] = "lock_wait",	   [GP_DS_SLEEP] = "sleep",
	[GP_DS_DWAIT] = "uninterruptible", [GP_DS_SWITCHING] = "switching",
};

static void json_thresholds(struct gp_json *j)
{
	json_key(j, "thresholds");
	json_obj_begin(j);
	json_kdouble(j, "relative", GP_DIFF_REL);
	json_ku64(j, "time_ns", GP_DIFF_MIN_NS);
	json_kdouble(j, "share_points", GP_DIFF_MIN_POINTS);
	json_kdouble(j, "parallelism", GP_DIFF_MIN_PARALLELISM);
	json_obj_end(j);
}

static void json_run(struct gp_json *j, const char *key, const struct gp_diff_side *s)
{
	int i;

	json_key(j, key);
	json_obj_begin(j);
	json_kstr(j, "recording", s->label ? s->label : "");
	json_key(j, "command");
	json_arr_begin(j);
	for (i = 0; s->argv && s->argv[i]; i++)
		json_str(j, s->argv[i]);
	json_arr_end(j);
	json_key(j, "exit_status");
	if (s->exit_status >= 0)
		json_i64(j, s->exit_status);
	else
		json_null(j);
	json_kbool(j, "incomplete", s->incomplete);
	json_ku64(j, "wall_ns", s->wall_ns);
	json_ku64(j, "cpu_ns", s->cpu_ns);
	json_kdouble(j, "parallelism", s->parallelism);
	json_ku64(j, "ncpus", s->ncpus);
	json_ku64(j, "processes", s->nprocs);
	json_ku64(j, "threads", s->nthreads);
	json_ku64(j, "lifetime_ns", s->lifetime_ns);
	json_key(j, "states_ns");
	json_obj_begin(j);
	for (i = 0; i < GP_DS_COUNT; i++)
		json_ku64(j, state_key[i], s->state_ns[i]);
	json_obj_end(j);
	json_obj_end(j);
}

/* with_speedup: BASE over NEW, for the wall time. */
static void json_time_change(struct gp_json *j, const char *key, uint64_t a, uint64_t b,
			     bool with_speedup)
{
	json_key(j, key);
	json_obj_begin(j);
	json_ku64(j, "base_ns", a);
	json_ku64(j, "new_ns", b);
	json_ki64(j, "delta_ns", (int64_t)b - (int64_t)a);
	json_kdouble(j, "pct", diff_pct(a, b));
	json_kstr(j, "change", diff_change_name(diff_change_ns(a, b)));
	if (with_speedup)
		json_kdouble(j, "speedup", b ? (double)a / b : NAN);
	json_obj_end(j);
}

static void json_parallelism(struct gp_json *j, const struct gp_diff *d)
{
	double a = d->side[GP_DIFF_BASE].parallelism, b = d->side[GP_DIFF_NEW].parallelism;

	json_key(j, "parallelism");
	json_obj_begin(j);
	json_kdouble(j, "base", a);
	json_kdouble(j, "new", b);
	json_kdouble(j, "delta", b - a);
	json_kdouble(j, "pct", diff_pct(a, b));
	json_kstr(j, "change", diff_change_name(diff_change(a, b, GP_DIFF_MIN_PARALLELISM)));
	json_obj_end(j);
}

static void json_shares(struct gp_json *j, const struct gp_diff *d)
{
	int s;

	json_key(j, "shares");
	json_arr_begin(j);
	for (s = 0; s < GP_DS_COUNT; s++) {
		double a = diff_share(&d->side[GP_DIFF_BASE], s);
		double b = diff_share(&d->side[GP_DIFF_NEW], s);

		json_obj_begin(j);
		json_kstr(j, "state", state_key[s]);
		json_kdouble(j, "base_pct", a);
		json_kdouble(j, "new_pct", b);
		json_kdouble(j, "delta_points", b - a);
		json_kstr(j, "change", diff_change_name(diff_change(a, b, GP_DIFF_MIN_POINTS)));
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_lock_side(struct gp_json *j, const char *key, const struct gp_diff_lock_side *s)
{
	json_key(j, key);
	if (!s->present) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	json_ku64(j, "wait_ns", s->wait_ns);
	json_ku64(j, "waits", s->waits);
	json_ku64(j, "timeouts", s->timeouts);
	json_ku64(j, "words", s->words);
	json_ku64(j, "processes", s->procs);
	json_obj_end(j);
}

/* "new" and "gone" for a lock only one run waited on, else less / more / unchanged. */
static const char *lock_change(const struct gp_diff_lock *l)
{
	if (!l->side[GP_DIFF_BASE].present)
		return "new";
	if (!l->side[GP_DIFF_NEW].present)
		return "gone";
	return diff_change_name(l->change);
}

static void json_locks(struct gp_json *j, const struct gp_diff *d)
{
	size_t i;

	json_key(j, "locks");
	json_arr_begin(j);
	for (i = 0; i < d->nlocks_shown; i++) {
		const struct gp_diff_lock *l = &d->locks[i];

		json_obj_begin(j);
		json_kstr(j, "name", l->name);
		json_lock_side(j, "base", &l->side[GP_DIFF_BASE]);
		json_lock_side(j, "new", &l->side[GP_DIFF_NEW]);
		json_ki64(j, "delta_ns", l->delta_ns);
		json_kdouble(j, "pct",
			     diff_pct(l->side[GP_DIFF_BASE].wait_ns, l->side[GP_DIFF_NEW].wait_ns));
		json_kstr(j, "change", lock_change(l));
		json_obj_end(j);
	}
	json_arr_end(j);
	json_ku64(j, "locks_total", d->nlocks);
}

static void json_thread_side(struct gp_json *j, const char *key,
			     const struct gp_diff_thread_side *s)
{
	json_key(j, key);
	if (!s->present) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	json_ku64(j, "tid", s->tid);
	json_ku64(j, "pid", s->pid);
	json_ku64(j, "lifetime_ns", s->lifetime_ns);
	json_ku64(j, "running_ns", s->running_ns);
	json_ku64(j, "lock_wait_ns", s->lock_ns);
	json_obj_end(j);
}

static void json_threads(struct gp_json *j, const struct gp_diff *d)
{
	size_t i;

	json_key(j, "threads");
	json_arr_begin(j);
	for (i = 0; i < d->nthreads_shown; i++) {
		json_obj_begin(j);
		json_kstr(j, "name", d->threads[i].name);
		json_thread_side(j, "base", &d->threads[i].side[GP_DIFF_BASE]);
		json_thread_side(j, "new", &d->threads[i].side[GP_DIFF_NEW]);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_ku64(j, "threads_total", d->nthreads);
}

int diff_json(FILE *f, const struct gp_diff *d)
{
	const struct gp_diff_side *a = &d->side[GP_DIFF_BASE], *b = &d->side[GP_DIFF_NEW];
	struct gp_json j;
	size_t i;

	json_init(&j, f);
	json_obj_begin(&j);
	json_kstr(&j, "schema", GP_DIFF_JSON_SCHEMA);
	json_thresholds(&j);
	json_run(&j, "base", a);
	json_run(&j, "new", b);
	json_time_change(&j, "wall", a->wall_ns, b->wall_ns, true);
	json_time_change(&j, "cpu", a->cpu_ns, b->cpu_ns, false);
	json_parallelism(&j, d);
	json_shares(&j, d);
	json_locks(&j, d);
	json_threads(&j, d);
	json_key(&j, "verdict");
	json_arr_begin(&j);
	for (i = 0; i < d->nverdict; i++)
		json_str(&j, d->verdict[i]);
	json_arr_end(&j);
	json_obj_end(&j);
	return ferror(f) ? -1 : 0;
}
