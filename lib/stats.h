/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_STATS_H
#define FW_STATS_H

#include <stddef.h>

/*
 * Summary statistics over n doubles.  Non-finite values (a reading that
 * does not exist) are skipped, and n counts only what was used.
 */
struct stats_summary {
	size_t n;
	double mean;
	double stdev; /* sample standard deviation (n - 1); NAN when n < 2 */
	double min;
	double max;
};

void stats_summarize(const double *v, size_t n, struct stats_summary *out);
double stats_mean(const double *v, size_t n);

/*
 * Median of the finite values (NAN when there are none; the mean of the two
 * middle values for an even count).  O(n) expected, allocates a copy.
 */
double stats_median(const double *v, size_t n);

/*
 * Trimmed mean of the finite values, as scipy.stats.trim_mean(v, prop):
 * floor(prop k) of the k values cut from each end, the mean of the rest.
 * prop in [0, 0.5); NAN when there is nothing left or prop is out of
 * range.  O(k log k), allocates a copy (NAN when that fails).
 */
double stats_trimmed_mean(const double *v, size_t n, double prop);

#endif
