// SPDX-License-Identifier: GPL-2.0
/*
 * The store's ingest (store.h): one validated document in one transaction,
 * the kernel created on first sight, the run, its cases, summaries and
 * samples (store_samples.c), and the host's facts.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/store-internal.h"

static const struct store_query q_run_owner = {
	.sql = "SELECT id, host_id FROM runs WHERE uuid = ?1"
};

struct owner {
	int64_t id, host_id;
};

static int read_owner(struct store_stmt *s, void *p)
{
	struct owner *o = p;

	o->id = col_i64(s, 0);
	o->host_id = col_i64(s, 1);
	return 0;
}

/* The stored run with this uuid, its id and host; -ENOENT when none. */
static int run_owner(struct store *st, const char *uuid, struct owner *o)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_run_owner, &s);

	if (err)
		return err;
	bind_text(s, 1, uuid);
	return row_one(s, read_owner, o);
}

static const struct store_query q_host_touch = {
	.sql = "UPDATE hosts SET arch = ?2, cpu_model = ?3, cpus = ?4, mem_bytes = ?5, page_size = ?6, "
	"last_seen_at = ?7 WHERE id = ?1"
};

static int host_touch(struct store *st, int64_t host_id, const struct doc *d, int64_t t)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_host_touch, &s);

	if (err)
		return err;
	bind_i64(s, 1, host_id);
	bind_text(s, 2, d->host.arch);
	bind_text(s, 3, d->host.cpu_model);
	bind_i64(s, 4, d->host.cpus);
	bind_i64(s, 5, d->host.mem_bytes);
	bind_i64(s, 6, d->host.page_size);
	bind_i64(s, 7, t);
	err = stmt_update(s);
	if (err == -ENOENT)
		err = store_fail(st, -ENOENT, "no host with id %lld", (long long)host_id);
	return err;
}

/* the first sighting of a kernel keeps its data */
static const struct store_query q_kernel_insert = {
	.sql = "INSERT INTO kernels (ident, commit_sha, release, parent_commit, build_id, version, dirty, "
	"first_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (ident) DO NOTHING"
};

static const struct store_query q_kernel_id = {
	.sql = "SELECT id FROM kernels WHERE ident = ?1"
};

static int kernel_upsert(struct store *st, const struct doc *d, int64_t t, int64_t *id)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_kernel_insert, &s);

	if (err)
		return err;
	bind_text(s, 1, d->kernel_ident);
	bind_text_nz(s, 2, d->kernel.commit);
	bind_text(s, 3, d->kernel.release);
	bind_text_nz(s, 4, d->kernel.parent_commit);
	bind_text_nz(s, 5, d->kernel.build_id);
	bind_text(s, 6, d->kernel.version);
	bind_i64(s, 7, d->kernel.dirty);
	bind_i64(s, 8, t);
	err = stmt_exec(s, NULL);
	if (!err)
		err = stmt_get(st, &q_kernel_id, &s);
	if (err)
		return err;
	bind_text(s, 1, d->kernel_ident);
	err = row_i64(s, id);
	if (err == -ENOENT)
		err = store_fail(st, -EIO, "kernel '%s' vanished after its insert", d->kernel_ident);
	return err;
}

/*
 * a host's own claim: its first parent stays, a missing one is filled;
 * it changes a row (the kernel's claims) only then or at the host's first
 * upload of the kernel, which the caller reads from the change count
 */
static const struct store_query q_host_kernel_upsert = {
	.sql = "INSERT INTO host_kernels (host_id, kernel_id, release, parent_commit) "
	"VALUES (?1, ?2, ?3, ?4) ON CONFLICT (host_id, kernel_id) DO UPDATE SET "
	"parent_commit = excluded.parent_commit "
	"WHERE host_kernels.parent_commit IS NULL AND excluded.parent_commit IS NOT NULL"
};

/* and the kernel's own row, for listings: a parent nobody gave yet is filled */
static const struct store_query q_kernel_fill = {
	.sql = "UPDATE kernels SET parent_commit = ?2 WHERE id = ?1 AND parent_commit IS NULL"
};

/*
 * The kernel's row held until the upload commits, after this host's claim
 * changed and before the claims are counted: on PostgreSQL another host's
 * upload of the kernel that changed a claim too waits here, and its count,
 * a statement that starts after this commit (READ COMMITTED), sees this
 * claim (SQLite's BEGIN IMMEDIATE serialises writers already).
 */
static const struct store_query q_kernel_hold = {
	.sql = "SELECT id FROM kernels WHERE id = ?1",
	.pg = "SELECT id FROM kernels WHERE id = ?1 FOR UPDATE"
};

/*
 * Whether the hosts claim different parents (1) or releases (2) of kernel
 * ?1: min <> max ignores NULLs as count(DISTINCT) > 1 does, without its
 * temporary B-tree.
 */
#define KERNEL_DISPUTED                                                                    \
	"(SELECT CASE WHEN min(parent_commit) <> max(parent_commit) THEN 1 ELSE 0 END "    \
	"+ CASE WHEN min(release) <> max(release) THEN 2 ELSE 0 END "                      \
	"FROM host_kernels WHERE kernel_id = ?1)"

/*
 * kept on the kernel's row for the listings (schema 012-kernel-disputed),
 * written only when it changes: most uploads leave the row's page alone
 */
static const struct store_query q_kernel_disputed = {
	.sql = "UPDATE kernels SET disputed = " KERNEL_DISPUTED " "
	"WHERE id = ?1 AND disputed <> " KERNEL_DISPUTED
};

/* What this host says of the kernel: kept per host (schema 007-host-kernels). */
static int host_kernel_upsert(struct store *st, int64_t host_id, int64_t kernel_id,
			      const struct doc *d)
{
	struct store_stmt *s;
	int64_t id, changed = 0;
	int err = stmt_get(st, &q_host_kernel_upsert, &s);

	if (err)
		return err;
	bind_i64(s, 1, host_id);
	bind_i64(s, 2, kernel_id);
	bind_text(s, 3, d->kernel.release);
	bind_text_nz(s, 4, d->kernel.parent_commit);
	err = stmt_exec(s, &changed);
	if (err || !changed)
		return err; /* the claims are as before: most uploads end here */
	err = stmt_get(st, &q_kernel_hold, &s);
	if (err)
		return err;
	bind_i64(s, 1, kernel_id);
	err = row_i64(s, &id);
	if (!err)
		err = stmt_get(st, &q_kernel_disputed, &s);
	if (err)
		return err;
	bind_i64(s, 1, kernel_id);
	err = stmt_exec(s, NULL);
	if (err || !d->kernel.parent_commit[0])
		return err;
	err = stmt_get(st, &q_kernel_fill, &s);
	if (err)
		return err;
	bind_i64(s, 1, kernel_id);
	bind_text(s, 2, d->kernel.parent_commit);
	return stmt_exec(s, NULL);
}

static const struct store_query q_run_insert = {
	.sql = "INSERT INTO runs (uuid, host_id, kernel_id, received_at, started_at, finished_at, "
	"tool_version, size_bytes, runs, iterations, fresh_iterations, warmup, complete, "
	"doc_bytes, host_facts, noise, release, placement, parent_cpu, child_cpu) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20) "
	"RETURNING id"
};

static int run_insert(struct store *st, int64_t host_id, int64_t kernel_id, const struct doc *d,
		      int64_t t, int64_t *id)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_run_insert, &s);

	if (err)
		return err;
	bind_text(s, 1, d->run_uuid);
	bind_i64(s, 2, host_id);
	bind_i64(s, 3, kernel_id);
	bind_i64(s, 4, t);
	bind_text_nz(s, 5, d->started_at);
	bind_text_nz(s, 6, d->finished_at);
	bind_text_nz(s, 7, d->tool_version);
	bind_i64(s, 8, (int64_t)d->params.size_bytes);
	bind_i64(s, 9, d->params.runs);
	bind_i64(s, 10, d->params.iterations);
	bind_i64(s, 11, d->params.fresh_iterations);
	bind_i64(s, 12, d->params.warmup);
	bind_i64(s, 13, d->complete);
	bind_i64(s, 14, (int64_t)d->bytes);
	bind_text(s, 15, d->host_json);
	bind_text(s, 16, d->noise); /* NULL: no snapshot */
	bind_text(s, 17, d->kernel.release);
	bind_text(s, 18, d->params.placement[0] ? d->params.placement : "free");
	if (d->params.parent_cpu >= 0) {
		bind_i64(s, 19, d->params.parent_cpu);
		bind_i64(s, 20, d->params.child_cpu);
	}
	return row_i64(s, id);
}

/*
 * Inside ingest a unique constraint can only be the document repeating
 * itself (a case or a metric twice): the uuid was checked under the
 * write lock.  That is a bad document, not a taken name, and must not
 * read as "run of another host" (-EEXIST).
 */
static int doc_conflict(struct store *st, int err)
{
	char why[512];

	if (err != -EEXIST)
		return err;
	snprintf(why, sizeof(why), "%s", store_errmsg(st));
	return store_fail(st, -EINVAL, "document repeats a case or a metric: %s", why);
}

static const struct store_query q_case_insert = {
	.sql = "INSERT INTO cases (run_id, workload, layout, folio_order, mapping, iterations, layout_ok, "
	"layout_reason, folios, runs_ok) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
	"RETURNING id"
};

static int case_insert(struct store *st, int64_t run_id, const struct doc_case *c, int64_t *id)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_case_insert, &s);

	if (err)
		return err;
	bind_i64(s, 1, run_id);
	bind_text(s, 2, c->workload);
	bind_text(s, 3, c->layout);
	bind_i64(s, 4, c->order);
	bind_text(s, 5, c->mapping);
	bind_i64(s, 6, c->iterations);
	bind_i64(s, 7, c->layout_ok);
	bind_text(s, 8, c->layout_reason);
	bind_text(s, 9, c->folios_json);
	bind_i64(s, 10, c->runs_ok);
	return doc_conflict(st, row_i64(s, id));
}

static void bind_summary(struct store_stmt *s, int i, const struct stats_summary *sum, double median)
{
	bind_i64(s, i, (int64_t)sum->n);
	bind_real(s, i + 1, sum->mean);
	bind_real(s, i + 2, sum->stdev);
	bind_real(s, i + 3, median);
	bind_real(s, i + 4, sum->min);
	bind_real(s, i + 5, sum->max);
}

/*
 * The series rows of a case go in one statement of up to SERIES_BATCH
 * rows: a round trip each is what an upload to PostgreSQL costs most.
 * Each row takes SERIES_PARAMS parameters, bare ?s that number on.
 */
#define SERIES_PARAMS 19
#define SERIES_BATCH 8
#define SERIES_INSERT                                                                      \
	"INSERT INTO series (case_id, metric, status, event, reason, multiplexed, runs_n, "  \
	"runs_mean, runs_stdev, runs_median, runs_min, runs_max, it_n, it_mean, it_stdev, "  \
	"it_median, it_min, it_max, run_means) VALUES "
#define ROW1 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define ROW2 ROW1 ", " ROW1
#define ROW3 ROW2 ", " ROW1
#define ROW4 ROW3 ", " ROW1
#define ROW5 ROW4 ", " ROW1
#define ROW6 ROW5 ", " ROW1
#define ROW7 ROW6 ", " ROW1
#define ROW8 ROW7 ", " ROW1

static const struct store_query q_series_insert[SERIES_BATCH] = {
	{ .sql = SERIES_INSERT ROW1 }, { .sql = SERIES_INSERT ROW2 },
	{ .sql = SERIES_INSERT ROW3 }, { .sql = SERIES_INSERT ROW4 },
	{ .sql = SERIES_INSERT ROW5 }, { .sql = SERIES_INSERT ROW6 },
	{ .sql = SERIES_INSERT ROW7 }, { .sql = SERIES_INSERT ROW8 },
};

/* One row from parameter at on: a summary when supported, else why not. */
static void bind_series(struct store_stmt *s, int at, int64_t case_id, const struct doc_series *ds)
{
	bind_i64(s, at, case_id);
	bind_text(s, at + 1, ds->metric);
	bind_text(s, at + 2, ds->supported ? "ok" : "unsupported");
	bind_text(s, at + 3, ds->event);
	bind_text(s, at + 4, ds->reason);
	bind_i64(s, at + 5, ds->multiplexed);
	/* unsupported: a reason and no numbers, the rest stays NULL */
	if (ds->supported) {
		bind_summary(s, at + 6, &ds->runs_sum, ds->runs_median);
		bind_summary(s, at + 12, &ds->it_sum, ds->it_median);
		bind_f64s(s, at + 18, ds->run_means, ds->nruns);
	}
}

/* The series rows of case_id, SERIES_BATCH to a statement. */
static int series_insert(struct store *st, int64_t case_id, const struct doc_case *c)
{
	struct store_stmt *s;
	int i, j, n, err = 0;

	for (i = 0; i < c->nseries && !err; i += n) {
		n = c->nseries - i < SERIES_BATCH ? c->nseries - i : SERIES_BATCH;
		err = stmt_get(st, &q_series_insert[n - 1], &s);
		if (err)
			break;
		for (j = 0; j < n; j++)
			bind_series(s, 1 + j * SERIES_PARAMS, case_id, &c->series[i + j]);
		err = doc_conflict(st, stmt_exec(s, NULL));
	}
	return err;
}

/*
 * One attempt: -EAGAIN when another connection stored the same uuid
 * between this one's look and its insert (PostgreSQL's writers run side
 * by side; SQLite's write lock keeps this from happening).
 */
static int ingest_once(struct store *st, int64_t host_id, const struct doc *d, int64_t *run_id,
		       bool *existed)
{
	int64_t t = store_now(), kernel_id = 0, rid = 0, case_id = 0;
	struct owner o;
	int err, i;

	*existed = false;
	err = tx_begin(st);
	if (err)
		return err;

	err = run_owner(st, d->run_uuid, &o);
	if (!err) {
		/* an upload retried: store nothing, not even last_seen_at */
		if (o.host_id != host_id) {
			err = store_fail(st, -EEXIST, "run '%s' is stored for another host", d->run_uuid);
		} else {
			*existed = true;
			*run_id = o.id;
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
	err = host_kernel_upsert(st, host_id, kernel_id, d);
	if (err)
		goto out_rollback;
	err = run_insert(st, host_id, kernel_id, d, t, &rid);
	if (err == -EEXIST)
		err = -EAGAIN; /* runs.uuid is the table's one unique column */
	if (err)
		goto out_rollback;
	for (i = 0; i < d->ncases; i++) {
		const struct doc_case *c = &d->cases[i];

		err = case_insert(st, rid, c, &case_id);
		if (!err)
			err = series_insert(st, case_id, c);
		if (!err)
			err = samples_put(st, case_id, c);
		if (err)
			goto out_rollback;
	}
	err = tx_commit(st);
	if (err)
		goto out_rollback;
	*run_id = rid;
	return 0;

out_rollback:
	tx_rollback(st);
	return err;
}

int store_run_ingest(struct store *st, int64_t host_id, const struct doc *d, int64_t *run_id,
		     bool *existed)
{
	int err = ingest_once(st, host_id, d, run_id, existed);

	/* the other connection committed: the second look finds its run */
	if (err == -EAGAIN)
		err = ingest_once(st, host_id, d, run_id, existed);
	if (err == -EAGAIN)
		err = store_fail(st, -EIO, "run '%s' is being stored and is not", d->run_uuid);
	return err;
}
