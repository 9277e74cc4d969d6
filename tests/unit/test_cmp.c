// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/cmp.c: the distributions, Welch's and the
 * Mann-Whitney test, and the verdicts.
 *
 * `test_cmp --oracle` instead prints, one JSON line per case, a fixed
 * set of pseudo-random sample pairs with this build's results for them;
 * tests/e2e/t0500-stats-scipy.sh feeds that to tests/stats_oracle.py, which
 * recomputes everything with scipy and compares.
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

#include "lib/cmp.h"

/* cmocka 1.1.5 compares floats only (assert_float_equal); these are doubles */
#define assert_rel(a, b, rel) check_rel(a, b, rel, #a, __LINE__)

static void check_rel(double a, double b, double rel, const char *what, int line)
{
	if (!(fabs(a - b) <= rel * fabs(b)))
		fail_msg("line %d: %s = %.17g, want %.17g (within %g relative, off by %.3g)", line,
			 what, a, b, rel, b ? fabs(a - b) / fabs(b) : fabs(a));
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- distributions ---- */

static void test_betainc(void **state)
{
	static const double xs[] = { 1e-300, 1e-8, 0.01, 0.3, 0.5, 0.77, 0.999, 1 - 1e-12 };
	size_t i;

	(void)state;
	/* reference values from mpmath at 40 digits */
	assert_rel(cmp_betainc(2.5, 7.25, 0.3), 0.6604822735819072218, 1e-14);
	assert_rel(cmp_betainc(0.5, 3, 1e-5), 0.005929231084463544555, 1e-14);
	assert_rel(cmp_betainc(500, 0.5, 0.999), 0.31731044730971736971, 1e-13);
	assert_rel(cmp_betainc(30, 40, 0.2), 8.1435006545699018049e-6, 1e-13);
	assert_rel(cmp_betainc(0.1, 0.2, 0.7), 0.71632698299586116098, 1e-14);
	/* closed forms and symmetries */
	for (i = 0; i < N(xs); i++) {
		double x = xs[i];

		assert_rel(cmp_betainc(3.5, 1, x), pow(x, 3.5), 1e-13);
		assert_rel(cmp_betainc(1, 4.25, x), -expm1(4.25 * log1p(-x)), 1e-13);
		assert_rel(cmp_betainc(2, 3, x) + cmp_betainc(3, 2, 1 - x), 1, 1e-15);
	}
	assert_rel(cmp_betainc(7.3, 7.3, 0.5), 0.5, 1e-15);
	assert_rel(cmp_betainc(4000, 4000, 0.5), 0.5, 1e-14);
	assert_true(cmp_betainc(2, 3, 0) == 0);
	assert_true(cmp_betainc(2, 3, -1) == 0);
	assert_true(cmp_betainc(2, 3, 1) == 1);
	assert_true(isnan(cmp_betainc(0, 3, 0.5)));
	assert_true(isnan(cmp_betainc(2, -1, 0.5)));
	assert_true(isnan(cmp_betainc(2, 3, NAN)));
}

static void test_t_cdf(void **state)
{
	static const double ts[] = { -1e10, -50, -3, -1, -0.01, 0, 1e-8, 0.5, 2, 7, 1e6 };
	size_t i;

	(void)state;
	/* mpmath */
	assert_rel(cmp_t_cdf(-10, 3), 0.0010641995292070750287, 1e-14);
	assert_rel(cmp_t_cdf(-40, 1.5), 0.0014898121954656226832, 1e-14);
	assert_rel(cmp_t_cdf(2.5, 12.3), 0.98625361248002564259, 1e-15);
	assert_rel(cmp_t_cdf(-3, 100000), 0.001350230442032359595, 1e-14);
	assert_rel(cmp_t_cdf(0.001, 5), 0.5003796066139011747, 1e-15);
	assert_rel(cmp_t_cdf(-1e100, 0.5), 3.2070097541422290034e-51, 1e-13);
	/* df = 1 is Cauchy, df = 2 has a closed form */
	for (i = 0; i < N(ts); i++) {
		double t = ts[i];

		if (t <= 0) {
			double r = sqrt(2 + t * t);

			assert_rel(cmp_t_cdf(t, 1), atan2(1, -t) / M_PI, 1e-14);
			/* 1/2 - |t| / (2 r) without the cancellation */
			assert_rel(cmp_t_cdf(t, 2), 1 / (r * (r - t)), 1e-14);
		}
		assert_rel(cmp_t_cdf(t, 1) + cmp_t_cdf(-t, 1), 1, 1e-15);
		assert_rel(cmp_t_cdf(t, 7.5) + cmp_t_cdf(-t, 7.5), 1, 1e-15);
	}
	assert_rel(cmp_norm_cdf(1.96), 0.97500210485177956586, 1e-15);
	assert_rel(cmp_norm_cdf(-20), 2.7536241186062336951e-89, 1e-14);
	assert_rel(cmp_t_cdf(-20, INFINITY), 2.7536241186062336951e-89, 1e-14);
	assert_true(cmp_t_cdf(0, 3) == 0.5);
	assert_true(cmp_t_cdf(-INFINITY, 3) == 0);
	assert_true(cmp_t_cdf(INFINITY, 3) == 1);
	assert_true(isnan(cmp_t_cdf(1, 0)));
	assert_true(isnan(cmp_t_cdf(1, -2)));
	assert_true(isnan(cmp_t_cdf(NAN, 2)));
}

/*
 * t = cmp_t_quantile(p) is within rel of the root: the cdf brackets p
 * between t (1 - rel) and t (1 + rel).  Near p = 1/2 the cdf's absolute
 * error of ~1e-16 is what limits this check, not the quantile, hence the
 * extra term there (the closed forms check the middle more closely).
 */
static void check_quantile(double p, double df, double rel, int line)
{
	double t = cmp_t_quantile(p, df), lo, hi;

	if (p > 0.25 && p < 0.75)
		rel += 2e-16 / fabs(p - 0.5);
	lo = t - rel * fabs(t);
	hi = t + rel * fabs(t);
	if (p < 0.5 ? !(cmp_t_cdf(lo, df) <= p && p <= cmp_t_cdf(hi, df))
		    : !(cmp_t_cdf(-hi, df) <= 1 - p && 1 - p <= cmp_t_cdf(-lo, df)))
		fail_msg("line %d: t_quantile(%.17g, %g) = %.17g is not within %g of the root",
			 line, p, df, t, rel);
}

static void test_t_quantile(void **state)
{
	static const double dfs[] = { 0.3, 0.5, 1, 2, 2.7, 5, 14.2, 100, 1e4, 1e6, 1e12, INFINITY };
	static const double ps[] = { 1e-300, 1e-100, 1e-12, 1e-5, 0.01, 0.025, 0.2, 0.3, 0.49,
				     0.4999999, 0.5000001, 0.6, 0.8, 0.975, 0.995, 1 - 1e-10 };
	size_t i, j;

	(void)state;
	/* the table every statistics book prints, to mpmath's digits */
	assert_rel(cmp_t_quantile(0.975, 1), 12.706204736174693314, 1e-14);
	assert_rel(cmp_t_quantile(0.975, 10), 2.2281388519862742245, 1e-14);
	assert_rel(cmp_t_quantile(0.975, 30), 2.0422724563012378878, 1e-14);
	assert_rel(cmp_t_quantile(0.995, 4), 4.6040948713499920459, 1e-14);
	assert_rel(cmp_t_quantile(0.95, 7.5), 1.875747479211287929, 1e-14);
	assert_rel(cmp_t_quantile(0.975, 1000), 1.9623390808264081039, 1e-14);
	assert_rel(cmp_t_quantile(0.9, 0.5), 10.270324410234510724, 1e-14);
	assert_rel(cmp_t_quantile(0.025, 10), -2.2281388519862742245, 1e-14);
	assert_rel(cmp_norm_quantile(0.975), 1.9599639845400542355, 1e-15);
	assert_rel(cmp_norm_quantile(0.8), 0.84162123357291420518, 1e-15);
	assert_rel(cmp_norm_quantile(1e-10), -6.3613409024040562047, 1e-15);
	assert_rel(cmp_norm_quantile(1e-300), -37.047096299361199237, 1e-15);
	/* closed forms: df = 1 is tan(pi (p - 1/2)), df = 2 is (2p - 1) / sqrt(2p (1 - p)) */
	for (j = 0; j < N(ps); j++) {
		double p = ps[j];

		/* each form where its argument is exact: p - 1/2 near the middle */
		if (p > 0.25 && p < 0.75)
			assert_rel(cmp_t_quantile(p, 1), tan(M_PI * (p - 0.5)), 1e-14);
		else
			assert_rel(cmp_t_quantile(p, 1), p < 0.5 ? -1 / tan(M_PI * p) : 1 / tan(M_PI * (1 - p)), 1e-14);
		assert_rel(cmp_t_quantile(p, 2), (2 * p - 1) / sqrt(2 * p * (1 - p)), 1e-14);
	}
	for (i = 0; i < N(dfs); i++)
		for (j = 0; j < N(ps); j++) {
			double t = cmp_t_quantile(ps[j], dfs[i]);

			if (isinf(t)) /* beyond DBL_MAX: only for a tiny p and df */
				assert_true(dfs[i] < 1 && ps[j] <= 1e-100);
			else
				check_quantile(ps[j], dfs[i], 1e-14, __LINE__);
			if (ps[j] >= 0.5) /* 1 - p is exact: symmetric to the bit */
				assert_true(cmp_t_quantile(1 - ps[j], dfs[i]) == -t);
		}
	assert_true(cmp_t_quantile(0.5, 3) == 0);
	assert_true(cmp_t_quantile(0, 3) == -INFINITY);
	assert_true(cmp_t_quantile(1, 3) == INFINITY);
	assert_true(isnan(cmp_t_quantile(-0.1, 3)));
	assert_true(isnan(cmp_t_quantile(1.5, 3)));
	assert_true(isnan(cmp_t_quantile(0.3, 0)));
	assert_true(isnan(cmp_t_quantile(NAN, 3)));
	assert_true(isnan(cmp_t_quantile(0.3, NAN)));
}

/* ---- Welch ---- */

static void test_welch_by_hand(void **state)
{
	/* means 3 and 6, variances 2.5 and 10: se^2 = 0.5 + 2 and df = 2.5^2 / (0.5^2/4 + 2^2/4) */
	static const double x[] = { 1, 2, 3, 4, 5 }, y[] = { 2, 4, 6, 8, 10 };
	struct cmp_welch w;

	(void)state;
	cmp_welch(x, N(x), y, N(y), &w);
	assert_int_equal(w.nx, 5);
	assert_int_equal(w.ny, 5);
	assert_rel(w.mean_x, 3, 1e-15);
	assert_rel(w.mean_y, 6, 1e-15);
	assert_rel(w.diff, -3, 1e-15);
	assert_rel(w.se, sqrt(2.5), 1e-15);
	assert_rel(w.t, -1.8973665961010275992, 1e-15);
	assert_rel(w.df, 6.25 / 1.0625, 1e-15);
	assert_rel(w.p, 0.10753119493062724041, 1e-14);
	/* swapping the sides flips t and keeps p */
	cmp_welch(y, N(y), x, N(x), &w);
	assert_rel(w.t, 1.8973665961010275992, 1e-15);
	assert_rel(w.p, 0.10753119493062724041, 1e-14);
}

static void test_welch_textbook(void **state)
{
	/* two samples of 15 with similar variances; mpmath's values (scipy 1.10 agrees to 4e-15) */
	static const double a1[] = { 27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1,
				     21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4 };
	static const double a2[] = { 27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0,
				     24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4 };
	struct cmp_welch w;

	(void)state;
	cmp_welch(a1, N(a1), a2, N(a2), &w);
	assert_rel(w.t, -2.4553563982860044866, 1e-14);
	assert_rel(w.df, 24.988529290231414394, 1e-14);
	assert_rel(w.p, 0.021378001462867059915, 1e-13);
}

static void test_welch_degenerate(void **state)
{
	static const double c5[] = { 5, 5, 5 }, c7[] = { 7, 7, 7, 7 }, v[] = { 1, 2, 4 };
	static const double nf[] = { NAN, 1, INFINITY, 2, -INFINITY, 4, NAN };
	static const double one[] = { 3, NAN };
	struct cmp_welch w, w2;

	(void)state;
	/* both constant and equal: nothing to test */
	cmp_welch(c5, N(c5), c5, N(c5), &w);
	assert_true(w.diff == 0 && w.se == 0 && w.df == 1);
	assert_true(isnan(w.t) && isnan(w.p));
	/* both constant, different: certain */
	cmp_welch(c5, N(c5), c7, N(c7), &w);
	assert_true(w.t == -INFINITY && w.p == 0 && w.df == 1);
	cmp_welch(c7, N(c7), c5, N(c5), &w);
	assert_true(w.t == INFINITY && w.p == 0);
	/* one side constant: df is the other side's n - 1 */
	cmp_welch(c5, N(c5), v, N(v), &w);
	assert_rel(w.df, 2, 1e-15);
	/* non-finite values are skipped */
	cmp_welch(nf, N(nf), c5, N(c5), &w);
	cmp_welch(v, N(v), c5, N(c5), &w2);
	assert_int_equal(w.nx, 3);
	assert_rel(w.t, w2.t, 1e-15);
	assert_rel(w.p, w2.p, 1e-15);
	/* fewer than 2 values on a side */
	cmp_welch(one, N(one), v, N(v), &w);
	assert_int_equal(w.nx, 1);
	assert_rel(w.mean_x, 3, 0);
	assert_true(isnan(w.t) && isnan(w.df) && isnan(w.p) && isnan(w.se));
	cmp_welch(v, N(v), NULL, 0, &w);
	assert_int_equal(w.ny, 0);
	assert_true(isnan(w.p) && isnan(w.mean_y));
}

/* ---- Mann-Whitney ---- */

static void check_mwu(const double *x, size_t nx, const double *y, size_t ny, double u, double p,
		      int exact, int line)
{
	struct cmp_mwu m;

	if (cmp_mannwhitney(x, nx, y, ny, &m))
		fail_msg("line %d: cmp_mannwhitney failed", line);
	if (m.u != u || m.exact != exact || !(fabs(m.p - p) <= 1e-14 * p))
		fail_msg("line %d: u %g p %.17g exact %d, want u %g p %.17g exact %d", line, m.u, m.p,
			 m.exact, u, p, exact);
}

static void test_mannwhitney(void **state)
{
	/* scipy's docstring example: ages at diagnosis, males and females */
	static const double males[] = { 19, 22, 16, 29, 24 }, females[] = { 20, 11, 17, 12 };
	/* ties: midranks 1, 3, 3, 3, 6, 6, 6, 8, 9; U1 = 13 - 10 = 3, tie term 24 + 24 */
	static const double tx[] = { 1, 2, 2, 3 }, ty[] = { 2, 3, 3, 4, 5 };
	static const double hi8[] = { 9, 10, 11, 12, 13, 14, 15, 16 }, lo8[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const double odd9[] = { 1, 3, 5, 7, 9, 11, 13, 15, 17 };
	static const double even9[] = { 2, 4, 6, 8, 10, 12, 14, 16, 18 };
	static const double big9[] = { 1.5, 2.5, 3.5, 10, 11, 12, 13, 14, 15 }, small3[] = { 4, 5, 6 };
	static const double same[] = { 5, 5, 5, 5 };
	static const double nf[] = { NAN, 19, 22, INFINITY, 16, 29, 24 };
	struct cmp_mwu m;

	(void)state;
	check_mwu(males, N(males), females, N(females), 17, 0.1111111111111111, 1, __LINE__);
	check_mwu(females, N(females), males, N(males), 3, 0.1111111111111111, 1, __LINE__);
	check_mwu(nf, N(nf), females, N(females), 17, 0.1111111111111111, 1, __LINE__);
	/* normal approximation with the tie correction, because of the ties */
	check_mwu(tx, N(tx), ty, N(ty), 3, 0.09934224785346528, 0, __LINE__);
	/* complete separation, exact: 2 / binom(16, 8) */
	check_mwu(hi8, N(hi8), lo8, N(lo8), 64, 2.0 / 12870, 1, __LINE__);
	/* both sides above 8: the normal approximation, even without ties */
	check_mwu(odd9, N(odd9), even9, N(even9), 36, 0.7239320396139757, 0, __LINE__);
	/* one side of 8 or fewer: exact */
	check_mwu(big9, N(big9), small3, N(small3), 18, 0.48181818181818176, 1, __LINE__);
	/* all equal: scipy's z is -inf, p clips to 1 */
	check_mwu(same, N(same), same, 3, 6, 1, 0, __LINE__);
	/* an empty side */
	assert_int_equal(cmp_mannwhitney(males, N(males), nf, 1, &m), 0);
	assert_true(isnan(m.p) && m.ny == 0);
}

/* ---- verdicts ---- */

/* per-run means of a base kernel: mean 100, sd about 0.26 */
static const double base8[] = { 100.0, 100.4, 99.6, 100.2, 99.8, 100.1, 99.9, 100.0 };

static void shifted(double *out, double add, double mul)
{
	size_t i;

	for (i = 0; i < N(base8); i++)
		out[i] = base8[i] * mul + add;
}

static enum cmp_verdict verdict_of(const double *head, size_t nh, const struct cmp_params *par,
				   struct cmp_result *r)
{
	assert_int_equal(cmp_compare(base8, N(base8), head, nh, par, r), 0);
	return r->verdict;
}

/* ln of the interval's bounds about ln ratio: the log-ratio interval is symmetric there */
static void check_log_symmetric(const struct cmp_result *r)
{
	double l = log(r->ratio);

	assert_rel(log1p(r->ci_hi_pct / 100) - l, l - log1p(r->ci_lo_pct / 100), 1e-9);
}

static void test_verdicts(void **state)
{
	double head[N(base8)];
	struct cmp_result r;
	struct cmp_mwu m;

	(void)state;
	/* 5% slower, tightly: beyond the 1% budget */
	shifted(head, 5, 1);
	assert_int_equal(verdict_of(head, N(head), NULL, &r), CMP_REGRESSION);
	assert_rel(r.change_pct, 5, 1e-12);
	assert_rel(r.ratio, 1.05, 1e-14);
	assert_true(r.ci_lo_pct > 1 && r.ci_lo_pct < 5 && r.ci_hi_pct > 5);
	check_log_symmetric(&r);
	assert_true(r.welch.p < 1e-10);
	assert_int_equal(r.runs_needed, 0);
	/* the Mann-Whitney p rides along, head against base */
	assert_int_equal(cmp_mannwhitney(head, N(head), base8, N(base8), &m), 0);
	assert_rel(r.mw.p, m.p, 0);
	assert_int_equal(r.mw.exact, 0); /* base8 has a tie */

	/* 10% faster */
	shifted(head, 0, 0.9);
	assert_int_equal(verdict_of(head, N(head), NULL, &r), CMP_GAIN);
	assert_rel(r.change_pct, -10, 1e-12);
	assert_true(r.ci_hi_pct < -1);

	/* 0.05% slower: the whole interval is within the budget */
	shifted(head, 0.05, 1);
	assert_int_equal(verdict_of(head, N(head), NULL, &r), CMP_UNCHANGED);
	assert_true(r.ci_lo_pct >= -1 && r.ci_hi_pct <= 1);
	assert_int_equal(r.runs_needed, 0);
	/* ... but not within a budget of 0.1% */
	{
		struct cmp_params p = CMP_PARAMS_INIT;

		p.threshold_pct = 0.1;
		assert_int_equal(verdict_of(head, N(head), &p, &r), CMP_INCONCLUSIVE);
	}
}

/*
 * The log-ratio interval: by hand in numpy with the t quantile from scipy's
 * t.sf inverted by brentq (scipy 1.10's own t.ppf(0.975, 6) is 1e-9 off);
 * bounded by -100%; reciprocal when base and head swap.
 */
static void test_log_ratio(void **state)
{
	static const double b4[] = { 10, 12, 11, 13 }, h4[] = { 5, 6, 5.5, 6.5 };
	/* the case: a noisy base, a head ten times faster */
	static const double nb[] = { 10, 30, 50, 20 }, nh[] = { 2, 3, 2.5, 3.5 };
	static const double zero[] = { 0, 0, 0, 0 };
	struct cmp_params par = CMP_PARAMS_INIT;
	struct cmp_result r, s;

	(void)state;
	assert_int_equal(cmp_compare(b4, N(b4), h4, N(h4), NULL, &r), 0);
	assert_rel(r.change_pct, -50, 1e-14);
	assert_rel(r.log_se, 0.079380080797850167, 1e-13);
	assert_rel(r.log_df, 6, 1e-13);
	assert_rel(r.ci_lo_pct, -58.826825291952112, 1e-13);
	assert_rel(r.ci_hi_pct, -39.280854154990905, 1e-13);
	assert_int_equal(r.verdict, CMP_GAIN);

	/*
	 * The interval of the difference divided by the base mean would reach
	 * -189%; the ratio's stays above -100%.  p = 0.062: no verdict.
	 */
	assert_int_equal(cmp_compare(nb, N(nb), nh, N(nh), NULL, &r), 0);
	assert_rel(r.change_pct, -90, 1e-14);
	assert_true(100 * (r.welch.diff - cmp_t_quantile(0.975, r.welch.df) * r.welch.se) /
		    r.welch.mean_y < -180);
	assert_rel(r.ci_lo_pct, -96.081961028195181, 1e-13);
	assert_rel(r.ci_hi_pct, -74.477027737696119, 1e-13);
	assert_rel(r.log_df, 3.84, 1e-12);
	assert_rel(r.welch.p, 0.06247229095572112, 1e-12);
	assert_int_equal(r.verdict, CMP_INCONCLUSIVE);
	check_log_symmetric(&r);

	/* swapping base and head gives the reciprocal interval */
	assert_int_equal(cmp_compare(nh, N(nh), nb, N(nb), NULL, &s), 0);
	assert_rel(1 + s.ci_lo_pct / 100, 1 / (1 + r.ci_hi_pct / 100), 1e-13);
	assert_rel(1 + s.ci_hi_pct / 100, 1 / (1 + r.ci_lo_pct / 100), 1e-13);
	assert_rel(s.log_se, r.log_se, 1e-15);

	/* a counter that no longer counts anything: -100%, exactly */
	assert_int_equal(cmp_compare(base8, N(base8), zero, N(zero), NULL, &r), 0);
	assert_true(r.ratio == 0 && r.change_pct == -100);
	assert_true(r.ci_lo_pct == -100 && r.ci_hi_pct == -100);
	assert_int_equal(r.verdict, CMP_GAIN);
	/* ... and nothing on either side: no ratio */
	assert_int_equal(cmp_compare(zero, N(zero), zero, N(zero), NULL, &r), 0);
	assert_true(isnan(r.ratio) && isnan(r.ci_lo_pct) && isnan(r.change_pct));
	assert_int_equal(r.verdict, CMP_INCONCLUSIVE);

	/* a wider level, a wider interval about the same point */
	par.level = 0.99;
	assert_int_equal(cmp_compare(b4, N(b4), h4, N(h4), &par, &s), 0);
	assert_true(s.ci_lo_pct < -58.83 && s.ci_hi_pct > -39.28);
	assert_rel(s.change_pct, -50, 1e-14);
}

static void test_significant_and_inconclusive(void **state)
{
	struct cmp_params par = CMP_PARAMS_INIT;
	double head[N(base8)], z, d, n, cvx, cvy;
	struct cmp_result r;
	size_t i;

	(void)state;
	/*
	 * 1.2% slower with a 0.3% half-width: significantly slower, the estimate
	 * beyond the 1% budget, but the interval straddles +1%: the size is
	 * uncertain
	 */
	shifted(head, 1.2, 1);
	assert_int_equal(verdict_of(head, N(head), NULL, &r), CMP_SIGNIFICANT);
	assert_string_equal(cmp_verdict_name(r.verdict), "significant-size-uncertain");
	assert_true(r.ci_lo_pct < 1 && r.ci_hi_pct > 1 && r.ci_lo_pct > 0);
	assert_true(r.welch.p < 0.01);
	/* runs per side to tell 1.2% from the 1% threshold at 95% with power 0.8, on the log scale */
	z = cmp_norm_quantile(0.975) + cmp_norm_quantile(0.8);
	d = log(r.ratio) - log(1.01);
	cvx = r.welch.sd_x / r.welch.mean_x;
	cvy = r.welch.sd_y / r.welch.mean_y;
	n = z * z * (cvx * cvx + cvy * cvy) / (d * d);
	assert_true(n > 9 && n < 100);
	assert_int_equal(r.runs_needed, (size_t)ceil(n));
	/* the same 1.2% faster: significant the other way */
	shifted(head, -1.2, 1);
	assert_int_equal(verdict_of(head, N(head), NULL, &r), CMP_SIGNIFICANT);
	assert_true(r.change_pct < -1 && r.ci_hi_pct > -1 && r.ci_hi_pct < 0);
	/* with a 2% budget the same interval lies inside: unchanged */
	par.threshold_pct = 2;
	assert_int_equal(verdict_of(head, N(head), &par, &r), CMP_UNCHANGED);
	assert_int_equal(r.runs_needed, 0);

	/* 1.5% slower but ten times noisier: no evidence either way */
	for (i = 0; i < N(head); i++)
		head[i] = 101.5 + 10 * (base8[i] - 100);
	assert_int_equal(verdict_of(head, N(head), NULL, &r), CMP_INCONCLUSIVE);
	assert_true(r.welch.p > 0.01 && r.ci_lo_pct < 1 && r.ci_hi_pct > 1);
	assert_true(r.runs_needed > N(base8));
	/* within the budget, the interval reaching past it: inconclusive even with p < alpha */
	par = (struct cmp_params)CMP_PARAMS_INIT;
	par.threshold_pct = 0.5;
	shifted(head, 0.45, 1);
	assert_int_equal(verdict_of(head, N(head), &par, &r), CMP_INCONCLUSIVE);
	assert_true(r.welch.p < 0.01 && r.ci_hi_pct > 0.5 && r.change_pct < 0.5);

	/* beyond the budget, but not significant at a tiny alpha: ask for more runs */
	par = (struct cmp_params)CMP_PARAMS_INIT;
	shifted(head, 2, 1);
	assert_int_equal(verdict_of(head, N(head), NULL, &r), CMP_REGRESSION);
	par.alpha = 1e-15;
	assert_int_equal(verdict_of(head, N(head), &par, &r), CMP_INCONCLUSIVE);
	assert_true(r.ci_lo_pct > 1 && r.welch.p >= 1e-15);
	assert_int_equal(r.runs_needed, N(base8) + 1); /* the formula wants fewer than we have */

	/* the point estimate exactly on a threshold: no estimate (dyadic values, exact means of 100) */
	{
		static const double b[] = { 100, 100.5, 99.5, 100.25, 99.75, 100, 100.125, 99.875 };
		static const double h[] = { 101, 99, 100, 100, 100.5, 99.5, 100.25, 99.75 };

		par = (struct cmp_params)CMP_PARAMS_INIT;
		par.threshold_pct = 0;
		assert_int_equal(cmp_compare(b, N(b), h, N(h), &par, &r), 0);
		assert_int_equal(r.verdict, CMP_INCONCLUSIVE);
		assert_true(r.change_pct == 0);
		assert_int_equal(r.runs_needed, 0);
	}
}

static void test_too_few_runs(void **state)
{
	static const double two_b[] = { 100, 100.2 }, two_h[] = { 110, 110.2 };
	static const double one_h[] = { NAN, 120, INFINITY };
	struct cmp_result r;

	(void)state;
	/* two runs a side: a p-value and an interval, but no verdict */
	assert_int_equal(cmp_compare(two_b, 2, two_h, 2, NULL, &r), 0);
	assert_int_equal(r.verdict, CMP_INCONCLUSIVE);
	assert_true(r.welch.p < 0.01 && r.ci_lo_pct > 1);
	assert_int_equal(r.runs_needed, 3);
	/* one finite run: no p, no interval, no estimate */
	assert_int_equal(cmp_compare(base8, N(base8), one_h, N(one_h), NULL, &r), 0);
	assert_int_equal(r.verdict, CMP_INCONCLUSIVE);
	assert_int_equal(r.welch.nx, 1);
	assert_true(isnan(r.welch.p) && isnan(r.ci_lo_pct) && isnan(r.ci_hi_pct));
	assert_rel(r.change_pct, 20, 1e-12);
	assert_int_equal(r.runs_needed, 0);
	assert_int_equal(cmp_compare(NULL, 0, NULL, 0, NULL, &r), 0);
	assert_int_equal(r.verdict, CMP_INCONCLUSIVE);
	assert_true(isnan(r.change_pct) && isnan(r.welch.p) && isnan(r.mw.p));
}

static void test_verdict_edges(void **state)
{
	static const double c[] = { 7, 7, 7 }, c2[] = { 8, 8, 8 }, zero[] = { -1, 0, 1 };
	static const double neg[] = { -100, -101, -99, -100 }, neg2[] = { -110, -111, -109, -110 };
	struct cmp_params par = CMP_PARAMS_INIT;
	struct cmp_result r, keep;

	(void)state;
	/* identical constant runs: an interval of [0, 0] is unchanged, even for a 0 budget */
	par.threshold_pct = 0;
	assert_int_equal(cmp_compare(c, 3, c, 3, &par, &r), 0);
	assert_int_equal(r.verdict, CMP_UNCHANGED);
	assert_true(isnan(r.welch.p) && r.ci_lo_pct == 0 && r.ci_hi_pct == 0);
	assert_true(r.log_se == 0);
	/* constant and different: certain */
	assert_int_equal(cmp_compare(c, 3, c2, 3, NULL, &r), 0);
	assert_int_equal(r.verdict, CMP_REGRESSION);
	assert_rel(r.ci_lo_pct, 100.0 / 7, 1e-14);
	assert_rel(r.ci_hi_pct, 100.0 / 7, 1e-14);
	/* a base mean of 0: no percentages */
	assert_int_equal(cmp_compare(zero, 3, c, 3, NULL, &r), 0);
	assert_int_equal(r.verdict, CMP_INCONCLUSIVE);
	assert_true(isnan(r.change_pct) && isnan(r.ci_lo_pct));
	assert_int_equal(r.runs_needed, 0);
	/* a negative mean is no time nor count: a change, but no ratio nor interval */
	assert_int_equal(cmp_compare(neg, N(neg), neg2, N(neg2), NULL, &r), 0);
	assert_rel(r.change_pct, 10, 1e-12);
	assert_true(isnan(r.ratio) && isnan(r.ci_lo_pct) && isnan(r.ci_hi_pct));
	assert_int_equal(r.verdict, CMP_INCONCLUSIVE);
	assert_int_equal(r.runs_needed, 0);
	assert_int_equal(cmp_compare(base8, N(base8), zero, 3, NULL, &r), 0);
	assert_true(isnan(r.ratio) && isnan(r.ci_lo_pct)); /* a head mean of 0 from values of both signs */
	/* parameters out of range leave out alone */
	memset(&keep, 0x5a, sizeof(keep));
	r = keep;
	par = (struct cmp_params)CMP_PARAMS_INIT;
	par.alpha = 0;
	assert_int_equal(cmp_compare(base8, N(base8), base8, N(base8), &par, &r), -EINVAL);
	par = (struct cmp_params)CMP_PARAMS_INIT;
	par.level = 1;
	assert_int_equal(cmp_compare(base8, N(base8), base8, N(base8), &par, &r), -EINVAL);
	par = (struct cmp_params)CMP_PARAMS_INIT;
	par.threshold_pct = -1;
	assert_int_equal(cmp_compare(base8, N(base8), base8, N(base8), &par, &r), -EINVAL);
	par.threshold_pct = NAN;
	assert_int_equal(cmp_compare(base8, N(base8), base8, N(base8), &par, &r), -EINVAL);
	par = (struct cmp_params)CMP_PARAMS_INIT;
	par.power = 0;
	assert_int_equal(cmp_compare(base8, N(base8), base8, N(base8), &par, &r), -EINVAL);
	assert_memory_equal(&r, &keep, sizeof(r));
}

static void test_verdict_names(void **state)
{
	(void)state;
	assert_string_equal(cmp_verdict_name(CMP_GAIN), "gain");
	assert_string_equal(cmp_verdict_name(CMP_REGRESSION), "regression");
	assert_string_equal(cmp_verdict_name(CMP_UNCHANGED), "unchanged");
	assert_string_equal(cmp_verdict_name(CMP_INCONCLUSIVE), "inconclusive");
	assert_string_equal(cmp_verdict_name(CMP_SIGNIFICANT), "significant-size-uncertain");
	assert_null(cmp_verdict_name((enum cmp_verdict)CMP_VERDICTS));
}

/* ---- F and variance components ---- */

static void test_f_sf(void **state)
{
	static const double fs[] = { 1e-8, 0.01, 0.5, 1, 3, 20, 1e4 };
	size_t i;

	(void)state;
	/* scipy.stats.f.sf */
	assert_rel(cmp_f_sf(3.7, 4.5, 11.2), 0.034557727759735007, 1e-13);
	assert_rel(cmp_f_sf(0.2, 30, 7), 0.99922881941489894, 1e-14);
	assert_rel(cmp_f_sf(50, 3, 200), 3.7078652387597335e-24, 1e-12);
	/* closed forms: d1 = 2 is (1 + 2f/d2)^(-d2/2); d2 = 2 is 1 - (d1 f / (d1 f + 2))^(d1/2) */
	for (i = 0; i < N(fs); i++) {
		double f = fs[i];

		assert_rel(cmp_f_sf(f, 2, 7.5), pow(1 + 2 * f / 7.5, -7.5 / 2), 1e-13);
		assert_rel(cmp_f_sf(f, 5, 2), -expm1(2.5 * log(5 * f / (5 * f + 2))), 1e-12);
	}
	assert_true(cmp_f_sf(0, 3, 4) == 1);
	assert_true(cmp_f_sf(-1, 3, 4) == 1);
	assert_true(cmp_f_sf(INFINITY, 3, 4) == 0);
	assert_true(isnan(cmp_f_sf(1, 0, 4)));
	assert_true(isnan(cmp_f_sf(NAN, 3, 4)));
}

static void test_components(void **state)
{
	/* three runs of 4, 3 and 5 iterations; scipy.stats.f_oneway and the formulas by hand */
	static const double g0[] = { 3, 5, 4, 6 }, g1[] = { 7, 9, 8 }, g2[] = { 2, 4, 3, 5, 6 };
	const struct cmp_group g[] = { { g0, 4 }, { g1, 3 }, { g2, 5 } };
	/* a NaN inside, and a run with nothing finite: as if they were not there */
	static const double g1n[] = { 7, NAN, 9, 8 }, none[] = { NAN, INFINITY };
	const struct cmp_group gn[] = { { g0, 4 }, { none, 2 }, { g1n, 4 }, { g2, 5 } };
	/* runs that agree better than their iterations: a negative estimate */
	static const double a0[] = { 1, 9 }, a1[] = { 2, 8 }, a2[] = { 3, 7 };
	const struct cmp_group ga[] = { { a0, 2 }, { a1, 2 }, { a2, 2 } };
	/* balanced: n0 is n; one value per run: no within-run estimate */
	static const double b0[] = { 10, 12 }, b1[] = { 20, 22 }, one0[] = { 5 }, one1[] = { 7 };
	const struct cmp_group gb[] = { { b0, 2 }, { b1, 2 } }, g1v[] = { { one0, 1 }, { one1, 1 } };
	struct cmp_components c, d;

	(void)state;
	cmp_components(g, 3, &c);
	assert_int_equal(c.groups, 3);
	assert_int_equal(c.values, 12);
	assert_rel(c.mean, 62.0 / 12, 1e-15);
	assert_rel(c.ms_between, 16.333333333333332, 1e-14);
	assert_rel(c.ms_within, 1.8888888888888888, 1e-14);
	assert_rel(c.n0, 3.9166666666666665, 1e-14);
	assert_rel(c.var_between, 3.6879432624113471, 1e-13);
	assert_rel(c.var_within, c.ms_within, 0);
	assert_rel(c.icc, c.var_between / (c.var_between + c.var_within), 1e-15);
	assert_rel(c.df_between, 2, 0);
	assert_rel(c.df_within, 9, 0);
	assert_rel(c.f, 8.647058823529413, 1e-14);
	assert_rel(c.p, 0.008030222606958267, 1e-12);
	assert_false(c.negative);
	cmp_components(gn, 4, &d);
	assert_int_equal(d.groups, 3);
	assert_int_equal(d.values, 12);
	assert_rel(d.var_between, c.var_between, 1e-14);
	assert_rel(d.p, c.p, 1e-14);

	cmp_components(ga, 3, &c);
	assert_true(c.negative);
	assert_true(c.var_between_raw < 0 && c.var_between == 0 && c.icc == 0);
	assert_rel(c.var_between_raw, (0 - 58.0 / 3) / 2, 1e-14); /* MSB 0: the means agree exactly */
	assert_true(c.p > 0.9);

	cmp_components(gb, 2, &c);
	assert_rel(c.n0, 2, 1e-15);
	assert_rel(c.var_within, 2, 1e-15);
	assert_rel(c.var_between, (100 - 2) / 2.0, 1e-14);
	cmp_components(g1v, 2, &c);
	assert_true(isnan(c.var_within) && isnan(c.var_between) && isnan(c.f));
	assert_rel(c.ms_between, 2, 1e-15);
	cmp_components(g, 1, &c);
	assert_true(isnan(c.var_between) && isnan(c.ms_between));
	assert_rel(c.var_within, 5.0 / 3, 1e-15);
	cmp_components(NULL, 0, &c);
	assert_int_equal(c.groups, 0);
	assert_true(isnan(c.mean) && isnan(c.var_within));
	/* no noise inside the runs: F is infinite, p 0 (scipy) */
	{
		static const double c0[] = { 1, 1 }, c1[] = { 2, 2 };
		const struct cmp_group gc[] = { { c0, 2 }, { c1, 2 } };

		cmp_components(gc, 2, &c);
		assert_true(isinf(c.f) && c.p == 0 && c.var_within == 0);
		assert_rel(c.var_between, 0.5, 1e-15);
	}
}

/* ---- nested: runs in boots ---- */

static void test_nested(void **state)
{
	/* three boots a side; each boot has its own level, runs agree inside it */
	static const double b0[] = { 100, 100.2, 99.9 }, b1[] = { 104, 104.1, 103.8, 104.2 },
			    b2[] = { 97, 97.1 };
	static const double h0[] = { 101, 101.2, 100.9 }, h1[] = { 105, 105.1 },
			    h2[] = { 98, 98.2, 97.9, 98.1 };
	const struct cmp_group gb[] = { { b0, 3 }, { b1, 4 }, { b2, 2 } };
	const struct cmp_group gh[] = { { h0, 3 }, { h1, 2 }, { h2, 4 } };
	double mb[3], mh[3], flat_b[9], flat_h[9];
	struct cmp_nested_result n;
	struct cmp_result r, flat;
	size_t i, j, k;

	(void)state;
	assert_int_equal(cmp_compare_nested(gb, 3, gh, 3, NULL, &n), 0);
	assert_int_equal(n.unit, CMP_UNIT_BOOT);
	assert_false(n.confounded);
	assert_int_equal(n.boots_base, 3);
	assert_int_equal(n.boots_head, 3);
	/* the same as comparing the boot means */
	for (i = 0, k = 0; i < 3; i++) {
		double s = 0;

		for (j = 0; j < gb[i].n; j++) {
			s += gb[i].v[j];
			flat_b[k++] = gb[i].v[j];
		}
		mb[i] = s / (double)gb[i].n;
	}
	for (i = 0, k = 0; i < 3; i++) {
		double s = 0;

		for (j = 0; j < gh[i].n; j++) {
			s += gh[i].v[j];
			flat_h[k++] = gh[i].v[j];
		}
		mh[i] = s / (double)gh[i].n;
	}
	assert_int_equal(cmp_compare(mb, 3, mh, 3, NULL, &r), 0);
	assert_rel(n.cmp.ci_lo_pct, r.ci_lo_pct, 1e-14);
	assert_rel(n.cmp.ci_hi_pct, r.ci_hi_pct, 1e-14);
	assert_rel(n.cmp.welch.p, r.welch.p, 1e-14);
	assert_int_equal(n.cmp.verdict, r.verdict);
	/* the boots dominate: the runs as units would claim far more precision */
	assert_true(n.base.icc > 0.95 && n.head.icc > 0.95);
	assert_int_equal(cmp_compare(flat_b, 9, flat_h, 9, NULL, &flat), 0);
	assert_true(n.cmp.ci_hi_pct - n.cmp.ci_lo_pct > 2 * (flat.ci_hi_pct - flat.ci_lo_pct));
	assert_int_equal(n.cmp.verdict, CMP_INCONCLUSIVE);

	/* one boot on a side: the runs, flagged */
	assert_int_equal(cmp_compare_nested(gb, 1, gh, 3, NULL, &n), 0);
	assert_int_equal(n.unit, CMP_UNIT_RUN);
	assert_true(n.confounded);
	assert_int_equal(n.boots_base, 1);
	assert_int_equal(n.cmp.welch.ny, 3);
	assert_int_equal(n.cmp.welch.nx, 9);
	assert_int_equal(cmp_compare_nested(NULL, 0, NULL, 0, NULL, &n), 0);
	assert_int_equal(n.cmp.verdict, CMP_INCONCLUSIVE);
	{
		struct cmp_params par = CMP_PARAMS_INIT;

		par.alpha = 2;
		assert_int_equal(cmp_compare_nested(gb, 3, gh, 3, &par, &n), -EINVAL);
	}
}

/* ---- the oracle mode ---- */

/* splitmix64: the same stream on every architecture */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static unsigned rng_below(uint64_t *s, unsigned n)
{
	return (unsigned)(rng_next(s) % n);
}

/* a bell-shaped integer in [-2000, 2000) (a sum of four uniforms), for noise without libm */
static int rng_bell(uint64_t *s)
{
	return (int)(rng_below(s, 1000) + rng_below(s, 1000) + rng_below(s, 1000) +
		     rng_below(s, 1000)) - 2000;
}

static void put_num(double v)
{
	if (isnan(v))
		printf("NaN"); /* Python's json reads these */
	else if (isinf(v))
		printf(v > 0 ? "Infinity" : "-Infinity");
	else
		printf("%.17g", v);
}

static void put_array(const char *key, const double *v, size_t n)
{
	size_t i;

	if (key)
		printf("\"%s\":", key);
	printf("[");
	for (i = 0; i < n; i++) {
		if (i)
			printf(",");
		put_num(v[i]);
	}
	printf("]");
}

#define ORACLE_CASES 200
#define ORACLE_KINDS 10

/*
 * Sample pairs of 2..12 values in ten kinds (case % 10): 0 the same
 * distribution; 1 a 3% shift; 2 small integers, many ties; 3 y a copy of
 * x; 4 x constant; 5 both constant and equal; 6 both constant, different;
 * 7 complete separation (tiny p); 8 fork times in ns with unequal
 * variances; 9 a half-integer grid with y a permuted copy of x but one
 * value.  Values are decimals k / 1000 or multiples of 1/2, printed exactly.
 */
static size_t oracle_sample(uint64_t *s, unsigned kind, int side, double *v, const double *x,
			    size_t nx)
{
	size_t n = 2 + rng_below(s, 11), i;

	for (i = 0; i < n; i++) {
		switch (kind) {
		case 0:
			v[i] = (1000000 + 5 * rng_bell(s)) / 1000.0;
			break;
		case 1:
			v[i] = ((side ? 1030000 : 1000000) + 8 * rng_bell(s)) / 1000.0;
			break;
		case 2:
			v[i] = rng_below(s, 6);
			break;
		case 3:
			if (side) {
				n = nx;
				v[i] = x[i];
			} else {
				v[i] = (50000 + 3 * rng_bell(s)) / 1000.0;
			}
			break;
		case 4:
			v[i] = side ? (5000 + rng_bell(s)) / 1000.0 : 5;
			break;
		case 5:
			v[i] = 2.5;
			break;
		case 6:
			v[i] = side ? 3.25 : 2.5;
			break;
		case 7:
			v[i] = ((side ? 50000 : 0) + rng_bell(s) / 2) / 1000.0;
			break;
		case 8:
			v[i] = (1200000000.0 + (side ? 5000.0 : 1000.0) * rng_bell(s)) / 1000.0;
			break;
		default:
			if (side) {
				n = nx;
				v[i] = x[(i + 1) % nx] + (i == 0 ? 0.5 : 0);
			} else {
				v[i] = rng_below(s, 9) / 2.0;
			}
			break;
		}
		if (i + 1 >= n)
			break;
	}
	return n;
}

/*
 * The variance components of three groups, x cut in two at a random place
 * and y, so that the groups have unequal sizes (1 to 11), and an F tail
 * at a random (f, d1, d2).
 */
static void oracle_anova(uint64_t *s, const double *x, size_t nx, const double *y, size_t ny)
{
	size_t cut = 1 + rng_below(s, (unsigned)nx - 1);
	const struct cmp_group g[] = { { x, cut }, { x + cut, nx - cut }, { y, ny } };
	struct cmp_components c;
	double f, d1, d2;

	cmp_components(g, 3, &c);
	printf("\"groups\":[");
	put_array(NULL, x, cut);
	printf(",");
	put_array(NULL, x + cut, nx - cut);
	printf(",");
	put_array(NULL, y, ny);
	printf("],\"anova\":[");
	put_num(c.f);
	printf(",");
	put_num(c.p);
	printf(",");
	put_num(c.ms_between);
	printf(",");
	put_num(c.ms_within);
	printf(",");
	put_num(c.n0);
	printf(",");
	put_num(c.var_between_raw);
	f = ldexp((double)(1 + rng_below(s, 1000)) / 100, (int)rng_below(s, 8) - 4);
	d1 = (1 + rng_below(s, 400)) / 4.0;
	d2 = (1 + rng_below(s, 400)) / 4.0;
	printf("],\"fsf\":[%.17g,%.17g,%.17g,", f, d1, d2);
	put_num(cmp_f_sf(f, d1, d2));
	printf("]");
}

static int oracle(void)
{
	static const double qs[] = { 0.975, 0.995, 0.9 };
	uint64_t s = 20240501;
	double x[12], y[12];
	unsigned c;
	size_t i;

	for (c = 0; c < ORACLE_CASES; c++) {
		unsigned kind = c % ORACLE_KINDS;
		size_t nx = oracle_sample(&s, kind, 0, x, NULL, 0);
		size_t ny = oracle_sample(&s, kind, 1, y, x, nx);
		double q, df;
		struct cmp_welch w;
		struct cmp_mwu m;
		struct cmp_result r;

		cmp_welch(x, nx, y, ny, &w);
		if (cmp_mannwhitney(x, nx, y, ny, &m) || cmp_compare(y, ny, x, nx, NULL, &r))
			return 1;
		printf("{\"case\":%u,\"kind\":%u,", c, kind);
		put_array("x", x, nx);
		printf(",");
		put_array("y", y, ny);
		printf(",\"t\":");
		put_num(w.t);
		printf(",\"df\":");
		put_num(w.df);
		printf(",\"p\":");
		put_num(w.p);
		printf(",\"mw_u\":");
		put_num(m.u);
		printf(",\"mw_p\":");
		put_num(m.p);
		printf(",\"mw_exact\":%d,\"ci\":[", m.exact);
		/* the comparison of base y and head x at 95% */
		put_num(r.ci_lo_pct);
		printf(",");
		put_num(r.ci_hi_pct);
		printf("],\"lr\":[");
		put_num(r.ratio);
		printf(",");
		put_num(r.log_se);
		printf(",");
		put_num(r.log_df);
		printf("],");
		oracle_anova(&s, x, nx, y, ny);
		printf(",\"ppf\":[");
		/* quantiles at this case's df, and at a random (q, df): tails, middle, tiny df */
		for (i = 0; i < N(qs); i++) {
			printf("[%.17g,", qs[i]);
			put_num(w.df);
			printf(",");
			put_num(cmp_t_quantile(qs[i], w.df));
			printf("],");
		}
		q = (double)((rng_next(&s) >> 11) + 1) / 9007199254740993.0; /* (0, 1) */
		switch (rng_below(&s, 3)) {
		case 0:
			q = ldexp(q, -(int)rng_below(&s, 40)); /* down to 1e-12 */
			break;
		case 1:
			q = 1 - ldexp(q, -(int)rng_below(&s, 30));
			break;
		}
		df = (rng_below(&s, 4) ? 0.25 : 100) * (1 + rng_below(&s, 4000)) / 100.0;
		printf("[%.17g,%.17g,", q, df);
		put_num(cmp_t_quantile(q, df));
		printf("]]}\n");
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_betainc),
		cmocka_unit_test(test_t_cdf),
		cmocka_unit_test(test_t_quantile),
		cmocka_unit_test(test_welch_by_hand),
		cmocka_unit_test(test_welch_textbook),
		cmocka_unit_test(test_welch_degenerate),
		cmocka_unit_test(test_mannwhitney),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_log_ratio),
		cmocka_unit_test(test_significant_and_inconclusive),
		cmocka_unit_test(test_too_few_runs),
		cmocka_unit_test(test_verdict_edges),
		cmocka_unit_test(test_verdict_names),
		cmocka_unit_test(test_f_sf),
		cmocka_unit_test(test_components),
		cmocka_unit_test(test_nested),
	};

	if (argc == 2 && !strcmp(argv[1], "--oracle"))
		return oracle();
	if (argc > 1) {
		fprintf(stderr, "test_cmp: '%s': expected no arguments or --oracle\n", argv[1]);
		return 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
