// SPDX-License-Identifier: GPL-2.0
/* The frame and the error pages every page shares. */
#include "web/page.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "daemon/store.h"
#include "lib/html.h"
#include "lib/log.h"

static const struct {
	const char *name, *href, *text;
} nav[] = {
	{ "overview", "/", "Overview" },
	{ "kernels", "/kernels", "Kernels" },
	{ "alerts", "/alerts", "Alerts" },
};

void page_begin(struct resp *rs, const char *title, const char *current)
{
	struct strbuf *sb = &rs->body;
	size_t i;

	rs->content_type = "text/html; charset=utf-8";
	strbuf_reset(sb);
	strbuf_addstr(sb, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
			  "<title>");
	html_txt(sb, title);
	strbuf_addstr(sb, " - forkwatch</title>"
			  "<link rel=\"stylesheet\" href=\"/static/forkwatch.css\"><link rel=\"icon\" href=\"data:,\">"
			  "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"alerts\" "
			  "href=\"/alerts.atom\"></head>\n<body><header><a class=\"brand\" href=\"/\">"
			  "forkwatch</a><nav>");
	for (i = 0; i < sizeof(nav) / sizeof(nav[0]); i++)
		strbuf_addf(sb, "<a href=\"%s\"%s>%s</a>", nav[i].href,
			    current && !strcmp(current, nav[i].name) ? " aria-current=\"page\"" : "",
			    nav[i].text);
	strbuf_addstr(sb, "</nav></header>\n<main>\n");
}

void page_end(struct strbuf *sb)
{
	strbuf_addstr(sb, "</main>\n<footer>forkwatch " FORKWATCH_VERSION
			  " &middot; <a href=\"/alerts.atom\">alerts feed</a> &middot; "
			  "JSON: <a href=\"/api/v1/hosts\">/api/v1</a></footer>\n</body></html>\n");
}

void page_error(struct resp *rs, int status, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	rs->status = status;
	page_begin(rs, status == 404 ? "not found" : "error", NULL);
	strbuf_addstr(&rs->body, "<h1>");
	html_txtf(&rs->body, "%d", status);
	strbuf_addstr(&rs->body, "</h1><p class=\"error\">");
	html_txt(&rs->body, msg.buf);
	strbuf_addstr(&rs->body, "</p>");
	page_end(&rs->body);
	strbuf_release(&msg);
}

void page_store_error(struct req *rq, struct resp *rs, int ret, const char *what)
{
	if (ret == -ENOENT) {
		page_error(rs, 404, "no such %s", what);
		return;
	}
	log_error("%s %s: %s: %s", rq->method, rq->path, what, store_errmsg(rq->st));
	page_error(rs, ret == -EBUSY ? 503 : 500, "the database could not answer (%s)", what);
}

void page_select(struct strbuf *sb, const char *name, const char *const *opts, const char *cur,
		 const char *any)
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
