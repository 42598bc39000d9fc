/*
 * template.c - Python 2.7's str.format, as much of it as a file name
 * template of the reference can use.
 *
 * The reference expands its file name and directory templates with
 * str.format(CMD=..., PID=..., TID=...) under Python 2.7, where a str is
 * bytes: widths and precisions count bytes here too, and the order of
 * parsing (find the field's closing brace by counting braces, split at
 * the first ':' or '!') is that of 2.7, so a template gives the same name
 * here as there, or is refused in both.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "template.h"

/* Python gives up on a format spec nested in a spec nested in a spec. */
#define MAX_DEPTH	2
/* Any width past this fills every buffer: saturate instead of overflow. */
#define MAX_WIDTH	1000000L

struct ctx {
	const char *what, *tmpl;	/* for messages */
	const struct mms_template_fields *f;
};

struct out {
	char *buf;
	size_t len, at;
};

/* A field's value: ints stay ints until a conversion makes them str. */
struct value {
	const char *name;
	bool is_str;
	const char *s;
	size_t slen;
	long long i;
	char num[24];
};

/* A format spec: [[fill]align][sign][#][0][width][,][.precision][type] */
struct spec {
	int fill;		/* -1: not given */
	char align;		/* 0: the type's default */
	char sign;
	bool alt;
	bool comma;
	long width;		/* -1: none */
	long prec;		/* -1: none */
	char type;		/* 0: the type's default */
};

static int bad(const struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(const struct ctx *c, const char *fmt, ...)
{
	char problem[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	return mms_error(-EINVAL, "%s \"%s\": %s", c->what, c->tmpl, problem);
}

static int put(struct out *o, const char *s, size_t n)
{
	if (o->at + n >= o->len)
		return -ENAMETOOLONG;
	memcpy(o->buf + o->at, s, n);
	o->at += n;
	return 0;
}

static int put_fill(struct out *o, char fill, long n)
{
	for (; n > 0; n--)
		if (put(o, &fill, 1))
			return -ENAMETOOLONG;
	return 0;
}

/* ---- the format spec ---------------------------------------------------- */

static bool is_align(char ch)
{
	return ch == '<' || ch == '>' || ch == '=' || ch == '^';
}

/* Digits at *p: how many were read; the value saturates at MAX_WIDTH. */
static size_t get_int(const char **p, const char *end, long *v)
{
	size_t n = 0;

	*v = 0;
	for (; *p < end && **p >= '0' && **p <= '9'; (*p)++, n++)
		if (*v < MAX_WIDTH)
			*v = *v * 10 + (**p - '0');
	if (*v > MAX_WIDTH)
		*v = MAX_WIDTH;
	return n;
}

/* As 2.7's parse_internal_render_format_spec(), in the same order. */
static int parse_spec(const struct ctx *c, const struct value *v,
		      const char *p, size_t n, struct spec *sp)
{
	const char *end = p + n;
	char type;

	*sp = (struct spec){ .fill = -1, .width = -1, .prec = -1 };
	if (n >= 2 && is_align(p[1])) {
		sp->fill = (unsigned char)p[0];
		sp->align = p[1];
		p += 2;
	} else if (n >= 1 && is_align(p[0])) {
		sp->align = *p++;
	}
	if (p < end && (*p == '+' || *p == '-' || *p == ' '))
		sp->sign = *p++;
	if (p < end && *p == '#') {
		sp->alt = true;
		p++;
	}
	/* "0" before the width: zero fill, after the sign if not aligned. */
	if (sp->fill < 0 && p < end && *p == '0') {
		sp->fill = '0';
		if (!sp->align)
			sp->align = '=';
		p++;
	}
	if (get_int(&p, end, &sp->width) == 0)
		sp->width = -1;
	if (p < end && *p == ',') {
		sp->comma = true;
		p++;
	}
	if (p < end && *p == '.') {
		p++;
		if (get_int(&p, end, &sp->prec) == 0)
			return bad(c, "{%s}: the format spec has a '.' but "
				   "no precision", v->name);
	}
	if (end - p > 1)
		return bad(c, "{%s}: invalid format spec \"%.*s\"", v->name,
			   (int)n, end - n);
	if (p < end)
		sp->type = *p;
	type = sp->type ? sp->type : v->is_str ? 's' : 'd';
	if (sp->comma && type != 'd')
		return bad(c, "{%s}: ',' cannot go with type '%c'", v->name,
			   type);
	return 0;
}

/* ---- strings ------------------------------------------------------------ */

static int check_str_spec(const struct ctx *c, const struct value *v,
			  const struct spec *sp)
{
	if (sp->type && sp->type != 's')
		return bad(c, "{%s}: unknown format type '%c' for a string "
			   "(only s)", v->name, sp->type);
	if (sp->sign)
		return bad(c, "{%s}: a sign is not allowed with a string",
			   v->name);
	if (sp->alt)
		return bad(c, "{%s}: '#' is not allowed with a string",
			   v->name);
	if (sp->align == '=')
		return bad(c, "{%s}: '=' alignment (or a leading 0 without "
			   "an alignment) is not allowed with a string",
			   v->name);
	return 0;
}

static int format_str(const struct ctx *c, const struct value *v,
		      const struct spec *sp, struct out *o)
{
	size_t n = v->slen;
	char fill = sp->fill < 0 ? ' ' : (char)sp->fill;
	long pad, left;
	int err = check_str_spec(c, v, sp);

	if (err)
		return err;
	if (sp->prec >= 0 && (size_t)sp->prec < n)
		n = (size_t)sp->prec;
	pad = sp->width > (long)n ? sp->width - (long)n : 0;
	left = sp->align == '>' ? pad : sp->align == '^' ? pad / 2 : 0;
	if (put_fill(o, fill, left) || put(o, v->s, n) ||
	    put_fill(o, fill, pad - left))
		return -ENAMETOOLONG;
	return 0;
}

/* ---- integers ----------------------------------------------------------- */

static int int_base(const struct ctx *c, const struct value *v, char type)
{
	switch (type) {
	case 'd':
	case 'n':	/* the reference never sets a locale: C, as 'd' */
		return 10;
	case 'b':
		return 2;
	case 'o':
		return 8;
	case 'x':
	case 'X':
		return 16;
	case 'c':
		return bad(c, "{%s}: type 'c' (a character) is not supported",
			   v->name);
	case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case '%':
		return bad(c, "{%s}: float type '%c' is not supported",
			   v->name, type);
	default:
		return bad(c, "{%s}: unknown format type '%c' for an integer "
			   "(d, n, b, o, x or X)", v->name, type);
	}
}

/* The magnitude in `base`, most significant digit first. */
static size_t to_digits(unsigned long long m, int base, bool upper,
			char *buf)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[72];
	size_t n = 0;

	do {
		rev[n++] = set[m % (unsigned)base];
		m /= (unsigned)base;
	} while (m);
	for (size_t i = 0; i < n; i++)
		buf[i] = rev[n - 1 - i];
	return n;
}

/*
 * With ',', how many digits to write: Python pads with zeros inside the
 * grouping when the fill is '0' and the alignment '=', up to the width
 * left after sign and prefix, and a group never starts with a comma.
 */
static long grouped_digits(long ndigits, long min_width)
{
	long d = ndigits;

	while (d + (d - 1) / 3 < min_width)
		d++;
	return d;
}

/* Write d digits (the number's, zero-extended) with a comma every 3. */
static int put_grouped(struct out *o, const char *digits, long nd, long d)
{
	for (long i = 0; i < d; i++) {
		char ch = i < d - nd ? '0' : digits[i - (d - nd)];

		if (i > 0 && (d - i) % 3 == 0 && put(o, ",", 1))
			return -ENAMETOOLONG;
		if (put(o, &ch, 1))
			return -ENAMETOOLONG;
	}
	return 0;
}

/* An integer in parts: padding goes around them, or between for '='. */
struct number {
	char sign[2], prefix[3], digits[72];
	long nd;
};

static void number_parts(const struct value *v, const struct spec *sp,
			 char type, int base, struct number *num)
{
	unsigned long long m = v->i < 0 ? 0ULL - (unsigned long long)v->i
					: (unsigned long long)v->i;

	*num = (struct number){ .sign = "" };
	num->nd = (long)to_digits(m, base, type == 'X', num->digits);
	if (v->i < 0)
		num->sign[0] = '-';
	else if (sp->sign == '+' || sp->sign == ' ')
		num->sign[0] = sp->sign;
	if (sp->alt && base != 10)
		snprintf(num->prefix, sizeof(num->prefix), "0%c", type);
}

static int put_number(struct out *o, const struct spec *sp,
		      const struct number *num)
{
	char fill = sp->fill < 0 ? ' ' : (char)sp->fill;
	char align = sp->align ? sp->align : '>';
	long body = (long)(strlen(num->sign) + strlen(num->prefix));
	long d = num->nd, pad, left;

	if (sp->comma)
		d = grouped_digits(num->nd, fill == '0' && align == '=' ?
				   sp->width - body : 0);
	body += sp->comma ? d + (d - 1) / 3 : num->nd;
	pad = sp->width > body ? sp->width - body : 0;
	left = align == '>' ? pad : align == '^' ? pad / 2 : 0;
	if (put_fill(o, fill, left) ||
	    put(o, num->sign, strlen(num->sign)) ||
	    put(o, num->prefix, strlen(num->prefix)) ||
	    put_fill(o, fill, align == '=' ? pad : 0) ||
	    (sp->comma ? put_grouped(o, num->digits, num->nd, d)
		       : put(o, num->digits, (size_t)num->nd)) ||
	    put_fill(o, fill, align == '<' || align == '^' ? pad - left : 0))
		return -ENAMETOOLONG;
	return 0;
}

static int format_int(const struct ctx *c, const struct value *v,
		      const struct spec *sp, struct out *o)
{
	char type = sp->type ? sp->type : 'd';
	struct number num;
	int base = int_base(c, v, type);

	if (base < 0)
		return base;
	if (sp->prec >= 0)
		return bad(c, "{%s}: a precision is not allowed with an "
			   "integer", v->name);
	number_parts(v, sp, type, base, &num);
	return put_number(o, sp, &num);
}

/* ---- fields ------------------------------------------------------------- */

static bool named(const char *s, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(s, name, n) == 0;
}

/* strcspn() within n bytes: a spec being expanded has no NUL. */
static size_t span_to(const char *s, size_t n, const char *stops)
{
	size_t k = 0;

	while (k < n && !memchr(stops, s[k], strlen(stops)))
		k++;
	return k;
}

static int lookup(const struct ctx *c, const char *s, size_t n,
		  struct value *v)
{
	size_t nondigit = 0;

	while (nondigit < n && s[nondigit] >= '0' && s[nondigit] <= '9')
		nondigit++;
	*v = (struct value){ 0 };
	if (nondigit == n)
		return bad(c, "{%.*s}: a positional field has no value; the "
			   "fields are named: CMD, PID and TID", (int)n, s);
	if (memchr(s, '.', n) || memchr(s, '[', n))
		return bad(c, "{%.*s}: attribute and index lookups are not "
			   "supported", (int)n, s);
	if (named(s, n, "CMD")) {
		*v = (struct value){ .name = "CMD", .is_str = true,
				     .s = c->f->cmd };
		v->slen = strlen(v->s);
		return 0;
	}
	if (named(s, n, "PID"))
		*v = (struct value){ .name = "PID", .i = c->f->pid };
	else if (named(s, n, "TID"))
		*v = (struct value){ .name = "TID", .i = c->f->tid };
	else
		return bad(c, "unknown field {%.*s}; the fields are CMD, PID "
			   "and TID", (int)n, s);
	snprintf(v->num, sizeof(v->num), "%lld", v->i);
	return 0;
}

/* !s makes any value a string; !r does the same to an int only. */
static int convert(const struct ctx *c, struct value *v, char conv)
{
	if (conv == 'r' && v->is_str)
		return bad(c, "{%s!r}: !r of a string (a quoted repr) is not "
			   "supported", v->name);
	if (conv != 'r' && conv != 's')
		return bad(c, "{%s!%c}: unknown conversion (r or s)", v->name,
			   conv);
	if (!v->is_str) {
		v->s = v->num;
		v->slen = strlen(v->num);
		v->is_str = true;
	}
	return 0;
}

static int expand(const struct ctx *c, const char *t, size_t n,
		  struct out *o, int depth);

/* A spec with fields in it is expanded first, one level deep at most. */
static int expand_spec(const struct ctx *c, const char **spec, size_t *n,
		       char *buf, size_t len, int depth)
{
	struct out o = { .buf = buf, .len = len };
	int err;

	if (!memchr(*spec, '{', *n))
		return 0;
	err = expand(c, *spec, *n, &o, depth - 1);
	if (err)
		return err;
	*spec = buf;
	*n = o.at;
	return 0;
}

static int format_value(const struct ctx *c, const struct value *v,
			const char *spec, size_t n, struct out *o)
{
	struct spec sp;
	int err;

	if (n == 0)	/* format(x, '') is str(x) */
		return v->is_str ? put(o, v->s, v->slen)
				 : put(o, v->num, strlen(v->num));
	err = parse_spec(c, v, spec, n, &sp);
	if (err)
		return err;
	return v->is_str ? format_str(c, v, &sp, o) : format_int(c, v, &sp, o);
}

/* The text between a field's braces: name[!conversion][:spec]. */
static int field(const struct ctx *c, const char *s, size_t n,
		 struct out *o, int depth)
{
	size_t name_n = span_to(s, n, ":!"), k = name_n;
	const char *spec = "";
	size_t spec_n = 0;
	char conv = 0, buf[256];
	struct value v;
	int err;

	if (k < n && s[k] == '!') {
		if (k + 1 >= n)
			return bad(c, "{%.*s}: '!' must be followed by a "
				   "conversion, r or s", (int)n, s);
		conv = s[k + 1];
		if (k + 2 < n && s[k + 2] != ':')
			return bad(c, "{%.*s}: expected ':' after the "
				   "conversion", (int)n, s);
		k = k + 2 < n ? k + 2 : n;
	}
	if (k < n) {
		spec = s + k + 1;
		spec_n = n - k - 1;
	}
	err = lookup(c, s, name_n, &v);
	if (!err && conv)
		err = convert(c, &v, conv);
	if (!err)
		err = expand_spec(c, &spec, &spec_n, buf, sizeof(buf), depth);
	if (!err)
		err = format_value(c, &v, spec, spec_n, o);
	return err;
}

/* Where the field that starts after the '{' at t[i - 1] ends, or n. */
static size_t field_end(const char *t, size_t i, size_t n)
{
	int open = 1;

	for (; i < n; i++) {
		if (t[i] == '{')
			open++;
		else if (t[i] == '}' && --open == 0)
			return i;
	}
	return n;
}

static int expand(const struct ctx *c, const char *t, size_t n,
		  struct out *o, int depth)
{
	size_t i = 0, end;
	int err = 0;

	if (depth <= 0)
		return bad(c, "fields nested too deeply in a format spec");
	while (i < n && !err) {
		if ((t[i] == '{' || t[i] == '}') && i + 1 < n &&
		    t[i + 1] == t[i]) {
			err = put(o, t + i, 1);	/* {{ or }} */
			i += 2;
		} else if (t[i] == '}') {
			return bad(c, "single '}' (write '}}' for a brace)");
		} else if (t[i] == '{') {
			end = field_end(t, i + 1, n);
			if (end == n)
				return bad(c, "'{' without its '}' (write "
					   "'{{' for a brace)");
			err = field(c, t + i + 1, end - i - 1, o, depth);
			i = end + 1;
		} else {
			err = put(o, t + i++, 1);
		}
	}
	return err;
}

int mms_template_format(const char *what, const char *tmpl,
			const struct mms_template_fields *f,
			char *buf, size_t len)
{
	struct ctx c = { .what = what, .tmpl = tmpl, .f = f };
	struct out o = { .buf = buf, .len = len };
	int err;

	if (len == 0)
		return mms_error(-ENAMETOOLONG, "%s \"%s\" is too long once "
				 "expanded", what, tmpl);
	buf[0] = '\0';
	err = expand(&c, tmpl, strlen(tmpl), &o, MAX_DEPTH);
	if (err == -ENAMETOOLONG)
		return mms_error(err, "%s \"%s\" is too long once expanded",
				 what, tmpl);
	if (err)
		return err;
	buf[o.at] = '\0';
	return 0;
}
