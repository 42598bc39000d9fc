/*
 * guard.h - loads from a mapped file that may shrink under the reader.
 *
 * A file can be truncated at any moment by whoever may write it, and a
 * load from a page of its mapping past the new end raises SIGBUS.  Such
 * loads run inside mms_guarded(): a SIGBUS at an address of the range it
 * names, in the thread running it, ends the call with -EFAULT instead of
 * the process.  Everything else goes on as if libmmstats had installed
 * no handler (see mmstats(3), SIGNALS).
 */
#ifndef MMS_GUARD_H
#define MMS_GUARD_H

#include <stddef.h>

/*
 * Run fn(arg), reading [base, base + len) of a mapping.  Returns what fn
 * returned, or -EFAULT when a load in that range (or the rest of its last
 * page) faulted.  fn is then cut short at
 * that load, so whatever it changes must be whole at each load from the
 * range: no lock held, no allocation not yet recorded.  Guarded calls
 * may nest.
 */
int mms_guarded(const void *base, size_t len, int (*fn)(void *arg),
		void *arg);

#endif
