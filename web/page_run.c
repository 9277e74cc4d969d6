// SPDX-License-Identifier: GPL-2.0
/* /runs/{id}: one upload: its layouts as verified, its counters, its iterations. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "lib/cmp.h"
#include "daemon/compare.h"
#include "web/html.h"
#include "web/page.h"
#include "web/pages.h"
#include "lib/parse.h"
#include "daemon/store.h"
#include "web/svg.h"

struct rows {
	size_t n, alloc;
	struct store_series *s;
};

static int keep(void *ctx, const struct store_series *s)
{
	struct rows *r = ctx;

	if (array_reserve((void **)&r->s, &r->alloc, r->n, sizeof(*r->s)))
		return -ENOMEM;
	r->s[r->n++] = *s;
	return 0;
}

static void value(struct strbuf *sb, const struct store_series *s, double v)
{
	char a[64];

	if (!isfinite(v)) {
		strbuf_addstr(sb, "&ndash;");
		return;
	}
	if (!strcmp(s->metric, "ns") || !strcmp(s->metric, "task_clock_ns"))
		svg_fmt_time(a, sizeof(a), v);
	else
		snprintf(a, sizeof(a), "%.4g", v);
	html_txt(sb, a);
}

/* The case's header, verification and the start of its metric table. */
static void case_begin(struct strbuf *sb, const struct store_series *s)
{
	strbuf_addstr(sb, "<section class=\"case\"><h3>");
	html_txtf(sb, "%s %s", s->workload, s->layout);
	strbuf_addstr(sb, "</h3><p>");
	if (s->layout_ok)
		strbuf_addstr(sb, "<span class=\"ok\">layout verified</span>");
	else
		strbuf_addstr(sb, "<span class=\"v-regression\">MISMATCH</span>");
	html_txtf(sb, ": %s-mapped, folio order %d; %u iterations per run", s->mapping, s->order,
		  s->iterations);
	if (s->layout_reason[0]) {
		strbuf_addstr(sb, "; ");
		html_txt(sb, s->layout_reason);
	}
	strbuf_addstr(sb, "</p><p class=\"hint\">folios by order (from kpageflags): <code>");
	html_txt(sb, s->folios);
	strbuf_addstr(sb, "</code></p>");
	html_txtf(sb, "%u of the runs measured every iteration; %u iterations per run.", s->runs_ok,
		  s->iterations);
	strbuf_addstr(sb, "<div class=\"scroll\"><table class=\"details\"><thead><tr><th>counter</th>"
			  "<th>event</th><th>per operation: mean of runs</th><th>stdev of runs</th>"
			  "<th>median of runs</th><th>lowest iteration</th><th>highest iteration</th></tr>"
			  "</thead><tbody>");
}

/*
 * The run's figures side by side, as the terminal printed them: its series
 * as the head side of a comparison with nothing to compare (page_own_tables).
 */
static int own_tables(struct strbuf *sb, const struct store_run *r, const struct rows *rows)
{
	struct compare_result own;
	size_t i;

	memset(&own, 0, sizeof(own));
	for (i = 0; i < rows->n; i++) {
		const struct store_series *s = &rows->s[i];
		struct compare_row *cr;

		if (array_reserve((void **)&own.rows, &own.arows, (size_t)own.nrows, sizeof(*own.rows))) {
			compare_result_release(&own);
			return -ENOMEM;
		}
		cr = &own.rows[own.nrows++];
		memset(cr, 0, sizeof(*cr));
		snprintf(cr->workload, sizeof(cr->workload), "%s", s->workload);
		snprintf(cr->layout, sizeof(cr->layout), "%s", s->layout);
		snprintf(cr->metric, sizeof(cr->metric), "%s", s->metric);
		cr->order = s->order;
		cr->supported = s->supported;
		/* a case whose layout did not verify says so, as on the other pages */
		cr->nh = s->layout_ok ? (unsigned)s->runs_sum.n : 0;
		cr->skipped_runs = s->layout_ok ? 0 : (unsigned)s->runs_sum.n;
		cr->head_mean = s->runs_sum.mean;
		cr->head_sd_pct = s->runs_sum.n > 1 && s->runs_sum.mean ?
				  100 * s->runs_sum.stdev / s->runs_sum.mean : NAN;
	}
	snprintf(own.host, sizeof(own.host), "%s", r->host);
	snprintf(own.head, sizeof(own.head), "%s", r->kernel);
	page_own_tables(sb, &own);
	compare_result_release(&own);
	return 0;
}

/* One note per counter the machine could not count, instead of a row in every case. */
static void unsupported_notes(struct strbuf *sb, const struct rows *rows)
{
	size_t i, j;
	bool any = false;

	for (i = 0; i < rows->n; i++) {
		const struct store_series *s = &rows->s[i];

		if (s->supported)
			continue;
		for (j = 0; j < i; j++)
			if (!rows->s[j].supported && !strcmp(rows->s[j].metric, s->metric) &&
			    !strcmp(rows->s[j].reason, s->reason))
				break;
		if (j < i)
			continue;
		if (!any)
			strbuf_addstr(sb, "<h2>Counters this machine could not count</h2><ul class=\"notes\">");
		any = true;
		strbuf_addstr(sb, "<li><b>");
		html_txt(sb, compare_metric_words(s->metric));
		strbuf_addstr(sb, "</b> (<code>");
		html_txt(sb, s->event);
		strbuf_addstr(sb, "</code>): unsupported: ");
		html_txt(sb, s->reason);
		strbuf_addstr(sb, "</li>");
	}
	if (any)
		strbuf_addstr(sb, "</ul>\n");
}

static void metric_row(struct strbuf *sb, const struct store_series *s)
{
	if (!s->supported)
		return; /* in the notes above, once per counter */
	strbuf_addstr(sb, "<tr><td>");
	html_txt(sb, compare_metric_words(s->metric));
	strbuf_addstr(sb, "</td><td><code>");
	html_txt(sb, s->event);
	strbuf_addstr(sb, "</code></td>");
	strbuf_addstr(sb, "<td>");
	value(sb, s, s->runs_sum.mean);
	if (s->multiplexed)
		strbuf_addstr(sb, " <span class=\"hint\">(multiplexed)</span>");
	strbuf_addstr(sb, "</td><td>");
	if (isfinite(s->runs_sum.stdev) && s->runs_sum.mean)
		html_txtf(sb, "%.2f%%", 100 * s->runs_sum.stdev / s->runs_sum.mean);
	else
		strbuf_addstr(sb, "&ndash;");
	strbuf_addstr(sb, "</td><td>");
	value(sb, s, s->runs_median);
	strbuf_addstr(sb, "</td><td>");
	value(sb, s, s->it_sum.min);
	strbuf_addstr(sb, "</td><td>");
	value(sb, s, s->it_sum.max);
	strbuf_addstr(sb, "</td></tr>");
}

/*
 * The variance of the iterations split between runs and within a run
 * (lib/cmp.h, cmp_components()): how much runs settle at their own levels,
 * which decides whether more runs or more iterations pay (lib/plan.h).
 */
static void components(struct strbuf *sb, const double *v, size_t nv, const uint32_t *rl, size_t nr)
{
	struct cmp_group *g = calloc(nr ? nr : 1, sizeof(*g));
	struct cmp_components c;
	size_t i, off = 0;

	if (!g)
		return;
	for (i = 0; i < nr && off + rl[i] <= nv; off += rl[i], i++)
		g[i] = (struct cmp_group){ v + off, rl[i] };
	cmp_components(g, i, &c);
	free(g);
	if (isnan(c.var_between) || !(c.mean > 0))
		return;
	strbuf_addstr(sb, "<p class=\"hint components\">");
	html_txtf(sb, "Variance components: between runs sd %.1f%%, within a run sd %.1f%% of the mean; "
		      "%.0f%% of the variance is between runs (F test p = %.2g)%s.",
		  100 * sqrt(c.var_between) / c.mean, 100 * sqrt(c.var_within) / c.mean, 100 * c.icc, c.p,
		  c.negative ? ", the runs agreeing better than their iterations" : "");
	strbuf_addstr(sb, "</p>");
}

static int histogram(struct req *rq, struct strbuf *sb, const struct store_series *s)
{
	double *v = NULL;
	uint32_t *rl = NULL;
	size_t nv = 0, nr = 0;
	struct strbuf title = STRBUF_INIT;
	int ret;

	ret = store_series_samples(rq->st, s->id, &v, &nv, &rl, &nr);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	strbuf_addf(&title, "%s %s: time of each of %zu iterations", s->workload, s->layout, nv);
	strbuf_addstr(sb, "<figure class=\"small\"><figcaption>");
	html_txtf(sb, "every iteration (%zu in %zu runs)", nv, nr);
	strbuf_addstr(sb, "</figcaption>");
	svg_histogram(sb, title.buf, v, nv);
	strbuf_addstr(sb, "</figure>");
	components(sb, v, nv, rl, nr);
	strbuf_release(&title);
	free(v);
	free(rl);
	return 0;
}

void page_run(struct req *rq, struct resp *rs)
{
	struct strbuf *sb = &rs->body;
	struct rows rows = { 0, 0, NULL };
	struct store_run r;
	uint64_t id;
	size_t i, j;
	int ret;

	if (parse_uint(rq->args[0], 1, INT64_MAX, &id)) {
		page_error(rs, 400, "run '%s': expected a positive integer", rq->args[0]);
		return;
	}
	ret = store_run_get(rq->st, id, &r);
	if (!ret)
		ret = store_run_series(rq->st, id, keep, &rows);
	if (ret) {
		page_store_error(rq, rs, ret, "run");
		goto out;
	}
	page_begin(rs, "run", NULL);
	strbuf_addstr(sb, "<h1>");
	html_txtf(sb, "Run %llu", (unsigned long long)id);
	strbuf_addstr(sb, "</h1>");
	page_noise_warning(sb, r.noise_known, r.noise);
	strbuf_addstr(sb, "<dl class=\"facts\"><dt>machine</dt><dd>");
	html_link_host(sb, r.host);
	strbuf_addstr(sb, "</dd><dt>kernel</dt><dd>");
	html_link_kernel(sb, r.kernel);
	strbuf_addstr(sb, " ");
	html_txt(sb, r.release);
	strbuf_addstr(sb, "</dd><dt>uuid</dt><dd><code>");
	html_txt(sb, r.uuid);
	strbuf_addstr(sb, "</code></dd><dt>measured</dt><dd>");
	html_txtf(sb, "%s to %s", r.started_at, r.finished_at);
	strbuf_addstr(sb, "</dd><dt>received</dt><dd>");
	html_time(sb, r.received_at);
	strbuf_addstr(sb, "</dd><dt>parameters</dt><dd>");
	html_txtf(sb, "%.0f MiB, %u runs x %u iterations", (double)r.size_bytes / (1 << 20), r.runs,
		  r.iterations);
	if (r.fresh_iterations)
		html_txtf(sb, " (%u of a workload that needs a fresh region each)", r.fresh_iterations);
	html_txtf(sb, ", %u warm-up", r.warmup);
	strbuf_addstr(sb, "</dd><dt>complete</dt><dd>");
	strbuf_addstr(sb, r.complete ? "yes" : "<span class=\"v-regression\">no: a layout did not "
					       "verify or a run lost iterations</span>");
	strbuf_addstr(sb, "</dd><dt>placement</dt><dd>");
	{
		struct strbuf w = STRBUF_INIT;

		compare_placement_words(r.placement, r.parent_cpu, r.child_cpu, &w);
		html_txt(sb, w.buf);
		strbuf_release(&w);
	}
	strbuf_addstr(sb, "</dd><dt>noise</dt><dd>");
	if (!r.noise_known)
		strbuf_addstr(sb, "not recorded (a forkwatch without <code>check</code>)");
	else if (!r.noise[0])
		strbuf_addstr(sb, "quiet: no known noise source was active");
	else
		page_noise_list(sb, r.noise, false);
	if (r.samples_dropped_at) {
		/* retention (--keep-samples) left the summaries: no histograms below */
		strbuf_addstr(sb, "</dd><dt>samples</dt><dd>per-iteration samples dropped ");
		html_time(sb, r.samples_dropped_at);
		strbuf_addstr(sb, " (forkwatchd --keep-samples); the summaries are kept");
	}
	strbuf_addstr(sb, "</dd><dt>tool</dt><dd>");
	html_txtf(sb, "forkwatch %s", r.tool_version);
	strbuf_addstr(sb, "</dd></dl><p class=\"links\"><a href=\"/api/v1/runs/");
	html_txtf(sb, "%llu", (unsigned long long)id);
	strbuf_addstr(sb, "\">JSON</a></p>\n<h2>The run at a glance</h2>");
	ret = own_tables(sb, &r, &rows);
	if (ret) {
		page_store_error(rq, rs, ret, "run");
		goto out;
	}
	unsupported_notes(sb, &rows);
	strbuf_addstr(sb, "<h2>Each case</h2>\n");
	for (i = 0; i < rows.n; i = j) {
		const struct store_series *ns = NULL;

		case_begin(sb, &rows.s[i]);
		for (j = i; j < rows.n && !strcmp(rows.s[j].workload, rows.s[i].workload) &&
			    !strcmp(rows.s[j].layout, rows.s[i].layout); j++) {
			metric_row(sb, &rows.s[j]);
			if (!strcmp(rows.s[j].metric, "ns"))
				ns = &rows.s[j];
		}
		strbuf_addstr(sb, "</tbody></table></div>");
		if (ns && (ret = histogram(rq, sb, ns))) {
			page_store_error(rq, rs, ret, "samples");
			goto out;
		}
		strbuf_addstr(sb, "</section>\n");
	}
	page_end(sb);
out:
	free(rows.s);
}
