/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_BUDGET_H
#define FW_BUDGET_H

#include <stdbool.h>

#include "lib/plan.h"

/*
 * `--time-budget SECONDS`: runs added, interleaved across cases, until each
 * case's interval is narrow enough to decide against its budget or the
 * time is up.
 *
 * Round after round, every case still going takes one more run (in case
 * order, so that drift hits every case alike, as the fixed matrix does).
 * After each run of a case, plan_stop() on its per-run values so far
 * (against a kernel measured the same way: base NULL) decides whether its
 * projected interval is narrow enough (half-width at most width_frac of
 * the case's budget, with the spread's upper confidence bound); the case
 * then takes no more runs.  Nothing here looks at a change or a p-value:
 * the width of an interval does not depend on where it lies, so stopping
 * on it favours no verdict (lib/plan.h says what is left of the peeking).
 *
 * Time: the first run of every case is always taken (nothing is known of
 * its cost before).  A later run of a case is taken only when the longest
 * run of that case so far, with a margin (runs on a busy machine vary;
 * BUDGET_MARGIN: half as long again), still fits in what is left of the
 * budget, so that the runs end within it; a case whose next run does not
 * fit stops there (BUDGET_TIME), and cheaper cases may go on.  A run that fails
 * (value NAN) stops its case (BUDGET_FAILED): the fixed matrix records a
 * failure too, and retrying it until the time is up would only repeat it.
 */
enum budget_end {
	BUDGET_RUNNING,		/* still taking runs */
	BUDGET_PRECISE,		/* the interval is narrow enough */
	BUDGET_TIME,		/* its next run would not fit in the time left */
	BUDGET_MAX_RUNS,	/* max_runs taken */
	BUDGET_FAILED,		/* a run failed */
};

#define BUDGET_MARGIN 0.5

struct budget_case {
	double budget_pct;	/* in: 1 for order-0, 2 for the others (the server's defaults) */
	/* out */
	unsigned runs;		/* runs taken */
	enum budget_end end;
	struct plan_stop last;	/* plan_stop() after its last run (runs 0: zeroes) */
	double seconds;		/* its runs' time, together */
	double longest_s;	/* its longest run */
	double *values;		/* [max_runs]: the per-run statistic of each run */
};

/*
 * One run of case i (its run-th, from 0): *value is the per-run statistic
 * (NAN for a run that failed).  Returns 0 or a negative errno, which ends
 * budget_run() at once.  clock: seconds, monotonic.
 */
typedef int (*budget_run_fn)(void *ctx, int i, unsigned run, double *value);
typedef double (*budget_clock_fn)(void *ctx);

struct budget {
	double seconds;			/* the budget of the runs together, > 0 */
	double margin;			/* a next run must fit as (1 + margin) x its case's longest */
	unsigned max_runs;		/* per case, >= stop.min_runs */
	struct plan_stop_params stop;	/* budget_pct is each case's own */
	int ncases;
	struct budget_case *cases;	/* [ncases], budget_pct set; values allocated by budget_init() */
	double elapsed_s;		/* out: the time the runs took */
};

/* The cases with their budgets; stop from PLAN_STOP_INIT, margin BUDGET_MARGIN.  Returns 0 or -ENOMEM. */
int budget_init(struct budget *b, double seconds, unsigned max_runs, int ncases,
		const double *budget_pct);
void budget_release(struct budget *b);

/*
 * Run the rounds (above) through run and clock.  Returns 0 when every case
 * has ended, or what run returned.
 */
int budget_run(struct budget *b, budget_run_fn run, budget_clock_fn clock, void *ctx);

/* "running", "precise", "time", "max-runs", "failed"; NULL when out of range */
const char *budget_end_name(enum budget_end e);

#endif
