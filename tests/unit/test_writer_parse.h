/*
 * test_writer_parse.h - a minimal format 1 parser for the writer's tests,
 * independent of the library's reader, so that a bug cannot hide by
 * being on both sides.
 */
#ifndef TEST_WRITER_PARSE_H
#define TEST_WRITER_PARSE_H

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct tfield {
	char label[512];
	char sig[40];		/* as in the file, padding included */
	int wb;
	uint32_t start, value_off, value_size, end;
	uint32_t notes;		/* bytes of notes before each value */
};

/* The count N of a signature's leading "Nx" (field notes), or 0. */
static inline uint32_t tsig_notes(const char *sig)
{
	char *end;
	unsigned long n;

	while (*sig == ' ')
		sig++;
	n = strtoul(sig, &end, 10);
	return end != sig && *end == 'x' ? (uint32_t)n : 0;
}

/* The signature past its padding and notes: "Q", "255s". */
static inline const char *tsig_base(const char *sig)
{
	while (*sig == ' ')
		sig++;
	if (tsig_notes(sig))
		sig = strchr(sig, 'x') + 1;
	return sig;
}

/* Bytes of one value of a (possibly space-padded) signature, or 0. */
static inline uint32_t tsig_size(const char *sig)
{
	sig = tsig_base(sig);
	if (*sig >= '0' && *sig <= '9') {
		char *end;
		unsigned long n = strtoul(sig, &end, 10);

		return strcmp(end, "s") == 0 ? (uint32_t)n : 0;
	}
	if (sig[0] && sig[1])
		return 0;
	switch (*sig) {
	case 'b': case 'B': case '?': return 1;
	case 'h': case 'H': return 2;
	case 'i': case 'I': case 'f': return 4;
	case 'q': case 'Q': case 'd': return 8;
	}
	return 0;
}

static inline uint16_t tu16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/*
 * Parse up to max fields; returns how many, or -1 (-1 - n: after n good
 * fields) when a field is malformed or runs past the end.
 */
static inline int tparse(const unsigned char *d, size_t len,
			 struct tfield *out, int max)
{
	size_t off = 1;
	int n = 0;

	if (len < 1 || d[0] != 1)
		return -1;
	while (off + 2 <= len && n < max) {
		struct tfield *f = &out[n];
		uint16_t ll = tu16(d + off), sl;
		uint32_t slot;

		if (ll == 0)
			break;
		f->start = (uint32_t)off;
		if (off + 2 + ll + 2 > len || ll >= sizeof(f->label))
			return -1 - n;
		memcpy(f->label, d + off + 2, ll);
		f->label[ll] = '\0';
		off += 2 + ll;
		sl = tu16(d + off);
		if (sl == 0 || sl >= sizeof(f->sig) || off + 2 + sl + 1 > len)
			return -1 - n;
		memcpy(f->sig, d + off + 2, sl);
		f->sig[sl] = '\0';
		off += 2 + sl;
		f->wb = d[off++];
		f->value_size = tsig_size(f->sig);
		f->notes = tsig_notes(f->sig);
		if (f->value_size == 0 || (f->wb != 0xff && f->wb > 1))
			return -1 - n;
		slot = f->notes + f->value_size;
		f->value_off = (uint32_t)off + f->notes +
			(f->wb == 0xff ? 0 : slot * (uint32_t)(f->wb ^ 1));
		off += slot * (f->wb == 0xff ? 1u : 2u);
		if (off > len)
			return -1 - n;
		f->end = (uint32_t)off;
		n++;
	}
	return n;
}

/*
 * The whole file at path, its size in *len.  Read to EOF rather than
 * to the size fstat() told: the file may grow meanwhile (a field being
 * added), and the end of a field published after it grew must be read.
 */
static inline unsigned char *tread(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 1 << 16, have = 0;
	unsigned char *buf = NULL, *nb;
	ssize_t n = 1;

	if (fd < 0)
		return NULL;
	while (n > 0) {
		if (have == cap || !buf) {
			cap = buf ? cap * 2 : cap;
			nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		n = pread(fd, buf + have, cap - have, (off_t)have);
		if (n > 0)
			have += (size_t)n;
	}
	close(fd);
	*len = have;
	return buf;
}

/* The field labelled `label` in the file at path, into *f; 0 if found. */
static inline int tfind(const char *path, const char *label,
			struct tfield *f, unsigned char **data)
{
	static struct tfield fields[4096];
	size_t len = 0;
	unsigned char *d = tread(path, &len);
	int n = d ? tparse(d, len, fields, 4096) : -1;

	for (int i = 0; i < n; i++) {
		if (strcmp(fields[i].label, label) == 0) {
			*f = fields[i];
			*data = d;
			return 0;
		}
	}
	free(d);
	return -1;
}

#endif
