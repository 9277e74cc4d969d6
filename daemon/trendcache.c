// SPDX-License-Identifier: GPL-2.0
#include "daemon/trendcache.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/store.h"
#include "lib/clock.h"
#include "lib/log.h"

/* A computed trend and the responses that read it. */
struct held {
	struct trend t;
	unsigned refs;         /* under the cache lock: the entry's and each reader's */
	size_t bytes;
};

struct entry {
	int64_t host_id;
	uint64_t want;         /* bumped by each upload of the host */
	uint64_t have;         /* what held was computed for */
	bool computing, queued;
	double touched_at;     /* CLOCK_MONOTONIC s of its last upload; 0: none since the start */
	struct held *held;     /* NULL: none (yet, or evicted) */
	uint64_t used;         /* a tick of the last use, for eviction */
};

/* How long a host must have been quiet before its trend is made in the background. */
#define TREND_QUIET_S 2.0

struct trend_cache {
	pthread_mutex_t lock;
	pthread_cond_t done;   /* a computation finished */
	pthread_cond_t work;   /* the thread has something to do (or must stop) */
	pthread_t thread;
	bool started, stop, warm;
	char *db_path;
	struct entry **e;      /* by host, unordered: a lab has hundreds of hosts, not millions */
	size_t n, alloc;
	int64_t *queue;        /* hosts for the thread, oldest first */
	size_t nqueue, aqueue;
	size_t bytes, max_bytes;
	uint64_t tick;
	struct trend_cache_stats st;
};

/* Under the lock: wait s seconds (at most 10), or until told to stop. */
static void idle_locked(struct trend_cache *tc, double s)
{
	struct timespec ts;

	if (!(s > 0))
		return;
	if (s > 10)
		s = 10;
	clock_gettime(CLOCK_REALTIME, &ts); /* the clock of 'work' */
	ts.tv_sec += (time_t)s;
	ts.tv_nsec += (long)((s - (double)(time_t)s) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	/* 'work' is signalled by every upload's touch too: wait on until the deadline */
	while (!tc->stop && pthread_cond_timedwait(&tc->work, &tc->lock, &ts) != ETIMEDOUT)
		;
}

/* A loader of points: a request's store connection or the thread's. */
typedef int (*loader_fn)(void *ctx, int64_t host_id, struct trend *t);

static size_t trend_bytes(const struct trend *t)
{
	return sizeof(struct held) + t->nkernels * sizeof(*t->kernel) +
	       t->ncases * (sizeof(*t->cases) + t->nkernels * (2 * sizeof(double) + sizeof(unsigned)));
}

/* Under the lock. */
static void held_put_locked(struct trend_cache *tc, struct held *h)
{
	if (h && --h->refs == 0) {
		tc->bytes -= h->bytes;
		trend_release(&h->t);
		free(h);
	}
}

static struct entry *entry_of(struct trend_cache *tc, int64_t host_id, bool create)
{
	struct entry *e;
	size_t i;

	for (i = 0; i < tc->n; i++)
		if (tc->e[i]->host_id == host_id)
			return tc->e[i];
	if (!create)
		return NULL;
	if (tc->n == tc->alloc) {
		size_t n = tc->alloc ? 2 * tc->alloc : 64;
		struct entry **p = realloc(tc->e, n * sizeof(*p));

		if (!p)
			return NULL;
		tc->e = p;
		tc->alloc = n;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->host_id = host_id;
	e->want = 1; /* nothing computed: have 0 is outdated */
	tc->e[tc->n++] = e;
	return e;
}

/* Under the lock: drop least recently used trends until the kept ones fit. */
static void evict_locked(struct trend_cache *tc, const struct entry *keep)
{
	while (tc->bytes > tc->max_bytes) {
		struct entry *victim = NULL;
		size_t i;

		for (i = 0; i < tc->n; i++) {
			struct entry *e = tc->e[i];

			if (e != keep && e->held && (!victim || e->used < victim->used))
				victim = e;
		}
		if (!victim)
			return;
		held_put_locked(tc, victim->held);
		victim->held = NULL;
		victim->have = 0;
	}
}

/*
 * Compute e's trend again; called and returning with the lock held,
 * which it lets go of meanwhile (e->computing says so to the others).
 */
static int refresh_locked(struct trend_cache *tc, struct entry *e, loader_fn load, void *ctx)
{
	uint64_t gen = e->want;
	struct held *h;
	int ret;

	e->computing = true;
	pthread_mutex_unlock(&tc->lock);
	h = calloc(1, sizeof(*h));
	ret = h ? load(ctx, e->host_id, &h->t) : -ENOMEM;
	if (!ret)
		ret = trend_changepoints(&h->t); /* no store connection is held here */
	pthread_mutex_lock(&tc->lock);
	e->computing = false;
	if (!ret) {
		h->refs = 1;
		h->bytes = trend_bytes(&h->t);
		held_put_locked(tc, e->held);
		e->held = h;
		e->have = gen;
		e->used = ++tc->tick;
		tc->bytes += h->bytes;
		tc->st.computed++;
		evict_locked(tc, e);
	} else {
		free(h);
	}
	pthread_cond_broadcast(&tc->done);
	return ret;
}

/* ---- requests ---------------------------------------------------------- */

struct req_loader {
	struct req *rq;
	struct resp *rs;
};

static int load_for_request(void *ctx, int64_t host_id, struct trend *t)
{
	struct req_loader *l = ctx;
	int ret;

	if (!req_store(l->rq, l->rs))
		return -EBUSY;
	ret = trend_load(l->rq->st, host_id, t);
	if (!ret)
		req_store_put(l->rq); /* else kept: store_errmsg() says what failed */
	return ret;
}

int trend_cache_get(struct trend_cache *tc, struct req *rq, struct resp *rs, int64_t host_id,
		    const struct trend **out)
{
	struct req_loader l = { rq, rs };
	struct entry *e;
	bool waited = false;
	int ret = 0;

	*out = NULL;
	req_store_put(rq); /* waiting or computing holds none */
	pthread_mutex_lock(&tc->lock);
	e = entry_of(tc, host_id, true);
	if (!e) {
		pthread_mutex_unlock(&tc->lock);
		return -ENOMEM;
	}
	for (;;) {
		/* up to date; or as fresh as a computation that ran while this waited could make it */
		if (e->held && (e->have == e->want || waited)) {
			e->held->refs++;
			e->used = ++tc->tick;
			if (!waited)
				tc->st.hits++;
			*out = &e->held->t;
			break;
		}
		if (e->computing) {
			if (!waited)
				tc->st.waits++;
			pthread_cond_wait(&tc->done, &tc->lock);
			waited = true;
			continue;
		}
		ret = refresh_locked(tc, e, load_for_request, &l);
		if (ret)
			break;
		waited = true; /* this one's own result: taken even if an upload came meanwhile */
	}
	pthread_mutex_unlock(&tc->lock);
	return ret;
}

void trend_cache_put(struct trend_cache *tc, const struct trend *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&tc->lock);
	held_put_locked(tc, (struct held *)((char *)t - offsetof(struct held, t)));
	pthread_mutex_unlock(&tc->lock);
}

/* ---- the background thread --------------------------------------------- */

/* Under the lock. */
static void enqueue_locked(struct trend_cache *tc, struct entry *e)
{
	if (e->queued)
		return;
	if (tc->nqueue == tc->aqueue) {
		size_t n = tc->aqueue ? 2 * tc->aqueue : 64;
		int64_t *q = realloc(tc->queue, n * sizeof(*q));

		if (!q)
			return; /* not made ahead: the next request makes it */
		tc->queue = q;
		tc->aqueue = n;
	}
	tc->queue[tc->nqueue++] = e->host_id;
	e->queued = true;
	pthread_cond_signal(&tc->work);
}

void trend_cache_touch(struct trend_cache *tc, int64_t host_id)
{
	struct entry *e;

	if (!tc)
		return;
	pthread_mutex_lock(&tc->lock);
	e = entry_of(tc, host_id, true);
	if (e) {
		e->want++;
		e->touched_at = clock_mono_s();
		enqueue_locked(tc, e);
	}
	pthread_mutex_unlock(&tc->lock);
}

static int load_for_thread(void *ctx, int64_t host_id, struct trend *t)
{
	return trend_load(ctx, host_id, t);
}

static int warm_cb(void *ctx, const struct store_host *h)
{
	struct trend_cache *tc = ctx;
	struct entry *e;

	pthread_mutex_lock(&tc->lock);
	e = entry_of(tc, h->id, true);
	if (e)
		enqueue_locked(tc, e);
	pthread_mutex_unlock(&tc->lock);
	return 0;
}

static void *cache_thread(void *arg)
{
	struct trend_cache *tc = arg;
	struct strbuf err = STRBUF_INIT;
	struct store *st = NULL;
	struct entry *e;
	int64_t host;
	double t0;
	int ret;

	pthread_mutex_lock(&tc->lock);
	while (!tc->stop) {
		if (!st) {
			pthread_mutex_unlock(&tc->lock);
			strbuf_reset(&err);
			if (store_open(&st, tc->db_path, &err)) {
				log_error("trends: %s", err.buf);
				st = NULL;
			} else if (!tc->warm) {
				/* after a start: every host's trend, before anyone asks */
				tc->warm = true;
				store_host_list(st, false, warm_cb, tc);
			}
			pthread_mutex_lock(&tc->lock);
			/* told to stop while the lock was let go: its signal is gone */
			if (tc->stop)
				break;
			if (!st) {
				struct timespec ts;

				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_sec += 10;
				pthread_cond_timedwait(&tc->work, &tc->lock, &ts);
				continue;
			}
		}
		if (!tc->nqueue) {
			pthread_cond_wait(&tc->work, &tc->lock);
			continue;
		}
		host = tc->queue[0];
		memmove(tc->queue, tc->queue + 1, --tc->nqueue * sizeof(*tc->queue));
		e = entry_of(tc, host, false);
		if (!e)
			continue;
		e->queued = false;
		/* being made by a request, or made since it was queued: nothing to do */
		if (e->computing || (e->held && e->have == e->want))
			continue;
		/*
		 * Not while the host is uploading: under a stream of uploads
		 * every trend is outdated again as soon as it is made, and
		 * making it each time took a third of the daemon's CPU from the
		 * uploads.  Once the host has been quiet TREND_QUIET_S; a request
		 * meanwhile makes it itself, once.
		 */
		if (clock_mono_s() - e->touched_at < TREND_QUIET_S) {
			enqueue_locked(tc, e);
			idle_locked(tc, TREND_QUIET_S - (clock_mono_s() - e->touched_at));
			continue;
		}
		t0 = clock_mono_s();
		ret = refresh_locked(tc, e, load_for_thread, st);
		if (!ret)
			tc->st.background++;
		else
			log_warn("trends: host %lld: error %d", (long long)host, ret);
		/* and at most a quarter of a CPU (a start's warm-up of every host) */
		idle_locked(tc, 3 * (clock_mono_s() - t0));
	}
	pthread_mutex_unlock(&tc->lock);
	store_close(st);
	strbuf_release(&err);
	return NULL;
}

int trend_cache_new(struct trend_cache **out, const char *db_path, size_t max_bytes)
{
	struct trend_cache *tc = calloc(1, sizeof(*tc));

	*out = NULL;
	if (!tc)
		return -ENOMEM;
	tc->db_path = strdup(db_path);
	if (!tc->db_path) {
		free(tc);
		return -ENOMEM;
	}
	tc->max_bytes = max_bytes;
	pthread_mutex_init(&tc->lock, NULL);
	pthread_cond_init(&tc->done, NULL);
	pthread_cond_init(&tc->work, NULL);
	if (pthread_create(&tc->thread, NULL, cache_thread, tc)) {
		trend_cache_free(tc);
		return -EAGAIN;
	}
	tc->started = true;
	*out = tc;
	return 0;
}

void trend_cache_free(struct trend_cache *tc)
{
	size_t i;

	if (!tc)
		return;
	if (tc->started) {
		pthread_mutex_lock(&tc->lock);
		tc->stop = true;
		pthread_cond_signal(&tc->work);
		pthread_mutex_unlock(&tc->lock);
		pthread_join(tc->thread, NULL);
	}
	for (i = 0; i < tc->n; i++) {
		held_put_locked(tc, tc->e[i]->held);
		free(tc->e[i]);
	}
	free(tc->e);
	free(tc->queue);
	free(tc->db_path);
	pthread_cond_destroy(&tc->work);
	pthread_cond_destroy(&tc->done);
	pthread_mutex_destroy(&tc->lock);
	free(tc);
}

void trend_cache_stats(struct trend_cache *tc, struct trend_cache_stats *out)
{
	pthread_mutex_lock(&tc->lock);
	*out = tc->st;
	out->hosts = tc->n;
	out->bytes = tc->bytes;
	out->limit = tc->max_bytes;
	pthread_mutex_unlock(&tc->lock);
}
