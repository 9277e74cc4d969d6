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
#include <string.h>
#include <time.h>

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

/*
 * The oracle: E-divisive as it was first written, every pairwise
 * distance summed again for each split, O(n^2) (what lib/changepoint.c did
 * until a host's 1,500 kernels made each request cost seconds), with the
 * same shuffles.  The O(n log n) search must find the same splits with
 * the same p-values.
 */
static uint64_t oracle_rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static double oracle_split(const double *v, size_t n, size_t min_size, size_t *at)
{
	double best = -INFINITY;
	size_t t, i, j;

	*at = 0;
	for (t = min_size; t + min_size <= n; t++) {
		double xx = 0, yy = 0, xy = 0, m = (double)t, k = (double)(n - t), q;

		for (i = 0; i < t; i++)
			for (j = i + 1; j < t; j++)
				xx += fabs(v[i] - v[j]);
		for (i = t; i < n; i++)
			for (j = i + 1; j < n; j++)
				yy += fabs(v[i] - v[j]);
		for (i = 0; i < t; i++)
			for (j = t; j < n; j++)
				xy += fabs(v[i] - v[j]);
		q = m * k / (m + k) * (2 * xy / (m * k) - (t > 1 ? xx / (m * (m - 1) / 2) : 0) -
				       (n - t > 1 ? yy / (k * (k - 1) / 2) : 0));
		if (q > best) {
			best = q;
			*at = t;
		}
	}
	return best;
}

/* The first split of v (the whole series) and its permutation p-value. */
static double oracle_first(const double *v, size_t n, const struct cp_params *p, size_t *at)
{
	double *tmp = malloc(n * sizeof(*tmp)), q, x;
	uint64_t st = p->seed;
	size_t r, k, exceed = 0, dummy;

	q = oracle_split(v, n, p->min_size, at);
	memcpy(tmp, v, n * sizeof(*tmp));
	for (r = 0; r < p->permutations; r++) {
		for (k = n - 1; k > 0; k--) {
			size_t j = (size_t)(oracle_rnd(&st) % (k + 1));

			x = tmp[k];
			tmp[k] = tmp[j];
			tmp[j] = x;
		}
		/* within a relative 1e-9: the two sum in another order */
		if (oracle_split(tmp, n, p->min_size, &dummy) >= q * (1 - 1e-9))
			exceed++;
	}
	free(tmp);
	return (double)(exceed + 1) / (double)(p->permutations + 1);
}

static void test_matches_quadratic(void **state)
{
	struct cp_params p = CP_PARAMS_INIT;
	struct cp_point cp[CP_MAX];
	double v[70], po;
	uint64_t s = 21;
	size_t at;
	int trial, i, n;

	(void)state;
	p.permutations = 49;
	p.alpha = 0.5; /* the first split is reported whatever its p */
	for (trial = 0; trial < 12; trial++) {
		int len = 20 + 4 * trial;

		for (i = 0; i < len; i++)
			/* steps of several sizes, ties (rounded values) in half of the trials */
			v[i] = 100 + (i >= len / 3 ? trial * 0.3 : 0) + gauss(&s) * 0.5;
		if (trial % 2)
			for (i = 0; i < len; i++)
				v[i] = round(v[i]);
		po = oracle_first(v, (size_t)len, &p, &at);
		n = cp_find(v, (size_t)len, &p, cp, 1);
		if (po > p.alpha) {
			assert_int_equal(n, 0);
			continue;
		}
		assert_int_equal(n, 1);
		assert_int_equal(cp[0].index, at);
		assert_true(fabs(cp[0].p - po) < 1e-12);
	}
}

/* A host's history of thousands of kernels costs milliseconds, not minutes. */
static void test_long_series_fast(void **state)
{
	struct cp_point cp[CP_MAX];
	static double v[6000];
	struct timespec a, b;
	uint64_t s = 9;
	int i, n;

	(void)state;
	for (i = 0; i < 6000; i++)
		v[i] = (i < 4000 ? 100.0 : 102.0) + gauss(&s);
	clock_gettime(CLOCK_MONOTONIC, &a);
	n = cp_find(v, 6000, NULL, cp, CP_MAX);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(n >= 1);
	for (i = 0; i < n && (cp[i].index < 3990 || cp[i].index > 4010); i++)
		;
	assert_true(i < n);
	/* the quadratic search took minutes here; generous for a loaded machine or ASan */
	assert_true((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 < 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_step),
		cmocka_unit_test(test_two_steps),
		cmocka_unit_test(test_drift),
		cmocka_unit_test(test_noise),
		cmocka_unit_test(test_errors_and_short),
		cmocka_unit_test(test_matches_quadratic),
		cmocka_unit_test(test_long_series_fast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
