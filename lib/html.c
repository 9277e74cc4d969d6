// SPDX-License-Identifier: GPL-2.0
#include "lib/html.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/utf8.h"

static void escape(struct strbuf *sb, const char *s, bool attr)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
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
		cp = utf8_cp(p, n);
		p += n;
		if (cp >= 0x80 && cp <= 0x9f)
			continue; /* C1 controls go as C0 ones do */
		if (!utf8_text_char(cp)) {
			/* U+FFFE, U+FFFF...: one of them makes the whole Atom feed invalid XML */
			strbuf_addstr(sb, "\xef\xbf\xbd");
			continue;
		}
		strbuf_add(sb, p - n, n);
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
