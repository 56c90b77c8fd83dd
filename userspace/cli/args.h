/* SPDX-License-Identifier: GPL-2.0 */
/* Option values and getopt errors, with the one-line messages every subcommand gives. */
#ifndef GP_ARGS_H
#define GP_ARGS_H

#include <stddef.h>

/* A whole number from 0 to max; prints why and returns -1 otherwise. */
int args_uint(const char *cmd, const char *opt, const char *s, unsigned max, unsigned *out);
/* A number from min to max. */
int args_double(const char *cmd, const char *opt, const char *s, double min, double max,
		double *out);
/* Process ids "123,456" (1 to 4194304, the kernel's most) appended to pids[*n] (duplicates
 * once); prints why and returns -1 otherwise. */
int args_pids(const char *cmd, const char *s, int *pids, size_t max, size_t *n);
/* getopt_long returned ':' (missing value) or '?' (unknown option): say which. */
void args_getopt_error(const char *cmd, int c, char **argv);

#endif
