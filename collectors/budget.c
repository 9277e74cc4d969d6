// SPDX-License-Identifier: GPL-2.0
#include "collectors/budget.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int budget_init(struct budget *b, double seconds, unsigned max_runs, int ncases,
		const double *budget_pct)
{
	const struct plan_stop_params init = PLAN_STOP_INIT;
	int i;

	memset(b, 0, sizeof(*b));
	b->seconds = seconds;
	b->margin = BUDGET_MARGIN;
	b->max_runs = max_runs;
	b->stop = init;
	b->stop.max_runs = max_runs;
	b->cases = calloc(ncases > 0 ? (size_t)ncases : 1, sizeof(*b->cases));
	if (!b->cases)
		return -ENOMEM;
	b->ncases = ncases;
	for (i = 0; i < ncases; i++) {
		b->cases[i].budget_pct = budget_pct[i];
		b->cases[i].values = calloc(max_runs ? max_runs : 1, sizeof(double));
		if (!b->cases[i].values) {
			budget_release(b);
			return -ENOMEM;
		}
	}
	return 0;
}

void budget_release(struct budget *b)
{
	int i;

	for (i = 0; b->cases && i < b->ncases; i++)
		free(b->cases[i].values);
	free(b->cases);
	b->cases = NULL;
	b->ncases = 0;
}

/* One more run of case c, when it is still going and its run fits. */
static int one(struct budget *b, int i, double start, budget_run_fn run, budget_clock_fn clock,
	       void *ctx, bool *ran)
{
	struct budget_case *c = &b->cases[i];
	struct plan_stop_params p = b->stop;
	double t0, t, value = NAN;
	int ret;

	if (c->end != BUDGET_RUNNING)
		return 0;
	t0 = clock(ctx);
	if (c->runs && t0 - start + (1 + b->margin) * c->longest_s > b->seconds) {
		c->end = BUDGET_TIME;
		return 0;
	}
	ret = run(ctx, i, c->runs, &value);
	if (ret)
		return ret;
	t = clock(ctx) - t0;
	*ran = true;
	c->seconds += t;
	if (t > c->longest_s)
		c->longest_s = t;
	c->values[c->runs++] = value;
	if (!isfinite(value)) {
		c->end = BUDGET_FAILED;
		return 0;
	}
	p.budget_pct = c->budget_pct;
	ret = plan_stop(c->values, c->runs, NULL, 0, &p, &c->last);
	if (ret)
		return ret;
	if (c->last.stop)
		c->end = c->last.reason == PLAN_PRECISE ? BUDGET_PRECISE : BUDGET_MAX_RUNS;
	else if (c->runs >= b->max_runs)
		c->end = BUDGET_MAX_RUNS;
	return 0;
}

int budget_run(struct budget *b, budget_run_fn run, budget_clock_fn clock, void *ctx)
{
	double start = clock(ctx);
	bool ran = true;
	int i, ret = 0;

	if (!(b->seconds > 0) || !(b->margin >= 0) || b->max_runs < b->stop.min_runs)
		return -EINVAL;
	while (ran) {
		ran = false;
		for (i = 0; i < b->ncases; i++) {
			ret = one(b, i, start, run, clock, ctx, &ran);
			if (ret)
				goto out;
		}
	}
out:
	b->elapsed_s = clock(ctx) - start;
	return ret;
}

const char *budget_end_name(enum budget_end e)
{
	static const char *const names[] = { "running", "precise", "time", "max-runs", "failed" };

	return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : NULL;
}
