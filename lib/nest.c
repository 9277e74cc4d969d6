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

/* The one-way sums of the finite values of v grouped by label. */
struct sums {
	size_t N, k;        /* values, groups */
	double mean;        /* NAN without values */
	double sumsq_n;     /* sum of n_i^2 */
	double ssb, ssw;    /* between and within the groups: their sum is the total */
};

static int sums_of(const double *v, const unsigned *label, size_t n, struct sums *s)
{
	struct groups g;
	double total = 0;
	size_t i, j;

	memset(s, 0, sizeof(*s));
	if (group(v, label, n, &g))
		return -E2BIG;
	for (j = 0; j < g.k; j++) {
		s->N += g.n[j];
		total += g.sum[j];
		s->sumsq_n += (double)g.n[j] * (double)g.n[j];
	}
	s->k = g.k;
	s->mean = s->N ? total / (double)s->N : NAN;
	for (j = 0; j < g.k; j++) {
		double d = g.sum[j] / (double)g.n[j] - s->mean;

		s->ssb += (double)g.n[j] * d * d;
	}
	for (i = 0; i < n; i++) {
		double d;

		if (!isfinite(v[i]))
			continue;
		j = index_of(&g, label[i]);
		d = v[i] - g.sum[j] / (double)g.n[j];
		s->ssw += d * d;
	}
	return 0;
}

int nest_anova(const double *v, const unsigned *boot, size_t n, struct nest_anova *out)
{
	struct sums s;
	double f;

	if (sums_of(v, boot, n, &s))
		return -E2BIG;
	out->boots = s.k;
	out->runs = s.N;
	out->mean = s.mean;
	out->df_between = s.k >= 1 ? (double)s.k - 1 : NAN;
	out->df_within = s.N >= s.k ? (double)(s.N - s.k) : NAN;
	out->ms_between = s.k >= 2 ? s.ssb / out->df_between : NAN;
	out->ms_within = s.N > s.k ? s.ssw / out->df_within : NAN;
	out->n0 = s.k >= 2 ? ((double)s.N - s.sumsq_n / (double)s.N) / out->df_between : NAN;
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

/* ---- sessions with a known level ---- */

void nest_pool_add(struct nest_pool *p, const unsigned *n, const double *mean, const double *sd,
		   size_t k)
{
	double N = 0, total = 0, sumsq_n = 0, ssb = 0, ssw = 0, dfw = 0, m;
	size_t i, used = 0;

	for (i = 0; i < k; i++)
		if (n[i] && isfinite(mean[i]) && mean[i] > 0) {
			N += n[i];
			total += n[i] * mean[i];
			sumsq_n += (double)n[i] * n[i];
			used++;
		}
	if (used < 2)
		return;
	m = total / N;
	for (i = 0; i < k; i++) {
		double d;

		if (!n[i] || !isfinite(mean[i]) || !(mean[i] > 0))
			continue;
		d = (mean[i] - m) / m;
		ssb += n[i] * d * d;
		if (n[i] >= 2 && isfinite(sd[i])) {
			ssw += (n[i] - 1) * (sd[i] / m) * (sd[i] / m);
			dfw += n[i] - 1;
		}
	}
	p->ssb += ssb;
	p->ssw += ssw;
	p->df_between += (double)used - 1;
	p->df_within += dfw;
	p->n0_sum += N - sumsq_n / N;
	p->kernels++;
	p->sessions += (unsigned)used;
}

void nest_pool_prior(const struct nest_pool *p, struct nest_prior *out)
{
	double msb, msw, n0, d;

	memset(out, 0, sizeof(*out));
	out->var = out->df = out->den = out->var_within = NAN;
	out->kernels = p->kernels;
	out->sessions = p->sessions;
	if (!(p->df_between >= NEST_PRIOR_MIN_DF))
		return;
	msb = p->ssb / p->df_between;
	n0 = p->n0_sum / p->df_between;
	if (!(p->df_within > 0)) {
		/* sessions of one run each: their spread is all there is, and holds both */
		out->var = msb / n0;
		out->df = p->df_between;
		out->den = msb * msb / p->df_between / (n0 * n0);
		return;
	}
	msw = p->ssw / p->df_within;
	out->var_within = msw;
	out->den = (msb * msb / p->df_between + msw * msw / p->df_within) / (n0 * n0);
	d = msb - msw;
	out->var = d > 0 ? d / n0 : 0;
	out->df = d > 0 ? out->var * out->var / out->den : p->df_between;
}

struct side {
	size_t N, k;
	double mean, e, df_e, w_sess;	/* w_sess: sum n_i^2 / N^2, 0 without a within spread */
	double run_var_rel;		/* s_w^2 / mean^2 (or the runs' spread around the mean) */
};

static int side_of(const double *v, const unsigned *sess, size_t n, struct side *s)
{
	struct sums u;

	memset(s, 0, sizeof(*s));
	if (sums_of(v, sess, n, &u))
		return -E2BIG;
	s->N = u.N;
	s->k = u.k;
	s->mean = u.mean;
	s->e = s->df_e = s->run_var_rel = NAN;
	if (s->N < 2 || !(s->mean > 0))
		return 0;
	if (s->N > s->k) {
		s->run_var_rel = u.ssw / (double)(s->N - s->k) / (s->mean * s->mean);
		s->df_e = (double)(s->N - s->k);
		s->w_sess = u.sumsq_n / ((double)s->N * (double)s->N);
	} else {
		s->run_var_rel = (u.ssb + u.ssw) / (double)(s->N - 1) / (s->mean * s->mean);
		s->df_e = (double)(s->N - 1);
		s->w_sess = 0;
	}
	s->e = s->run_var_rel / (double)s->N;
	return 0;
}

/*
 * Head sessions for the normal-approximation test of a distance d at
 * level a with the base's mean of variance vb fixed and vh per head
 * session; INFINITY when no number of them would do.
 */
static double sessions_for(double d, double a, double power, double vb, double vh)
{
	double z = cmp_norm_quantile(1 - a / 2) + cmp_norm_quantile(power), room = d * d - z * z * vb;

	if (!(d > 0) || !isfinite(vh) || !isfinite(vb))
		return NAN;
	return room > 0 ? z * z * vh / room : INFINITY;
}

int nest_compare_prior(const double *base, const unsigned *base_sess, size_t nb, const double *head,
		       const unsigned *head_sess, size_t nh, const struct cmp_params *params,
		       const struct nest_prior *prior, struct nest_prior_result *out)
{
	static const struct cmp_params defaults = CMP_PARAMS_INIT;
	const struct cmp_params *par = params ? params : &defaults;
	struct nest_prior_result r;
	struct cmp_result *c = &r.cmp;
	struct side sb, sh;
	double tau, eb, eh, ec, se2, den, l, h, t, tq;
	int err;

	err = cmp_check_params(par);
	if (err)
		return err;
	if (!prior || !(prior->var >= 0 && prior->var < INFINITY) || !(prior->df > 0))
		return -EINVAL;
	if (side_of(base, base_sess, nb, &sb) || side_of(head, head_sess, nh, &sh))
		return -E2BIG;
	memset(&r, 0, sizeof(r));
	r.sessions_base = sb.k;
	r.sessions_head = sh.k;
	r.session_share = r.floor_pct = NAN;
	cmp_welch(head, nh, base, nb, &c->welch);
	err = cmp_mannwhitney(head, nh, base, nb, &c->mw);
	if (err)
		return err;
	c->change_pct = NAN;
	if (c->welch.mean_y != 0 && isfinite(c->welch.mean_y))
		c->change_pct = 100 * c->welch.diff / c->welch.mean_y;
	c->ratio = c->log_se = c->log_df = c->ci_lo_pct = c->ci_hi_pct = NAN;
	c->welch.t = c->welch.df = c->welch.p = c->welch.se = NAN;
	c->verdict = CMP_INCONCLUSIVE;
	c->runs_needed = 0;
	if (!isfinite(sb.e) || !isfinite(sh.e)) {
		*out = r;
		return 0;
	}
	tau = prior->var;
	eb = sb.e;
	eh = sh.e;
	ec = tau * (sb.w_sess + sh.w_sess);
	se2 = eb + eh + ec;
	l = log1p(c->welch.diff / c->welch.mean_y);
	c->ratio = sh.mean / sb.mean;
	c->log_se = sqrt(se2);
	r.session_share = se2 > 0 ? ec / se2 : NAN;
	if (se2 > 0) {
		double wsum = sb.w_sess + sh.w_sess;

		/* the level's estimate counts by its own uncertainty, also when it came out 0 */
		den = eb * eb / sb.df_e + eh * eh / sh.df_e +
		      (prior->den > 0 ? wsum * wsum * prior->den : ec > 0 ? ec * ec / prior->df : 0);
		c->log_df = se2 * se2 / den;
		tq = cmp_t_quantile((1 + par->level) / 2, c->log_df);
		h = tq * c->log_se;
		t = l / c->log_se;
		c->welch.t = t;
		c->welch.df = c->log_df;
		c->welch.p = 2 * cmp_t_cdf(-fabs(t), c->log_df);
		c->welch.se = c->log_se * c->welch.mean_y;
		r.floor_pct = 100 * expm1(tq * sqrt(ec));
	} else {
		h = 0;
		c->welch.p = l == 0 ? NAN : 0;
		c->welch.t = l == 0 ? NAN : copysign(INFINITY, l);
		r.floor_pct = 0;
	}
	c->ci_lo_pct = 100 * expm1(l - h);
	c->ci_hi_pct = 100 * expm1(l + h);
	c->verdict = cmp_verdict_of(c, par);
	if (c->verdict == CMP_INCONCLUSIVE || c->verdict == CMP_SIGNIFICANT) {
		double thr = par->threshold_pct, lu = log1p(thr / 100);
		double ll = thr < 100 ? log1p(-thr / 100) : -INFINITY, d = fmin(fabs(l - lu), fabs(l - ll));
		double rh = (double)sh.N / (double)sh.k;
		/* the base as it is; one more head session, at the head's mean runs per session */
		double vb = eb + tau * sb.w_sess;
		double vh = sh.w_sess > 0 ? tau + sh.run_var_rel / rh : sh.run_var_rel;
		double k = sessions_for(d, 1 - par->level, par->power, vb, vh);

		if (l > lu || l < ll)
			k = fmax(k, sessions_for(fabs(l), par->alpha, par->power, vb, vh));
		if (d > 0 && isfinite(vh) && isinf(k)) {
			r.base_limits = 1;
		} else if (d > 0 && isfinite(k)) {
			k = ceil(fmin(k, 1e6));
			k = fmax(k, (double)sh.k + 1);
			r.head_sessions_needed = (size_t)k;
			c->runs_needed = (size_t)(k * ceil(rh));
		}
	}
	*out = r;
	return 0;
}
