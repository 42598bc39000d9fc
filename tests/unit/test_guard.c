/*
 * test_guard.c - a file cut under a mapped read never kills the reader,
 * and the program's own SIGBUS handling stays what it was.
 *
 * Every cut here is real (ftruncate of the file while it is mapped) and
 * every signal is real; what must kill a process is tried in a child,
 * whose death is the result.  cmocka installs a SIGBUS handler of its own
 * around each test and restores the previous one after it, as a program
 * may: the library's handler must go back in front at each read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmstats.h"
#include "reader_build.h"
#include "testdir.h"

#define NFIELDS	600	/* 2 pages and more */

static struct fbuild fb;

/* A file of NFIELDS u64 fields, value i + 1 (never 0); its path. */
static const char *make_file(const char *name)
{
	const char *path = tmp_path(name);
	char label[32];
	int i;

	fb_init(&fb);
	for (i = 0; i < NFIELDS; i++) {
		snprintf(label, sizeof(label), "field.%03d", i);
		fb_u64(&fb, label, (uint64_t)i + 1);
	}
	fb_pad(&fb);
	assert_int_equal(fb_write(&fb, path), 0);
	return path;
}

static struct mmstats_map *map_file(const char *path)
{
	struct mmstats_map *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(mmstats_map_fd(fd, &m), 0);
	assert_int_equal(mmstats_map_fields(m)->nstats, NFIELDS);
	return m;
}

/* Cut the file to `size`, after putting its whole content back. */
static void cut(const char *path, off_t size)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, fb.buf, fb.len, 0), (ssize_t)fb.len);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
}

/*
 * Run fn in a child process with SIGBUS handled as `disposition`, and
 * say how the child ended: by a signal, or 0 for a normal exit.
 */
static int in_child(void (*fn)(void), void (*disposition)(int))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGBUS, disposition);
		alarm(10);		/* a loop would end in SIGALRM */
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static volatile const char *faulting;

static void load_faulting(void)
{
	(void)*faulting;
}

/* The page past a cut really faults: a load from it kills a process. */
static void assert_page_faults(const struct mmstats_map *m, size_t off)
{
	void *p = mmap(NULL, off + 1, PROT_READ, MAP_SHARED,
		       mmstats_map_fileno(m), 0);

	assert_true(p != MAP_FAILED);
	faulting = (const char *)p + off;
	assert_int_equal(in_child(load_faulting, SIG_DFL), SIGBUS);
	munmap(p, off + 1);
}

static void check_value(const struct mmstats_map *m, size_t i, int err)
{
	struct mmstats_value v;

	assert_int_equal(mmstats_map_value(m, i, &v, NULL, 0, NULL), err);
	if (!err)
		assert_int_equal(v.v.u, i + 1);
	else
		assert_int_equal(v.v.u, 0);	/* nothing from past the end */
}

/*
 * Cut to 0 bytes, to 1 byte and inside a field: a load from a page past
 * the end faults, one from the last page past the end reads zeros; either
 * way the value is not served, and fields before the end still are.
 */
static void test_cuts_under_a_map(void **state)
{
	const char *path = make_file("cut.mmstats");
	struct mmstats_map *m = map_file(path);
	const struct mmstats_stat *st = mmstats_map_fields(m)->stats;
	size_t last = NFIELDS - 1, mid = NFIELDS / 2;

	(void)state;
	check_value(m, last, 0);
	cut(path, 0);
	assert_page_faults(m, 0);
	check_value(m, 0, -ESTALE);
	check_value(m, last, -ESTALE);
	cut(path, 1);
	check_value(m, 0, -ESTALE);	/* zeros, not a fault */
	cut(path, (off_t)st[mid].value_offset + 3);
	check_value(m, mid - 1, 0);
	check_value(m, mid, -ESTALE);
	check_value(m, last, -ESTALE);
	assert_int_equal(mmstats_map_changed(m), 1);
	mmstats_map_close(m);
}

/*
 * Cuts between the caller's fstat and the read: mmstats_read_fd_sized()
 * maps the size it is given, past the new end, and reads again at the
 * file's size, which reads as any file cut there does: empty, its
 * version byte alone, or cut in a field (whose fields before it stay).
 */
static void test_cuts_under_read_fd(void **state)
{
	/* each field: 2 + 9 ("field.NNN") + 2 + 1 ("Q") + 1 + 8 bytes */
	const struct { off_t size; int err; size_t fields; } cuts[] = {
		{ 0, -ENODATA, 0 },
		{ 1, 0, 0 },
		{ 4096 + 7, -EBADMSG, (4096 + 7 - 1) / 23 },
	};
	const char *path = make_file("cutfd.mmstats");
	struct mmstats_snapshot s;
	struct stat st;
	size_t i, k;
	int fd;

	(void)state;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(fstat(fd, &st), 0);
		cut(path, cuts[i].size);
		assert_int_equal(mmstats_read_fd_sized(fd, st.st_size, &s),
				 cuts[i].err);
		assert_int_equal(s.nstats, cuts[i].fields);
		for (k = 0; k < s.nstats; k++)
			assert_int_equal(s.stats[k].value.v.u, k + 1);
		mmstats_snapshot_free(&s);
		close(fd);
	}
}

static volatile sig_atomic_t program_calls;
static sigjmp_buf program_env;
static volatile sig_atomic_t program_jumps;

static void program_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	program_calls++;
	if (si->si_code > 0 && program_jumps)
		siglongjmp(program_env, 1);
}

static void install_program_handler(struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = program_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGBUS, &sa, old), 0);
}

/* One read of a map whose file was cut: the library's fault, not ours. */
static void read_cut_file(void)
{
	const char *path = make_file("mine.mmstats");
	struct mmstats_map *m = map_file(path);

	cut(path, 0);
	check_value(m, 0, -ESTALE);
	mmstats_map_close(m);
}

/* A fault of the program's own: its handler gets it, as without us. */
static void program_fault(void)
{
	const char *path = make_file("theirs.mmstats");
	volatile const char *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	cut(path, 0);
	program_jumps = 1;
	if (sigsetjmp(program_env, 1) == 0)
		(void)p[0];
	program_jumps = 0;
	munmap((void *)p, 4096);
	close(fd);
}

static void check_program_gets_its_signals(void)
{
	program_calls = 0;
	raise(SIGBUS);			/* sent, not a fault */
	assert_int_equal(program_calls, 1);
	program_fault();
	assert_int_equal(program_calls, 2);
}

/* The program's handler, installed before the first read. */
static void test_handler_installed_before(void **state)
{
	struct sigaction old;

	(void)state;
	install_program_handler(&old);
	read_cut_file();
	check_program_gets_its_signals();
	read_cut_file();
	sigaction(SIGBUS, &old, NULL);
}

/* ... and after a read: the library goes back in front of it. */
static void test_handler_installed_after(void **state)
{
	struct sigaction old;

	(void)state;
	read_cut_file();
	install_program_handler(&old);
	read_cut_file();
	check_program_gets_its_signals();
	sigaction(SIGBUS, &old, NULL);
}

static void read_then_fault(void)
{
	read_cut_file();
	program_fault();	/* no handler of the program's: the end */
}

static void read_then_raise(void)
{
	read_cut_file();
	raise(SIGBUS);
}

/* With no handler of the program's, its faults and signals kill it. */
static void test_default_action_stays(void **state)
{
	(void)state;
	assert_int_equal(in_child(read_then_fault, SIG_DFL), SIGBUS);
	assert_int_equal(in_child(read_then_raise, SIG_DFL), SIGBUS);
}

/* A program that ignores SIGBUS still ignores a sent one. */
static void test_ignored_stays_ignored(void **state)
{
	(void)state;
	assert_int_equal(in_child(read_then_raise, SIG_IGN), 0);
}

static struct sigaction chained;

static void chaining_handler(int sig, siginfo_t *si, void *uc)
{
	program_calls++;
	chained.sa_sigaction(sig, si, uc);
}

static void chain_to_saved_handler(void)
{
	struct sigaction sa;

	read_cut_file();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = chaining_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGBUS, &sa, &chained);
	read_then_raise();
}

/*
 * The program saved the library's handler to chain to, installed its
 * own, and the library went in front of that: a sent SIGBUS goes round
 * once, then takes the default action instead of looping for ever.
 */
static void test_chain_cycle_ends(void **state)
{
	(void)state;
	assert_int_equal(in_child(chain_to_saved_handler, SIG_DFL), SIGBUS);
}

/* mmstats_sigbus() passes over what is not a fault of its reads. */
static void test_sigbus_ignores_others(void **state)
{
	siginfo_t si;

	(void)state;
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGBUS;
	si.si_code = SI_USER;
	mmstats_sigbus(SIGBUS, &si, NULL);
	si.si_code = BUS_ADRERR;
	si.si_addr = &si;
	mmstats_sigbus(SIGBUS, &si, NULL);
	mmstats_sigbus(SIGSEGV, &si, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cuts_under_a_map),
		cmocka_unit_test(test_cuts_under_read_fd),
		cmocka_unit_test(test_handler_installed_before),
		cmocka_unit_test(test_handler_installed_after),
		cmocka_unit_test(test_default_action_stays),
		cmocka_unit_test(test_ignored_stays_ignored),
		cmocka_unit_test(test_chain_cycle_ends),
		cmocka_unit_test(test_sigbus_ignores_others),
	};

	return testdir_run_group("test_guard", tests);
}
