/*
 * loop.h - a multi-threaded FUSE session loop that serves a lone
 * sequential client from one hot thread.
 */
#ifndef MFS_LOOP_H
#define MFS_LOOP_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

/*
 * Serve se until it exits (unmount, signal, fuse_session_exit()) with at
 * most max_threads threads, keeping at most max_idle_threads parked ones
 * besides the reader and its standby.  One thread reads and serves every
 * request; a standby thread takes over reading when a request has kept
 * the reader busy for about a millisecond.  The calling thread only waits:
 * the signals of fuse_set_signal_handlers() reach it and nobody else.
 * Returns 0, or -errno from reading the device.
 */
int mfs_loop_hot(struct fuse_session *se, unsigned max_threads,
		 unsigned max_idle_threads);

#endif
