/*
 * rel-torn-writer - update self-checking values as fast as possible.
 *
 *	rel-torn-writer [-z] [-d DIR] [-n FIELDS] [-t SECONDS]
 *
 * Creates one mmstats file holding FIELDS fields of each kind of
 * rel-pattern.h (torn.u64.NNN, torn.dbl.NNN, torn.u32.NNN, torn.flt.NNN)
 * plus the default fields, prints its path and "ready", then rewrites
 * every field in a tight loop, without pause, until SIGTERM/SIGINT or
 * SECONDS elapse.  It prints the number of rounds on stderr at the end.
 * Readers check that no value they see mixes bytes of two stores.
 *
 * With -z no value is ever 0 (rel_byte_nonzero), from before "ready" on:
 * a reader that serves the zeros a load finds past the end of a cut file
 * serves a value no store made (test_rel_truncate.sh).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "mmstats.h"
#include "rel-pattern.h"

static volatile sig_atomic_t stop;
static uint8_t (*byte_of)(uint64_t round, unsigned j) = rel_byte;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: rel-torn-writer [-z] [-d DIR] [-n FIELDS] "
		"[-t SECONDS]\n");
	exit(2);
}

static const enum mmstats_type kind_type[REL_NKINDS] = {
	MMSTATS_UINT64, MMSTATS_DOUBLE, MMSTATS_UINT32, MMSTATS_FLOAT,
};

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

static void store_round(struct mmstats_field **f, unsigned n, uint64_t round)
{
	for (unsigned k = 0; k < REL_NKINDS; k++)
		for (unsigned j = 0; j < n; j++)
			store(f[k * n + j], k, byte_of(round, k * n + j));
}

static uint64_t run(struct mmstats_field **f, unsigned n, time_t deadline)
{
	uint64_t round;

	for (round = 0; !stop; round++) {
		store_round(f, n, round);
		if ((round & 0xfff) == 0 && deadline &&
		    time(NULL) >= deadline)
			break;
	}
	return round;
}

int main(int argc, char **argv)
{
	struct mmstats_options opts = { .flags = MMSTATS_KEEP_AT_EXIT };
	struct mmstats_field_def *defs;
	struct mmstats_field **fields;
	struct mmstats *s;
	unsigned n = 16;
	time_t deadline = 0;
	int c, err;

	while ((c = getopt(argc, argv, "zd:n:t:")) != -1) {
		switch (c) {
		case 'z': byte_of = rel_byte_nonzero; break;
		case 'd': opts.path = optarg; break;
		case 'n': n = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': deadline = time(NULL) + atoi(optarg); break;
		default: usage();
		}
	}
	if (optind != argc || n == 0 || n > 999)
		usage();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	defs = make_defs(n);
	if (!defs) {
		perror("rel-torn-writer");
		return 1;
	}
	err = mmstats_open(defs, REL_NKINDS * n, &opts, &s);
	if (err < 0) {
		fprintf(stderr, "rel-torn-writer: %s\n", mmstats_last_error());
		return 1;
	}
	fields = calloc(REL_NKINDS * n, sizeof(*fields));
	if (!fields)
		return 1;
	for (unsigned i = 0; i < REL_NKINDS * n; i++)
		fields[i] = mmstats_field(s, i);
	store_round(fields, n, 0);
	printf("%s\nready\n", mmstats_filename(s));
	fflush(stdout);

	fprintf(stderr, "rel-torn-writer: %llu rounds\n",
		(unsigned long long)run(fields, n, deadline));
	mmstats_remove(s);
	for (unsigned i = 0; i < REL_NKINDS * n; i++)
		free((char *)defs[i].label);
	free(defs);
	free(fields);
	return 0;
}
