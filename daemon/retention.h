/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_RETENTION_H
#define FW_RETENTION_H

#include "lib/strbuf.h"

/*
 * Retention of samples (forkwatchd --keep-samples DAYS): a background
 * thread with its own store connection drops the per-iteration samples of
 * runs received more than DAYS days ago (store_samples_drop(): every
 * summary stays, and so do the samples of pinned baselines and of kernels
 * with alerts).  It runs once the server is attached, then every hour,
 * in batches that each hold the server's write lock for a few
 * milliseconds, so that uploads never wait long.  Every batch that dropped
 * something moves the page generation: the run pages say so at once.  Of
 * several forkwatchd on one database, the one holding the retention lease
 * (store_lease_try()) drops; another takes over at its next hour when
 * that one is gone.
 */
struct server;
struct retention;

#define RETENTION_DAYS_MAX 36500

/*
 * Start the thread for a store at db_path, keeping samples days days
 * (1 to RETENTION_DAYS_MAX); 0 or -errno with err set.  It drops nothing
 * until retention_attach() names the server whose write lock it shares.
 */
int retention_start(struct retention **out, const char *db_path, unsigned days, struct strbuf *err);
void retention_attach(struct retention *r, struct server *srv);
/* Stop the thread (a batch in progress finishes first) and free.  NULL is fine. */
void retention_stop(struct retention *r);

#endif
