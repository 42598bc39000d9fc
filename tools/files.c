/* files.c - default glob, argument expansion and client globs. */
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmstats.h"

int pathlist_add(struct pathlist *l, const char *path)
{
	char **v;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 16;
		v = reallocarray(l->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = strdup(path);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static int index_cmp(const void *a, const void *b, void *arg)
{
	char **v = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(v[x], v[y]);

	return c ? c : (x > y) - (x < y);
}

void pathlist_uniq(struct pathlist *l)
{
	size_t *idx, i, j;

	if (l->n < 2)
		return;
	idx = calloc(l->n, sizeof(*idx));
	if (!idx)
		return;	/* duplicates are harmless, only wasteful */
	for (i = 0; i < l->n; i++)
		idx[i] = i;
	qsort_r(idx, l->n, sizeof(*idx), index_cmp, l->v);
	for (i = 1; i < l->n; i++) {
		if (strcmp(l->v[idx[i]], l->v[idx[i - 1]]) != 0)
			continue;
		free(l->v[idx[i]]);
		l->v[idx[i]] = NULL;
		/* Compare the next one with the one kept. */
		idx[i] = idx[i - 1];
	}
	free(idx);
	for (i = j = 0; i < l->n; i++)
		if (l->v[i])
			l->v[j++] = l->v[i];
	l->n = j;
}

void pathlist_free(struct pathlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

const char *files_stats_dir(void)
{
	const char *dir = getenv(MMSTATS_ENV_PATH);

	return dir && *dir ? dir : MMSTATS_DEFAULT_PATH;
}

/*
 * $MMSTATS_PATH is a template (mmstats(3)): writers put their files in
 * what it gives for their own {CMD}, {PID} and {TID}.  As a glob (`glob`
 * true), each field is "*", "{{" and "}}" are a brace, and glob's own
 * special characters match only themselves; else it is the path a
 * template without fields gives.  A brace that opens or closes no field
 * is taken as it is, as a directory name.  Returns the number of fields,
 * or -ENAMETOOLONG if the result does not fit in len bytes.
 */
static int path_conv(const char *tmpl, char *buf, size_t len, bool glob)
{
	const char *p, *end;
	size_t o = 0;
	int depth, fields = 0;

	for (p = tmpl; *p; p++) {
		if (o + 3 > len)
			return -ENAMETOOLONG;
		if ((*p == '{' || *p == '}') && p[1] == *p) {
			buf[o++] = *p++;
			continue;
		}
		for (end = p, depth = 0; *p == '{' && *end; end++)
			if ((depth += (*end == '{') - (*end == '}')) == 0)
				break;
		if (*p == '{' && *end == '}') {
			buf[o++] = '*';
			p = end;
			fields++;
			continue;
		}
		if (glob && strchr("*?[\\", *p))
			buf[o++] = '\\';
		buf[o++] = *p;
	}
	buf[o] = '\0';
	return fields;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The matches of pattern that keep() takes, into out. */
static int glob_each(const char *pattern, int flags,
		     bool (*keep)(const char *path), struct pathlist *out)
{
	glob_t g;
	size_t i;
	int err = 0, rc = glob(pattern, flags, NULL, &g);

	if (rc == GLOB_NOMATCH)
		return 0;
	if (rc != 0)
		return rc == GLOB_NOSPACE ? -ENOMEM : -EIO;
	for (i = 0; i < g.gl_pathc && !err; i++)
		if (keep(g.gl_pathv[i]))
			err = pathlist_add(out, g.gl_pathv[i]);
	globfree(&g);
	return err;
}

int files_stats_dirs(struct pathlist *out, bool *is_template)
{
	char pattern[4096];
	int n;

	n = path_conv(files_stats_dir(), pattern, sizeof(pattern), true);
	*is_template = n > 0;
	if (n == 0)
		n = path_conv(files_stats_dir(), pattern, sizeof(pattern),
			      false);
	if (n < 0)
		return n;
	if (!*is_template)
		return pathlist_add(out, pattern);
	/* What the default glob looks in: directories it can list. */
	return glob_each(pattern, GLOB_ONLYDIR, is_dir, out);
}

const char *files_default_glob(char *buf, size_t len)
{
	const char *glob_env = getenv(MMSTATS_ENV_GLOB);
	char dir[4096];
	int n;

	if (glob_env && *glob_env)
		n = snprintf(buf, len, "%s", glob_env);
	else if (path_conv(files_stats_dir(), dir, sizeof(dir), true) < 0)
		return NULL;
	else
		n = snprintf(buf, len, "%s/*%s", dir, MMSTATS_SUFFIX);
	return n < 0 || (size_t)n >= len ? NULL : buf;
}

static bool has_glob_chars(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the entries added since `from`. */
static void pathlist_sort_from(struct pathlist *l, size_t from)
{
	if (l->n - from > 1)
		qsort(l->v + from, l->n - from, sizeof(*l->v), path_cmp);
}

void pathlist_sort(struct pathlist *l)
{
	pathlist_sort_from(l, 0);
}

/* Not a directory itself (a link to one is a file name here). */
static bool not_dir(const char *path)
{
	struct stat st;

	return !(lstat(path, &st) == 0 && S_ISDIR(st.st_mode));
}

static int expand_glob(const char *pattern, struct pathlist *out)
{
	return glob_each(pattern, 0, not_dir, out);
}

int files_expand(const char *arg, struct pathlist *out)
{
	struct stat st;

	if (is_dir(arg))
		return files_match_dir(arg, "*" MMSTATS_SUFFIX, out);
	if (has_glob_chars(arg) && lstat(arg, &st) != 0)
		return expand_glob(arg, out);
	return pathlist_add(out, arg);
}

int files_expand_args(char *const *args, size_t nargs, struct pathlist *out,
		      files_report_fn report)
{
	char pattern[4096];
	size_t i;
	int err, first = 0;

	if (nargs == 0) {
		err = files_default_glob(pattern, sizeof(pattern)) ?
		      expand_glob(pattern, out) : -ENAMETOOLONG;
		if (err && report)
			report("the default glob", err);
		return err;
	}
	/* One unreadable directory must not hide the other arguments. */
	for (i = 0; i < nargs && first != -ENOMEM; i++) {
		err = files_expand(args[i], out);
		if (!err)
			continue;
		if (report)
			report(args[i], err);
		if (!first)
			first = err;
	}
	pathlist_uniq(out);
	return first;
}

/* How the strict expansion says that an argument gave nothing. */
#define NO_MMSTATS_FILE	"no mmstats file"
#define NO_MATCH	"no file matches"

/* Say `err` (-errno) about `name`; returns it. */
static int say(files_why_fn report, const char *name, int err)
{
	report(name, strerror(-err));
	return err;
}

/*
 * The error of a pattern's directory, when that part has no glob
 * characters: a glob in a missing or unreadable directory just matches
 * nothing, and the directory's error is the one worth saying.  0 if it
 * can be listed, or cannot be told.
 */
static int glob_dir_error(const char *pattern, char *dir, size_t len)
{
	const char *slash = strrchr(pattern, '/');
	DIR *dp;
	int n;

	if (!slash)
		n = snprintf(dir, len, ".");
	else if (slash == pattern)
		n = snprintf(dir, len, "/");
	else
		n = snprintf(dir, len, "%.*s", (int)(slash - pattern),
			     pattern);
	if (n < 0 || (size_t)n >= len || has_glob_chars(dir))
		return 0;
	dp = opendir(dir);
	if (!dp)
		return -errno;
	closedir(dp);
	return 0;
}

/* A glob that matched nothing: its directory's error, or `none`. */
static int glob_none(const char *pattern, const char *name, const char *none,
		     files_why_fn report)
{
	char dir[4096];
	int err = glob_dir_error(pattern, dir, sizeof(dir));

	if (err)
		return say(report, dir, err);
	report(name, none);
	return -ENOENT;
}

static int expand_strict(const char *arg, struct pathlist *out,
			 files_why_fn report)
{
	size_t before = out->n;
	struct stat st;
	int err;

	if (is_dir(arg)) {
		err = files_match_dir(arg, "*" MMSTATS_SUFFIX, out);
		if (err)
			return say(report, arg, err);
		if (out->n > before)
			return 0;
		report(arg, NO_MMSTATS_FILE);
		return -ENOENT;
	}
	/* A symlink is listed: the readers refuse it, and say so. */
	if (lstat(arg, &st) == 0)
		return pathlist_add(out, arg);
	err = -errno;
	if (!has_glob_chars(arg))
		return say(report, arg, err);
	err = expand_glob(arg, out);
	if (err)
		return say(report, arg, err);
	return out->n > before ? 0 : glob_none(arg, arg, NO_MATCH, report);
}

/* The default glob: MMSTATS_GLOB's words, or its directory's. */
static int expand_default_strict(struct pathlist *out, files_why_fn report)
{
	const char *env = getenv(MMSTATS_ENV_GLOB);
	size_t before = out->n;
	char pattern[4096];
	int err;

	if (!files_default_glob(pattern, sizeof(pattern)))
		return say(report, "the default glob", -ENAMETOOLONG);
	err = expand_glob(pattern, out);
	if (err)
		return say(report, pattern, err);
	if (out->n > before)
		return 0;
	if (env && *env)
		return glob_none(pattern, pattern, NO_MATCH, report);
	return glob_none(pattern, files_stats_dir(), NO_MMSTATS_FILE, report);
}

int files_expand_args_strict(char *const *args, size_t nargs,
			     struct pathlist *out, files_why_fn report)
{
	size_t i;
	int err, first = 0;

	if (nargs == 0)
		return expand_default_strict(out, report);
	/* Every argument is looked at: each one missing is worth a line. */
	for (i = 0; i < nargs && first != -ENOMEM; i++) {
		err = expand_strict(args[i], out, report);
		if (err && !first)
			first = err;
	}
	pathlist_uniq(out);
	return first;
}

int files_check_client_glob(const char *pattern)
{
	const unsigned char *p = (const unsigned char *)pattern;

	if (!*p || strstr(pattern, ".."))
		return -EINVAL;
	for (; *p; p++)
		if (*p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7f)
			return -EINVAL;
	return 0;
}

/* A regular file, judged without following a symlink. */
static bool is_regular_at(int dirfd, const struct dirent *d)
{
	struct stat st;

	if (d->d_type != DT_UNKNOWN)
		return d->d_type == DT_REG;
	return fstatat(dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode);
}

static int add_joined(struct pathlist *out, const char *dir, const char *name)
{
	size_t dlen = strlen(dir);
	char *path;
	int err;

	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	if (asprintf(&path, "%.*s%s%s", (int)dlen, dir,
		     dir[dlen - 1] == '/' ? "" : "/", name) < 0)
		return -ENOMEM;
	err = pathlist_add(out, path);
	free(path);
	return err;
}

int files_match_dir(const char *dir, const char *pattern,
		    struct pathlist *out)
{
	size_t from = out->n;
	struct dirent *d;
	int err = 0;
	DIR *dp;

	dp = opendir(dir);
	if (!dp)
		return -errno;
	while (!err && (d = readdir(dp)) != NULL) {
		if (fnmatch(pattern, d->d_name, FNM_PERIOD) != 0)
			continue;
		if (!is_regular_at(dirfd(dp), d))
			continue;
		err = add_joined(out, dir, d->d_name);
	}
	closedir(dp);
	pathlist_sort_from(out, from);
	return err;
}
