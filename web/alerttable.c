// SPDX-License-Identifier: GPL-2.0
/* The alerts table of / and /alerts: a row per alert, with its triage form for an admin. */
#include "web/alerttable.h"

#include <string.h>

#include "daemon/alerts.h"
#include "web/html.h"
#include "web/page.h"

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
		page_select(sb, "state", alerts_states, a->state, NULL);
		strbuf_addstr(sb, " <button>set</button></form></td>");
	}
	strbuf_addstr(sb, "</tr>\n");
}
