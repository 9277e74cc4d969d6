// SPDX-License-Identifier: GPL-2.0
/* /, /kernels and /kernels/{commit}: what the lab ran, and one commit against its baselines. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/app.h"
#include "lib/array.h"
#include "web/html.h"
#include "web/alerttable.h"
#include "web/page.h"
#include "web/pages.h"
#include "lib/parse.h"
#include "daemon/store.h"

#define OVERVIEW_KERNELS 10
#define OVERVIEW_ALERTS 20
/*
 * Machines whose whole tables one /kernels/{commit} page shows: the glance
 * covers every machine, the tables come ?page=N at a time, so that a lab
 * of hundreds keeps pages of a size a laptop or phone opens at once.
 */
#define KERNEL_PAGE_HOSTS 25

/* ---- / --------------------------------------------------------------- */

static int host_row(void *ctx, const struct store_host *h)
{
	struct strbuf *sb = ctx;

	strbuf_addstr(sb, "<tr><td>");
	html_link_host(sb, h->name);
	strbuf_addstr(sb, "</td><td>");
	html_txt(sb, h->arch);
	strbuf_addstr(sb, "</td><td class=\"cpu\">");
	html_txt(sb, h->cpu_model);
	strbuf_addstr(sb, "</td><td class=\"num\">");
	html_txtf(sb, "%lld", (long long)h->cpus);
	strbuf_addstr(sb, "</td><td class=\"num\">");
	html_txtf(sb, "%.0f GiB", (double)h->mem_bytes / (1 << 30));
	strbuf_addstr(sb, "</td><td>");
	html_time(sb, h->last_seen_at);
	strbuf_addstr(sb, "</td><td>");
	if (h->latest_kernel[0])
		html_link_kernel(sb, h->latest_kernel);
	strbuf_addstr(sb, "</td><td class=\"num\">");
	html_txtf(sb, "%lld", (long long)h->uploads);
	strbuf_addstr(sb, "</td></tr>\n");
	return 0;
}

/* The newest kernels, kept to pass over them once the list query is done. */
struct klist {
	size_t n, max;
	struct store_kernel *k;
};

static int klist_add(void *ctx, const struct store_kernel *k)
{
	struct klist *l = ctx;

	if (l->n == l->max)
		return -EOVERFLOW; /* the query's LIMIT keeps it from happening */
	l->k[l->n++] = *k;
	return 0;
}

/* Per host of one kernel: what its alerts say. */
struct glance {
	size_t n, alloc;
	struct { char name[STORE_NAME_MAX]; int regressions, gains; } *h;
};

static int glance_host(void *ctx, const char *name)
{
	struct glance *g = ctx;

	if (array_reserve((void **)&g->h, &g->alloc, g->n, sizeof(*g->h)))
		return -ENOMEM;
	memset(&g->h[g->n], 0, sizeof(g->h[g->n]));
	snprintf(g->h[g->n].name, STORE_NAME_MAX, "%s", name);
	g->n++;
	return 0;
}

static int glance_alert(void *ctx, const struct store_alert *a)
{
	struct glance *g = ctx;
	size_t i;

	for (i = 0; i < g->n; i++)
		if (!strcmp(g->h[i].name, a->host)) {
			if (!strcmp(a->kind, "regression"))
				g->h[i].regressions++;
			else
				g->h[i].gains++;
			break;
		}
	return 0;
}


struct alert_rows {
	struct strbuf rows;
	unsigned n;
};

static int alert_row(void *ctx, const struct store_alert *a)
{
	struct alert_rows *ar = ctx;

	page_alert_row(&ar->rows, a, NULL, NULL);
	ar->n++;
	return 0;
}

void page_overview(struct req *rq, struct resp *rs)
{
	struct strbuf *sb = &rs->body;
	struct store_kernel ks[OVERVIEW_KERNELS];
	struct klist kl = { 0, OVERVIEW_KERNELS, ks };
	struct store_alert_filter open = { "regression", "new", NULL, NULL };
	struct glance g = { 0, 0, NULL };
	struct alert_rows ar = { STRBUF_INIT, 0 };
	size_t i, j;
	int ret;

	page_begin(rs, "overview", "overview");
	strbuf_addstr(sb, "<h1>Lab machines</h1><div class=\"scroll\"><table class=\"hosts\"><thead><tr>"
			  "<th>machine</th><th>arch</th><th>CPU</th><th>cpus</th><th>memory</th>"
			  "<th>last seen</th><th>latest kernel</th><th>uploads</th></tr></thead><tbody>\n");
	ret = store_host_list(rq->st, false, host_row, sb);
	if (ret)
		goto fail;
	strbuf_addstr(sb, "</tbody></table></div>\n<h2>Latest kernels</h2>"
			  "<p class=\"hint\">One square per machine that ran the kernel: "
			  "<i class=\"sq r\"></i> a regression alert against its baseline, "
			  "<i class=\"sq g\"></i> gains only, <i class=\"sq n\"></i> no alert. "
			  "<a href=\"/kernels\">All kernels</a>.</p>"
			  "<div class=\"scroll\"><table class=\"kernels\"><thead><tr><th>kernel</th>"
			  "<th>release</th><th>first seen</th><th>machines</th></tr></thead><tbody>\n");
	ret = store_kernel_list(rq->st, OVERVIEW_KERNELS, klist_add, &kl);
	if (ret)
		goto fail;
	for (i = 0; i < kl.n; i++) {
		struct store_alert_filter f = { NULL, NULL, NULL, ks[i].ident };
		int r = 0, gn = 0;

		g.n = 0;
		ret = store_kernel_hosts(rq->st, ks[i].ident, glance_host, &g);
		if (!ret)
			ret = store_alert_list(rq->st, &f, 100000, glance_alert, &g);
		if (ret)
			goto fail;
		strbuf_addstr(sb, "<tr><td>");
		html_link_kernel(sb, ks[i].ident);
		strbuf_addstr(sb, "</td><td>");
		html_txt(sb, ks[i].release);
		strbuf_addstr(sb, "</td><td>");
		html_time(sb, ks[i].first_seen_at);
		strbuf_addstr(sb, "</td><td class=\"glance\">");
		for (j = 0; j < g.n; j++) {
			const char *c = g.h[j].regressions ? "r" : g.h[j].gains ? "g" : "n";

			r += g.h[j].regressions > 0;
			gn += !g.h[j].regressions && g.h[j].gains;
			strbuf_addf(sb, "<i class=\"sq %s\" title=\"", c);
			html_attr(sb, g.h[j].name);
			strbuf_addstr(sb, "\"></i>");
		}
		html_txtf(sb, " %zu: %d with regressions, %d with gains", g.n, r, gn);
		strbuf_addstr(sb, "</td></tr>\n");
	}
	strbuf_addstr(sb, "</tbody></table></div>\n<h2>Open regression alerts</h2>");
	ret = store_alert_list(rq->st, &open, OVERVIEW_ALERTS, alert_row, &ar);
	if (ret)
		goto fail;
	if (ar.n) {
		page_alerts_table_begin(sb, false);
		strbuf_add(sb, ar.rows.buf, ar.rows.len);
		strbuf_addstr(sb, "</tbody></table></div>");
	} else {
		/* a table of headers alone reads as a page that failed to load */
		strbuf_addstr(sb, "<p class=\"none\">none</p>");
	}
	strbuf_addstr(sb, "<p><a href=\"/alerts\">All alerts and triage</a></p>\n");
	page_end(sb);
	strbuf_release(&ar.rows);
	free(g.h);
	return;
fail:
	strbuf_release(&ar.rows);
	free(g.h);
	page_store_error(rq, rs, ret, "overview");
}

/* ---- /kernels --------------------------------------------------------- */

static int kernel_row(void *ctx, const struct store_kernel *k)
{
	struct strbuf *sb = ctx;

	strbuf_addstr(sb, "<tr><td>");
	html_link_kernel(sb, k->ident);
	strbuf_addstr(sb, "</td><td>");
	html_txt(sb, k->release);
	strbuf_addstr(sb, "</td><td>");
	html_time(sb, k->first_seen_at);
	strbuf_addstr(sb, "</td><td class=\"num\">");
	html_txtf(sb, "%lld", (long long)k->hosts);
	strbuf_addstr(sb, "</td><td class=\"num\">");
	html_txtf(sb, "%lld", (long long)k->uploads);
	strbuf_addstr(sb, "</td></tr>\n");
	return 0;
}

void page_kernels(struct req *rq, struct resp *rs)
{
	struct strbuf *sb = &rs->body;
	int ret;

	page_begin(rs, "kernels", "kernels");
	strbuf_addstr(sb, "<h1>Kernels</h1><p class=\"hint\">Newest first; a commit's page compares it "
			  "with its baseline on every machine that ran it.</p><div class=\"scroll\">"
			  "<table class=\"kernels\"><thead><tr><th>kernel</th><th>release</th>"
			  "<th>first seen</th><th>machines</th><th>uploads</th></tr></thead><tbody>\n");
	ret = store_kernel_list(rq->st, 0, kernel_row, sb);
	if (ret) {
		page_store_error(rq, rs, ret, "kernels");
		return;
	}
	strbuf_addstr(sb, "</tbody></table></div>\n");
	page_end(sb);
}

/* ---- /kernels/{commit} ----------------------------------------------- */

struct names {
	size_t n, alloc;
	char (*name)[STORE_NAME_MAX];
};

static int names_add(void *ctx, const char *name)
{
	struct names *nm = ctx;

	if (array_reserve((void **)&nm->name, &nm->alloc, nm->n, sizeof(*nm->name)))
		return -ENOMEM;
	snprintf(nm->name[nm->n++], STORE_NAME_MAX, "%s", name);
	return 0;
}

static void host_anchor(struct strbuf *sb, const char *name)
{
	strbuf_addstr(sb, "host-");
	html_url(sb, name);
}

/* Links to the pages of machines' tables: "machines 1-25 26-50 ..." */
static void page_links(struct strbuf *sb, size_t nhosts, size_t cur)
{
	size_t p, pages = (nhosts + KERNEL_PAGE_HOSTS - 1) / KERNEL_PAGE_HOSTS;

	if (pages < 2)
		return;
	strbuf_addstr(sb, "<p class=\"pages\">machines' tables: ");
	for (p = 1; p <= pages; p++) {
		size_t last = p * KERNEL_PAGE_HOSTS < nhosts ? p * KERNEL_PAGE_HOSTS : nhosts;

		if (p == cur)
			strbuf_addstr(sb, "<b>");
		else
			strbuf_addf(sb, "<a href=\"?page=%zu\">", p);
		html_txtf(sb, "%zu-%zu", (p - 1) * KERNEL_PAGE_HOSTS + 1, last);
		strbuf_addstr(sb, p == cur ? "</b> " : "</a> ");
	}
	strbuf_addstr(sb, "</p>\n");
}

/* The glance's cells of one machine: per workload its name, then a cell per layout. */
static void glance_cells(struct strbuf *sb, const struct compare_result *res)
{
	int w, c;

	for (w = 0; w < res->nrows; w++) {
		const char *wl = res->rows[w].workload;

		if (!compare_row_starts_workload(res, w))
			continue;
		strbuf_addstr(sb, "<span class=\"wl\">");
		html_txt(sb, wl);
		strbuf_addstr(sb, "</span>");
		for (c = w; c < res->nrows; c++) {
			const struct compare_row *r = &res->rows[c];

			if (strcmp(r->workload, wl) || strcmp(r->metric, "ns"))
				continue;
			strbuf_addf(sb, "<span class=\"cell %s\" title=\"", page_verdict_class(r));
			html_attr(sb, wl);
			strbuf_addch(sb, ' ');
			html_attr(sb, r->layout);
			strbuf_addstr(sb, ": ");
			html_attr(sb, page_verdict_word(r));
			strbuf_addstr(sb, "\">");
			html_txt(sb, r->layout);
			strbuf_addch(sb, ' ');
			if (isfinite(r->delta_pct))
				html_txtf(sb, "%+.1f%%", r->delta_pct);
			else
				strbuf_addstr(sb, "&ndash;");
			strbuf_addstr(sb, "</span>");
		}
	}
}

static int claim_row(void *ctx, const struct store_claim *c)
{
	struct strbuf *sb = ctx;

	strbuf_addstr(sb, "<tr><td>");
	html_link_host(sb, c->host);
	strbuf_addstr(sb, "</td><td>");
	html_txt(sb, c->release);
	strbuf_addstr(sb, "</td><td>");
	if (c->parent_commit[0])
		html_link_kernel(sb, c->parent_commit);
	else
		strbuf_addstr(sb, "not given");
	strbuf_addstr(sb, "</td></tr>\n");
	return 0;
}

/*
 * The machines disagree on this kernel's parent or release: what each
 * says (each compares with the parent it gave, none with another's).
 */
/* The record of what host's comparison of kernel wants (store_host_kernel_wants()). */
static int host_wants(struct store *st, const char *host, const char *kernel, struct store_wants *w)
{
	struct store_host h;
	int ret = store_host_find(st, host, &h);

	memset(w, 0, sizeof(*w));
	return ret ? ret : store_host_kernel_wants(st, h.id, kernel, w);
}

static int claims_table(struct req *rq, struct strbuf *sb, const struct store_kernel *k)
{
	int ret;

	strbuf_addstr(sb, "<h2>The machines disagree</h2><p class=\"hint\">on its ");
	strbuf_addstr(sb, k->disputed == (STORE_DISPUTED_PARENT | STORE_DISPUTED_RELEASE) ?
		      "parent commit and release" : k->disputed & STORE_DISPUTED_PARENT ?
		      "parent commit" : "release");
	strbuf_addstr(sb, ". Each machine's comparison goes by what it said.</p><div class=\"scroll\">"
			  "<table class=\"claims\"><thead><tr><th>machine</th><th>release</th>"
			  "<th>parent commit</th></tr></thead><tbody>\n");
	ret = store_kernel_claims(rq->st, k->ident, claim_row, sb);
	strbuf_addstr(sb, "</tbody></table></div>\n");
	return ret;
}

void page_kernel(struct req *rq, struct resp *rs)
{
	const struct app *app = req_app(rq);
	struct strbuf *sb = &rs->body, err = STRBUF_INIT, sections = STRBUF_INIT;
	struct strbuf scratch = STRBUF_INIT;
	struct names hosts = { 0, 0, NULL };
	struct store_kernel k;
	const char *pg = req_query(rq, "page");
	size_t i, page = 1, first, end;
	int ret, w;

	if (pg && *pg) {
		uint64_t v;

		if (parse_uint(pg, 1, 100000, &v)) {
			page_error(rs, 400, "page '%s': expected a page number from 1", pg);
			return;
		}
		page = (size_t)v;
	}
	ret = store_kernel_get(rq->st, rq->args[0], &k);
	if (!ret)
		ret = store_kernel_hosts(rq->st, k.ident, names_add, &hosts);
	if (ret) {
		page_store_error(rq, rs, ret, "kernel");
		goto out;
	}
	first = (page - 1) * KERNEL_PAGE_HOSTS;
	if (first && first >= hosts.n) {
		page_error(rs, 404, "page %zu: %zu machines ran this kernel", page, hosts.n);
		goto out;
	}
	end = first + KERNEL_PAGE_HOSTS < hosts.n ? first + KERNEL_PAGE_HOSTS : hosts.n;
	page_begin(rs, k.ident, "kernels");
	strbuf_addstr(sb, "<h1>Kernel <span class=\"ident\">");
	html_txt(sb, k.ident);
	strbuf_addstr(sb, "</span></h1><dl class=\"facts\"><dt>release</dt><dd>");
	html_txt(sb, k.release);
	strbuf_addstr(sb, "</dd><dt>parent commit</dt><dd>");
	if (k.parent_commit[0])
		html_link_kernel(sb, k.parent_commit);
	else
		strbuf_addstr(sb, "unknown");
	strbuf_addstr(sb, "</dd><dt>first seen</dt><dd>");
	html_time(sb, k.first_seen_at);
	strbuf_addstr(sb, "</dd><dt>machines</dt><dd>");
	html_txtf(sb, "%zu", hosts.n);
	strbuf_addstr(sb, "</dd></dl>\n");
	if (k.disputed && (ret = claims_table(rq, sb, &k))) {
		page_store_error(rq, rs, ret, "kernel");
		goto out;
	}
	strbuf_addstr(sb, "<p class=\"hint\">Each machine compares this kernel with its "
			  "baseline (the parent commit it gave when it ran it, else its pinned baseline, else the "
			  "kernel it ran before). Cells: change of the mean time per operation of each "
			  "workload and layout in % of the baseline; <span class=\"v-gain\">batching gains</span>, "
			  "<span class=\"v-regression\">order-0 slowdowns and lost gains</span>, "
			  "<span class=\"v-significant-slower\">slower, size uncertain</span> (a change whose "
			  "interval still reaches inside the budget), "
			  "<span class=\"v-inconclusive\">inconclusive</span> (no evidence either way); "
			  "both want more runs.</p>\n"
			  "<h2>At a glance</h2><div class=\"scroll\"><table class=\"glance-table\"><thead>"
			  "<tr><th>machine</th><th>baseline</th><th>time per operation</th></tr></thead><tbody>\n");
	for (i = 0; i < hosts.n; i++) {
		struct compare_result res;
		struct store_wants wants;
		bool here = i >= first && i < end;
		/* the tables of this page's machines only; the glance has them all */
		struct strbuf *sec = here ? &sections : &scratch;

		strbuf_reset(&err);
		ret = compare_build(rq->st, hosts.name[i], NULL, k.ident, &app->cmp, &res, &err);
		strbuf_addstr(sb, "<tr><td><a href=\"");
		if (!here)
			strbuf_addf(sb, "?page=%zu", i / KERNEL_PAGE_HOSTS + 1);
		strbuf_addch(sb, '#');
		host_anchor(sb, hosts.name[i]);
		strbuf_addstr(sb, "\">");
		html_txt(sb, hosts.name[i]);
		strbuf_addstr(sb, "</a></td>");
		strbuf_reset(&scratch);
		strbuf_addstr(sec, "<section id=\"");
		host_anchor(sec, hosts.name[i]);
		strbuf_addstr(sec, "\"><h2>");
		html_link_host(sec, hosts.name[i]);
		strbuf_addstr(sec, "</h2>");
		if (ret == -ENOENT && res.no_base) {
			/* the first kernel of a machine: its own figures, no link that leads nowhere */
			strbuf_addstr(sb, "<td class=\"hint\">none yet: its first kernel</td>");
			strbuf_addstr(sec, "<p class=\"hint\">");
			html_txt(sec, err.buf);
			strbuf_addstr(sec, ".</p>");
			strbuf_reset(&err);
			ret = compare_own(rq->st, hosts.name[i], k.ident, &res, &err);
			strbuf_addstr(sb, "<td class=\"cells\">");
			for (w = 0; !ret && w < res.nrows; w++) {
				if (!compare_row_starts_workload(&res, w))
					continue;
				strbuf_addstr(sb, "<span class=\"wl\">");
				html_txt(sb, res.rows[w].workload);
				strbuf_addstr(sb, "</span>");
				page_own_glance(sb, &res, res.rows[w].workload);
			}
			strbuf_addstr(sb, "</td></tr>\n");
			if (!ret && here)
				page_own_tables(sec, &res);
			strbuf_addstr(sec, "</section>\n");
			if (!ret)
				compare_result_release(&res);
			if (ret && ret != -ENOENT) {
				page_store_error(rq, rs, ret, "kernel's figures");
				goto out;
			}
			continue;
		}
		if (ret == -ENOENT) {
			strbuf_addstr(sb, "<td colspan=\"2\">");
			html_txt(sb, err.buf);
			strbuf_addstr(sb, "</td></tr>\n");
			strbuf_addstr(sec, "<p class=\"hint\">");
			html_txt(sec, err.buf);
			strbuf_addstr(sec, "</p></section>\n");
			continue;
		}
		if (ret) {
			page_store_error(rq, rs, ret, "comparison");
			goto out;
		}
		strbuf_addstr(sb, "<td>");
		html_link_kernel(sb, res.base);
		strbuf_addstr(sb, "</td><td class=\"cells\">");
		glance_cells(sb, &res);
		page_compare_noise_mark(sb, &res);
		strbuf_addstr(sb, "</td></tr>\n");
		strbuf_addstr(sec, "<p>against ");
		html_link_kernel(sec, res.base);
		strbuf_addstr(sec, " (");
		html_txt(sec, res.base_why);
		strbuf_addstr(sec, ")</p>");
		if (here && !host_wants(rq->st, hosts.name[i], k.ident, &wants) && wants.recorded &&
		    wants.has_base) {
			/* what the machine's agent reads: the record its uploads made */
			strbuf_addstr(sec, "<p>");
			page_wants(sec, &wants);
			strbuf_addstr(sec, "</p>");
		}
		page_compare_placement(sec, &res);
		page_compare_noise(sec, &res);
		if (compare_vm_note(res.vm_accel)) {
			strbuf_addstr(sec, "<p class=\"vm\">");
			html_txt(sec, compare_vm_note(res.vm_accel));
			if (res.by_boot) {
				strbuf_addch(sec, ' ');
				html_txt(sec, COMPARE_BY_BOOT_WORDS);
			}
			strbuf_addstr(sec, "</p>");
		}
		if (here) {
			page_compare_tables(sec, &res, false);
			page_compare_links(sec, &res, true);
		}
		strbuf_addstr(sec, "</section>\n");
		compare_result_release(&res);
	}
	strbuf_addstr(sb, "</tbody></table></div>\n");
	page_links(sb, hosts.n, page);
	strbuf_add(sb, sections.buf, sections.len);
	page_links(sb, hosts.n, page);
	page_end(sb);
out:
	free(hosts.name);
	strbuf_release(&err);
	strbuf_release(&sections);
	strbuf_release(&scratch);
}
