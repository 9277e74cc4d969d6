// SPDX-License-Identifier: GPL-2.0
/* /alerts: open and triaged alerts, filtered; triage forms for a logged-in admin. */
#include <stdio.h>
#include <string.h>

#include "daemon/alerts.h"
#include "web/alerttable.h"
#include "web/html.h"
#include "web/page.h"
#include "web/pages.h"
#include "daemon/store.h"

#define ALERTS_SHOWN 500


struct alerts_page {
	struct strbuf *sb;
	const char *csrf;
	const char *back;     /* the query string to come back to, "" or "?..." */
	size_t shown;
};

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
	page_select(sb, "state", alerts_states, f.state, "any");
	strbuf_addstr(sb, "</label> <label>kind ");
	page_select(sb, "kind", alerts_kinds, f.kind, "any");
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
	page_end(sb);
out:
	strbuf_release(&back);
}
