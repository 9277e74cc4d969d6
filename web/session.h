/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_SESSION_H
#define FW_SESSION_H

#include <stdbool.h>

#include "daemon/store.h"

/*
 * Browser sessions of people who entered the admin token once (on
 * /login): kept in memory only (a restart asks for the token again), so
 * the token itself is never stored in the browser.  The cookie holds a
 * random id; each session has its own random CSRF token that every form
 * that changes something carries and that is checked on submission.
 * Sessions end after SESSION_IDLE_S without use, on /logout, or when more
 * than SESSION_MAX exist (the least recently used goes).
 */
#define SESSION_ID_LEN 64   /* hex characters of the id and of the CSRF token */
#define SESSION_IDLE_S (12 * 3600)
#define SESSION_MAX 1024

struct web_sessions;

int web_sessions_new(struct web_sessions **out);
void web_sessions_free(struct web_sessions *ws);

/* Start a session for who; id and csrf receive its cookie value and CSRF token. */
int web_session_create(struct web_sessions *ws, const char *who, char id[SESSION_ID_LEN + 1],
		       char csrf[SESSION_ID_LEN + 1]);
/*
 * Whether id names a live session (and note its use); its CSRF token and
 * who into csrf and who when they are not NULL.
 */
bool web_session_get(struct web_sessions *ws, const char *id, char csrf[SESSION_ID_LEN + 1],
		     char who[STORE_NAME_MAX]);
/* Whether token is the CSRF token of session id (constant time). */
bool web_session_csrf_ok(struct web_sessions *ws, const char *id, const char *token);
void web_session_end(struct web_sessions *ws, const char *id);

#endif
