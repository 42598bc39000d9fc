/*
 * test_vectors.c - every reference vector decodes to exactly what the
 * reference reader decoded (NAME.expected.json) and renders to exactly
 * what the reference slurpstats printed (NAME.slurpstats.txt).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmstats.h"

/* ------------------------------------------------------------------ */
/* A small JSON reader: enough for the fixed shape of expected.json.   */
/* ------------------------------------------------------------------ */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype t;
	bool b;
	char *s;		/* string (decoded) or number (as written) */
	size_t n;		/* members */
	struct jval *kids;
	char **keys;		/* objects */
};

struct jin {
	const char *p;
	const char *end;
};

static void skip_ws(struct jin *in)
{
	while (in->p < in->end && strchr(" \t\r\n", *in->p))
		in->p++;
}

static void put_utf8(char **o, unsigned cp)
{
	char *q = *o;

	if (cp < 0x80) {
		*q++ = (char)cp;
	} else if (cp < 0x800) {
		*q++ = (char)(0xc0 | cp >> 6);
		*q++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*q++ = (char)(0xe0 | cp >> 12);
		*q++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*q++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*q++ = (char)(0xf0 | cp >> 18);
		*q++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*q++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*q++ = (char)(0x80 | (cp & 0x3f));
	}
	*o = q;
}

static unsigned hex4(struct jin *in)
{
	char tmp[5] = { 0 };

	assert_true(in->end - in->p >= 4);
	memcpy(tmp, in->p, 4);
	in->p += 4;
	return (unsigned)strtoul(tmp, NULL, 16);
}

static char *parse_jstring(struct jin *in)
{
	char *out = malloc((size_t)(in->end - in->p) + 1), *o = out;
	unsigned cp, lo;

	assert_non_null(out);
	assert_true(*in->p == '"');
	in->p++;
	while (in->p < in->end && *in->p != '"') {
		if (*in->p != '\\') {
			*o++ = *in->p++;
			continue;
		}
		in->p++;
		switch (*in->p++) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'u':
			cp = hex4(in);
			if (cp >= 0xd800 && cp < 0xdc00 && in->p[0] == '\\') {
				in->p += 2;
				lo = hex4(in);
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			}
			put_utf8(&o, cp);
			break;
		default: *o++ = in->p[-1]; break;
		}
	}
	assert_true(in->p < in->end);
	in->p++;
	*o = '\0';
	return out;
}

static void parse_jvalue(struct jin *in, struct jval *v);

static void parse_jlist(struct jin *in, struct jval *v, char close, bool obj)
{
	in->p++;
	skip_ws(in);
	while (in->p < in->end && *in->p != close) {
		v->kids = realloc(v->kids, (v->n + 1) * sizeof(*v->kids));
		v->keys = realloc(v->keys, (v->n + 1) * sizeof(*v->keys));
		assert_non_null(v->kids);
		assert_non_null(v->keys);
		v->keys[v->n] = NULL;
		if (obj) {
			v->keys[v->n] = parse_jstring(in);
			skip_ws(in);
			assert_true(*in->p == ':');
			in->p++;
		}
		parse_jvalue(in, &v->kids[v->n++]);
		skip_ws(in);
		if (*in->p == ',')
			in->p++;
		skip_ws(in);
	}
	assert_true(in->p < in->end);
	in->p++;
}

static void parse_jvalue(struct jin *in, struct jval *v)
{
	const char *start;

	memset(v, 0, sizeof(*v));
	skip_ws(in);
	assert_true(in->p < in->end);
	if (*in->p == '{') {
		v->t = J_OBJ;
		parse_jlist(in, v, '}', true);
	} else if (*in->p == '[') {
		v->t = J_ARR;
		parse_jlist(in, v, ']', false);
	} else if (*in->p == '"') {
		v->t = J_STR;
		v->s = parse_jstring(in);
	} else if (!strncmp(in->p, "true", 4) || !strncmp(in->p, "false", 5)) {
		v->t = J_BOOL;
		v->b = *in->p == 't';
		in->p += v->b ? 4 : 5;
	} else if (!strncmp(in->p, "null", 4)) {
		in->p += 4;
	} else {
		v->t = J_NUM;
		start = in->p;
		while (in->p < in->end && strchr("+-.0123456789eE", *in->p))
			in->p++;
		assert_true(in->p > start);
		v->s = strndup(start, (size_t)(in->p - start));
	}
}

static void jfree(struct jval *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		jfree(&v->kids[i]);
		free(v->keys[i]);
	}
	free(v->kids);
	free(v->keys);
	free(v->s);
}

static const struct jval *jget(const struct jval *obj, const char *key)
{
	size_t i;

	assert_int_equal(obj->t, J_OBJ);
	for (i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return &obj->kids[i];
	fail_msg("no key \"%s\" in expected.json", key);
	return NULL;
}

/* ------------------------------------------------------------------ */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static const char *vectors_dir(void)
{
	const char *d = getenv("MMSTATS_VECTORS");

	return d && *d ? d : "tests/vectors";
}

static void render(const struct mmstats_stat *st, char *buf, size_t len)
{
	int n = mmstats_render(&st->value, buf, len);

	if (n < 0 || (size_t)n >= len)
		fail_msg("%s: render failed (%d): %s", st->label, n,
			 mmstats_last_error());
}

static void check_value(const struct mmstats_stat *st, const struct jval *v)
{
	char text[4096];

	render(st, text, sizeof(text));
	switch (v->t) {
	case J_STR:
		assert_int_equal(st->value.kind, MMSTATS_KIND_STRING);
		assert_int_equal(st->value.v.str.len, strlen(v->s));
		assert_memory_equal(st->value.v.str.ptr, v->s, strlen(v->s));
		assert_string_equal(text, v->s);
		break;
	case J_BOOL:
		assert_int_equal(st->value.kind, MMSTATS_KIND_BOOL);
		assert_int_equal(st->value.v.b, v->b);
		break;
	case J_NUM:
		/* Python's json writes a float as its repr, an int in
		 * decimal: exactly what rendering must give. */
		if (strpbrk(v->s, ".eEn"))
			assert_int_equal(st->value.kind, MMSTATS_KIND_FLOAT);
		else
			assert_true(st->value.kind == MMSTATS_KIND_INT ||
				    st->value.kind == MMSTATS_KIND_UINT);
		assert_string_equal(text, v->s);
		break;
	default:
		fail_msg("%s: unexpected JSON value", st->label);
	}
}

static void check_decoded(const char *path, const struct mmstats_snapshot *s)
{
	char jpath[4096];
	struct jval root;
	const struct jval *fields, *f;
	struct jin in;
	size_t len, i;
	char *text;

	snprintf(jpath, sizeof(jpath), "%s.expected.json", path);
	text = slurp(jpath, &len);
	in.p = text;
	in.end = text + len;
	parse_jvalue(&in, &root);
	assert_int_equal(strtoull(jget(&root, "size")->s, NULL, 10), s->size);
	fields = jget(&root, "fields");
	assert_int_equal(fields->n, s->nstats);
	for (i = 0; i < fields->n; i++) {
		f = &fields->kids[i];
		assert_string_equal(s->stats[i].label, jget(f, "label")->s);
		assert_string_equal(s->stats[i].type,
				    jget(f, "type_signature")->s);
		assert_int_equal(s->stats[i].buffered,
				 jget(f, "buffered")->b);
		check_value(&s->stats[i], jget(f, "value"));
	}
	jfree(&root);
	free(text);
}

/* Python's len() of a str: code points, not bytes. */
static int codepoints(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* What the reference slurpstats prints: "  %-{max}s %s" per field. */
static char *slurpstats_text(const char *name, const struct mmstats_snapshot *s)
{
	size_t cap = 64 + s->size * 4, used;
	char *out = malloc(cap), value[4096];
	int width = 0, pad;
	size_t i;

	assert_non_null(out);
	for (i = 0; i < s->nstats; i++)
		if (codepoints(s->stats[i].label) > width)
			width = codepoints(s->stats[i].label);
	used = (size_t)snprintf(out, cap, "==> %s\n", name);
	for (i = 0; i < s->nstats; i++) {
		render(&s->stats[i], value, sizeof(value));
		pad = width - codepoints(s->stats[i].label);
		used += (size_t)snprintf(out + used, cap - used,
					 "  %s%*s %s\n", s->stats[i].label,
					 pad, "", value);
		assert_true(used < cap);
	}
	snprintf(out + used, cap - used, "\n");
	return out;
}

static void check_slurpstats(const char *path, const char *name,
			     const struct mmstats_snapshot *s)
{
	char tpath[4096], *want, *got;
	size_t len;

	snprintf(tpath, sizeof(tpath), "%s.slurpstats.txt", path);
	want = slurp(tpath, &len);
	got = slurpstats_text(name, s);
	assert_string_equal(got, want);
	free(want);
	free(got);
}

static bool is_vector(const char *name)
{
	size_t n = strlen(name), m = strlen(MMSTATS_SUFFIX);

	return n > m && !strcmp(name + n - m, MMSTATS_SUFFIX);
}

static void check_vector(const char *dir, const char *name)
{
	struct mmstats_snapshot snap, again;
	char path[2048];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = mmstats_read_at(AT_FDCWD, path, &snap);
	if (err)
		fail_msg("%s: %s", path, mmstats_last_error());
	assert_int_equal(snap.err, 0);
	check_decoded(path, &snap);
	check_slurpstats(path, name, &snap);
	/* Parsing the bytes directly gives the same snapshot. */
	err = mmstats_parse(snap.data, snap.size, &again);
	assert_int_equal(err, 0);
	assert_int_equal(again.nstats, snap.nstats);
	mmstats_snapshot_free(&again);
	mmstats_snapshot_free(&snap);
}

static void test_every_vector(void **state)
{
	const char *dir = vectors_dir();
	DIR *d = opendir(dir);
	struct dirent *e;
	int checked = 0;

	(void)state;
	if (!d)
		fail_msg("cannot open vectors directory %s", dir);
	while ((e = readdir(d))) {
		if (!is_vector(e->d_name))
			continue;
		print_message("vector %s\n", e->d_name);
		check_vector(dir, e->d_name);
		checked++;
	}
	closedir(d);
	assert_true(checked >= 3);
}

/* Spot checks that do not depend on the JSON reader above being right. */
static void test_all_types_spot_values(void **state)
{
	struct mmstats_snapshot s;
	const struct mmstats_stat *st;
	char path[4096];

	(void)state;
	snprintf(path, sizeof(path), "%s/all_types.mmstats", vectors_dir());
	assert_int_equal(mmstats_read_at(AT_FDCWD, path, &s), 0);
	st = mmstats_snapshot_find(&s, "web.stats.uint64");
	assert_non_null(st);
	assert_int_equal(st->value.kind, MMSTATS_KIND_UINT);
	assert_true(st->value.v.u == 18446744073709551001ull);
	st = mmstats_snapshot_find(&s, "static_int64");
	assert_non_null(st);
	assert_true(st->value.v.i == -8999999999999999999ll);
	st = mmstats_snapshot_find(&s, "web.stats.float");
	assert_non_null(st);
	assert_true(st->value.v.d == (double)0.1f);
	st = mmstats_snapshot_find(&s, "sys.pid");
	assert_non_null(st);
	assert_string_equal(st->label, "web.stats.sys.pid");
	assert_int_equal(mmstats_snapshot_pid(&s), 16990);
	mmstats_snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_vector),
		cmocka_unit_test(test_all_types_spot_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
