// SPDX-License-Identifier: GPL-2.0
/*
 * The store's reads (store.h): kernels, runs, their summaries and trends,
 * what pages and comparisons show.  None of them reads a sample.
 */
#include <errno.h>
#include <string.h>

#include "daemon/store-internal.h"

/* ---- kernels ----------------------------------------------------------- */

/* The columns read_kernel() reads, less the counts that follow them. */
#define KERNEL_COLS                                                                        \
	"k.id, k.ident, k.commit_sha, k.release, k.parent_commit, k.build_id, k.first_seen_at"

/*
 * hosts, uploads, complete_uploads, last_received_at over the runs r
 * joined, and whether hosts claim different parents (1) or releases (2)
 * of kernel k: kept on its row by each upload (store_ingest.c), read
 * with it, not counted over host_kernels for every kernel listed (a
 * subquery a kernel that cost 34 us of a host's answer on read.sh's
 * 5 x 20 database and 9.5 ms on its 100 x 300 one: bench/README.md)
 */
#define KERNEL_COUNTS                                                                      \
	"count(DISTINCT r.host_id), count(r.id), coalesce(sum(r.complete), 0), "           \
	"coalesce(max(r.received_at), 0), k.disputed "

static int read_kernel(struct store_stmt *s, void *p)
{
	struct store_kernel *k = p;

	memset(k, 0, sizeof(*k));
	k->id = col_i64(s, 0);
	col_text(s, 1, k->ident, sizeof(k->ident));
	col_text(s, 2, k->commit, sizeof(k->commit));
	col_text(s, 3, k->release, sizeof(k->release));
	col_text(s, 4, k->parent_commit, sizeof(k->parent_commit));
	col_text(s, 5, k->build_id, sizeof(k->build_id));
	k->first_seen_at = col_i64(s, 6);
	k->hosts = col_i64(s, 7);
	k->uploads = col_i64(s, 8);
	k->complete_uploads = col_i64(s, 9);
	k->last_received_at = col_i64(s, 10);
	k->disputed = (unsigned)col_i64(s, 11);
	return 0;
}

struct kernel_each {
	store_kernel_cb cb;
	void *ctx;
};

static int kernel_row(struct store_stmt *s, void *ctx)
{
	struct kernel_each *e = ctx;
	struct store_kernel k;

	read_kernel(s, &k);
	return e->cb(e->ctx, &k);
}

/* read_kernel() and then the host's record of what the kernel wants */
static int host_kernel_row(struct store_stmt *s, void *ctx)
{
	struct kernel_each *e = ctx;
	struct store_kernel k;

	read_kernel(s, &k);
	read_wants(s, 12, &k.wants);
	return e->cb(e->ctx, &k);
}

/*
 * The newest ?1 kernels first, then their counts: a page of the latest
 * reads only those, each kernel's runs through runs_by_kernel.  Grouped
 * by the table's key, so that PostgreSQL takes the kernel's other columns
 * as they are (grouping a derived table's rows, it would not).
 */
static const struct store_query q_kernel_list = {
	.sql = "SELECT " KERNEL_COLS ", " KERNEL_COUNTS
	"FROM kernels k LEFT JOIN runs r ON r.kernel_id = k.id "
	"WHERE k.id IN (SELECT id FROM kernels ORDER BY first_seen_at DESC, id DESC LIMIT ?1) "
	"GROUP BY k.id ORDER BY k.first_seen_at DESC, k.id DESC"
};

int store_kernel_list(struct store *st, unsigned limit, store_kernel_cb cb, void *ctx)
{
	struct kernel_each e = { cb, ctx };
	struct store_stmt *s;
	int err = stmt_get(st, &q_kernel_list, &s);

	if (err)
		return err;
	bind_i64(s, 1, limit ? (int64_t)limit : INT64_MAX);
	return row_each(s, kernel_row, &e);
}

/* the release and parent this host gave, not the first host's */
/*
 * The host's runs counted per kernel first (on runs_by_host_kernel_id),
 * then each kernel's row, this host's facts and its wants record joined
 * once a kernel.  The hosts of each count are this one: 1, not a
 * count(DISTINCT r.host_id) and its temporary B-tree (81 us against 75 us
 * a host on read.sh's 5 x 20 database, through the C API).  The host's
 * facts and wants come from host_kernels_by_host, which holds them in
 * the host's range: through the table, each kernel's row was on a page
 * of its own (642 pages read a host of 300 kernels, 2.8 ms, against 300
 * pages and 1.6 ms; a546511's query read 279).  SQLite's planner takes
 * the key's own index unless told; PostgreSQL chooses for itself.
 */
#define HOST_KERNELS_SQL(hk_index)                                                         \
	"SELECT k.id, k.ident, k.commit_sha, hk.release, hk.parent_commit, k.build_id, "   \
	"k.first_seen_at, a.hosts, a.uploads, a.complete, a.last_received_at, k.disputed, " \
	WANTS_COLS " "                                                                     \
	"FROM (SELECT r.kernel_id, 1 AS hosts, count(r.id) AS uploads, "                   \
	"coalesce(sum(r.complete), 0) AS complete, "                                       \
	"coalesce(max(r.received_at), 0) AS last_received_at "                             \
	"FROM runs r WHERE r.host_id = ?1 GROUP BY r.kernel_id) a "                        \
	"JOIN kernels k ON k.id = a.kernel_id "                                            \
	"JOIN host_kernels hk " hk_index "ON hk.host_id = ?1 AND hk.kernel_id = k.id "     \
	WANTS_JOIN "ORDER BY k.first_seen_at DESC, k.id DESC"

static const struct store_query q_host_kernels = {
	.sql = HOST_KERNELS_SQL("INDEXED BY host_kernels_by_host "),
	.pg = HOST_KERNELS_SQL("")
};

int store_host_kernels(struct store *st, int64_t host_id, store_kernel_cb cb, void *ctx)
{
	struct kernel_each e = { cb, ctx };
	struct store_stmt *s;
	int err = stmt_get(st, &q_host_kernels, &s);

	if (err)
		return err;
	bind_i64(s, 1, host_id);
	return row_each(s, host_kernel_row, &e);
}

static const struct store_query q_kernel_get = {
	.sql = "SELECT " KERNEL_COLS ", 0, 0, 0, 0, k.disputed FROM kernels k WHERE k.ident = ?1"
};

int store_kernel_get(struct store *st, const char *ident, struct store_kernel *out)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_kernel_get, &s);

	if (err)
		return err;
	bind_text(s, 1, ident);
	return row_one(s, read_kernel, out);
}

static const struct store_query q_host_kernel_facts = {
	.sql = "SELECT hk.release, hk.parent_commit FROM host_kernels hk "
	"JOIN kernels k ON k.id = hk.kernel_id WHERE hk.host_id = ?1 AND k.ident = ?2"
};

struct facts {
	char *release, *parent;
	size_t release_len, parent_len;
};

static int facts_row(struct store_stmt *s, void *ctx)
{
	struct facts *f = ctx;

	col_text(s, 0, f->release, f->release_len);
	col_text(s, 1, f->parent, f->parent_len);
	return 0;
}

int store_host_kernel_facts(struct store *st, int64_t host_id, const char *kernel_ident,
			    char *release, size_t release_len, char *parent, size_t parent_len)
{
	struct facts f = { release, parent, release_len, parent_len };
	struct store_stmt *s;
	int err = stmt_get(st, &q_host_kernel_facts, &s);

	if (err)
		return err;
	bind_i64(s, 1, host_id);
	bind_text(s, 2, kernel_ident);
	return row_one(s, facts_row, &f);
}

static const struct store_query q_kernel_claims = {
	.sql = "SELECT h.name, hk.release, hk.parent_commit FROM host_kernels hk "
	"JOIN hosts h ON h.id = hk.host_id JOIN kernels k ON k.id = hk.kernel_id "
	"WHERE k.ident = ?1 ORDER BY h.name"
};

struct claim_each {
	store_claim_cb cb;
	void *ctx;
};

static int claim_row(struct store_stmt *s, void *ctx)
{
	struct claim_each *e = ctx;
	struct store_claim c;

	col_text(s, 0, c.host, sizeof(c.host));
	col_text(s, 1, c.release, sizeof(c.release));
	col_text(s, 2, c.parent_commit, sizeof(c.parent_commit));
	return e->cb(e->ctx, &c);
}

int store_kernel_claims(struct store *st, const char *kernel_ident, store_claim_cb cb, void *ctx)
{
	struct claim_each e = { cb, ctx };
	struct store_stmt *s;
	int err = stmt_get(st, &q_kernel_claims, &s);

	if (err)
		return err;
	bind_text(s, 1, kernel_ident);
	return row_each(s, claim_row, &e);
}

static const struct store_query q_kernel_hosts = {
	.sql = "SELECT h.name FROM hosts h WHERE EXISTS (SELECT 1 FROM runs r JOIN kernels k "
	"ON k.id = r.kernel_id WHERE r.host_id = h.id AND k.ident = ?1) ORDER BY h.name"
};

struct name_each {
	store_name_cb cb;
	void *ctx;
};

static int name_row(struct store_stmt *s, void *ctx)
{
	struct name_each *e = ctx;
	char name[STORE_NAME_MAX];

	col_text(s, 0, name, sizeof(name));
	return e->cb(e->ctx, name);
}

int store_kernel_hosts(struct store *st, const char *kernel_ident, store_name_cb cb, void *ctx)
{
	struct name_each e = { cb, ctx };
	struct store_stmt *s;
	int err = stmt_get(st, &q_kernel_hosts, &s);

	if (err)
		return err;
	bind_text(s, 1, kernel_ident);
	return row_each(s, name_row, &e);
}

/* ---- runs -------------------------------------------------------------- */

/* The columns read_run() reads, and the joins they need. */
#define RUN_COLS                                                                           \
	"r.id, r.uuid, r.host_id, h.name, r.kernel_id, k.ident, coalesce(r.release, k.release), " \
	"r.received_at, "                                                                   \
	"r.started_at, r.finished_at, r.tool_version, r.size_bytes, r.runs, r.iterations, "  \
	"r.fresh_iterations, r.warmup, r.complete, r.doc_bytes, r.noise, r.samples_dropped_at, " \
	"r.placement, r.parent_cpu, r.child_cpu " \
	"FROM runs r JOIN hosts h ON h.id = r.host_id JOIN kernels k ON k.id = r.kernel_id "

static int read_run(struct store_stmt *s, void *p)
{
	struct store_run *r = p;

	memset(r, 0, sizeof(*r));
	r->id = col_i64(s, 0);
	col_text(s, 1, r->uuid, sizeof(r->uuid));
	r->host_id = col_i64(s, 2);
	col_text(s, 3, r->host, sizeof(r->host));
	r->kernel_id = col_i64(s, 4);
	col_text(s, 5, r->kernel, sizeof(r->kernel));
	col_text(s, 6, r->release, sizeof(r->release));
	r->received_at = col_i64(s, 7);
	col_text(s, 8, r->started_at, sizeof(r->started_at));
	col_text(s, 9, r->finished_at, sizeof(r->finished_at));
	col_text(s, 10, r->tool_version, sizeof(r->tool_version));
	r->size_bytes = (uint64_t)col_i64(s, 11);
	r->runs = (unsigned)col_i64(s, 12);
	r->iterations = (unsigned)col_i64(s, 13);
	r->fresh_iterations = (unsigned)col_i64(s, 14);
	r->warmup = (unsigned)col_i64(s, 15);
	r->complete = col_bool(s, 16);
	r->doc_bytes = col_i64(s, 17);
	r->noise_known = !col_null(s, 18);
	col_text(s, 18, r->noise, sizeof(r->noise));
	r->samples_dropped_at = col_i64(s, 19);
	col_text(s, 20, r->placement, sizeof(r->placement));
	r->parent_cpu = col_null(s, 21) ? -1 : (int)col_i64(s, 21);
	r->child_cpu = col_null(s, 22) ? -1 : (int)col_i64(s, 22);
	return 0;
}

static const struct store_query q_run_get = { .sql = "SELECT " RUN_COLS "WHERE r.id = ?1" };

int store_run_get(struct store *st, int64_t id, struct store_run *out)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_run_get, &s);

	if (err)
		return err;
	bind_i64(s, 1, id);
	return row_one(s, read_run, out);
}

static const struct store_query q_run_by_uuid = { .sql = "SELECT " RUN_COLS "WHERE r.uuid = ?1" };

int store_run_by_uuid(struct store *st, const char *uuid, struct store_run *out)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_run_by_uuid, &s);

	if (err)
		return err;
	bind_text(s, 1, uuid);
	return row_one(s, read_run, out);
}

/* runs_by_host_kernel hands these out in order: no sort */
static const struct store_query q_host_kernel_runs = {
	.sql = "SELECT " RUN_COLS "WHERE r.host_id = ?1 AND k.ident = ?2 "
	"ORDER BY r.received_at DESC, r.id DESC"
};

struct run_each {
	store_run_cb cb;
	void *ctx;
};

static int run_row(struct store_stmt *s, void *ctx)
{
	struct run_each *e = ctx;
	struct store_run r;

	read_run(s, &r);
	return e->cb(e->ctx, &r);
}

int store_host_kernel_runs(struct store *st, int64_t host_id, const char *kernel_ident,
			   store_run_cb cb, void *ctx)
{
	struct run_each e = { cb, ctx };
	struct store_stmt *s;
	int err = stmt_get(st, &q_host_kernel_runs, &s);

	if (err)
		return err;
	bind_i64(s, 1, host_id);
	bind_text(s, 2, kernel_ident);
	return row_each(s, run_row, &e);
}

static const struct store_query q_has_complete = {
	.sql = "SELECT CASE WHEN EXISTS (SELECT 1 FROM runs r JOIN kernels k ON k.id = r.kernel_id "
	"WHERE r.host_id = ?1 AND k.ident = ?2 AND r.complete = 1) THEN 1 ELSE 0 END"
};

int store_host_has_complete_run(struct store *st, int64_t host_id, const char *kernel_ident,
				bool *has)
{
	struct store_stmt *s;
	int64_t n = 0;
	int err = stmt_get(st, &q_has_complete, &s);

	if (err)
		return err;
	bind_i64(s, 1, host_id);
	bind_text(s, 2, kernel_ident);
	err = row_i64(s, &n);
	if (err == -ENOENT)
		err = store_fail(st, -EIO, "EXISTS returned no row");
	*has = n > 0;
	return err;
}

/* the host's kernels by their first upload: GROUP BY over runs_by_host_kernel_id */
static const struct store_query q_host_new_kernels = {
	.sql = "SELECT CASE WHEN EXISTS (SELECT 1 FROM runs r JOIN kernels k ON k.id = r.kernel_id "
	"WHERE r.host_id = ?1 AND k.ident = ?2) THEN 1 ELSE 0 END, count(*), "
	"coalesce(min(first), 0) FROM "
	"(SELECT min(received_at) AS first FROM runs WHERE host_id = ?1 "
	"GROUP BY kernel_id) f WHERE first >= ?3"
};

struct new_kernels {
	bool *known;
	unsigned *n;
	int64_t *first;
};

static int new_kernels_row(struct store_stmt *s, void *ctx)
{
	struct new_kernels *nk = ctx;

	*nk->known = col_bool(s, 0);
	*nk->n = (unsigned)col_i64(s, 1);
	*nk->first = col_i64(s, 2);
	return 0;
}

int store_host_new_kernels(struct store *st, int64_t host_id, const char *kernel_ident,
			   int64_t since, bool *known, unsigned *n, int64_t *first)
{
	struct new_kernels nk = { known, n, first };
	struct store_stmt *s;
	int err = stmt_get(st, &q_host_new_kernels, &s);

	if (err)
		return err;
	bind_i64(s, 1, host_id);
	bind_text(s, 2, kernel_ident);
	bind_i64(s, 3, since);
	err = row_one(s, new_kernels_row, &nk);
	if (err == -ENOENT)
		err = store_fail(st, -EIO, "count returned no row");
	return err;
}

/*
 * The kernel of the host's last run before its first run of ?2 (upload
 * order): two index look-ups, whatever the host's history.
 */
static const struct store_query q_host_prev_kernel = {
	.sql = "SELECT k.ident FROM runs r JOIN kernels k ON k.id = r.kernel_id "
	"WHERE r.host_id = ?1 AND r.id < "
	"(SELECT min(r2.id) FROM runs r2 WHERE r2.host_id = ?1 AND "
	" r2.kernel_id = (SELECT id FROM kernels WHERE ident = ?2)) "
	"AND r.kernel_id != (SELECT id FROM kernels WHERE ident = ?2) "
	"ORDER BY r.id DESC LIMIT 1"
};

int store_host_previous_kernel(struct store *st, int64_t host_id, const char *kernel_ident,
			       char *out, size_t len)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_host_prev_kernel, &s);

	if (err)
		return err;
	bind_i64(s, 1, host_id);
	bind_text(s, 2, kernel_ident);
	return row_text(s, out, len);
}

/* ---- summaries --------------------------------------------------------- */

/* The columns read_series() reads: a summary row and its case. */
#define SERIES_COLS                                                                        \
	"s.id, c.workload, c.layout, c.mapping, c.folio_order, c.iterations, c.layout_ok, "  \
	"c.layout_reason, c.folios, c.runs_ok, s.metric, "                                   \
	"CASE WHEN s.status = 'ok' THEN 1 ELSE 0 END, s.event, s.reason, s.multiplexed, "    \
	"s.runs_n, s.runs_mean, s.runs_stdev, s.runs_median, s.runs_min, s.runs_max, "       \
	"s.it_n, s.it_mean, s.it_stdev, s.it_median, s.it_min, s.it_max, s.run_means "

static void read_summary(struct store_stmt *s, int i, struct stats_summary *sum, double *median)
{
	sum->n = (size_t)col_i64(s, i);
	sum->mean = col_real(s, i + 1);
	sum->stdev = col_real(s, i + 2);
	*median = col_real(s, i + 3);
	sum->min = col_real(s, i + 4);
	sum->max = col_real(s, i + 5);
}

struct series_each {
	struct store *st;
	store_series_cb cb;
	void *ctx;
};

static int series_row(struct store_stmt *s, void *ctx)
{
	struct series_each *e = ctx;
	struct store_series se;
	size_t n, max = sizeof(se.run_means) / sizeof(se.run_means[0]);

	memset(&se, 0, sizeof(se));
	se.id = col_i64(s, 0);
	col_text(s, 1, se.workload, sizeof(se.workload));
	col_text(s, 2, se.layout, sizeof(se.layout));
	col_text(s, 3, se.mapping, sizeof(se.mapping));
	se.order = (int)col_i64(s, 4);
	se.iterations = (unsigned)col_i64(s, 5);
	se.layout_ok = col_bool(s, 6);
	col_text(s, 7, se.layout_reason, sizeof(se.layout_reason));
	col_text(s, 8, se.folios, sizeof(se.folios));
	se.runs_ok = (unsigned)col_i64(s, 9);
	col_text(s, 10, se.metric, sizeof(se.metric));
	se.supported = col_bool(s, 11);
	col_text(s, 12, se.event, sizeof(se.event));
	col_text(s, 13, se.reason, sizeof(se.reason));
	se.multiplexed = col_bool(s, 14);
	read_summary(s, 15, &se.runs_sum, &se.runs_median);
	read_summary(s, 21, &se.it_sum, &se.it_median);
	if (col_f64s(s, 27, se.run_means, max, &n)) {
		col_blob(s, 27, &n);
		return store_fail(e->st, -EIO, "series %lld: run_means of %zu bytes, not float64s",
				  (long long)se.id, n);
	}
	se.nrun_means = (unsigned)(n < max ? n : max);
	return e->cb(e->ctx, &se);
}

static const struct store_query q_run_series = {
	.sql = "SELECT " SERIES_COLS "FROM cases c JOIN series s ON s.case_id = c.id "
	"WHERE c.run_id = ?1 ORDER BY c.id, s.id"
};

int store_run_series(struct store *st, int64_t run_id, store_series_cb cb, void *ctx)
{
	struct series_each e = { st, cb, ctx };
	struct store_stmt *s;
	int err = stmt_get(st, &q_run_series, &s);

	if (err)
		return err;
	bind_i64(s, 1, run_id);
	return row_each(s, series_row, &e);
}

/*
 * the same columns as q_run_series, over the newest runs of a host on a
 * kernel (of one placement: ?3, NULL for any)
 */
static const struct store_query q_host_kernel_series = {
	.sql = "SELECT " SERIES_COLS "FROM runs r JOIN cases c ON c.run_id = r.id "
	"JOIN series s ON s.case_id = c.id "
	"WHERE r.id IN (SELECT r2.id FROM runs r2 WHERE r2.host_id = ?1 AND "
	" r2.kernel_id = (SELECT id FROM kernels WHERE ident = ?2) "
	" AND (?3 IS NULL OR r2.placement = ?3) "
	" ORDER BY r2.id DESC LIMIT " STR(STORE_COMPARE_UPLOADS) ") "
	"ORDER BY r.id, c.id, s.id"
};

int store_host_kernel_series(struct store *st, int64_t host_id, const char *kernel_ident,
			     const char *placement, store_series_cb cb, void *ctx)
{
	struct series_each e = { st, cb, ctx };
	struct store_stmt *s;
	int err = stmt_get(st, &q_host_kernel_series, &s);

	if (err)
		return err;
	bind_i64(s, 1, host_id);
	bind_text(s, 2, kernel_ident);
	bind_text(s, 3, placement);
	return row_each(s, series_row, &e);
}

static const struct store_query q_host_trend = {
	.sql = "SELECT k.ident, c.workload, c.layout, c.folio_order, c.layout_ok, s.runs_n, s.runs_mean, "
	"s.runs_stdev FROM runs r JOIN kernels k ON k.id = r.kernel_id "
	"JOIN cases c ON c.run_id = r.id JOIN series s ON s.case_id = c.id AND s.metric = 'ns' "
	"WHERE r.host_id = ?1 ORDER BY r.id, c.id"
};

struct trend_each {
	store_trend_cb cb;
	void *ctx;
};

static int trend_row(struct store_stmt *s, void *ctx)
{
	struct trend_each *e = ctx;
	struct store_trend_point p;

	memset(&p, 0, sizeof(p));
	col_text(s, 0, p.kernel, sizeof(p.kernel));
	col_text(s, 1, p.workload, sizeof(p.workload));
	col_text(s, 2, p.layout, sizeof(p.layout));
	p.order = (int)col_i64(s, 3);
	p.layout_ok = col_bool(s, 4);
	p.n = (unsigned)col_i64(s, 5);
	p.mean = col_real(s, 6);
	p.stdev = col_real(s, 7);
	return e->cb(e->ctx, &p);
}

int store_host_trend(struct store *st, int64_t host_id, store_trend_cb cb, void *ctx)
{
	struct trend_each e = { cb, ctx };
	struct store_stmt *s;
	int err = stmt_get(st, &q_host_trend, &s);

	if (err)
		return err;
	bind_i64(s, 1, host_id);
	return row_each(s, trend_row, &e);
}

static const struct store_query q_host_sessions = {
	.sql = "SELECT r.kernel_id, c.workload, c.layout, c.iterations, s.metric, s.runs_n, s.runs_mean, "
	"s.runs_stdev FROM runs r JOIN cases c ON c.run_id = r.id JOIN series s ON s.case_id = c.id "
	"WHERE c.layout_ok <> 0 AND s.status = 'ok' AND r.id IN (SELECT r2.id FROM runs r2 "
	" WHERE r2.host_id = ?1 AND (?2 IS NULL OR r2.placement = ?2) "
	" AND r2.kernel_id IN (SELECT r3.kernel_id FROM runs r3 WHERE r3.host_id = ?1 "
	"  AND (?2 IS NULL OR r3.placement = ?2) GROUP BY r3.kernel_id HAVING count(*) >= 2) "
	" ORDER BY r2.id DESC LIMIT " STR(STORE_SESSION_UPLOADS) ") "
	"ORDER BY c.workload, c.layout, c.iterations, s.metric, r.kernel_id, r.id DESC"
};

struct session_each {
	store_session_cb cb;
	void *ctx;
};

static int session_row(struct store_stmt *s, void *ctx)
{
	struct session_each *e = ctx;
	struct store_session_point p;

	memset(&p, 0, sizeof(p));
	p.kernel_id = col_i64(s, 0);
	col_text(s, 1, p.workload, sizeof(p.workload));
	col_text(s, 2, p.layout, sizeof(p.layout));
	p.iterations = (unsigned)col_i64(s, 3);
	col_text(s, 4, p.metric, sizeof(p.metric));
	p.n = (unsigned)col_i64(s, 5);
	p.mean = col_real(s, 6);
	p.stdev = col_real(s, 7);
	return e->cb(e->ctx, &p);
}

int store_host_sessions(struct store *st, int64_t host_id, const char *placement, store_session_cb cb,
			void *ctx)
{
	struct session_each e = { cb, ctx };
	struct store_stmt *s;
	int err = stmt_get(st, &q_host_sessions, &s);

	if (err)
		return err;
	bind_i64(s, 1, host_id);
	bind_text(s, 2, placement);
	return row_each(s, session_row, &e);
}
