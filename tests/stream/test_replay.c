// SPDX-License-Identifier: GPL-2.0
/*
 * The recording reader on recordings the real recorder wrote (tests/recsynth.h): a whole one
 * gives the model that the same events gave fed directly, and a damaged, cut, foreign or
 * inconsistent one gives its intact chunks before the damage, or an error, with one line.
 */
#include <criterion/criterion.h>
#include <sanitizer/lsan_interface.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include "analyze/report.h"
#include "export/report_text.h"
#include "recsynth.h"
#include "stream/recfmt.h"
#include "stream/replay.h"
#include "util/version.h"

static void leak_check(void)
{
	/* Criterion ignores a worker's exit status once its test passed: a leak must crash it */
	if (__lsan_do_recoverable_leak_check())
		abort();
}

TestSuite(replay, .fini = leak_check);

static const struct rs_opts full = {
	.threads = 4, .rounds = 24, .flush_every = 40, .lines = true, .finish = true};

/* The synthetic trace's recording in memory, and the trace whose model was fed directly. */
static void rec_make(const struct rs_opts *o, struct gp_bytes *file, struct gp_trace *direct)
{
	int fd = memfd_create("recording", 0);
	off_t n;

	cr_assert_geq(fd, 0);
	cr_assert_eq(rs_make(o, direct, fd), 0);
	n = lseek(fd, 0, SEEK_END);
	cr_assert_gt(n, GP_REC_HDR_LEN);
	cr_assert_eq(pread(fd, bytes_extend(file, n), n, 0), n);
	close(fd);
}

/* Where each chunk of a sound recording ends, and the events before it. */
struct chunk_map {
	size_t n;
	size_t end[64];
	uint32_t type[64];
	uint64_t events_before[65];
};

static void chunk_map(const struct gp_bytes *file, struct chunk_map *m)
{
	struct gp_bytes raw = {0}, recs = {0};
	struct gp_cursor c;
	uint32_t type, n;
	char why[160];

	memset(m, 0, sizeof(*m));
	cursor_init(&c, file->p, file->len);
	cursor_take(&c, GP_REC_HDR_LEN);
	while (recfmt_chunk_get(&c, &type, &raw, why, sizeof(why)) == 1) {
		cr_assert_lt(m->n, 64);
		n = 0;
		if (type == GP_RC_EVENTS)
			cr_assert_eq(recfmt_events_decode(raw.p, raw.len, &recs, &n), 0);
		m->type[m->n] = type;
		m->end[m->n] = c.off;
		m->events_before[m->n + 1] = m->events_before[m->n] + n;
		m->n++;
	}
	cr_assert_eq(c.off, file->len);
	bytes_free(&raw);
	bytes_free(&recs);
}

/* replay_load() on len bytes of p; the message is checked to be one line. */
static int load(const void *p, size_t len, struct gp_trace *t, struct gp_replay_info *info,
		char msg[256])
{
	int ret;

	msg[0] = 0;
	ret = replay_load(p, len, t, info, msg, 256);
	cr_assert(!ret || (msg[0] && !strchr(msg, '\n')), "message '%s'", msg);
	if (ret < 0)
		cr_assert(!t->model && !t->stacks && !t->names && !t->argv, "kept after an error");
	return ret;
}

static void expect_same_thread(const struct gp_thread *a, const struct gp_thread *b, unsigned ncpus)
{
	cr_assert_eq(a->tid, b->tid);
	cr_assert_eq(a->tgid, b->tgid);
	cr_assert_str_eq(a->comm, b->comm);
	cr_assert_eq(a->start_ts, b->start_ts);
	cr_assert_eq(a->end_ts, b->end_ts);
	cr_assert_eq(memcmp(a->bucket, b->bucket, sizeof(a->bucket)), 0, "thread %u", a->tid);
	cr_assert_eq(memcmp(a->running_cpu, b->running_cpu, ncpus * sizeof(uint64_t)), 0);
	cr_assert_eq(a->nvcsw, b->nvcsw);
	cr_assert_eq(a->nivcsw, b->nivcsw);
	cr_assert_eq(a->migrations, b->migrations);
	cr_assert_eq(a->wakeups, b->wakeups);
}

static void expect_same_lock(const struct gp_lock *a, const struct gp_lock *b)
{
	cr_assert_eq(a->tgid, b->tgid);
	cr_assert_eq(a->uaddr, b->uaddr);
	cr_assert_eq(a->waits, b->waits);
	cr_assert_eq(memcmp(a->outcome, b->outcome, sizeof(a->outcome)), 0);
	cr_assert_eq(a->wait_ns, b->wait_ns);
	cr_assert_eq(a->blocked_ns, b->blocked_ns);
	cr_assert_eq(a->max_ns, b->max_ns);
	cr_assert_eq(a->handoffs, b->handoffs);
	cr_assert_eq(a->futile, b->futile);
	cr_assert_eq(a->nwaiters, b->nwaiters);
	cr_assert_eq(a->wait_stacks.n, b->wait_stacks.n);
	cr_assert_eq(a->release_stacks.n, b->release_stacks.n);
}

/* Every figure a report prints comes from these. */
static void expect_same_model(const struct gp_model *a, const struct gp_model *b)
{
	size_t i;

	cr_assert_eq(a->ncpus, b->ncpus);
	cr_assert_eq(a->events, b->events);
	cr_assert_eq(memcmp(a->events_by_type, b->events_by_type, sizeof(a->events_by_type)), 0);
	cr_assert_eq(memcmp(a->anomalies, b->anomalies, sizeof(a->anomalies)), 0);
	cr_assert_eq(a->first_ts, b->first_ts);
	cr_assert_eq(a->end_ts, b->end_ts);
	cr_assert_eq(a->nthreads, b->nthreads);
	for (i = 0; i < a->nthreads; i++)
		expect_same_thread(a->threads[i], b->threads[i], a->ncpus);
	cr_assert_eq(a->nprocs, b->nprocs);
	for (i = 0; i < a->nprocs; i++) {
		cr_assert_eq(a->procs[i]->exit_code, b->procs[i]->exit_code);
		cr_assert_eq(a->procs[i]->exec_ts, b->procs[i]->exec_ts);
		cr_assert_eq(a->procs[i]->maxrss_kb, b->procs[i]->maxrss_kb);
		cr_assert_str_eq(a->procs[i]->exe, b->procs[i]->exe);
	}
	cr_assert_eq(a->nlocks, b->nlocks);
	for (i = 0; i < a->nlocks; i++)
		expect_same_lock(a->locks[i], b->locks[i]);
	cr_assert_eq(a->npairs, b->npairs);
}

/* The text report of t, as gilprof report prints it. */
static char *report_of(const struct gp_trace *t)
{
	struct gp_report_opts o = {.top_locks = 20, .top_pairs = 10};
	struct gp_report r;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(f);
	cr_assert_eq(report_init(&r, t, &o), 0);
	cr_assert_eq(report_text(f, &r), 0);
	report_free(&r);
	fclose(f);
	return text;
}

/* Every fact of the live table, numbers included, is in the table read back. */
static void names_same(const struct gp_nametab *want, const struct gp_nametab *got)
{
	size_t i, kinds[GP_NK_COUNT] = {0};

	cr_assert_eq(got->n, want->n);
	for (i = 0; i < want->n; i++) {
		const struct gp_name *a = &want->v[i];
		const struct gp_name *b = nametab_get(got, a->kind, a->tgid, a->addr);

		cr_assert_not_null(b, "fact %zu", i);
		cr_assert_eq(b->rc, a->rc);
		cr_assert_str_eq(b->name, a->name);
		cr_assert_str_eq(b->obj, a->obj);
		cr_assert_eq(b->num[0], a->num[0]);
		cr_assert_eq(b->num[1], a->num[1]);
		kinds[a->kind]++;
	}
	for (i = 0; i < GP_NK_COUNT; i++)
		cr_assert_gt(kinds[i], 0, "no fact of kind %zu", i);
}

Test(replay, whole_recording_is_the_live_trace)
{
	struct gp_bytes file = {0};
	struct gp_trace direct, t;
	struct gp_replay_info info;
	struct chunk_map map;
	char msg[256], *want, *got;
	size_t i;

	rec_make(&full, &file, &direct);
	chunk_map(&file, &map);
	cr_assert_gt(map.n, 5, "several EVENTS chunks");
	cr_assert_eq(load(file.p, file.len, &t, &info, msg), 0, "%s", msg);
	cr_assert_eq(info.chunks, map.n);
	cr_assert_eq(info.bytes_used, file.len);
	cr_assert_eq(info.events, direct.model->events);
	cr_assert_str_eq(info.version, GP_VERSION);
	expect_same_model(direct.model, t.model);
	cr_assert_eq(t.start_ts, direct.start_ts);
	cr_assert_eq(t.end_ts, direct.end_ts);
	cr_assert_eq(t.exit_status, 0);
	cr_assert(t.lines && !t.attached);
	for (i = 0; direct.argv[i]; i++)
		cr_assert_str_eq(t.argv[i], direct.argv[i]);
	cr_assert_null(t.argv[i]);
	cr_assert_eq(memcmp(&t.stats, &direct.stats, sizeof(t.stats)), 0);
	cr_assert_eq(memcmp(t.unwind_stops, direct.unwind_stops, sizeof(t.unwind_stops)), 0);
	cr_assert_eq(stacks_count(t.stacks), stacks_count(direct.stacks));
	cr_assert_eq(t.start_wall_ns, direct.start_wall_ns);
	names_same(direct.names, t.names);
	want = report_of(&direct);
	got = report_of(&t);
	cr_assert_str_eq(got, want, "the recording's report is the live one's");
	cr_assert_not_null(strstr(got, "table_lock"));
	/* the child's exec and the peak RSS its exit carried (recsynth.h) */
	cr_assert_eq(model_process(t.model, RS_CHILD)->maxrss_kb, RS_CHILD_RSS_KB);
	cr_assert_gt(model_process(t.model, RS_CHILD)->exec_ts, 0);
	free(want);
	free(got);
	trace_free(&t);
	trace_free(&direct);
	bytes_free(&file);
}

Test(replay, attached)
{
	struct rs_opts o = {.threads = 3, .rounds = 8, .attached = true, .finish = true};
	struct gp_bytes file = {0};
	struct gp_trace direct, t;
	struct gp_replay_info info;
	char msg[256];

	rec_make(&o, &file, &direct);
	cr_assert_eq(load(file.p, file.len, &t, &info, msg), 0, "%s", msg);
	cr_assert(t.attached && !t.lines);
	cr_assert_str_eq(t.argv[0], "pid 100,200");
	cr_assert_null(t.argv[1]);
	expect_same_model(direct.model, t.model);
	trace_free(&t);
	trace_free(&direct);
	bytes_free(&file);
}

/* The trace of the intact chunks before byte off: what a damaged file must give. */
static void load_cut(const struct gp_bytes *file, size_t off, struct gp_trace *t)
{
	struct gp_replay_info info;
	char msg[256];

	cr_assert_eq(load(file->p, off, t, &info, msg), 1, "%s", msg);
}

Test(replay, flipped_byte_keeps_the_chunks_before_it)
{
	struct gp_bytes file = {0};
	struct gp_trace direct, t, cut;
	struct gp_replay_info info;
	struct chunk_map map;
	char msg[256], want[256];
	size_t k, start, at;

	rec_make(&full, &file, &direct);
	chunk_map(&file, &map);
	for (k = 0; k < map.n; k++) {
		start = k ? map.end[k - 1] : GP_REC_HDR_LEN;
		at = start + GP_REC_CHUNK_HDR_LEN + (map.end[k] - start - GP_REC_CHUNK_HDR_LEN) / 2;
		file.p[at] ^= 0x40;
		if (!k) {
			cr_assert_eq(load(file.p, file.len, &t, &info, msg), -EINVAL);
			cr_assert_str_eq(msg, "no intact recording: a chunk's checksum does not "
					      "match at byte 16");
			file.p[at] ^= 0x40;
			continue;
		}
		cr_assert_eq(load(file.p, file.len, &t, &info, msg), 1, "chunk %zu: %s", k, msg);
		snprintf(want, sizeof(want),
			 "the recording is incomplete (a chunk's checksum does not match at byte "
			 "%zu): this reports its %zu intact chunks",
			 start, k);
		cr_assert_str_eq(msg, want);
		cr_assert_eq(info.chunks, k);
		cr_assert_eq(info.bytes_used, start);
		cr_assert_eq(info.events, map.events_before[k]);
		cr_assert_eq(t.exit_status, -1, "END is not read past the damage");
		load_cut(&file, start, &cut);
		expect_same_model(cut.model, t.model);
		trace_free(&cut);
		trace_free(&t);
		file.p[at] ^= 0x40;
	}
	trace_free(&direct);
	bytes_free(&file);
}

Test(replay, cut_at_every_byte)
{
	struct rs_opts o = full;
	struct gp_bytes file = {0};
	struct gp_trace direct, t;
	struct gp_replay_info info;
	struct chunk_map map;
	char msg[256];
	size_t off, k = 0;
	int ret;

	o.rounds = 6;
	o.flush_every = 12;
	rec_make(&o, &file, &direct);
	chunk_map(&file, &map);
	for (off = 0; off <= file.len; off++) {
		while (k < map.n && map.end[k] <= off)
			k++; /* chunks [0, k) are whole in off bytes */
		ret = load(file.p, off, &t, &info, msg);
		if (off < GP_REC_HDR_LEN) {
			cr_assert_eq(ret, -EPROTO, "at %zu", off);
			cr_assert_str_eq(msg, "not a gilprof recording");
		} else if (!k) {
			cr_assert_eq(ret, -EINVAL, "at %zu", off);
			cr_assert(!strncmp(msg, "no intact recording: ", 21), "%s", msg);
		} else {
			cr_assert_eq(ret, off == file.len ? 0 : 1, "at %zu: %s", off, msg);
			cr_assert_eq(info.chunks, k);
			cr_assert_eq(info.bytes_used, map.end[k - 1]);
			cr_assert_eq(info.events, map.events_before[k]);
			cr_assert(ret == 0 || strstr(msg, "the recording is incomplete ("), "%s",
				  msg);
		}
		trace_free(&t);
	}
	trace_free(&direct);
	bytes_free(&file);
}

Test(replay, recorder_killed_before_end)
{
	struct rs_opts o = full;
	struct gp_bytes file = {0};
	struct gp_trace direct, t;
	struct gp_replay_info info;
	char msg[256];

	o.finish = false;
	rec_make(&o, &file, &direct);
	cr_assert_eq(load(file.p, file.len, &t, &info, msg), 1);
	cr_assert(strstr(msg, "the recording is incomplete (it ends before its end chunk): this "
			      "reports its "),
		  "%s", msg);
	cr_assert_eq(info.events, direct.model->events);
	cr_assert_eq(t.exit_status, -1);
	cr_assert_eq(t.end_ts, direct.model->last_ts, "ends at its last event");
	cr_assert_eq(t.stats.received, 0);
	cr_assert_eq(t.model->nthreads, direct.model->nthreads);
	cr_assert_eq(t.model->nlocks, direct.model->nlocks);
	trace_free(&t);
	trace_free(&direct);
	bytes_free(&file);
}

Test(replay, trailing_bytes)
{
	struct gp_bytes file = {0};
	struct gp_trace direct, t;
	struct gp_replay_info info;
	char msg[256];

	rec_make(&full, &file, &direct);
	bytes_put(&file, "garbage!", 8);
	cr_assert_eq(load(file.p, file.len, &t, &info, msg), 1);
	cr_assert_str_eq(msg, "8 bytes after the end of the recording are ignored");
	cr_assert_eq(info.bytes_used, file.len - 8);
	cr_assert_eq(t.exit_status, 0);
	expect_same_model(direct.model, t.model);
	trace_free(&t);
	trace_free(&direct);
	bytes_free(&file);
}

Test(replay, other_version)
{
	struct gp_bytes file = {0};
	struct gp_trace direct, t;
	struct gp_replay_info info;
	uint32_t v = 7, c;
	char msg[256], want[128];

	rec_make(&full, &file, &direct);
	memcpy(file.p + 8, &v, 4);
	c = crc32(0, file.p, 12);
	memcpy(file.p + 12, &c, 4);
	cr_assert_eq(load(file.p, file.len, &t, &info, msg), -EPROTONOSUPPORT);
	snprintf(want, sizeof(want), "recording format version 7; this gilprof reads %u",
		 GP_REC_VERSION);
	cr_assert_str_eq(msg, want);
	trace_free(&direct);
	bytes_free(&file);
}

/* Version 5 only added a record type (GP_EV_GIL): a version 4 file reads as it did. */
Test(replay, version_4_is_read)
{
	struct gp_bytes file = {0};
	struct gp_trace direct, t;
	struct gp_replay_info info;
	uint32_t v = 4, c;
	char msg[256];

	rec_make(&full, &file, &direct);
	memcpy(file.p + 8, &v, 4);
	c = crc32(0, file.p, 12);
	memcpy(file.p + 12, &c, 4);
	cr_assert_eq(load(file.p, file.len, &t, &info, msg), 0, "%s", msg);
	cr_assert_eq(t.model->events, direct.model->events);
	trace_free(&t);
	trace_free(&direct);
	bytes_free(&file);
}

Test(replay, not_a_recording)
{
	static const char passwd[] = "root:x:0:0:root:/root:/bin/bash\n"
				     "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n";
	struct gp_replay_info info;
	struct gp_trace t;
	char msg[256];

	cr_assert_eq(load(passwd, sizeof(passwd) - 1, &t, &info, msg), -EPROTO);
	cr_assert_str_eq(msg, "not a gilprof recording");
	cr_assert_eq(load("", 0, &t, &info, msg), -EPROTO);
	cr_assert_str_eq(msg, "not a gilprof recording");
	cr_assert_eq(load(GP_REC_MAGIC "\1\0\0\0\0\0\0\0", 16, &t, &info, msg), -EPROTO);
}

/*
 * Chunks whose checksums hold but whose contents do not: each is damage that adds nothing to
 * the trace. A recording is forged from the real one's header and META, then the chunk.
 */
static void forge(const struct gp_bytes *real, const struct gp_bytes *raw, uint32_t type,
		  struct gp_bytes *out)
{
	struct chunk_map map;

	chunk_map(real, &map);
	bytes_reset(out);
	bytes_put(out, real->p, map.end[0]);
	cr_assert_eq(recfmt_chunk_put(out, type, raw->p, raw->len, 6), 0);
}

static void expect_inconsistent(const struct gp_bytes *real, const struct gp_bytes *raw,
				uint32_t type, const char *name, struct gp_trace *t)
{
	struct gp_bytes file = {0};
	struct gp_replay_info info;
	char msg[256], want[128];
	struct chunk_map map;

	chunk_map(real, &map);
	forge(real, raw, type, &file);
	cr_assert_eq(load(file.p, file.len, t, &info, msg), 1, "%s", msg);
	snprintf(want, sizeof(want), "its %s chunk at byte %zu is inconsistent", name, map.end[0]);
	cr_assert(strstr(msg, want), "'%s' lacks '%s'", msg, want);
	cr_assert_eq(info.chunks, 1);
	bytes_free(&file);
}

static void put_stack(struct gp_bytes *b, uint32_t tgid, uint32_t nuser)
{
	uint32_t i;

	bytes_u32(b, tgid);
	bytes_u32(b, nuser);
	bytes_u32(b, 1);
	for (i = 0; i < nuser + 1; i++)
		bytes_u64(b, 0x400000 + i);
}

Test(replay, inconsistent_chunks_add_nothing)
{
	struct gp_bytes real = {0}, raw = {0};
	struct gp_trace direct, t;

	rec_make(&full, &real, &direct);
	/* a stack repeated: the one before it is not kept either */
	bytes_u32(&raw, 0);
	bytes_u32(&raw, 3);
	put_stack(&raw, 1, 2);
	put_stack(&raw, 1, 3);
	put_stack(&raw, 1, 2);
	expect_inconsistent(&real, &raw, GP_RC_STACKS, "stacks", &t);
	cr_assert_eq(stacks_count(t.stacks), 0);
	trace_free(&t);
	/* too many frames */
	bytes_reset(&raw);
	bytes_u32(&raw, 0);
	bytes_u32(&raw, 2);
	put_stack(&raw, 1, 2);
	put_stack(&raw, 1, GP_STACK_FRAMES_MAX + 1);
	expect_inconsistent(&real, &raw, GP_RC_STACKS, "stacks", &t);
	cr_assert_eq(stacks_count(t.stacks), 0);
	trace_free(&t);
	/* a name of an unknown kind after a good one */
	bytes_reset(&raw);
	bytes_u32(&raw, 2);
	for (uint32_t kind = GP_NK_LOCK; kind <= GP_NK_COUNT; kind += GP_NK_COUNT) {
		bytes_u32(&raw, kind);
		bytes_u32(&raw, 100);
		bytes_u64(&raw, 0x1000);
		bytes_u32(&raw, 0);
		bytes_str(&raw, "lock");
		bytes_str(&raw, "");
		bytes_u64(&raw, 0);
		bytes_u64(&raw, 0);
	}
	expect_inconsistent(&real, &raw, GP_RC_NAMES, "names", &t);
	cr_assert_eq(t.names->n, 0);
	trace_free(&t);
	/* a second META */
	bytes_reset(&raw);
	bytes_put(&raw, "whatever", 8);
	expect_inconsistent(&real, &raw, GP_RC_META, "header", &t);
	cr_assert_eq(t.model->events, 0);
	trace_free(&t);
	trace_free(&direct);
	bytes_free(&raw);
	bytes_free(&real);
}

Test(replay, inconsistent_end_and_events)
{
	struct gp_bytes real = {0}, raw = {0}, recs = {0};
	struct gp_trace direct, t;
	union gp_event e = {0};
	unsigned k;

	rec_make(&full, &real, &direct);
	/* an exit status no shell gives: nothing of END is kept */
	bytes_u64(&raw, direct.end_ts);
	bytes_u32(&raw, 300);
	bytes_u32(&raw, GP_DROP_CAUSE_MAX_BPF);
	for (k = 0; k < GP_DROP_CAUSE_MAX_BPF + 3; k++)
		bytes_u64(&raw, 9);
	bytes_u32(&raw, 0); /* ncpus */
	bytes_u32(&raw, GP_UNWIND_STOPS);
	for (k = 0; k < GP_UNWIND_STOPS; k++)
		bytes_u64(&raw, 9);
	bytes_u32(&raw, GP_PY_LOSSES);
	for (k = 0; k < GP_PY_LOSSES; k++)
		bytes_u64(&raw, 9);
	expect_inconsistent(&real, &raw, GP_RC_END, "end", &t);
	cr_assert_eq(t.exit_status, -1);
	cr_assert_eq(t.stats.received, 0);
	cr_assert_eq(t.stats.drops[0], 0);
	cr_assert_eq(t.end_ts, t.start_ts);
	trace_free(&t);
	/* a stack reference to no stack: no event of the chunk is fed */
	e.h.ts = direct.start_ts + 1;
	e.h.type = GP_EV_FORK;
	e.h.tid = e.h.tgid = 100;
	e.fork.child_tid = e.fork.child_tgid = 101;
	bytes_put(&recs, &e, event_size(GP_EV_FORK));
	e.h.type = GP_EV_STACKREF;
	e.sref.stack_id = 0;
	bytes_put(&recs, &e, event_size(GP_EV_STACKREF));
	bytes_reset(&raw);
	cr_assert_eq(recfmt_events_encode(recs.p, recs.len, 2, &raw), 0);
	expect_inconsistent(&real, &raw, GP_RC_EVENTS, "events", &t);
	cr_assert_eq(t.model->events, 0);
	cr_assert_eq(t.model->nthreads, 0);
	trace_free(&t);
	trace_free(&direct);
	bytes_free(&recs);
	bytes_free(&raw);
	bytes_free(&real);
}

/* META as a recorder writes it, with argc and argv[0] as given. */
static void meta_raw(struct gp_bytes *raw, uint32_t ncpus, uint32_t argc, const char *arg0)
{
	bytes_reset(raw);
	bytes_u32(raw, ncpus);
	bytes_u32(raw, 0);
	bytes_u32(raw, 0);
	bytes_u64(raw, 1000);
	bytes_u64(raw, 2000);
	bytes_u32(raw, argc);
	if (argc)
		bytes_str(raw, arg0);
	bytes_str(raw, "host");
	bytes_str(raw, "6.18");
	bytes_str(raw, "0.1.0");
}

static int load_meta(const struct gp_bytes *raw, char msg[256])
{
	struct gp_bytes file = {0};
	struct gp_replay_info info;
	struct gp_trace t;
	int ret;

	recfmt_header(&file);
	recfmt_chunk_put(&file, GP_RC_META, raw->p, raw->len, 6);
	ret = load(file.p, file.len, &t, &info, msg);
	trace_free(&t);
	bytes_free(&file);
	return ret;
}

Test(replay, damaged_meta_leaves_nothing)
{
	struct gp_bytes raw = {0};
	char msg[256];

	meta_raw(&raw, 2, 1, "prog");
	cr_assert_eq(load_meta(&raw, msg), 1, "%s", msg);
	cr_assert_str_eq(msg, "the recording is incomplete (it ends before its end chunk): this "
			      "reports its 1 intact chunks");
	meta_raw(&raw, 2, 0, NULL); /* every report prints argv[0] */
	cr_assert_eq(load_meta(&raw, msg), -EINVAL);
	cr_assert_str_eq(msg, "no intact recording: its header chunk at byte 16 is inconsistent");
	meta_raw(&raw, 0, 1, "prog");
	cr_assert_eq(load_meta(&raw, msg), -EINVAL);
	meta_raw(&raw, GP_MAX_CPUS + 1, 1, "prog");
	cr_assert_eq(load_meta(&raw, msg), -EINVAL);
	meta_raw(&raw, 2, 2, "prog"); /* the second argument is the host name: one short */
	cr_assert_eq(load_meta(&raw, msg), -EINVAL);
	meta_raw(&raw, 2, 1, "prog");
	bytes_put(&raw, "", 1);
	cr_assert_eq(load_meta(&raw, msg), -EINVAL, "a byte left over");
	bytes_free(&raw);
}

/*
 * Hash flooding: keys crafted to collide in the tables a recording fills. Each inverts the hash
 * as it was before the tables were keyed with a per-process seed, as an attacker with the
 * source would; with the seed they spread, and a report of them takes linear time, not hours.
 */
static uint64_t inv_mul(uint64_t m)
{
	uint64_t x = m; /* Newton's iteration: correct bits double each step */

	for (int i = 0; i < 6; i++)
		x *= 2 - m * x;
	return x;
}

static uint64_t inv_xorshift(uint64_t y, int s)
{
	uint64_t x = y;

	for (int i = 0; i < 64 / s + 1; i++)
		x = y ^ (x >> s);
	return x;
}

#define GOLD 0x9e3779b97f4a7c15ULL

/* A user frame that makes a one-frame stack of tgid hash to h (model/stacks.c, unseeded). */
static uint64_t stack_frame_for(uint32_t tgid, uint64_t h)
{
	uint64_t h1 = 1 ^ tgid * GOLD, y;

	y = inv_xorshift(h ^ tgid * GOLD, 29) * inv_mul(0xff51afd7ed558ccdULL);
	return (y ^ h1) - GOLD - (h1 << 6) - (h1 >> 2);
}

/* An address that puts key (a, addr) at hash y (util/hashmap.c, unseeded). */
static uint64_t map_key_for(uint64_t a, uint64_t y)
{
	uint64_t x = inv_xorshift(y, 31);

	x = inv_xorshift(x * inv_mul(0x94d049bb133111ebULL), 27);
	x = inv_xorshift(x * inv_mul(0xbf58476d1ce4e5b9ULL), 30);
	return (x ^ a * GOLD) - 0x632be59bd9b4e019ULL - (a << 6);
}

static void load_flood(const struct gp_bytes *raw, uint32_t type, struct gp_trace *t)
{
	struct gp_bytes real = {0}, file = {0};
	struct gp_replay_info info;
	struct gp_trace direct;
	char msg[256];

	rec_make(&full, &real, &direct);
	forge(&real, raw, type, &file);
	cr_assert_eq(load(file.p, file.len, t, &info, msg), 1, "%s", msg);
	cr_assert_eq(info.chunks, 2, "%s", msg);
	trace_free(&direct);
	bytes_free(&real);
	bytes_free(&file);
}

/* The real recording's META, then a STACKS and an EVENTS chunk. */
static void load_flood2(const struct gp_bytes *stacks, const struct gp_bytes *events,
			struct gp_trace *t)
{
	struct gp_bytes real = {0}, file = {0};
	struct gp_replay_info info;
	struct gp_trace direct;
	char msg[256];

	rec_make(&full, &real, &direct);
	forge(&real, stacks, GP_RC_STACKS, &file);
	cr_assert_eq(recfmt_chunk_put(&file, GP_RC_EVENTS, events->p, events->len, 1), 0);
	cr_assert_eq(load(file.p, file.len, t, &info, msg), 1, "%s", msg);
	cr_assert_eq(info.chunks, 3, "%s", msg);
	trace_free(&direct);
	bytes_free(&real);
	bytes_free(&file);
}

#define FLOOD 100000

Test(replay, colliding_stacks, .timeout = 60)
{
	struct gp_bytes raw = {0};
	struct gp_trace t;
	uint32_t i;

	bytes_u32(&raw, 0);
	bytes_u32(&raw, FLOOD);
	for (i = 0; i < FLOOD; i++) {
		bytes_u32(&raw, i);
		bytes_u32(&raw, 1);
		bytes_u32(&raw, 0);
		bytes_u64(&raw, stack_frame_for(i, 0x1234));
	}
	load_flood(&raw, GP_RC_STACKS, &t);
	cr_assert_eq(stacks_count(t.stacks), FLOOD);
	trace_free(&t);
	bytes_free(&raw);
}

Test(replay, colliding_names, .timeout = 60)
{
	struct gp_bytes raw = {0};
	struct gp_trace t;
	uint32_t i;

	bytes_u32(&raw, FLOOD);
	for (i = 0; i < FLOOD; i++) { /* all at slot 0 of any table up to 2^24 slots */
		bytes_u32(&raw, GP_NK_CODE);
		bytes_u32(&raw, 7);
		bytes_u64(&raw, map_key_for((uint64_t)GP_NK_CODE << 32 | 7, (i + 1ULL) << 24));
		bytes_u32(&raw, 0);
		bytes_str(&raw, "f");
		bytes_str(&raw, "");
		bytes_u64(&raw, 0);
		bytes_u64(&raw, 0);
	}
	load_flood(&raw, GP_RC_NAMES, &t);
	cr_assert_eq(t.names->n, FLOOD);
	trace_free(&t);
	bytes_free(&raw);
}

/* A lock with 300000 distinct waiters, each waiting once at a stack of its own: its waiters,
 * pairs and stacks were searched in line at every wait (a minute without sanitizers). */
Test(replay, many_waiters_on_one_lock, .timeout = 60)
{
	struct gp_bytes raw = {0}, recs = {0}, stacks = {0};
	const struct gp_lock *l;
	union gp_event e;
	struct gp_trace t;
	uint32_t i, n = 300000;

	bytes_u32(&stacks, 0);
	bytes_u32(&stacks, n);
	for (i = 0; i < n; i++) {
		bytes_u32(&stacks, 1);
		bytes_u32(&stacks, 1);
		bytes_u32(&stacks, 0);
		bytes_u64(&stacks, 0x400000 + i);
	}
	for (i = 0; i < n; i++) {
		memset(&e, 0, sizeof(e));
		e.h = (struct gp_ev_hdr){
			.ts = 2000 + 3 * i, .type = GP_EV_FUTEX_ENTER, .tid = 10 + i};
		e.fenter.uaddr = 0x1000;
		bytes_put(&recs, &e, event_size(GP_EV_FUTEX_ENTER));
		memset(&e, 0, sizeof(e));
		e.h = (struct gp_ev_hdr){.ts = 2001 + 3 * i, .type = GP_EV_STACKREF, .tid = 10 + i};
		e.sref = (struct gp_ev_stackref){e.h, GP_STK_FUTEX_WAIT, 0, 0x1000, i, 0};
		bytes_put(&recs, &e, event_size(GP_EV_STACKREF));
		memset(&e, 0, sizeof(e));
		e.h = (struct gp_ev_hdr){
			.ts = 2002 + 3 * i, .type = GP_EV_FUTEX_EXIT, .tid = 10 + i};
		bytes_put(&recs, &e, event_size(GP_EV_FUTEX_EXIT));
	}
	cr_assert_eq(recfmt_events_encode(recs.p, recs.len, 3 * n, &raw), 0);
	load_flood2(&stacks, &raw, &t);
	l = model_lock(t.model, 0, 0x1000);
	cr_assert_not_null(l);
	cr_assert_eq(l->waits, n);
	cr_assert_eq(l->nwaiters, n);
	cr_assert_eq(l->npairs, n);
	cr_assert_eq(l->wait_stacks.n, n);
	cr_assert_eq(l->wait_stacks.v[n - 1].stack, n - 1);
	trace_free(&t);
	bytes_free(&stacks);
	bytes_free(&recs);
	bytes_free(&raw);
}
