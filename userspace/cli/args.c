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
