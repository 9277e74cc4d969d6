// SPDX-License-Identifier: GPL-2.0
/* Unit tests for lib/nest.c: variance components of runs nested in boots, the boot-level comparison. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/nest.h"

#define near(a, b) assert_true(fabs((a) - (double)(b)) <= 1e-9 * fmax(1.0, fabs((double)(b))))

/* Against scipy 1.10: f_oneway and the components by hand (numpy), unequal boots. */
static void test_nest_anova(void **state)
{
	static const double v[] = { 10, 11, NAN, 12, 14, 15, 16.5, 9, 9.5, 8, 10.5 };
	static const unsigned b[] = { 7, 7, 7, 7, 3, 3, 3, 9, 9, 9, 9 };
	struct nest_anova a;

	(void)state;
	assert_int_equal(nest_anova(v, b, 11, &a), 0);
	assert_int_equal(a.boots, 3);
	assert_int_equal(a.runs, 10);
	near(a.mean, 11.55);
	near(a.ms_between, 30.65416666666666);
	near(a.ms_within, 1.2023809523809526);
	near(a.n0, 3.3);
	near(a.var_between, 8.924783549783548);
	near(a.var_within, 1.2023809523809526);
	near(a.icc, 0.8812717071867485);
	near(a.p, 0.0006111257971852382);
}

static void test_nest_anova_edges(void **state)
{
	static const double same[] = { 5, 5, 5, 5 };
	static const double apart[] = { 5, 5, 6, 6 };
	static const double one[] = { 1, 2, 3 };
	static const unsigned b2[] = { 0, 0, 1, 1 }, b1[] = { 4, 4, 4 };
	static const unsigned singles[] = { 0, 1, 2 };
	/* boots closer than their runs: the between component is clipped at 0 */
	static const double close[] = { 1, 3, 1.1, 2.9, 0.9, 3.1 };
	static const unsigned bc[] = { 0, 0, 1, 1, 2, 2 };
	unsigned many[NEST_MAX_BOOTS + 1];
	double mv[NEST_MAX_BOOTS + 1], means[4];
	struct nest_anova a;
	size_t i;

	(void)state;
	assert_int_equal(nest_anova(same, b2, 4, &a), 0);
	assert_true(a.var_between == 0 && a.var_within == 0 && isnan(a.icc) && isnan(a.p));
	assert_int_equal(nest_anova(apart, b2, 4, &a), 0);
	assert_true(a.var_within == 0 && a.var_between > 0 && a.icc == 1 && a.p == 0);
	assert_int_equal(nest_anova(one, b1, 3, &a), 0);
	assert_true(a.boots == 1 && isnan(a.ms_between) && isnan(a.var_between) && a.var_within == 1);
	assert_int_equal(nest_anova(one, singles, 3, &a), 0);
	assert_true(a.boots == 3 && isnan(a.ms_within) && isnan(a.var_between));
	assert_int_equal(nest_anova(close, bc, 6, &a), 0);
	assert_true(a.var_between == 0 && a.icc == 0 && a.p > 0.9);
	assert_int_equal(nest_anova(one, b1, 0, &a), 0);
	assert_true(a.boots == 0 && a.runs == 0 && isnan(a.mean));
	for (i = 0; i <= NEST_MAX_BOOTS; i++) {
		many[i] = (unsigned)i;
		mv[i] = (double)i;
	}
	assert_int_equal(nest_anova(mv, many, NEST_MAX_BOOTS + 1, &a), -E2BIG);
	assert_int_equal(nest_anova(mv, many, NEST_MAX_BOOTS, &a), 0);
	assert_int_equal(nest_boot_means(apart, b2, 4, means, 4), 2);
	assert_true(means[0] == 5 && means[1] == 6);
	assert_int_equal(nest_boot_means(apart, b2, 4, means, 1), -E2BIG);
}

/*
 * Three boots per kernel, four runs each, runs of a boot within 0.1% of
 * each other, boots 1% apart, and the head's boots happen to land 3%
 * higher: pooled as twelve independent runs a side, that is a regression
 * beyond doubt; with the boot as the unit, three values a side, it is not
 * decided.  The boot-to-boot spread is nearly all of it (icc near 1).
 */
static void test_nest_compare(void **state)
{
	static const double boot_mean[2][3] = { { 99, 100, 101 }, { 102, 103, 104 } };
	static const double jitter[4] = { -0.1, 0.05, 0.1, -0.05 };
	double v[2][12];
	unsigned b[2][12];
	struct nest_result r;
	struct cmp_result pooled;
	int s, i, j;

	(void)state;
	for (s = 0; s < 2; s++)
		for (i = 0; i < 3; i++)
			for (j = 0; j < 4; j++) {
				v[s][i * 4 + j] = boot_mean[s][i] + jitter[j];
				b[s][i * 4 + j] = (unsigned)(2 * i + s); /* ab's interleaved boot numbers */
			}
	assert_int_equal(cmp_compare(v[0], 12, v[1], 12, NULL, &pooled), 0);
	assert_int_equal(pooled.verdict, CMP_REGRESSION);
	assert_int_equal(nest_compare(v[0], b[0], 12, v[1], b[1], 12, NULL, &r), 0);
	assert_int_equal(r.nb, 3);
	assert_int_equal(r.nh, 3);
	near(r.base_means[0], 99);
	near(r.head_means[2], 104);
	assert_int_equal(r.cmp.welch.nx, 3);
	assert_int_equal(r.cmp.welch.ny, 3);
	near(r.cmp.change_pct, 3.0);
	assert_int_equal(r.cmp.verdict, CMP_INCONCLUSIVE);
	assert_true(r.cmp.ci_lo_pct < 1.0 && r.cmp.ci_hi_pct > 5.0);
	assert_true(r.base.icc > 0.99 && r.head.icc > 0.99 && r.base.p < 1e-6);
	/* two boots a side: never a verdict */
	assert_int_equal(nest_compare(v[0], b[0], 8, v[1], b[1], 8, NULL, &r), 0);
	assert_int_equal(r.nb, 2);
	assert_int_equal(r.cmp.verdict, CMP_INCONCLUSIVE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nest_anova),
		cmocka_unit_test(test_nest_anova_edges),
		cmocka_unit_test(test_nest_compare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
