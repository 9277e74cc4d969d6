/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_STORE_INTERNAL_H
#define FW_STORE_INTERNAL_H

/*
 * What the parts of the store share; included by daemon/store*.c only.
 *
 * The store (store.h) is one core and parts split along its seams, each
 * holding its own SQL next to the code that runs it:
 *   store_core.c     the connection, statements, binding, columns,
 *                    row_each(), transactions, migrations, errors
 *   store_hosts.c    lab machines: register, look up, rename, retire, pin
 *   store_ingest.c   one uploaded document in one transaction
 *   store_reads.c    kernels, runs and summaries for pages and comparisons
 *   store_samples.c  the compressed per-iteration samples, their retention
 *   store_alerts.c   alerts and their deliveries
 *
 * Only store_core.c knows the database engine (SQLite): the parts reach it
 * through the functions below, never through sqlite3_*, so that another
 * engine (PostgreSQL through libpq) can take the core's place behind the
 * same store.h.  The parts' SQL keeps to what both engines take: ?N
 * parameters (a PostgreSQL core would write them $N), INSERT ... RETURNING
 * for new ids, CASE and comparisons for booleans (integers 0 and 1 in the
 * tables), ON CONFLICT, no engine-specific functions.
 *
 * Functions return what store.h says: 0 or a negative errno, with
 * store_errmsg() saying why.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/store.h"

struct sampcodec;

/*
 * One statement of a part, as a static const next to its code.  The core
 * prepares it once per connection, on first use, and keeps it prepared
 * until store_close(); the struct's address is its key.
 */
struct store_query {
	const char *sql;
};

/*
 * A statement being bound, stepped and read: from stmt_get() until it is
 * handed back, by stmt_done() or by the helpers below that say they hand
 * it back.  Values bound to it must live until then.
 */
struct store_stmt;

/*
 * The statement of q, ready to bind: the connection's own, or a private
 * one when that one is in the middle of a loop (a callback calling back
 * into the store with the same query).
 */
int stmt_get(struct store *st, const struct store_query *q, struct store_stmt **out);
/* Hand s back: reset, its values unbound, no read snapshot held.  NULL is fine. */
void stmt_done(struct store_stmt *s);

/*
 * Parameters are numbered from 1 (?1).  A bind that fails is reported by
 * the next stmt_step(), so that a statement binds its values in one block.
 */
void bind_i64(struct store_stmt *s, int i, int64_t v);
/* NULL binds NULL. */
void bind_text(struct store_stmt *s, int i, const char *v);
/* "" (unknown in a document) binds NULL too. */
void bind_text_nz(struct store_stmt *s, int i, const char *v);
/* A non-finite number is no number: NULL. */
void bind_real(struct store_stmt *s, int i, double v);
/* A blob of n bytes; p may be NULL when n is 0 (an empty blob, not NULL). */
void bind_blob(struct store_stmt *s, int i, const void *p, size_t n);
/* n doubles as a blob of float64s, little-endian whatever the host (NaN payloads kept). */
void bind_f64s(struct store_stmt *s, int i, const double *v, size_t n);

/* 1: a row to read, 0: done, else a negative errno. */
int stmt_step(struct store_stmt *s);

/* Columns of the current row, numbered from 0; NULL reads as 0, "" or NaN. */
int64_t col_i64(struct store_stmt *s, int i);
bool col_bool(struct store_stmt *s, int i);
double col_real(struct store_stmt *s, int i);
bool col_null(struct store_stmt *s, int i);
/* Copied into buf; too long a text is cut at a UTF-8 character boundary. */
void col_text(struct store_stmt *s, int i, char *buf, size_t size);
/* The blob's bytes, valid until the next step or stmt_done(); *len 0 for NULL. */
const void *col_blob(struct store_stmt *s, int i, size_t *len);
/*
 * A float64 blob (bind_f64s()) into out[max]: *n values, the first max of
 * them when it holds more.  -EBADMSG when its size is no multiple of 8.
 */
int col_f64s(struct store_stmt *s, int i, double *out, size_t max, size_t *n);

/*
 * Step s through its rows, calling row(s, ctx) for each, and hand s back.
 * Returns 0 at the end, what row() returned when that was not 0 (it stops
 * there), or a negative errno.  The one loop every listing runs.
 */
int row_each(struct store_stmt *s, int (*row)(struct store_stmt *s, void *ctx), void *ctx);
/* row_each() for one row: -ENOENT when there is none. */
int row_one(struct store_stmt *s, int (*row)(struct store_stmt *s, void *ctx), void *ctx);
/* The first column of the one row, as an integer or a text; -ENOENT when there is none. */
int row_i64(struct store_stmt *s, int64_t *v);
int row_text(struct store_stmt *s, char *buf, size_t size);
/*
 * Run s (an INSERT, UPDATE or DELETE without RETURNING) and hand it back;
 * *changed (may be NULL) receives how many rows it changed.
 */
int stmt_exec(struct store_stmt *s, int64_t *changed);
/* stmt_exec() for an UPDATE of one row: -ENOENT when it matched none. */
int stmt_update(struct store_stmt *s);

/*
 * A write transaction: tx_begin() takes the database's write lock at once
 * (so that what the transaction reads stays true until it commits);
 * tx_rollback() ends a failed one, also one the engine already ended.
 */
int tx_begin(struct store *st);
int tx_commit(struct store *st);
void tx_rollback(struct store *st);

/* Set store_errmsg() and return err. */
int store_fail(struct store *st, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Unix seconds, UTC. */
int64_t store_now(void);

/* The connection's samples codec (made at first use): 0 or -ENOMEM. */
int store_codec(struct store *st, struct sampcodec **out);
/* A buffer of the connection's, for the samples part to build blobs in. */
struct strbuf *store_scratch(struct store *st);

/* Ingest: the samples of case c's supported series, stored for case_id (store_samples.c). */
int samples_put(struct store *st, int64_t case_id, const struct doc_case *c);

/*
 * Migration steps in C, each run inside its migration's transaction after
 * its SQL (store_core.c's migration_steps[] says which follows which).
 */
int store_samples_migrate_v5(struct store *st);

#endif
