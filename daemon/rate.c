// SPDX-License-Identifier: GPL-2.0
#include "daemon/rate.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "lib/clock.h"

#define RATE_SLOTS 4096
#define RATE_PROBE 8 /* slots looked at per key: a key lives in one of them */

struct rate_slot {
	int64_t key;
	bool used;
	double tokens, at; /* the bucket at time at (CLOCK_MONOTONIC seconds) */
};

struct rate {
	pthread_mutex_t lock;
	double per_s, burst;
	struct rate_slot slot[RATE_SLOTS];
};

struct rate *rate_new(unsigned per_min, unsigned burst)
{
	struct rate *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	pthread_mutex_init(&r->lock, NULL);
	r->per_s = per_min / 60.0;
	r->burst = burst ? burst : 1;
	return r;
}

void rate_free(struct rate *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r);
}

unsigned rate_take(struct rate *r, int64_t key)
{
	uint64_t h = (uint64_t)key * 0x9e3779b97f4a7c15ull;
	struct rate_slot *s = NULL, *oldest = NULL;
	double now = clock_mono_s();
	unsigned wait = 0;
	int i;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i < RATE_PROBE; i++) {
		struct rate_slot *c = &r->slot[(h + (uint64_t)i) % RATE_SLOTS];

		if (c->used && c->key == key) {
			s = c;
			break;
		}
		if (!oldest || !c->used || (oldest->used && c->at < oldest->at))
			oldest = c;
	}
	if (!s) {
		s = oldest;
		s->used = true;
		s->key = key;
		s->tokens = r->burst;
		s->at = now;
	}
	s->tokens = fmin(r->burst, s->tokens + (now - s->at) * r->per_s);
	s->at = now;
	if (s->tokens >= 1)
		s->tokens -= 1;
	else
		wait = r->per_s > 0 ? (unsigned)ceil((1 - s->tokens) / r->per_s) : 3600;
	pthread_mutex_unlock(&r->lock);
	return wait;
}
