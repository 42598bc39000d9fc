/* error.c - per-thread text of the last failure. */
#include <stdarg.h>
#include <stdio.h>

#include "mmstats.h"
#include "error.h"

static __thread char last_error[256];

int mms_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

const char *mmstats_last_error(void)
{
	return last_error;
}
