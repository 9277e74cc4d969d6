// SPDX-License-Identifier: GPL-2.0
/* The review thread's table, in HTML: shared by /kernels/{commit} and /compare. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "web/html.h"
#include "web/pages.h"
#include "web/svg.h"

static bool large_folio(const struct compare_row *r)
{
	return r->order > 0 || !strcmp(r->layout, "pmd");
}

const char *page_verdict_class(const struct compare_row *r)
{
	if (r->missing || !r->supported)
		return "v-na";
	switch (r->verdict) {
	case CMP_GAIN: return "v-gain";
	case CMP_REGRESSION: return "v-regression";
	case CMP_UNCHANGED: return "v-unchanged";
	case CMP_SIGNIFICANT: return r->delta_pct < 0 ? "v-significant-faster" : "v-significant-slower";
	default: return "v-inconclusive";
	}
}

const char *page_verdict_word(const struct compare_row *r)
{
	if (r->missing)
		return "no baseline";
	if (!r->supported)
		return "unsupported";
	switch (r->verdict) {
	case CMP_GAIN: return large_folio(r) ? "batching gain" : "faster";
	case CMP_REGRESSION: return large_folio(r) ? "lost gain" : "order-0 slowdown";
	case CMP_UNCHANGED: return "unchanged";
	/* a change, its size still uncertain: apart from "no evidence either way" */
	case CMP_SIGNIFICANT:
		if (r->delta_pct < 0)
			return large_folio(r) ? "gain, size uncertain" : "faster, size uncertain";
		return "slower, size uncertain";
	default: return "inconclusive";
	}
}

static void pct(struct strbuf *sb, double v, bool sign)
{
	if (!isfinite(v))
		strbuf_addstr(sb, "&ndash;");
	else
		html_txtf(sb, sign ? "%+.1f%%" : "%.1f%%", v);
}

static void workload_table(struct strbuf *sb, const struct compare_result *res, const char *wl)
{
	const struct compare_row *cols[32];
	char a[64];
	int i, n = 0, c;

	for (i = 0; i < res->nrows && n < 32; i++)
		if (!strcmp(res->rows[i].workload, wl) && !strcmp(res->rows[i].metric, "ns"))
			cols[n++] = &res->rows[i];
	if (!n)
		return;
	strbuf_addstr(sb, "<div class=\"scroll\"><table class=\"thread\"><thead><tr><th rowspan=\"2\">");
	html_txt(sb, wl);
	strbuf_addstr(sb, "</th>");
	for (c = 0; c < n; c++) {
		strbuf_addstr(sb, "<th colspan=\"2\">");
		html_txtf(sb, "%s (%s-map)", cols[c]->layout, strcmp(cols[c]->layout, "pmd") ? "pte" : "pmd");
		strbuf_addstr(sb, "</th>");
	}
	strbuf_addstr(sb, "</tr><tr>");
	for (c = 0; c < n; c++)
		strbuf_addstr(sb, "<th>mean</th><th>stdev</th>");
	strbuf_addstr(sb, "</tr></thead><tbody><tr><th>baseline</th>");
	for (c = 0; c < n; c++) {
		strbuf_addstr(sb, "<td>");
		pct(sb, cols[c]->nb ? 0.0 : NAN, true);
		strbuf_addstr(sb, "</td><td>");
		pct(sb, cols[c]->base_sd_pct, false);
		strbuf_addstr(sb, "</td>");
	}
	strbuf_addstr(sb, "</tr><tr><th>after-change</th>");
	for (c = 0; c < n; c++) {
		const struct compare_row *r = cols[c];

		strbuf_addf(sb, "<td class=\"%s\" title=\"", page_verdict_class(r));
		html_attr(sb, page_verdict_word(r));
		if (isfinite(r->delta_pct) && res->by_boot)
			html_txtf(sb, " %+.2f%%, CI %+.2f..%+.2f, p=%.2g, boots %u/%u, runs %u/%u", r->delta_pct,
				  r->ci_lo, r->ci_hi, r->p_welch, r->boots_b, r->boots_h, r->nb, r->nh);
		else if (isfinite(r->delta_pct) && r->session_model)
			html_txtf(sb, " %+.2f%%, CI %+.2f..%+.2f, p=%.2g, n=%u/%u in %u/%u uploads, uploads stray "
				  "by sd %.1f%%", r->delta_pct, r->ci_lo, r->ci_hi, r->p_welch, r->nb, r->nh,
				  r->sessions_b, r->sessions_h, compare_level_sd_pct(r));
		else if (isfinite(r->delta_pct))
			html_txtf(sb, " %+.2f%%, CI %+.2f..%+.2f, p=%.2g, n=%u/%u", r->delta_pct, r->ci_lo,
				  r->ci_hi, r->p_welch, r->nb, r->nh);
		else if (r->reason[0])
			html_txtf(sb, ": %s", r->reason);
		strbuf_addstr(sb, "\">");
		pct(sb, r->delta_pct, true);
		/* the word, so that colour is not the only sign */
		if (r->verdict != CMP_UNCHANGED || !r->supported || r->missing) {
			strbuf_addstr(sb, "<span class=\"word\">");
			html_txt(sb, page_verdict_word(r));
			strbuf_addstr(sb, "</span>");
		}
		strbuf_addstr(sb, "</td><td>");
		pct(sb, r->head_sd_pct, false);
		strbuf_addstr(sb, "</td>");
	}
	strbuf_addstr(sb, "</tr><tr class=\"abs\"><th>baseline time per op</th>");
	for (c = 0; c < n; c++) {
		svg_fmt_time(a, sizeof(a), cols[c]->base_mean);
		strbuf_addstr(sb, "<td colspan=\"2\">");
		html_txt(sb, a);
		strbuf_addstr(sb, "</td>");
	}
	strbuf_addstr(sb, "</tr></tbody></table></div>\n<ul class=\"attr\">");
	for (c = 0; c < n; c++) {
		struct strbuf t = STRBUF_INIT;

		compare_attribution(res, cols[c], &t);
		strbuf_addstr(sb, "<li><b>");
		html_txt(sb, cols[c]->layout);
		strbuf_addstr(sb, "</b>");
		if (cols[c]->cannot_decide)
			html_txtf(sb, " (%s: more uploads of this kernel on this host cannot decide it)",
				  page_verdict_word(cols[c]));
		else if (cols[c]->session_model && cols[c]->head_sessions_needed &&
			 (cols[c]->verdict == CMP_INCONCLUSIVE || cols[c]->verdict == CMP_SIGNIFICANT))
			html_txtf(sb, " (%s: about %u uploads of this kernel in all would decide)",
				  page_verdict_word(cols[c]), cols[c]->head_sessions_needed);
		else if ((cols[c]->verdict == CMP_INCONCLUSIVE || cols[c]->verdict == CMP_SIGNIFICANT) &&
			 cols[c]->supported && !cols[c]->missing && cols[c]->runs_needed && !cols[c]->session_model)
			html_txtf(sb, " (%s: about %u %s per side would decide)", page_verdict_word(cols[c]),
				  cols[c]->runs_needed, res->by_boot ? "boots" : "runs");
		strbuf_addstr(sb, ": ");
		html_txt(sb, t.buf);
		strbuf_addstr(sb, "</li>");
		strbuf_release(&t);
	}
	strbuf_addstr(sb, "</ul>\n");
}

static void details_table(struct strbuf *sb, const struct compare_result *res)
{
	char a[64], b[64];
	int i;

	strbuf_addstr(sb, "<h3>Every metric</h3><div class=\"scroll\"><table class=\"details\"><thead><tr>"
			  "<th>case</th><th>metric</th><th>runs base/head</th><th>base mean</th>"
			  "<th>head mean</th><th>change</th><th>");
	html_txtf(sb, "%.0f%% CI", 100 * res->confidence);
	strbuf_addstr(sb, "</th><th>p (Welch)</th><th>p (Mann-Whitney)</th><th>verdict</th></tr></thead><tbody>");
	for (i = 0; i < res->nrows; i++) {
		const struct compare_row *r = &res->rows[i];
		bool t = !strcmp(r->metric, "ns");

		strbuf_addstr(sb, "<tr><td>");
		html_txtf(sb, "%s %s", r->workload, r->layout);
		strbuf_addstr(sb, "</td><td>");
		html_txt(sb, compare_metric_words(r->metric));
		strbuf_addstr(sb, "</td>");
		if (!r->supported || r->missing) {
			strbuf_addstr(sb, "<td colspan=\"7\">");
			html_txt(sb, r->reason[0] ? r->reason : "no values");
			strbuf_addf(sb, "</td><td class=\"%s\">", page_verdict_class(r));
			html_txt(sb, page_verdict_word(r));
			strbuf_addstr(sb, "</td></tr>");
			continue;
		}
		if (t) {
			svg_fmt_time(a, sizeof(a), r->base_mean);
			svg_fmt_time(b, sizeof(b), r->head_mean);
		} else {
			snprintf(a, sizeof(a), "%.4g", r->base_mean);
			snprintf(b, sizeof(b), "%.4g", r->head_mean);
		}
		strbuf_addstr(sb, "<td>");
		if (res->by_boot)
			html_txtf(sb, "%u/%u (boots %u/%u)", r->nb, r->nh, r->boots_b, r->boots_h);
		else if (r->session_model)
			html_txtf(sb, "%u/%u (uploads %u/%u)", r->nb, r->nh, r->sessions_b, r->sessions_h);
		else
			html_txtf(sb, "%u/%u", r->nb, r->nh);
		strbuf_addstr(sb, "</td><td>");
		html_txt(sb, a);
		strbuf_addstr(sb, "</td><td>");
		html_txt(sb, b);
		strbuf_addstr(sb, "</td><td>");
		pct(sb, r->delta_pct, true);
		strbuf_addstr(sb, "</td><td>");
		if (isfinite(r->ci_lo))
			html_txtf(sb, "%+.2f%% .. %+.2f%%", r->ci_lo, r->ci_hi);
		strbuf_addstr(sb, "</td><td>");
		if (isfinite(r->p_welch))
			html_txtf(sb, "%.3g", r->p_welch);
		strbuf_addstr(sb, "</td><td>");
		if (isfinite(r->p_mw))
			html_txtf(sb, "%.3g", r->p_mw);
		strbuf_addf(sb, "</td><td class=\"%s\">", t ? page_verdict_class(r) : "");
		html_txt(sb, t ? page_verdict_word(r) : cmp_verdict_name(r->verdict));
		strbuf_addstr(sb, "</td></tr>");
	}
	strbuf_addstr(sb, "</tbody></table></div>\n");
}

void page_compare_links(struct strbuf *sb, const struct compare_result *res, bool details)
{
	struct strbuf q = STRBUF_INIT;

	strbuf_addch(&q, '?');
	compare_query(&q, res->host, res->head, res->base);
	strbuf_addstr(sb, "<p class=\"links\">");
	if (details) {
		strbuf_addstr(sb, "<a href=\"/compare");
		html_attr(sb, q.buf);
		strbuf_addstr(sb, "\">details</a> &middot; ");
	}
	strbuf_addstr(sb, "<a href=\"/compare.txt");
	html_attr(sb, q.buf);
	strbuf_addstr(sb, "\">mailing-list text</a>");
	if (!details) {
		strbuf_addstr(sb, " &middot; <a href=\"/api/v1/compare");
		html_attr(sb, q.buf);
		strbuf_addstr(sb, "\">JSON</a>");
	}
	strbuf_addstr(sb, "</p>\n");
	strbuf_release(&q);
}

void page_compare_tables(struct strbuf *sb, const struct compare_result *res, bool details)
{
	int i;

	for (i = 0; i < res->nrows; i++)
		if (compare_row_starts_workload(res, i))
			workload_table(sb, res, res->rows[i].workload);
	/* after the tables: the verdicts first, on a phone too, then what they cannot know */
	if (compare_session_unknown(res)) {
		strbuf_addstr(sb, "<p class=\"noise\">");
		html_txt(sb, COMPARE_SESSION_UNKNOWN_WORDS);
		strbuf_addstr(sb, "</p>");
	}
	if (details)
		details_table(sb, res);
}

static const struct compare_row *own_row(const struct compare_result *res, const char *wl,
					 const char *layout, const char *metric)
{
	int i;

	for (i = 0; i < res->nrows; i++)
		if (!strcmp(res->rows[i].workload, wl) && !strcmp(res->rows[i].layout, layout) &&
		    !strcmp(res->rows[i].metric, metric))
			return &res->rows[i];
	return NULL;
}

/* mean and stdev cells of one own row: time formatted, counters as counts per op */
static void own_cells(struct strbuf *sb, const struct compare_row *r, bool time)
{
	char a[64];

	if (r && r->supported && !r->nh && r->skipped_runs) {
		/* measured, but not on the layout asked for: no figure to show */
		strbuf_addstr(sb, "<td class=\"v-regression\" title=\"no run verified its layout\">"
				  "MISMATCH</td><td></td>");
		return;
	}
	if (!r || !r->supported || !r->nh || !isfinite(r->head_mean)) {
		strbuf_addstr(sb, "<td>n/a</td><td></td>");
		return;
	}
	if (time || !strcmp(r->metric, "task_clock_ns"))
		svg_fmt_time(a, sizeof(a), r->head_mean);
	else
		snprintf(a, sizeof(a), "%.4g", r->head_mean);
	strbuf_addstr(sb, "<td>");
	html_txt(sb, a);
	strbuf_addstr(sb, "</td><td>");
	pct(sb, r->head_sd_pct, false);
	strbuf_addstr(sb, "</td>");
}

static void own_table(struct strbuf *sb, const struct compare_result *res, const char *wl)
{
	const struct compare_row *cols[32], *zero = own_row(res, wl, "order-0", "ns");
	int i, n = 0, c;

	for (i = 0; i < res->nrows && n < 32; i++)
		if (!strcmp(res->rows[i].workload, wl) && !strcmp(res->rows[i].metric, "ns"))
			cols[n++] = &res->rows[i];
	if (!n)
		return;
	strbuf_addstr(sb, "<div class=\"scroll\"><table class=\"thread own\"><thead><tr><th rowspan=\"2\">");
	html_txt(sb, wl);
	strbuf_addstr(sb, "</th>");
	for (c = 0; c < n; c++) {
		strbuf_addstr(sb, "<th colspan=\"2\">");
		html_txtf(sb, "%s (%s-map)", cols[c]->layout, strcmp(cols[c]->layout, "pmd") ? "pte" : "pmd");
		strbuf_addstr(sb, "</th>");
	}
	strbuf_addstr(sb, "</tr><tr>");
	for (c = 0; c < n; c++)
		strbuf_addstr(sb, "<th>mean</th><th>stdev</th>");
	strbuf_addstr(sb, "</tr></thead><tbody><tr><th>time</th>");
	for (c = 0; c < n; c++)
		own_cells(sb, cols[c], true);
	strbuf_addstr(sb, "</tr>");
	if (zero && isfinite(zero->head_mean) && zero->head_mean > 0) {
		strbuf_addstr(sb, "<tr><th>vs order-0</th>");
		for (c = 0; c < n; c++) {
			strbuf_addstr(sb, "<td>");
			pct(sb, 100 * cols[c]->head_mean / zero->head_mean, false);
			strbuf_addstr(sb, "</td><td></td>");
		}
		strbuf_addstr(sb, "</tr>");
	}
	/* the counters, in the order the head's rows have them */
	for (i = 0; i < res->nrows; i++) {
		const struct compare_row *r = &res->rows[i];

		if (strcmp(r->workload, wl) || strcmp(r->layout, cols[0]->layout) || !strcmp(r->metric, "ns"))
			continue;
		strbuf_addstr(sb, "<tr><th>");
		html_txt(sb, compare_metric_words(r->metric));
		strbuf_addstr(sb, "</th>");
		for (c = 0; c < n; c++)
			own_cells(sb, own_row(res, wl, cols[c]->layout, r->metric), false);
		strbuf_addstr(sb, "</tr>");
	}
	strbuf_addstr(sb, "</tbody></table></div>\n");
}

void page_own_tables(struct strbuf *sb, const struct compare_result *res)
{
	int w;

	strbuf_addstr(sb, "<p class=\"hint\">Its own figures: mean per operation of the per-run "
			  "means, their stdev in % of the mean, the ratio to order-0; n/a where the "
			  "machine cannot count.</p>\n");
	for (w = 0; w < res->nrows; w++)
		if (compare_row_starts_workload(res, w))
			own_table(sb, res, res->rows[w].workload);
}

void page_own_glance(struct strbuf *sb, const struct compare_result *res, const char *wl)
{
	const struct compare_row *zero = own_row(res, wl, "order-0", "ns");
	char a[64];
	int i;

	for (i = 0; i < res->nrows; i++) {
		const struct compare_row *r = &res->rows[i];

		if (strcmp(r->workload, wl) || strcmp(r->metric, "ns") || !isfinite(r->head_mean))
			continue;
		svg_fmt_time(a, sizeof(a), r->head_mean);
		strbuf_addstr(sb, "<span class=\"cell v-na\">");
		html_txt(sb, r->layout);
		strbuf_addch(sb, ' ');
		html_txt(sb, a);
		if (zero && zero != r && isfinite(zero->head_mean) && zero->head_mean > 0)
			html_txtf(sb, " (%.0f%% of order-0)", 100 * r->head_mean / zero->head_mean);
		strbuf_addstr(sb, "</span>");
	}
}

void page_wants(struct strbuf *sb, const struct store_wants *w)
{
	struct strbuf words = STRBUF_INIT;

	if (!w->recorded || !w->has_base)
		return;
	compare_wants_words(w, &words);
	strbuf_addf(sb, "<span class=\"%s\">", w->runs ? "wants" : "hint");
	html_txt(sb, words.buf);
	strbuf_addstr(sb, "</span>");
	strbuf_release(&words);
}
