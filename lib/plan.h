/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_PLAN_H
#define FW_PLAN_H

#include <stddef.h>

#include "lib/cmp.h"

/*
 * Planning the runs of a case: how many iterations per run and how many
 * runs buy the narrowest interval in the time a case may take
 * (plan_allocate), how many runs a width needs (plan_runs_for), whether a
 * case has enough runs to decide against its budget (plan_stop), and the
 * two-stage procedure of a time budget (plan_pilot), for `forkwatch bench
 * --time-budget`, `forkwatch calibrate` and the server's "has enough runs
 * to decide".
 *
 * The model (lib/cmp.h, cmp_components()): iteration j of run i of a case
 * takes y_ij = mu + a_i + e_ij, a_i the run's own level (variance
 * var_between, what a fresh process, its memory and its CPUs settle at)
 * and e_ij the noise inside the run (var_within).  The per-run mean of m
 * iterations then varies from run to run by
 *
 *   v(m) = var_between + var_within / m
 *
 * and more iterations reduce only the second term.  A run costs c_run
 * seconds of its own (a fresh process, populating the region, the warm-up
 * iterations) and c_iter per measured iteration (for fork the fork, the
 * child's exit and its reaping; for munmap the unmap and the populate
 * before it), so r runs of m iterations take T = r (c_run + m c_iter).
 *
 * The comparison of two kernels measured alike, r runs a side, has on the
 * log of the ratio of the means (cmp_compare()) a standard error of
 * sqrt(2 v(m) / r) / mu and Welch's degrees of freedom 2 (r - 1), so its
 * interval reaches
 *
 *   h(m, r) = t_{(1+level)/2, 2(r-1)} sqrt(2 v(m) / r) / mu
 *
 * either side of ln ratio, which in percent is 100 (exp(h) - 1) at most.
 * For a time T, r = T / (c_run + m c_iter) and h^2 is proportional to
 * t^2 v(m) (c_run + m c_iter) / T; without t's dependence on r this is
 * smallest at
 *
 *   m* = sqrt((var_within / var_between) (c_run / c_iter))
 *
 * the classical optimum of two-stage sampling (Cochran, Sampling
 * Techniques, 3rd ed., chapter 10; Kalibera & Jones, Rigorous Benchmarking
 * in Reasonable Time, ISMM 2013): when runs settle at their own levels
 * (var_between large) or runs are cheap, many short runs beat a few long
 * ones.  plan_allocate() searches the integers with t's df and whole runs
 * counted, which moves the optimum a little (t towards more runs).
 *
 * Nothing here allocates or logs; the functions that can fail return 0 or
 * a negative errno, the others say what they return for input out of
 * range.
 */

/* What a run and an iteration of a case cost, in seconds. */
struct plan_costs {
	double run_s;		/* >= 0: a fresh process, populate, warm-up */
	double iter_s;		/* > 0: one measured iteration */
};

/* The bounds of a plan. */
struct plan_limits {
	unsigned min_runs;	/* >= 3, a verdict's minimum */
	unsigned max_runs;
	unsigned min_iterations;	/* >= 1 */
	unsigned max_iterations;
};

/* 5 runs (stopping needs a few to know the spread), --runs' own limit (bench.h) */
#define PLAN_LIMITS_INIT { .min_runs = 5, .max_runs = 1000, .min_iterations = 1, .max_iterations = 10000 }

/* v(m) of the components: the variance of a per-run mean of m iterations. */
double plan_run_var(const struct cmp_components *vc, double m);

/*
 * The expected half-width h(m, r) above, in percent (100 (exp(h) - 1)), of
 * the comparison of two kernels with these components, r runs of m
 * iterations a side, at the confidence level.  NAN when r < 2 or the
 * components are not estimated.
 */
double plan_half_width_pct(const struct cmp_components *vc, double m, unsigned r, double level);

/*
 * The iterations per run that minimise v(m) (c_run + m c_iter), the
 * variance of a case's mean for a given time: m* above, rounded to
 * whichever neighbouring integer is better and kept within the limits
 * (max_iterations when var_between is 0: then only iterations pay).
 * Returns it, or 0 for components without estimates (NAN var_within or
 * var_between) or costs out of range.
 */
unsigned plan_iterations(const struct cmp_components *vc, const struct plan_costs *cost,
			 const struct plan_limits *lim);

/*
 * For a case that may take seconds: the iterations per run m and runs r,
 * r = floor(seconds / (c_run + m c_iter)) within the limits, that give the
 * smallest h(m, r), by search over every m from min_iterations until r
 * falls below min_runs (h is evaluated with the exact t quantile; ties go
 * to more runs).  lim may be NULL for PLAN_LIMITS_INIT.
 *
 * Returns 0; -EINVAL for components without estimates, costs, seconds or a
 * level out of range; -ERANGE when not even min_runs runs of
 * min_iterations fit in seconds (out then holds that plan, with the
 * seconds it needs).
 */
struct plan_alloc {
	unsigned iterations;	/* per run, m */
	unsigned runs;		/* r */
	double seconds;		/* r (c_run + m c_iter) */
	double half_width_pct;	/* h(m, r) in percent */
	double m_opt;		/* m*, continuous (INFINITY when var_between is 0) */
};

int plan_allocate(const struct cmp_components *vc, const struct plan_costs *cost, double seconds,
		  double level, const struct plan_limits *lim, struct plan_alloc *out);

/*
 * The fewest runs a side, from min_runs, whose h(m, r) is at most
 * target_pct; 0 when even max_runs do not reach it, or for components,
 * m or a target out of range.  With the time of a run this is what a
 * calibration reports ("N runs resolve +-1%").
 */
unsigned plan_runs_for(const struct cmp_components *vc, double m, double target_pct, double level,
		       const struct plan_limits *lim);

/*
 * Whether a case has runs enough to decide against its budget, from its
 * per-run values so far (one per finished run: the per-run statistic, as
 * cmp_compare() takes them): the server's "has enough runs to decide" and
 * "wants N more runs".  It looks at the width of the interval only, never
 * at the change or a p-value: how wide an interval is does not depend on
 * where it lies, so stopping on it favours no verdict.
 *
 * Called after every run as a stopping rule it is not exact, though: the
 * spread that lets it stop is the spread the comparison then divides by,
 * and stopping on the first few runs that happen to agree makes Welch's t
 * a little too large.  Simulated (A/A, normal runs, run sd 3% to 15% of the
 * mean, a 5% target half-width, the defaults; 6000 pairs each), Welch's p
 * fell below 0.05 in 5.5-7.7% of the comparisons and below 0.01 in
 * 1.2-2.0%, the intervals covered in 92-95%; the inflation shrinks as the
 * runs needed grow.  Looking at the p-value after every run instead makes
 * it 20-25% at 0.05 (test_plan.c prints both).  A false regression needs
 * the interval past the budget, which this rule keeps at half its width,
 * so those stay rare either way.  plan_pilot() is the exact procedure;
 * the server's looks come an upload (a boot's batch of runs) at a time.
 *
 * The interval to be narrow enough is that of the comparison this case
 * will be part of: with base NULL, against a kernel measured the same way
 * (the same spread and as many runs), else against base[0, nb) itself (the
 * server's "has enough runs to decide").  Its projected half-width, on the
 * log scale as in cmp_compare(),
 *
 *   h = t_{(1+level)/2, df} sqrt(cv_u^2 / n + cv_ub^2 / nb)
 *
 * with cv = sd / mean of a side's per-run values and df Welch's, is
 * compared with target = ln(1 + width_frac budget_pct / 100).  cv_u is an
 * upper confidence bound of cv, cv sqrt((n - 1) / chi2_{1 - sd_confidence,
 * n - 1}) (the chi-square quantile by Wilson and Hilferty's approximation,
 * within about 1% for 2 or more df): with a handful of runs the sample
 * spread is often well below the true one, and a rule on the plain sample
 * spread stops early on exactly those lucky few (the simulation shows it).
 *
 * Why a half-width of half the budget by default: an interval of half-width
 * h about an estimate e decides "unchanged" when |e| + h <= budget and
 * "regression" or "gain" when |e| - h > budget; with h = budget / 2 a
 * kernel that changed nothing is called unchanged about 95% of the time
 * (|e| < h), and one that changed by twice the budget is called a
 * regression as often.  A half-width of the whole budget could never call
 * anything unchanged.
 *
 * Stops (stop = 1) with reason PLAN_PRECISE when n >= min_runs and
 * h <= target, with PLAN_MAX_RUNS when n >= max_runs; else PLAN_MORE.
 * runs_more estimates the further runs (per side: added to base too when
 * it is given) that would reach the target at the current spreads
 * (the bounded ones), at least 1 when not stopping; 0 when it cannot be
 * estimated (fewer than 2 runs, a mean <= 0).
 */
struct plan_stop_params {
	double budget_pct;	/* the case's budget: 1 for order-0, 2 for the others */
	double width_frac;	/* target half-width / budget, (0, 1] */
	double level;		/* of the interval, (0, 1) */
	double sd_confidence;	/* of the spread's upper bound, [0.5, 1) */
	unsigned min_runs, max_runs;
};

#define PLAN_STOP_INIT { .budget_pct = 1.0, .width_frac = 0.5, .level = 0.95, \
			 .sd_confidence = 0.9, .min_runs = 5, .max_runs = 1000 }

enum plan_reason {
	PLAN_MORE,		/* not yet */
	PLAN_PRECISE,		/* the interval is narrow enough */
	PLAN_MAX_RUNS,		/* max_runs reached */
};

struct plan_stop {
	int stop;
	enum plan_reason reason;
	size_t runs;			/* finite values of this side */
	double cv, cv_bound;		/* this side's sd / mean, and its upper bound */
	double half_width_pct;		/* projected, 100 (exp(h) - 1); NAN with fewer than 2 runs */
	double target_pct;		/* 100 (exp(target) - 1) */
	size_t runs_more;
};

int plan_stop(const double *v, size_t n, const double *base, size_t nb,
	      const struct plan_stop_params *p, struct plan_stop *out);

/*
 * `--time-budget`: Stein's two-stage procedure for an interval of a fixed
 * width (Stein 1945; the same idea as a fixed-width t interval):
 *
 *   1. a pilot of a few runs of each case (PLAN_PILOT_RUNS) at the default
 *      iterations, interleaved; cmp_components() of their iterations;
 *   2. plan_pilot(): upper confidence bounds (at sd_confidence) of the
 *      pilot's components,
 *        MSB_u = MSB (k - 1) / chi2_{1 - sd_confidence, k - 1}      (k its runs)
 *        var_within_u = MSW (N_p - k) / chi2_{1 - sd_confidence, N_p - k}
 *        var_between_u = max(0, (MSB_u - MSW) / n0)
 *      so v_u(m) = var_between_u + var_within_u / m; the main stage's
 *      iterations per run m from the bounds at PLAN_M_CONFIDENCE
 *      (plan_iterations()) and its runs N, the fewest from lim->min_runs
 *      with
 *        t_{(1+level)/2, 2(N-1)} sqrt(2 v_u(m) / N) / mean <= ln(1 + width_frac budget_pct / 100)
 *      so that the main stage reaches the width with a probability of
 *      about sd_confidence.  (A pilot of 8 runs often cannot tell a small
 *      var_between from 0; m* from the point estimate would then be
 *      enormous and N tiny, and the main stage would meet the runs' own
 *      levels with too few runs to average them: in simulation one pilot
 *      in twenty did.  Long runs are the risky choice, so m is chosen
 *      from the 99% bound: runs somewhat shorter than the optimum cost
 *      little, since v(m) (c_run + m c_iter) is flat near it.)
 *   3. N fresh runs of m iterations of every case, interleaved (or, when
 *      N of every case do not fit in the time left, what plan_allocate()
 *      gives for each case's share of it); only these are compared.
 *
 * The pilot's runs are left out of the comparison: the spread that sized
 * the main stage is then not the spread the comparison divides by, and
 * Welch's test keeps its level exactly (test_plan.c: p < alpha in alpha
 * of A/A comparisons, coverage at the level).  They are not wasted: they
 * are how m is chosen at all, since the components of a case (and so
 * whether many short runs beat a few long ones) are only known by
 * measuring it.  width_frac, sd_confidence and level come from p,
 * min_runs and max_runs from lim (p's are not used here).
 *
 * Returns 0; -EINVAL for pilot components without estimates (fewer than 2
 * runs, or no run with 2 iterations) or parameters out of range; -ERANGE
 * when even max_runs do not reach the width (out then holds max_runs).
 */
#define PLAN_PILOT_RUNS 10
#define PLAN_M_CONFIDENCE 0.99

struct plan_main {
	unsigned iterations;	/* per run, m */
	unsigned runs;		/* N */
	double seconds;		/* N (c_run + m c_iter) */
	double var_bound;	/* v_u(m) */
	double half_width_pct;	/* h(m, N) at the pilot's estimates, in percent */
};

int plan_pilot(const struct cmp_components *pilot, const struct plan_costs *cost,
	       const struct plan_stop_params *p, const struct plan_limits *lim, struct plan_main *out);

/* "more", "precise", "max-runs"; NULL when out of range */
const char *plan_reason_name(enum plan_reason r);

#endif
