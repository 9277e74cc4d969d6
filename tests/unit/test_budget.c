// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for collectors/budget.c, the loop of `forkwatch bench
 * --time-budget`, driven by simulated runs and a simulated clock: runs
 * interleaved round by round, each case stopping when its interval is
 * narrow enough (plan_stop()), or when its next run would not fit in the
 * time left, or when a run fails.  A simulation with known variance
 * components checks that the cases reach the width they promise and do
 * not stop early on runs that happen to agree.
 *
 * The simulations use a fixed pseudo-random stream (splitmix64,
 * Box-Muller) and say what they measured.
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

#include "collectors/budget.h"
#include "lib/cmp.h"
#include "lib/plan.h"

#ifdef __aarch64__
#define SIM_DIV 8 /* long double quantiles in software under qemu-user */
#else
#define SIM_DIV 1
#endif

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

/* ---- a simulated machine ---- */

#define SIM_CASES 3
#define SIM_LOG 4096

struct sim_case {
	double mu, var_between, var_within;	/* ns, ns^2 */
	unsigned m;				/* iterations per run */
	double cost_s;				/* of a run */
	double jitter;				/* of the cost, a fraction (uniform +-) */
	unsigned fail_at;			/* this run (from 1) fails; 0: none */
};

struct sim {
	struct rng g;
	double now;
	int ncases;
	struct sim_case c[SIM_CASES];
	int log[SIM_LOG];			/* the case of each run, in order */
	unsigned nlog;
	int err_at;				/* the run (overall, from 1) that returns -EINTR; 0: none */
};

static int sim_run(void *ctx, int i, unsigned run, double *value)
{
	struct sim *s = ctx;
	const struct sim_case *c = &s->c[i];
	double sum = 0, a = sqrt(c->var_between) * rng_normal(&s->g);
	unsigned j;

	if (s->nlog < SIM_LOG)
		s->log[s->nlog] = i;
	s->nlog++;
	if (s->err_at && (int)s->nlog == s->err_at)
		return -EINTR;
	for (j = 0; j < c->m; j++)
		sum += c->mu + a + sqrt(c->var_within) * rng_normal(&s->g);
	s->now += c->cost_s * (1 + c->jitter * (2 * rng_unit(&s->g) - 1));
	*value = c->fail_at && run + 1 == c->fail_at ? NAN : sum / c->m;
	return 0;
}

static double sim_clock(void *ctx)
{
	return ((struct sim *)ctx)->now;
}

/* the comparison's half-width, in %, that n runs of case c give with its true components */
static double true_half_width(const struct sim_case *c, unsigned n)
{
	struct cmp_components vc;

	memset(&vc, 0, sizeof(vc));
	vc.mean = c->mu;
	vc.var_between = vc.var_between_raw = c->var_between;
	vc.var_within = c->var_within;
	return plan_half_width_pct(&vc, c->m, n, 0.95);
}

/* the fewest runs whose true half-width reaches half the budget */
static unsigned true_runs(const struct sim_case *c, double budget_pct)
{
	unsigned n;

	for (n = 2; n < 100000; n++)
		if (true_half_width(c, n) <= budget_pct / 2)
			return n;
	return 0;
}

/*
 * Three cases as a bench's: order-0 fork (1% budget; runs 1.0% apart,
 * iterations 3%: a run's mean varies by 1.4%), a large-folio fork (2%;
 * the same spread) and a noisier munmap (2%; runs 2% apart, iterations
 * 5%).  mu 1 ms.
 */
static void sim_init(struct sim *s, uint64_t seed)
{
	const double mu = 1e6;

	memset(s, 0, sizeof(*s));
	s->g.s = seed;
	s->ncases = SIM_CASES;
	s->c[0] = (struct sim_case){ mu, pow(0.010 * mu, 2), pow(0.03 * mu, 2), 10, 0.5, 0, 0 };
	s->c[1] = (struct sim_case){ mu, pow(0.010 * mu, 2), pow(0.03 * mu, 2), 10, 0.5, 0, 0 };
	s->c[2] = (struct sim_case){ mu, pow(0.020 * mu, 2), pow(0.05 * mu, 2), 10, 1.0, 0, 0 };
}

static const double sim_pct[SIM_CASES] = { 1.0, 2.0, 2.0 };

/* ---- the rounds ---- */

static void test_interleaved(void **state)
{
	struct sim s;
	struct budget b;
	unsigned k;

	(void)state;
	sim_init(&s, 1);
	assert_int_equal(budget_init(&b, 1e6, 1000, s.ncases, sim_pct), 0);
	assert_int_equal(budget_run(&b, sim_run, sim_clock, &s), 0);
	/*
	 * Round robin over the cases still going: as long as every case is
	 * going the log is 0 1 2 0 1 2 ...; a case that stopped is skipped,
	 * the order of the others kept.
	 */
	for (k = 0; k < s.nlog && k < SIM_LOG; k++) {
		unsigned round = 0, j;
		int i;

		/* the run's round: how many runs of the same case came before it */
		for (j = 0; j < k; j++)
			round += s.log[j] == s.log[k];
		/* every case with more runs in all than round is in this round, in order */
		for (i = 0; i < s.log[k]; i++)
			if (b.cases[i].runs > round) {
				unsigned before = 0;

				for (j = 0; j < k; j++)
					before += s.log[j] == i;
				assert_true(before > round); /* case i's run of this round came first */
			}
	}
	for (k = 0; k < SIM_CASES; k++) {
		assert_int_equal(b.cases[k].end, BUDGET_PRECISE);
		assert_true(b.cases[k].runs >= b.stop.min_runs);
		assert_true(b.cases[k].last.stop);
		assert_true(b.cases[k].last.half_width_pct <= b.cases[k].last.target_pct);
		assert_true(fabs(b.cases[k].last.target_pct - sim_pct[k] / 2) < 1e-9);
	}
	/* the noisier order-0 budget takes more runs than the same spread at 2% */
	assert_true(b.cases[0].runs > 2 * b.cases[1].runs);
	assert_true(fabs(b.elapsed_s - s.now) < 1e-9);
	budget_release(&b);
}

/*
 * The promised width, and no early stops: many simulated benches with
 * ample time; at the runs each case took, the comparison's interval with
 * the true components (what the runs really buy, not what they showed)
 * is at most half the budget in most benches, and rarely much wider.  A
 * rule on the plain sample spread (sd_confidence 0.5: the bound at the
 * chi-square median, about the sample spread) is shown beside it: lucky
 * first runs that agree make it stop early far more often.
 */
static void sim_widths(double sd_confidence, int reps, unsigned *within, unsigned *wide,
		       unsigned *early, double *mean_ratio)
{
	int rep, k;

	*within = *wide = *early = 0;
	*mean_ratio = 0;
	for (rep = 0; rep < reps; rep++) {
		struct sim s;
		struct budget b;

		sim_init(&s, 1000 + (uint64_t)rep);
		assert_int_equal(budget_init(&b, 1e6, 1000, s.ncases, sim_pct), 0);
		b.stop.sd_confidence = sd_confidence;
		assert_int_equal(budget_run(&b, sim_run, sim_clock, &s), 0);
		for (k = 0; k < SIM_CASES; k++) {
			const struct budget_case *c = &b.cases[k];
			double h = true_half_width(&s.c[k], c->runs), target = sim_pct[k] / 2;

			assert_int_equal(c->end, BUDGET_PRECISE);
			assert_true(c->runs >= b.stop.min_runs);
			*within += h <= target;
			*wide += h > 1.25 * target;
			*early += c->runs < true_runs(&s.c[k], sim_pct[k]) / 2;
			*mean_ratio += h / target;
		}
		budget_release(&b);
	}
	*mean_ratio /= reps * SIM_CASES;
}

static void test_sim_width(void **state)
{
	const int reps = 400 / SIM_DIV;
	unsigned within, wide, early, k, p_within, p_wide, p_early;
	double ratio, p_ratio, n = reps * SIM_CASES;
	struct sim s;

	(void)state;
	sim_init(&s, 0);
	for (k = 0; k < SIM_CASES; k++)
		printf("    case %u: %u runs reach +-%.1f%% with the true components\n", k,
		       true_runs(&s.c[k], sim_pct[k]), sim_pct[k] / 2);
	sim_widths(0.5, reps, &p_within, &p_wide, &p_early, &p_ratio);
	printf("    plain spread: true half-width within the target in %.3f, over 1.25x in %.3f, "
	       "under half the runs needed in %.3f (mean %.2f of the target)\n",
	       p_within / n, p_wide / n, p_early / n, p_ratio);
	sim_widths(0.9, reps, &within, &wide, &early, &ratio);
	printf("    the rule:     true half-width within the target in %.3f, over 1.25x in %.3f, "
	       "under half the runs needed in %.3f (mean %.2f of the target)\n",
	       within / n, wide / n, early / n, ratio);
	/*
	 * With the spread's 90% upper bound (PLAN_STOP_INIT) the interval the
	 * runs buy reaches the target in most benches (measured 0.88 on
	 * x86_64: looking after every run, a case has many chances to meet a
	 * lucky stretch, so a little under the bound's 0.9), is 25% wider in
	 * about 2% and on average narrower than the target; a case stops with
	 * under half the runs it needs in under 1%.  On the plain sample
	 * spread the same loop would stop that early ten times as often.
	 */
	assert_true(within >= 0.85 * n);
	assert_true(wide <= 0.03 * n);
	assert_true(early <= 0.015 * n + 1);
	assert_true(ratio < 0.95);
	assert_true(4 * wide <= p_wide && 4 * early <= p_early);
	assert_true(p_within < within);
}

/* ---- time ---- */

static void test_time_up(void **state)
{
	struct sim s;
	struct budget b;
	unsigned k;
	double spent = 0;

	(void)state;
	sim_init(&s, 7);
	/* far too noisy to finish: the time decides; munmap's runs cost 4x order-0's */
	for (k = 0; k < SIM_CASES; k++)
		s.c[k].var_between *= 400;
	s.c[2].cost_s = 4.0;
	assert_int_equal(budget_init(&b, 62, 1000, s.ncases, sim_pct), 0);
	assert_true(b.margin == BUDGET_MARGIN);
	b.margin = 0; /* exact costs: the arithmetic below */
	assert_int_equal(budget_run(&b, sim_run, sim_clock, &s), 0);
	assert_true(b.elapsed_s <= 62);
	for (k = 0; k < SIM_CASES; k++) {
		assert_int_equal(b.cases[k].end, BUDGET_TIME);
		spent += b.cases[k].seconds;
		assert_true(b.cases[k].last.half_width_pct > b.cases[k].last.target_pct);
	}
	assert_true(fabs(spent - b.elapsed_s) < 1e-9);
	/* nothing more fits: every case's next run would overrun */
	for (k = 0; k < SIM_CASES; k++)
		assert_true(b.elapsed_s + b.cases[k].longest_s > 62);
	/* rounds of 5 s: munmap's 12th run ends at 60 s, the cheap cases go on alone to 62 s */
	assert_int_equal(b.cases[2].runs, 12);
	assert_int_equal(b.cases[0].runs, 14);
	assert_int_equal(b.cases[1].runs, 14);
	assert_true(fabs(b.elapsed_s - 62) < 1e-9);
	budget_release(&b);

	/*
	 * Runs whose cost varies by +-40%: with the margin the runs end
	 * within the budget, and leave less than a round of it unused.
	 */
	for (k = 0; k < 50 / SIM_DIV; k++) {
		unsigned i;

		sim_init(&s, 100 + k);
		for (i = 0; i < SIM_CASES; i++) {
			s.c[i].var_between *= 400;
			s.c[i].jitter = 0.4;
		}
		assert_int_equal(budget_init(&b, 30, 1000, s.ncases, sim_pct), 0);
		assert_int_equal(budget_run(&b, sim_run, sim_clock, &s), 0);
		assert_true(b.elapsed_s <= 30);
		assert_true(b.elapsed_s > 30 - 1.5 * 1.4 * 2.0);
		budget_release(&b);
	}

	/* a budget shorter than a round: the first run of every case is still taken */
	sim_init(&s, 9);
	assert_int_equal(budget_init(&b, 1, 1000, s.ncases, sim_pct), 0);
	assert_int_equal(budget_run(&b, sim_run, sim_clock, &s), 0);
	for (k = 0; k < SIM_CASES; k++) {
		assert_int_equal(b.cases[k].runs, 1);
		assert_int_equal(b.cases[k].end, BUDGET_TIME);
	}
	budget_release(&b);
}

static void test_max_runs_and_failures(void **state)
{
	struct sim s;
	struct budget b;

	(void)state;
	sim_init(&s, 11);
	s.c[0].var_between *= 400; /* would need thousands */
	s.c[1].fail_at = 3;
	assert_int_equal(budget_init(&b, 1e6, 150, s.ncases, sim_pct), 0);
	assert_int_equal(budget_run(&b, sim_run, sim_clock, &s), 0);
	assert_int_equal(b.cases[0].end, BUDGET_MAX_RUNS);
	assert_int_equal(b.cases[0].runs, 150);
	assert_int_equal(b.cases[1].end, BUDGET_FAILED);
	assert_int_equal(b.cases[1].runs, 3);
	assert_true(isnan(b.cases[1].values[2]));
	assert_int_equal(b.cases[2].end, BUDGET_PRECISE);
	budget_release(&b);

	/* what a run returns ends the loop at once */
	sim_init(&s, 12);
	s.err_at = 5;
	assert_int_equal(budget_init(&b, 1e6, 1000, s.ncases, sim_pct), 0);
	assert_int_equal(budget_run(&b, sim_run, sim_clock, &s), -EINTR);
	assert_int_equal(s.nlog, 5);
	assert_int_equal(b.cases[0].runs + b.cases[1].runs + b.cases[2].runs, 4);
	budget_release(&b);

	/* out of range */
	assert_int_equal(budget_init(&b, 0, 1000, s.ncases, sim_pct), 0);
	assert_int_equal(budget_run(&b, sim_run, sim_clock, &s), -EINVAL);
	budget_release(&b);
	assert_int_equal(budget_init(&b, 10, 4, s.ncases, sim_pct), 0);
	assert_int_equal(budget_run(&b, sim_run, sim_clock, &s), -EINVAL);
	budget_release(&b);
	assert_int_equal(budget_init(&b, 10, 100, s.ncases, sim_pct), 0);
	b.margin = -1;
	assert_int_equal(budget_run(&b, sim_run, sim_clock, &s), -EINVAL);
	budget_release(&b);

	assert_string_equal(budget_end_name(BUDGET_PRECISE), "precise");
	assert_string_equal(budget_end_name(BUDGET_MAX_RUNS), "max-runs");
	assert_null(budget_end_name((enum budget_end)99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_sim_width),
		cmocka_unit_test(test_time_up),
		cmocka_unit_test(test_max_runs_and_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
