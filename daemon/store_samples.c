// SPDX-License-Identifier: GPL-2.0
/*
 * The store's samples (store.h): the per-iteration values of each case,
 * compressed (lib/sampcodec.h) into one blob per case, written by ingest,
 * read by a run page's histograms, dropped by retention, and brought over
 * from the float64 arrays of schema version 3 by migration 5.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/store-internal.h"
#include "lib/sampcodec.h"

/* ---- writing ----------------------------------------------------------- */

static const struct store_query q_samples_insert = {
	.sql = "INSERT INTO samples (case_id, data) VALUES (?1, ?2)"
};

/* The encoded blob of n series into the connection's scratch buffer, stored for case_id. */
static int samples_put_series(struct store *st, int64_t case_id, const struct sampcodec_series *in,
			      size_t n)
{
	struct strbuf *blob = store_scratch(st);
	struct sampcodec *codec;
	struct store_stmt *s;
	int err;

	err = store_codec(st, &codec);
	if (err)
		return err;
	strbuf_reset(blob);
	err = sampcodec_encode(codec, in, n, blob);
	if (err)
		return store_fail(st, err, "case %lld: cannot encode its samples: %s",
				  (long long)case_id, strerror(-err));
	err = stmt_get(st, &q_samples_insert, &s);
	if (err)
		return err;
	bind_i64(s, 1, case_id);
	bind_blob(s, 2, blob->buf, blob->len);
	return stmt_exec(s, NULL);
}

int samples_put(struct store *st, int64_t case_id, const struct doc_case *c)
{
	struct sampcodec_series in[SAMPCODEC_MAX_SERIES];
	size_t n = 0, i, total;
	int j;

	for (j = 0; j < c->nseries; j++) {
		const struct doc_series *ds = &c->series[j];

		if (!ds->supported)
			continue;
		/* the runs cut the values: they must hold them all */
		for (i = 0, total = 0; i < ds->nruns; i++)
			total += ds->run_len[i];
		if (total != ds->nvalues)
			return store_fail(st, -EINVAL, "metric '%s': runs hold %zu values, expected %zu",
					  ds->metric, total, ds->nvalues);
		if (n == SAMPCODEC_MAX_SERIES || strlen(ds->metric) >= SAMPCODEC_NAME_MAX)
			return store_fail(st, -EINVAL, "case %s %s: more metrics or a longer name "
					  "than samples hold", c->workload, c->layout);
		in[n++] = (struct sampcodec_series){ ds->metric, ds->nruns, ds->run_len, ds->nvalues,
						     ds->values };
	}
	return n ? samples_put_series(st, case_id, in, n) : 0;
}

/* ---- reading ----------------------------------------------------------- */

/* a series' case's blob, when the series has values and they were kept */
static const struct store_query q_samples_get = {
	.sql = "SELECT s.metric, v.data FROM series s JOIN samples v ON v.case_id = s.case_id "
	"WHERE s.id = ?1 AND s.status = 'ok'"
};

struct samples_out {
	struct store *st;
	int64_t series_id;
	double *v;
	uint32_t *rl;
	size_t nv, nr;
};

static int read_samples(struct store_stmt *s, void *ctx)
{
	struct samples_out *o = ctx;
	const struct sampcodec_series *x;
	struct sampcodec_set set;
	struct sampcodec *codec;
	char metric[32];
	const void *blob;
	size_t len;
	int err;

	err = store_codec(o->st, &codec);
	if (err)
		return err;
	col_text(s, 0, metric, sizeof(metric));
	blob = col_blob(s, 1, &len);
	err = sampcodec_decode(codec, blob, len, SAMPCODEC_MAX_VALUES, &set);
	if (err) {
		sampcodec_set_release(&set);
		return store_fail(o->st, err == -ENOMEM ? err : -EIO, "series %lld: its case's "
				  "samples (%zu bytes) do not decode: %s", (long long)o->series_id,
				  len, strerror(-err));
	}
	x = sampcodec_set_find(&set, metric);
	if (!x) {
		err = store_fail(o->st, -EIO, "series %lld: its case's samples hold no '%s'",
				 (long long)o->series_id, metric);
		goto out;
	}
	/* at least one byte each, so that an empty result is still free()able */
	o->rl = malloc(x->nruns ? x->nruns * sizeof(*o->rl) : 1);
	o->v = malloc(x->nvalues ? x->nvalues * sizeof(*o->v) : 1);
	if (!o->rl || !o->v) {
		err = store_fail(o->st, -ENOMEM, "out of memory");
		goto out;
	}
	if (x->nruns)
		memcpy(o->rl, x->run_len, x->nruns * sizeof(*o->rl));
	if (x->nvalues)
		memcpy(o->v, x->values, x->nvalues * sizeof(*o->v));
	o->nr = x->nruns;
	o->nv = x->nvalues;
out:
	sampcodec_set_release(&set);
	return err;
}

int store_series_samples(struct store *st, int64_t series_id, double **values, size_t *nvalues,
			 uint32_t **run_len, size_t *nruns)
{
	struct samples_out o = { st, series_id, NULL, NULL, 0, 0 };
	struct store_stmt *s;
	int err = stmt_get(st, &q_samples_get, &s);

	if (err)
		return err;
	bind_i64(s, 1, series_id);
	err = row_one(s, read_samples, &o);
	if (err) {
		free(o.v);
		free(o.rl);
		return err;
	}
	*values = o.v;
	*nvalues = o.nv;
	*run_len = o.rl;
	*nruns = o.nr;
	return 0;
}

/* ---- retention ---------------------------------------------------------- */

/*
 * The runs whose samples retention drops, oldest first, along the partial
 * index runs_with_samples: received before ?1, samples kept, and neither
 * on their host's pinned baseline nor on a kernel that an alert of their
 * host names, as its kernel or as its base.
 */
static const struct store_query q_samples_expired = {
	.sql = "SELECT r.id FROM runs r WHERE r.samples_dropped_at IS NULL AND r.received_at < ?1 "
	"AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.id = r.host_id "
	" AND h.baseline_kernel_id = r.kernel_id) "
	"AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.host_id = r.host_id "
	" AND a.kernel_id = r.kernel_id) "
	"AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.host_id = r.host_id "
	" AND a.base_kernel_id = r.kernel_id) "
	"ORDER BY r.received_at, r.id LIMIT ?2"
};

static const struct store_query q_samples_delete = {
	.sql = "DELETE FROM samples WHERE case_id IN (SELECT id FROM cases WHERE run_id = ?1)"
};

static const struct store_query q_run_samples_dropped = {
	.sql = "UPDATE runs SET samples_dropped_at = ?2 WHERE id = ?1"
};

struct expired {
	int64_t id[STORE_DROP_MAX];
	unsigned n;
};

static int expired_row(struct store_stmt *s, void *ctx)
{
	struct expired *x = ctx;

	x->id[x->n++] = col_i64(s, 0);
	return 0;
}

int store_samples_drop(struct store *st, int64_t before, unsigned limit, unsigned *dropped)
{
	struct expired x = { .n = 0 };
	struct store_stmt *s;
	int64_t t = store_now();
	unsigned i;
	int err;

	*dropped = 0;
	if (limit > STORE_DROP_MAX)
		limit = STORE_DROP_MAX;
	/*
	 * An alert or a pin that comes meanwhile is seen: no writer of alerts
	 * or hosts runs between the look below and the deletes (SQLite's write
	 * lock; on PostgreSQL, whose other daemons write beside this one, the
	 * tables held off for this short transaction).
	 */
	err = tx_begin(st);
	if (err)
		return err;
	err = tx_hold_off(st, "alerts, hosts");
	if (err)
		goto out_rollback;
	err = stmt_get(st, &q_samples_expired, &s);
	if (err)
		goto out_rollback;
	bind_i64(s, 1, before);
	bind_i64(s, 2, limit);
	/* the ids first: the updates below change the index that query walks */
	err = row_each(s, expired_row, &x);
	for (i = 0; !err && i < x.n; i++) {
		err = stmt_get(st, &q_samples_delete, &s);
		if (err)
			break;
		bind_i64(s, 1, x.id[i]);
		err = stmt_exec(s, NULL);
		if (!err)
			err = stmt_get(st, &q_run_samples_dropped, &s);
		if (err)
			break;
		bind_i64(s, 1, x.id[i]);
		bind_i64(s, 2, t);
		err = stmt_update(s);
	}
	if (!err)
		err = tx_commit(st);
	if (err)
		goto out_rollback;
	*dropped = x.n;
	return 0;

out_rollback:
	tx_rollback(st);
	return err;
}

/* ---- migration 5: the float64 arrays of version 3, re-encoded ---------- */

/* Every version-3 samples row with its case and metric, case by case. */
static const struct store_query q_v3_rows = {
	.sql = "SELECT s.case_id, s.metric, v.run_lengths, v.data FROM samples_v3 v "
	"JOIN series s ON s.id = v.series_id ORDER BY s.case_id, s.id"
};

static const struct store_query q_v3_drop = { .sql = "DROP TABLE samples_v3" };

/* The series of one case, copied out of the rows (their blobs do not outlive a step). */
struct v3_case {
	struct store *st;
	int64_t case_id;          /* 0: none yet */
	size_t n;
	char name[SAMPCODEC_MAX_SERIES][SAMPCODEC_NAME_MAX];
	struct sampcodec_series s[SAMPCODEC_MAX_SERIES];
	uint32_t *rl[SAMPCODEC_MAX_SERIES];
	double *v[SAMPCODEC_MAX_SERIES];
};

static void v3_case_release(struct v3_case *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->rl[i]);
		free(c->v[i]);
		c->rl[i] = NULL;
		c->v[i] = NULL;
	}
	c->n = 0;
}

static int v3_flush(struct v3_case *c)
{
	int err = 0;

	if (c->n)
		err = samples_put_series(c->st, c->case_id, c->s, c->n);
	v3_case_release(c);
	return err;
}

static int v3_row(struct store_stmt *s, void *ctx)
{
	struct v3_case *c = ctx;
	int64_t case_id = col_i64(s, 0);
	const unsigned char *lp;
	size_t ln, dn, i, k;
	int err;

	if (case_id != c->case_id) {
		err = v3_flush(c);
		if (err)
			return err;
		c->case_id = case_id;
	}
	k = c->n;
	if (k == SAMPCODEC_MAX_SERIES)
		return store_fail(c->st, -EIO, "case %lld: more than %d series of samples",
				  (long long)case_id, SAMPCODEC_MAX_SERIES);
	col_text(s, 1, c->name[k], sizeof(c->name[k]));
	lp = col_blob(s, 2, &ln);
	col_blob(s, 3, &dn);
	if (ln % 4 || dn % 8 || ln / 4 > SAMPCODEC_MAX_RUNS)
		return store_fail(c->st, -EIO, "case %lld, metric '%s': samples of %zu and %zu bytes, "
				  "not uint32s and float64s", (long long)case_id, c->name[k], ln, dn);
	c->rl[k] = malloc(ln ? ln : 1);
	c->v[k] = malloc(dn ? dn : 1);
	c->n++; /* released by v3_case_release() from here on */
	if (!c->rl[k] || !c->v[k])
		return store_fail(c->st, -ENOMEM, "out of memory");
	for (i = 0; i < ln / 4; i++)
		c->rl[k][i] = (uint32_t)lp[4 * i] | (uint32_t)lp[4 * i + 1] << 8 |
			      (uint32_t)lp[4 * i + 2] << 16 | (uint32_t)lp[4 * i + 3] << 24;
	col_f64s(s, 3, c->v[k], dn / 8, &dn);
	c->s[k] = (struct sampcodec_series){ c->name[k], ln / 4, c->rl[k], dn, c->v[k] };
	return 0;
}

int store_samples_migrate_v5(struct store *st)
{
	struct v3_case *c = calloc(1, sizeof(*c));
	struct store_stmt *s;
	int err;

	if (!c)
		return store_fail(st, -ENOMEM, "out of memory");
	c->st = st;
	err = stmt_get(st, &q_v3_rows, &s);
	if (!err)
		err = row_each(s, v3_row, c);
	if (!err)
		err = v3_flush(c);
	v3_case_release(c);
	free(c);
	if (!err)
		err = stmt_get(st, &q_v3_drop, &s);
	if (!err)
		err = stmt_exec(s, NULL);
	return err;
}
