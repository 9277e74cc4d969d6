/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_CACHE_H
#define FW_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/server.h"

/*
 * Rendered pages, kept until the data they were made from changes.
 *
 * A page is rendered from the store at one data generation
 * (req_generation(): this daemon's writes, or those of every forkwatchd
 * on a shared database); while no write has happened since, the same
 * bytes are still the answer, so they are served from memory: as they
 * are, or gzip-compressed (made once) to clients that accept it, with an
 * ETag so that a browser's revalidation costs a 304.  A page asked for
 * while another thread renders it waits for that rendering instead of
 * doing it again.  Only 200 answers are kept.  The bytes are
 * reference-counted: an evicted or outdated page is freed when its last
 * response has been sent.  Memory is bounded: least recently used pages
 * go first.
 */
struct page_cache;

/* max_bytes 0: a cache that keeps nothing (every request renders). */
int page_cache_new(struct page_cache **out, size_t max_bytes);
void page_cache_free(struct page_cache *pc);

/*
 * Answer rq with the page key (the path and the query arguments that
 * matter), rendering it with render when it is not kept or outdated.
 * Only a rendering takes a store connection (req_store()): a page from
 * memory, or one another thread is rendering, waits for none.
 */
void page_cache_serve(struct page_cache *pc, struct req *rq, struct resp *rs, const char *key,
		      route_fn render);

struct page_cache_stats {
	uint64_t hits, renders, waits, evictions;
	size_t pages, bytes, limit;
};
void page_cache_stats(struct page_cache *pc, struct page_cache_stats *out);

#endif
