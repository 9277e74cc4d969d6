/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_STRBUF_H
#define FW_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A growable, NUL-terminated byte buffer (git's strbuf, reduced).
 *
 * Invariant: buf is never NULL; after strbuf_init() it points at a shared
 * empty string until the first append, so a fresh strbuf can be printed.
 * len excludes the terminating NUL.  Appending may move buf: pointers into
 * it are invalidated by every append.
 *
 * Allocation failure aborts: a buffer that silently drops text would
 * corrupt result documents, and there is no sensible recovery.
 */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

#define STRBUF_INIT { strbuf_empty, 0, 0 }
extern char strbuf_empty[];

void strbuf_init(struct strbuf *sb, size_t hint);
/* Free what the buffer holds and leave it as after strbuf_init(). */
void strbuf_release(struct strbuf *sb);
/* Hand the string to the caller (free() it); the buffer is reset. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Append s percent-encoded: all but the unreserved A-Z a-z 0-9 - . _ ~ */
void strbuf_addstr_urlencode(struct strbuf *sb, const char *s);
/* Cut the buffer to len bytes (len <= sb->len). */
void strbuf_setlen(struct strbuf *sb, size_t len);
/* Strip trailing whitespace. */
void strbuf_rtrim(struct strbuf *sb);

/*
 * Append the whole content of the file at path.  Returns 0 or a negative
 * errno; on error the buffer holds what was there before.
 */
int strbuf_read_file(struct strbuf *sb, const char *path, size_t limit);

#endif
