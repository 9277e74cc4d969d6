// SPDX-License-Identifier: GPL-2.0
#include "stats.h"

#include <math.h>
#include <stdlib.h>

void stats_summarize(const double *v, size_t n, struct stats_summary *out)
{
	double mean = 0, m2 = 0;
	size_t i, k = 0;

	out->min = INFINITY;
	out->max = -INFINITY;
	/* Welford: stable for the long, nearly equal series of fork times */
	for (i = 0; i < n; i++) {
		double d;

		if (!isfinite(v[i]))
			continue;
		k++;
		d = v[i] - mean;
		mean += d / (double)k;
		m2 += d * (v[i] - mean);
		if (v[i] < out->min)
			out->min = v[i];
		if (v[i] > out->max)
			out->max = v[i];
	}
	out->n = k;
	out->mean = k ? mean : NAN;
	out->stdev = k > 1 ? sqrt(m2 / (double)(k - 1)) : NAN;
	if (!k)
		out->min = out->max = NAN;
}

double stats_mean(const double *v, size_t n)
{
	struct stats_summary s;

	stats_summarize(v, n, &s);
	return s.mean;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double stats_median(const double *v, size_t n)
{
	double *c, m;
	size_t i, k = 0;

	c = malloc((n ? n : 1) * sizeof(*c));
	if (!c)
		return NAN;
	for (i = 0; i < n; i++)
		if (isfinite(v[i]))
			c[k++] = v[i];
	if (!k) {
		free(c);
		return NAN;
	}
	qsort(c, k, sizeof(*c), cmp_double);
	m = k % 2 ? c[k / 2] : (c[k / 2 - 1] + c[k / 2]) / 2;
	free(c);
	return m;
}
