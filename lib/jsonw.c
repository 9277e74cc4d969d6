// SPDX-License-Identifier: GPL-2.0
#include "lib/jsonw.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"

void jw_init(struct jw *jw, struct strbuf *sb)
{
	jw->sb = sb;
	jw->depth = 0;
	jw->first[0] = true;
}

void jw_quote(struct strbuf *sb, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	strbuf_grow(sb, len + 2);
	strbuf_addch(sb, '"');
	while (i < len) {
		unsigned char c = s[i];
		size_t n;

		switch (c) {
		case '"': strbuf_addstr(sb, "\\\""); i++; continue;
		case '\\': strbuf_addstr(sb, "\\\\"); i++; continue;
		case '\n': strbuf_addstr(sb, "\\n"); i++; continue;
		case '\r': strbuf_addstr(sb, "\\r"); i++; continue;
		case '\t': strbuf_addstr(sb, "\\t"); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			strbuf_addf(sb, "\\u%04x", c);
			i++;
			continue;
		}
		n = utf8_len(s + i, len - i);
		if (!n) {
			strbuf_addstr(sb, "\\ufffd");
			i++;
			continue;
		}
		strbuf_add(sb, s + i, n);
		i += n;
	}
	strbuf_addch(sb, '"');
}

static void json_prefix(struct jw *jw, const char *key)
{
	if (!jw->first[jw->depth])
		strbuf_addch(jw->sb, ',');
	jw->first[jw->depth] = false;
	if (key) {
		jw_quote(jw->sb, key, strlen(key));
		strbuf_addch(jw->sb, ':');
	}
}

static void json_push(struct jw *jw, const char *key, char open)
{
	json_prefix(jw, key);
	strbuf_addch(jw->sb, open);
	if (jw->depth + 1 >= JW_MAX_DEPTH)
		abort(); /* a programming error, not an input error */
	jw->first[++jw->depth] = true;
}

void jw_obj_begin(struct jw *jw, const char *key)
{
	json_push(jw, key, '{');
}

void jw_obj_end(struct jw *jw)
{
	jw->depth--;
	strbuf_addch(jw->sb, '}');
}

void jw_arr_begin(struct jw *jw, const char *key)
{
	json_push(jw, key, '[');
}

void jw_arr_end(struct jw *jw)
{
	jw->depth--;
	strbuf_addch(jw->sb, ']');
}

void jw_strn(struct jw *jw, const char *key, const char *val, size_t len)
{
	json_prefix(jw, key);
	jw_quote(jw->sb, val, len);
}

void jw_str(struct jw *jw, const char *key, const char *val)
{
	if (!val) {
		jw_null(jw, key);
		return;
	}
	jw_strn(jw, key, val, strlen(val));
}

void jw_u64(struct jw *jw, const char *key, uint64_t val)
{
	json_prefix(jw, key);
	strbuf_addf(jw->sb, "%" PRIu64, val);
}

void jw_i64(struct jw *jw, const char *key, int64_t val)
{
	json_prefix(jw, key);
	strbuf_addf(jw->sb, "%" PRId64, val);
}

void jw_double(struct jw *jw, const char *key, double val)
{
	json_prefix(jw, key);
	if (!isfinite(val))
		strbuf_addstr(jw->sb, "null");
	else if (val == floor(val) && fabs(val) < 9007199254740992.0)
		strbuf_addf(jw->sb, "%.0f", val);
	else {
		/* the shortest of 15 or 17 digits that reads back exactly */
		char b[32];

		snprintf(b, sizeof(b), "%.15g", val);
		if (strtod(b, NULL) != val)
			snprintf(b, sizeof(b), "%.17g", val);
		strbuf_addstr(jw->sb, b);
	}
}

void jw_bool(struct jw *jw, const char *key, bool val)
{
	json_prefix(jw, key);
	strbuf_addstr(jw->sb, val ? "true" : "false");
}

void jw_raw(struct jw *jw, const char *key, const char *json)
{
	json_prefix(jw, key);
	strbuf_addstr(jw->sb, json);
}

void jw_null(struct jw *jw, const char *key)
{
	json_prefix(jw, key);
	strbuf_addstr(jw->sb, "null");
}

void jw_str_or_null(struct jw *jw, const char *key, const char *val)
{
	if (val && *val)
		jw_str(jw, key, val);
	else
		jw_null(jw, key);
}

void jw_time(struct jw *jw, const char *key, int64_t t)
{
	if (t)
		jw_i64(jw, key, t);
	else
		jw_null(jw, key);
}
