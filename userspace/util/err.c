// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include "util/err.h"

int prof_err_set(struct prof_err *pe, int code, const char *fmt, ...)
{
	va_list ap;

	if (pe) {
		pe->code = -code;
		va_start(ap, fmt);
		vsnprintf(pe->msg, sizeof(pe->msg), fmt, ap);
		va_end(ap);
	}
	return -code;
}
