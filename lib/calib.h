/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_CALIB_H
#define FW_CALIB_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"

/*
 * Calibration: what a machine can resolve (`forkwatch calibrate`, the
 * forkwatch-calibration/1 document, schema/result-format.md).  One
 * benchmark of 2R runs of each case is split into interleaved halves (runs
 * 0, 2, 4, ... and 1, 3, 5, ...: drift during the benchmark hits both
 * alike) and the halves are compared as two kernels would be (lib/cmp.h
 * cmp_compare(), the daemon's budgets).  Nothing changed between them, so
 * a regression or gain is a false alarm, and the interval's half-width is
 * the smallest change these settings resolve.
 *
 * The projection is plan.h's with the per-run values' spread as v(m): a
 * comparison of r runs a side, each side's per-run values with
 * coefficient of variation cv (sd / mean), has on the log of the ratio an
 * interval of half-width
 *
 *   h(r) = t_{(1+level)/2, 2(r-1)} sqrt(2 / r) cv
 *
 * which in percent is 100 (exp(h) - 1): calib_half_width_pct().  The
 * collector uses it for the runs that would reach +-1% and +-2%, the
 * server for "this machine resolves only +-X% in N runs" beside an alert.
 * Nothing here allocates except calib_profile_parse(); nothing logs.
 */

/*
 * Split v[0, n) into interleaved halves: even positions into a, odd ones
 * into b (each of room (n + 1) / 2), skipping non-finite values (a run
 * that failed keeps its place, so the halves stay interleaved in time).
 * *na and *nb receive the counts.
 */
void calib_halves(const double *v, size_t n, double *a, size_t *na, double *b, size_t *nb);

/*
 * The same, split in time instead: positions [0, n/2) into a, the rest
 * into b ("the same matrix twice"): drift between the halves, which the
 * interleaved split hides, then counts as it does between two kernels
 * measured one after the other.
 */
void calib_halves_sequential(const double *v, size_t n, double *a, size_t *na, double *b, size_t *nb);

/* h(runs) above in percent; NAN for runs < 2, or a cv that is negative or not finite. */
double calib_half_width_pct(double cv, unsigned runs, double level);

/*
 * The fewest runs a side, from 3 to max_runs, whose h(runs) is at most
 * target_pct (plan_runs_for() with the spread as the per-run variance);
 * 0 when even max_runs do not reach it ("more than max_runs"), or for
 * input out of range (max_runs < 3, a target <= 0).
 */
unsigned calib_runs_for(double cv, double target_pct, double level, unsigned max_runs);

/* The most runs calib_runs_for() is asked about: bench's --runs limit. */
#define CALIB_RUNS_MAX 1000
#define CALIB_LEVEL 0.95

/* ---- the profile document, as the server reads it ---- */

#define CALIB_FORMAT "forkwatch-calibration/1"
#define CALIB_CASES_MAX 64
/* The largest document the server takes (POST /api/v1/calibrations). */
#define CALIB_DOC_MAX (256 * 1024)

struct calib_case {
	char workload[32], layout[16];   /* parse_workload_ok(); "order-N" or "pmd" */
	int order;
	unsigned runs;              /* per half: the smaller of the two */
	unsigned iterations;        /* per run */
	double budget_pct;          /* the daemon's default budget of the case */
	double half_width_pct;      /* of the A/A interval at runs a side; NAN when none */
	double run_cv_pct;          /* sd / mean of the per-run values, in %; NAN when none */
	unsigned runs_for_1pct, runs_for_2pct; /* 0: more than runs_max (or unknown) */
	char verdict[32];           /* cmp_verdict_name() of the A/A comparison */
};

struct calib_profile {
	char uuid[37];
	char finished_at[32];       /* YYYY-MM-DDTHH:MM:SSZ */
	char hostname[256];
	char release[256];
	char commit[41];            /* "" when unknown */
	char placement[16];         /* "" when the document names none */
	char split[16];             /* params.split: "interleaved" (also when absent) or "sequential" */
	unsigned runs_max;
	size_t ncases;
	struct calib_case cases[CALIB_CASES_MAX];
};

/*
 * Parse and validate a forkwatch-calibration/1 document of len bytes
 * (strict JSON, at most CALIB_DOC_MAX): the format, a UUID, the times,
 * host.hostname, kernel.release, and each case's names and numbers within
 * their ranges.  Returns 0 with p filled, or -EINVAL with err saying what
 * is wrong and field (when not NULL) naming it ("cases[2].runs"), -E2BIG
 * for a document too large.  p is left partly filled on an error.
 */
int calib_profile_parse(struct calib_profile *p, const char *text, size_t len, struct strbuf *field,
			struct strbuf *err);

/*
 * The case of p for workload and layout, or NULL.
 */
const struct calib_case *calib_profile_case(const struct calib_profile *p, const char *workload,
					    const char *layout);

#endif
