// SPDX-License-Identifier: GPL-2.0
#include "daemon/connwatch.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"

/* How often the thread looks: a connection lives at most this much past its deadline. */
#define CONNWATCH_TICK_MS 250

struct connwatch_conn {
	struct connwatch_conn *prev, *next;
	int fd;
	struct sockaddr_storage peer; /* the descriptor's peer when it joined */
	socklen_t peer_len;
	double since; /* CLOCK_MONOTONIC seconds when the wait began; 0 while answering */
	char addr[64];
};

struct connwatch {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool stop;
	unsigned timeout_s;
	void (*cut)(const char *addr, unsigned timeout_s);
	struct connwatch_conn head; /* a ring of the connections */
};

/*
 * Is fd still the connection that joined?  The server makes a connection
 * leave before it closes the socket; should that order ever break, a
 * reused descriptor has another peer (at least another port).
 */
static bool same_peer(const struct connwatch_conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	return !getpeername(c->fd, (struct sockaddr *)&ss, &len) && len == c->peer_len &&
	       !memcmp(&ss, &c->peer, len);
}

/*
 * A few hundred connections at most, looked at four times a second: the
 * walk is O(N) under the lock, and the callers' updates are two stores.
 */
static void *watch_main(void *arg)
{
	struct connwatch *w = arg;
	struct connwatch_conn *c;
	struct timespec ts;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		double now = clock_mono_s();

		for (c = w->head.next; c != &w->head; c = c->next) {
			if (!c->since || now - c->since < (double)w->timeout_s)
				continue;
			c->since = 0;
			if (!same_peer(c))
				continue;
			shutdown(c->fd, SHUT_RDWR);
			if (w->cut)
				w->cut(c->addr, w->timeout_s);
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += CONNWATCH_TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->wake, &w->lock, &ts);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct connwatch *connwatch_new(unsigned timeout_s, void (*cut)(const char *addr, unsigned timeout_s))
{
	struct connwatch *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;

	if (!w)
		return NULL;
	w->timeout_s = timeout_s;
	w->cut = cut;
	w->head.next = w->head.prev = &w->head;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->thread, NULL, watch_main, w)) {
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	return w;
}

void connwatch_free(struct connwatch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

struct connwatch_conn *connwatch_join(struct connwatch *w, int fd, const char *addr)
{
	struct connwatch_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->peer_len = sizeof(c->peer);
	if (getpeername(fd, (struct sockaddr *)&c->peer, &c->peer_len)) {
		free(c);
		return NULL;
	}
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	pthread_mutex_lock(&w->lock);
	c->since = clock_mono_s();
	c->next = w->head.next;
	c->prev = &w->head;
	c->next->prev = c;
	w->head.next = c;
	pthread_mutex_unlock(&w->lock);
	return c;
}

void connwatch_leave(struct connwatch *w, struct connwatch_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&w->lock);
	c->prev->next = c->next;
	c->next->prev = c->prev;
	pthread_mutex_unlock(&w->lock);
	free(c);
}

void connwatch_await(struct connwatch *w, struct connwatch_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&w->lock);
	c->since = clock_mono_s();
	pthread_mutex_unlock(&w->lock);
}

void connwatch_busy(struct connwatch *w, struct connwatch_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&w->lock);
	c->since = 0;
	pthread_mutex_unlock(&w->lock);
}
