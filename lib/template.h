/*
 * template.h - file name and directory templates, as the reference
 * expands them: Python 2.7's str.format(CMD=..., PID=..., TID=...).
 */
#ifndef MMS_TEMPLATE_H
#define MMS_TEMPLATE_H

#include <stddef.h>

/* The values a template may name: {CMD} is a string, the others ints. */
struct mms_template_fields {
	const char *cmd;
	long long pid;
	long long tid;
};

/*
 * Expand `tmpl` into buf (NUL-terminated) as Python 2.7 expands
 * tmpl.format(CMD=f->cmd, PID=f->pid, TID=f->tid): {{ and }}, named
 * fields, the conversions !s (and !r of a number), nested fields in a
 * format spec, and the format spec mini-language of ints (types d n b o
 * x X) and of strings (s).  Anything else Python refuses, and what this
 * does not support (positional, attribute and index fields, !r of a
 * string, the float types and c), is -EINVAL with a message that starts
 * with `what` and the template ("file name template \"{FOO}\": ...").
 * -ENAMETOOLONG if the result does not fit in len bytes.
 */
int mms_template_format(const char *what, const char *tmpl,
			const struct mms_template_fields *f,
			char *buf, size_t len);

#endif
