// SPDX-License-Identifier: GPL-2.0
#include "lib/plan.h"

#include <errno.h>
#include <math.h>

static int limits_ok(const struct plan_limits *l)
{
	return l->min_runs >= 3 && l->max_runs >= l->min_runs && l->min_iterations >= 1 &&
	       l->max_iterations >= l->min_iterations;
}

static int components_ok(const struct cmp_components *vc)
{
	return vc->var_within >= 0 && vc->var_between >= 0 && vc->mean > 0 && isfinite(vc->mean) &&
	       isfinite(vc->var_within) && isfinite(vc->var_between);
}

static int costs_ok(const struct plan_costs *c)
{
	return c->run_s >= 0 && isfinite(c->run_s) && c->iter_s > 0 && isfinite(c->iter_s);
}

double plan_run_var(const struct cmp_components *vc, double m)
{
	return vc->var_between + vc->var_within / m;
}

/* h(m, r) on the log scale, given t_{(1+level)/2, 2(r-1)} */
static double half_width(const struct cmp_components *vc, double m, unsigned r, double t)
{
	return t * sqrt(2 * plan_run_var(vc, m) / r) / vc->mean;
}

static double t_for(unsigned r, double level)
{
	return cmp_t_quantile((1 + level) / 2, 2.0 * (r - 1));
}

double plan_half_width_pct(const struct cmp_components *vc, double m, unsigned r, double level)
{
	if (r < 2 || !components_ok(vc) || !(m > 0) || !(level > 0 && level < 1))
		return NAN;
	return 100 * expm1(half_width(vc, m, r, t_for(r, level)));
}

/* v(m) (c_run + m c_iter): the variance of a case's mean times the time it took */
static double var_time(const struct cmp_components *vc, const struct plan_costs *c, double m)
{
	return plan_run_var(vc, m) * (c->run_s + m * c->iter_s);
}

static double m_opt(const struct cmp_components *vc, const struct plan_costs *c)
{
	if (vc->var_between == 0)
		return vc->var_within > 0 ? INFINITY : 1;
	return sqrt(vc->var_within / vc->var_between * (c->run_s / c->iter_s));
}

unsigned plan_iterations(const struct cmp_components *vc, const struct plan_costs *cost,
			 const struct plan_limits *lim)
{
	static const struct plan_limits defaults = PLAN_LIMITS_INIT;
	const struct plan_limits *l = lim ? lim : &defaults;
	double m, lo, hi;

	if (!components_ok(vc) || !costs_ok(cost) || !limits_ok(l))
		return 0;
	m = m_opt(vc, cost);
	lo = fmin(fmax(floor(m), l->min_iterations), l->max_iterations);
	hi = fmin(fmax(ceil(m), l->min_iterations), l->max_iterations);
	/* var_time is convex in m (a/m + b m + c): the better neighbour is the optimum */
	return (unsigned)(var_time(vc, cost, hi) < var_time(vc, cost, lo) ? hi : lo);
}

int plan_allocate(const struct cmp_components *vc, const struct plan_costs *cost, double seconds,
		  double level, const struct plan_limits *lim, struct plan_alloc *out)
{
	static const struct plan_limits defaults = PLAN_LIMITS_INIT;
	const struct plan_limits *l = lim ? lim : &defaults;
	double best = INFINITY, t = NAN;
	unsigned m, r, last_r = 0;
	int found = 0;

	if (!components_ok(vc) || !costs_ok(cost) || !limits_ok(l) || !(seconds > 0) ||
	    !isfinite(seconds) || !(level > 0 && level < 1))
		return -EINVAL;
	out->m_opt = m_opt(vc, cost);
	/*
	 * r is non-increasing in m, so the search ends where r drops below
	 * min_runs; t changes only with r.  O(max_iterations) steps and one
	 * quantile per distinct r.
	 */
	for (m = l->min_iterations; m <= l->max_iterations; m++) {
		double runs = floor(seconds / (cost->run_s + m * cost->iter_s)), h;

		r = runs > l->max_runs ? l->max_runs : (unsigned)runs;
		if (r < l->min_runs)
			break;
		if (r != last_r) {
			t = t_for(r, level);
			last_r = r;
		}
		h = half_width(vc, m, r, t);
		if (h < best) {
			best = h;
			out->iterations = m;
			out->runs = r;
			found = 1;
		}
		if (m == l->max_iterations)
			break;
	}
	if (!found) {
		out->iterations = l->min_iterations;
		out->runs = l->min_runs;
		best = half_width(vc, out->iterations, out->runs, t_for(out->runs, level));
	}
	out->seconds = out->runs * (cost->run_s + out->iterations * cost->iter_s);
	out->half_width_pct = 100 * expm1(best);
	return found ? 0 : -ERANGE;
}

unsigned plan_runs_for(const struct cmp_components *vc, double m, double target_pct, double level,
		       const struct plan_limits *lim)
{
	static const struct plan_limits defaults = PLAN_LIMITS_INIT;
	const struct plan_limits *l = lim ? lim : &defaults;
	unsigned lo, hi;
	double target;

	if (!components_ok(vc) || !(m > 0) || !(target_pct > 0) || !limits_ok(l) ||
	    !(level > 0 && level < 1))
		return 0;
	target = log1p(target_pct / 100);
	if (half_width(vc, m, l->max_runs, t_for(l->max_runs, level)) > target)
		return 0;
	/* h decreases with r: the first r in [min_runs, max_runs] that reaches it */
	lo = l->min_runs;
	hi = l->max_runs;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (half_width(vc, m, mid, t_for(mid, level)) <= target)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* ---- stopping ---- */

/*
 * The lower p-quantile of chi-square with k degrees of freedom, by Wilson
 * and Hilferty (1931): (chi2 / k)^(1/3) is about normal with mean
 * 1 - 2/(9k) and variance 2/(9k).
 */
static double chi2_quantile(double p, double k)
{
	double a = 2 / (9 * k), c = 1 - a + cmp_norm_quantile(p) * sqrt(a);

	return c > 0 ? k * c * c * c : 0;
}

struct side {
	size_t n;
	double mean, cv, cvu;	/* cvu: the upper bound of cv */
};

static void side_of(const double *v, size_t n, double conf, struct side *s)
{
	long double sum = 0, ss = 0, mean;
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (isfinite(v[i])) {
			sum += v[i];
			k++;
		}
	s->n = k;
	s->mean = s->cv = s->cvu = NAN;
	if (!k)
		return;
	mean = sum / k;
	s->mean = (double)mean;
	if (k < 2)
		return;
	for (i = 0; i < n; i++)
		if (isfinite(v[i]))
			ss += (v[i] - mean) * (v[i] - mean);
	if (!(mean > 0))
		return;
	s->cv = (double)(sqrtl(ss / (k - 1)) / mean);
	if (conf > 0.5) {
		double q = chi2_quantile(1 - conf, (double)(k - 1));

		s->cvu = q > 0 ? s->cv * sqrt((double)(k - 1) / q) : INFINITY;
	} else {
		s->cvu = s->cv;
	}
}

/* Welch's df of the relative variances a = cv^2 / n and b */
static double welch_df(double a, double n, double b, double nb)
{
	return (a + b) * (a + b) / (a * a / (n - 1) + b * b / (nb - 1));
}

/* the projected half-width on the log scale, this side with n runs and the other with nb */
static double projected(double cvu, double n, double cvub, double nb, double level)
{
	double a = cvu * cvu / n, b = cvub * cvub / nb;

	if (a + b == 0)
		return 0;
	return cmp_t_quantile((1 + level) / 2, welch_df(a, n, b, nb)) * sqrt(a + b);
}

/*
 * The fewest k >= 1 more runs a side with t sqrt(cvu^2 / (n + k) + cvub^2 /
 * (nb + k)) <= target, for t at the df of the k found before: three rounds
 * from t at today's df (which overestimates k) usually settle it; an
 * estimate, so a few quantiles rather than one per candidate k.
 */
static size_t more_runs(const struct side *h, const struct side *b, double t, double target,
			double level, size_t cap)
{
	size_t k = 1;
	int round;

	for (round = 0; round < 3; round++) {
		size_t lo = 1, hi = 1;
		double cu = h->cvu * h->cvu, cb = b->cvu * b->cvu;

#define WIDTH(k) (t * sqrt(cu / (double)(h->n + (k)) + cb / (double)(b->n + (k))))
		while (hi < cap && WIDTH(hi) > target)
			hi = hi * 2 < cap ? hi * 2 : cap;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (WIDTH(mid) <= target)
				hi = mid;
			else
				lo = mid + 1;
		}
#undef WIDTH
		if (lo == k && round)
			break;
		k = lo;
		t = cmp_t_quantile((1 + level) / 2,
				   welch_df(cu / (double)(h->n + k), (double)(h->n + k),
					    cb / (double)(b->n + k), (double)(b->n + k)));
	}
	return k;
}

int plan_stop(const double *v, size_t n, const double *base, size_t nb,
	      const struct plan_stop_params *p, struct plan_stop *out)
{
	static const struct plan_stop_params defaults = PLAN_STOP_INIT;
	const struct plan_stop_params *par = p ? p : &defaults;
	struct side h, b;
	double target, hw = NAN;

	if (!(par->budget_pct > 0 && isfinite(par->budget_pct)) ||
	    !(par->width_frac > 0 && par->width_frac <= 1) || !(par->level > 0 && par->level < 1) ||
	    !(par->sd_confidence >= 0.5 && par->sd_confidence < 1) || par->min_runs < 2 ||
	    par->max_runs < par->min_runs)
		return -EINVAL;
	side_of(v, n, par->sd_confidence, &h);
	if (base)
		side_of(base, nb, par->sd_confidence, &b);
	else
		b = h;
	target = log1p(par->width_frac * par->budget_pct / 100);
	out->runs = h.n;
	out->cv = h.cv;
	out->cv_bound = h.cvu;
	out->target_pct = 100 * expm1(target);
	out->runs_more = 0;
	if (!isnan(h.cvu) && !isnan(b.cvu))
		hw = projected(h.cvu, (double)h.n, b.cvu, (double)b.n, par->level);
	out->half_width_pct = 100 * expm1(hw);
	if (h.n >= par->min_runs && hw <= target) {
		out->stop = 1;
		out->reason = PLAN_PRECISE;
		return 0;
	}
	if (h.n >= par->max_runs) {
		out->stop = 1;
		out->reason = PLAN_MAX_RUNS;
		return 0;
	}
	out->stop = 0;
	out->reason = PLAN_MORE;
	if (isfinite(hw) && hw > 0) {
		double t = hw / sqrt(h.cvu * h.cvu / (double)h.n + b.cvu * b.cvu / (double)b.n);

		out->runs_more = more_runs(&h, &b, t, target, par->level, par->max_runs - h.n);
	}
	if (!isnan(hw) && h.n + out->runs_more < par->min_runs)
		out->runs_more = par->min_runs - h.n;
	return 0;
}

/* the pilot's components with MSB and MSW at their upper bounds of confidence conf */
static int pilot_bound(const struct cmp_components *pilot, double conf, struct cmp_components *b)
{
	double k = (double)pilot->groups, dw = pilot->df_within, q;

	*b = *pilot;
	if (conf > 0.5) {
		q = chi2_quantile(1 - conf, k - 1);
		b->ms_between = q > 0 ? pilot->ms_between * (k - 1) / q : INFINITY;
		q = chi2_quantile(1 - conf, dw);
		b->var_within = b->ms_within = q > 0 ? pilot->ms_within * dw / q : INFINITY;
		b->var_between = fmax(0, (b->ms_between - pilot->ms_within) / pilot->n0);
	}
	return components_ok(b) ? 0 : -ERANGE;
}

int plan_pilot(const struct cmp_components *pilot, const struct plan_costs *cost,
	       const struct plan_stop_params *p, const struct plan_limits *lim, struct plan_main *out)
{
	static const struct plan_limits ldef = PLAN_LIMITS_INIT;
	static const struct plan_stop_params pdef = PLAN_STOP_INIT;
	const struct plan_limits *l = lim ? lim : &ldef;
	const struct plan_stop_params *par = p ? p : &pdef;
	struct cmp_components bound;
	double target;
	unsigned m, lo, hi;
	int err;

	if (!components_ok(pilot) || !costs_ok(cost) || !limits_ok(l) || pilot->groups < 2 ||
	    !(par->budget_pct > 0 && isfinite(par->budget_pct)) ||
	    !(par->width_frac > 0 && par->width_frac <= 1) || !(par->level > 0 && par->level < 1) ||
	    !(par->sd_confidence >= 0.5 && par->sd_confidence < 1))
		return -EINVAL;
	/*
	 * Upper bounds of the components: MSB and MSW bounded by their
	 * chi-square, var_between from them as cmp_components() does.  A pilot
	 * often cannot tell a small var_between from 0; m* from the point
	 * estimate would then be huge and N tiny, and the main stage would
	 * find the runs' own levels too late.  m comes from a bound at
	 * PLAN_M_CONFIDENCE (long runs are the risky choice), N from one at
	 * sd_confidence.
	 */
	err = pilot_bound(pilot, PLAN_M_CONFIDENCE, &bound);
	if (err)
		return err;
	m = plan_iterations(&bound, cost, l);
	err = pilot_bound(pilot, par->sd_confidence, &bound);
	if (err)
		return err;
	target = log1p(par->width_frac * par->budget_pct / 100);
	out->iterations = m;
	out->var_bound = plan_run_var(&bound, m);
	/* the first N in [min_runs, max_runs] that reaches the target, by bisection (h falls with N) */
	lo = l->min_runs;
	hi = l->max_runs;
	if (!(half_width(&bound, m, hi, t_for(hi, par->level)) <= target)) {
		lo = hi;
	} else {
		while (lo < hi) {
			unsigned mid = lo + (hi - lo) / 2;

			if (half_width(&bound, m, mid, t_for(mid, par->level)) <= target)
				hi = mid;
			else
				lo = mid + 1;
		}
	}
	out->runs = lo;
	out->seconds = lo * (cost->run_s + m * cost->iter_s);
	out->half_width_pct = 100 * expm1(half_width(pilot, m, lo, t_for(lo, par->level)));
	return half_width(&bound, m, lo, t_for(lo, par->level)) <= target ? 0 : -ERANGE;
}

static const char *const reason_names[] = {
	[PLAN_MORE] = "more",
	[PLAN_PRECISE] = "precise",
	[PLAN_MAX_RUNS] = "max-runs",
};

const char *plan_reason_name(enum plan_reason r)
{
	if ((unsigned)r >= sizeof(reason_names) / sizeof(reason_names[0]))
		return NULL;
	return reason_names[r];
}
