/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_DELIVER_H
#define FW_DELIVER_H

#include <stdint.h>

#include "daemon/compare.h"
#include "lib/strbuf.h"

/*
 * Alert delivery: webhooks (a JSON POST with the alerts, the comparison
 * and links) and mail through a sendmail-compatible command (the
 * plain-text report).  Alerts are grouped per (host, kernel): one message
 * per receiver.  A background thread with its own store connection sends
 * what is due and logs every attempt; a receiver that fails is retried
 * with exponential backoff (retry_base_s doubling, at most an hour) for as
 * long as it takes, so ingest never waits for it and no alert is lost.  Of
 * several forkwatchd on one database, one delivers at a time: the holder
 * of the delivery lease (store_lease_try()); another takes over within a
 * second of its end.
 */
struct store;
struct server;
struct deliver;

struct deliver_config {
	const char *webhooks;   /* comma-separated URLs, or NULL */
	const char *sendmail;   /* e.g. "/usr/sbin/sendmail -t -i", or NULL */
	const char *mail_to;    /* comma-separated addresses (with sendmail) */
	const char *public_url; /* the daemon's URL as readers reach it, for links */
	const char *db_path;
	unsigned retry_base_s;  /* first retry after this many seconds (default 30) */
	unsigned timeout_s;     /* a webhook's whole request, at most (default 10) */
	struct compare_config cmp; /* the verdict thresholds of the reports */
};

/*
 * Check the configuration and start the thread; 0 or -errno with err set.
 * *out stays NULL when no receiver is configured.  The thread sends
 * nothing until deliver_attach() names the server whose write lock it
 * shares, so that it can start before the server takes requests.
 */
int deliver_start(struct deliver **out, const struct deliver_config *cfg, struct strbuf *err);
void deliver_attach(struct deliver *d, struct server *srv);
/* Stop the thread (an attempt in progress finishes first) and free. */
void deliver_stop(struct deliver *d);

/*
 * Queue the (host, kernel) group for every receiver; call under the write
 * lock after recording its alerts.  d may be NULL (no receivers).
 */
int deliver_enqueue(struct deliver *d, struct store *st, int64_t host_id, const char *kernel);

/*
 * Seconds from a failed attempt to the next one, when attempts were made
 * before it: retry_base_s, doubling with each earlier attempt, at most an
 * hour.  Pure.
 */
unsigned deliver_backoff_s(unsigned retry_base_s, unsigned attempts);

#endif
