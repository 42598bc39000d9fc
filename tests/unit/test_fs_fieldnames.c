/*
 * test_fs_fieldnames.c - naming the fields of a parsed file in mmstatsfs:
 * duplicates numbered in file order, the lookup of every name giving its
 * field, and the naming of many duplicates in linear time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../fs/fieldnames.h"

/* A format 1 file of unbuffered u64 fields, value = index. */
static size_t build(unsigned char *buf, size_t cap, const char *const *labels,
		    const size_t *lens, size_t n)
{
	size_t o = 1, i;
	uint16_t l;
	uint64_t v;

	memset(buf, 0, cap);
	buf[0] = 1;
	for (i = 0; i < n; i++) {
		l = (uint16_t)lens[i];
		memcpy(buf + o, &l, 2);
		memcpy(buf + o + 2, labels[i], lens[i]);
		o += 2 + lens[i];
		l = 1;
		memcpy(buf + o, &l, 2);
		buf[o + 2] = 'Q';
		buf[o + 3] = 0xff;
		v = i;
		memcpy(buf + o + 4, &v, 8);
		o += 12;
	}
	assert_true(o + 2 <= cap);
	return (o + 4095) / 4096 * 4096;
}

static void check_all(const char *const *labels, const size_t *lens, size_t n,
		      const char *const *want)
{
	static unsigned char buf[4 << 20];
	struct mmstats_snapshot snap;
	struct mfs_fieldnames fn;
	size_t len = build(buf, sizeof(buf), labels, lens, n), i;

	assert_int_equal(mmstats_parse(buf, len, &snap), 0);
	assert_int_equal(snap.nstats, n);
	assert_int_equal(mfs_fieldnames_make(&snap, &fn), 0);
	assert_int_equal(fn.n, n);
	assert_int_equal(fn.nfields, n);
	for (i = 0; i < n; i++) {
		if (want)
			assert_string_equal(fn.name[i], want[i]);
		assert_int_equal(mfs_fieldnames_find(&fn, fn.name[i]), i);
	}
	assert_int_equal(mfs_fieldnames_find(&fn, "no.such.field"), -1);
	assert_int_equal(mfs_fieldnames_find(&fn, "bad%G"), -1);
	mfs_fieldnames_free(&fn);
	mmstats_snapshot_free(&snap);
}

static void test_duplicates_in_file_order(void **state)
{
	/* (an empty label cannot occur: a zero size ends the file) */
	const char *labels[] = { "a", "b", "a", "a/b", "a", ".", "." };
	const size_t lens[] = { 1, 1, 1, 3, 1, 1, 1 };
	const char *want[] = {
		"a", "b", "a%#2", "a%2Fb", "a%#3", "%2E", "%2E%#2",
	};

	(void)state;
	check_all(labels, lens, 7, want);
}

static void test_long_labels(void **state)
{
	static char l1[400], l2[400], l3[400];
	const char *labels[] = { l1, l2, l3, l1 };
	const size_t lens[] = { 400, 400, 300, 400 };

	(void)state;
	memset(l1, 'x', sizeof(l1));
	memcpy(l2, l1, sizeof(l2));
	l2[399] = 'y';			/* same head: told apart by the hash */
	memset(l3, '/', sizeof(l3));
	check_all(labels, lens, 4, NULL);
}

static void test_many_random(void **state)
{
	static char pool[64][8];
	const char *labels[2000];
	size_t lens[2000], i;
	uint32_t r = 12345;

	(void)state;
	for (i = 0; i < 64; i++)
		for (size_t j = 0; j < 8; j++) {
			r = r * 1103515245 + 12345;
			pool[i][j] = "ab/%.\x01\xff#"[(r >> 16) % 8];
		}
	for (i = 0; i < 2000; i++) {
		r = r * 1103515245 + 12345;
		labels[i] = pool[(r >> 16) % 64];
		lens[i] = 1 + (r >> 8) % 8;
	}
	check_all(labels, lens, 2000, NULL);
}

/* The n-th field of one label is "label%#n", for a hundred thousand. */
static void test_many_duplicates(void **state)
{
	enum { N = 100000 };
	static const char *labels[N];
	static size_t lens[N];
	static char want_buf[N][16];
	static const char *want[N];
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		labels[i] = "same";
		lens[i] = 4;
		if (i)
			snprintf(want_buf[i], sizeof(want_buf[i]), "same%%#%zu",
				 i + 1);
		else
			strcpy(want_buf[i], "same");
		want[i] = want_buf[i];
	}
	check_all(labels, lens, N, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duplicates_in_file_order),
		cmocka_unit_test(test_long_labels),
		cmocka_unit_test(test_many_random),
		cmocka_unit_test(test_many_duplicates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
