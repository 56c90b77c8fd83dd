/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The structure of a Chrome trace-event file as gilprof writes it (--trace), checked the way a
 * viewer reads it: every event has ph, ts, pid and tid; an "X" slice has a duration of at least
 * 0; each flow id has one "s" and one "f", the "f" not before the "s"; the slices of a track
 * (pid, tid) do not overlap and the track is named. Each track's slice total is kept, for the
 * callers to hold against the report's lifetimes. The unit and end-to-end tests share it.
 */
#ifndef GP_TESTS_TRACE_CHECK_H
#define GP_TESTS_TRACE_CHECK_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TC_MAX_TRACKS 1024

struct tc_track {
	int64_t pid, tid;
	bool named;
	double *iv; /* [start, end) pairs of its slices, us */
	size_t n, cap;
	double total_us;
};

struct tc_flow {
	int s, f;
	double s_ts, f_ts;
};

struct tc_result {
	size_t events, slices, flows;
	struct tc_track tracks[TC_MAX_TRACKS];
	size_t ntracks;
	char err[512];
};

static inline struct tc_track *tc_track(struct tc_result *r, int64_t pid, int64_t tid)
{
	for (size_t i = 0; i < r->ntracks; i++)
		if (r->tracks[i].pid == pid && r->tracks[i].tid == tid)
			return &r->tracks[i];
	if (r->ntracks == TC_MAX_TRACKS)
		return NULL;
	r->tracks[r->ntracks] = (struct tc_track){.pid = pid, .tid = tid};
	return &r->tracks[r->ntracks++];
}

static inline int tc_fail(struct tc_result *r, size_t i, const char *what)
{
	snprintf(r->err, sizeof(r->err), "event %zu: %s", i, what);
	return -1;
}

static inline bool tc_num(struct json_object *e, const char *k, double *v)
{
	struct json_object *x;

	if (!json_object_object_get_ex(e, k, &x) ||
	    !(json_object_is_type(x, json_type_int) || json_object_is_type(x, json_type_double)))
		return false;
	*v = json_object_get_double(x);
	return true;
}

static inline int tc_slice(struct tc_result *r, size_t i, struct tc_track *t, double ts,
			   struct json_object *e)
{
	double dur;

	if (!tc_num(e, "dur", &dur) || dur < 0)
		return tc_fail(r, i, "an X event without a duration of at least 0");
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->iv = realloc(t->iv, t->cap * 2 * sizeof(*t->iv));
		if (!t->iv)
			return tc_fail(r, i, "out of memory");
	}
	t->iv[2 * t->n] = ts;
	t->iv[2 * t->n + 1] = ts + dur;
	t->n++;
	t->total_us += dur;
	r->slices++;
	return 0;
}

static inline int tc_flow(struct tc_result *r, size_t i, struct tc_flow **flows, size_t *nflows,
			  char ph, double ts, struct json_object *e)
{
	struct json_object *x;
	int64_t id;

	if (!json_object_object_get_ex(e, "id", &x) || (id = json_object_get_int64(x)) <= 0 ||
	    id > 100000000)
		return tc_fail(r, i, "a flow event without a positive id");
	if ((size_t)id >= *nflows) {
		size_t n = 2 * (size_t)id + 16;

		*flows = realloc(*flows, n * sizeof(**flows));
		if (!*flows)
			return tc_fail(r, i, "out of memory");
		memset(*flows + *nflows, 0, (n - *nflows) * sizeof(**flows));
		*nflows = n;
	}
	if (ph == 's') {
		(*flows)[id].s++;
		(*flows)[id].s_ts = ts;
	} else {
		(*flows)[id].f++;
		(*flows)[id].f_ts = ts;
	}
	return 0;
}

static inline int tc_event(struct tc_result *r, size_t i, struct json_object *e,
			   struct tc_flow **flows, size_t *nflows)
{
	struct json_object *ph, *pid, *tid, *name, *x;
	struct tc_track *t;
	const char *p;
	double ts;

	if (!json_object_object_get_ex(e, "ph", &ph) || !json_object_is_type(ph, json_type_string))
		return tc_fail(r, i, "no ph");
	if (!tc_num(e, "ts", &ts))
		return tc_fail(r, i, "no ts");
	if (!json_object_object_get_ex(e, "pid", &pid) ||
	    !json_object_is_type(pid, json_type_int) ||
	    !json_object_object_get_ex(e, "tid", &tid) || !json_object_is_type(tid, json_type_int))
		return tc_fail(r, i, "no pid or tid");
	t = tc_track(r, json_object_get_int64(pid), json_object_get_int64(tid));
	if (!t)
		return tc_fail(r, i, "too many tracks");
	p = json_object_get_string(ph);
	if (!strcmp(p, "X"))
		return tc_slice(r, i, t, ts, e);
	if (!strcmp(p, "s") || !strcmp(p, "f")) {
		r->flows += *p == 's';
		return tc_flow(r, i, flows, nflows, *p, ts, e);
	}
	if (!strcmp(p, "M") && json_object_object_get_ex(e, "name", &name) &&
	    !strcmp(json_object_get_string(name), "thread_name") &&
	    json_object_object_get_ex(e, "args", &x) && json_object_object_get_ex(x, "name", &x) &&
	    json_object_get_string_len(x) > 0)
		t->named = true;
	return 0;
}

static inline int tc_cmp(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Slices of a track sorted by start: each ends (within rounding) before the next begins. */
static inline int tc_tracks(struct tc_result *r)
{
	for (size_t i = 0; i < r->ntracks; i++) {
		struct tc_track *t = &r->tracks[i];

		if (!t->n)
			continue;
		if (!t->named) {
			snprintf(r->err, sizeof(r->err), "track %lld/%lld has slices but no name",
				 (long long)t->pid, (long long)t->tid);
			return -1;
		}
		qsort(t->iv, t->n, 2 * sizeof(*t->iv), tc_cmp);
		for (size_t k = 1; k < t->n; k++) {
			if (t->iv[2 * k] < t->iv[2 * k - 1] - 1e-6) {
				snprintf(r->err, sizeof(r->err),
					 "track %lld/%lld: a slice at %.3f us overlaps the one "
					 "before, which ends at %.3f",
					 (long long)t->pid, (long long)t->tid, t->iv[2 * k],
					 t->iv[2 * k - 1]);
				return -1;
			}
		}
	}
	return 0;
}

static inline int tc_flows(struct tc_result *r, const struct tc_flow *flows, size_t n)
{
	for (size_t id = 0; id < n; id++) {
		if (!flows[id].s && !flows[id].f)
			continue;
		if (flows[id].s != 1 || flows[id].f != 1 || flows[id].f_ts < flows[id].s_ts) {
			snprintf(r->err, sizeof(r->err),
				 "flow %zu: %d starts, %d ends (an end must follow its start)", id,
				 flows[id].s, flows[id].f);
			return -1;
		}
	}
	return 0;
}

/* 0, or -1 with r->err saying what is wrong; tc_free() after either. */
static inline int trace_check(struct json_object *root, struct tc_result *r)
{
	struct json_object *evs;
	struct tc_flow *flows = NULL;
	size_t nflows = 0, i;
	int err = 0;

	memset(r, 0, sizeof(*r));
	if (!root || !json_object_object_get_ex(root, "traceEvents", &evs) ||
	    !json_object_is_type(evs, json_type_array)) {
		snprintf(r->err, sizeof(r->err), "no traceEvents array");
		return -1;
	}
	r->events = json_object_array_length(evs);
	for (i = 0; i < r->events && !err; i++)
		err = tc_event(r, i, json_object_array_get_idx(evs, i), &flows, &nflows);
	if (!err)
		err = tc_flows(r, flows, nflows);
	if (!err)
		err = tc_tracks(r);
	free(flows);
	return err;
}

static inline void tc_free(struct tc_result *r)
{
	for (size_t i = 0; i < r->ntracks; i++)
		free(r->tracks[i].iv);
}

static inline const struct tc_track *tc_find(const struct tc_result *r, int64_t pid, int64_t tid)
{
	for (size_t i = 0; i < r->ntracks; i++)
		if (r->tracks[i].pid == pid && r->tracks[i].tid == tid)
			return &r->tracks[i];
	return NULL;
}

#endif
