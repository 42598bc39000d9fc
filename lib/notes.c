/*
 * notes.c - field notes, the format 1 extension of mmstats(5):
 *
 *	0  "mmN1"	4  metric	5  unit length U	6  help length H
 *	8  bound (f64)	16 name length L (u16)	18 zeros
 *	24 unit, help, zeros up to N (a multiple of 8)
 *
 * The N bytes lead every value slot of the field, declared as "Nx" in
 * its type signature: Python's struct sizes pad bytes and never unpacks
 * them, so the reference reads the value as if they were not there.
 */
#include <string.h>

#include "notes.h"
#include "utf8.h"

static const unsigned char magic[4] = { 'm', 'm', 'N', '1' };

uint32_t mms_notes_size(const struct mms_notes_spec *spec)
{
	size_t n = MMS_NOTES_HEAD + spec->unit_len + spec->help_len;

	return (uint32_t)((n + 7) & ~(size_t)7);
}

void mms_notes_encode(unsigned char *dst, size_t n,
		      const struct mms_notes_spec *spec)
{
	uint8_t metric = (uint8_t)spec->metric, ulen = (uint8_t)spec->unit_len;
	uint16_t hlen = (uint16_t)spec->help_len;
	double bound = spec->metric == MMSTATS_METRIC_HISTOGRAM_BUCKET ?
		       spec->bound : 0.0;

	memset(dst, 0, n);
	memcpy(dst, magic, sizeof(magic));
	dst[4] = metric;
	dst[5] = ulen;
	memcpy(dst + 6, &hlen, 2);
	memcpy(dst + 8, &bound, 8);
	memcpy(dst + 16, &spec->name_len, 2);
	memcpy(dst + MMS_NOTES_HEAD, spec->unit, spec->unit_len);
	memcpy(dst + MMS_NOTES_HEAD + spec->unit_len, spec->help,
	       spec->help_len);
}

bool mms_notes_decode(const unsigned char *p, size_t n,
		      struct mms_notes_raw *out)
{
	uint16_t hlen;

	if (n < MMS_NOTES_HEAD || memcmp(p, magic, sizeof(magic)) != 0)
		return false;
	if (p[4] < MMSTATS_METRIC_COUNTER || p[4] >= MMSTATS_METRIC_COUNT_)
		return false;
	memcpy(&hlen, p + 6, 2);
	/* Past the limits a writer keeps to is no writer's: garbage. */
	if (p[5] > MMSTATS_UNIT_MAX || hlen > MMSTATS_HELP_MAX ||
	    (size_t)MMS_NOTES_HEAD + p[5] + hlen > n)
		return false;
	out->metric = (enum mmstats_metric)p[4];
	out->unit = p + MMS_NOTES_HEAD;
	out->unit_len = p[5];
	out->help = out->unit + out->unit_len;
	out->help_len = hlen;
	memcpy(&out->bound, p + 8, 8);
	memcpy(&out->name_len, p + 16, 2);
	return true;
}

size_t mms_notes_clean(char *dst, const unsigned char *src, size_t len)
{
	size_t n = mms_utf8_clean(dst, src, len), i, j;

	for (i = j = 0; i < n; i++)
		if ((unsigned char)dst[i] >= 0x20 && dst[i] != 0x7f)
			dst[j++] = dst[i];
	dst[j] = '\0';
	return j;
}
