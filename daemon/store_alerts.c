// SPDX-License-Identifier: GPL-2.0
/* The store's alerts and their deliveries (store.h). */
#include <errno.h>
#include <string.h>

#include "daemon/store-internal.h"

/* ---- alerts ------------------------------------------------------------ */

/* one alert per host, kernel, case and metric: a second finding changes nothing */
static const struct store_query q_alert_insert = {
	.sql = "INSERT INTO alerts (host_id, kernel_id, base_kernel_id, workload, layout, metric, kind, "
	"delta_pct, ci_lo_pct, ci_hi_pct, p, summary, created_at) "
	"SELECT ?1, k.id, b.id, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13 "
	"FROM kernels k, kernels b WHERE k.ident = ?2 AND b.ident = ?3 ON CONFLICT DO NOTHING"
};

static const struct store_query q_alert_id = {
	.sql = "SELECT a.id FROM alerts a JOIN kernels k ON k.id = a.kernel_id WHERE a.host_id = ?1 "
	"AND k.ident = ?2 AND a.workload = ?3 AND a.layout = ?4 AND a.metric = ?5"
};

int store_alert_add(struct store *st, int64_t host_id, const struct store_alert *a, int64_t *id,
		    bool *created)
{
	struct store_stmt *s;
	int64_t changed = 0;
	int err = stmt_get(st, &q_alert_insert, &s);

	if (err)
		return err;
	bind_i64(s, 1, host_id);
	bind_text(s, 2, a->kernel);
	bind_text(s, 3, a->base);
	bind_text(s, 4, a->workload);
	bind_text(s, 5, a->layout);
	bind_text(s, 6, a->metric);
	bind_text(s, 7, a->kind);
	bind_real(s, 8, a->delta_pct);
	bind_real(s, 9, a->ci_lo_pct);
	bind_real(s, 10, a->ci_hi_pct);
	bind_real(s, 11, a->p);
	bind_text(s, 12, a->summary);
	bind_i64(s, 13, store_now());
	err = stmt_exec(s, &changed);
	if (!err)
		err = stmt_get(st, &q_alert_id, &s);
	if (err)
		return err;
	*created = changed > 0;
	bind_i64(s, 1, host_id);
	bind_text(s, 2, a->kernel);
	bind_text(s, 3, a->workload);
	bind_text(s, 4, a->layout);
	bind_text(s, 5, a->metric);
	err = row_i64(s, id);
	if (err == -ENOENT)
		err = store_fail(st, -ENOENT, "no kernel '%s' or '%s' for the alert", a->kernel, a->base);
	return err;
}

/* The columns read_alert() reads, and the joins they need. */
#define ALERT_COLS                                                                         \
	"a.id, h.name, k.ident, b.ident, a.workload, a.layout, a.metric, a.kind, a.delta_pct, " \
	"a.ci_lo_pct, a.ci_hi_pct, a.p, a.summary, a.state, a.state_by, a.state_at, "        \
	"a.created_at FROM alerts a JOIN hosts h ON h.id = a.host_id "                       \
	"JOIN kernels k ON k.id = a.kernel_id JOIN kernels b ON b.id = a.base_kernel_id "

static int read_alert(struct store_stmt *s, void *p)
{
	struct store_alert *a = p;

	memset(a, 0, sizeof(*a));
	a->id = col_i64(s, 0);
	col_text(s, 1, a->host, sizeof(a->host));
	col_text(s, 2, a->kernel, sizeof(a->kernel));
	col_text(s, 3, a->base, sizeof(a->base));
	col_text(s, 4, a->workload, sizeof(a->workload));
	col_text(s, 5, a->layout, sizeof(a->layout));
	col_text(s, 6, a->metric, sizeof(a->metric));
	col_text(s, 7, a->kind, sizeof(a->kind));
	a->delta_pct = col_real(s, 8);
	a->ci_lo_pct = col_real(s, 9);
	a->ci_hi_pct = col_real(s, 10);
	a->p = col_real(s, 11);
	col_text(s, 12, a->summary, sizeof(a->summary));
	col_text(s, 13, a->state, sizeof(a->state));
	col_text(s, 14, a->state_by, sizeof(a->state_by));
	a->state_at = col_i64(s, 15);
	a->created_at = col_i64(s, 16);
	return 0;
}

struct alert_each {
	store_alert_cb cb;
	void *ctx;
};

static int alert_row(struct store_stmt *s, void *ctx)
{
	struct alert_each *e = ctx;
	struct store_alert a;

	read_alert(s, &a);
	return e->cb(e->ctx, &a);
}

static const struct store_query q_alert_list = {
	.sql = "SELECT " ALERT_COLS "WHERE (?1 IS NULL OR a.kind = ?1) AND (?2 IS NULL OR a.state = ?2) "
	"AND (?3 IS NULL OR h.name = ?3) AND (?5 IS NULL OR k.ident = ?5) "
	"ORDER BY a.created_at DESC, a.id DESC LIMIT ?4"
};

int store_alert_list(struct store *st, const struct store_alert_filter *f, unsigned limit,
		     store_alert_cb cb, void *ctx)
{
	struct alert_each e = { cb, ctx };
	struct store_stmt *s;
	int err = stmt_get(st, &q_alert_list, &s);

	if (err)
		return err;
	bind_text(s, 1, f->kind);
	bind_text(s, 2, f->state);
	bind_text(s, 3, f->host);
	bind_i64(s, 4, limit);
	bind_text(s, 5, f->kernel);
	return row_each(s, alert_row, &e);
}

static const struct store_query q_alert_get = { .sql = "SELECT " ALERT_COLS "WHERE a.id = ?1" };

int store_alert_get(struct store *st, int64_t id, struct store_alert *out)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_alert_get, &s);

	if (err)
		return err;
	bind_i64(s, 1, id);
	return row_one(s, read_alert, out);
}

static const struct store_query q_alert_triage = {
	.sql = "UPDATE alerts SET state = ?2, state_by = ?3, state_at = ?4 WHERE id = ?1"
};

int store_alert_triage(struct store *st, int64_t id, const char *state, const char *by)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_alert_triage, &s);

	if (err)
		return err;
	bind_i64(s, 1, id);
	bind_text(s, 2, state);
	bind_text(s, 3, by);
	bind_i64(s, 4, store_now());
	return stmt_update(s);
}

/* ---- deliveries -------------------------------------------------------- */

/* a new alert of a delivered group makes the group pending again, due at the earlier time */
static const struct store_query q_delivery_add = {
	.sql = "INSERT INTO deliveries (host_id, kernel_id, channel, target, next_at) "
	"SELECT ?1, k.id, ?3, ?4, ?5 FROM kernels k WHERE k.ident = ?2 "
	"ON CONFLICT (host_id, kernel_id, channel, target) DO UPDATE SET state = 'pending', "
	"next_at = CASE WHEN excluded.next_at < deliveries.next_at THEN excluded.next_at "
	"ELSE deliveries.next_at END"
};

int store_delivery_add(struct store *st, int64_t host_id, const char *kernel, const char *channel,
		       const char *target)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_delivery_add, &s);

	if (err)
		return err;
	bind_i64(s, 1, host_id);
	bind_text(s, 2, kernel);
	bind_text(s, 3, channel);
	bind_text(s, 4, target);
	bind_i64(s, 5, store_now());
	return stmt_exec(s, NULL);
}

static const struct store_query q_delivery_due = {
	.sql = "SELECT d.id, h.name, k.ident, d.channel, d.target, d.attempts "
	"FROM deliveries d JOIN hosts h ON h.id = d.host_id JOIN kernels k ON k.id = d.kernel_id "
	"WHERE d.state = 'pending' AND d.next_at <= ?1 ORDER BY d.next_at LIMIT ?2"
};

struct delivery_each {
	store_delivery_cb cb;
	void *ctx;
};

static int delivery_row(struct store_stmt *s, void *ctx)
{
	struct delivery_each *e = ctx;
	struct store_delivery d;

	memset(&d, 0, sizeof(d));
	d.id = col_i64(s, 0);
	col_text(s, 1, d.host, sizeof(d.host));
	col_text(s, 2, d.kernel, sizeof(d.kernel));
	col_text(s, 3, d.channel, sizeof(d.channel));
	col_text(s, 4, d.target, sizeof(d.target));
	d.attempts = (unsigned)col_i64(s, 5);
	return e->cb(e->ctx, &d);
}

int store_delivery_due(struct store *st, int64_t at, unsigned limit, store_delivery_cb cb, void *ctx)
{
	struct delivery_each e = { cb, ctx };
	struct store_stmt *s;
	int err = stmt_get(st, &q_delivery_due, &s);

	if (err)
		return err;
	bind_i64(s, 1, at);
	bind_i64(s, 2, limit);
	return row_each(s, delivery_row, &e);
}

static const struct store_query q_delivery_attempt = {
	.sql = "INSERT INTO delivery_attempts (delivery_id, at, ok, detail) VALUES (?1, ?2, ?3, ?4)"
};

static const struct store_query q_delivery_update = {
	.sql = "UPDATE deliveries SET attempts = attempts + 1, "
	"state = CASE WHEN ?2 = 1 THEN 'delivered' ELSE 'pending' END, "
	"delivered_at = CASE WHEN ?2 = 1 THEN ?3 ELSE delivered_at END, next_at = ?4 WHERE id = ?1"
};

int store_delivery_result(struct store *st, int64_t id, bool ok, const char *detail, int64_t next_at)
{
	struct store_stmt *s;
	int err;

	err = tx_begin(st);
	if (err)
		return err;
	err = stmt_get(st, &q_delivery_attempt, &s);
	if (err)
		goto out_rollback;
	bind_i64(s, 1, id);
	bind_i64(s, 2, store_now());
	bind_i64(s, 3, ok);
	bind_text(s, 4, detail);
	err = stmt_exec(s, NULL);
	if (!err)
		err = stmt_get(st, &q_delivery_update, &s);
	if (err)
		goto out_rollback;
	bind_i64(s, 1, id);
	bind_i64(s, 2, ok);
	bind_i64(s, 3, store_now());
	bind_i64(s, 4, next_at);
	err = stmt_exec(s, NULL);
	if (!err)
		err = tx_commit(st);
	if (!err)
		return 0;
out_rollback:
	tx_rollback(st);
	return err;
}

static const struct store_query q_delivery_log = {
	.sql = "SELECT d.id, d.channel, d.target, d.state, d.attempts, a.at, a.ok, a.detail "
	"FROM deliveries d JOIN hosts h ON h.id = d.host_id JOIN kernels k ON k.id = d.kernel_id "
	"LEFT JOIN delivery_attempts a ON a.delivery_id = d.id "
	"WHERE h.name = ?1 AND k.ident = ?2 ORDER BY d.id, a.id"
};

struct attempt_each {
	store_delivery_log_cb cb;
	void *ctx;
};

static int attempt_row(struct store_stmt *s, void *ctx)
{
	struct attempt_each *e = ctx;
	struct store_delivery_attempt a;

	memset(&a, 0, sizeof(a));
	a.delivery_id = col_i64(s, 0);
	col_text(s, 1, a.channel, sizeof(a.channel));
	col_text(s, 2, a.target, sizeof(a.target));
	col_text(s, 3, a.state, sizeof(a.state));
	a.attempts = (unsigned)col_i64(s, 4);
	a.at = col_i64(s, 5);
	a.tried = !col_null(s, 5);
	a.ok = col_bool(s, 6);
	col_text(s, 7, a.detail, sizeof(a.detail));
	return e->cb(e->ctx, &a);
}

int store_delivery_log(struct store *st, const char *host, const char *kernel,
		       store_delivery_log_cb cb, void *ctx)
{
	struct attempt_each e = { cb, ctx };
	struct store_stmt *s;
	int err = stmt_get(st, &q_delivery_log, &s);

	if (err)
		return err;
	bind_text(s, 1, host);
	bind_text(s, 2, kernel);
	return row_each(s, attempt_row, &e);
}
