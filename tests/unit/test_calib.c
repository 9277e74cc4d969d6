// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/calib.c: the interleaved halves, the projected
 * half-width and the runs a width needs (the expected values are
 * scipy 1.10's: stats.t.ppf(0.975, 2 (r - 1)) sqrt(2 / r) cv, and the
 * first r from 3 whose half-width reaches the target), and the profile
 * parser's refusals.
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

#include "lib/calib.h"

static void test_halves(void **state)
{
	const double v[] = { 1, 2, 3, NAN, 5, 6, 7 };
	double a[4], b[4];
	size_t na, nb;

	(void)state;
	calib_halves(v, 7, a, &na, b, &nb);
	/* even positions 0 2 4 6, odd 1 3 5: the failed run 3 keeps its place */
	assert_int_equal(na, 4);
	assert_int_equal(nb, 2);
	assert_true(a[0] == 1 && a[1] == 3 && a[2] == 5 && a[3] == 7);
	assert_true(b[0] == 2 && b[1] == 6);
	calib_halves(v, 0, a, &na, b, &nb);
	assert_int_equal(na + nb, 0);
	/* in time: positions 0 1 2 against 3 4 5 6, of which 3 failed */
	calib_halves_sequential(v, 7, a, &na, b, &nb);
	assert_int_equal(na, 3);
	assert_int_equal(nb, 3);
	assert_true(a[0] == 1 && a[1] == 2 && a[2] == 3);
	assert_true(b[0] == 5 && b[1] == 6 && b[2] == 7);
}

static void test_half_width(void **state)
{
	(void)state;
	assert_true(fabs(calib_half_width_pct(0.05, 8, 0.95) - 5.508324306864462) < 1e-9);
	assert_true(fabs(calib_half_width_pct(0.10, 3, 0.95) - 25.444819866032407) < 1e-9);
	assert_true(fabs(calib_half_width_pct(0.02, 20, 0.95) - 1.2885707244586433) < 1e-9);
	assert_true(calib_half_width_pct(0, 8, 0.95) == 0);
	assert_true(isnan(calib_half_width_pct(0.05, 1, 0.95)));
	assert_true(isnan(calib_half_width_pct(-1, 8, 0.95)));
	assert_true(isnan(calib_half_width_pct(NAN, 8, 0.95)));
}

static void test_runs_for(void **state)
{
	static const struct {
		double cv;
		unsigned r1, r2;
	} t[] = { { 0.01, 10, 4 }, { 0.02, 33, 10 }, { 0.05, 196, 51 }, { 0.10, 778, 198 }, { 0.37, 0, 0 } };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned r1 = calib_runs_for(t[i].cv, 1, 0.95, CALIB_RUNS_MAX);
		unsigned r2 = calib_runs_for(t[i].cv, 2, 0.95, CALIB_RUNS_MAX);

		print_message("cv %.2f: %u runs for 1%%, %u for 2%%\n", t[i].cv, r1, r2);
		assert_int_equal(r1, t[i].r1);
		assert_int_equal(r2, t[i].r2);
		/* the first that reaches it: one fewer does not */
		if (r1 > 3) {
			assert_true(calib_half_width_pct(t[i].cv, r1, 0.95) <= 1);
			assert_true(calib_half_width_pct(t[i].cv, r1 - 1, 0.95) > 1);
		}
	}
	/* a tighter bound: "more than 100" */
	assert_int_equal(calib_runs_for(0.05, 1, 0.95, 100), 0);
	assert_int_equal(calib_runs_for(0, 1, 0.95, 100), 3);
	assert_int_equal(calib_runs_for(0.05, 1, 0.95, 2), 0);
	assert_int_equal(calib_runs_for(0.05, 0, 0.95, 100), 0);
	assert_int_equal(calib_runs_for(NAN, 1, 0.95, 100), 0);
}

#define GOOD_HEAD                                                                                   \
	"{\"format\":\"forkwatch-calibration/1\",\"calibration_uuid\":\"2d1f140f-ca41-488c-856e-d742d2c0cab3\"," \
	"\"finished_at\":\"2026-12-06T11:12:42Z\",\"host\":{\"hostname\":\"vm\"},"                     \
	"\"kernel\":{\"release\":\"6.18.0\",\"commit\":null},\"params\":{\"placement\":\"same\"},"    \
	"\"runs_max\":1000,\"cases\":["
#define GOOD_CASE                                                                                   \
	"{\"workload\":\"fork\",\"layout\":\"order-0\",\"order\":0,\"runs\":8,\"iterations\":100,"     \
	"\"budget_pct\":1,\"half_width_pct\":3.5,\"run_cv_pct\":4.1,\"runs_for_1pct\":null,"           \
	"\"runs_for_2pct\":120,\"verdict\":\"inconclusive\"}"

static int parse(const char *text, struct calib_profile *p, struct strbuf *field, struct strbuf *err)
{
	strbuf_reset(field);
	strbuf_reset(err);
	return calib_profile_parse(p, text, strlen(text), field, err);
}

static void test_parse(void **state)
{
	static const struct {
		const char *text, *field;
	} bad[] = {
		{ "[]", "" },
		{ GOOD_HEAD "]}", "cases" },
		{ GOOD_HEAD GOOD_CASE "," GOOD_CASE "]}", "cases" },
		{ "{\"format\":\"forkwatch-result/1\"}", "format" },
		{ GOOD_HEAD "{\"workload\":\"Fork!\"}]}", "cases[0].workload" },
		{ GOOD_HEAD "{\"workload\":\"fork\",\"layout\":\"order-x\"}]}", "cases[0].layout" },
		{ GOOD_HEAD "{\"workload\":\"fork\",\"layout\":\"pmd\",\"order\":9,\"runs\":-1}]}", "cases[0].runs" },
		{ GOOD_HEAD "{\"workload\":\"fork\",\"layout\":\"pmd\",\"order\":9,\"runs\":1.5}]}", "cases[0].runs" },
		{ GOOD_HEAD "{\"workload\":\"fork\",\"layout\":\"order-0\",\"order\":5}]}", "cases[0].order" },
		{ "{\"format\":\"forkwatch-calibration/1\",\"calibration_uuid\":\"2d1f140f-ca41-488c-856e-d742d2c0cab3\","
		  "\"finished_at\":\"2026-12-06T11:12:42Z\",\"host\":{\"hostname\":\"vm\"},"
		  "\"kernel\":{\"release\":\"6.18.0\",\"commit\":null},\"params\":{\"split\":\"sideways\"},"
		  "\"runs_max\":1000,\"cases\":[" GOOD_CASE "]}", "params.split" },
	};
	static struct calib_profile p;
	struct strbuf field = STRBUF_INIT, err = STRBUF_INIT;
	size_t i;

	(void)state;
	if (parse(GOOD_HEAD GOOD_CASE "]}", &p, &field, &err))
		print_message("%s (%s)\n", err.buf, field.buf);
	assert_int_equal(err.len, 0);
	assert_string_equal(p.hostname, "vm");
	assert_string_equal(p.placement, "same");
	assert_string_equal(p.split, "interleaved"); /* absent: the only split before --split */
	assert_string_equal(p.commit, "");
	assert_int_equal(p.ncases, 1);
	assert_int_equal(p.cases[0].runs, 8);
	assert_int_equal(p.cases[0].runs_for_1pct, 0);
	assert_int_equal(p.cases[0].runs_for_2pct, 120);
	assert_true(p.cases[0].half_width_pct == 3.5);
	assert_ptr_equal(calib_profile_case(&p, "fork", "order-0"), &p.cases[0]);
	assert_null(calib_profile_case(&p, "fork", "pmd"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].text, &p, &field, &err), -EINVAL);
		print_message("refused: %s (field '%s')\n", err.buf, field.buf);
		assert_true(err.len > 0);
		assert_string_equal(field.buf, bad[i].field);
	}
	/* an upper-case uuid is the same profile as its lower-case spelling */
	{
		static const char up[] = GOOD_HEAD GOOD_CASE "]}";
		char *t = strdup(up), *u = strstr(t, "2d1f140f-ca41");

		assert_non_null(u);
		memcpy(u, "2D1F140F-CA41", 13);
		assert_int_equal(parse(t, &p, &field, &err), 0);
		assert_string_equal(p.uuid, "2d1f140f-ca41-488c-856e-d742d2c0cab3");
		free(t);
	}
	/* not JSON at all, and a duplicate key */
	assert_int_equal(parse("{\"format\":", &p, &field, &err), -EINVAL);
	assert_int_equal(parse("{\"a\":1,\"a\":2}", &p, &field, &err), -EINVAL);
	strbuf_release(&field);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_halves),
		cmocka_unit_test(test_half_width),
		cmocka_unit_test(test_runs_for),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
