// SPDX-License-Identifier: GPL-2.0
/* /alerts: open and triaged alerts, filtered; triage forms for a logged-in admin. */
#include <stdio.h>
#include <string.h>

#include "daemon/alerts.h"
#include "web/html.h"
#include "web/pages.h"
#include "daemon/store.h"

#define ALERTS_SHOWN 500


struct alerts_page {
	struct strbuf *sb;
	const char *csrf;
	const char *back;     /* the query string to come back to, "" or "?..." */
	size_t shown;
};

/* A <select> of opts (ended by NULL), cur selected; any: a first option meaning none. */
static void select_opts(struct strbuf *sb, const char *name, const char *const *opts,
			const char *cur, const char *any)
{
	strbuf_addf(sb, "<select name=\"%s\">", name);
	if (any) {
		strbuf_addstr(sb, "<option value=\"\">");
		html_txt(sb, any);
		strbuf_addstr(sb, "</option>");
	}
	for (; *opts; opts++) {
		strbuf_addstr(sb, "<option");
		if (cur && !strcmp(cur, *opts))
			strbuf_addstr(sb, " selected");
		strbuf_addstr(sb, ">");
		html_txt(sb, *opts);
		strbuf_addstr(sb, "</option>");
	}
	strbuf_addstr(sb, "</select>");
}

void page_alerts_table_begin(struct strbuf *sb, bool actions)
{
	strbuf_addstr(sb, "<div class=\"scroll\"><table class=\"alerts\"><thead><tr><th>raised</th>"
			  "<th>machine</th><th>kernel</th><th>against</th><th>case</th><th>change (CI)</th>"
			  "<th>what it says</th><th>state</th>");
	if (actions)
		strbuf_addstr(sb, "<th>triage</th>");
	strbuf_addstr(sb, "</tr></thead><tbody>\n");
}

void page_alert_row(struct strbuf *sb, const struct store_alert *a, const char *csrf,
		    const char *back)
{
	bool reg = !strcmp(a->kind, "regression");

	strbuf_addf(sb, "<tr id=\"alert-%lld\"><td>", (long long)a->id);
	html_txtf(sb, "#%lld ", (long long)a->id);
	html_time(sb, a->created_at);
	strbuf_addstr(sb, "</td><td>");
	html_link_host(sb, a->host);
	strbuf_addstr(sb, "</td><td>");
	html_link_kernel(sb, a->kernel);
	strbuf_addstr(sb, "</td><td>");
	html_link_kernel(sb, a->base);
	strbuf_addstr(sb, "</td><td>");
	html_txtf(sb, "%s %s", a->workload, a->layout);
	strbuf_addf(sb, "</td><td class=\"%s\">", reg ? "v-regression" : "v-gain");
	html_txtf(sb, "%+.1f%% (%+.1f%% .. %+.1f%%) %s", a->delta_pct, a->ci_lo_pct, a->ci_hi_pct,
		  reg ? "regression" : "gain");
	strbuf_addstr(sb, "</td><td>");
	html_txt(sb, a->summary);
	strbuf_addstr(sb, "</td><td>");
	html_txt(sb, a->state);
	if (a->state_at) {
		strbuf_addstr(sb, "<br><span class=\"hint\">by ");
		html_txt(sb, a->state_by);
		strbuf_addstr(sb, ", ");
		html_time(sb, a->state_at);
		strbuf_addstr(sb, "</span>");
	}
	strbuf_addstr(sb, "</td>");
	if (csrf) {
		strbuf_addf(sb, "<td><form method=\"post\" action=\"/alerts/%lld\">", (long long)a->id);
		strbuf_addstr(sb, "<input type=\"hidden\" name=\"csrf\" value=\"");
		html_attr(sb, csrf);
		strbuf_addstr(sb, "\"><input type=\"hidden\" name=\"back\" value=\"");
		html_attr(sb, back);
		strbuf_addstr(sb, "\">");
		select_opts(sb, "state", alerts_states, a->state, NULL);
		strbuf_addstr(sb, " <button>set</button></form></td>");
	}
	strbuf_addstr(sb, "</tr>\n");
}

static int row(void *ctx, const struct store_alert *a)
{
	struct alerts_page *ap = ctx;

	ap->shown++;
	page_alert_row(ap->sb, a, ap->csrf, ap->back);
	return 0;
}

void page_alerts(struct req *rq, struct resp *rs, const char *csrf)
{
	struct strbuf *sb = &rs->body, back = STRBUF_INIT;
	const char *host = req_query(rq, "host"), *state = req_query(rq, "state");
	const char *kind = req_query(rq, "kind");
	struct store_alert_filter f = { NULL, NULL, NULL, NULL };
	struct alerts_page ap = { sb, csrf, NULL, 0 };
	int ret;

	if (state && *state) {
		if (!alerts_one_of(state, alerts_states)) {
			page_error(rs, 400, "state '%s': expected new, acknowledged, invalid or fixed", state);
			return;
		}
		f.state = state;
	}
	if (kind && *kind) {
		if (!alerts_one_of(kind, alerts_kinds)) {
			page_error(rs, 400, "kind '%s': expected regression or gain", kind);
			return;
		}
		f.kind = kind;
	}
	if (host && *host)
		f.host = host;
	/* the filters, to come back to after a triage */
	strbuf_addstr(&back, "?host=");
	html_url(&back, f.host ? f.host : "");
	strbuf_addstr(&back, "&state=");
	html_url(&back, f.state ? f.state : "");
	strbuf_addstr(&back, "&kind=");
	html_url(&back, f.kind ? f.kind : "");
	ap.back = back.buf;

	page_begin(rs, "alerts", "alerts");
	strbuf_addstr(sb, "<h1>Alerts</h1><p class=\"hint\">A regression (an order-0 slowdown or a lost "
			  "gain) is an alert; a gain is recorded as a notice. Triage: new, acknowledged, "
			  "invalid, fixed.</p>");
	if (csrf) {
		strbuf_addstr(sb, "<form class=\"session\" method=\"post\" action=\"/logout\">"
				  "<input type=\"hidden\" name=\"csrf\" value=\"");
		html_attr(sb, csrf);
		strbuf_addstr(sb, "\">Triage is on for this browser session. <button>log out</button></form>");
	} else {
		strbuf_addstr(sb, "<p><a href=\"/login?next=/alerts\">Log in with the admin token</a> "
				  "to triage.</p>");
	}
	strbuf_addstr(sb, "<form class=\"pick\" method=\"get\" action=\"/alerts\"><label>machine "
			  "<input name=\"host\" value=\"");
	html_attr(sb, f.host);
	strbuf_addstr(sb, "\"></label> <label>state ");
	select_opts(sb, "state", alerts_states, f.state, "any");
	strbuf_addstr(sb, "</label> <label>kind ");
	select_opts(sb, "kind", alerts_kinds, f.kind, "any");
	strbuf_addstr(sb, "</label> <button>show</button></form>\n");
	page_alerts_table_begin(sb, csrf != NULL);
	ret = store_alert_list(rq->st, &f, ALERTS_SHOWN, row, &ap);
	if (ret) {
		page_store_error(rq, rs, ret, "alerts");
		goto out;
	}
	strbuf_addstr(sb, "</tbody></table></div>");
	if (!ap.shown)
		strbuf_addstr(sb, "<p>No alerts match.</p>");
	else if (ap.shown == ALERTS_SHOWN)
		html_txtf(sb, "The newest %d are shown.", ALERTS_SHOWN);
	html_end(sb);
out:
	strbuf_release(&back);
}
