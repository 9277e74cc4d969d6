/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_TRENDCACHE_H
#define FW_TRENDCACHE_H

#include <stdint.h>

#include "daemon/server.h"
#include "daemon/trend.h"

/*
 * Hosts' trends (daemon/trend.h), each computed once and kept until the
 * host uploads again.
 *
 * The change-point search of a host's series is the most expensive thing
 * a request could ask for, and anyone may ask: so no request does it
 * more than once per upload.  A host's trend is computed by one thread
 * at a time: requests that want it meanwhile wait for that one result.
 * An upload marks its host's trend outdated and queues it for the cache's
 * own thread, which computes it again in the background (and every
 * host's after a start), so that the next request finds it ready.  The
 * store is read with a connection held only while the points are loaded,
 * never during the search.  Memory is bounded: the trends least recently
 * used go first.
 */
struct trend_cache;

/*
 * Start the cache and its thread, which reads db_path with a connection
 * of its own; max_bytes bounds the trends kept.  0 or a negative errno.
 */
int trend_cache_new(struct trend_cache **out, const char *db_path, size_t max_bytes);
/* Stop the thread and free everything; no trend may be held (trend_cache_put()). */
void trend_cache_free(struct trend_cache *tc);

/* host_id's data changed: its trend is outdated, and made again in the background. */
void trend_cache_touch(struct trend_cache *tc, int64_t host_id);

/*
 * host_id's trend, up to date (or as one computation made it while
 * uploads kept coming), into *out: shared and read-only, held until
 * trend_cache_put().  rq's store connection is given back first (the
 * caller takes one again with req_store() when it needs it); one is
 * taken for loading the points only.  0, or a negative errno: -EBUSY
 * when no connection could be taken (rs filled by req_store()); a store
 * error with rq still holding the connection that failed; -ENOMEM.
 */
int trend_cache_get(struct trend_cache *tc, struct req *rq, struct resp *rs, int64_t host_id,
		    const struct trend **out);
void trend_cache_put(struct trend_cache *tc, const struct trend *t);

struct trend_cache_stats {
	uint64_t hits;      /* answered from memory */
	uint64_t computed;  /* trends computed, by requests and in the background */
	uint64_t waits;     /* requests that waited for another's computation */
	uint64_t background; /* of computed, by the cache's thread */
	size_t hosts, bytes, limit;
};
void trend_cache_stats(struct trend_cache *tc, struct trend_cache_stats *out);

#endif
