/* names.h - map mmstats labels to safe, unambiguous file names. */
#ifndef MFS_NAMES_H
#define MFS_NAMES_H

#include <stddef.h>

/* Longest name produced, as NAME_MAX; an output buffer holds one more. */
#define MFS_NAME_MAX	255

/*
 * Encode the raw bytes of a label as one file name into out (which holds
 * MFS_NAME_MAX + 1 bytes), NUL-terminated.  `dup` counts earlier labels of
 * the same file that encoded to the same name (0 for the first), so that
 * every field of a file gets its own name.  Returns the name's length.
 *
 * Rules (mmstatsfs(8) documents them):
 *  - '/', '%', control bytes (C0, DEL, C1) and bytes that are not part of
 *    well-formed UTF-8 become %XX (upper-case hex); the rest is kept;
 *  - "" is "%", "." is "%2E", ".." is "%2E%2E", "task" is "%74ask";
 *  - the n-th duplicate (dup = n - 1 >= 1) gets the suffix "%#n";
 *  - a name longer than MFS_NAME_MAX keeps its head and ends in "%~" and
 *    16 hex digits of the label's 64-bit FNV-1a hash (mfs_hash, seed 0).
 * None of "%" alone, "%#" or "%~" ever comes out of the first rule, so
 * names are decodable back to the label unless truncated.
 */
size_t mfs_name_encode(const unsigned char *label, size_t len, unsigned dup,
		       char *out);

/*
 * The name part of a program's directory (program.h): `name` mapped as a
 * label is, '@' also becoming %40 (so that the only '@' of the directory's
 * name is the one before its uid), in at most max bytes (max >= 64): a
 * longer one keeps its head, cut between two characters, and always ends
 * in "%~" and the hash of the whole name.  Returns its length.
 */
size_t mfs_name_encode_prog(const unsigned char *name, size_t len,
			    size_t max, char *out);

/*
 * The suffix of the (dup + 1)-th label of a name, "%#n" with n = dup + 1,
 * or "" for dup 0, into out (16 bytes); returns its length.
 */
size_t mfs_name_dup_suffix(unsigned dup, char *out);

/*
 * Decode a name made by mfs_name_encode() into out (cap bytes).  Returns
 * the label's length and stores the duplicate count in *dup, -ENAMETOOLONG
 * for a truncated name (the label cannot be recovered), or -EINVAL for a
 * name that mfs_name_encode() never makes.
 */
int mfs_name_decode(const char *name, unsigned char *out, size_t cap,
		    unsigned *dup);

#endif
