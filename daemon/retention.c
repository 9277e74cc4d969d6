// SPDX-License-Identifier: GPL-2.0
/* Retention of samples (retention.h): the --keep-samples thread. */
#include "daemon/retention.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/server.h"
#include "daemon/store.h"
#include "lib/log.h"

/* a pass an hour: a day's worth of old runs is never more than an hour late */
#define RETENTION_PERIOD_S 3600
/*
 * Runs per transaction: a run's 8 sample blobs go in well under a
 * millisecond, so a batch holds the write lock (and an upload waiting for
 * it) for a few milliseconds.
 */
#define RETENTION_BATCH 32

struct retention {
	struct store *st;
	struct server *srv;
	unsigned days;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop, kicked;
};

/* One pass: batches until none is left or the thread is asked to stop. */
static void pass(struct retention *r)
{
	int64_t before = (int64_t)time(NULL) - (int64_t)r->days * 86400;
	unsigned dropped, total = 0;
	bool stop, held;
	int err;

	/* one forkwatchd among those on the database drops; the others leave it be */
	err = store_lease_try(r->st, STORE_LEASE_RETENTION, &held);
	if (err)
		log_error("retention: %s", store_errmsg(r->st));
	if (err || !held)
		return;
	do {
		server_write_begin(r->srv);
		err = store_samples_drop(r->st, before, RETENTION_BATCH, &dropped);
		if (!err && dropped)
			server_data_changed(r->srv, r->st);
		server_write_end(r->srv);
		if (err) {
			log_error("retention: cannot drop samples: %s", store_errmsg(r->st));
			break;
		}
		total += dropped;
		pthread_mutex_lock(&r->lock);
		stop = r->stop;
		pthread_mutex_unlock(&r->lock);
	} while (dropped == RETENTION_BATCH && !stop);
	if (total)
		log_info("retention: dropped the samples of %u runs received more than %u days ago "
			 "(their summaries stay)", total, r->days);
}

static void *worker(void *arg)
{
	struct retention *r = arg;

	for (;;) {
		struct timespec until;

		pthread_mutex_lock(&r->lock);
		if (!r->stop && !r->kicked) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += RETENTION_PERIOD_S;
			pthread_cond_timedwait(&r->wake, &r->lock, &until);
		}
		if (r->stop) {
			pthread_mutex_unlock(&r->lock);
			break;
		}
		r->kicked = false;
		if (!r->srv) {
			pthread_mutex_unlock(&r->lock);
			continue;
		}
		pthread_mutex_unlock(&r->lock);
		pass(r);
	}
	return NULL;
}

int retention_start(struct retention **out, const char *db_path, unsigned days, struct strbuf *err)
{
	struct retention *r;
	int ret;

	*out = NULL;
	if (days < 1 || days > RETENTION_DAYS_MAX) {
		strbuf_addf(err, "--keep-samples '%u': expected 1 to %u days", days, RETENTION_DAYS_MAX);
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		strbuf_addstr(err, "out of memory");
		return -ENOMEM;
	}
	r->days = days;
	ret = store_open(&r->st, db_path, err);
	if (ret) {
		free(r);
		return ret;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	ret = -pthread_create(&r->thread, NULL, worker, r);
	if (ret) {
		strbuf_addf(err, "cannot start the retention thread: %s", strerror(-ret));
		pthread_cond_destroy(&r->wake);
		pthread_mutex_destroy(&r->lock);
		store_close(r->st);
		free(r);
		return ret;
	}
	*out = r;
	return 0;
}

void retention_attach(struct retention *r, struct server *srv)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->srv = srv;
	r->kicked = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
}

void retention_stop(struct retention *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	store_close(r->st);
	free(r);
}
