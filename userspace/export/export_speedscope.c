// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include "export/export_speedscope.h"
#include "export/json.h"

/* Every distinct root frame (a thread's comm) becomes one profile of the stacks under it. */
static int roots_collect(const struct gp_profile *p, uint32_t **roots, size_t *n)
{
	size_t i, j, ns = profile_nstacks(p);
	struct gp_stack st;

	*n = 0;
	*roots = calloc(ns ? ns : 1, sizeof(**roots));
	if (!*roots)
		return -ENOMEM;
	for (i = 0; i < ns; i++) {
		profile_stack(p, i, &st);
		if (!st.depth)
			continue;
		for (j = 0; j < *n && (*roots)[j] != st.frames[0]; j++)
			;
		if (j == *n)
			(*roots)[(*n)++] = st.frames[0];
	}
	return 0;
}

static void profile_of_root(struct gp_json *j, const struct gp_profile *p, uint32_t root)
{
	size_t i, k, ns = profile_nstacks(p);
	uint64_t total = 0;
	struct gp_stack st;

	for (i = 0; i < ns; i++) {
		profile_stack(p, i, &st);
		if (st.depth && st.frames[0] == root)
			total += st.weight;
	}
	json_obj_begin(j);
	json_kstr(j, "type", "sampled");
	json_kstr(j, "name", profile_frame(p, root).name);
	json_kstr(j, "unit", profile_unit_is_ns(p) ? "nanoseconds" : "none");
	json_ku64(j, "startValue", 0);
	json_ku64(j, "endValue", total);
	json_key(j, "samples");
	json_arr_begin(j);
	for (i = 0; i < ns; i++) {
		profile_stack(p, i, &st);
		if (!st.depth || st.frames[0] != root)
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
		if (st.depth && st.frames[0] == root)
			json_u64(j, st.weight);
	}
	json_arr_end(j);
	json_obj_end(j);
}

int speedscope_write(const struct gp_profile *p, const char *name, FILE *f, struct prof_err *pe)
{
	struct gp_json j;
	uint32_t *roots;
	size_t n, i;

	if (roots_collect(p, &roots, &n))
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
		profile_of_root(&j, p, roots[i]);
	json_arr_end(&j);
	json_obj_end(&j);
	free(roots);
	return ferror(f) ? prof_err_set(pe, EIO, "write error") : 0;
}
