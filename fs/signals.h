/* signals.h - keep the stop signals away from helper threads. */
#ifndef MFS_SIGNALS_H
#define MFS_SIGNALS_H

#include <signal.h>

/*
 * Block SIGHUP, SIGINT, SIGTERM and SIGPIPE in the calling thread, saving
 * its mask in *old: a thread created meanwhile inherits the block, so the
 * signals that stop the daemon reach the thread that waits for them
 * (libfuse's handlers only mark the session as exited: the thread that
 * is interrupted must be the one that looks).  Restore with
 * pthread_sigmask(SIG_SETMASK, old, NULL).
 */
void mfs_block_stop_signals(sigset_t *old);

#endif
