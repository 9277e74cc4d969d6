// SPDX-License-Identifier: GPL-2.0
/* Links and times as every page writes them. */
#include "web/html.h"

#include <string.h>
#include <time.h>

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
