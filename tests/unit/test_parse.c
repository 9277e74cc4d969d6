// SPDX-License-Identifier: GPL-2.0
/* Unit tests for lib/parse.c: sizes and bounded integers from the command line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/parse.h"
#include "lib/strbuf.h"

struct size_case {
	const char *text;
	uint64_t want;
};

static void test_parse_size_valid(void **state)
{
	static const struct size_case cases[] = {
		{ "0", 0 },
		{ "4096", 4096 },
		{ "64k", 64ULL << 10 },
		{ "64K", 64ULL << 10 },
		{ "512M", 512ULL << 20 },
		{ "1G", 1ULL << 30 },
		{ "3T", 3ULL << 40 },
		{ "1GiB", 1ULL << 30 },
		{ "1gib", 1ULL << 30 },
		{ "1gb", 1ULL << 30 },
		{ "1GB", 1ULL << 30 },
		{ "2KiB", 2048 },
		{ "100B", 100 },
		{ "100b", 100 },
		/* the largest values that still fit */
		{ "18446744073709551615", UINT64_MAX },
		{ "16777215T", 16777215ULL << 40 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		int ret = parse_size(cases[i].text, &v);

		if (ret || v != cases[i].want)
			fail_msg("parse_size(\"%s\") = %d, %llu; want 0, %llu", cases[i].text, ret,
				 (unsigned long long)v, (unsigned long long)cases[i].want);
	}
}

struct err_case {
	const char *text;
	int want;
};

static void test_parse_size_errors(void **state)
{
	static const struct err_case cases[] = {
		{ "", -EINVAL },
		{ "1X", -EINVAL },
		{ "G", -EINVAL },
		{ "-1", -EINVAL },
		{ "+1", -EINVAL },
		{ " 1G", -EINVAL },
		{ "1G ", -EINVAL },
		{ "1.5G", -EINVAL },
		{ "1iB", -EINVAL },   /* "iB" needs a unit letter before it */
		{ "1Gx", -EINVAL },
		{ "1GiBB", -EINVAL },
		{ "1bb", -EINVAL },
		{ "1KK", -EINVAL },
		{ "16E", -EINVAL },   /* no exa suffix */
		{ "1P", -EINVAL },
		{ "99999999999999999999", -ERANGE },
		{ "18446744073709551616", -ERANGE }, /* UINT64_MAX + 1 */
		{ "16777216T", -ERANGE },            /* 2^24 * 2^40 = 2^64 */
		{ "17179869184G", -ERANGE },         /* 2^34 * 2^30 = 2^64 */
		{ "99999999999T", -ERANGE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 777;
		int ret = parse_size(cases[i].text, &v);

		if (ret != cases[i].want)
			fail_msg("parse_size(\"%s\") = %d, want %d", cases[i].text, ret, cases[i].want);
		/* a failed parse leaves the output alone */
		assert_int_equal(v, 777);
	}
	assert_int_equal(parse_size(NULL, &(uint64_t){ 0 }), -EINVAL);
}

static void test_parse_uint(void **state)
{
	uint64_t v = 99;

	(void)state;
	assert_int_equal(parse_uint("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_uint("10", 0, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(parse_uint("5", 5, 5, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(parse_uint("007", 0, 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(parse_uint("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);

	v = 99;
	assert_int_equal(parse_uint("11", 0, 10, &v), -ERANGE);
	assert_int_equal(parse_uint("0", 1, 10, &v), -ERANGE);
	assert_int_equal(parse_uint("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(parse_uint("99999999999999999999999", 0, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(parse_uint("", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint(NULL, 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint(" 1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint("1 ", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_uint("1k", 0, 10000, &v), -EINVAL);
	assert_int_equal(parse_uint("0x10", 0, 100, &v), -EINVAL);
	assert_int_equal(v, 99);
}

static void test_parse_format_size(void **state)
{
	static const struct size_case cases[] = {
		{ "0", 0 },
		{ "1", 1 },
		{ "1000", 1000 },
		{ "1536", 1536 },
		{ "1k", 1024 },
		{ "16k", 16384 },
		{ "64M", 64ULL << 20 },
		{ "1G", 1ULL << 30 },
		{ "1536M", 1536ULL << 20 },
		{ "3T", 3ULL << 40 },
		{ "1024T", 1ULL << 50 },
		{ "1073741825", (1ULL << 30) + 1 },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t back;

		memset(buf, 'x', sizeof(buf));
		parse_format_size(cases[i].want, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
		/* what it writes parses back to the same size */
		assert_int_equal(parse_size(buf, &back), 0);
		assert_true(back == cases[i].want);
	}
}

static void test_parse_format_size_truncates(void **state)
{
	char buf[4];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	parse_format_size(123456789, buf, sizeof(buf));
	assert_string_equal(buf, "123");
	parse_format_size(64ULL << 20, buf, 2);
	assert_string_equal(buf, "6");
}

static void test_parse_names(void **state)
{
	(void)state;
	assert_true(parse_text_ok(""));
	assert_true(parse_text_ok("a/b \"<x>\" caf\xc3\xa9"));
	assert_false(parse_text_ok("a\tb"));
	assert_false(parse_text_ok("a\nb"));
	assert_false(parse_text_ok("a\x7f"));
	assert_true(parse_name_ok("lab-7 (rack 3)", 128));
	assert_true(parse_name_ok("<script>", 8));
	assert_false(parse_name_ok("<script>", 7));
	assert_false(parse_name_ok("", 128));
	assert_false(parse_name_ok("a/b", 128));
	assert_false(parse_name_ok("a\x1b[31m", 128));
	/* text is UTF-8 without C1 controls or noncharacters (XML 1.0 forbids U+FFFE, U+FFFF) */
	assert_false(parse_text_ok("a\xff"));
	assert_false(parse_text_ok("caf\xc3"));
	assert_false(parse_text_ok("a\xc2\x85" "b"));
	assert_false(parse_text_ok("6.9\xef\xbf\xbf"));
	assert_false(parse_text_ok("6.9\xef\xbf\xbe"));
	assert_false(parse_text_ok("\xef\xb7\x90"));
	assert_false(parse_text_ok("\xf0\x9f\xbf\xbe"));
	assert_true(parse_text_ok("\xef\xbf\xbd \xe2\x80\x8b \xe2\x80\xae")); /* U+FFFD, invisible ones: text */
	/* names show what they hold */
	assert_false(parse_name_ok("lab-a\xe2\x80\x8b", 128)); /* U+200B zero-width space */
	assert_false(parse_name_ok("lab-\xe2\x80\xae" "a-bal", 128)); /* U+202E right-to-left override */
	assert_false(parse_name_ok("\xef\xbb\xbflab", 128)); /* U+FEFF */
	assert_false(parse_name_ok("lab\xc2\xa0" "a", 128)); /* U+00A0 */
	assert_false(parse_name_ok("lab\xc2\x85", 128)); /* U+0085 */
	assert_false(parse_name_ok("lab\xcd\x8f", 128)); /* U+034F */
	assert_false(parse_name_ok("lab\xf3\xa0\x80\x81", 128)); /* U+E0001 */
	assert_false(parse_name_ok(" lab", 128));
	assert_false(parse_name_ok("lab ", 128));
	assert_false(parse_name_ok(".", 128));
	assert_false(parse_name_ok("..", 128));
	assert_true(parse_name_ok("...", 128));
	assert_true(parse_name_ok(".lab", 128));
	assert_true(parse_name_ok("L\xc3\xa4" "b 7 \xe2\x9c\x93", 128));
	assert_true(parse_visible_ok("6.9.0-rc1+"));
	assert_false(parse_visible_ok("6.9.0\xe2\x81\xa0"));
}

static void test_parse_skeleton(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	parse_name_skeleton(" lab-a\xe2\x80\x8b\xe2\x80\x8d \xc2\xa0", &sb);
	assert_string_equal(sb.buf, "lab-a");
	strbuf_reset(&sb);
	parse_name_skeleton("L\xc3\xa4" "b 7", &sb);
	assert_string_equal(sb.buf, "L\xc3\xa4" "b 7");
	strbuf_reset(&sb);
	parse_name_skeleton("a\xff" "b", &sb);
	assert_string_equal(sb.buf, "a\xff" "b");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size_valid),
		cmocka_unit_test(test_parse_size_errors),
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_parse_names),
		cmocka_unit_test(test_parse_skeleton),
		cmocka_unit_test(test_parse_format_size),
		cmocka_unit_test(test_parse_format_size_truncates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
