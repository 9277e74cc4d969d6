// SPDX-License-Identifier: GPL-2.0
#include "daemon/seen.h"

#include <pthread.h>
#include <stdlib.h>

#define SEEN_SLOTS 8192 /* a power of two */

struct seen {
	pthread_mutex_t lock;
	int64_t id[SEEN_SLOTS]; /* 0: empty (run ids start at 1) */
	struct seen_stats st;
};

struct seen *seen_new(void)
{
	struct seen *s = calloc(1, sizeof(*s));

	if (s)
		pthread_mutex_init(&s->lock, NULL);
	return s;
}

void seen_free(struct seen *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* One slot per id: a newer id that hashes there replaces an older one. */
static size_t slot(int64_t id)
{
	return (size_t)(((uint64_t)id * 0x9e3779b97f4a7c15ull) >> 40) & (SEEN_SLOTS - 1);
}

bool seen_has(struct seen *s, int64_t id)
{
	bool has;

	if (!s)
		return false;
	pthread_mutex_lock(&s->lock);
	has = s->id[slot(id)] == id;
	s->st.skipped += has;
	pthread_mutex_unlock(&s->lock);
	return has;
}

void seen_add(struct seen *s, int64_t id)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->id[slot(id)] = id;
	s->st.evaluated++;
	pthread_mutex_unlock(&s->lock);
}

void seen_stats(struct seen *s, struct seen_stats *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->st;
	pthread_mutex_unlock(&s->lock);
}
