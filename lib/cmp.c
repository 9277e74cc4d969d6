// SPDX-License-Identifier: GPL-2.0
#include "lib/cmp.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * The incomplete beta function and the t distribution are evaluated in
 * long double (x87's 64-bit or aarch64's 113-bit significand) and rounded
 * once: for a large df, x = df / (df + t^2) is close to 1, and the
 * continued fraction amplifies x's rounding error by about df / t^2, which
 * double cannot afford (1e-11 at df = 1e6) and long double can.
 */
_Static_assert(LDBL_MANT_DIG >= 64, "compare.c wants a long double wider than double");

/* ---- log Beta ---- */

#define LN_SQRT_2PI 0.918938533204672741780329736405617640L
#define STIRLING_MIN 20

/*
 * lgamma(x) - ((x - 1/2) ln x - x + ln(2 pi) / 2) for x >= STIRLING_MIN:
 * the Stirling series to the x^-13 term; the first omitted term is below
 * 1e-21 there.
 */
static long double stirling_corr(long double x)
{
	long double r = 1 / x, r2 = r * r;

	return r * (1.0L / 12 + r2 * (-1.0L / 360 + r2 * (1.0L / 1260 + r2 * (-1.0L / 1680 +
		r2 * (1.0L / 1188 + r2 * (-691.0L / 360360 + r2 / 156))))));
}

static long double lgam(long double x)
{
	int sign;

	/* lgammal_r: lgamma writes the global signgam, and the daemon is threaded */
	return lgammal_r(x, &sign);
}

/*
 * ln B(a, b).  lgamma(a) + lgamma(b) - lgamma(a + b) cancels large terms
 * when an argument is large (df / 2 for a large df): there the Stirling
 * form is rearranged so that no term is much larger than the result.
 */
static long double lbeta(long double a, long double b)
{
	long double lo = fminl(a, b), hi = fmaxl(a, b);

	if (hi < STIRLING_MIN)
		return lgam(lo) + lgam(hi) - lgam(lo + hi);
	if (lo < STIRLING_MIN)
		return lgam(lo) - (hi - 0.5L) * log1pl(lo / hi) - lo * logl(hi + lo) + lo +
		       stirling_corr(hi) - stirling_corr(hi + lo);
	return LN_SQRT_2PI - (hi - 0.5L) * log1pl(lo / hi) + (lo - 0.5L) * logl(lo) -
	       lo * logl(hi + lo) + stirling_corr(hi) + stirling_corr(lo) - stirling_corr(hi + lo);
}

/* ---- incomplete beta ---- */

#define CF_EPS 1e-18L
#define CF_TINY 1e-300L
/* the fraction needs O(sqrt(max(a, b))) terms; df up to ~1e10 fits */
#define CF_MAXIT 200000

/*
 * The continued fraction for I_x(a, b) (Numerical Recipes' betacf, by the
 * modified Lentz method); converges fast for x < (a + 1) / (a + b + 2).
 */
static long double betacf(long double a, long double b, long double x)
{
	long double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d, h;
	int m;

	d = 1 - qab * x / qap;
	if (fabsl(d) < CF_TINY)
		d = CF_TINY;
	d = 1 / d;
	h = d;
	for (m = 1; m <= CF_MAXIT; m++) {
		long double m2 = 2.0L * m, aa, del;

		aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1 + aa * d;
		if (fabsl(d) < CF_TINY)
			d = CF_TINY;
		c = 1 + aa / c;
		if (fabsl(c) < CF_TINY)
			c = CF_TINY;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		if (fabsl(d) < CF_TINY)
			d = CF_TINY;
		c = 1 + aa / c;
		if (fabsl(c) < CF_TINY)
			c = CF_TINY;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabsl(del - 1) <= CF_EPS)
			break;
	}
	return h;
}

/*
 * ix = I_x(a, b) and iy = 1 - ix, given x, y = 1 - x and their logarithms
 * lx, ly, from a caller that knows them more accurately than 1 - x and
 * log(x) would (the t distribution does).  The fraction runs on the side
 * where it converges, so the smaller of the two results is computed
 * directly and keeps its relative accuracy in a tail.
 */
static void ibeta_pair(long double a, long double b, long double x, long double y,
		       long double lx, long double ly, long double *ix, long double *iy)
{
	long double front;

	if (lx == -INFINITY) {
		*ix = 0;
		*iy = 1;
		return;
	}
	if (ly == -INFINITY) {
		*ix = 1;
		*iy = 0;
		return;
	}
	/* x^a y^b / B(a, b) in logs: the powers alone under- or overflow */
	front = expl(a * lx + b * ly - lbeta(a, b));
	if (x < (a + 1) / (a + b + 2)) {
		*ix = front * betacf(a, b, x) / a;
		*iy = 1 - *ix;
	} else {
		*iy = front * betacf(b, a, y) / b;
		*ix = 1 - *iy;
	}
}

double cmp_betainc(double a, double b, double x)
{
	long double ix, iy, y = 1.0L - x;

	if (isnan(a) || isnan(b) || isnan(x) || a <= 0 || b <= 0)
		return NAN;
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	ibeta_pair(a, b, x, y, x <= 0.5 ? logl(x) : log1pl(-y), y <= 0.5L ? logl(y) : log1pl(-x),
		   &ix, &iy);
	return (double)ix;
}

/* ---- Student's t ---- */

/*
 * P(T > t) = I_x(df/2, 1/2) / 2 and P(0 < T < t) = I_y(1/2, df/2) / 2 for
 * t >= 0, with x = df / (df + t^2) and y = t^2 / (df + t^2): each is
 * computed directly where it is the small one.  (t^2 of a double does not
 * overflow a long double.)
 */
static void t_tails(double t, double df, long double *sf, long double *central)
{
	long double t2 = (long double)t * t, x, y, ix, iy;

	if (t2 == 0) {
		*sf = 0.5L;
		*central = 0;
		return;
	}
	if (isinf(t2)) {
		*sf = 0;
		*central = 0.5L;
		return;
	}
	if (df >= 2000 * fmaxl(t2 * t2, 81)) {
		/*
		 * The continued fraction's error grows like df / t^2 LDBL_EPSILON;
		 * out here the expansion about the normal distribution in 1/df is
		 * closer: P(T > t) = Q(t) + phi(t) (g1/df + g2/df^2 + g3/df^3),
		 * terms from integrating the expansion of the density, the first
		 * omitted about (t^4/df)^4 / 6144 relative.  df = INFINITY lands
		 * here too, with the terms 0.
		 */
		long double e = 1 / (long double)df, g1, g2, g3, corr;

		g1 = t * (t2 + 1) / 4;
		g2 = t * (t2 - 3) * ((3 * t2 + 2) * t2 + 1) / 96;
		g3 = t * (((((t2 - 11) * t2 + 14) * t2 + 6) * t2 - 3) * t2 - 15) / 384;
		corr = expl(-t2 / 2) / sqrtl(2 * M_PIl) * ((g3 * e + g2) * e + g1) * e;
		*sf = erfcl(t / sqrtl(2)) / 2 + corr;
		*central = erfl(t / sqrtl(2)) / 2 - corr;
		return;
	}
	x = df / (df + t2);
	y = t2 / (df + t2);
	ibeta_pair(df / 2.0L, 0.5L, x, y, x < 0.5L ? logl(x) : -log1pl(t2 / df),
		   y < 0.5L ? logl(y) : -log1pl(df / t2), &ix, &iy);
	*sf = ix / 2;
	*central = iy / 2;
}

static double t_sf_pos(double t, double df)
{
	long double sf, central;

	t_tails(t, df, &sf, &central);
	return (double)sf;
}

static long double t_pdf(double t, double df)
{
	long double t2 = (long double)t * t;

	if (isinf(df))
		return expl(-t2 / 2) / sqrtl(2 * M_PIl);
	return expl(-lbeta(df / 2.0L, 0.5L) - logl(df) / 2 - (df + 1.0L) / 2 * log1pl(t2 / df));
}

double cmp_t_cdf(double t, double df)
{
	long double sf, central;

	if (isnan(t) || isnan(df) || df <= 0)
		return NAN;
	t_tails(fabs(t), df, &sf, &central);
	return (double)(t < 0 ? sf : 0.5L + central);
}

double cmp_norm_cdf(double z)
{
	return cmp_t_cdf(z, INFINITY);
}

/*
 * The function whose root the quantile is, of u = ln t, decreasing in u:
 * in the tail, g = ln P(T > t) - ln target; in the middle,
 * g = ln target - ln P(0 < T < t), the probability on the side where it is
 * small and so known to full relative accuracy.  *dg = dg/du.
 */
static double q_eval_t(double t, double df, int middle, long double ltarget, double *dg)
{
	long double sf, central, m;

	t_tails(t, df, &sf, &central);
	m = middle ? central : sf;
	*dg = m > 0 ? (double)(-t * t_pdf(t, df) / m) : NAN;
	return (double)(middle ? ltarget - logl(m) : logl(m) - ltarget);
}

static double q_eval(double u, double df, int middle, long double ltarget, double *dg)
{
	return q_eval_t(exp(u), df, middle, ltarget, dg);
}

/* a first guess at the t with P(T > t) = alpha, 0 < alpha < 0.5 */
static double q_guess(double alpha, double df)
{
	double w = sqrt(-2 * log(alpha)), z, t;

	/* Abramowitz & Stegun 26.2.23, |error| < 4.5e-4 */
	z = w - (2.515517 + w * (0.802853 + w * 0.010328)) /
		(1 + w * (1.432788 + w * (0.189269 + w * 0.001308)));
	if (isinf(df))
		return z;
	if (df >= 3) {
		/* Cornish-Fisher, A&S 26.7.5 */
		double z2 = z * z, g1, g2, g3, g4;

		g1 = z * (z2 + 1) / 4;
		g2 = z * ((5 * z2 + 16) * z2 + 3) / 96;
		g3 = z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / 384;
		g4 = z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) / 92160;
		t = z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df;
	} else {
		/* the tail: P(T > t) ~ df^(df/2 - 1) t^-df / B(df/2, 1/2) */
		t = sqrt(df) * exp(-(log(df * alpha) + lbeta(df / 2, 0.5)) / df);
	}
	return t > 0 && isfinite(t) ? t : 1;
}

#define U_MAX 709.0	/* ln of about DBL_MAX */
#define U_MIN -740.0	/* ln of about the smallest subnormal */
#define U_TOL 1e-14	/* relative accuracy of t */

/*
 * The t > 0 with P(T > t) = target (middle == 0, target < 0.5) or with
 * P(0 < T < t) = target (middle == 1, target < 0.25).  In u = ln t both
 * logarithms are nearly linear (ln P(T > t) ~ -df u far out, and
 * ln P(0 < T < t) ~ u near 0), so Newton converges in a few steps; NR's
 * rtsafe bisects instead whenever a step would leave the bracket or shrink
 * it too slowly, so it always converges.
 */
static double t_quantile_pos(double target, double df, int middle)
{
	long double ltarget = logl(target);
	double u, g, dg, ulo, uhi, glo, ghi, dglo, dghi, dx, dxold, step, t;
	int i;

	t = middle ? (double)(target / t_pdf(0, df)) : q_guess(target, df);
	u = fmin(fmax(log(t), U_MIN), U_MAX);
	g = q_eval(u, df, middle, ltarget, &dg);
	if (g == 0)
		return exp(u);
	/* bracket the root, stepping out in doubling strides */
	ulo = uhi = u;
	glo = ghi = g;
	dglo = dghi = dg;
	for (step = 1; glo < 0 || isnan(glo); step *= 2) {
		uhi = ulo, ghi = glo, dghi = dglo;
		if (ulo <= U_MIN)
			return 0;
		ulo = fmax(ulo - step, U_MIN);
		glo = q_eval(ulo, df, middle, ltarget, &dglo);
	}
	for (step = 1; ghi > 0; step *= 2) {
		ulo = uhi, glo = ghi, dglo = dghi;
		if (uhi >= U_MAX)
			return INFINITY;
		uhi = fmin(uhi + step, U_MAX);
		ghi = q_eval(uhi, df, middle, ltarget, &dghi);
	}
	if (glo == 0)
		return exp(ulo);
	if (ghi == 0)
		return exp(uhi);
	/* rtsafe: glo > 0 > ghi; start from the end nearer the root */
	if (fabs(glo) < fabs(ghi) || !isfinite(ghi))
		u = ulo, g = glo, dg = dglo;
	else
		u = uhi, g = ghi, dg = dghi;
	dx = dxold = uhi - ulo;
	for (i = 0; i < 300; i++) {
		if (!isfinite(g) || !(dg < 0) ||
		    ((u - uhi) * dg - g) * ((u - ulo) * dg - g) > 0 ||
		    fabs(2 * g) > fabs(dxold * dg)) {
			dxold = dx;
			dx = 0.5 * (uhi - ulo);
			u = ulo + dx;
			if (u == ulo || u == uhi)
				break;
		} else {
			double prev = u;

			dxold = dx;
			dx = g / dg;
			u -= dx;
			if (u == prev)
				break;
		}
		if (fabs(dx) < U_TOL)
			break;
		g = q_eval(u, df, middle, ltarget, &dg);
		if (g == 0)
			break;
		if (g < 0 || isnan(g))
			uhi = u;
		else
			ulo = u;
	}
	/*
	 * u's own resolution is an ulp of ln t, up to 1e-13 of t far out:
	 * polish with Newton on t itself, t (1 - g / (dg/du)).
	 */
	t = exp(u);
	for (i = 0; i < 3; i++) {
		double tn;

		g = q_eval_t(t, df, middle, ltarget, &dg);
		if (!isfinite(g) || !(dg < 0) || fabs(g / dg) > 1e-8)
			break;
		tn = t * (1 - g / dg);
		if (tn == t)
			break;
		t = tn;
	}
	return t;
}

double cmp_t_quantile(double p, double df)
{
	if (isnan(p) || isnan(df) || df <= 0 || p < 0 || p > 1)
		return NAN;
	if (p == 0)
		return -INFINITY;
	if (p == 1)
		return INFINITY;
	if (p == 0.5)
		return 0;
	/*
	 * Solve for the probability on the side where it is small, which p
	 * gives exactly: 1 - p for p >= 0.5 and |p - 0.5| for p in
	 * (0.25, 0.75) are exact (Sterbenz).
	 */
	if (p > 0.25 && p < 0.75)
		return copysign(t_quantile_pos(fabs(p - 0.5), df, 1), p - 0.5);
	if (p < 0.5)
		return -t_quantile_pos(p, df, 0);
	return t_quantile_pos(1 - p, df, 0);
}

double cmp_norm_quantile(double p)
{
	return cmp_t_quantile(p, INFINITY);
}

/* ---- F ---- */

double cmp_f_sf(double f, double d1, double d2)
{
	long double x, y, ix, iy, den;

	if (isnan(f) || isnan(d1) || isnan(d2) || d1 <= 0 || d2 <= 0)
		return NAN;
	if (f <= 0)
		return 1;
	if (isinf(f))
		return 0;
	/* x = d2 / (d2 + d1 f) and y = 1 - x, each directly */
	den = (long double)d2 + (long double)d1 * f;
	x = d2 / den;
	y = (long double)d1 * f / den;
	ibeta_pair(d2 / 2.0L, d1 / 2.0L, x, y, x < 0.5L ? logl(x) : log1pl(-y),
		   y < 0.5L ? logl(y) : log1pl(-x), &ix, &iy);
	return (double)ix;
}

/* ---- Welch ---- */

/*
 * Count, mean and sample variance of the finite values, two-pass in long
 * double rather than stats_summarize(): the difference of two close means
 * is t's numerator, and a 0.01% change of a 1e6 ns fork time would lose
 * four digits of it to the rounding of double means.
 */
struct moments {
	size_t n;
	long double mean, var;
};

static void moments(const double *v, size_t n, struct moments *m)
{
	long double sum = 0, ss = 0;
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (isfinite(v[i])) {
			sum += v[i];
			k++;
		}
	m->n = k;
	m->mean = k ? sum / k : NAN;
	for (i = 0; i < n; i++)
		if (isfinite(v[i]))
			ss += (v[i] - m->mean) * (v[i] - m->mean);
	m->var = k > 1 ? ss / (k - 1) : NAN;
}

void cmp_welch(const double *x, size_t nx, const double *y, size_t ny, struct cmp_welch *out)
{
	struct moments mx, my;
	long double vx, vy, den, diff;

	moments(x, nx, &mx);
	moments(y, ny, &my);
	diff = mx.mean - my.mean;
	out->nx = mx.n;
	out->ny = my.n;
	out->mean_x = (double)mx.mean;
	out->mean_y = (double)my.mean;
	out->sd_x = (double)sqrtl(mx.var);
	out->sd_y = (double)sqrtl(my.var);
	out->diff = (double)diff;
	if (mx.n < 2 || my.n < 2) {
		out->se = out->t = out->df = out->p = NAN;
		return;
	}
	vx = mx.var / mx.n;
	vy = my.var / my.n;
	out->se = (double)sqrtl(vx + vy);
	den = vx * vx / (mx.n - 1) + vy * vy / (my.n - 1);
	out->df = den > 0 ? (double)((vx + vy) * (vx + vy) / den) : 1;
	if (vx + vy > 0)
		out->t = (double)(diff / sqrtl(vx + vy));
	else
		out->t = diff == 0 ? NAN : copysign(INFINITY, (double)diff);
	out->p = isnan(out->t) ? NAN : 2 * t_sf_pos(fabs(out->t), out->df);
}

/* ---- variance components ---- */

void cmp_components(const struct cmp_group *g, size_t ng, struct cmp_components *out)
{
	long double sum = 0, ssb = 0, ssw = 0, sn2 = 0, mean;
	size_t i, j, k = 0, nv = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < ng; i++) {
		size_t n = 0;

		for (j = 0; j < g[i].n; j++)
			if (isfinite(g[i].v[j])) {
				sum += g[i].v[j];
				n++;
			}
		k += n > 0;
		nv += n;
		sn2 += (long double)n * n;
	}
	out->groups = k;
	out->values = nv;
	out->mean = nv ? (double)(sum / nv) : NAN;
	out->ms_between = out->ms_within = out->n0 = out->var_between = NAN;
	out->var_between_raw = out->var_within = out->icc = out->f = out->p = NAN;
	out->df_between = k ? (double)(k - 1) : NAN;
	out->df_within = (double)(nv - k);
	if (!nv)
		return;
	mean = sum / nv;
	/* two passes: the groups' means first, then the squares about them */
	for (i = 0; i < ng; i++) {
		long double gs = 0, gm;
		size_t n = 0;

		for (j = 0; j < g[i].n; j++)
			if (isfinite(g[i].v[j])) {
				gs += g[i].v[j];
				n++;
			}
		if (!n)
			continue;
		gm = gs / n;
		ssb += n * (gm - mean) * (gm - mean);
		for (j = 0; j < g[i].n; j++)
			if (isfinite(g[i].v[j]))
				ssw += (g[i].v[j] - gm) * (g[i].v[j] - gm);
	}
	if (nv > k)
		out->ms_within = out->var_within = (double)(ssw / (nv - k));
	if (k < 2)
		return;
	out->ms_between = (double)(ssb / (k - 1));
	out->n0 = (double)((nv - sn2 / nv) / (k - 1));
	if (nv == k)
		return;
	out->var_between_raw = (double)((ssb / (k - 1) - ssw / (nv - k)) / ((nv - sn2 / nv) / (k - 1)));
	out->negative = out->var_between_raw < 0;
	out->var_between = out->negative ? 0 : out->var_between_raw;
	if (out->var_between + out->var_within > 0)
		out->icc = out->var_between / (out->var_between + out->var_within);
	/* scipy's f_oneway: F = inf (p 0) with no noise inside the groups, NaN when nothing varies */
	if (ssw > 0)
		out->f = (double)((ssb / (k - 1)) / (ssw / (nv - k)));
	else
		out->f = ssb > 0 ? INFINITY : NAN;
	out->p = isnan(out->f) ? NAN : cmp_f_sf(out->f, out->df_between, out->df_within);
}

/* ---- Mann-Whitney ---- */

struct ranked {
	double v;
	int from_x;
};

static int ranked_cmp(const void *a, const void *b)
{
	double x = ((const struct ranked *)a)->v, y = ((const struct ranked *)b)->v;

	return (x > y) - (x < y);
}

/*
 * P(U <= k) under the null hypothesis, for samples of sizes m and n without
 * ties.  The counts of arrangements by U are the coefficients of the
 * Gaussian binomial [m+n choose m]_q = prod_{j=1..m} (1 - q^(n+j)) / (1 - q^j)
 * (scipy's recursion counts the same numbers); only degrees <= k matter, so
 * the polynomial is kept truncated there.  With m the smaller size that is
 * O(m k) time.  The counts are integers, exact in doubles below 2^53: for
 * every m + n <= 56, and for m = 8 up to n = 367; beyond that they are
 * rounded, far outside the few runs per side this is for.
 */
static int mw_exact_cdf(size_t k, size_t m, size_t n, double *cdf)
{
	double *c, sum = 0, total = 1;
	size_t i, j;

	if (m > n) {
		i = m;
		m = n;
		n = i;
	}
	c = calloc(k + 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c[0] = 1;
	for (j = 1; j <= m; j++) {
		for (i = k; i >= n + j && n + j <= k; i--)
			c[i] -= c[i - n - j];
		for (i = j; i <= k; i++)
			c[i] += c[i - j];
		total = total * (double)(n + j) / (double)j; /* binom(n + j, j), exactly */
	}
	for (i = 0; i <= k; i++)
		sum += c[i];
	free(c);
	*cdf = sum / total;
	return 0;
}

int cmp_mannwhitney(const double *x, size_t nx, const double *y, size_t ny, struct cmp_mwu *out)
{
	struct ranked *r;
	size_t n1 = 0, n2 = 0, n, i, j;
	double r1 = 0, tie_term = 0, u1, u2, u, p;
	int ties = 0;

	for (i = 0; i < nx; i++)
		n1 += isfinite(x[i]) != 0;
	for (i = 0; i < ny; i++)
		n2 += isfinite(y[i]) != 0;
	out->nx = n1;
	out->ny = n2;
	out->u = out->p = NAN;
	out->exact = 0;
	if (!n1 || !n2)
		return 0;
	n = n1 + n2;
	r = malloc(n * sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0, j = 0; i < nx; i++)
		if (isfinite(x[i]))
			r[j++] = (struct ranked){ x[i], 1 };
	for (i = 0; i < ny; i++)
		if (isfinite(y[i]))
			r[j++] = (struct ranked){ y[i], 0 };
	qsort(r, n, sizeof(*r), ranked_cmp);
	/* midranks: a run of t equal values at sorted positions [i, j) ranks (i + 1 + j) / 2 */
	for (i = 0; i < n; i = j) {
		double t, rank;

		for (j = i + 1; j < n && r[j].v == r[i].v; j++)
			;
		t = (double)(j - i);
		rank = (double)(i + 1 + j) / 2;
		if (t > 1) {
			ties = 1;
			tie_term += t * t * t - t;
		}
		for (; i < j; i++)
			if (r[i].from_x)
				r1 += rank;
	}
	free(r);
	u1 = r1 - (double)n1 * (double)(n1 + 1) / 2;
	u2 = (double)n1 * (double)n2 - u1;
	u = fmax(u1, u2);
	out->u = u1;
	/* scipy 1.10 _mwu_choose_method: asymptotic if both > 8 or any tie */
	if (!(n1 > 8 && n2 > 8) && !ties) {
		double cdf;
		int err;

		/* P(U >= u) = P(U <= mn - u) by symmetry; u is an integer here */
		err = mw_exact_cdf((size_t)llround((double)n1 * (double)n2 - u), n1, n2, &cdf);
		if (err) {
			out->u = NAN;
			return err;
		}
		out->exact = 1;
		p = 2 * cdf;
	} else {
		double nn = (double)n, mu = (double)n1 * (double)n2 / 2, s;

		s = sqrt(fmax(0, (double)n1 * (double)n2 / 12 *
				    ((nn + 1) - tie_term / (nn * (nn - 1)))));
		/* all values equal: s is 0, scipy's z is -inf and p clips to 1 */
		p = s > 0 ? erfc((u - mu - 0.5) / s / M_SQRT2) : 1;
	}
	out->p = fmin(p, 1);
	return 0;
}

/* ---- verdicts ---- */

static const char *const verdict_names[] = {
	[CMP_INCONCLUSIVE] = "inconclusive",
	[CMP_UNCHANGED] = "unchanged",
	[CMP_GAIN] = "gain",
	[CMP_REGRESSION] = "regression",
	[CMP_SIGNIFICANT] = "significant-size-uncertain",
};

_Static_assert(sizeof(verdict_names) / sizeof(verdict_names[0]) == CMP_VERDICTS,
	       "a name for every verdict");

const char *cmp_verdict_name(enum cmp_verdict v)
{
	if ((unsigned)v >= sizeof(verdict_names) / sizeof(verdict_names[0]))
		return NULL;
	return verdict_names[v];
}

#define RUNS_MAX 1e9

/* runs per side for the normal-approximation test of a difference d at level a */
static double runs_for(double d, double a, double power, double var_sum)
{
	double z = cmp_norm_quantile(1 - a / 2) + cmp_norm_quantile(power);

	return z * z * var_sum / (d * d);
}

static size_t runs_needed(const struct cmp_result *r, const struct cmp_params *par)
{
	const struct cmp_welch *w = &r->welch;
	double thr = par->threshold_pct, l, lu, ll, cv_sum, d, n;
	size_t have = w->nx > w->ny ? w->nx : w->ny;

	if (w->nx < 2 || w->ny < 2 || !(r->ratio > 0) || !isfinite(r->ratio))
		return 0;
	l = log(r->ratio);
	lu = log1p(thr / 100);
	ll = thr < 100 ? log1p(-thr / 100) : -INFINITY;
	cv_sum = w->sd_x / w->mean_x * (w->sd_x / w->mean_x) + w->sd_y / w->mean_y * (w->sd_y / w->mean_y);
	d = fmin(fabs(l - lu), fabs(l - ll));
	if (!(d > 0))
		return 0;
	n = runs_for(d, 1 - par->level, par->power, cv_sum);
	if (l > lu || l < ll)
		n = fmax(n, runs_for(fabs(w->diff), par->alpha, par->power,
				     w->sd_x * w->sd_x + w->sd_y * w->sd_y));
	n = ceil(fmin(n, RUNS_MAX));
	n = fmax(n, fmax(3, (double)have + 1));
	return (size_t)n;
}

/*
 * The interval of the change on the log of the ratio (see cmp.h).  ln ratio
 * is log1p(diff / mean_base), which keeps the digits of a small change
 * that ln(mean_head) - ln(mean_base) would cancel.
 */
static void log_ratio_interval(struct cmp_result *r, double level)
{
	const struct cmp_welch *w = &r->welch;
	long double mh = w->mean_x, mb = w->mean_y, a, b, l, h = 0;

	r->ratio = r->log_se = r->log_df = r->ci_lo_pct = r->ci_hi_pct = NAN;
	if (w->nx < 2 || w->ny < 2 || !(mb > 0) || !isfinite(w->mean_y) || !(mh >= 0) ||
	    !isfinite(w->mean_x) || !isfinite(w->sd_x) || !isfinite(w->sd_y))
		return;
	b = (long double)w->sd_y * w->sd_y / (w->ny * mb * mb);
	if (mh == 0) {
		/* every head run 0 (non-negative values): the change is -100%, exactly */
		if (w->sd_x != 0)
			return;
		r->ratio = 0;
		r->log_se = (double)sqrtl(b);
		r->log_df = (double)(w->ny - 1);
		r->ci_lo_pct = r->ci_hi_pct = -100;
		return;
	}
	a = (long double)w->sd_x * w->sd_x / (w->nx * mh * mh);
	l = log1pl((long double)w->diff / mb);
	r->ratio = (double)(mh / mb);
	r->log_se = (double)sqrtl(a + b);
	if (a + b > 0) {
		r->log_df = (double)((a + b) * (a + b) / (a * a / (w->nx - 1) + b * b / (w->ny - 1)));
		h = cmp_t_quantile((1 + level) / 2, r->log_df) * sqrtl(a + b);
	}
	r->ci_lo_pct = (double)(100 * expm1l(l - h));
	r->ci_hi_pct = (double)(100 * expm1l(l + h));
}

enum cmp_verdict cmp_verdict_of(const struct cmp_result *r, const struct cmp_params *par)
{
	double thr = par->threshold_pct, lo = r->ci_lo_pct, hi = r->ci_hi_pct, p = r->welch.p;

	if (r->welch.nx < 3 || r->welch.ny < 3 || isnan(lo) || isnan(hi))
		return CMP_INCONCLUSIVE;
	if (lo > thr && p < par->alpha)
		return CMP_REGRESSION;
	if (hi < -thr && p < par->alpha)
		return CMP_GAIN;
	if (lo >= -thr && hi <= thr)
		return CMP_UNCHANGED;
	if (p < par->alpha && fabs(r->change_pct) > thr)
		return CMP_SIGNIFICANT;
	return CMP_INCONCLUSIVE;
}

int cmp_check_params(const struct cmp_params *par)
{
	double thr = par->threshold_pct;

	if (!(thr >= 0 && thr < INFINITY) || !(par->alpha > 0 && par->alpha < 1) ||
	    !(par->level > 0 && par->level < 1) || !(par->power > 0 && par->power < 1))
		return -EINVAL;
	return 0;
}

int cmp_compare(const double *base, size_t nb, const double *head, size_t nh,
		const struct cmp_params *params, struct cmp_result *out)
{
	static const struct cmp_params defaults = CMP_PARAMS_INIT;
	const struct cmp_params *par = params ? params : &defaults;
	struct cmp_result r;
	double mb;
	int err;

	err = cmp_check_params(par);
	if (err)
		return err;
	cmp_welch(head, nh, base, nb, &r.welch);
	err = cmp_mannwhitney(head, nh, base, nb, &r.mw);
	if (err)
		return err;
	mb = r.welch.mean_y;
	r.change_pct = NAN;
	if (mb != 0 && isfinite(mb))
		r.change_pct = 100 * r.welch.diff / mb;
	log_ratio_interval(&r, par->level);
	r.verdict = cmp_verdict_of(&r, par);
	r.runs_needed = r.verdict == CMP_INCONCLUSIVE || r.verdict == CMP_SIGNIFICANT ?
			runs_needed(&r, par) : 0;
	*out = r;
	return 0;
}

/* ---- nested ---- */

/* the mean of each group with a finite value into m; returns how many */
static size_t group_means(const struct cmp_group *g, size_t ng, double *m)
{
	size_t i, k = 0;

	for (i = 0; i < ng; i++) {
		long double sum = 0;
		size_t j, n = 0;

		for (j = 0; j < g[i].n; j++)
			if (isfinite(g[i].v[j])) {
				sum += g[i].v[j];
				n++;
			}
		if (n)
			m[k++] = (double)(sum / n);
	}
	return k;
}

/* every finite value of every group into v; returns how many */
static size_t group_values(const struct cmp_group *g, size_t ng, double *v)
{
	size_t i, j, k = 0;

	for (i = 0; i < ng; i++)
		for (j = 0; j < g[i].n; j++)
			if (isfinite(g[i].v[j]))
				v[k++] = g[i].v[j];
	return k;
}

static size_t group_total(const struct cmp_group *g, size_t ng)
{
	size_t i, n = 0;

	for (i = 0; i < ng; i++)
		n += g[i].n;
	return n;
}

int cmp_compare_nested(const struct cmp_group *base, size_t nb, const struct cmp_group *head,
		       size_t nh, const struct cmp_params *params, struct cmp_nested_result *out)
{
	static const struct cmp_params defaults = CMP_PARAMS_INIT;
	const struct cmp_params *par = params ? params : &defaults;
	struct cmp_nested_result r;
	size_t tb = group_total(base, nb), th = group_total(head, nh), kb, kh;
	double *vb, *vh;
	int err;

	err = cmp_check_params(par);
	if (err)
		return err;
	memset(&r, 0, sizeof(r));
	cmp_components(base, nb, &r.base);
	cmp_components(head, nh, &r.head);
	r.boots_base = r.base.groups;
	r.boots_head = r.head.groups;
	/* a boot mean per group or every run: at most as many as the runs, and one */
	vb = malloc((tb > nb ? tb : nb) * sizeof(*vb) + sizeof(*vb));
	vh = malloc((th > nh ? th : nh) * sizeof(*vh) + sizeof(*vh));
	if (!vb || !vh) {
		err = -ENOMEM;
		goto out;
	}
	if (r.boots_base >= 2 && r.boots_head >= 2) {
		r.unit = CMP_UNIT_BOOT;
		kb = group_means(base, nb, vb);
		kh = group_means(head, nh, vh);
	} else {
		r.unit = CMP_UNIT_RUN;
		r.confounded = 1;
		kb = group_values(base, nb, vb);
		kh = group_values(head, nh, vh);
	}
	err = cmp_compare(vb, kb, vh, kh, par, &r.cmp);
	if (!err)
		*out = r;
out:
	free(vb);
	free(vh);
	return err;
}
