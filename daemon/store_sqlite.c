// SPDX-License-Identifier: GPL-2.0
/*
 * The store's SQLite engine (store-internal.h): one file in WAL mode,
 * written by one forkwatchd.  The only file of the store that calls
 * sqlite3_*.  The only SQL text built at run time is the "PRAGMA
 * user_version = N" of a migration, whose N is our own integer (PRAGMA
 * takes no parameters).
 */
#include "daemon/store-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <sqlite3.h>

/*
 * How long a statement waits for another connection's write lock.  An
 * ingest holds it for a few milliseconds, so waiting this long means
 * something is wrong, and the caller gets -EBUSY.
 */
#define STORE_BUSY_MS 5000

struct sq_stmt {
	struct store_stmt base;
	sqlite3_stmt *s;
};

static sqlite3 *db_of(struct store *st)
{
	return st->conn;
}

static struct sq_stmt *sq(struct store_stmt *s)
{
	return (struct sq_stmt *)s;
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
	case SQLITE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* Keep SQLite's message (a later ROLLBACK would replace it) and map rc. */
static int fail_sqlite(struct store *st, int rc)
{
	/* a failed bind may leave the connection's message elsewhere */
	const char *msg = (sqlite3_errcode(db_of(st)) & 0xff) == (rc & 0xff) ? sqlite3_errmsg(db_of(st))
									      : sqlite3_errstr(rc);

	return store_fail(st, map_rc(rc), "%s", msg);
}

/* ---- statements ------------------------------------------------------ */

static int sq_prepare(struct store *st, const char *sql, int flags, struct store_stmt **out)
{
	struct sq_stmt *p = calloc(1, sizeof(*p));
	int rc;

	if (!p)
		return store_fail(st, -ENOMEM, "out of memory");
	rc = sqlite3_prepare_v3(db_of(st), sql, -1, flags & STMT_KEEP ? SQLITE_PREPARE_PERSISTENT : 0,
				&p->s, NULL);
	if (rc != SQLITE_OK) {
		free(p);
		return fail_sqlite(st, rc);
	}
	p->base.st = st;
	*out = &p->base;
	return 0;
}

static void sq_reset(struct store_stmt *s)
{
	sqlite3_reset(sq(s)->s);
	sqlite3_clear_bindings(sq(s)->s);
}

static void sq_finalize(struct store_stmt *s)
{
	sqlite3_finalize(sq(s)->s);
	free(s);
}

/*
 * Values are bound SQLITE_STATIC: they must outlive the step, which
 * store-internal.h asks of every caller.
 */
static int sq_bind(struct store_stmt *s, int i, const struct store_value *v)
{
	sqlite3_stmt *p = sq(s)->s;
	int rc;

	switch (v->null ? STORE_NULL : v->type) {
	case STORE_INT:
		rc = sqlite3_bind_int64(p, i, v->i);
		break;
	case STORE_REAL:
		rc = sqlite3_bind_double(p, i, v->r);
		break;
	case STORE_TEXT:
		rc = sqlite3_bind_text64(p, i, v->p, v->n, SQLITE_STATIC, SQLITE_UTF8);
		break;
	case STORE_BLOB:
		rc = sqlite3_bind_blob64(p, i, v->p, v->n, SQLITE_STATIC);
		break;
	default:
		rc = sqlite3_bind_null(p, i);
		break;
	}
	return rc == SQLITE_OK ? 0 : fail_sqlite(s->st, rc);
}

static int sq_step(struct store_stmt *s)
{
	int rc = sqlite3_step(sq(s)->s);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return fail_sqlite(s->st, rc);
}

static void sq_column(struct store_stmt *s, int i, struct store_value *out)
{
	sqlite3_stmt *p = sq(s)->s;

	memset(out, 0, sizeof(*out));
	switch (sqlite3_column_type(p, i)) {
	case SQLITE_INTEGER:
		out->type = STORE_INT;
		out->i = sqlite3_column_int64(p, i);
		break;
	case SQLITE_FLOAT:
		out->type = STORE_REAL;
		out->r = sqlite3_column_double(p, i);
		break;
	case SQLITE_TEXT:
		out->type = STORE_TEXT;
		out->p = sqlite3_column_text(p, i);
		out->n = (size_t)sqlite3_column_bytes(p, i);
		break;
	case SQLITE_BLOB:
		out->type = STORE_BLOB;
		out->p = sqlite3_column_blob(p, i);
		out->n = (size_t)sqlite3_column_bytes(p, i);
		break;
	default:
		out->type = STORE_NULL;
		break;
	}
}

static int sq_ncolumns(struct store_stmt *s)
{
	return sqlite3_column_count(sq(s)->s);
}

static const char *sq_column_name(struct store_stmt *s, int i)
{
	return sqlite3_column_name(sq(s)->s, i);
}

static int64_t sq_changes(struct store_stmt *s)
{
	return sqlite3_changes64(db_of(s->st));
}

static int64_t sq_total_changes(struct store *st)
{
	return sqlite3_total_changes64(db_of(st));
}

static int sq_exec(struct store *st, const char *sql)
{
	int rc = sqlite3_exec(db_of(st), sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : fail_sqlite(st, rc);
}

/*
 * IMMEDIATE: take the write lock now, so that what the transaction reads
 * (an upload's uuid check) stays true for the inserts that depend on it.
 */
static int sq_tx_begin(struct store *st)
{
	return sq_exec(st, "BEGIN IMMEDIATE");
}

static bool sq_in_tx(struct store *st)
{
	return !sqlite3_get_autocommit(db_of(st));
}

/* BEGIN IMMEDIATE holds the write lock already: migrations are serialised. */
static int sq_schema_lock(struct store *st)
{
	(void)st;
	return 0;
}

/* BEGIN IMMEDIATE holds the write lock already: no other writer runs. */
static int sq_hold_off(struct store *st, const char *tables)
{
	(void)st;
	(void)tables;
	return 0;
}

static int version_cb(void *ctx, int ncol, char **val, char **name)
{
	(void)name;
	if (ncol > 0 && val[0])
		*(int *)ctx = atoi(val[0]);
	return 0;
}

static int sq_version(struct store *st, int *version)
{
	int rc;

	*version = 0;
	rc = sqlite3_exec(db_of(st), "PRAGMA user_version", version_cb, version, NULL);
	return rc == SQLITE_OK ? 0 : fail_sqlite(st, rc);
}

static int sq_set_version(struct store *st, int version)
{
	char pragma[48];

	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version);
	return sq_exec(st, pragma);
}

/* One process writes the file: it counts its own writes (server.c). */
static int sq_generation(struct store *st, uint64_t *gen)
{
	(void)st;
	*gen = 0;
	return -ENOTSUP;
}

static int sq_generation_bump(struct store *st)
{
	(void)st;
	return -ENOTSUP;
}

static int sq_lease_try(struct store *st, enum store_lease l, bool *held)
{
	(void)st;
	(void)l;
	*held = true;
	return 0;
}

/* ---- rows in bulk ------------------------------------------------------ */

/* one prepared INSERT, stepped per row: inside a transaction that is as fast as SQLite goes */
static int sq_copy_begin(struct store *st, const char *table, const char *const *cols, int n)
{
	struct strbuf sql = STRBUF_INIT;
	struct store_stmt *s;
	int i, err;

	strbuf_addf(&sql, "INSERT INTO %s (", table);
	for (i = 0; i < n; i++)
		strbuf_addf(&sql, "%s%s", i ? ", " : "", cols[i]);
	strbuf_addstr(&sql, ") VALUES (");
	for (i = 0; i < n; i++)
		strbuf_addf(&sql, "%s?%d", i ? ", " : "", i + 1);
	strbuf_addch(&sql, ')');
	err = sq_prepare(st, sql.buf, 0, &s);
	strbuf_release(&sql);
	if (!err)
		st->copy = s;
	return err;
}

static int sq_copy_row(struct store *st, const struct store_value *v, int n)
{
	struct store_stmt *s = st->copy;
	int i, err = 0;

	for (i = 0; i < n && !err; i++)
		err = sq_bind(s, i + 1, &v[i]);
	if (!err)
		err = sq_step(s);
	sqlite3_reset(sq(s)->s);
	return err < 0 ? err : 0;
}

static int sq_copy_end(struct store *st, bool ok)
{
	(void)ok;
	if (st->copy)
		sq_finalize(st->copy);
	st->copy = NULL;
	return 0;
}

/* ---- open and close ---------------------------------------------------- */

/* Why sqlite3_open_v2() failed, in words: usually the directory. */
static int open_error(struct store *st, const char *path, int rc, struct strbuf *err)
{
	int sys = db_of(st) ? sqlite3_system_errno(db_of(st)) : 0;
	char *dir = strdup(path), *slash;
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
			    path, dir);
		ret = -ENOENT;
	} else if (sys) {
		strbuf_addf(err, "cannot open database '%s': %s", path, strerror(sys));
		ret = -sys;
	} else {
		strbuf_addf(err, "cannot open database '%s': %s", path,
			    db_of(st) ? sqlite3_errmsg(db_of(st)) : sqlite3_errstr(rc));
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
static int setup(struct store *st, const char *path, struct strbuf *err)
{
	sqlite3 *db = db_of(st);
	char mode[16] = "";
	int rc, version = 0;

	/*
	 * The first read of the file: it finds a file that is no database,
	 * and a database too new to touch, before WAL mode changes the file.
	 */
	rc = sqlite3_exec(db, "PRAGMA user_version", version_cb, &version, NULL);
	if (rc != SQLITE_OK)
		goto out_sqlite;
	if (version > store_schema_latest()) {
		strbuf_addf(err, "database '%s' has schema version %d, newer than this forkwatchd's %d: "
			    "upgrade forkwatchd", path, version, store_schema_latest());
		return -EPROTO;
	}
	rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", journal_cb, mode, NULL);
	if (rc != SQLITE_OK)
		goto out_sqlite;
	/* ":memory:" databases have no WAL and need none: one connection */
	if (strcmp(mode, "wal") && strcmp(mode, "memory")) {
		strbuf_addf(err, "database '%s': cannot switch to WAL journal mode (got '%s')",
			    path, mode);
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
	rc = sqlite3_exec(db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto out_sqlite;
	return 0;

out_sqlite:
	if ((rc & 0xff) == SQLITE_CANTOPEN)
		return open_error(st, path, rc, err);
	if ((rc & 0xff) == SQLITE_NOTADB)
		strbuf_addf(err, "database '%s': file is not an SQLite database", path);
	else if ((rc & 0xff) == SQLITE_BUSY)
		strbuf_addf(err, "database '%s': locked by another process: %s", path,
			    sqlite3_errmsg(db));
	else if ((rc & 0xff) == SQLITE_FULL || disk_full(path))
		strbuf_addf(err, "database '%s': the disk holding it is full (%s): free some space "
			    "and start again", path, sqlite3_errmsg(db));
	else
		strbuf_addf(err, "database '%s': %s", path, sqlite3_errmsg(db));
	return fail_sqlite(st, rc);
}

static int sq_open(struct store *st, const char *path, struct strbuf *err)
{
	sqlite3 *db = NULL;
	int rc, fd;

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
	rc = sqlite3_open_v2(path, &db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
				     SQLITE_OPEN_EXRESCODE,
			     NULL);
	st->conn = db;
	if (rc != SQLITE_OK)
		return open_error(st, path, rc, err);
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, STORE_BUSY_MS);
	/* "text" in double quotes is an identifier, never a string: a typo fails */
	sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, NULL);
	return setup(st, path, err);
}

static void sq_close(struct store *st)
{
	sqlite3_close_v2(db_of(st));
	st->conn = NULL;
}

const struct store_engine store_sqlite_engine = {
	.name = "sqlite",
	.pg_dialect = false,
	.writes_overlap = false,
	.open = sq_open,
	.close = sq_close,
	.prepare = sq_prepare,
	.reset = sq_reset,
	.finalize = sq_finalize,
	.bind = sq_bind,
	.step = sq_step,
	.column = sq_column,
	.ncolumns = sq_ncolumns,
	.column_name = sq_column_name,
	.changes = sq_changes,
	.total_changes = sq_total_changes,
	.exec = sq_exec,
	.tx_begin = sq_tx_begin,
	.hold_off = sq_hold_off,
	.in_tx = sq_in_tx,
	.schema_lock = sq_schema_lock,
	.version = sq_version,
	.set_version = sq_set_version,
	.generation = sq_generation,
	.generation_bump = sq_generation_bump,
	.lease_try = sq_lease_try,
	.copy_begin = sq_copy_begin,
	.copy_row = sq_copy_row,
	.copy_end = sq_copy_end,
};
