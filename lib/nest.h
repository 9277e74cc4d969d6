/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_NEST_H
#define FW_NEST_H

#include <stddef.h>

#include "lib/cmp.h"

/*
 * Runs nested in boots: the variance components of per-run values that
 * come from several boots of one kernel, and a comparison of two kernels
 * whose unit of replication is the boot.
 *
 * forkwatch ab boots a base and a head kernel in turn, N times each, each
 * boot running several runs.  A boot has effects that all of its runs
 * share (where the kernel and the page tables landed in physical memory,
 * how the host placed the vCPUs, what the host did meanwhile), so the runs
 * of one boot are not independent replicates of its kernel.  Pooled as if
 * they were, a boot-to-boot difference reads as a kernel effect, with a
 * confidence it does not deserve.  So the comparison takes each boot's
 * mean of its runs as one value (with equal runs per boot this is the
 * F test of the kernel in the nested analysis of variance, whose error
 * term is the between-boot mean square), and reports the variance
 * components beside it: how much of the spread is boot to boot.
 *
 * Values are per-run statistics (means) and boot[i] labels the boot of
 * v[i]; labels are arbitrary, boots are taken in order of first
 * appearance.  Non-finite values are skipped, as cmp.h's functions do.
 */

#define NEST_MAX_BOOTS 256

/*
 * One-way random-effects analysis of variance of the values by boot:
 *   ms_between = sum n_i (mean_i - mean)^2 / (k - 1)
 *   ms_within  = sum (v - mean_i)^2 / (N - k)
 *   n0 = (N - sum n_i^2 / N) / (k - 1)        (n for equal boots)
 *   var_between = max(0, (ms_between - ms_within) / n0), var_within = ms_within
 *   icc = var_between / (var_between + var_within)
 * and the p-value of the F test of var_between = 0 (F = ms_between /
 * ms_within on k - 1 and N - k degrees of freedom).  Undefined quantities
 * are NAN: ms_between with one boot, ms_within when no boot has two runs.
 */
struct nest_anova {
	size_t boots, runs;      /* boots with a finite value; finite values */
	double mean;             /* of all values */
	double ms_between, ms_within;
	double df_between, df_within;
	double n0;
	double var_between, var_within;
	double icc;
	double p;
};

/* Returns 0, or -E2BIG for more than NEST_MAX_BOOTS boots. */
int nest_anova(const double *v, const unsigned *boot, size_t n, struct nest_anova *out);

/*
 * The mean of each boot's finite values, boots in order of first
 * appearance, into means[0, max).  Returns the number of boots, or
 * -E2BIG when there are more than max.
 */
int nest_boot_means(const double *v, const unsigned *boot, size_t n, double *means, size_t max);

/*
 * Compare head against base with the boot as the unit: cmp_compare() of
 * the boot means (so "runs" in its result count boots, and a verdict needs
 * three boots per side), and each side's analysis of variance.
 */
struct nest_result {
	struct nest_anova base, head;
	size_t nb, nh;           /* boots per side */
	double base_means[NEST_MAX_BOOTS], head_means[NEST_MAX_BOOTS];
	struct cmp_result cmp;
};

/* Returns 0, -E2BIG, or what cmp_compare() returns; out is filled on 0 only. */
int nest_compare(const double *base, const unsigned *base_boot, size_t nb, const double *head,
		 const unsigned *head_boot, size_t nh, const struct cmp_params *params,
		 struct nest_result *out);

/*
 * Sessions with a known level: runs nested in uploads (a lab machine's
 * invocations of forkwatch bench), compared with the upload-to-upload
 * variance taken from the host's other uploads.
 *
 * A session (one invocation, one upload) settles at its own level, and
 * its runs share it: on the 2-vCPU development VM the means of 10-run
 * sessions of one kernel spread 3 to 6 times more than their runs predict
 * (bench/README.md, verdict-quality.sh).  A kernel on a lab machine is
 * usually measured in one session, its base in another, so the runs alone
 * cannot estimate that level, and Welch's test on them takes a
 * session-to-session difference for a kernel's (8 to 28% of replayed A/A
 * pairs called regressions there, per layout and budget).  What can estimate it is the host's history: every
 * kernel the host uploaded more than once.  nest_pool_add() gathers, per
 * kernel, the sessions' summaries (runs, mean and sd of the per-run
 * means), each relative to that kernel's mean, and nest_pool_prior() pools
 * them into a one-way analysis of variance over all kernels (the ANOVA
 * estimator, as nest_anova(), with the kernels' sums of squares and
 * degrees of freedom added up):
 *
 *   var = max(0, (MSB - MSW) / n0)        (relative: a share of the mean, squared)
 *   df  = (MSB - MSW)^2 / (MSB^2 / df_between + MSW^2 / df_within)
 *   den = (MSB^2 / df_between + MSW^2 / df_within) / n0^2
 *
 * (Satterthwaite's degrees of freedom of a difference of mean squares,
 * and den its denominator over var^2: what an estimate of var adds to the
 * denominator of a comparison's degrees of freedom per unit of its
 * weight squared, also when var is truncated to 0, so that a level
 * estimated at 0 from little data still widens the interval as much as
 * one estimated just above 0).  A level needs NEST_PRIOR_MIN_DF between
 * sessions (kernels' sessions minus kernels): with fewer, var is NAN
 * (unknown).
 */
#define NEST_PRIOR_MIN_DF 2

struct nest_pool {
	double ssb, ssw, df_between, df_within, n0_sum;
	unsigned kernels, sessions;
};

struct nest_prior {
	double var;		/* between sessions, relative to the mean squared; NAN: unknown */
	double df;		/* its degrees of freedom */
	double den;		/* Satterthwaite's denominator per unit weight (above); 0 or NAN: var^2 / df */
	double var_within;	/* of a run around its session, relative, for reference */
	unsigned kernels, sessions;	/* that estimated it */
};

#define NEST_POOL_INIT { 0, 0, 0, 0, 0, 0, 0 }

/*
 * One kernel's k sessions: n[i] runs each, the mean and sample sd of their
 * per-run means (sd NAN or ignored when n[i] < 2).  Sessions with no run
 * or a non-finite or non-positive mean are skipped; a kernel left with
 * fewer than two sessions adds nothing.
 */
void nest_pool_add(struct nest_pool *p, const unsigned *n, const double *mean, const double *sd,
		   size_t k);
/* The pooled estimate; var NAN when no kernel had two sessions with runs in them. */
void nest_pool_prior(const struct nest_pool *p, struct nest_prior *out);

/*
 * Compare head against base, each side's per-run values grouped by
 * session (base_sess[i] labels base[i], as nest_compare()), with the
 * sessions' own level var from prior.  On the log of the ratio of the
 * sides' means (the runs' mean, as cmp_compare()), each side's mean has
 * the variance
 *
 *   e + var * sum(n_i^2) / N^2,    e = s_w^2 / (N mean^2)
 *
 * with s_w^2 the spread of its runs around their own session's mean
 * (pooled, N - k degrees of freedom), N its runs and n_i those of session
 * i: the variance of a mean of runs nested in sessions.  (A side whose
 * sessions have one run each has no within spread: its runs' spread
 * around the side's mean, which already holds the sessions' level, is
 * used with N - 1 degrees of freedom and no var term.)  log_se is the root
 * of the sum over both sides, log_df Satterthwaite's over the three
 * estimates (the two spreads and prior->df), the interval
 * L -+ t_{(1+level)/2, log_df} log_se mapped back as in cmp_compare(), and
 * the p-value 2 P(T_log_df > |L| / log_se), which replaces Welch's in
 * cmp.welch (t, df, p; se is log_se times the base mean) and so decides
 * the verdict by cmp_verdict_of(); the rest of cmp.welch (means, sds) and
 * cmp.mw are of the runs.  With var 0 and one session a side this is
 * cmp_compare()'s interval exactly.
 *
 * head_sessions_needed (inconclusive or significant verdicts): the
 * head's sessions in all, of its mean runs per session, that would likely
 * decide with the base as it is (a lab machine adds uploads of the kernel
 * it runs, not of its baseline), from the normal approximation of
 * cmp_compare()'s runs_needed:
 *
 *   k >= z^2 v_h / (d^2 - z^2 V_b)
 *
 * with V_b the variance of the base's mean (e_b plus its var term), v_h
 * that of one head session (var + s_w^2 / (runs per session mean^2)), z
 * and d as in cmp.h.  When even unlimited head sessions cannot (d^2 <=
 * z^2 V_b: the base's own sessions limit the comparison) it is 0 and
 * base_limits is set.  cmp.runs_needed is that many sessions' runs.  With
 * a large var, more runs in a session buy nothing: floor_pct says how far
 * the interval would still reach (in percent, at its current degrees of
 * freedom) with infinitely many runs in each of the sessions it has.
 * session_share is var's part of log_se^2.
 *
 * Returns 0, -EINVAL (params out of range, or a prior with a var that is
 * not >= 0 or a df that is not > 0), -E2BIG or -ENOMEM.
 */
struct nest_prior_result {
	struct cmp_result cmp;
	size_t sessions_base, sessions_head;
	double session_share;
	double floor_pct;
	size_t head_sessions_needed;
	int base_limits;
};

int nest_compare_prior(const double *base, const unsigned *base_sess, size_t nb, const double *head,
		       const unsigned *head_sess, size_t nh, const struct cmp_params *params,
		       const struct nest_prior *prior, struct nest_prior_result *out);

#endif
