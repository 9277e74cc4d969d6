// SPDX-License-Identifier: GPL-2.0
/* Unit tests for lib/json.c: the streaming writer and its string escaping. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/jsonw.h"

/* json_quote of len bytes of s, compared with the expected document text. */
static void check_quote(const char *s, size_t len, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	jw_quote(&sb, s, len);
	if (strcmp(sb.buf, want))
		fail_msg("json_quote gave %s, want %s", sb.buf, want);
	assert_int_equal(sb.len, strlen(want));
	strbuf_release(&sb);
}

#define QUOTE(lit, want) check_quote(lit, sizeof(lit) - 1, want)

static void test_json_writer_commas_and_nesting(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct jw jw;

	(void)state;
	jw_init(&jw, &sb);
	jw_obj_begin(&jw, NULL);
	jw_str(&jw, "a", "x");
	jw_u64(&jw, "b", 1);
	jw_arr_begin(&jw, "c");
	jw_u64(&jw, NULL, 1);
	jw_obj_begin(&jw, NULL);
	jw_obj_end(&jw);
	jw_arr_begin(&jw, NULL);
	jw_arr_end(&jw);
	jw_obj_begin(&jw, NULL);
	jw_bool(&jw, "t", true);
	jw_bool(&jw, "f", false);
	jw_obj_end(&jw);
	jw_null(&jw, NULL);
	jw_arr_end(&jw);
	jw_obj_begin(&jw, "d");
	jw_obj_end(&jw);
	jw_str(&jw, "e", NULL); /* a missing string is null */
	jw_obj_end(&jw);
	assert_string_equal(sb.buf,
			    "{\"a\":\"x\",\"b\":1,\"c\":[1,{},[],{\"t\":true,\"f\":false},null],"
			    "\"d\":{},\"e\":null}");
	assert_int_equal(jw.depth, 0);
	strbuf_release(&sb);
}

static void test_json_empty_containers(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct jw jw;

	(void)state;
	jw_init(&jw, &sb);
	jw_arr_begin(&jw, NULL);
	jw_arr_end(&jw);
	assert_string_equal(sb.buf, "[]");
	strbuf_release(&sb);

	jw_init(&jw, &sb);
	jw_obj_begin(&jw, NULL);
	jw_arr_begin(&jw, "a");
	jw_arr_end(&jw);
	jw_arr_begin(&jw, "b");
	jw_arr_end(&jw);
	jw_obj_end(&jw);
	assert_string_equal(sb.buf, "{\"a\":[],\"b\":[]}");
	strbuf_release(&sb);
}

static void test_json_deep_nesting(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct jw jw;
	int i;

	(void)state;
	jw_init(&jw, &sb);
	for (i = 0; i < JW_MAX_DEPTH - 1; i++)
		jw_arr_begin(&jw, NULL);
	jw_u64(&jw, NULL, 7);
	jw_u64(&jw, NULL, 8);
	for (i = 0; i < JW_MAX_DEPTH - 1; i++)
		jw_arr_end(&jw);
	assert_int_equal(sb.len, 2 * (JW_MAX_DEPTH - 1) + 3);
	assert_int_equal(sb.buf[JW_MAX_DEPTH - 2], '[');
	assert_memory_equal(sb.buf + JW_MAX_DEPTH - 1, "7,8]", 4);
	strbuf_release(&sb);
}

static void test_json_keys_are_escaped(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct jw jw;

	(void)state;
	jw_init(&jw, &sb);
	jw_obj_begin(&jw, NULL);
	jw_u64(&jw, "we\"ird\\key", 1);
	jw_obj_end(&jw);
	assert_string_equal(sb.buf, "{\"we\\\"ird\\\\key\":1}");
	strbuf_release(&sb);
}

static void test_json_integers(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct jw jw;

	(void)state;
	jw_init(&jw, &sb);
	jw_arr_begin(&jw, NULL);
	jw_u64(&jw, NULL, 0);
	jw_u64(&jw, NULL, UINT64_MAX);
	jw_i64(&jw, NULL, -1);
	jw_i64(&jw, NULL, INT64_MIN);
	jw_i64(&jw, NULL, INT64_MAX);
	jw_arr_end(&jw);
	assert_string_equal(sb.buf, "[0,18446744073709551615,-1,-9223372036854775808,"
				    "9223372036854775807]");
	strbuf_release(&sb);
}

static void test_json_doubles(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct jw jw;

	(void)state;
	jw_init(&jw, &sb);
	jw_arr_begin(&jw, NULL);
	jw_double(&jw, NULL, 0.0);
	jw_double(&jw, NULL, 3.0);
	jw_double(&jw, NULL, -42.0);
	jw_double(&jw, NULL, 0.5);
	jw_double(&jw, NULL, 1234567.0);
	jw_double(&jw, NULL, NAN);
	jw_double(&jw, NULL, INFINITY);
	jw_double(&jw, NULL, -INFINITY);
	jw_arr_end(&jw);
	/* whole numbers without a fraction; no NaN or Infinity in JSON */
	assert_string_equal(sb.buf, "[0,3,-42,0.5,1234567,null,null,null]");
	strbuf_release(&sb);

	/* non-whole values keep every digit they need to read back exactly */
	jw_init(&jw, &sb);
	jw_double(&jw, NULL, 0.1);
	assert_true(strtod(sb.buf, NULL) == 0.1);
	strbuf_release(&sb);
	jw_init(&jw, &sb);
	jw_double(&jw, NULL, 1e300);
	assert_true(strtod(sb.buf, NULL) == 1e300);
	assert_null(strchr(sb.buf, 'n')); /* not "nan"/"inf" */
	strbuf_release(&sb);

	jw_init(&jw, &sb);
	jw_obj_begin(&jw, NULL);
	jw_double(&jw, "missing", NAN);
	jw_double(&jw, "ns", 12.25);
	jw_obj_end(&jw);
	assert_string_equal(sb.buf, "{\"missing\":null,\"ns\":12.25}");
	strbuf_release(&sb);
}

static void test_json_quote_escapes(void **state)
{
	(void)state;
	QUOTE("", "\"\"");
	QUOTE("plain text", "\"plain text\"");
	QUOTE("say \"hi\"", "\"say \\\"hi\\\"\"");
	QUOTE("C:\\path\\", "\"C:\\\\path\\\\\"");
	QUOTE("a/b", "\"a/b\"");
	QUOTE("l1\nl2\r\tx", "\"l1\\nl2\\r\\tx\"");
	QUOTE("\x01\x1f\x7f\b\f", "\"\\u0001\\u001f\\u007f\\u0008\\u000c\"");
	/* an embedded NUL is data when a length is given */
	QUOTE("a\0b", "\"a\\u0000b\"");
}

static void test_json_quote_utf8(void **state)
{
	(void)state;
	/* valid sequences of 2, 3 and 4 bytes pass through untouched */
	QUOTE("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	QUOTE("\xe2\x82\xac 5", "\"\xe2\x82\xac 5\"");
	QUOTE("\xf0\x9f\x90\xa7", "\"\xf0\x9f\x90\xa7\"");
	QUOTE("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF */
	QUOTE("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");         /* U+FFFD itself */

	/* each byte that does not start a valid sequence becomes U+FFFD */
	QUOTE("\xff", "\"\\ufffd\"");
	QUOTE("a\x80z", "\"a\\ufffdz\"");                   /* lone continuation */
	QUOTE("\xc3", "\"\\ufffd\"");                        /* truncated at the end */
	QUOTE("\xc3z", "\"\\ufffdz\"");                      /* truncated mid-string */
	QUOTE("\xe2\x82", "\"\\ufffd\\ufffd\"");
	QUOTE("\xc0\xaf", "\"\\ufffd\\ufffd\"");             /* overlong '/' */
	QUOTE("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");  /* overlong, 3 bytes */
	QUOTE("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");  /* surrogate U+D800 */
	QUOTE("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* past U+10FFFF */
	QUOTE("\xf8\x88\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* the byte after a bad one is looked at afresh */
	QUOTE("\xc3\xc3\xa9", "\"\\ufffd\xc3\xa9\"");
}

static void test_json_strn_uses_length(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct jw jw;

	(void)state;
	jw_init(&jw, &sb);
	jw_obj_begin(&jw, NULL);
	jw_strn(&jw, "k", "abcdef", 3);
	jw_strn(&jw, "cut", "\xe2\x82\xac", 2); /* a sequence cut by the length */
	jw_obj_end(&jw);
	assert_string_equal(sb.buf, "{\"k\":\"abc\",\"cut\":\"\\ufffd\\ufffd\"}");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_writer_commas_and_nesting),
		cmocka_unit_test(test_json_empty_containers),
		cmocka_unit_test(test_json_deep_nesting),
		cmocka_unit_test(test_json_keys_are_escaped),
		cmocka_unit_test(test_json_integers),
		cmocka_unit_test(test_json_doubles),
		cmocka_unit_test(test_json_quote_escapes),
		cmocka_unit_test(test_json_quote_utf8),
		cmocka_unit_test(test_json_strn_uses_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
