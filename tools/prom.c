/* prom.c - Prometheus text format: names, escaping, grouping. */
#include "prom.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>


enum prom_type { PROM_COUNTER, PROM_GAUGE };

struct prom_sample {
	char *name;	/* family: metric name with _total or _info */
	char *help;	/* the mmstats label it came from */
	enum prom_type type;
	char *labels;	/* {...} text, escaped */
	char *value;
	size_t seq;	/* insertion order: the first names the type */
};

struct prom {
	struct prom_sample *v;
	size_t n, cap;
	bool failed;
};

static bool prom_name_char(unsigned char c, bool first)
{
	if (isalpha(c) && c < 0x80)
		return true;
	if (c == '_' || c == ':')
		return true;
	return !first && c >= '0' && c <= '9';
}

void prom_name(struct buf *b, const char *label)
{
	const unsigned char *p = (const unsigned char *)label;

	if (!*p || (*p >= '0' && *p <= '9'))
		buf_putc(b, '_');
	for (; *p; p++)
		buf_putc(b, prom_name_char(*p, false) ? (char)*p : '_');
}

/* Label values must be UTF-8: a byte that is not becomes U+FFFD. */
void prom_label_value(struct buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		switch (s[i]) {
		case '\\': buf_puts(b, "\\\\"); break;
		case '"':  buf_puts(b, "\\\""); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\0': break;
		default:
			n = mmstats_utf8_len(u + i, len - i);
			if (n == 0) {
				buf_puts(b, "\xef\xbf\xbd");
				break;
			}
			buf_add(b, s + i, n);
			i += n;
			continue;
		}
		i++;
	}
}

void prom_help(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_puts(b, "\\\\");
		else if (*s == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, *s);
	}
}

static bool contains_ci(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (; *s; s++)
		if (strncasecmp(s, word, n) == 0)
			return true;
	return false;
}

bool prom_is_counter(const struct mmstats_stat *st)
{
	return st->buffered && strcmp(st->type, "Q") == 0 &&
	       (contains_ci(st->label, "count") ||
		contains_ci(st->label, "total"));
}

struct prom *prom_new(void)
{
	return calloc(1, sizeof(struct prom));
}

static void sample_free(struct prom_sample *s)
{
	free(s->name);
	free(s->help);
	free(s->labels);
	free(s->value);
}

void prom_free(struct prom *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		sample_free(&p->v[i]);
	free(p->v);
	free(p);
}

/* Takes ownership of the strings in `s`. */
static void prom_push(struct prom *p, struct prom_sample *s)
{
	struct prom_sample *v;
	size_t cap;

	if (!s->name || !s->help || !s->labels || !s->value)
		goto fail;
	if (p->n == p->cap) {
		cap = p->cap ? p->cap * 2 : 64;
		v = reallocarray(p->v, cap, sizeof(*v));
		if (!v)
			goto fail;
		p->v = v;
		p->cap = cap;
	}
	s->seq = p->n;
	p->v[p->n++] = *s;
	return;
fail:
	p->failed = true;
	sample_free(s);
}

static void value_text(struct buf *b, const struct mmstats_value *v)
{
	char text[64];

	switch (v->kind) {
	case MMSTATS_KIND_INT:
		buf_printf(b, "%" PRId64, v->v.i);
		break;
	case MMSTATS_KIND_UINT:
		buf_printf(b, "%" PRIu64, v->v.u);
		break;
	case MMSTATS_KIND_BOOL:
		buf_putc(b, v->v.b ? '1' : '0');
		break;
	default:
		if (isnan(v->v.d))
			buf_puts(b, "NaN");
		else if (isinf(v->v.d))
			buf_puts(b, v->v.d > 0 ? "+Inf" : "-Inf");
		else if (mmstats_format_double(v->v.d, text, sizeof(text)) >= 0)
			buf_puts(b, text);
		else
			buf_printf(b, "%.17g", v->v.d);
		break;
	}
}

/* pid="..",tid="..",file="..": the same for every field of a file. */
static char *file_labels(const char *path, const struct mmstats_snapshot *snap)
{
	const struct mmstats_stat *tid = mmstats_snapshot_find(snap, "sys.tid");
	pid_t pid = mmstats_snapshot_pid(snap);
	struct buf b = BUF_INIT;
	char text[64];

	if (pid >= 0)
		buf_printf(&b, "pid=\"%d\",", (int)pid);
	if (tid && tid->value.kind != MMSTATS_KIND_STRING &&
	    mmstats_render(&tid->value, text, sizeof(text)) >= 0)
		buf_printf(&b, "tid=\"%s\",", text);
	buf_puts(&b, "file=\"");
	prom_label_value(&b, path, strlen(path));
	buf_putc(&b, '"');
	return buf_steal(&b, NULL);
}

/* {FILE_LABELS} and, for strings, {FILE_LABELS,value=".."}. */
static void series_labels(struct buf *b, const char *file_labels,
			  const struct mmstats_value *str)
{
	buf_putc(b, '{');
	buf_puts(b, file_labels);
	if (str) {
		buf_puts(b, ",value=\"");
		prom_label_value(b, str->v.str.ptr, str->v.str.len);
		buf_putc(b, '"');
	}
	buf_putc(b, '}');
}

static void prom_add_stat(struct prom *p, const char *file_labels,
			  const struct mmstats_stat *st)
{
	struct buf name = BUF_INIT, labels = BUF_INIT, value = BUF_INIT;
	bool is_str = st->value.kind == MMSTATS_KIND_STRING;
	struct prom_sample s = { 0 };

	if (st->value.kind == MMSTATS_KIND_UNSUPPORTED)
		return;
	prom_name(&name, st->label);
	s.type = PROM_GAUGE;
	if (is_str) {
		buf_puts(&name, "_info");
		buf_putc(&value, '1');
	} else {
		if (prom_is_counter(st)) {
			s.type = PROM_COUNTER;
			buf_puts(&name, "_total");
		}
		value_text(&value, &st->value);
	}
	series_labels(&labels, file_labels, is_str ? &st->value : NULL);
	s.name = buf_steal(&name, NULL);
	s.labels = buf_steal(&labels, NULL);
	s.value = buf_steal(&value, NULL);
	s.help = strdup(st->label);
	prom_push(p, &s);
}

void prom_add_file(struct prom *p, const char *path,
		   const struct mmstats_snapshot *snap)
{
	char *labels = file_labels(path, snap);
	size_t i;

	if (!labels) {
		p->failed = true;
		return;
	}
	for (i = 0; i < snap->nstats; i++)
		prom_add_stat(p, labels, &snap->stats[i]);
	free(labels);
}

static int sample_cmp(const void *a, const void *b)
{
	const struct prom_sample *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	c = strcmp(x->labels, y->labels);
	if (c)
		return c;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The sample that came first in family [from, to) decides its type and help. */
static const struct prom_sample *family_head(const struct prom_sample *v,
					     size_t from, size_t to)
{
	const struct prom_sample *head = &v[from];
	size_t i;

	for (i = from + 1; i < to; i++)
		if (v[i].seq < head->seq)
			head = &v[i];
	return head;
}

static void render_family(struct buf *b, const struct prom_sample *v,
			  size_t from, size_t to)
{
	const struct prom_sample *head = family_head(v, from, to);
	const char *last = NULL;
	size_t i;

	buf_printf(b, "# HELP %s mmstats field ", head->name);
	prom_help(b, head->help);
	buf_printf(b, "\n# TYPE %s %s\n", head->name,
		   head->type == PROM_COUNTER ? "counter" : "gauge");
	for (i = from; i < to; i++) {
		/* Labels that sanitize alike collide: keep one per series. */
		if (v[i].type != head->type ||
		    (last && strcmp(v[i].labels, last) == 0))
			continue;
		buf_printf(b, "%s%s %s\n", v[i].name, v[i].labels, v[i].value);
		last = v[i].labels;
	}
}

char *prom_render(struct prom *p, size_t *len)
{
	struct buf b = BUF_INIT;
	size_t from, to;

	if (p->failed)
		return NULL;
	if (p->n > 1)
		qsort(p->v, p->n, sizeof(*p->v), sample_cmp);
	for (from = 0; from < p->n; from = to) {
		to = from + 1;
		while (to < p->n && strcmp(p->v[to].name, p->v[from].name) == 0)
			to++;
		render_family(&b, p->v, from, to);
	}
	return buf_steal(&b, len);
}
