/*
 * fuzz_tools.c - what the reader tools make of hostile files.
 *
 * Input: the bytes of an mmstats file.  Whatever the parser keeps of it
 * is rendered as slurpstats' JSON, mmash's JSON (every aggregator) and
 * the Prometheus text; the output must be well formed: JSON strings and
 * Prometheus label values valid UTF-8 without raw control characters,
 * metric names of [a-zA-Z0-9_:] starting with a non-digit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/aggr.h"
#include "../../tools/json.h"
#include "../../tools/mmash_data.h"
#include "../../tools/prom.h"
#include "../../tools/statsfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Text that is UTF-8 without NUL; JSON also without raw control bytes
 * (the Prometheus format allows them in HELP text and label values).
 */
static void check_utf8(const char *s, size_t len, bool json)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (u[i] == 0 || (json && u[i] < 0x20 && u[i] != '\n'))
			abort();
		n = mmstats_utf8_len(u + i, len - i);
		if (n == 0)
			abort();
		i += n;
	}
}

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
}

/* Every sample line starts with a valid metric name. */
static void check_metrics(const char *text, size_t len)
{
	const char *line = text, *end = text + len, *nl;
	const char *p;

	check_utf8(text, len, false);
	for (; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			abort();	/* every line ends with a newline */
		if (*line == '#')
			continue;
		for (p = line; p < nl && *p != '{' && *p != ' '; p++)
			if (!name_char(*p, p == line))
				abort();
		if (p == line)
			abort();
	}
}

static void json_outputs(const struct mmash_set *set)
{
	struct buf b = BUF_INIT;
	int a;

	for (a = AGGR_NONE; a <= AGGR_NONZERO_MIN; a++) {
		if (mmash_json_values(set, "", false, a, &b) == 0 && !b.failed)
			check_utf8(b.data ? b.data : "", b.len, true);
		buf_free(&b);
	}
	if (mmash_json_labels(set, &b) == 0 && !b.failed)
		check_utf8(b.data, b.len, true);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmstats_snapshot snap;
	struct mmash_set set = { PATHLIST_INIT, &snap, 1 };
	struct prom *p;
	size_t i, len;
	char *text;

	memset(&snap, 0, sizeof(snap));
	mmstats_parse(data, size, &snap);
	if (pathlist_add(&set.paths, "/run/fuzz \"\\\n.mmstats") < 0)
		abort();
	json_outputs(&set);
	for (i = 0; i < snap.nstats; i++) {
		struct buf b = BUF_INIT;

		json_value(&b, &snap.stats[i].value);
		json_cstring(&b, snap.stats[i].label);
		if (!b.failed)
			check_utf8(b.data, b.len, true);
		buf_free(&b);
	}
	p = prom_new();
	if (p) {
		prom_add_file(p, set.paths.v[0], &snap);
		text = prom_render(p, &len);
		if (text)
			check_metrics(text, len);
		free(text);
		prom_free(p);
	}
	pathlist_free(&set.paths);
	mmstats_snapshot_free(&snap);
	return 0;
}
