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
 * What the best split of one segment needs, made once per segment: its
 * values sorted, their prefix sums, and two Fenwick trees (counts and
 * sums by rank) of the values left of the split.
 */
struct split_ws {
	size_t n;
	double *sorted;   /* [n] */
	double *prefix;   /* [n + 1]: prefix[r] = sorted[0] + ... + sorted[r - 1] */
	double *fcnt, *fsum; /* [n + 1]: Fenwick trees over ranks */
};

static void fen_add(double *f, size_t n, size_t i, double v)
{
	for (i++; i <= n; i += i & -i)
		f[i] += v;
}

/* The sum of ranks [0, i). */
static double fen_sum(const double *f, size_t i)
{
	double s = 0;

	for (; i > 0; i -= i & -i)
		s += f[i];
	return s;
}

/*
 * The best split of the segment whose values are ws->sorted[rank[0]],
 * ..., ws->sorted[rank[n - 1]] (each rank once), and its Q.
 *
 * The pairwise sums are updated as each value e moves from the right part
 * to the left: its distances to the left part (a) and to the right part
 * (b), each a sum of |x - e| = e - x below e and x - e above it, come from
 * the counts and sums of the values ranked below e, in the left part (the
 * Fenwick trees) and in the whole segment (the prefix sums): O(log n) a
 * step, O(n log n) a split (the permutation test makes hundreds of them,
 * so this is what a long series costs).  Ties need no care: equal values
 * are at distance 0 whichever side of e their rank puts them.
 */
static double best_split(const size_t *rank, struct split_ws *ws, size_t min_size, size_t *at)
{
	const size_t n = ws->n;
	const double *sorted = ws->sorted, *prefix = ws->prefix, total = prefix[n];
	double best = -INFINITY, xx = 0, yy = 0, xy = 0, suml = 0;
	size_t t, r;

	*at = 0;
	memset(ws->fcnt, 0, (n + 1) * sizeof(double));
	memset(ws->fsum, 0, (n + 1) * sizeof(double));
	/* all pairs: the value of rank r is above r others and below n - 1 - r */
	for (r = 0; r < n; r++)
		yy += sorted[r] * ((double)r - (double)(n - 1 - r));
	for (t = 1; t < n; t++) {
		double e, cl, sl, cg, sg, a, b, m = (double)t, k = (double)(n - t), q;

		r = rank[t - 1];
		e = sorted[r];
		/* the left part before e joins it: t - 1 values */
		cl = fen_sum(ws->fcnt, r);
		sl = fen_sum(ws->fsum, r);
		cg = (double)(t - 1) - cl;
		sg = suml - sl;
		a = e * cl - sl + sg - e * cg;
		/* the right part after e left it: the rest of the segment */
		b = e * ((double)r - cl) - (prefix[r] - sl) + (total - prefix[r + 1] - sg) -
		    e * ((double)(n - 1 - r) - cg);
		fen_add(ws->fcnt, n, r, 1);
		fen_add(ws->fsum, n, r, e);
		suml += e;
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

struct ranked {
	double v;
	size_t i;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* The segment v[0, n) into ws (sorted, prefix sums) and rank[i], the rank of v[i]. */
static int split_prepare(const double *v, size_t n, struct split_ws *ws, size_t *rank)
{
	struct ranked *rk = malloc((n ? n : 1) * sizeof(*rk));
	size_t i;

	if (!rk)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		rk[i] = (struct ranked){ v[i], i };
	qsort(rk, n, sizeof(*rk), cmp_ranked);
	ws->n = n;
	ws->prefix[0] = 0;
	for (i = 0; i < n; i++) {
		ws->sorted[i] = rk[i].v;
		ws->prefix[i + 1] = ws->prefix[i] + rk[i].v;
		rank[rk[i].i] = i;
	}
	free(rk);
	return 0;
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
	size_t nstack = 0, found = 0, i, *rank = NULL, *tmp = NULL;
	struct split_ws ws = { 0 };
	uint64_t state;
	int ret = 0;

	if (params)
		p = *params;
	if (p.min_size < 2 || p.permutations < 1 || !(p.alpha > 0 && p.alpha < 1))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return -EINVAL;
	rank = malloc((n ? n : 1) * sizeof(*rank));
	tmp = malloc((n ? n : 1) * sizeof(*tmp));
	ws.sorted = malloc((n ? n : 1) * sizeof(double));
	ws.prefix = malloc((n + 1) * sizeof(double));
	ws.fcnt = malloc((n + 1) * sizeof(double));
	ws.fsum = malloc((n + 1) * sizeof(double));
	if (!rank || !tmp || !ws.sorted || !ws.prefix || !ws.fcnt || !ws.fsum) {
		ret = -ENOMEM;
		goto out;
	}
	state = p.seed ? p.seed : 1;
	stack[nstack++] = (struct seg){ 0, n };
	while (nstack && found < max && found < CP_MAX) {
		struct seg sg = stack[--nstack];
		size_t len = sg.hi - sg.lo, at, k, r, exceed = 0;
		double q;

		if (len < 2 * p.min_size)
			continue;
		if ((ret = split_prepare(v + sg.lo, len, &ws, rank)))
			goto out;
		q = best_split(rank, &ws, p.min_size, &at);
		/* the shuffles permute ranks: the same draws as shuffling the values */
		memcpy(tmp, rank, len * sizeof(*tmp));
		for (r = 0; r < p.permutations; r++) {
			size_t dummy;

			for (k = len - 1; k > 0; k--) {
				size_t j = (size_t)(rnd_next(&state) % (k + 1));
				size_t x = tmp[k];

				tmp[k] = tmp[j];
				tmp[j] = x;
			}
			if (best_split(tmp, &ws, p.min_size, &dummy) >= q)
				exceed++;
		}
		if ((double)(exceed + 1) / (double)(p.permutations + 1) > p.alpha)
			continue;
		out[found].index = sg.lo + at;
		out[found].q = q;
		out[found].p = (double)(exceed + 1) / (double)(p.permutations + 1);
		found++;
		stack[nstack++] = (struct seg){ sg.lo, sg.lo + at };
		stack[nstack++] = (struct seg){ sg.lo + at, sg.hi };
	}
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
out:
	free(rank);
	free(tmp);
	free(ws.sorted);
	free(ws.prefix);
	free(ws.fcnt);
	free(ws.fsum);
	return ret ? ret : (int)found;
}
