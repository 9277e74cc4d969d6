// SPDX-License-Identifier: GPL-2.0
#include "web/session.h"

#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

static void random_hex(char out[SESSION_ID_LEN + 1])
{
	unsigned char raw[SESSION_ID_LEN / 2];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, SESSION_ID_LEN + 1, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

/* What the database keeps of a session id: a reader of it cannot log in. */
static bool id_hash(const char *id, uint8_t out[32])
{
	if (!id || strlen(id) != SESSION_ID_LEN)
		return false;
	crypto_generichash(out, 32, (const unsigned char *)id, SESSION_ID_LEN, NULL, 0);
	return true;
}

static int64_t idle_since(void)
{
	return (int64_t)time(NULL) - SESSION_IDLE_S;
}

int web_session_create(struct store *st, const char *who, char id[SESSION_ID_LEN + 1],
		       char csrf[SESSION_ID_LEN + 1])
{
	uint8_t h[32];

	random_hex(id);
	random_hex(csrf);
	id_hash(id, h);
	return store_session_create(st, h, csrf, who, idle_since(), SESSION_MAX);
}

bool web_session_get(struct store *st, const char *id, char csrf[SESSION_ID_LEN + 1],
		     char who[STORE_NAME_MAX])
{
	uint8_t h[32];

	return id_hash(id, h) && !store_session_get(st, h, idle_since(), csrf,
						    csrf ? SESSION_ID_LEN + 1 : 0, who,
						    who ? STORE_NAME_MAX : 0);
}

bool web_session_csrf_equal(const char csrf[SESSION_ID_LEN + 1], const char *token)
{
	return token && strlen(token) == SESSION_ID_LEN && strlen(csrf) == SESSION_ID_LEN &&
	       !sodium_memcmp(csrf, token, SESSION_ID_LEN);
}

void web_session_end(struct store *st, const char *id)
{
	uint8_t h[32];

	if (id_hash(id, h))
		store_session_end(st, h);
}
