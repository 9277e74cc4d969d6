/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_LIB_HTML_H
#define FW_LIB_HTML_H

#include "lib/strbuf.h"

/*
 * Every value that reaches a page (web/) or the Atom feed (daemon/alerts.c)
 * goes through these (cgit's html_txt and html_attr): markup is written
 * as literals, values never are.
 *
 * Text is taken as UTF-8: a byte that does not start or continue a valid
 * sequence becomes U+FFFD, control characters other than tab and newline
 * (C0, DEL, C1) are dropped, and noncharacters (U+FFFE, U+FFFF,
 * U+FDD0..U+FDEF, U+xFFFE, U+xFFFF) become U+FFFD, so no stored value can
 * break the page's encoding or make the Atom feed XML 1.0 refuses.
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

#endif
