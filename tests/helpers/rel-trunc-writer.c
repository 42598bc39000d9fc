/*
 * rel-trunc-writer - update self-checking values that are never 0.
 *
 *	rel-trunc-writer [-d DIR] [-n FIELDS]
 *
 * Creates one mmstats file holding FIELDS fields of each kind of
 * rel-pattern.h (torn.u64.NNN, torn.dbl.NNN, torn.u32.NNN, torn.flt.NNN;
 * 32 of each make a file of two pages), prints its path and "ready",
 * then rewrites every field in a tight loop until SIGTERM/SIGINT, and
 * prints the number of rounds on stderr.
 *
 * Every value has all its bytes equal to one byte from 1 to 254
 * (rel_trunc_byte): never 0, so a reader that serves the zeros a load
 * finds past the end of a truncated file serves a value no store made,
 * and that is caught.  rel-trunc-reader checks with rel_trunc_ok().
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mmstats.h"
#include "rel-pattern.h"

#define TRUNC_BYTES	254u	/* bytes 1..254 */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: rel-trunc-writer [-d DIR] [-n FIELDS]\n");
	exit(2);
}

static const enum mmstats_type kind_type[REL_NKINDS] = {
	MMSTATS_UINT64, MMSTATS_DOUBLE, MMSTATS_UINT32, MMSTATS_FLOAT,
};

/* Byte of round `round` for field `j`: neighbours differ, never 0. */
static uint8_t rel_trunc_byte(uint64_t round, unsigned j)
{
	return (uint8_t)(1 + (round + j) % TRUNC_BYTES);
}

/* The table of n fields of each kind; labels live as long as the process. */
static struct mmstats_field_def *make_defs(unsigned n)
{
	struct mmstats_field_def *defs = calloc(REL_NKINDS * n, sizeof(*defs));

	if (!defs)
		return NULL;
	for (unsigned k = 0; k < REL_NKINDS; k++) {
		for (unsigned j = 0; j < n; j++) {
			char *label;

			if (asprintf(&label, "%s%03u", rel_kind_prefix[k],
				     j) < 0)
				return NULL;
			defs[k * n + j].label = label;
			defs[k * n + j].type = kind_type[k];
		}
	}
	return defs;
}

static void store(struct mmstats_field *f, enum rel_kind k, uint8_t b)
{
	switch (k) {
	case REL_U64:
		mmstats_set_u64(f, rel_u64(b));
		break;
	case REL_DOUBLE:
		mmstats_set_double(f, rel_double(b));
		break;
	case REL_U32:
		mmstats_set_u32(f, rel_u32(b));
		break;
	case REL_FLOAT:
		mmstats_set_float(f, rel_float(b));
		break;
	default:
		break;
	}
}

static uint64_t run(struct mmstats_field **f, unsigned n)
{
	uint64_t round;

	for (round = 0; !stop; round++)
		for (unsigned k = 0; k < REL_NKINDS; k++)
			for (unsigned j = 0; j < n; j++)
				store(f[k * n + j], k,
				      rel_trunc_byte(round, k * n + j));
	return round;
}

int main(int argc, char **argv)
{
	struct mmstats_options opts = { .flags = MMSTATS_KEEP_AT_EXIT };
	struct mmstats_field_def *defs;
	struct mmstats_field **fields;
	struct mmstats *s;
	unsigned n = 32;
	int c;

	while ((c = getopt(argc, argv, "d:n:")) != -1) {
		switch (c) {
		case 'd': opts.path = optarg; break;
		case 'n': n = (unsigned)strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (optind != argc || n == 0 || n > 999)
		usage();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	defs = make_defs(n);
	if (!defs || mmstats_open(defs, REL_NKINDS * n, &opts, &s) < 0) {
		fprintf(stderr, "rel-trunc-writer: %s\n", mmstats_last_error());
		return 1;
	}
	fields = calloc(REL_NKINDS * n, sizeof(*fields));
	if (!fields)
		return 1;
	for (unsigned i = 0; i < REL_NKINDS * n; i++)
		fields[i] = mmstats_field(s, i);
	/* No value is 0 from the start: the first round before "ready". */
	for (unsigned k = 0; k < REL_NKINDS; k++)
		for (unsigned j = 0; j < n; j++)
			store(fields[k * n + j], k,
			      rel_trunc_byte(0, k * n + j));
	printf("%s\nready\n", mmstats_filename(s));
	fflush(stdout);

	fprintf(stderr, "rel-trunc-writer: %llu rounds\n",
		(unsigned long long)run(fields, n));
	mmstats_remove(s);
	for (unsigned i = 0; i < REL_NKINDS * n; i++)
		free((char *)defs[i].label);
	free(defs);
	free(fields);
	return 0;
}
