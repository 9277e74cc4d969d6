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

#endif
