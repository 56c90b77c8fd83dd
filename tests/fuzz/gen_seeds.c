// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's seed corpus, written at build time by the real recorder from the synthetic trace
 * of tests/recsynth.h, so that the seeds follow the format as it changes (no blobs are kept).
 * usage: gen_seeds DIR  -> DIR/NAME.gpd for each shape below
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "recsynth.h"

static const struct {
	const char *name;
	struct rs_opts o;
} seeds[] = {
	/* threads, rounds, flush_every, lines, attached, finish */
	{"full", {4, 24, 40, true, false, true}},
	{"attached", {3, 8, 0, false, true, true}},
	{"small", {2, 2, 0, false, false, true}},
	{"killed", {5, 16, 25, false, false, false}},
};

/* Written under a temporary name and renamed, so that a seed is whole or absent. */
static int gen_seed(const char *dir, const char *name, const struct rs_opts *o)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	struct gp_trace t;
	int fd, err;

	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name);
	snprintf(path, sizeof(path), "%s/%s.gpd", dir, name);
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "gen_seeds: %s: %s\n", tmp, strerror(errno));
		return 1;
	}
	err = rs_make(o, &t, fd);
	trace_free(&t);
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		fprintf(stderr, "gen_seeds: %s: %s\n", path, strerror(-err));
		unlink(tmp);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;
	int ret = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds DIR\n");
		return 2;
	}
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		ret |= gen_seed(argv[1], seeds[i].name, &seeds[i].o);
	return ret;
}
