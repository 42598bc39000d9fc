/*
 * syscall_stop.h - run a child traced by ptrace(2) to the return of a
 * chosen system call, where a test then does what a signal or another
 * process would do at exactly that point: no timing involved.
 *
 * The child calls PTRACE_TRACEME and raises SIGSTOP before the code
 * under test.  Static functions in a header, because each test program
 * is linked on its own.
 */
#ifndef SYSCALL_STOP_H
#define SYSCALL_STOP_H

#include <stdbool.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

/* Whether the return rval of system call nr is the one waited for. */
typedef bool syscall_stop_fn(pid_t pid, long nr, long rval);

/* Let pid run until done() holds at the return of one of its calls. */
static inline void run_to_syscall(pid_t pid, syscall_stop_fn *done)
{
	struct __ptrace_syscall_info info;
	long nr = -1;
	int status, sig = 0;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
	assert_int_equal(ptrace(PTRACE_SETOPTIONS, pid, NULL,
				PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL), 0);
	for (;;) {
		assert_int_equal(ptrace(PTRACE_SYSCALL, pid, NULL, sig), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSTOPPED(status))
			fail_msg("the child ended: status %#x", status);
		sig = 0;
		if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
			sig = WSTOPSIG(status);	/* not ours: passed on */
			continue;
		}
		assert_true(ptrace(PTRACE_GET_SYSCALL_INFO, pid,
				   (void *)sizeof(info), &info) > 0);
		if (info.op == PTRACE_SYSCALL_INFO_ENTRY)
			nr = (long)info.entry.nr;
		else if (info.op == PTRACE_SYSCALL_INFO_EXIT &&
			 done(pid, nr, (long)info.exit.rval))
			return;
	}
}

#endif
