// SPDX-License-Identifier: GPL-2.0
/* Unit tests for lib/stats.c: summaries of the measured series. */
#include <math.h>
#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/stats.h"

#define EPS 1e-12

/* cmocka 1.1.5 compares floats only (assert_float_equal); these are doubles */
#define assert_close(a, b, eps) check_close(a, b, eps, #a, __LINE__)

static void check_close(double a, double b, double eps, const char *what, int line)
{
	if (!(fabs(a - b) <= eps))
		fail_msg("line %d: %s = %.17g, want %.17g (within %g)", line, what, a, b, eps);
}

static void test_stats_known_values(void **state)
{
	/* mean 5, sum of squared deviations 32: sample variance 32/7 */
	static const double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct stats_summary s;

	(void)state;
	stats_summarize(v, 8, &s);
	assert_int_equal(s.n, 8);
	assert_close(s.mean, 5.0, EPS);
	assert_close(s.stdev, sqrt(32.0 / 7.0), EPS);
	assert_close(s.min, 2.0, 0);
	assert_close(s.max, 9.0, 0);
	assert_close(stats_mean(v, 8), 5.0, EPS);
}

static void test_stats_two_values(void **state)
{
	static const double v[] = { -1.5, 2.5 };
	struct stats_summary s;

	(void)state;
	stats_summarize(v, 2, &s);
	assert_int_equal(s.n, 2);
	assert_close(s.mean, 0.5, EPS);
	assert_close(s.stdev, sqrt(8.0), EPS); /* (2^2 + 2^2) / 1 */
	assert_close(s.min, -1.5, 0);
	assert_close(s.max, 2.5, 0);
}

static void test_stats_constant_series(void **state)
{
	double v[1000];
	struct stats_summary s;
	size_t i;

	(void)state;
	for (i = 0; i < 1000; i++)
		v[i] = 123456.789;
	stats_summarize(v, 1000, &s);
	assert_int_equal(s.n, 1000);
	assert_close(s.mean, 123456.789, 1e-9);
	assert_close(s.stdev, 0.0, 1e-9);
}

static void test_stats_large_offset_is_stable(void **state)
{
	/* a naive sum-of-squares loses these digits; Welford keeps them */
	static const double v[] = { 1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16 };
	struct stats_summary s;

	(void)state;
	stats_summarize(v, 4, &s);
	assert_close(s.mean, 1e9 + 10, 1e-6);
	assert_close(s.stdev, sqrt(30.0), 1e-6); /* (36+9+9+36)/3 */
}

static void test_stats_skips_non_finite(void **state)
{
	const double v[] = { NAN, 1.0, INFINITY, 3.0, -INFINITY, NAN };
	struct stats_summary s;

	(void)state;
	stats_summarize(v, 6, &s);
	assert_int_equal(s.n, 2);
	assert_close(s.mean, 2.0, EPS);
	assert_close(s.stdev, sqrt(2.0), EPS);
	assert_close(s.min, 1.0, 0);
	assert_close(s.max, 3.0, 0);
	assert_close(stats_mean(v, 6), 2.0, EPS);
}

static void test_stats_fewer_than_two(void **state)
{
	const double one[] = { 42.0 };
	const double none[] = { NAN, INFINITY };
	struct stats_summary s;

	(void)state;
	stats_summarize(one, 1, &s);
	assert_int_equal(s.n, 1);
	assert_close(s.mean, 42.0, 0);
	assert_true(isnan(s.stdev));
	assert_close(s.min, 42.0, 0);
	assert_close(s.max, 42.0, 0);

	/* only non-finite values: nothing to summarise, and no made-up numbers */
	stats_summarize(none, 2, &s);
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.mean));
	assert_true(isnan(s.stdev));
	assert_true(isnan(s.min));
	assert_true(isnan(s.max));

	stats_summarize(NULL, 0, &s);
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.mean));
	assert_true(isnan(s.stdev));
	assert_true(isnan(stats_mean(NULL, 0)));

	/* one finite value among NaNs: a mean, still no stdev */
	{
		const double v[] = { NAN, 7.0, NAN };

		stats_summarize(v, 3, &s);
		assert_int_equal(s.n, 1);
		assert_close(s.mean, 7.0, 0);
		assert_true(isnan(s.stdev));
	}
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* stats_median against sorting, on odd, even, tied, sorted and non-finite input */
static void test_stats_median(void **state)
{
	double odd[] = { 5, 1, 4, 2, 3 }, even[] = { 10, 2, 8, 4 }, ties[] = { 7, 7, 7, 1, 7 };
	double nf[] = { NAN, 3, INFINITY, 1, -INFINITY, 2 };
	double v[1001], c[1001];
	unsigned x = 12345;
	int n, i;

	(void)state;
	assert_true(stats_median(odd, 5) == 3);
	assert_true(stats_median(even, 4) == 6);
	assert_true(stats_median(ties, 5) == 7);
	assert_true(stats_median(nf, 6) == 2); /* only 3, 1, 2 count */
	assert_true(isnan(stats_median(nf, 1)));
	assert_true(isnan(stats_median(NULL, 0)));
	for (n = 1; n <= 1001; n += 37) {
		for (i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			v[i] = (double)(x % 50); /* many ties */
			c[i] = v[i];
		}
		qsort(c, (size_t)n, sizeof(double), cmp_d);
		assert_true(stats_median(v, (size_t)n) ==
			    (n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2));
		for (i = 0; i < n; i++)
			v[i] = c[i]; /* sorted input, the classic quickselect worst case */
		assert_true(stats_median(v, (size_t)n) ==
			    (n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2));
	}
}

/* stats_trimmed_mean as scipy.stats.trim_mean (values from scipy 1.10) */
static void test_stats_trimmed_mean(void **state)
{
	double v[] = { 5, 1, 4, 2, 3, 100, -50, 7, 8, 9 }, w[] = { 3, 1, 2, 10, 0, 4, 4 };
	double nf[] = { NAN, 1, 2, INFINITY, 3, 4 };

	(void)state;
	assert_true(stats_trimmed_mean(v, 10, 0.2) == 4.833333333333333); /* 2 cut each end */
	assert_true(stats_trimmed_mean(w, 7, 0.2) == 2.8);                /* floor(1.4) = 1 */
	assert_true(stats_trimmed_mean(nf, 6, 0.1) == 2.5);               /* 4 finite, none cut */
	assert_true(stats_trimmed_mean(nf, 6, 0.25) == 2.5);              /* 1 cut each end */
	assert_true(stats_trimmed_mean(v, 10, 0) == stats_mean(v, 10));
	assert_true(isnan(stats_trimmed_mean(v, 10, 0.5)));
	assert_true(isnan(stats_trimmed_mean(v, 10, -0.1)));
	assert_true(isnan(stats_trimmed_mean(NULL, 0, 0.2)));
	assert_true(isnan(stats_trimmed_mean(v, 1, 0.2)) == 0 && stats_trimmed_mean(v, 1, 0.2) == 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_known_values),
		cmocka_unit_test(test_stats_two_values),
		cmocka_unit_test(test_stats_constant_series),
		cmocka_unit_test(test_stats_large_offset_is_stable),
		cmocka_unit_test(test_stats_skips_non_finite),
		cmocka_unit_test(test_stats_fewer_than_two),
		cmocka_unit_test(test_stats_median),
		cmocka_unit_test(test_stats_trimmed_mean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
