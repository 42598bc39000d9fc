/*
 * reader_build.h - write format 1 files byte by byte, for reader tests
 * that need files the writer would never make.  Header-only: included
 * by test_parse.c, test_liveness.c and test_tools_prom.c.
 */
#ifndef READER_BUILD_H
#define READER_BUILD_H

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define FB_MAX	(1 << 16)

struct fbuild {
	unsigned char buf[FB_MAX];
	size_t len;
};

static inline void fb_init(struct fbuild *b)
{
	memset(b->buf, 0, sizeof(b->buf));
	b->buf[0] = 1;
	b->len = 1;
}

static inline void fb_bytes(struct fbuild *b, const void *p, size_t n)
{
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static inline void fb_u16(struct fbuild *b, uint16_t v)
{
	fb_bytes(b, &v, sizeof(v));
}

/* A field with `wb` as write-buffer byte and `n` bytes of value(s). */
static inline void fb_field_raw(struct fbuild *b, const void *label,
				size_t label_len, const char *type, int wb,
				const void *val, size_t n)
{
	unsigned char w = (unsigned char)wb;

	fb_u16(b, (uint16_t)label_len);
	fb_bytes(b, label, label_len);
	fb_u16(b, (uint16_t)strlen(type));
	fb_bytes(b, type, strlen(type));
	fb_bytes(b, &w, 1);
	fb_bytes(b, val, n);
}

static inline void fb_field(struct fbuild *b, const char *label,
			    const char *type, int wb, const void *val, size_t n)
{
	fb_field_raw(b, label, strlen(label), type, wb, val, n);
}

static inline void fb_u64(struct fbuild *b, const char *label, uint64_t v)
{
	fb_field(b, label, "Q", 0xff, &v, sizeof(v));
}

static inline void fb_double(struct fbuild *b, const char *label, double v)
{
	fb_field(b, label, "d", 0xff, &v, sizeof(v));
}

static inline void fb_u32(struct fbuild *b, const char *label, uint32_t v)
{
	fb_field(b, label, "I", 0xff, &v, sizeof(v));
}

/* Zero-pad to a whole page, as writers do. */
static inline void fb_pad(struct fbuild *b)
{
	b->len = (b->len + 4095) / 4096 * 4096;
}

static inline int fb_write(const struct fbuild *b, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, b->buf, b->len);
	close(fd);
	return n == (ssize_t)b->len ? 0 : -1;
}

#endif
