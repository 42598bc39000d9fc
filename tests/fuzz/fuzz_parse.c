/*
 * fuzz_parse.c - any bytes through mmstats_parse, then every field
 * rendered and looked up, as the tools and mmstatsfs use a snapshot.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mmstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmstats_snapshot snap;
	char out[512];
	size_t i;

	mmstats_parse(data, size, &snap);
	for (i = 0; i < snap.nstats; i++) {
		const struct mmstats_stat *st = &snap.stats[i];

		/* What was parsed lies inside what was given. */
		if (st->value_offset + (size_t)st->value_size > snap.size ||
		    strlen(st->label) > st->raw_label_len)
			__builtin_trap();
		mmstats_render(&st->value, out, sizeof(out));
		mmstats_render(&st->value, out, 3);
		mmstats_snapshot_find(&snap, st->label);
	}
	mmstats_snapshot_pid(&snap);
	mmstats_snapshot_free(&snap);
	return 0;
}
