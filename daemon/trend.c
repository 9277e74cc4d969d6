// SPDX-License-Identifier: GPL-2.0
#include "daemon/trend.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What store_host_trend() hands over, pooled while it comes. */
struct acc {
	struct trend *t;
	size_t akernels, acases;
	double **sum, **sumsq; /* per case, per kernel: sum of n*mean and of (n-1)sd^2 + n mean^2 */
};

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
	size_t i;

	/* uploads of one kernel come together mostly: look from the end */
	for (i = t->nkernels; i > 0; i--)
		if (!strcmp(t->kernel[i - 1], ident))
			return (ssize_t)(i - 1);
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

/*
 * The change-point search costs tens of milliseconds for a few hundred
 * kernels (199 permutations of an O(n^2) statistic), while a series only
 * changes when its host uploads: searches are remembered by the series'
 * values (a 64-bit hash and the length, checked in full on a hit).  A
 * fixed number of slots, overwritten by hash: memory stays bounded.
 */
#define MEMO_SLOTS 1024

struct memo {
	uint64_t hash;
	size_t n;
	double *v;
	int ncp;
	struct cp_point cp[CP_MAX];
};

static struct memo memo[MEMO_SLOTS];
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t series_hash(const double *v, size_t n)
{
	const unsigned char *p = (const unsigned char *)v;
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n * sizeof(*v); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static int find_cps(const double *v, size_t n, const struct cp_params *cpp, struct cp_point *out)
{
	uint64_t h = series_hash(v, n);
	struct memo *m = &memo[h % MEMO_SLOTS];
	double *copy;
	int ret;

	pthread_mutex_lock(&memo_lock);
	if (m->v && m->hash == h && m->n == n && !memcmp(m->v, v, n * sizeof(*v))) {
		ret = m->ncp;
		memcpy(out, m->cp, sizeof(m->cp));
		pthread_mutex_unlock(&memo_lock);
		return ret;
	}
	pthread_mutex_unlock(&memo_lock);
	ret = cp_find(v, n, cpp, out, CP_MAX);
	if (ret < 0)
		return ret;
	copy = malloc(n * sizeof(*v));
	if (!copy)
		return ret; /* not remembered: no harm */
	memcpy(copy, v, n * sizeof(*v));
	pthread_mutex_lock(&memo_lock);
	free(m->v);
	m->v = copy;
	m->hash = h;
	m->n = n;
	m->ncp = ret;
	memcpy(m->cp, out, sizeof(m->cp));
	pthread_mutex_unlock(&memo_lock);
	return ret;
}

int trend_build(struct store *st, int64_t host_id, struct trend *t)
{
	struct acc a = { t, 0, 0, NULL, NULL };
	struct cp_params cpp = CP_PARAMS_INIT;
	double *dense = NULL;
	size_t *where = NULL;
	size_t c, k, m;
	int ret, i;

	memset(t, 0, sizeof(*t));
	ret = store_host_trend(st, host_id, point_cb, &a);
	if (ret)
		goto out;
	if (t->nkernels && (!(dense = malloc(t->nkernels * sizeof(*dense))) ||
			    !(where = malloc(t->nkernels * sizeof(*where))))) {
		ret = -ENOMEM;
		goto out;
	}
	for (c = 0; c < t->ncases; c++) {
		struct trend_case *tc = &t->cases[c];

		for (k = m = 0; k < t->nkernels; k++) {
			unsigned n = tc->runs[k];

			tc->mean[k] = tc->sd[k] = NAN;
			if (!n)
				continue;
			tc->mean[k] = a.sum[c][k] / n;
			/* pooled: within-upload spread and the spread between uploads' means */
			tc->sd[k] = n > 1 ? sqrt(fmax(0, (a.sumsq[c][k] - n * tc->mean[k] * tc->mean[k]) /
						     (n - 1)))
					  : 0;
			dense[m] = tc->mean[k];
			where[m++] = k;
		}
		tc->ncp = 0;
		if (m >= 2 * cpp.min_size) {
			i = find_cps(dense, m, &cpp, tc->cp);
			if (i < 0) {
				ret = i;
				goto out;
			}
			tc->ncp = i;
			for (i = 0; i < tc->ncp; i++)
				tc->cp[i].index = where[tc->cp[i].index];
		}
	}
out:
	for (c = 0; c < a.acases && c < t->ncases; c++) {
		free(a.sum[c]);
		free(a.sumsq[c]);
	}
	free(a.sum);
	free(a.sumsq);
	free(dense);
	free(where);
	if (ret)
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
