/*
 * promaccept.c - content negotiation: whether an HTTP Accept header
 * prefers OpenMetrics 1.0.0 to the text format 0.0.4 (RFC 9110, 12.5.1).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "prom.h"

#define OWS " \t"

/* A piece of the header: [p, end). */
struct span {
	const char *p, *end;
};

static void trim(struct span *s)
{
	while (s->p < s->end && strchr(OWS, *s->p) && *s->p)
		s->p++;
	while (s->end > s->p && strchr(OWS, s->end[-1]) && s->end[-1])
		s->end--;
}

static bool span_is(const struct span *s, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(s->end - s->p) == n && strncasecmp(s->p, word, n) == 0;
}

/* Cut s at the first c: the part before it goes to head. */
static bool span_cut(struct span *s, char c, struct span *head)
{
	const char *at = memchr(s->p, c, (size_t)(s->end - s->p));

	head->p = s->p;
	head->end = at ? at : s->end;
	trim(head);
	s->p = at ? at + 1 : s->end;
	return at != NULL;
}

/* A qvalue: "0", "0.5", "1", "1.000"; -1 when it is none. */
static double qvalue(struct span v)
{
	char text[8], *end;
	size_t n = (size_t)(v.end - v.p);
	double q;

	if (n == 0 || n >= sizeof(text) || (*v.p != '0' && *v.p != '1'))
		return -1;
	memcpy(text, v.p, n);
	text[n] = '\0';
	q = strtod(text, &end);
	return *end || q > 1 ? -1 : q;
}

enum range_kind { R_OTHER, R_ANY, R_TEXT_ANY, R_TEXT_PLAIN, R_OPENMETRICS };

/*
 * One media range, its parameters cut at ';', each "name = value"
 * with the value maybe quoted.  *q: its weight (1 unless said), -1 for
 * an OpenMetrics range of a version other than 1.0.0 or a bad q.
 */
static enum range_kind parse_range(struct span r, double *q)
{
	struct span type, param, name;
	enum range_kind kind = R_OTHER;
	bool refused = false;

	*q = 1;
	span_cut(&r, ';', &type);
	if (span_is(&type, "application/openmetrics-text"))
		kind = R_OPENMETRICS;
	else if (span_is(&type, "text/plain"))
		kind = R_TEXT_PLAIN;
	else if (span_is(&type, "text/*"))
		kind = R_TEXT_ANY;
	else if (span_is(&type, "*/*"))
		kind = R_ANY;
	while (r.p < r.end) {
		span_cut(&r, ';', &param);
		if (!span_cut(&param, '=', &name))
			continue;
		trim(&param);
		if (param.end - param.p >= 2 && *param.p == '"' &&
		    param.end[-1] == '"') {
			param.p++;
			param.end--;
		}
		if (span_is(&name, "q"))
			*q = qvalue(param);
		else if (kind == R_OPENMETRICS && span_is(&name, "version") &&
			 !span_is(&param, "1.0.0"))
			refused = true;
	}
	if (refused)
		*q = -1;
	return kind;
}

bool prom_accepts_openmetrics(const char *accept)
{
	/* best q by kind; a more specific range decides for the text */
	double best[R_OPENMETRICS + 1] = { -1, -1, -1, -1, -1 }, q, text;
	struct span all, r;
	enum range_kind k;

	if (!accept)
		return false;
	all.p = accept;
	all.end = accept + strlen(accept);
	while (all.p < all.end) {
		span_cut(&all, ',', &r);
		k = parse_range(r, &q);
		if (q > best[k])
			best[k] = q;
	}
	text = best[R_TEXT_PLAIN] >= 0 ? best[R_TEXT_PLAIN] :
	       best[R_TEXT_ANY] >= 0 ? best[R_TEXT_ANY] : best[R_ANY];
	return best[R_OPENMETRICS] > 0 && best[R_OPENMETRICS] >= text;
}
