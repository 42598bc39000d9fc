/*
 * model.c - one instance of a model per thread, created on first use.
 *
 * The fast path is a pthread_once check, a pthread_getspecific and a
 * compare with the fork generation: no system call.  A fork bumps the
 * generation in the child, so the child's threads get files of their
 * own instead of writing into the parent's.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mmstats.h"
#include "error.h"

/* What a thread keeps per model. */
struct thread_instance {
	struct mmstats *s;
	unsigned generation;
};

static unsigned fork_generation;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static int atfork_err;
/* pthread_once() passes no argument: the model being set up. */
static __thread struct mmstats_model *model_being_keyed;

static void bump_generation(void)
{
	__atomic_add_fetch(&fork_generation, 1, __ATOMIC_RELAXED);
}

static void register_atfork(void)
{
	atfork_err = pthread_atfork(NULL, NULL, bump_generation);
}

/* Instances outlive their thread: only the bookkeeping goes. */
static void free_thread_instance(void *p)
{
	free(p);
}

static void create_key(void)
{
	struct mmstats_model *m = model_being_keyed;

	m->key_err = pthread_key_create(&m->key, free_thread_instance);
}

static struct mmstats *new_instance(struct mmstats_model *m,
				    struct thread_instance *t,
				    unsigned generation)
{
	struct mmstats_options opts = m->opts;
	int err;

	/* Left over from before a fork: the parent's file, not ours. */
	if (t->s)
		mmstats_close(t->s);
	t->s = NULL;
	opts.label_prefix = m->label_prefix;
	err = mmstats_open(m->defs, m->ndefs, &opts, &t->s);
	if (err)
		return NULL;
	t->generation = generation;
	return t->s;
}

static struct thread_instance *thread_record(struct mmstats_model *m)
{
	struct thread_instance *t = pthread_getspecific(m->key);
	int err;

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t) {
		mms_error(-ENOMEM, "out of memory");
		return NULL;
	}
	err = pthread_setspecific(m->key, t);
	if (err) {
		free(t);
		mms_error(-err, "pthread_setspecific: %s",
			  strerror(err));
		return NULL;
	}
	return t;
}

static struct mmstats *slow_instance(struct mmstats_model *m)
{
	struct thread_instance *t;
	unsigned generation;

	pthread_once(&atfork_once, register_atfork);
	if (atfork_err) {
		mms_error(-atfork_err, "pthread_atfork: %s",
			  strerror(atfork_err));
		return NULL;
	}
	/* Read before creating: a fork during creation makes it stale. */
	generation = __atomic_load_n(&fork_generation, __ATOMIC_RELAXED);
	t = thread_record(m);
	return t ? new_instance(m, t, generation) : NULL;
}

struct mmstats *mmstats_model_instance(struct mmstats_model *m)
{
	struct thread_instance *t;

	model_being_keyed = m;
	pthread_once(&m->once, create_key);
	if (m->key_err) {
		mms_error(-m->key_err, "pthread_key_create: %s",
			  strerror(m->key_err));
		return NULL;
	}
	t = pthread_getspecific(m->key);
	if (t && t->s && t->generation ==
	    __atomic_load_n(&fork_generation, __ATOMIC_RELAXED))
		return t->s;
	return slow_instance(m);
}
