// SPDX-License-Identifier: GPL-2.0
/*
 * The store's copy (store.h, forkwatchd migrate): every table of one
 * database into another, verified by row counts and checksums.  The SQL
 * here is built at run time from the fixed table list below and the
 * source's own column names (quoted): a copy must follow whatever columns
 * the migrations made, a future one's included, without an edit here.
 */
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/store-internal.h"

/*
 * Every table, in the order their references allow (hosts name a pinned
 * kernel), with the key that orders its rows alike in both engines (a
 * unique integer, or bytes, or the columns of a composite one).  A table the databases hold and this list
 * does not is refused: copying it blind could break a reference.
 */
static const struct copy_table {
	const char *name, *key;
	/*
	 * what the target holds stays when it differs (not a refusal): the
	 * settings a daemon last started with on it (store_wants_config());
	 * the copied wants records are then cleared when they were made
	 * under other settings (wants_follow())
	 */
	int target_wins;
} tables[] = {
	{ "kernels", "id", 0 },
	{ "hosts", "id", 0 },
	{ "host_kernels", "host_id, kernel_id", 0 },
	{ "runs", "id", 0 },
	{ "cases", "id", 0 },
	{ "series", "id", 0 },
	{ "samples", "case_id", 0 },
	{ "alerts", "id", 0 },
	{ "deliveries", "id", 0 },
	{ "delivery_attempts", "id", 0 },
	{ "sessions", "id_hash", 0 },
	{ "auth_failures", "addr", 0 },
	{ "calibrations", "id", 0 },
	{ "settings", "name", 1 },
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

/* Each engine's tables, less its own bookkeeping (PostgreSQL's schema_version). */
static const struct store_query q_tables = {
	.sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
	"ESCAPE '\\' ORDER BY name",
	.pg = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
	"AND table_type = 'BASE TABLE' AND table_name <> 'schema_version' ORDER BY table_name"
};

struct copy {
	struct store *from, *to;
	store_copy_cb progress;
	void *ctx;
	struct strbuf *err;
};

static void say(struct copy *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct copy *c, const char *fmt, ...)
{
	struct strbuf line = STRBUF_INIT;
	va_list ap;

	if (!c->progress)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&line, fmt, ap);
	va_end(ap);
	c->progress(c->ctx, line.buf);
	strbuf_release(&line);
}

struct table_check {
	struct store *st;
	struct strbuf *err;
	size_t seen;
};

static int known_table(struct store_stmt *s, void *ctx)
{
	struct table_check *t = ctx;
	char name[128];
	size_t i;

	col_text(s, 0, name, sizeof(name));
	for (i = 0; i < NTABLES; i++)
		if (!strcmp(tables[i].name, name))
			break;
	if (i == NTABLES) {
		strbuf_addf(t->err, "database '%s' holds a table 'forkwatchd migrate' does not know: '%s'",
			    t->st->where, name);
		return -EPROTO;
	}
	t->seen++;
	return 0;
}

/* Both databases hold exactly the tables of the list. */
static int check_tables(struct copy *c, struct store *st)
{
	struct table_check t = { st, c->err, 0 };
	struct store_stmt *s;
	int err = stmt_get(st, &q_tables, &s);

	if (!err)
		err = row_each(s, known_table, &t);
	if (err == -EPROTO)
		return err;
	if (err) {
		strbuf_addf(c->err, "database '%s': %s", st->where, st->errmsg);
		return err;
	}
	if (t.seen != NTABLES) {
		strbuf_addf(c->err, "database '%s' holds %zu of the %zu tables of schema version %d",
			    st->where, t.seen, NTABLES, store_schema_latest());
		return -EPROTO;
	}
	return 0;
}

/* "name" with its quotes doubled: a column name read from a catalog, as SQL. */
static void quote_name(struct strbuf *sb, const char *name)
{
	strbuf_addch(sb, '"');
	for (; *name; name++) {
		if (*name == '"')
			strbuf_addch(sb, '"');
		strbuf_addch(sb, *name);
	}
	strbuf_addch(sb, '"');
}

/* ---- counts and checksums ----------------------------------------------- */

struct summary {
	int64_t rows;
	unsigned char sum[32];
};

/* One value in a form that does not depend on the engine: its kind, then its bytes. */
static void hash_value(crypto_generichash_state *h, const struct store_value *v)
{
	unsigned char head[9];
	uint64_t u = 0;
	int b;

	switch (v->type) {
	case STORE_INT:
		u = (uint64_t)v->i;
		head[0] = 'i';
		break;
	case STORE_REAL:
		memcpy(&u, &v->r, sizeof(u));
		head[0] = 'r';
		break;
	case STORE_TEXT:
	case STORE_BLOB:
		u = v->n;
		head[0] = v->type == STORE_TEXT ? 't' : 'b';
		break;
	default:
		head[0] = 'n';
		break;
	}
	for (b = 0; b < 8; b++)
		head[1 + b] = (unsigned char)(u >> (8 * b));
	crypto_generichash_update(h, head, sizeof(head));
	if ((v->type == STORE_TEXT || v->type == STORE_BLOB) && v->n)
		crypto_generichash_update(h, v->p, v->n);
}

/*
 * The columns of the source's table t into cols (quoted, comma-separated),
 * from one row of it; *n 0 when it has none.
 */
static int table_columns(struct copy *c, const struct copy_table *t, struct strbuf *cols, int *n)
{
	struct strbuf sql = STRBUF_INIT;
	struct store_stmt *s;
	int err, i;

	*n = 0;
	strbuf_addf(&sql, "SELECT * FROM %s LIMIT 1", t->name);
	err = stmt_new(c->from, sql.buf, 0, &s);
	strbuf_release(&sql);
	if (err)
		return err;
	err = stmt_step(s);
	if (err == 1) {
		*n = stmt_columns(s);
		for (i = 0; i < *n; i++) {
			if (i)
				strbuf_addstr(cols, ", ");
			quote_name(cols, stmt_column_name(s, i));
		}
		err = 0;
	}
	stmt_done(s);
	return err;
}

/* The rows of t (cols, in key order) counted and hashed. */
static int summarize(struct store *st, const struct copy_table *t, const char *cols,
		     struct summary *out)
{
	struct strbuf sql = STRBUF_INIT;
	crypto_generichash_state h;
	struct store_stmt *s;
	struct store_value v;
	int err, i, n;

	out->rows = 0;
	crypto_generichash_init(&h, NULL, 0, sizeof(out->sum));
	if (*cols) {
		strbuf_addf(&sql, "SELECT %s FROM %s ORDER BY %s", cols, t->name, t->key);
		err = stmt_new(st, sql.buf, STMT_STREAM, &s);
		strbuf_release(&sql);
		if (err)
			return err;
		while ((err = stmt_step(s)) == 1) {
			n = stmt_columns(s);
			for (i = 0; i < n; i++) {
				col_value(s, i, &v);
				hash_value(&h, &v);
			}
			out->rows++;
		}
		stmt_done(s);
		if (err)
			return err;
	} else {
		struct store_stmt *cs;
		int64_t rows = 0;

		/* a table of no rows in the source: the target must hold none either */
		strbuf_addf(&sql, "SELECT count(*) FROM %s", t->name);
		err = stmt_new(st, sql.buf, 0, &cs);
		strbuf_release(&sql);
		if (!err)
			err = row_i64(cs, &rows);
		if (err)
			return err;
		out->rows = rows;
	}
	crypto_generichash_final(&h, out->sum, sizeof(out->sum));
	return 0;
}

static void hex8(const unsigned char *sum, char out[17])
{
	sodium_bin2hex(out, 17, sum, 8);
}

/* ---- the copy ----------------------------------------------------------- */

/* The rows of the source's t into the target, n columns named in names. */
static int copy_rows(struct copy *c, const struct copy_table *t, const char *cols, int n,
		     int64_t *rows)
{
	struct strbuf sql = STRBUF_INIT;
	const char **names = NULL;
	struct store_value *v = NULL;
	struct store_stmt *s = NULL;
	struct strbuf namebuf = STRBUF_INIT;
	int err, i;

	*rows = 0;
	strbuf_addf(&sql, "SELECT %s FROM %s ORDER BY %s", cols, t->name, t->key);
	err = stmt_new(c->from, sql.buf, STMT_STREAM, &s);
	strbuf_release(&sql);
	if (err)
		return err;
	names = calloc((size_t)n, sizeof(*names));
	v = calloc((size_t)n, sizeof(*v));
	if (!names || !v) {
		err = store_fail(c->to, -ENOMEM, "out of memory");
		goto out;
	}
	err = stmt_step(s);
	if (err <= 0)
		goto out;
	/* the column names again, each quoted on its own: NUL-separated in namebuf */
	for (i = 0; i < n; i++) {
		quote_name(&namebuf, stmt_column_name(s, i));
		strbuf_addch(&namebuf, '\0');
	}
	names[0] = namebuf.buf;
	for (i = 1; i < n; i++)
		names[i] = names[i - 1] + strlen(names[i - 1]) + 1;
	err = c->to->eng->copy_begin(c->to, t->name, names, n);
	if (err)
		goto out;
	do {
		for (i = 0; i < n; i++)
			col_value(s, i, &v[i]);
		err = c->to->eng->copy_row(c->to, v, n);
		if (!err)
			(*rows)++;
	} while (!err && (err = stmt_step(s)) == 1);
	if (err < 0) {
		c->to->eng->copy_end(c->to, false);
		goto out;
	}
	err = c->to->eng->copy_end(c->to, true);
out:
	stmt_done(s);
	free(names);
	free(v);
	strbuf_release(&namebuf);
	return err < 0 ? err : 0;
}

/* PostgreSQL's identity columns go on after the copied ids (SQLite's rowids do by themselves). */
static int identity_follows(struct copy *c, const struct copy_table *t)
{
	struct strbuf sql = STRBUF_INIT;
	struct store_stmt *s;
	int64_t v;
	int err;

	if (!store_is_pg(c->to) || strcmp(t->key, "id"))
		return 0;
	strbuf_addf(&sql, "SELECT setval(pg_get_serial_sequence('%s', 'id'), coalesce(max(id), 0) + 1, "
		    "false) FROM %s", t->name, t->name);
	err = stmt_new(c->to, sql.buf, 0, &s);
	strbuf_release(&sql);
	return err ? err : row_i64(s, &v);
}

/* One table: copied when the target's is empty, left when it holds the same rows. */
static int copy_table(struct copy *c, const struct copy_table *t, struct summary *src)
{
	struct strbuf cols = STRBUF_INIT;
	struct summary dst;
	char a[17], b[17];
	int64_t rows;
	int err, n;

	err = table_columns(c, t, &cols, &n);
	if (!err)
		err = summarize(c->from, t, cols.buf, src);
	if (err) {
		strbuf_addf(c->err, "reading %s of '%s': %s", t->name, c->from->where, c->from->errmsg);
		goto out;
	}
	err = summarize(c->to, t, cols.buf, &dst);
	if (err) {
		strbuf_addf(c->err, "reading %s of '%s': %s", t->name, c->to->where, c->to->errmsg);
		goto out;
	}
	hex8(src->sum, a);
	if (t->target_wins && dst.rows && (dst.rows != src->rows || memcmp(dst.sum, src->sum, sizeof(dst.sum)))) {
		say(c, "%-18s %9lld rows of the target's own kept", t->name, (long long)dst.rows);
		*src = dst; /* what verify() expects to find */
		goto out;
	}
	if (dst.rows && (dst.rows != src->rows || memcmp(dst.sum, src->sum, sizeof(dst.sum)))) {
		hex8(dst.sum, b);
		strbuf_addf(c->err, "%s of '%s' holds other rows (%lld, checksum %s; the source's: "
			    "%lld, %s): forkwatchd migrate fills empty tables only", t->name,
			    c->to->where, (long long)dst.rows, b, (long long)src->rows, a);
		err = -EEXIST;
		goto out;
	}
	if (!src->rows) {
		say(c, "%-18s   no rows", t->name);
		goto out;
	}
	if (dst.rows) {
		say(c, "%-18s %9lld rows already there, checksum %s", t->name, (long long)dst.rows, a);
		goto out;
	}
	if (n) {
		err = copy_rows(c, t, cols.buf, n, &rows);
		if (!err)
			err = identity_follows(c, t);
		if (err) {
			strbuf_addf(c->err, "copying %s into '%s': %s", t->name, c->to->where,
				    c->to->errmsg[0] ? c->to->errmsg : c->from->errmsg);
			goto out;
		}
	}
	say(c, "%-18s %9lld rows copied, checksum %s", t->name, (long long)src->rows, a);
out:
	strbuf_release(&cols);
	return err;
}

/* After the copy, in its transaction: every table of the target as the source's. */
static int verify(struct copy *c, const struct summary *src)
{
	size_t i;
	int err;

	for (i = 0; i < NTABLES; i++) {
		struct strbuf cols = STRBUF_INIT;
		struct summary dst;
		int n;

		err = table_columns(c, &tables[i], &cols, &n);
		if (!err)
			err = summarize(c->to, &tables[i], cols.buf, &dst);
		strbuf_release(&cols);
		if (err) {
			strbuf_addf(c->err, "verifying %s of '%s': %s", tables[i].name, c->to->where,
				    c->to->errmsg);
			return err;
		}
		if (dst.rows != src[i].rows || memcmp(dst.sum, src[i].sum, sizeof(dst.sum))) {
			strbuf_addf(c->err, "%s of '%s' differs from the source after the copy (%lld rows "
				    "against %lld, or another checksum): nothing was copied",
				    tables[i].name, c->to->where, (long long)dst.rows,
				    (long long)src[i].rows);
			return -EIO;
		}
	}
	say(c, "verified: every table's row count and checksum match");
	return 0;
}

/*
 * After verify(), in the copy's transaction: the wants records copied from
 * the source were made under the source's comparison settings.  When the
 * target kept its own settings and those differ (or the source had none),
 * no daemon start on the target would ever clear them (store_wants_config()
 * sees its own settings): they are cleared here as it would clear them.
 */
static int wants_follow(struct copy *c)
{
	char from[256] = "", to[256] = "";
	int have_from, have_to, err;
	int64_t cleared = 0;

	err = wants_config_get(c->from, from, sizeof(from));
	have_from = !err;
	if (err && err != -ENOENT) {
		strbuf_addf(c->err, "reading settings of '%s': %s", c->from->where, c->from->errmsg);
		return err;
	}
	err = wants_config_get(c->to, to, sizeof(to));
	have_to = !err;
	if (err && err != -ENOENT) {
		strbuf_addf(c->err, "reading settings of '%s': %s", c->to->where, c->to->errmsg);
		return err;
	}
	if (have_from == have_to && (!have_to || !strcmp(from, to)))
		return 0;
	err = wants_clear_all(c->to, &cleared);
	if (err) {
		strbuf_addf(c->err, "clearing the wants records of '%s': %s", c->to->where,
			    c->to->errmsg);
		return err;
	}
	say(c, "%-18s %9lld wants records cleared: made under the source's comparison settings, "
	    "not the target's kept ones", "host_kernels", (long long)cleared);
	return 0;
}

/* A read snapshot of the source: what the copy reads is one state of it. */
static int read_snapshot(struct store *st)
{
	return st->eng->exec(st, store_is_pg(st) ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
						 : "BEGIN");
}

int store_copy(struct store *from, struct store *to, store_copy_cb progress, void *ctx,
	       struct strbuf *err)
{
	struct copy c = { from, to, progress, ctx, err };
	struct summary src[NTABLES];
	size_t i;
	int ret;

	if (store_schema_version(from) != store_schema_version(to)) {
		strbuf_addf(err, "'%s' has schema version %d and '%s' %d: both must be at %d",
			    from->where, store_schema_version(from), to->where,
			    store_schema_version(to), store_schema_latest());
		return -EPROTO;
	}
	ret = check_tables(&c, from);
	if (!ret)
		ret = check_tables(&c, to);
	if (ret)
		return ret;
	ret = read_snapshot(from);
	if (ret) {
		strbuf_addf(err, "database '%s': %s", from->where, from->errmsg);
		return ret;
	}
	ret = tx_begin(to);
	if (ret) {
		strbuf_addf(err, "database '%s': %s", to->where, to->errmsg);
		goto out_from;
	}
	for (i = 0; i < NTABLES && !ret; i++)
		ret = copy_table(&c, &tables[i], &src[i]);
	if (!ret)
		ret = verify(&c, src);
	if (!ret)
		ret = wants_follow(&c);
	if (!ret) {
		ret = tx_commit(to);
		if (ret)
			strbuf_addf(err, "database '%s': %s", to->where, to->errmsg);
	}
	if (ret)
		tx_rollback(to);
out_from:
	tx_rollback(from);
	return ret;
}
