/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_HTML_H
#define FW_HTML_H

#include "lib/html.h"
#include "lib/strbuf.h"

/*
 * The pieces of HTML that pages write alike: links to a machine's and to a
 * kernel's page, and times.  Values are escaped with lib/html.h's helpers,
 * which every page uses through this header.
 */

/* <a href="/hosts/NAME">NAME</a>, <a href="/kernels/IDENT">IDENT</a> (long idents shortened in text only) */
void html_link_host(struct strbuf *sb, const char *name);
void html_link_kernel(struct strbuf *sb, const char *ident);
/* A Unix time as "2026-11-27 15:04 UTC", or "never" for 0. */
void html_time(struct strbuf *sb, long long t);

#endif
