// SPDX-License-Identifier: GPL-2.0
/* Handlers of the JSON API (docs/http-api.md): store calls in, JSON out. */
#include "daemon/api.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/alerts.h"
#include "daemon/app.h"
#include "lib/array.h"
#include "lib/calib.h"
#include "lib/changepoint.h"
#include "daemon/trend.h"
#include "daemon/trendcache.h"
#include "daemon/deliver.h"
#include "daemon/compare.h"
#include "daemon/doc.h"
#include "daemon/rate.h"
#include "daemon/seen.h"
#include "lib/jsonw.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "daemon/store.h"
#include "daemon/ui.h"

static void host_json(struct jw *jw, const char *key, const struct store_host *h)
{
	jw_obj_begin(jw, key);
	jw_str(jw, "name", h->name);
	jw_str(jw, "hostname", h->hostname);
	jw_str_or_null(jw, "arch", h->arch);
	jw_str_or_null(jw, "cpu_model", h->cpu_model);
	jw_i64(jw, "cpus", h->cpus);
	jw_i64(jw, "mem_bytes", h->mem_bytes);
	jw_i64(jw, "page_size", h->page_size);
	jw_time(jw, "created_at", h->created_at);
	jw_time(jw, "last_seen_at", h->last_seen_at);
	jw_time(jw, "retired_at", h->retired_at);
	jw_i64(jw, "uploads", h->uploads);
	jw_str_or_null(jw, "latest_kernel", h->latest_kernel);
	jw_obj_end(jw);
}

static int claim_cb(void *ctx, const struct store_claim *c)
{
	struct jw *jw = ctx;

	jw_obj_begin(jw, NULL);
	jw_str(jw, "host", c->host);
	jw_str(jw, "release", c->release);
	jw_str_or_null(jw, "parent_commit", c->parent_commit);
	jw_obj_end(jw);
	return 0;
}

/*
 * Where hosts disagree on a kernel's facts: which ones, and what each
 * host says (st: a connection to read the claims with).
 */
static void disputes_json(struct jw *jw, struct store *st, const struct store_kernel *k)
{
	if (!k->disputed)
		return;
	jw_arr_begin(jw, "disputed");
	if (k->disputed & STORE_DISPUTED_PARENT)
		jw_str(jw, NULL, "parent_commit");
	if (k->disputed & STORE_DISPUTED_RELEASE)
		jw_str(jw, NULL, "release");
	jw_arr_end(jw);
	jw_arr_begin(jw, "claims");
	store_kernel_claims(st, k->ident, claim_cb, jw);
	jw_arr_end(jw);
}

/*
 * What the host's comparison of the kernel wants (store_wants): "wants":
 * {"runs": N, "cases": [...], "base": ..., "recorded_at": ...}, null when
 * there is no baseline to compare with, absent when nothing is recorded.
 */
static void wants_json(struct jw *jw, const struct store_wants *w)
{
	const char *p = w->cases;

	if (!w->recorded)
		return;
	if (!w->has_base) {
		jw_null(jw, "wants");
		return;
	}
	jw_obj_begin(jw, "wants");
	jw_u64(jw, "runs", w->runs);
	jw_arr_begin(jw, "cases");
	while (*p) {
		size_t len = strcspn(p, ",");

		jw_strn(jw, NULL, p, len);
		p += len;
		p += strspn(p, ", ");
	}
	jw_arr_end(jw);
	jw_str(jw, "base", w->base);
	jw_time(jw, "recorded_at", w->at);
	jw_obj_end(jw);
}

static void kernel_json(struct jw *jw, struct store *st, const struct store_kernel *k, bool per_host)
{
	jw_obj_begin(jw, NULL);
	jw_str(jw, "ident", k->ident);
	jw_str_or_null(jw, "commit", k->commit);
	jw_str(jw, "release", k->release);
	jw_str_or_null(jw, "parent_commit", k->parent_commit);
	jw_str_or_null(jw, "build_id", k->build_id);
	jw_time(jw, "first_seen_at", k->first_seen_at);
	jw_i64(jw, "hosts", k->hosts);
	jw_i64(jw, "uploads", k->uploads);
	jw_i64(jw, "complete_uploads", k->complete_uploads);
	if (per_host)
		jw_time(jw, "last_received_at", k->last_received_at);
	if (per_host)
		wants_json(jw, &k->wants);
	disputes_json(jw, st, k);
	jw_obj_end(jw);
}

static const struct app *app_of(const struct req *rq)
{
	return req_app(rq);
}

/* Map a store error to an HTTP answer. */
static void store_failed(struct req *rq, struct resp *rs, int ret, const char *what)
{
	switch (ret) {
	case -ENOENT:
		resp_error(rs, 404, NULL, "%s not found", what);
		break;
	case -ENOSPC:
		log_error("%s: the disk holding the database is full", what);
		resp_error(rs, 507, NULL, "the server's disk is full: nothing was stored; retry later");
		break;
	case -EBUSY:
		resp_error(rs, 503, NULL, "the database is busy: retry later");
		break;
	default:
		log_error("%s: store error %d: %s", what, ret, store_errmsg(rq->st));
		resp_error(rs, 500, NULL, "internal error");
		break;
	}
}

/*
 * Takes no store connection, so that it answers however busy they all
 * are: the schema is the latest (store_open() brought the database to it
 * at start, or the daemon did not start).
 */
static void api_healthz(struct req *rq, struct resp *rs)
{
	const struct app *app = app_of(rq);
	struct jw jw;

	jw_init(&jw, &rs->body);
	jw_obj_begin(&jw, NULL);
	jw_str(&jw, "status", "ok");
	jw_i64(&jw, "schema_version", store_schema_latest());
	if (app && app->ui && app->ui->health)
		app->ui->health(app->ui_state, &jw);
	if (app_of(rq) && app_of(rq)->evaluated) {
		struct seen_stats ss;

		seen_stats(app_of(rq)->evaluated, &ss);
		jw_obj_begin(&jw, "uploads");
		jw_u64(&jw, "evaluated", ss.evaluated);
		jw_u64(&jw, "resent_not_evaluated", ss.skipped);
		jw_obj_end(&jw);
	}
	if (app_of(rq) && app_of(rq)->trends) {
		struct trend_cache_stats ts;

		trend_cache_stats(app_of(rq)->trends, &ts);
		jw_obj_begin(&jw, "trends");
		jw_u64(&jw, "hosts", ts.hosts);
		jw_u64(&jw, "bytes", ts.bytes);
		jw_u64(&jw, "limit_bytes", ts.limit);
		jw_u64(&jw, "hits", ts.hits);
		jw_u64(&jw, "computed", ts.computed);
		jw_u64(&jw, "background", ts.background);
		jw_u64(&jw, "waits", ts.waits);
		jw_obj_end(&jw);
	}
	jw_obj_end(&jw);
}

/* What parse_name_ok() takes, for messages (the maximum as %d). */
#define NAME_RULE "1 to %d bytes of UTF-8 text, no control, format or invisible characters, no '/', " \
		  "not '.' or '..', no space at an end"

/* Parse a small JSON object body; resp filled and NULL on error. */
static json_t *small_body(struct req *rq, struct resp *rs)
{
	json_error_t je;
	json_t *j;

	if (rq->body_len > 65536) {
		resp_error(rs, 413, NULL, "body too large for this route");
		return NULL;
	}
	j = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		resp_error(rs, 400, NULL, "malformed JSON: %s", je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		resp_error(rs, 400, NULL, "expected a JSON object");
		return NULL;
	}
	return j;
}

struct alike_ctx {
	struct strbuf want, sk;
	const char *self;
	char other[STORE_NAME_MAX];
};

static int alike_cb(void *ctx, const struct store_host *h)
{
	struct alike_ctx *a = ctx;

	if (a->self && !strcmp(h->name, a->self))
		return 0;
	strbuf_reset(&a->sk);
	parse_name_skeleton(h->name, &a->sk);
	if (strcmp(a->sk.buf, a->want.buf))
		return 0;
	snprintf(a->other, sizeof(a->other), "%s", h->name);
	return 1;
}

/*
 * Whether name reads like another host's (self: the host being renamed,
 * or NULL): the same once invisible characters and end spaces are
 * dropped, as "lab-a" and a "lab-a" + U+200B named before such names were
 * refused.  409 in rs when it does.
 */
static bool name_alike(struct req *rq, struct resp *rs, const char *field, const char *name,
		       const char *self)
{
	struct alike_ctx a = { STRBUF_INIT, STRBUF_INIT, self, "" };
	int ret;

	parse_name_skeleton(name, &a.want);
	ret = store_host_list(rq->st, true, alike_cb, &a);
	strbuf_release(&a.want);
	strbuf_release(&a.sk);
	if (ret < 0) {
		store_failed(rq, rs, ret, "hosts");
		return true;
	}
	if (!ret)
		return false;
	if (!strcmp(a.other, name))
		resp_error(rs, 409, field, "a host named '%s' exists already", name);
	else
		resp_error(rs, 409, field, "'%s' reads like the name of host '%s' (they differ only in "
			   "invisible characters or spaces at an end)", name, a.other);
	return true;
}

/* Before the body of an admin's request: the admin token. */
static bool api_gate_admin(struct req *rq, struct resp *rs)
{
	return req_require_admin(rq, rs);
}

static void api_hosts_create(struct req *rq, struct resp *rs)
{
	char token[AUTH_TOKEN_MAX];
	uint8_t hash[AUTH_HASH_LEN];
	struct store_host h;
	struct jw jw;
	json_t *body, *jn, *jh;
	const char *hostname, *name;
	int64_t id;
	int ret;

	if (!req_require_admin(rq, rs) || !(body = small_body(rq, rs)))
		return;
	jh = json_object_get(body, "hostname");
	jn = json_object_get(body, "name");
	if (!json_is_string(jh) || !parse_name_ok(json_string_value(jh), DOC_NAME_MAX - 1)) {
		resp_error(rs, 400, "hostname", "expected the machine's hostname: " NAME_RULE,
			   DOC_NAME_MAX - 1);
		goto out;
	}
	hostname = json_string_value(jh);
	if (jn && !json_is_null(jn) &&
	    (!json_is_string(jn) || !parse_name_ok(json_string_value(jn), STORE_NAME_MAX - 1))) {
		resp_error(rs, 400, "name", "expected " NAME_RULE, STORE_NAME_MAX - 1);
		goto out;
	}
	name = jn && json_is_string(jn) ? json_string_value(jn) : hostname;
	if (strlen(name) > STORE_NAME_MAX - 1) {
		resp_error(rs, 400, "name", "the hostname is too long to be the name: give a name");
		goto out;
	}
	if (name_alike(rq, rs, jn && json_is_string(jn) ? "name" : "hostname", name, NULL))
		goto out;
	auth_token_new("fwh_", token);
	auth_token_hash(token, hash);
	/* every write goes through the write lock: it also moves the data generation pages are cached by */
	req_write_begin(rq);
	ret = store_host_create(rq->st, name, hostname, hash, &id);
	req_write_end(rq);
	if (ret == -EEXIST) {
		resp_error(rs, 409, "name", "a host named '%s' exists already", name);
		goto out;
	}
	if (!ret)
		ret = store_host_get(rq->st, name, &h);
	if (ret) {
		store_failed(rq, rs, ret, "host");
		goto out;
	}
	log_info("registered host '%s' (hostname '%s') from %s", name, hostname, rq->client);
	rs->status = 201;
	jw_init(&jw, &rs->body);
	jw_obj_begin(&jw, NULL);
	host_json(&jw, "host", &h);
	jw_str(&jw, "token", token);
	jw_obj_end(&jw);
out:
	json_decref(body);
}

struct list_ctx {
	struct jw *jw;
	bool per_host;
	struct store *st; /* reads the claims of disputed kernels while the list goes on */
};

static int host_cb(void *ctx, const struct store_host *h)
{
	host_json(((struct list_ctx *)ctx)->jw, NULL, h);
	return 0;
}

static void api_hosts_list(struct req *rq, struct resp *rs)
{
	const char *retired = req_query(rq, "retired");
	struct jw jw;
	struct list_ctx lc = { &jw, false, rq->st };
	int ret;

	jw_init(&jw, &rs->body);
	jw_obj_begin(&jw, NULL);
	jw_arr_begin(&jw, "hosts");
	ret = store_host_list(rq->st, retired && !strcmp(retired, "1"), host_cb, &lc);
	if (ret) {
		store_failed(rq, rs, ret, "hosts");
		return;
	}
	jw_arr_end(&jw);
	jw_obj_end(&jw);
}

static int kernel_cb(void *ctx, const struct store_kernel *k)
{
	struct list_ctx *lc = ctx;

	kernel_json(lc->jw, lc->st, k, lc->per_host);
	return 0;
}

static void api_host_get(struct req *rq, struct resp *rs)
{
	struct store_host h;
	struct jw jw;
	struct list_ctx lc = { &jw, true, rq->st };
	int ret = store_host_get(rq->st, rq->args[0], &h);

	if (ret) {
		store_failed(rq, rs, ret, "host");
		return;
	}
	jw_init(&jw, &rs->body);
	jw_obj_begin(&jw, NULL);
	host_json(&jw, "host", &h);
	jw_arr_begin(&jw, "kernels");
	ret = store_host_kernels(rq->st, h.id, kernel_cb, &lc);
	if (ret) {
		store_failed(rq, rs, ret, "kernels");
		return;
	}
	jw_arr_end(&jw);
	jw_obj_end(&jw);
}

/*
 * Compare host's kernel with its baseline: the alerts it shows into f
 * (may be NULL: not wanted), what it wants before it can decide into w
 * (no baseline: recorded without one), and into info what the record
 * and the caller need of the comparison (zeroes without a baseline).
 * Reads only.  0 or a store error.
 */
struct eval_info {
	unsigned uploads;	/* the kernel's uploads of the compared placement */
	bool level_known;	/* the comparison counted the host's session level */
	bool by_boot;		/* a VM's host */
	int64_t newest_run;	/* the kernel's newest upload the comparison read: its record is as of it */
};

static int evaluate(struct req *rq, const struct store_host *h, const char *kernel,
		    struct alerts_found *f, struct store_wants *w, struct eval_info *info)
{
	struct strbuf err = STRBUF_INIT;
	struct compare_result *res = malloc(sizeof(*res));
	struct compare_config cfg = app_of(rq)->cmp;
	int ret;

	if (f)
		f->n = 0;
	memset(w, 0, sizeof(*w));
	memset(info, 0, sizeof(*info));
	if (!res)
		return -ENOMEM;
	ret = compare_build(rq->st, h->name, NULL, kernel, &cfg, res, &err);
	if (ret == -ENOENT || ret == -EINVAL) {
		w->recorded = true; /* no baseline (yet): nothing to compare with */
		ret = 0;
	} else if (!ret) {
		if (f)
			alerts_from(rq->st, h->name, res, f);
		compare_wants(res, w);
		info->uploads = compare_head_uploads(res);
		info->level_known = compare_level_known(res);
		info->by_boot = res->by_boot;
		info->newest_run = res->head_newest_run;
		compare_result_release(res);
	}
	free(res);
	strbuf_release(&err);
	return ret;
}

/* Whether a and b say the same (when they were recorded aside). */
static bool wants_same(const struct store_wants *a, const struct store_wants *b)
{
	return a->recorded == b->recorded && a->has_base == b->has_base && a->runs == b->runs &&
	       !strcmp(a->cases, b->cases) && !strcmp(a->base, b->base);
}

/*
 * Whether w says something else than the record of host's kernel: one
 * that says the same is not written again (a re-sent upload, or an
 * upload that changed nothing, costs no write).
 */
static bool wants_changed(struct req *rq, const struct store_host *h, const char *kernel,
			  const struct store_wants *w)
{
	struct store_wants old;

	return store_host_kernel_wants(rq->st, h->id, kernel, &old) || !wants_same(&old, w);
}

/*
 * Record w for host's kernel, inside the caller's write; logs a failure.
 * as_of_run: the upload whose comparison w is (0: none), so that a
 * comparison made before a later upload of the kernel, by another thread
 * or daemon, never overwrites that upload's record.
 */
static void wants_record(struct req *rq, const struct store_host *h, const char *kernel,
			 const struct store_wants *w, int64_t as_of_run)
{
	int ret = as_of_run ? store_host_kernel_wants_set_as_of(rq->st, h->id, kernel, w, as_of_run) :
			      store_host_kernel_wants_set(rq->st, h->id, kernel, w);

	if (ret == -ENOENT && as_of_run)
		log_info("record of %s on '%s' left to its later upload, whose comparison sees more", kernel,
			 h->name);
	else if (ret)
		log_error("what %s on '%s' wants: %s", kernel, h->name, store_errmsg(rq->st));
}

/*
 * Kernels whose record is made again when their baseline changes, at most
 * this many at once (newest first); the others' records are cleared, and
 * the agent then asks their comparison itself until their next upload.
 * Each is one comparison, as an upload's own (bench/alert-eval.sh times
 * one): it reads at most STORE_COMPARE_UPLOADS uploads a side.
 */
#define REWANT_MAX 16

struct idents {
	unsigned n;
	char (*v)[DOC_IDENT_MAX];
	size_t alloc;
	const char *skip; /* not this one */
};

static int ident_keep(void *ctx, const char *ident)
{
	struct idents *l = ctx;

	if (l->skip && !strcmp(ident, l->skip))
		return 0;
	if (array_reserve((void **)&l->v, &l->alloc, l->n, sizeof(*l->v)))
		return -ENOMEM;
	snprintf(l->v[l->n++], sizeof(l->v[0]), "%s", ident);
	return 0;
}

static int kernel_ident_keep(void *ctx, const struct store_kernel *k)
{
	return ident_keep(ctx, k->ident);
}

/* Make the records of l's kernels on host again (their baseline changed). */
static void rewant(struct req *rq, const struct store_host *h, const struct idents *l)
{
	unsigned i;

	for (i = 0; i < l->n; i++) {
		struct store_wants w = { 0 };
		struct eval_info info = { 0 };

		if (i < REWANT_MAX && evaluate(rq, h, l->v[i], NULL, &w, &info)) {
			log_error("what %s on '%s' wants: %s", l->v[i], h->name, store_errmsg(rq->st));
			memset(&w, 0, sizeof(w)); /* not known now: cleared */
		}
		if (!wants_changed(rq, h, l->v[i], &w))
			continue;
		req_write_begin(rq);
		wants_record(rq, h, l->v[i], &w, info.newest_run);
		req_write_end(rq);
	}
}

/* the newest REWANT_MAX kernels only: clearing hundreds of older records would hold the write lock for long */
static int kernel_all_keep(void *ctx, const struct store_kernel *k)
{
	struct idents *l = ctx;

	return l->n < REWANT_MAX ? ident_keep(ctx, k->ident) : 0;
}

/*
 * Compare the host's kernel with its baseline now that a run arrived and
 * record what it shows: its alerts, and what it wants before it can
 * decide (store_wants).  Then the records of the host's kernels that
 * compare with this one (it is their baseline, or their parent commit)
 * are made again: its runs changed their comparisons.  A failure here is
 * logged and loses nothing: the run is stored, and the next upload of
 * the kernel evaluates again.
 */
static void evaluate_upload(struct req *rq, const struct store_host *h, const char *kernel, int64_t run_id)
{
	struct alerts_found *f = malloc(sizeof(*f));
	struct idents after = { .skip = kernel };
	struct store_wants w;
	struct eval_info info;
	int i, ret, new_alerts = 0;
	bool changed;

	if (!f)
		return;
	ret = evaluate(rq, h, kernel, f, &w, &info);
	if (ret) {
		log_error("alerts for '%s' on %s: %s", h->name, kernel, store_errmsg(rq->st));
		free(f);
		return;
	}
	changed = wants_changed(rq, h, kernel, &w);
	if (!f->n && !changed)
		goto after; /* nothing to record: no write lock */
	req_write_begin(rq);
	for (i = 0; !ret && i < f->n; i++) {
		int64_t id;
		bool created;

		ret = store_alert_add(rq->st, h->id, &f->a[i], &id, &created);
		if (ret)
			log_error("alert for '%s' on %s: %s", h->name, kernel, store_errmsg(rq->st));
		else if (created)
			log_warn("%s %lld: %s: %s", !strcmp(f->a[i].kind, "regression") ? "alert" : "notice",
				 (long long)id, h->name, f->a[i].summary);
		if (!ret && created && !strcmp(f->a[i].kind, "regression"))
			new_alerts++;
	}
	/* notices are recorded, not sent */
	if (!ret && new_alerts &&
	    deliver_enqueue(app_of(rq)->deliver, rq->st, h->id, kernel))
		log_error("queueing the delivery of %s on '%s': %s", kernel, h->name,
			  store_errmsg(rq->st));
	if (changed)
		wants_record(rq, h, kernel, &w, info.newest_run ? info.newest_run : run_id);
	req_write_end(rq);
after:
	free(f);
	/*
	 * A kernel's second and third uploads start and firm up its share of
	 * the host's session level, which every comparison of the host counts
	 * (and its first level, which changes them all): the newest kernels'
	 * records are made again, not only those this kernel is the baseline
	 * of (older kernels keep theirs until their next upload: an agent
	 * seldom boots them again).  A VM's host compares boots.
	 */
	if (!info.by_boot && info.level_known && (info.uploads == 2 || info.uploads == NEST_PRIOR_MIN_DF + 1))
		ret = store_host_kernels(rq->st, h->id, kernel_all_keep, &after);
	else
		ret = store_host_kernels_after(rq->st, h->id, kernel, ident_keep, &after);
	if (ret)
		log_error("the kernels compared with %s on '%s': %s", kernel, h->name, store_errmsg(rq->st));
	else
		rewant(rq, h, &after);
	free(after.v);
}

static void api_host_update(struct req *rq, struct resp *rs)
{
	struct store_host h;
	struct jw jw;
	json_t *body, *rn, *rt, *rb;
	const char *name = rq->args[0];
	int ret;

	if (!req_require_admin(rq, rs) || !(body = small_body(rq, rs)))
		return;
	rn = json_object_get(body, "rename");
	rt = json_object_get(body, "retire");
	rb = json_object_get(body, "baseline");
	if (!!rn + !!rt + !!rb != 1) {
		resp_error(rs, 400, NULL, "expected {\"rename\": \"new-name\"}, {\"retire\": true} or "
			   "{\"baseline\": \"kernel\" or null}");
		goto out;
	}
	if (rb) {
		if (!json_is_null(rb) && !json_is_string(rb)) {
			resp_error(rs, 400, "baseline", "expected a kernel ident or null");
			goto out;
		}
		req_write_begin(rq);
		ret = store_host_pin_baseline(rq->st, name, json_is_null(rb) ? NULL : json_string_value(rb));
		req_write_end(rq);
		if (ret == -ENOENT) {
			resp_error(rs, 404, "baseline", "no host '%s', or it has no upload of kernel '%s' "
				   "(a baseline is a kernel the host ran)", name,
				   json_is_null(rb) ? "" : json_string_value(rb));
			goto out;
		}
	} else if (rn) {
		if (!json_is_string(rn) || !parse_name_ok(json_string_value(rn), STORE_NAME_MAX - 1)) {
			resp_error(rs, 400, "rename", "expected " NAME_RULE, STORE_NAME_MAX - 1);
			goto out;
		}
		if (name_alike(rq, rs, "rename", json_string_value(rn), name))
			goto out;
		req_write_begin(rq);
		ret = store_host_rename(rq->st, name, json_string_value(rn));
		req_write_end(rq);
		if (ret == -EEXIST) {
			resp_error(rs, 409, "rename", "a host named '%s' exists already",
				   json_string_value(rn));
			goto out;
		}
		name = json_string_value(rn);
	} else {
		if (!json_is_true(rt)) {
			resp_error(rs, 400, "retire", "expected true");
			goto out;
		}
		req_write_begin(rq);
		ret = store_host_retire(rq->st, name);
		req_write_end(rq);
	}
	if (!ret)
		ret = store_host_get(rq->st, name, &h);
	if (ret) {
		store_failed(rq, rs, ret, "host");
		goto out;
	}
	if (rb) {
		/* a new baseline: what the host's kernels want changes */
		struct idents all = { 0 };

		if (store_host_kernels(rq->st, h.id, kernel_ident_keep, &all))
			log_error("the kernels of '%s': %s", h.name, store_errmsg(rq->st));
		else
			rewant(rq, &h, &all);
		free(all.v);
	}
	log_info("host '%s' %s by %s", rq->args[0], rn ? "renamed" : rt ? "retired" : "baseline set",
		 rq->client);
	jw_init(&jw, &rs->body);
	jw_obj_begin(&jw, NULL);
	host_json(&jw, "host", &h);
	jw_obj_end(&jw);
out:
	json_decref(body);
}

static void api_kernels_list(struct req *rq, struct resp *rs)
{
	struct jw jw;
	struct list_ctx lc = { &jw, false, rq->st };
	int ret;

	jw_init(&jw, &rs->body);
	jw_obj_begin(&jw, NULL);
	jw_arr_begin(&jw, "kernels");
	ret = store_kernel_list(rq->st, 0, kernel_cb, &lc);
	if (ret) {
		store_failed(rq, rs, ret, "kernels");
		return;
	}
	jw_arr_end(&jw);
	jw_obj_end(&jw);
}

static void run_ref_json(struct jw *jw, int64_t id, const char *uuid)
{
	char url[64];

	snprintf(url, sizeof(url), "/api/v1/runs/%lld", (long long)id);
	jw_obj_begin(jw, "run");
	jw_i64(jw, "id", id);
	jw_str(jw, "uuid", uuid);
	jw_str(jw, "url", url);
	jw_obj_end(jw);
}

/* The host of an upload's token, into h; false with rs filled (401, 403, 429). */
static bool upload_host(struct req *rq, struct resp *rs, struct store_host *h)
{
	uint8_t hash[AUTH_HASH_LEN];
	const char *tok;
	int ret;

	if (req_auth_blocked(rq, rs))
		return false;
	tok = auth_bearer(req_header(rq, "Authorization"));
	if (!tok) {
		resp_error(rs, 401, NULL, "uploads need the host's token as 'Authorization: Bearer <token>'");
		return false;
	}
	auth_token_hash(tok, hash);
	if (!req_store(rq, rs))
		return false;
	ret = store_host_by_token(rq->st, hash, h);
	if (ret == -ENOENT) {
		req_auth_failed(rq);
		resp_error(rs, 403, NULL, "unknown host token");
		return false;
	}
	if (ret) {
		store_failed(rq, rs, ret, "host");
		return false;
	}
	if (h->retired_at) {
		req_auth_failed(rq);
		resp_error(rs, 403, NULL, "host '%s' is retired: its token no longer uploads", h->name);
		return false;
	}
	return true;
}

/*
 * Before the body of an upload: the host's token, and the host's upload
 * rate (--upload-rate), so that neither a stranger nor a runaway lab
 * machine makes the server read megabytes it will refuse.
 */
static bool api_gate_upload(struct req *rq, struct resp *rs)
{
	struct store_host h;
	unsigned wait;

	if (!upload_host(rq, rs, &h))
		return false;
	wait = app_of(rq)->upload_rate ? rate_take(app_of(rq)->upload_rate, h.id) : 0;
	if (wait) {
		resp_error(rs, 429, NULL, "host '%s' uploads faster than this server takes (--upload-rate): "
			   "retry in %u s", h.name, wait);
		resp_header(rs, "Retry-After", "%u", wait);
		return false;
	}
	return true;
}

/*
 * Whether the upload's kernel is one the host has uploaded, or one of
 * at most --kernels-per-hour new ones this hour: each kernel is a point of
 * the host's trend, and a token that made thousands in seconds would make
 * every trend request and page of the host pay for them.  Else a 429 in
 * rs with the seconds until the oldest of the hour's kernels is an hour
 * old.  (Two uploads at once may both pass the count: by one or two.)
 */
static bool kernel_quota_ok(struct req *rq, struct resp *rs, const struct store_host *h,
			    const char *kernel)
{
	unsigned limit = app_of(rq)->kernels_per_hour, n;
	int64_t now = (int64_t)time(NULL), first;
	bool known;
	int ret;

	if (!limit)
		return true;
	ret = store_host_new_kernels(rq->st, h->id, kernel, now - 3600, &known, &n, &first);
	if (ret) {
		store_failed(rq, rs, ret, "host");
		return false;
	}
	if (known || n < limit)
		return true;
	resp_error(rs, 429, "kernel", "host '%s' uploaded %u new kernels within the hour, the most this "
		   "server takes (--kernels-per-hour): '%s' is refused until then", h->name, n, kernel);
	resp_header(rs, "Retry-After", "%lld", (long long)(first + 3600 > now ? first + 3600 - now : 1));
	return false;
}

/* How a run ran, in words: host.vm.accel "" (bare metal), "kvm" or "tcg". */
static const char *run_env_words(const char *accel)
{
	return !*accel ? "bare-metal" : !strcmp(accel, "kvm") ? "VM (KVM)" : "VM (TCG)";
}

static void api_runs_create(struct req *rq, struct resp *rs)
{
	struct strbuf field = STRBUF_INIT, err = STRBUF_INIT;
	struct store_host h;
	struct jw jw;
	struct doc d;
	char accel[8];
	int64_t run_id;
	bool existed;
	int ret;

	/* the gate let it in; the host is looked up again in case it was retired meanwhile */
	if (!upload_host(rq, rs, &h))
		return;
	/* parsing costs memory in proportion to the body: a few at a time */
	req_heavy_begin(rq);
	ret = doc_parse(&d, rq->body, rq->body_len, &field, &err);
	req_heavy_end(rq);
	if (ret) {
		resp_error(rs, 400, field.len ? field.buf : NULL, "%s", err.buf);
		goto out;
	}
	if (strcmp(d.host.hostname, h.hostname)) {
		resp_error(rs, 403, "host.hostname", "'%s' is not the machine this token belongs to ('%s')",
			   d.host.hostname, h.hostname);
		goto out_doc;
	}
	if (!kernel_quota_ok(rq, rs, &h, d.kernel_ident))
		goto out_doc;
	/* a host's runs are all bare metal or all of one accelerator: its comparisons never mix them */
	ret = store_host_vm_accel(rq->st, h.id, accel, sizeof(accel));
	if (ret && ret != -ENOENT) {
		store_failed(rq, rs, ret, "host");
		goto out_doc;
	}
	if (!ret && strcmp(accel, d.vm.accel)) {
		resp_error(rs, 409, "host.vm", "host '%s' has %s results and this one ran %s: a VM's results go to a "
			   "host of their own (forkwatch vm names its guest <hostname>-vm-<arch>-<accel>)",
			   h.name, run_env_words(accel), run_env_words(d.vm.accel));
		goto out_doc;
	}
	req_write_begin(rq);
	ret = store_run_ingest(rq->st, h.id, &d, &run_id, &existed);
	req_write_end(rq);
	if (ret == -EEXIST) {
		resp_error(rs, 409, "run_uuid", "run %s belongs to another host", d.run_uuid);
		goto out_doc;
	}
	if (ret == -EINVAL) {
		resp_error(rs, 400, NULL, "inconsistent document");
		goto out_doc;
	}
	if (ret) {
		store_failed(rq, rs, ret, "run");
		goto out_doc;
	}
	if (!existed) {
		log_info("run %s from '%s' on %s stored as %lld", d.run_uuid, h.name, d.kernel_ident,
			 (long long)run_id);
		trend_cache_touch(app_of(rq)->trends, h.id);
	}
	/*
	 * A re-sent upload is evaluated again when this daemon has not
	 * evaluated it: when the daemon died after storing a run but before
	 * recording its alerts, the client's re-send (its spool keeps the
	 * document until a 2xx) records them.  Alerts are unique per host,
	 * kernel, case and metric, so nothing doubles.  One it has evaluated
	 * is not compared again: a client re-sending one document in a loop
	 * costs a look-up, not a comparison and the write lock.
	 */
	if (!existed || !seen_has(app_of(rq)->evaluated, run_id)) {
		evaluate_upload(rq, &h, d.kernel_ident, run_id);
		seen_add(app_of(rq)->evaluated, run_id);
	}
	rs->status = existed ? 200 : 201;
	jw_init(&jw, &rs->body);
	jw_obj_begin(&jw, NULL);
	run_ref_json(&jw, run_id, d.run_uuid);
	jw_bool(&jw, "created", !existed);
	jw_obj_end(&jw);
out_doc:
	doc_release(&d);
out:
	strbuf_release(&field);
	strbuf_release(&err);
}

static void summary_json(struct jw *jw, const char *key, const struct stats_summary *s,
			 double median, const double *means, unsigned nmeans)
{
	unsigned i;

	jw_obj_begin(jw, key);
	jw_u64(jw, "n", s->n);
	jw_double(jw, "mean", s->mean);
	jw_double(jw, "stdev", s->stdev);
	jw_double(jw, "median", median);
	jw_double(jw, "min", s->min);
	jw_double(jw, "max", s->max);
	if (means) {
		jw_arr_begin(jw, "means");
		for (i = 0; i < nmeans; i++)
			jw_double(jw, NULL, means[i]);
		jw_arr_end(jw);
	}
	jw_obj_end(jw);
}

struct series_ctx {
	struct jw *jw;
	char workload[WORKLOAD_NAME_MAX], layout[16];
	bool open;
};

static int series_cb(void *ctx, const struct store_series *s)
{
	struct series_ctx *sc = ctx;
	struct jw *jw = sc->jw;

	if (!sc->open || strcmp(sc->workload, s->workload) || strcmp(sc->layout, s->layout)) {
		if (sc->open) {
			jw_obj_end(jw); /* metrics */
			jw_obj_end(jw); /* case */
		}
		sc->open = true;
		snprintf(sc->workload, sizeof(sc->workload), "%s", s->workload);
		snprintf(sc->layout, sizeof(sc->layout), "%s", s->layout);
		jw_obj_begin(jw, NULL);
		jw_str(jw, "workload", s->workload);
		jw_str(jw, "layout", s->layout);
		jw_i64(jw, "order", s->order);
		jw_str(jw, "mapping", s->mapping);
		jw_u64(jw, "iterations", s->iterations);
		jw_bool(jw, "layout_ok", s->layout_ok);
		jw_str_or_null(jw, "layout_reason", s->layout_reason);
		if (s->folios[0])
			jw_raw(jw, "folios", s->folios); /* stored as JSON by the ingest */
		jw_u64(jw, "runs_ok", s->runs_ok);
		jw_obj_begin(jw, "metrics");
	}
	jw_obj_begin(jw, s->metric);
	if (s->supported) {
		jw_str(jw, "status", "ok");
		jw_str_or_null(jw, "event", s->event);
		jw_bool(jw, "multiplexed", s->multiplexed);
		summary_json(jw, "runs", &s->runs_sum, s->runs_median, s->run_means, s->nrun_means);
		summary_json(jw, "iterations", &s->it_sum, s->it_median, NULL, 0);
	} else {
		jw_str(jw, "status", "unsupported");
		jw_str(jw, "reason", s->reason);
	}
	jw_obj_end(jw);
	return 0;
}

static void api_run_get(struct req *rq, struct resp *rs)
{
	struct store_run r;
	struct jw jw;
	struct series_ctx sc;
	uint64_t id;
	int ret;

	if (parse_uint(rq->args[0], 1, INT64_MAX, &id)) {
		resp_error(rs, 400, NULL, "run id '%s': expected a positive integer", rq->args[0]);
		return;
	}
	ret = store_run_get(rq->st, id, &r);
	if (ret) {
		store_failed(rq, rs, ret, "run");
		return;
	}
	jw_init(&jw, &rs->body);
	jw_obj_begin(&jw, NULL);
	jw_obj_begin(&jw, "run");
	jw_i64(&jw, "id", r.id);
	jw_str(&jw, "uuid", r.uuid);
	jw_str(&jw, "host", r.host);
	jw_str(&jw, "kernel", r.kernel);
	jw_str(&jw, "release", r.release);
	jw_time(&jw, "received_at", r.received_at);
	jw_str_or_null(&jw, "started_at", r.started_at);
	jw_str_or_null(&jw, "finished_at", r.finished_at);
	jw_str_or_null(&jw, "tool_version", r.tool_version);
	jw_obj_begin(&jw, "params");
	jw_u64(&jw, "size_bytes", r.size_bytes);
	jw_u64(&jw, "runs", r.runs);
	jw_u64(&jw, "iterations", r.iterations);
	jw_u64(&jw, "fresh_iterations", r.fresh_iterations);
	jw_u64(&jw, "warmup", r.warmup);
	jw_str(&jw, "placement", r.placement);
	if (r.parent_cpu < 0) {
		jw_null(&jw, "placement_cpus");
	} else {
		jw_obj_begin(&jw, "placement_cpus");
		jw_i64(&jw, "parent", r.parent_cpu);
		jw_i64(&jw, "child", r.child_cpu);
		jw_obj_end(&jw);
	}
	jw_obj_end(&jw);
	jw_bool(&jw, "complete", r.complete);
	jw_i64(&jw, "doc_bytes", r.doc_bytes);
	if (r.noise_known) {
		const char *p = r.noise;

		/* the noise sources active while it was measured; null: not recorded */
		jw_arr_begin(&jw, "noise");
		while (*p) {
			size_t len = strcspn(p, " ");

			jw_strn(&jw, NULL, p, len);
			p += len + (p[len] == ' ');
		}
		jw_arr_end(&jw);
	} else {
		jw_null(&jw, "noise");
	}
	jw_time(&jw, "samples_dropped_at", r.samples_dropped_at);
	jw_obj_end(&jw);
	jw_arr_begin(&jw, "cases");
	memset(&sc, 0, sizeof(sc));
	sc.jw = &jw;
	ret = store_run_series(rq->st, r.id, series_cb, &sc);
	if (ret) {
		store_failed(rq, rs, ret, "run");
		return;
	}
	if (sc.open) {
		jw_obj_end(&jw);
		jw_obj_end(&jw);
	}
	jw_arr_end(&jw);
	jw_obj_end(&jw);
}

/* A refusal of a comparison: JSON, or for /compare.txt the message as text, one line. */
static void compare_refuse(struct resp *rs, bool text, int status, const char *field, const char *msg)
{
	if (!text) {
		resp_error(rs, status, field, "%s", msg);
		return;
	}
	rs->status = status;
	rs->content_type = "text/plain; charset=utf-8";
	strbuf_reset(&rs->body);
	strbuf_addf(&rs->body, "%s\n", msg);
}

/* GET /api/v1/compare and /compare.txt: ?host=&head=[&base=] */
static int compare_from_query(struct req *rq, struct resp *rs, struct compare_result *res, bool text)
{
	struct strbuf err = STRBUF_INIT;
	struct compare_config cfg;
	const char *host = req_query(rq, "host"), *head = req_query(rq, "head");
	const char *base = req_query(rq, "base");
	int ret;

	if (!host || !*host) {
		compare_refuse(rs, text, 400, "host", "missing: ?host=NAME&head=KERNEL[&base=KERNEL]");
		return -EINVAL;
	}
	if (!head || !*head) {
		compare_refuse(rs, text, 400, "head", "missing: ?host=NAME&head=KERNEL[&base=KERNEL]");
		return -EINVAL;
	}
	cfg = app_of(rq)->cmp;
	ret = compare_build(rq->st, host, base && *base ? base : NULL, head, &cfg, res, &err);
	if (ret == -ENOENT)
		compare_refuse(rs, text, 404, res->no_base ? "base" : NULL, err.buf);
	else if (ret == -EINVAL)
		compare_refuse(rs, text, 400, NULL, err.buf);
	else if (ret)
		store_failed(rq, rs, ret, "comparison");
	strbuf_release(&err);
	return ret;
}

static void api_compare(struct req *rq, struct resp *rs)
{
	struct compare_result res;
	struct jw jw;

	if (compare_from_query(rq, rs, &res, false))
		return;
	jw_init(&jw, &rs->body);
	compare_json(&res, &jw, NULL);
	compare_result_release(&res);
}

static void api_compare_txt(struct req *rq, struct resp *rs)
{
	struct compare_result res;

	if (compare_from_query(rq, rs, &res, true))
		return;
	rs->content_type = "text/plain; charset=utf-8";
	compare_text(&res, &rs->body);
	compare_result_release(&res);
}

static int alert_cb(void *ctx, const struct store_alert *a)
{
	alerts_json(a, ctx, NULL);
	return 0;
}

/* GET /api/v1/alerts?kind=&state=&host= */
static void api_alerts_list(struct req *rq, struct resp *rs)
{
	const char *kind = req_query(rq, "kind"), *state = req_query(rq, "state");
	const char *host = req_query(rq, "host"), *kernel = req_query(rq, "kernel");
	struct store_alert_filter f;
	struct jw jw;
	int ret;

	if (kind && !alerts_one_of(kind, alerts_kinds)) {
		resp_error(rs, 400, "kind", "'%s': expected regression or gain", kind);
		return;
	}
	if (state && !alerts_one_of(state, alerts_states)) {
		resp_error(rs, 400, "state", "'%s': expected new, acknowledged, invalid or fixed", state);
		return;
	}
	jw_init(&jw, &rs->body);
	jw_obj_begin(&jw, NULL);
	jw_arr_begin(&jw, "alerts");
	f.kind = kind;
	f.state = state;
	f.host = host && *host ? host : NULL;
	f.kernel = kernel && *kernel ? kernel : NULL;
	ret = store_alert_list(rq->st, &f, 1000, alert_cb, &jw);
	if (ret) {
		store_failed(rq, rs, ret, "alerts");
		return;
	}
	jw_arr_end(&jw);
	jw_obj_end(&jw);
}

/* POST /api/v1/alerts/{id} {"state": "acknowledged", "by": "who"}: triage, admin only */
static void api_alert_triage(struct req *rq, struct resp *rs)
{
	struct store_alert a;
	struct jw jw;
	json_t *body, *js, *jb;
	uint64_t id;
	int ret;

	if (parse_uint(rq->args[0], 1, INT64_MAX, &id)) {
		resp_error(rs, 400, NULL, "alert id '%s': expected a positive integer", rq->args[0]);
		return;
	}
	if (!req_require_admin(rq, rs) || !(body = small_body(rq, rs)))
		return;
	js = json_object_get(body, "state");
	jb = json_object_get(body, "by");
	if (!json_is_string(js) || !alerts_one_of(json_string_value(js), alerts_states)) {
		resp_error(rs, 400, "state", "expected new, acknowledged, invalid or fixed");
		goto out;
	}
	if (!json_is_string(jb) || !parse_name_ok(json_string_value(jb), STORE_NAME_MAX - 1)) {
		resp_error(rs, 400, "by", "expected who triages: " NAME_RULE, STORE_NAME_MAX - 1);
		goto out;
	}
	req_write_begin(rq);
	ret = store_alert_triage(rq->st, id, json_string_value(js), json_string_value(jb));
	req_write_end(rq);
	if (!ret)
		ret = store_alert_get(rq->st, id, &a);
	if (ret) {
		store_failed(rq, rs, ret, "alert");
		goto out;
	}
	log_info("alert %llu %s by %s", (unsigned long long)id, a.state, a.state_by);
	jw_init(&jw, &rs->body);
	jw_obj_begin(&jw, NULL);
	alerts_json(&a, &jw, "alert");
	jw_obj_end(&jw);
out:
	json_decref(body);
}

struct atom_ctx {
	struct strbuf *out;
	const char *base;
};

static int atom_cb(void *ctx, const struct store_alert *a)
{
	struct atom_ctx *c = ctx;

	alerts_atom_entry(c->out, a, c->base);
	return 0;
}

/* GET /alerts.atom: the newest regressions */
static void api_alerts_atom(struct req *rq, struct resp *rs)
{
	struct strbuf base = STRBUF_INIT;
	struct atom_ctx c = { &rs->body, NULL };
	int ret;

	/* --public-url, not the request's Host header: a client does not choose the feed's links */
	strbuf_addstr(&base, app_of(rq)->public_url ? app_of(rq)->public_url : "http://localhost");
	c.base = base.buf;
	rs->content_type = "application/atom+xml; charset=utf-8";
	alerts_atom_begin(&rs->body, base.buf);
	ret = store_alert_list(rq->st, &(struct store_alert_filter){ .kind = "regression" }, 200,
			       atom_cb, &c);
	if (ret)
		store_failed(rq, rs, ret, "alerts");
	else
		alerts_atom_end(&rs->body);
	strbuf_release(&base);
}

static int delivery_cb(void *ctx, const struct store_delivery_attempt *a)
{
	struct jw *jw = ctx;

	jw_obj_begin(jw, NULL);
	jw_i64(jw, "delivery", a->delivery_id);
	jw_str(jw, "channel", a->channel);
	jw_str(jw, "target", a->target);
	jw_str(jw, "state", a->state);
	jw_u64(jw, "attempts", a->attempts);
	if (a->tried) {
		jw_i64(jw, "at", a->at);
		jw_bool(jw, "ok", a->ok);
		jw_str(jw, "detail", a->detail);
	}
	jw_obj_end(jw);
	return 0;
}

/* GET /api/v1/deliveries?host=&kernel=: the delivery log of a host's kernel */
static void api_deliveries(struct req *rq, struct resp *rs)
{
	const char *host = req_query(rq, "host"), *kernel = req_query(rq, "kernel");
	struct jw jw;
	int ret;

	if (!host || !kernel) {
		resp_error(rs, 400, host ? "kernel" : "host", "missing: ?host=NAME&kernel=KERNEL");
		return;
	}
	jw_init(&jw, &rs->body);
	jw_obj_begin(&jw, NULL);
	jw_arr_begin(&jw, "attempts");
	ret = store_delivery_log(rq->st, host, kernel, delivery_cb, &jw);
	if (ret) {
		store_failed(rq, rs, ret, "deliveries");
		return;
	}
	jw_arr_end(&jw);
	jw_obj_end(&jw);
}

/*
 * GET /api/v1/changepoints?host=&workload=&layout=: E-divisive along the
 * host's kernels, from the same trend the host's page draws (daemon/trend.c)
 */
static void api_changepoints(struct req *rq, struct resp *rs)
{
	const char *host = req_query(rq, "host"), *wl = req_query(rq, "workload");
	const char *layout = req_query(rq, "layout");
	const struct trend_case *tc;
	const struct trend *t = NULL;
	struct store_host h;
	struct jw jw;
	size_t i;
	int ret;

	if (!host || !wl || !layout) {
		resp_error(rs, 400, !host ? "host" : !wl ? "workload" : "layout",
			   "missing: ?host=NAME&workload=NAME&layout=order-0");
		return;
	}
	if (!req_store(rq, rs))
		return;
	ret = store_host_find(rq->st, host, &h);
	if (ret) {
		store_failed(rq, rs, ret, "host");
		return;
	}
	/* computed once per upload, by whoever asks first or in the background, holding no connection */
	ret = trend_cache_get(app_of(rq)->trends, rq, rs, h.id, &t);
	if (ret && !rq->st) {
		if (ret != -EBUSY) /* else rs says the database is unavailable */
			resp_error(rs, 500, NULL, "out of memory");
		return;
	}
	if (ret) {
		store_failed(rq, rs, ret, "host");
		return;
	}
	tc = trend_case_find(t, wl, layout);
	jw_init(&jw, &rs->body);
	jw_obj_begin(&jw, NULL);
	jw_str(&jw, "host", h.name);
	jw_str(&jw, "workload", wl);
	jw_str(&jw, "layout", layout);
	jw_arr_begin(&jw, "kernels");
	for (i = 0; tc && i < t->nkernels; i++) {
		if (!tc->runs[i])
			continue; /* no verified upload of this case on it */
		jw_obj_begin(&jw, NULL);
		jw_str(&jw, "kernel", t->kernel[i]);
		jw_double(&jw, "mean_ns", tc->mean[i]);
		jw_double(&jw, "stdev_ns", tc->sd[i]);
		jw_u64(&jw, "runs", tc->runs[i]);
		jw_obj_end(&jw);
	}
	jw_arr_end(&jw);
	jw_arr_begin(&jw, "change_points");
	for (i = 0; tc && i < (size_t)tc->ncp; i++) {
		const struct cp_point *p = &tc->cp[i];
		size_t before = p->index;

		/* the kernel before it with values: the one the step is from */
		while (before > 0 && !tc->runs[--before])
			;
		jw_obj_begin(&jw, NULL);
		jw_str(&jw, "before_kernel", t->kernel[before]);
		jw_str(&jw, "kernel", t->kernel[p->index]);
		jw_double(&jw, "mean_before_ns", p->before);
		jw_double(&jw, "mean_after_ns", p->after);
		jw_double(&jw, "change_pct", 100 * (p->after - p->before) / p->before);
		jw_double(&jw, "p", p->p);
		jw_obj_end(&jw);
	}
	jw_arr_end(&jw);
	jw_obj_end(&jw);
	trend_cache_put(app_of(rq)->trends, t);
}

/*
 * POST /api/v1/calibrations: a forkwatch-calibration/1 profile (lib/calib.h)
 * from the host of the token, validated whole and stored as it came,
 * idempotent on calibration_uuid (201 stored, 200 already there).
 */
static void api_calibrations_create(struct req *rq, struct resp *rs)
{
	struct strbuf field = STRBUF_INIT, err = STRBUF_INIT, doc = STRBUF_INIT;
	struct calib_profile *p = NULL;
	struct store_host h;
	struct jw jw;
	bool existed;
	int ret;

	if (!upload_host(rq, rs, &h))
		return;
	p = malloc(sizeof(*p));
	if (!p) {
		resp_error(rs, 503, NULL, "out of memory: retry later");
		return;
	}
	ret = calib_profile_parse(p, rq->body, rq->body_len, &field, &err);
	if (ret == -ENOMEM) {
		resp_error(rs, 503, NULL, "out of memory: retry later");
		goto out;
	}
	if (ret) {
		resp_error(rs, ret == -E2BIG ? 413 : 400, field.len ? field.buf : NULL,
			   "not a calibration profile: %s", err.buf);
		goto out;
	}
	if (strcmp(p->hostname, h.hostname)) {
		resp_error(rs, 403, "host.hostname", "'%s' is not the machine this token belongs to ('%s')",
			   p->hostname, h.hostname);
		goto out;
	}
	strbuf_add(&doc, rq->body, rq->body_len);
	req_write_begin(rq);
	ret = store_calibration_put(rq->st, h.id, p->uuid, p->finished_at, p->release, p->commit, doc.buf,
				    &existed);
	req_write_end(rq);
	if (ret == -EEXIST) {
		resp_error(rs, 409, "calibration_uuid", "calibration %s belongs to another host", p->uuid);
		goto out;
	}
	if (ret) {
		store_failed(rq, rs, ret, "calibration");
		goto out;
	}
	if (!existed)
		log_info("calibration %s from '%s' on %s stored", p->uuid, h.name, p->release);
	rs->status = existed ? 200 : 201;
	jw_init(&jw, &rs->body);
	jw_obj_begin(&jw, NULL);
	jw_str(&jw, "calibration_uuid", p->uuid);
	jw_str(&jw, "host", h.name);
	jw_bool(&jw, "created", !existed);
	jw_obj_end(&jw);
out:
	free(p);
	strbuf_release(&field);
	strbuf_release(&err);
	strbuf_release(&doc);
}

/* GET /api/v1/calibrations?host=NAME: the host's latest profile, as uploaded */
static void api_calibration_get(struct req *rq, struct resp *rs)
{
	const char *host = req_query(rq, "host");
	struct strbuf doc = STRBUF_INIT;
	struct store_host h;
	int64_t received_at = 0;
	struct jw jw;
	int ret;

	if (!host || !*host) {
		resp_error(rs, 400, "host", "missing: ?host=NAME");
		return;
	}
	ret = store_host_find(rq->st, host, &h);
	if (ret) {
		store_failed(rq, rs, ret, "host");
		return;
	}
	ret = store_calibration_latest(rq->st, h.id, &doc, &received_at);
	if (ret == -ENOENT) {
		resp_error(rs, 404, NULL, "host '%s' has no calibration: run 'forkwatch calibrate --server URL' on it",
			   h.name);
		goto out;
	}
	if (ret) {
		store_failed(rq, rs, ret, "calibration");
		goto out;
	}
	jw_init(&jw, &rs->body);
	jw_obj_begin(&jw, NULL);
	jw_str(&jw, "host", h.name);
	jw_time(&jw, "received_at", received_at);
	jw_raw(&jw, "profile", doc.buf); /* validated JSON when stored */
	jw_obj_end(&jw);
out:
	strbuf_release(&doc);
}

const struct route api_routes[] = {
	{ "GET", "/healthz", api_healthz, NULL, ROUTE_BODY_SMALL, ROUTE_LAZY },
	{ "POST", "/api/v1/hosts", api_hosts_create, api_gate_admin, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/api/v1/hosts", api_hosts_list, NULL, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/api/v1/hosts/{}", api_host_get, NULL, ROUTE_BODY_SMALL, 0 },
	{ "POST", "/api/v1/hosts/{}", api_host_update, api_gate_admin, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/api/v1/kernels", api_kernels_list, NULL, ROUTE_BODY_SMALL, 0 },
	{ "POST", "/api/v1/runs", api_runs_create, api_gate_upload, ROUTE_BODY_LARGE, 0 },
	{ "GET", "/api/v1/runs/{}", api_run_get, NULL, ROUTE_BODY_SMALL, 0 },
	{ "POST", "/api/v1/calibrations", api_calibrations_create, api_gate_upload, CALIB_DOC_MAX, 0 },
	{ "GET", "/api/v1/calibrations", api_calibration_get, NULL, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/api/v1/compare", api_compare, NULL, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/compare.txt", api_compare_txt, NULL, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/api/v1/alerts", api_alerts_list, NULL, ROUTE_BODY_SMALL, 0 },
	{ "POST", "/api/v1/alerts/{}", api_alert_triage, api_gate_admin, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/alerts.atom", api_alerts_atom, NULL, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/api/v1/deliveries", api_deliveries, NULL, ROUTE_BODY_SMALL, 0 },
	{ "GET", "/api/v1/changepoints", api_changepoints, NULL, ROUTE_BODY_SMALL, ROUTE_LAZY },
	{ NULL, NULL, NULL, NULL, 0, 0 },
};
