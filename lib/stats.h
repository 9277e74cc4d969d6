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

#endif
