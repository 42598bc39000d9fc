/* defaults.h - the fields every instance carries unless told not to. */
#ifndef MMS_DEFAULTS_H
#define MMS_DEFAULTS_H

#include <stddef.h>

#include "mmstats.h"

#define MMS_NDEFAULTS		8
#define MMS_PROGRAM_SIZE	64	/* sys.program is "64s" */

/*
 * Fill defs with sys.pid, sys.tid, sys.uid, sys.gid, sys.created,
 * sys.starttime, sys.pidns and sys.program for the calling thread;
 * returns how many (sys.starttime is left out when /proc cannot tell
 * it).  `program` is options.program (NULL: the process's own name);
 * sys.program's value is kept in name, which must outlive defs.
 */
size_t mms_default_defs(struct mmstats_field_def defs[MMS_NDEFAULTS],
			const char *program, char name[MMS_PROGRAM_SIZE]);

/*
 * sys.program of a process named `self` (argv[0]'s base name) run with
 * the n arguments args (argv[1] on): self, or for an interpreter the
 * base name of the program it runs (mmstats(5), Default fields).
 */
void mms_program_of(const char *self, char *const args[], size_t n,
		    char name[MMS_PROGRAM_SIZE]);

#endif
