/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_JSON_H
#define FW_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "strbuf.h"

/*
 * A streaming JSON writer over a strbuf.  It places commas and colons
 * itself; the caller says what comes next.  A key argument is used when
 * the enclosing container is an object and must be NULL inside arrays.
 *
 * Non-finite doubles are written as null: JSON has no NaN, and a reading
 * that does not exist must not turn into a number.
 */
#define JSON_MAX_DEPTH 32

struct json_writer {
	struct strbuf *sb;
	int depth;
	bool first[JSON_MAX_DEPTH];
};

void json_init(struct json_writer *jw, struct strbuf *sb);
void json_obj_begin(struct json_writer *jw, const char *key);
void json_obj_end(struct json_writer *jw);
void json_arr_begin(struct json_writer *jw, const char *key);
void json_arr_end(struct json_writer *jw);
void json_str(struct json_writer *jw, const char *key, const char *val);
void json_strn(struct json_writer *jw, const char *key, const char *val, size_t len);
void json_u64(struct json_writer *jw, const char *key, uint64_t val);
void json_i64(struct json_writer *jw, const char *key, int64_t val);
void json_double(struct json_writer *jw, const char *key, double val);
void json_bool(struct json_writer *jw, const char *key, bool val);
void json_null(struct json_writer *jw, const char *key);

/*
 * Append s as a quoted JSON string to sb.  Bytes that are not valid UTF-8
 * become U+FFFD so that the document stays valid whatever the kernel or
 * the firmware put in a string.
 */
void json_quote(struct strbuf *sb, const char *s, size_t len);

#endif
