// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdlib.h>
#include "analyze/analysis.h"
#include "export/json.h"
#include "analyze/report.h"
#include "export/report_json.h"

#define GP_JSON_SCHEMA "gilprof-report/1"

static const char *const bucket_keys[GP_B_COUNT] = {
	[GP_B_RUNNING] = "running_ns",	     [GP_B_SWITCHING] = "switching_ns",
	[GP_B_RUNQ_WAKE] = "runq_wakeup_ns", [GP_B_RUNQ_PREEMPT] = "runq_preempted_ns",
	[GP_B_FUTEX] = "futex_wait_ns",	     [GP_B_SLEEP] = "sleep_ns",
	[GP_B_DWAIT] = "uninterruptible_ns",
};

static void json_buckets(struct gp_json *j, const uint64_t *bucket, const uint64_t *per_cpu,
			 unsigned ncpus)
{
	unsigned c;
	int b;

	for (b = 0; b < GP_B_COUNT; b++)
		json_ku64(j, bucket_keys[b], bucket[b]);
	json_key(j, "running_per_cpu_ns");
	json_arr_begin(j);
	for (c = 0; c < ncpus && c < GP_MAX_CPUS; c++)
		json_u64(j, per_cpu[c]);
	json_arr_end(j);
}

static void json_totals(struct gp_json *j, const struct gp_totals *t, unsigned ncpus)
{
	json_obj_begin(j);
	json_ku64(j, "threads", t->nthreads);
	json_ku64(j, "lifetime_ns", t->lifetime);
	json_buckets(j, t->bucket, t->running_cpu, ncpus);
	json_ku64(j, "voluntary_switches", t->nvcsw);
	json_ku64(j, "involuntary_switches", t->nivcsw);
	json_ku64(j, "migrations", t->migrations);
	json_ku64(j, "wakeups", t->wakeups);
	json_obj_end(j);
}

static void json_kstr_or_null(struct gp_json *j, const char *key, const char *s)
{
	json_key(j, key);
	if (s)
		json_str(j, s);
	else
		json_null(j);
}

static void json_thread(struct gp_json *j, const struct gp_report *r, const struct gp_thread *t,
			unsigned ncpus)
{
	json_obj_begin(j);
	json_ku64(j, "tid", t->tid);
	json_kstr(j, "comm", t->comm);
	json_kstr_or_null(j, "python_thread", report_pythread(r, t));
	json_ku64(j, "start_ns", t->start_ts);
	json_ku64(j, "end_ns", t->end_ts);
	json_ku64(j, "lifetime_ns", thread_lifetime(t));
	json_kbool(j, "exited", t->dead);
	json_kbool(j, "attached", t->attached);
	json_buckets(j, t->bucket, t->running_cpu, ncpus);
	json_ku64(j, "voluntary_switches", t->nvcsw);
	json_ku64(j, "involuntary_switches", t->nivcsw);
	json_ku64(j, "migrations", t->migrations);
	json_ku64(j, "wakeups", t->wakeups);
	/* the kernel's own counters at the thread's last switch: a cross-check of the counts */
	json_key(j, "kernel");
	if (t->kcsw_known) {
		json_obj_begin(j);
		json_ku64(j, "runtime_ns", t->kruntime);
		json_ku64(j, "voluntary_switches", t->knvcsw);
		json_ku64(j, "involuntary_switches", t->knivcsw);
		json_obj_end(j);
	} else {
		json_null(j);
	}
	/* attached: the same counters when it was, so the counts can be checked against both */
	json_key(j, "kernel_at_attach");
	if (t->attached) {
		json_obj_begin(j);
		json_ku64(j, "runtime_ns", t->attach_k[2]);
		json_ku64(j, "voluntary_switches", t->attach_k[0]);
		json_ku64(j, "involuntary_switches", t->attach_k[1]);
		json_obj_end(j);
	} else {
		json_null(j);
	}
	json_obj_end(j);
}

static void json_process(struct gp_json *j, const struct gp_report *r, const struct gp_process *p,
			 unsigned ncpus)
{
	struct gp_totals tot;
	size_t i;

	totals_of_process(&tot, p, ncpus);
	json_obj_begin(j);
	json_ku64(j, "pid", p->tgid);
	json_ku64(j, "ppid", p->parent_tgid);
	json_kstr(j, "comm", p->comm);
	json_kstr(j, "exe", p->exe);
	json_ku64(j, "start_ns", p->start_ts);
	json_ku64(j, "end_ns", p->end_ts);
	json_kbool(j, "exited", p->exited);
	json_kbool(j, "attached", p->attached);
	json_key(j, "exit_code");
	if (p->exit_code_known)
		json_u64(j, (p->exit_code >> 8) & 0xff);
	else
		json_null(j);
	json_key(j, "exit_signal");
	if (p->exit_code_known && (p->exit_code & 0x7f))
		json_u64(j, p->exit_code & 0x7f);
	else
		json_null(j);
	json_ku64(j, "execs", p->execs);
	json_kstr_or_null(j, "python_not_understood", report_python_note(r, p->tgid));
	json_key(j, "threads");
	json_arr_begin(j);
	for (i = 0; i < p->nthreads; i++)
		json_thread(j, r, p->threads[i], ncpus);
	json_arr_end(j);
	json_key(j, "totals");
	json_totals(j, &tot, ncpus);
	json_obj_end(j);
}

/* Who ended whose waits: a waker tid, or "timeout", "signal", "no sleep", "unseen", "still
 * waiting". */
static void json_enders(struct gp_json *j, const struct gp_lock *l)
{
	size_t n, i;
	struct gp_lock_pair **pairs = lock_pairs_sorted(l, &n);

	json_key(j, "ended_by");
	json_arr_begin(j);
	for (i = 0; i < n; i++) {
		const char *label = waker_label(pairs[i]->waker);

		json_obj_begin(j);
		json_ku64(j, "waiter", pairs[i]->waiter);
		if (label)
			json_kstr(j, "waker", label);
		else
			json_ku64(j, "waker", pairs[i]->waker);
		json_ku64(j, "count", pairs[i]->count);
		json_ku64(j, "wait_ns", pairs[i]->wait_ns);
		json_obj_end(j);
	}
	json_arr_end(j);
	free(pairs);
}

static void json_stacks(struct gp_json *j, const struct gp_report *r, const char *key,
			const struct gp_lock_stacks *sts)
{
	char names[GP_STACK_FRAMES_MAX + GP_STACK_KERNEL_MAX][128];
	size_t n, i, k, nf;
	struct gp_lock_stack **v = lock_stacks_sorted(sts, &n);

	json_key(j, key);
	json_arr_begin(j);
	for (i = 0; i < n && i < 5; i++) {
		nf = report_stack_names(r, v[i]->stack, true, names,
					GP_STACK_FRAMES_MAX + GP_STACK_KERNEL_MAX);
		json_obj_begin(j);
		json_ku64(j, "count", v[i]->count);
		json_ku64(j, "wait_ns", v[i]->ns);
		json_key(j, "frames");
		json_arr_begin(j);
		for (k = 0; k < nf; k++)
			json_str(j, names[k]);
		json_arr_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	free(v);
}

static void json_lock(struct gp_json *j, const struct gp_report *r, struct gp_lock *l)
{
	char name[160] = "", addr[24];
	int named = r->name_lock ? r->name_lock(r->namer_ctx, l->tgid, l->uaddr, name, sizeof(name))
				 : -1;

	snprintf(addr, sizeof(addr), "0x%" PRIx64, l->uaddr);
	json_obj_begin(j);
	json_ku64(j, "pid", l->tgid);
	json_kstr(j, "address", addr);
	json_kstr(j, "name", named >= 0 ? name : "");
	json_kbool(j, "named_by_symbol", named == 0);
	json_ku64(j, "waits", l->waits);
	json_ku64(j, "woken", l->outcome[GP_WO_WOKEN]);
	json_ku64(j, "timeouts", l->outcome[GP_WO_TIMEOUT]);
	json_ku64(j, "eagain", l->outcome[GP_WO_AGAIN]);
	json_ku64(j, "interrupted", l->outcome[GP_WO_INTR]);
	json_ku64(j, "errors", l->outcome[GP_WO_OTHER]);
	json_ku64(j, "unseen", l->outcome[GP_WO_UNSEEN]);
	json_ku64(j, "still_waiting_at_end", l->outcome[GP_WO_ONGOING]);
	json_ku64(j, "wait_total_ns", l->wait_ns);
	json_ku64(j, "blocked_ns", l->blocked_ns);
	json_ku64(j, "mean_ns", l->waits ? l->wait_ns / l->waits : 0);
	json_ku64(j, "p50_ns", lock_percentile(l, 50));
	json_ku64(j, "p99_ns", lock_percentile(l, 99));
	json_ku64(j, "max_ns", l->max_ns);
	json_ku64(j, "waiters", l->nwaiters);
	json_ku64(j, "handoffs", l->handoffs);
	json_ku64(j, "futile_wakeups", l->futile);
	json_ku64(j, "in_progress_at_attach", l->at_attach);
	json_ku64(j, "wake_to_run_p50_ns", u64vec_percentile(&l->wake_to_run, 50));
	json_ku64(j, "wake_to_run_p99_ns", u64vec_percentile(&l->wake_to_run, 99));
	json_ku64(j, "max_waiting", l->max_depth);
	json_kdouble(j, "mean_waiting", lock_mean_depth(l));
	json_enders(j, l);
	if (r->stacks) {
		json_stacks(j, r, "waiter_stacks", &l->wait_stacks);
		json_stacks(j, r, "release_stacks", &l->release_stacks);
	}
	json_obj_end(j);
}

static void json_locks(struct gp_json *j, const struct gp_report *r)
{
	size_t n, i;
	struct gp_lock **locks = analysis_locks_by_wait(r->model, &n);

	json_key(j, "locks");
	json_arr_begin(j);
	for (i = 0; i < n; i++)
		json_lock(j, r, locks[i]);
	json_arr_end(j);
	free(locks);
}

static void json_obj(struct gp_json *j, const struct gp_lock_obj *o)
{
	size_t i;

	json_obj_begin(j);
	json_ku64(j, "pid", o->tgid);
	json_kstr(j, "name", o->name);
	json_kbool(j, "join", o->join);
	json_key(j, "words");
	json_arr_begin(j);
	for (i = 0; i < o->nwords; i++)
		json_u64(j, o->words[i]->uaddr);
	json_arr_end(j);
	json_ku64(j, "acquisitions", o->acquisitions);
	json_ku64(j, "waits", o->waits);
	json_ku64(j, "retries", o->retries);
	json_ku64(j, "timeouts", o->timeouts);
	json_ku64(j, "acquire_ns", o->acquire_ns);
	json_ku64(j, "sleep_ns", o->sleep_ns);
	json_ku64(j, "p50_ns", u64vec_percentile((struct gp_u64vec *)&o->durations, 50));
	json_ku64(j, "p99_ns", u64vec_percentile((struct gp_u64vec *)&o->durations, 99));
	json_ku64(j, "max_ns", u64vec_percentile((struct gp_u64vec *)&o->durations, 100));
	json_ku64(j, "waiters", o->nwaiters);
	json_ku64(j, "in_progress_at_attach", o->at_attach);
	json_ku64(j, "still_waiting_at_end", o->ongoing);
	json_key(j, "released_by");
	json_arr_begin(j);
	for (i = 0; i < o->nholders; i++) {
		json_obj_begin(j);
		json_ku64(j, "tid", o->holders[i].tid);
		json_ku64(j, "acquisitions", o->holders[i].count);
		json_ku64(j, "acquire_ns", o->holders[i].ns);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

/* Threads of the verdict with their share of the lock's time, under key ns_key. */
static void json_holders(struct gp_json *j, const struct gp_report *r,
			 const struct gp_verdict_holder *h, size_t n, const char *ns_key)
{
	json_arr_begin(j);
	for (size_t i = 0; i < n; i++) {
		const struct gp_thread *t = model_thread(r->model, h[i].tid);

		json_obj_begin(j);
		json_ku64(j, "tid", h[i].tid);
		json_kstr(j, "comm", t ? t->comm : "");
		json_ku64(j, ns_key, h[i].ns);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_verdict_lock(struct gp_json *j, const struct gp_report *r)
{
	const struct gp_verdict *v = &r->verdict;
	char site[256];

	json_key(j, "lock");
	json_obj_begin(j);
	json_ku64(j, "pid", v->lock->tgid);
	json_kstr(j, "name", v->lock->name);
	json_kdouble(j, "waiters_share", v->lock_share);
	json_ku64(j, "acquire_ns", v->lock->acquire_ns);
	json_key(j, "released_by");
	json_holders(j, r, v->holders, v->nholders, "acquire_ns");
	json_key(j, "held_by");
	if (v->held_known)
		json_holders(j, r, v->held, v->nheld, "wait_ns");
	else
		json_null(j);
	json_key(j, "release_site");
	if (!report_release_site(r, v->release_word, site, sizeof(site)))
		json_str(j, site);
	else
		json_null(j);
	json_obj_end(j);
}

/* The answer a report opens with (analyze/verdict.h). */
static void json_verdict(struct gp_json *j, const struct gp_report *r)
{
	const struct gp_verdict *v = &r->verdict;
	unsigned k;

	json_key(j, "verdict");
	json_obj_begin(j);
	json_ku64(j, "wall_ns", v->wall_ns);
	json_ku64(j, "cpu_ns", v->cpu_ns);
	json_ku64(j, "cpus", v->ncpus);
	json_kdouble(j, "parallelism", v->parallelism);
	json_key(j, "running_threads_ns");
	json_arr_begin(j);
	for (k = 0; k < GP_VERDICT_HIST; k++)
		json_u64(j, v->hist[k]);
	json_arr_end(j);
	if (v->lock) {
		json_verdict_lock(j, r);
	} else {
		json_key(j, "lock");
		json_null(j);
	}
	json_key(j, "predicted_speedup");
	if (v->predicted)
		json_double(j, v->predicted_speedup);
	else
		json_null(j);
	json_ku64(j, "predicted_wall_ns", v->predicted ? v->predicted_wall_ns : v->wall_ns);
	json_key(j, "replay");
	json_obj_begin(j);
	json_kdouble(j, "capacity_cpus", v->whatif.capacity);
	json_ku64(j, "as_recorded_ns", v->whatif.base_ns);
	json_ku64(j, "without_lock_ns", v->whatif.without_ns);
	json_ku64(j, "removed_wait_ns", v->whatif.removed_ns);
	json_ku64(j, "forced_dependencies", v->whatif.forced);
	json_obj_end(j);
	json_kstr(j, "advice", advice_name(v->advice));
	json_obj_end(j);
}

static void json_gil_interp(struct gp_json *j, const struct gp_gilmem *g)
{
	json_key(j, "interpreter");
	if (!g) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	json_ku64(j, "samples", g->samples);
	json_ku64(j, "since_ns", g->first_ts);
	json_ku64(j, "switch_number_first", g->first_switch);
	json_ku64(j, "switch_number_last", g->last_switch);
	json_ku64(j, "handoffs", g->handoffs);
	json_ku64(j, "held_ns", g->held_ns);
	json_ku64(j, "free_ns", g->free_ns);
	json_ku64(j, "unknown_ns", g->unknown_ns);
	json_key(j, "waits");
	json_arr_begin(j);
	for (size_t i = 0; i < g->np; i++) {
		json_obj_begin(j);
		json_ku64(j, "waiter", g->p[i].waiter);
		json_ku64(j, "holder", g->p[i].holder);
		json_ku64(j, "waits", g->p[i].waits);
		json_ku64(j, "wait_ns", g->p[i].wait_ns);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void json_gil(struct gp_json *j, const struct gp_report *r)
{
	const struct gp_gil_stats *g = &r->gil;
	size_t i;

	json_key(j, "gil");
	if (!g->gil) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	json_ku64(j, "pid", g->gil->tgid);
	json_kstr(j, "name", g->gil->name);
	json_key(j, "threads");
	json_arr_begin(j);
	for (i = 0; i < g->n; i++) {
		const struct gp_gil_thread *t = &g->t[i];

		json_obj_begin(j);
		json_ku64(j, "tid", t->tid);
		json_ku64(j, "held_ns", t->held_ns);
		json_ku64(j, "waited_ns", t->waited_ns);
		json_ku64(j, "acquisitions", t->acquisitions);
		json_ku64(j, "drop_requests", t->drop_requests);
		json_ku64(j, "forced_switches", t->forced_switches);
		json_ku64(j, "handoffs", t->handoffs);
		json_ku64(j, "after_io", t->after_io);
		json_ku64(j, "after_io_p50_ns",
			  u64vec_percentile((struct gp_u64vec *)&t->after_io_ns, 50));
		json_ku64(j, "interp_held_ns", t->mem_held_ns);
		json_ku64(j, "holding_switch_outs", t->holding_outs);
		json_ku64(j, "preempted_holding", t->preempted_holding);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_gil_interp(j, g->mem);
	json_obj_end(j);
}

/* Locks as objects with their acquisitions; thread joins after them, flagged. */
static void json_objs(struct gp_json *j, const struct gp_report *r)
{
	size_t i;

	json_key(j, "lock_objects");
	json_arr_begin(j);
	for (i = 0; i < r->objs.n; i++)
		json_obj(j, &r->objs.v[i]);
	json_arr_end(j);
}

static void json_pairs(struct gp_json *j, const struct gp_report *r)
{
	size_t n, i;
	struct gp_wake_pair **pairs = analysis_pairs_by_count(r->model, &n);

	json_key(j, "wakeups");
	json_arr_begin(j);
	for (i = 0; i < n; i++) {
		json_obj_begin(j);
		if (waker_label(pairs[i]->waker))
			json_kstr(j, "waker", waker_label(pairs[i]->waker));
		else
			json_ku64(j, "waker", pairs[i]->waker);
		json_ku64(j, "wakee", pairs[i]->wakee);
		json_ku64(j, "count", pairs[i]->count);
		json_ku64(j, "futex_count", pairs[i]->futex_count);
		json_ku64(j, "blocked_ns", pairs[i]->blocked_ns);
		json_obj_end(j);
	}
	json_arr_end(j);
	free(pairs);
}

static void json_cpus(struct gp_json *j, const struct gp_report *r, const struct gp_totals *tot)
{
	const struct gp_trace_stats *st = r->stats;
	unsigned c, n = st ? st->ncpus : r->model->ncpus;

	json_key(j, "cpus");
	json_arr_begin(j);
	for (c = 0; c < n && c < GP_MAX_CPUS; c++) {
		json_obj_begin(j);
		json_ku64(j, "cpu", c);
		json_ku64(j, "traced_running_ns", tot->running_cpu[c]);
		if (st) {
			json_ku64(j, "traced_busy_ns", st->cpu[c].ns[GP_CPU_TRACED]);
			json_ku64(j, "other_busy_ns", st->cpu[c].ns[GP_CPU_OTHER]);
			json_ku64(j, "idle_ns", st->cpu[c].ns[GP_CPU_IDLE]);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_trace(struct gp_json *j, const struct gp_report *r)
{
	const struct gp_model *m = r->model;
	int t;

	json_key(j, "trace");
	json_obj_begin(j);
	json_ku64(j, "start_ns", r->start_ts);
	json_ku64(j, "end_ns", r->end_ts);
	json_ku64(j, "duration_ns", r->end_ts > r->start_ts ? r->end_ts - r->start_ts : 0);
	json_ku64(j, "events", m->events);
	json_key(j, "events_by_type");
	json_obj_begin(j);
	for (t = 1; t < GP_EV_TYPE_MAX; t++)
		json_ku64(j, event_type_name(t), m->events_by_type[t]);
	json_obj_end(j);
	json_ku64(j, "ncpus", m->ncpus);
	json_obj_end(j);
}

static void json_losses(struct gp_json *j, const struct gp_report *r)
{
	struct gp_loss l[32];
	size_t n = report_losses(r, l, 32), i;

	json_key(j, "lost");
	json_obj_begin(j);
	for (i = 0; i < n; i++)
		json_ku64(j, l[i].key, l[i].count);
	json_obj_end(j);
}

int report_json(FILE *f, const struct gp_report *r)
{
	struct gp_closure c = analysis_closure(r->model);
	struct gp_totals tot;
	struct gp_json j;
	size_t i;

	totals_of_model(&tot, r->model);
	json_init(&j, f);
	json_obj_begin(&j);
	json_kstr(&j, "schema", GP_JSON_SCHEMA);
	json_key(&j, "command");
	json_arr_begin(&j);
	for (i = 0; r->argv && r->argv[i]; i++)
		json_str(&j, r->argv[i]);
	json_arr_end(&j);
	json_key(&j, "exit_status");
	if (r->exit_status >= 0)
		json_i64(&j, r->exit_status);
	else
		json_null(&j);
	json_kbool(&j, "attached", r->attached);
	json_verdict(&j, r);
	json_trace(&j, r);
	json_key(&j, "closure");
	json_obj_begin(&j);
	json_ku64(&j, "max_abs_err_ns", c.max_abs_err_ns);
	json_kdouble(&j, "max_rel_err", c.max_rel_err);
	json_obj_end(&j);
	json_key(&j, "totals");
	json_totals(&j, &tot, r->model->ncpus);
	json_key(&j, "processes");
	json_arr_begin(&j);
	for (i = 0; i < r->model->nprocs; i++)
		json_process(&j, r, r->model->procs[i], r->model->ncpus);
	json_arr_end(&j);
	json_locks(&j, r);
	json_objs(&j, r);
	json_gil(&j, r);
	json_pairs(&j, r);
	json_cpus(&j, r, &tot);
	json_losses(&j, r);
	json_obj_end(&j);
	return ferror(f) ? -1 : 0;
}
