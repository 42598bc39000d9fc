/*
 * test_template.c - file name and directory templates expand as the
 * reference expands them: Python 2.7's str.format(CMD=, PID=, TID=).
 *
 * The first table was made with Python 2.7.18 (the reference's
 * interpreter): each template's str.format(CMD='writer', PID=1234,
 * TID=1234567), NULL where Python raises.  Then what this library
 * refuses although Python accepts it, the messages, the lengths, the
 * names' paths, and mmstats_open() with templates in both options.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmstats.h"
#include "create.h"
#include "template.h"
#include "../../tools/files.h"
#include "testdir.h"

static const struct mms_template_fields fields = {
	.cmd = "writer", .pid = 1234, .tid = 1234567,
};

struct format_case {
	const char *tmpl;
	const char *want;	/* NULL: Python raises, so -EINVAL here */
};

static const struct format_case python_cases[] = {
	{ "plain.mmstats", "plain.mmstats" },
	{ "{{", "{" },
	{ "}}", "}" },
	{ "{{}}", "{}" },
	{ "a{{b}}c", "a{b}c" },
	{ "{{{PID}}}", "{1234}" },
	{ "{{PID}}", "{PID}" },
	{ "}}{{", "}{" },
	{ "{CMD}", "writer" },
	{ "{PID}", "1234" },
	{ "{TID}", "1234567" },
	{ "{CMD}-{PID}-{TID}.mmstats", "writer-1234-1234567.mmstats" },
	{ "{PID}{PID}", "12341234" },
	{ "{CMD}{CMD}", "writerwriter" },
	{ "{PID!s}", "1234" },
	{ "{PID!r}", "1234" },
	{ "{TID!s:>9}", "  1234567" },
	{ "{PID!s:.2}", "12" },
	{ "{CMD!s:^10}", "  writer  " },
	{ "{PID!s:d}", NULL },	/* ValueError */
	{ "{PID!s:+}", NULL },	/* ValueError */
	{ "{PID:8}", "    1234" },
	{ "{PID:<8}", "1234    " },
	{ "{PID:>8}", "    1234" },
	{ "{PID:^8}", "  1234  " },
	{ "{PID:^9}", "  1234   " },
	{ "{PID:=8}", "    1234" },
	{ "{PID:*<8}", "1234****" },
	{ "{PID:*^9}", "**1234***" },
	{ "{PID:*=8}", "****1234" },
	{ "{PID:08}", "00001234" },
	{ "{PID:08d}", "00001234" },
	{ "{PID:0>8}", "00001234" },
	{ "{PID:0<8}", "12340000" },
	{ "{PID:<08}", "12340000" },
	{ "{PID:x<08}", "1234xxxx" },
	{ "{PID:-^08}", "--1234--" },
	{ "{PID:00}", "1234" },
	{ "{PID:3}", "1234" },
	{ "{PID:03}", "1234" },
	{ "{PID:0=8}", "00001234" },
	{ "{PID:d}", "1234" },
	{ "{PID:n}", "1234" },
	{ "{PID:08n}", "00001234" },
	{ "{PID:+}", "+1234" },
	{ "{PID:+d}", "+1234" },
	{ "{PID:-}", "1234" },
	{ "{PID: }", " 1234" },
	{ "{PID:+08}", "+0001234" },
	{ "{PID: 8}", "    1234" },
	{ "{PID:+=8}", "++++1234" },
	{ "{PID:*>+8}", "***+1234" },
	{ "{PID:+^9}", "++1234+++" },
	{ "{PID:b}", "10011010010" },
	{ "{PID:#b}", "0b10011010010" },
	{ "{PID:o}", "2322" },
	{ "{PID:#o}", "0o2322" },
	{ "{PID:x}", "4d2" },
	{ "{PID:#x}", "0x4d2" },
	{ "{PID:X}", "4D2" },
	{ "{PID:#X}", "0X4D2" },
	{ "{PID:#010x}", "0x000004d2" },
	{ "{PID:#010X}", "0X000004D2" },
	{ "{PID:#>10x}", "#######4d2" },
	{ "{PID:#<10o}", "2322######" },
	{ "{PID:+#x}", "+0x4d2" },
	{ "{PID:#d}", "1234" },
	{ "{PID:#n}", "1234" },
	{ "{TID:08x}", "0012d687" },
	{ "{TID:_>12b}", "100101101011010000111" },
	{ "{TID:,}", "1,234,567" },
	{ "{TID:,d}", "1,234,567" },
	{ "{PID:,}", "1,234" },
	{ "{TID:12,}", "   1,234,567" },
	{ "{TID:<12,}", "1,234,567   " },
	{ "{TID:^13,}", "  1,234,567  " },
	{ "{TID:012,}", "0,001,234,567" },
	{ "{TID:011,}", "001,234,567" },
	{ "{TID:010,}", "01,234,567" },
	{ "{TID:09,}", "1,234,567" },
	{ "{TID:+013,}", "+0,001,234,567" },
	{ "{TID:x=12,}", "xxx1,234,567" },
	{ "{TID:0=12,}", "0,001,234,567" },
	{ "{PID:08,}", "0,001,234" },
	{ "{PID:07,}", "001,234" },
	{ "{PID:06,}", "01,234" },
	{ "{PID:05,}", "1,234" },
	{ "{CMD:s}", "writer" },
	{ "{CMD:10}", "writer    " },
	{ "{CMD:10s}", "writer    " },
	{ "{CMD:<10}", "writer    " },
	{ "{CMD:>10}", "    writer" },
	{ "{CMD:>10s}", "    writer" },
	{ "{CMD:^10}", "  writer  " },
	{ "{CMD:^11}", "  writer   " },
	{ "{CMD:*^11}", "**writer***" },
	{ "{CMD:.3}", "wri" },
	{ "{CMD:.3s}", "wri" },
	{ "{CMD:.0}", "" },
	{ "{CMD:.10}", "writer" },
	{ "{CMD:8.3}", "wri     " },
	{ "{CMD:>8.3}", "     wri" },
	{ "{CMD:_>8.3s}", "_____wri" },
	{ "{CMD:0>10}", "0000writer" },
	{ "{CMD:3}", "writer" },
	{ "{CMD:>010}", "0000writer" },
	{ "{CMD:<}", "writer" },
	{ "{PID:>{PID:.1}}", NULL },	/* ValueError */
	{ "{CMD:{PID:.1}}", NULL },	/* ValueError */
	{ "{PID:0{CMD:.0}8}", "00001234" },
	{ "{PID:{CMD:.0}x}", "4d2" },
	{ "{CMD:^{TID!s:.2}}", "   writer   " },
	{ "a/{CMD}/b-{PID:08d}.mmstats", "a/writer/b-00001234.mmstats" },
	{ "sub/{PID}", "sub/1234" },
	{ "{CMD}/{TID:x}", "writer/12d687" },
	{ "{", NULL },	/* ValueError */
	{ "}", NULL },	/* ValueError */
	{ "a{", NULL },	/* ValueError */
	{ "a}", NULL },	/* ValueError */
	{ "{PID", NULL },	/* ValueError */
	{ "{PID}}", NULL },	/* ValueError */
	{ "}{PID}", NULL },	/* ValueError */
	{ "{PID:{}", NULL },	/* ValueError */
	{ "{{{", NULL },	/* ValueError */
	{ "}}}", NULL },	/* ValueError */
	{ "{}", NULL },	/* IndexError */
	{ "{0}", NULL },	/* IndexError */
	{ "{1}", NULL },	/* IndexError */
	{ "{:d}", NULL },	/* IndexError */
	{ "{!s}", NULL },	/* IndexError */
	{ "{FOO}", NULL },	/* KeyError */
	{ "{pid}", NULL },	/* KeyError */
	{ "{ PID}", NULL },	/* KeyError */
	{ "{PID }", NULL },	/* KeyError */
	{ "{a{b}c}", NULL },	/* KeyError */
	{ "{PID:{FOO}}", NULL },	/* KeyError */
	{ "{PID!}", NULL },	/* ValueError */
	{ "{PID!x}", NULL },	/* ValueError */
	{ "{PID!a}", NULL },	/* ValueError */
	{ "{PID!ss}", NULL },	/* ValueError */
	{ "{PID!s!r}", NULL },	/* ValueError */
	{ "{PID:s}", NULL },	/* ValueError */
	{ "{PID:.3}", NULL },	/* ValueError */
	{ "{PID:08.3d}", NULL },	/* ValueError */
	{ "{PID:q}", NULL },	/* ValueError */
	{ "{PID:dd}", NULL },	/* ValueError */
	{ "{PID:8.}", NULL },	/* ValueError */
	{ "{PID:,x}", NULL },	/* ValueError */
	{ "{PID:,b}", NULL },	/* ValueError */
	{ "{PID:,n}", NULL },	/* ValueError */
	{ "{PID:_}", NULL },	/* ValueError */
	{ "{PID:z}", NULL },	/* ValueError */
	{ "{PID:>>8}", ">>>>1234" },
	{ "{PID: +8}", NULL },	/* ValueError */
	{ "{CMD:d}", NULL },	/* ValueError */
	{ "{CMD:x}", NULL },	/* ValueError */
	{ "{CMD:+}", NULL },	/* ValueError */
	{ "{CMD:-}", NULL },	/* ValueError */
	{ "{CMD: }", NULL },	/* ValueError */
	{ "{CMD:#}", NULL },	/* ValueError */
	{ "{CMD:=8}", NULL },	/* ValueError */
	{ "{CMD:08}", NULL },	/* ValueError */
	{ "{CMD:0}", NULL },	/* ValueError */
	{ "{CMD:,}", NULL },	/* ValueError */
	{ "{CMD:.}", NULL },	/* ValueError */
	{ "{PID!s:x}", NULL },	/* ValueError */
	{ "{PID!s:,}", NULL },	/* ValueError */
	{ "{PID!r:#}", NULL },	/* ValueError */
	{ "{PID:{PID:{PID}}}", NULL },	/* ValueError */
	{ "{PID:{CMD:{TID}}}", NULL },	/* ValueError */
};

/* The message names the template, then the problem. */
static void assert_refused(const struct mms_template_fields *f,
			   const char *tmpl, const char *problem)
{
	char buf[256], head[300];
	int err = mms_template_format("file name template", tmpl, f, buf,
				      sizeof(buf));

	if (err != -EINVAL)
		fail_msg("\"%s\": %d, not -EINVAL (\"%s\")", tmpl, err, buf);
	snprintf(head, sizeof(head), "file name template \"%s\": ", tmpl);
	if (strncmp(mmstats_last_error(), head, strlen(head)))
		fail_msg("\"%s\": message \"%s\"", tmpl, mmstats_last_error());
	if (problem && !strstr(mmstats_last_error(), problem))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", tmpl,
			 mmstats_last_error(), problem);
}

static void assert_expands(const struct mms_template_fields *f,
			   const char *tmpl, const char *want)
{
	char buf[256];
	int err = mms_template_format("file name template", tmpl, f, buf,
				      sizeof(buf));

	if (err)
		fail_msg("\"%s\": %d (%s)", tmpl, err, mmstats_last_error());
	if (strcmp(buf, want))
		fail_msg("\"%s\": \"%s\", want \"%s\"", tmpl, buf, want);
}

static void test_as_python(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(python_cases) / sizeof(*python_cases);
	     i++) {
		const struct format_case *c = &python_cases[i];

		if (c->want)
			assert_expands(&fields, c->tmpl, c->want);
		else
			assert_refused(&fields, c->tmpl, NULL);
	}
}

/* Python 2.7 with PID=-42, TID=-2**63: signs and the widest magnitude. */
static void test_negative(void **state)
{
	static const struct format_case cases[] = {
		{ "{PID}", "-42" },
		{ "{PID:+}", "-42" },
		{ "{PID:08}", "-0000042" },
		{ "{PID:x}", "-2a" },
		{ "{PID:#x}", "-0x2a" },
		{ "{PID:=8}", "-     42" },
		{ "{PID:,}", "-42" },
		{ "{PID:08,}", "-000,042" },
		{ "{PID:^8}", "  -42   " },
		{ "{TID}", "-9223372036854775808" },
		{ "{TID:#b}", "-0b1000000000000000000000000000000000000000"
			      "000000000000000000000000" },
		{ "{TID:+,}", "-9,223,372,036,854,775,808" },
	};
	struct mms_template_fields f = {
		.cmd = "", .pid = -42, .tid = INT64_MIN,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		assert_expands(&f, cases[i].tmpl, cases[i].want);
}

/* Each kind of mistake, and what Python takes but this refuses. */
static void test_messages(void **state)
{
	static const struct format_case cases[] = {
		{ "a}b", "single '}'" },
		{ "a{", "'{' without its '}'" },
		{ "{PID", "'{' without its '}'" },
		{ "{}", "{}: a positional field" },
		{ "{0}", "{0}: a positional field" },
		{ "{FOO}.mmstats", "unknown field {FOO}" },
		{ "{pid}", "unknown field {pid}" },
		{ "{PID!}", "'!' must be followed by a conversion" },
		{ "{PID!x}", "{PID!x}: unknown conversion" },
		{ "{PID!ss}", "expected ':' after the conversion" },
		{ "{CMD:d}", "{CMD}: unknown format type 'd' for a string" },
		{ "{PID:s}", "{PID}: unknown format type 's' for an integer" },
		{ "{PID!s:d}", "{PID}: unknown format type 'd' for a string" },
		{ "{PID:.3}", "a precision is not allowed with an integer" },
		{ "{PID:8.}", "a '.' but no precision" },
		{ "{PID:dd}", "invalid format spec \"dd\"" },
		{ "{PID:,x}", "',' cannot go with type 'x'" },
		{ "{CMD:,}", "',' cannot go with type 's'" },
		{ "{CMD:+}", "a sign is not allowed with a string" },
		{ "{CMD:#}", "'#' is not allowed with a string" },
		{ "{CMD:=8}", "'=' alignment" },
		{ "{CMD:08}", "'=' alignment" },
		{ "{PID:{PID:{PID}}}", "nested too deeply" },
		/* Python 2.7 accepts these; they make no sense in a name. */
		{ "{PID:c}", "type 'c' (a character) is not supported" },
		{ "{PID:f}", "float type 'f' is not supported" },
		{ "{PID:.2e}", "float type 'e' is not supported" },
		{ "{PID:%}", "float type '%' is not supported" },
		{ "{PID.real}", "attribute and index lookups are not supported" },
		{ "{CMD[0]}", "attribute and index lookups are not supported" },
		{ "{CMD!r}", "!r of a string" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		assert_refused(&fields, cases[i].tmpl, cases[i].want);
}

static void test_lengths(void **state)
{
	char buf[16];

	(void)state;
	/* the name and its NUL must fit */
	assert_int_equal(mms_template_format("t", "{PID:07}", &fields, buf,
					     8), 0);
	assert_string_equal(buf, "0001234");
	assert_int_equal(mms_template_format("t", "{PID:08}", &fields, buf,
					     8), -ENAMETOOLONG);
	assert_non_null(strstr(mmstats_last_error(), "\"{PID:08}\" is too "
			       "long"));
	assert_int_equal(mms_template_format("t", "abcdefgh", &fields, buf,
					     8), -ENAMETOOLONG);
	assert_int_equal(mms_template_format("t", "", &fields, buf, 0),
			 -ENAMETOOLONG);
	/* widths past any buffer saturate instead of overflowing */
	assert_int_equal(mms_template_format("t",
			 "{PID:99999999999999999999999}", &fields, buf,
			 sizeof(buf)), -ENAMETOOLONG);
	assert_int_equal(mms_template_format("t",
			 "{TID:099999999999999999999,}", &fields, buf,
			 sizeof(buf)), -ENAMETOOLONG);
	assert_int_equal(mms_template_format("t", "{CMD:.99999999999999}",
					     &fields, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "writer");
	/* a spec with fields expands in a buffer of its own */
	assert_int_equal(mms_template_format("t", "{PID:{CMD:>300}}",
					     &fields, buf, sizeof(buf)),
			 -ENAMETOOLONG);
}

/* ---- this process's names ------------------------------------------------ */

/* The default template gives the very names it gave before templates. */
static void test_default_name(void **state)
{
	char buf[PATH_MAX], want[PATH_MAX];

	(void)state;
	assert_int_equal(mms_expand_name(MMSTATS_DEFAULT_FILES, buf,
					 sizeof(buf)), 0);
	snprintf(want, sizeof(want), "%s-%d-%d.mmstats",
		 program_invocation_short_name, getpid(), gettid());
	assert_string_equal(buf, want);
	assert_string_equal(MMSTATS_DEFAULT_FILES,
			    "{CMD}-{PID}-{TID}.mmstats");
}

/* {CMD} never adds a directory; "" is "unknown". */
static void test_cmd(void **state)
{
	char buf[PATH_MAX], want[64];
	char *saved = program_invocation_short_name;

	(void)state;
	program_invocation_short_name = "../evil/cmd";
	assert_int_equal(mms_expand_name("{CMD}.mmstats", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, ".._evil_cmd.mmstats");
	assert_int_equal(mms_expand_name("{CMD:.4}", buf, sizeof(buf)), 0);
	assert_string_equal(buf, ".._e");
	program_invocation_short_name = "";
	assert_int_equal(mms_expand_name("{CMD}-{PID:x}", buf, sizeof(buf)),
			 0);
	snprintf(want, sizeof(want), "unknown-%x", (unsigned)getpid());
	assert_string_equal(buf, want);
	program_invocation_short_name = saved;
}

/* A name is a path under the directory, never out of it. */
static void test_name_paths(void **state)
{
	static const char *refused[] = {
		"", "/tmp/x.mmstats", "{CMD}/", "a//b", "../x", "a/../b",
		"a/./b", ".", "..", "./x", "{CMD:.0}/x",
	};
	char buf[PATH_MAX], want[PATH_MAX];

	(void)state;
	assert_int_equal(mms_expand_name("a/b/{PID:08d}.mmstats", buf,
					 sizeof(buf)), 0);
	snprintf(want, sizeof(want), "a/b/%08d.mmstats", getpid());
	assert_string_equal(buf, want);
	assert_int_equal(mms_expand_name("..x/.y", buf, sizeof(buf)), 0);
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
		assert_int_equal(mms_expand_name(refused[i], buf,
						 sizeof(buf)), -EINVAL);
		assert_non_null(strstr(mmstats_last_error(), "bad name"));
	}
	assert_int_equal(mms_expand_name("{FOO}", buf, sizeof(buf)), -EINVAL);
	assert_string_equal(mmstats_last_error(), "file name template "
			    "\"{FOO}\": unknown field {FOO}; the fields are "
			    "CMD, PID and TID");
}

/* The name's directories join the directory; the path expands too. */
static void test_place(void **state)
{
	char *dir, *name, want[PATH_MAX];
	size_t base;

	(void)state;
	assert_int_equal(mms_expand_place("/d/{CMD}", "s/t/{PID}.mmstats",
					  &dir, &base, &name), 0);
	snprintf(want, sizeof(want), "/d/%s/s/t",
		 program_invocation_short_name);
	assert_string_equal(dir, want);
	assert_int_equal(base, strlen(want) - strlen("/s/t"));
	snprintf(want, sizeof(want), "%d.mmstats", getpid());
	assert_string_equal(name, want);
	free(dir);
	free(name);
	assert_int_equal(mms_expand_place("/d", "n", &dir, NULL, &name), 0);
	assert_string_equal(dir, "/d");
	assert_string_equal(name, "n");
	free(dir);
	free(name);
	assert_int_equal(mms_expand_place("/d/{X}", "n", &dir, NULL, &name),
			 -EINVAL);
	assert_null(dir);
	assert_string_equal(mmstats_last_error(), "directory template "
			    "\"/d/{X}\": unknown field {X}; the fields are "
			    "CMD, PID and TID");
	assert_int_equal(mms_expand_place("{CMD:.0}", "n", &dir, NULL, &name),
			 -EINVAL);
	assert_non_null(strstr(mmstats_last_error(), "empty"));
	assert_int_equal(mms_expand_place("/d", "../n", &dir, NULL, &name),
			 -EINVAL);
	assert_null(name);
}

/* ---- mmstats_open() ------------------------------------------------------ */

static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void open_in_subdirectory(void)
{
	struct mmstats_options o = {
		.path = testdir_group,
		.filename = "sub/w-{PID:08d}.mmstats",
	};
	char sub[256], want[PATH_MAX];
	struct mmstats *s;
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/sub", testdir_group);
	/* as the reference's os.open(): the directories must exist */
	assert_int_equal(mmstats_open(NULL, 0, &o, &s), -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory", sub);
	assert_string_equal(mmstats_last_error(), want);

	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(mmstats_open(NULL, 0, &o, &s), 0);
	snprintf(want, sizeof(want), "%s/w-%08d.mmstats", sub, getpid());
	assert_string_equal(mmstats_filename(s), want);
	assert_int_equal(lstat(want, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_true(st.st_size > 0);
	/* built in place: no temporary file left in either directory */
	assert_int_equal(count_entries(sub), 1);
	assert_int_equal(count_entries(testdir_group), 1);
	assert_int_equal(mmstats_remove(s), 0);
	assert_int_equal(access(want, F_OK), -1);
	assert_int_equal(rmdir(sub), 0);
}

static void test_open_in_subdirectory(void **state)
{
	(void)state;
	open_in_subdirectory();
	mms_no_tmpfile = true;		/* a temporary name in sub/ instead */
	open_in_subdirectory();
	mms_no_tmpfile = false;
}

/*
 * The file name's directories are never reached through a symbolic link
 * (one planted in a shared directory would send the file elsewhere);
 * the stats directory itself may be one, as /var/run is.
 */
static void test_no_symlink_in_name_dirs(void **state)
{
	struct mmstats_options o = { .filename = "sub/x.mmstats" };
	char dir[PATH_MAX], real[256], link[256], sub[256], want[PATH_MAX];
	struct mmstats *s;

	(void)state;
	snprintf(real, sizeof(real), "%s/real", testdir_group);
	snprintf(sub, sizeof(sub), "%s/sub", testdir_group);
	snprintf(link, sizeof(link), "%s/link", testdir_group);
	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink(real, sub), 0);
	o.path = testdir_group;
	assert_int_equal(mmstats_open(NULL, 0, &o, &s), -ELOOP);
	assert_null(s);
	assert_non_null(strstr(mmstats_last_error(), "symbolic link"));
	assert_int_equal(count_entries(real), 0);
	/* the stats directory through a link: followed */
	assert_int_equal(unlink(sub), 0);
	assert_int_equal(symlink(testdir_group, link), 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	o.path = link;
	assert_int_equal(mmstats_open(NULL, 0, &o, &s), 0);
	snprintf(want, sizeof(want), "%s/sub/x.mmstats", link);
	assert_string_equal(mmstats_filename(s), want);
	snprintf(dir, sizeof(dir), "%s/x.mmstats", sub);
	assert_int_equal(access(dir, F_OK), 0);
	assert_int_equal(mmstats_remove(s), 0);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(real), 0);
	assert_int_equal(unlink(link), 0);
}

/* The path option and $MMSTATS_PATH are templates too. */
static void test_path_template(void **state)
{
	struct mmstats_options o = { .filename = "f.mmstats" };
	char tmpl[256], sub[256], want[PATH_MAX];
	struct mmstats *s;

	(void)state;
	snprintf(tmpl, sizeof(tmpl), "%s/{CMD}-{PID:x}", testdir_group);
	snprintf(sub, sizeof(sub), "%s/%s-%x", testdir_group,
		 program_invocation_short_name, (unsigned)getpid());
	assert_int_equal(mkdir(sub, 0755), 0);
	o.path = tmpl;
	assert_int_equal(mmstats_open(NULL, 0, &o, &s), 0);
	snprintf(want, sizeof(want), "%s/f.mmstats", sub);
	assert_string_equal(mmstats_filename(s), want);
	assert_int_equal(access(want, F_OK), 0);
	assert_int_equal(mmstats_remove(s), 0);

	setenv(MMSTATS_ENV_PATH, tmpl, 1);
	assert_int_equal(mmstats_open(NULL, 0, NULL, &s), 0);
	snprintf(want, sizeof(want), "%s/%s-%d-%d.mmstats", sub,
		 program_invocation_short_name, getpid(), gettid());
	assert_string_equal(mmstats_filename(s), want);
	assert_int_equal(mmstats_remove(s), 0);
	unsetenv(MMSTATS_ENV_PATH);

	o.path = "/tmp/{nope}";
	assert_int_equal(mmstats_open(NULL, 0, &o, &s), -EINVAL);
	assert_null(s);
	assert_string_equal(mmstats_last_error(), "directory template "
			    "\"/tmp/{nope}\": unknown field {nope}; the "
			    "fields are CMD, PID and TID");
	assert_int_equal(rmdir(sub), 0);
}

static void test_open_refused(void **state)
{
	struct mmstats_options o = { .path = testdir_group };
	struct mmstats *s;

	(void)state;
	o.filename = "{PID:d}-{CMD:d}.mmstats";
	assert_int_equal(mmstats_open(NULL, 0, &o, &s), -EINVAL);
	assert_null(s);
	assert_string_equal(mmstats_last_error(), "file name template "
			    "\"{PID:d}-{CMD:d}.mmstats\": {CMD}: unknown "
			    "format type 'd' for a string (only s)");
	o.filename = "../{PID}.mmstats";
	assert_int_equal(mmstats_open(NULL, 0, &o, &s), -EINVAL);
	assert_int_equal(count_entries(testdir_group), 0);
}

/* The tools still find a file of the default template by their glob. */
static void test_tools_find_default_names(void **state)
{
	struct pathlist found = PATHLIST_INIT;
	struct mmstats *s;

	(void)state;
	setenv(MMSTATS_ENV_PATH, testdir_group, 1);
	unsetenv(MMSTATS_ENV_FILES);
	unsetenv("MMSTATS_GLOB");
	assert_int_equal(mmstats_open(NULL, 0, NULL, &s), 0);
	assert_int_equal(files_expand_args(NULL, 0, &found, NULL), 0);
	assert_int_equal(found.n, 1);
	assert_string_equal(found.v[0], mmstats_filename(s));
	pathlist_free(&found);
	assert_int_equal(mmstats_remove(s), 0);
	unsetenv(MMSTATS_ENV_PATH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_as_python),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_default_name),
		cmocka_unit_test(test_cmd),
		cmocka_unit_test(test_name_paths),
		cmocka_unit_test(test_place),
		cmocka_unit_test(test_open_in_subdirectory),
		cmocka_unit_test(test_no_symlink_in_name_dirs),
		cmocka_unit_test(test_path_template),
		cmocka_unit_test(test_open_refused),
		cmocka_unit_test(test_tools_find_default_names),
	};

	return testdir_run_group("test_template", tests);
}
