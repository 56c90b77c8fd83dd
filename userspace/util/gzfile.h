// SPDX-License-Identifier: GPL-2.0
/*
 * Buffered output to a descriptor or stream, plain or gzip-compressed, with sticky errors; and a
 * line reader that reads plain and gzip input alike, inflating on a second thread so that
 * decompression overlaps parsing. Which file they are, and how it gets its name, is output.h's.
 */
#ifndef GP_GZFILE_H
#define GP_GZFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "util/err.h"

#define GZW_BUFSZ (1u << 16)

struct gz_writer {
	gzFile gz; /* gzip output, or NULL */
	FILE *fp; /* a caller's stream, or NULL */
	int fd; /* plain output descriptor (the caller's), or -1 */
	const char *name; /* for messages */
	size_t len;
	struct prof_err err; /* the first failure; later writes are dropped */
	char buf[GZW_BUFSZ];
};

struct gz_pipe;

struct gz_reader {
	gzFile gz;
	struct gz_pipe *pipe; /* inflating thread for compressed input, or NULL */
	char *name; /* for messages */
	char *buf;
	size_t cap, start, end;
	bool eof;
};

/* True if path ends in ".gz". */
bool path_is_gz(const char *path);

/* Write to fd, which stays the caller's: level 0 writes plain bytes, 1-9 gzip at that level. */
int gzwriter_open_fd(struct gz_writer *w, int fd, int level, const char *name, struct prof_err *pe);
/* Write plain bytes to a stream the caller owns (flushed, not closed, by gzwriter_close()). */
void gzwriter_open_fp(struct gz_writer *w, FILE *fp, const char *name);
void gzwriter_flush(struct gz_writer *w);
void gzwriter_printf(struct gz_writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * err is the caller's result so far. If 0, flush everything and return the first error of the
 * whole write (negative, with *pe filled); otherwise return err. Releases w.
 */
int gzwriter_close(struct gz_writer *w, int err, struct prof_err *pe);

/* Write errors are sticky and reported by gzwriter_close(), so writes need no checks. */
static inline void gzwriter_write(struct gz_writer *w, const void *data, size_t len)
{
	while (len > GZW_BUFSZ - w->len) {
		size_t n = GZW_BUFSZ - w->len;

		memcpy(w->buf + w->len, data, n);
		w->len += n;
		data = (const char *)data + n;
		len -= n;
		gzwriter_flush(w);
	}
	memcpy(w->buf + w->len, data, len);
	w->len += len;
}

static inline void gzwriter_puts(struct gz_writer *w, const char *s)
{
	gzwriter_write(w, s, strlen(s));
}

static inline void gzwriter_putc(struct gz_writer *w, char c)
{
	if (w->len == GZW_BUFSZ)
		gzwriter_flush(w);
	w->buf[w->len++] = c;
}

/* Read from fd, which the reader owns from here on (closed on failure too). */
int gzreader_open_fd(struct gz_reader *r, int fd, const char *name, struct prof_err *pe);
/* 1 and the next line without its '\n' (valid until the next call), 0 at the end, or -errno. */
int gzreader_line(struct gz_reader *r, char **line, size_t *len, struct prof_err *pe);
void gzreader_close(struct gz_reader *r);

#endif /* GP_GZFILE_H */
