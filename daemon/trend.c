// SPDX-License-Identifier: GPL-2.0
#include "daemon/trend.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What store_host_trend() hands over, pooled while it comes. */
struct acc {
	struct trend *t;
	size_t akernels, acases;
	double **sum, **sumsq; /* per case, per kernel: sum of n*mean and of (n-1)sd^2 + n mean^2 */
	/*
	 * The kernels by ident: an open-addressing table of index + 1 (0:
	 * empty), at most half full, so that a host of thousands of kernels
	 * finds each upload's kernel in O(1), not by a scan of all.
	 */
	size_t *slot, nslot;
};

static uint64_t ident_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* The slot of ident: its own, or the empty one where it goes. */
static size_t *slot_of(struct acc *a, const char *ident)
{
	size_t i = (size_t)(ident_hash(ident) & (a->nslot - 1));

	while (a->slot[i] && strcmp(a->t->kernel[a->slot[i] - 1], ident))
		i = (i + 1) & (a->nslot - 1);
	return &a->slot[i];
}

/* Room for one more kernel in the table: doubled (and filled again) when half full. */
static int slots_grow(struct acc *a)
{
	size_t n = a->nslot ? 2 * a->nslot : 256, k;
	size_t *old = a->slot, nold = a->nslot;

	if (2 * (a->t->nkernels + 1) <= a->nslot)
		return 0;
	a->slot = calloc(n, sizeof(*a->slot));
	if (!a->slot) {
		a->slot = old;
		return -ENOMEM;
	}
	a->nslot = n;
	for (k = 0; k < nold; k++)
		if (old[k])
			*slot_of(a, a->t->kernel[old[k] - 1]) = old[k];
	free(old);
	return 0;
}

static int grow(void **p, size_t n, size_t size)
{
	void *q = realloc(*p, n * size);

	if (!q)
		return -ENOMEM;
	*p = q;
	return 0;
}

static ssize_t kernel_index(struct acc *a, const char *ident)
{
	struct trend *t = a->t;
	size_t i, *slot;

	if (slots_grow(a))
		return -ENOMEM;
	slot = slot_of(a, ident);
	if (*slot)
		return (ssize_t)(*slot - 1);
	if (t->nkernels == a->akernels) {
		size_t n = a->akernels ? 2 * a->akernels : 64, c;

		if (grow((void **)&t->kernel, n, sizeof(*t->kernel)))
			return -ENOMEM;
		for (c = 0; c < t->ncases; c++) {
			struct trend_case *tc = &t->cases[c];

			if (grow((void **)&tc->mean, n, sizeof(double)) ||
			    grow((void **)&tc->sd, n, sizeof(double)) ||
			    grow((void **)&tc->runs, n, sizeof(unsigned)) ||
			    grow((void **)&a->sum[c], n, sizeof(double)) ||
			    grow((void **)&a->sumsq[c], n, sizeof(double)))
				return -ENOMEM;
		}
		a->akernels = n;
	}
	snprintf(t->kernel[t->nkernels], DOC_IDENT_MAX, "%s", ident);
	*slot = t->nkernels + 1;
	for (i = 0; i < t->ncases; i++) {
		t->cases[i].runs[t->nkernels] = 0;
		a->sum[i][t->nkernels] = a->sumsq[i][t->nkernels] = 0;
	}
	return (ssize_t)t->nkernels++;
}

static ssize_t case_index(struct acc *a, const struct store_trend_point *p)
{
	struct trend *t = a->t;
	struct trend_case *tc;
	size_t i, k;

	for (i = 0; i < t->ncases; i++)
		if (!strcmp(t->cases[i].workload, p->workload) && !strcmp(t->cases[i].layout, p->layout))
			return (ssize_t)i;
	if (t->ncases == a->acases) {
		size_t n = a->acases ? 2 * a->acases : 16;

		if (grow((void **)&t->cases, n, sizeof(*t->cases)) ||
		    grow((void **)&a->sum, n, sizeof(*a->sum)) ||
		    grow((void **)&a->sumsq, n, sizeof(*a->sumsq)))
			return -ENOMEM;
		a->acases = n;
	}
	tc = &t->cases[t->ncases];
	memset(tc, 0, sizeof(*tc));
	a->sum[t->ncases] = a->sumsq[t->ncases] = NULL;
	snprintf(tc->workload, sizeof(tc->workload), "%s", p->workload);
	snprintf(tc->layout, sizeof(tc->layout), "%s", p->layout);
	tc->order = p->order;
	if (a->akernels && (grow((void **)&tc->mean, a->akernels, sizeof(double)) ||
			    grow((void **)&tc->sd, a->akernels, sizeof(double)) ||
			    grow((void **)&tc->runs, a->akernels, sizeof(unsigned)) ||
			    grow((void **)&a->sum[t->ncases], a->akernels, sizeof(double)) ||
			    grow((void **)&a->sumsq[t->ncases], a->akernels, sizeof(double))))
		return -ENOMEM;
	for (k = 0; k < t->nkernels; k++) {
		tc->runs[k] = 0;
		a->sum[t->ncases][k] = a->sumsq[t->ncases][k] = 0;
	}
	return (ssize_t)t->ncases++;
}

static int point_cb(void *ctx, const struct store_trend_point *p)
{
	struct acc *a = ctx;
	ssize_t k, c;
	double sd;

	k = kernel_index(a, p->kernel);
	if (k < 0)
		return (int)k;
	c = case_index(a, p);
	if (c < 0)
		return (int)c;
	if (!p->layout_ok || !p->n || !isfinite(p->mean))
		return 0;
	sd = p->n > 1 && isfinite(p->stdev) ? p->stdev : 0;
	a->t->cases[c].runs[k] += p->n;
	a->sum[c][k] += p->n * p->mean;
	a->sumsq[c][k] += (p->n - 1) * sd * sd + p->n * p->mean * p->mean;
	return 0;
}

int trend_load(struct store *st, int64_t host_id, struct trend *t)
{
	struct acc a = { t, 0, 0, NULL, NULL, NULL, 0 };
	size_t c, k;
	int ret;

	memset(t, 0, sizeof(*t));
	ret = store_host_trend(st, host_id, point_cb, &a);
	for (c = 0; !ret && c < t->ncases; c++) {
		struct trend_case *tc = &t->cases[c];

		for (k = 0; k < t->nkernels; k++) {
			unsigned n = tc->runs[k];

			tc->mean[k] = tc->sd[k] = NAN;
			if (!n)
				continue;
			tc->mean[k] = a.sum[c][k] / n;
			/* pooled: within-upload spread and the spread between uploads' means */
			tc->sd[k] = n > 1 ? sqrt(fmax(0, (a.sumsq[c][k] - n * tc->mean[k] * tc->mean[k]) /
						     (n - 1)))
					  : 0;
		}
	}
	for (c = 0; c < a.acases && c < t->ncases; c++) {
		free(a.sum[c]);
		free(a.sumsq[c]);
	}
	free(a.sum);
	free(a.sumsq);
	free(a.slot);
	if (ret)
		trend_release(t);
	return ret;
}

int trend_changepoints(struct trend *t)
{
	struct cp_params cpp = CP_PARAMS_INIT;
	double *dense = NULL;
	size_t *where = NULL;
	size_t c, k, m;
	int ret = 0, i;

	if (t->nkernels && (!(dense = malloc(t->nkernels * sizeof(*dense))) ||
			    !(where = malloc(t->nkernels * sizeof(*where))))) {
		ret = -ENOMEM;
		goto out;
	}
	for (c = 0; c < t->ncases; c++) {
		struct trend_case *tc = &t->cases[c];

		for (k = m = 0; k < t->nkernels; k++) {
			if (!tc->runs[k])
				continue;
			dense[m] = tc->mean[k];
			where[m++] = k;
		}
		tc->ncp = 0;
		if (m < 2 * cpp.min_size)
			continue;
		i = cp_find(dense, m, &cpp, tc->cp, CP_MAX);
		if (i < 0) {
			ret = i;
			goto out;
		}
		tc->ncp = i;
		for (i = 0; i < tc->ncp; i++)
			tc->cp[i].index = where[tc->cp[i].index];
	}
out:
	free(dense);
	free(where);
	return ret;
}

int trend_build(struct store *st, int64_t host_id, struct trend *t)
{
	int ret = trend_load(st, host_id, t);

	if (!ret && (ret = trend_changepoints(t)))
		trend_release(t);
	return ret;
}

void trend_release(struct trend *t)
{
	size_t c;

	for (c = 0; c < t->ncases; c++) {
		free(t->cases[c].mean);
		free(t->cases[c].sd);
		free(t->cases[c].runs);
	}
	free(t->cases);
	free(t->kernel);
	memset(t, 0, sizeof(*t));
}

bool trend_case_starts_workload(const struct trend *t, size_t c)
{
	size_t i;

	for (i = 0; i < c; i++)
		if (!strcmp(t->cases[i].workload, t->cases[c].workload))
			return false;
	return true;
}

const struct trend_case *trend_case_find(const struct trend *t, const char *workload,
					 const char *layout)
{
	size_t c;

	for (c = 0; c < t->ncases; c++)
		if (!strcmp(t->cases[c].workload, workload) && !strcmp(t->cases[c].layout, layout))
			return &t->cases[c];
	return NULL;
}
