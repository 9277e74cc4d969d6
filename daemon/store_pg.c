// SPDX-License-Identifier: GPL-2.0
/*
 * The store's PostgreSQL engine (store-internal.h): one libpq connection
 * to a database that several forkwatchd may share.  The only file of the
 * store that calls PQ*.
 *
 * The parts' SQL arrives with ?N parameters and leaves as $N.  A kept
 * statement is prepared on the server at its first step, with the types
 * of the values bound then (bigint, double precision, text, bytea; a NULL
 * leaves its type to the server), and executed by name afterwards.
 * Values travel as text but blobs, which travel as bytes; rows come back
 * as text (numbers parsed by the column's type, bytea's hex decoded), all
 * of them at once but for a streaming statement's.
 *
 * A lost connection is made again at the next statement, unless it was
 * lost inside a transaction: then every statement fails until the caller
 * rolls back, so that the rest of a transaction never runs on its own.
 */
#include "daemon/store-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

/* type OIDs of pg_type.h (server headers that a client need not install) */
#define BOOLOID 16
#define BYTEAOID 17
#define INT8OID 20
#define INT2OID 21
#define INT4OID 23
#define TEXTOID 25
#define OIDOID 26
#define FLOAT4OID 700
#define FLOAT8OID 701
#define NUMERICOID 1700

/*
 * Advisory locks are named by two integers: this one ("fwkd") and the
 * lease (store.h) or 0 for migrations.
 */
#define PG_LOCK_SPACE 1719102308 /* 0x66776b64, "fwkd" */
#define PG_LOCK_SCHEMA 0
#define PG_LEASES 8

/* A statement waits this long for a row lock before failing with -EBUSY (SQLite's busy timeout). */
#define PG_LOCK_TIMEOUT "5s"

struct pg_conn {
	PGconn *c;
	unsigned epoch;           /* moves when the connection is made again */
	unsigned gen_epoch;       /* epoch + 1 when "fw_generation" is prepared */
	unsigned next_name;
	bool tx_open;             /* BEGIN sent, COMMIT or ROLLBACK not yet */
	bool lease[PG_LEASES];
	int64_t total_changes;
};

struct pg_param {
	Oid type;
	bool null;
	int format;               /* 0 text, 1 binary */
	const char *bytes;        /* binary: the caller's */
	int len;
	struct strbuf text;
};

struct pg_stmt {
	struct store_stmt base;
	char *sql;                /* with $N */
	char name[16];            /* "" for a statement used once */
	unsigned epoch;           /* of the connection it was prepared on; 0: not prepared */
	bool stream;
	int nparams;
	struct pg_param *params;
	const char **values;
	int *lengths, *formats;
	Oid *types;
	PGresult *res;
	int row, nrows;
	bool streaming;           /* single-row results are still arriving */
	int64_t changes;
	struct strbuf *blobs;     /* bytea columns of the current row, decoded */
	int nblobs;
};

static struct pg_conn *conn_of(struct store *st)
{
	return st->conn;
}

static struct pg_stmt *pgs(struct store_stmt *s)
{
	return (struct pg_stmt *)s;
}

/* ---- errors ---------------------------------------------------------- */

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static int map_state(const char *state)
{
	if (!state)
		return -EIO;
	if (!strcmp(state, "23505"))
		return -EEXIST;
	if (!strcmp(state, "53100"))
		return -ENOSPC;
	if (!strcmp(state, "53200"))
		return -ENOMEM;
	if (!strcmp(state, "55P03") || !strcmp(state, "40001") || !strcmp(state, "40P01") ||
	    !strcmp(state, "57014") || !strcmp(state, "53300"))
		return -EBUSY;
	return -EIO;
}

/* The error of res (or of the connection when res says none) into errmsg, mapped. */
static int fail_pg(struct store *st, const PGresult *res)
{
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	int err;

	if (msg)
		err = store_fail(st, map_state(PQresultErrorField(res, PG_DIAG_SQLSTATE)), "%s%s%s",
				 msg, detail ? ": " : "", detail ? detail : "");
	else
		err = store_fail(st, -EIO, "%s", PQerrorMessage(conn_of(st)->c));
	chomp(st->errmsg);
	if (!st->errmsg[0])
		store_fail(st, err, "PostgreSQL failed without a message");
	return err;
}

/* ---- the connection ---------------------------------------------------- */

static void no_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Session settings of a new connection. */
static int conn_setup(struct store *st)
{
	struct pg_conn *pc = conn_of(st);
	PGresult *res;
	int err = 0;

	PQsetNoticeProcessor(pc->c, no_notices, NULL);
	res = PQexec(pc->c, "SET lock_timeout = '" PG_LOCK_TIMEOUT "'");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		err = fail_pg(st, res);
	PQclear(res);
	return err;
}

/*
 * A connection found broken is made again, unless a transaction was open
 * on it: that one is lost, and the caller must roll back first.
 */
static int conn_check(struct store *st)
{
	struct pg_conn *pc = conn_of(st);

	if (PQstatus(pc->c) == CONNECTION_OK)
		return 0;
	if (pc->tx_open)
		return store_fail(st, -EIO, "the connection to the database was lost in a transaction");
	PQreset(pc->c);
	pc->epoch++;
	memset(pc->lease, 0, sizeof(pc->lease));
	if (PQstatus(pc->c) != CONNECTION_OK) {
		store_fail(st, -EIO, "the connection to the database was lost: %s",
			   PQerrorMessage(pc->c));
		chomp(st->errmsg);
		return -EIO;
	}
	return conn_setup(st);
}

/* ---- statements ------------------------------------------------------ */

/*
 * ?N -> $N outside quoted strings and names, a bare ? numbered as SQLite
 * does; *nparams receives the largest N.
 */
static char *translate(const char *sql, int *nparams)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = sql;

	*nparams = 0;
	while (*p) {
		if (*p == '\'' || *p == '"') {
			const char *end = strchr(p + 1, *p);
			size_t n = end ? (size_t)(end - p) + 1 : strlen(p);

			strbuf_add(&sb, p, n);
			p += n;
		} else if (*p == '?' && p[1] >= '0' && p[1] <= '9') {
			int n = (int)strtol(p + 1, (char **)&p, 10);

			if (n > *nparams)
				*nparams = n;
			strbuf_addf(&sb, "$%d", n);
		} else if (*p == '?') {
			/* a bare ?: SQLite numbers it the largest so far plus one */
			strbuf_addf(&sb, "$%d", ++*nparams);
			p++;
		} else {
			strbuf_addch(&sb, *p++);
		}
	}
	return strbuf_detach(&sb, NULL);
}

static int pg_prepare(struct store *st, const char *sql, int flags, struct store_stmt **out)
{
	struct pg_conn *pc = conn_of(st);
	struct pg_stmt *p = calloc(1, sizeof(*p));
	int i, n;

	if (!p)
		return store_fail(st, -ENOMEM, "out of memory");
	p->base.st = st;
	p->sql = translate(sql, &p->nparams);
	p->stream = flags & STMT_STREAM;
	if (flags & STMT_KEEP)
		snprintf(p->name, sizeof(p->name), "fw%u", ++pc->next_name);
	n = p->nparams ? p->nparams : 1;
	p->params = calloc((size_t)n, sizeof(*p->params));
	p->values = calloc((size_t)n, sizeof(*p->values));
	p->lengths = calloc((size_t)n, sizeof(*p->lengths));
	p->formats = calloc((size_t)n, sizeof(*p->formats));
	p->types = calloc((size_t)n, sizeof(*p->types));
	if (!p->params || !p->values || !p->lengths || !p->formats || !p->types) {
		free(p->params);
		free(p->values);
		free(p->lengths);
		free(p->formats);
		free(p->types);
		free(p->sql);
		free(p);
		return store_fail(st, -ENOMEM, "out of memory");
	}
	for (i = 0; i < p->nparams; i++) {
		strbuf_init(&p->params[i].text, 0);
		p->params[i].null = true;
	}
	*out = &p->base;
	return 0;
}

/* The rest of a streaming statement's results, read and dropped: the connection is free again. */
static void drain(struct pg_stmt *p)
{
	PGconn *c = conn_of(p->base.st)->c;
	PGresult *r;

	while (p->streaming && (r = PQgetResult(c)))
		PQclear(r);
	p->streaming = false;
}

static void pg_reset(struct store_stmt *s)
{
	struct pg_stmt *p = pgs(s);
	int i;

	drain(p);
	PQclear(p->res);
	p->res = NULL;
	p->row = p->nrows = 0;
	for (i = 0; i < p->nparams; i++) {
		p->params[i].null = true;
		p->params[i].type = 0;
		p->params[i].bytes = NULL;
	}
}

static void pg_finalize(struct store_stmt *s)
{
	struct pg_stmt *p = pgs(s);
	int i;

	pg_reset(s);
	/* a kept statement's name dies with the connection: nothing to DEALLOCATE */
	for (i = 0; i < p->nparams; i++)
		strbuf_release(&p->params[i].text);
	for (i = 0; i < p->nblobs; i++)
		strbuf_release(&p->blobs[i]);
	free(p->blobs);
	free(p->params);
	free(p->values);
	free(p->lengths);
	free(p->formats);
	free(p->types);
	free(p->sql);
	free(p);
}

static int pg_bind(struct store_stmt *s, int i, const struct store_value *v)
{
	struct pg_stmt *p = pgs(s);
	struct pg_param *pp;

	if (i < 1 || i > p->nparams)
		return store_fail(s->st, -EINVAL, "parameter %d of a statement that has %d", i,
				  p->nparams);
	pp = &p->params[i - 1];
	pp->null = v->null;
	pp->format = 0;
	strbuf_reset(&pp->text);
	switch (v->type) {
	case STORE_INT:
		pp->type = INT8OID;
		strbuf_addf(&pp->text, "%lld", (long long)v->i);
		break;
	case STORE_REAL:
		pp->type = FLOAT8OID;
		/* 17 digits: the double read back is the one bound */
		strbuf_addf(&pp->text, "%.17g", v->r);
		break;
	case STORE_TEXT:
		pp->type = TEXTOID;
		if (v->n)
			strbuf_add(&pp->text, v->p, v->n);
		break;
	case STORE_BLOB:
		pp->type = BYTEAOID;
		pp->format = 1;
		pp->bytes = v->p;
		pp->len = (int)v->n;
		if (v->n > (size_t)0x7fffffff)
			return store_fail(s->st, -E2BIG, "a blob of %zu bytes", v->n);
		break;
	default:
		pp->type = 0; /* the server infers it */
		pp->null = true;
		break;
	}
	return 0;
}

static bool is_write(const PGresult *res)
{
	const char *tag = PQcmdStatus((PGresult *)res);

	return !strncmp(tag, "INSERT", 6) || !strncmp(tag, "UPDATE", 6) || !strncmp(tag, "DELETE", 6);
}

/* A result that ended a statement: rows to read, or what it changed. */
static int take_result(struct pg_stmt *p, PGresult *res)
{
	struct store *st = p->base.st;
	ExecStatusType status = PQresultStatus(res);

	if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK &&
	    status != PGRES_SINGLE_TUPLE) {
		int err = fail_pg(st, res);

		PQclear(res);
		return err;
	}
	p->changes = 0;
	if (status != PGRES_SINGLE_TUPLE && is_write(res)) {
		p->changes = strtoll(PQcmdTuples(res), NULL, 10);
		conn_of(st)->total_changes += p->changes;
	}
	p->res = res;
	p->row = -1;
	p->nrows = PQntuples(res);
	return 0;
}

static int execute(struct pg_stmt *p)
{
	struct store *st = p->base.st;
	struct pg_conn *pc = conn_of(st);
	PGresult *res;
	int i, err, sent;

	err = conn_check(st);
	if (err)
		return err;
	for (i = 0; i < p->nparams; i++) {
		struct pg_param *pp = &p->params[i];

		p->values[i] = pp->null ? NULL : pp->format ? pp->bytes : pp->text.buf;
		p->lengths[i] = pp->format ? pp->len : 0;
		p->formats[i] = pp->format;
	}
	if (p->name[0] && p->epoch != pc->epoch + 1) {
		/* prepared on this connection once, with the types bound the first time */
		for (i = 0; i < p->nparams; i++)
			p->types[i] = p->params[i].type;
		res = PQprepare(pc->c, p->name, p->sql, p->nparams, p->types);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			err = fail_pg(st, res);
			PQclear(res);
			return err;
		}
		PQclear(res);
		p->epoch = pc->epoch + 1;
	} else if (!p->name[0]) {
		for (i = 0; i < p->nparams; i++)
			p->types[i] = p->params[i].type;
	}
	if (p->stream) {
		sent = p->name[0] ? PQsendQueryPrepared(pc->c, p->name, p->nparams, p->values, p->lengths,
							p->formats, 0)
				  : PQsendQueryParams(pc->c, p->sql, p->nparams, p->types, p->values,
						      p->lengths, p->formats, 0);
		if (!sent)
			return fail_pg(st, NULL);
		PQsetSingleRowMode(pc->c);
		p->streaming = true;
		return 0;
	}
	res = p->name[0] ? PQexecPrepared(pc->c, p->name, p->nparams, p->values, p->lengths, p->formats, 0)
			 : PQexecParams(pc->c, p->sql, p->nparams, p->types, p->values, p->lengths,
					p->formats, 0);
	return take_result(p, res);
}

static int pg_step(struct store_stmt *s)
{
	struct pg_stmt *p = pgs(s);
	PGresult *res;
	int err;

	if (p->streaming) {
		PQclear(p->res);
		p->res = NULL;
		res = PQgetResult(conn_of(s->st)->c);
		if (!res) {
			p->streaming = false;
			return 0;
		}
		err = take_result(p, res);
		if (err) {
			drain(p);
			return err;
		}
		if (PQresultStatus(res) == PGRES_SINGLE_TUPLE) {
			p->row = 0;
			return 1;
		}
		/* the empty result that ends the rows */
		drain(p);
		return 0;
	}
	if (!p->res) {
		err = execute(p);
		if (err)
			return err;
		if (p->streaming)
			return pg_step(s);
	}
	if (++p->row < p->nrows)
		return 1;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* bytea's text form (hex: "\x0a1b...") into sb. */
static void unhex(const char *t, size_t n, struct strbuf *sb)
{
	size_t k;
	char *o;

	strbuf_reset(sb);
	if (n < 2 || t[0] != '\\' || t[1] != 'x')
		return;
	t += 2;
	n = (n - 2) / 2;
	strbuf_grow(sb, n);
	o = sb->buf;
	for (k = 0; k < n; k++) {
		int hi = hexval(t[2 * k]), lo = hexval(t[2 * k + 1]);

		if (hi < 0 || lo < 0)
			break;
		o[k] = (char)(hi << 4 | lo);
	}
	sb->len = k;
	sb->buf[k] = '\0';
}

static void pg_column(struct store_stmt *s, int i, struct store_value *out)
{
	struct pg_stmt *p = pgs(s);
	const char *t;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!p->res || i < 0 || i >= PQnfields(p->res) || PQgetisnull(p->res, p->row, i)) {
		out->type = STORE_NULL;
		return;
	}
	t = PQgetvalue(p->res, p->row, i);
	n = (size_t)PQgetlength(p->res, p->row, i);
	switch (PQftype(p->res, i)) {
	case BOOLOID:
		out->type = STORE_INT;
		out->i = t[0] == 't';
		break;
	case INT2OID:
	case INT4OID:
	case INT8OID:
	case OIDOID:
	case NUMERICOID:
		out->type = STORE_INT;
		out->i = strtoll(t, NULL, 10);
		break;
	case FLOAT4OID:
	case FLOAT8OID:
		out->type = STORE_REAL;
		out->r = strtod(t, NULL);
		break;
	case BYTEAOID:
		if (i >= p->nblobs) {
			int k, want = PQnfields(p->res);
			struct strbuf *b = realloc(p->blobs, (size_t)want * sizeof(*b));

			if (!b) {
				out->type = STORE_NULL;
				return;
			}
			for (k = p->nblobs; k < want; k++)
				strbuf_init(&b[k], 0);
			p->blobs = b;
			p->nblobs = want;
		}
		unhex(t, n, &p->blobs[i]);
		out->type = STORE_BLOB;
		out->p = p->blobs[i].buf;
		out->n = p->blobs[i].len;
		break;
	default:
		out->type = STORE_TEXT;
		out->p = t;
		out->n = n;
		break;
	}
}

static int pg_ncolumns(struct store_stmt *s)
{
	return pgs(s)->res ? PQnfields(pgs(s)->res) : 0;
}

static const char *pg_column_name(struct store_stmt *s, int i)
{
	return pgs(s)->res ? PQfname(pgs(s)->res, i) : NULL;
}

static int64_t pg_changes(struct store_stmt *s)
{
	return pgs(s)->changes;
}

static int64_t pg_total_changes(struct store *st)
{
	return conn_of(st)->total_changes;
}

/* ---- plain SQL, transactions, the schema's version --------------------- */

/* sql through the simple protocol: several statements at once, no parameters. */
static int run(struct store *st, const char *sql, PGresult **out)
{
	struct pg_conn *pc = conn_of(st);
	PGresult *res;
	ExecStatusType status;
	int err;

	if (out)
		*out = NULL;
	err = conn_check(st);
	if (err)
		return err;
	res = PQexec(pc->c, sql);
	status = PQresultStatus(res);
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
		err = fail_pg(st, res);
		PQclear(res);
		return err;
	}
	if (is_write(res))
		pc->total_changes += strtoll(PQcmdTuples(res), NULL, 10);
	if (out)
		*out = res;
	else
		PQclear(res);
	return 0;
}

/* The first column of the one row of sql, as text into buf. */
static int run_value(struct store *st, const char *sql, char *buf, size_t size)
{
	PGresult *res;
	int err = run(st, sql, &res);

	if (err)
		return err;
	if (PQntuples(res) != 1 || PQnfields(res) < 1) {
		PQclear(res);
		return store_fail(st, -EIO, "'%s' returned %d rows", sql, PQntuples(res));
	}
	snprintf(buf, size, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

static int pg_exec(struct store *st, const char *sql)
{
	struct pg_conn *pc = conn_of(st);
	bool ends = !strcmp(sql, "COMMIT") || !strcmp(sql, "ROLLBACK");
	int err;

	if (ends && PQstatus(pc->c) != CONNECTION_OK) {
		pc->tx_open = false;
		/* a COMMIT that cannot be sent committed nothing */
		return !strcmp(sql, "COMMIT") ?
			       store_fail(st, -EIO, "the connection to the database was lost in a transaction") :
			       0;
	}
	err = run(st, sql, NULL);
	if (ends)
		pc->tx_open = false;
	return err;
}

static int pg_tx_begin(struct store *st)
{
	int err = pg_exec(st, "BEGIN");

	if (!err)
		conn_of(st)->tx_open = true;
	return err;
}

static bool pg_in_tx(struct store *st)
{
	PGTransactionStatusType t = PQtransactionStatus(conn_of(st)->c);

	return conn_of(st)->tx_open || t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

/* A migration may take long: a second daemon waits for it however long. */
static int pg_schema_lock(struct store *st)
{
	return run(st, "SET LOCAL lock_timeout = 0; "
		       "SELECT pg_advisory_xact_lock(" STR(PG_LOCK_SPACE) ", " STR(PG_LOCK_SCHEMA) ")",
		   NULL);
}

/*
 * SHARE conflicts with the ROW EXCLUSIVE of INSERT, UPDATE and DELETE:
 * a writer in a transaction is waited for, new ones wait until this
 * transaction ends; readers go on.  A statement LOCK TABLE cannot be
 * prepared, hence a text of its own.
 */
static int pg_hold_off(struct store *st, const char *tables)
{
	struct strbuf sql = STRBUF_INIT;
	int err;

	strbuf_addf(&sql, "LOCK TABLE %s IN SHARE MODE", tables);
	err = run(st, sql.buf, NULL);
	strbuf_release(&sql);
	return err;
}

/* The version lives in a table of its own, made by the first migration's transaction. */
static int pg_version(struct store *st, int *version)
{
	char v[32];
	int err;

	*version = 0;
	err = run_value(st, "SELECT to_regclass('schema_version') IS NOT NULL", v, sizeof(v));
	if (err || v[0] != 't')
		return err;
	err = run_value(st, "SELECT coalesce(max(version), 0) FROM schema_version", v, sizeof(v));
	if (!err)
		*version = atoi(v);
	return err;
}

static int pg_set_version(struct store *st, int version)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL); "
		 "DELETE FROM schema_version; INSERT INTO schema_version VALUES (%d)", version);
	return run(st, sql, NULL);
}

/* ---- what several forkwatchd share ------------------------------------- */

/*
 * The generation is a sequence (the shared-state migration): moving it writes no WAL
 * that a commit waits for, and reading it takes no lock.
 */
static int pg_generation(struct store *st, uint64_t *gen)
{
	struct pg_conn *pc = conn_of(st);
	PGresult *res;
	int err;

	*gen = 0;
	err = conn_check(st);
	if (err)
		return err;
	/* read before every page served from memory: prepared once per connection */
	if (pc->gen_epoch != pc->epoch + 1) {
		res = PQprepare(pc->c, "fw_generation", "SELECT last_value FROM data_generation", 0, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			err = fail_pg(st, res);
			PQclear(res);
			return err;
		}
		PQclear(res);
		pc->gen_epoch = pc->epoch + 1;
	}
	res = PQexecPrepared(pc->c, "fw_generation", 0, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		err = fail_pg(st, res);
	else
		*gen = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return err;
}

static int pg_generation_bump(struct store *st)
{
	char v[32];

	return run_value(st, "SELECT nextval('data_generation')", v, sizeof(v));
}

/*
 * A session-level advisory lock: the server releases it when the
 * connection ends, also when its process was killed (the socket closes).
 */
static int pg_lease_try(struct store *st, enum store_lease l, bool *held)
{
	struct pg_conn *pc = conn_of(st);
	char sql[96], v[8];
	int err;

	*held = false;
	if ((unsigned)l >= PG_LEASES)
		return store_fail(st, -EINVAL, "no lease %d", (int)l);
	err = conn_check(st);
	if (err)
		return err;
	if (pc->lease[l]) {
		*held = true;
		return 0;
	}
	snprintf(sql, sizeof(sql), "SELECT pg_try_advisory_lock(%d, %d)", PG_LOCK_SPACE, (int)l);
	err = run_value(st, sql, v, sizeof(v));
	if (err)
		return err;
	pc->lease[l] = *held = v[0] == 't';
	return 0;
}

/* ---- rows in bulk: COPY ------------------------------------------------- */

/* rows are sent when this much is buffered */
#define PG_COPY_CHUNK (256 << 10)

static int pg_copy_begin(struct store *st, const char *table, const char *const *cols, int n)
{
	struct pg_conn *pc = conn_of(st);
	struct strbuf *sb = calloc(1, sizeof(*sb));
	PGresult *res;
	int i, err;

	if (!sb)
		return store_fail(st, -ENOMEM, "out of memory");
	strbuf_init(sb, 0);
	err = conn_check(st);
	if (err) {
		free(sb);
		return err;
	}
	strbuf_addf(sb, "COPY %s (", table);
	for (i = 0; i < n; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", cols[i]);
	strbuf_addstr(sb, ") FROM STDIN");
	res = PQexec(pc->c, sb->buf);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		err = fail_pg(st, res);
		PQclear(res);
		strbuf_release(sb);
		free(sb);
		return err;
	}
	PQclear(res);
	strbuf_reset(sb);
	st->copy = sb;
	return 0;
}

/* COPY's text format: \N for NULL, backslash escapes in text, bytea as its escaped hex form */
static void copy_text(struct strbuf *sb, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case '\\':
			strbuf_add(sb, "\\\\", 2);
			break;
		case '\n':
			strbuf_add(sb, "\\n", 2);
			break;
		case '\r':
			strbuf_add(sb, "\\r", 2);
			break;
		case '\t':
			strbuf_add(sb, "\\t", 2);
			break;
		default:
			strbuf_addch(sb, p[i]);
			break;
		}
	}
}

static int flush_copy(struct store *st, struct strbuf *sb)
{
	if (sb->len && PQputCopyData(conn_of(st)->c, sb->buf, (int)sb->len) != 1)
		return fail_pg(st, NULL);
	strbuf_reset(sb);
	return 0;
}

static int pg_copy_row(struct store *st, const struct store_value *v, int n)
{
	static const char hex[] = "0123456789abcdef";
	struct strbuf *sb = st->copy;
	int i;
	size_t k;

	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addch(sb, '\t');
		switch (v[i].null ? STORE_NULL : v[i].type) {
		case STORE_INT:
			strbuf_addf(sb, "%lld", (long long)v[i].i);
			break;
		case STORE_REAL:
			strbuf_addf(sb, "%.17g", v[i].r);
			break;
		case STORE_TEXT:
			copy_text(sb, v[i].p, v[i].n);
			break;
		case STORE_BLOB:
			strbuf_add(sb, "\\\\x", 3);
			strbuf_grow(sb, 2 * v[i].n);
			for (k = 0; k < v[i].n; k++) {
				unsigned char c = ((const unsigned char *)v[i].p)[k];

				strbuf_addch(sb, hex[c >> 4]);
				strbuf_addch(sb, hex[c & 15]);
			}
			break;
		default:
			strbuf_add(sb, "\\N", 2);
			break;
		}
	}
	strbuf_addch(sb, '\n');
	return sb->len >= PG_COPY_CHUNK ? flush_copy(st, sb) : 0;
}

static int pg_copy_end(struct store *st, bool ok)
{
	struct pg_conn *pc = conn_of(st);
	struct strbuf *sb = st->copy;
	PGresult *res;
	int err = 0;

	if (!sb)
		return 0;
	if (ok)
		err = flush_copy(st, sb);
	if (PQputCopyEnd(pc->c, ok && !err ? NULL : "forkwatchd migrate stopped") != 1 && !err)
		err = fail_pg(st, NULL);
	while ((res = PQgetResult(pc->c))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && !err && ok)
			err = fail_pg(st, res);
		else if (PQresultStatus(res) == PGRES_COMMAND_OK)
			pc->total_changes += strtoll(PQcmdTuples(res), NULL, 10);
		PQclear(res);
	}
	strbuf_release(sb);
	free(sb);
	st->copy = NULL;
	return err;
}

/* ---- open and close ---------------------------------------------------- */

static int pg_open(struct store *st, const char *uri, struct strbuf *err)
{
	static const char *const keys[] = { "dbname", "application_name", "client_encoding",
					    "connect_timeout", NULL };
	const char *vals[] = { uri, "forkwatchd", "UTF8", "10", NULL };
	struct pg_conn *pc = calloc(1, sizeof(*pc));
	char enc[32];
	int ret;

	if (!pc) {
		strbuf_addstr(err, "out of memory");
		return -ENOMEM;
	}
	st->conn = pc;
	/* the URI first, expanded; what follows it wins over what it says */
	pc->c = PQconnectdbParams(keys, vals, 1);
	if (!pc->c) {
		strbuf_addstr(err, "out of memory");
		return -ENOMEM;
	}
	if (PQstatus(pc->c) != CONNECTION_OK) {
		char *m = strdup(PQerrorMessage(pc->c));

		if (m)
			chomp(m);
		strbuf_addf(err, "cannot connect to database '%s': %s", st->where, m ? m : "?");
		free(m);
		return -ECONNREFUSED;
	}
	ret = conn_setup(st);
	if (!ret)
		ret = run_value(st, "SHOW server_encoding", enc, sizeof(enc));
	if (ret) {
		strbuf_addf(err, "database '%s': %s", st->where, st->errmsg);
		return ret;
	}
	/* the parts store UTF-8 text as it came: another encoding would change or refuse it */
	if (strcmp(enc, "UTF8")) {
		strbuf_addf(err, "database '%s' is encoded %s: forkwatchd needs UTF8 (CREATE DATABASE "
			    "... ENCODING 'UTF8' TEMPLATE template0)", st->where, enc);
		return -EINVAL;
	}
	return 0;
}

static void pg_close(struct store *st)
{
	struct pg_conn *pc = conn_of(st);

	if (!pc)
		return;
	PQfinish(pc->c);
	free(pc);
	st->conn = NULL;
}

const struct store_engine store_pg_engine = {
	.name = "postgresql",
	.pg_dialect = true,
	.writes_overlap = true,
	.open = pg_open,
	.close = pg_close,
	.prepare = pg_prepare,
	.reset = pg_reset,
	.finalize = pg_finalize,
	.bind = pg_bind,
	.step = pg_step,
	.column = pg_column,
	.ncolumns = pg_ncolumns,
	.column_name = pg_column_name,
	.changes = pg_changes,
	.total_changes = pg_total_changes,
	.exec = pg_exec,
	.tx_begin = pg_tx_begin,
	.hold_off = pg_hold_off,
	.in_tx = pg_in_tx,
	.schema_lock = pg_schema_lock,
	.version = pg_version,
	.set_version = pg_set_version,
	.generation = pg_generation,
	.generation_bump = pg_generation_bump,
	.lease_try = pg_lease_try,
	.copy_begin = pg_copy_begin,
	.copy_row = pg_copy_row,
	.copy_end = pg_copy_end,
};
