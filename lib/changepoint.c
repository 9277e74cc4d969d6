// SPDX-License-Identifier: GPL-2.0
#include "lib/changepoint.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* xorshift64*: reproducible shuffles from a seed */
static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/*
 * The best split of v[0, n) and its Q.  The pairwise sums are updated as
 * each value moves from the right part to the left: O(n^2) per call.
 */
static double best_split(const double *v, size_t n, size_t min_size, size_t *at)
{
	double best = -INFINITY, xx = 0, yy = 0, xy = 0;
	size_t t, i;

	*at = 0;
	for (i = 0; i < n; i++)
		for (t = i + 1; t < n; t++)
			yy += fabs(v[i] - v[t]);
	for (t = 1; t < n; t++) {
		double e = v[t - 1], a = 0, b = 0, m = (double)t, k = (double)(n - t), q;

		for (i = 0; i + 1 < t; i++)
			a += fabs(v[i] - e);
		for (i = t; i < n; i++)
			b += fabs(e - v[i]);
		xx += a;
		yy -= b;
		xy += b - a;
		if (t < min_size || n - t < min_size)
			continue;
		q = m * k / (m + k) *
		    (2 * xy / (m * k) - (t > 1 ? xx / (m * (m - 1) / 2) : 0) -
		     (n - t > 1 ? yy / (k * (k - 1) / 2) : 0));
		if (q > best) {
			best = q;
			*at = t;
		}
	}
	return best;
}

static double mean(const double *v, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i];
	return n ? s / (double)n : NAN;
}

struct seg {
	size_t lo, hi; /* [lo, hi) */
};

int cp_find(const double *v, size_t n, const struct cp_params *params, struct cp_point *out,
	    size_t max)
{
	struct cp_params p = CP_PARAMS_INIT;
	struct seg stack[2 * CP_MAX + 2];
	size_t nstack = 0, found = 0, i;
	uint64_t state;
	double *tmp;

	if (params)
		p = *params;
	if (p.min_size < 2 || p.permutations < 1 || !(p.alpha > 0 && p.alpha < 1))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return -EINVAL;
	tmp = malloc((n ? n : 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	state = p.seed ? p.seed : 1;
	stack[nstack++] = (struct seg){ 0, n };
	while (nstack && found < max && found < CP_MAX) {
		struct seg s = stack[--nstack];
		size_t len = s.hi - s.lo, at, k, r, exceed = 0;
		double q;

		if (len < 2 * p.min_size)
			continue;
		q = best_split(v + s.lo, len, p.min_size, &at);
		memcpy(tmp, v + s.lo, len * sizeof(*tmp));
		for (r = 0; r < p.permutations; r++) {
			size_t dummy;

			for (k = len - 1; k > 0; k--) {
				size_t j = (size_t)(rnd_next(&state) % (k + 1));
				double x = tmp[k];

				tmp[k] = tmp[j];
				tmp[j] = x;
			}
			if (best_split(tmp, len, p.min_size, &dummy) >= q)
				exceed++;
		}
		if ((double)(exceed + 1) / (double)(p.permutations + 1) > p.alpha)
			continue;
		out[found].index = s.lo + at;
		out[found].q = q;
		out[found].p = (double)(exceed + 1) / (double)(p.permutations + 1);
		found++;
		stack[nstack++] = (struct seg){ s.lo, s.lo + at };
		stack[nstack++] = (struct seg){ s.lo + at, s.hi };
	}
	free(tmp);
	/* in index order, with the means on either side between neighbours */
	for (i = 1; i < found; i++) {
		struct cp_point x = out[i];
		size_t j = i;

		while (j > 0 && out[j - 1].index > x.index) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = x;
	}
	for (i = 0; i < found; i++) {
		size_t lo = i ? out[i - 1].index : 0, hi = i + 1 < found ? out[i + 1].index : n;

		out[i].before = mean(v + lo, out[i].index - lo);
		out[i].after = mean(v + out[i].index, hi - out[i].index);
	}
	return (int)found;
}
