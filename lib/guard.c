/*
 * guard.c - survive a mapped file that shrinks under the reader.
 *
 * There is no way to ask the kernel to load from a mapping without the
 * risk of SIGBUS, and a copy through read() is not single-copy atomic, so
 * readers load from the mapping and catch the fault: the thread notes the
 * range it is reading and a jump buffer in thread-local storage, and the
 * handler jumps back when the fault is in that range in that thread.
 *
 * The handler goes in front of whatever disposition the program has, and
 * every SIGBUS that is not a fault of a guarded read goes on to that
 * disposition, as if we were not there.  Programs (and test harnesses)
 * install and restore their own handlers around their work, so each
 * guarded read first checks that ours is still in front, and if not puts
 * it back in front of what is there now.  sigaction() swaps atomically,
 * so what we chain to is exactly what we displaced: no handler is lost,
 * however the program's threads and ours interleave.
 *
 * SA_NODEFER keeps SIGBUS unblocked while the handler runs, so jumping
 * out with sigsetjmp(env, 0) (no mask saved: no system call) leaves the
 * thread's mask as it was.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmstats.h"
#include "error.h"
#include "forklock.h"
#include "guard.h"

struct guard {
	sigjmp_buf env;
	uintptr_t lo, hi;
	struct guard *outer;
};

static __thread struct guard *current;
/* The signal this thread is passing on, and the frame doing it. */
static __thread const siginfo_t *passing_si;
static __thread uintptr_t passing_frame;
/*
 * What was displaced, as the handler reads it.  Each install publishes
 * new copies and never frees the old ones, which a handler running in
 * another thread may still be reading; they stay linked from the newest,
 * and add up only if a program swaps handlers without end.
 */
struct displaced {
	struct sigaction sa;
	struct displaced *older;
};

static struct displaced *previous;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;

static bool guarded_fault(const siginfo_t *si, struct guard **g)
{
	uintptr_t addr = (uintptr_t)si->si_addr;

	*g = __atomic_load_n(&current, __ATOMIC_RELAXED);
	/* si_code <= 0: sent by kill() or sigqueue(), not a fault */
	return *g && si->si_code > 0 && addr >= (*g)->lo && addr < (*g)->hi;
}

/* What the kernel would have done without us, as closely as we can. */
static void pass_on(int sig, siginfo_t *si, void *uc)
{
	const struct displaced *d = __atomic_load_n(&previous,
						    __ATOMIC_ACQUIRE);
	const struct sigaction *p = d ? &d->sa : NULL;
	sigset_t mask, old;

	if (!p || (!(p->sa_flags & SA_SIGINFO) && (p->sa_handler == SIG_DFL ||
					    p->sa_handler == SIG_IGN))) {
		if (si->si_code <= 0 && p && p->sa_handler == SIG_IGN)
			return;
		signal(sig, SIG_DFL);
		/* A fault happens again on return; a sent signal does not. */
		if (si->si_code <= 0)
			raise(sig);
		return;
	}
	mask = p->sa_mask;
	if (!(p->sa_flags & SA_NODEFER))
		sigaddset(&mask, sig);
	sigprocmask(SIG_BLOCK, &mask, &old);
	if (p->sa_flags & SA_SIGINFO)
		p->sa_sigaction(sig, si, uc);
	else
		p->sa_handler(sig);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void mmstats_sigbus(int sig, siginfo_t *si, void *uc)
{
	struct guard *g;

	(void)uc;
	if (sig != SIGBUS || !guarded_fault(si, &g))
		return;
	__atomic_store_n(&current, g->outer, __ATOMIC_RELAXED);
	siglongjmp(g->env, 1);
}

/*
 * A handler we passed the signal on to may pass it back to us: it was in
 * front when the program saved what to chain to, and ours went in front
 * of it since.  Then we are called again with the same siginfo, deeper
 * in the stack, and the default action ends the loop.  (A handler that
 * jumped out left passing_si behind: a later signal with a siginfo at
 * the same address was delivered at the same depth, not deeper.)
 */
static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	volatile char here;

	mmstats_sigbus(sig, si, uc);
	if (si == passing_si && (uintptr_t)&here < passing_frame) {
		signal(sig, SIG_DFL);
		if (si->si_code <= 0)
			raise(sig);
		return;
	}
	passing_si = si;
	passing_frame = (uintptr_t)&here;
	pass_on(sig, si, uc);
	passing_si = NULL;
}

static bool ours(const struct sigaction *sa)
{
	return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == on_sigbus;
}

/*
 * Put our handler in front of the disposition there is now, unless it is
 * already.  System calls a sent SIGBUS interrupts restart as they did.
 */
static struct displaced *new_displaced(const struct sigaction *sa)
{
	struct displaced *d = malloc(sizeof(*d));

	if (d) {
		d->sa = *sa;
		d->older = previous;
	}
	return d;
}

static int install_locked(void)
{
	struct sigaction sa, cur, was;
	struct displaced *before, *after;

	/* glibc fills only the kernel's part of sa_mask: compare all */
	memset(&cur, 0, sizeof(cur));
	memset(&was, 0, sizeof(was));
	if (sigaction(SIGBUS, NULL, &cur) == 0 && ours(&cur))
		return 0;	/* another thread was first */
	/* what we are about to displace, for a signal right after the swap */
	if (!(before = new_displaced(&cur)))
		return mms_error(-ENOMEM, "out of memory");
	__atomic_store_n(&previous, before, __ATOMIC_RELEASE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK |
		      (cur.sa_flags & SA_RESTART);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &was) < 0)
		return mms_error(-errno, "SIGBUS handler: %s", strerror(errno));
	if (!memcmp(&was, &cur, sizeof(was)))
		return 0;
	if ((after = new_displaced(&was)))
		__atomic_store_n(&previous, after, __ATOMIC_RELEASE);
	return 0;
}

static int install(void)
{
	struct sigaction cur;
	int err;

	if (sigaction(SIGBUS, NULL, &cur) == 0 && ours(&cur))
		return 0;
	if ((err = mms_forklock_add(&install_lock)) < 0)
		return err;
	pthread_mutex_lock(&install_lock);
	err = install_locked();
	pthread_mutex_unlock(&install_lock);
	return err;
}

/*
 * The jump buffer lives in this frame, which stays until fn returns;
 * `current` is published to the handler before the first load of fn and
 * withdrawn after its last (signal fences: the handler runs in this
 * thread, so only the compiler must be kept from moving the stores).
 */
int mms_guarded(const void *base, size_t len, int (*fn)(void *arg),
		void *arg)
{
	struct guard g;
	uintptr_t page;
	int ret;

	if ((ret = install()) < 0)
		return ret;
	/* a mapping is whole pages, and loads may touch all of the last */
	page = (uintptr_t)getpagesize();
	g.lo = (uintptr_t)base;
	g.hi = (g.lo + len + page - 1) / page * page;
	g.outer = current;
	if (sigsetjmp(g.env, 0))
		return -EFAULT;
	__atomic_store_n(&current, &g, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	ret = fn(arg);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&current, g.outer, __ATOMIC_RELAXED);
	return ret;
}
