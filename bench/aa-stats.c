// SPDX-License-Identifier: GPL-2.0
/*
 * The statistics of issue 10 on real A/A data: forkwatch bench results of
 * one kernel on one machine, analysed with lib/ (what the daemon and the
 * collector use).
 *
 *   aa-stats [--costs COSTS] RESULT.json...
 *
 * Per case (workload, layout), on the time per operation:
 *   - the per-run statistic: the run-to-run spread (sd of the per-run
 *     values in % of their mean, pooled over the documents as the root mean
 *     square) of the per-run mean, median and 20% trimmed mean, and the
 *     ratio of each spread to the mean's (geometric mean over documents
 *     with its 95% interval); the A/A comparisons of every pair of
 *     documents with each statistic: the mean half-width of the interval;
 *   - the variance components of each document (cmp_components(): runs x
 *     iterations), averaged over the documents, in % of the mean;
 *   - with COSTS (bench/aa-stats.sh's wall times of single-case benches:
 *     "workload layout runs iterations warmup seconds" per line), the cost
 *     of a run and of an iteration, m* and plan_allocate()'s iterations
 *     and runs for 60 s and 300 s given to the whole matrix (each case its
 *     share, in proportion to what it needs for its own target), and
 *     plan_runs_for() a half-width of half the budget;
 *   - the verdicts of disjoint A/A pairs (1st with 2nd, ...) with the
 *     daemon's parameters, on the per-run means, and with the head's
 *     order-0 scaled by +2%, +5% and +10%.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cmp.h"
#include "lib/jread.h"
#include "lib/plan.h"
#include "lib/stats.h"
#include "lib/strbuf.h"

#define MAXC 16
#define MAXD 64
#define MAXR 128

struct run {
	size_t n;
	double *ns;
};

struct kase {
	char workload[16], layout[16];
	size_t nruns[MAXD];
	struct run runs[MAXD][MAXR];
	double run_s, iter_s;	/* costs; NAN when unknown */
};

static struct kase cases[MAXC];
static size_t ncases, ndocs;

static struct kase *case_for(const char *wl, const char *layout)
{
	size_t i;

	for (i = 0; i < ncases; i++)
		if (!strcmp(cases[i].workload, wl) && !strcmp(cases[i].layout, layout))
			return &cases[i];
	if (ncases == MAXC)
		return NULL;
	snprintf(cases[ncases].workload, sizeof(cases[0].workload), "%s", wl);
	snprintf(cases[ncases].layout, sizeof(cases[0].layout), "%s", layout);
	cases[ncases].run_s = cases[ncases].iter_s = NAN;
	return &cases[ncases++];
}

static int load(const char *path)
{
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;
	struct jread_node *root = NULL;
	const struct jread_node *cs;
	size_t i, j, k;
	int ret = -1;

	if (ndocs == MAXD)
		return -1;
	if (strbuf_read_file(&sb, path, 256 << 20) || jread_parse(&root, sb.buf, sb.len, &err)) {
		fprintf(stderr, "aa-stats: %s: cannot read: %s\n", path, err.buf);
		goto out;
	}
	cs = jread_get(root, "cases");
	for (i = 0; jread_at(cs, i); i++) {
		const struct jread_node *c = jread_at(cs, i), *runs = jread_get(c, "runs");
		struct kase *kc = case_for(jread_str(jread_get(c, "workload")),
					   jread_str(jread_get(c, "layout")));

		if (!kc)
			continue;
		for (j = 0; j < MAXR && jread_at(runs, j); j++) {
			const struct jread_node *ns = jread_get(jread_at(runs, j), "ns");
			struct run *r = &kc->runs[ndocs][kc->nruns[ndocs]];
			double v;

			r->ns = calloc(4096, sizeof(*r->ns));
			if (!r->ns)
				goto out;
			for (k = 0; k < 4096 && jread_at(ns, k); k++)
				if (jread_num(jread_at(ns, k), &v))
					r->ns[r->n++] = v;
			if (r->n)
				kc->nruns[ndocs]++;
			else
				free(r->ns);
		}
	}
	ndocs++;
	ret = 0;
out:
	jread_free(root);
	strbuf_release(&sb);
	strbuf_release(&err);
	return ret;
}

/* ---- costs ---- */

struct cost_line {
	char wl[16], layout[16];
	unsigned runs, iters, warmup;
	double s;
};

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* the median wall time of the lines of a case and configuration; NAN when none */
static double cost_median(const struct cost_line *l, size_t n, const struct kase *c, unsigned runs,
			  unsigned iters)
{
	double v[64];
	size_t i, k = 0;

	for (i = 0; i < n && k < 64; i++)
		if (!strcmp(l[i].wl, c->workload) && !strcmp(l[i].layout, c->layout) &&
		    l[i].runs == runs && l[i].iters == iters)
			v[k++] = l[i].s;
	if (!k)
		return NAN;
	qsort(v, k, sizeof(*v), cmp_d);
	return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

/*
 * wall = a + R (c_run + I c_iter), c_run with the warm-up: from (R1, I1),
 * (R2, I1), (R1, I2), c_iter = (w(R1, I2) - w(R1, I1)) / (R1 (I2 - I1)) and
 * a run at I1 costs (w(R2, I1) - w(R1, I1)) / (R2 - R1), of which I1 c_iter
 * measured iterations.
 */
static void load_costs(const char *path)
{
	struct cost_line *l = calloc(1024, sizeof(*l));
	FILE *f = fopen(path, "r");
	size_t n = 0, i, j;

	if (!l || !f) {
		fprintf(stderr, "aa-stats: %s: cannot read\n", path);
		goto out;
	}
	while (n < 1024 && fscanf(f, "%15s %15s %u %u %u %lf", l[n].wl, l[n].layout, &l[n].runs,
				  &l[n].iters, &l[n].warmup, &l[n].s) == 6)
		n++;
	for (i = 0; i < ncases; i++) {
		struct kase *c = &cases[i];
		unsigned r1 = 0, r2 = 0, i1 = 0, i2 = 0;
		double w11, w21, w12, per_run;

		/* the configurations: the fewest runs and iterations, more runs, more iterations */
		for (j = 0; j < n; j++) {
			if (strcmp(l[j].wl, c->workload) || strcmp(l[j].layout, c->layout))
				continue;
			if (!r1 || l[j].runs < r1)
				r1 = l[j].runs;
			if (!i1 || l[j].iters < i1)
				i1 = l[j].iters;
		}
		for (j = 0; j < n; j++) {
			if (strcmp(l[j].wl, c->workload) || strcmp(l[j].layout, c->layout))
				continue;
			if (l[j].runs > r2)
				r2 = l[j].runs;
			if (l[j].iters > i2)
				i2 = l[j].iters;
		}
		if (!r1 || r2 <= r1 || i2 <= i1)
			continue;
		w11 = cost_median(l, n, c, r1, i1);
		w21 = cost_median(l, n, c, r2, i1);
		w12 = cost_median(l, n, c, r1, i2);
		c->iter_s = fmax((w12 - w11) / (r1 * (double)(i2 - i1)), 1e-6);
		per_run = (w21 - w11) / (r2 - r1);
		/* the run's own cost includes its warm-up iterations */
		c->run_s = fmax(per_run - i1 * c->iter_s, 0);
	}
out:
	if (f)
		fclose(f);
	free(l);
}

/* ---- the per-run statistic ---- */

enum { ST_MEAN, ST_MEDIAN, ST_TRIM, NSTAT };
static const char *const stat_names[NSTAT] = { "mean", "median", "trim20" };

static double run_stat(const struct run *r, int st)
{
	switch (st) {
	case ST_MEDIAN: return stats_median(r->ns, r->n);
	case ST_TRIM: return stats_trimmed_mean(r->ns, r->n, 0.2);
	default: return stats_mean(r->ns, r->n);
	}
}

/* the per-run values of document d of case c into v; returns how many */
static size_t doc_values(const struct kase *c, size_t d, int st, double *v)
{
	size_t i;

	for (i = 0; i < c->nruns[d]; i++)
		v[i] = run_stat(&c->runs[d][i], st);
	return c->nruns[d];
}

/* sd / mean of the per-run values of document d */
static double doc_cv(const struct kase *c, size_t d, int st)
{
	double v[MAXR];
	struct stats_summary s;

	stats_summarize(v, doc_values(c, d, st, v), &s);
	return s.stdev / s.mean;
}

static void per_run_statistic(void)
{
	size_t i, d, e;
	int st;

	printf("\n== The per-run statistic: run-to-run spread (sd of the per-run values in %% of their mean,\n"
	       "   root mean square over the %zu documents), the spread against the mean's (geometric mean\n"
	       "   over the documents and its 95%% interval), and the mean half-width of the 95%% interval\n"
	       "   of the A/A comparisons of every pair of documents (log ratio, as the daemon)\n\n", ndocs);
	printf("%-16s %8s %8s %8s  %-20s %-20s  %7s %7s %7s  %s\n", "case", "mean", "median", "trim20",
	       "median/mean", "trim20/mean", "hw mean", "hw med", "hw trim", "smallest spread");
	for (i = 0; i < ncases; i++) {
		const struct kase *c = &cases[i];
		double rms[NSTAT], hw[NSTAT], lr[NSTAT][MAXD];
		char name[40], ratio[NSTAT][32];
		int best = ST_MEAN;

		for (st = 0; st < NSTAT; st++) {
			double sum = 0, hs = 0;
			size_t np = 0;

			for (d = 0; d < ndocs; d++) {
				double cv = doc_cv(c, d, st);

				sum += cv * cv;
				lr[st][d] = log(cv / doc_cv(c, d, ST_MEAN));
			}
			rms[st] = 100 * sqrt(sum / ndocs);
			for (d = 0; d < ndocs; d++)
				for (e = d + 1; e < ndocs; e++) {
					double a[MAXR], b[MAXR];
					size_t na = doc_values(c, d, st, a), nb = doc_values(c, e, st, b);
					struct cmp_result r;

					if (cmp_compare(a, na, b, nb, NULL, &r) || isnan(r.ci_lo_pct))
						continue;
					hs += 100 * (log1p(r.ci_hi_pct / 100) - log1p(r.ci_lo_pct / 100)) / 2;
					np++;
				}
			hw[st] = np ? hs / np : NAN;
			if (rms[st] < rms[best])
				best = st;
			if (st != ST_MEAN) {
				struct stats_summary s;
				double t;

				stats_summarize(lr[st], ndocs, &s);
				t = cmp_t_quantile(0.975, (double)ndocs - 1) * s.stdev / sqrt((double)ndocs);
				snprintf(ratio[st], sizeof(ratio[st]), "%.2f (%.2f..%.2f)", exp(s.mean),
					 exp(s.mean - t), exp(s.mean + t));
			}
		}
		snprintf(name, sizeof(name), "%.15s %.15s", c->workload, c->layout);
		printf("%-16s %7.1f%% %7.1f%% %7.1f%%  %-20s %-20s  %6.2f%% %6.2f%% %6.2f%%  %s\n", name,
		       rms[ST_MEAN], rms[ST_MEDIAN], rms[ST_TRIM], ratio[ST_MEDIAN], ratio[ST_TRIM],
		       hw[ST_MEAN], hw[ST_MEDIAN], hw[ST_TRIM], stat_names[best]);
	}
}

/* ---- variance components and the allocation ---- */

/* the components of case c, averaged over its documents (each runs x iterations) */
static void case_components(const struct kase *c, struct cmp_components *avg, int *negative,
			    double *p_median)
{
	double ps[MAXD];
	size_t d, np = 0;

	memset(avg, 0, sizeof(*avg));
	*negative = 0;
	for (d = 0; d < ndocs; d++) {
		struct cmp_group g[MAXR];
		struct cmp_components vc;
		size_t i;

		for (i = 0; i < c->nruns[d]; i++)
			g[i] = (struct cmp_group){ c->runs[d][i].ns, c->runs[d][i].n };
		cmp_components(g, c->nruns[d], &vc);
		if (isnan(vc.var_within) || isnan(vc.var_between))
			continue;
		avg->mean += vc.mean;
		avg->var_between += vc.var_between;
		avg->var_between_raw += vc.var_between_raw;
		avg->var_within += vc.var_within;
		avg->ms_between += vc.ms_between;
		avg->ms_within += vc.ms_within;
		avg->n0 += vc.n0;
		avg->groups += vc.groups;
		avg->values += vc.values;
		*negative += vc.negative;
		ps[np++] = vc.p;
	}
	if (!np)
		return;
	avg->mean /= np;
	avg->var_between /= np;
	avg->var_between_raw /= np;
	avg->var_within /= np;
	avg->ms_between /= np;
	avg->ms_within /= np;
	avg->n0 /= np;
	avg->icc = avg->var_between / (avg->var_between + avg->var_within);
	qsort(ps, np, sizeof(*ps), cmp_d);
	*p_median = np % 2 ? ps[np / 2] : (ps[np / 2 - 1] + ps[np / 2]) / 2;
}

static double budget_of(const struct kase *c)
{
	return strcmp(c->layout, "order-0") ? 2.0 : 1.0;
}

static void components_and_allocation(void)
{
	static const double budgets[] = { 60, 300 };
	struct cmp_components vc[MAXC];
	double need[MAXC], total_need = 0;
	size_t i, b;

	printf("\n== Variance components (one-way random-effects ANOVA of each document's runs x iterations,\n"
	       "   averaged over the documents; sd in %% of the mean), the costs, m* and the runs for a\n"
	       "   half-width of half the budget with m iterations\n\n");
	printf("%-16s %9s %9s %6s %9s %8s  %8s %8s %7s %7s %16s\n", "case", "sd_between", "sd_within",
	       "icc", "F p(med)", "negative", "c_run", "c_iter", "m*", "m", "runs (time)");
	for (i = 0; i < ncases; i++) {
		const struct kase *c = &cases[i];
		struct plan_costs cost = { c->run_s, c->iter_s };
		double p = NAN;
		int neg;
		char name[40], rt[32] = "-";
		unsigned m = 0, r;

		case_components(c, &vc[i], &neg, &p);
		snprintf(name, sizeof(name), "%.15s %.15s", c->workload, c->layout);
		need[i] = NAN;
		if (isfinite(c->iter_s)) {
			double h = log1p(budget_of(c) / 200), z = cmp_norm_quantile(0.975);

			m = plan_iterations(&vc[i], &cost, NULL);
			r = m ? plan_runs_for(&vc[i], m, budget_of(c) / 2, 0.95, NULL) : 0;
			/* the time it needs, about: 2 z^2 v(m) / (mean h)^2 runs (t and whole runs aside) */
			need[i] = 2 * z * z * plan_run_var(&vc[i], m) / (vc[i].mean * vc[i].mean * h * h) *
				  (cost.run_s + m * cost.iter_s);
			total_need += need[i];
			if (r)
				snprintf(rt, sizeof(rt), "%u (%.0f s)", r, r * (cost.run_s + m * cost.iter_s));
			else
				snprintf(rt, sizeof(rt), ">1000 (%.2g h)", need[i] / 3600);
		}
		printf("%-16s %8.1f%% %8.1f%% %6.2f %9.2g %5d/%-2zu  %7.3fs %7.4fs %7.1f %7u %16s\n", name,
		       100 * sqrt(vc[i].var_between) / vc[i].mean, 100 * sqrt(vc[i].var_within) / vc[i].mean,
		       vc[i].icc, p, neg, ndocs, c->run_s, c->iter_s,
		       sqrt(vc[i].var_within / vc[i].var_between * c->run_s / c->iter_s), m, rt);
	}
	if (!(total_need > 0))
		return;
	for (b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		printf("\n== plan_allocate() for %.0f s per kernel, each case's share in proportion to the time\n"
		       "   it needs for half its budget (about): iterations x runs, expected half-width\n\n",
		       budgets[b]);
		printf("%-16s %8s %12s %10s %8s\n", "case", "share", "m x runs", "half-width", "target");
		for (i = 0; i < ncases; i++) {
			const struct kase *c = &cases[i];
			struct plan_costs cost = { c->run_s, c->iter_s };
			struct plan_alloc a;
			char name[40], mr[32];
			double share = budgets[b] * need[i] / total_need;
			int ret;

			if (isnan(need[i]))
				continue;
			ret = plan_allocate(&vc[i], &cost, share, 0.95, NULL, &a);
			snprintf(name, sizeof(name), "%.15s %.15s", c->workload, c->layout);
			snprintf(mr, sizeof(mr), "%u x %u", a.iterations, a.runs);
			printf("%-16s %7.1fs %12s %9.2f%% %7.1f%%%s\n", name, share, mr, a.half_width_pct,
			       budget_of(c) / 2, ret == -ERANGE ? "  (min runs do not fit)" : "");
		}
	}
}

/* ---- A/A verdicts ---- */

static void verdicts(void)
{
	static const double scales[] = { 0, 0.02, 0.05, 0.10 };
	size_t i, d, s, k;

	printf("\n== Verdicts of %zu disjoint A/A pairs (documents 1-2, 3-4, ...), per-run means, the daemon's\n"
	       "   parameters (budget 1%% order-0, 2%% others, alpha 0.01, 95%% log-ratio interval)\n\n",
	       ndocs / 2);
	printf("%-16s %-7s %10s %11s %9s %12s %5s\n", "case", "head", "regression", "significant",
	       "unchanged", "inconclusive", "gain");
	for (i = 0; i < ncases; i++) {
		const struct kase *c = &cases[i];

		for (s = 0; s < sizeof(scales) / sizeof(scales[0]); s++) {
			int counts[CMP_VERDICTS] = { 0 };
			char name[40], head[16];

			if (s && strcmp(c->layout, "order-0"))
				continue;
			for (d = 0; d + 1 < ndocs; d += 2) {
				double a[MAXR], b[MAXR];
				size_t na = doc_values(c, d, ST_MEAN, a), nb = doc_values(c, d + 1, ST_MEAN, b);
				struct cmp_params prm = CMP_PARAMS_INIT;
				struct cmp_result r;

				for (k = 0; k < nb; k++)
					b[k] *= 1 + scales[s];
				prm.threshold_pct = budget_of(c);
				if (!cmp_compare(a, na, b, nb, &prm, &r))
					counts[r.verdict]++;
			}
			snprintf(name, sizeof(name), "%.15s %.15s", c->workload, c->layout);
			snprintf(head, sizeof(head), s ? "+%.0f%%" : "as run", 100 * scales[s]);
			printf("%-16s %-7s %10d %11d %9d %12d %5d\n", name, head, counts[CMP_REGRESSION],
			       counts[CMP_SIGNIFICANT], counts[CMP_UNCHANGED], counts[CMP_INCONCLUSIVE],
			       counts[CMP_GAIN]);
		}
	}
}

int main(int argc, char **argv)
{
	const char *costs = NULL;
	int i = 1;

	if (argc > 2 && !strcmp(argv[1], "--costs")) {
		costs = argv[2];
		i = 3;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: aa-stats [--costs FILE] RESULT.json... (2 or more)\n");
		return 2;
	}
	for (; i < argc; i++)
		if (load(argv[i]))
			return 1;
	if (costs)
		load_costs(costs);
	printf("%zu documents, %zu cases", ndocs, ncases);
	if (ncases)
		printf(", %zu runs x %zu iterations in the first", cases[0].nruns[0],
		       cases[0].nruns[0] ? cases[0].runs[0][0].n : 0);
	printf("\n");
	per_run_statistic();
	components_and_allocation();
	verdicts();
	return 0;
}
