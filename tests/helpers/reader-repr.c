/*
 * reader-repr.c - print mmstats_format_double() of each double given on
 * stdin as 16 hex digits of its bits, one a line, so that a test can set
 * it against Python's repr() for as many values as it likes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmstats.h"

int main(void)
{
	char line[64], out[64];
	uint64_t bits;
	double d;

	while (fgets(line, sizeof(line), stdin)) {
		bits = strtoull(line, NULL, 16);
		memcpy(&d, &bits, sizeof(d));
		if (mmstats_format_double(d, out, sizeof(out)) < 0) {
			fprintf(stderr, "reader-repr: %s\n",
				mmstats_last_error());
			return 1;
		}
		puts(out);
	}
	return ferror(stdin) ? 1 : 0;
}
