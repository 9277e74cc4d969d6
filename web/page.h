/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_PAGE_H
#define FW_PAGE_H

#include "daemon/server.h"
#include "lib/strbuf.h"

/*
 * What every page shares (cgit's ui-shared.c): the frame around a page,
 * the error pages, and the form controls more than one page draws.
 * Pages write into rs->body between page_begin() and page_end().
 */

/*
 * Start an HTML page in rs (its body reset, its content type HTML): the
 * doctype, the head (title, viewport, the daemon's CSS, no external
 * resources), the header with its navigation (current names the section
 * shown: "overview", "kernels", "alerts", or NULL) and <main>.
 */
void page_begin(struct resp *rs, const char *title, const char *current);
/* Close <main> with a footer and the document. */
void page_end(struct strbuf *sb);

/* An HTML error page with status and a one-line message, in place of what rs held. */
void page_error(struct resp *rs, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * A store error as page_error() says it: 404 "no such WHAT" for -ENOENT,
 * 503 for -EBUSY, else 500 (logged with the store's message).
 */
void page_store_error(struct req *rq, struct resp *rs, int ret, const char *what);

/*
 * A <select name="NAME"> (NAME a literal) of opts (ended by NULL), cur selected; any: a
 * first option with an empty value, shown as any, meaning none.
 */
void page_select(struct strbuf *sb, const char *name, const char *const *opts, const char *cur,
		 const char *any);

#endif
