// SPDX-License-Identifier: GPL-2.0
/*
 * The store's core (store-internal.h): the SQLite connection, its
 * statements, binding and reading, transactions, migrations and errors.
 * The only file of the store that calls sqlite3_*.  The only SQL text built
 * at run time is the "PRAGMA user_version = N" of a migration, whose N is
 * our own integer (PRAGMA takes no parameters).
 */
#include "daemon/store-internal.h"

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
#include "lib/sampcodec.h"

/*
 * How long a statement waits for another connection's write lock.  An
 * ingest holds it for a few milliseconds, so waiting this long means
 * something is wrong, and the caller gets -EBUSY.
 */
#define STORE_BUSY_MS 5000

/*
 * Prepared statements per connection, by the address of their struct
 * store_query: open addressing in a table kept at most half full (the
 * parts hold about 50 queries).
 */
#define STMT_SLOTS 128

struct store_stmt {
	struct store *st;
	sqlite3_stmt *s;
	int bind_rc;              /* the first failed bind since stmt_get() */
	bool cached;              /* the connection's own, else private (freed when done) */
};

struct stmt_slot {
	const struct store_query *q;
	struct store_stmt stmt;
};

struct store {
	sqlite3 *db;
	char *path;
	char errmsg[512];
	unsigned nslots;
	struct stmt_slot slot[STMT_SLOTS];
	struct strbuf pack;       /* bind_f64s() packs here */
	struct strbuf scratch;    /* store_scratch() */
	struct sampcodec *codec;  /* store_codec(), made at first use */
};

int64_t store_now(void)
{
	return (int64_t)time(NULL);
}

int store_codec(struct store *st, struct sampcodec **out)
{
	if (!st->codec && sampcodec_new(&st->codec))
		return store_fail(st, -ENOMEM, "out of memory");
	*out = st->codec;
	return 0;
}

struct strbuf *store_scratch(struct store *st)
{
	return &st->scratch;
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

int store_fail(struct store *st, int err, const char *fmt, ...)
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

int64_t store_total_changes(struct store *st)
{
	return sqlite3_total_changes64(st->db);
}

/* ---- statements ------------------------------------------------------ */

static struct stmt_slot *slot_of(struct store *st, const struct store_query *q)
{
	unsigned i = (unsigned)(((uintptr_t)q >> 3) * 2654435761u) % STMT_SLOTS;

	while (st->slot[i].q && st->slot[i].q != q)
		i = (i + 1) % STMT_SLOTS;
	return &st->slot[i];
}

int stmt_get(struct store *st, const struct store_query *q, struct store_stmt **out)
{
	struct stmt_slot *sl = slot_of(st, q);
	struct store_stmt *p;
	sqlite3_stmt *s;
	int rc;

	if (sl->q && !sqlite3_stmt_busy(sl->stmt.s)) {
		sl->stmt.bind_rc = SQLITE_OK;
		*out = &sl->stmt;
		return 0;
	}
	/* the first use on this connection: kept (while the table has room) */
	if (!sl->q && st->nslots < STMT_SLOTS / 2) {
		rc = sqlite3_prepare_v3(st->db, q->sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
		if (rc != SQLITE_OK)
			return fail_sqlite(st, rc);
		sl->q = q;
		sl->stmt = (struct store_stmt){ st, s, SQLITE_OK, true };
		st->nslots++;
		*out = &sl->stmt;
		return 0;
	}
	p = malloc(sizeof(*p));
	if (!p)
		return store_fail(st, -ENOMEM, "out of memory");
	rc = sqlite3_prepare_v3(st->db, q->sql, -1, 0, &s, NULL);
	if (rc != SQLITE_OK) {
		free(p);
		return fail_sqlite(st, rc);
	}
	*p = (struct store_stmt){ st, s, SQLITE_OK, false };
	*out = p;
	return 0;
}

void stmt_done(struct store_stmt *s)
{
	if (!s)
		return;
	if (!s->cached) {
		sqlite3_finalize(s->s);
		free(s);
		return;
	}
	sqlite3_reset(s->s);
	sqlite3_clear_bindings(s->s);
}

/*
 * Values are bound SQLITE_STATIC: they must outlive the step, which
 * store-internal.h asks of every caller.
 */
static void bind_note(struct store_stmt *s, int rc)
{
	if (rc != SQLITE_OK && s->bind_rc == SQLITE_OK)
		s->bind_rc = rc;
}

void bind_i64(struct store_stmt *s, int i, int64_t v)
{
	bind_note(s, sqlite3_bind_int64(s->s, i, v));
}

void bind_text(struct store_stmt *s, int i, const char *v)
{
	bind_note(s, v ? sqlite3_bind_text(s->s, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(s->s, i));
}

void bind_text_nz(struct store_stmt *s, int i, const char *v)
{
	bind_text(s, i, v && *v ? v : NULL);
}

void bind_real(struct store_stmt *s, int i, double v)
{
	bind_note(s, isfinite(v) ? sqlite3_bind_double(s->s, i, v) : sqlite3_bind_null(s->s, i));
}

void bind_blob(struct store_stmt *s, int i, const void *p, size_t n)
{
	/* a NULL pointer would bind NULL; an empty blob is still a blob */
	bind_note(s, sqlite3_bind_blob64(s->s, i, p ? p : "", n, SQLITE_STATIC));
}

/*
 * The blobs' byte order is little-endian by definition (schema
 * 001-initial.sql), whatever the host's: write and read bytes.  A double
 * travels as its IEEE-754 bit pattern, so NaN payloads survive.
 */
void bind_f64s(struct store_stmt *s, int i, const double *v, size_t n)
{
	struct strbuf *sb = &s->st->pack;
	unsigned char *p;
	size_t k;
	int b;

	strbuf_reset(sb);
	strbuf_grow(sb, n * 8);
	p = (unsigned char *)sb->buf;
	for (k = 0; k < n; k++) {
		uint64_t u;

		memcpy(&u, &v[k], sizeof(u));
		for (b = 0; b < 8; b++)
			*p++ = (unsigned char)(u >> (8 * b));
	}
	/* TRANSIENT: SQLite copies, so that pack serves the next bind */
	bind_note(s, sqlite3_bind_blob64(s->s, i, sb->buf, n * 8, SQLITE_TRANSIENT));
}

int stmt_step(struct store_stmt *s)
{
	int rc;

	if (s->bind_rc != SQLITE_OK) {
		rc = s->bind_rc;
		s->bind_rc = SQLITE_OK;
		return fail_sqlite(s->st, rc);
	}
	rc = sqlite3_step(s->s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return fail_sqlite(s->st, rc);
}

int64_t col_i64(struct store_stmt *s, int i)
{
	return sqlite3_column_int64(s->s, i);
}

bool col_bool(struct store_stmt *s, int i)
{
	return sqlite3_column_int64(s->s, i) != 0;
}

double col_real(struct store_stmt *s, int i)
{
	return sqlite3_column_type(s->s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s->s, i);
}

bool col_null(struct store_stmt *s, int i)
{
	return sqlite3_column_type(s->s, i) == SQLITE_NULL;
}

void col_text(struct store_stmt *s, int i, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(s->s, i);
	size_t n = t ? (size_t)sqlite3_column_bytes(s->s, i) : 0;

	if (n >= size) {
		n = size - 1;
		while (n > 0 && (t[n] & 0xc0) == 0x80)
			n--;
	}
	if (n)
		memcpy(buf, t, n);
	buf[n] = '\0';
}

const void *col_blob(struct store_stmt *s, int i, size_t *len)
{
	const void *p = sqlite3_column_blob(s->s, i);

	*len = p ? (size_t)sqlite3_column_bytes(s->s, i) : 0;
	return p;
}

int col_f64s(struct store_stmt *s, int i, double *out, size_t max, size_t *n)
{
	size_t len, k;
	const unsigned char *p = col_blob(s, i, &len);
	int b;

	if (len % 8)
		return -EBADMSG;
	*n = len / 8;
	for (k = 0; k < *n && k < max; k++) {
		uint64_t u = 0;

		for (b = 7; b >= 0; b--)
			u = (u << 8) | p[8 * k + b];
		memcpy(&out[k], &u, sizeof(u));
	}
	return 0;
}

int row_each(struct store_stmt *s, int (*row)(struct store_stmt *s, void *ctx), void *ctx)
{
	int err;

	for (;;) {
		err = stmt_step(s);
		if (err <= 0)
			break;
		err = row(s, ctx);
		if (err)
			break;
	}
	stmt_done(s);
	return err;
}

int row_one(struct store_stmt *s, int (*row)(struct store_stmt *s, void *ctx), void *ctx)
{
	int err = stmt_step(s);

	if (err == 1)
		err = row(s, ctx);
	else if (err == 0)
		err = -ENOENT;
	stmt_done(s);
	return err;
}

static int first_i64(struct store_stmt *s, void *ctx)
{
	*(int64_t *)ctx = col_i64(s, 0);
	return 0;
}

int row_i64(struct store_stmt *s, int64_t *v)
{
	return row_one(s, first_i64, v);
}

struct text_out {
	char *buf;
	size_t size;
};

static int first_text(struct store_stmt *s, void *ctx)
{
	struct text_out *t = ctx;

	col_text(s, 0, t->buf, t->size);
	return 0;
}

int row_text(struct store_stmt *s, char *buf, size_t size)
{
	struct text_out t = { buf, size };

	return row_one(s, first_text, &t);
}

int stmt_exec(struct store_stmt *s, int64_t *changed)
{
	int err = stmt_step(s);

	if (err >= 0) {
		if (changed)
			*changed = sqlite3_changes64(s->st->db);
		err = 0;
	}
	stmt_done(s);
	return err;
}

int stmt_update(struct store_stmt *s)
{
	int64_t changed = 0;
	int err = stmt_exec(s, &changed);

	return err ? err : changed ? 0 : -ENOENT;
}

/* ---- transactions ----------------------------------------------------- */

/*
 * IMMEDIATE: take the write lock now, so that what the transaction reads
 * (an upload's uuid check) stays true for the inserts that depend on it.
 */
static const struct store_query q_begin = { "BEGIN IMMEDIATE" };
static const struct store_query q_commit = { "COMMIT" };

static int exec_query(struct store *st, const struct store_query *q)
{
	struct store_stmt *s;
	int err = stmt_get(st, q, &s);

	return err ? err : stmt_exec(s, NULL);
}

int tx_begin(struct store *st)
{
	return exec_query(st, &q_begin);
}

int tx_commit(struct store *st)
{
	return exec_query(st, &q_commit);
}

/* Unless SQLite already ended it (it rolls back by itself on a full disk, an I/O error or lack of memory). */
void tx_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- open, migrate, close -------------------------------------------- */

static const struct store_query q_version = { "PRAGMA user_version" };

int store_schema_latest(void)
{
	int i, latest = 0;

	for (i = 0; migrations[i].name; i++)
		latest = migrations[i].version;
	return latest;
}

static int user_version(struct store *st, int *version)
{
	struct store_stmt *s;
	int64_t v = 0;
	int err;

	err = stmt_get(st, &q_version, &s);
	if (!err)
		err = row_i64(s, &v);
	if (err == -ENOENT)
		err = store_fail(st, -EIO, "PRAGMA user_version returned no row");
	*version = (int)v;
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

/* Migrations that need more than SQL: C run in their transaction, after their SQL. */
static const struct {
	int version;
	int (*step)(struct store *st);
} migration_steps[] = {
	/* samples re-encoded into one compressed blob per case */
	{ 5, store_samples_migrate_v5 },
};

static int migration_step(struct store *st, int version)
{
	size_t i;

	for (i = 0; i < sizeof(migration_steps) / sizeof(migration_steps[0]); i++)
		if (migration_steps[i].version == version)
			return migration_steps[i].step(st);
	return 0;
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
		ret = migration_step(st, m->version);
		if (ret)
			goto out_err;
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
	strbuf_init(&st->pack, 0);
	strbuf_init(&st->scratch, 0);
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
	unsigned i;

	if (!st)
		return;
	for (i = 0; i < STMT_SLOTS; i++) {
		if (st->slot[i].q)
			sqlite3_finalize(st->slot[i].stmt.s);
		st->slot[i].q = NULL;
	}
	sqlite3_close_v2(st->db);
	st->db = NULL;
	strbuf_release(&st->pack);
	strbuf_release(&st->scratch);
	sampcodec_free(st->codec);
	free(st->path);
	free(st);
}
