/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_SESSION_H
#define FW_SESSION_H

#include <stdbool.h>

#include "daemon/store.h"

/*
 * Browser sessions of people who entered the admin token once (on
 * /login), so that the token itself is never stored in the browser.  The
 * cookie holds a random id; each session has its own random CSRF token
 * that every form that changes something carries and that is checked on
 * submission.  Sessions live in the database (store_session_create():
 * the id's hash, never the id), so that whichever forkwatchd on it
 * answers knows them, also after a restart.  They end after
 * SESSION_IDLE_S without use, on /logout, or when more than SESSION_MAX
 * exist (the least recently used goes).
 *
 * Each function takes a store connection; those that may write (create,
 * end, and get, which notes the use) are called under the server's write
 * lock.  A store that fails reads as no session.
 */
#define SESSION_ID_LEN 64   /* hex characters of the id and of the CSRF token */
#define SESSION_IDLE_S (12 * 3600)
#define SESSION_MAX 1024

/* Start a session for who; id and csrf receive its cookie value and CSRF token. */
int web_session_create(struct store *st, const char *who, char id[SESSION_ID_LEN + 1],
		       char csrf[SESSION_ID_LEN + 1]);
/*
 * Whether id names a live session (and note its use); its CSRF token and
 * who into csrf and who when they are not NULL.
 */
bool web_session_get(struct store *st, const char *id, char csrf[SESSION_ID_LEN + 1],
		     char who[STORE_NAME_MAX]);
/* Whether token is csrf, a session's CSRF token (constant time); NULL is no token. */
bool web_session_csrf_equal(const char csrf[SESSION_ID_LEN + 1], const char *token);
void web_session_end(struct store *st, const char *id);

#endif
