/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_CHANGEPOINT_H
#define FW_CHANGEPOINT_H

#include <stddef.h>

/*
 * Change points in a series (a host's fork time per kernel, in the order
 * the kernels ran): E-divisive (Matteson and James, 2014) with energy
 * distance (alpha = 1), as performance-testing peers use it.  The best
 * split of a segment maximises
 *   Q(t) = (m n / (m + n)) (2 mean|x - y| - mean|x - x'| - mean|y - y'|)
 * over the segment's left part x (m values) and right part y (n values);
 * its significance is a permutation test: the share of permat random
 * shuffles of the segment whose best Q is at least as large.  Significant
 * splits (p <= alpha) are kept and both sides are searched again, until no
 * segment splits significantly.  The pseudo-random shuffles come from
 * seed: the same series and seed give the same answer.
 */
#define CP_MAX 32

struct cp_params {
	size_t min_size;     /* values on each side of a split, at least 2 */
	unsigned permutations;
	double alpha;
	unsigned long seed;
};

#define CP_PARAMS_INIT { .min_size = 4, .permutations = 199, .alpha = 0.01, .seed = 1 }

struct cp_point {
	size_t index;        /* the first value after the change */
	double q;            /* its statistic */
	double p;            /* its permutation p-value */
	double before, after; /* means of the segments it separates, when found */
};

/*
 * Find the change points of v[0, n) (non-finite values are not allowed).
 * Returns how many (at most max, in index order) or a negative errno.
 */
int cp_find(const double *v, size_t n, const struct cp_params *params, struct cp_point *out,
	    size_t max);

#endif
