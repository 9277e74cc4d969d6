/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_STORE_INTERNAL_H
#define FW_STORE_INTERNAL_H

/*
 * What the parts of the store share; included by daemon/store*.c only.
 *
 * The store (store.h) is one core, two engines, and parts split along
 * its seams, each holding its own SQL next to the code that runs it:
 *   store_core.c     statements cached per connection, binding, columns,
 *                    row_each(), transactions, migrations, errors: what
 *                    both engines share, dispatched to the engine
 *   store_sqlite.c   the SQLite engine (the only file calling sqlite3_*)
 *   store_pg.c       the PostgreSQL engine (the only file calling PQ*)
 *   store_hosts.c    lab machines: register, look up, rename, retire, pin
 *   store_ingest.c   one uploaded document in one transaction
 *   store_reads.c    kernels, runs and summaries for pages and comparisons
 *   store_samples.c  the compressed per-iteration samples, their retention
 *   store_alerts.c   alerts and their deliveries
 *   store_shared.c   what several forkwatchd on one database share:
 *                    browser sessions, failed-token counts
 *   store_calibration.c  calibration profiles of lab machines
 *   store_copy.c     forkwatchd migrate: one database copied into another
 *
 * The parts reach the engine through the functions below, never through
 * a library of their own, and their SQL keeps to what both engines take:
 * ?N parameters (the PostgreSQL engine writes them $N), INSERT ...
 * RETURNING for new ids, ON CONFLICT for upserts, CASE and comparisons
 * for booleans (integers 0 and 1 in the tables), blobs bound and read as
 * bytes (bytea in PostgreSQL), integers as 64 bits (BIGINT there), no
 * engine-specific functions.  Where the dialects must differ, a query
 * holds both texts side by side (struct store_query's pg).
 *
 * Functions return what store.h says: 0 or a negative errno, with
 * store_errmsg() saying why.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A macro's value as SQL text: "LIMIT " STR(STORE_COMPARE_UPLOADS) */
#define STR_(x) #x
#define STR(x) STR_(x)

#include "daemon/store.h"

struct sampcodec;

/*
 * One statement of a part, as a static const next to its code.  The core
 * prepares it once per connection, on first use, and keeps it prepared
 * until store_close(); the struct's address is its key.
 */
struct store_query {
	const char *sql;
	const char *pg; /* PostgreSQL's text where it must differ; NULL: sql serves both */
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
/*
 * n doubles as a blob of float64s, little-endian whatever the host (NaN
 * payloads kept), packed into a buffer of s's own (up to STMT_PACKED
 * blobs a statement).
 */
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
 * A write transaction: tx_begin() starts it; tx_rollback() ends a failed
 * one, also one the engine already ended.  SQLite takes the database's
 * write lock at once, so that what the transaction reads stays true
 * until it commits.  PostgreSQL runs it at READ COMMITTED beside the
 * writers of other connections and processes: a part whose reads decide
 * its writes relies on a unique constraint instead (ingest's run uuid),
 * which fails the later of two writers with -EEXIST once the first
 * committed.
 */
int tx_begin(struct store *st);
int tx_commit(struct store *st);
void tx_rollback(struct store *st);
/*
 * Inside a write transaction whose reads decide its writes where no
 * constraint can say so (retention: the alerts and pins that keep a run's
 * samples): hold off the writers of tables (a comma-separated list of
 * table names, a literal) until it ends; a writer already in one is
 * waited for, and what it wrote is seen by the reads that follow.
 * SQLite's write lock does that already.
 */
int tx_hold_off(struct store *st, const char *tables);

/* Set store_errmsg() and return err. */
int store_fail(struct store *st, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Unix seconds, UTC; and in milliseconds. */
int64_t store_now(void);
int64_t store_now_ms(void);

/* The connection's samples codec (made at first use): 0 or -ENOMEM. */
int store_codec(struct store *st, struct sampcodec **out);
/* A buffer of the connection's, for the samples part to build blobs in. */
struct strbuf *store_scratch(struct store *st);

/*
 * A host's record of what a kernel's comparison wants (store_hosts.c),
 * from the 4 columns WANTS_COLS at i, i + 3 of s's current row.
 */
#define WANTS_COLS "hk.wants_at, hk.wants_runs, hk.wants_cases, wb.ident"
#define WANTS_JOIN "LEFT JOIN kernels wb ON wb.id = hk.wants_base_id "
void read_wants(struct store_stmt *s, int i, struct store_wants *w);
/*
 * The comparison settings the wants records were made with (the settings
 * row store_wants_config() keeps) into out: 0, or -ENOENT when none.
 */
int wants_config_get(struct store *st, char *out, size_t n);
/* Every wants record cleared, as store_wants_config() clears them (*cleared of them, or NULL). */
int wants_clear_all(struct store *st, int64_t *cleared);

/* Ingest: the samples of case c's supported series, stored for case_id (store_samples.c). */
int samples_put(struct store *st, int64_t case_id, const struct doc_case *c);

/*
 * Migration steps in C, each run inside its migration's transaction after
 * its SQL (store_core.c's migration_steps[] says which follows which).
 */
int store_samples_migrate_v5(struct store *st);

/* ---- engines ----------------------------------------------------------- */

/*
 * What the core hands to an engine and reads back: an engine is a table
 * of the functions below (git's ref storage backends), one for SQLite
 * (store_sqlite.c) and one for PostgreSQL (store_pg.c), chosen by
 * store_open() from the database's name.
 */
enum store_type { STORE_NULL, STORE_INT, STORE_REAL, STORE_TEXT, STORE_BLOB };

/*
 * A value bound or read: TEXT and BLOB point at n bytes (TEXT has no NUL
 * of its own).  A NULL reads as STORE_NULL; one bound may keep its type
 * with null set (PostgreSQL learns the parameter's type from it).
 */
struct store_value {
	enum store_type type;
	bool null;
	int64_t i;
	double r;
	const void *p;
	size_t n;
};

/* Every engine's statement starts with this. */
struct store_stmt {
	struct store *st;
	int bind_err;             /* the first failed bind since stmt_get() */
	bool cached;              /* the connection's own, else private (finalized when done) */
	bool busy;                /* between stmt_get() and stmt_done() */
	struct strbuf pack;       /* bind_f64s(): its blobs, one after another */
	int npacked;              /* blobs in pack, bound at the step (pack may move until then) */
	struct {
		int i;
		size_t off, n;
	} packed[16];
};
#define STMT_PACKED 16

/*
 * Prepared statements per connection, by the address of their struct
 * store_query: open addressing in a table kept at most half full (the
 * parts hold about 70 queries).
 */
#define STMT_SLOTS 256

struct stmt_slot {
	const struct store_query *q;
	struct store_stmt *stmt;
};

struct store_engine;

struct store {
	const struct store_engine *eng;
	void *conn;               /* the engine's connection */
	char *where;              /* the database as messages name it (no password) */
	char errmsg[512];
	unsigned nslots;
	struct stmt_slot slot[STMT_SLOTS];
	struct strbuf scratch;    /* store_scratch() */
	struct sampcodec *codec;  /* store_codec(), made at first use */
	void *copy;               /* the engine's copy_begin() state */
};

/* prepare() flags */
#define STMT_KEEP 1   /* kept until close; else used once */
#define STMT_STREAM 2 /* rows one at a time: nothing else may use the connection meanwhile */

struct store_engine {
	const char *name;
	bool pg_dialect;          /* takes struct store_query's pg text and the migrations' pg */
	bool writes_overlap;      /* store_writes_overlap() */
	/* connect st->conn to target (the name without its "sqlite:"); err: a sentence */
	int (*open)(struct store *st, const char *target, struct strbuf *err);
	void (*close)(struct store *st);
	int (*prepare)(struct store *st, const char *sql, int flags, struct store_stmt **out);
	/* after use: values unbound, rows dropped, no read snapshot held */
	void (*reset)(struct store_stmt *s);
	void (*finalize)(struct store_stmt *s);
	/* the value lives until the statement is reset (a negative errno, reported by step) */
	int (*bind)(struct store_stmt *s, int i, const struct store_value *v);
	int (*step)(struct store_stmt *s);
	/* column i of the current row, valid until the next step or reset */
	void (*column)(struct store_stmt *s, int i, struct store_value *out);
	int (*ncolumns)(struct store_stmt *s);
	const char *(*column_name)(struct store_stmt *s, int i);
	/* rows the last step's INSERT, UPDATE or DELETE changed */
	int64_t (*changes)(struct store_stmt *s);
	int64_t (*total_changes)(struct store *st);
	/* SQL without parameters or rows (BEGIN, a migration's script) */
	int (*exec)(struct store *st, const char *sql);
	int (*tx_begin)(struct store *st);
	bool (*in_tx)(struct store *st);
	/*
	 * Inside a transaction: wait until no other process migrates this
	 * database, until the transaction ends (SQLite's write lock does).
	 */
	int (*schema_lock)(struct store *st);
	/* tx_hold_off() */
	int (*hold_off)(struct store *st, const char *tables);
	int (*version)(struct store *st, int *version);
	int (*set_version)(struct store *st, int version);
	/* store.h's shared generation (-ENOTSUP where there is none) and leases */
	int (*generation)(struct store *st, uint64_t *gen);
	int (*generation_bump)(struct store *st);
	int (*lease_try)(struct store *st, enum store_lease l, bool *held);
	/*
	 * Rows in bulk into a table (store_copy.c): copy_begin() names the
	 * table and its n columns (quoted identifiers), copy_row() takes a row
	 * of n values, copy_end() ends it, also after a failure (ok false).
	 * Inside a transaction of the caller's.
	 */
	int (*copy_begin)(struct store *st, const char *table, const char *const *cols, int n);
	int (*copy_row)(struct store *st, const struct store_value *v, int n);
	int (*copy_end)(struct store *st, bool ok);
};

extern const struct store_engine store_sqlite_engine;
extern const struct store_engine store_pg_engine;

/* A statement of sql text built at run time (store_copy.c), STMT_ flags; finalized when done. */
int stmt_new(struct store *st, const char *sql, int flags, struct store_stmt **out);
/* The type of column i of the current row and its value (see struct store_value). */
void col_value(struct store_stmt *s, int i, struct store_value *out);
/* Bind a value read by col_value() (of another store, say). */
void bind_value(struct store_stmt *s, int i, const struct store_value *v);
/* Columns of the statement's rows and their names (after a step). */
int stmt_columns(struct store_stmt *s);
const char *stmt_column_name(struct store_stmt *s, int i);
/* Whether st speaks PostgreSQL's dialect. */
bool store_is_pg(struct store *st);

#endif
