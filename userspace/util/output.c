// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/output.h"

static bool stdout_is(dev_t dev, ino_t ino)
{
	struct stat st;

	return ino && !fstat(STDOUT_FILENO, &st) && S_ISREG(st.st_mode) && st.st_dev == dev &&
	       st.st_ino == ino;
}

int output_open(struct gp_output *o, const char *opt, const char *path)
{
	char err[PATH_MAX + 200];
	int ret;

	memset(o, 0, sizeof(*o));
	o->f.fd = o->f.dirfd = -1;
	o->opt = opt;
	o->path = path;
	o->is_stdout = !strcmp(path, "-");
	if (!o->is_stdout && (ret = asuser_out_open(path, &o->f, err, sizeof(err)))) {
		fprintf(stderr, "gilprof: %s%s%s\n", opt ? opt : "", opt ? ": " : "", err);
		return ret;
	}
	o->open = true;
	if (o->f.kind == ASU_FILE && stdout_is(o->f.old_dev, o->f.old_ino)) {
		/* -o /dev/stdout onto a file: write through stdout, as '-' would, not replace it. */
		output_discard(o);
		o->is_stdout = o->open = true;
	}
	return 0;
}

static bool same_file(const struct gp_output *a, const struct gp_output *b)
{
	if (a->is_stdout || b->is_stdout)
		return a->is_stdout && b->is_stdout;
	/* Two writers on one device are harmless (/dev/null twice); on one name they clobber. */
	return a->f.kind == ASU_FILE && b->f.kind == ASU_FILE && a->f.dev == b->f.dev &&
	       a->f.ino == b->f.ino && !strcmp(a->f.base, b->f.base);
}

int outputs_check(struct gp_output *const *outs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; outs[i] && j < i; j++) {
			if (!outs[j] || !same_file(outs[i], outs[j]))
				continue;
			fprintf(stderr,
				"gilprof: %s %s and %s %s are the same %s: give each output "
				"its own\n",
				outs[j]->opt, outs[j]->path, outs[i]->opt, outs[i]->path,
				outs[i]->is_stdout ? "stream (stdout)" : "file");
			return -1;
		}
	}
	return 0;
}

int output_check_not_input(const struct gp_output *o, int fd)
{
	struct stat st;

	if (o->is_stdout || o->f.kind != ASU_FILE || fstat(fd, &st) || !S_ISREG(st.st_mode))
		return 0;
	if (st.st_dev != o->f.old_dev || st.st_ino != o->f.old_ino)
		return 0;
	fprintf(stderr, "gilprof: %s %s is the input file: it would be replaced by the output\n",
		o->opt, o->path);
	return -1;
}

int output_fd(const struct gp_output *o)
{
	return o->is_stdout ? STDOUT_FILENO : o->f.fd;
}

bool output_is_gz(const struct gp_output *o)
{
	return !o->is_stdout && path_is_gz(o->path);
}

void output_discard(struct gp_output *o)
{
	if (o->open && !o->is_stdout)
		asuser_out_discard(&o->f);
	o->open = false;
}

/*
 * What the written data can still fail with, as an errno or 0: a file's page cache is not yet
 * on disk (a full or failing disk shows up at fsync), a device's last error comes at close.
 */
static int output_sync(struct gp_output *o)
{
	int e;

	if (o->is_stdout)
		return fsync(STDOUT_FILENO) && errno == EIO ? EIO : 0;
	if (o->f.kind == ASU_FILE)
		return fsync(o->f.fd) ? errno : 0;
	e = o->f.kind == ASU_PUBLISHED && fsync(o->f.fd) ? errno : 0;
	if (close(o->f.fd) && errno != EINTR && !e)
		e = errno;
	o->f.fd = -1;
	return e;
}

int output_finish(struct gp_output *o, int werr, const char *msg)
{
	char err[PATH_MAX + 200];
	int e;

	if (!o->open)
		return -1;
	e = werr ? -werr : output_sync(o);
	if (e) {
		output_discard(o);
		if (msg || !werr)
			fprintf(stderr, "gilprof: cannot write %s: %s\n",
				o->is_stdout ? "stdout" : o->path, msg ? msg : strerror(e));
		return -1;
	}
	o->open = false;
	if (o->is_stdout || !asuser_out_commit(&o->f, err, sizeof(err)))
		return 0;
	fprintf(stderr, "gilprof: %s\n", err);
	return -1;
}

int output_publish(struct gp_output *o)
{
	char err[PATH_MAX + 200];
	int fd;

	if (!o->open || o->is_stdout || o->f.kind != ASU_FILE)
		return 0;
	fd = fcntl(o->f.fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "gilprof: cannot write %s: %s\n", o->path, strerror(errno));
		output_discard(o);
		return -1;
	}
	if (asuser_out_commit(&o->f, err, sizeof(err))) {
		close(fd);
		o->open = false;
		fprintf(stderr, "gilprof: %s\n", err);
		return -1;
	}
	o->f.fd = fd;
	o->f.kind = ASU_PUBLISHED;
	return 0;
}

int output_write(struct gp_output *o, int (*fn)(FILE *f, void *ctx), void *ctx)
{
	int fd, err = 0, saved = 0;
	FILE *f;

	if (!o->open)
		return -1;
	if (o->is_stdout)
		fflush(stdout);
	fd = fcntl(output_fd(o), F_DUPFD_CLOEXEC, 0);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		output_finish(o, err, strerror(-err));
		return -1;
	}
	if (fn(f, ctx))
		saved = errno ? errno : EIO;
	if ((fflush(f) || ferror(f)) && !saved)
		saved = errno ? errno : EIO;
	if (fclose(f) && !saved)
		saved = errno;
	if (saved)
		err = -saved;
	return output_finish(o, err, err ? strerror(saved) : NULL);
}

int output_write_gz(struct gp_output *o, int level, bool always_gz,
		    int (*fn)(struct gz_writer *w, void *ctx, struct prof_err *pe), void *ctx)
{
	struct prof_err pe = {0};
	struct gz_writer w;
	int err;

	if (!o->open)
		return -1;
	err = gzwriter_open_fd(&w, output_fd(o), always_gz || output_is_gz(o) ? level : 0, o->path,
			       &pe);
	if (!err)
		err = gzwriter_close(&w, fn(&w, ctx, &pe), &pe);
	if (output_finish(o, err, !err ? NULL : pe.msg[0] ? pe.msg : strerror(-err)))
		return err ? err : -1;
	return 0;
}
