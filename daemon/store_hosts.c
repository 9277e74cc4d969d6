// SPDX-License-Identifier: GPL-2.0
/* The store's hosts (store.h): lab machines, their tokens, names and pinned baselines. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/store-internal.h"
#include "lib/jread.h"
#include "lib/strbuf.h"

/* The columns read_host() reads, in its order. */
#define HOST_COLS                                                                          \
	"h.id, h.name, h.hostname, h.arch, h.cpu_model, h.cpus, h.mem_bytes, h.page_size, " \
	"h.created_at, h.last_seen_at, h.retired_at, "                                     \
	/* both walk the host's range of runs_by_host_kernel, which covers them */          \
	"(SELECT count(*) FROM runs r WHERE r.host_id = h.id), "                           \
	"(SELECT k.ident FROM runs r JOIN kernels k ON k.id = r.kernel_id "                \
	" WHERE r.host_id = h.id ORDER BY r.received_at DESC, r.id DESC LIMIT 1) "

/* HOST_COLS without the two counts (0 and NULL in their place). */
#define HOST_COLS_LIGHT                                                                    \
	"h.id, h.name, h.hostname, h.arch, h.cpu_model, h.cpus, h.mem_bytes, h.page_size, " \
	"h.created_at, h.last_seen_at, h.retired_at, 0, NULL "

static int read_host(struct store_stmt *s, void *p)
{
	struct store_host *h = p;

	memset(h, 0, sizeof(*h));
	h->id = col_i64(s, 0);
	col_text(s, 1, h->name, sizeof(h->name));
	col_text(s, 2, h->hostname, sizeof(h->hostname));
	col_text(s, 3, h->arch, sizeof(h->arch));
	col_text(s, 4, h->cpu_model, sizeof(h->cpu_model));
	h->cpus = col_i64(s, 5);
	h->mem_bytes = col_i64(s, 6);
	h->page_size = col_i64(s, 7);
	h->created_at = col_i64(s, 8);
	h->last_seen_at = col_i64(s, 9);
	h->retired_at = col_i64(s, 10);
	h->uploads = col_i64(s, 11);
	col_text(s, 12, h->latest_kernel, sizeof(h->latest_kernel));
	return 0;
}

/*
 * A name that would not read back whole into struct store_host (size
 * bytes with the NUL) is refused rather than stored: the store would
 * hand out a different name.
 */
static int check_name(struct store *st, const char *what, const char *name, size_t size)
{
	size_t n = strlen(name);

	if (!n || n >= size)
		return store_fail(st, -EINVAL, "%s '%s': expected 1 to %zu bytes", what, name, size - 1);
	return 0;
}

static const struct store_query q_host_create = {
	.sql = "INSERT INTO hosts (name, hostname, token_hash, created_at) VALUES (?1, ?2, ?3, ?4) "
	"RETURNING id"
};

int store_host_create(struct store *st, const char *name, const char *hostname,
		      const uint8_t token_hash[32], int64_t *id)
{
	struct store_stmt *s;
	int64_t new_id = 0;
	int err;

	err = check_name(st, "host name", name, STORE_NAME_MAX);
	if (!err)
		err = check_name(st, "hostname", hostname, DOC_NAME_MAX);
	if (!err)
		err = stmt_get(st, &q_host_create, &s);
	if (err)
		return err;
	bind_text(s, 1, name);
	bind_text(s, 2, hostname);
	bind_blob(s, 3, token_hash, 32);
	bind_i64(s, 4, store_now());
	err = row_i64(s, &new_id);
	if (!err && id)
		*id = new_id;
	return err;
}

static const struct store_query q_host_get = {
	.sql = "SELECT " HOST_COLS "FROM hosts h WHERE h.name = ?1"
};

int store_host_get(struct store *st, const char *name, struct store_host *out)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_host_get, &s);

	if (err)
		return err;
	bind_text(s, 1, name);
	return row_one(s, read_host, out);
}

/* every upload authenticates: no counts, which walk the host's runs */
static const struct store_query q_host_by_token = {
	.sql = "SELECT " HOST_COLS_LIGHT "FROM hosts h WHERE h.token_hash = ?1"
};

int store_host_by_token(struct store *st, const uint8_t token_hash[32], struct store_host *out)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_host_by_token, &s);

	if (err)
		return err;
	bind_blob(s, 1, token_hash, 32);
	return row_one(s, read_host, out);
}

static const struct store_query q_host_find = {
	.sql = "SELECT " HOST_COLS_LIGHT "FROM hosts h WHERE h.name = ?1"
};

int store_host_find(struct store *st, const char *name, struct store_host *out)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_host_find, &s);

	if (err)
		return err;
	bind_text(s, 1, name);
	return row_one(s, read_host, out);
}

static const struct store_query q_host_list = {
	.sql = "SELECT " HOST_COLS "FROM hosts h WHERE ?1 = 1 OR h.retired_at IS NULL ORDER BY h.name"
};

struct host_each {
	store_host_cb cb;
	void *ctx;
};

static int host_row(struct store_stmt *s, void *ctx)
{
	struct host_each *e = ctx;
	struct store_host h;

	read_host(s, &h);
	return e->cb(e->ctx, &h);
}

int store_host_list(struct store *st, bool include_retired, store_host_cb cb, void *ctx)
{
	struct host_each e = { cb, ctx };
	struct store_stmt *s;
	int err = stmt_get(st, &q_host_list, &s);

	if (err)
		return err;
	bind_i64(s, 1, include_retired);
	return row_each(s, host_row, &e);
}

static const struct store_query q_host_rename = {
	.sql = "UPDATE hosts SET name = ?2 WHERE name = ?1"
};

int store_host_rename(struct store *st, const char *name, const char *new_name)
{
	struct store_stmt *s;
	int err;

	err = check_name(st, "host name", new_name, STORE_NAME_MAX);
	if (!err)
		err = stmt_get(st, &q_host_rename, &s);
	if (err)
		return err;
	bind_text(s, 1, name);
	bind_text(s, 2, new_name);
	return stmt_update(s);
}

/*
 * A retired host keeps its first retirement date; the update still counts
 * it, which tells "already retired" from "no such host".
 */
static const struct store_query q_host_retire = {
	.sql = "UPDATE hosts SET retired_at = coalesce(retired_at, ?2) WHERE name = ?1"
};

int store_host_retire(struct store *st, const char *name)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_host_retire, &s);

	if (err)
		return err;
	bind_text(s, 1, name);
	bind_i64(s, 2, store_now());
	return stmt_update(s);
}

/* ?2 NULL unpins; a kernel the host has no run of pins nothing (no row changes) */
static const struct store_query q_host_pin = {
	.sql = "UPDATE hosts SET baseline_kernel_id = "
	"CASE WHEN ?2 IS NULL THEN NULL ELSE (SELECT id FROM kernels WHERE ident = ?2) END "
	"WHERE name = ?1 AND (?2 IS NULL OR EXISTS (SELECT 1 FROM runs r JOIN kernels k "
	"ON k.id = r.kernel_id WHERE r.host_id = hosts.id AND k.ident = ?2))"
};

int store_host_pin_baseline(struct store *st, const char *name, const char *kernel_ident)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_host_pin, &s);

	if (err)
		return err;
	bind_text(s, 1, name);
	bind_text(s, 2, kernel_ident);
	return stmt_update(s);
}

static const struct store_query q_host_pinned = {
	.sql = "SELECT k.ident FROM hosts h JOIN kernels k ON k.id = h.baseline_kernel_id WHERE h.id = ?1"
};

int store_host_pinned_baseline(struct store *st, int64_t host_id, char *out, size_t len)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_host_pinned, &s);

	if (err)
		return err;
	bind_i64(s, 1, host_id);
	return row_text(s, out, len);
}

/*
 * The host facts of host_id's latest run: a host's runs are all bare
 * metal or all of one accelerator (api.c).  host.vm.accel is read here
 * and not in SQL, whose JSON functions differ between engines.
 */
static const struct store_query q_host_last_facts = {
	.sql = "SELECT host_facts FROM runs WHERE host_id = ?1 ORDER BY id DESC LIMIT 1"
};

int store_host_vm_accel(struct store *st, int64_t host_id, char *out, size_t len)
{
	struct strbuf jerr = STRBUF_INIT;
	struct jread_node *root = NULL;
	struct store_stmt *s;
	const char *accel;
	char *facts;
	int err = stmt_get(st, &q_host_last_facts, &s);

	if (err)
		return err;
	facts = malloc(DOC_HOST_JSON_MAX + 1);
	if (!facts) {
		stmt_done(s);
		return store_fail(st, -ENOMEM, "out of memory");
	}
	bind_i64(s, 1, host_id);
	err = row_text(s, facts, DOC_HOST_JSON_MAX + 1);
	if (!err && *facts && jread_parse(&root, facts, strlen(facts), &jerr))
		err = store_fail(st, -EIO, "the host facts of host %lld's latest run: %s", (long long)host_id,
				 jerr.buf);
	if (!err) {
		/* no facts (a run from before they were kept): bare metal */
		accel = jread_str(jread_get(jread_get(root, "vm"), "accel"));
		snprintf(out, len, "%s", accel ? accel : "");
	}
	jread_free(root);
	strbuf_release(&jerr);
	free(facts);
	return err;
}

/* ---- what a kernel's comparison wants (store_wants) ---------------------- */

void read_wants(struct store_stmt *s, int i, struct store_wants *w)
{
	memset(w, 0, sizeof(*w));
	w->recorded = !col_null(s, i);
	if (!w->recorded)
		return;
	w->at = col_i64(s, i);
	w->has_base = !col_null(s, i + 1);
	if (!w->has_base)
		return;
	w->runs = (unsigned)col_i64(s, i + 1);
	col_text(s, i + 2, w->cases, sizeof(w->cases));
	col_text(s, i + 3, w->base, sizeof(w->base));
}

/*
 * ?3 NULL clears the record; ?4 NULL (with ?3 set) says no baseline.  The
 * baseline is looked up by ident: a kernel the host ran, so it exists.
 */
/* ... unless the host uploaded the kernel again after run ?7 (INT64_MAX: whatever it uploaded) */
static const struct store_query q_wants_set = {
	.sql = "UPDATE host_kernels SET wants_at = ?3, wants_runs = ?4, wants_cases = ?5, "
	"wants_base_id = (SELECT id FROM kernels WHERE ident = ?6) "
	"WHERE host_id = ?1 AND kernel_id = (SELECT id FROM kernels WHERE ident = ?2) "
	"AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.host_id = ?1 AND r.kernel_id = host_kernels.kernel_id "
	"AND r.id > ?7)"
};

static int wants_set(struct store *st, int64_t host_id, const char *kernel_ident, const struct store_wants *w,
		     int64_t as_of_run)
{
	bool rec = w && w->recorded, base = rec && w->has_base;
	struct store_stmt *s;
	int err = stmt_get(st, &q_wants_set, &s);

	if (err)
		return err;
	bind_i64(s, 7, as_of_run ? as_of_run : INT64_MAX);
	bind_i64(s, 1, host_id);
	bind_text(s, 2, kernel_ident);
	/* an integer's NULL: PostgreSQL takes a parameter's type from what is bound */
	bind_value(s, 3, &(struct store_value){ .type = STORE_INT, .null = !rec, .i = store_now() });
	bind_value(s, 4, &(struct store_value){ .type = STORE_INT, .null = !base, .i = base ? w->runs : 0 });
	bind_text(s, 5, base ? w->cases : NULL);
	bind_text(s, 6, base ? w->base : NULL);
	return stmt_update(s);
}

int store_host_kernel_wants_set(struct store *st, int64_t host_id, const char *kernel_ident,
				const struct store_wants *w)
{
	return wants_set(st, host_id, kernel_ident, w, 0);
}

int store_host_kernel_wants_set_as_of(struct store *st, int64_t host_id, const char *kernel_ident,
				      const struct store_wants *w, int64_t run_id)
{
	return wants_set(st, host_id, kernel_ident, w, run_id);
}

static const struct store_query q_wants_get = {
	.sql = "SELECT " WANTS_COLS " FROM host_kernels hk JOIN kernels k ON k.id = hk.kernel_id "
	WANTS_JOIN "WHERE hk.host_id = ?1 AND k.ident = ?2"
};

static int wants_row(struct store_stmt *s, void *ctx)
{
	read_wants(s, 0, ctx);
	return 0;
}

int store_host_kernel_wants(struct store *st, int64_t host_id, const char *kernel_ident,
			    struct store_wants *out)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_wants_get, &s);

	memset(out, 0, sizeof(*out));
	if (err)
		return err;
	bind_i64(s, 1, host_id);
	bind_text(s, 2, kernel_ident);
	return row_one(s, wants_row, out);
}

/* the host's range of host_kernels' key: a row per kernel it ran, as the host's listings read */
static const struct store_query q_kernels_after = {
	.sql = "SELECT k.ident FROM host_kernels hk JOIN kernels k ON k.id = hk.kernel_id "
	"WHERE hk.host_id = ?1 AND k.ident <> ?2 AND (hk.parent_commit = ?2 "
	"OR hk.wants_base_id = (SELECT id FROM kernels WHERE ident = ?2)) "
	"ORDER BY k.first_seen_at DESC, k.id DESC"
};

struct name_each {
	store_name_cb cb;
	void *ctx;
};

static int name_row(struct store_stmt *s, void *ctx)
{
	struct name_each *e = ctx;
	char ident[DOC_IDENT_MAX];

	col_text(s, 0, ident, sizeof(ident));
	return e->cb(e->ctx, ident);
}

int store_host_kernels_after(struct store *st, int64_t host_id, const char *kernel_ident,
			     store_name_cb cb, void *ctx)
{
	struct name_each e = { cb, ctx };
	struct store_stmt *s;
	int err = stmt_get(st, &q_kernels_after, &s);

	if (err)
		return err;
	bind_i64(s, 1, host_id);
	bind_text(s, 2, kernel_ident);
	return row_each(s, name_row, &e);
}

/* ---- the settings the wants records were made with ----------------------- */

static const struct store_query q_setting_get = {
	.sql = "SELECT value FROM settings WHERE name = ?1"
};

static const struct store_query q_setting_put = {
	.sql = "INSERT INTO settings (name, value) VALUES (?1, ?2) "
	"ON CONFLICT (name) DO UPDATE SET value = excluded.value"
};

static const struct store_query q_wants_clear_all = {
	.sql = "UPDATE host_kernels SET wants_at = NULL, wants_runs = NULL, wants_cases = NULL, "
	"wants_base_id = NULL WHERE wants_at IS NOT NULL"
};

int wants_config_get(struct store *st, char *out, size_t n)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_setting_get, &s);

	if (err)
		return err;
	bind_text(s, 1, "wants_config");
	return row_text(s, out, n);
}

int wants_clear_all(struct store *st, int64_t *cleared)
{
	struct store_stmt *s;
	int err = stmt_get(st, &q_wants_clear_all, &s);

	return err ? err : stmt_exec(s, cleared);
}

int store_wants_config(struct store *st, const char *config, int64_t *cleared)
{
	struct store_stmt *s;
	char old[256] = "";
	int err;

	*cleared = 0;
	err = tx_begin(st);
	if (err)
		return err;
	err = wants_config_get(st, old, sizeof(old));
	if (err && err != -ENOENT)
		goto fail;
	if (!err && !strcmp(old, config))
		return tx_commit(st);
	err = wants_clear_all(st, cleared);
	if (!err)
		err = stmt_get(st, &q_setting_put, &s);
	if (err)
		goto fail;
	bind_text(s, 1, "wants_config");
	bind_text(s, 2, config);
	err = stmt_exec(s, NULL);
	if (err)
		goto fail;
	return tx_commit(st);
fail:
	tx_rollback(st);
	return err;
}
