/* registry.h - the files this process created, for removal at exit. */
#ifndef MMS_REGISTRY_H
#define MMS_REGISTRY_H

#include <stdbool.h>
#include <sys/types.h>

struct mmstats;

/* Track an instance; the first call arranges removal at exit. */
int mms_registry_add(struct mmstats *s);
void mms_registry_del(struct mmstats *s);
/* Whether a live instance of this process owns file dev/ino. */
bool mms_registry_owns(dev_t dev, ino_t ino);
/* Unlink `s`'s file if it is still the file it created. */
int mms_unlink_instance(struct mmstats *s);

#endif
