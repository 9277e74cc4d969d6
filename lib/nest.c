// SPDX-License-Identifier: GPL-2.0
/* Runs nested in boots: variance components and the boot-level comparison (see nest.h). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "lib/nest.h"

struct groups {
	size_t k;
	unsigned label[NEST_MAX_BOOTS];
	size_t n[NEST_MAX_BOOTS];
	double sum[NEST_MAX_BOOTS];
};

/* Group the finite values by label; O(n k), and k is a handful of boots. */
static int group(const double *v, const unsigned *boot, size_t n, struct groups *g)
{
	size_t i, j;

	g->k = 0;
	for (i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		for (j = 0; j < g->k && g->label[j] != boot[i]; j++)
			;
		if (j == g->k) {
			if (g->k == NEST_MAX_BOOTS)
				return -E2BIG;
			g->label[j] = boot[i];
			g->n[j] = 0;
			g->sum[j] = 0;
			g->k++;
		}
		g->n[j]++;
		g->sum[j] += v[i];
	}
	return 0;
}

static size_t index_of(const struct groups *g, unsigned label)
{
	size_t j;

	for (j = 0; g->label[j] != label; j++)
		;
	return j;
}

int nest_boot_means(const double *v, const unsigned *boot, size_t n, double *means, size_t max)
{
	struct groups g;
	size_t j;

	if (group(v, boot, n, &g) || g.k > max)
		return -E2BIG;
	for (j = 0; j < g.k; j++)
		means[j] = g.sum[j] / (double)g.n[j];
	return (int)g.k;
}

int nest_anova(const double *v, const unsigned *boot, size_t n, struct nest_anova *out)
{
	struct groups g;
	double total = 0, ssb = 0, ssw = 0, sumsq_n = 0, f;
	size_t i, j, N = 0;

	if (group(v, boot, n, &g))
		return -E2BIG;
	for (j = 0; j < g.k; j++) {
		N += g.n[j];
		total += g.sum[j];
		sumsq_n += (double)g.n[j] * (double)g.n[j];
	}
	out->boots = g.k;
	out->runs = N;
	out->mean = N ? total / (double)N : NAN;
	for (j = 0; j < g.k; j++) {
		double d = g.sum[j] / (double)g.n[j] - out->mean;

		ssb += (double)g.n[j] * d * d;
	}
	for (i = 0; i < n; i++) {
		double d;

		if (!isfinite(v[i]))
			continue;
		j = index_of(&g, boot[i]);
		d = v[i] - g.sum[j] / (double)g.n[j];
		ssw += d * d;
	}
	out->df_between = g.k >= 1 ? (double)g.k - 1 : NAN;
	out->df_within = N >= g.k ? (double)(N - g.k) : NAN;
	out->ms_between = g.k >= 2 ? ssb / out->df_between : NAN;
	out->ms_within = N > g.k ? ssw / out->df_within : NAN;
	out->n0 = g.k >= 2 ? ((double)N - sumsq_n / (double)N) / out->df_between : NAN;
	out->var_within = out->ms_within;
	out->var_between = NAN;
	out->icc = NAN;
	out->p = NAN;
	if (isfinite(out->ms_between) && isfinite(out->ms_within)) {
		out->var_between = fmax(0.0, (out->ms_between - out->ms_within) / out->n0);
		if (out->var_between + out->var_within > 0)
			out->icc = out->var_between / (out->var_between + out->var_within);
		if (out->ms_within > 0) {
			f = out->ms_between / out->ms_within;
			out->p = cmp_betainc(out->df_within / 2, out->df_between / 2,
					     out->df_within / (out->df_within + out->df_between * f));
		} else if (out->ms_between > 0) {
			out->p = 0; /* every run of a boot alike, boots apart */
		}
	}
	return 0;
}

int nest_compare(const double *base, const unsigned *base_boot, size_t nb, const double *head,
		 const unsigned *head_boot, size_t nh, const struct cmp_params *params,
		 struct nest_result *out)
{
	struct nest_result r;
	int kb, kh, ret;

	memset(&r, 0, sizeof(r));
	if (nest_anova(base, base_boot, nb, &r.base) || nest_anova(head, head_boot, nh, &r.head))
		return -E2BIG;
	kb = nest_boot_means(base, base_boot, nb, r.base_means, NEST_MAX_BOOTS);
	kh = nest_boot_means(head, head_boot, nh, r.head_means, NEST_MAX_BOOTS);
	if (kb < 0 || kh < 0)
		return -E2BIG;
	r.nb = (size_t)kb;
	r.nh = (size_t)kh;
	ret = cmp_compare(r.base_means, r.nb, r.head_means, r.nh, params, &r.cmp);
	if (ret)
		return ret;
	*out = r;
	return 0;
}
