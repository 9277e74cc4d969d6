// SPDX-License-Identifier: GPL-2.0
/* forkwatch calibrate: the halves of one benchmark compared, and the profile. */
#include "collectors/calibrate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/docread.h"
#include "lib/calib.h"
#include "lib/cmp.h"
#include "lib/jread.h"
#include "lib/jsonw.h"
#include "lib/stats.h"

struct calib_row {
	struct calib_case c;
	struct cmp_result cmp;
	unsigned runs_a, runs_b;
	bool compared;
};

/* The budget forkwatchd decides a case against by default (daemon/compare.c). */
static double case_budget(int order, const char *layout)
{
	return order == 0 && strcmp(layout, "pmd") ? 1.0 : 2.0;
}

static void row_compute(const struct jread_node *c, bool sequential, struct calib_row *r)
{
	const struct jread_node *runs = jread_get(c, "runs"), *run;
	struct cmp_params p = CMP_PARAMS_INIT;
	size_t n = runs && runs->type == JREAD_ARR ? runs->n : 0, na, nb, j;
	double *v = calloc(n + 1, sizeof(*v)), *a = calloc(n + 1, sizeof(*a)), *b = calloc(n + 1, sizeof(*b));
	double *all = calloc(n + 1, sizeof(*all)), order = 0, iters = 0;
	struct stats_summary s;

	if (!v || !a || !b || !all)
		abort();
	snprintf(r->c.workload, sizeof(r->c.workload), "%s", jread_str(jread_get(c, "workload")));
	snprintf(r->c.layout, sizeof(r->c.layout), "%s", jread_str(jread_get(c, "layout")));
	jread_num(jread_get(c, "order"), &order);
	jread_num(jread_get(c, "iterations"), &iters);
	r->c.order = (int)order;
	r->c.iterations = (unsigned)iters;
	r->c.budget_pct = case_budget(r->c.order, r->c.layout);
	for (j = 0; j < n; j++) {
		run = jread_at(runs, j);
		v[j] = docread_run_verified(run) ? docread_mean(jread_get(run, "ns")) : NAN;
	}
	(sequential ? calib_halves_sequential : calib_halves)(v, n, a, &na, b, &nb);
	r->runs_a = (unsigned)na;
	r->runs_b = (unsigned)nb;
	r->c.runs = (unsigned)(na < nb ? na : nb);
	memcpy(all, a, na * sizeof(*a));
	memcpy(all + na, b, nb * sizeof(*b));
	stats_summarize(all, na + nb, &s);
	r->c.run_cv_pct = s.n >= 2 && s.mean > 0 ? 100 * s.stdev / s.mean : NAN;
	r->c.half_width_pct = NAN;
	p.threshold_pct = r->c.budget_pct;
	snprintf(r->c.verdict, sizeof(r->c.verdict), "%s", cmp_verdict_name(CMP_INCONCLUSIVE));
	if (na >= 2 && nb >= 2 && !cmp_compare(a, na, b, nb, &p, &r->cmp)) {
		r->compared = true;
		snprintf(r->c.verdict, sizeof(r->c.verdict), "%s", cmp_verdict_name(r->cmp.verdict));
		if (r->cmp.log_se == 0) /* no spread on either side: df is 0/0 */
			r->c.half_width_pct = 0;
		else if (isfinite(r->cmp.log_se) && r->cmp.log_df > 0)
			r->c.half_width_pct = 100 * expm1(cmp_t_quantile((1 + p.level) / 2, r->cmp.log_df) *
							  r->cmp.log_se);
	}
	if (isfinite(r->c.run_cv_pct)) {
		r->c.runs_for_1pct = calib_runs_for(r->c.run_cv_pct / 100, 1.0, CALIB_LEVEL, CALIB_RUNS_MAX);
		r->c.runs_for_2pct = calib_runs_for(r->c.run_cv_pct / 100, 2.0, CALIB_LEVEL, CALIB_RUNS_MAX);
	}
	free(v);
	free(a);
	free(b);
	free(all);
}

static bool false_alarm(const struct calib_row *r)
{
	return r->compared && (r->cmp.verdict == CMP_REGRESSION || r->cmp.verdict == CMP_GAIN ||
			       r->cmp.verdict == CMP_SIGNIFICANT);
}

static void runs_cell(struct strbuf *out, unsigned runs)
{
	char b[32];

	if (runs)
		snprintf(b, sizeof(b), "%u", runs);
	else
		snprintf(b, sizeof(b), ">%u", CALIB_RUNS_MAX);
	strbuf_addf(out, " %8s", b);
}

static void table(const struct jread_node *root, const struct calib_row *rows, size_t n, bool sequential,
		  struct strbuf *out)
{
	const struct jread_node *k = jread_get(root, "kernel"), *h = jread_get(root, "host");
	const char *placement = jread_str(jread_get(jread_get(root, "params"), "placement"));
	unsigned alarms = 0, half = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i].c.runs > half)
			half = rows[i].c.runs;
	strbuf_addf(out, "\ncalibration of %s, kernel %s%s%s: one benchmark, its runs split into %s "
			 "halves\n(%s, %u a side), compared as forkwatchd compares two "
			 "kernels; placement %s\n\n",
		    jread_str(jread_get(h, "hostname")) ? jread_str(jread_get(h, "hostname")) : "?",
		    jread_str(jread_get(k, "release")) ? jread_str(jread_get(k, "release")) : "?",
		    jread_str(jread_get(k, "commit")) ? " commit " : "",
		    jread_str(jread_get(k, "commit")) ? jread_str(jread_get(k, "commit")) : "",
		    sequential ? "sequential" : "interleaved",
		    sequential ? "the first runs against the last" : "even against odd runs", half,
		    placement ? placement : "free");
	strbuf_addf(out, "%-10s %-9s %5s %11s %7s %8s %8s  %s\n", "workload", "layout", "runs", "resolves",
		    "run sd", "for 1%", "for 2%", "A/A verdict (budget)");
	for (i = 0; i < n; i++) {
		const struct calib_row *r = &rows[i];
		char hw[32], sd[32];

		if (isfinite(r->c.half_width_pct))
			snprintf(hw, sizeof(hw), "+-%.2f%%", r->c.half_width_pct);
		else
			snprintf(hw, sizeof(hw), "-");
		if (isfinite(r->c.run_cv_pct))
			snprintf(sd, sizeof(sd), "%.2f%%", r->c.run_cv_pct);
		else
			snprintf(sd, sizeof(sd), "-");
		strbuf_addf(out, "%-10s %-9s %5u %11s %7s", r->c.workload, r->c.layout, r->c.runs, hw, sd);
		runs_cell(out, r->c.runs_for_1pct);
		runs_cell(out, r->c.runs_for_2pct);
		strbuf_addf(out, "  %s (%g%%)", r->c.verdict, r->c.budget_pct);
		if (false_alarm(r)) {
			strbuf_addf(out, ": a false alarm (%+.2f%%, nothing changed)", r->cmp.change_pct);
			alarms++;
		} else if (!r->compared) {
			strbuf_addstr(out, ": too few verified runs to compare");
		}
		strbuf_addch(out, '\n');
	}
	strbuf_addf(out, "\nresolves: half-width of the 95%% interval of the A/A comparison, the smallest "
			 "change these\nsettings tell from noise; run sd: run-to-run stdev of the mean time in %% "
			 "of the mean;\nfor 1%%/2%%: runs a side for a half-width of +-1%%/+-2%% at that spread "
			 "(>%u: more than %u)\n",
		    CALIB_RUNS_MAX, CALIB_RUNS_MAX);
	if (alarms)
		strbuf_addf(out, "%u false alarm(s): the halves ran the same kernel; expect about 1 in 100 "
				 "(alpha 0.01), more when runs drift\n", alarms);
}

static void profile(const struct jread_node *root, const struct calib_row *rows, size_t n, bool sequential,
		    struct strbuf *out)
{
	const struct jread_node *params = jread_get(root, "params");
	double runs = 0;
	unsigned half = 0;
	struct jw jw;
	size_t i;

	/* the benchmark's runs of a case, 2R (with --time-budget its most); else the halves seen */
	if (jread_num(jread_get(params, "runs"), &runs) && runs >= 2)
		half = (unsigned)runs / 2;
	for (i = 0; !half && i < n; i++)
		if (rows[i].runs_a > half)
			half = rows[i].runs_a;
	jw_init(&jw, out);
	jw_obj_begin(&jw, NULL);
	jw_str(&jw, "format", CALIB_FORMAT);
	jw_str(&jw, "calibration_uuid", jread_str(jread_get(root, "run_uuid")));
	jw_obj_begin(&jw, "tool");
	jw_str(&jw, "name", "forkwatch");
	jw_str(&jw, "version", FORKWATCH_VERSION);
	jw_obj_end(&jw);
	jw_str_or_null(&jw, "started_at", jread_str(jread_get(root, "started_at")));
	jw_str_or_null(&jw, "finished_at", jread_str(jread_get(root, "finished_at")));
	/* the result document's own, from jread: never deeper than the writer takes */
	(void)jw_node(&jw, "host", jread_get(root, "host"));
	(void)jw_node(&jw, "kernel", jread_get(root, "kernel"));
	jw_obj_begin(&jw, "params");
	for (i = 0; params && params->type == JREAD_OBJ && i < params->n; i++)
		(void)jw_node(&jw, params->kids[i].key, &params->kids[i]);
	jw_u64(&jw, "runs_per_half", half);
	jw_str(&jw, "split", sequential ? "sequential" : "interleaved");
	jw_double(&jw, "level", CALIB_LEVEL);
	jw_double(&jw, "alpha", 0.01);
	jw_obj_end(&jw);
	jw_u64(&jw, "runs_max", CALIB_RUNS_MAX);
	jw_arr_begin(&jw, "cases");
	for (i = 0; i < n; i++) {
		const struct calib_row *r = &rows[i];

		jw_obj_begin(&jw, NULL);
		jw_str(&jw, "workload", r->c.workload);
		jw_str(&jw, "layout", r->c.layout);
		jw_i64(&jw, "order", r->c.order);
		jw_u64(&jw, "runs", r->c.runs);
		jw_u64(&jw, "runs_a", r->runs_a);
		jw_u64(&jw, "runs_b", r->runs_b);
		jw_u64(&jw, "iterations", r->c.iterations);
		jw_double(&jw, "budget_pct", r->c.budget_pct);
		jw_double(&jw, "half_width_pct", r->c.half_width_pct);
		jw_double(&jw, "run_cv_pct", r->c.run_cv_pct);
		if (r->c.runs_for_1pct)
			jw_u64(&jw, "runs_for_1pct", r->c.runs_for_1pct);
		else
			jw_null(&jw, "runs_for_1pct");
		if (r->c.runs_for_2pct)
			jw_u64(&jw, "runs_for_2pct", r->c.runs_for_2pct);
		else
			jw_null(&jw, "runs_for_2pct");
		jw_double(&jw, "change_pct", r->compared ? r->cmp.change_pct : NAN);
		jw_double(&jw, "ci_lo_pct", r->compared ? r->cmp.ci_lo_pct : NAN);
		jw_double(&jw, "ci_hi_pct", r->compared ? r->cmp.ci_hi_pct : NAN);
		jw_double(&jw, "p", r->compared ? r->cmp.welch.p : NAN);
		jw_str(&jw, "verdict", r->c.verdict);
		jw_bool(&jw, "false_alarm", false_alarm(r));
		jw_obj_end(&jw);
	}
	jw_arr_end(&jw);
	jw_obj_end(&jw);
	strbuf_addch(out, '\n');
}

int calibrate_doc(const char *doc, size_t len, bool sequential, struct strbuf *tbl, struct strbuf *prof,
		  struct strbuf *err)
{
	const struct jread_node *cases, *c;
	struct jread_node *root = NULL;
	struct calib_row *rows = NULL;
	size_t i, n = 0;
	int ret = jread_parse(&root, doc, len, err);

	if (ret)
		return -EINVAL;
	cases = jread_get(root, "cases");
	if (!cases || cases->type != JREAD_ARR || !cases->n || !jread_str(jread_get(root, "run_uuid"))) {
		strbuf_addstr(err, "the benchmark's document has no cases");
		ret = -EINVAL;
		goto out;
	}
	rows = calloc(cases->n, sizeof(*rows));
	if (!rows)
		abort();
	for (i = 0; (c = jread_at(cases, i)) && n < CALIB_CASES_MAX; i++) {
		if (!jread_str(jread_get(c, "workload")) || !jread_str(jread_get(c, "layout")))
			continue;
		row_compute(c, sequential, &rows[n++]);
	}
	table(root, rows, n, sequential, tbl);
	profile(root, rows, n, sequential, prof);
out:
	free(rows);
	jread_free(root);
	return ret;
}
