/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_APP_H
#define FW_APP_H

#include "daemon/compare.h"

/*
 * What forkwatchd's handlers share besides the store: the verdict
 * thresholds (--alpha, --budget-order0, --budget), the delivery
 * thread, the page cache and the browser sessions.  Reached through req_app(); set up by main before the server
 * starts, read-only afterwards.
 */
struct deliver;
struct page_cache;
struct web_sessions;

struct app {
	struct compare_config cmp;
	struct deliver *deliver; /* NULL without receivers */
	struct page_cache *pages; /* rendered pages (web/cache.h) */
	struct web_sessions *sessions; /* admins logged in through a browser (web/session.h) */
	const char *public_url;  /* --public-url: links in the feed and in messages start with it */
};

#endif
