// SPDX-License-Identifier: GPL-2.0
/* /hosts/{name} and /compare: one machine's history, and any two of its kernels. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/app.h"
#include "lib/array.h"
#include "lib/calib.h"
#include "web/html.h"
#include "web/page.h"
#include "web/pages.h"
#include "lib/parse.h"
#include "daemon/store.h"
#include "web/svg.h"
#include "daemon/trend.h"
#include "daemon/trendcache.h"

#define HOST_ALERTS 200
#define TREND_DEFAULT_KERNELS 100
#define HOST_RUN_LINKS 8 /* runs linked per kernel in the kernels table */


/* ---- /compare --------------------------------------------------------- */

static void compare_form(struct strbuf *sb, const char *host, const char *base, const char *head)
{
	strbuf_addstr(sb, "<form class=\"pick\" method=\"get\" action=\"/compare\">"
			  "<label>machine <input name=\"host\" required value=\"");
	html_attr(sb, host);
	strbuf_addstr(sb, "\"></label> <label>baseline <input name=\"base\" placeholder=\"its "
			  "baseline\" value=\"");
	html_attr(sb, base);
	strbuf_addstr(sb, "\"></label> <label>after-change <input name=\"head\" required value=\"");
	html_attr(sb, head);
	strbuf_addstr(sb, "\"></label> <button>compare</button></form>\n");
}

/* /compare of a machine's first kernel: what it is, and the kernel's own figures */
static void compare_first(struct req *rq, struct resp *rs, const char *host, const char *head,
			  const char *why)
{
	struct strbuf *sb = &rs->body, err = STRBUF_INIT;
	struct compare_result own;
	int ret = compare_own(rq->st, host, head, &own, &err);

	if (ret) {
		if (ret == -ENOENT || ret == -EINVAL)
			page_error(rs, ret == -ENOENT ? 404 : 400, "%s", err.buf);
		else
			page_store_error(rq, rs, ret, "kernel's figures");
		strbuf_release(&err);
		return;
	}
	page_begin(rs, "compare", NULL);
	strbuf_addstr(sb, "<h1>");
	html_link_host(sb, own.host);
	strbuf_addstr(sb, ": ");
	html_link_kernel(sb, own.head);
	strbuf_addstr(sb, "</h1><p class=\"note\">");
	html_txt(sb, why);
	strbuf_addstr(sb, ".</p>");
	compare_form(sb, own.host, NULL, own.head);
	page_own_tables(sb, &own);
	page_end(sb);
	compare_result_release(&own);
	strbuf_release(&err);
}

void page_compare(struct req *rq, struct resp *rs)
{
	const struct app *app = req_app(rq);
	const char *host = req_query(rq, "host"), *base = req_query(rq, "base");
	const char *head = req_query(rq, "head");
	struct strbuf *sb = &rs->body, err = STRBUF_INIT;
	struct compare_result res;
	int ret;

	if (!host || !*host || !head || !*head) {
		page_begin(rs, "compare", NULL);
		strbuf_addstr(sb, "<h1>Compare two kernels on one machine</h1>");
		compare_form(sb, host, base, head);
		page_end(sb);
		return;
	}
	ret = compare_build(rq->st, host, base && *base ? base : NULL, head, &app->cmp, &res, &err);
	if (ret == -ENOENT && res.no_base) {
		compare_first(rq, rs, host, head, err.buf);
		goto out;
	}
	if (ret == -ENOENT || ret == -EINVAL) {
		page_error(rs, ret == -ENOENT ? 404 : 400, "%s", err.buf);
		goto out;
	}
	if (ret) {
		page_store_error(rq, rs, ret, "comparison");
		goto out;
	}
	page_begin(rs, "compare", NULL);
	strbuf_addstr(sb, "<h1>");
	html_link_host(sb, res.host);
	strbuf_addstr(sb, ": ");
	html_link_kernel(sb, res.head);
	strbuf_addstr(sb, " against ");
	html_link_kernel(sb, res.base);
	strbuf_addstr(sb, "</h1><p>baseline: the ");
	html_txt(sb, res.base_why);
	strbuf_addstr(sb, ". Negative is faster. Verdicts: Welch's t-test on per-");
	strbuf_addstr(sb, res.by_boot ? "boot means" : "run means, or where this host's session level "
		      "(how far one upload strays) is known, a t-test of runs grouped by upload that counts it");
	html_txtf(sb, ", %.0f%% intervals.", 100 * res.confidence);
	strbuf_addstr(sb, "</p>");
	page_compare_placement(sb, &res);
	page_compare_noise(sb, &res);
	if (compare_vm_note(res.vm_accel)) {
		strbuf_addstr(sb, "<p class=\"vm\">");
		html_txt(sb, compare_vm_note(res.vm_accel));
		if (res.by_boot) {
			strbuf_addch(sb, ' ');
			html_txt(sb, COMPARE_BY_BOOT_WORDS);
		}
		strbuf_addstr(sb, "</p>");
	}
	compare_form(sb, res.host, res.base, res.head);
	page_compare_tables(sb, &res, true);
	page_compare_links(sb, &res, false);
	page_end(sb);
	compare_result_release(&res);
out:
	strbuf_release(&err);
}

/* ---- /hosts/{name} ---------------------------------------------------- */

struct alerts_ctx {
	size_t n, alloc;
	struct store_alert *a;
};

static int alert_keep(void *ctx, const struct store_alert *a)
{
	struct alerts_ctx *ac = ctx;

	if (array_reserve((void **)&ac->a, &ac->alloc, ac->n, sizeof(*ac->a)))
		return -ENOMEM;
	ac->a[ac->n++] = *a;
	return 0;
}

struct kernels_ctx {
	size_t n, alloc;
	struct store_kernel *k;
};

static int kernel_keep(void *ctx, const struct store_kernel *k)
{
	struct kernels_ctx *kc = ctx;

	if (array_reserve((void **)&kc->k, &kc->alloc, kc->n, sizeof(*kc->k)))
		return -ENOMEM;
	kc->k[kc->n++] = *k;
	return 0;
}

struct run_links {
	struct strbuf *sb;
	unsigned n;
};

/* A link to each run of a kernel on the host, newest first: "#12 #11" */
static int run_link(void *ctx, const struct store_run *r)
{
	struct run_links *rl = ctx;

	if (rl->n++ == HOST_RUN_LINKS) {
		strbuf_addstr(rl->sb, " &hellip;");
		return 0;
	}
	if (rl->n > HOST_RUN_LINKS)
		return 0;
	strbuf_addf(rl->sb, "%s<a href=\"/runs/%lld\">#%lld</a>", rl->n > 1 ? " " : "",
		    (long long)r->id, (long long)r->id);
	return 0;
}

static int kernel_row(struct strbuf *sb, struct store *st, const struct store_host *h,
		      const struct store_kernel *k, const struct compare_noise *noise)
{
	struct run_links rl = { sb, 0 };
	const char *host = h->name;
	bool has = false;
	int ret;

	strbuf_addstr(sb, "<tr><td>");
	html_link_kernel(sb, k->ident);
	strbuf_addstr(sb, "</td><td>");
	html_txt(sb, k->release);
	strbuf_addstr(sb, "</td><td>");
	html_time(sb, k->last_received_at);
	strbuf_addstr(sb, "</td><td class=\"num\">");
	html_txtf(sb, "%lld", (long long)k->uploads);
	strbuf_addstr(sb, "</td><td>");
	if (noise->noisy) {
		strbuf_addstr(sb, "<span class=\"noise\">");
		html_txtf(sb, "%u of %u: ", noise->noisy, noise->uploads);
		page_noise_list(sb, noise->names, false);
		strbuf_addstr(sb, "</span>");
	} else if (noise->unknown == noise->uploads) {
		strbuf_addstr(sb, "<span class=\"hint\">not recorded</span>");
	} else {
		strbuf_addstr(sb, "quiet");
	}
	strbuf_addstr(sb, "</td><td class=\"runs\">");
	ret = store_host_kernel_runs(st, h->id, k->ident, run_link, &rl);
	if (!ret)
		ret = compare_has_base(st, host, k->ident, &has);
	if (ret)
		return ret;
	strbuf_addstr(sb, "</td><td>");
	if (has) {
		strbuf_addstr(sb, "<a href=\"/compare?host=");
		html_url(sb, host);
		strbuf_addstr(sb, "&amp;head=");
		html_url(sb, k->ident);
		strbuf_addstr(sb, "\">against its baseline</a>");
		if (k->wants.recorded && k->wants.has_base) {
			strbuf_addstr(sb, "<br>");
			page_wants(sb, &k->wants);
		}
	} else {
		strbuf_addstr(sb, "<span class=\"hint\">its first kernel: nothing to compare yet</span>");
	}
	strbuf_addstr(sb, "</td></tr>\n");
	return 0;
}

/*
 * A chart's numbers as text, which hover titles are not for a phone or a
 * screenshot: every point of a chart of a few, else the newest.
 */
#define CHART_VALUES_ALL 3

static void chart_values(struct strbuf *sb, const char *const *tips, size_t n)
{
	size_t k, last = n;

	for (k = 0; k < n; k++)
		if (tips[k])
			last = k;
	if (last == n)
		return;
	strbuf_addstr(sb, "<ul class=\"values\">");
	for (k = n > CHART_VALUES_ALL ? last : 0; k < n; k++) {
		if (!tips[k])
			continue;
		strbuf_addstr(sb, "<li>");
		if (n > CHART_VALUES_ALL)
			strbuf_addstr(sb, "newest: ");
		html_txt(sb, tips[k]);
		strbuf_addstr(sb, "</li>");
	}
	strbuf_addstr(sb, "</ul>");
}

/* Per workload and layout, the time chart; then per workload the ratio to order-0. */
static void trend_charts(struct strbuf *sb, const struct trend *t, size_t from,
			 const struct alerts_ctx *al)
{
	size_t n = t->nkernels - from, c, k, i, w;
	const char **labels = calloc(n ? n : 1, sizeof(*labels));
	char **short_ids = calloc(n ? n : 1, sizeof(*short_ids));
	char **tips = calloc(n ? n : 1, sizeof(*tips));
	double *lo = malloc((n ? n : 1) * sizeof(double)), *hi = malloc((n ? n : 1) * sizeof(double));
	double *ratio = malloc((n ? n : 1) * sizeof(double) * (t->ncases ? t->ncases : 1));
	struct svg_mark *marks = calloc(CP_MAX + (al->n ? al->n : 1), sizeof(*marks));
	char (*mtitle)[640] = calloc(CP_MAX + (al->n ? al->n : 1), sizeof(*mtitle));
	struct svg_series *rs = calloc(t->ncases ? t->ncases : 1, sizeof(*rs));
	char a[64], b[64];

	if (!labels || !short_ids || !tips || !lo || !hi || !ratio || !marks || !mtitle || !rs) {
		strbuf_addstr(sb, "<p class=\"error\">out of memory drawing the charts</p>");
		goto out;
	}
	/* ticks name a 40-digit commit by its first 12, as git log --oneline does */
	for (k = 0; k < n; k++) {
		const char *id = t->kernel[from + k];

		labels[k] = id;
		if (strlen(id) == 40 && strspn(id, "0123456789abcdef") == 40 && (short_ids[k] = strndup(id, 12)))
			labels[k] = short_ids[k];
	}
	for (w = 0; w < t->ncases; w++) {
		const char *wl = t->cases[w].workload;
		const struct trend_case *zero = trend_case_find(t, wl, "order-0");
		size_t nr = 0;

		if (!trend_case_starts_workload(t, w))
			continue;
		for (c = 0; c < t->ncases; c++) {
			const struct trend_case *tc = &t->cases[c];
			struct svg_series se = { tc->layout, "s0", tc->mean + from, lo, hi,
						 (const char *const *)tips };
			struct svg_chart ch = { NULL, "time per operation", 1, n, labels, &se, 1, marks, 0 };
			struct strbuf title = STRBUF_INIT;

			if (strcmp(tc->workload, wl))
				continue;
			for (k = 0; k < n; k++) {
				double m = tc->mean[from + k], s = tc->sd[from + k];

				lo[k] = m - s;
				hi[k] = m + s;
				free(tips[k]);
				tips[k] = NULL;
				if (!isfinite(m))
					continue;
				svg_fmt_time(a, sizeof(a), m);
				svg_fmt_time(b, sizeof(b), s);
				if (asprintf(&tips[k], "%s: %s \xc2\xb1 %s (%.1f%%, %u runs)", t->kernel[from + k], a, b,
					     m > 0 ? 100 * s / m : 0.0, tc->runs[from + k]) < 0)
					tips[k] = NULL;
			}
			for (i = 0; i < (size_t)tc->ncp; i++) {
				const struct cp_point *p = &tc->cp[i];

				if (p->index < from || p->index == 0)
					continue;
				marks[ch.nmarks].x = p->index - from;
				marks[ch.nmarks].cls = "cp";
				snprintf(mtitle[ch.nmarks], sizeof(mtitle[0]),
					 "change point at %s: %+.1f%% (p=%.3g)", t->kernel[p->index],
					 100 * (p->after - p->before) / p->before, p->p);
				marks[ch.nmarks].title = mtitle[ch.nmarks];
				ch.nmarks++;
			}
			for (i = 0; i < al->n; i++) {
				const struct store_alert *x = &al->a[i];

				if (strcmp(x->workload, tc->workload) || strcmp(x->layout, tc->layout) ||
				    strcmp(x->metric, "ns"))
					continue;
				for (k = 0; k < n; k++)
					if (!strcmp(t->kernel[from + k], x->kernel))
						break;
				if (k == n)
					continue;
				marks[ch.nmarks].x = k;
				marks[ch.nmarks].cls = !strcmp(x->kind, "regression") ? "alert" : "gain";
				snprintf(mtitle[ch.nmarks], sizeof(mtitle[0]), "%s alert #%lld: %s", x->kind,
					 (long long)x->id, x->summary);
				marks[ch.nmarks].title = mtitle[ch.nmarks];
				ch.nmarks++;
			}
			strbuf_addf(&title, "%s %s: time per operation across kernels", tc->workload,
				    tc->layout);
			ch.title = title.buf;
			strbuf_addstr(sb, "<figure><figcaption>");
			html_txtf(sb, "%s %s", tc->workload, tc->layout);
			strbuf_addstr(sb, "</figcaption>");
			svg_line_chart(sb, &ch);
			chart_values(sb, (const char *const *)tips, n);
			strbuf_addstr(sb, "</figure>\n");
			strbuf_release(&title);
			/* the ratio to order-0 of the same kernel */
			if (zero && tc != zero) {
				double *r = ratio + nr * n;

				for (k = 0; k < n; k++)
					r[k] = zero->mean[from + k] > 0 ? tc->mean[from + k] / zero->mean[from + k]
									 : NAN;
				rs[nr].name = tc->layout;
				rs[nr].y = r;
				rs[nr].cls = nr % 4 == 0 ? "s1" : nr % 4 == 1 ? "s2" : nr % 4 == 2 ? "s3" : "s4";
				nr++;
			}
		}
		if (nr) {
			struct svg_chart ch = { NULL, "ratio", 0, n, labels, rs, nr, NULL, 0 };
			struct strbuf title = STRBUF_INIT;

			strbuf_addf(&title, "%s: order-N / order-0 time ratio across kernels", wl);
			ch.title = title.buf;
			strbuf_addstr(sb, "<figure class=\"wide\"><figcaption>");
			html_txtf(sb, "%s: each layout's time / order-0's, per kernel", wl);
			strbuf_addstr(sb, " <span class=\"hint\">below 1: faster than order-0</span>"
					  "</figcaption>");
			svg_line_chart(sb, &ch);
			/* the newest kernel's ratios as text */
			strbuf_addstr(sb, "<ul class=\"values\"><li>");
			if (n)
				html_txtf(sb, "%s%s: ", n > CHART_VALUES_ALL ? "newest, " : "",
					  t->kernel[from + n - 1]);
			for (i = 0; n && i < nr; i++) {
				if (i)
					strbuf_addstr(sb, ", ");
				html_txt(sb, rs[i].name);
				if (isfinite(rs[i].y[n - 1]))
					html_txtf(sb, " %.2f", rs[i].y[n - 1]);
				else
					strbuf_addstr(sb, " &ndash;");
			}
			strbuf_addstr(sb, "</li></ul></figure>\n");
			strbuf_release(&title);
		}
	}
out:
	for (k = 0; tips && k < n; k++)
		free(tips[k]);
	for (k = 0; short_ids && k < n; k++)
		free(short_ids[k]);
	free(short_ids);
	free(tips);
	free(labels);
	free(lo);
	free(hi);
	free(ratio);
	free(marks);
	free(mtitle);
	free(rs);
}

/* "more than 1000" or the runs */
static void runs_words(struct strbuf *sb, unsigned runs, unsigned max)
{
	if (runs)
		html_txtf(sb, "%u", runs);
	else
		html_txtf(sb, "more than %u", max);
}

/*
 * What the machine resolves, from its latest calibration (forkwatch
 * calibrate): a line per case, or a hint to calibrate.
 */
static int calibration_section(struct strbuf *sb, struct store *st, const struct store_host *h,
			       const struct compare_config *cmp)
{
	struct strbuf doc = STRBUF_INIT, field = STRBUF_INIT, err = STRBUF_INIT;
	struct calib_profile *p = malloc(sizeof(*p));
	int64_t received_at = 0;
	size_t i;
	int ret;

	if (!p)
		return -ENOMEM;
	strbuf_addstr(sb, "<h2 id=\"calibration\">Calibration</h2>");
	ret = store_calibration_latest(st, h->id, &doc, &received_at);
	if (ret == -ENOENT) {
		strbuf_addstr(sb, "<p class=\"hint\">Not calibrated: <code>forkwatch calibrate --server URL</code> "
				  "on this machine measures the smallest change it resolves per case, and the runs "
				  "that &plusmn;1% and &plusmn;2% need.</p>");
		ret = 0;
		goto out;
	}
	if (ret)
		goto out;
	if (calib_profile_parse(p, doc.buf, doc.len, &field, &err)) {
		/* validated when stored: only a newer format could fail here */
		strbuf_addstr(sb, "<p class=\"hint\">The latest calibration cannot be read: ");
		html_txt(sb, err.buf);
		strbuf_addstr(sb, "</p>");
		goto out;
	}
	strbuf_addstr(sb, "<p>Calibrated ");
	html_txt(sb, p->finished_at);
	strbuf_addstr(sb, " on kernel ");
	html_txt(sb, p->release);
	if (p->commit[0]) {
		strbuf_addstr(sb, " (");
		html_txt(sb, p->commit);
		strbuf_addstr(sb, ")");
	}
	if (p->placement[0]) {
		strbuf_addstr(sb, ", placement ");
		html_txt(sb, p->placement);
	}
	html_txtf(sb, ": an A/A comparison of %s halves of one benchmark", p->split);
	strbuf_addstr(sb, ".</p><ul class=\"calibration\">");
	for (i = 0; i < p->ncases; i++) {
		const struct calib_case *c = &p->cases[i];
		/* judged against this server's budgets, as its comparisons are */
		double budget = compare_budget(cmp, c->order, c->layout);
		bool short_of = isfinite(c->half_width_pct) && c->half_width_pct > budget;

		strbuf_addf(sb, "<li%s>", short_of ? " class=\"short\"" : "");
		if (isfinite(c->half_width_pct))
			html_txtf(sb, "This machine resolves \u00b1%.2f%% on %s %s in %u runs", c->half_width_pct,
				  c->layout, c->workload, c->runs);
		else
			html_txtf(sb, "On %s %s this machine's calibration had too few verified runs to tell",
				  c->layout, c->workload);
		html_txtf(sb, " (budget %g%%", budget);
		if (short_of)
			strbuf_addstr(sb, ", not resolved");
		strbuf_addstr(sb, "; &plusmn;1% takes ");
		runs_words(sb, c->runs_for_1pct, p->runs_max);
		strbuf_addstr(sb, " runs a side, &plusmn;2% ");
		runs_words(sb, c->runs_for_2pct, p->runs_max);
		strbuf_addstr(sb, ")");
		if (strcmp(c->verdict, "inconclusive") && strcmp(c->verdict, "unchanged")) {
			strbuf_addstr(sb, "; the halves' comparison gave a false alarm: ");
			html_txt(sb, c->verdict);
		}
		strbuf_addstr(sb, "</li>");
	}
	strbuf_addstr(sb, "</ul><p class=\"hint\"><a href=\"/api/v1/calibrations?host=");
	html_url(sb, h->name);
	strbuf_addstr(sb, "\">the profile</a> (received ");
	html_time(sb, received_at);
	strbuf_addstr(sb, ")</p>\n");
out:
	free(p);
	strbuf_release(&doc);
	strbuf_release(&field);
	strbuf_release(&err);
	return ret;
}

struct level_list {
	struct strbuf *sb;
	const char *placement;
	double confidence;
	unsigned n;
};

static int level_item(void *ctx, const char *workload, const char *layout, const char *metric,
		      unsigned iterations, const struct nest_prior *level)
{
	struct level_list *l = ctx;
	double t, floor_pct;

	if (strcmp(metric, "ns"))
		return 0;
	/* one upload a side: the interval the level alone leaves, at its degrees of freedom */
	t = cmp_t_quantile((1 + l->confidence) / 2, level->df);
	floor_pct = 100 * expm1(t * sqrt(2 * level->var));
	if (!l->n++)
		strbuf_addstr(l->sb, "<ul class=\"calibration\">");
	strbuf_addstr(l->sb, "<li>");
	html_txtf(l->sb, "%s %s (%u iterations a run, placement %s): one upload strays from its kernel's "
		  "level by sd %.1f%% (from %u kernel%s uploaded twice or more, %u uploads); with one upload a "
		  "side a comparison resolves about \u00b1%.1f%% at best, whatever its runs", layout, workload,
		  iterations, l->placement, 100 * sqrt(level->var), level->kernels,
		  level->kernels == 1 ? "" : "s", level->sessions, floor_pct);
	strbuf_addstr(l->sb, "</li>");
	return 0;
}

/*
 * Between uploads: the session level of each case and placement
 * (compare_session_levels(), what the host's comparisons count), or that
 * it is not known yet.
 */
static int session_section(struct strbuf *sb, struct store *st, const struct store_host *h,
			   const struct compare_config *cmp)
{
	struct level_list l = { sb, NULL, cmp->confidence, 0 };
	int i, ret;

	strbuf_addstr(sb, "<h2 id=\"sessions\">Between uploads</h2>");
	for (i = 0; i < COMPARE_PLACEMENTS; i++) {
		l.placement = compare_placement_names[i];
		ret = compare_session_levels(st, h->id, l.placement, level_item, &l);
		if (ret)
			return ret;
	}
	if (l.n)
		strbuf_addstr(sb, "</ul><p class=\"hint\">Each upload (a session of forkwatch bench) settles at "
				  "its own level; comparisons count it, and say how many uploads would decide.</p>\n");
	else
		strbuf_addstr(sb, "<p class=\"hint\">Not known yet: too few repeated uploads (a kernel "
				  "uploaded three times, or two kernels twice, give it). Until then comparisons take "
				  "the runs as independent, and one upload's own level can read as a change; "
				  "<code>forkwatch agent</code> adds uploads.</p>\n");
	return 0;
}

void page_host(struct req *rq, struct resp *rs)
{
	struct strbuf *sb = &rs->body;
	struct store_alert_filter f = { NULL, NULL, rq->args[0], NULL };
	struct alerts_ctx al = { 0, 0, NULL };
	const char *last = req_query(rq, "last");
	const struct app *app = req_app(rq);
	struct store_host h;
	const struct trend *t = NULL;
	struct kernels_ctx kc = { 0, 0, NULL };
	size_t i;
	size_t want = TREND_DEFAULT_KERNELS, from = 0;
	char accel[8] = "";
	int ret;

	if (last && !strcmp(last, "all")) {
		want = (size_t)-1;
	} else if (last && *last) {
		uint64_t v;

		if (parse_uint(last, 1, 100000, &v)) {
			page_error(rs, 400, "last '%s': expected a number of kernels or 'all'", last);
			return;
		}
		want = (size_t)v;
	}
	ret = store_host_get(rq->st, rq->args[0], &h);
	/* computed once per upload, holding no store connection: one is taken again after */
	if (!ret && (ret = trend_cache_get(app->trends, rq, rs, h.id, &t)) && !rq->st) {
		if (ret != -EBUSY) /* else rs says the database is unavailable */
			page_error(rs, 500, "out of memory");
		goto out;
	}
	if (!ret && !req_store(rq, rs))
		goto out;
	if (!ret)
		ret = store_alert_list(rq->st, &f, HOST_ALERTS, alert_keep, &al);
	if (ret) {
		page_store_error(rq, rs, ret, "machine");
		goto out;
	}
	page_begin(rs, h.name, NULL);
	strbuf_addstr(sb, "<h1>Machine ");
	html_txt(sb, h.name);
	strbuf_addstr(sb, "</h1><dl class=\"facts\"><dt>hostname</dt><dd>");
	html_txt(sb, h.hostname);
	strbuf_addstr(sb, "</dd><dt>arch</dt><dd>");
	html_txt(sb, h.arch);
	strbuf_addstr(sb, "</dd><dt>CPU</dt><dd>");
	html_txt(sb, h.cpu_model);
	strbuf_addstr(sb, "</dd><dt>cpus, memory, page size</dt><dd>");
	html_txtf(sb, "%lld, %.1f GiB, %lld bytes", (long long)h.cpus,
		  (double)h.mem_bytes / (1 << 30), (long long)h.page_size);
	strbuf_addstr(sb, "</dd><dt>registered</dt><dd>");
	html_time(sb, h.created_at);
	strbuf_addstr(sb, "</dd><dt>last seen</dt><dd>");
	html_time(sb, h.last_seen_at);
	if (h.retired_at) {
		strbuf_addstr(sb, "</dd><dt>retired</dt><dd>");
		html_time(sb, h.retired_at);
	}
	strbuf_addstr(sb, "</dd><dt>uploads</dt><dd>");
	html_txtf(sb, "%lld", (long long)h.uploads);
	if (!store_host_vm_accel(rq->st, h.id, accel, sizeof(accel)) && compare_vm_note(accel)) {
		strbuf_addstr(sb, "</dd><dt>runs in</dt><dd class=\"vm\">");
		html_txt(sb, compare_vm_note(accel));
	}
	strbuf_addstr(sb, "</dd></dl>\n");
	ret = calibration_section(sb, rq->st, &h, &app->cmp);
	if (!ret && !accel[0])
		ret = session_section(sb, rq->st, &h, &app->cmp);
	if (!ret)
		ret = store_host_kernels(rq->st, h.id, kernel_keep, &kc);
	if (!ret && kc.n) {
		/* the terminal's table of the newest kernel, so that its numbers are here too */
		struct strbuf err = STRBUF_INIT;
		struct compare_result own;

		strbuf_addstr(sb, "<h2>Latest kernel: ");
		html_link_kernel(sb, kc.k[0].ident);
		strbuf_addstr(sb, "</h2>");
		ret = compare_own(rq->st, h.name, kc.k[0].ident, &own, &err);
		if (!ret) {
			page_own_tables(sb, &own);
			compare_result_release(&own);
		} else if (ret == -ENOENT || ret == -EINVAL) {
			strbuf_addstr(sb, "<p class=\"hint\">");
			html_txt(sb, err.buf);
			strbuf_addstr(sb, "</p>");
			ret = 0;
		}
		strbuf_release(&err);
	}
	if (ret) {
		page_store_error(rq, rs, ret, "kernels");
		goto out;
	}
	strbuf_addstr(sb, "<h2>Trends</h2>");
	if (t->nkernels > want)
		from = t->nkernels - want;
	html_txtf(sb, "%zu of %zu kernels, in the order this machine first ran them. ",
		  t->nkernels - from, t->nkernels);
	strbuf_addstr(sb, from ? "<a href=\"?last=all\">all kernels</a>" : "");
	strbuf_addstr(sb, "<p class=\"hint\">Time per operation: the line is the mean of the per-run means, "
			  "the band &plusmn; their stdev; dashed lines are change points, "
			  "<span class=\"v-regression\">red</span> and <span class=\"v-gain\">green</span> "
			  "triangles regression alerts and gains. Hover a point for its numbers.</p>");
	strbuf_addstr(sb, "<div class=\"charts\">");
	trend_charts(sb, t, from, &al);
	strbuf_addstr(sb, "</div>\n<h2>Alerts</h2>");
	if (!al.n)
		strbuf_addstr(sb, "<p>none</p>");
	else {
		strbuf_addstr(sb, "<ul class=\"alerts\">");
		for (i = 0; i < al.n; i++) {
			strbuf_addf(sb, "<li class=\"%s\">",
				    !strcmp(al.a[i].kind, "regression") ? "v-regression" : "v-gain");
			html_link_kernel(sb, al.a[i].kernel);
			strbuf_addstr(sb, ": ");
			html_txt(sb, al.a[i].summary);
			strbuf_addstr(sb, " <span class=\"state\">");
			html_txt(sb, al.a[i].state);
			strbuf_addstr(sb, "</span></li>");
		}
		strbuf_addstr(sb, "</ul>");
		strbuf_addstr(sb, "<p><a href=\"/alerts?host=");
		html_url(sb, h.name);
		strbuf_addstr(sb, "\">triage</a></p>");
	}
	strbuf_addstr(sb, "\n<h2>Kernels</h2><div class=\"scroll\"><table class=\"kernels\"><thead><tr>"
			  "<th>kernel</th><th>release</th><th>last upload</th><th>uploads</th>"
			  "<th>noise sources active (of the uploads compared)</th><th>runs</th><th></th></tr>"
			  "</thead><tbody>\n");
	for (i = 0; !ret && i < kc.n; i++) {
		struct compare_noise noise;

		ret = compare_noise_of(rq->st, h.id, kc.k[i].ident, NULL, &noise);
		if (!ret)
			ret = kernel_row(sb, rq->st, &h, &kc.k[i], &noise);
	}
	if (ret) {
		page_store_error(rq, rs, ret, "kernels");
		goto out;
	}
	strbuf_addstr(sb, "</tbody></table></div>\n");
	page_end(sb);
out:
	trend_cache_put(app->trends, t);
	free(al.a);
	free(kc.k);
}
