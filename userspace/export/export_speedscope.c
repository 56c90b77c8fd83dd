// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "export/export_speedscope.h"
#include "export/json.h"

/* Which thread a stack is: its tid, or for a stack without one (read from a folded file) its
 * root frame, the comm. */
struct ss_thread {
	uint32_t pid, tid, root;
};

static bool ss_same(const struct ss_thread *a, const struct gp_stack *st)
{
	return st->tags.tid ? a->tid == st->tags.tid && a->pid == st->tags.pid
			    : !a->tid && a->root == st->frames[0];
}

/* Every distinct thread becomes one profile of its stacks, in order of first appearance. */
static int threads_collect(const struct gp_profile *p, struct ss_thread **th, size_t *n)
{
	size_t i, j, ns = profile_nstacks(p);
	struct gp_stack st;

	*n = 0;
	*th = calloc(ns ? ns : 1, sizeof(**th));
	if (!*th)
		return -ENOMEM;
	for (i = 0; i < ns; i++) {
		profile_stack(p, i, &st);
		if (!st.depth)
			continue;
		for (j = 0; j < *n && !ss_same(&(*th)[j], &st); j++)
			;
		if (j == *n)
			(*th)[(*n)++] = (struct ss_thread){st.tags.pid, st.tags.tid, st.frames[0]};
	}
	return 0;
}

/* "worker-0 (4242)": threads of one name told apart by their tid. */
static void profile_name(struct gp_json *j, const struct gp_profile *p, const struct ss_thread *t)
{
	const char *name = profile_frame(p, t->root).name;
	char buf[160];

	if (!t->tid) {
		json_kstr(j, "name", name);
		return;
	}
	snprintf(buf, sizeof(buf), "%s (%u)", name, t->tid);
	json_kstr(j, "name", buf);
}

static void profile_of_thread(struct gp_json *j, const struct gp_profile *p,
			      const struct ss_thread *t)
{
	size_t i, k, ns = profile_nstacks(p);
	uint64_t total = 0;
	struct gp_stack st;

	for (i = 0; i < ns; i++) {
		profile_stack(p, i, &st);
		if (st.depth && ss_same(t, &st))
			total += st.weight;
	}
	json_obj_begin(j);
	json_kstr(j, "type", "sampled");
	profile_name(j, p, t);
	json_kstr(j, "unit", profile_unit_is_ns(p) ? "nanoseconds" : "none");
	json_ku64(j, "startValue", 0);
	json_ku64(j, "endValue", total);
	json_key(j, "samples");
	json_arr_begin(j);
	for (i = 0; i < ns; i++) {
		profile_stack(p, i, &st);
		if (!st.depth || !ss_same(t, &st))
			continue;
		json_arr_begin(j);
		for (k = 1; k < st.depth; k++)
			json_u64(j, st.frames[k]);
		json_arr_end(j);
	}
	json_arr_end(j);
	json_key(j, "weights");
	json_arr_begin(j);
	for (i = 0; i < ns; i++) {
		profile_stack(p, i, &st);
		if (st.depth && ss_same(t, &st))
			json_u64(j, st.weight);
	}
	json_arr_end(j);
	json_obj_end(j);
}

int speedscope_write(const struct gp_profile *p, const char *name, FILE *f, struct prof_err *pe)
{
	struct ss_thread *threads;
	struct gp_json j;
	size_t n, i;

	if (threads_collect(p, &threads, &n))
		return prof_err_set(pe, ENOMEM, "out of memory");
	json_init(&j, f);
	json_obj_begin(&j);
	json_kstr(&j, "$schema", "https://www.speedscope.app/file-format-schema.json");
	json_kstr(&j, "name", name);
	json_kstr(&j, "exporter", "gilprof");
	json_key(&j, "shared");
	json_obj_begin(&j);
	json_key(&j, "frames");
	json_arr_begin(&j);
	for (i = 0; i < profile_nframes(p); i++) {
		json_obj_begin(&j);
		json_kstr(&j, "name", profile_frame(p, i).name);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_key(&j, "profiles");
	json_arr_begin(&j);
	for (i = 0; i < n; i++)
		profile_of_thread(&j, p, &threads[i]);
	json_arr_end(&j);
	json_obj_end(&j);
	free(threads);
	return ferror(f) ? prof_err_set(pe, EIO, "write error") : 0;
}
