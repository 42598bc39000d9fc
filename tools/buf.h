/* buf.h - a growable text buffer for building responses and reports. */
#ifndef TOOLS_BUF_H
#define TOOLS_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;	/* NUL-terminated once anything was added */
	size_t len;
	size_t cap;
	bool failed;	/* an allocation failed: content incomplete */
};

#define BUF_INIT { NULL, 0, 0, false }

void buf_add(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Hand the text over (caller frees); NULL if an allocation failed. */
char *buf_steal(struct buf *b, size_t *len);
void buf_free(struct buf *b);

#endif
