// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/jread.c: the JSON reader that takes in the daemon's
 * uploads and the collector's answers.  What a hostile upload could try:
 * bytes that are not UTF-8, NUL, a member twice, integers that lose digits,
 * deep nesting, a text cut short.  (tests/unit/test_upload.c has the
 * collector's everyday cases.)
 *
 * Every text is parsed from a heap copy of exactly its length, so that
 * AddressSanitizer sees a read past the end.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/jread.h"

#define STRICT (JREAD_REJECT_DUPLICATES | JREAD_REJECT_BIG_INTS)

/* Parse len bytes of text from a copy of exactly that size. */
static int parse_len(struct jread_node **root, const char *text, size_t len, unsigned flags,
		     struct strbuf *err)
{
	char *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, text, len);
	ret = jread_parse_flags(root, copy, len, flags, err);
	free(copy);
	return ret;
}

/* text must parse; free the result with jread_free(). */
static struct jread_node *parse_ok(const char *text, unsigned flags)
{
	struct strbuf err = STRBUF_INIT;
	struct jread_node *root = NULL;

	if (parse_len(&root, text, strlen(text), flags, &err))
		fail_msg("'%s' was refused: %s", text, err.buf);
	assert_non_null(root);
	strbuf_release(&err);
	return root;
}

/* len bytes of text must be refused, the error naming each NULL-ended part. */
static void refuse_len(const char *text, size_t len, unsigned flags, ...)
{
	struct strbuf err = STRBUF_INIT;
	struct jread_node *root = (struct jread_node *)1;
	const char *part;
	va_list ap;

	if (parse_len(&root, text, len, flags, &err) != -EINVAL)
		fail_msg("'%.*s' was accepted", (int)len, text);
	assert_null(root);
	if (!strstr(err.buf, "malformed JSON at byte "))
		fail_msg("'%.*s': the error does not say where: %s", (int)len, text, err.buf);
	va_start(ap, flags);
	while ((part = va_arg(ap, const char *)))
		if (!strstr(err.buf, part))
			fail_msg("'%.*s': '%s' does not contain '%s'", (int)len, text, err.buf, part);
	va_end(ap);
	strbuf_release(&err);
}

#define refuse(text, flags, ...) refuse_len((text), strlen(text), (flags), ##__VA_ARGS__, NULL)

/* A one-member document {"v": ...}: the member's value must be the string want. */
static void check_string(const char *text, const char *want)
{
	struct jread_node *root = parse_ok(text, STRICT);

	assert_string_equal(jread_str(jread_get(root, "v")), want);
	jread_free(root);
}

static void test_jread_utf8(void **state)
{
	static const char *const bad[] = {
		"\xff", "\xfe", "\x80", "\xbf",        /* not a lead byte */
		"\xc3", "\xe2\x82", "\xf0\x9f\x98",    /* cut short */
		"\xc3(", "\xe2(\xac", "\xf0\x9f(\x80", /* a continuation byte missing */
		"\xc0\xaf", "\xc1\xbf",                /* overlong 2-byte forms of '/' and DEL */
		"\xe0\x80\xaf", "\xe0\x9f\xbf",        /* overlong 3-byte forms */
		"\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf", /* overlong 4-byte forms */
		"\xed\xa0\x80", "\xed\xbf\xbf",        /* UTF-16 surrogates, encoded */
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", /* past U+10FFFF */
	};
	struct strbuf t = STRBUF_INIT;
	size_t i;

	(void)state;
	check_string("{\"v\": \"caf\xc3\xa9\"}", "caf\xc3\xa9");
	check_string("{\"v\": \"\xe2\x82\xac \xf0\x9f\x98\x80\"}", "\xe2\x82\xac \xf0\x9f\x98\x80");
	/* the edges: U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF */
	check_string("{\"v\": \"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf"
		     "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"}",
		     "\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf"
		     "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
	/* escapes decode to the same bytes */
	check_string("{\"v\": \"\\u00e9\\u20ac\\ud83d\\ude00\\uFFFF\"}",
		     "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbf");
	/* DEL is a character like any other to JSON */
	check_string("{\"v\": \"a\x7f\"}", "a\x7f");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* in a value, after an escape (the slow path), and in a member name */
		strbuf_reset(&t);
		strbuf_addf(&t, "{\"v\": \"ab%scd\"}", bad[i]);
		refuse(t.buf, 0, "invalid UTF-8");
		strbuf_reset(&t);
		strbuf_addf(&t, "{\"v\": \"\\n%s\"}", bad[i]);
		refuse(t.buf, 0, "invalid UTF-8");
		strbuf_reset(&t);
		strbuf_addf(&t, "{\"%s\": 1}", bad[i]);
		refuse(t.buf, 0, "invalid UTF-8");
	}
	/* bytes that are not UTF-8 are an error where they stand */
	refuse("[\"ok\",\n \"x\xff\"]", 0, "byte 10 ", "line 2, column 4");
	/* escaped surrogates must pair up */
	refuse("[\"\\ud800\"]", 0, "lone surrogate");
	refuse("[\"\\ud800x\"]", 0, "lone surrogate");
	refuse("[\"\\ud800\\u0041\"]", 0, "lone surrogate");
	refuse("[\"\\ud800\\ud800\"]", 0, "lone surrogate");
	refuse("[\"\\udc00\"]", 0, "lone surrogate");
	refuse("[\"\\ude00\\ud83d\"]", 0, "lone surrogate");
	refuse("[\"\\u12\"]", 0, "bad \\u escape");
	refuse("[\"\\u12g4\"]", 0, "bad \\u escape");
	refuse("[\"\\x41\"]", 0, "unknown escape");
	strbuf_release(&t);
}

static void test_jread_nul(void **state)
{
	static const char in_string[] = "[\"a\0b\"]", outside[] = "[1,\0 2]", after[] = "[1]\0";

	(void)state;
	refuse("[\"a\\u0000b\"]", 0, "\\u0000 in string");
	refuse("{\"a\\u0000b\": 1}", 0, "\\u0000 in string");
	refuse("[\"\\u0000\"]", 0, "\\u0000 in string");
	/* a raw NUL byte is a control character in a string, and no whitespace outside one */
	refuse_len(in_string, sizeof(in_string) - 1, 0, "control character", NULL);
	refuse_len(outside, sizeof(outside) - 1, 0, NULL);
	refuse_len(after, sizeof(after) - 1, 0, "text after the value", NULL);
	/* the other control characters too, raw; escaped they are fine */
	refuse("[\"a\tb\"]", 0, "control character");
	refuse("[\"a\x1f\"]", 0, "control character");
	check_string("{\"v\": \"\\u0001\\t\\n\\\"\\\\\\/\\b\\f\\r\"}", "\x01\t\n\"\\/\b\f\r");
}

static void test_jread_duplicates(void **state)
{
	struct strbuf t = STRBUF_INIT;
	struct jread_node *root;
	int i;

	(void)state;
	refuse("{\"a\": 1, \"b\": 2, \"a\": 3}", JREAD_REJECT_DUPLICATES, "duplicate key 'a'", "byte 17 ");
	refuse("{\"a\": {\"x\": 1, \"x\": 1}}", JREAD_REJECT_DUPLICATES, "duplicate key 'x'");
	/* names compare after decoding: \u0061 is "a" */
	refuse("{\"a\": 1, \"\\u0061\": 2}", JREAD_REJECT_DUPLICATES, "duplicate key 'a'");
	refuse("{\"\": 1, \"\": 2}", JREAD_REJECT_DUPLICATES, "duplicate key ''");
	/* without the flag the last one wins */
	root = parse_ok("{\"a\": 1, \"b\": 2, \"a\": 3}", 0);
	assert_int_equal(root->n, 3);
	assert_int_equal(jread_get(root, "a")->i, 3);
	jread_free(root);
	/* the same name in different objects, or as a string value, is fine */
	root = parse_ok("{\"a\": {\"a\": \"a\"}, \"b\": [{\"a\": 1}, {\"a\": 2}], \"ab\": 0, \"ba\": 0}", STRICT);
	assert_int_equal(jread_at(jread_get(root, "b"), 1)->kids[0].i, 2);
	jread_free(root);

	/* a large object: checked by sorting once it closes */
	strbuf_addch(&t, '{');
	for (i = 0; i < 1000; i++)
		strbuf_addf(&t, "%s\"k%d\": %d", i ? ", " : "", i, i);
	strbuf_addch(&t, '}');
	root = parse_ok(t.buf, STRICT);
	assert_int_equal(root->n, 1000);
	assert_int_equal(jread_get(root, "k999")->i, 999);
	jread_free(root);
	t.buf[t.len - 1] = ',';
	strbuf_addstr(&t, " \"k500\": 0, \"k7\": 0}");
	refuse(t.buf, JREAD_REJECT_DUPLICATES, "duplicate key 'k500'");
	/* the one that comes first in the text is reported, wherever it sorts */
	strbuf_reset(&t);
	strbuf_addch(&t, '{');
	for (i = 0; i < 40; i++)
		strbuf_addf(&t, "\"k%02d\": 0, ", i);
	strbuf_addstr(&t, "\"k30\": 0, \"k05\": 0}");
	refuse(t.buf, JREAD_REJECT_DUPLICATES, "duplicate key 'k30'");
	/* a long name is cut short in the message */
	strbuf_reset(&t);
	strbuf_addstr(&t, "{\"");
	for (i = 0; i < 200; i++)
		strbuf_addch(&t, 'n');
	strbuf_addstr(&t, "\": 1, \"");
	for (i = 0; i < 200; i++)
		strbuf_addch(&t, 'n');
	strbuf_addstr(&t, "\": 2}");
	refuse(t.buf, JREAD_REJECT_DUPLICATES, "duplicate key 'nnnn", "...'");
	strbuf_release(&t);
}

/* The number of the one-element array text. */
static const struct jread_node *num_of(struct jread_node *root)
{
	const struct jread_node *n = jread_at(root, 0);

	assert_non_null(n);
	assert_int_equal(n->type, JREAD_NUM);
	return n;
}

static void check_int(const char *text, long long want)
{
	struct jread_node *root = parse_ok(text, STRICT);
	const struct jread_node *n = num_of(root);
	double v;

	if (!n->is_int || n->i != want)
		fail_msg("%s: is_int %d, i %lld, expected %lld", text, n->is_int, n->i, want);
	assert_true(jread_num(n, &v) && v == (double)want);
	jread_free(root);
}

static void check_real(const char *text, double want)
{
	struct jread_node *root = parse_ok(text, STRICT);
	const struct jread_node *n = num_of(root);

	if (n->is_int || n->num != want)
		fail_msg("%s: is_int %d, num %.17g, expected %.17g", text, n->is_int, n->num, want);
	jread_free(root);
}

static void test_jread_numbers(void **state)
{
	static const char *const bad[] = {
		"[01]", "[-01]", "[00]", "[1.]", "[.5]", "[-]", "[+1]", "[1e]", "[1e+]", "[1.e5]",
		"[-.5]", "[0x10]", "[NaN]", "[Infinity]", "[-Infinity]", "[1 2]", "[--1]", "[1e5.0]",
	};
	static const char *const big[] = {
		"[9223372036854775808]", "[-9223372036854775809]", "[18446744073709551615]",
		"[18446744073709551616]", "[100000000000000000000000]",
	};
	struct jread_node *root;
	const struct jread_node *n;
	size_t i;

	(void)state;
	check_int("[0]", 0);
	check_int("[-0]", 0);
	check_int("[42]", 42);
	check_int("[-42]", -42);
	check_int("[9007199254740993]", 9007199254740993LL); /* exact, beyond a double's 2^53 */
	check_int("[9223372036854775807]", INT64_MAX);
	check_int("[-9223372036854775807]", -INT64_MAX);
	check_int("[-9223372036854775808]", INT64_MIN);
	/* '.', 'e' or 'E' make a real, whatever its value */
	check_real("[2.0]", 2.0);
	check_real("[1e3]", 1000.0);
	check_real("[1E3]", 1000.0);
	check_real("[1e+3]", 1000.0);
	check_real("[-1.5e-3]", -0.0015);
	check_real("[0.1]", 0.1);
	check_real("[1e-400]", 0.0); /* underflow is zero, as in jansson */
	/* integers beyond int64: a double, or refused with the flag */
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		root = parse_ok(big[i], 0);
		n = num_of(root);
		assert_false(n->is_int);
		assert_true(fabs(n->num) >= 9223372036854775808.0);
		assert_true(n->num == strtod(big[i] + 1, NULL));
		jread_free(root);
		refuse(big[i], JREAD_REJECT_BIG_INTS, "integer out of the int64 range");
	}
	/* a real of any size is a real, flag or not */
	check_real("[9223372036854775808.0]", 9223372036854775808.0);
	/* reals beyond a double are refused, flag or not */
	refuse("[1e400]", 0, "number out of range");
	refuse("[-1e400]", 0, "number out of range");
	/* a long real is read in full */
	check_real("[0.1000000000000000000000000000000000000000000000000000000000000000000000000001]", 0.1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refuse(bad[i], 0);
	jread_free(NULL);
}

static void test_jread_depth(void **state)
{
	struct strbuf t = STRBUF_INIT;
	struct jread_node *root;
	const struct jread_node *n;
	int i;

	(void)state;
	for (i = 0; i < JREAD_MAX_DEPTH; i++)
		strbuf_addstr(&t, i % 2 ? "{\"k\": " : "[");
	strbuf_addstr(&t, "7");
	for (i = JREAD_MAX_DEPTH; i-- > 0;)
		strbuf_addstr(&t, i % 2 ? "}" : "]");
	root = parse_ok(t.buf, STRICT);
	for (n = root, i = 0; n->type != JREAD_NUM; i++)
		n = &n->kids[0];
	assert_int_equal(i, JREAD_MAX_DEPTH);
	assert_int_equal(n->i, 7);
	jread_free(root);
	/* one level more is refused, in an object as in an array */
	strbuf_reset(&t);
	for (i = 0; i <= JREAD_MAX_DEPTH; i++)
		strbuf_addstr(&t, "[");
	for (i = 0; i <= JREAD_MAX_DEPTH; i++)
		strbuf_addstr(&t, "]");
	refuse(t.buf, 0, "nested too deeply");
	strbuf_reset(&t);
	for (i = 0; i <= JREAD_MAX_DEPTH; i++)
		strbuf_addstr(&t, "{\"a\":");
	refuse(t.buf, 0, "nested too deeply");
	/* hostile nesting ends with an error, not a stack overflow */
	strbuf_reset(&t);
	for (i = 0; i < 1000000; i++)
		strbuf_addch(&t, '[');
	refuse(t.buf, 0, "nested too deeply");
	strbuf_release(&t);
}

static void test_jread_truncated(void **state)
{
	static const char doc[] =
		"{\"format\": \"forkwatch-result/1\", \"host\": {\"name\": \"lab \\\"7\\\" \\u00e9\\ud83d\\ude00\","
		" \"cpus\": 64, \"mem\": -1.5e3, \"ok\": true, \"no\": false, \"nil\": null},"
		" \"runs\": [{\"ns\": [100, 200, 300]}, {\"ns\": []}, {}], \"x\xc3\xa9\": \"\xe2\x82\xac\"}";
	struct strbuf err = STRBUF_INIT;
	struct jread_node *root;
	size_t len;

	(void)state;
	root = parse_ok(doc, STRICT);
	assert_string_equal(jread_str(jread_get(jread_get(root, "host"), "name")),
			    "lab \"7\" \xc3\xa9\xf0\x9f\x98\x80");
	assert_int_equal(jread_get(root, "runs")->n, 3);
	jread_free(root);
	/* every prefix of an object is refused, without reading past its end */
	for (len = 0; len < sizeof(doc) - 1; len++) {
		strbuf_reset(&err);
		root = (struct jread_node *)1;
		if (parse_len(&root, doc, len, STRICT, &err) != -EINVAL)
			fail_msg("the first %zu bytes were accepted", len);
		assert_null(root);
		assert_non_null(strstr(err.buf, "malformed JSON at byte "));
	}
	refuse("", 0, "unexpected end");
	refuse("  \n ", 0, "unexpected end", "line 2, column 2");
	refuse("[1,\n 2,\n x]", 0, "byte 9 ", "line 3, column 2", "expected a value");
	refuse("{\"a\": tru}", 0, "unexpected word");
	refuse("[1,]", 0);
	refuse("{\"a\": 1,}", 0, "expected a member name");
	refuse("{\"a\" 1}", 0, "expected ':'");
	refuse("[1 2]", 0, "expected ',' or ']'");
	refuse("{\"a\": 1 \"b\": 2}", 0, "expected ',' or '}'");
	refuse("[\"abc", 0, "unterminated string");
	refuse("[\"abc\\", 0, "unterminated string");
	refuse("[\"abc\\\"]", 0, "unterminated string");
	strbuf_release(&err);
}

/* The error's path must be want exactly. */
static void check_path(const char *text, const char *want)
{
	struct strbuf err = STRBUF_INIT, path = STRBUF_INIT;
	struct jread_node *root = NULL;
	char *copy = strdup(text);

	assert_non_null(copy);
	strbuf_addstr(&path, "left over");
	if (jread_parse_path(&root, copy, strlen(copy), STRICT, &err, &path) != -EINVAL)
		fail_msg("'%s' was accepted", text);
	if (strcmp(path.buf, want))
		fail_msg("'%s': path '%s', expected '%s' (%s)", text, path.buf, want, err.buf);
	/* the same place when arrays of integers are packed (as the daemon reads uploads) */
	if (jread_parse_path(&root, copy, strlen(copy), STRICT | JREAD_PACK_INTS | JREAD_BOUND_MEMORY,
			     &err, &path) != -EINVAL)
		fail_msg("'%s' was accepted packed", text);
	if (strcmp(path.buf, want))
		fail_msg("'%s' packed: path '%s', expected '%s' (%s)", text, path.buf, want, err.buf);
	free(copy);
	strbuf_release(&err);
	strbuf_release(&path);
}

/* Where the error is: the member or element whose text is wrong, or the container's own. */
static void test_jread_error_path(void **state)
{
	struct strbuf err = STRBUF_INIT, path = STRBUF_INIT;
	struct jread_node *root = NULL;
	char deep[200];

	(void)state;
	check_path("{\"a\": {\"b\": [1, 2, NaN]}}", "a.b[2]");
	check_path("{\"a\": [{\"x\": 1}, {\"y\": \"\\u0000\"}]}", "a[1].y");
	check_path("{\"a\": \"\xff\"}", "a");
	check_path("{\"a\": 1e999}", "a");
	check_path("{\"a\": 18446744073709551616}", "a");
	check_path("{\"a\": {\"b\": 1, \"b\": 2}}", "a.b");
	/* a duplicate in a large object is found when it closes */
	check_path("{\"o\": {\"k0\": 0, \"k1\": 1, \"k2\": 2, \"k3\": 3, \"k4\": 4, \"k5\": 5, "
		   "\"k6\": 6, \"k7\": 7, \"k8\": 8, \"k9\": 9, \"k10\": 10, \"k11\": 11, \"k12\": 12, "
		   "\"k13\": 13, \"k14\": 14, \"k15\": 15, \"k16\": 16, \"k3\": 3}}", "o.k3");
	/* between members and in names: the container */
	check_path("{\"a\": {\"b\": 1 \"c\": 2}}", "a");
	check_path("{\"a\": {\"\xff\": 1}}", "a");
	check_path("{\"a\": [1, 2,]}", "a[2]");
	check_path("{\"a\": [1, 2}", "a");
	check_path("{\"a\": [1, 2, 3, 1.5, 1e999]}", "a[4]");
	check_path("{\"a\": [[1, 2], [3, 4, -]]}", "a[1][2]");
	/* outside every container */
	check_path("NaN", "");
	check_path("{} x", "");
	check_path("{\"a\": 1", "");
	/* too deep: the path down to the container that opens too many */
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	check_path(deep, "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
		   "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]");
	/* a text that parses leaves the path empty */
	strbuf_addstr(&path, "left over");
	assert_int_equal(jread_parse_path(&root, "{\"a\": 1}", 8, STRICT, &err, &path), 0);
	assert_string_equal(path.buf, "");
	jread_free(root);
	strbuf_release(&err);
	strbuf_release(&path);
}

static void test_jread_tree(void **state)
{
	struct strbuf t = STRBUF_INIT;
	struct jread_node *root;
	const struct jread_node *a;
	size_t i;

	(void)state;
	/* scalars at the top, surrounded by whitespace */
	root = parse_ok(" \t\r\n\"top\" \n", STRICT);
	assert_string_equal(jread_str(root), "top");
	assert_null(root->key);
	jread_free(root);
	root = parse_ok("null", STRICT);
	assert_int_equal(root->type, JREAD_NULL);
	jread_free(root);
	/* empty containers */
	root = parse_ok("{\"o\": {}, \"a\": [ ], \"s\": \"\"}", STRICT);
	assert_int_equal(jread_get(root, "o")->type, JREAD_OBJ);
	assert_int_equal(jread_get(root, "o")->n, 0);
	assert_int_equal(jread_get(root, "a")->n, 0);
	assert_null(jread_at(jread_get(root, "a"), 0));
	assert_string_equal(jread_str(jread_get(root, "s")), "");
	/* members keep their text order and names */
	assert_string_equal(root->kids[0].key, "o");
	assert_string_equal(root->kids[2].key, "s");
	jread_free(root);

	/* a large document: many blocks of the arena, all of it right */
	strbuf_addch(&t, '[');
	for (i = 0; i < 50000; i++)
		strbuf_addf(&t, "%s[%zu, \"s%zu\", {\"k\": %zu.5}]", i ? "," : "", i, i, i);
	strbuf_addch(&t, ']');
	root = parse_ok(t.buf, STRICT);
	assert_int_equal(root->n, 50000);
	for (i = 0; i < 50000; i += 997) {
		char want[32];

		a = jread_at(root, i);
		assert_int_equal(a->n, 3);
		assert_int_equal(a->kids[0].i, (long long)i);
		snprintf(want, sizeof(want), "s%zu", i);
		assert_string_equal(jread_str(&a->kids[1]), want);
		assert_true(a->kids[2].kids[0].num == (double)i + 0.5);
	}
	jread_free(root);

	/* large arrays deeper down, beside other members, and an object of many members */
	strbuf_reset(&t);
	strbuf_addstr(&t, "{\"a\": 1, \"b\": [");
	for (i = 0; i < 5000; i++)
		strbuf_addf(&t, "%s%zu", i ? "," : "", i);
	strbuf_addstr(&t, "], \"c\": {\"x\": \"y\", \"d\": [");
	for (i = 0; i < 9000; i++)
		strbuf_addf(&t, "%s[\"%zu\"]", i ? "," : "", i);
	strbuf_addstr(&t, "]}, \"e\": {");
	for (i = 0; i < 5000; i++)
		strbuf_addf(&t, "%s\"m%zu\": %zu", i ? "," : "", i, i);
	strbuf_addstr(&t, "}, \"f\": [1, 2]}");
	root = parse_ok(t.buf, STRICT);
	assert_int_equal(root->n, 5);
	assert_int_equal(jread_get(root, "a")->i, 1);
	a = jread_get(root, "b");
	assert_int_equal(a->n, 5000);
	for (i = 0; i < 5000; i++)
		assert_int_equal(a->kids[i].i, (long long)i);
	a = jread_get(jread_get(root, "c"), "d");
	assert_int_equal(a->n, 9000);
	for (i = 0; i < 9000; i += 7) {
		char want[32];

		snprintf(want, sizeof(want), "%zu", i);
		assert_string_equal(jread_str(jread_at(jread_at(a, i), 0)), want);
	}
	assert_string_equal(jread_str(jread_get(jread_get(root, "c"), "x")), "y");
	a = jread_get(root, "e");
	assert_int_equal(a->n, 5000);
	assert_int_equal(jread_get(a, "m4321")->i, 4321);
	assert_string_equal(a->kids[4999].key, "m4999");
	assert_int_equal(jread_at(jread_get(root, "f"), 1)->i, 2);
	jread_free(root);
	strbuf_release(&t);
}

/*
 * JREAD_PACK_INTS: an array of integers keeps its values packed, 8 bytes
 * each; one that holds anything else is the tree it always was.
 */
static void test_jread_packed(void **state)
{
	const unsigned pack = STRICT | JREAD_PACK_INTS;
	struct jread_node *root;
	const struct jread_node *a;
	long long v;

	(void)state;
	root = parse_ok("{\"a\": [1, -2, 9223372036854775807, -9223372036854775808], \"b\": [], "
			"\"c\": [1, 2, 2.5, 3], \"d\": [1, [2, 3], \"x\"], \"e\": [[4], [5, 6]]}", pack);
	a = jread_get(root, "a");
	assert_true(a->packed);
	assert_int_equal(a->n, 4);
	assert_null(jread_at(a, 0));
	assert_true(jread_int_at(a, 1, &v) && v == -2);
	assert_true(jread_int_at(a, 2, &v) && v == INT64_MAX);
	assert_true(jread_int_at(a, 3, &v) && v == INT64_MIN);
	assert_false(jread_int_at(a, 4, &v));
	a = jread_get(root, "b");
	assert_false(a->packed);
	assert_int_equal(a->n, 0);
	/* a real among them: nodes, in order, the integers before it as well */
	a = jread_get(root, "c");
	assert_false(a->packed);
	assert_int_equal(a->n, 4);
	assert_true(jread_int_at(a, 1, &v) && v == 2);
	assert_false(jread_at(a, 2)->is_int);
	assert_true(jread_at(a, 2)->num == 2.5);
	assert_true(jread_int_at(a, 3, &v) && v == 3);
	a = jread_get(root, "d");
	assert_false(a->packed);
	assert_true(jread_int_at(a, 0, &v) && v == 1);
	assert_true(jread_at(a, 1)->packed && jread_at(a, 1)->ints[1] == 3);
	assert_string_equal(jread_str(jread_at(a, 2)), "x");
	a = jread_get(root, "e");
	assert_true(jread_at(a, 0)->packed && jread_at(a, 0)->ints[0] == 4);
	assert_true(jread_at(a, 1)->packed && jread_at(a, 1)->n == 2 && jread_at(a, 1)->ints[1] == 6);
	jread_free(root);
	/* without the flag, nothing is packed */
	root = parse_ok("[1, 2, 3]", STRICT);
	assert_false(root->packed);
	assert_int_equal(jread_at(root, 2)->i, 3);
	jread_free(root);
}

/*
 * JREAD_BOUND_MEMORY: a megabyte of zeros packs within the bound; a text
 * of tiny values that would each need a node (null, [], {}) is refused
 * once it needs more than JREAD_MEM_FACTOR times its size.
 */
static void test_jread_bound(void **state)
{
	const unsigned bound = STRICT | JREAD_PACK_INTS | JREAD_BOUND_MEMORY;
	size_t n = 4 << 20, i;
	struct strbuf err = STRBUF_INIT;
	struct jread_node *root = NULL;
	char *t = malloc(n + 2);

	(void)state;
	assert_non_null(t);
	t[0] = '[';
	for (i = 1; i + 1 < n; i += 2)
		memcpy(t + i, "0,", 2);
	t[i - 1] = ']';
	assert_int_equal(jread_parse_flags(&root, t, i, bound, &err), 0);
	assert_true(root->packed && root->n == (i - 1) / 2);
	jread_free(root);
	root = NULL;
	/* [[],[],...]: 3 bytes of text and 32 of node each */
	t[0] = '[';
	for (i = 1; i + 3 < n; i += 3)
		memcpy(t + i, "[],", 3);
	t[i - 1] = ']';
	assert_int_equal(jread_parse_flags(&root, t, i, bound, &err), -E2BIG);
	assert_null(root);
	assert_non_null(strstr(err.buf, "times its size"));
	/* the same text without the bound is read */
	assert_int_equal(jread_parse_flags(&root, t, i, STRICT, &err), 0);
	jread_free(root);
	free(t);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jread_utf8),
		cmocka_unit_test(test_jread_nul),
		cmocka_unit_test(test_jread_duplicates),
		cmocka_unit_test(test_jread_numbers),
		cmocka_unit_test(test_jread_depth),
		cmocka_unit_test(test_jread_truncated),
		cmocka_unit_test(test_jread_error_path),
		cmocka_unit_test(test_jread_tree),
		cmocka_unit_test(test_jread_packed),
		cmocka_unit_test(test_jread_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
