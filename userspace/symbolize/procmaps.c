// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "symbolize/procmaps.h"
#include "util/regfile.h"

#define DELETED_SUFFIX " (deleted)"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Strict number parsing: strtoull would accept signs, spaces and silently saturate. */
static int hex_parse(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int d;

	for (; (d = hex_digit(*s)) >= 0; s++) {
		if (x >> 60)
			return -EINVAL;
		x = x << 4 | (uint64_t)d;
	}
	if (s == *p)
		return -EINVAL;
	*v = x;
	*p = s;
	return 0;
}

static int dec_parse(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	for (; *s >= '0' && *s <= '9'; s++) {
		if (x > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	if (s == *p)
		return -EINVAL;
	*v = x;
	*p = s;
	return 0;
}

static int char_expect(const char **p, char c)
{
	if (**p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

static int perms_parse(const char **p, struct gp_mapping *m)
{
	const char *s = *p;

	if ((s[0] != 'r' && s[0] != '-') || (s[1] != 'w' && s[1] != '-') ||
	    (s[2] != 'x' && s[2] != '-') || (s[3] != 'p' && s[3] != 's'))
		return -EINVAL;
	m->prot = (s[0] == 'r' ? PROT_READ : 0) | (s[1] == 'w' ? PROT_WRITE : 0) |
		  (s[2] == 'x' ? PROT_EXEC : 0);
	m->shared = s[3] == 's';
	*p = s + 4;
	return 0;
}

static int dev_parse(const char **p, uint64_t *dev)
{
	uint64_t major, minor;

	if (hex_parse(p, &major) || char_expect(p, ':') || hex_parse(p, &minor))
		return -EINVAL;
	if (major > UINT32_MAX || minor > UINT32_MAX)
		return -EINVAL;
	*dev = makedev((unsigned int)major, (unsigned int)minor);
	return 0;
}

/* "start-end perms pgoff major:minor inode [pathname]" over [line, eol). */
static int line_parse(const char *line, const char *eol, struct gp_mapping *m)
{
	const char *p = line;

	if (hex_parse(&p, &m->start) || char_expect(&p, '-') || hex_parse(&p, &m->end) ||
	    char_expect(&p, ' ') || perms_parse(&p, m) || char_expect(&p, ' ') ||
	    hex_parse(&p, &m->pgoff) || char_expect(&p, ' ') || dev_parse(&p, &m->dev) ||
	    char_expect(&p, ' ') || dec_parse(&p, &m->ino))
		return -EINVAL;
	if (p != eol && *p != ' ')
		return -EINVAL;
	if (m->start >= m->end)
		return -EINVAL;
	/* The kernel pads to a column before the path; a path's own trailing spaces are kept. */
	while (p < eol && *p == ' ')
		p++;
	m->path = strndup(p, (size_t)(eol - p));
	m->fd = -1;
	return m->path ? 0 : -ENOMEM;
}

static int mapping_push(struct gp_procmaps *pm, size_t *cap, const struct gp_mapping *m)
{
	struct gp_mapping *maps;

	if (pm->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		maps = reallocarray(pm->maps, *cap, sizeof(*maps));
		if (!maps)
			return -ENOMEM;
		pm->maps = maps;
	}
	pm->maps[pm->n++] = *m;
	return 0;
}

static int lines_parse(struct gp_procmaps *pm, const char *text)
{
	struct gp_mapping m;
	size_t cap = 0;
	const char *eol;
	int err;

	for (; *text; text = *eol ? eol + 1 : eol) {
		eol = strchrnul(text, '\n');
		if (eol == text)
			continue;
		memset(&m, 0, sizeof(m));
		err = line_parse(text, eol, &m);
		if (!err)
			err = mapping_push(pm, &cap, &m);
		if (err) {
			free(m.path);
			return err;
		}
	}
	return 0;
}

static int mapping_cmp(const void *a, const void *b)
{
	const struct gp_mapping *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int overlaps_check(const struct gp_procmaps *pm)
{
	for (size_t i = 1; i < pm->n; i++)
		if (pm->maps[i].start < pm->maps[i - 1].end)
			return -EINVAL;
	return 0;
}

int procmaps_parse(const char *text, int pid, struct gp_procmaps **out)
{
	struct gp_procmaps *pm;
	int err;

	*out = NULL;
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	pm->pid = pid;
	err = lines_parse(pm, text);
	if (err)
		goto err;
	if (pm->n)
		qsort(pm->maps, pm->n, sizeof(*pm->maps), mapping_cmp);
	err = overlaps_check(pm);
	if (err)
		goto err;
	*out = pm;
	return 0;
err:
	procmaps_free(pm);
	return err;
}

long procmaps_index(const struct gp_procmaps *pm, uint64_t addr)
{
	size_t lo = 0, hi = pm->n;

	/* Invariant: maps[< lo] start at or below addr, maps[>= hi] above it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->maps[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

const struct gp_mapping *procmaps_find(const struct gp_procmaps *pm, uint64_t addr)
{
	long i = procmaps_index(pm, addr);

	if (i < 0 || addr >= pm->maps[i].end)
		return NULL;
	return &pm->maps[i];
}

static bool path_is_deleted(const char *path)
{
	size_t n = strlen(path), k = strlen(DELETED_SUFFIX);

	return n >= k && !strcmp(path + n - k, DELETED_SUFFIX);
}

bool mapping_is_anon(const struct gp_mapping *m)
{
	return !m->ino && !m->path[0];
}

bool mapping_is_file(const struct gp_mapping *m)
{
	/* Not "[heap]" and friends; anon_inode mappings have an inode but no leading slash. */
	return m->ino && m->path[0] != '[';
}

/*
 * Only regular files are opened, and only the inode the target mapped: opening a mapped device
 * node (DRM, sound, tape) has side effects, a FIFO put in place of a path would block, and a path
 * the target replaced by a link must not lead root to a file the target never had.
 */
static int regular_open(const char *path, const struct gp_mapping *m, bool check_dev)
{
	struct stat st;
	int fd = regfile_open(AT_FDCWD, path, 0, &st);

	if (fd < 0)
		return fd;
	if (st.st_ino != m->ino || (check_dev && st.st_dev != m->dev)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

int mapping_open_path(const struct gp_mapping *m)
{
	if (m->path[0] != '/' || path_is_deleted(m->path))
		return -ENOENT;
	return regular_open(m->path, m, true);
}

/*
 * map_files reaches the mapped inode itself, even deleted or replaced. Its st_dev can differ from
 * the maps column on stacked filesystems (overlayfs), so only the inode is compared there.
 */
static int mapping_open(int pid, const struct gp_mapping *m)
{
	char path[80];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid, m->start,
		 m->end);
	fd = regular_open(path, m, false);
	if (fd >= 0 || fd == -ENODEV)
		return fd;
	return mapping_open_path(m);
}

static int fd_push(struct gp_procmaps *pm, int fd)
{
	int *fds = reallocarray(pm->fds, pm->nfds + 1, sizeof(*fds));

	if (!fds)
		return -ENOMEM;
	fds[pm->nfds++] = fd;
	pm->fds = fds;
	return 0;
}

/* A file already seen in this snapshot, opened or not: its fd is shared, failures not retried. */
static const struct gp_mapping *file_seen(const struct gp_procmaps *pm, size_t j)
{
	const struct gp_mapping *m = &pm->maps[j];

	for (size_t i = j; i-- > 0;)
		if (mapping_is_file(&pm->maps[i]) && pm->maps[i].ino == m->ino &&
		    pm->maps[i].dev == m->dev)
			return &pm->maps[i];
	return NULL;
}

/*
 * Out of fds, the snapshot stays useful without them: files still in place are read by path at
 * symbolization time. Only memory exhaustion fails it.
 */
static int fds_open(struct gp_procmaps *pm)
{
	const struct gp_mapping *seen;
	struct gp_mapping *m;
	bool fds_left = true;
	int fd, err;

	for (size_t j = 0; j < pm->n; j++) {
		m = &pm->maps[j];
		if (!mapping_is_file(m))
			continue;
		seen = file_seen(pm, j);
		if (seen) {
			m->fd = seen->fd;
			continue;
		}
		if (!fds_left)
			continue;
		fd = mapping_open(pm->pid, m);
		if (fd == -ENOMEM)
			return fd;
		fds_left = fd != -EMFILE && fd != -ENFILE;
		if (fd < 0)
			continue;
		err = fd_push(pm, fd);
		if (err) {
			close(fd);
			return err;
		}
		m->fd = fd;
	}
	return 0;
}

int procfile_read(const char *path, char **out)
{
	size_t len = 0, cap = 16384;
	char *buf = NULL, *nbuf;
	ssize_t r;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (!buf || cap - len < 4096) {
			cap *= 2;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				err = -ENOMEM;
				goto err;
			}
			buf = nbuf;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto err;
		}
		if (!r)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	close(fd);
	*out = buf;
	return 0;
err:
	free(buf);
	close(fd);
	return err;
}

/*
 * The kernel drops the mmap lock between chunks of a read, so a process changing its mappings
 * meanwhile can make a merged mapping appear twice (overlapping): read again.
 */
static int maps_read(int pid, struct gp_procmaps **out)
{
	char path[64];
	char *text;
	int err = -EINVAL;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	for (int tries = 0; tries < 3 && err == -EINVAL; tries++) {
		err = procfile_read(path, &text);
		if (err)
			return err;
		err = procmaps_parse(text, pid, out);
		free(text);
	}
	return err;
}

int procmaps_snapshot(int pid, struct gp_procmaps **out)
{
	struct gp_procmaps *pm;
	int err;

	*out = NULL;
	err = maps_read(pid, &pm);
	if (err)
		return err;
	/* An exiting process (a zombie whose memory is gone) reads as no mappings at all: that is
	 * no snapshot, and must not replace one taken while it lived. */
	if (!pm->n) {
		procmaps_free(pm);
		return -ESRCH;
	}
	err = fds_open(pm);
	if (err) {
		procmaps_free(pm);
		return err;
	}
	*out = pm;
	return 0;
}

void procmaps_free(struct gp_procmaps *pm)
{
	if (!pm)
		return;
	for (size_t i = 0; i < pm->n; i++)
		free(pm->maps[i].path);
	for (size_t i = 0; i < pm->nfds; i++)
		close(pm->fds[i]);
	free(pm->maps);
	free(pm->fds);
	free(pm);
}
