// SPDX-License-Identifier: GPL-2.0
/*
 * The SQLite store (store.h).  Every statement lives in stmt_sql[] below,
 * is prepared once per connection on first use and takes its values as
 * bound parameters; the only SQL text built at run time is the
 * "PRAGMA user_version = N" of a migration, whose N is our own integer
 * (PRAGMA takes no parameters).
 */
#include "daemon/store.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include <sqlite3.h>

#include "daemon/migrations.h"

/*
 * How long a statement waits for another connection's write lock.  An
 * ingest holds it for a few milliseconds, so waiting this long means
 * something is wrong, and the caller gets -EBUSY.
 */
#define STORE_BUSY_MS 5000

/* The columns read_host() reads, in its order. */
#define HOST_COLS                                                                          \
	"h.id, h.name, h.hostname, h.arch, h.cpu_model, h.cpus, h.mem_bytes, h.page_size, " \
	"h.created_at, h.last_seen_at, h.retired_at, "                                     \
	/* both walk the host's range of runs_by_host_kernel, which covers them */          \
	"(SELECT count(*) FROM runs r WHERE r.host_id = h.id), "                           \
	"(SELECT k.ident FROM runs r JOIN kernels k ON k.id = r.kernel_id "                \
	" WHERE r.host_id = h.id ORDER BY r.received_at DESC, r.id DESC LIMIT 1) "

/* HOST_COLS without the two counts (0 and NULL in their place). */
#define HOST_COLS_LIGHT                                                                    \
	"h.id, h.name, h.hostname, h.arch, h.cpu_model, h.cpus, h.mem_bytes, h.page_size, " \
	"h.created_at, h.last_seen_at, h.retired_at, 0, NULL "

/* The columns read_kernel() reads, less the counts that follow them. */
#define KERNEL_COLS                                                                        \
	"k.id, k.ident, k.commit_sha, k.release, k.parent_commit, k.build_id, k.first_seen_at"

/* hosts, uploads, complete_uploads, last_received_at over the runs r joined */
#define KERNEL_COUNTS                                                                      \
	"count(DISTINCT r.host_id), count(r.id), coalesce(sum(r.complete), 0), "           \
	"coalesce(max(r.received_at), 0) "

/* The columns read_run() reads, and the joins they need. */
#define RUN_COLS                                                                           \
	"r.id, r.uuid, r.host_id, h.name, r.kernel_id, k.ident, k.release, r.received_at, "  \
	"r.started_at, r.finished_at, r.tool_version, r.size_bytes, r.runs, r.iterations, "  \
	"r.munmap_iterations, r.warmup, r.complete, r.doc_bytes, r.noise "                   \
	"FROM runs r JOIN hosts h ON h.id = r.host_id JOIN kernels k ON k.id = r.kernel_id "

/* STORE_COMPARE_UPLOADS as SQL text */
#define STR_(x) #x
#define STR(x) STR_(x)

/* The columns read_alert() reads, and the joins they need. */
#define ALERT_COLS                                                                         \
	"a.id, h.name, k.ident, b.ident, a.workload, a.layout, a.metric, a.kind, a.delta_pct, " \
	"a.ci_lo_pct, a.ci_hi_pct, a.p, a.summary, a.state, a.state_by, a.state_at, "        \
	"a.created_at FROM alerts a JOIN hosts h ON h.id = a.host_id "                       \
	"JOIN kernels k ON k.id = a.kernel_id JOIN kernels b ON b.id = a.base_kernel_id "

enum stmt_id {
	S_BEGIN,
	S_COMMIT,
	S_VERSION,
	S_HOST_CREATE,
	S_HOST_GET,
	S_HOST_BY_TOKEN,
	S_HOST_FIND,
	S_HOST_PIN,
	S_HOST_PINNED,
	S_HOST_LIST,
	S_HOST_RENAME,
	S_HOST_RETIRE,
	S_KERNEL_LIST,
	S_HOST_KERNELS,
	S_RUN_OWNER,
	S_HOST_TOUCH,
	S_KERNEL_INSERT,
	S_KERNEL_ID,
	S_RUN_INSERT,
	S_CASE_INSERT,
	S_SERIES_INSERT,
	S_SAMPLES_INSERT,
	S_RUN_GET,
	S_RUN_BY_UUID,
	S_HOST_KERNEL_RUNS,
	S_RUN_SERIES,
	S_SAMPLES_GET,
	S_HAS_COMPLETE,
	S_KERNEL_GET,
	S_HOST_KERNEL_SERIES,
	S_HOST_PREV_KERNEL,
	S_ALERT_INSERT,
	S_ALERT_ID,
	S_ALERT_LIST,
	S_ALERT_GET,
	S_ALERT_TRIAGE,
	S_DELIVERY_ADD,
	S_DELIVERY_DUE,
	S_DELIVERY_ATTEMPT,
	S_DELIVERY_UPDATE,
	S_DELIVERY_LOG,
	S_KERNEL_HOSTS,
	S_HOST_TREND,
	S__COUNT
};

static const char *const stmt_sql[S__COUNT] = {
	/* IMMEDIATE: take the write lock now, so that the uuid check and the
	 * inserts that depend on it see the same database */
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_VERSION] = "PRAGMA user_version",
	[S_HOST_CREATE] = "INSERT INTO hosts (name, hostname, token_hash, created_at) "
			  "VALUES (?1, ?2, ?3, ?4)",
	[S_HOST_GET] = "SELECT " HOST_COLS "FROM hosts h WHERE h.name = ?1",
	/* every upload authenticates: no counts, which walk the host's runs */
	[S_HOST_BY_TOKEN] = "SELECT " HOST_COLS_LIGHT "FROM hosts h WHERE h.token_hash = ?1",
	[S_HOST_FIND] = "SELECT " HOST_COLS_LIGHT "FROM hosts h WHERE h.name = ?1",
	/* ?2 NULL unpins; a kernel that does not exist pins nothing (changes() 0) */
	[S_HOST_PIN] = "UPDATE hosts SET baseline_kernel_id = "
		       "CASE WHEN ?2 IS NULL THEN NULL ELSE (SELECT id FROM kernels WHERE ident = ?2) END "
		       "WHERE name = ?1 AND (?2 IS NULL OR EXISTS (SELECT 1 FROM kernels WHERE ident = ?2))",
	[S_HOST_PINNED] = "SELECT k.ident FROM hosts h JOIN kernels k ON k.id = h.baseline_kernel_id "
			  "WHERE h.id = ?1",
	[S_HOST_LIST] = "SELECT " HOST_COLS "FROM hosts h WHERE ?1 OR h.retired_at IS NULL "
			"ORDER BY h.name",
	[S_HOST_RENAME] = "UPDATE hosts SET name = ?2 WHERE name = ?1",
	/* a retired host keeps its first retirement date; changes() still
	 * counts it, which tells "already retired" from "no such host" */
	[S_HOST_RETIRE] = "UPDATE hosts SET retired_at = coalesce(retired_at, ?2) WHERE name = ?1",
	/* O(runs) per listing: each kernel's runs through runs_by_kernel */
	/* the newest ?1 kernels first, then their counts: a page of the latest reads only those */
	[S_KERNEL_LIST] = "SELECT " KERNEL_COLS ", " KERNEL_COUNTS
			  "FROM (SELECT * FROM kernels ORDER BY first_seen_at DESC, id DESC LIMIT ?1) k "
			  "LEFT JOIN runs r ON r.kernel_id = k.id "
			  "GROUP BY k.id ORDER BY k.first_seen_at DESC, k.id DESC",
	[S_HOST_KERNELS] = "SELECT " KERNEL_COLS ", " KERNEL_COUNTS
			   "FROM runs r JOIN kernels k ON k.id = r.kernel_id WHERE r.host_id = ?1 "
			   "GROUP BY k.id ORDER BY k.first_seen_at DESC, k.id DESC",
	[S_RUN_OWNER] = "SELECT id, host_id FROM runs WHERE uuid = ?1",
	[S_HOST_TOUCH] = "UPDATE hosts SET arch = ?2, cpu_model = ?3, cpus = ?4, mem_bytes = ?5, "
			 "page_size = ?6, last_seen_at = ?7 WHERE id = ?1",
	/* the first sighting of a kernel keeps its data */
	[S_KERNEL_INSERT] = "INSERT INTO kernels (ident, commit_sha, release, parent_commit, "
			    "build_id, version, dirty, first_seen_at) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (ident) DO NOTHING",
	[S_KERNEL_ID] = "SELECT id FROM kernels WHERE ident = ?1",
	[S_RUN_INSERT] = "INSERT INTO runs (uuid, host_id, kernel_id, received_at, started_at, "
			 "finished_at, tool_version, size_bytes, runs, iterations, "
			 "munmap_iterations, warmup, complete, doc_bytes, host_facts, noise) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	[S_CASE_INSERT] = "INSERT INTO cases (run_id, workload, layout, folio_order, mapping, "
			  "iterations, layout_ok, layout_reason, folios, runs_ok) "
			  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[S_SERIES_INSERT] = "INSERT INTO series (case_id, metric, status, event, reason, "
			    "multiplexed, runs_n, runs_mean, runs_stdev, runs_median, runs_min, "
			    "runs_max, it_n, it_mean, it_stdev, it_median, it_min, it_max, "
			    "run_means) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
			    "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
	[S_SAMPLES_INSERT] = "INSERT INTO samples (series_id, run_lengths, data) "
			     "VALUES (?1, ?2, ?3)",
	[S_RUN_GET] = "SELECT " RUN_COLS "WHERE r.id = ?1",
	[S_RUN_BY_UUID] = "SELECT " RUN_COLS "WHERE r.uuid = ?1",
	/* runs_by_host_kernel hands these out in order: no sort */
	[S_HOST_KERNEL_RUNS] = "SELECT " RUN_COLS "WHERE r.host_id = ?1 AND k.ident = ?2 "
			       "ORDER BY r.received_at DESC, r.id DESC",
	[S_RUN_SERIES] = "SELECT s.id, c.workload, c.layout, c.mapping, c.folio_order, "
			 "c.iterations, c.layout_ok, c.layout_reason, c.folios, c.runs_ok, "
			 "s.metric, s.status = 'ok', s.event, s.reason, s.multiplexed, "
			 "s.runs_n, s.runs_mean, s.runs_stdev, s.runs_median, s.runs_min, s.runs_max, "
			 "s.it_n, s.it_mean, s.it_stdev, s.it_median, s.it_min, s.it_max, "
			 "s.run_means FROM cases c JOIN series s ON s.case_id = c.id "
			 "WHERE c.run_id = ?1 ORDER BY c.id, s.id",
	[S_SAMPLES_GET] = "SELECT run_lengths, data FROM samples WHERE series_id = ?1",
	[S_HAS_COMPLETE] = "SELECT EXISTS (SELECT 1 FROM runs r JOIN kernels k "
			   "ON k.id = r.kernel_id WHERE r.host_id = ?1 AND k.ident = ?2 "
			   "AND r.complete)",
	[S_KERNEL_GET] = "SELECT " KERNEL_COLS ", 0, 0, 0, 0 FROM kernels k WHERE k.ident = ?1",
	/* the same columns as S_RUN_SERIES, over every run of a host on a kernel */
	[S_HOST_KERNEL_SERIES] = "SELECT s.id, c.workload, c.layout, c.mapping, c.folio_order, "
			 "c.iterations, c.layout_ok, c.layout_reason, c.folios, c.runs_ok, "
			 "s.metric, s.status = 'ok', s.event, s.reason, s.multiplexed, "
			 "s.runs_n, s.runs_mean, s.runs_stdev, s.runs_median, s.runs_min, s.runs_max, "
			 "s.it_n, s.it_mean, s.it_stdev, s.it_median, s.it_min, s.it_max, "
			 "s.run_means FROM runs r JOIN cases c ON c.run_id = r.id "
			 "JOIN series s ON s.case_id = c.id "
			 "WHERE r.id IN (SELECT r2.id FROM runs r2 WHERE r2.host_id = ?1 AND "
			 " r2.kernel_id = (SELECT id FROM kernels WHERE ident = ?2) "
			 " ORDER BY r2.id DESC LIMIT " STR(STORE_COMPARE_UPLOADS) ") "
			 "ORDER BY r.id, c.id, s.id",
	/*
	 * The kernel of the host's last run before its first run of ?2 (upload
	 * order): two index look-ups, whatever the host's history.
	 */
	[S_HOST_PREV_KERNEL] = "SELECT k.ident FROM runs r JOIN kernels k ON k.id = r.kernel_id "
			       "WHERE r.host_id = ?1 AND r.id < "
			       "(SELECT min(r2.id) FROM runs r2 WHERE r2.host_id = ?1 AND "
			       " r2.kernel_id = (SELECT id FROM kernels WHERE ident = ?2)) "
			       "AND r.kernel_id != (SELECT id FROM kernels WHERE ident = ?2) "
			       "ORDER BY r.id DESC LIMIT 1",
	/* one alert per host, kernel, case and metric: a second finding changes nothing */
	[S_ALERT_INSERT] = "INSERT INTO alerts (host_id, kernel_id, base_kernel_id, workload, layout, "
			   "metric, kind, delta_pct, ci_lo_pct, ci_hi_pct, p, summary, created_at) "
			   "SELECT ?1, k.id, b.id, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13 "
			   "FROM kernels k, kernels b WHERE k.ident = ?2 AND b.ident = ?3 "
			   "ON CONFLICT DO NOTHING",
	[S_ALERT_ID] = "SELECT a.id FROM alerts a JOIN kernels k ON k.id = a.kernel_id "
		       "WHERE a.host_id = ?1 AND k.ident = ?2 AND a.workload = ?3 AND a.layout = ?4 "
		       "AND a.metric = ?5",
	[S_ALERT_LIST] = "SELECT " ALERT_COLS "WHERE (?1 IS NULL OR a.kind = ?1) AND "
			 "(?2 IS NULL OR a.state = ?2) AND (?3 IS NULL OR h.name = ?3) AND "
			 "(?5 IS NULL OR k.ident = ?5) "
			 "ORDER BY a.created_at DESC, a.id DESC LIMIT ?4",
	[S_ALERT_GET] = "SELECT " ALERT_COLS "WHERE a.id = ?1",
	[S_ALERT_TRIAGE] = "UPDATE alerts SET state = ?2, state_by = ?3, state_at = ?4 WHERE id = ?1",
	/* a new alert of a delivered group makes the group pending again */
	[S_DELIVERY_ADD] = "INSERT INTO deliveries (host_id, kernel_id, channel, target, next_at) "
			   "SELECT ?1, k.id, ?3, ?4, ?5 FROM kernels k WHERE k.ident = ?2 "
			   "ON CONFLICT (host_id, kernel_id, channel, target) DO UPDATE SET "
			   "state = 'pending', next_at = min(next_at, excluded.next_at)",
	[S_DELIVERY_DUE] = "SELECT d.id, h.name, k.ident, d.channel, d.target, d.attempts "
			   "FROM deliveries d JOIN hosts h ON h.id = d.host_id "
			   "JOIN kernels k ON k.id = d.kernel_id "
			   "WHERE d.state = 'pending' AND d.next_at <= ?1 ORDER BY d.next_at LIMIT ?2",
	[S_DELIVERY_ATTEMPT] = "INSERT INTO delivery_attempts (delivery_id, at, ok, detail) "
			       "VALUES (?1, ?2, ?3, ?4)",
	[S_DELIVERY_UPDATE] = "UPDATE deliveries SET attempts = attempts + 1, "
			      "state = CASE WHEN ?2 THEN 'delivered' ELSE 'pending' END, "
			      "delivered_at = CASE WHEN ?2 THEN ?3 ELSE delivered_at END, "
			      "next_at = ?4 WHERE id = ?1",
	[S_DELIVERY_LOG] = "SELECT d.id, d.channel, d.target, d.state, d.attempts, a.at, a.ok, a.detail "
			   "FROM deliveries d JOIN hosts h ON h.id = d.host_id "
			   "JOIN kernels k ON k.id = d.kernel_id "
			   "LEFT JOIN delivery_attempts a ON a.delivery_id = d.id "
			   "WHERE h.name = ?1 AND k.ident = ?2 ORDER BY d.id, a.id",
	[S_KERNEL_HOSTS] = "SELECT h.name FROM hosts h WHERE EXISTS (SELECT 1 FROM runs r "
			   "JOIN kernels k ON k.id = r.kernel_id WHERE r.host_id = h.id AND "
			   "k.ident = ?1) ORDER BY h.name",
	[S_HOST_TREND] = "SELECT k.ident, c.workload, c.layout, c.folio_order, "
			 "c.layout_ok, s.runs_n, s.runs_mean, s.runs_stdev FROM runs r "
			 "JOIN kernels k ON k.id = r.kernel_id JOIN cases c ON c.run_id = r.id "
			 "JOIN series s ON s.case_id = c.id AND s.metric = 'ns' "
			 "WHERE r.host_id = ?1 ORDER BY r.id, c.id",
};

struct store {
	sqlite3 *db;
	char *path;
	int bind_rc;              /* the first failed bind since stmt_get() */
	char errmsg[512];
	sqlite3_stmt *stmt[S__COUNT];
	struct strbuf pack[2];    /* ingest packs blobs here, reused run after run */
};

static int64_t now(void)
{
	return (int64_t)time(NULL);
}

/* ---- errors ---------------------------------------------------------- */

static int map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return -EEXIST;
		return -EIO;
	default:
		return -EIO;
	}
}

/* Keep SQLite's message (a later ROLLBACK would replace it) and map rc. */
static int fail_sqlite(struct store *st, int rc)
{
	/* a failed bind may leave the connection's message elsewhere */
	const char *msg = (sqlite3_errcode(st->db) & 0xff) == (rc & 0xff) ? sqlite3_errmsg(st->db)
									  : sqlite3_errstr(rc);

	snprintf(st->errmsg, sizeof(st->errmsg), "%s", msg);
	return map_rc(rc);
}

__attribute__((format(printf, 3, 4)))
static int fail(struct store *st, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

const char *store_errmsg(struct store *st)
{
	return st->errmsg;
}

/* ---- statements ------------------------------------------------------ */

/*
 * The statement id, ready to bind: the cached one, or a private one when
 * the cached one is in the middle of an iteration (a callback calling back
 * into the store with the same query).  Hand it back with stmt_done().
 */
static int stmt_get(struct store *st, enum stmt_id id, sqlite3_stmt **out)
{
	sqlite3_stmt *s = st->stmt[id];
	int rc;

	st->bind_rc = SQLITE_OK;
	if (s && !sqlite3_stmt_busy(s)) {
		*out = s;
		return 0;
	}
	rc = sqlite3_prepare_v3(st->db, stmt_sql[id], -1, s ? 0 : SQLITE_PREPARE_PERSISTENT, &s,
				NULL);
	if (rc != SQLITE_OK)
		return fail_sqlite(st, rc);
	if (!st->stmt[id])
		st->stmt[id] = s;
	*out = s;
	return 0;
}

/* Reset, so that it holds no read snapshot and no pointers to our values. */
static void stmt_done(struct store *st, enum stmt_id id, sqlite3_stmt *s)
{
	if (!s)
		return;
	if (s != st->stmt[id]) {
		sqlite3_finalize(s);
		return;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/*
 * Binds note their first failure in st->bind_rc and stmt_step() reports
 * it, so that a statement binds its values in one straight block.  Values
 * are bound SQLITE_STATIC: they must outlive the step, which every caller
 * here guarantees by stepping before its values go out of scope.
 */
static void bind_note(struct store *st, int rc)
{
	if (rc != SQLITE_OK && st->bind_rc == SQLITE_OK)
		st->bind_rc = rc;
}

static void bind_i64(struct store *st, sqlite3_stmt *s, int i, int64_t v)
{
	bind_note(st, sqlite3_bind_int64(s, i, v));
}

/* NULL stays NULL. */
static void bind_text(struct store *st, sqlite3_stmt *s, int i, const char *v)
{
	bind_note(st, v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(s, i));
}

/* "" means unknown in the document: NULL. */
static void bind_text_nz(struct store *st, sqlite3_stmt *s, int i, const char *v)
{
	bind_text(st, s, i, v && *v ? v : NULL);
}

/* A non-finite summary is no number: NULL. */
static void bind_real(struct store *st, sqlite3_stmt *s, int i, double v)
{
	bind_note(st, isfinite(v) ? sqlite3_bind_double(s, i, v) : sqlite3_bind_null(s, i));
}

static void bind_blob(struct store *st, sqlite3_stmt *s, int i, const void *p, size_t n)
{
	/* a NULL pointer would bind NULL; an empty blob is still a blob */
	bind_note(st, sqlite3_bind_blob64(s, i, p ? p : "", n, SQLITE_STATIC));
}

/* 1: a row, 0: done, else a negative errno. */
static int stmt_step(struct store *st, sqlite3_stmt *s)
{
	int rc;

	if (st->bind_rc != SQLITE_OK) {
		rc = st->bind_rc;
		st->bind_rc = SQLITE_OK;
		return fail_sqlite(st, rc);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return fail_sqlite(st, rc);
}

/* Run a statement without parameters or rows. */
static int stmt_exec(struct store *st, enum stmt_id id)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, id, &s);
	if (err)
		return err;
	err = stmt_step(st, s);
	stmt_done(st, id, s);
	return err < 0 ? err : 0;
}

/*
 * End a failed transaction, unless SQLite already did (it rolls back by
 * itself on a full disk, an I/O error or lack of memory).
 */
static void tx_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/*
 * Copy a text column; NULL reads as "".  Too long a text is cut at a
 * character boundary, so that what pages print stays valid UTF-8.
 */
static void col_text(sqlite3_stmt *s, int i, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	size_t n = t ? (size_t)sqlite3_column_bytes(s, i) : 0;

	if (n >= size) {
		n = size - 1;
		while (n > 0 && (t[n] & 0xc0) == 0x80)
			n--;
	}
	if (n)
		memcpy(buf, t, n);
	buf[n] = '\0';
}

static double col_real(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
}

/* ---- packing --------------------------------------------------------- */

/*
 * The blobs' byte order is little-endian by definition (schema
 * 001-initial.sql), whatever the host's: write and read bytes.  A double
 * travels as its IEEE-754 bit pattern, so NaN payloads survive.
 */
static void pack_f64(struct strbuf *sb, const double *v, size_t n)
{
	unsigned char *p;
	size_t i;
	int b;

	strbuf_reset(sb);
	strbuf_grow(sb, n * 8);
	p = (unsigned char *)sb->buf;
	for (i = 0; i < n; i++) {
		uint64_t u;

		memcpy(&u, &v[i], sizeof(u));
		for (b = 0; b < 8; b++)
			*p++ = (unsigned char)(u >> (8 * b));
	}
	sb->len = n * 8;
	sb->buf[sb->len] = '\0';
}

static void pack_u32(struct strbuf *sb, const uint32_t *v, size_t n)
{
	unsigned char *p;
	size_t i;
	int b;

	strbuf_reset(sb);
	strbuf_grow(sb, n * 4);
	p = (unsigned char *)sb->buf;
	for (i = 0; i < n; i++)
		for (b = 0; b < 4; b++)
			*p++ = (unsigned char)(v[i] >> (8 * b));
	sb->len = n * 4;
	sb->buf[sb->len] = '\0';
}

static double unpack_f64(const unsigned char *p)
{
	uint64_t u = 0;
	double d;
	int b;

	for (b = 7; b >= 0; b--)
		u = (u << 8) | p[b];
	memcpy(&d, &u, sizeof(d));
	return d;
}

static uint32_t unpack_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- open, migrate, close -------------------------------------------- */

int store_schema_latest(void)
{
	int i, latest = 0;

	for (i = 0; migrations[i].name; i++)
		latest = migrations[i].version;
	return latest;
}

static int user_version(struct store *st, int *version)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_VERSION, &s);
	if (err)
		return err;
	err = stmt_step(st, s);
	if (err == 1) {
		*version = sqlite3_column_int(s, 0);
		err = 0;
	} else if (err == 0) {
		err = fail(st, -EIO, "PRAGMA user_version returned no row");
	}
	stmt_done(st, S_VERSION, s);
	return err;
}

int store_schema_version(struct store *st)
{
	int version, err;

	err = user_version(st, &version);
	return err ? err : version;
}

static int too_new(struct store *st, int version, struct strbuf *err)
{
	strbuf_addf(err, "database '%s' has schema version %d, newer than this forkwatchd's %d: "
		    "upgrade forkwatchd", st->path, version, store_schema_latest());
	return -EPROTO;
}

/*
 * Apply migration m in its own transaction.  BEGIN IMMEDIATE serialises
 * two daemons starting at once on the same file: the second waits, then
 * finds the version already raised and does nothing.
 */
static int migrate_one(struct store *st, const struct migration *m, struct strbuf *err)
{
	char pragma[48];
	int rc, ret, version;

	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		ret = fail_sqlite(st, rc);
		goto out_err;
	}
	ret = user_version(st, &version);
	if (ret)
		goto out_err;
	if (version >= m->version) {
		tx_rollback(st);
		return version > store_schema_latest() ? too_new(st, version, err) : 0;
	}
	rc = sqlite3_exec(st->db, m->sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
		rc = sqlite3_exec(st->db, pragma, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		ret = fail_sqlite(st, rc);
		goto out_err;
	}
	return 0;

out_err:
	tx_rollback(st);
	strbuf_addf(err, "database '%s': migration %s failed: %s", st->path, m->name, st->errmsg);
	return ret;
}

static int migrate(struct store *st, struct strbuf *err)
{
	int i, ret, version, latest = store_schema_latest();

	ret = user_version(st, &version);
	if (ret) {
		strbuf_addf(err, "database '%s': %s", st->path, st->errmsg);
		return ret;
	}
	if (version > latest)
		return too_new(st, version, err);
	for (i = 0; migrations[i].name; i++) {
		if (migrations[i].version != i + 1) {
			/* a broken build, not a broken database */
			strbuf_addf(err, "migration %s is numbered %d, expected %d",
				    migrations[i].name, migrations[i].version, i + 1);
			return -EINVAL;
		}
		if (migrations[i].version <= version)
			continue;
		ret = migrate_one(st, &migrations[i], err);
		if (ret)
			return ret;
	}
	return 0;
}

/* Why sqlite3_open_v2() failed, in words: usually the directory. */
static int open_error(struct store *st, int rc, struct strbuf *err)
{
	int sys = st->db ? sqlite3_system_errno(st->db) : 0;
	char *dir = strdup(st->path), *slash;
	struct stat sb;
	int ret;

	if (!dir) {
		strbuf_addstr(err, "out of memory");
		return -ENOMEM;
	}
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &sb) < 0 && errno == ENOENT) {
		strbuf_addf(err, "cannot open database '%s': directory '%s' does not exist",
			    st->path, dir);
		ret = -ENOENT;
	} else if (sys) {
		strbuf_addf(err, "cannot open database '%s': %s", st->path, strerror(sys));
		ret = -sys;
	} else {
		strbuf_addf(err, "cannot open database '%s': %s", st->path,
			    st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		ret = map_rc(rc);
	}
	free(dir);
	return ret;
}

static int journal_cb(void *ctx, int ncol, char **val, char **name)
{
	(void)name;
	if (ncol > 0 && val[0])
		snprintf(ctx, 16, "%s", val[0]);
	return 0;
}

static int version_cb(void *ctx, int ncol, char **val, char **name)
{
	(void)name;
	if (ncol > 0 && val[0])
		*(int *)ctx = atoi(val[0]);
	return 0;
}

/*
 * Whether the filesystem holding path has no block left: SQLite reports a
 * full disk met while opening (the WAL's index, a checkpoint) as an I/O error.
 */
static bool disk_full(const char *path)
{
	struct statvfs sv;

	return statvfs(path, &sv) == 0 && sv.f_bavail == 0;
}

/* Connection settings. */
static int setup(struct store *st, struct strbuf *err)
{
	char mode[16] = "";
	int rc, version = 0;

	/*
	 * The first read of the file: it finds a file that is no database,
	 * and a database too new to touch, before WAL mode changes the file.
	 */
	rc = sqlite3_exec(st->db, "PRAGMA user_version", version_cb, &version, NULL);
	if (rc != SQLITE_OK)
		goto out_sqlite;
	if (version > store_schema_latest())
		return too_new(st, version, err);
	rc = sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", journal_cb, mode, NULL);
	if (rc != SQLITE_OK)
		goto out_sqlite;
	/* ":memory:" databases have no WAL and need none: one connection */
	if (strcmp(mode, "wal") && strcmp(mode, "memory")) {
		strbuf_addf(err, "database '%s': cannot switch to WAL journal mode (got '%s')",
			    st->path, mode);
		return -EIO;
	}
	/*
	 * synchronous=FULL: every COMMIT syncs the WAL.  NORMAL would survive
	 * a crash of forkwatchd but could lose the last transactions on power
	 * loss, and by then the lab machine has been told 200 and has dropped
	 * the run from its spool: it would be lost for good.  Uploads come
	 * minutes apart per machine, so one fsync each costs nothing that
	 * matters.
	 */
	rc = sqlite3_exec(st->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", NULL,
			  NULL, NULL);
	if (rc != SQLITE_OK)
		goto out_sqlite;
	return 0;

out_sqlite:
	if ((rc & 0xff) == SQLITE_CANTOPEN)
		return open_error(st, rc, err);
	if ((rc & 0xff) == SQLITE_NOTADB)
		strbuf_addf(err, "database '%s': file is not an SQLite database", st->path);
	else if ((rc & 0xff) == SQLITE_BUSY)
		strbuf_addf(err, "database '%s': locked by another process: %s", st->path,
			    sqlite3_errmsg(st->db));
	else if ((rc & 0xff) == SQLITE_FULL || disk_full(st->path))
		strbuf_addf(err, "database '%s': the disk holding it is full (%s): free some space "
			    "and start again", st->path, sqlite3_errmsg(st->db));
	else
		strbuf_addf(err, "database '%s': %s", st->path, sqlite3_errmsg(st->db));
	return fail_sqlite(st, rc);
}

int store_open(struct store **out, const char *path, struct strbuf *err)
{
	struct store *st;
	int rc, ret, fd;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (!st || !(st->path = strdup(path))) {
		free(st);
		strbuf_addstr(err, "out of memory");
		return -ENOMEM;
	}
	strbuf_init(&st->pack[0], 0);
	strbuf_init(&st->pack[1], 0);
	/*
	 * A new database is created 0600 (it holds the tokens' hashes); SQLite
	 * gives its -wal and -shm files the database file's mode.  An existing
	 * file keeps the mode its owner chose.
	 */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	/*
	 * NOMUTEX: a struct store is used by one thread at a time (store.h),
	 * so SQLite's per-connection mutex would only cost.
	 */
	rc = sqlite3_open_v2(path, &st->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
				     SQLITE_OPEN_EXRESCODE,
			     NULL);
	if (rc != SQLITE_OK) {
		ret = open_error(st, rc, err);
		goto out_close;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	/* "text" in double quotes is an identifier, never a string: a typo fails */
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DQS_DML, 0, NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DQS_DDL, 0, NULL);
	ret = setup(st, err);
	if (ret)
		goto out_close;
	ret = migrate(st, err);
	if (ret)
		goto out_close;
	*out = st;
	return 0;

out_close:
	store_close(st);
	return ret;
}

void store_close(struct store *st)
{
	int i;

	if (!st)
		return;
	for (i = 0; i < S__COUNT; i++) {
		sqlite3_finalize(st->stmt[i]);
		st->stmt[i] = NULL;
	}
	sqlite3_close_v2(st->db);
	st->db = NULL;
	strbuf_release(&st->pack[0]);
	strbuf_release(&st->pack[1]);
	free(st->path);
	free(st);
}

/* ---- hosts ----------------------------------------------------------- */

static void read_host(sqlite3_stmt *s, void *p)
{
	struct store_host *h = p;

	memset(h, 0, sizeof(*h));
	h->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, h->name, sizeof(h->name));
	col_text(s, 2, h->hostname, sizeof(h->hostname));
	col_text(s, 3, h->arch, sizeof(h->arch));
	col_text(s, 4, h->cpu_model, sizeof(h->cpu_model));
	h->cpus = sqlite3_column_int64(s, 5);
	h->mem_bytes = sqlite3_column_int64(s, 6);
	h->page_size = sqlite3_column_int64(s, 7);
	h->created_at = sqlite3_column_int64(s, 8);
	h->last_seen_at = sqlite3_column_int64(s, 9);
	h->retired_at = sqlite3_column_int64(s, 10);
	h->uploads = sqlite3_column_int64(s, 11);
	col_text(s, 12, h->latest_kernel, sizeof(h->latest_kernel));
}

/*
 * A name that would not read back whole into struct store_host (size
 * bytes with the NUL) is refused rather than stored: the store would
 * hand out a different name.
 */
static int check_name(struct store *st, const char *what, const char *name, size_t size)
{
	size_t n = strlen(name);

	if (!n || n >= size)
		return fail(st, -EINVAL, "%s '%s': expected 1 to %zu bytes", what, name, size - 1);
	return 0;
}

int store_host_create(struct store *st, const char *name, const char *hostname,
		      const uint8_t token_hash[32], int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = check_name(st, "host name", name, STORE_NAME_MAX);
	if (!err)
		err = check_name(st, "hostname", hostname, DOC_NAME_MAX);
	if (err)
		return err;
	err = stmt_get(st, S_HOST_CREATE, &s);
	if (err)
		return err;
	bind_text(st, s, 1, name);
	bind_text(st, s, 2, hostname);
	bind_blob(st, s, 3, token_hash, 32);
	bind_i64(st, s, 4, now());
	err = stmt_step(st, s);
	if (err >= 0) {
		err = 0;
		if (id)
			*id = sqlite3_last_insert_rowid(st->db);
	}
	stmt_done(st, S_HOST_CREATE, s);
	return err;
}

/* Step s, bound to find one host; -ENOENT when there is none. */
/* Step s once into out with read(): 0, -ENOENT when there is no row, or an error. */
static int row_one(struct store *st, enum stmt_id id, sqlite3_stmt *s,
		   void (*read)(sqlite3_stmt *, void *), void *out)
{
	int err = stmt_step(st, s);

	if (err == 1) {
		read(s, out);
		err = 0;
	} else if (err == 0) {
		err = -ENOENT;
	}
	stmt_done(st, id, s);
	return err;
}

static int host_one(struct store *st, enum stmt_id id, sqlite3_stmt *s, struct store_host *out)
{
	return row_one(st, id, s, read_host, out);
}

int store_host_get(struct store *st, const char *name, struct store_host *out)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_HOST_GET, &s);
	if (err)
		return err;
	bind_text(st, s, 1, name);
	return host_one(st, S_HOST_GET, s, out);
}

int store_host_by_token(struct store *st, const uint8_t token_hash[32], struct store_host *out)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_HOST_BY_TOKEN, &s);
	if (err)
		return err;
	bind_blob(st, s, 1, token_hash, 32);
	return host_one(st, S_HOST_BY_TOKEN, s, out);
}

int store_host_find(struct store *st, const char *name, struct store_host *out)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_HOST_FIND, &s);
	if (err)
		return err;
	bind_text(st, s, 1, name);
	return host_one(st, S_HOST_FIND, s, out);
}

int store_host_list(struct store *st, bool include_retired, store_host_cb cb, void *ctx)
{
	struct store_host h;
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_HOST_LIST, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, include_retired);
	for (;;) {
		err = stmt_step(st, s);
		if (err <= 0)
			break;
		read_host(s, &h);
		err = cb(ctx, &h);
		if (err)
			break;
	}
	stmt_done(st, S_HOST_LIST, s);
	return err;
}

/* Run an UPDATE of hosts by name; -ENOENT when it matched no row. */
static int host_update(struct store *st, enum stmt_id id, sqlite3_stmt *s)
{
	int err = stmt_step(st, s);

	if (err >= 0)
		err = sqlite3_changes(st->db) ? 0 : -ENOENT;
	stmt_done(st, id, s);
	return err;
}

int store_host_rename(struct store *st, const char *name, const char *new_name)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = check_name(st, "host name", new_name, STORE_NAME_MAX);
	if (err)
		return err;
	err = stmt_get(st, S_HOST_RENAME, &s);
	if (err)
		return err;
	bind_text(st, s, 1, name);
	bind_text(st, s, 2, new_name);
	return host_update(st, S_HOST_RENAME, s);
}

int store_host_retire(struct store *st, const char *name)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_HOST_RETIRE, &s);
	if (err)
		return err;
	bind_text(st, s, 1, name);
	bind_i64(st, s, 2, now());
	return host_update(st, S_HOST_RETIRE, s);
}

/* ---- kernels --------------------------------------------------------- */

static void read_kernel(sqlite3_stmt *s, void *p)
{
	struct store_kernel *k = p;

	memset(k, 0, sizeof(*k));
	k->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, k->ident, sizeof(k->ident));
	col_text(s, 2, k->commit, sizeof(k->commit));
	col_text(s, 3, k->release, sizeof(k->release));
	col_text(s, 4, k->parent_commit, sizeof(k->parent_commit));
	col_text(s, 5, k->build_id, sizeof(k->build_id));
	k->first_seen_at = sqlite3_column_int64(s, 6);
	k->hosts = sqlite3_column_int64(s, 7);
	k->uploads = sqlite3_column_int64(s, 8);
	k->complete_uploads = sqlite3_column_int64(s, 9);
	k->last_received_at = sqlite3_column_int64(s, 10);
}

static int kernel_iter(struct store *st, enum stmt_id id, sqlite3_stmt *s, store_kernel_cb cb,
		       void *ctx)
{
	struct store_kernel k;
	int err;

	for (;;) {
		err = stmt_step(st, s);
		if (err <= 0)
			break;
		read_kernel(s, &k);
		err = cb(ctx, &k);
		if (err)
			break;
	}
	stmt_done(st, id, s);
	return err;
}

int store_kernel_list(struct store *st, unsigned limit, store_kernel_cb cb, void *ctx)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_KERNEL_LIST, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, limit ? (int64_t)limit : -1); /* SQLite: a negative LIMIT is none */
	return kernel_iter(st, S_KERNEL_LIST, s, cb, ctx);
}

int store_host_kernels(struct store *st, int64_t host_id, store_kernel_cb cb, void *ctx)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_HOST_KERNELS, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, host_id);
	return kernel_iter(st, S_HOST_KERNELS, s, cb, ctx);
}

/* ---- ingest ---------------------------------------------------------- */

/* The stored run with this uuid: its id and host.  -ENOENT when none. */
static int run_owner(struct store *st, const char *uuid, int64_t *id, int64_t *host_id)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_RUN_OWNER, &s);
	if (err)
		return err;
	bind_text(st, s, 1, uuid);
	err = stmt_step(st, s);
	if (err == 1) {
		*id = sqlite3_column_int64(s, 0);
		*host_id = sqlite3_column_int64(s, 1);
		err = 0;
	} else if (err == 0) {
		err = -ENOENT;
	}
	stmt_done(st, S_RUN_OWNER, s);
	return err;
}

static int host_touch(struct store *st, int64_t host_id, const struct doc *d, int64_t t)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_HOST_TOUCH, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, host_id);
	bind_text(st, s, 2, d->host.arch);
	bind_text(st, s, 3, d->host.cpu_model);
	bind_i64(st, s, 4, d->host.cpus);
	bind_i64(st, s, 5, d->host.mem_bytes);
	bind_i64(st, s, 6, d->host.page_size);
	bind_i64(st, s, 7, t);
	err = stmt_step(st, s);
	if (err >= 0)
		err = sqlite3_changes(st->db) ? 0 : fail(st, -ENOENT, "no host with id %lld",
							    (long long)host_id);
	stmt_done(st, S_HOST_TOUCH, s);
	return err;
}

static int kernel_upsert(struct store *st, const struct doc *d, int64_t t, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_KERNEL_INSERT, &s);
	if (err)
		return err;
	bind_text(st, s, 1, d->kernel_ident);
	bind_text_nz(st, s, 2, d->kernel.commit);
	bind_text(st, s, 3, d->kernel.release);
	bind_text_nz(st, s, 4, d->kernel.parent_commit);
	bind_text_nz(st, s, 5, d->kernel.build_id);
	bind_text(st, s, 6, d->kernel.version);
	bind_i64(st, s, 7, d->kernel.dirty);
	bind_i64(st, s, 8, t);
	err = stmt_step(st, s);
	stmt_done(st, S_KERNEL_INSERT, s);
	if (err < 0)
		return err;

	err = stmt_get(st, S_KERNEL_ID, &s);
	if (err)
		return err;
	bind_text(st, s, 1, d->kernel_ident);
	err = stmt_step(st, s);
	if (err == 1) {
		*id = sqlite3_column_int64(s, 0);
		err = 0;
	} else if (err == 0) {
		err = fail(st, -EIO, "kernel '%s' vanished after its insert", d->kernel_ident);
	}
	stmt_done(st, S_KERNEL_ID, s);
	return err;
}

static int run_insert(struct store *st, int64_t host_id, int64_t kernel_id, const struct doc *d,
		      int64_t t, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_RUN_INSERT, &s);
	if (err)
		return err;
	bind_text(st, s, 1, d->run_uuid);
	bind_i64(st, s, 2, host_id);
	bind_i64(st, s, 3, kernel_id);
	bind_i64(st, s, 4, t);
	bind_text_nz(st, s, 5, d->started_at);
	bind_text_nz(st, s, 6, d->finished_at);
	bind_text_nz(st, s, 7, d->tool_version);
	bind_i64(st, s, 8, (int64_t)d->params.size_bytes);
	bind_i64(st, s, 9, d->params.runs);
	bind_i64(st, s, 10, d->params.iterations);
	bind_i64(st, s, 11, d->params.munmap_iterations);
	bind_i64(st, s, 12, d->params.warmup);
	bind_i64(st, s, 13, d->complete);
	bind_i64(st, s, 14, (int64_t)d->bytes);
	bind_text(st, s, 15, d->host_json);
	bind_text(st, s, 16, d->noise); /* NULL: no snapshot */
	err = stmt_step(st, s);
	if (err >= 0) {
		err = 0;
		*id = sqlite3_last_insert_rowid(st->db);
	}
	stmt_done(st, S_RUN_INSERT, s);
	return err;
}

/*
 * Inside ingest a unique constraint can only be the document repeating
 * itself (a case or a metric twice): the uuid was checked under the
 * write lock.  That is a bad document, not a taken name, and must not
 * read as "run of another host" (-EEXIST).
 */
static int doc_conflict(struct store *st, int err)
{
	char why[sizeof(st->errmsg)];

	if (err != -EEXIST)
		return err;
	memcpy(why, st->errmsg, sizeof(why));
	return fail(st, -EINVAL, "document repeats a case or a metric: %s", why);
}

static int case_insert(struct store *st, int64_t run_id, const struct doc_case *c, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_CASE_INSERT, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, run_id);
	bind_text(st, s, 2, c->workload);
	bind_text(st, s, 3, c->layout);
	bind_i64(st, s, 4, c->order);
	bind_text(st, s, 5, c->mapping);
	bind_i64(st, s, 6, c->iterations);
	bind_i64(st, s, 7, c->layout_ok);
	bind_text(st, s, 8, c->layout_reason);
	bind_text(st, s, 9, c->folios_json);
	bind_i64(st, s, 10, c->runs_ok);
	err = stmt_step(st, s);
	if (err >= 0) {
		err = 0;
		*id = sqlite3_last_insert_rowid(st->db);
	}
	stmt_done(st, S_CASE_INSERT, s);
	return doc_conflict(st, err);
}

static void bind_summary(struct store *st, sqlite3_stmt *s, int i, const struct stats_summary *sum,
			 double median)
{
	bind_i64(st, s, i, (int64_t)sum->n);
	bind_real(st, s, i + 1, sum->mean);
	bind_real(st, s, i + 2, sum->stdev);
	bind_real(st, s, i + 3, median);
	bind_real(st, s, i + 4, sum->min);
	bind_real(st, s, i + 5, sum->max);
}

static int samples_insert(struct store *st, int64_t series_id, const struct doc_series *ds)
{
	sqlite3_stmt *s = NULL;
	size_t i, total = 0;
	int err;

	/* the blobs' meaning depends on it: cutting data into runs */
	for (i = 0; i < ds->nruns; i++)
		total += ds->run_len[i];
	if (total != ds->nvalues)
		return fail(st, -EINVAL, "metric '%s': runs hold %zu values, expected %zu",
			    ds->metric, total, ds->nvalues);
	err = stmt_get(st, S_SAMPLES_INSERT, &s);
	if (err)
		return err;
	pack_u32(&st->pack[0], ds->run_len, ds->nruns);
	pack_f64(&st->pack[1], ds->values, ds->nvalues);
	bind_i64(st, s, 1, series_id);
	bind_blob(st, s, 2, st->pack[0].buf, st->pack[0].len);
	bind_blob(st, s, 3, st->pack[1].buf, st->pack[1].len);
	err = stmt_step(st, s);
	stmt_done(st, S_SAMPLES_INSERT, s);
	return err < 0 ? err : 0;
}

/* The series row and, when supported, its samples. */
static int series_insert(struct store *st, int64_t case_id, const struct doc_series *ds)
{
	sqlite3_stmt *s = NULL;
	int64_t id = 0;
	int err;

	err = stmt_get(st, S_SERIES_INSERT, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, case_id);
	bind_text(st, s, 2, ds->metric);
	bind_text(st, s, 3, ds->supported ? "ok" : "unsupported");
	bind_text(st, s, 4, ds->event);
	bind_text(st, s, 5, ds->reason);
	bind_i64(st, s, 6, ds->multiplexed);
	/* unsupported: a reason and no numbers, the rest stays NULL */
	if (ds->supported) {
		bind_summary(st, s, 7, &ds->runs_sum, ds->runs_median);
		bind_summary(st, s, 13, &ds->it_sum, ds->it_median);
		pack_f64(&st->pack[0], ds->run_means, ds->nruns);
		bind_blob(st, s, 19, st->pack[0].buf, st->pack[0].len);
	}
	err = stmt_step(st, s);
	if (err >= 0) {
		err = 0;
		id = sqlite3_last_insert_rowid(st->db);
	}
	stmt_done(st, S_SERIES_INSERT, s);
	err = doc_conflict(st, err);
	if (err || !ds->supported)
		return err;
	return samples_insert(st, id, ds);
}

int store_run_ingest(struct store *st, int64_t host_id, const struct doc *d, int64_t *run_id,
		     bool *existed)
{
	int64_t t = now(), kernel_id = 0, rid = 0, owner = 0, case_id = 0;
	int err, i, j;

	*existed = false;
	err = stmt_exec(st, S_BEGIN);
	if (err)
		return err;

	err = run_owner(st, d->run_uuid, &rid, &owner);
	if (!err) {
		/* an upload retried: store nothing, not even last_seen_at */
		if (owner != host_id) {
			err = fail(st, -EEXIST, "run '%s' is stored for another host", d->run_uuid);
		} else {
			*existed = true;
			*run_id = rid;
		}
		goto out_rollback;
	}
	if (err != -ENOENT)
		goto out_rollback;

	err = host_touch(st, host_id, d, t);
	if (err)
		goto out_rollback;
	err = kernel_upsert(st, d, t, &kernel_id);
	if (err)
		goto out_rollback;
	err = run_insert(st, host_id, kernel_id, d, t, &rid);
	if (err)
		goto out_rollback;
	for (i = 0; i < d->ncases; i++) {
		const struct doc_case *c = &d->cases[i];

		err = case_insert(st, rid, c, &case_id);
		if (err)
			goto out_rollback;
		for (j = 0; j < c->nseries; j++) {
			err = series_insert(st, case_id, &c->series[j]);
			if (err)
				goto out_rollback;
		}
	}
	err = stmt_exec(st, S_COMMIT);
	if (err)
		goto out_rollback;
	*run_id = rid;
	return 0;

out_rollback:
	tx_rollback(st);
	return err;
}

/* ---- runs ------------------------------------------------------------ */

static void read_run(sqlite3_stmt *s, void *p)
{
	struct store_run *r = p;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, r->uuid, sizeof(r->uuid));
	r->host_id = sqlite3_column_int64(s, 2);
	col_text(s, 3, r->host, sizeof(r->host));
	r->kernel_id = sqlite3_column_int64(s, 4);
	col_text(s, 5, r->kernel, sizeof(r->kernel));
	col_text(s, 6, r->release, sizeof(r->release));
	r->received_at = sqlite3_column_int64(s, 7);
	col_text(s, 8, r->started_at, sizeof(r->started_at));
	col_text(s, 9, r->finished_at, sizeof(r->finished_at));
	col_text(s, 10, r->tool_version, sizeof(r->tool_version));
	r->size_bytes = (uint64_t)sqlite3_column_int64(s, 11);
	r->runs = (unsigned)sqlite3_column_int64(s, 12);
	r->iterations = (unsigned)sqlite3_column_int64(s, 13);
	r->munmap_iterations = (unsigned)sqlite3_column_int64(s, 14);
	r->warmup = (unsigned)sqlite3_column_int64(s, 15);
	r->complete = sqlite3_column_int(s, 16) != 0;
	r->doc_bytes = sqlite3_column_int64(s, 17);
	r->noise_known = sqlite3_column_type(s, 18) != SQLITE_NULL;
	col_text(s, 18, r->noise, sizeof(r->noise));
}

static int run_one(struct store *st, enum stmt_id id, sqlite3_stmt *s, struct store_run *out)
{
	return row_one(st, id, s, read_run, out);
}

int store_run_get(struct store *st, int64_t id, struct store_run *out)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_RUN_GET, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, id);
	return run_one(st, S_RUN_GET, s, out);
}

int store_run_by_uuid(struct store *st, const char *uuid, struct store_run *out)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_RUN_BY_UUID, &s);
	if (err)
		return err;
	bind_text(st, s, 1, uuid);
	return run_one(st, S_RUN_BY_UUID, s, out);
}

int store_host_kernel_runs(struct store *st, int64_t host_id, const char *kernel_ident,
			   store_run_cb cb, void *ctx)
{
	struct store_run r;
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_HOST_KERNEL_RUNS, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, host_id);
	bind_text(st, s, 2, kernel_ident);
	for (;;) {
		err = stmt_step(st, s);
		if (err <= 0)
			break;
		read_run(s, &r);
		err = cb(ctx, &r);
		if (err)
			break;
	}
	stmt_done(st, S_HOST_KERNEL_RUNS, s);
	return err;
}

static void read_summary(sqlite3_stmt *s, int i, struct stats_summary *sum, double *median)
{
	sum->n = (size_t)sqlite3_column_int64(s, i);
	sum->mean = col_real(s, i + 1);
	sum->stdev = col_real(s, i + 2);
	*median = col_real(s, i + 3);
	sum->min = col_real(s, i + 4);
	sum->max = col_real(s, i + 5);
}

static int read_series(struct store *st, sqlite3_stmt *s, struct store_series *se)
{
	const unsigned char *p;
	size_t n, i, max = sizeof(se->run_means) / sizeof(se->run_means[0]);

	memset(se, 0, sizeof(*se));
	se->id = sqlite3_column_int64(s, 0);
	col_text(s, 1, se->workload, sizeof(se->workload));
	col_text(s, 2, se->layout, sizeof(se->layout));
	col_text(s, 3, se->mapping, sizeof(se->mapping));
	se->order = sqlite3_column_int(s, 4);
	se->iterations = (unsigned)sqlite3_column_int64(s, 5);
	se->layout_ok = sqlite3_column_int(s, 6) != 0;
	col_text(s, 7, se->layout_reason, sizeof(se->layout_reason));
	col_text(s, 8, se->folios, sizeof(se->folios));
	se->runs_ok = (unsigned)sqlite3_column_int64(s, 9);
	col_text(s, 10, se->metric, sizeof(se->metric));
	se->supported = sqlite3_column_int(s, 11) != 0;
	col_text(s, 12, se->event, sizeof(se->event));
	col_text(s, 13, se->reason, sizeof(se->reason));
	se->multiplexed = sqlite3_column_int(s, 14) != 0;
	read_summary(s, 15, &se->runs_sum, &se->runs_median);
	read_summary(s, 21, &se->it_sum, &se->it_median);

	p = sqlite3_column_blob(s, 27);
	n = (size_t)sqlite3_column_bytes(s, 27);
	if (n % 8)
		return fail(st, -EIO, "series %lld: run_means of %zu bytes, not float64s",
			    (long long)se->id, n);
	n /= 8;
	se->nrun_means = (unsigned)(n < max ? n : max);
	for (i = 0; i < se->nrun_means; i++)
		se->run_means[i] = unpack_f64(p + 8 * i);
	return 0;
}

/* Hand each summary row of the bound statement s (id) to cb. */
static int series_iter(struct store *st, enum stmt_id id, sqlite3_stmt *s, store_series_cb cb,
		       void *ctx)
{
	struct store_series se;
	int err;

	for (;;) {
		err = stmt_step(st, s);
		if (err <= 0)
			break;
		err = read_series(st, s, &se);
		if (err)
			break;
		err = cb(ctx, &se);
		if (err)
			break;
	}
	stmt_done(st, id, s);
	return err;
}

int store_run_series(struct store *st, int64_t run_id, store_series_cb cb, void *ctx)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_RUN_SERIES, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, run_id);
	return series_iter(st, S_RUN_SERIES, s, cb, ctx);
}

int store_series_samples(struct store *st, int64_t series_id, double **values, size_t *nvalues,
			 uint32_t **run_len, size_t *nruns)
{
	const unsigned char *lp, *dp;
	size_t ln, dn, i;
	double *v = NULL;
	uint32_t *rl = NULL;
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_SAMPLES_GET, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, series_id);
	err = stmt_step(st, s);
	if (err <= 0) {
		if (err == 0)
			err = -ENOENT;
		goto out;
	}
	lp = sqlite3_column_blob(s, 0);
	ln = (size_t)sqlite3_column_bytes(s, 0);
	dp = sqlite3_column_blob(s, 1);
	dn = (size_t)sqlite3_column_bytes(s, 1);
	if (ln % 4 || dn % 8) {
		err = fail(st, -EIO, "series %lld: samples of %zu and %zu bytes, not uint32s "
			   "and float64s", (long long)series_id, ln, dn);
		goto out;
	}
	ln /= 4;
	dn /= 8;
	/* at least one byte each, so that an empty result is still free()able */
	rl = malloc(ln ? ln * sizeof(*rl) : 1);
	v = malloc(dn ? dn * sizeof(*v) : 1);
	if (!rl || !v) {
		err = fail(st, -ENOMEM, "out of memory");
		goto out_free;
	}
	for (i = 0; i < ln; i++)
		rl[i] = unpack_u32(lp + 4 * i);
	for (i = 0; i < dn; i++)
		v[i] = unpack_f64(dp + 8 * i);
	*values = v;
	*nvalues = dn;
	*run_len = rl;
	*nruns = ln;
	err = 0;
	goto out;

out_free:
	free(v);
	free(rl);
out:
	stmt_done(st, S_SAMPLES_GET, s);
	return err;
}

int store_host_has_complete_run(struct store *st, int64_t host_id, const char *kernel_ident,
				bool *has)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_HAS_COMPLETE, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, host_id);
	bind_text(st, s, 2, kernel_ident);
	err = stmt_step(st, s);
	if (err == 1) {
		*has = sqlite3_column_int(s, 0) != 0;
		err = 0;
	} else if (err == 0) {
		err = fail(st, -EIO, "EXISTS returned no row");
	}
	stmt_done(st, S_HAS_COMPLETE, s);
	return err;
}

int store_kernel_get(struct store *st, const char *ident, struct store_kernel *out)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_KERNEL_GET, &s);
	if (err)
		return err;
	bind_text(st, s, 1, ident);
	return row_one(st, S_KERNEL_GET, s, read_kernel, out);
}

int store_host_kernel_series(struct store *st, int64_t host_id, const char *kernel_ident,
			     store_series_cb cb, void *ctx)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_HOST_KERNEL_SERIES, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, host_id);
	bind_text(st, s, 2, kernel_ident);
	return series_iter(st, S_HOST_KERNEL_SERIES, s, cb, ctx);
}

int store_host_previous_kernel(struct store *st, int64_t host_id, const char *kernel_ident,
			       char *out, size_t len)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_HOST_PREV_KERNEL, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, host_id);
	bind_text(st, s, 2, kernel_ident);
	err = stmt_step(st, s);
	if (err == 1) {
		col_text(s, 0, out, len);
		err = 0;
	} else if (err == 0) {
		err = -ENOENT;
	}
	stmt_done(st, S_HOST_PREV_KERNEL, s);
	return err;
}

/* ---- alerts ---------------------------------------------------------- */

int store_alert_add(struct store *st, int64_t host_id, const struct store_alert *a, int64_t *id,
		    bool *created)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_ALERT_INSERT, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, host_id);
	bind_text(st, s, 2, a->kernel);
	bind_text(st, s, 3, a->base);
	bind_text(st, s, 4, a->workload);
	bind_text(st, s, 5, a->layout);
	bind_text(st, s, 6, a->metric);
	bind_text(st, s, 7, a->kind);
	bind_real(st, s, 8, a->delta_pct);
	bind_real(st, s, 9, a->ci_lo_pct);
	bind_real(st, s, 10, a->ci_hi_pct);
	bind_real(st, s, 11, a->p);
	bind_text(st, s, 12, a->summary);
	bind_i64(st, s, 13, now());
	err = stmt_step(st, s);
	if (err >= 0) {
		*created = sqlite3_changes(st->db) > 0;
		err = 0;
	}
	stmt_done(st, S_ALERT_INSERT, s);
	if (err)
		return err;
	err = stmt_get(st, S_ALERT_ID, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, host_id);
	bind_text(st, s, 2, a->kernel);
	bind_text(st, s, 3, a->workload);
	bind_text(st, s, 4, a->layout);
	bind_text(st, s, 5, a->metric);
	err = stmt_step(st, s);
	if (err == 1) {
		*id = sqlite3_column_int64(s, 0);
		err = 0;
	} else if (err == 0) {
		err = fail(st, -ENOENT, "no kernel '%s' or '%s' for the alert", a->kernel, a->base);
	}
	stmt_done(st, S_ALERT_ID, s);
	return err;
}

static void read_alert(sqlite3_stmt *s, void *p)
{
	struct store_alert *a = p;

	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(s, 0);
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
	a->state_at = sqlite3_column_int64(s, 15);
	a->created_at = sqlite3_column_int64(s, 16);
}

int store_alert_list(struct store *st, const struct store_alert_filter *f, unsigned limit,
		     store_alert_cb cb, void *ctx)
{
	struct store_alert a;
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_ALERT_LIST, &s);
	if (err)
		return err;
	bind_text(st, s, 1, f->kind);
	bind_text(st, s, 2, f->state);
	bind_text(st, s, 3, f->host);
	bind_i64(st, s, 4, limit);
	bind_text(st, s, 5, f->kernel);
	for (;;) {
		err = stmt_step(st, s);
		if (err <= 0)
			break;
		read_alert(s, &a);
		err = cb(ctx, &a);
		if (err)
			break;
	}
	stmt_done(st, S_ALERT_LIST, s);
	return err;
}

int store_alert_get(struct store *st, int64_t id, struct store_alert *out)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_ALERT_GET, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, id);
	return row_one(st, S_ALERT_GET, s, read_alert, out);
}

int store_alert_triage(struct store *st, int64_t id, const char *state, const char *by)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_ALERT_TRIAGE, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, id);
	bind_text(st, s, 2, state);
	bind_text(st, s, 3, by);
	bind_i64(st, s, 4, now());
	return host_update(st, S_ALERT_TRIAGE, s);
}

int store_host_pin_baseline(struct store *st, const char *name, const char *kernel_ident)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_HOST_PIN, &s);
	if (err)
		return err;
	bind_text(st, s, 1, name);
	bind_text(st, s, 2, kernel_ident);
	return host_update(st, S_HOST_PIN, s);
}

int store_host_pinned_baseline(struct store *st, int64_t host_id, char *out, size_t len)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_HOST_PINNED, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, host_id);
	err = stmt_step(st, s);
	if (err == 1) {
		col_text(s, 0, out, len);
		err = 0;
	} else if (err == 0) {
		err = -ENOENT;
	}
	stmt_done(st, S_HOST_PINNED, s);
	return err;
}

/* ---- deliveries ------------------------------------------------------ */

int store_delivery_add(struct store *st, int64_t host_id, const char *kernel, const char *channel,
		       const char *target)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_DELIVERY_ADD, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, host_id);
	bind_text(st, s, 2, kernel);
	bind_text(st, s, 3, channel);
	bind_text(st, s, 4, target);
	bind_i64(st, s, 5, now());
	err = stmt_step(st, s);
	if (err > 0)
		err = 0;
	stmt_done(st, S_DELIVERY_ADD, s);
	return err;
}

int store_delivery_due(struct store *st, int64_t at, unsigned limit, store_delivery_cb cb, void *ctx)
{
	struct store_delivery d;
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_DELIVERY_DUE, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, at);
	bind_i64(st, s, 2, limit);
	for (;;) {
		err = stmt_step(st, s);
		if (err <= 0)
			break;
		memset(&d, 0, sizeof(d));
		d.id = sqlite3_column_int64(s, 0);
		col_text(s, 1, d.host, sizeof(d.host));
		col_text(s, 2, d.kernel, sizeof(d.kernel));
		col_text(s, 3, d.channel, sizeof(d.channel));
		col_text(s, 4, d.target, sizeof(d.target));
		d.attempts = (unsigned)sqlite3_column_int64(s, 5);
		err = cb(ctx, &d);
		if (err)
			break;
	}
	stmt_done(st, S_DELIVERY_DUE, s);
	return err;
}

int store_delivery_result(struct store *st, int64_t id, bool ok, const char *detail, int64_t next_at)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_exec(st, S_BEGIN);
	if (err)
		return err;
	err = stmt_get(st, S_DELIVERY_ATTEMPT, &s);
	if (!err) {
		bind_i64(st, s, 1, id);
		bind_i64(st, s, 2, now());
		bind_i64(st, s, 3, ok);
		bind_text(st, s, 4, detail);
		err = stmt_step(st, s);
		stmt_done(st, S_DELIVERY_ATTEMPT, s);
	}
	if (err >= 0) {
		err = stmt_get(st, S_DELIVERY_UPDATE, &s);
		if (!err) {
			bind_i64(st, s, 1, id);
			bind_i64(st, s, 2, ok);
			bind_i64(st, s, 3, now());
			bind_i64(st, s, 4, next_at);
			err = stmt_step(st, s);
			stmt_done(st, S_DELIVERY_UPDATE, s);
		}
	}
	if (err >= 0)
		err = stmt_exec(st, S_COMMIT);
	if (err >= 0)
		return 0;
	tx_rollback(st);
	return err;
}

int store_delivery_log(struct store *st, const char *host, const char *kernel,
		       store_delivery_log_cb cb, void *ctx)
{
	struct store_delivery_attempt a;
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_DELIVERY_LOG, &s);
	if (err)
		return err;
	bind_text(st, s, 1, host);
	bind_text(st, s, 2, kernel);
	for (;;) {
		err = stmt_step(st, s);
		if (err <= 0)
			break;
		memset(&a, 0, sizeof(a));
		a.delivery_id = sqlite3_column_int64(s, 0);
		col_text(s, 1, a.channel, sizeof(a.channel));
		col_text(s, 2, a.target, sizeof(a.target));
		col_text(s, 3, a.state, sizeof(a.state));
		a.attempts = (unsigned)sqlite3_column_int64(s, 4);
		a.at = sqlite3_column_int64(s, 5);
		a.tried = sqlite3_column_type(s, 5) != SQLITE_NULL;
		a.ok = sqlite3_column_int(s, 6) != 0;
		col_text(s, 7, a.detail, sizeof(a.detail));
		err = cb(ctx, &a);
		if (err)
			break;
	}
	stmt_done(st, S_DELIVERY_LOG, s);
	return err;
}

int store_kernel_hosts(struct store *st, const char *kernel_ident, store_name_cb cb, void *ctx)
{
	char name[STORE_NAME_MAX];
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_KERNEL_HOSTS, &s);
	if (err)
		return err;
	bind_text(st, s, 1, kernel_ident);
	for (;;) {
		err = stmt_step(st, s);
		if (err <= 0)
			break;
		col_text(s, 0, name, sizeof(name));
		err = cb(ctx, name);
		if (err)
			break;
	}
	stmt_done(st, S_KERNEL_HOSTS, s);
	return err;
}

int store_host_trend(struct store *st, int64_t host_id, store_trend_cb cb, void *ctx)
{
	struct store_trend_point p;
	sqlite3_stmt *s = NULL;
	int err;

	err = stmt_get(st, S_HOST_TREND, &s);
	if (err)
		return err;
	bind_i64(st, s, 1, host_id);
	for (;;) {
		err = stmt_step(st, s);
		if (err <= 0)
			break;
		memset(&p, 0, sizeof(p));
		col_text(s, 0, p.kernel, sizeof(p.kernel));
		col_text(s, 1, p.workload, sizeof(p.workload));
		col_text(s, 2, p.layout, sizeof(p.layout));
		p.order = sqlite3_column_int(s, 3);
		p.layout_ok = sqlite3_column_int(s, 4) != 0;
		p.n = (unsigned)sqlite3_column_int(s, 5);
		p.mean = col_real(s, 6);
		p.stdev = col_real(s, 7);
		err = cb(ctx, &p);
		if (err)
			break;
	}
	stmt_done(st, S_HOST_TREND, s);
	return err;
}

int64_t store_total_changes(struct store *st)
{
	return sqlite3_total_changes64(st->db);
}
