/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_CMP_H
#define FW_CMP_H

#include <stddef.h>

/*
 * Comparing a base and a head kernel on one host: the statistics behind a
 * verdict (see "Verdicts" in docs/design.md).
 *
 * The unit of replication is a run (or a boot, cmp_compare_nested()), so
 * the inputs of a comparison are per-run means of one case and metric,
 * typically 8 per side; iterations inside a run are not independent and
 * must not be passed there (cmp_components() is where they go).  Every
 * function skips non-finite values (a run that did not produce the
 * metric), and the counts it reports are of the values it used.  Nothing
 * here allocates except cmp_mannwhitney(), cmp_compare() and
 * cmp_compare_nested(), which free what they allocate.
 *
 * The distribution functions, the Welch test, the Mann-Whitney test, the
 * interval of the change and the variance components are checked against
 * scipy 1.10 (Debian 12) by tests/e2e/t0500-stats-scipy.sh.
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

/*
 * The upper tail of Fisher's F distribution with d1, d2 > 0 degrees of
 * freedom, P(F > f) = I_x(d2 / 2, d1 / 2) with x = d2 / (d2 + d1 f), as
 * scipy.stats.f.sf.  1 for f <= 0, NAN for a NaN or a df that is not > 0.
 */
double cmp_f_sf(double f, double d1, double d2);

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

/* ---- variance components ---- */

/* One group of values: the iterations of one run, or the runs of one boot. */
struct cmp_group {
	const double *v;
	size_t n;
};

/*
 * One-way random-effects analysis of variance: value j of group i is
 * y_ij = mu + a_i + e_ij, a_i the group's own level (variance var_between:
 * a run that settles at its own level) and e_ij the noise inside it
 * (variance var_within).  Over the k groups that have a finite value, with
 * n_i finite values each, N = sum n_i, group means m_i and grand mean m:
 *
 *   MSB = sum_i n_i (m_i - m)^2 / (k - 1)
 *   MSW = sum_i sum_j (y_ij - m_i)^2 / (N - k)
 *   n0  = (N - sum_i n_i^2 / N) / (k - 1)       (n_i itself when all are equal)
 *   var_within  = MSW
 *   var_between = (MSB - MSW) / n0
 *
 * the ANOVA (method of moments) estimators, unbiased also for unequal n_i
 * (Searle, Casella & McCulloch, Variance Components, 3.6).  var_between
 * comes out negative when the groups agree better than their own noise
 * predicts; var_between_raw keeps that value, var_between is set to 0 (the
 * usual truncation; its expected value is then slightly above the truth)
 * and negative is set.  F = MSB / MSW with (k - 1, N - k) degrees of
 * freedom and p = P(F > f) test var_between = 0, as scipy.stats.f_oneway.
 * icc = var_between / (var_between + var_within), the share of the
 * variance that is between groups.
 *
 * Iterations inside a run are not independent (drift, autocorrelation):
 * what they add to the variance of a run's mean beyond var_within / n_i
 * is counted in var_between, which is what the allocation in lib/plan.h
 * needs (it is the part that more iterations per run do not reduce).
 *
 * Fewer than two groups, or no group with two values (N - k = 0), leave
 * what cannot be estimated NAN (var_within needs N > k, var_between also
 * k >= 2).  Nothing is allocated.
 */
struct cmp_components {
	size_t groups;		/* k: groups with a finite value */
	size_t values;		/* N: finite values in them */
	double mean;		/* of the values, m */
	double ms_between, ms_within;
	double df_between, df_within;	/* k - 1, N - k */
	double n0;
	double var_between, var_between_raw, var_within;
	int negative;		/* var_between_raw < 0, and var_between set to 0 */
	double icc;
	double f, p;
};

void cmp_components(const struct cmp_group *g, size_t ng, struct cmp_components *out);

/* ---- verdicts ---- */

enum cmp_verdict {
	CMP_INCONCLUSIVE,
	CMP_UNCHANGED,
	CMP_GAIN,
	CMP_REGRESSION,
	CMP_SIGNIFICANT,
};

#define CMP_VERDICTS 5

/*
 * "inconclusive", "unchanged", "gain", "regression",
 * "significant-size-uncertain"; NULL when out of range
 */
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
 *   change_pct = 100 (mean_head - mean_base) / mean_base = 100 (ratio - 1)
 * with ratio = mean_head / mean_base, and its confidence interval
 * [ci_lo_pct, ci_hi_pct], computed on the log of the ratio (the delta
 * method) and mapped back:
 *   L      = ln ratio
 *   a      = sd_head^2 / (n_head mean_head^2),  b = sd_base^2 / (n_base mean_base^2)
 *   log_se = sqrt(a + b)
 *   log_df = (a + b)^2 / (a^2 / (n_head - 1) + b^2 / (n_base - 1))
 *   ci     = 100 (exp(L -+ t_{(1+level)/2, log_df} log_se) - 1)
 * Welch's interval for the relative variances: a time cannot fall by more
 * than 100% (the bound stays above -100%), and swapping base and head
 * gives the reciprocal interval.  Why not Fieller's interval for a ratio:
 * it is exact only for a known variance, which Welch's degrees of freedom
 * are not, and it is unbounded or two disjoint pieces when the base mean is
 * not clearly above 0; for the few percent the means of forkwatch's runs
 * are uncertain by, both agree to first order.  The interval needs both
 * means above 0 (the metrics are times and counts); a head whose every run
 * is 0 (a counter that no longer counts anything) gives ratio 0 and an
 * interval of [-100, -100].  Otherwise it is NAN, and so is ratio.  With no
 * spread on either side log_se is 0 and the interval the point itself.
 *
 * The verdict, in this order:
 *   inconclusive  fewer than 3 finite runs on a side, or a NAN bound;
 *   regression    ci_lo_pct > +threshold_pct and p < alpha
 *                 (slower beyond the budget, and significantly so);
 *   gain          ci_hi_pct < -threshold_pct and p < alpha;
 *   unchanged     -threshold_pct <= ci_lo_pct and ci_hi_pct <= +threshold_pct;
 *   significant   p < alpha and |change_pct| > threshold_pct: a change, and
 *                 the point estimate beyond the budget, but the interval
 *                 still reaches inside it ("significant, size uncertain";
 *                 the sign of change_pct says which way);
 *   inconclusive  otherwise: no evidence either way (the interval straddles
 *                 a threshold with p >= alpha or the estimate inside the
 *                 budget, or lies beyond one with p >= alpha).
 * p is the Welch two-sided p-value of the difference of the means
 * (welch.p); mw.p, the Mann-Whitney p-value, is reported beside it and
 * decides nothing.
 *
 * runs_needed, for an inconclusive or significant verdict only (0
 * otherwise): runs per side that would likely decide it, from the usual
 * normal-approximation sample size for a two-sample difference on the log
 * scale,
 *   n = ((z_{1-a/2} + z_{power}) / d)^2 (cv_base^2 + cv_head^2),
 * where cv is a side's sd / mean, d the distance of ln ratio to the nearest
 * of ln(1 + threshold_pct / 100) and ln(1 - threshold_pct / 100), and
 * a = 1 - level; when the point estimate lies beyond a threshold the
 * p < alpha condition is sized too (on the difference: d = |diff|,
 * a = alpha, sd_base^2 + sd_head^2) and the larger n is taken.  It is at
 * least 3 and at least one more than the larger side has now, and
 * saturates at 1e9.  0 when it cannot be estimated: fewer than 2 runs on a
 * side, no ratio, or a point estimate exactly on a threshold.  With the
 * current stdevs standing in for the true ones this is a guide, not a
 * promise.
 */
struct cmp_result {
	struct cmp_welch welch;	/* x = head, y = base: diff = mean_head - mean_base */
	struct cmp_mwu mw;	/* x = head, y = base */
	double change_pct;
	double ratio;		/* mean_head / mean_base; NAN without an interval */
	double log_se, log_df;	/* of ln ratio */
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

/*
 * The verdict rules above applied to a filled result (welch.nx, welch.ny,
 * welch.p, change_pct and the interval), for comparisons that compute
 * their own interval and p (lib/nest.h's nest_compare_prior()); and the
 * check of params cmp_compare() makes (0 or -EINVAL).
 */
enum cmp_verdict cmp_verdict_of(const struct cmp_result *r, const struct cmp_params *par);
int cmp_check_params(const struct cmp_params *par);

/*
 * Runs from several boots of one kernel are nested in their boots: a boot
 * has its own level too (where the kernel placed its memory, page cache
 * state, which CPUs took which interrupts), and runs of one boot share it.
 * Treating them as independent would count a boot's level, which more
 * runs never average away, as if it did, and make the interval too narrow
 * by up to a factor of sqrt(runs per boot).
 *
 * cmp_compare_nested() takes each side's per-run values grouped by boot
 * (base[i].v[0, base[i].n) are the runs of base boot i) and compares the
 * per-boot means: the mean of a boot's finite per-run values is the unit
 * of replication, Welch's test and the log-ratio interval as in
 * cmp_compare() on them (unit CMP_UNIT_BOOT; runs_needed then counts
 * boots).  This is the summary-measures analysis of a nested design: exact
 * for equal runs per boot, and with unequal ones each boot still counts
 * once, which is the right weight when the boot-to-boot variance
 * dominates and slightly wasteful when it does not; unlike a mixed model it
 * needs no iterative fit, and its degrees of freedom (boots - 1 per side)
 * say honestly how little a few boots know.  It needs two boots on each
 * side; with fewer on either side the boot level cannot be estimated, and
 * the runs are compared as in cmp_compare() (unit CMP_UNIT_RUN) with
 * confounded set: the interval then covers run-to-run noise only, and a
 * boot's own level is taken for the kernel's.  The components of each side
 * (boots as groups of runs, cmp_components()) say how large the boot level
 * is, and lib/plan.h's allocation, with a boot's cost as the cost of a
 * group and a run's as that of a value, how many runs per boot pay.
 *
 * Returns 0, -EINVAL for params out of range, or -ENOMEM; out is untouched
 * on an error.
 */
enum cmp_unit {
	CMP_UNIT_RUN,
	CMP_UNIT_BOOT,
};

struct cmp_nested_result {
	struct cmp_result cmp;		/* of the per-boot means, or of the runs */
	enum cmp_unit unit;
	int confounded;			/* unit run: a side's runs come from one boot */
	size_t boots_base, boots_head;	/* boots with a finite run */
	struct cmp_components base, head; /* boots x runs, each side */
};

int cmp_compare_nested(const struct cmp_group *base, size_t nb, const struct cmp_group *head,
		       size_t nh, const struct cmp_params *params, struct cmp_nested_result *out);

#endif
