// SPDX-License-Identifier: GPL-2.0
#include "collectors/report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "collectors/budget.h"
#include "lib/stats.h"

#define LABEL_W 15     /* the first column, its bars included; wider for a long host */
#define LABEL_W_MAX 44
#define CELL_W 9

/* A duration in ns as "16.40ms", "351.2us"; buf of 16 bytes or more. */
static void report_fmt_ns(double ns, char *buf, size_t len)
{
	if (!isfinite(ns))
		snprintf(buf, len, "-");
	else if (ns >= 1e9)
		snprintf(buf, len, "%.3gs", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else
		snprintf(buf, len, "%.0fns", ns);
}

/* A count with 3-4 significant digits: "0.02", "512.0", "1.23M". */
static void report_fmt_count(double v, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (fabs(v) >= 1e9)
		snprintf(buf, len, "%.3gG", v / 1e9);
	else if (fabs(v) >= 1e6)
		snprintf(buf, len, "%.3gM", v / 1e6);
	else if (fabs(v) >= 1e4)
		snprintf(buf, len, "%.3gk", v / 1e3);
	else if (fabs(v) >= 100)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.2f", v);
}

static void cell(struct strbuf *out, const char *s)
{
	strbuf_addf(out, " %*s |", CELL_W - 2, s);
}

static void label(struct strbuf *out, int lw, const char *s)
{
	strbuf_addf(out, "| %-*.*s |", lw - 2, lw - 2, s);
}

/* A rule under the header: one dash run per layout column, or per cell. */
static void rule(struct strbuf *out, int lw, int ncols, const char *lab)
{
	static const char dashes[] = "----------------------------------------------";
	int i;

	if (lab)
		label(out, lw, lab);
	else
		strbuf_addf(out, "|%.*s|", lw, dashes);
	for (i = 0; i < ncols; i++) {
		if (lab)
			strbuf_addf(out, "%.*s|", 2 * CELL_W + 1, dashes);
		else
			strbuf_addf(out, "%.*s|%.*s|", CELL_W, dashes, CELL_W, dashes);
	}
	strbuf_addch(out, '\n');
}

/* mean and stdev (% of mean) over the per-run means */
static void summary(const struct bench_result *res, const struct bench_case *c, int metric,
		    struct stats_summary *s)
{
	double means[BENCH_RUNS_MAX];
	unsigned n = bench_case_run_means(res, c, metric, means);

	stats_summarize(means, n, s);
}

static void stdev_cell(struct strbuf *out, const struct stats_summary *s)
{
	char b[32];

	if (s->n < 2 || !isfinite(s->stdev) || s->mean == 0)
		snprintf(b, sizeof(b), "-");
	else
		snprintf(b, sizeof(b), "%.1f%%", 100 * s->stdev / s->mean);
	cell(out, b);
}

static void table(const struct bench_result *res, const struct bench_workload *wl, struct strbuf *out,
		  struct strbuf *notes)
{
	const struct bench_params *p = &res->params;
	const struct bench_case *cs[LAYOUT_MAX];
	const struct bench_case *base = NULL;
	struct stats_summary s, b;
	char buf[64], head[64];
	int n = 0, i, m, lw;

	for (i = 0; i < res->ncases; i++)
		if (res->cases[i].wl == wl && n < LAYOUT_MAX)
			cs[n++] = &res->cases[i];
	if (!n)
		return;
	for (i = 0; i < n; i++)
		if (cs[i]->layout->kind == LAYOUT_ORDER0)
			base = cs[i];

	/*
	 * "host arch" whole: the column widens for it (a long host name is
	 * cut, never the arch: "fw-arm-lab aa" said nothing of aarch64)
	 */
	{
		int room = LABEL_W_MAX - 3 - (int)strnlen(res->host.arch, 20);

		snprintf(head, sizeof(head), "%.*s %.20s", room, res->host.hostname, res->host.arch);
		lw = (int)strlen(head) + 2;
		if (lw < LABEL_W)
			lw = LABEL_W;
	}
	label(out, lw, head);
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%s (%s-map)", cs[i]->layout->name,
			 cs[i]->layout->kind == LAYOUT_PMD ? "pmd" : "pte");
		strbuf_addf(out, " %-*.*s |", 2 * CELL_W - 1, 2 * CELL_W - 1, buf);
	}
	strbuf_addch(out, '\n');
	rule(out, lw, n, wl->name);
	{
		char sz[16];

		snprintf(sz, sizeof(sz), "%lluM", (unsigned long long)(p->size >> 20));
		if (p->time_budget_s > 0)
			snprintf(buf, sizeof(buf), "%s %.0fs x%u", sz, p->time_budget_s, cs[0]->iterations);
		else
			snprintf(buf, sizeof(buf), "%s %ux%u", sz, p->runs, cs[0]->iterations);
	}
	label(out, lw, buf);
	for (i = 0; i < n; i++) {
		cell(out, "mean");
		cell(out, "stdev");
	}
	strbuf_addch(out, '\n');
	rule(out, lw, n, NULL);

	label(out, lw, "time");
	for (i = 0; i < n; i++) {
		summary(res, cs[i], -1, &s);
		report_fmt_ns(s.mean, buf, sizeof(buf));
		cell(out, buf);
		stdev_cell(out, &s);
	}
	strbuf_addch(out, '\n');
	if (base) {
		summary(res, base, -1, &b);
		label(out, lw, "vs order-0");
		for (i = 0; i < n; i++) {
			summary(res, cs[i], -1, &s);
			if (b.n && s.n && b.mean > 0)
				snprintf(buf, sizeof(buf), "%.1f%%", 100 * s.mean / b.mean);
			else
				snprintf(buf, sizeof(buf), "-");
			cell(out, buf);
			cell(out, "");
		}
		strbuf_addch(out, '\n');
	}
	for (m = 0; m < p->ctrs.n; m++) {
		const struct ctr_spec *sp = &p->ctrs.spec[m];

		label(out, lw, sp->metric);
		for (i = 0; i < n; i++) {
			if (!sp->supported) {
				cell(out, "n/a");
				cell(out, "");
				continue;
			}
			summary(res, cs[i], m, &s);
			report_fmt_count(s.mean, buf, sizeof(buf));
			cell(out, buf);
			stdev_cell(out, &s);
		}
		strbuf_addch(out, '\n');
	}
	if (p->time_budget_s > 0) {
		/* the runs each case took, and the half-width its last check projected */
		label(out, lw, "runs");
		for (i = 0; i < n; i++) {
			snprintf(buf, sizeof(buf), "%u", cs[i]->nruns);
			cell(out, buf);
			if (isfinite(cs[i]->half_width_pct))
				snprintf(buf, sizeof(buf), cs[i]->half_width_pct < 99.95 ? "+-%.1f%%" : "+-%.0f%%",
					 cs[i]->half_width_pct);
			else
				snprintf(buf, sizeof(buf), "-");
			cell(out, buf);
			if (cs[i]->end != BUDGET_PRECISE && cs[i]->end != BUDGET_FAILED)
				strbuf_addf(notes, "  %s %s: stopped (%s) after %u runs at %s, short of "
					    "+-%.1f%% (half its %.0f%% budget)\n",
					    wl->name, cs[i]->layout->name,
					    budget_end_name((enum budget_end)cs[i]->end), cs[i]->nruns, buf,
					    cs[i]->budget_pct / 2, cs[i]->budget_pct);
		}
		strbuf_addch(out, '\n');
	}
	label(out, lw, "layout");
	for (i = 0; i < n; i++) {
		const char *why;
		unsigned r, runs = cs[i]->nruns, ok = bench_case_verified(res, cs[i], &why), failed = 0;

		for (r = 0; r < runs; r++)
			failed += !cs[i]->runs[r].ok;
		cell(out, ok == runs ? "ok" : "MISMATCH");
		snprintf(buf, sizeof(buf), "%u/%u", ok, runs);
		cell(out, buf);
		if (why)
			strbuf_addf(notes, "  %s %s: layout not as asked in %u of %u runs: %s\n",
				    wl->name, cs[i]->layout->name, runs - ok, runs, why);
		if (failed) {
			for (r = 0; r < runs && cs[i]->runs[r].ok; r++)
				;
			strbuf_addf(notes, "  %s %s: %u of %u runs failed: %s\n", wl->name,
				    cs[i]->layout->name, failed, runs, cs[i]->runs[r].error);
		}
	}
	strbuf_addch(out, '\n');
	strbuf_addch(out, '\n');
}

void report_table(const struct bench_result *res, struct strbuf *out)
{
	struct strbuf notes = STRBUF_INIT;
	unsigned w;
	int m;

	strbuf_addstr(out, "placement ");
	placement_describe(&res->params.placement, out);
	strbuf_addstr(out, "\n\n");
	for (w = 0; w < bench_nworkloads; w++)
		table(res, &bench_workloads[w], out, &notes);
	strbuf_addstr(out, "Counters are per operation (mean of the per-run means); stdev is of the\n"
			   "per-run means in % of their mean.\n");
	if (res->params.time_budget_s > 0)
		strbuf_addf(out, "--time-budget %.0fs: runs took %.0fs; each case ran until the 95%% interval\n"
				 "of a comparison would reach +-half its budget (order-0 1%%, others 2%%).\n",
			    res->params.time_budget_s, res->elapsed_s);
	for (m = 0; m < res->params.ctrs.n; m++) {
		const struct ctr_spec *sp = &res->params.ctrs.spec[m];

		if (!sp->supported)
			strbuf_addf(&notes, "  %s unsupported: %s\n", sp->metric, sp->reason);
	}
	if (notes.len) {
		strbuf_addstr(out, "Notes:\n");
		strbuf_add(out, notes.buf, notes.len);
	}
	strbuf_addf(out, "kernel %s%s%s, run %s\n", res->kernel.release,
		    res->kernel.commit[0] ? " commit " : "", res->kernel.commit, res->run_uuid);
	strbuf_release(&notes);
}
