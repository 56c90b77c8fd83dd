/* SPDX-License-Identifier: GPL-2.0 */
/* Signals read from a descriptor, so a poll loop sees them among its other inputs. */
#ifndef GP_SIGFD_H
#define GP_SIGFD_H

#include <stddef.h>

/* Block the n signals of sigs and return a non-blocking signalfd for them, or -errno. */
int sigfd_take(const int *sigs, size_t n);

#endif
