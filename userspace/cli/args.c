// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include "cli/args.h"

int args_uint(const char *cmd, const char *opt, const char *s, unsigned max, unsigned *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > max) {
		fprintf(stderr, "gilprof %s: %s needs a whole number from 0 to %u, not '%s'\n", cmd,
			opt, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

int args_double(const char *cmd, const char *opt, const char *s, double min, double max,
		double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || *out < min || *out > max) {
		fprintf(stderr, "gilprof %s: %s must be a number from %g to %g, not '%s'\n", cmd,
			opt, min, max, s);
		return -1;
	}
	return 0;
}

void args_getopt_error(const char *cmd, int c, char **argv)
{
	/* optind has moved past the offending word */
	if (c == ':')
		fprintf(stderr, "gilprof %s: %s needs a value (see 'gilprof %s --help')\n", cmd,
			argv[optind - 1], cmd);
	else
		fprintf(stderr, "gilprof %s: unknown option '%s' (see 'gilprof %s --help')\n", cmd,
			argv[optind - 1], cmd);
}

int args_pids(const char *cmd, const char *s, int *pids, size_t max, size_t *n)
{
	const char *p = s;
	unsigned long v;
	char *end;
	size_t i;

	do {
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || end == p || *p == '-' || *p == '+' || !v || v > 4194304 ||
		    (*end && *end != ',')) {
			fprintf(stderr,
				"gilprof %s: -p needs process ids separated by commas, not '%s'\n",
				cmd, s);
			return -1;
		}
		for (i = 0; i < *n && pids[i] != (int)v; i++)
			;
		if (i == *n) {
			if (*n == max) {
				fprintf(stderr, "gilprof %s: -p takes at most %zu processes\n", cmd,
					max);
				return -1;
			}
			pids[(*n)++] = (int)v;
		}
		p = end + 1;
	} while (*end);
	return 0;
}
