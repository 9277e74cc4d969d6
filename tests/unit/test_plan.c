// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/plan.c: the allocation of iterations and runs, the
 * runs a width needs and the stopping rule; then simulations with known
 * variance components: the components are recovered without bias, an
 * allocation gets the width it promises, the stopping rule reaches the
 * promised width without stopping early on lucky runs, and looking after
 * every run keeps the false alarms of the final comparison at alpha (where
 * looking at the p-value after every run does not).
 *
 * The simulations use a fixed pseudo-random stream (splitmix64, Box-Muller)
 * and say what they measured; the bounds they assert are three standard
 * errors of the Monte Carlo estimate wide.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/cmp.h"
#include "lib/plan.h"

#define assert_rel(a, b, rel) check_rel(a, b, rel, #a, __LINE__)

static void check_rel(double a, double b, double rel, const char *what, int line)
{
	if (!(fabs(a - b) <= rel * fabs(b)))
		fail_msg("line %d: %s = %.17g, want %.17g (within %g relative, off by %.3g)", line,
			 what, a, b, rel, b ? fabs(a - b) / fabs(b) : fabs(a));
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The quantiles are computed in long double, which aarch64 does in
 * software (IEEE quad), and tests/run-all.sh runs that build under
 * qemu-user: there the simulations take a sixteenth of the pairs (their
 * bounds are standard errors of what they take).
 */
#ifdef __aarch64__
#define SIM_DIV 16
#else
#define SIM_DIV 1
#endif

/* ---- a fixed stream of normal deviates ---- */

struct rng {
	uint64_t s;
	int have;
	double spare;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* (0, 1) */
static double rng_unit(struct rng *r)
{
	return ((double)(rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
}

static double rng_normal(struct rng *r)
{
	double u, v;

	if (r->have) {
		r->have = 0;
		return r->spare;
	}
	u = sqrt(-2 * log(rng_unit(r)));
	v = 2 * M_PI * rng_unit(r);
	r->spare = u * sin(v);
	r->have = 1;
	return u * cos(v);
}

/* components as cmp_components() reports them, for the functions that take them */
static struct cmp_components comps(double mean, double var_between, double var_within)
{
	struct cmp_components c;

	memset(&c, 0, sizeof(c));
	c.mean = mean;
	c.var_between = c.var_between_raw = var_between;
	c.var_within = var_within;
	return c;
}

/* ---- the formulas ---- */

static void test_width(void **state)
{
	struct cmp_components c = comps(1000, 400, 2500); /* run sd 2%, iteration sd 5% */
	double h;

	(void)state;
	assert_rel(plan_run_var(&c, 10), 400 + 250, 1e-15);
	/* t_{0.975, 14} sqrt(2 v / 8) / mean, in percent of exp */
	h = cmp_t_quantile(0.975, 14) * sqrt(2 * 650.0 / 8) / 1000;
	assert_rel(plan_half_width_pct(&c, 10, 8, 0.95), 100 * expm1(h), 1e-14);
	assert_true(plan_half_width_pct(&c, 10, 16, 0.95) < plan_half_width_pct(&c, 10, 8, 0.95));
	assert_true(isnan(plan_half_width_pct(&c, 10, 1, 0.95)));
	c.var_within = NAN;
	assert_true(isnan(plan_half_width_pct(&c, 10, 8, 0.95)));
}

static void test_iterations(void **state)
{
	const struct plan_costs cost = { .run_s = 1, .iter_s = 0.01 };
	struct plan_limits lim = PLAN_LIMITS_INIT;
	struct cmp_components c;
	struct plan_costs odd = cost;

	(void)state;
	/* m* = sqrt(var_w / var_b * c_run / c_iter) = sqrt(100 * 100) */
	c = comps(1000, 1, 100);
	assert_int_equal(plan_iterations(&c, &cost, NULL), 100);
	/* runs that settle at their own levels: a few iterations each */
	c = comps(1000, 100, 100);
	assert_int_equal(plan_iterations(&c, &cost, NULL), 10);
	c = comps(1000, 100, 1);
	assert_int_equal(plan_iterations(&c, &cost, NULL), 1);
	/* m* = 2.5: the better neighbour of v(m) (c_run + m c_iter): 2 and 3 give 1.5625 and 1.5 */
	c = comps(1000, 4, 25);
	odd.run_s = 1;
	odd.iter_s = 1;
	assert_int_equal(plan_iterations(&c, &odd, NULL), 3);
	/* nothing between runs: only iterations pay, up to the limit */
	c = comps(1000, 0, 100);
	assert_int_equal(plan_iterations(&c, &cost, NULL), lim.max_iterations);
	lim.max_iterations = 50;
	assert_int_equal(plan_iterations(&c, &cost, &lim), 50);
	/* out of range */
	c = comps(1000, NAN, 100);
	assert_int_equal(plan_iterations(&c, &cost, NULL), 0);
	c = comps(1000, 1, 100);
	odd.iter_s = 0;
	assert_int_equal(plan_iterations(&c, &odd, NULL), 0);
}

/*
 * Every m's width by brute force, for the allocation to beat: h(m, r) by
 * its formula, t once per r (plan_half_width_pct() checks the formula
 * above; a quantile per m would be most of this test's time under qemu).
 */
static double best_by_hand(const struct cmp_components *c, const struct plan_costs *cost,
			   double seconds, const struct plan_limits *lim, unsigned *bm)
{
	double best = INFINITY, t = NAN, last_r = -1;
	unsigned m;

	for (m = lim->min_iterations; m <= lim->max_iterations; m++) {
		double r = fmin(floor(seconds / (cost->run_s + m * cost->iter_s)), lim->max_runs), h;

		if (r < lim->min_runs)
			break;
		if (r != last_r) {
			t = cmp_t_quantile(0.975, 2 * (r - 1));
			last_r = r;
		}
		h = 100 * expm1(t * sqrt(2 * (c->var_between + c->var_within / m) / r) / c->mean);
		if (h < best) {
			best = h;
			*bm = m;
		}
	}
	return best;
}

static void test_allocate(void **state)
{
	/* fork of 1 GiB: a run costs 0.4 s (fresh process, populate, warm-up), an iteration 15 ms */
	const struct plan_costs cost = { .run_s = 0.4, .iter_s = 0.015 };
	static const double vb[] = { 0.0004, 0.0025, 0.01, 0.04 }; /* run sd 2%..20% of the mean */
	static const double vw[] = { 0.0025, 0.04, 0.25 };        /* iteration sd 5%..50% */
	static const double secs[] = { 20, 60, 300 };
	struct plan_limits lim = PLAN_LIMITS_INIT;
	struct plan_alloc a, b;
	size_t i, j, k;

	(void)state;
	lim.max_iterations = 2000;
	for (i = 0; i < N(vb); i++)
		for (j = 0; j < N(vw); j++)
			for (k = 0; k < N(secs); k++) {
				struct cmp_components c = comps(1, vb[i], vw[j]);
				unsigned bm = 0;
				double best = best_by_hand(&c, &cost, secs[k], &lim, &bm);

				assert_int_equal(plan_allocate(&c, &cost, secs[k], 0.95, &lim, &a), 0);
				assert_rel(a.half_width_pct, best, 1e-12);
				assert_int_equal(a.iterations, bm);
				assert_true(a.seconds <= secs[k]);
				assert_true(a.runs >= lim.min_runs && a.runs <= lim.max_runs);
				assert_rel(a.seconds, a.runs * (cost.run_s + a.iterations * cost.iter_s), 1e-15);
				assert_rel(a.m_opt, sqrt(vw[j] / vb[i] * cost.run_s / cost.iter_s), 1e-15);
				/* near m*: t's df and the whole runs move it a little */
				assert_true(a.iterations >= floor(a.m_opt) / 2 && a.iterations <= 2 * ceil(a.m_opt) + 2);
			}
	/* when runs settle at their own levels, many short runs beat a few long ones */
	{
		struct cmp_components c = comps(1, 0.04, 0.04);

		assert_int_equal(plan_allocate(&c, &cost, 60, 0.95, &lim, &a), 0);
		assert_true(a.iterations <= 6 && a.runs >= 100);
		lim.min_iterations = lim.max_iterations = 100; /* today's 100 iterations a run */
		assert_int_equal(plan_allocate(&c, &cost, 60, 0.95, &lim, &b), 0);
		assert_int_equal(b.runs, 31);
		assert_true(b.half_width_pct > 1.5 * a.half_width_pct);
		lim = (struct plan_limits)PLAN_LIMITS_INIT;
	}
	/* too little time for min_runs: -ERANGE and what min_runs would take */
	{
		struct cmp_components c = comps(1, 0.01, 0.01);

		assert_int_equal(plan_allocate(&c, &cost, 1, 0.95, NULL, &a), -ERANGE);
		assert_int_equal(a.runs, lim.min_runs);
		assert_int_equal(a.iterations, 1);
		assert_rel(a.seconds, 5 * 0.415, 1e-15);
		/* out of range */
		assert_int_equal(plan_allocate(&c, &cost, 0, 0.95, NULL, &a), -EINVAL);
		assert_int_equal(plan_allocate(&c, &cost, 60, 1, NULL, &a), -EINVAL);
		c.var_between = NAN;
		assert_int_equal(plan_allocate(&c, &cost, 60, 0.95, NULL, &a), -EINVAL);
		c = comps(-1, 0.01, 0.01);
		assert_int_equal(plan_allocate(&c, &cost, 60, 0.95, NULL, &a), -EINVAL);
	}
}

static void test_runs_for(void **state)
{
	struct cmp_components c = comps(100, 4, 100); /* run sd 2%, iteration sd 10% */
	struct plan_limits lim = PLAN_LIMITS_INIT;
	unsigned r;

	(void)state;
	r = plan_runs_for(&c, 10, 1, 0.95, NULL);
	assert_true(r > 5);
	assert_true(plan_half_width_pct(&c, 10, r, 0.95) <= 1);
	assert_true(plan_half_width_pct(&c, 10, r - 1, 0.95) > 1);
	/* at least min_runs, and 0 when max_runs cannot reach it */
	assert_int_equal(plan_runs_for(&c, 10, 50, 0.95, NULL), lim.min_runs);
	lim.max_runs = 20;
	assert_int_equal(plan_runs_for(&c, 10, 0.1, 0.95, &lim), 0);
	assert_int_equal(plan_runs_for(&c, 10, 0, 0.95, NULL), 0);
	assert_int_equal(plan_runs_for(&c, 0, 1, 0.95, NULL), 0);
}

/* ---- the stopping rule on fixed values ---- */

static void test_stop(void **state)
{
	/* 8 runs, mean 100, sd 1 (cv 1%) */
	static const double v[] = { 98.5, 101.5, 99, 101, 99.5, 100.5, 100, 100 };
	struct plan_stop_params p = PLAN_STOP_INIT;
	struct plan_stop s;
	double sd, cvu, h, q, z;
	size_t i;

	(void)state;
	/* the sample sd by hand */
	for (i = 0, sd = 0; i < N(v); i++)
		sd += (v[i] - 100) * (v[i] - 100);
	sd = sqrt(sd / 7);
	/* cv bounded with Wilson-Hilferty's chi-square quantile at 1 - 0.9, 7 df */
	z = cmp_norm_quantile(1 - p.sd_confidence);
	q = 7 * pow(1 - 2.0 / 63 + z * sqrt(2.0 / 63), 3);
	cvu = sd / 100 * sqrt(7 / q);
	h = cmp_t_quantile(0.975, 14) * sqrt(2 * cvu * cvu / 8);

	p.budget_pct = 2;
	assert_int_equal(plan_stop(v, N(v), NULL, 0, &p, &s), 0);
	assert_int_equal(s.runs, 8);
	assert_rel(s.cv, sd / 100, 1e-14);
	assert_rel(s.cv_bound, cvu, 1e-14);
	assert_true(s.cv_bound > s.cv);
	assert_rel(s.half_width_pct, 100 * expm1(h), 1e-13);
	assert_rel(s.target_pct, 1, 1e-13);
	/* about 1.6% (cv 1%, bounded 1.3%): not yet narrow enough for a 2% budget */
	assert_false(s.stop);
	assert_int_equal(s.reason, PLAN_MORE);
	assert_string_equal(plan_reason_name(s.reason), "more");
	/* the runs it asks for would do at this spread: t sqrt(2 cvu^2 / n) <= ln 1.01 */
	{
		size_t n = N(v) + s.runs_more;
		double df = 2.0 * (double)(n - 1);

		assert_true(s.runs_more > 0);
		assert_true(cmp_t_quantile(0.975, df) * sqrt(2 * cvu * cvu / (double)n) <= log(1.01));
		n--;
		df = 2.0 * (double)(n - 1);
		assert_true(cmp_t_quantile(0.975, df) * sqrt(2 * cvu * cvu / (double)n) > log(1.01));
	}
	/* a 5% budget is decided */
	p.budget_pct = 5;
	assert_int_equal(plan_stop(v, N(v), NULL, 0, &p, &s), 0);
	assert_true(s.stop);
	assert_int_equal(s.reason, PLAN_PRECISE);
	assert_int_equal(s.runs_more, 0);
	/* ... but not before min_runs */
	assert_int_equal(plan_stop(v, 4, NULL, 0, &p, &s), 0);
	assert_false(s.stop);
	assert_true(s.runs_more >= 1);
	/* max_runs ends it */
	p.budget_pct = 0.1;
	p.max_runs = 8;
	assert_int_equal(plan_stop(v, N(v), NULL, 0, &p, &s), 0);
	assert_true(s.stop);
	assert_int_equal(s.reason, PLAN_MAX_RUNS);
	assert_string_equal(plan_reason_name(PLAN_MAX_RUNS), "max-runs");
	assert_null(plan_reason_name((enum plan_reason)3));
	/* against a base: a base twice as noisy needs more of this side too */
	{
		double b[N(v)];
		struct plan_stop alone;

		for (i = 0; i < N(v); i++)
			b[i] = 100 + 2 * (v[i] - 100);
		p = (struct plan_stop_params)PLAN_STOP_INIT;
		p.budget_pct = 4;
		assert_int_equal(plan_stop(v, N(v), NULL, 0, &p, &alone), 0);
		assert_int_equal(plan_stop(v, N(v), b, N(b), &p, &s), 0);
		assert_true(s.half_width_pct > alone.half_width_pct);
		assert_true(alone.stop && !s.stop && s.runs_more > 0);
		/* the same base as this side: the same as no base */
		assert_int_equal(plan_stop(v, N(v), v, N(v), &p, &s), 0);
		assert_rel(s.half_width_pct, alone.half_width_pct, 1e-14);
	}
	/* sd_confidence 0.5 is (nearly) the plain spread */
	p = (struct plan_stop_params)PLAN_STOP_INIT;
	p.sd_confidence = 0.5;
	assert_int_equal(plan_stop(v, N(v), NULL, 0, &p, &s), 0);
	assert_rel(s.cv_bound, s.cv, 1e-15);
	/* one run: nothing to say yet */
	assert_int_equal(plan_stop(v, 1, NULL, 0, NULL, &s), 0);
	assert_false(s.stop);
	assert_true(isnan(s.half_width_pct) && isnan(s.cv));
	assert_int_equal(s.runs_more, 0);
	/* out of range */
	p = (struct plan_stop_params)PLAN_STOP_INIT;
	p.width_frac = 0;
	assert_int_equal(plan_stop(v, N(v), NULL, 0, &p, &s), -EINVAL);
	p = (struct plan_stop_params)PLAN_STOP_INIT;
	p.sd_confidence = 1;
	assert_int_equal(plan_stop(v, N(v), NULL, 0, &p, &s), -EINVAL);
	p = (struct plan_stop_params)PLAN_STOP_INIT;
	p.budget_pct = 0;
	assert_int_equal(plan_stop(v, N(v), NULL, 0, &p, &s), -EINVAL);
}

/* ---- simulations ---- */

/*
 * One run of m iterations: mu + a + e_j with a ~ N(0, vb), e ~ N(0, vw):
 * the run's mean of its iterations.  With iter set, the iterations too.
 */
static double sim_run(struct rng *g, double mu, double vb, double vw, unsigned m, double *iter)
{
	double a = sqrt(vb) * rng_normal(g), s = 0;
	unsigned j;

	for (j = 0; j < m; j++) {
		double y = mu + a + sqrt(vw) * rng_normal(g);

		if (iter)
			iter[j] = y;
		s += y;
	}
	return s / m;
}

/* The ANOVA estimates are unbiased, also with unequal iterations per run. */
static void test_sim_components(void **state)
{
	enum { REPS = 400 / SIM_DIV, RUNS = 8 };
	static const unsigned iters[RUNS] = { 3, 10, 5, 10, 7, 2, 10, 4 };
	struct rng g = { 11, 0, 0 };
	double vals[RUNS][10], sum_b = 0, sum_b2 = 0, sum_w = 0, se;
	struct cmp_group grp[RUNS];
	int rep, neg = 0;
	unsigned i;

	(void)state;
	for (rep = 0; rep < REPS; rep++) {
		struct cmp_components c;

		for (i = 0; i < RUNS; i++) {
			sim_run(&g, 100, 4, 25, iters[i], vals[i]);
			grp[i] = (struct cmp_group){ vals[i], iters[i] };
		}
		cmp_components(grp, RUNS, &c);
		sum_b += c.var_between_raw;
		sum_b2 += c.var_between_raw * c.var_between_raw;
		sum_w += c.var_within;
		neg += c.negative;
	}
	se = sqrt((sum_b2 / REPS - (sum_b / REPS) * (sum_b / REPS)) / REPS);
	printf("    components: var_between %.2f (true 4, se %.2f), var_within %.2f (true 25), "
	       "%d of %d negative\n", sum_b / REPS, se, sum_w / REPS, neg, REPS);
	assert_true(fabs(sum_b / REPS - 4) < 3 * se);
	assert_true(fabs(sum_w / REPS - 25) < 1);
	assert_true(neg > 0); /* the truncation is exercised */
}

/* a side's runs, m iterations each, from the components (per-run means directly) */
static double sim_mean(struct rng *g, double mu, double vb, double vw, unsigned m)
{
	return mu + sqrt(vb + vw / m) * rng_normal(g);
}

/*
 * A fixed allocation delivers the width it promises: the realized
 * half-width of the comparison averages the predicted one (within the
 * few percent by which E[s] falls short of sigma), and the interval covers
 * the true change at its level.
 */
static void test_sim_allocation(void **state)
{
	enum { REPS = 1500 / SIM_DIV };
	const struct plan_costs cost = { .run_s = 0.4, .iter_s = 0.015 };
	struct cmp_components c = comps(1000, 400, 22500); /* run sd 2%, iteration sd 15% */
	struct rng g = { 23, 0, 0 };
	struct plan_alloc a;
	double sum_h = 0, base[1000], head[1000];
	int rep, cover = 0;
	unsigned i;

	(void)state;
	assert_int_equal(plan_allocate(&c, &cost, 30, 0.95, NULL, &a), 0);
	printf("    allocation for 30 s: %u runs x %u iterations (m* %.1f), half-width %.2f%%\n",
	       a.runs, a.iterations, a.m_opt, a.half_width_pct);
	for (rep = 0; rep < REPS; rep++) {
		struct cmp_result r;

		for (i = 0; i < a.runs; i++) {
			base[i] = sim_mean(&g, 1000, c.var_between, c.var_within, a.iterations);
			head[i] = sim_mean(&g, 1030, c.var_between, c.var_within, a.iterations);
		}
		assert_int_equal(cmp_compare(base, a.runs, head, a.runs, NULL, &r), 0);
		sum_h += (log1p(r.ci_hi_pct / 100) - log1p(r.ci_lo_pct / 100)) / 2;
		cover += r.ci_lo_pct <= 3 && 3 <= r.ci_hi_pct;
	}
	printf("    realized half-width %.2f%% (predicted %.2f%%), coverage %.3f\n",
	       100 * expm1(sum_h / REPS), a.half_width_pct, (double)cover / REPS);
	assert_rel(100 * expm1(sum_h / REPS), a.half_width_pct, 0.05);
	assert_true(fabs((double)cover / REPS - 0.95) < 3 * sqrt(0.95 * 0.05 / REPS));
}

/* A regime of known components, in fractions of the mean, and its budget. */
struct regime {
	const char *name;
	double sd_between, sd_within;	/* of the mean */
	double budget_pct;
};

/* fork at 1 GiB on this VM, about: a run 0.4 s, an iteration 15 ms */
static const struct plan_costs sim_cost = { .run_s = 0.4, .iter_s = 0.015 };

/*
 * One kernel measured by the two-stage procedure: a pilot of
 * PLAN_PILOT_RUNS runs of 10 iterations (simulated iteration by
 * iteration), its components, plan_pilot(), then the main stage's runs
 * into v (per-run means).  Returns N; *m the iterations chosen.
 */
static unsigned sim_two_stage(struct rng *g, double mu, const struct regime *rg,
			      const struct plan_stop_params *p, double *v, unsigned *m)
{
	double it[PLAN_PILOT_RUNS][10], vb = rg->sd_between * rg->sd_between * mu * mu;
	double vw = rg->sd_within * rg->sd_within * mu * mu;
	struct cmp_group grp[PLAN_PILOT_RUNS];
	struct cmp_components c;
	struct plan_main pm;
	unsigned i;
	int ret;

	for (i = 0; i < PLAN_PILOT_RUNS; i++) {
		sim_run(g, mu, vb, vw, 10, it[i]);
		grp[i] = (struct cmp_group){ it[i], 10 };
	}
	cmp_components(grp, PLAN_PILOT_RUNS, &c);
	ret = plan_pilot(&c, &sim_cost, p, NULL, &pm);
	assert_true(ret == 0 || ret == -ERANGE);
	for (i = 0; i < pm.runs; i++)
		v[i] = sim_mean(g, mu, vb, vw, pm.iterations);
	*m = pm.iterations;
	return pm.runs;
}

struct tally {
	int reps, covered, narrow, early, verdicts[CMP_VERDICTS], p_below;
	double runs, iterations, seconds;
};

/*
 * reps comparisons of a base and a head (ratio 1 + change), each kernel
 * measured by the two-stage procedure (seq 0) or with plan_stop() after
 * every run (seq 1, for contrast): how often the interval covers the true
 * change, is as narrow as promised, how often the true half-width at the
 * runs taken exceeds the target by more than a quarter ("stopped early on
 * noise"), the verdicts, and how often Welch's p < alpha.
 */
static void sim_tally(struct rng *g, const struct regime *rg, double change, int seq,
		      const struct plan_stop_params *p, int reps, double alpha, struct tally *t)
{
	enum { MAXR = 1000 };
	struct cmp_params cp = CMP_PARAMS_INIT;
	double *base = malloc(MAXR * sizeof(*base)), *head = malloc(MAXR * sizeof(*head));
	double target = log1p(p->width_frac * p->budget_pct / 100);
	int rep;

	assert_non_null(base);
	assert_non_null(head);
	memset(t, 0, sizeof(*t));
	cp.threshold_pct = p->budget_pct;
	cp.alpha = alpha;
	for (rep = 0; rep < reps; rep++) {
		unsigned nb, nh, mb = 10, mh = 10;
		struct cmp_result r;
		double l, h, vrun, a, b, df;

		if (!seq) {
			nb = sim_two_stage(g, 1000, rg, p, base, &mb);
			nh = sim_two_stage(g, 1000 * (1 + change), rg, p, head, &mh);
		} else {
			/* per-run means of 10 iterations, plan_stop() after each */
			double vb = rg->sd_between * rg->sd_between * 1e6, vw = rg->sd_within * rg->sd_within * 1e6;
			struct plan_stop s;

			for (nb = 0, s.stop = 0; !s.stop && nb < MAXR;) {
				base[nb] = sim_mean(g, 1000, vb, vw, 10);
				assert_int_equal(plan_stop(base, ++nb, NULL, 0, p, &s), 0);
			}
			for (nh = 0, s.stop = 0; !s.stop && nh < MAXR;) {
				head[nh] = (1 + change) * sim_mean(g, 1000, vb, vw, 10);
				assert_int_equal(plan_stop(head, ++nh, NULL, 0, p, &s), 0);
			}
		}
		assert_int_equal(cmp_compare(base, nb, head, nh, &cp, &r), 0);
		l = log(r.ratio);
		h = fmax(log1p(r.ci_hi_pct / 100) - l, l - log1p(r.ci_lo_pct / 100));
		/* the true half-width at these runs: the true spreads, Welch's df */
		vrun = rg->sd_between * rg->sd_between;
		a = (vrun + rg->sd_within * rg->sd_within / mh) / nh;
		b = (vrun + rg->sd_within * rg->sd_within / mb) / nb;
		df = (a + b) * (a + b) / (a * a / (nh - 1) + b * b / (nb - 1));
		t->reps++;
		t->covered += log1p(r.ci_lo_pct / 100) <= log1p(change) + 1e-12 &&
			      log1p(change) - 1e-12 <= log1p(r.ci_hi_pct / 100);
		t->narrow += h <= target * 1.0001;
		t->early += cmp_t_quantile(0.975, df) * sqrt(a + b) > 1.25 * target;
		t->verdicts[r.verdict]++;
		t->p_below += r.welch.p < alpha;
		t->runs += (nb + nh) / 2.0;
		t->iterations += (mb + mh) / 2.0;
		t->seconds += (nb * (sim_cost.run_s + mb * sim_cost.iter_s) +
			       nh * (sim_cost.run_s + mh * sim_cost.iter_s)) / 2;
	}
	t->runs /= reps;
	t->iterations /= reps;
	t->seconds /= reps;
	free(base);
	free(head);
}

static double frac(int k, int n)
{
	return (double)k / n;
}

/* three standard errors of a proportion near p over n trials */
static double se3(double p, int n)
{
	return 3 * sqrt(p * (1 - p) / n);
}

static void print_tally(const char *what, const struct tally *t)
{
	printf("    %-24s %5.1f runs x %5.1f (%6.1f s), covered %.3f, narrow %.3f, early %.3f; "
	       "regression %d, significant %d, unchanged %d, inconclusive %d, gain %d\n",
	       what, t->runs, t->iterations, t->seconds, frac(t->covered, t->reps), frac(t->narrow, t->reps),
	       frac(t->early, t->reps), t->verdicts[CMP_REGRESSION], t->verdicts[CMP_SIGNIFICANT],
	       t->verdicts[CMP_UNCHANGED], t->verdicts[CMP_INCONCLUSIVE], t->verdicts[CMP_GAIN]);
}

static const struct regime regimes[] = {
	/* noisy iterations, steady runs: long runs pay */
	{ "runs steady, iterations noisy", 0.02, 0.15, 4 },
	/* runs settle at their own levels: short runs pay */
	{ "runs at their own levels", 0.08, 0.10, 10 },
	{ "both", 0.05, 0.30, 10 },
};

/*
 * The two-stage procedure reaches the promised width (about sd_confidence
 * of the time, never far off: "early" is a true half-width a quarter past
 * the target) without stopping early on lucky pilots, covers at its level,
 * calls a kernel that changed nothing unchanged and one that changed by
 * twice the budget a regression.
 */
static void test_sim_two_stage(void **state)
{
	enum { REPS = 500 / SIM_DIV };
	struct plan_stop_params p = PLAN_STOP_INIT;
	struct rng g = { 31, 0, 0 };
	struct tally t;
	size_t i;

	(void)state;
	for (i = 0; i < N(regimes); i++) {
		const struct regime *rg = &regimes[i];

		p.budget_pct = rg->budget_pct;
		{
			/* what knowing the components would take: the fewest seconds that reach the target */
			struct cmp_components c = comps(1, rg->sd_between * rg->sd_between,
							rg->sd_within * rg->sd_within);
			unsigned m = plan_iterations(&c, &sim_cost, NULL);
			unsigned r = plan_runs_for(&c, m, rg->budget_pct / 2, 0.95, NULL);

			printf("    %s (run sd %.0f%%, iteration sd %.0f%%, budget %.0f%%; knowing them: "
			       "%u runs x %u, %.1f s):\n", rg->name, 100 * rg->sd_between,
			       100 * rg->sd_within, rg->budget_pct, r, m, r * (sim_cost.run_s + m * sim_cost.iter_s));
		}
		sim_tally(&g, rg, 0, 0, &p, REPS, 0.01, &t);
		print_tally("A/A", &t);
		assert_true(frac(t.covered, REPS) >= 0.95 - se3(0.95, REPS));
		assert_true(frac(t.narrow, REPS) >= p.sd_confidence - se3(p.sd_confidence, REPS));
		assert_true(frac(t.early, REPS) <= 0.05);
		assert_true(frac(t.verdicts[CMP_UNCHANGED], REPS) >= 0.85);
		assert_true(t.verdicts[CMP_REGRESSION] + t.verdicts[CMP_GAIN] <= 0.01 * REPS + se3(0.01, REPS) * REPS);

		sim_tally(&g, rg, 2 * rg->budget_pct / 100, 0, &p, REPS, 0.01, &t);
		print_tally("twice the budget slower", &t);
		assert_true(frac(t.covered, REPS) >= 0.95 - se3(0.95, REPS));
		assert_true(frac(t.verdicts[CMP_REGRESSION], REPS) >= 0.85);
	}
}

/*
 * Looking at the interval's width keeps the false alarms at alpha: with
 * the two-stage procedure on both kernels, Welch's p of the comparison
 * falls below alpha about alpha of the time.  For contrast (printed):
 * plan_stop() after every run, and stopping as soon as p < alpha, which
 * must inflate it (the simulation can see inflation).
 */
static void test_sim_false_alarms(void **state)
{
	enum { REPS = 2000 / SIM_DIV, PEEK_MAX = 40 };
	const double alpha = 0.05;
	const struct regime *rg = &regimes[1];
	struct plan_stop_params p = PLAN_STOP_INIT;
	struct rng g = { 47, 0, 0 };
	struct tally t;
	int rep, peek = 0;

	(void)state;
	p.budget_pct = rg->budget_pct;
	sim_tally(&g, rg, 0, 0, &p, REPS, alpha, &t);
	printf("    A/A, two-stage: p < %.2f in %.3f of %d (%.1f runs)\n", alpha, frac(t.p_below, REPS),
	       REPS, t.runs);
	assert_true(fabs(frac(t.p_below, REPS) - alpha) <= se3(alpha, REPS));
	sim_tally(&g, rg, 0, 1, &p, REPS / 4, alpha, &t);
	printf("    A/A, plan_stop() after every run: p < %.2f in %.3f of %d (%.1f runs)\n", alpha,
	       frac(t.p_below, REPS / 4), REPS / 4, t.runs);
	for (rep = 0; rep < REPS; rep++) {
		double base[PEEK_MAX], head[PEEK_MAX];
		size_t n;

		for (n = 0; n < PEEK_MAX; n++) {
			struct cmp_welch w;

			base[n] = 1000 + 80 * rng_normal(&g);
			head[n] = 1000 + 80 * rng_normal(&g);
			if (n + 1 < 5)
				continue;
			cmp_welch(head, n + 1, base, n + 1, &w);
			if (w.p < alpha) {
				peek++;
				break;
			}
		}
	}
	printf("    A/A stopping at p < %.2f (up to %d runs): p < %.2f in %.3f\n", alpha, PEEK_MAX,
	       alpha, frac(peek, REPS));
	assert_true(frac(peek, REPS) > 2 * alpha);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_iterations),
		cmocka_unit_test(test_allocate),
		cmocka_unit_test(test_runs_for),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_sim_components),
		cmocka_unit_test(test_sim_allocation),
		cmocka_unit_test(test_sim_two_stage),
		cmocka_unit_test(test_sim_false_alarms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
