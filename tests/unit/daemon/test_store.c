// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the store (daemon/store_*.c): schema and migrations,
 * hosts, ingest (round trip, idempotence, atomicity), kernels and runs, on
 * a fresh database per test: an SQLite file in a temporary directory, or,
 * with FW_TEST_PG set to the URI of a PostgreSQL database that the test
 * may empty, that database with a fresh schema (tests/run-all.sh runs
 * both).  A look at what the store wrote goes through a raw connection of
 * either engine; the few tests of one engine's files skip on the other.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "daemon/migrations.h"
#include "daemon/store.h"
#include "lib/sampcodec.h"
#include "lib/stats.h"

/* ---- fixture --------------------------------------------------------- */

struct fixture {
	char dir[64];
	char path[512];
	struct store *st;
};

/* The PostgreSQL database under test, or NULL for SQLite files. */
static const char *pg_uri;

/* sqlite's text, or PostgreSQL's where it differs */
#define D(sqlite, pg) (pg_uri ? (pg) : (sqlite))

static void skip_on_pg(void)
{
	if (pg_uri) {
		print_message("  (SQLite's files only)\n");
		skip();
	}
}

static void pg_must(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
}

/* An empty public schema: nothing of an earlier test, not even the schema version. */
static void pg_empty(void)
{
	PGconn *c = PQconnectdb(pg_uri);

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("%s: %s", pg_uri, PQerrorMessage(c));
	pg_must(c, "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public");
	PQfinish(c);
}

static void rm_db(const char *path)
{
	char p[600];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* A temporary directory and the path of a database in it, not opened. */
static int setup_dir(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/fw-test-store.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	if (pg_uri) {
		pg_empty();
		snprintf(f->path, sizeof(f->path), "%s", pg_uri);
	} else {
		snprintf(f->path, sizeof(f->path), "%s/fw.db", f->dir);
	}
	*state = f;
	return 0;
}

static int setup_open(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct fixture *f;

	setup_dir(state);
	f = *state;
	assert_int_equal(store_open(&f->st, f->path, &err), 0);
	assert_non_null(f->st);
	strbuf_release(&err);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[160];

	store_close(f->st);
	if (!pg_uri)
		rm_db(f->path);
	snprintf(p, sizeof(p), "%s/junk", f->dir);
	unlink(p);
	assert_int_equal(rmdir(f->dir), 0);
	free(f);
	return 0;
}

/*
 * A raw connection of either engine, to look at what the store wrote or
 * to prepare a database: SQL with ?N parameters (blobs only), and the
 * first column of the first row.
 */
struct raw {
	sqlite3 *db;
	PGconn *pg;
};

static struct raw *raw_open(const char *path)
{
	struct raw *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	if (pg_uri) {
		r->pg = PQconnectdb(pg_uri);
		if (PQstatus(r->pg) != CONNECTION_OK)
			fail_msg("%s: %s", pg_uri, PQerrorMessage(r->pg));
		pg_must(r->pg, "SET client_min_messages = warning");
	} else {
		assert_int_equal(sqlite3_open(path, &r->db), SQLITE_OK);
	}
	return r;
}

static void raw_close(struct raw *r)
{
	sqlite3_close(r->db);
	PQfinish(r->pg);
	free(r);
}

/* ?N -> $N for PostgreSQL (the test's SQL quotes no '?'). */
static void pg_params(const char *sql, char *out, size_t size)
{
	size_t o = 0;

	for (; *sql && o + 2 < size; sql++)
		out[o++] = *sql == '?' ? '$' : *sql;
	out[o] = '\0';
}

/*
 * Run sql with n blob parameters; *bytes (may be NULL) receives a malloc'ed
 * copy of the first column of the first row (NULL when none), *len its size.
 */
static void raw_run(struct raw *r, const char *sql, int n, const void *const *blobs,
		    const size_t *lens, unsigned char **bytes, size_t *len)
{
	const void *p = NULL;
	size_t sz = 0;
	int i;

	if (bytes)
		*bytes = NULL;
	if (r->pg) {
		char q[4096];
		const char *vals[8];
		int lengths[8], formats[8];
		Oid types[8];
		PGresult *res;
		unsigned char *un = NULL;

		assert_true(n <= 8);
		for (i = 0; i < n; i++) {
			vals[i] = blobs[i];
			lengths[i] = (int)lens[i];
			formats[i] = 1;
			types[i] = 17; /* bytea */
		}
		pg_params(sql, q, sizeof(q));
		res = PQexecParams(r->pg, q, n, types, vals, lengths, formats, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
			fail_msg("%s: %s", q, PQresultErrorMessage(res));
		if (bytes && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
			p = PQgetvalue(res, 0, 0);
			sz = (size_t)PQgetlength(res, 0, 0);
			if (PQftype(res, 0) == 17) {
				un = PQunescapeBytea(p, &sz);
				p = un;
			}
			*bytes = malloc(sz + 1);
			assert_non_null(*bytes);
			memcpy(*bytes, p, sz);
			(*bytes)[sz] = '\0';
			*len = sz;
		}
		PQfreemem(un);
		PQclear(res);
		return;
	}
	{
		sqlite3_stmt *s;
		int rc;

		if (sqlite3_prepare_v2(r->db, sql, -1, &s, NULL) != SQLITE_OK)
			fail_msg("%s: %s", sql, sqlite3_errmsg(r->db));
		for (i = 0; i < n; i++)
			sqlite3_bind_blob(s, i + 1, blobs[i], (int)lens[i], SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			fail_msg("%s: %s", sql, sqlite3_errmsg(r->db));
		if (bytes && rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
			p = sqlite3_column_type(s, 0) == SQLITE_BLOB ? sqlite3_column_blob(s, 0)
								     : (const void *)sqlite3_column_text(s, 0);
			sz = (size_t)sqlite3_column_bytes(s, 0);
			*bytes = malloc(sz + 1);
			assert_non_null(*bytes);
			memcpy(*bytes, p, sz);
			(*bytes)[sz] = '\0';
			*len = sz;
		}
		sqlite3_finalize(s);
	}
}

/* Statements without parameters, several at once. */
static void raw_exec(struct raw *r, const char *sql)
{
	char *msg = NULL;

	if (r->pg) {
		pg_must(r->pg, sql);
		return;
	}
	if (sqlite3_exec(r->db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

/* The first column of the first row, as text (a copy to free). */
static char *raw_text(struct raw *r, const char *sql)
{
	unsigned char *b;
	size_t n;

	raw_run(r, sql, 0, NULL, NULL, &b, &n);
	if (!b)
		fail_msg("%s: no row", sql);
	return (char *)b;
}

static int64_t raw_int(struct raw *r, const char *sql)
{
	char *t = raw_text(r, sql);
	int64_t v = strtoll(t, NULL, 10);

	free(t);
	return v;
}

/* An INSERT's new id. */
static int64_t raw_insert(struct raw *r, const char *sql, int n, const void *const *blobs,
			  const size_t *lens)
{
	char q[2048];
	unsigned char *b = NULL;
	size_t len;
	int64_t id;

	if (!r->pg) {
		raw_run(r, sql, n, blobs, lens, NULL, NULL);
		return sqlite3_last_insert_rowid(r->db);
	}
	snprintf(q, sizeof(q), "%s RETURNING id", sql);
	raw_run(r, q, n, blobs, lens, &b, &len);
	assert_non_null(b);
	id = strtoll((char *)b, NULL, 10);
	free(b);
	return id;
}

/* The tables of the database named in names ('a', 'b', ...). */
static int64_t raw_tables(struct raw *r, const char *names)
{
	char sql[512];

	snprintf(sql, sizeof(sql), D("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (%s)",
				     "SELECT count(*) FROM information_schema.tables WHERE "
				     "table_schema = 'public' AND table_name IN (%s)"), names);
	return raw_int(r, sql);
}

static int64_t raw_version(struct raw *r)
{
	if (!r->pg)
		return raw_int(r, "PRAGMA user_version");
	return raw_tables(r, "'schema_version'") ? raw_int(r, "SELECT max(version) FROM schema_version") : 0;
}

static int64_t count_rows(const char *path, const char *table)
{
	char sql[96];
	struct raw *db = raw_open(path);
	int64_t n;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	n = raw_int(db, sql);
	raw_close(db);
	return n;
}

static void token(uint8_t hash[32], int seed)
{
	memset(hash, seed, 32);
}

static int64_t make_host(struct store *st, const char *name, int seed)
{
	uint8_t h[32];
	int64_t id = 0;

	token(h, seed);
	assert_int_equal(store_host_create(st, name, "lab.example", h, &id), 0);
	assert_true(id > 0);
	return id;
}

/* ---- a document built by hand --------------------------------------- */

#define NCASES 2
#define NSERIES 3
#define NRUNS 2
#define NVALUES 5

/* A NaN with a payload: the store must keep its bits, not just NaN-ness. */
static double odd_nan(void)
{
	uint64_t u = 0x7ff8000000000123ull;
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

static bool same_bits(double a, double b)
{
	return !memcmp(&a, &b, sizeof(a));
}

/* Summaries read back: equal numbers, or both non-finite (NULL -> NaN). */
static void assert_same_num(double got, double want)
{
	if (!isfinite(want))
		assert_true(isnan(got));
	else
		assert_true(got == want);
}

static double median(const double *v, size_t n)
{
	double tmp[NVALUES];
	size_t k = 0, i, j;

	for (i = 0; i < n; i++)
		if (isfinite(v[i]))
			tmp[k++] = v[i];
	if (!k)
		return NAN;
	for (i = 1; i < k; i++)
		for (j = i; j > 0 && tmp[j - 1] > tmp[j]; j--) {
			double t = tmp[j];

			tmp[j] = tmp[j - 1];
			tmp[j - 1] = t;
		}
	return k % 2 ? tmp[k / 2] : (tmp[k / 2 - 1] + tmp[k / 2]) / 2;
}

/* The document and every buffer it points into: build in place, never copy. */
struct tdoc {
	struct doc d;
	struct doc_case cases[NCASES];
	struct doc_series series[NCASES][NSERIES];
	uint32_t run_len[NCASES][NSERIES][NRUNS];
	double values[NCASES][NSERIES][NVALUES];
	double run_means[NCASES][NSERIES][NRUNS];
	char cpu_model[256], host_json[256], version[128];
	char folios[NCASES][64], layout_reason[NCASES][128];
	char event[NCASES][NSERIES][64], reason[NCASES][128];
};

/*
 * 2 cases (fork order-0, fork order-9) x 3 series (ns and page_faults
 * supported, cycles unsupported) x 2 runs of 3 and 2 values.
 */
static void make_doc(struct tdoc *t, const char *uuid, const char *commit, const char *release)
{
	struct doc *d = &t->d;
	int c, m, r;

	memset(t, 0, sizeof(*t));
	snprintf(d->run_uuid, sizeof(d->run_uuid), "%s", uuid);
	strcpy(d->tool_version, "0.1.0");
	strcpy(d->started_at, "2024-03-01T10:00:00Z");
	strcpy(d->finished_at, "2024-03-01T10:05:00Z");
	strcpy(d->host.hostname, "lab-1");
	strcpy(d->host.arch, "x86_64");
	strcpy(t->cpu_model, "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz");
	d->host.cpu_model = t->cpu_model;
	d->host.cpus = 2;
	d->host.mem_bytes = 8LL << 30;
	d->host.page_size = 4096;
	strcpy(t->host_json, "{\"hostname\": \"lab-1\", \"arch\": \"x86_64\"}");
	d->host_json = t->host_json;
	snprintf(d->kernel.release, sizeof(d->kernel.release), "%s", release);
	snprintf(d->kernel.commit, sizeof(d->kernel.commit), "%s", commit);
	strcpy(d->kernel.build_id, "0123456789abcdef");
	strcpy(t->version, "Linux version 6.8.0 (gcc 12.2.0)");
	d->kernel.version = t->version;
	if (*commit)
		snprintf(d->kernel_ident, sizeof(d->kernel_ident), "%s", commit);
	else
		snprintf(d->kernel_ident, sizeof(d->kernel_ident), "release:%s", release);
	d->params.size_bytes = 1ULL << 30;
	d->params.runs = NRUNS;
	d->params.iterations = 3;
	d->params.fresh_iterations = 2;
	d->params.warmup = 1;
	d->ncases = NCASES;
	d->cases = t->cases;
	d->complete = true;
	d->bytes = 12345;

	for (c = 0; c < NCASES; c++) {
		struct doc_case *dc = &t->cases[c];

		strcpy(dc->workload, "fork");
		strcpy(dc->layout, c ? "order-9" : "order-0");
		dc->order = c ? 9 : 0;
		strcpy(dc->mapping, "pte");
		dc->iterations = 3;
		dc->layout_ok = c == 0;
		if (c) {
			strcpy(t->layout_reason[c], "folio order 4 where order 9 was asked");
			dc->layout_reason = t->layout_reason[c];
		}
		snprintf(t->folios[c], sizeof(t->folios[c]), "{\"%d\": %d}", dc->order,
			 c ? 512 : 262144);
		dc->folios_json = t->folios[c];
		dc->runs_ok = NRUNS;
		dc->nseries = NSERIES;
		dc->series = t->series[c];

		for (m = 0; m < NSERIES; m++) {
			struct doc_series *s = &t->series[c][m];
			size_t off = 0;

			strcpy(s->metric, (const char *[]){ "ns", "page_faults", "cycles" }[m]);
			if (m == 2) {
				s->supported = false;
				snprintf(t->reason[c], sizeof(t->reason[c]),
					 "perf::CYCLES: perf_event_open: No such file or directory");
				s->reason = t->reason[c];
				stats_summarize(NULL, 0, &s->runs_sum);
				stats_summarize(NULL, 0, &s->it_sum);
				s->runs_median = s->it_median = NAN;
				continue;
			}
			s->supported = true;
			strcpy(t->event[c][m], m ? "perf::PAGE-FAULTS" : "clock_gettime");
			s->event = t->event[c][m];
			s->multiplexed = m == 1;
			s->nruns = NRUNS;
			t->run_len[c][m][0] = 3;
			t->run_len[c][m][1] = 2;
			s->run_len = t->run_len[c][m];
			for (r = 0; r < NVALUES; r++)
				t->values[c][m][r] = m ? 1000.0 * c + r + 1 : 1e6 + 1000.0 * c + 7.25 * r;
			if (m == 1)
				t->values[c][m][1] = odd_nan(); /* a counter that did not run */
			s->values = t->values[c][m];
			s->nvalues = NVALUES;
			for (r = 0; r < NRUNS; r++) {
				t->run_means[c][m][r] = stats_mean(s->values + off, s->run_len[r]);
				off += s->run_len[r];
			}
			s->run_means = t->run_means[c][m];
			stats_summarize(s->run_means, NRUNS, &s->runs_sum);
			stats_summarize(s->values, NVALUES, &s->it_sum);
			s->runs_median = median(s->run_means, NRUNS);
			s->it_median = median(s->values, NVALUES);
		}
	}
}

/* ---- collecting callbacks -------------------------------------------- */

struct hosts_seen {
	int n;
	struct store_host h[8];
};

static int collect_host(void *ctx, const struct store_host *h)
{
	struct hosts_seen *hs = ctx;

	assert_true(hs->n < 8);
	hs->h[hs->n++] = *h;
	return 0;
}

struct kernels_seen {
	int n;
	struct store_kernel k[8];
};

static int collect_kernel(void *ctx, const struct store_kernel *k)
{
	struct kernels_seen *ks = ctx;

	assert_true(ks->n < 8);
	ks->k[ks->n++] = *k;
	return 0;
}

struct runs_seen {
	int n;
	struct store_run r[8];
};

static int collect_run(void *ctx, const struct store_run *r)
{
	struct runs_seen *rs = ctx;

	assert_true(rs->n < 8);
	rs->r[rs->n++] = *r;
	return 0;
}

struct series_seen {
	int n;
	struct store_series s[NCASES * NSERIES + 2];
};

static int collect_series(void *ctx, const struct store_series *s)
{
	struct series_seen *ss = ctx;

	assert_true(ss->n < NCASES * NSERIES + 2);
	ss->s[ss->n++] = *s;
	return 0;
}

static int stop_with_7(void *ctx, const void *row)
{
	(void)row;
	++*(int *)ctx;
	return 7;
}

static int stop_host(void *ctx, const struct store_host *h)
{
	return stop_with_7(ctx, h);
}

static int stop_kernel(void *ctx, const struct store_kernel *k)
{
	return stop_with_7(ctx, k);
}

static int series_count(struct store *st, int64_t run_id)
{
	struct series_seen ss = { 0 };

	assert_int_equal(store_run_series(st, run_id, collect_series, &ss), 0);
	return ss.n;
}

static int64_t uploads_of(struct store *st, const char *name)
{
	struct store_host h;

	assert_int_equal(store_host_get(st, name, &h), 0);
	return h.uploads;
}

/* ---- open and migrations --------------------------------------------- */

static void test_open_creates_schema(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct store *st2 = NULL;
	struct store_host h;
	struct raw *db;

	assert_true(store_schema_latest() >= 1);
	assert_int_equal(store_schema_version(f->st), store_schema_latest());
	make_host(f->st, "lab-1", 1);

	db = raw_open(f->path);
	assert_int_equal(raw_tables(db, "'hosts', 'kernels', 'runs', 'cases', 'series', 'samples', "
				    "'sessions', 'auth_failures'"), 8);
	assert_int_equal(raw_version(db), store_schema_latest());
	raw_close(db);

	/* a second connection while the first is open, then a reopen */
	assert_int_equal(store_open(&st2, f->path, &err), 0);
	assert_int_equal(store_schema_version(st2), store_schema_latest());
	assert_int_equal(store_host_get(st2, "lab-1", &h), 0);
	store_close(st2);
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_open(&f->st, f->path, &err), 0);
	assert_int_equal(store_schema_version(f->st), store_schema_latest());
	assert_int_equal(store_host_get(f->st, "lab-1", &h), 0);
	assert_string_equal(err.buf, "");
	strbuf_release(&err);
}

/* The journal mode is persistent in the file: a raw look sees WAL. */
static void test_open_uses_wal(void **state)
{
	struct fixture *f = *state;
	struct raw *db;
	char *mode;

	skip_on_pg();
	db = raw_open(f->path);
	mode = raw_text(db, "PRAGMA journal_mode");
	assert_string_equal(mode, "wal");
	free(mode);
	raw_close(db);
}

static void test_open_newer_refused(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct store *st = NULL;
	char want[64], *mode;
	struct raw *db = raw_open(f->path);

	raw_exec(db, D("CREATE TABLE t (x); PRAGMA user_version = 99",
		       "CREATE TABLE schema_version (version BIGINT NOT NULL); "
		       "INSERT INTO schema_version VALUES (99)"));
	raw_close(db);
	assert_int_equal(store_open(&st, f->path, &err), -EPROTO);
	assert_null(st);
	assert_non_null(strstr(err.buf, f->path));
	assert_non_null(strstr(err.buf, "schema version 99"));
	snprintf(want, sizeof(want), "this forkwatchd's %d", store_schema_latest());
	assert_non_null(strstr(err.buf, want));
	assert_non_null(strstr(err.buf, "upgrade forkwatchd"));
	strbuf_release(&err);

	/* and it touched nothing */
	db = raw_open(f->path);
	assert_int_equal(raw_version(db), 99);
	assert_int_equal(raw_tables(db, "'hosts'"), 0);
	if (!pg_uri) {
		mode = raw_text(db, "PRAGMA journal_mode");
		assert_string_equal(mode, "delete");
		free(mode);
	}
	raw_close(db);
}

/* A database from before any migration: schema version 0 and no tables. */
static void test_open_migrates_old_database(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct raw *db = raw_open(f->path);

	raw_exec(db, D("CREATE TABLE t (x); DROP TABLE t", "CREATE TABLE t (x int); DROP TABLE t"));
	assert_int_equal(raw_version(db), 0);
	raw_close(db);

	assert_int_equal(store_open(&f->st, f->path, &err), 0);
	assert_int_equal(store_schema_version(f->st), store_schema_latest());
	make_host(f->st, "lab-1", 1);
	strbuf_release(&err);

	db = raw_open(f->path);
	assert_int_equal(raw_version(db), store_schema_latest());
	assert_int_equal(raw_int(db, "SELECT count(*) FROM hosts"), 1);
	raw_close(db);
}

static void test_open_errors(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct store *st = NULL;
	char path[640];
	FILE *fp;
	int i;

	if (pg_uri) {
		/* a database the server does not have: named, the password left out */
		snprintf(path, sizeof(path), "postgresql://fw:secret@/no_such_db?host=%s", f->dir);
		assert_true(store_open(&st, path, &err) < 0);
		assert_null(st);
		assert_non_null(strstr(err.buf, "cannot connect to database 'postgresql://fw@/no_such_db"));
		assert_null(strstr(err.buf, "secret"));
		strbuf_release(&err);
		return;
	}
	snprintf(path, sizeof(path), "%s/no-such-dir/fw.db", f->dir);
	assert_true(store_open(&st, path, &err) < 0);
	assert_null(st);
	assert_non_null(strstr(err.buf, "no-such-dir' does not exist"));
	assert_non_null(strstr(err.buf, path));

	snprintf(path, sizeof(path), "%s/junk", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (i = 0; i < 200; i++)
		fputs("this is a text file, not a database\n", fp);
	fclose(fp);
	strbuf_reset(&err);
	assert_int_equal(store_open(&st, path, &err), -EIO);
	assert_null(st);
	assert_non_null(strstr(err.buf, "not an SQLite database"));
	assert_non_null(strstr(err.buf, path));
	strbuf_release(&err);
}

/* ---- hosts ----------------------------------------------------------- */

static void test_hosts(void **state)
{
	struct fixture *f = *state;
	struct hosts_seen hs = { 0 };
	struct store_host h;
	uint8_t t1[32], t9[32];
	char long_name[STORE_NAME_MAX + 1], long_host[DOC_NAME_MAX + 1];
	int64_t id1, id2, retired_at;
	int calls = 0;

	id1 = make_host(f->st, "lab-1", 1);
	id2 = make_host(f->st, "lab-2", 2);
	assert_true(id1 != id2);
	token(t1, 1);
	token(t9, 9);
	assert_int_equal(store_host_create(f->st, "lab-1", "x", t9, NULL), -EEXIST);
	assert_int_equal(store_host_create(f->st, "lab-9", "x", t1, NULL), -EEXIST);
	assert_true(strlen(store_errmsg(f->st)) > 0);
	memset(long_name, 'a', STORE_NAME_MAX);
	long_name[STORE_NAME_MAX] = '\0';
	assert_int_equal(store_host_create(f->st, long_name, "x", t9, NULL), -EINVAL);
	assert_int_equal(store_host_create(f->st, "", "x", t9, NULL), -EINVAL);
	assert_int_equal(store_host_create(f->st, "lab-9", "", t9, NULL), -EINVAL);
	memset(long_host, 'h', DOC_NAME_MAX);
	long_host[DOC_NAME_MAX] = '\0';
	assert_int_equal(store_host_create(f->st, "lab-9", long_host, t9, NULL), -EINVAL);
	long_host[DOC_NAME_MAX - 1] = '\0';
	long_name[STORE_NAME_MAX - 1] = '\0'; /* the longest that read back whole */
	assert_int_equal(store_host_create(f->st, long_name, long_host, t9, NULL), 0);
	assert_int_equal(store_host_get(f->st, long_name, &h), 0);
	assert_string_equal(h.name, long_name);
	assert_string_equal(h.hostname, long_host);

	assert_int_equal(store_host_get(f->st, "lab-1", &h), 0);
	assert_int_equal(h.id, id1);
	assert_string_equal(h.name, "lab-1");
	assert_string_equal(h.hostname, "lab.example");
	assert_true(llabs(h.created_at - (int64_t)time(NULL)) < 5);
	assert_int_equal(h.last_seen_at, 0);
	assert_int_equal(h.retired_at, 0);
	assert_int_equal(h.uploads, 0);
	assert_string_equal(h.latest_kernel, "");
	assert_string_equal(h.arch, "");
	assert_int_equal(store_host_get(f->st, "lab-7", &h), -ENOENT);

	assert_int_equal(store_host_by_token(f->st, t1, &h), 0);
	assert_string_equal(h.name, "lab-1");
	token(t9, 10);
	assert_int_equal(store_host_by_token(f->st, t9, &h), -ENOENT);

	assert_int_equal(store_host_list(f->st, false, collect_host, &hs), 0);
	assert_int_equal(hs.n, 3);
	assert_string_equal(hs.h[0].name, long_name); /* by name */
	assert_string_equal(hs.h[1].name, "lab-1");
	assert_string_equal(hs.h[2].name, "lab-2");
	assert_int_equal(store_host_list(f->st, false, stop_host, &calls), 7);
	assert_int_equal(calls, 1);

	assert_int_equal(store_host_rename(f->st, "lab-2", "lab-1"), -EEXIST);
	assert_int_equal(store_host_rename(f->st, "lab-7", "lab-8"), -ENOENT);
	assert_int_equal(store_host_rename(f->st, "lab-2", long_name), -EEXIST);
	long_name[STORE_NAME_MAX - 1] = 'a';
	assert_int_equal(store_host_rename(f->st, "lab-2", long_name), -EINVAL);
	assert_int_equal(store_host_rename(f->st, "lab-2", ""), -EINVAL);
	assert_int_equal(store_host_rename(f->st, "lab-2", "lab-3"), 0);
	assert_int_equal(store_host_get(f->st, "lab-2", &h), -ENOENT);
	assert_int_equal(store_host_get(f->st, "lab-3", &h), 0);
	assert_int_equal(h.id, id2);
	assert_int_equal(store_host_rename(f->st, "lab-3", "lab-3"), 0);

	assert_int_equal(store_host_retire(f->st, "lab-3"), 0);
	assert_int_equal(store_host_get(f->st, "lab-3", &h), 0);
	assert_true(h.retired_at > 0);
	retired_at = h.retired_at;
	assert_int_equal(store_host_retire(f->st, "lab-3"), 0); /* again: kept */
	assert_int_equal(store_host_get(f->st, "lab-3", &h), 0);
	assert_int_equal(h.retired_at, retired_at);
	assert_int_equal(store_host_retire(f->st, "lab-7"), -ENOENT);

	hs.n = 0;
	assert_int_equal(store_host_list(f->st, false, collect_host, &hs), 0);
	assert_int_equal(hs.n, 2);
	assert_string_equal(hs.h[1].name, "lab-1");
	hs.n = 0;
	assert_int_equal(store_host_list(f->st, true, collect_host, &hs), 0);
	assert_int_equal(hs.n, 3);
	assert_string_equal(hs.h[2].name, "lab-3");
	assert_true(hs.h[2].retired_at > 0);

	/* the token still finds a retired host: the caller decides */
	token(t9, 2);
	assert_int_equal(store_host_by_token(f->st, t9, &h), 0);
	assert_string_equal(h.name, "lab-3");
	assert_true(h.retired_at > 0);
}

struct nested {
	struct store *st;
	int outer, inner;
};

static int count_inner(void *ctx, const struct store_host *h)
{
	(void)h;
	++((struct nested *)ctx)->inner;
	return 0;
}

/* A callback that lists hosts again: the same query, nested. */
static int list_again(void *ctx, const struct store_host *h)
{
	struct nested *n = ctx;
	struct store_host h2;

	n->outer++;
	assert_int_equal(store_host_list(n->st, true, count_inner, n), 0);
	assert_int_equal(store_host_get(n->st, h->name, &h2), 0);
	assert_int_equal(h2.id, h->id);
	return 0;
}

static void test_callbacks_may_call_back(void **state)
{
	struct fixture *f = *state;
	struct nested n = { f->st, 0, 0 };

	make_host(f->st, "a", 1);
	make_host(f->st, "b", 2);
	make_host(f->st, "c", 3);
	assert_int_equal(store_host_list(f->st, true, list_again, &n), 0);
	assert_int_equal(n.outer, 3);
	assert_int_equal(n.inner, 9);
}

/* ---- ingest ---------------------------------------------------------- */

#define UUID1 "19dad9c5-d1bb-447a-9173-2455d0d8e7bd"
#define UUID2 "29dad9c5-d1bb-447a-9173-2455d0d8e7bd"
#define UUID3 "39dad9c5-d1bb-447a-9173-2455d0d8e7bd"
#define UUID4 "49dad9c5-d1bb-447a-9173-2455d0d8e7bd"
#define COMMIT1 "deadbeef12345678deadbeef12345678deadbeef"
#define RELEASE1 "6.8.0-rc3-00042-gdeadbeef1234"

/* The samples of got (a series read back) are those of ds, bit for bit; none when unsupported. */
static void check_series_samples(struct store *st, const struct store_series *got,
				 const struct doc_series *ds)
{
	double *v = NULL;
	uint32_t *rl = NULL;
	size_t nv = 0, nr = 0, i;

	assert_string_equal(got->metric, ds->metric);
	if (!ds->supported) {
		assert_int_equal(store_series_samples(st, got->id, &v, &nv, &rl, &nr), -ENOENT);
		return;
	}
	assert_int_equal(store_series_samples(st, got->id, &v, &nv, &rl, &nr), 0);
	assert_int_equal(nv, ds->nvalues);
	assert_int_equal(nr, ds->nruns);
	for (i = 0; i < nv; i++)
		assert_true(same_bits(v[i], ds->values[i])); /* NaN payload too */
	for (i = 0; i < nr; i++)
		assert_int_equal(rl[i], ds->run_len[i]);
	free(v);
	free(rl);
}

static void check_series(struct store *st, const struct store_series *got,
			 const struct doc_case *dc, const struct doc_series *ds)
{
	size_t i;

	assert_string_equal(got->workload, dc->workload);
	assert_string_equal(got->layout, dc->layout);
	assert_string_equal(got->mapping, dc->mapping);
	assert_int_equal(got->order, dc->order);
	assert_int_equal(got->iterations, dc->iterations);
	assert_int_equal(got->layout_ok, dc->layout_ok);
	assert_string_equal(got->layout_reason, dc->layout_reason ? dc->layout_reason : "");
	assert_string_equal(got->folios, dc->folios_json);
	assert_int_equal(got->runs_ok, dc->runs_ok);
	assert_string_equal(got->metric, ds->metric);
	assert_int_equal(got->supported, ds->supported);
	assert_string_equal(got->event, ds->event ? ds->event : "");
	assert_string_equal(got->reason, ds->reason ? ds->reason : "");
	assert_int_equal(got->multiplexed, ds->multiplexed);

	if (!ds->supported) {
		assert_int_equal(got->runs_sum.n, 0);
		assert_int_equal(got->it_sum.n, 0);
		assert_true(isnan(got->runs_sum.mean) && isnan(got->it_sum.max));
		assert_true(isnan(got->runs_median) && isnan(got->it_median));
		assert_int_equal(got->nrun_means, 0);
		check_series_samples(st, got, ds);
		return;
	}
	assert_int_equal(got->runs_sum.n, ds->runs_sum.n);
	assert_same_num(got->runs_sum.mean, ds->runs_sum.mean);
	assert_same_num(got->runs_sum.stdev, ds->runs_sum.stdev);
	assert_same_num(got->runs_sum.min, ds->runs_sum.min);
	assert_same_num(got->runs_sum.max, ds->runs_sum.max);
	assert_same_num(got->runs_median, ds->runs_median);
	assert_int_equal(got->it_sum.n, ds->it_sum.n);
	assert_same_num(got->it_sum.mean, ds->it_sum.mean);
	assert_same_num(got->it_sum.stdev, ds->it_sum.stdev);
	assert_same_num(got->it_sum.min, ds->it_sum.min);
	assert_same_num(got->it_sum.max, ds->it_sum.max);
	assert_same_num(got->it_median, ds->it_median);
	assert_int_equal(got->nrun_means, ds->nruns);
	for (i = 0; i < ds->nruns; i++)
		assert_true(same_bits(got->run_means[i], ds->run_means[i]));
	check_series_samples(st, got, ds);
}

static void test_ingest_round_trip(void **state)
{
	struct fixture *f = *state;
	struct series_seen ss = { 0 };
	struct store_run r, r2;
	struct store_host h;
	struct tdoc *t = malloc(sizeof(*t));
	int64_t host, run_id = 0;
	bool existed = true;
	int c, m;

	assert_non_null(t);
	host = make_host(f->st, "lab-1", 1);
	make_doc(t, UUID1, COMMIT1, RELEASE1);
	assert_true(isnan(t->values[0][1][1]));
	assert_true(isnan(t->run_means[0][1][0]) == 0);
	assert_int_equal(store_run_ingest(f->st, host, &t->d, &run_id, &existed), 0);
	assert_false(existed);
	assert_true(run_id > 0);

	assert_int_equal(store_run_get(f->st, run_id, &r), 0);
	assert_int_equal(r.id, run_id);
	assert_string_equal(r.uuid, UUID1);
	assert_int_equal(r.host_id, host);
	assert_string_equal(r.host, "lab-1");
	assert_true(r.kernel_id > 0);
	assert_string_equal(r.kernel, COMMIT1);
	assert_string_equal(r.release, RELEASE1);
	assert_true(llabs(r.received_at - (int64_t)time(NULL)) < 5);
	assert_string_equal(r.started_at, "2024-03-01T10:00:00Z");
	assert_string_equal(r.finished_at, "2024-03-01T10:05:00Z");
	assert_string_equal(r.tool_version, "0.1.0");
	assert_int_equal(r.size_bytes, 1ULL << 30);
	assert_int_equal(r.runs, NRUNS);
	assert_int_equal(r.iterations, 3);
	assert_int_equal(r.fresh_iterations, 2);
	assert_int_equal(r.warmup, 1);
	assert_true(r.complete);
	assert_int_equal(r.doc_bytes, 12345);
	assert_int_equal(store_run_get(f->st, run_id + 100, &r2), -ENOENT);

	assert_int_equal(store_run_by_uuid(f->st, UUID1, &r2), 0);
	assert_memory_equal(&r, &r2, sizeof(r));
	assert_int_equal(store_run_by_uuid(f->st, UUID2, &r2), -ENOENT);

	assert_int_equal(store_run_series(f->st, run_id, collect_series, &ss), 0);
	assert_int_equal(ss.n, NCASES * NSERIES);
	for (c = 0; c < NCASES; c++)
		for (m = 0; m < NSERIES; m++)
			check_series(f->st, &ss.s[c * NSERIES + m], &t->cases[c], &t->series[c][m]);
	assert_int_equal(series_count(f->st, run_id + 100), 0);

	assert_int_equal(store_host_get(f->st, "lab-1", &h), 0);
	assert_int_equal(h.uploads, 1);
	assert_string_equal(h.latest_kernel, COMMIT1);
	assert_string_equal(h.arch, "x86_64");
	assert_string_equal(h.cpu_model, t->cpu_model);
	assert_int_equal(h.cpus, 2);
	assert_int_equal(h.mem_bytes, 8LL << 30);
	assert_int_equal(h.page_size, 4096);
	assert_true(llabs(h.last_seen_at - (int64_t)time(NULL)) < 5);

	/* host_facts is the document's host object, as given */
	{
		struct raw *db = raw_open(f->path);
		char *facts = raw_text(db, "SELECT host_facts FROM runs");

		assert_string_equal(facts, t->host_json);
		free(facts);
		raw_close(db);
	}
	/* a document without a noise snapshot: not recorded */
	assert_false(r.noise_known);
	assert_string_equal(r.noise, "");
	free(t);
}

/* The noisy sources of a document's snapshot: kept and read back; quiet is "" but known. */
static void test_ingest_noise(void **state)
{
	struct fixture *f = *state;
	struct tdoc *t = malloc(sizeof(*t));
	struct store_run r;
	int64_t host, run_id = 0;
	bool existed;
	char noise[] = "damon khugepaged hypervisor", quiet[] = "";

	assert_non_null(t);
	host = make_host(f->st, "lab-1", 1);
	make_doc(t, UUID1, COMMIT1, RELEASE1);
	t->d.noise = noise;
	assert_int_equal(store_run_ingest(f->st, host, &t->d, &run_id, &existed), 0);
	assert_int_equal(store_run_get(f->st, run_id, &r), 0);
	assert_true(r.noise_known);
	assert_string_equal(r.noise, "damon khugepaged hypervisor");

	make_doc(t, UUID2, COMMIT1, RELEASE1);
	t->d.noise = quiet;
	assert_int_equal(store_run_ingest(f->st, host, &t->d, &run_id, &existed), 0);
	assert_int_equal(store_run_by_uuid(f->st, UUID2, &r), 0);
	assert_true(r.noise_known);
	assert_string_equal(r.noise, "");
	free(t);
}

/*
 * Run means are float64s, little-endian by definition whatever the host
 * is; samples are one blob per case in lib/sampcodec.h's format, holding
 * its supported series.
 */
static void test_blob_format(void **state)
{
	static const unsigned char one[8] = { 0, 0, 0, 0, 0, 0, 0xf0, 0x3f };
	struct fixture *f = *state;
	struct tdoc *t = malloc(sizeof(*t));
	struct sampcodec_set set;
	struct raw *db;
	unsigned char *b;
	char sql[256];
	int64_t host, run_id;
	bool existed;
	int c, m;
	size_t i, n;

	assert_non_null(t);
	host = make_host(f->st, "lab-1", 1);
	make_doc(t, UUID1, COMMIT1, RELEASE1);
	t->run_means[0][0][0] = 1.0; /* 0x3ff0000000000000 */
	assert_int_equal(store_run_ingest(f->st, host, &t->d, &run_id, &existed), 0);

	db = raw_open(f->path);
	raw_run(db, "SELECT s.run_means FROM series s JOIN cases c ON c.id = s.case_id "
		"WHERE c.layout = 'order-0' AND s.metric = 'ns'", 0, NULL, NULL, &b, &n);
	assert_non_null(b);
	assert_int_equal(n, 8 * NRUNS);
	assert_memory_equal(b, one, 8);
	free(b);

	for (c = 0; c < NCASES; c++) {
		snprintf(sql, sizeof(sql), "SELECT v.data FROM samples v JOIN cases c ON c.id = "
			 "v.case_id WHERE c.layout = '%s'", t->cases[c].layout);
		raw_run(db, sql, 0, NULL, NULL, &b, &n);
		assert_non_null(b);
		assert_int_equal(b[0], 1); /* version */
		assert_int_equal(sampcodec_decode(NULL, b, n, 1000, &set), 0);
		assert_int_equal(set.n, 2); /* ns and page_faults; cycles is unsupported */
		assert_null(sampcodec_set_find(&set, "cycles"));
		for (m = 0; m < 2; m++) {
			const struct sampcodec_series *x = sampcodec_set_find(&set, t->series[c][m].metric);

			assert_non_null(x);
			assert_int_equal(x->nruns, NRUNS);
			assert_int_equal(x->run_len[0], 3);
			assert_int_equal(x->run_len[1], 2);
			assert_int_equal(x->nvalues, NVALUES);
			for (i = 0; i < NVALUES; i++)
				assert_true(same_bits(x->values[i], t->values[c][m][i])); /* the NaN's payload too */
		}
		sampcodec_set_release(&set);
		free(b);
	}

	/* unsupported: a status, a reason, no numbers */
	assert_int_equal(raw_int(db, "SELECT count(*) FROM series WHERE metric = 'cycles' AND "
				     "status = 'unsupported' AND reason IS NOT NULL AND "
				     "runs_n IS NULL AND runs_mean IS NULL AND it_n IS NULL AND "
				     "it_max IS NULL AND run_means IS NULL"), NCASES);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM series WHERE status = 'ok' AND "
				     "length(run_means) = 16"), NCASES * 2);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM samples"), NCASES);
	raw_close(db);
	free(t);
}

/* A summary that is no number is stored as NULL and reads back as NaN. */
static void test_non_finite_summaries(void **state)
{
	struct fixture *f = *state;
	struct series_seen ss = { 0 };
	struct tdoc *t = malloc(sizeof(*t));
	int64_t host, run_id;
	bool existed;
	struct raw *db;

	assert_non_null(t);
	host = make_host(f->st, "lab-1", 1);
	make_doc(t, UUID1, COMMIT1, RELEASE1);
	t->series[0][0].runs_sum.stdev = NAN;
	t->series[0][0].it_sum.max = INFINITY;
	t->series[0][0].runs_median = -INFINITY;
	assert_int_equal(store_run_ingest(f->st, host, &t->d, &run_id, &existed), 0);
	assert_int_equal(store_run_series(f->st, run_id, collect_series, &ss), 0);
	assert_true(isnan(ss.s[0].runs_sum.stdev));
	assert_true(isnan(ss.s[0].it_sum.max));
	assert_true(isnan(ss.s[0].runs_median));
	assert_true(isfinite(ss.s[0].runs_sum.mean));

	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM series WHERE metric = 'ns' AND "
				     "runs_stdev IS NULL AND it_max IS NULL AND runs_median IS NULL"),
			 1);
	raw_close(db);
	free(t);
}

static void test_ingest_idempotent(void **state)
{
	struct fixture *f = *state;
	struct kernels_seen ks = { 0 };
	struct tdoc *t = malloc(sizeof(*t));
	int64_t host, run_id = 0, again = 0;
	bool existed = true;

	assert_non_null(t);
	host = make_host(f->st, "lab-1", 1);
	make_doc(t, UUID1, COMMIT1, RELEASE1);
	assert_int_equal(store_run_ingest(f->st, host, &t->d, &run_id, &existed), 0);
	assert_false(existed);
	assert_int_equal(store_run_ingest(f->st, host, &t->d, &again, &existed), 0);
	assert_true(existed);
	assert_int_equal(again, run_id);

	/* the retry may differ (say a rebuilt document): still nothing stored */
	t->cases[1].series[0].values[0] = 1;
	assert_int_equal(store_run_ingest(f->st, host, &t->d, &again, &existed), 0);
	assert_true(existed);
	assert_int_equal(again, run_id);

	assert_int_equal(uploads_of(f->st, "lab-1"), 1);
	assert_int_equal(series_count(f->st, run_id), NCASES * NSERIES);
	assert_int_equal(store_kernel_list(f->st, 0, collect_kernel, &ks), 0);
	assert_int_equal(ks.n, 1);
	assert_int_equal(ks.k[0].uploads, 1);
	assert_int_equal(count_rows(f->path, "runs"), 1);
	assert_int_equal(count_rows(f->path, "cases"), NCASES);
	assert_int_equal(count_rows(f->path, "series"), NCASES * NSERIES);
	assert_int_equal(count_rows(f->path, "samples"), NCASES); /* a blob per case */
	free(t);
}

static void test_ingest_uuid_of_other_host(void **state)
{
	struct fixture *f = *state;
	struct tdoc *t = malloc(sizeof(*t));
	struct store_host h;
	int64_t a, b, run_id = 0, other = -1;
	bool existed = true;

	assert_non_null(t);
	a = make_host(f->st, "lab-a", 1);
	b = make_host(f->st, "lab-b", 2);
	make_doc(t, UUID1, COMMIT1, RELEASE1);
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &run_id, &existed), 0);
	assert_int_equal(store_run_ingest(f->st, b, &t->d, &other, &existed), -EEXIST);
	assert_false(existed);
	assert_int_equal(uploads_of(f->st, "lab-a"), 1);
	assert_int_equal(store_host_get(f->st, "lab-b", &h), 0);
	assert_int_equal(h.uploads, 0);
	assert_int_equal(h.last_seen_at, 0); /* refused: not even seen */
	assert_int_equal(count_rows(f->path, "runs"), 1);

	/* a host that does not exist */
	make_doc(t, UUID2, COMMIT1, RELEASE1);
	assert_int_equal(store_run_ingest(f->st, b + 100, &t->d, &other, &existed), -ENOENT);
	assert_int_equal(count_rows(f->path, "runs"), 1);
	free(t);
}

/* Calibration profiles: idempotent on their uuid, one host's each, the latest by finished_at. */
static void test_calibrations(void **state)
{
	struct fixture *f = *state;
	struct strbuf doc = STRBUF_INIT;
	int64_t a = make_host(f->st, "lab-a", 1), b = make_host(f->st, "lab-b", 2), at = 0;
	bool existed = true;

	assert_int_equal(store_calibration_latest(f->st, a, &doc, &at), -ENOENT);
	assert_int_equal(store_calibration_put(f->st, a, UUID1, "2026-12-06T11:00:00Z", RELEASE1, "",
					       "{\"n\": 1}", &existed), 0);
	assert_false(existed);
	assert_int_equal(store_calibration_put(f->st, a, UUID1, "2026-12-06T11:00:00Z", RELEASE1, "",
					       "{\"n\": 1}", &existed), 0);
	assert_true(existed);
	assert_int_equal(store_calibration_put(f->st, b, UUID1, "2026-12-06T11:00:00Z", RELEASE1, "",
					       "{\"n\": 1}", &existed), -EEXIST);
	/*
	 * the last stored is the latest, whatever finished_at says: a machine
	 * whose clock ran ahead must not hide every later calibration
	 */
	assert_int_equal(store_calibration_put(f->st, a, UUID2, "2026-12-05T09:00:00Z", RELEASE1, COMMIT1,
					       "{\"n\": 2}", &existed), 0);
	assert_int_equal(store_calibration_latest(f->st, a, &doc, &at), 0);
	assert_string_equal(doc.buf, "{\"n\": 2}");
	assert_true(at > 0);
	assert_int_equal(store_calibration_latest(f->st, b, &doc, NULL), -ENOENT);
	assert_int_equal(count_rows(f->path, "calibrations"), 2);
	/* a host keeps its newest STORE_CALIBRATIONS_KEEP, the other host's untouched */
	assert_int_equal(store_calibration_put(f->st, b, UUID3, "2026-12-06T11:00:00Z", RELEASE1, "",
					       "{\"n\": 3}", &existed), 0);
	for (int i = 0; i < STORE_CALIBRATIONS_KEEP + 5; i++) {
		char uuid[40], d[32];

		snprintf(uuid, sizeof(uuid), "%08x-d1bb-447a-9173-2455d0d8e7bd", 0x70000000u + (unsigned)i);
		snprintf(d, sizeof(d), "{\"n\": %d}", 100 + i);
		assert_int_equal(store_calibration_put(f->st, a, uuid, "2026-12-06T12:00:00Z", RELEASE1, "", d,
						       &existed), 0);
		assert_false(existed);
	}
	assert_int_equal(count_rows(f->path, "calibrations"), STORE_CALIBRATIONS_KEEP + 1);
	assert_int_equal(store_calibration_latest(f->st, a, &doc, NULL), 0);
	assert_non_null(strstr(doc.buf, "{\"n\": 136}"));
	strbuf_reset(&doc);
	assert_int_equal(store_calibration_latest(f->st, b, &doc, NULL), 0);
	assert_string_equal(doc.buf, "{\"n\": 3}");
	strbuf_release(&doc);
}

struct sessions_seen {
	unsigned n;
	struct store_session_point p[16];
};

static int collect_session(void *ctx, const struct store_session_point *p)
{
	struct sessions_seen *s = ctx;

	if (s->n < 16)
		s->p[s->n] = *p;
	s->n++;
	return 0;
}

/*
 * The session level's summaries: only kernels uploaded twice or more,
 * verified layouts and supported metrics, in case, metric, kernel and
 * newest-first order, of the placement asked for.
 */
static void test_host_sessions(void **state)
{
	struct fixture *f = *state;
	struct sessions_seen ss = { 0 };
	struct tdoc *t = malloc(sizeof(*t));
	int64_t a, id1, id2, id3;
	bool existed;

	assert_non_null(t);
	a = make_host(f->st, "lab-a", 1);
	make_doc(t, UUID1, COMMIT1, RELEASE1);
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &id1, &existed), 0);
	make_doc(t, UUID2, COMMIT1, RELEASE1);
	t->values[0][0][0] *= 2; /* another level: another mean */
	t->run_means[0][0][0] = stats_mean(t->values[0][0], 3);
	stats_summarize(t->run_means[0][0], NRUNS, &t->series[0][0].runs_sum);
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &id2, &existed), 0);
	make_doc(t, UUID3, "2222222222222222222222222222222222222222", "6.8.0-p"); /* once: not a session level's */
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &id3, &existed), 0);

	assert_int_equal(store_host_sessions(f->st, a, NULL, collect_session, &ss), 0);
	/* order-0 (order-9 did not verify), ns and page_faults (cycles unsupported), two uploads */
	assert_int_equal(ss.n, 4);
	assert_string_equal(ss.p[0].metric, "ns");
	assert_string_equal(ss.p[1].metric, "ns");
	assert_string_equal(ss.p[2].metric, "page_faults");
	assert_string_equal(ss.p[0].layout, "order-0");
	assert_int_equal(ss.p[0].iterations, 3);
	assert_int_equal(ss.p[0].n, NRUNS);
	assert_true(ss.p[0].kernel_id == ss.p[1].kernel_id);
	/* newest first: the second upload's larger mean */
	assert_true(ss.p[0].mean > ss.p[1].mean);
	assert_true(isfinite(ss.p[0].stdev));
	ss.n = 0;
	assert_int_equal(store_host_sessions(f->st, a, "free", collect_session, &ss), 0);
	assert_int_equal(ss.n, 4);
	ss.n = 0;
	assert_int_equal(store_host_sessions(f->st, a, "same", collect_session, &ss), 0);
	assert_int_equal(ss.n, 0);
	free(t);
}

/* A document that fails half-way stores nothing of itself. */
static void test_ingest_is_atomic(void **state)
{
	struct fixture *f = *state;
	struct kernels_seen ks = { 0 };
	struct tdoc *t = malloc(sizeof(*t));
	struct store_run r;
	struct store_host h;
	int64_t host, run_id = 0;
	bool existed = true;

	assert_non_null(t);
	host = make_host(f->st, "lab-1", 1);

	/* the second case repeats the first: UNIQUE (run_id, workload, layout) */
	make_doc(t, UUID1, COMMIT1, RELEASE1);
	strcpy(t->cases[1].layout, t->cases[0].layout);
	assert_int_equal(store_run_ingest(f->st, host, &t->d, &run_id, &existed), -EINVAL);
	assert_false(existed);
	assert_non_null(strstr(store_errmsg(f->st), D("UNIQUE", "unique constraint")));

	/* a metric twice in a case: UNIQUE (case_id, metric), in the last case */
	make_doc(t, UUID1, COMMIT1, RELEASE1);
	strcpy(t->series[1][2].metric, "ns");
	assert_int_equal(store_run_ingest(f->st, host, &t->d, &run_id, &existed), -EINVAL);

	/* run lengths that do not add up to the values */
	make_doc(t, UUID1, COMMIT1, RELEASE1);
	t->run_len[1][1][1] = 3;
	assert_int_equal(store_run_ingest(f->st, host, &t->d, &run_id, &existed), -EINVAL);

	assert_int_equal(store_run_by_uuid(f->st, UUID1, &r), -ENOENT);
	assert_int_equal(store_host_get(f->st, "lab-1", &h), 0);
	assert_int_equal(h.uploads, 0);
	assert_int_equal(h.last_seen_at, 0);
	assert_string_equal(h.arch, "");
	assert_int_equal(store_kernel_list(f->st, 0, collect_kernel, &ks), 0);
	assert_int_equal(ks.n, 0); /* the kernel it created went too */
	assert_int_equal(count_rows(f->path, "runs"), 0);
	assert_int_equal(count_rows(f->path, "cases"), 0);
	assert_int_equal(count_rows(f->path, "series"), 0);
	assert_int_equal(count_rows(f->path, "samples"), 0);

	/* and the connection is fine afterwards */
	make_doc(t, UUID1, COMMIT1, RELEASE1);
	assert_int_equal(store_run_ingest(f->st, host, &t->d, &run_id, &existed), 0);
	assert_false(existed);
	assert_int_equal(series_count(f->st, run_id), NCASES * NSERIES);
	free(t);
}

/* ---- kernels and runs ------------------------------------------------ */

static void test_kernels_and_runs(void **state)
{
	struct fixture *f = *state;
	struct kernels_seen ks = { 0 };
	struct runs_seen rs = { 0 };
	struct tdoc *t = malloc(sizeof(*t));
	struct store_host h;
	int64_t a, b, r1, r2, r3, r4;
	bool existed, has = true;
	int calls = 0;

	assert_non_null(t);
	a = make_host(f->st, "lab-a", 1);
	b = make_host(f->st, "lab-b", 2);

	make_doc(t, UUID1, COMMIT1, RELEASE1); /* a, K1, incomplete */
	t->d.complete = false;
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &r1, &existed), 0);
	make_doc(t, UUID2, COMMIT1, RELEASE1); /* b, K1 */
	assert_int_equal(store_run_ingest(f->st, b, &t->d, &r2, &existed), 0);
	make_doc(t, UUID3, "", "6.9.0-custom"); /* a, K2 known by release only */
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &r3, &existed), 0);
	make_doc(t, UUID4, COMMIT1, RELEASE1); /* a, K1 again, other first-seen data */
	strcpy(t->d.kernel.build_id, "ffff");
	t->d.complete = false;
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &r4, &existed), 0);

	/* newest first; all in the same second here, so the later sighting */
	assert_int_equal(store_kernel_list(f->st, 0, collect_kernel, &ks), 0);
	assert_int_equal(ks.n, 2);
	assert_string_equal(ks.k[0].ident, "release:6.9.0-custom");
	assert_string_equal(ks.k[0].commit, "");
	assert_string_equal(ks.k[0].release, "6.9.0-custom");
	assert_string_equal(ks.k[0].parent_commit, "");
	assert_int_equal(ks.k[0].hosts, 1);
	assert_int_equal(ks.k[0].uploads, 1);
	assert_int_equal(ks.k[0].complete_uploads, 1);
	assert_true(llabs(ks.k[0].last_received_at - (int64_t)time(NULL)) < 5);
	assert_string_equal(ks.k[1].ident, COMMIT1);
	assert_string_equal(ks.k[1].commit, COMMIT1);
	assert_string_equal(ks.k[1].release, RELEASE1);
	assert_string_equal(ks.k[1].build_id, "0123456789abcdef"); /* first seen */
	assert_int_equal(ks.k[1].hosts, 2);
	assert_int_equal(ks.k[1].uploads, 3);
	assert_int_equal(ks.k[1].complete_uploads, 1); /* b's */
	assert_true(ks.k[1].first_seen_at > 0);
	assert_int_equal(store_kernel_list(f->st, 0, stop_kernel, &calls), 7);
	assert_int_equal(calls, 1);
	/* a limit keeps the newest, with the same counts */
	ks.n = 0;
	assert_int_equal(store_kernel_list(f->st, 1, collect_kernel, &ks), 0);
	assert_int_equal(ks.n, 1);
	assert_string_equal(ks.k[0].ident, "release:6.9.0-custom");
	assert_int_equal(ks.k[0].uploads, 1);

	ks.n = 0;
	assert_int_equal(store_host_kernels(f->st, a, collect_kernel, &ks), 0);
	assert_int_equal(ks.n, 2);
	assert_string_equal(ks.k[0].ident, "release:6.9.0-custom");
	assert_int_equal(ks.k[0].uploads, 1);
	assert_int_equal(ks.k[0].hosts, 1);
	assert_string_equal(ks.k[1].ident, COMMIT1);
	assert_int_equal(ks.k[1].uploads, 2); /* this host's only */
	assert_int_equal(ks.k[1].hosts, 1);
	assert_int_equal(ks.k[1].complete_uploads, 0);
	assert_true(ks.k[1].last_received_at > 0);
	ks.n = 0;
	assert_int_equal(store_host_kernels(f->st, b, collect_kernel, &ks), 0);
	assert_int_equal(ks.n, 1);
	assert_int_equal(ks.k[0].uploads, 1);
	assert_int_equal(ks.k[0].complete_uploads, 1);

	assert_int_equal(store_host_kernel_runs(f->st, a, COMMIT1, collect_run, &rs), 0);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.r[0].id, r4); /* newest first */
	assert_int_equal(rs.r[1].id, r1);
	assert_string_equal(rs.r[1].uuid, UUID1);
	assert_string_equal(rs.r[1].host, "lab-a");
	rs.n = 0;
	assert_int_equal(store_host_kernel_runs(f->st, b, "release:6.9.0-custom", collect_run, &rs),
			 0);
	assert_int_equal(rs.n, 0);
	assert_int_equal(store_host_kernel_runs(f->st, a, "release:6.9.0-custom", collect_run, &rs),
			 0);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.r[0].id, r3);
	assert_int_equal(r2 > 0, 1);

	assert_int_equal(store_host_has_complete_run(f->st, a, COMMIT1, &has), 0);
	assert_false(has);
	assert_int_equal(store_host_has_complete_run(f->st, b, COMMIT1, &has), 0);
	assert_true(has);
	assert_int_equal(store_host_has_complete_run(f->st, a, "release:6.9.0-custom", &has), 0);
	assert_true(has);
	assert_int_equal(store_host_has_complete_run(f->st, a, "no-such-kernel", &has), 0);
	assert_false(has);

	assert_int_equal(store_host_get(f->st, "lab-a", &h), 0);
	assert_int_equal(h.uploads, 3);
	assert_string_equal(h.latest_kernel, COMMIT1); /* r4 was the last upload */
	free(t);
}

struct claims_seen {
	int n;
	struct store_claim c[4];
};

static int collect_claim(void *ctx, const struct store_claim *c)
{
	struct claims_seen *cs = ctx;

	assert_true(cs->n < 4);
	cs->c[cs->n++] = *c;
	return 0;
}

#define PARENT0 "0000000000000000000000000000000000000000"
#define PARENT1 "1111111111111111111111111111111111111111"
#define PARENT2 "2222222222222222222222222222222222222222"

/*
 * What each host says of a kernel is its own (issue 11, item 1): the
 * first host's parent and release never stand for another's, a parent a
 * host left out is filled by its later upload, its first one stays.
 */
static void test_host_kernel_facts(void **state)
{
	struct fixture *f = *state;
	struct kernels_seen ks = { 0 };
	struct claims_seen cs = { 0 };
	struct tdoc *t = malloc(sizeof(*t));
	char release[DOC_NAME_MAX], parent[DOC_SHA_MAX];
	struct store_kernel k;
	struct store_run r;
	int64_t a, b, c, ra, rb, id;
	unsigned n = 0;
	int64_t first = -1;
	bool existed, known = false;

	assert_non_null(t);
	a = make_host(f->st, "lab-a", 1);
	b = make_host(f->st, "lab-b", 2);
	c = make_host(f->st, "lab-c", 3);

	make_doc(t, UUID1, COMMIT1, RELEASE1); /* a: no parent */
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &ra, &existed), 0);
	make_doc(t, UUID2, COMMIT1, "6.8.0-b"); /* b: parent 1, its own release */
	strcpy(t->d.kernel.parent_commit, PARENT1);
	assert_int_equal(store_run_ingest(f->st, b, &t->d, &rb, &existed), 0);
	make_doc(t, UUID3, COMMIT1, "6.8.0-a-again"); /* a: parent 0 fills the missing one */
	strcpy(t->d.kernel.parent_commit, PARENT0);
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &id, &existed), 0);
	make_doc(t, UUID4, COMMIT1, RELEASE1); /* a: parent 2 changes nothing */
	strcpy(t->d.kernel.parent_commit, PARENT2);
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &id, &existed), 0);

	assert_int_equal(store_host_kernel_facts(f->st, a, COMMIT1, release, sizeof(release), parent,
						 sizeof(parent)), 0);
	assert_string_equal(release, RELEASE1);
	assert_string_equal(parent, PARENT0);
	assert_int_equal(store_host_kernel_facts(f->st, b, COMMIT1, release, sizeof(release), parent,
						 sizeof(parent)), 0);
	assert_string_equal(release, "6.8.0-b");
	assert_string_equal(parent, PARENT1);
	assert_int_equal(store_host_kernel_facts(f->st, c, COMMIT1, release, sizeof(release), parent,
						 sizeof(parent)), -ENOENT);

	/* every host's claim, by name; the kernel's row: disputed, first release, first parent given */
	assert_int_equal(store_kernel_claims(f->st, COMMIT1, collect_claim, &cs), 0);
	assert_int_equal(cs.n, 2);
	assert_string_equal(cs.c[0].host, "lab-a");
	assert_string_equal(cs.c[0].parent_commit, PARENT0);
	assert_string_equal(cs.c[1].host, "lab-b");
	assert_string_equal(cs.c[1].release, "6.8.0-b");
	assert_int_equal(store_kernel_get(f->st, COMMIT1, &k), 0);
	assert_int_equal(k.disputed, STORE_DISPUTED_PARENT | STORE_DISPUTED_RELEASE);
	assert_string_equal(k.release, RELEASE1);
	assert_string_equal(k.parent_commit, PARENT1);
	assert_int_equal(store_kernel_list(f->st, 0, collect_kernel, &ks), 0);
	assert_int_equal(ks.n, 1);
	assert_int_equal(ks.k[0].disputed, STORE_DISPUTED_PARENT | STORE_DISPUTED_RELEASE);

	/* a host's kernels carry its own facts; each run its own release */
	ks.n = 0;
	assert_int_equal(store_host_kernels(f->st, b, collect_kernel, &ks), 0);
	assert_int_equal(ks.n, 1);
	assert_string_equal(ks.k[0].release, "6.8.0-b");
	assert_string_equal(ks.k[0].parent_commit, PARENT1);
	ks.n = 0;
	assert_int_equal(store_host_kernels(f->st, a, collect_kernel, &ks), 0);
	assert_int_equal(ks.n, 1);
	assert_string_equal(ks.k[0].parent_commit, PARENT0);
	assert_int_equal(ks.k[0].uploads, 3);
	assert_int_equal(store_run_get(f->st, rb, &r), 0);
	assert_string_equal(r.release, "6.8.0-b");
	assert_int_equal(store_run_get(f->st, id, &r), 0);
	assert_string_equal(r.release, RELEASE1);

	/* a baseline is a kernel the host ran */
	assert_int_equal(store_host_pin_baseline(f->st, "lab-c", COMMIT1), -ENOENT);
	assert_int_equal(store_host_pin_baseline(f->st, "lab-a", COMMIT1), 0);

	/* the bound on new kernels: a's one kernel, first uploaded now */
	assert_int_equal(store_host_new_kernels(f->st, a, COMMIT1, 0, &known, &n, &first), 0);
	assert_true(known);
	assert_int_equal(n, 1);
	assert_true(first > 0);
	assert_int_equal(store_host_new_kernels(f->st, c, COMMIT1, 0, &known, &n, &first), 0);
	assert_false(known);
	assert_int_equal(n, 0);
	assert_int_equal(first, 0);
	assert_int_equal(store_host_new_kernels(f->st, a, "other", INT64_MAX, &known, &n, &first), 0);
	assert_false(known);
	assert_int_equal(n, 0);
	free(t);
}

struct names_seen {
	unsigned n;
	char v[4][DOC_IDENT_MAX];
};

static int collect_name(void *ctx, const char *name)
{
	struct names_seen *ns = ctx;

	assert_true(ns->n < 4);
	snprintf(ns->v[ns->n++], sizeof(ns->v[0]), "%s", name);
	return 0;
}

/*
 * What a host's comparison of a kernel wants (migration 11): not recorded
 * until set; no baseline; runs, cases and the baseline; cleared; read in
 * a host's kernels; and the kernels an upload of their baseline or parent
 * makes again.
 */
static void test_host_kernel_wants(void **state)
{
	struct fixture *f = *state;
	struct kernels_seen ks = { 0 };
	struct names_seen ns = { 0 };
	struct tdoc *t = malloc(sizeof(*t));
	struct store_wants w = { 0 }, got;
	int64_t a, b, id;
	bool existed;

	assert_non_null(t);
	a = make_host(f->st, "lab-a", 1);
	b = make_host(f->st, "lab-b", 2);
	make_doc(t, UUID1, PARENT1, "6.8.0-p"); /* a: the parent */
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &id, &existed), 0);
	make_doc(t, UUID2, COMMIT1, RELEASE1); /* a: its child */
	strcpy(t->d.kernel.parent_commit, PARENT1);
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &id, &existed), 0);
	make_doc(t, UUID3, PARENT2, "6.8.0-q"); /* a: a third, without a parent */
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &id, &existed), 0);

	assert_int_equal(store_host_kernel_wants(f->st, a, COMMIT1, &got), 0);
	assert_false(got.recorded);
	assert_int_equal(store_host_kernel_wants(f->st, b, COMMIT1, &got), -ENOENT);
	assert_int_equal(store_host_kernel_wants_set(f->st, b, COMMIT1, &w), -ENOENT);

	/* no baseline */
	w.recorded = true;
	assert_int_equal(store_host_kernel_wants_set(f->st, a, PARENT1, &w), 0);
	assert_int_equal(store_host_kernel_wants(f->st, a, PARENT1, &got), 0);
	assert_true(got.recorded);
	assert_false(got.has_base);
	assert_true(got.at > 0);

	/* 12 more runs against the parent */
	w.has_base = true;
	w.runs = 12;
	snprintf(w.cases, sizeof(w.cases), "fork order-0, munmap pmd");
	snprintf(w.base, sizeof(w.base), "%s", PARENT1);
	assert_int_equal(store_host_kernel_wants_set(f->st, a, COMMIT1, &w), 0);
	assert_int_equal(store_host_kernel_wants(f->st, a, COMMIT1, &got), 0);
	assert_true(got.recorded && got.has_base);
	assert_int_equal(got.runs, 12);
	assert_string_equal(got.cases, "fork order-0, munmap pmd");
	assert_string_equal(got.base, PARENT1);

	/* the third compared with the child: 0, every case decides */
	w.runs = 0;
	w.cases[0] = '\0';
	snprintf(w.base, sizeof(w.base), "%s", COMMIT1);
	assert_int_equal(store_host_kernel_wants_set(f->st, a, PARENT2, &w), 0);

	/* in the host's kernels, newest first */
	assert_int_equal(store_host_kernels(f->st, a, collect_kernel, &ks), 0);
	assert_int_equal(ks.n, 3);
	assert_string_equal(ks.k[1].ident, COMMIT1);
	assert_true(ks.k[1].wants.recorded && ks.k[1].wants.has_base);
	assert_int_equal(ks.k[1].wants.runs, 12);
	assert_string_equal(ks.k[1].wants.base, PARENT1);
	assert_string_equal(ks.k[0].ident, PARENT2);
	assert_true(ks.k[0].wants.has_base);
	assert_int_equal(ks.k[0].wants.runs, 0);
	assert_string_equal(ks.k[2].ident, PARENT1);
	assert_true(ks.k[2].wants.recorded);
	assert_false(ks.k[2].wants.has_base);

	/* an upload of the parent makes the child's record again; of the child, the third's */
	assert_int_equal(store_host_kernels_after(f->st, a, PARENT1, collect_name, &ns), 0);
	assert_int_equal(ns.n, 1);
	assert_string_equal(ns.v[0], COMMIT1);
	ns.n = 0;
	assert_int_equal(store_host_kernels_after(f->st, a, COMMIT1, collect_name, &ns), 0);
	assert_int_equal(ns.n, 1);
	assert_string_equal(ns.v[0], PARENT2);
	ns.n = 0;
	assert_int_equal(store_host_kernels_after(f->st, b, PARENT1, collect_name, &ns), 0);
	assert_int_equal(ns.n, 0);

	/* cleared: not recorded */
	assert_int_equal(store_host_kernel_wants_set(f->st, a, COMMIT1, NULL), 0);
	assert_int_equal(store_host_kernel_wants(f->st, a, COMMIT1, &got), 0);
	assert_false(got.recorded);

	/*
	 * as of an upload: the child's first upload's comparison, made
	 * before its second arrived, does not overwrite; the second's does
	 */
	{
		int64_t first, second;

		assert_int_equal(store_run_by_uuid(f->st, UUID2, &(struct store_run){ 0 }), 0);
		make_doc(t, UUID2, COMMIT1, RELEASE1);
		strcpy(t->d.kernel.parent_commit, PARENT1);
		assert_int_equal(store_run_ingest(f->st, a, &t->d, &first, &existed), 0);
		assert_true(existed);
		make_doc(t, UUID4, COMMIT1, RELEASE1);
		strcpy(t->d.kernel.parent_commit, PARENT1);
		assert_int_equal(store_run_ingest(f->st, a, &t->d, &second, &existed), 0);
		assert_false(existed);
		assert_true(second > first);
		w.runs = 5;
		snprintf(w.base, sizeof(w.base), "%s", PARENT1);
		assert_int_equal(store_host_kernel_wants_set_as_of(f->st, a, COMMIT1, &w, first), -ENOENT);
		assert_int_equal(store_host_kernel_wants(f->st, a, COMMIT1, &got), 0);
		assert_false(got.recorded);
		assert_int_equal(store_host_kernel_wants_set_as_of(f->st, a, COMMIT1, &w, second), 0);
		assert_int_equal(store_host_kernel_wants(f->st, a, COMMIT1, &got), 0);
		assert_true(got.recorded);
		assert_int_equal(got.runs, 5);
	}
	free(t);
}

/* ---- hostile strings ------------------------------------------------- */

static int count_series(void *ctx, const struct store_series *s)
{
	int *n = ctx;

	assert_true(s->nrun_means == (s->supported ? NRUNS : 0));
	(*n)++;
	return 0;
}

/* What comparisons read: a kernel by ident, the previous kernel, a kernel's series. */
static void test_comparison_reads(void **state)
{
	struct fixture *f = *state;
	struct tdoc *t = malloc(sizeof(*t));
	struct store_kernel k;
	char prev[DOC_IDENT_MAX];
	int64_t a, r;
	bool existed;
	int n = 0;

	assert_non_null(t);
	a = make_host(f->st, "lab-a", 1);
	make_doc(t, UUID1, COMMIT1, RELEASE1);
	strcpy(t->d.kernel.parent_commit, "0123456789ab");
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &r, &existed), 0);
	make_doc(t, UUID2, "", "6.9.0-custom");
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &r, &existed), 0);
	make_doc(t, UUID3, "", "6.9.0-custom"); /* a second upload of the same kernel */
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &r, &existed), 0);

	assert_int_equal(store_kernel_get(f->st, COMMIT1, &k), 0);
	assert_string_equal(k.parent_commit, "0123456789ab");
	assert_int_equal(store_kernel_get(f->st, "nope", &k), -ENOENT);

	assert_int_equal(store_host_previous_kernel(f->st, a, "release:6.9.0-custom", prev,
						    sizeof(prev)), 0);
	assert_string_equal(prev, COMMIT1);
	assert_int_equal(store_host_previous_kernel(f->st, a, COMMIT1, prev, sizeof(prev)), -ENOENT);

	/* both uploads of the kernel, every case and metric of each */
	assert_int_equal(store_host_kernel_series(f->st, a, "release:6.9.0-custom", NULL, count_series,
						  &n), 0);
	assert_int_equal(n, 2 * NCASES * NSERIES);
	free(t);
}

static void test_sql_metacharacters_verbatim(void **state)
{
	static const char evil[] = "x'); DROP TABLE hosts;--";
	static const char evil2[] = "O'Brien \"CPU\"; DELETE FROM runs; -- %s %n \\ ' `";
	struct fixture *f = *state;
	struct series_seen ss = { 0 };
	struct tdoc *t = malloc(sizeof(*t));
	struct store_host h;
	struct store_run r;
	struct kernels_seen ks = { 0 };
	int64_t host, run_id;
	bool existed;

	assert_non_null(t);
	host = make_host(f->st, evil, 1);
	assert_int_equal(store_host_get(f->st, evil, &h), 0);
	assert_string_equal(h.name, evil);

	make_doc(t, UUID1, "", evil2);
	strcpy(t->cpu_model, evil2);
	strcpy(t->d.tool_version, "0.1'--");
	strcpy(t->layout_reason[1], evil);
	strcpy(t->reason[0], evil2);
	strcpy(t->event[0][1], evil);
	assert_int_equal(store_run_ingest(f->st, host, &t->d, &run_id, &existed), 0);

	assert_int_equal(store_host_get(f->st, evil, &h), 0);
	assert_string_equal(h.cpu_model, evil2);
	assert_int_equal(h.uploads, 1);
	assert_int_equal(store_run_get(f->st, run_id, &r), 0);
	assert_string_equal(r.tool_version, "0.1'--");
	assert_string_equal(r.release, evil2);
	assert_string_equal(r.kernel, t->d.kernel_ident);
	assert_int_equal(store_run_series(f->st, run_id, collect_series, &ss), 0);
	assert_string_equal(ss.s[1].event, evil);
	assert_string_equal(ss.s[2].reason, evil2);
	assert_string_equal(ss.s[NSERIES].layout_reason, evil);
	assert_int_equal(store_kernel_list(f->st, 0, collect_kernel, &ks), 0);
	assert_string_equal(ks.k[0].release, evil2);

	assert_int_equal(store_host_rename(f->st, evil, evil2), 0);
	assert_int_equal(store_host_get(f->st, evil2, &h), 0);
	assert_int_equal(count_rows(f->path, "hosts"), 1);
	assert_int_equal(count_rows(f->path, "runs"), 1);
	free(t);
}

/* Text longer than a struct field is cut at a character boundary. */
static void test_long_text_cut_at_character(void **state)
{
	struct fixture *f = *state;
	struct tdoc *t = malloc(sizeof(*t));
	struct store_host h;
	int64_t host, run_id;
	bool existed;
	char *cpu;
	size_t i;

	assert_non_null(t);
	host = make_host(f->st, "lab-1", 1);
	make_doc(t, UUID1, COMMIT1, RELEASE1);
	cpu = malloc(400);
	assert_non_null(cpu);
	/* "xy" then 2-byte characters: the cut at 255 bytes falls inside one */
	cpu[0] = 'x';
	cpu[1] = 'y';
	for (i = 2; i + 2 < 400; i += 2)
		memcpy(cpu + i, "\xc3\xa9", 2);
	cpu[i] = '\0';
	t->d.host.cpu_model = cpu;
	assert_int_equal(store_run_ingest(f->st, host, &t->d, &run_id, &existed), 0);
	assert_int_equal(store_host_get(f->st, "lab-1", &h), 0);
	assert_int_equal(strlen(h.cpu_model), 254); /* "xy" and 126 whole characters */
	assert_memory_equal(h.cpu_model, cpu, 254);
	free(cpu);
	free(t);
}

/* ---- samples: migration from version 3, retention ----------------------- */

static void put_le(unsigned char *p, uint64_t u, int bytes)
{
	int b;

	for (b = 0; b < bytes; b++)
		p[b] = (unsigned char)(u >> (8 * b));
}

/* n doubles as a float64 array blob, malloc'ed. */
static unsigned char *f64_blob(const double *v, size_t n)
{
	unsigned char *p = malloc(8 * n + 1);
	size_t k;

	assert_non_null(p);
	for (k = 0; k < n; k++) {
		uint64_t u;

		memcpy(&u, &v[k], 8);
		put_le(p + 8 * k, u, 8);
	}
	return p;
}

/*
 * A database of schema version 3 holding the document t of host_id as the
 * version-3 store wrote it: float64 and uint32 arrays per series in
 * samples(series_id, run_lengths, data).  Returns the run's id.
 */
static int64_t v3_put_doc(struct raw *db, int64_t host_id, const struct tdoc *t)
{
	char sql[1024];
	int64_t kernel, run, case_id, series;
	int c, m;
	size_t r;

	snprintf(sql, sizeof(sql), "INSERT INTO kernels (ident, commit_sha, release, first_seen_at) "
		 "VALUES ('%s', '%s', '%s', 1) ON CONFLICT (ident) DO NOTHING", t->d.kernel_ident,
		 t->d.kernel.commit, t->d.kernel.release);
	raw_exec(db, sql);
	snprintf(sql, sizeof(sql), "SELECT id FROM kernels WHERE ident = '%s'", t->d.kernel_ident);
	kernel = raw_int(db, sql);
	snprintf(sql, sizeof(sql), "INSERT INTO runs (uuid, host_id, kernel_id, received_at, size_bytes, "
		 "runs, iterations, complete, doc_bytes) VALUES ('%s', %lld, %lld, 1000, %llu, %u, %u, "
		 "1, 100)", t->d.run_uuid, (long long)host_id, (long long)kernel,
		 (unsigned long long)t->d.params.size_bytes, t->d.params.runs, t->d.params.iterations);
	run = raw_insert(db, sql, 0, NULL, NULL);
	for (c = 0; c < t->d.ncases; c++) {
		const struct doc_case *dc = &t->cases[c];

		snprintf(sql, sizeof(sql), "INSERT INTO cases (run_id, workload, layout, folio_order, "
			 "mapping, iterations, layout_ok, runs_ok) VALUES (%lld, '%s', '%s', %d, '%s', "
			 "%u, %d, %u)", (long long)run, dc->workload, dc->layout, dc->order, dc->mapping,
			 dc->iterations, dc->layout_ok, dc->runs_ok);
		case_id = raw_insert(db, sql, 0, NULL, NULL);
		for (m = 0; m < dc->nseries; m++) {
			const struct doc_series *ds = &dc->series[m];
			unsigned char lens[4 * NRUNS], *means, *data;
			const void *blobs[2];
			size_t sizes[2];

			snprintf(sql, sizeof(sql), "INSERT INTO series (case_id, metric, status, runs_n, "
				 "runs_mean, run_means) VALUES (%lld, '%s', '%s', %u, 1.5, %s)",
				 (long long)case_id, ds->metric, ds->supported ? "ok" : "unsupported",
				 ds->supported ? ds->nruns : 0, ds->supported ? "?1" : "NULL");
			means = f64_blob(ds->run_means, ds->nruns);
			blobs[0] = means;
			sizes[0] = 8 * ds->nruns;
			series = raw_insert(db, sql, ds->supported, blobs, sizes);
			free(means);
			if (!ds->supported)
				continue;
			for (r = 0; r < ds->nruns; r++)
				put_le(lens + 4 * r, ds->run_len[r], 4);
			data = f64_blob(ds->values, ds->nvalues);
			blobs[0] = lens;
			sizes[0] = 4 * ds->nruns;
			blobs[1] = data;
			sizes[1] = 8 * ds->nvalues;
			snprintf(sql, sizeof(sql), "INSERT INTO samples (series_id, run_lengths, data) "
				 "VALUES (%lld, ?1, ?2)", (long long)series);
			raw_run(db, sql, 2, blobs, sizes, NULL, NULL);
			free(data);
		}
	}
	return run;
}

/* A fresh database at schema version 3, with a host "lab-1" (id 1). */
static struct raw *v3_database(const char *path)
{
	struct raw *db = raw_open(path);
	int i;

	for (i = 0; migrations[i].name && migrations[i].version <= 3; i++)
		raw_exec(db, D(migrations[i].sql, migrations[i].pg));
	assert_int_equal(i, 3);
	raw_exec(db, D("PRAGMA user_version = 3", "CREATE TABLE schema_version (version BIGINT NOT NULL); "
			"INSERT INTO schema_version VALUES (3)"));
	raw_exec(db, D("INSERT INTO hosts (name, hostname, token_hash, created_at) "
		       "VALUES ('lab-1', 'lab-1', x'01', 1)",
		       "INSERT INTO hosts (name, hostname, token_hash, created_at) "
		       "VALUES ('lab-1', 'lab-1', '\\x01', 1)"));
	return db;
}

/* Every series of run_id reads back with the values of t, bit for bit. */
static void assert_samples_of(struct store *st, int64_t run_id, const struct tdoc *t)
{
	struct series_seen ss = { 0 };
	int c, m;

	assert_int_equal(store_run_series(st, run_id, collect_series, &ss), 0);
	assert_int_equal(ss.n, NCASES * NSERIES);
	for (c = 0; c < NCASES; c++)
		for (m = 0; m < NSERIES; m++)
			check_series_samples(st, &ss.s[c * NSERIES + m], &t->series[c][m]);
}

/*
 * A database of today's schema (version 3) with samples, some of them
 * hostile values, is migrated in place: the same values come back, bit
 * for bit, from one compressed blob per case; the old table is gone.
 */
static void test_migrate_v3_samples(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct tdoc *t1 = malloc(sizeof(*t1)), *t2 = malloc(sizeof(*t2));
	struct store_run r;
	int64_t run1, run2;
	struct raw *db;

	assert_non_null(t1);
	assert_non_null(t2);
	make_doc(t1, UUID1, COMMIT1, RELEASE1);
	t1->values[0][0][4] = -0.0;
	t1->values[1][0][0] = -1e300;
	t1->values[1][1][2] = 1e18;
	make_doc(t2, UUID2, "", "6.9.0-custom");
	t2->series[1][0].supported = false; /* a case with one supported series left */
	t2->series[1][0].reason = t2->reason[1];
	db = v3_database(f->path);
	run1 = v3_put_doc(db, 1, t1);
	run2 = v3_put_doc(db, 1, t2);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM samples"), 2 * NCASES * 2 - 1);
	raw_close(db);

	assert_int_equal(store_open(&f->st, f->path, &err), 0);
	assert_int_equal(store_schema_version(f->st), store_schema_latest());
	assert_samples_of(f->st, run1, t1);
	assert_samples_of(f->st, run2, t2);
	assert_int_equal(store_run_get(f->st, run1, &r), 0);
	assert_int_equal(r.samples_dropped_at, 0);

	db = raw_open(f->path);
	assert_int_equal(raw_tables(db, "'samples_v3'"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM samples"), 2 * NCASES);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM runs WHERE samples_dropped_at IS NULL"), 2);
	raw_close(db);
	strbuf_release(&err);
	free(t1);
	free(t2);
}

/*
 * A version-3 blob that is no float64 array: migration 5 fails whole, the
 * file stays as migration 4 (the noise column, its own transaction) left it.
 */
static void test_migrate_v3_refuses_damage(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct tdoc *t = malloc(sizeof(*t));
	struct raw *db;

	assert_non_null(t);
	make_doc(t, UUID1, COMMIT1, RELEASE1);
	db = v3_database(f->path);
	v3_put_doc(db, 1, t);
	raw_exec(db, D("UPDATE samples SET data = x'0102030405' WHERE series_id = "
		       "(SELECT max(series_id) FROM samples)",
		       "UPDATE samples SET data = '\\x0102030405' WHERE series_id = "
		       "(SELECT max(series_id) FROM samples)"));
	raw_close(db);

	assert_int_equal(store_open(&f->st, f->path, &err), -EIO);
	assert_null(f->st);
	assert_non_null(strstr(err.buf, "migration 005-compressed-samples failed"));
	assert_non_null(strstr(err.buf, "samples of 8 and 5 bytes"));

	db = raw_open(f->path);
	assert_int_equal(raw_version(db), 4);
	assert_int_equal(raw_tables(db, "'samples_v3'"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM samples WHERE run_lengths IS NOT NULL"),
			 NCASES * 2);
	raw_close(db);
	strbuf_release(&err);
	free(t);
}

#define COMMIT(n) "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee0" #n

/*
 * Retention drops the samples of old runs and keeps every summary, the
 * samples of runs on their host's pinned baseline, of runs on a kernel an
 * alert of their host names (its kernel or its base), and of recent runs.
 */
static void test_retention(void **state)
{
	struct fixture *f = *state;
	struct tdoc *t = malloc(sizeof(*t));
	struct store_alert al;
	struct store_run r;
	int64_t a, b, run[8], alert_id;
	bool existed, created, kept[8];
	unsigned dropped, total = 0, i;
	char uuid[37];
	struct raw *db;
	static const struct { int host, kernel; bool kept; } plan[8] = {
		{ 0, 1, true },  /* a's pinned baseline */
		{ 0, 2, true },  /* the base of a's alert */
		{ 0, 3, true },  /* the kernel of a's alert */
		{ 0, 4, false }, /* old, nothing to keep it */
		{ 0, 5, true },  /* recent */
		{ 1, 1, false }, /* b pinned nothing: a's pin is a's */
		{ 1, 3, false }, /* b has no alert */
		{ 1, 4, false },
	};

	assert_non_null(t);
	a = make_host(f->st, "lab-a", 1);
	b = make_host(f->st, "lab-b", 2);
	for (i = 0; i < 8; i++) {
		snprintf(uuid, sizeof(uuid), "%08u-d1bb-447a-9173-2455d0d8e7bd", i);
		make_doc(t, uuid, (const char *[]){ "", COMMIT(1), COMMIT(2), COMMIT(3), COMMIT(4),
						    COMMIT(5) }[plan[i].kernel], RELEASE1);
		assert_int_equal(store_run_ingest(f->st, plan[i].host ? b : a, &t->d, &run[i], &existed), 0);
	}
	assert_int_equal(store_host_pin_baseline(f->st, "lab-a", COMMIT(1)), 0);
	memset(&al, 0, sizeof(al));
	strcpy(al.kernel, COMMIT(3));
	strcpy(al.base, COMMIT(2));
	strcpy(al.workload, "fork");
	strcpy(al.layout, "order-0");
	strcpy(al.metric, "ns");
	strcpy(al.kind, "regression");
	strcpy(al.summary, "slower");
	assert_int_equal(store_alert_add(f->st, a, &al, &alert_id, &created), 0);
	/* everything but run 4 received 40 days ago */
	db = raw_open(f->path);
	raw_exec(db, "UPDATE runs SET received_at = received_at - 40 * 86400");
	raw_exec(db, "UPDATE runs SET received_at = received_at + 40 * 86400 WHERE id = "
		     "(SELECT id FROM runs ORDER BY id LIMIT 1 OFFSET 4)");
	raw_close(db);

	/* two at a time, until none is left */
	do {
		assert_int_equal(store_samples_drop(f->st, (int64_t)time(NULL) - 30 * 86400, 2,
						    &dropped), 0);
		assert_true(dropped <= 2);
		total += dropped;
	} while (dropped == 2);
	assert_int_equal(total, 4);
	assert_int_equal(store_samples_drop(f->st, (int64_t)time(NULL) - 30 * 86400, 2, &dropped), 0);
	assert_int_equal(dropped, 0);

	for (i = 0; i < 8; i++) {
		struct series_seen ss = { 0 };
		double *v = NULL;
		uint32_t *rl = NULL;
		size_t nv, nr;

		assert_int_equal(store_run_get(f->st, run[i], &r), 0);
		kept[i] = r.samples_dropped_at == 0;
		if (kept[i] != plan[i].kept)
			fail_msg("run %u (host %d, kernel %d): samples %s", i, plan[i].host,
				 plan[i].kernel, kept[i] ? "kept" : "dropped");
		if (!kept[i])
			assert_true(llabs(r.samples_dropped_at - (int64_t)time(NULL)) < 5);
		/* every summary stays */
		assert_int_equal(store_run_series(f->st, run[i], collect_series, &ss), 0);
		assert_int_equal(ss.n, NCASES * NSERIES);
		assert_int_equal(ss.s[0].runs_sum.n, NRUNS);
		assert_int_equal(store_series_samples(f->st, ss.s[0].id, &v, &nv, &rl, &nr),
				 kept[i] ? 0 : -ENOENT);
		if (kept[i]) {
			assert_int_equal(nv, NVALUES);
			free(v);
			free(rl);
		}
	}
	assert_int_equal(count_rows(f->path, "samples"), 4 * NCASES);
	free(t);
}

struct dropper {
	struct store *st;
	int64_t before;
	unsigned dropped;
	int ret;
	bool done;
};

static void *drop_thread(void *p)
{
	struct dropper *d = p;

	d->ret = store_samples_drop(d->st, d->before, 10, &d->dropped);
	__atomic_store_n(&d->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * An alert written by another connection (another forkwatchd on the
 * database) while retention looks: retention waits for its transaction
 * and keeps the samples of the kernel it names, on either engine.
 */
static void test_retention_waits_for_writer(void **state)
{
	struct fixture *f = *state;
	struct tdoc *t = malloc(sizeof(*t));
	struct dropper d = { .st = f->st, .before = (int64_t)time(NULL) - 30 * 86400 };
	struct store_run r;
	int64_t a, run1, run2;
	bool existed;
	struct raw *db, *other;
	pthread_t th;
	char sql[512];

	assert_non_null(t);
	a = make_host(f->st, "lab-a", 1);
	make_doc(t, UUID1, COMMIT(1), RELEASE1);
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &run1, &existed), 0);
	make_doc(t, UUID2, COMMIT(2), RELEASE1);
	assert_int_equal(store_run_ingest(f->st, a, &t->d, &run2, &existed), 0);
	db = raw_open(f->path);
	raw_exec(db, "UPDATE runs SET received_at = received_at - 40 * 86400");
	raw_close(db);

	/* the other writer's alert on run 1's kernel, not committed yet */
	other = raw_open(f->path);
	snprintf(sql, sizeof(sql), "%s; INSERT INTO alerts (host_id, kernel_id, base_kernel_id, workload, "
		 "layout, metric, kind, summary, created_at) SELECT host_id, kernel_id, kernel_id, 'fork', "
		 "'order-0', 'ns', 'regression', 'slower', 1 FROM runs WHERE id = %lld",
		 D("BEGIN IMMEDIATE", "BEGIN"), (long long)run1);
	raw_exec(other, sql);
	assert_int_equal(pthread_create(&th, NULL, drop_thread, &d), 0);
	usleep(300 * 1000);
	assert_false(__atomic_load_n(&d.done, __ATOMIC_ACQUIRE)); /* it waits for the writer */
	raw_exec(other, "COMMIT");
	assert_int_equal(pthread_join(th, NULL), 0);
	raw_close(other);

	assert_int_equal(d.ret, 0);
	assert_int_equal(d.dropped, 1);
	assert_int_equal(store_run_get(f->st, run1, &r), 0);
	assert_int_equal(r.samples_dropped_at, 0); /* the alert's kernel */
	assert_int_equal(store_run_get(f->st, run2, &r), 0);
	assert_true(r.samples_dropped_at != 0);
	free(t);
}

/* ---- shared state: failed token attempts, browser sessions ---------------- */

static void test_auth_failures(void **state)
{
	struct fixture *f = *state;
	unsigned n = 99;

	assert_int_equal(store_auth_failures(f->st, "192.0.2.1", 3600, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_auth_fail(f->st, "192.0.2.1", 3600), 0);
	assert_int_equal(store_auth_fail(f->st, "192.0.2.1", 3600), 0);
	assert_int_equal(store_auth_failures(f->st, "192.0.2.1", 3600, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_auth_fail(f->st, "192.0.2.1", 3600), 0);
	assert_int_equal(store_auth_failures(f->st, "192.0.2.1", 3600, &n), 0);
	assert_int_equal(n, 3);
	/* asking does not count */
	assert_int_equal(store_auth_failures(f->st, "192.0.2.1", 3600, &n), 0);
	assert_int_equal(n, 3);
	/* per address */
	assert_int_equal(store_auth_failures(f->st, "192.0.2.2", 3600, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_auth_fail(f->st, "2001:db8::1", 3600), 0);
	assert_int_equal(store_auth_failures(f->st, "2001:db8::1", 3600, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(count_rows(f->path, "auth_failures"), 2);
}

/* Windows of one second, the same for every call as the daemon's are. */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_auth_failures_window(void **state)
{
	struct fixture *f = *state;
	struct timespec ts = { 1, 100 * 1000 * 1000 }, late = { 0, 900 * 1000 * 1000 },
			tick = { 0, 150 * 1000 * 1000 };
	int64_t after;
	unsigned n;

	assert_int_equal(store_auth_fail(f->st, "192.0.2.1", 1), 0);
	assert_int_equal(store_auth_fail(f->st, "192.0.2.1", 1), 0);
	assert_int_equal(store_auth_fail(f->st, "192.0.2.9", 1), 0);
	assert_int_equal(store_auth_failures(f->st, "192.0.2.1", 1, &n), 0);
	assert_int_equal(n, 2);
	nanosleep(&ts, NULL);
	/* the window has passed: the count starts again */
	assert_int_equal(store_auth_failures(f->st, "192.0.2.1", 1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_auth_fail(f->st, "192.0.2.1", 1), 0);
	after = now_ms();
	assert_int_equal(store_auth_failures(f->st, "192.0.2.1", 1, &n), 0);
	assert_int_equal(n, 1);
	/* the other address's ended window went with that failure */
	assert_int_equal(count_rows(f->path, "auth_failures"), 1);

	/*
	 * A window lasts its whole length, not until the next second's tick
	 * (unless this machine took that long since the failure: then the
	 * window may have ended as it should).
	 */
	nanosleep(&late, NULL);
	assert_int_equal(store_auth_failures(f->st, "192.0.2.1", 1, &n), 0);
	if (now_ms() - after < 1000)
		assert_int_equal(n, 1);
	else
		print_message("the machine took %lld ms: the window's length not checked\n",
			      (long long)(now_ms() - after));
	nanosleep(&tick, NULL);
	assert_int_equal(store_auth_failures(f->st, "192.0.2.1", 1, &n), 0);
	assert_int_equal(n, 0);
}

static void test_sessions(void **state)
{
	struct fixture *f = *state;
	uint8_t a[32], b[32], c[32];
	char csrf[65], who[STORE_NAME_MAX], sql[128];
	int64_t now = (int64_t)time(NULL), used;
	struct raw *db;

	memset(a, 0xaa, sizeof(a));
	memset(b, 0xbb, sizeof(b));
	memset(c, 0xcc, sizeof(c));
	assert_int_equal(store_session_create(f->st, a, "csrf-of-a", "alice", now - 3600, 1024), 0);
	assert_int_equal(store_session_get(f->st, a, now - 3600, csrf, sizeof(csrf), who, sizeof(who)), 0);
	assert_string_equal(csrf, "csrf-of-a");
	assert_string_equal(who, "alice");
	assert_int_equal(store_session_get(f->st, b, now - 3600, NULL, 0, NULL, 0), -ENOENT);
	assert_int_equal(store_session_create(f->st, b, "csrf-of-b", "bob", now - 3600, 1024), 0);
	assert_int_equal(store_session_get(f->st, b, now - 3600, csrf, sizeof(csrf), NULL, 0), 0);
	assert_string_equal(csrf, "csrf-of-b");
	/* idle since before idle_since: gone */
	assert_int_equal(store_session_get(f->st, a, now + 10, NULL, 0, NULL, 0), -ENOENT);
	assert_int_equal(store_session_end(f->st, b), 0);
	assert_int_equal(store_session_get(f->st, b, now - 3600, NULL, 0, NULL, 0), -ENOENT);
	assert_int_equal(store_session_end(f->st, b), 0); /* ending twice is fine */

	/* at most max: the least recently used goes first */
	assert_int_equal(store_session_create(f->st, b, "csrf-of-b", "bob", now - 3600, 1024), 0);
	db = raw_open(f->path);
	raw_exec(db, D("UPDATE sessions SET used_at = used_at - 100 WHERE id_hash = x'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'",
		       "UPDATE sessions SET used_at = used_at - 100 WHERE id_hash = '\\xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'"));
	assert_int_equal(store_session_create(f->st, c, "csrf-of-c", "carol", now - 3600, 2), 0);
	assert_int_equal(store_session_get(f->st, a, now - 3600, NULL, 0, NULL, 0), -ENOENT);
	assert_int_equal(store_session_get(f->st, b, now - 3600, NULL, 0, NULL, 0), 0);
	assert_int_equal(store_session_get(f->st, c, now - 3600, NULL, 0, NULL, 0), 0);
	assert_int_equal(count_rows(f->path, "sessions"), 2);

	/* a use is noted, at most once a minute */
	raw_exec(db, "UPDATE sessions SET used_at = used_at - 120");
	assert_int_equal(store_session_get(f->st, b, now - 3600, NULL, 0, NULL, 0), 0);
	snprintf(sql, sizeof(sql), "SELECT used_at FROM sessions WHERE who = 'bob'");
	used = raw_int(db, sql);
	assert_true(llabs(used - (int64_t)time(NULL)) < 5);
	snprintf(sql, sizeof(sql), "SELECT used_at FROM sessions WHERE who = 'carol'");
	assert_true(raw_int(db, sql) < now - 100);
	raw_close(db);
}

/* How a database is named in messages: a file as it is, a URI without its password. */
static void test_db_describe(void **state)
{
	static const struct {
		const char *db, *said;
		bool file;
	} cases[] = {
		{ "/var/lib/forkwatch/fw.db", "/var/lib/forkwatch/fw.db", true },
		{ "sqlite:fw.db", "fw.db", true },
		{ "sqlite:/tmp/x.db", "/tmp/x.db", true },
		{ "postgresql://fw:secret@db.example:5432/forkwatch", "postgresql://fw@db.example:5432/forkwatch", false },
		{ "postgres://db.example/forkwatch?password=s3cret&sslmode=require",
		  "postgres://db.example/forkwatch?sslmode=require", false },
		{ "postgresql://fw@/db?host=/tmp/x&password=p", "postgresql://fw@/db?host=/tmp/x", false },
		{ "postgresql://u:p@h/d?password=x", "postgresql://u@h/d", false },
		{ "postgresql://h:5432/d", "postgresql://h:5432/d", false },
	};
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strbuf_reset(&sb);
		assert_int_equal(store_db_describe(cases[i].db, &sb), cases[i].file);
		assert_string_equal(sb.buf, cases[i].said);
	}
	strbuf_release(&sb);
}

int main(void)
{
	pg_uri = getenv("FW_TEST_PG");
	if (pg_uri && !*pg_uri)
		pg_uri = NULL;
	print_message("store on %s\n", pg_uri ? pg_uri : "SQLite files");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_schema, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_open_uses_wal, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_open_newer_refused, setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_open_migrates_old_database, setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_hosts, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_callbacks_may_call_back, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_ingest_round_trip, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_ingest_noise, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_blob_format, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_non_finite_summaries, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_ingest_idempotent, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_ingest_uuid_of_other_host, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_calibrations, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_host_sessions, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_ingest_is_atomic, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_kernels_and_runs, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_host_kernel_facts, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_host_kernel_wants, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_comparison_reads, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_sql_metacharacters_verbatim, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_long_text_cut_at_character, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v3_samples, setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v3_refuses_damage, setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_retention, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_retention_waits_for_writer, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_auth_failures, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_auth_failures_window, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup_open, teardown),
		cmocka_unit_test(test_db_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
