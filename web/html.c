// SPDX-License-Identifier: GPL-2.0
#include "web/html.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "lib/utf8.h"

static void escape(struct strbuf *sb, const char *s, bool attr)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p) {
		switch (*p) {
		case '&': strbuf_addstr(sb, "&amp;"); p++; continue;
		case '<': strbuf_addstr(sb, "&lt;"); p++; continue;
		case '>': strbuf_addstr(sb, "&gt;"); p++; continue;
		case '"':
			strbuf_addstr(sb, attr ? "&quot;" : "\"");
			p++;
			continue;
		case '\'':
			strbuf_addstr(sb, attr ? "&#39;" : "'");
			p++;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			if (*p == '\t' || *p == '\n')
				strbuf_addch(sb, *p);
			p++;
			continue;
		}
		n = utf8_len(p, SIZE_MAX);
		if (!n) {
			strbuf_addstr(sb, "\xef\xbf\xbd"); /* U+FFFD */
			p++;
			continue;
		}
		strbuf_add(sb, p, n);
		p += n;
	}
}

void html_txt(struct strbuf *sb, const char *s)
{
	escape(sb, s ? s : "", false);
}

void html_attr(struct strbuf *sb, const char *s)
{
	escape(sb, s ? s : "", true);
}

void html_txtf(struct strbuf *sb, const char *fmt, ...)
{
	struct strbuf t = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&t, fmt, ap);
	va_end(ap);
	escape(sb, t.buf, true);
	strbuf_release(&t);
}

void html_url(struct strbuf *sb, const char *s)
{
	strbuf_addstr_urlencode(sb, s ? s : "");
}

static const struct {
	const char *name, *href, *text;
} nav[] = {
	{ "overview", "/", "Overview" },
	{ "kernels", "/kernels", "Kernels" },
	{ "alerts", "/alerts", "Alerts" },
};

void html_begin(struct strbuf *sb, const char *title, const char *current)
{
	size_t i;

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

void html_end(struct strbuf *sb)
{
	strbuf_addstr(sb, "</main>\n<footer>forkwatch " FORKWATCH_VERSION
			  " &middot; <a href=\"/alerts.atom\">alerts feed</a> &middot; "
			  "JSON: <a href=\"/api/v1/hosts\">/api/v1</a></footer>\n</body></html>\n");
}

void html_link_host(struct strbuf *sb, const char *name)
{
	strbuf_addstr(sb, "<a href=\"/hosts/");
	html_url(sb, name);
	strbuf_addstr(sb, "\">");
	html_txt(sb, name);
	strbuf_addstr(sb, "</a>");
}

void html_link_kernel(struct strbuf *sb, const char *ident)
{
	size_t n = strlen(ident);
	struct strbuf t = STRBUF_INIT;

	strbuf_addstr(sb, "<a class=\"kernel\" href=\"/kernels/");
	html_url(sb, ident);
	strbuf_addstr(sb, "\" title=\"");
	html_attr(sb, ident);
	strbuf_addstr(sb, "\">");
	/* a 40-digit commit reads as its first 12, as git log --oneline does */
	if (n == 40 && strspn(ident, "0123456789abcdef") == 40) {
		strbuf_add(&t, ident, 12);
		html_txt(sb, t.buf);
	} else {
		html_txt(sb, ident);
	}
	strbuf_addstr(sb, "</a>");
	strbuf_release(&t);
}

void html_time(struct strbuf *sb, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[64];

	if (!t || !gmtime_r(&tt, &tm)) {
		strbuf_addstr(sb, "never");
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm);
	html_txt(sb, buf);
}
