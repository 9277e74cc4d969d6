// SPDX-License-Identifier: GPL-2.0
/*
 * The store's shared state (store.h): what a forkwatchd used to keep in
 * its memory and several forkwatchd on one database must agree on.
 * Browser sessions and failed-token counts, so that a login and a
 * refusal hold whichever daemon answers.
 */
#include <errno.h>
#include <string.h>

#include "daemon/store-internal.h"

/* ---- browser sessions ---------------------------------------------------- */

static const struct store_query q_session_expire = {
	.sql = "DELETE FROM sessions WHERE used_at <= ?1"
};

/* the least recently used beyond ?1 sessions (the newest ?1 stay) */
static const struct store_query q_session_trim = {
	.sql = "DELETE FROM sessions WHERE id_hash NOT IN "
	"(SELECT id_hash FROM sessions ORDER BY used_at DESC, created_at DESC LIMIT ?1)"
};

static const struct store_query q_session_insert = {
	.sql = "INSERT INTO sessions (id_hash, csrf, who, created_at, used_at) "
	"VALUES (?1, ?2, ?3, ?4, ?4)"
};

static int exec_i64(struct store *st, const struct store_query *q, int64_t v)
{
	struct store_stmt *s;
	int err = stmt_get(st, q, &s);

	if (err)
		return err;
	bind_i64(s, 1, v);
	return stmt_exec(s, NULL);
}

int store_session_create(struct store *st, const uint8_t id_hash[32], const char *csrf,
			 const char *who, int64_t idle_since, unsigned max)
{
	struct store_stmt *s;
	int err;

	err = tx_begin(st);
	if (err)
		return err;
	err = exec_i64(st, &q_session_expire, idle_since);
	if (!err)
		err = stmt_get(st, &q_session_insert, &s);
	if (err)
		goto out_rollback;
	bind_blob(s, 1, id_hash, 32);
	bind_text(s, 2, csrf);
	bind_text(s, 3, who);
	bind_i64(s, 4, store_now());
	err = stmt_exec(s, NULL);
	if (!err)
		err = exec_i64(st, &q_session_trim, max ? max : 1);
	if (!err)
		err = tx_commit(st);
	if (!err)
		return 0;
out_rollback:
	tx_rollback(st);
	return err;
}

static const struct store_query q_session_get = {
	.sql = "SELECT csrf, who, used_at FROM sessions WHERE id_hash = ?1 AND used_at > ?2"
};

/* a session's use noted at most once a minute: a page view is no write */
#define SESSION_TOUCH_S 60

static const struct store_query q_session_touch = {
	.sql = "UPDATE sessions SET used_at = ?2 WHERE id_hash = ?1 AND used_at < ?3"
};

struct session_out {
	char *csrf, *who;
	size_t csrf_size, who_size;
	int64_t used_at;
};

static int read_session(struct store_stmt *s, void *ctx)
{
	struct session_out *o = ctx;

	if (o->csrf)
		col_text(s, 0, o->csrf, o->csrf_size);
	if (o->who)
		col_text(s, 1, o->who, o->who_size);
	o->used_at = col_i64(s, 2);
	return 0;
}

int store_session_get(struct store *st, const uint8_t id_hash[32], int64_t idle_since,
		      char *csrf, size_t csrf_size, char *who, size_t who_size)
{
	struct session_out o = { csrf, who, csrf_size, who_size, 0 };
	int64_t now = store_now();
	struct store_stmt *s;
	int err = stmt_get(st, &q_session_get, &s);

	if (err)
		return err;
	bind_blob(s, 1, id_hash, 32);
	bind_i64(s, 2, idle_since);
	err = row_one(s, read_session, &o);
	if (err || o.used_at >= now - SESSION_TOUCH_S)
		return err;
	err = stmt_get(st, &q_session_touch, &s);
	if (err)
		return err;
	bind_blob(s, 1, id_hash, 32);
	bind_i64(s, 2, now);
	bind_i64(s, 3, now - SESSION_TOUCH_S);
	return stmt_exec(s, NULL);
}

static const struct store_query q_session_end = {
	.sql = "DELETE FROM sessions WHERE id_hash = ?1"
};

int store_session_end(struct store *st, const uint8_t id_hash[32])
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_session_end, &s);

	if (err)
		return err;
	bind_blob(s, 1, id_hash, 32);
	return stmt_exec(s, NULL);
}

/* ---- failed token attempts -------------------------------------------------- */

static const struct store_query q_auth_failures = {
	.sql = "SELECT failures FROM auth_failures WHERE addr = ?1 AND window_start > ?2"
};

/*
 * Windows start in milliseconds: a window that began late in a second
 * lasts its whole length, not until the next tick.
 */
int store_auth_failures(struct store *st, const char *addr, unsigned window_s, unsigned *n)
{
	struct store_stmt *s;
	int64_t v = 0;
	int err = stmt_get(st, &q_auth_failures, &s);

	*n = 0;
	if (err)
		return err;
	bind_text(s, 1, addr);
	bind_i64(s, 2, store_now_ms() - 1000 * (int64_t)window_s);
	err = row_i64(s, &v);
	if (err == -ENOENT)
		return 0;
	*n = v > 0 ? (unsigned)v : 0;
	return err;
}

/* one more failure in the current window, or the first of a new one (?3: when the last one began to end) */
static const struct store_query q_auth_fail = {
	.sql = "INSERT INTO auth_failures (addr, window_start, failures) VALUES (?1, ?2, 1) "
	"ON CONFLICT (addr) DO UPDATE SET "
	"failures = CASE WHEN auth_failures.window_start <= ?3 THEN 1 "
	"ELSE auth_failures.failures + 1 END, "
	"window_start = CASE WHEN auth_failures.window_start <= ?3 THEN ?2 "
	"ELSE auth_failures.window_start END"
};

static const struct store_query q_auth_expire = {
	.sql = "DELETE FROM auth_failures WHERE window_start <= ?1"
};

int store_auth_fail(struct store *st, const char *addr, unsigned window_s)
{
	int64_t now = store_now_ms(), window = 1000 * (int64_t)window_s;
	struct store_stmt *s;
	int err;

	/* ended windows go first: the table holds only addresses failing now */
	err = exec_i64(st, &q_auth_expire, now - window);
	if (!err)
		err = stmt_get(st, &q_auth_fail, &s);
	if (err)
		return err;
	bind_text(s, 1, addr);
	bind_i64(s, 2, now);
	bind_i64(s, 3, now - window);
	return stmt_exec(s, NULL);
}
