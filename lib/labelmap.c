/*
 * labelmap.c - an open-addressing hash table (linear probing, at most
 * half full) of an instance's labels.  Labels are the program's own,
 * not a hostile reader's input: plain FNV-1a, mixed into the low bits.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "labelmap.h"

struct mms_labelmap_entry {
	const char *label;
	struct mms_slot *slot;
	bool own;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

/* The entry of label, or the free one where it would go. */
static struct mms_labelmap_entry *lookup(const struct mms_labelmap *m,
					 const char *label)
{
	size_t mask = m->cap - 1, i = (size_t)hash(label) & mask;

	while (m->tab[i].label && strcmp(m->tab[i].label, label) != 0)
		i = (i + 1) & mask;
	return &m->tab[i];
}

void mms_labelmap_free(struct mms_labelmap *m)
{
	free(m->tab);
	m->tab = NULL;
	m->cap = m->n = 0;
}

int mms_labelmap_reserve(struct mms_labelmap *m, size_t more)
{
	struct mms_labelmap old = *m;
	size_t cap = m->cap ? m->cap : 64;

	if (more > SIZE_MAX / 4 - m->n)
		return mms_error(-ENOMEM, "out of memory");
	while (cap < 2 * (m->n + more))
		cap *= 2;
	if (cap == m->cap)
		return 0;
	m->tab = calloc(cap, sizeof(*m->tab));
	if (!m->tab) {
		*m = old;
		return mms_error(-ENOMEM, "out of memory");
	}
	m->cap = cap;
	for (size_t i = 0; i < old.cap; i++)
		if (old.tab[i].label)
			*lookup(m, old.tab[i].label) = old.tab[i];
	free(old.tab);
	return 0;
}

void mms_labelmap_add(struct mms_labelmap *m, const char *label,
		      struct mms_slot *slot, bool own)
{
	struct mms_labelmap_entry *e = lookup(m, label);

	e->label = label;
	e->slot = slot;
	e->own = own;
	m->n++;
}

bool mms_labelmap_has(const struct mms_labelmap *m, const char *label)
{
	return m->cap && lookup(m, label)->label;
}

struct mms_slot *mms_labelmap_slot(const struct mms_labelmap *m,
				   const char *label)
{
	const struct mms_labelmap_entry *e;

	if (!m->cap)
		return NULL;
	e = lookup(m, label);
	return e->label && e->own ? e->slot : NULL;
}
