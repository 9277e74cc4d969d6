/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_APP_H
#define FW_APP_H

#include "daemon/compare.h"

/*
 * What forkwatchd's handlers share besides the store: the verdict
 * thresholds (--alpha, --budget-order0, --budget), the delivery
 * thread, and the user interface with its state (the web's page cache;
 * browser sessions are in the store, where every forkwatchd on the
 * database finds them).  Reached through req_app(); set up by main before
 * the server starts, read-only afterwards.
 */
struct deliver;
struct rate;
struct seen;
struct trend_cache;
struct ui;

struct app {
	struct compare_config cmp;
	struct deliver *deliver; /* NULL without receivers */
	const struct ui *ui;      /* NULL without one (daemon/ui.h) */
	void *ui_state;           /* what ui->start made, for its handlers */
	struct trend_cache *trends; /* hosts' trends and change points (daemon/trendcache.h) */
	struct seen *evaluated;  /* runs whose alerts were evaluated since the start (daemon/seen.h) */
	const char *public_url;  /* --public-url: links in the feed and in messages start with it */
	struct rate *upload_rate; /* --upload-rate: uploads a host may start (daemon/rate.h); NULL: any */
	unsigned kernels_per_hour; /* --kernels-per-hour: new kernels a host may upload an hour; 0: any */
};

#endif
