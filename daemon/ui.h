/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_UI_H
#define FW_UI_H

#include <stddef.h>

#include "daemon/server.h"
#include "lib/jsonw.h"

/*
 * A user interface that forkwatchd serves beside its JSON API: its routes
 * and the state they keep.  Dependencies run one way (web/ builds on
 * daemon/, never the reverse), so daemon/ knows a user interface only
 * through this: main wires one in, its handlers find their state through
 * struct app (daemon/app.h), and /healthz asks it for its figures.
 */
struct ui_config {
	size_t page_cache_bytes; /* --page-cache: memory for rendered pages (0: keep none) */
};

struct ui {
	/* Its routes, served lazily (see server_start()); ended by a NULL method. */
	const struct route *routes;
	/*
	 * Make its state before the server starts: 0, or a negative errno
	 * with nothing left to free.
	 */
	int (*start)(void **state, const struct ui_config *cfg);
	/* Free what start made, once the server has stopped; state may be NULL. */
	void (*stop)(void *state);
	/* Its figures for /healthz: members added to the object jw has open. */
	void (*health)(void *state, struct jw *jw);
	/*
	 * Its error page with status and a one-line message: the server's own
	 * refusals of paths outside the API (server_config.html_error).
	 */
	void (*error)(struct resp *rs, int status, const char *message);
};

/* The HTML dashboards (web/routes.c): the one forkwatchd's main wires in. */
extern const struct ui web_ui;

#endif
