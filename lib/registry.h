/* registry.h - the files this process created, for removal at exit. */
#ifndef MMS_REGISTRY_H
#define MMS_REGISTRY_H

#include <stdbool.h>
#include <sys/types.h>

struct mmstats;

/* Track an instance; the first call arranges removal at exit. */
int mms_registry_add(struct mmstats *s);
void mms_registry_del(struct mmstats *s);
/*
 * `s`, added before its file was linked (so that a signal never finds a
 * file it does not know), now has its name.
 */
void mms_registry_named(struct mmstats *s);
/* Unlink `s`'s file (if this process made it), then forget `s`. */
int mms_registry_remove(struct mmstats *s);
/* Whether a live instance of this process owns file dev/ino. */
bool mms_registry_owns(dev_t dev, ino_t ino);
/*
 * From now on, keep every instance removed at exit in onsignal.c's list
 * too, those of now first: mmstats_remove_on_signal().
 */
int mms_registry_track_signals(void);
/*
 * A temporary name being built (create.c, without O_TMPFILE) goes into
 * onsignal.c's list under `key` until built (renamed or removed), so
 * that the handler removes it too; recorded even before
 * mmstats_remove_on_signal(), which may come while it is built, and an
 * error only counts once it has come.
 */
int mms_registry_building(const void *key, int dirfd, const char *name,
			  dev_t dev, ino_t ino);
void mms_registry_built(const void *key);
/* Unlink `s`'s file if it is still the file it created. */
int mms_unlink_instance(struct mmstats *s);

#endif
