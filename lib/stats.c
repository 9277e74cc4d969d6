// SPDX-License-Identifier: GPL-2.0
#include "lib/stats.h"

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

static void swap_double(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

/*
 * Reorder v[0, n) so that v[k] is the value a sort would put there, with
 * nothing greater before it and nothing smaller after it (C++'s
 * nth_element).  Quickselect with a median-of-three pivot: O(n) expected.
 * The values come from uploads, so after 2 log2(n) rounds that did not
 * finish (inputs built against the pivot rule) the rest is sorted:
 * O(n log n) at worst.
 */
static void select_nth(double *v, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
	unsigned rounds = 8;
	size_t m;

	for (m = n; m > 1; m /= 2)
		rounds += 2;
	while (hi - lo > 16) {
		ptrdiff_t mid = lo + (hi - lo) / 2, i = lo, j = hi;
		double pivot;

		if (!rounds--) {
			qsort(v + lo, (size_t)(hi - lo + 1), sizeof(*v), cmp_double);
			return;
		}
		if (v[mid] < v[lo])
			swap_double(&v[mid], &v[lo]);
		if (v[hi] < v[lo])
			swap_double(&v[hi], &v[lo]);
		if (v[hi] < v[mid])
			swap_double(&v[hi], &v[mid]);
		pivot = v[mid];
		/* Hoare's partition: runs of equal values split evenly instead of going quadratic */
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (pivot < v[j])
				j--;
			if (i <= j)
				swap_double(&v[i++], &v[j--]);
		}
		/* now v[lo, j] <= pivot <= v[i, hi], and v(j, i) == pivot */
		if (kk <= j)
			hi = j;
		else if (kk >= i)
			lo = i;
		else
			return;
	}
	/* a short range: insertion sort */
	for (ptrdiff_t i = lo + 1; i <= hi; i++) {
		double x = v[i];
		ptrdiff_t j = i;

		for (; j > lo && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

double stats_median(const double *v, size_t n)
{
	double *c, m, lower;
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
	select_nth(c, k, k / 2);
	m = c[k / 2];
	if (k % 2 == 0) {
		/* the lower middle value is the largest of those before the upper one */
		lower = c[0];
		for (i = 1; i < k / 2; i++)
			if (c[i] > lower)
				lower = c[i];
		m = (lower + m) / 2;
	}
	free(c);
	return m;
}

double stats_trimmed_mean(const double *v, size_t n, double prop)
{
	long double sum = 0;
	double *c;
	size_t i, k = 0, cut;

	if (!(prop >= 0 && prop < 0.5))
		return NAN;
	c = malloc((n ? n : 1) * sizeof(*c));
	if (!c)
		return NAN;
	for (i = 0; i < n; i++)
		if (isfinite(v[i]))
			c[k++] = v[i];
	cut = (size_t)floor(prop * (double)k);
	if (k <= 2 * cut) {
		free(c);
		return NAN;
	}
	qsort(c, k, sizeof(*c), cmp_double);
	for (i = cut; i < k - cut; i++)
		sum += c[i];
	free(c);
	return (double)(sum / (k - 2 * cut));
}
