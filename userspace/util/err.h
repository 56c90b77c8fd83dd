/* SPDX-License-Identifier: GPL-2.0 */
/* The error convention of the pure modules: a negative errno return value and a message that
 * names the file, the place and the cause, for the one line the user sees. */
#ifndef GP_ERR_H
#define GP_ERR_H

/* Room for a message that names the file, the line and the cause. */
#define PROF_ERR_MSG_LEN 512

/* The error of a failed call: its negative errno return value and a message for the user. */
struct prof_err {
	int code;
	char msg[PROF_ERR_MSG_LEN];
};

/* Fill *pe (if not NULL) and return -code, so that callers can write `return prof_err_set(...)`. */
int prof_err_set(struct prof_err *pe, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
