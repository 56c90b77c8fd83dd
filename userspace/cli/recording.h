/* SPDX-License-Identifier: GPL-2.0 */
/* Reading a recording the user names, with the user's rights, for report and diff. */
#ifndef GP_CLI_RECORDING_H
#define GP_CLI_RECORDING_H

#include "stream/trace.h"

/* Who the user is (SUDO_UID) and the broker that reads as that user: 0 or an exit status. */
int recording_begin(void);
/*
 * Load the recording at path ("-" is stdin) into t; *fd stays open for checks against the
 * outputs. A damaged recording's intact part is loaded with a warning. 0, or 1 after one line.
 */
int recording_load(const char *path, struct gp_trace *t, int *fd);

#endif
