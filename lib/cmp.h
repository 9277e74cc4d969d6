/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_CMP_H
#define FW_CMP_H

#include <stddef.h>

/*
 * Comparing a base and a head kernel on one host: the statistics behind a
 * verdict (see "Verdicts" in docs/design.md).
 *
 * The unit of replication is a run, so the inputs are per-run means of one
 * case and metric, typically 8 per side; iterations inside a run are not
 * independent and must not be passed here.  Every function skips
 * non-finite values (a run that did not produce the metric), and the counts
 * it reports are of the values it used.  Nothing here allocates except
 * cmp_mannwhitney() and cmp_compare(), which free what they allocate.
 *
 * The distribution functions, the Welch test and the Mann-Whitney test are
 * checked against scipy 1.10 (Debian 12) by tests/e2e/t0500-stats-scipy.sh.
 */

/* ---- distributions ---- */

/*
 * Regularized incomplete beta function I_x(a, b), a > 0, b > 0, by the
 * continued fraction (modified Lentz) on whichever of x and 1 - x it
 * converges for, in long double.  Against mpmath: within 3e-15 relative
 * for a, b in [0.1, 1e4], tails included, down to where the value
 * underflows.  NAN for a NaN or a non-positive a or b; 0 for x <= 0 and 1
 * for x >= 1.
 */
double cmp_betainc(double a, double b, double x);

/*
 * Student's t distribution with df > 0 degrees of freedom; df may be
 * INFINITY, the standard normal.  cmp_t_cdf(t, df) = P(T <= t), from the
 * incomplete beta function, or for df >= 2000 max(t^4, 81) from the
 * expansion about the normal distribution to 1/df^3; within 1e-15
 * relative of mpmath in both tails for df up to 1e6, about 3e-15 beyond.
 *
 * cmp_t_quantile(p, df) inverts it: the t with P(T <= t) = p, solving for
 * whichever of p, 1 - p and |p - 1/2| is small and exact, by Newton's
 * method on ln t inside a bracket (bisection when a step would leave it);
 * about 1e-15 relative of the root wherever the cdf can tell (near
 * p = 1/2 too).  -INFINITY for p = 0, INFINITY for p = 1 and for a root
 * beyond DBL_MAX (a tiny p with a df below 1), NAN for p outside [0, 1]
 * or a df that is not > 0.
 */
double cmp_t_cdf(double t, double df);
double cmp_t_quantile(double p, double df);

/* The standard normal distribution, the same way. */
double cmp_norm_cdf(double z);
double cmp_norm_quantile(double p);

/* ---- tests ---- */

/*
 * Welch's unequal-variance two-sample t-test of x against y, as
 * scipy.stats.ttest_ind(x, y, equal_var=False): t = (mean_x - mean_y) / se
 * with se = sqrt(var_x / nx + var_y / ny), the Welch-Satterthwaite degrees
 * of freedom, and the two-sided p-value 2 P(T_df > |t|).
 *
 * With fewer than two finite values on a side, t, df, p and se are NAN.
 * When both sides have zero variance df is 1 (scipy's convention; se is 0
 * so df does not matter) and t is +-INFINITY with p 0 if the means differ,
 * NAN with p NAN if they do not.
 */
struct cmp_welch {
	size_t nx, ny;		/* finite values used */
	double mean_x, mean_y;
	double sd_x, sd_y;	/* sample standard deviations (n - 1) */
	double diff;		/* mean_x - mean_y */
	double se;		/* standard error of diff */
	double t;
	double df;
	double p;		/* two-sided */
};

void cmp_welch(const double *x, size_t nx, const double *y, size_t ny, struct cmp_welch *out);

/*
 * Mann-Whitney U test of x against y, two-sided, as
 * scipy.stats.mannwhitneyu(x, y) with its defaults in scipy 1.10
 * (use_continuity=True, method='auto'): the exact null distribution of U
 * (exact = 1) when a sample has 8 values or fewer and no value occurs
 * twice in x and y together; otherwise (exact = 0) the normal
 * approximation with the tie correction and the continuity correction.
 * (That is what scipy's code, _mwu_choose_method, does; its docstring says
 * "less than 8".)  p is clipped to 1, as scipy does.  u is U of x, scipy's
 * statistic: the number of pairs with x > y, ties counting half.
 *
 * Returns 0, or -ENOMEM (out then holds NANs).  An empty side gives p NAN.
 * The exact branch costs O(m^2 n) time and O(m n) memory for sample sizes
 * m <= n; it is only taken with m <= 8.
 */
struct cmp_mwu {
	size_t nx, ny;		/* finite values used */
	double u;
	double p;
	int exact;		/* 1: exact distribution, 0: normal approximation */
};

int cmp_mannwhitney(const double *x, size_t nx, const double *y, size_t ny, struct cmp_mwu *out);

/* ---- verdicts ---- */

enum cmp_verdict {
	CMP_INCONCLUSIVE,
	CMP_UNCHANGED,
	CMP_GAIN,
	CMP_REGRESSION,
};

/* "inconclusive", "unchanged", "gain", "regression"; NULL when out of range */
const char *cmp_verdict_name(enum cmp_verdict v);

/*
 * What a comparison asks.  The metrics are costs (time, counter events per
 * operation): larger is slower.  threshold_pct is the budget in percent of
 * the base mean, applied on both sides: for order-0 the slowdown budget
 * (docs/design.md's default 1%), for a large-folio layout the smallest change
 * worth a verdict.  Whether a layout was expected to gain, and so whether
 * "unchanged" there is a lost gain, is for the caller to decide.
 */
struct cmp_params {
	double threshold_pct;	/* >= 0 */
	double alpha;		/* significance level of the Welch p-value, (0, 1) */
	double level;		/* confidence level of the interval, (0, 1) */
	double power;		/* for the runs estimate, (0, 1) */
};

#define CMP_PARAMS_INIT { .threshold_pct = 1.0, .alpha = 0.01, .level = 0.95, .power = 0.8 }

/*
 * The change from base to head, in percent of the base mean:
 *   change_pct = 100 (mean_head - mean_base) / mean_base
 * and its confidence interval [ci_lo_pct, ci_hi_pct], the Welch interval
 * of the difference of means, diff +- t_{(1+level)/2, df} se, divided by
 * mean_base.  The uncertainty of mean_base as a divisor is ignored, the
 * usual simplification: to first order the half-width is then off by a
 * factor of at most 1 + |change| (about 1 + |change| / 2 when both sides
 * are equally noisy), 1.01 for a 1% change.  A base mean of 0 gives NAN
 * change and bounds.
 *
 * The verdict, in this order:
 *   inconclusive  fewer than 3 finite runs on a side, or a NAN bound;
 *   regression    ci_lo_pct > +threshold_pct and p < alpha
 *                 (slower beyond the budget, and significantly so);
 *   gain          ci_hi_pct < -threshold_pct and p < alpha;
 *   unchanged     -threshold_pct <= ci_lo_pct and ci_hi_pct <= +threshold_pct;
 *   inconclusive  otherwise: the interval straddles a threshold, or lies
 *                 beyond one with p >= alpha.
 * p is the Welch two-sided p-value (welch.p); mw.p, the Mann-Whitney
 * p-value, is reported beside it and decides nothing.
 *
 * runs_needed, for an inconclusive verdict only (0 otherwise): runs per
 * side that would likely decide it, from the usual normal-approximation
 * sample size for a two-sample difference,
 *   n = ((z_{1-a/2} + z_{power}) / d)^2 (sd_base^2 + sd_head^2),
 * where d is the distance of the point estimate to the nearest threshold
 * (in the metric's units) and a = 1 - level; when the point estimate lies
 * beyond a threshold the p < alpha condition is sized too (d = |diff|,
 * a = alpha) and the larger n is taken.  It is at least 3 and at least one
 * more than the larger side has now, and saturates at 1e9.  0 when it
 * cannot be estimated: fewer than 2 runs on a side, a base mean of 0, or a
 * point estimate exactly on a threshold.  With the current stdevs standing
 * in for the true ones this is a guide, not a promise.
 */
struct cmp_result {
	struct cmp_welch welch;	/* x = head, y = base: diff = mean_head - mean_base */
	struct cmp_mwu mw;	/* x = head, y = base */
	double change_pct;
	double ci_lo_pct, ci_hi_pct;
	enum cmp_verdict verdict;
	size_t runs_needed;
};

/*
 * Compare per-run means base[0, nb) and head[0, nh).  params may be NULL
 * for CMP_PARAMS_INIT.  Returns 0, -EINVAL for params out of range, or
 * -ENOMEM; out is untouched on an error.
 */
int cmp_compare(const double *base, size_t nb, const double *head, size_t nh,
		const struct cmp_params *params, struct cmp_result *out);

#endif
