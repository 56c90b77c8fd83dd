// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/gzfile.h"

#define GZR_BUFSZ (4u << 20)
#define GZR_CHUNK (1u << 20)
#define GZR_NCHUNKS 4
/* A folded line this long is certainly not a stack; stop before exhausting memory. */
#define GZR_LINE_MAX (256u << 20)

/*
 * Inflating costs about as much as parsing folded text, so compressed input is inflated by a
 * thread, GZR_NCHUNKS chunks ahead of the reader: the two overlap on a second core.
 */
struct gz_pipe {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a chunk was filled or consumed, or the reader left */
	gzFile gz;
	const char *name;
	char *data; /* GZR_NCHUNKS chunks of GZR_CHUNK bytes */
	size_t len[GZR_NCHUNKS];
	unsigned long head, tail; /* chunks filled and consumed so far */
	bool done; /* end of input or error, in err and pe */
	bool stop; /* the reader is closing */
	int err;
	struct prof_err pe;
};

bool path_is_gz(const char *path)
{
	size_t n = strlen(path);

	return n > 3 && !strcmp(path + n - 3, ".gz");
}

/* The caller names the file; what says which step failed where that is not obvious. */
static void writer_fail(struct gz_writer *w, int code, const char *what)
{
	if (w->err.code)
		return;
	prof_err_set(&w->err, code, "%s%s%s", strerror(code), *what ? " " : "", what);
}

static void writer_gz_fail(struct gz_writer *w)
{
	int zerr;
	const char *msg = gzerror(w->gz, &zerr);

	if (w->err.code)
		return;
	if (zerr == Z_ERRNO)
		writer_fail(w, errno ? errno : EIO, "");
	else
		prof_err_set(&w->err, EIO, "gzip: %s", msg);
}

static void fd_write_all(struct gz_writer *w, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(w->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			writer_fail(w, n < 0 ? errno : EIO, "");
			return;
		}
		p += n;
		len -= n;
	}
}

void gzwriter_flush(struct gz_writer *w)
{
	size_t len = w->len;

	w->len = 0;
	if (w->err.code || !len)
		return;
	if (w->gz) {
		if (gzwrite(w->gz, w->buf, len) != (int)len)
			writer_gz_fail(w);
	} else if (w->fp) {
		if (fwrite(w->buf, 1, len, w->fp) != len)
			writer_fail(w, errno ? errno : EIO, "");
	} else {
		fd_write_all(w, w->buf, len);
	}
}

void gzwriter_printf(struct gz_writer *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	/* Also keeps gcc 12's -Wformat-truncation quiet under -fsanitize=undefined. */
	if (!fmt)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->buf + w->len, GZW_BUFSZ - w->len, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < GZW_BUFSZ - w->len) {
		w->len += n;
		return;
	}
	gzwriter_flush(w);
	va_start(ap, fmt);
	n = vsnprintf(w->buf, GZW_BUFSZ, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= GZW_BUFSZ)
		writer_fail(w, EOVERFLOW, "(a line too long to format)");
	else
		w->len = n;
}

static void writer_init(struct gz_writer *w, const char *name)
{
	w->gz = NULL;
	w->fp = NULL;
	w->fd = -1;
	w->name = name;
	w->len = 0;
	w->err.code = 0;
	w->err.msg[0] = '\0';
}

void gzwriter_open_fp(struct gz_writer *w, FILE *fp, const char *name)
{
	writer_init(w, name ? name : "output stream");
	w->fp = fp;
}

int gzwriter_open_fd(struct gz_writer *w, int fd, int level, const char *name, struct prof_err *pe)
{
	char mode[16];
	int gzfd;

	writer_init(w, name ? name : "output");
	if (level < 0 || level > 9)
		return prof_err_set(pe, EINVAL, "gzip level %d is not in 0..9", level);
	w->fd = fd;
	if (!level)
		return 0;
	/* gzclose() closes its descriptor; the caller's stays open for syncing and linking. */
	gzfd = dup(fd);
	if (gzfd < 0)
		return prof_err_set(pe, errno, "dup for %s: %s", w->name, strerror(errno));
	snprintf(mode, sizeof(mode), "wb%d", level);
	w->gz = gzdopen(gzfd, mode);
	if (!w->gz) {
		close(gzfd);
		return prof_err_set(pe, ENOMEM, "cannot start gzip output to %s", w->name);
	}
	gzbuffer(w->gz, 1u << 17);
	return 0;
}

static void writer_finish(struct gz_writer *w)
{
	int zerr;

	gzwriter_flush(w);
	if (w->gz) {
		zerr = gzclose(w->gz);
		w->gz = NULL;
		if (zerr != Z_OK)
			writer_fail(w, zerr == Z_ERRNO ? errno : EIO,
				    "(finishing the gzip stream)");
	}
	if (w->fp && fflush(w->fp))
		writer_fail(w, errno, "");
}

int gzwriter_close(struct gz_writer *w, int err, struct prof_err *pe)
{
	if (!err) {
		writer_finish(w);
		err = w->err.code;
		if (err && pe)
			*pe = w->err;
	} else if (w->gz) {
		gzclose(w->gz);
	}
	writer_init(w, NULL);
	return err;
}

static int gz_fail(gzFile gz, const char *name, struct prof_err *pe)
{
	int zerr;
	const char *msg = gzerror(gz, &zerr);

	if (zerr == Z_ERRNO)
		return prof_err_set(pe, errno ? errno : EIO, "reading %s: %s", name,
				    strerror(errno ? errno : EIO));
	return prof_err_set(pe, EIO, "reading %s: %s (corrupt or truncated gzip data?)", name, msg);
}

/* Up to len bytes; 0 only at a clean end of the input. */
static int gz_chunk_read(gzFile gz, const char *name, char *dst, size_t len, struct prof_err *pe)
{
	int zerr, n = gzread(gz, dst, len > INT_MAX ? INT_MAX : len);

	if (n > 0)
		return n;
	/* zlib reports a truncated gzip stream only through gzerror() at the end. */
	gzerror(gz, &zerr);
	if (n == 0 && zerr == Z_OK)
		return 0;
	return gz_fail(gz, name, pe);
}

static void *pipe_run(void *arg)
{
	struct gz_pipe *pp = arg;
	unsigned long slot;
	int n;

	pthread_mutex_lock(&pp->lock);
	while (!pp->stop && !pp->done) {
		if (pp->head - pp->tail == GZR_NCHUNKS) {
			pthread_cond_wait(&pp->cond, &pp->lock);
			continue;
		}
		slot = pp->head % GZR_NCHUNKS;
		pthread_mutex_unlock(&pp->lock);
		n = gz_chunk_read(pp->gz, pp->name, pp->data + slot * GZR_CHUNK, GZR_CHUNK,
				  &pp->pe);
		pthread_mutex_lock(&pp->lock);
		if (n > 0) {
			pp->len[slot] = n;
			pp->head++;
		} else {
			pp->err = n;
			pp->done = true;
		}
		pthread_cond_broadcast(&pp->cond);
	}
	pthread_mutex_unlock(&pp->lock);
	return NULL;
}

/* Without a thread (or for plain input) the reader inflates in line, which is only slower. */
static void pipe_start(struct gz_reader *r)
{
	struct gz_pipe *pp;

	if (gzdirect(r->gz))
		return;
	pp = calloc(1, sizeof(*pp));
	if (!pp)
		return;
	pp->data = malloc((size_t)GZR_NCHUNKS * GZR_CHUNK);
	pp->gz = r->gz;
	pp->name = r->name;
	if (!pp->data || pthread_mutex_init(&pp->lock, NULL))
		goto fail_data;
	if (pthread_cond_init(&pp->cond, NULL))
		goto fail_lock;
	if (pthread_create(&pp->thread, NULL, pipe_run, pp))
		goto fail_cond;
	r->pipe = pp;
	return;
fail_cond:
	pthread_cond_destroy(&pp->cond);
fail_lock:
	pthread_mutex_destroy(&pp->lock);
fail_data:
	free(pp->data);
	free(pp);
}

static void pipe_stop(struct gz_pipe *pp)
{
	pthread_mutex_lock(&pp->lock);
	pp->stop = true;
	pthread_cond_broadcast(&pp->cond);
	pthread_mutex_unlock(&pp->lock);
	pthread_join(pp->thread, NULL);
	pthread_cond_destroy(&pp->cond);
	pthread_mutex_destroy(&pp->lock);
	free(pp->data);
	free(pp);
}

/* Copy the next inflated chunk to dst (room for GZR_CHUNK bytes); 0 at the end. */
static int pipe_take(struct gz_pipe *pp, char *dst, struct prof_err *pe)
{
	unsigned long slot;
	int n;

	pthread_mutex_lock(&pp->lock);
	while (pp->tail == pp->head && !pp->done)
		pthread_cond_wait(&pp->cond, &pp->lock);
	if (pp->tail == pp->head) {
		n = pp->err;
		if (n && pe)
			*pe = pp->pe;
		pthread_mutex_unlock(&pp->lock);
		return n;
	}
	slot = pp->tail % GZR_NCHUNKS;
	n = pp->len[slot];
	pthread_mutex_unlock(&pp->lock);
	/* The producer does not touch a chunk until it is consumed. */
	memcpy(dst, pp->data + slot * GZR_CHUNK, n);
	pthread_mutex_lock(&pp->lock);
	pp->tail++;
	pthread_cond_broadcast(&pp->cond);
	pthread_mutex_unlock(&pp->lock);
	return n;
}

int gzreader_open_fd(struct gz_reader *r, int fd, const char *name, struct prof_err *pe)
{
	int err;

	*r = (struct gz_reader){0};
	r->name = strdup(name);
	r->buf = malloc(GZR_BUFSZ);
	if (!r->name || !r->buf) {
		close(fd);
		err = prof_err_set(pe, ENOMEM, "out of memory opening %s", name);
		goto fail;
	}
	r->cap = GZR_BUFSZ;
	r->gz = gzdopen(fd, "rb");
	if (!r->gz) {
		close(fd);
		err = prof_err_set(pe, ENOMEM, "cannot start reading %s", r->name);
		goto fail;
	}
	gzbuffer(r->gz, 1u << 17);
	pipe_start(r);
	return 0;
fail:
	gzreader_close(r);
	return err;
}

/* Move the unread bytes to the front and make room for need more: a long line grows it. */
static int reader_make_room(struct gz_reader *r, size_t need, struct prof_err *pe)
{
	size_t cap = r->cap;
	char *n;

	if (r->start) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end >= GZR_LINE_MAX)
		return prof_err_set(pe, E2BIG, "%s: a line is longer than %u bytes", r->name,
				    GZR_LINE_MAX);
	while (cap - r->end < need)
		cap *= 2;
	if (cap == r->cap)
		return 0;
	n = realloc(r->buf, cap);
	if (!n)
		return prof_err_set(pe, ENOMEM, "out of memory reading %s", r->name);
	r->buf = n;
	r->cap = cap;
	return 0;
}

static int reader_fill(struct gz_reader *r, struct prof_err *pe)
{
	int n;

	n = reader_make_room(r, r->pipe ? GZR_CHUNK : 1, pe);
	if (n)
		return n;
	if (r->pipe)
		n = pipe_take(r->pipe, r->buf + r->end, pe);
	else
		n = gz_chunk_read(r->gz, r->name, r->buf + r->end, r->cap - r->end, pe);
	if (n < 0)
		return n;
	r->eof = n == 0;
	r->end += n;
	return 0;
}

int gzreader_line(struct gz_reader *r, char **line, size_t *len, struct prof_err *pe)
{
	size_t scanned = 0;
	char *nl;
	int err;

	for (;;) {
		nl = memchr(r->buf + r->start + scanned, '\n', r->end - r->start - scanned);
		if (nl) {
			*line = r->buf + r->start;
			*len = nl - *line;
			r->start += *len + 1;
			return 1;
		}
		if (r->eof) {
			if (r->start == r->end)
				return 0;
			*line = r->buf + r->start;
			*len = r->end - r->start;
			r->start = r->end;
			return 1;
		}
		scanned = r->end - r->start;
		err = reader_fill(r, pe);
		if (err)
			return err;
	}
}

void gzreader_close(struct gz_reader *r)
{
	if (r->pipe)
		pipe_stop(r->pipe);
	if (r->gz)
		gzclose(r->gz);
	free(r->buf);
	free(r->name);
	*r = (struct gz_reader){0};
}
