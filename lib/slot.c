/*
 * slot.c - what one field def makes in a file: a field with its notes,
 * or for a histogram a sum field and one field per bucket, planned,
 * written, published and moved together.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "histogram.h"
#include "instance.h"
#include "notes.h"

static enum mmstats_metric default_metric(enum mmstats_type type)
{
	switch (type) {
	case MMSTATS_COUNTER:
		return MMSTATS_METRIC_COUNTER;
	case MMSTATS_STRING:
	case MMSTATS_STATIC_TEXT:
		return MMSTATS_METRIC_INFO;
	case MMSTATS_HISTOGRAM:
		return MMSTATS_METRIC_HISTOGRAM_SUM;
	default:
		return MMSTATS_METRIC_GAUGE;
	}
}

/*
 * Where a unit or a help stops being one line of UTF-8 (a control byte
 * or a byte of no well-formed character), or len: readers would drop
 * those bytes, and "line1\nline2" would read back as "line1line2".
 */
static size_t text_bad_at(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return i;
		n = mmstats_utf8_len(s + i, len - i);
		if (n == 0)
			return i;
		i += n;
	}
	return len;
}

static int check_text(const char *label, const char *what, const char *s,
		      size_t len, size_t max)
{
	size_t bad;

	if (len > max)
		return mms_error(-EINVAL, "field \"%s\": %s of %zu bytes, "
				 "more than %zu", label, what, len, max);
	bad = text_bad_at(s, len);
	if (bad < len)
		return mms_error(-EINVAL, "field \"%s\": %s has a control "
				 "byte or bad UTF-8 at byte %zu (it is one "
				 "line of UTF-8)", label, what, bad);
	return 0;
}

/* The def's notes, checked, with the type's defaults filled in. */
static int notes_of_def(const struct mmstats_field_def *def,
			const char *label, struct mms_notes_spec *spec)
{
	int err;

	memset(spec, 0, sizeof(*spec));
	spec->metric = def->metric ? def->metric : default_metric(def->type);
	if (def->type == MMSTATS_HISTOGRAM)
		spec->metric = MMSTATS_METRIC_HISTOGRAM_SUM;
	else if (spec->metric < MMSTATS_METRIC_COUNTER ||
		 spec->metric > MMSTATS_METRIC_INFO)
		return mms_error(-EINVAL, "field \"%s\": metric %d is not "
				 "counter, gauge or info", label,
				 (int)def->metric);
	spec->unit = def->unit ? def->unit :
		     def->type == MMSTATS_TIMER ? "seconds" : "";
	spec->help = def->help ? def->help : "";
	spec->unit_len = strlen(spec->unit);
	spec->help_len = strlen(spec->help);
	err = check_text(label, "unit", spec->unit, spec->unit_len,
			 MMSTATS_UNIT_MAX);
	if (!err)
		err = check_text(label, "help", spec->help, spec->help_len,
				 MMSTATS_HELP_MAX);
	return err;
}

/* Plan part p at *offset, with notes from spec (NULL: none). */
static int plan_part(struct mms_part *p, enum mmstats_type type,
		     uint32_t size, const struct mms_notes_spec *spec,
		     uint32_t *offset)
{
	uint32_t n = spec ? mms_notes_size(spec) : 0;
	int err;

	err = mms_layout_plan(type, size, strlen(p->label), *offset, n,
			      &p->layout);
	if (err)
		return mms_error(err, "field \"%s\": bad type, size or label "
				 "length", p->label);
	if (n) {
		p->notes = malloc(n);
		if (!p->notes)
			return mms_error(-ENOMEM, "out of memory");
		mms_notes_encode(p->notes, n, spec);
	}
	*offset = p->layout.end;
	return 0;
}

static int plan_single(struct mms_slot *slot,
		       const struct mmstats_field_def *def, bool noted,
		       uint32_t offset)
{
	struct mms_notes_spec spec;
	int err;

	slot->parts = calloc(1, sizeof(*slot->parts));
	if (!slot->parts || !(slot->parts[0].label = strdup(slot->label)))
		return mms_error(-ENOMEM, "out of memory");
	slot->nparts = 1;
	if (noted && (err = notes_of_def(def, slot->label, &spec)))
		return err;
	return plan_part(&slot->parts[0], def->type, def->size,
			 noted ? &spec : NULL, &offset);
}

/* The sum "B.sum" (d), then "B.le.<bound>" (Q) per bucket. */
static int plan_parts(struct mms_slot *slot, const struct mms_hist_plan *h,
		      struct mms_notes_spec *spec, uint32_t offset)
{
	struct mms_part *p = slot->parts;
	int err;

	if (asprintf(&p->label, "%s.sum", slot->label) < 0) {
		p->label = NULL;
		return mms_error(-ENOMEM, "out of memory");
	}
	err = plan_part(p, MMSTATS_DOUBLE, 0, spec, &offset);
	/* The unit and the help are the sum's; buckets have their bound. */
	spec->metric = MMSTATS_METRIC_HISTOGRAM_BUCKET;
	spec->unit_len = spec->help_len = 0;
	for (uint32_t i = 0; !err && i < h->n; i++) {
		p = &slot->parts[i + 1];
		spec->bound = h->bounds[i];
		p->label = mms_hist_bucket_label(slot->label, h->bounds[i]);
		err = p->label ? plan_part(p, MMSTATS_COUNTER, 0, spec, &offset)
			       : mms_error(-ENOMEM, "out of memory");
	}
	return err;
}

static int plan_histogram(struct mms_slot *slot,
			  const struct mmstats_field_def *def, uint32_t offset)
{
	typeof(slot->field.state.hist) *st = &slot->field.state.hist;
	struct mms_notes_spec spec;
	struct mms_hist_plan h;
	size_t name_len = strlen(slot->label);
	int err;

	if (name_len > UINT16_MAX)
		return mms_error(-EINVAL, "histogram \"%s\": name too long",
				 slot->label);
	if ((err = notes_of_def(def, slot->label, &spec)) ||
	    (err = mms_hist_plan(def, slot->label, &h)))
		return err;
	spec.name_len = (uint16_t)name_len;
	st->bounds = h.bounds;
	st->n = h.n;
	st->e0 = h.e0;
	st->shift = h.shift;
	st->loglin = h.loglin;
	st->buckets = calloc(h.n, sizeof(*st->buckets));
	slot->parts = calloc(h.n + 1, sizeof(*slot->parts));
	if (!st->buckets || !slot->parts)
		return mms_error(-ENOMEM, "out of memory");
	slot->nparts = h.n + 1;
	return plan_parts(slot, &h, &spec, offset);
}

void mms_slot_free(struct mms_slot *slot)
{
	if (!slot)
		return;
	if (slot->field.type == MMSTATS_MOVING_AVERAGE ||
	    slot->field.type == MMSTATS_TIMER)
		free(slot->field.state.mavg.window);
	if (slot->field.type == MMSTATS_HISTOGRAM) {
		free(slot->field.state.hist.buckets);
		free(slot->field.state.hist.bounds);
	}
	for (uint32_t i = 0; slot->parts && i < slot->nparts; i++) {
		free(slot->parts[i].label);
		free(slot->parts[i].notes);
	}
	free(slot->parts);
	free(slot->label);
	free(slot);
}

/* The window of a moving average or a timer, which starts stopped. */
static int init_state(struct mms_slot *slot, uint32_t window)
{
	struct mmstats_field *f = &slot->field;

	if (f->type != MMSTATS_MOVING_AVERAGE && f->type != MMSTATS_TIMER)
		return 0;
	if (window == 0)
		window = MMS_WINDOW_DEFAULT;
	f->state.mavg.window = calloc(window, sizeof(double));
	if (!f->state.mavg.window)
		return mms_error(-ENOMEM, "out of memory");
	f->state.mavg.len = window;
	f->state.mavg.start.tv_sec = -1;
	return 0;
}

int mms_slot_new(const char *prefix, const struct mmstats_field_def *def,
		 bool noted, uint32_t offset, struct mms_slot **out)
{
	struct mms_slot *slot;
	int err;

	*out = NULL;
	if (!def || !def->label)
		return mms_error(-EINVAL, "a field has no label");
	slot = calloc(1, sizeof(*slot));
	if (!slot || asprintf(&slot->label, "%s%s", prefix, def->label) < 0) {
		free(slot);
		return mms_error(-ENOMEM, "out of memory");
	}
	slot->field.type = def->type;
	if (def->type == MMSTATS_HISTOGRAM)
		err = plan_histogram(slot, def, offset);
	else
		err = plan_single(slot, def, noted, offset);
	if (!err)
		err = init_state(slot, def->size);
	if (err) {
		mms_slot_free(slot);
		return err;
	}
	slot->field.size = slot->parts[0].layout.value_size;
	*out = slot;
	return 0;
}

uint32_t mms_slot_end(const struct mms_slot *slot)
{
	return slot->parts[slot->nparts - 1].layout.end;
}

void mms_slot_rebase(struct mms_slot *slot, unsigned char *map)
{
	struct mmstats_field *f = &slot->field;

	f->value = map + slot->parts[0].layout.value_off;
	if (f->type != MMSTATS_HISTOGRAM)
		return;
	for (uint32_t i = 0; i < f->state.hist.n; i++)
		f->state.hist.buckets[i] = (uint64_t *)(void *)
			(map + slot->parts[i + 1].layout.value_off);
}

/* Averages start empty; every other field may start at a given value. */
static void set_initial(struct mmstats_field *f,
			const struct mmstats_field_def *def)
{
	switch (f->type) {
	case MMSTATS_COUNTER:
	case MMSTATS_UINT64:
	case MMSTATS_STATIC_UINT64:
		mmstats_set_u64(f, def->value.u);
		break;
	case MMSTATS_STATIC_INT64:
		mmstats_set_u64(f, (uint64_t)def->value.i);
		break;
	case MMSTATS_UINT32:
	case MMSTATS_STATIC_UINT32:
		mmstats_set_u32(f, (uint32_t)def->value.u);
		break;
	case MMSTATS_INT32:
		mmstats_set_i32(f, (int32_t)def->value.i);
		break;
	case MMSTATS_INT16:
		mmstats_set_i16(f, (int16_t)def->value.i);
		break;
	case MMSTATS_UINT16:
		mmstats_set_u16(f, (uint16_t)def->value.u);
		break;
	case MMSTATS_BYTE:
		mmstats_set_byte(f, (int8_t)def->value.i);
		break;
	case MMSTATS_BOOL:
		mmstats_set_bool(f, def->value.u != 0);
		break;
	case MMSTATS_FLOAT:
	case MMSTATS_STATIC_FLOAT:
		mmstats_set_float(f, (float)def->value.d);
		break;
	case MMSTATS_DOUBLE:
	case MMSTATS_STATIC_DOUBLE:
		mmstats_set_double(f, def->value.d);
		break;
	case MMSTATS_STRING:
	case MMSTATS_STATIC_TEXT:
		if (def->value.s)
			mmstats_set_string(f, def->value.s);
		break;
	default:
		break;
	}
}

/*
 * Everything but the label sizes.  The notes go in before the field is
 * published, and never change: a reader that sees the field sees them.
 */
void mms_slot_write(struct mms_slot *slot, unsigned char *map,
		    const struct mmstats_field_def *def)
{
	for (uint32_t i = 0; i < slot->nparts; i++) {
		struct mms_part *p = &slot->parts[i];

		mms_layout_write(map, &p->layout, p->label);
		if (p->notes)
			mms_layout_write_notes(map, &p->layout, p->notes);
		free(p->notes);
		p->notes = NULL;
	}
	mms_slot_rebase(slot, map);
	set_initial(&slot->field, def);
}

/*
 * Last part first: a reader stops at the first zero label size, so the
 * whole histogram appears at once, when its sum's label size is stored.
 */
void mms_slot_publish(struct mms_slot *slot, unsigned char *map)
{
	for (uint32_t i = slot->nparts; i-- > 0;)
		mms_layout_publish(map, &slot->parts[i].layout);
}
