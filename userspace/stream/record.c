// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "util/version.h"
#include "stream/recfmt.h"
#include "stream/record.h"

/* Level 6 stores events in about 60% of level 9's time for 2% more bytes (make bench). */
#define REC_ZLEVEL 6
#define REC_JOBS 2

/*
 * What one flush hands the writer thread: the raw bodies of its chunks. Encoding and compressing
 * 4 MiB of events takes 25 ms, and up to 190 ms on a loaded machine: done in the poll loop, the
 * BPF buffers filled meanwhile (perf bench sched pipe lost a third of its events); the thread
 * lets the loop go on reading. Chunks of 256 KiB would keep the loop's pauses short too, but
 * store 20% more bytes.
 */
struct rec_job {
	struct gp_bytes stacks, names, events, end; /* chunk bodies; events are records */
	uint32_t nevents;
};

struct gp_recorder {
	int fd;
	const char *path;
	struct gp_bytes events; /* records buffered since the last flush */
	uint32_t nevents;
	size_t stacks_written;
	uint32_t names_seq; /* names with a later seq are not written yet */
	uint64_t total_events;
	/* shared with the writer thread, under lock */
	pthread_t thread;
	bool started, stop;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a job was queued or done, or stop */
	struct rec_job jobs[REC_JOBS];
	unsigned long queued, done; /* jobs handed over and written so far */
	int err; /* the first write error, sticky */
	uint64_t bytes;
	/* the writer's own */
	struct gp_bytes raw, out; /* a chunk's raw bytes, the encoded chunks */
};

/* Writer side: out to the file, then emptied. Returns 0 or an errno. */
static int rec_write(struct gp_recorder *r, uint64_t *bytes)
{
	size_t off = 0;
	int err = 0;

	while (!err && off < r->out.len) {
		ssize_t n = write(r->fd, r->out.p + off, r->out.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			err = n < 0 ? errno : EIO;
		else
			off += n;
	}
	*bytes += off;
	bytes_reset(&r->out);
	return err;
}

static int rec_chunk(struct gp_recorder *r, uint32_t type, const struct gp_bytes *raw)
{
	if (raw->oom || recfmt_chunk_put(&r->out, type, raw->p, raw->len, REC_ZLEVEL))
		return ENOMEM;
	return 0;
}

static int job_write(struct gp_recorder *r, const struct rec_job *j, uint64_t *bytes)
{
	int err = 0;

	if (j->stacks.len)
		err = rec_chunk(r, GP_RC_STACKS, &j->stacks);
	if (!err && j->names.len)
		err = rec_chunk(r, GP_RC_NAMES, &j->names);
	if (!err && j->nevents) {
		bytes_reset(&r->raw);
		if (j->events.oom ||
		    recfmt_events_encode(j->events.p, j->events.len, j->nevents, &r->raw))
			err = ENOMEM;
		else
			err = rec_chunk(r, GP_RC_EVENTS, &r->raw);
	}
	if (!err && j->end.len)
		err = rec_chunk(r, GP_RC_END, &j->end);
	return err ? err : rec_write(r, bytes);
}

static void *rec_thread(void *arg)
{
	struct gp_recorder *r = arg;
	uint64_t bytes;
	int err;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (r->done == r->queued && !r->stop)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->done == r->queued)
			break;
		err = r->err;
		pthread_mutex_unlock(&r->lock);
		/* the loop fills only the slots past the queued ones: this one is the writer's */
		bytes = 0;
		if (!err)
			err = job_write(r, &r->jobs[r->done % REC_JOBS], &bytes);
		pthread_mutex_lock(&r->lock);
		r->bytes += bytes;
		if (err && !r->err)
			r->err = err;
		r->done++;
		pthread_cond_broadcast(&r->cond);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* The writer, with every signal blocked: they are the main thread's to handle. */
static int rec_thread_start(struct gp_recorder *r)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&r->thread, NULL, rec_thread, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	r->started = !err;
	return err;
}

struct gp_recorder *recorder_start(int fd, const char *path, const struct gp_rec_meta *m)
{
	struct gp_recorder *r = calloc(1, sizeof(*r));
	struct utsname u;
	size_t argc = 0, i;
	int err;

	if (!r) {
		fprintf(stderr, "gilprof: out of memory\n");
		return NULL;
	}
	r->fd = fd;
	r->path = path;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	if (uname(&u))
		memset(&u, 0, sizeof(u));
	while (m->argv[argc])
		argc++;
	recfmt_header(&r->out);
	bytes_u32(&r->raw, m->ncpus);
	bytes_u32(&r->raw, m->freq);
	bytes_u32(&r->raw, (m->lines ? GP_REC_F_LINES : 0) | (m->attached ? GP_REC_F_ATTACHED : 0));
	bytes_u64(&r->raw, m->start_ts);
	bytes_u64(&r->raw, m->start_wall_ns);
	bytes_u32(&r->raw, (uint32_t)argc);
	for (i = 0; i < argc; i++)
		bytes_str(&r->raw, m->argv[i]);
	bytes_str(&r->raw, u.nodename);
	bytes_str(&r->raw, u.release);
	bytes_str(&r->raw, GP_VERSION);
	err = rec_chunk(r, GP_RC_META, &r->raw);
	if (!err)
		err = rec_write(r, &r->bytes);
	if (!err)
		err = rec_thread_start(r);
	if (err) {
		fprintf(stderr, "gilprof: cannot write the recording %s: %s\n",
			strcmp(path, "-") ? path : "to stdout", strerror(err));
		recorder_free(r);
		return NULL;
	}
	return r;
}

int recorder_event(struct gp_recorder *r, const union gp_event *e)
{
	bytes_put(&r->events, e, event_size(e->h.type));
	r->nevents++;
	return r->events.oom ? -ENOMEM : 0;
}

size_t recorder_pending(const struct gp_recorder *r)
{
	return r->events.len;
}

static void put_stacks(struct gp_recorder *r, const struct gp_stacks *s, struct gp_bytes *b)
{
	size_t n = s ? stacks_count(s) : 0, id;
	uint32_t i;

	if (n <= r->stacks_written)
		return;
	bytes_u32(b, (uint32_t)r->stacks_written);
	bytes_u32(b, (uint32_t)(n - r->stacks_written));
	for (id = r->stacks_written; id < n; id++) {
		const struct gp_stack_rec *st = stacks_get(s, id);

		bytes_u32(b, st->tgid);
		bytes_u32(b, st->nuser);
		bytes_u32(b, st->nkernel);
		for (i = 0; i < st->nuser; i++)
			bytes_u64(b, st->user[i]);
		for (i = 0; i < st->nkernel; i++)
			bytes_u64(b, st->kernel[i]);
	}
	r->stacks_written = n;
}

static void put_names(struct gp_recorder *r, const struct gp_nametab *t, struct gp_bytes *b)
{
	uint32_t count = 0;
	size_t i, at;

	if (!t || t->seq == r->names_seq)
		return;
	at = b->len;
	bytes_u32(b, 0);
	for (i = 0; i < t->n; i++) {
		const struct gp_name *e = &t->v[i];

		if (e->seq <= r->names_seq)
			continue;
		bytes_u32(b, e->kind);
		bytes_u32(b, e->tgid);
		bytes_u64(b, e->addr);
		bytes_u32(b, (uint32_t)e->rc);
		bytes_str(b, e->name);
		bytes_str(b, e->obj);
		bytes_u64(b, e->num[0]);
		bytes_u64(b, e->num[1]);
		count++;
	}
	if (!b->oom)
		memcpy(b->p + at, &count, sizeof(count));
	r->names_seq = t->seq;
}

static void put_end(const struct gp_trace *t, struct gp_bytes *b)
{
	const struct gp_trace_stats *st = &t->stats;
	unsigned c, k;

	bytes_u64(b, t->end_ts);
	bytes_u32(b, (uint32_t)t->exit_status);
	bytes_u32(b, GP_DROP_CAUSE_MAX_BPF);
	for (k = 0; k < GP_DROP_CAUSE_MAX_BPF; k++)
		bytes_u64(b, st->drops[k]);
	bytes_u64(b, st->invalid);
	bytes_u64(b, st->stacks_dropped);
	bytes_u64(b, st->received);
	bytes_u32(b, st->ncpus);
	for (c = 0; c < st->ncpus && c < GP_MAX_CPUS; c++) {
		bytes_u64(b, st->cpu[c].last_ts);
		bytes_u32(b, st->cpu[c].cur_kind);
		bytes_u32(b, st->cpu[c].cur_tid);
		for (k = 0; k < GP_CPU_KINDS; k++)
			bytes_u64(b, st->cpu[c].ns[k]);
	}
	bytes_u32(b, GP_UNWIND_STOPS);
	for (k = 0; k < GP_UNWIND_STOPS; k++)
		bytes_u64(b, t->unwind_stops[k]);
	bytes_u32(b, GP_PY_LOSSES);
	for (k = 0; k < GP_PY_LOSSES; k++)
		bytes_u64(b, t->py_lost[k]);
}

/*
 * Hand what is buffered (and END with t) to the writer, waiting while it is REC_JOBS jobs behind:
 * memory stays bounded when the disk or the CPU is slower than the trace.
 */
static int rec_queue(struct gp_recorder *r, const struct gp_stacks *s,
		     const struct gp_nametab *names, const struct gp_trace *t)
{
	struct gp_bytes swap;
	struct rec_job *j;
	int err;

	pthread_mutex_lock(&r->lock);
	while (r->queued - r->done == REC_JOBS && !r->err)
		pthread_cond_wait(&r->cond, &r->lock);
	err = r->err;
	pthread_mutex_unlock(&r->lock);
	if (err)
		return -err;
	j = &r->jobs[r->queued % REC_JOBS];
	bytes_reset(&j->stacks);
	bytes_reset(&j->names);
	bytes_reset(&j->end);
	put_stacks(r, s, &j->stacks);
	put_names(r, names, &j->names);
	if (t)
		put_end(t, &j->end);
	/* the records change hands: the job's old buffer is the next to fill */
	swap = j->events;
	j->events = r->events;
	r->events = swap;
	bytes_reset(&r->events);
	j->nevents = r->nevents;
	r->total_events += r->nevents;
	r->nevents = 0;
	pthread_mutex_lock(&r->lock);
	r->queued++;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

int recorder_flush(struct gp_recorder *r, const struct gp_stacks *s, const struct gp_nametab *names)
{
	return rec_queue(r, s, names, NULL);
}

/* Wait for the writer to write all and end. */
static void rec_thread_stop(struct gp_recorder *r)
{
	if (!r->started)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	r->started = false;
}

int recorder_finish(struct gp_recorder *r, const struct gp_trace *t)
{
	int err = rec_queue(r, t->stacks, t->names, t);

	rec_thread_stop(r);
	if (!err && r->err)
		err = -r->err;
	if (err) {
		fprintf(stderr, "gilprof: cannot write the recording %s: %s\n",
			strcmp(r->path, "-") ? r->path : "to stdout", strerror(-err));
		return err;
	}
	return 0;
}

uint64_t recorder_bytes(struct gp_recorder *r)
{
	uint64_t n;

	pthread_mutex_lock(&r->lock);
	n = r->bytes;
	pthread_mutex_unlock(&r->lock);
	return n;
}

uint64_t recorder_events(const struct gp_recorder *r)
{
	return r->total_events + r->nevents;
}

void recorder_free(struct gp_recorder *r)
{
	if (!r)
		return;
	/* what is queued is still written: a recording ends with what it was given */
	rec_thread_stop(r);
	for (int i = 0; i < REC_JOBS; i++) {
		bytes_free(&r->jobs[i].stacks);
		bytes_free(&r->jobs[i].names);
		bytes_free(&r->jobs[i].events);
		bytes_free(&r->jobs[i].end);
	}
	bytes_free(&r->events);
	bytes_free(&r->raw);
	bytes_free(&r->out);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
}
