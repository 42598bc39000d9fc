/*
 * floorfs - the least a FUSE file system can do, as a floor for mmstatsfs.
 *
 * Low-level API, no state, every answer computed from the inode number,
 * every file 20 constant bytes opened with direct_io as mmstatsfs opens
 * its files.  Whatever mmstatsfs costs beyond this is its own.
 *
 *	floorfs [-f] [-s] [-o dirs=N,files=L,timeout=T] MOUNTPOINT
 *
 * dirs=0 (default): the root holds one file, "value".
 * dirs=N: the shape of mmstatsfs over N single-threaded writers of L
 * labels each (default 20, at most 100,000): /<n>/<label>,
 * /<n>/task/<n>/<label> and /files/<n>/<label>, n = 1..N; labels are
 * f00 to f<L-1>.
 * timeout=T: entry and attribute timeout in seconds (default 1).
 */
#define FUSE_USE_VERSION 34

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char content[] = "1234567890123456789\n";
#define MAX_FILES	100000	/* labels per directory */
#define CONTENT_LEN	(sizeof(content) - 1)

struct floor_opts {
	unsigned dirs;
	unsigned files;
	double timeout;
};

static struct floor_opts fo = { .dirs = 0, .files = 20, .timeout = 1.0 };

/* ------------------------------------------------------------------ */
/* Inode numbers                                                       */
/* ------------------------------------------------------------------ */

/*
 * 1 is the root, 2 the single file or /files; then each writer n owns a
 * block of 4 + 3 * files numbers: its pid dir, task dir, tid dir, source
 * dir, and the labels under the pid, the tid and the source dirs.
 */
enum node_kind {
	N_ROOT, N_VALUE, N_FILES, N_PID, N_TASK, N_TID, N_SRC,
	N_PID_LABEL, N_TID_LABEL, N_SRC_LABEL, N_NONE
};

struct node {
	enum node_kind kind;
	unsigned writer;	/* 0..dirs-1 */
	unsigned label;		/* 0..files-1 */
};

#define FIRST_WRITER_INO	3

static uint64_t block_size(void)
{
	return 4 + 3 * (uint64_t)fo.files;
}

static uint64_t node_ino(enum node_kind kind, unsigned writer, unsigned label)
{
	uint64_t base = FIRST_WRITER_INO + writer * block_size();

	switch (kind) {
	case N_ROOT:		return FUSE_ROOT_ID;
	case N_VALUE:
	case N_FILES:		return 2;
	case N_PID:		return base;
	case N_TASK:		return base + 1;
	case N_TID:		return base + 2;
	case N_SRC:		return base + 3;
	case N_PID_LABEL:	return base + 4 + label;
	case N_TID_LABEL:	return base + 4 + fo.files + label;
	case N_SRC_LABEL:	return base + 4 + 2 * fo.files + label;
	default:		return 0;
	}
}

static struct node node_of(uint64_t ino)
{
	struct node n = { .kind = N_NONE };
	uint64_t off, slot;

	if (ino == FUSE_ROOT_ID) {
		n.kind = N_ROOT;
	} else if (ino == 2) {
		n.kind = fo.dirs ? N_FILES : N_VALUE;
	} else if (ino >= FIRST_WRITER_INO) {
		off = ino - FIRST_WRITER_INO;
		n.writer = (unsigned)(off / block_size());
		slot = off % block_size();
		if (n.writer >= fo.dirs)
			return n;
		if (slot < 4) {
			n.kind = (enum node_kind)(N_PID + slot);
		} else {
			slot -= 4;
			n.kind = (enum node_kind)(N_PID_LABEL + slot / fo.files);
			n.label = (unsigned)(slot % fo.files);
		}
	}
	return n;
}

static bool is_dir(enum node_kind k)
{
	return k == N_ROOT || k == N_FILES || (k >= N_PID && k <= N_SRC);
}

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v >= max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Writers are named 1..N, labels f00..f<L-1>. */
static bool parse_writer(const char *name, unsigned *w)
{
	unsigned v;

	if (!parse_uint(name, fo.dirs + 1, &v) || v == 0)
		return false;
	*w = v - 1;
	return true;
}

static bool parse_label(const char *name, unsigned *l)
{
	return name[0] == 'f' && parse_uint(name + 1, fo.files, l);
}

static uint64_t child_ino(const struct node *dir, const char *name)
{
	unsigned w, l;

	switch (dir->kind) {
	case N_ROOT:
		if (!fo.dirs)
			return strcmp(name, "value") ? 0 : 2;
		if (!strcmp(name, "files"))
			return 2;
		return parse_writer(name, &w) ? node_ino(N_PID, w, 0) : 0;
	case N_FILES:
		return parse_writer(name, &w) ? node_ino(N_SRC, w, 0) : 0;
	case N_PID:
		if (!strcmp(name, "task"))
			return node_ino(N_TASK, dir->writer, 0);
		return parse_label(name, &l) ?
			node_ino(N_PID_LABEL, dir->writer, l) : 0;
	case N_TASK:
		return parse_writer(name, &w) && w == dir->writer ?
			node_ino(N_TID, w, 0) : 0;
	case N_TID:
		return parse_label(name, &l) ?
			node_ino(N_TID_LABEL, dir->writer, l) : 0;
	case N_SRC:
		return parse_label(name, &l) ?
			node_ino(N_SRC_LABEL, dir->writer, l) : 0;
	default:
		return 0;
	}
}

/* ------------------------------------------------------------------ */
/* Operations                                                          */
/* ------------------------------------------------------------------ */

static void fill_attr(uint64_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (is_dir(node_of(ino).kind)) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
	} else {
		/*
		 * Size 0, as in /proc and mmstatsfs: the text is made at
		 * open, and a size here costs a GETATTR at every open.
		 */
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
	}
}

static void floor_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node dir = node_of(parent);
	struct fuse_entry_param e;
	uint64_t ino = child_ino(&dir, name);

	if (ino == 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = ino;
	e.attr_timeout = fo.timeout;
	e.entry_timeout = fo.timeout;
	fill_attr(ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void floor_getattr(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (node_of(ino).kind == N_NONE) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_attr(ino, &st);
	fuse_reply_attr(req, &st, fo.timeout);
}

/* The i-th entry of a directory (after "." and ".."): false past the end. */
static bool dir_entry(const struct node *dir, uint64_t i, char *name,
		      size_t len, uint64_t *ino)
{
	unsigned w = dir->writer;

	switch (dir->kind) {
	case N_ROOT:
		if (!fo.dirs) {
			snprintf(name, len, "value");
			*ino = 2;
			return i == 0;
		}
		if (i == 0) {
			snprintf(name, len, "files");
			*ino = 2;
			return true;
		}
		snprintf(name, len, "%llu", (unsigned long long)i);
		*ino = node_ino(N_PID, (unsigned)(i - 1), 0);
		return i <= fo.dirs;
	case N_FILES:
		snprintf(name, len, "%llu", (unsigned long long)i + 1);
		*ino = node_ino(N_SRC, (unsigned)i, 0);
		return i < fo.dirs;
	case N_TASK:
		snprintf(name, len, "%u", w + 1);
		*ino = node_ino(N_TID, w, 0);
		return i == 0;
	case N_PID:
		if (i == fo.files) {
			snprintf(name, len, "task");
			*ino = node_ino(N_TASK, w, 0);
			return true;
		}
		/* fall through */
	case N_TID:
	case N_SRC:
		snprintf(name, len, "f%02llu", (unsigned long long)i);
		*ino = node_ino(dir->kind == N_SRC ? N_SRC_LABEL :
				dir->kind == N_TID ? N_TID_LABEL :
				N_PID_LABEL, w, (unsigned)i);
		return i < fo.files;
	default:
		return false;
	}
}

static void floor_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			  off_t off, struct fuse_file_info *fi)
{
	struct node dir = node_of(ino);
	char *buf, name[32];
	size_t used = 0;

	(void)fi;
	if (!is_dir(dir.kind)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	buf = malloc(size);
	if (buf == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* Offsets 0 and 1 are "." and ".."; entry i is offset i + 2. */
	for (uint64_t o = (uint64_t)off;; o++) {
		struct stat st = { 0 };
		uint64_t child;
		size_t need;

		if (o == 0) {
			snprintf(name, sizeof(name), ".");
			child = ino;
		} else if (o == 1) {
			snprintf(name, sizeof(name), "..");
			child = FUSE_ROOT_ID;
		} else if (!dir_entry(&dir, o - 2, name, sizeof(name),
				      &child)) {
			break;
		}
		st.st_ino = child;
		st.st_mode = is_dir(node_of(child).kind) ? S_IFDIR : S_IFREG;
		need = fuse_add_direntry(req, buf + used, size - used, name,
					 &st, (off_t)(o + 1));
		if (need > size - used)
			break;
		used += need;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void floor_open(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	if (is_dir(node_of(ino).kind)) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	fi->direct_io = 1;
	fuse_reply_open(req, fi);
}

static void floor_read(fuse_req_t req, fuse_ino_t ino, size_t size,
		       off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	if ((size_t)off >= CONTENT_LEN) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > CONTENT_LEN - (size_t)off)
		size = CONTENT_LEN - (size_t)off;
	fuse_reply_buf(req, content + off, size);
}

static const struct fuse_lowlevel_ops floor_ops = {
	.lookup = floor_lookup,
	.getattr = floor_getattr,
	.readdir = floor_readdir,
	.open = floor_open,
	.read = floor_read,
};

/* ------------------------------------------------------------------ */
/* main, as libfuse's example/hello_ll.c                                */
/* ------------------------------------------------------------------ */

static const struct fuse_opt floor_opt_spec[] = {
	{ "dirs=%u", offsetof(struct floor_opts, dirs), 0 },
	{ "files=%u", offsetof(struct floor_opts, files), 0 },
	{ "timeout=%lf", offsetof(struct floor_opts, timeout), 0 },
	FUSE_OPT_END
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_loop_config config = { .max_idle_threads = 10 };
	struct fuse_session *se;
	int ret = 1;

	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	if (fuse_opt_parse(&args, &fo, floor_opt_spec, NULL) != 0)
		goto out_args;
	if (opts.show_help || opts.mountpoint == NULL || fo.files == 0 ||
	    fo.files > MAX_FILES || fo.dirs > 1000000) {
		printf("usage: %s [-f] [-s] [-o dirs=N,files=L,timeout=T] "
		       "MOUNTPOINT\n", argv[0]);
		goto out_args;
	}
	se = fuse_session_new(&args, &floor_ops, sizeof(floor_ops), NULL);
	if (se == NULL)
		goto out_args;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	fuse_daemonize(opts.foreground);
	if (opts.singlethread)
		ret = fuse_session_loop(se);
	else
		ret = fuse_session_loop_mt(se, &config);
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret ? 1 : 0;
}
