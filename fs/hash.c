/*
 * hash.c - seeds for the hash tables.
 */
#include <sys/random.h>

#include "hash.h"

uint64_t mfs_hash_seed(void)
{
	static uint64_t counter;
	uint64_t seed = 0;

	/* Without entropy yet (early boot), a seed is still one per table. */
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = mfs_hash_mix((uint64_t)(uintptr_t)&seed ^
			__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
	return seed;
}
