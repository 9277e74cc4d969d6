// SPDX-License-Identifier: GPL-2.0
#include "web/session.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct session {
	char id[SESSION_ID_LEN + 1];
	char csrf[SESSION_ID_LEN + 1];
	char who[STORE_NAME_MAX];
	time_t used;
};

struct web_sessions {
	pthread_mutex_t lock;
	struct session s[SESSION_MAX];
	size_t n;
};

int web_sessions_new(struct web_sessions **out)
{
	struct web_sessions *ws = calloc(1, sizeof(*ws));

	if (!ws)
		return -ENOMEM;
	pthread_mutex_init(&ws->lock, NULL);
	*out = ws;
	return 0;
}

void web_sessions_free(struct web_sessions *ws)
{
	if (!ws)
		return;
	pthread_mutex_destroy(&ws->lock);
	sodium_memzero(ws, sizeof(*ws));
	free(ws);
}

static void random_hex(char out[SESSION_ID_LEN + 1])
{
	unsigned char raw[SESSION_ID_LEN / 2];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, SESSION_ID_LEN + 1, raw, sizeof(raw));
}

/* Under the lock: the live session with this id, dropping expired ones on the way. */
static struct session *find_locked(struct web_sessions *ws, const char *id, time_t now)
{
	size_t i = 0;

	if (!id || strlen(id) != SESSION_ID_LEN)
		return NULL;
	while (i < ws->n) {
		if (now - ws->s[i].used > SESSION_IDLE_S) {
			ws->s[i] = ws->s[--ws->n];
			continue;
		}
		if (!sodium_memcmp(ws->s[i].id, id, SESSION_ID_LEN))
			return &ws->s[i];
		i++;
	}
	return NULL;
}

int web_session_create(struct web_sessions *ws, const char *who, char id[SESSION_ID_LEN + 1],
		       char csrf[SESSION_ID_LEN + 1])
{
	struct session *s;
	time_t now = time(NULL);
	size_t i, oldest = 0;

	pthread_mutex_lock(&ws->lock);
	find_locked(ws, "", now); /* drops the expired ones */
	if (ws->n == SESSION_MAX) {
		for (i = 1; i < ws->n; i++)
			if (ws->s[i].used < ws->s[oldest].used)
				oldest = i;
		s = &ws->s[oldest];
	} else {
		s = &ws->s[ws->n++];
	}
	random_hex(s->id);
	random_hex(s->csrf);
	snprintf(s->who, sizeof(s->who), "%s", who);
	s->used = now;
	memcpy(id, s->id, SESSION_ID_LEN + 1);
	memcpy(csrf, s->csrf, SESSION_ID_LEN + 1);
	pthread_mutex_unlock(&ws->lock);
	return 0;
}

bool web_session_get(struct web_sessions *ws, const char *id, char csrf[SESSION_ID_LEN + 1],
		     char who[STORE_NAME_MAX])
{
	struct session *s;
	time_t now = time(NULL);

	pthread_mutex_lock(&ws->lock);
	s = find_locked(ws, id, now);
	if (s) {
		s->used = now;
		if (csrf)
			memcpy(csrf, s->csrf, SESSION_ID_LEN + 1);
		if (who)
			memcpy(who, s->who, STORE_NAME_MAX);
	}
	pthread_mutex_unlock(&ws->lock);
	return s != NULL;
}

bool web_session_csrf_ok(struct web_sessions *ws, const char *id, const char *token)
{
	struct session *s;
	bool ok = false;

	if (!token || strlen(token) != SESSION_ID_LEN)
		return false;
	pthread_mutex_lock(&ws->lock);
	s = find_locked(ws, id, time(NULL));
	if (s)
		ok = !sodium_memcmp(s->csrf, token, SESSION_ID_LEN);
	pthread_mutex_unlock(&ws->lock);
	return ok;
}

void web_session_end(struct web_sessions *ws, const char *id)
{
	struct session *s;

	pthread_mutex_lock(&ws->lock);
	s = find_locked(ws, id, time(NULL));
	if (s) {
		sodium_memzero(s, sizeof(*s));
		*s = ws->s[--ws->n];
	}
	pthread_mutex_unlock(&ws->lock);
}
