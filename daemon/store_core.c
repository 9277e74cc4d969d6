// SPDX-License-Identifier: GPL-2.0
/*
 * The store's core (store-internal.h): what both engines share.  The
 * statements of the parts, cached per connection by their query; binding
 * and reading through the engine's table; the loops every listing runs;
 * transactions; the migrations' order; errors.  No database library is
 * called here: the engines (store_sqlite.c, store_pg.c) do that.
 */
#include "daemon/store-internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/migrations.h"
#include "lib/sampcodec.h"

int64_t store_now(void)
{
	return (int64_t)time(NULL);
}

int64_t store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

bool store_is_pg(struct store *st)
{
	return st->eng->pg_dialect;
}

bool store_writes_overlap(struct store *st)
{
	return st->eng->writes_overlap;
}

/* ---- errors ---------------------------------------------------------- */

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
	return st->eng->total_changes(st);
}

/* ---- statements ------------------------------------------------------ */

static struct stmt_slot *slot_of(struct store *st, const struct store_query *q)
{
	unsigned i = (unsigned)(((uintptr_t)q >> 3) * 2654435761u) % STMT_SLOTS;

	while (st->slot[i].q && st->slot[i].q != q)
		i = (i + 1) % STMT_SLOTS;
	return &st->slot[i];
}

static void stmt_ready(struct store_stmt *s, bool cached)
{
	s->bind_err = 0;
	s->npacked = 0;
	strbuf_reset(&s->pack);
	s->cached = cached;
	s->busy = true;
}

int stmt_get(struct store *st, const struct store_query *q, struct store_stmt **out)
{
	struct stmt_slot *sl = slot_of(st, q);
	const char *sql = st->eng->pg_dialect && q->pg ? q->pg : q->sql;
	struct store_stmt *s;
	bool keep;
	int err;

	if (sl->q && !sl->stmt->busy) {
		stmt_ready(sl->stmt, true);
		*out = sl->stmt;
		return 0;
	}
	/* the first use on this connection: kept (while the table has room) */
	keep = !sl->q && st->nslots < STMT_SLOTS / 2;
	err = st->eng->prepare(st, sql, keep ? STMT_KEEP : 0, &s);
	if (err)
		return err;
	strbuf_init(&s->pack, 0);
	if (keep) {
		sl->q = q;
		sl->stmt = s;
		st->nslots++;
	}
	stmt_ready(s, keep);
	*out = s;
	return 0;
}

int stmt_new(struct store *st, const char *sql, int flags, struct store_stmt **out)
{
	struct store_stmt *s;
	int err = st->eng->prepare(st, sql, flags & ~STMT_KEEP, &s);

	if (err)
		return err;
	strbuf_init(&s->pack, 0);
	stmt_ready(s, false);
	*out = s;
	return 0;
}

static void stmt_free(struct store_stmt *s)
{
	strbuf_release(&s->pack);
	s->st->eng->finalize(s);
}

void stmt_done(struct store_stmt *s)
{
	if (!s)
		return;
	s->busy = false;
	if (!s->cached) {
		stmt_free(s);
		return;
	}
	s->st->eng->reset(s);
}

static void bind_note(struct store_stmt *s, int err)
{
	if (err && !s->bind_err)
		s->bind_err = err;
}

void bind_value(struct store_stmt *s, int i, const struct store_value *v)
{
	bind_note(s, s->st->eng->bind(s, i, v));
}

void bind_i64(struct store_stmt *s, int i, int64_t v)
{
	bind_value(s, i, &(struct store_value){ .type = STORE_INT, .i = v });
}

void bind_text(struct store_stmt *s, int i, const char *v)
{
	bind_value(s, i, &(struct store_value){ .type = STORE_TEXT, .null = !v, .p = v,
						  .n = v ? strlen(v) : 0 });
}

void bind_text_nz(struct store_stmt *s, int i, const char *v)
{
	bind_text(s, i, v && *v ? v : NULL);
}

void bind_real(struct store_stmt *s, int i, double v)
{
	bind_value(s, i, &(struct store_value){ .type = STORE_REAL, .null = !isfinite(v), .r = v });
}

void bind_blob(struct store_stmt *s, int i, const void *p, size_t n)
{
	/* a NULL pointer would read as NULL; an empty blob is still a blob */
	bind_value(s, i, &(struct store_value){ .type = STORE_BLOB, .p = p ? p : "", .n = n });
}

/*
 * The blobs' byte order is little-endian by definition (schema
 * 001-initial.sql), whatever the host's: write and read bytes.  A double
 * travels as its IEEE-754 bit pattern, so NaN payloads survive.
 */
void bind_f64s(struct store_stmt *s, int i, const double *v, size_t n)
{
	struct strbuf *sb = &s->pack;
	size_t k;
	int b;

	if (s->npacked == STMT_PACKED) {
		bind_note(s, store_fail(s->st, -E2BIG, "more than %d float64 blobs in a statement",
					STMT_PACKED));
		return;
	}
	s->packed[s->npacked].i = i;
	s->packed[s->npacked].off = sb->len;
	s->packed[s->npacked].n = n * 8;
	s->npacked++;
	strbuf_grow(sb, n * 8);
	for (k = 0; k < n; k++) {
		uint64_t u;

		memcpy(&u, &v[k], sizeof(u));
		for (b = 0; b < 8; b++)
			strbuf_addch(sb, (char)(u >> (8 * b)));
	}
}

int stmt_step(struct store_stmt *s)
{
	int err, k;

	/* the packed blobs, now that their buffer moves no more */
	for (k = 0; k < s->npacked; k++)
		bind_blob(s, s->packed[k].i, s->pack.buf + s->packed[k].off, s->packed[k].n);
	s->npacked = 0;
	if (s->bind_err) {
		err = s->bind_err;
		s->bind_err = 0;
		return err;
	}
	return s->st->eng->step(s);
}

void col_value(struct store_stmt *s, int i, struct store_value *out)
{
	s->st->eng->column(s, i, out);
}

int stmt_columns(struct store_stmt *s)
{
	return s->st->eng->ncolumns(s);
}

const char *stmt_column_name(struct store_stmt *s, int i)
{
	return s->st->eng->column_name(s, i);
}

/* A TEXT value as a C string in buf (numbers in text are rare: names are texts). */
static const char *value_cstr(const struct store_value *v, char *buf, size_t size)
{
	size_t n = v->n < size - 1 ? v->n : size - 1;

	memcpy(buf, v->p, n);
	buf[n] = '\0';
	return buf;
}

int64_t col_i64(struct store_stmt *s, int i)
{
	struct store_value v;
	char buf[32];

	col_value(s, i, &v);
	switch (v.type) {
	case STORE_INT:
		return v.i;
	case STORE_REAL:
		return (int64_t)v.r;
	case STORE_TEXT:
		return strtoll(value_cstr(&v, buf, sizeof(buf)), NULL, 10);
	default:
		return 0;
	}
}

bool col_bool(struct store_stmt *s, int i)
{
	return col_i64(s, i) != 0;
}

double col_real(struct store_stmt *s, int i)
{
	struct store_value v;
	char buf[64];

	col_value(s, i, &v);
	switch (v.type) {
	case STORE_INT:
		return (double)v.i;
	case STORE_REAL:
		return v.r;
	case STORE_TEXT:
		return strtod(value_cstr(&v, buf, sizeof(buf)), NULL);
	default:
		return NAN;
	}
}

bool col_null(struct store_stmt *s, int i)
{
	struct store_value v;

	col_value(s, i, &v);
	return v.type == STORE_NULL;
}

void col_text(struct store_stmt *s, int i, char *buf, size_t size)
{
	struct store_value v;
	const unsigned char *t;
	size_t n;

	col_value(s, i, &v);
	switch (v.type) {
	case STORE_INT:
		snprintf(buf, size, "%lld", (long long)v.i);
		return;
	case STORE_REAL:
		snprintf(buf, size, "%.15g", v.r);
		return;
	case STORE_NULL:
		buf[0] = '\0';
		return;
	default:
		break;
	}
	t = v.p;
	n = v.n;
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
	struct store_value v;

	col_value(s, i, &v);
	if (v.type != STORE_BLOB && v.type != STORE_TEXT) {
		*len = 0;
		return NULL;
	}
	*len = v.n;
	return v.p;
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
			*changed = s->st->eng->changes(s);
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

int tx_begin(struct store *st)
{
	return st->eng->tx_begin(st);
}

int tx_commit(struct store *st)
{
	return st->eng->exec(st, "COMMIT");
}

int tx_hold_off(struct store *st, const char *tables)
{
	return st->eng->hold_off(st, tables);
}

/*
 * Unless the engine already ended it: SQLite rolls back by itself on a
 * full disk, an I/O error or lack of memory; a lost PostgreSQL
 * connection took its transaction with it.
 */
void tx_rollback(struct store *st)
{
	char keep[sizeof(st->errmsg)];

	if (!st->eng->in_tx(st))
		return;
	/* the error that made the caller roll back is the one to report */
	memcpy(keep, st->errmsg, sizeof(keep));
	st->eng->exec(st, "ROLLBACK");
	memcpy(st->errmsg, keep, sizeof(keep));
}

/* ---- what several processes share -------------------------------------- */

int store_generation(struct store *st, uint64_t *gen)
{
	return st->eng->generation(st, gen);
}

int store_generation_bump(struct store *st)
{
	return st->eng->generation_bump(st);
}

int store_lease_try(struct store *st, enum store_lease l, bool *held)
{
	return st->eng->lease_try(st, l, held);
}

/* ---- open, migrate, close -------------------------------------------- */

int store_schema_latest(void)
{
	int i, latest = 0;

	for (i = 0; migrations[i].name; i++)
		latest = migrations[i].version;
	return latest;
}

int store_schema_version(struct store *st)
{
	int version, err;

	err = st->eng->version(st, &version);
	return err ? err : version;
}

static int too_new(struct store *st, int version, struct strbuf *err)
{
	strbuf_addf(err, "database '%s' has schema version %d, newer than this forkwatchd's %d: "
		    "upgrade forkwatchd", st->where, version, store_schema_latest());
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
 * Apply migration m in its own transaction.  The schema lock serialises
 * two daemons starting at once on one database: the second waits, then
 * finds the version already raised and does nothing.
 */
static int migrate_one(struct store *st, const struct migration *m, struct strbuf *err)
{
	const char *sql = st->eng->pg_dialect ? m->pg : m->sql;
	int ret, version;

	ret = tx_begin(st);
	if (!ret)
		ret = st->eng->schema_lock(st);
	if (!ret)
		ret = st->eng->version(st, &version);
	if (ret)
		goto out_err;
	if (version >= m->version) {
		tx_rollback(st);
		return version > store_schema_latest() ? too_new(st, version, err) : 0;
	}
	ret = st->eng->exec(st, sql);
	if (!ret)
		ret = migration_step(st, m->version);
	if (!ret)
		ret = st->eng->set_version(st, m->version);
	if (!ret)
		ret = tx_commit(st);
	if (ret)
		goto out_err;
	return 0;

out_err:
	tx_rollback(st);
	strbuf_addf(err, "database '%s': migration %s failed: %s", st->where, m->name, st->errmsg);
	return ret;
}

static int migrate(struct store *st, struct strbuf *err)
{
	int i, ret, version, latest = store_schema_latest();

	ret = st->eng->version(st, &version);
	if (ret) {
		strbuf_addf(err, "database '%s': %s", st->where, st->errmsg);
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

static bool is_pg_uri(const char *db)
{
	return !strncmp(db, "postgresql://", 13) || !strncmp(db, "postgres://", 11);
}

/* The file of an SQLite name: "sqlite:PATH" or PATH. */
static const char *sqlite_path(const char *db)
{
	return strncmp(db, "sqlite:", 7) ? db : db + 7;
}

/*
 * A URI without its password: scheme://user:secret@host/... keeps
 * scheme://user@host/..., and a password=... parameter is left out.
 */
bool store_db_describe(const char *db, struct strbuf *out)
{
	const char *auth, *at, *colon, *p;
	char sep = '?';

	if (!is_pg_uri(db)) {
		strbuf_addstr(out, sqlite_path(db));
		return true;
	}
	auth = strstr(db, "://") + 3;
	at = auth + strcspn(auth, "/?@");
	colon = memchr(auth, ':', (size_t)(at - auth));
	if (*at == '@' && colon) {
		strbuf_add(out, db, (size_t)(colon - db));
		db = at;
	}
	/* query parameters: every one but password */
	p = strchr(db, '?');
	if (!p) {
		strbuf_addstr(out, db);
		return false;
	}
	strbuf_add(out, db, (size_t)(p - db));
	for (p++; *p;) {
		size_t n = strcspn(p, "&");

		if (n && strncmp(p, "password=", 9)) {
			strbuf_addch(out, sep);
			strbuf_add(out, p, n);
			sep = '&';
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return false;
}

int store_open(struct store **out, const char *db, struct strbuf *err)
{
	struct strbuf where = STRBUF_INIT;
	struct store *st;
	bool pg = is_pg_uri(db);
	int ret;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (!st) {
		strbuf_addstr(err, "out of memory");
		return -ENOMEM;
	}
	store_db_describe(db, &where);
	st->where = strbuf_detach(&where, NULL);
	strbuf_init(&st->scratch, 0);
	st->eng = pg ? &store_pg_engine : &store_sqlite_engine;
	/* a failed open leaves what it made for the engine's close */
	ret = st->eng->open(st, pg ? db : sqlite_path(db), err);
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
			stmt_free(st->slot[i].stmt);
		st->slot[i].q = NULL;
		st->slot[i].stmt = NULL;
	}
	st->eng->close(st);
	strbuf_release(&st->scratch);
	sampcodec_free(st->codec);
	free(st->where);
	free(st);
}
