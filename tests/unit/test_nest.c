// SPDX-License-Identifier: GPL-2.0
/* Unit tests for lib/nest.c: variance components of runs nested in boots, the boot-level comparison. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* The pooled session level against numpy (tests/unit/test_nest.c's comment has the script's formulas). */
static void test_nest_pool(void **state)
{
	static const unsigned n1[] = { 3, 4, 4 }, n2[] = { 2, 3 }, n3[] = { 5 };
	static const double m1[] = { 11.0, 15.125, 9.25 }, s1[] = { 1.0, 1.0307764064044151, 1.0408329997330663 };
	static const double m2[] = { 205.0, 225.0 }, s2[] = { 7.0710678118654755, 5.0 };
	static const double m3[] = { 1.0 }, s3[] = { 0.1 };
	struct nest_pool p = NEST_POOL_INIT;
	struct nest_prior pr;

	(void)state;
	nest_pool_prior(&p, &pr);
	assert_true(isnan(pr.var));
	nest_pool_add(&p, n1, m1, s1, 3);
	nest_pool_add(&p, n2, m2, s2, 2);
	nest_pool_add(&p, n3, m3, s3, 1); /* one session: adds nothing */
	nest_pool_prior(&p, &pr);
	assert_int_equal(pr.kernels, 2);
	assert_int_equal(pr.sessions, 5);
	near(pr.var, 0.052269853228492556);
	near(pr.df, 2.807955629587273);
	near(pr.var_within, 0.00564291929598509);
	near(pr.den, pr.var * pr.var / pr.df);
}

/*
 * Too little to know a level: one kernel's two sessions (1 degree of
 * freedom between them) leave it unknown; three sessions give it.  A
 * level estimated at 0 from sessions that agree still widens the
 * interval by its uncertainty (degrees of freedom below the runs' own).
 */
static void test_nest_pool_small(void **state)
{
	static const unsigned n[] = { 4, 4, 4 };
	static const double m2[] = { 10.0, 12.0 }, m3[] = { 10.0, 10.05, 9.95 }, sd[] = { 1, 1, 1 };
	static const double base[] = { 100, 104, 98, 101, 103 }, head[] = { 106, 103, 109, 105, 107, 104 };
	static const unsigned bs[] = { 0, 0, 0, 0, 0 }, hs[] = { 1, 1, 1, 1, 1, 1 };
	struct nest_pool p = NEST_POOL_INIT;
	struct nest_prior pr;
	struct nest_prior_result r;
	struct cmp_result c;

	(void)state;
	nest_pool_add(&p, n, m2, sd, 2);
	nest_pool_prior(&p, &pr);
	assert_true(isnan(pr.var));
	assert_int_equal(pr.kernels, 1);
	memset(&p, 0, sizeof(p));
	nest_pool_add(&p, n, m3, sd, 3);
	nest_pool_prior(&p, &pr);
	assert_true(pr.var == 0 && pr.den > 0 && pr.df == 2);
	assert_int_equal(nest_compare_prior(base, bs, 5, head, hs, 6, NULL, &pr, &r), 0);
	assert_int_equal(cmp_compare(base, 5, head, 6, NULL, &c), 0);
	assert_true(r.cmp.log_df < c.log_df);
	assert_true(r.cmp.ci_lo_pct < c.ci_lo_pct && r.cmp.ci_hi_pct > c.ci_hi_pct);
}

/*
 * The interval and p against scipy.stats.t (Debian 12's /usr/bin/python3):
 * the same formulas in numpy, base in two sessions, head in one.
 */
static void test_nest_prior_scipy(void **state)
{
	static const double base[] = { 100, 104, 98, 101, 110, 108, 112 };
	static const unsigned bs[] = { 1, 1, 1, 1, 2, 2, 2 };
	static const double head[] = { 106, 103, 109, 105, 107 };
	static const unsigned hs[] = { 5, 5, 5, 5, 5 };
	struct nest_prior pr = { .var = 0.0025, .df = 12 };
	struct nest_prior_result r;
	struct cmp_params par = CMP_PARAMS_INIT;

	(void)state;
	par.threshold_pct = 1;
	assert_int_equal(nest_compare_prior(base, bs, 7, head, hs, 5, &par, &pr, &r), 0);
	assert_int_equal(r.sessions_base, 2);
	assert_int_equal(r.sessions_head, 1);
	near(r.cmp.ci_lo_pct, -11.600538134871178);
	near(r.cmp.ci_hi_pct, 15.917829348619328);
	near(r.cmp.log_df, 12.997729310652105);
	near(r.cmp.welch.p, 0.8487442944322803);
	assert_int_equal(r.cmp.verdict, CMP_INCONCLUSIVE);
	/* a level of 5% with the base's two sessions: more head sessions cannot resolve 1% */
	assert_true(r.base_limits);
	assert_int_equal(r.head_sessions_needed, 0);
	assert_true(r.floor_pct > 5 && r.session_share > 0.5 && r.session_share < 1);
	/* a prior that is not one */
	pr.var = -1;
	assert_int_equal(nest_compare_prior(base, bs, 7, head, hs, 5, &par, &pr, &r), -EINVAL);
	pr.var = 0.01;
	pr.df = 0;
	assert_int_equal(nest_compare_prior(base, bs, 7, head, hs, 5, &par, &pr, &r), -EINVAL);
	assert_int_equal(nest_compare_prior(base, bs, 7, head, hs, 5, &par, NULL, &r), -EINVAL);
}

/* With no session level and one session a side, it is cmp_compare()'s interval. */
static void test_nest_prior_zero(void **state)
{
	static const double base[] = { 100, 104, 98, 101, 103 }, head[] = { 106, 103, 109, 105, 107, 104 };
	static const unsigned bs[] = { 0, 0, 0, 0, 0 }, hs[] = { 1, 1, 1, 1, 1, 1 };
	struct nest_prior pr = { .var = 0, .df = 3 };
	struct nest_prior_result r;
	struct cmp_result c;

	(void)state;
	assert_int_equal(nest_compare_prior(base, bs, 5, head, hs, 6, NULL, &pr, &r), 0);
	assert_int_equal(cmp_compare(base, 5, head, 6, NULL, &c), 0);
	near(r.cmp.ci_lo_pct, c.ci_lo_pct);
	near(r.cmp.ci_hi_pct, c.ci_hi_pct);
	near(r.cmp.log_df, c.log_df);
	near(r.floor_pct, 0);
	assert_int_equal(r.cmp.verdict, c.verdict);
}

static uint64_t sim_state = 88172645463325252ULL;

static double sim_normal(void)
{
	double u, v;

	sim_state ^= sim_state << 13, sim_state ^= sim_state >> 7, sim_state ^= sim_state << 17;
	u = ((sim_state >> 11) + 0.5) / 9007199254740992.0;
	sim_state ^= sim_state << 13, sim_state ^= sim_state >> 7, sim_state ^= sim_state << 17;
	v = ((sim_state >> 11) + 0.5) / 9007199254740992.0;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* one session of r runs at a level of sd tau around mu, runs of sd sigma around it */
static void sim_session(double *v, unsigned *lab, unsigned label, size_t r, double mu, double tau,
			double sigma)
{
	double level = mu * (1 + tau * sim_normal());
	size_t i;

	for (i = 0; i < r; i++) {
		v[i] = level * (1 + sigma * sim_normal());
		lab[i] = label;
	}
}

/*
 * Sessions that settle at their own level (sd 10% of the mean, runs 2%
 * around it), one session of 8 runs a side: Welch on the runs calls many
 * A/A pairs regressions; with the level estimated from a history of 30
 * kernels of two sessions each, at most about alpha do, and a change far
 * beyond the level is still found.
 */
static void test_nest_prior_simulated(void **state)
{
	enum { PAIRS = 2000, R = 8 };
	double v[2][R], hist[2][R];
	unsigned lab[2][R], hl[2][R];
	struct nest_pool pool = NEST_POOL_INIT;
	struct nest_prior pr;
	unsigned welch_regr = 0, prior_regr = 0, found = 0, i, j;

	(void)state;
	for (i = 0; i < 30; i++) {
		unsigned n[2] = { R, R };
		double m[2], sd[2];

		for (j = 0; j < 2; j++) {
			struct stats_like { double s, ss; } a = { 0, 0 };
			size_t k;

			sim_session(hist[j], hl[j], j, R, 1000, 0.10, 0.02);
			for (k = 0; k < R; k++)
				a.s += hist[j][k];
			m[j] = a.s / R;
			for (k = 0; k < R; k++)
				a.ss += (hist[j][k] - m[j]) * (hist[j][k] - m[j]);
			sd[j] = sqrt(a.ss / (R - 1));
		}
		nest_pool_add(&pool, n, m, sd, 2);
	}
	nest_pool_prior(&pool, &pr);
	assert_true(pr.var > 0.004 && pr.var < 0.025); /* 0.01, estimated from 30 */
	for (i = 0; i < PAIRS; i++) {
		struct nest_prior_result r;
		struct cmp_result c;
		struct cmp_params par = CMP_PARAMS_INIT;

		sim_session(v[0], lab[0], 0, R, 1000, 0.10, 0.02);
		sim_session(v[1], lab[1], 1, R, 1000, 0.10, 0.02);
		assert_int_equal(cmp_compare(v[0], R, v[1], R, &par, &c), 0);
		assert_int_equal(nest_compare_prior(v[0], lab[0], R, v[1], lab[1], R, &par, &pr, &r), 0);
		welch_regr += c.verdict == CMP_REGRESSION;
		prior_regr += r.cmp.verdict == CMP_REGRESSION;
		/* the head 60% slower: beyond the level's noise */
		for (j = 0; j < R; j++)
			v[1][j] *= 1.6;
		assert_int_equal(nest_compare_prior(v[0], lab[0], R, v[1], lab[1], R, &par, &pr, &r), 0);
		found += r.cmp.verdict == CMP_REGRESSION || r.cmp.verdict == CMP_SIGNIFICANT;
	}
	print_message("A/A regressions: runs %u/%d, sessions %u/%d; +60%% found %u/%d\n", welch_regr,
		      PAIRS, prior_regr, PAIRS, found, PAIRS);
	assert_true(welch_regr > PAIRS / 5);
	assert_true(prior_regr <= PAIRS / 100);	/* alpha is 1%, and a regression also needs the budget */
	assert_true(found > PAIRS / 2);
}

/*
 * The same with the least history that gives a level (two kernels of two
 * sessions each), drawn afresh for every pair: its estimate is often far
 * off, and sometimes 0, yet false regressions and gains stay near alpha.
 */
static void test_nest_prior_small_history(void **state)
{
	enum { PAIRS = 2000, R = 8 };
	double v[2][R], hist[2][R];
	unsigned lab[2][R], hl[2][R], false_calls = 0, zero = 0, unknown = 0, i, j, kk;

	(void)state;
	for (i = 0; i < PAIRS; i++) {
		struct nest_pool pool = NEST_POOL_INIT;
		struct nest_prior pr;
		struct nest_prior_result r;

		for (kk = 0; kk < 2; kk++) {
			unsigned n[2] = { R, R };
			double m[2], sd[2];

			for (j = 0; j < 2; j++) {
				double s1 = 0, s2 = 0;
				size_t k;

				sim_session(hist[j], hl[j], j, R, 1000, 0.10, 0.02);
				for (k = 0; k < R; k++)
					s1 += hist[j][k];
				m[j] = s1 / R;
				for (k = 0; k < R; k++)
					s2 += (hist[j][k] - m[j]) * (hist[j][k] - m[j]);
				sd[j] = sqrt(s2 / (R - 1));
			}
			nest_pool_add(&pool, n, m, sd, 2);
		}
		nest_pool_prior(&pool, &pr);
		if (!isfinite(pr.var)) {
			unknown++;
			continue;
		}
		zero += pr.var == 0;
		sim_session(v[0], lab[0], 0, R, 1000, 0.10, 0.02);
		sim_session(v[1], lab[1], 1, R, 1000, 0.10, 0.02);
		assert_int_equal(nest_compare_prior(v[0], lab[0], R, v[1], lab[1], R, NULL, &pr, &r), 0);
		false_calls += r.cmp.verdict == CMP_REGRESSION || r.cmp.verdict == CMP_GAIN;
	}
	print_message("two kernels of two sessions: false regressions or gains %u/%d (level 0 in %u)\n",
		      false_calls, PAIRS, zero);
	assert_int_equal(unknown, 0);
	assert_true(false_calls <= PAIRS * 3 / 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nest_anova),
		cmocka_unit_test(test_nest_anova_edges),
		cmocka_unit_test(test_nest_compare),
		cmocka_unit_test(test_nest_pool),
		cmocka_unit_test(test_nest_prior_scipy),
		cmocka_unit_test(test_nest_prior_zero),
		cmocka_unit_test(test_nest_prior_simulated),
		cmocka_unit_test(test_nest_pool_small),
		cmocka_unit_test(test_nest_prior_small_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
