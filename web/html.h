/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_HTML_H
#define FW_HTML_H

#include "lib/strbuf.h"

/*
 * Every value that reaches a page goes through these (cgit's html_txt and
 * html_attr): markup is written as literals, values never are.
 *
 * Text is taken as UTF-8: a byte that does not start or continue a valid
 * sequence becomes U+FFFD, and control characters other than tab and
 * newline are dropped, so no stored value can break the page's encoding.
 */

/* s as element text: & < > escaped. */
void html_txt(struct strbuf *sb, const char *s);
/* s as an attribute value inside double quotes: & < > " ' escaped. */
void html_attr(struct strbuf *sb, const char *s);
/* Like html_txt for the text printf would make of fmt and its arguments. */
void html_txtf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * s percent-encoded as one URL path segment or query value (all but
 * A-Z a-z 0-9 - . _ ~), which is then safe in an attribute as it is.
 */
void html_url(struct strbuf *sb, const char *s);

/*
 * The page frame: doctype, head (title, viewport, the daemon's CSS, no
 * external resources), the header with its navigation (current names the
 * section shown: "overview", "alerts", or NULL) and <main>.
 */
void html_begin(struct strbuf *sb, const char *title, const char *current);
/* Close <main> with a footer and the document. */
void html_end(struct strbuf *sb);

/* <a href="/hosts/NAME">NAME</a>, <a href="/kernels/IDENT">IDENT</a> (long idents shortened in text only) */
void html_link_host(struct strbuf *sb, const char *name);
void html_link_kernel(struct strbuf *sb, const char *ident);
/* A Unix time as "2026-11-27 15:04 UTC", or "never" for 0. */
void html_time(struct strbuf *sb, long long t);

#endif
