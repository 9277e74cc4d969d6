// SPDX-License-Identifier: GPL-2.0
#include "lib/jsonw.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jread.h"
#include "lib/utf8.h"

void jw_init(struct jw *jw, struct strbuf *sb)
{
	jw->sb = sb;
	jw->depth = 0;
	jw->first[0] = true;
}

/*
 * Each run of characters that go as they are (printable ASCII but the
 * quote and the backslash, valid UTF-8 sequences) is added in one call:
 * one strbuf_add() a character made the host's API answer ~40 us slower
 * at p50 on read.sh's database (bench/README.md, read.sh).
 */
void jw_quote(struct strbuf *sb, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;

	strbuf_grow(sb, len + 2);
	strbuf_addch(sb, '"');
	while (i < len) {
		unsigned char c = s[i];
		size_t n;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		n = c >= 0x80 ? utf8_len(s + i, len - i) : 0;
		if (n) {
			i += n;
			continue;
		}
		strbuf_add(sb, s + run, i - run);
		switch (c) {
		case '"': strbuf_addstr(sb, "\\\""); break;
		case '\\': strbuf_addstr(sb, "\\\\"); break;
		case '\n': strbuf_addstr(sb, "\\n"); break;
		case '\r': strbuf_addstr(sb, "\\r"); break;
		case '\t': strbuf_addstr(sb, "\\t"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				strbuf_addf(sb, "\\u%04x", c);
			else
				strbuf_addstr(sb, "\\ufffd"); /* not UTF-8 */
			break;
		}
		run = ++i;
	}
	strbuf_add(sb, s + run, i - run);
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

static int cmp_member(const void *a, const void *b)
{
	const struct jread_node *x = *(const struct jread_node *const *)a;
	const struct jread_node *y = *(const struct jread_node *const *)b;

	return strcmp(x->key, y->key);
}

/*
 * As jansson wrote reals: 17 digits, a '.' so that they read back as reals,
 * and the exponent without '+' or leading zeros ("1e300", "1e-5").
 */
static void write_real(struct jw *jw, const char *key, double val)
{
	char b[40], *e, *digits;

	snprintf(b, sizeof(b), "%.17g", val);
	e = strchr(b, 'e');
	if (!e && !strchr(b, '.'))
		strcat(b, ".0");
	if (e) {
		digits = e + 1 + (e[1] == '-');
		for (e = e + 1; *e == '+' || *e == '-' || *e == '0'; e++)
			;
		memmove(digits, e, strlen(e) + 1);
	}
	jw_raw(jw, key, b);
}

int jw_node(struct jw *jw, const char *key, const struct jread_node *n)
{
	const struct jread_node **m;
	size_t i;
	int ret = 0;

	if (!n) {
		jw_null(jw, key);
		return 0;
	}
	switch (n->type) {
	case JREAD_NULL:
		jw_null(jw, key);
		break;
	case JREAD_BOOL:
		jw_bool(jw, key, n->b);
		break;
	case JREAD_NUM:
		if (n->is_int)
			jw_i64(jw, key, n->i);
		else
			write_real(jw, key, n->num);
		break;
	case JREAD_STR:
		jw_str(jw, key, n->str);
		break;
	case JREAD_ARR:
		if (jw->depth + 1 >= JW_MAX_DEPTH)
			return -E2BIG;
		jw_arr_begin(jw, key);
		for (i = 0; n->packed && i < n->n; i++)
			jw_i64(jw, NULL, n->ints[i]);
		for (i = 0; !n->packed && !ret && i < n->n; i++)
			ret = jw_node(jw, NULL, &n->kids[i]);
		jw_arr_end(jw);
		break;
	case JREAD_OBJ:
		if (jw->depth + 1 >= JW_MAX_DEPTH)
			return -E2BIG;
		m = calloc(n->n ? n->n : 1, sizeof(*m));
		if (!m)
			return -ENOMEM;
		for (i = 0; i < n->n; i++)
			m[i] = &n->kids[i];
		qsort(m, n->n, sizeof(*m), cmp_member);
		jw_obj_begin(jw, key);
		for (i = 0; !ret && i < n->n; i++)
			ret = jw_node(jw, m[i]->key, m[i]);
		jw_obj_end(jw);
		free(m);
		break;
	}
	return ret;
}
