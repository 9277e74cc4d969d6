// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for collectors/bench.c: the estimate of the time left, per
 * case, from the runs so far (the progress line's "about 4m05s left").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/bench.h"

/* Feed a benchmark of runs x ncases whose case c takes secs[c]; check the estimate at each step. */
static void simulate(const double *secs, int ncases, unsigned runs)
{
	struct bench_eta e;
	double t = 0, total = 0, left;
	unsigned run;
	int c;

	memset(&e, 0, sizeof(e));
	for (c = 0; c < ncases; c++)
		total += secs[c] * runs;
	for (run = 0; run < runs; run++)
		for (c = 0; c < ncases; c++) {
			left = bench_eta_step(&e, run, runs, c, ncases, t);
			if (run == 0 && c == 0)
				assert_true(left < 0); /* nothing known yet */
			else if (run > 0)         /* every case seen once: exact */
				assert_float_equal(left, total - t, 1e-9);
			else
				assert_true(left > 0);
			t += secs[c];
		}
}

static void test_exact_once_each_case_ran(void **state)
{
	/* fork order-0 slow, pmd fast, munmap cases in between: per case, not an average */
	static const double secs[] = { 12.0, 3.0, 0.5, 7.0, 2.0, 1.0 };

	(void)state;
	simulate(secs, 6, 8);
	simulate(secs, 1, 3);
}

static void test_first_run_uses_known_cases(void **state)
{
	struct bench_eta e;
	double left;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_true(bench_eta_step(&e, 0, 2, 0, 3, 0) < 0);
	/* case 0 took 10 s; cases 1, 2 unknown: taken as 10 s each; 1 + 2 + 3 of 6 runs-cases left */
	left = bench_eta_step(&e, 0, 2, 1, 3, 10);
	assert_float_equal(left, 5 * 10.0, 1e-9);
	/* case 1 took 2 s: unknown case 2 is their mean, 6 s */
	left = bench_eta_step(&e, 0, 2, 2, 3, 12);
	assert_float_equal(left, 6 + (10 + 2 + 6), 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_once_each_case_ran),
		cmocka_unit_test(test_first_run_uses_known_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
