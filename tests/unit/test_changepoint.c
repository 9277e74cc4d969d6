// SPDX-License-Identifier: GPL-2.0
/* Unit tests for lib/changepoint.c: steps are found where they are, noise is not a step. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <errno.h>

#include "lib/changepoint.h"

/* Normal noise from a fixed seed (Box-Muller over a 64-bit LCG). */
static double gauss(uint64_t *s)
{
	double u1, u2;

	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	u1 = ((double)(*s >> 11) + 1) / 9007199254740993.0;
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	u2 = (double)(*s >> 11) / 9007199254740992.0;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static void test_one_step(void **state)
{
	struct cp_point cp[CP_MAX];
	double v[60];
	uint64_t s = 7;
	int i, n;

	(void)state;
	for (i = 0; i < 60; i++)
		v[i] = (i < 37 ? 100.0 : 103.0) + gauss(&s) * 0.5; /* a 3% step at 37 */
	n = cp_find(v, 60, NULL, cp, CP_MAX);
	assert_int_equal(n, 1);
	assert_true(cp[0].index >= 36 && cp[0].index <= 38);
	assert_true(cp[0].p <= 0.05);
	assert_true(fabs(cp[0].before - 100) < 0.5 && fabs(cp[0].after - 103) < 0.5);
}

static void test_two_steps(void **state)
{
	struct cp_point cp[CP_MAX];
	double v[90];
	uint64_t s = 11;
	int i, n;

	(void)state;
	for (i = 0; i < 90; i++)
		v[i] = (i < 30 ? 100.0 : i < 60 ? 95.0 : 101.0) + gauss(&s) * 0.5;
	n = cp_find(v, 90, NULL, cp, CP_MAX);
	assert_int_equal(n, 2);
	assert_true(cp[0].index >= 29 && cp[0].index <= 31);
	assert_true(cp[1].index >= 59 && cp[1].index <= 61);
}

/* a slow drift, each neighbour within noise, is still a change */
static void test_drift(void **state)
{
	struct cp_point cp[CP_MAX];
	double v[80];
	uint64_t s = 5;
	int i, n;

	(void)state;
	for (i = 0; i < 80; i++)
		v[i] = 100.0 + (i >= 40 ? (i - 40) * 0.15 : 0) + gauss(&s) * 0.5;
	n = cp_find(v, 80, NULL, cp, CP_MAX);
	assert_true(n >= 1);
	assert_true(cp[0].index >= 38 && cp[0].index <= 60);
}

/* flat noise: no change point in nearly every series (alpha 0.01, 40 series) */
static void test_noise(void **state)
{
	struct cp_point cp[CP_MAX];
	double v[50];
	uint64_t s = 3;
	int i, k, found = 0;

	(void)state;
	for (k = 0; k < 40; k++) {
		struct cp_params p = CP_PARAMS_INIT;

		for (i = 0; i < 50; i++)
			v[i] = 100.0 + gauss(&s);
		p.seed = (unsigned long)k + 1;
		found += cp_find(v, 50, &p, cp, CP_MAX) > 0;
	}
	assert_true(found <= 3); /* about 0.4 expected at alpha 0.01 */
}

static void test_errors_and_short(void **state)
{
	struct cp_point cp[CP_MAX];
	struct cp_params p = CP_PARAMS_INIT;
	double v[5] = { 1, 2, 3, 4, 5 }, bad[3] = { 1, NAN, 2 };

	(void)state;
	assert_int_equal(cp_find(v, 5, NULL, cp, CP_MAX), 0); /* too short to split */
	assert_int_equal(cp_find(bad, 3, NULL, cp, CP_MAX), -EINVAL);
	p.min_size = 1;
	assert_int_equal(cp_find(v, 5, &p, cp, CP_MAX), -EINVAL);
	assert_int_equal(cp_find(NULL, 0, NULL, cp, CP_MAX), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_step),
		cmocka_unit_test(test_two_steps),
		cmocka_unit_test(test_drift),
		cmocka_unit_test(test_noise),
		cmocka_unit_test(test_errors_and_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
