// SPDX-License-Identifier: GPL-2.0
/*
 * sqlite-alone: what SQLite by itself sustains for the rows forkwatchd
 * writes per upload, and what reading summaries costs with and without
 * the sample blobs (bench/README.md).  Plain SQLite prepared statements,
 * written apart from the daemon's store, daemon/store_*.c; the one code it
 * shares with forkwatch is the samples codec (lib/sampcodec.c), so that it
 * writes the very blobs the daemon writes.
 *
 *   sqlite-alone ingest --schema DIR --template DOC --count N --db PATH
 *                       [--hosts H] [--threads T] [--seed S]
 *   sqlite-alone read   --db PATH --summary-sql FILE --queries Q [--seed S]
 *
 * ingest: a fresh database with the daemon's schema (every DIR/NNN-*.sql in
 * order) and its connection settings (WAL, synchronous=FULL, foreign_keys
 * on, busy timeout 5 s).  N documents, variations of DOC as ingest-load
 * makes them, are made and reduced to rows first (JSON parsing, summaries,
 * packing and compressing samples are not timed).  Then each document is
 * one transaction with the statements the store runs per upload: BEGIN
 * IMMEDIATE, the uuid look-up, the host update, the kernel upsert and
 * look-up, the runs row, one cases row per case, one series row per (case,
 * metric) with its summaries and run means, one samples row per case with
 * supported series (their values in one compressed blob), COMMIT.
 *
 * read: opens PATH read-only and times, for random runs, the store's own
 * summary query (text in FILE, taken from daemon/store_reads.c by read.sh)
 * and the same query joined to samples reading each case's blob,
 * interleaved.
 * Prints EXPLAIN QUERY PLAN of both, and pages fetched per query.
 *
 * Both end with one "RESULT ..." line.  Exit 0, 1 when a statement
 * failed, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "benchdoc.h"
#include "lib/sampcodec.h"

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("sqlite-alone: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup_or_null(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		die("out of memory");
	return d;
}

/* ---- rows of one document ------------------------------------------------- */

struct summary {
	long long n;
	double mean, stdev, median, min, max;
};

struct blob {
	unsigned char *p;
	size_t n;
};

struct row_series {
	char metric[32];
	bool supported, multiplexed;
	char *event, *reason;
	struct summary runs, it;
	struct blob run_means;
	uint32_t *run_len;        /* the samples, until the case's blob is made */
	double *values;
	size_t nruns, nvalues;
};

struct row_case {
	char workload[16], layout[16], mapping[8];
	long long order, iterations, runs_ok;
	bool layout_ok;
	char *layout_reason, *folios;
	int nseries;
	struct row_series *series;
	struct blob samples;      /* the supported series' values (lib/sampcodec.h); n 0: none */
};

struct row_doc {
	char uuid[37];
	int host;
	char *tool_version, *started_at, *finished_at;
	char *arch, *cpu_model;
	long long cpus, mem_bytes, page_size;
	char *host_json;
	char *ident, *commit, *release, *parent, *build_id, *version;
	bool dirty, complete;
	long long size_bytes, runs, iterations, fresh_iterations, warmup, doc_bytes;
	int ncases;
	struct row_case *cases;
};

/* the daemon's statistics: finite values only, sample stdev, mean of middles */
static void summarize(const double *v, size_t n, struct summary *s)
{
	double mean = 0, m2 = 0, *c = xcalloc(n, sizeof(*c));
	size_t i, k = 0;

	s->min = INFINITY;
	s->max = -INFINITY;
	for (i = 0; i < n; i++) {
		double d;

		if (!isfinite(v[i]))
			continue;
		c[k++] = v[i];
		d = v[i] - mean;
		mean += d / (double)k;
		m2 += d * (v[i] - mean);
		if (v[i] < s->min)
			s->min = v[i];
		if (v[i] > s->max)
			s->max = v[i];
	}
	s->n = (long long)k;
	s->mean = k ? mean : NAN;
	s->stdev = k > 1 ? sqrt(m2 / (double)(k - 1)) : NAN;
	if (!k)
		s->min = s->max = NAN;
	qsort(c, k, sizeof(*c), bd_cmp_double);
	s->median = !k ? NAN : k % 2 ? c[k / 2] : (c[k / 2 - 1] + c[k / 2]) / 2;
	free(c);
}

static struct blob pack_f64(const double *v, size_t n)
{
	struct blob b = { xcalloc(n, 8), n * 8 };
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		uint64_t u;

		memcpy(&u, &v[i], 8);
		for (k = 0; k < 8; k++)
			b.p[8 * i + (size_t)k] = (unsigned char)(u >> (8 * k));
	}
	return b;
}

/* The case's samples blob, as the daemon stores it (daemon/store_samples.c). */
static struct blob pack_samples(struct row_case *c)
{
	struct sampcodec_series in[SAMPCODEC_MAX_SERIES];
	struct strbuf sb = STRBUF_INIT;
	struct blob b = { NULL, 0 };
	size_t n = 0;
	int m;

	for (m = 0; m < c->nseries; m++) {
		struct row_series *s = &c->series[m];

		if (!s->supported)
			continue;
		in[n++] = (struct sampcodec_series){ s->metric, s->nruns, s->run_len, s->nvalues,
						     s->values };
	}
	if (n && sampcodec_encode(NULL, in, n, &sb))
		die("case %s %s: cannot encode its samples", c->workload, c->layout);
	for (m = 0; m < c->nseries; m++) {
		free(c->series[m].run_len);
		free(c->series[m].values);
	}
	if (n)
		b.p = (unsigned char *)strbuf_detach(&sb, &b.n);
	return b;
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *j = json_object_get(o, k);

	return json_is_string(j) ? json_string_value(j) : NULL;
}

static long long jint(json_t *o, const char *k, long long dflt)
{
	json_t *j = json_object_get(o, k);

	return json_is_integer(j) ? json_integer_value(j) : dflt;
}

static char *dup_nz(const char *s) /* "" or NULL: NULL, as the store binds */
{
	return s && *s ? xstrdup_or_null(s) : NULL;
}

/* The rows the store writes for one (already valid) document. */
static void doc_rows(const char *text, size_t len, int host, struct row_doc *d)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je), *h, *k, *p, *jc;
	size_t i;

	if (!root)
		die("a made document does not parse: %s", je.text);
	memset(d, 0, sizeof(*d));
	snprintf(d->uuid, sizeof(d->uuid), "%s", jstr(root, "run_uuid"));
	d->host = host;
	d->tool_version = dup_nz(jstr(json_object_get(root, "tool"), "version"));
	d->started_at = dup_nz(jstr(root, "started_at"));
	d->finished_at = dup_nz(jstr(root, "finished_at"));
	h = json_object_get(root, "host");
	d->arch = xstrdup_or_null(jstr(h, "arch"));
	d->cpu_model = xstrdup_or_null(jstr(h, "cpu_model"));
	d->cpus = jint(h, "cpus", 0);
	d->mem_bytes = jint(h, "mem_bytes", 0);
	d->page_size = jint(h, "page_size", 0);
	d->host_json = json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS);
	k = json_object_get(root, "kernel");
	d->release = xstrdup_or_null(jstr(k, "release"));
	d->commit = dup_nz(jstr(k, "commit"));
	d->parent = dup_nz(jstr(k, "parent_commit"));
	d->build_id = dup_nz(jstr(k, "build_id"));
	d->version = xstrdup_or_null(jstr(k, "version"));
	d->dirty = json_is_true(json_object_get(k, "dirty"));
	if (d->commit) {
		d->ident = xstrdup_or_null(d->commit);
	} else {
		d->ident = xcalloc(1, strlen(d->release) + 9);
		sprintf(d->ident, "release:%s", d->release);
	}
	p = json_object_get(root, "params");
	d->size_bytes = jint(p, "size_bytes", 0);
	d->runs = jint(p, "runs", 0);
	d->iterations = jint(p, "iterations", 0);
	/* munmap_iterations: its name in documents before forkwatch 0.2 */
	d->fresh_iterations = jint(p, "fresh_iterations", jint(p, "munmap_iterations", 0));
	d->warmup = jint(p, "warmup", 0);
	d->doc_bytes = (long long)len;
	d->complete = true;
	d->ncases = (int)json_array_size(json_object_get(root, "cases"));
	d->cases = xcalloc((size_t)d->ncases, sizeof(*d->cases));
	json_array_foreach(json_object_get(root, "cases"), i, jc) {
		struct row_case *c = &d->cases[i];
		json_t *lc = json_object_get(jc, "layout_check"), *ctrs = json_object_get(jc, "counters");
		json_t *runs = json_object_get(jc, "runs"), *val, *folios;
		const char *key;
		size_t nruns = json_array_size(runs), r, m;

		snprintf(c->workload, sizeof(c->workload), "%s", jstr(jc, "workload"));
		snprintf(c->layout, sizeof(c->layout), "%s", jstr(jc, "layout"));
		snprintf(c->mapping, sizeof(c->mapping), "%s", jstr(jc, "mapping"));
		c->order = jint(jc, "order", 0);
		c->iterations = jint(jc, "iterations", 0);
		c->layout_ok = json_is_true(json_object_get(lc, "ok"));
		c->layout_reason = c->layout_ok ? NULL
			: xstrdup_or_null(jstr(lc, "reason") ? jstr(lc, "reason") : "not verified");
		folios = json_object_get(lc, "folios");
		c->folios = folios ? json_dumps(folios, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		/* ns first, then the counters in document order */
		c->series = xcalloc(1 + json_object_size(ctrs), sizeof(*c->series));
		snprintf(c->series[0].metric, 32, "ns");
		c->series[0].supported = true;
		c->nseries = 1;
		json_object_foreach(ctrs, key, val) {
			struct row_series *s = &c->series[c->nseries++];

			snprintf(s->metric, sizeof(s->metric), "%s", key);
			s->supported = !strcmp(jstr(val, "status"), "ok");
			s->event = xstrdup_or_null(jstr(val, "event"));
			s->reason = s->supported ? NULL : xstrdup_or_null(jstr(val, "reason"));
			s->multiplexed = s->supported && json_is_true(json_object_get(val, "multiplexed"));
		}
		c->runs_ok = 0;
		for (m = 0; m < (size_t)c->nseries; m++) {
			struct row_series *s = &c->series[m];
			double *values = xcalloc(nruns * (size_t)c->iterations, sizeof(*values));
			double *means = xcalloc(nruns, sizeof(*means));
			uint32_t *rl = xcalloc(nruns, sizeof(*rl));
			size_t nv = 0;

			if (!s->supported) {
				free(values);
				free(means);
				free(rl);
				continue;
			}
			for (r = 0; r < nruns; r++) {
				json_t *jr = json_array_get(runs, r), *arr, *x;
				size_t q, start = nv;

				if (m == 0)
					c->runs_ok += json_is_true(json_object_get(jr, "ok"));
				arr = m == 0 ? json_object_get(jr, "ns")
					     : json_object_get(json_object_get(jr, "counters"), s->metric);
				json_array_foreach(arr, q, x)
					values[nv++] = json_is_integer(x) ? (double)json_integer_value(x) : NAN;
				rl[r] = (uint32_t)(nv - start);
				{
					struct summary rs;

					summarize(values + start, nv - start, &rs);
					means[r] = rs.mean;
				}
			}
			summarize(means, nruns, &s->runs);
			summarize(values, nv, &s->it);
			s->run_means = pack_f64(means, nruns);
			s->run_len = rl;
			s->nruns = nruns;
			s->values = values;
			s->nvalues = nv;
			free(means);
		}
		c->samples = pack_samples(c);
		if (!c->layout_ok || c->runs_ok != d->runs)
			d->complete = false;
	}
	json_decref(root);
}

/* ---- the statements ------------------------------------------------------ */

enum {
	Q_BEGIN, Q_COMMIT, Q_OWNER, Q_TOUCH, Q_KINS, Q_KID, Q_HKINS, Q_KFILL, Q_RUN, Q_CASE, Q_SERIES,
	Q_SAMPLES, Q_N
};

static const char *const q_sql[Q_N] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_COMMIT] = "COMMIT",
	[Q_OWNER] = "SELECT id, host_id FROM runs WHERE uuid = ?1",
	[Q_TOUCH] = "UPDATE hosts SET arch = ?2, cpu_model = ?3, cpus = ?4, mem_bytes = ?5, "
		    "page_size = ?6, last_seen_at = ?7 WHERE id = ?1",
	[Q_KINS] = "INSERT INTO kernels (ident, commit_sha, release, parent_commit, build_id, "
		   "version, dirty, first_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
		   "ON CONFLICT (ident) DO NOTHING",
	[Q_KID] = "SELECT id FROM kernels WHERE ident = ?1",
	[Q_HKINS] = "INSERT INTO host_kernels (host_id, kernel_id, release, parent_commit) "
		    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (host_id, kernel_id) DO UPDATE SET "
		    "parent_commit = coalesce(host_kernels.parent_commit, excluded.parent_commit)",
	[Q_KFILL] = "UPDATE kernels SET parent_commit = ?2 WHERE id = ?1 AND parent_commit IS NULL",
	[Q_RUN] = "INSERT INTO runs (uuid, host_id, kernel_id, received_at, started_at, "
		  "finished_at, tool_version, size_bytes, runs, iterations, fresh_iterations, "
		  "warmup, complete, doc_bytes, host_facts, release) "
		  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	[Q_CASE] = "INSERT INTO cases (run_id, workload, layout, folio_order, mapping, "
		   "iterations, layout_ok, layout_reason, folios, runs_ok) "
		   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[Q_SERIES] = "INSERT INTO series (case_id, metric, status, event, reason, multiplexed, "
		     "runs_n, runs_mean, runs_stdev, runs_median, runs_min, runs_max, "
		     "it_n, it_mean, it_stdev, it_median, it_min, it_max, run_means) "
		     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
		     "?16, ?17, ?18, ?19)",
	[Q_SAMPLES] = "INSERT INTO samples (case_id, data) VALUES (?1, ?2)",
};

struct conn {
	sqlite3 *db;
	sqlite3_stmt *q[Q_N];
};

static void conn_open(struct conn *c, const char *path, int flags)
{
	char *err = NULL;
	char mode[16] = "";
	sqlite3_stmt *s;
	int i;

	memset(c, 0, sizeof(*c));
	if (sqlite3_open_v2(path, &c->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		die("%s: %s", path, sqlite3_errmsg(c->db));
	sqlite3_busy_timeout(c->db, 5000);
	if (flags & SQLITE_OPEN_READONLY)
		return;
	/* the store's settings (daemon/store_core.c setup()) */
	if (sqlite3_prepare_v2(c->db, "PRAGMA journal_mode = WAL", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW)
		die("journal_mode: %s", sqlite3_errmsg(c->db));
	snprintf(mode, sizeof(mode), "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	if (strcmp(mode, "wal"))
		die("%s: cannot switch to WAL (got %s)", path, mode);
	if (sqlite3_exec(c->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", NULL, NULL,
			 &err) != SQLITE_OK)
		die("%s: %s", path, err);
	if (flags & SQLITE_OPEN_CREATE)
		return; /* no schema yet: nothing to prepare */
	for (i = 0; i < Q_N; i++)
		if (sqlite3_prepare_v3(c->db, q_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->q[i],
				       NULL) != SQLITE_OK)
			die("preparing '%s': %s", q_sql[i], sqlite3_errmsg(c->db));
}

static void conn_close(struct conn *c)
{
	int i;

	for (i = 0; i < Q_N; i++)
		sqlite3_finalize(c->q[i]);
	sqlite3_close(c->db);
}

static void b_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static void b_real(sqlite3_stmt *s, int i, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static void b_blob(sqlite3_stmt *s, int i, const struct blob *b)
{
	sqlite3_bind_blob64(s, i, b->p ? (const void *)b->p : "", b->n, SQLITE_STATIC);
}

static void b_summary(sqlite3_stmt *s, int i, const struct summary *m)
{
	sqlite3_bind_int64(s, i, m->n);
	b_real(s, i + 1, m->mean);
	b_real(s, i + 2, m->stdev);
	b_real(s, i + 3, m->median);
	b_real(s, i + 4, m->min);
	b_real(s, i + 5, m->max);
}

/* step to the end; SQLITE_ROW's first row is left in s for the caller */
static int step(struct conn *c, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fprintf(stderr, "sqlite-alone: %s: %s\n", what, sqlite3_errmsg(c->db));
		return -1;
	}
	return rc;
}

#define DONE(s) (sqlite3_reset(s), sqlite3_clear_bindings(s))

/* One document, one transaction, as store_run_ingest() does it. */
static int ingest_one(struct conn *c, const struct row_doc *d, long long host_id)
{
	sqlite3_stmt **q = c->q;
	long long kid, rid, cid, t = (long long)time(NULL);
	int i, j, rc;

	if (step(c, q[Q_BEGIN], "BEGIN") < 0)
		return DONE(q[Q_BEGIN]), -1;
	DONE(q[Q_BEGIN]);
	b_text(q[Q_OWNER], 1, d->uuid);
	rc = step(c, q[Q_OWNER], "uuid");
	DONE(q[Q_OWNER]);
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_ROW)
			fprintf(stderr, "sqlite-alone: run %s stored twice\n", d->uuid);
		goto rollback;
	}
	sqlite3_bind_int64(q[Q_TOUCH], 1, host_id);
	b_text(q[Q_TOUCH], 2, d->arch);
	b_text(q[Q_TOUCH], 3, d->cpu_model);
	sqlite3_bind_int64(q[Q_TOUCH], 4, d->cpus);
	sqlite3_bind_int64(q[Q_TOUCH], 5, d->mem_bytes);
	sqlite3_bind_int64(q[Q_TOUCH], 6, d->page_size);
	sqlite3_bind_int64(q[Q_TOUCH], 7, t);
	rc = step(c, q[Q_TOUCH], "host");
	DONE(q[Q_TOUCH]);
	if (rc < 0)
		goto rollback;
	b_text(q[Q_KINS], 1, d->ident);
	b_text(q[Q_KINS], 2, d->commit);
	b_text(q[Q_KINS], 3, d->release);
	b_text(q[Q_KINS], 4, d->parent);
	b_text(q[Q_KINS], 5, d->build_id);
	b_text(q[Q_KINS], 6, d->version);
	sqlite3_bind_int64(q[Q_KINS], 7, d->dirty);
	sqlite3_bind_int64(q[Q_KINS], 8, t);
	rc = step(c, q[Q_KINS], "kernel");
	DONE(q[Q_KINS]);
	if (rc < 0)
		goto rollback;
	b_text(q[Q_KID], 1, d->ident);
	if (step(c, q[Q_KID], "kernel id") != SQLITE_ROW) {
		DONE(q[Q_KID]);
		goto rollback;
	}
	kid = sqlite3_column_int64(q[Q_KID], 0);
	DONE(q[Q_KID]);
	/* the host's own facts of the kernel, and a parent nobody gave yet */
	sqlite3_bind_int64(q[Q_HKINS], 1, host_id);
	sqlite3_bind_int64(q[Q_HKINS], 2, kid);
	b_text(q[Q_HKINS], 3, d->release);
	b_text(q[Q_HKINS], 4, d->parent);
	rc = step(c, q[Q_HKINS], "host kernel");
	DONE(q[Q_HKINS]);
	if (rc < 0)
		goto rollback;
	if (d->parent) {
		sqlite3_bind_int64(q[Q_KFILL], 1, kid);
		b_text(q[Q_KFILL], 2, d->parent);
		rc = step(c, q[Q_KFILL], "kernel parent");
		DONE(q[Q_KFILL]);
		if (rc < 0)
			goto rollback;
	}
	b_text(q[Q_RUN], 1, d->uuid);
	sqlite3_bind_int64(q[Q_RUN], 2, host_id);
	sqlite3_bind_int64(q[Q_RUN], 3, kid);
	sqlite3_bind_int64(q[Q_RUN], 4, t);
	b_text(q[Q_RUN], 5, d->started_at);
	b_text(q[Q_RUN], 6, d->finished_at);
	b_text(q[Q_RUN], 7, d->tool_version);
	sqlite3_bind_int64(q[Q_RUN], 8, d->size_bytes);
	sqlite3_bind_int64(q[Q_RUN], 9, d->runs);
	sqlite3_bind_int64(q[Q_RUN], 10, d->iterations);
	sqlite3_bind_int64(q[Q_RUN], 11, d->fresh_iterations);
	sqlite3_bind_int64(q[Q_RUN], 12, d->warmup);
	sqlite3_bind_int64(q[Q_RUN], 13, d->complete);
	sqlite3_bind_int64(q[Q_RUN], 14, d->doc_bytes);
	b_text(q[Q_RUN], 15, d->host_json);
	b_text(q[Q_RUN], 16, d->release);
	rc = step(c, q[Q_RUN], "run");
	DONE(q[Q_RUN]);
	if (rc < 0)
		goto rollback;
	rid = sqlite3_last_insert_rowid(c->db);
	for (i = 0; i < d->ncases; i++) {
		const struct row_case *cs = &d->cases[i];
		sqlite3_stmt *s = q[Q_CASE];

		sqlite3_bind_int64(s, 1, rid);
		b_text(s, 2, cs->workload);
		b_text(s, 3, cs->layout);
		sqlite3_bind_int64(s, 4, cs->order);
		b_text(s, 5, cs->mapping);
		sqlite3_bind_int64(s, 6, cs->iterations);
		sqlite3_bind_int64(s, 7, cs->layout_ok);
		b_text(s, 8, cs->layout_reason);
		b_text(s, 9, cs->folios);
		sqlite3_bind_int64(s, 10, cs->runs_ok);
		rc = step(c, s, "case");
		DONE(s);
		if (rc < 0)
			goto rollback;
		cid = sqlite3_last_insert_rowid(c->db);
		for (j = 0; j < cs->nseries; j++) {
			const struct row_series *se = &cs->series[j];

			s = q[Q_SERIES];
			sqlite3_bind_int64(s, 1, cid);
			b_text(s, 2, se->metric);
			b_text(s, 3, se->supported ? "ok" : "unsupported");
			b_text(s, 4, se->event);
			b_text(s, 5, se->reason);
			sqlite3_bind_int64(s, 6, se->multiplexed);
			if (se->supported) {
				b_summary(s, 7, &se->runs);
				b_summary(s, 13, &se->it);
				b_blob(s, 19, &se->run_means);
			}
			rc = step(c, s, "series");
			DONE(s);
			if (rc < 0)
				goto rollback;
		}
		if (!cs->samples.n)
			continue;
		s = q[Q_SAMPLES];
		sqlite3_bind_int64(s, 1, cid);
		b_blob(s, 2, &cs->samples);
		rc = step(c, s, "samples");
		DONE(s);
		if (rc < 0)
			goto rollback;
	}
	rc = step(c, q[Q_COMMIT], "COMMIT");
	DONE(q[Q_COMMIT]);
	if (rc < 0)
		goto rollback;
	return 0;

rollback:
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* ---- ingest ----------------------------------------------------------------- */

struct opts {
	const char *schema, *template_path, *db, *summary_sql;
	long count, hosts, threads, queries;
	uint64_t seed;
};

static struct row_doc *docs;
static long long *host_ids;

struct ing_thread {
	pthread_t tid;
	const struct opts *o;
	int idx;
	double *lat;
	size_t nlat;
	long errors;
	double t_start, t_end;
};

static pthread_barrier_t start_line;

static void *ing_main(void *arg)
{
	struct ing_thread *t = arg;
	struct conn c;
	long j;

	conn_open(&c, t->o->db, SQLITE_OPEN_READWRITE);
	pthread_barrier_wait(&start_line);
	t->t_start = bd_now();
	for (j = t->idx; j < t->o->count; j += t->o->threads) {
		double a = bd_now();

		if (ingest_one(&c, &docs[j], host_ids[docs[j].host]))
			t->errors++;
		t->lat[t->nlat++] = bd_now() - a;
	}
	t->t_end = bd_now();
	conn_close(&c);
	return NULL;
}

static int migration_filter(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return n > 8 && de->d_name[0] >= '0' && de->d_name[0] <= '9' &&
	       !strcmp(de->d_name + n - 4, ".sql");
}

/*
 * The schema the daemon would create: each NNN-*.sql in one transaction,
 * and what the daemon does in C after 005's SQL (drop samples_v3; its rows,
 * none here, move into samples).
 */
static void apply_schema(sqlite3 *db, const char *dir)
{
	struct dirent **list;
	int n, i;

	n = scandir(dir, &list, migration_filter, alphasort);
	if (n <= 0)
		die("%s: no NNN-*.sql migrations", dir);
	for (i = 0; i < n; i++) {
		char path[4096], pragma[64], *err = NULL;
		struct stat sb;
		FILE *f;
		char *sql;

		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		f = fopen(path, "r");
		if (!f || fstat(fileno(f), &sb))
			die("%s: %s", path, strerror(errno));
		sql = xcalloc(1, (size_t)sb.st_size + 1);
		if (fread(sql, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size)
			die("%s: short read", path);
		fclose(f);
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", atoi(list[i]->d_name));
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &err) ||
		    sqlite3_exec(db, sql, NULL, NULL, &err) ||
		    sqlite3_exec(db, pragma, NULL, NULL, &err) ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, &err))
			die("%s: %s", path, err);
		free(sql);
		free(list[i]);
	}
	free(list);
	if (sqlite3_exec(db, "DROP TABLE IF EXISTS samples_v3", NULL, NULL, NULL))
		die("drop samples_v3: %s", sqlite3_errmsg(db));
}

static int mode_ingest(const struct opts *o)
{
	struct ing_thread *t;
	struct conn c;
	json_t *tmpl;
	double *all, t0 = 1e300, t1 = 0, sum = 0, wall;
	size_t nall = 0, bytes = 0, i;
	long errors = 0, j;
	struct stat sb;
	int k;

	if (!o->schema || !o->template_path || !o->db || !o->count)
		die("ingest needs --schema, --template, --db and --count");
	if (!stat(o->db, &sb))
		die("%s exists: ingest writes a fresh database", o->db);
	tmpl = bd_template_load(o->template_path);
	if (!tmpl)
		return 2;

	/* not timed: documents made as ingest-load makes them, then reduced to rows */
	fprintf(stderr, "sqlite-alone: making %ld documents and their rows...\n", o->count);
	docs = xcalloc((size_t)o->count, sizeof(*docs));
	for (j = 0; j < o->count; j++) {
		char host[64], uuid[37];
		struct bd_var v = { host, -1, 0, 0 };
		uint64_t s = o->seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(j + 1));
		size_t len;
		char *text;

		snprintf(host, sizeof(host), "bench-ingest-%03ld", j % o->hosts);
		v.seed = bd_splitmix(&s);
		v.scale = bd_factor(v.seed, 0.03);
		text = bd_make(tmpl, &v, uuid, &len);
		if (!text)
			die("out of memory making documents");
		doc_rows(text, len, (int)(j % o->hosts), &docs[j]);
		bytes += len;
		free(text);
	}
	json_decref(tmpl);

	conn_open(&c, o->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	apply_schema(c.db, o->schema);
	conn_close(&c);
	conn_open(&c, o->db, SQLITE_OPEN_READWRITE);
	host_ids = xcalloc((size_t)o->hosts, sizeof(*host_ids));
	for (k = 0; k < o->hosts; k++) {
		sqlite3_stmt *s;
		char name[64];
		uint64_t tok = bd_random_seed() ^ (uint64_t)k;
		unsigned char hash[32];

		for (i = 0; i < sizeof(hash); i++)
			hash[i] = (unsigned char)bd_splitmix(&tok);
		snprintf(name, sizeof(name), "bench-ingest-%03d", k);
		if (sqlite3_prepare_v2(c.db, "INSERT INTO hosts (name, hostname, token_hash, created_at) "
				       "VALUES (?1, ?1, ?2, ?3)", -1, &s, NULL) != SQLITE_OK)
			die("%s", sqlite3_errmsg(c.db));
		sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(s, 2, hash, sizeof(hash), SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 3, (long long)time(NULL));
		if (sqlite3_step(s) != SQLITE_DONE)
			die("%s", sqlite3_errmsg(c.db));
		sqlite3_finalize(s);
		host_ids[k] = sqlite3_last_insert_rowid(c.db);
	}
	conn_close(&c);

	fprintf(stderr, "sqlite-alone: inserting...\n");
	t = xcalloc((size_t)o->threads, sizeof(*t));
	pthread_barrier_init(&start_line, NULL, (unsigned)o->threads + 1);
	for (k = 0; k < o->threads; k++) {
		t[k].o = o;
		t[k].idx = k;
		t[k].lat = xcalloc((size_t)(o->count / o->threads + 1), sizeof(double));
		if (pthread_create(&t[k].tid, NULL, ing_main, &t[k]))
			die("cannot start thread %d", k);
	}
	pthread_barrier_wait(&start_line);
	all = xcalloc((size_t)o->count, sizeof(*all));
	for (k = 0; k < o->threads; k++) {
		pthread_join(t[k].tid, NULL);
		if (t[k].t_start < t0)
			t0 = t[k].t_start;
		if (t[k].t_end > t1)
			t1 = t[k].t_end;
		for (i = 0; i < t[k].nlat; i++) {
			all[nall++] = t[k].lat[i];
			sum += t[k].lat[i];
		}
		errors += t[k].errors;
	}
	wall = t1 - t0;
	qsort(all, nall, sizeof(*all), bd_cmp_double);
	printf("SQLite alone: %ld documents (%ld thread%s) in %.2f s: %.1f transactions/s; "
	       "per transaction p50 %.2f ms, p99 %.2f ms, max %.2f ms; %ld errors\n",
	       o->count, o->threads, o->threads > 1 ? "s" : "", wall, (double)o->count / wall,
	       bd_pct(all, nall, 50) * 1e3, bd_pct(all, nall, 99) * 1e3, all[nall - 1] * 1e3,
	       errors);
	printf("RESULT sqlite threads=%ld n=%ld wall_s=%.3f rate=%.2f p50_ms=%.3f p99_ms=%.3f "
	       "max_ms=%.3f mean_ms=%.3f errors=%ld doc_bytes=%.0f\n",
	       o->threads, o->count, wall, (double)o->count / wall, bd_pct(all, nall, 50) * 1e3,
	       bd_pct(all, nall, 99) * 1e3, all[nall - 1] * 1e3, sum / (double)nall * 1e3, errors,
	       (double)bytes / (double)o->count);
	return errors ? 1 : 0;
}

/* ---- read: summaries with and without sample blobs ------------------------- */

static char *read_text(const char *path)
{
	struct stat sb;
	FILE *f = fopen(path, "r");
	char *s;

	if (!f || fstat(fileno(f), &sb))
		die("%s: %s", path, strerror(errno));
	s = xcalloc(1, (size_t)sb.st_size + 1);
	if (fread(s, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size)
		die("%s: short read", path);
	fclose(f);
	return s;
}

/* the store's query, also reading each case's samples blob (on its ns row) */
static char *with_samples(const char *sql)
{
	const char *from = strstr(sql, " FROM cases c JOIN series s ON s.case_id = c.id ");
	const char *where = strstr(sql, " WHERE c.run_id = ?1");
	char *out;

	if (!from || !where || where < from)
		die("the summary query is not shaped as expected (FROM cases c JOIN series s ... "
		    "WHERE c.run_id = ?1): %s", sql);
	out = xcalloc(1, strlen(sql) + 200);
	sprintf(out, "%.*s, sm.data%.*s LEFT JOIN samples sm ON sm.case_id = c.id AND s.metric = 'ns'%s",
		(int)(from - sql), sql, (int)(where - from), from, where);
	return out;
}

static void explain(sqlite3 *db, const char *label, const char *sql)
{
	char *q = xcalloc(1, strlen(sql) + 32);
	sqlite3_stmt *s;

	sprintf(q, "EXPLAIN QUERY PLAN %s", sql);
	if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK)
		die("%s: %s", label, sqlite3_errmsg(db));
	printf("query plan, %s:\n", label);
	while (sqlite3_step(s) == SQLITE_ROW)
		printf("  %s\n", (const char *)sqlite3_column_text(s, 3));
	sqlite3_finalize(s);
	free(q);
}

struct qstat {
	double *lat;
	size_t n;
	double rows, blob_bytes, pages;
};

/* One query for run id: every column read as the store reads it. */
static void run_query(sqlite3 *db, sqlite3_stmt *s, long long id, struct qstat *st)
{
	int hit = 0, miss = 0, hw, mw, ncol = sqlite3_column_count(s), i;
	double a, b;
	int rc;

	sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_HIT, &hit, &hw, 1);
	sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_MISS, &miss, &mw, 1);
	a = bd_now();
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (i = 0; i < ncol; i++) {
			switch (sqlite3_column_type(s, i)) {
			case SQLITE_BLOB:
				if (sqlite3_column_blob(s, i))
					st->blob_bytes += sqlite3_column_bytes(s, i);
				break;
			case SQLITE_TEXT:
				(void)sqlite3_column_text(s, i);
				break;
			case SQLITE_FLOAT:
				(void)sqlite3_column_double(s, i);
				break;
			default:
				(void)sqlite3_column_int64(s, i);
			}
		}
		st->rows++;
	}
	if (rc != SQLITE_DONE)
		die("query: %s", sqlite3_errmsg(db));
	sqlite3_reset(s);
	b = bd_now();
	sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_HIT, &hit, &hw, 1);
	sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_MISS, &miss, &mw, 1);
	st->pages += hit + miss;
	st->lat[st->n++] = b - a;
}

static void report(const char *label, const char *key, struct qstat *st)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < st->n; i++)
		sum += st->lat[i];
	qsort(st->lat, st->n, sizeof(double), bd_cmp_double);
	printf("%-34s p50 %7.1f us  p99 %7.1f us  mean %7.1f us;  %5.1f rows, %6.0f blob bytes, "
	       "%5.1f pages per query\n",
	       label, bd_pct(st->lat, st->n, 50) * 1e6, bd_pct(st->lat, st->n, 99) * 1e6,
	       sum / (double)st->n * 1e6, st->rows / (double)st->n, st->blob_bytes / (double)st->n,
	       st->pages / (double)st->n);
	printf("RESULT sqlread query=%s n=%zu p50_us=%.2f p99_us=%.2f mean_us=%.2f rows=%.1f "
	       "blob_bytes=%.0f pages=%.1f\n",
	       key, st->n, bd_pct(st->lat, st->n, 50) * 1e6, bd_pct(st->lat, st->n, 99) * 1e6,
	       sum / (double)st->n * 1e6, st->rows / (double)st->n, st->blob_bytes / (double)st->n,
	       st->pages / (double)st->n);
}

static int mode_read(const struct opts *o)
{
	struct qstat a = { 0 }, b = { 0 }, dummy = { 0 };
	char *sql_a, *sql_b;
	sqlite3_stmt *sa, *sb;
	long long maxid = 0;
	uint64_t rng = o->seed;
	struct conn c;
	long i;

	if (!o->db || !o->summary_sql || !o->queries)
		die("read needs --db, --summary-sql and --queries");
	sql_a = read_text(o->summary_sql);
	sql_b = with_samples(sql_a);
	conn_open(&c, o->db, SQLITE_OPEN_READONLY);
	if (sqlite3_prepare_v2(c.db, "SELECT max(id) FROM runs", -1, &sa, NULL) != SQLITE_OK ||
	    sqlite3_step(sa) != SQLITE_ROW)
		die("%s: %s", o->db, sqlite3_errmsg(c.db));
	maxid = sqlite3_column_int64(sa, 0);
	sqlite3_finalize(sa);
	if (maxid < 1)
		die("%s: no runs", o->db);
	if (sqlite3_prepare_v2(c.db, sql_a, -1, &sa, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c.db, sql_b, -1, &sb, NULL) != SQLITE_OK)
		die("preparing the queries: %s", sqlite3_errmsg(c.db));
	printf("store's summary query (from daemon/store_reads.c q_run_series):\n  %s\n", sql_a);
	explain(c.db, "summaries (the store's query)", sql_a);
	explain(c.db, "summaries + samples blobs", sql_b);
	a.lat = xcalloc((size_t)o->queries, sizeof(double));
	b.lat = xcalloc((size_t)o->queries, sizeof(double));
	dummy.lat = xcalloc(400, sizeof(double));
	for (i = 0; i < 200; i++) { /* warm-up, untimed: statement and page caches */
		long long id = 1 + (long long)(bd_splitmix(&rng) % (uint64_t)maxid);

		dummy.n = 0;
		run_query(c.db, sa, id, &dummy);
		dummy.n = 0;
		run_query(c.db, sb, id, &dummy);
	}
	for (i = 0; i < o->queries; i++) {
		long long id = 1 + (long long)(bd_splitmix(&rng) % (uint64_t)maxid);

		/* interleaved, each one first half of the time */
		if (i % 2) {
			run_query(c.db, sa, id, &a);
			run_query(c.db, sb, id, &b);
		} else {
			run_query(c.db, sb, id, &b);
			run_query(c.db, sa, id, &a);
		}
	}
	printf("%ld random runs of %lld:\n", o->queries, maxid);
	report("summaries (the store's query)", "summaries", &a);
	report("summaries + samples blobs", "with_samples", &b);
	sqlite3_finalize(sa);
	sqlite3_finalize(sb);
	conn_close(&c);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .hosts = 1, .threads = 1 };
	bool seeded = false;
	int i;

	if (argc < 2 || (strcmp(argv[1], "ingest") && strcmp(argv[1], "read")))
		die("usage: sqlite-alone ingest|read [options] (see bench/sqlite-alone.c)");
	for (i = 2; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			die("%s needs a value", k);
		i++;
		if (!strcmp(k, "--schema"))
			o.schema = v;
		else if (!strcmp(k, "--template"))
			o.template_path = v;
		else if (!strcmp(k, "--db"))
			o.db = v;
		else if (!strcmp(k, "--summary-sql"))
			o.summary_sql = v;
		else if (!strcmp(k, "--count"))
			o.count = atol(v);
		else if (!strcmp(k, "--hosts"))
			o.hosts = atol(v);
		else if (!strcmp(k, "--threads"))
			o.threads = atol(v);
		else if (!strcmp(k, "--queries"))
			o.queries = atol(v);
		else if (!strcmp(k, "--seed")) {
			o.seed = strtoull(v, NULL, 0);
			seeded = true;
		} else
			die("unknown option %s", k);
	}
	if (o.count < 0 || o.hosts < 1 || o.threads < 1 || o.threads > 256 || o.queries < 0)
		die("--count, --hosts, --threads, --queries: expected positive numbers");
	if (!seeded)
		o.seed = bd_random_seed();
	return !strcmp(argv[1], "ingest") ? mode_ingest(&o) : mode_read(&o);
}
