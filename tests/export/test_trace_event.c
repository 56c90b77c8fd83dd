// SPDX-License-Identifier: GPL-2.0
/* The --trace writer's structure, read back with json-c and checked as a viewer reads it. */
#include "export/trace_event.h"
#include "trace_check.h"
#include "util/gzfile.h"
#include "tlfeed.h"

TestSuite(trace_event, .init = setup, .fini = teardown);

struct te_out {
	const struct gp_report *r;
	const struct gp_tlview *v;
};

static int te_write(FILE *f, void *ctx)
{
	struct te_out *o = ctx;
	struct prof_err pe = {0};
	struct gz_writer w;

	gzwriter_open_fp(&w, f, "trace");
	return gzwriter_close(&w, trace_event_emit(&w, o->r, o->v, "\nverdict\n  wall 60 ms\n"),
			      &pe);
}

/* The trace of the model, parsed; *text keeps the bytes. */
static struct json_object *te_trace(char **text)
{
	struct gp_report r;
	struct gp_tlview v;
	struct te_out o = {&r, &v};
	struct json_object *j;

	tl_report(&r, 60 * MS);
	cr_assert_eq(tlview_build(&r, &v), 0);
	*text = tl_capture(te_write, &o);
	tlview_free(&v);
	report_free(&r);
	j = json_tokener_parse(*text);
	cr_assert_not_null(j, "not JSON:\n%s", *text);
	return j;
}

static size_t te_count(struct json_object *j, const char *ph, const char *name)
{
	struct json_object *evs = json_object_object_get(j, "traceEvents"), *x;
	size_t n = 0;

	for (size_t i = 0; i < json_object_array_length(evs); i++) {
		struct json_object *e = json_object_array_get_idx(evs, i);

		if (strcmp(json_object_get_string(json_object_object_get(e, "ph")), ph))
			continue;
		x = json_object_object_get(e, "name");
		n += !name || (x && !strcmp(json_object_get_string(x), name));
	}
	return n;
}

Test(trace_event, states_tile_each_thread_and_wakeups_are_flows)
{
	struct tc_result res;
	struct json_object *j;
	const struct tc_track *t;
	char *text;

	tl_feed_turns();
	j = te_trace(&text);
	cr_assert_eq(trace_check(j, &res), 0, "%s", res.err);
	/* each thread's slices add up to its lifetime, to the nanosecond */
	for (uint32_t tid = 1; tid <= 2; tid++) {
		t = tc_find(&res, P, tid);
		cr_assert_not_null(t);
		cr_assert_float_eq(t->total_us * 1000, 60 * MS, 1e-3, "thread %u", tid);
	}
	cr_assert_eq(res.flows, 11, "the 11 hand-offs");
	cr_assert_eq(te_count(j, "X", "hot"), 12, "lock waits named by their lock");
	/* the CPU lanes: cpu0 ran a thread all along */
	t = tc_find(&res, GP_TE_CPU_PID, GP_TE_CPU_TID(0));
	cr_assert_not_null(t);
	cr_assert_float_eq(t->total_us, 60000, 1e-6);
	cr_assert_eq(te_count(j, "M", "process_name"), 2, "the process and CPUs");
	cr_assert_not_null(strstr(text, "\"verdict\":[\"wall 60 ms\"]"), "%s", text);
	tc_free(&res);
	json_object_put(j);
	free(text);
}

/* A flow goes from the waker's thread at the wakeup to the wakee, not before. */
Test(trace_event, a_flow_starts_on_the_waker)
{
	struct json_object *j, *evs, *e;
	char *text;
	bool seen = false;

	tl_feed_turns();
	j = te_trace(&text);
	evs = json_object_object_get(j, "traceEvents");
	for (size_t i = 0; i + 1 < json_object_array_length(evs); i++) {
		e = json_object_array_get_idx(evs, i);
		/* the first hand-off: thread 1 woke thread 2 at 5 ms */
		if (strcmp(json_object_get_string(json_object_object_get(e, "ph")), "s") ||
		    json_object_get_double(json_object_object_get(e, "ts")) != 5000)
			continue;
		cr_assert_eq(json_object_get_int(json_object_object_get(e, "tid")), 1);
		e = json_object_array_get_idx(evs, i + 1);
		cr_assert_float_eq(json_object_get_double(json_object_object_get(e, "ts")), 5000,
				   1e-9);
		cr_assert_str_eq(json_object_get_string(json_object_object_get(e, "ph")), "f");
		cr_assert_eq(json_object_get_int(json_object_object_get(e, "tid")), 2);
		seen = true;
		break;
	}
	cr_assert(seen);
	json_object_put(j);
	free(text);
}

/* comm may hold any bytes: the file stays valid JSON, invalid UTF-8 as U+FFFD. */
Test(trace_event, names_are_escaped)
{
	struct tc_result res;
	struct json_object *j;
	char *text;

	tl_feed_parallel();
	strcpy(m->threads[0]->comm, "a\"b\\\xff\x01<");
	j = te_trace(&text);
	cr_assert_eq(trace_check(j, &res), 0, "%s", res.err);
	cr_assert_null(strchr(text, '\xff'));
	cr_assert_not_null(strstr(text, "\"a\\\"b\\\\\\ufffd\\u0001<\""), "%s", text);
	tc_free(&res);
	json_object_put(j);
	free(text);
}
