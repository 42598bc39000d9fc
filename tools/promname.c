/*
 * promname.c - names and escaping of the exposition: metric names from
 * labels, family names with their type's suffix and their unit, label
 * values and help text.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "promint.h"

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

void prom_help(struct buf *b, const char *s, bool openmetrics)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_puts(b, "\\\\");
		else if (*s == '\n')
			buf_puts(b, "\\n");
		else if (*s == '"' && openmetrics)
			buf_puts(b, "\\\"");
		else
			buf_putc(b, *s);
	}
}

/*
 * Whether name[0..n) ends with "_" + suffix: a suffix glued to a word
 * ("xseconds") or the whole name ("seconds") does not count, as
 * OpenMetrics' rule for units and Prometheus' parser have it.
 */
static bool ends_with_word(const char *name, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n > k && name[n - k - 1] == '_' &&
	       strncmp(name + n - k, suffix, k) == 0;
}

/*
 * A type's suffix the field's name already has ("requests_total") is
 * not doubled; but never strip it all: the name must stay a name.
 */
static void strip_suffix(struct buf *b, const char *suffix)
{
	size_t k = strlen(suffix);

	if (b->data && b->len > k && strcmp(b->data + b->len - k, suffix) == 0)
		b->data[b->len -= k] = '\0';
}

/*
 * The family's names from a field's name: the base name with its unit
 * (OpenMetrics wants the unit as the name's suffix), and the 0.0.4 name.
 */
void prom_series_names(struct prom_series *s, const char *name,
		       size_t name_len, const char *unit)
{
	struct buf b = BUF_INIT, u = BUF_INIT;
	char *label = strndup(name, name_len);

	if (!label)
		return;
	prom_name(&b, label);
	free(label);
	if (s->type == PT_COUNTER)
		strip_suffix(&b, "_total");
	else if (s->type == PT_INFO)
		strip_suffix(&b, "_info");
	if (*unit && s->type != PT_INFO) {
		prom_name(&u, unit);
		if (u.data && b.data && !ends_with_word(b.data, b.len, u.data))
			buf_printf(&b, "_%s", u.data);
	}
	s->unit = buf_steal(&u, NULL);
	if (!s->unit)
		s->unit = strdup("");
	s->base_len = b.len;
	if (s->type == PT_COUNTER)
		buf_puts(&b, "_total");
	else if (s->type == PT_INFO)
		buf_puts(&b, "_info");
	s->key = buf_steal(&b, NULL);
}
