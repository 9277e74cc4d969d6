// SPDX-License-Identifier: GPL-2.0
#include "web/cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define NBUCKETS 4096

/* One rendering of a page: shared by the responses that send it. */
struct blob {
	unsigned refs;         /* under the cache lock */
	struct page_cache *pc;
	char *body, *gz;
	size_t len, gzlen;
	const char *content_type; /* a literal */
	char etag[48];
};

struct entry {
	struct entry *next;    /* in its bucket */
	char *key;
	uint64_t gen;          /* the data generation it was rendered at */
	uint64_t used;         /* a tick of last use, for eviction */
	bool rendering;        /* a thread is making a newer one */
	struct blob *blob;     /* NULL until the first rendering finished */
};

struct page_cache {
	pthread_mutex_t lock;
	pthread_cond_t rendered;
	size_t max_bytes, bytes, pages;
	uint64_t tick;
	unsigned long long boot; /* in ETags: a restarted daemon's generations start again */
	struct page_cache_stats st;
	struct entry *bucket[NBUCKETS];
};

int page_cache_new(struct page_cache **out, size_t max_bytes)
{
	struct page_cache *pc = calloc(1, sizeof(*pc));

	if (!pc)
		return -ENOMEM;
	pthread_mutex_init(&pc->lock, NULL);
	pthread_cond_init(&pc->rendered, NULL);
	pc->max_bytes = max_bytes;
	pc->boot = (unsigned long long)time(NULL);
	*out = pc;
	return 0;
}

static void blob_free(struct blob *b)
{
	free(b->body);
	free(b->gz);
	free(b);
}

/* Under the lock. */
static void blob_put_locked(struct blob *b)
{
	if (b && --b->refs == 0) {
		b->pc->bytes -= b->len + b->gzlen;
		blob_free(b);
	}
}

static void blob_release(void *cls)
{
	struct blob *b = cls;
	struct page_cache *pc = b->pc;

	pthread_mutex_lock(&pc->lock);
	blob_put_locked(b);
	pthread_mutex_unlock(&pc->lock);
}

void page_cache_free(struct page_cache *pc)
{
	size_t i;

	if (!pc)
		return;
	/* the server has stopped: no response holds a blob any more */
	for (i = 0; i < NBUCKETS; i++) {
		struct entry *e = pc->bucket[i], *next;

		for (; e; e = next) {
			next = e->next;
			if (e->blob)
				blob_free(e->blob);
			free(e->key);
			free(e);
		}
	}
	pthread_cond_destroy(&pc->rendered);
	pthread_mutex_destroy(&pc->lock);
	free(pc);
}

static unsigned hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % NBUCKETS;
}

/* gzip (RFC 1952) of src, or NULL when it would not pay or zlib fails. */
static char *gzip(const char *src, size_t len, size_t *out_len)
{
	z_stream z;
	char *out;
	size_t cap = deflateBound(NULL, len) + 32;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	out = malloc(cap);
	if (!out) {
		deflateEnd(&z);
		return NULL;
	}
	z.next_in = (Bytef *)src;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out >= len) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

static bool accepts_gzip(const struct req *rq)
{
	const char *ae = req_header(rq, "Accept-Encoding");
	const char *g = ae ? strstr(ae, "gzip") : NULL;
	size_t zeros;

	if (!g)
		return false;
	if (strncmp(g + 4, ";q=0", 4))
		return true;
	/* "gzip;q=0" and "gzip;q=0.000" refuse it; "gzip;q=0.5" does not */
	g += 8;
	if (*g == '.') {
		zeros = strspn(g + 1, "0");
		g += 1 + zeros;
	}
	return !(*g == '\0' || *g == ',' || *g == ' ');
}

/*
 * Whether an If-None-Match header (RFC 9110 13.1.2) names etag: "*", or
 * a list of entity tags, any of them weak ("W/..."), compared weakly.
 */
static bool none_match(const char *inm, const char *etag)
{
	size_t n = strlen(etag);
	const char *p = inm;

	while (*p) {
		p += strspn(p, " \t,");
		if (*p == '*')
			return true;
		if (!strncmp(p, "W/", 2))
			p += 2;
		if (!strncmp(p, etag, n) && (!p[n] || strchr(" \t,", p[n])))
			return true;
		if (*p == '"') { /* past this tag, whatever it holds */
			const char *q = strchr(p + 1, '"');

			p = q ? q + 1 : p + strlen(p);
		} else {
			p += strcspn(p, ",");
		}
	}
	return false;
}

/* Answer from blob b, which holds a reference taken for this response. */
static void send_blob(struct req *rq, struct resp *rs, struct blob *b)
{
	const char *inm = req_header(rq, "If-None-Match");
	bool gz = b->gz && accepts_gzip(rq);
	char etag[sizeof(b->etag) + 3];

	rs->status = 200;
	rs->content_type = b->content_type;
	rs->cache_control = "no-cache"; /* the ETag says whether it changed */
	strbuf_reset(&rs->body);
	/* the gzip bytes are another representation: a strong ETag of their own */
	snprintf(etag, sizeof(etag), "%.*s%s\"", (int)strlen(b->etag) - 1, b->etag, gz ? "-gz" : "");
	resp_header(rs, "ETag", "%s", etag);
	resp_header(rs, "Vary", "Accept-Encoding");
	if (inm && none_match(inm, etag)) {
		rs->status = 304;
		blob_release(b);
		return;
	}
	rs->shared_release = blob_release;
	rs->shared_cls = b;
	if (gz) {
		resp_header(rs, "Content-Encoding", "gzip");
		rs->shared = b->gz;
		rs->shared_len = b->gzlen;
	} else {
		rs->shared = b->body;
		rs->shared_len = b->len;
	}
}

/* Under the lock: drop least recently used pages until the new one fits. */
static void evict_locked(struct page_cache *pc, const struct entry *keep)
{
	while (pc->bytes > pc->max_bytes && pc->pages > 1) {
		struct entry **victim = NULL, **pp;
		size_t i;

		for (i = 0; i < NBUCKETS; i++)
			for (pp = &pc->bucket[i]; *pp; pp = &(*pp)->next)
				if (*pp != keep && !(*pp)->rendering &&
				    (!victim || (*pp)->used < (*victim)->used))
					victim = pp;
		if (!victim)
			return;
		struct entry *e = *victim;

		*victim = e->next;
		blob_put_locked(e->blob);
		free(e->key);
		free(e);
		pc->pages--;
		pc->st.evictions++;
	}
}

void page_cache_serve(struct page_cache *pc, struct req *rq, struct resp *rs, const char *key,
		      route_fn render)
{
	unsigned h = hash(key);
	struct entry *e;
	struct blob *b;
	uint64_t gen;

	if (!pc || !pc->max_bytes) {
		if (req_store(rq, rs))
			render(rq, rs);
		return;
	}
	/* read before rendering: a write during it makes the page outdated at once */
	if (req_generation(rq, &gen)) {
		/* the generation is not known: no page may be served or kept */
		if (req_store(rq, rs))
			render(rq, rs);
		return;
	}
	pthread_mutex_lock(&pc->lock);
	for (;;) {
		/* looked up again after every wait: the page may have been evicted meanwhile */
		for (e = pc->bucket[h]; e; e = e->next)
			if (!strcmp(e->key, key))
				break;
		if (e && e->blob && e->gen == gen) {
			e->used = ++pc->tick;
			e->blob->refs++;
			pc->st.hits++;
			b = e->blob;
			pthread_mutex_unlock(&pc->lock);
			send_blob(rq, rs, b);
			return;
		}
		if (!e || !e->rendering)
			break;
		/* another thread renders this page right now: its answer is ours */
		pc->st.waits++;
		pthread_cond_wait(&pc->rendered, &pc->lock);
	}
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (e)
			e->key = strdup(key);
		if (!e || !e->key) {
			free(e);
			pthread_mutex_unlock(&pc->lock);
			if (req_store(rq, rs))
				render(rq, rs);
			return;
		}
		e->next = pc->bucket[h];
		pc->bucket[h] = e;
		pc->pages++;
	}
	e->rendering = true;
	e->used = ++pc->tick;
	pc->st.renders++;
	pthread_mutex_unlock(&pc->lock);

	if (req_store(rq, rs))
		render(rq, rs);
	b = NULL;
	if (rs->status == 200 && !rs->shared && (b = calloc(1, sizeof(*b)))) {
		b->pc = pc;
		b->content_type = rs->content_type ? rs->content_type : "application/json";
		b->body = strbuf_detach(&rs->body, &b->len);
		b->gz = gzip(b->body, b->len, &b->gzlen);
		snprintf(b->etag, sizeof(b->etag), "\"%llx-%llx\"", pc->boot, (unsigned long long)gen);
		b->refs = 2; /* the entry's and this response's */
	}
	pthread_mutex_lock(&pc->lock);
	e->rendering = false;
	if (b) {
		blob_put_locked(e->blob);
		e->blob = b;
		e->gen = gen;
		pc->bytes += b->len + b->gzlen;
		evict_locked(pc, e);
	}
	pthread_cond_broadcast(&pc->rendered);
	pthread_mutex_unlock(&pc->lock);
	if (b)
		send_blob(rq, rs, b);
}

void page_cache_stats(struct page_cache *pc, struct page_cache_stats *out)
{
	pthread_mutex_lock(&pc->lock);
	*out = pc->st;
	out->pages = pc->pages;
	out->bytes = pc->bytes;
	out->limit = pc->max_bytes;
	pthread_mutex_unlock(&pc->lock);
}
