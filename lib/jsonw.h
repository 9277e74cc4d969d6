/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_JSONW_H
#define FW_JSONW_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/strbuf.h"

/*
 * A streaming JSON writer over a strbuf.  It places commas and colons
 * itself; the caller says what comes next.  A key argument is used when
 * the enclosing container is an object and must be NULL inside arrays.
 *
 * Non-finite doubles are written as null: JSON has no NaN, and a reading
 * that does not exist must not turn into a number.
 */
#define JW_MAX_DEPTH 32

struct jw {
	struct strbuf *sb;
	int depth;
	bool first[JW_MAX_DEPTH];
};

void jw_init(struct jw *jw, struct strbuf *sb);
void jw_obj_begin(struct jw *jw, const char *key);
void jw_obj_end(struct jw *jw);
void jw_arr_begin(struct jw *jw, const char *key);
void jw_arr_end(struct jw *jw);
void jw_str(struct jw *jw, const char *key, const char *val);
void jw_strn(struct jw *jw, const char *key, const char *val, size_t len);
void jw_u64(struct jw *jw, const char *key, uint64_t val);
void jw_i64(struct jw *jw, const char *key, int64_t val);
void jw_double(struct jw *jw, const char *key, double val);
void jw_bool(struct jw *jw, const char *key, bool val);
void jw_null(struct jw *jw, const char *key);
/* A string, or null when val is NULL or empty. */
void jw_str_or_null(struct jw *jw, const char *key, const char *val);
/* A Unix time, or null when t is 0 (never). */
void jw_time(struct jw *jw, const char *key, int64_t t);
/* A value that is already JSON text (the caller vouches for it). */
void jw_raw(struct jw *jw, const char *key, const char *json);

/*
 * A parsed value (lib/jread.h; NULL writes null) written again, compact, the members of
 * every object sorted by name (as jansson's json_dumps() with
 * JSON_SORT_KEYS did) and reals as jansson wrote them.  0; -E2BIG when n
 * nests deeper than the writer can (it would abort: jread takes
 * JREAD_MAX_DEPTH levels, the writer JW_MAX_DEPTH); -ENOMEM.
 */
struct jread_node;
int jw_node(struct jw *jw, const char *key, const struct jread_node *n);

/*
 * Append s as a quoted JSON string to sb.  Bytes that are not valid UTF-8
 * become U+FFFD so that the document stays valid whatever the kernel or
 * the firmware put in a string.
 */
void jw_quote(struct strbuf *sb, const char *s, size_t len);

#endif
