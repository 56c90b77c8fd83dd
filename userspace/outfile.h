/* SPDX-License-Identifier: GPL-2.0 */
/* Output files are written to FILE.tmp and renamed, so a reader never sees half a file. */
#ifndef GP_OUTFILE_H
#define GP_OUTFILE_H

#include <stdio.h>

/* Can FILE be created? Prints one line and returns -1 if not. */
int outfile_check(const char *path);
/* Write FILE through fn; prints one line and returns -1 on any error (FILE is then untouched). */
int outfile_write(const char *path, int (*fn)(FILE *f, void *ctx), void *ctx);

#endif
