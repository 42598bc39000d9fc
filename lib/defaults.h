/* defaults.h - the fields every instance carries unless told not to. */
#ifndef MMS_DEFAULTS_H
#define MMS_DEFAULTS_H

#include <stddef.h>

#include "mmstats.h"

#define MMS_NDEFAULTS	6

/*
 * Fill defs with sys.pid, sys.tid, sys.uid, sys.gid, sys.created and
 * sys.starttime for the calling thread; returns how many (sys.starttime
 * is left out when /proc cannot tell it).
 */
size_t mms_default_defs(struct mmstats_field_def defs[MMS_NDEFAULTS]);

#endif
