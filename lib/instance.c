/*
 * instance.c - one mmstats file: create it complete, add fields to it
 * while readers watch, flush, close and remove it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "create.h"
#include "defaults.h"
#include "dirs.h"
#include "instance.h"
#include "layout.h"
#include "onsignal.h"
#include "registry.h"

static size_t whole_pages(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (n + page - 1) / page * page;
}

static const char *setting(const char *given, const char *env,
			   const char *dflt)
{
	const char *v = given ? given : getenv(env);

	return v && *v ? v : dflt;
}

static int label_free(const struct mmstats *s, const char *label)
{
	if (mms_labelmap_has(&s->labels, label))
		return mms_error(-EEXIST, "duplicate field label \"%s\"",
				 label);
	return 0;
}

/*
 * Whether a label of the new slot (the def's, or a field's it makes) is
 * already one of the file's; if not, make room to add them.
 */
static int check_unique(struct mmstats *s, const struct mms_slot *slot)
{
	int err = label_free(s, slot->label);

	for (uint32_t j = 0; !err && j < slot->nparts; j++)
		err = label_free(s, slot->parts[j].label);
	if (!err)
		err = mms_labelmap_reserve(&s->labels, slot->nparts + 1);
	return err;
}

/* The new slot's labels into the map, in the room check_unique made. */
static void add_labels(struct mmstats *s, struct mms_slot *slot)
{
	mms_labelmap_add(&s->labels, slot->label, slot, true);
	for (uint32_t j = 0; j < slot->nparts; j++)
		if (strcmp(slot->parts[j].label, slot->label) != 0)
			mms_labelmap_add(&s->labels, slot->parts[j].label,
					 slot, false);
}

static int slot_new(struct mmstats *s, const struct mmstats_field_def *def,
		    bool noted, uint32_t offset, struct mms_slot **out)
{
	struct mms_slot *slot;
	int err = mms_slot_new(s->prefix, def, noted, offset, &slot);

	if (err)
		return err;
	err = check_unique(s, slot);
	/* Readers refuse bigger files; it also keeps offsets in 32 bits. */
	if (!err && mms_slot_end(slot) + 2 > MMSTATS_MAX_FILE_SIZE)
		err = mms_error(-EFBIG, "field \"%s\": the file would pass "
				"%u MiB", slot->label,
				MMSTATS_MAX_FILE_SIZE >> 20);
	if (err) {
		mms_slot_free(slot);
		return err;
	}
	*out = slot;
	return 0;
}

static int slots_push(struct mmstats *s, struct mms_slot *slot)
{
	if (s->nslots == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct mms_slot **n = reallocarray(s->slots, cap,
						   sizeof(*n));

		if (!n)
			return mms_error(-ENOMEM, "out of memory");
		s->slots = n;
		s->cap = cap;
	}
	s->slots[s->nslots++] = slot;
	add_labels(s, slot);
	return 0;
}

/* Point every field at its slot in the (new) mapping. */
static void slots_rebase(struct mmstats *s)
{
	for (size_t i = 0; i < s->nslots; i++)
		mms_slot_rebase(s->slots[i], s->map);
}

static struct mmstats *instance_new(const struct mmstats_options *opts)
{
	struct mmstats *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->fd = -1;
	s->dirfd = -1;
	s->flags = opts ? opts->flags : 0;
	s->prefix = strdup(opts && opts->label_prefix ? opts->label_prefix
			   : "");
	if (!s->prefix) {
		free(s);
		return NULL;
	}
	return s;
}

/*
 * Plan the fields in order, model fields first, from byte 1 on.  The
 * first `noted` defs (the model's) get notes; the default fields stay
 * as the reference lays them out.
 */
static int plan_fields(struct mmstats *s, const struct mmstats_field_def *defs,
		       size_t ndefs, size_t noted)
{
	struct mms_slot *slot;
	uint32_t offset = MMS_HEADER_SIZE;
	int err;

	for (size_t i = 0; i < ndefs; i++) {
		err = slot_new(s, &defs[i], i < noted, offset, &slot);
		if (err)
			return err;
		err = slots_push(s, slot);
		if (err) {
			mms_slot_free(slot);
			return err;
		}
		offset = mms_slot_end(slot);
	}
	s->used = offset;
	return 0;
}

static int map_file(struct mmstats *s, int fd, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return mms_error(-errno, "%s: mmap: %s", s->path,
				 strerror(errno));
	s->map = p;
	s->map_size = size;
	return 0;
}

/* *dir: the templates' directory, with the name's own directories. */
static int set_names(struct mmstats *s, const char *dir_tmpl,
		     const char *tmpl, char **dir, size_t *base_len)
{
	int err = mms_expand_place(dir_tmpl, tmpl, dir, base_len, &s->name);

	if (err)
		return err;
	if (asprintf(&s->path, "%s/%s", *dir, s->name) < 0) {
		s->path = NULL;
		return mms_error(-ENOMEM, "out of memory");
	}
	return 0;
}

/*
 * Give the complete file its name.  It is in the registry first, by its
 * inode: a signal that removes the registry's files
 * (mmstats_remove_on_signal) then finds either no file of that inode at
 * the name, and leaves the name alone, or the file, and removes it; a
 * walk that ran just before the link is caught after it
 * (mms_onsignal_named).  Recorded after the link, a file linked just
 * before the signal would stay.
 */
static int name_file(struct mmstats *s, const char *dir,
		     struct mms_newfile *nf)
{
	struct stat st;
	sigset_t old;
	int err;

	if (fstat(nf->fd, &st) < 0)
		return mms_error(-errno, "%s: %s", s->path, strerror(errno));
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->owner = getpid();
	if ((err = mms_onsignal_begin(&old)) < 0)
		return err;
	if ((err = mms_registry_add(s)) == 0) {
		err = mms_newfile_publish(s->dirfd, dir, s->name, nf);
		if (err)
			mms_registry_del(s);
		else
			mms_registry_named(s);
	}
	mms_onsignal_end(&old);
	return err;
}

/* Build the file complete, then give it its name. */
static int build_file(struct mmstats *s, const char *dir,
		      const struct mmstats_field_def *defs)
{
	struct mms_newfile nf;
	int err;

	err = mms_newfile_create(s->dirfd, dir, whole_pages(s->used + 2), &nf);
	if (err)
		return err;
	err = map_file(s, nf.fd, whole_pages(s->used + 2));
	if (err)
		goto fail;
	s->map[0] = MMSTATS_FORMAT_VERSION;
	for (size_t i = 0; i < s->nslots; i++) {
		mms_slot_write(s->slots[i], s->map, &defs[i]);
		mms_slot_publish(s->slots[i], s->map);
	}
	err = name_file(s, dir, &nf);
	if (err)
		goto fail;
	s->fd = nf.fd;
	return 0;
fail:
	mms_newfile_discard(s->dirfd, &nf);
	return err;
}

static int open_instance(struct mmstats *s,
			 const struct mmstats_field_def *defs, size_t ndefs,
			 const struct mmstats_options *opts)
{
	const char *dir_tmpl = setting(opts ? opts->path : NULL,
				       MMSTATS_ENV_PATH, MMSTATS_DEFAULT_PATH);
	const char *tmpl = setting(opts ? opts->filename : NULL,
				   MMSTATS_ENV_FILES, MMSTATS_DEFAULT_FILES);
	struct mmstats_field_def *all;
	char *dir = NULL, program[MMS_PROGRAM_SIZE];
	size_t base_len = 0;
	size_t n = ndefs;
	int err;

	all = calloc(ndefs + MMS_NDEFAULTS, sizeof(*all));
	if (!all)
		return mms_error(-ENOMEM, "out of memory");
	if (ndefs)
		memcpy(all, defs, ndefs * sizeof(*defs));
	if (!(s->flags & MMSTATS_NO_DEFAULT_FIELDS))
		n += mms_default_defs(all + ndefs, opts ? opts->program : NULL,
				      program);
	err = plan_fields(s, all, n, ndefs);
	if (!err)
		err = set_names(s, dir_tmpl, tmpl, &dir, &base_len);
	if (!err) {
		s->dirfd = mms_dir_get(dir, base_len);
		if (s->dirfd < 0)
			err = s->dirfd;
	}
	if (!err)
		err = build_file(s, dir, all);
	free(all);
	free(dir);
	return err;
}

static void instance_free(struct mmstats *s)
{
	if (s->map)
		munmap(s->map, s->map_size);
	if (s->fd >= 0)
		close(s->fd);
	if (s->dirfd >= 0)
		mms_dir_put(s->dirfd);
	for (size_t i = 0; i < s->nslots; i++)
		mms_slot_free(s->slots[i]);
	free(s->slots);
	mms_labelmap_free(&s->labels);
	free(s->prefix);
	free(s->name);
	free(s->path);
	free(s);
}

int mmstats_open(const struct mmstats_field_def *defs, size_t ndefs,
		 const struct mmstats_options *opts, struct mmstats **out)
{
	struct mmstats *s;
	int err;

	*out = NULL;
	if (ndefs > 65536 || (ndefs && !defs))
		return mms_error(-EINVAL, "bad field table");
	s = instance_new(opts);
	if (!s)
		return mms_error(-ENOMEM, "out of memory");
	err = open_instance(s, defs, ndefs, opts);
	if (err) {
		instance_free(s);
		return err;
	}
	*out = s;
	return 0;
}

/* Grow the file first: a reader may see zeros past the end, never junk. */
static int grow(struct mmstats *s, size_t size)
{
	void *p;

	if (ftruncate(s->fd, (off_t)size) < 0)
		return mms_error(-errno, "%s: %s", s->path,
				 strerror(errno));
	p = mremap(s->map, s->map_size, size, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		return mms_error(-errno, "%s: mremap: %s", s->path,
				 strerror(errno));
	s->map = p;
	s->map_size = size;
	slots_rebase(s);
	return 0;
}

int mmstats_add_field(struct mmstats *s, const struct mmstats_field_def *def,
		      struct mmstats_field **out)
{
	struct mms_slot *slot;
	int err;

	if (out)
		*out = NULL;
	err = slot_new(s, def, true, s->used, &slot);
	if (err)
		return err;
	/* Keep a zero label size after the field: the end mark. */
	if (mms_slot_end(slot) + 2 > s->map_size)
		err = grow(s, whole_pages(mms_slot_end(slot) + 2));
	if (!err)
		err = slots_push(s, slot);
	if (err) {
		mms_slot_free(slot);
		return err;
	}
	mms_slot_write(slot, s->map, def);
	mms_slot_publish(slot, s->map);
	s->used = mms_slot_end(slot);
	if (out)
		*out = &slot->field;
	return 0;
}

struct mmstats_field *mmstats_field(struct mmstats *s, size_t i)
{
	return i < s->nslots ? &s->slots[i]->field : NULL;
}

struct mmstats_field *mmstats_field_by_label(struct mmstats *s,
					     const char *label)
{
	struct mms_slot *slot = mms_labelmap_slot(&s->labels, label);

	return slot ? &slot->field : NULL;
}

size_t mmstats_field_count(const struct mmstats *s)
{
	return s->nslots;
}

const char *mmstats_filename(const struct mmstats *s)
{
	return s->path;
}

int mmstats_flush(struct mmstats *s, bool async)
{
	if (msync(s->map, s->map_size, async ? MS_ASYNC : MS_SYNC) < 0)
		return mms_error(-errno, "%s: msync: %s", s->path,
				 strerror(errno));
	return 0;
}

void mmstats_close(struct mmstats *s)
{
	if (!s)
		return;
	mms_registry_del(s);
	instance_free(s);
}

int mmstats_remove(struct mmstats *s)
{
	int err;

	if (!s)
		return 0;
	err = mms_registry_remove(s);
	instance_free(s);
	return err;
}
