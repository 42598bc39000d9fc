/*
 * hash.h - the daemon's one string hash: 64-bit FNV-1a, its offset basis
 * xored with a seed.  Tables of names that any user can choose seed it
 * at random (mfs_hash_seed), one seed per table, so no user can pick
 * names that share a chain; with seed 0 it is plain FNV-1a, which the
 * names of long labels show (names.c) and so must never change.
 */
#ifndef MFS_HASH_H
#define MFS_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t mfs_hash(uint64_t seed, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ull ^ seed;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static inline uint64_t mfs_hash_str(uint64_t seed, const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ull;
	}
	return h;
}

/*
 * Every bit of h into the low ones (the MurmurHash3 finalizer): tables
 * index by h & mask, and FNV's low bits depend on few input bits.
 */
static inline uint64_t mfs_hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* A seed no user can guess, for a new table. */
uint64_t mfs_hash_seed(void);

#endif
