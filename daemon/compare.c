// SPDX-License-Identifier: GPL-2.0
#include "daemon/compare.h"

#include <errno.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "lib/cmp.h"
#include "lib/plan.h"
#include "lib/nest.h"
#include "lib/stats.h"

void compare_config_defaults(struct compare_config *cfg)
{
	cfg->alpha = 0.01;
	cfg->budget_order0 = 1.0;
	cfg->budget_other = 2.0;
	cfg->confidence = 0.95;
}

double compare_budget(const struct compare_config *cfg, int order, const char *layout)
{
	return order == 0 && strcmp(layout, "pmd") ? cfg->budget_order0 : cfg->budget_other;
}

/* Words for metrics in reports ("+18% dTLB misses per WORKLOAD", the row's workload). */
static const struct {
	const char *metric, *words;
} metric_words[] = {
	{ "ns", "time" },
	{ "cycles", "cycles" },
	{ "instructions", "instructions" },
	{ "dtlb_misses", "dTLB misses" },
	{ "cache_misses", "cache misses" },
	{ "tlb_flushes", "TLB flushes" },
	{ "page_faults", "page faults" },
	{ "task_clock_ns", "task clock" },
};

const char *compare_vm_note(const char *vm_accel)
{
	if (!strcmp(vm_accel, "tcg"))
		return "VM results under TCG (emulation): only ratios and counts are meaningful, never absolute times";
	if (!strcmp(vm_accel, "kvm"))
		return "VM results under KVM";
	return NULL;
}

const char *compare_metric_words(const char *metric)
{
	size_t i;

	for (i = 0; i < sizeof(metric_words) / sizeof(metric_words[0]); i++)
		if (!strcmp(metric_words[i].metric, metric))
			return metric_words[i].words;
	return metric;
}

struct collect {
	struct compare_result *res;
	bool head;
	int err;
};

static struct compare_row *row_for(struct compare_result *res, const struct store_series *s,
				   bool create)
{
	int i;

	for (i = 0; i < res->nrows; i++) {
		struct compare_row *r = &res->rows[i];

		if (!strcmp(r->workload, s->workload) && !strcmp(r->layout, s->layout) &&
		    !strcmp(r->metric, s->metric))
			return r;
	}
	if (!create)
		return NULL;
	if (array_reserve((void **)&res->rows, &res->arows, (size_t)res->nrows, sizeof(*res->rows)))
		return NULL;
	memset(&res->rows[res->nrows], 0, sizeof(res->rows[0]));
	snprintf(res->rows[res->nrows].workload, sizeof(res->rows[0].workload), "%s", s->workload);
	snprintf(res->rows[res->nrows].layout, sizeof(res->rows[0].layout), "%s", s->layout);
	snprintf(res->rows[res->nrows].metric, sizeof(res->rows[0].metric), "%s", s->metric);
	res->rows[res->nrows].order = s->order;
	res->rows[res->nrows].supported = true;
	return &res->rows[res->nrows++];
}

static int collect_cb(void *ctx, const struct store_series *s)
{
	struct collect *c = ctx;
	/* the head decides the rows; the base fills in what the head has */
	struct compare_row *r = row_for(c->res, s, c->head);
	unsigned i, u, *n, *up;
	double *v;

	if (!r)
		return c->head ? -ENOMEM : 0; /* the base's extra rows are not compared */
	if (!s->supported) {
		r->supported = false;
		if (!r->reason[0])
			snprintf(r->reason, sizeof(r->reason), "%s", s->reason);
		return 0;
	}
	n = c->head ? &r->nh : &r->nb;
	v = c->head ? r->head : r->base;
	up = c->head ? r->head_upload : r->base_upload;
	/* an upload names a case and metric once: each call is the row's next upload (its boot in a VM) */
	u = c->head ? r->uploads_h++ : r->uploads_b++;
	if (!s->layout_ok) {
		r->skipped_runs += s->nrun_means;
		return 0;
	}
	/* the head's uploads come oldest first: the last one's iterations are the newest's */
	if (c->head)
		r->iterations = s->iterations;
	else if (s->iterations != r->iterations) {
		r->skipped_iterations_b += s->nrun_means;
		r->other_iterations_b = s->iterations;
		return 0;
	}
	for (i = 0; i < s->nrun_means && *n < COMPARE_MAX_RUNS; i++)
		if (isfinite(s->run_means[i])) {
			if (c->head)
				r->head_iters[*n] = s->iterations;
			up[*n] = u;
			v[(*n)++] = s->run_means[i];
		}
	return 0;
}

/* After the head's walk: only its runs of the newest upload's iterations per run stay. */
static void keep_newest_iterations(struct compare_result *res)
{
	int i;

	for (i = 0; i < res->nrows; i++) {
		struct compare_row *r = &res->rows[i];
		unsigned k, n = 0;

		for (k = 0; k < r->nh; k++) {
			if (r->head_iters[k] != r->iterations) {
				r->skipped_iterations_h++;
				r->other_iterations_h = r->head_iters[k];
				continue;
			}
			r->head[n] = r->head[k];
			r->head_upload[n] = r->head_upload[k];
			r->head_iters[n++] = r->head_iters[k];
		}
		r->nh = n;
	}
}

static const char *verdict_name(const struct compare_row *r)
{
	return r->missing ? "missing" : !r->supported ? "unsupported" : cmp_verdict_name(r->verdict);
}

/* The verdict in a sentence's words, for the mailing-list text. */
static const char *verdict_words(const struct compare_row *r)
{
	if (!r->missing && r->supported && r->verdict == CMP_SIGNIFICANT)
		return r->delta_pct < 0 ? "significantly faster, size uncertain" :
					  "significantly slower, size uncertain";
	if (!r->missing && r->supported && r->verdict == CMP_INCONCLUSIVE)
		return "inconclusive (no evidence either way)";
	return verdict_name(r);
}

static bool session_unknown(const struct compare_result *res, const struct compare_row *r)
{
	return !res->by_boot && r->supported && !r->missing && !r->session_model && r->nb && r->nh;
}

static unsigned uploads_of(const struct compare_uploads *u, const char *placement);

unsigned compare_head_uploads(const struct compare_result *res)
{
	return uploads_of(&res->head_uploads, res->placement);
}

static bool level_known(const struct compare_result *res, const struct compare_row *r)
{
	(void)res;
	return r->session_model;
}

/* whether any time row ("ns") of res is one pred holds for */
static bool any_time_row(const struct compare_result *res,
			 bool (*pred)(const struct compare_result *, const struct compare_row *))
{
	int i;

	for (i = 0; i < res->nrows; i++)
		if (!strcmp(res->rows[i].metric, "ns") && pred(res, &res->rows[i]))
			return true;
	return false;
}

bool compare_level_known(const struct compare_result *res)
{
	return any_time_row(res, level_known);
}

bool compare_session_unknown(const struct compare_result *res)
{
	return any_time_row(res, session_unknown);
}

/* whether a row's verdict asks for more runs (runs_needed is then set) */
static bool wants_runs(const struct compare_row *r)
{
	return (r->verdict == CMP_INCONCLUSIVE || r->verdict == CMP_SIGNIFICANT) && r->runs_needed;
}

/*
 * "has enough runs to decide": the width of the interval against half the
 * budget, for the time per operation only (what runs are added for; a few
 * t quantiles a row, which every page of comparisons would pay for each
 * counter too)
 */
static void width_check(struct compare_row *r)
{
	struct plan_stop_params p = PLAN_STOP_INIT;
	struct plan_stop s;

	r->width_pct = r->width_target_pct = NAN;
	if (!(r->threshold > 0) || strcmp(r->metric, "ns"))
		return;
	p.budget_pct = r->threshold;
	if (plan_stop(r->head, r->nh, r->base, r->nb, &p, &s))
		return;
	r->width_pct = s.half_width_pct;
	r->width_target_pct = s.target_pct;
	r->enough_runs = s.stop && s.reason == PLAN_PRECISE;
	r->more_runs = (unsigned)s.runs_more;
	/* plan_stop() stops counting at its cap: "that many or more" */
	if (r->nh + s.runs_more >= p.max_runs)
		r->more_runs = p.max_runs; /* COMPARE_WANTS_MANY */
}

/*
 * The verdict on the boot means (a VM's host): fills cr, the boots and
 * the boot shares; nonzero when there is no comparison.
 */
static int row_by_boot(struct compare_row *r, const struct cmp_params *p, struct cmp_result *cr)
{
	struct nest_result *nr = malloc(sizeof(*nr));
	int ret;

	if (!nr)
		return -ENOMEM;
	ret = nest_compare(r->base, r->base_upload, r->nb, r->head, r->head_upload, r->nh, p, nr);
	if (!ret) {
		*cr = nr->cmp;
		r->boots_b = (unsigned)nr->nb;
		r->boots_h = (unsigned)nr->nh;
		r->boot_share_b = nr->base.icc;
		r->boot_share_h = nr->head.icc;
	}
	free(nr);
	return ret;
}

/*
 * The verdict on runs grouped by upload, with the host's session level
 * (nest_compare_prior()): fills cr and the row's session figures, and
 * its precision from the interval itself (plan_stop() knows runs only).
 */
static int row_by_session(struct compare_row *r, const struct cmp_params *p, const struct nest_prior *pr,
			  struct cmp_result *cr)
{
	const struct plan_stop_params plan = PLAN_STOP_INIT;
	struct nest_prior_result nr;
	int ret = nest_compare_prior(r->base, r->base_upload, r->nb, r->head, r->head_upload, r->nh, p, pr,
				     &nr);

	if (ret)
		return ret;
	*cr = nr.cmp;
	r->session_model = true;
	r->sessions_b = (unsigned)nr.sessions_base;
	r->sessions_h = (unsigned)nr.sessions_head;
	r->head_sessions_needed = nr.head_sessions_needed > UINT_MAX ? UINT_MAX : (unsigned)nr.head_sessions_needed;
	r->session_share = nr.session_share;
	r->session_floor_pct = nr.floor_pct;
	if (strcmp(r->metric, "ns") || !(r->threshold > 0))
		return 0;
	/* as plan_stop(): the half-width against half the budget (width_frac), on the log scale */
	r->width_target_pct = 100 * expm1(log1p(plan.width_frac * r->threshold / 100));
	if (isfinite(cr->ci_lo_pct) && isfinite(cr->ci_hi_pct))
		r->width_pct = 100 * expm1((log1p(cr->ci_hi_pct / 100) - log1p(cr->ci_lo_pct / 100)) / 2);
	r->enough_runs = isfinite(r->width_pct) && r->width_pct <= r->width_target_pct;
	if (r->enough_runs || (cr->verdict != CMP_INCONCLUSIVE && cr->verdict != CMP_SIGNIFICANT))
		return 0;
	/*
	 * More uploads of the head only help while the base's own uploads do
	 * not limit the comparison, and while they fit in what a comparison
	 * reads: otherwise this host cannot decide the case (and an agent
	 * asking for more would benchmark it on every boot for nothing).
	 */
	if (nr.base_limits || r->head_sessions_needed > STORE_COMPARE_UPLOADS) {
		r->cannot_decide = true;
		return 0;
	}
	r->more_runs = cr->runs_needed > r->nh ? (unsigned)(cr->runs_needed - r->nh) : 1;
	return 0;
}

static void row_stats(struct compare_row *r, const struct compare_config *cfg, bool by_boot,
		      const struct nest_prior *prior)
{
	struct cmp_params p = CMP_PARAMS_INIT;
	struct cmp_result cr;
	struct stats_summary sb, sh;
	bool by_session = !by_boot && prior && isfinite(prior->var) && prior->df > 0;

	r->base_mean = r->head_mean = r->delta_pct = r->ci_lo = r->ci_hi = NAN;
	r->base_sd_pct = r->head_sd_pct = r->p_welch = r->p_mw = NAN;
	r->width_pct = r->width_target_pct = NAN;
	r->boot_share_b = r->boot_share_h = NAN;
	r->session_share = r->session_floor_pct = NAN;
	r->verdict = CMP_INCONCLUSIVE;
	r->threshold = compare_budget(cfg, r->order, r->layout);
	if (!r->supported)
		return;
	if (!r->nb) {
		r->missing = true;
		if (r->skipped_iterations_b)
			snprintf(r->reason, sizeof(r->reason), "the base kernel's runs of it have %u iterations a "
				 "run, these %u: a run's mean depends on its iterations, so they are not compared "
				 "(run one with as many)", r->other_iterations_b, r->iterations);
		else
			snprintf(r->reason, sizeof(r->reason), "no verified runs of it on the base kernel");
		return;
	}
	stats_summarize(r->base, r->nb, &sb);
	stats_summarize(r->head, r->nh, &sh);
	r->base_mean = sb.mean;
	r->head_mean = sh.mean;
	if (sb.mean != 0) {
		r->base_sd_pct = 100 * sb.stdev / sb.mean;
		r->head_sd_pct = 100 * sh.stdev / sb.mean;
	}
	p.threshold_pct = r->threshold;
	p.alpha = cfg->alpha;
	p.level = cfg->confidence;
	if (by_boot ? row_by_boot(r, &p, &cr) :
	    by_session ? row_by_session(r, &p, prior, &cr) : cmp_compare(r->base, r->nb, r->head, r->nh, &p, &cr))
		return;
	r->delta_pct = cr.change_pct;
	r->ci_lo = cr.ci_lo_pct;
	r->ci_hi = cr.ci_hi_pct;
	r->p_welch = cr.welch.p;
	r->p_mw = cr.mw.p;
	r->verdict = cr.verdict;
	r->runs_needed = (unsigned)cr.runs_needed;
	if (!by_boot && !by_session) /* the runs-per-side projection holds for independent runs only */
		width_check(r);
}

/* ---- the session level of every case of a host (its page) ---- */

static bool same_key(const struct store_session_point *a, const struct store_session_point *b)
{
	return a->iterations == b->iterations && !strcmp(a->workload, b->workload) &&
	       !strcmp(a->layout, b->layout) && !strcmp(a->metric, b->metric);
}

struct level_walk {
	compare_level_cb cb;
	void *ctx;
	struct store_session_point key;
	bool have_key;
	struct nest_pool pool;
	unsigned n[STORE_COMPARE_UPLOADS];
	double mean[STORE_COMPARE_UPLOADS], sd[STORE_COMPARE_UPLOADS];
	size_t k;
	int err;
};

static void level_flush_kernel(struct level_walk *w)
{
	if (w->k)
		nest_pool_add(&w->pool, w->n, w->mean, w->sd, w->k);
	w->k = 0;
}

static int level_emit(struct level_walk *w)
{
	struct nest_prior pr;

	level_flush_kernel(w);
	if (!w->have_key)
		return 0;
	nest_pool_prior(&w->pool, &pr);
	memset(&w->pool, 0, sizeof(w->pool));
	if (!isfinite(pr.var))
		return 0;
	return w->cb(w->ctx, w->key.workload, w->key.layout, w->key.metric, w->key.iterations, &pr);
}

static int level_cb(void *ctx, const struct store_session_point *p)
{
	struct level_walk *w = ctx;
	int ret;

	if (!w->have_key || !same_key(&w->key, p)) {
		ret = level_emit(w);
		if (ret)
			return ret;
		w->key = *p;
		w->have_key = true;
	} else if (w->key.kernel_id != p->kernel_id) {
		level_flush_kernel(w);
		w->key.kernel_id = p->kernel_id;
	}
	if (w->k == STORE_COMPARE_UPLOADS)
		return 0;
	w->n[w->k] = p->n;
	w->mean[w->k] = p->mean;
	w->sd[w->k++] = p->stdev;
	return 0;
}

int compare_session_levels(struct store *st, int64_t host_id, const char *placement, compare_level_cb cb,
			   void *ctx)
{
	struct level_walk w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.cb = cb;
	w.ctx = ctx;
	ret = store_host_sessions(st, host_id, placement, level_cb, &w);
	if (!ret)
		ret = level_emit(&w);
	return ret;
}

/* ---- each row's session level: compare_session_levels() matched to the rows ---- */

struct row_levels {
	const struct compare_result *res;
	struct nest_prior *priors;	/* one a row */
};

static int row_level_cb(void *ctx, const char *workload, const char *layout, const char *metric,
			unsigned iterations, const struct nest_prior *level)
{
	struct row_levels *l = ctx;
	int i;

	for (i = 0; i < l->res->nrows; i++) {
		const struct compare_row *r = &l->res->rows[i];

		if (r->iterations == iterations && !strcmp(r->workload, workload) &&
		    !strcmp(r->layout, layout) && !strcmp(r->metric, metric)) {
			l->priors[i] = *level;
			break;
		}
	}
	return 0;
}

/* Each row's session level into priors[] (var NAN: unknown). */
static int session_levels(struct store *st, int64_t host_id, const struct compare_result *res,
			  struct nest_prior *priors)
{
	struct row_levels l = { res, priors };
	int i;

	for (i = 0; i < res->nrows; i++)
		priors[i].var = priors[i].df = priors[i].den = NAN;
	return compare_session_levels(st, host_id, res->placement, row_level_cb, &l);
}

struct noise_walk {
	struct compare_noise *n;
	const char *placement;  /* NULL: any */
};

/*
 * Collects the noise of the uploads compared: the newest
 * STORE_COMPARE_UPLOADS of the placement, as the series.
 */
static int noise_cb(void *ctx, const struct store_run *r)
{
	struct noise_walk *w = ctx;
	struct compare_noise *n = w->n;
	const char *p = r->noise;

	if (n->uploads == STORE_COMPARE_UPLOADS || (w->placement && strcmp(r->placement, w->placement)))
		return 0;
	n->uploads++;
	if (!r->noise_known) {
		n->unknown++;
		return 0;
	}
	if (!*p)
		return 0;
	n->noisy++;
	while (*p) {
		size_t len = strcspn(p, " "), have = strlen(n->names);
		const char *q = n->names;
		bool seen = false;

		while (*q && !seen) {
			size_t ql = strcspn(q, " ");

			seen = ql == len && !strncmp(q, p, len);
			q += ql + (q[ql] == ' ');
		}
		if (!seen && len && have + len + 2 < sizeof(n->names))
			snprintf(n->names + have, sizeof(n->names) - have, "%s%.*s", have ? " " : "",
				 (int)len, p);
		p += len + (p[len] == ' ');
	}
	return 0;
}

int compare_noise_of(struct store *st, int64_t host_id, const char *kernel, const char *placement,
		     struct compare_noise *n)
{
	struct noise_walk w = { n, placement };

	memset(n, 0, sizeof(*n));
	return store_host_kernel_runs(st, host_id, kernel, noise_cb, &w);
}

const char *const compare_placement_names[COMPARE_PLACEMENTS] = { "same", "split", "free" };

void compare_placement_words(const char *placement, int parent_cpu, int child_cpu,
			     struct strbuf *out)
{
	if (!strcmp(placement, "same") && parent_cpu >= 0)
		strbuf_addf(out, "same (parent and child on CPU %d)", parent_cpu);
	else if (!strcmp(placement, "split") && parent_cpu >= 0)
		strbuf_addf(out, "split (parent on CPU %d, child on CPU %d)", parent_cpu, child_cpu);
	else if (!strcmp(placement, "free"))
		strbuf_addstr(out, "free (the scheduler decides)");
	else
		strbuf_addstr(out, placement);
}

/* The newest upload's placement (the first run handed: newest first), and the count of each. */
struct placement_walk {
	struct compare_uploads *u;
	char *newest;           /* [8]; NULL: do not note */
	int *parent_cpu, *child_cpu;
	int64_t *newest_run;
};

static int placement_cb(void *ctx, const struct store_run *r)
{
	struct placement_walk *w = ctx;
	int i;

	if (w->newest && !w->newest[0]) {
		snprintf(w->newest, 8, "%s", r->placement);
		*w->parent_cpu = r->parent_cpu;
		*w->child_cpu = r->child_cpu;
		*w->newest_run = r->id;
	}
	for (i = 0; i < COMPARE_PLACEMENTS; i++)
		if (!strcmp(r->placement, compare_placement_names[i]))
			w->u->by_placement[i]++;
	return 0;
}

static unsigned uploads_of(const struct compare_uploads *u, const char *placement)
{
	int i;

	for (i = 0; i < COMPARE_PLACEMENTS; i++)
		if (!strcmp(placement, compare_placement_names[i]))
			return u->by_placement[i];
	return 0;
}

/* "free: 3 uploads, split: 1 upload" of the placements other than res's; "" when none */
static void others(const struct compare_result *res, const struct compare_uploads *u,
		   struct strbuf *out)
{
	int i;

	for (i = 0; i < COMPARE_PLACEMENTS; i++) {
		if (!u->by_placement[i] || !strcmp(compare_placement_names[i], res->placement))
			continue;
		strbuf_addf(out, "%s%s: %u upload%s", out->len ? ", " : "", compare_placement_names[i],
			    u->by_placement[i], u->by_placement[i] == 1 ? "" : "s");
	}
}

/* "; left out: 16 runs of fork order-0 with 20 iterations a run (compared: 100), ..." */
static void iterations_note(const struct compare_result *res, struct strbuf *out)
{
	bool any = false;
	int i, side;

	for (i = 0; i < res->nrows; i++) {
		const struct compare_row *r = &res->rows[i];

		for (side = 0; side < 2 && !strcmp(r->metric, "ns"); side++) {
			unsigned n = side ? r->skipped_iterations_h : r->skipped_iterations_b;

			if (!n)
				continue;
			strbuf_addf(out, "%s %u %s run%s of %s %s with %u iterations a run (compared: %u)",
				    any ? "," : "; left out, as a run's mean depends on its iterations:", n,
				    side ? "after-change" : "baseline", n == 1 ? "" : "s", r->workload, r->layout,
				    side ? r->other_iterations_h : r->other_iterations_b, r->iterations);
			any = true;
		}
	}
}

void compare_placement_note(const struct compare_result *res, struct strbuf *out)
{
	struct strbuf b = STRBUF_INIT, h = STRBUF_INIT;

	strbuf_addstr(out, "placement ");
	compare_placement_words(res->placement, res->parent_cpu, res->child_cpu, out);
	strbuf_addstr(out, ": only runs made with it are compared");
	others(res, &res->base_uploads, &b);
	others(res, &res->head_uploads, &h);
	if (res->base_lacks_placement)
		strbuf_addf(out, "; the baseline %s has no runs with placement %s (it has %s): nothing "
			    "to compare; run it with --placement %s, or compare against another base",
			    res->base, res->placement, b.len ? b.buf : "none", res->placement);
	else if (b.len)
		strbuf_addf(out, "; left out of the baseline: %s", b.buf);
	if (h.len)
		strbuf_addf(out, "; left out of the after-change: %s", h.buf);
	iterations_note(res, out);
	strbuf_release(&b);
	strbuf_release(&h);
}

static void noise_side(struct strbuf *out, const char *side, const struct compare_noise *n)
{
	const char *p;

	strbuf_addf(out, "%s: %u of %u upload%s with ", side, n->noisy, n->uploads,
		    n->uploads == 1 ? "" : "s");
	for (p = n->names; *p; p++)
		if (*p == ' ')
			strbuf_addstr(out, ", ");
		else
			strbuf_addch(out, *p);
	strbuf_addstr(out, " active");
}

bool compare_noise_words(const struct compare_result *res, struct strbuf *out)
{
	if (!res->base_noise.noisy && !res->head_noise.noisy)
		return false;
	if (res->base_noise.noisy)
		noise_side(out, "baseline", &res->base_noise);
	if (res->base_noise.noisy && res->head_noise.noisy)
		strbuf_addstr(out, "; ");
	if (res->head_noise.noisy)
		noise_side(out, "after-change", &res->head_noise);
	return true;
}

struct by_release {
	const char *release;
	unsigned n;
	char ident[DOC_IDENT_MAX];
	struct strbuf *names;
};

static int release_cb(void *ctx, const struct store_kernel *k)
{
	struct by_release *b = ctx;

	if (strcmp(k->release, b->release))
		return 0;
	if (b->n++)
		strbuf_addstr(b->names, ", ");
	strbuf_addstr(b->names, k->ident);
	snprintf(b->ident, sizeof(b->ident), "%s", k->ident);
	return 0;
}

/*
 * The kernel that name means on host h: its ident as stored, else the one
 * kernel of h whose release it is.  0 with *k filled, -ENOENT or -EINVAL
 * with err set, or a store error.
 */
static int kernel_resolve(struct store *st, const struct store_host *h, const char *name,
			  struct store_kernel *k, struct strbuf *err)
{
	struct strbuf names = STRBUF_INIT;
	struct by_release b = { name, 0, "", &names };
	int ret = store_kernel_get(st, name, k);

	if (ret != -ENOENT)
		return ret;
	ret = store_host_kernels(st, h->id, release_cb, &b);
	if (!ret && b.n == 1)
		ret = store_kernel_get(st, b.ident, k);
	else if (!ret && b.n > 1) {
		strbuf_addf(err, "'%s' is the release of %u kernels host '%s' ran: name one of %s",
			    name, b.n, h->name, names.buf);
		ret = -EINVAL;
	} else if (!ret) {
		strbuf_addf(err, "no kernel '%s' on host '%s' (a commit, release:RELEASE or the "
			    "release of one kernel it ran)", name, h->name);
		ret = -ENOENT;
	}
	strbuf_release(&names);
	return ret;
}

/*
 * The baseline of kernel k on host h: the parent commit h gave, when h ran it, else
 * h's pinned baseline, else the kernel h ran before.  0, -ENOENT (none) or
 * a store error.
 */
static int base_pick(struct store *st, const struct store_host *h, const struct store_kernel *k,
		     char *base, size_t len, const char **why)
{
	char release[DOC_NAME_MAX], parent[DOC_SHA_MAX] = "";
	bool has = false;
	int ret;

	/*
	 * the parent commit this host gave, when it ran it: another host's
	 * claim of the head's parent never chooses this host's baseline
	 */
	if (store_host_kernel_facts(st, h->id, k->ident, release, sizeof(release), parent,
				    sizeof(parent)))
		parent[0] = '\0';
	if (parent[0] && !store_host_has_complete_run(st, h->id, parent, &has) && has) {
		snprintf(base, len, "%s", parent);
		*why = "parent commit";
		return 0;
	}
	if (!store_host_pinned_baseline(st, h->id, base, len) && strcmp(base, k->ident)) {
		*why = "pinned baseline";
		return 0;
	}
	ret = store_host_previous_kernel(st, h->id, k->ident, base, len);
	if (!ret)
		*why = "previous kernel";
	return ret;
}

int compare_has_base(struct store *st, const char *host, const char *head, bool *has)
{
	struct store_host h;
	struct store_kernel k;
	char base[DOC_IDENT_MAX];
	const char *why;
	int ret;

	*has = false;
	ret = store_host_find(st, host, &h);
	if (!ret)
		ret = store_kernel_get(st, head, &k);
	if (!ret)
		ret = base_pick(st, &h, &k, base, sizeof(base), &why);
	if (ret == -ENOENT)
		return 0;
	*has = !ret;
	return ret;
}

int compare_own(struct store *st, const char *host, const char *head, struct compare_result *res,
		struct strbuf *err)
{
	struct store_host h;
	struct store_kernel k;
	struct collect c = { res, true, 0 };
	struct placement_walk pw;
	int ret, i;

	memset(res, 0, sizeof(*res));
	ret = store_host_find(st, host, &h);
	if (ret) {
		if (ret == -ENOENT)
			strbuf_addf(err, "no host named '%s'", host);
		return ret;
	}
	snprintf(res->host, sizeof(res->host), "%s", h.name);
	ret = kernel_resolve(st, &h, head, &k, err);
	if (ret)
		return ret;
	snprintf(res->head, sizeof(res->head), "%s", k.ident);
	/* the placement of the head's newest upload, and only its runs, as compare_build() */
	pw = (struct placement_walk){ &res->head_uploads, res->placement, &res->parent_cpu,
				      &res->child_cpu, &res->head_newest_run };
	ret = store_host_kernel_runs(st, h.id, res->head, placement_cb, &pw);
	if (!ret && !res->placement[0])
		snprintf(res->placement, sizeof(res->placement), "free");
	if (!ret)
		ret = store_host_kernel_series(st, h.id, res->head, res->placement, collect_cb, &c);
	if (!ret)
		keep_newest_iterations(res);
	if (!ret && !res->nrows) {
		strbuf_addf(err, "host '%s' has no results for kernel '%s'", host, res->head);
		ret = -ENOENT;
	}
	if (!ret)
		ret = compare_noise_of(st, h.id, res->head, res->placement, &res->head_noise);
	if (ret) {
		compare_result_release(res);
		return ret;
	}
	for (i = 0; i < res->nrows; i++) {
		struct compare_row *r = &res->rows[i];
		struct stats_summary sh;

		r->base_mean = r->delta_pct = r->ci_lo = r->ci_hi = NAN;
		r->base_sd_pct = r->p_welch = r->p_mw = NAN;
		r->head_mean = r->head_sd_pct = NAN;
		r->verdict = CMP_INCONCLUSIVE;
		if (!r->supported || !r->nh)
			continue;
		stats_summarize(r->head, r->nh, &sh);
		r->head_mean = sh.mean;
		if (sh.mean != 0 && r->nh > 1)
			r->head_sd_pct = 100 * sh.stdev / sh.mean;
	}
	return 0;
}

int compare_build(struct store *st, const char *host, const char *base, const char *head,
		  const struct compare_config *cfg, struct compare_result *res, struct strbuf *err)
{
	struct store_host h;
	struct store_kernel k;
	struct collect c = { res, true, 0 };
	struct placement_walk pw;
	struct nest_prior *priors;
	int ret, i;

	memset(res, 0, sizeof(*res));
	res->parent_cpu = res->child_cpu = -1;
	ret = store_host_find(st, host, &h);
	if (ret) {
		if (ret == -ENOENT)
			strbuf_addf(err, "no host named '%s'", host);
		return ret;
	}
	snprintf(res->host, sizeof(res->host), "%s", h.name);
	if (store_host_vm_accel(st, h.id, res->vm_accel, sizeof(res->vm_accel)))
		res->vm_accel[0] = '\0';
	res->by_boot = res->vm_accel[0] != '\0';
	ret = kernel_resolve(st, &h, head, &k, err);
	if (ret)
		return ret;
	snprintf(res->head, sizeof(res->head), "%s", k.ident);
	head = res->head;
	res->confidence = cfg->confidence;
	if (base) {
		struct store_kernel bk;

		ret = kernel_resolve(st, &h, base, &bk, err);
		if (ret)
			return ret;
		snprintf(res->base, sizeof(res->base), "%s", bk.ident);
		res->base_why = "requested";
	} else {
		ret = base_pick(st, &h, &k, res->base, sizeof(res->base), &res->base_why);
		if (ret == -ENOENT) {
			/* the normal first state of a machine, not an error of the user's */
			strbuf_addf(err, "'%s' is the first kernel on host '%s': nothing to compare "
				    "yet. Boot another kernel, or pass a base", head, res->host);
			res->no_base = true;
		}
		if (ret)
			return ret;
	}
	if (!strcmp(res->base, res->head)) {
		strbuf_addf(err, "base and head are the same kernel '%s'", head);
		return -EINVAL;
	}
	/* the placement of the head's newest upload; of each side only the uploads made with it */
	pw = (struct placement_walk){ &res->head_uploads, res->placement, &res->parent_cpu,
				      &res->child_cpu, &res->head_newest_run };
	ret = store_host_kernel_runs(st, h.id, head, placement_cb, &pw);
	if (!ret) {
		pw = (struct placement_walk){ &res->base_uploads, NULL, NULL, NULL, NULL };
		ret = store_host_kernel_runs(st, h.id, res->base, placement_cb, &pw);
	}
	if (ret)
		goto fail;
	if (!res->placement[0])
		snprintf(res->placement, sizeof(res->placement), "free");
	res->base_lacks_placement = !uploads_of(&res->base_uploads, res->placement);
	ret = store_host_kernel_series(st, h.id, head, res->placement, collect_cb, &c);
	if (!ret)
		keep_newest_iterations(res);
	if (!ret && !res->nrows) {
		strbuf_addf(err, "host '%s' has no results for kernel '%s'", host, head);
		ret = -ENOENT;
	}
	if (ret)
		goto fail;
	c.head = false;
	ret = store_host_kernel_series(st, h.id, res->base, res->placement, collect_cb, &c);
	if (ret)
		goto fail;
	priors = calloc((size_t)res->nrows + 1, sizeof(*priors));
	if (!priors) {
		ret = -ENOMEM;
		goto fail;
	}
	if (!res->by_boot) {
		ret = session_levels(st, h.id, res, priors);
		if (ret) {
			free(priors);
			goto fail;
		}
	}
	for (i = 0; i < res->nrows; i++) {
		struct compare_row *r = &res->rows[i];

		r->level = (struct nest_prior){ .var = NAN };
		if (!res->by_boot && isfinite(priors[i].var))
			r->level = priors[i];
		row_stats(r, cfg, res->by_boot, res->by_boot ? NULL : &priors[i]);
		if (res->rows[i].missing && res->base_lacks_placement)
			snprintf(res->rows[i].reason, sizeof(res->rows[i].reason),
				 "the base kernel has no runs with placement %s", res->placement);
	}
	free(priors);
	ret = compare_noise_of(st, h.id, res->head, res->placement, &res->head_noise);
	if (!ret)
		ret = compare_noise_of(st, h.id, res->base, res->placement, &res->base_noise);
	if (ret)
		goto fail;
	return 0;
fail:
	compare_result_release(res);
	return ret;
}

void compare_wants(const struct compare_result *res, struct store_wants *w)
{
	struct strbuf cases = STRBUF_INIT;
	bool cannot = false;
	int i;

	memset(w, 0, sizeof(*w));
	w->recorded = w->has_base = true;
	snprintf(w->base, sizeof(w->base), "%s", res->base);
	for (i = 0; i < res->nrows; i++) {
		const struct compare_row *r = &res->rows[i];
		unsigned more;

		if (strcmp(r->metric, "ns") || !r->supported || r->missing)
			continue;
		if (r->cannot_decide) {
			cannot = true;
			continue;
		}
		if (!r->enough_runs && (r->verdict == CMP_INCONCLUSIVE || r->verdict == CMP_SIGNIFICANT))
			more = r->more_runs ? r->more_runs : 1;
		else if (session_unknown(res, r) && r->uploads_h < NEST_PRIOR_MIN_DF + 1)
			more = 1; /* no session level to judge it by: its own uploads give one */
		else
			continue;
		if (more > w->runs)
			w->runs = more;
		strbuf_addf(&cases, "%s%s %s", cases.len ? ", " : "", r->workload, r->layout);
	}
	/*
	 * Nothing wants runs, but cases this host cannot decide: runs 0 (an
	 * agent adds nothing) with those cases named, "cannot decide here".
	 */
	if (!w->runs && cannot)
		for (i = 0; i < res->nrows; i++)
			if (res->rows[i].cannot_decide && !strcmp(res->rows[i].metric, "ns"))
				strbuf_addf(&cases, "%s%s %s", cases.len ? ", " : "", res->rows[i].workload,
					    res->rows[i].layout);
	/* cut at a case's end: a page shows the first cases, the count says the rest */
	if (cases.len >= sizeof(w->cases)) {
		size_t n = sizeof(w->cases) - 1;

		while (n && strncmp(cases.buf + n, ", ", 2))
			n--;
		strbuf_setlen(&cases, n);
	}
	snprintf(w->cases, sizeof(w->cases), "%s", cases.buf);
	strbuf_release(&cases);
}

void compare_wants_words(const struct store_wants *w, struct strbuf *out)
{
	if (!w->recorded)
		return;
	if (!w->has_base)
		strbuf_addstr(out, "no baseline to compare with");
	else if (!w->runs && w->cases[0])
		strbuf_addf(out, "cannot decide with more uploads on this host: %s", w->cases);
	else if (!w->runs)
		strbuf_addstr(out, "has enough runs to decide");
	else
		strbuf_addf(out, "wants %u more run%s: %s", w->runs, w->runs == 1 ? "" : "s", w->cases);
	if (w->recorded && w->has_base && w->runs >= COMPARE_WANTS_MANY)
		strbuf_addstr(out, " (or more: beyond what this machine resolves in runs)");
}

void compare_result_release(struct compare_result *res)
{
	free(res->rows);
	res->rows = NULL;
	res->nrows = res->arows = 0;
}

void compare_query(struct strbuf *out, const char *host, const char *head, const char *base)
{
	strbuf_addstr(out, "host=");
	strbuf_addstr_urlencode(out, host);
	strbuf_addstr(out, "&head=");
	strbuf_addstr_urlencode(out, head);
	if (base) {
		strbuf_addstr(out, "&base=");
		strbuf_addstr_urlencode(out, base);
	}
}

/*
 * One side of a comparison row: its runs, mean, spread and per-run means;
 * by boot also its boots, the boot of each run mean (0 its first upload
 * compared) and the boot-to-boot share of its variance.
 */
static void side_json(struct jw *jw, const char *key, bool by_boot, unsigned n, double mean, double sd_pct,
		      const double *v, const unsigned *upload, unsigned boots, double boot_share)
{
	unsigned k;

	jw_obj_begin(jw, key);
	jw_u64(jw, "n", n);
	jw_double(jw, "mean", mean);
	jw_double(jw, "stdev_pct", sd_pct);
	jw_arr_begin(jw, "run_means");
	for (k = 0; k < n; k++)
		jw_double(jw, NULL, v[k]);
	jw_arr_end(jw);
	if (by_boot) {
		jw_u64(jw, "boots", boots);
		jw_arr_begin(jw, "run_boots");
		for (k = 0; k < n; k++)
			jw_u64(jw, NULL, upload[k]);
		jw_arr_end(jw);
		jw_double(jw, "boot_share", boot_share);
	}
	jw_obj_end(jw);
}

/* A side's noise: {"uploads", "noisy_uploads", "unknown_uploads", "sources": [...]} */
static void noise_json(struct jw *jw, const char *key, const struct compare_noise *n)
{
	const char *p = n->names;

	jw_obj_begin(jw, key);
	jw_u64(jw, "uploads", n->uploads);
	jw_u64(jw, "noisy_uploads", n->noisy);
	jw_u64(jw, "unknown_uploads", n->unknown);
	jw_arr_begin(jw, "sources");
	while (*p) {
		size_t len = strcspn(p, " ");

		jw_strn(jw, NULL, p, len);
		p += len + (p[len] == ' ');
	}
	jw_arr_end(jw);
	jw_obj_end(jw);
}

/* A side's uploads by placement: {"same": 0, "split": 0, "free": 3} (pooled: the compared one's) */
static void uploads_json(struct jw *jw, const char *key, const struct compare_uploads *u)
{
	int i;

	jw_obj_begin(jw, key);
	for (i = 0; i < COMPARE_PLACEMENTS; i++)
		jw_u64(jw, compare_placement_names[i], u->by_placement[i]);
	jw_obj_end(jw);
}

void compare_json(const struct compare_result *res, struct jw *jw, const char *key)
{
	int i;

	jw_obj_begin(jw, key);
	jw_str(jw, "host", res->host);
	jw_str(jw, "base", res->base);
	jw_str(jw, "base_chosen_as", res->base_why);
	jw_str_or_null(jw, "vm_accel", res->vm_accel);
	jw_str(jw, "head", res->head);
	jw_str(jw, "unit", res->by_boot ? "boot" : "run");
	jw_str(jw, "placement", res->placement);
	if (res->parent_cpu < 0) {
		jw_null(jw, "placement_cpus");
	} else {
		jw_obj_begin(jw, "placement_cpus");
		jw_i64(jw, "parent", res->parent_cpu);
		jw_i64(jw, "child", res->child_cpu);
		jw_obj_end(jw);
	}
	uploads_json(jw, "base_uploads", &res->base_uploads);
	uploads_json(jw, "head_uploads", &res->head_uploads);
	jw_bool(jw, "base_lacks_placement", res->base_lacks_placement);
	jw_arr_begin(jw, "rows");
	for (i = 0; i < res->nrows; i++) {
		const struct compare_row *r = &res->rows[i];

		jw_obj_begin(jw, NULL);
		jw_str(jw, "workload", r->workload);
		jw_str(jw, "layout", r->layout);
		jw_str(jw, "metric", r->metric);
		jw_str(jw, "verdict", verdict_name(r));
		if (!r->supported) {
			jw_str(jw, "reason", r->reason);
			jw_obj_end(jw);
			continue;
		}
		if (r->missing)
			jw_str(jw, "reason", r->reason);
		side_json(jw, "base", res->by_boot, r->nb, r->base_mean, r->base_sd_pct, r->base, r->base_upload,
			  r->boots_b, r->boot_share_b);
		side_json(jw, "head", res->by_boot, r->nh, r->head_mean, r->head_sd_pct, r->head, r->head_upload,
			  r->boots_h, r->boot_share_h);
		jw_double(jw, "delta_pct", r->delta_pct);
		jw_arr_begin(jw, "ci_pct");
		jw_double(jw, NULL, r->ci_lo);
		jw_double(jw, NULL, r->ci_hi);
		jw_arr_end(jw);
		jw_double(jw, "p_welch", r->p_welch);
		jw_double(jw, "p_mann_whitney", r->p_mw);
		jw_double(jw, "threshold_pct", r->threshold);
		if (wants_runs(r))
			jw_u64(jw, res->by_boot ? "boots_needed" : "runs_needed", r->runs_needed);
		if (!strcmp(r->metric, "ns")) {
			jw_obj_begin(jw, "precision");
			jw_double(jw, "half_width_pct", r->width_pct);
			jw_double(jw, "target_pct", r->width_target_pct);
			jw_bool(jw, "enough_runs", r->enough_runs);
			if (!r->enough_runs && r->more_runs)
				jw_u64(jw, "more_runs", r->more_runs);
			jw_obj_end(jw);
		}
		if (!res->by_boot) {
			if (r->level.kernels) {
				jw_obj_begin(jw, "session_level");
				jw_double(jw, "sd_pct", compare_level_sd_pct(r));
				jw_double(jw, "df", r->level.df);
				jw_u64(jw, "kernels", r->level.kernels);
				jw_u64(jw, "uploads", r->level.sessions);
				jw_obj_end(jw);
			} else {
				jw_null(jw, "session_level");
			}
			if (r->session_model) {
				jw_obj_begin(jw, "sessions");
				jw_u64(jw, "base", r->sessions_b);
				jw_u64(jw, "head", r->sessions_h);
				jw_double(jw, "share", r->session_share);
				jw_double(jw, "floor_pct", r->session_floor_pct);
				if (r->head_sessions_needed && !r->cannot_decide)
					jw_u64(jw, "head_needed", r->head_sessions_needed);
				jw_bool(jw, "cannot_decide", r->cannot_decide);
				jw_obj_end(jw);
			}
		}
		if (r->skipped_runs)
			jw_u64(jw, "runs_skipped_layout_mismatch", r->skipped_runs);
		if (r->iterations)
			jw_u64(jw, "iterations", r->iterations);
		if (r->skipped_iterations_b || r->skipped_iterations_h) {
			jw_obj_begin(jw, "runs_skipped_other_iterations");
			jw_u64(jw, "base", r->skipped_iterations_b);
			jw_u64(jw, "head", r->skipped_iterations_h);
			jw_obj_end(jw);
		}
		jw_obj_end(jw);
	}
	jw_arr_end(jw);
	noise_json(jw, "base_noise", &res->base_noise);
	noise_json(jw, "head_noise", &res->head_noise);
	jw_obj_end(jw);
}

static void pct_cell(struct strbuf *out, double v)
{
	char b[32];

	if (isfinite(v))
		snprintf(b, sizeof(b), "%.1f%%", v);
	else
		snprintf(b, sizeof(b), "-");
	strbuf_addf(out, " %7s |", b);
}

void compare_attribution(const struct compare_result *res, const struct compare_row *t, struct strbuf *out)
{
	/* the three largest changes so far, largest first */
	const struct compare_row *best[3];
	int n = 0, i, j;

	for (i = 0; i < res->nrows; i++) {
		const struct compare_row *r = &res->rows[i];

		if (strcmp(r->workload, t->workload) || strcmp(r->layout, t->layout) ||
		    !strcmp(r->metric, "ns") || !r->supported || r->missing || !isfinite(r->delta_pct))
			continue;
		if (n < 3)
			best[n++] = r;
		else if (fabs(r->delta_pct) > fabs(best[2]->delta_pct))
			best[2] = r;
		else
			continue;
		for (j = n - 1; j > 0 && fabs(best[j]->delta_pct) > fabs(best[j - 1]->delta_pct); j--) {
			const struct compare_row *x = best[j];

			best[j] = best[j - 1];
			best[j - 1] = x;
		}
	}
	for (i = 0; i < n; i++)
		strbuf_addf(out, "%s%+.1f%% %s per %s%s", i ? "; " : "", best[i]->delta_pct,
			    compare_metric_words(best[i]->metric), t->workload,
			    best[i]->verdict == CMP_UNCHANGED ? " (unchanged)" : "");
	if (!n)
		strbuf_addstr(out, "no counter was counted on both sides");
}

bool compare_row_starts_workload(const struct compare_result *res, int i)
{
	int j;

	for (j = 0; j < i; j++)
		if (!strcmp(res->rows[j].workload, res->rows[i].workload))
			return false;
	return true;
}

void compare_text(const struct compare_result *res, struct strbuf *out)
{
	const struct compare_row *cols[32];
	struct store_wants wants;
	const char *wl;
	int w, i, n, c, lw;

	strbuf_addf(out, "host %s: %s (after-change) against %s (baseline: the %s)\n"
			 "negative is faster, positive is slower; stdev in %% of the baseline mean\n\n",
		    res->host, res->head, res->base, res->base_why);
	{
		struct strbuf words = STRBUF_INIT;

		compare_placement_note(res, &words);
		strbuf_addf(out, "%s\n\n", words.buf);
		strbuf_reset(&words);

		if (compare_noise_words(res, &words))
			strbuf_addf(out, "warning: measured with noise sources active (forkwatch check): %s\n\n",
				    words.buf);
		strbuf_reset(&words);

		/* what forkwatchd records for the host's agent when this is the kernel's own baseline */
		compare_wants(res, &wants);
		compare_wants_words(&wants, &words);
		strbuf_addf(out, "runs: %s %s\n\n", res->head, words.buf);
		strbuf_release(&words);
	}
	if (compare_vm_note(res->vm_accel))
		strbuf_addf(out, "%s\n\n", compare_vm_note(res->vm_accel));
	if (res->by_boot)
		strbuf_addf(out, "%s\n\n", COMPARE_BY_BOOT_WORDS);
	if (compare_session_unknown(res))
		strbuf_addf(out, "%s\n\n", COMPARE_SESSION_UNKNOWN_WORDS);
	for (w = 0; w < res->nrows; w++) {
		if (!compare_row_starts_workload(res, w))
			continue;
		wl = res->rows[w].workload;
		n = 0;
		for (i = 0; i < res->nrows && n < 32; i++)
			if (!strcmp(res->rows[i].workload, wl) && !strcmp(res->rows[i].metric, "ns"))
				cols[n++] = &res->rows[i];
		if (!n)
			continue;
		/* the first column as wide as the workload's name, 13 at least */
		lw = strlen(wl) > 13 ? (int)strlen(wl) : 13;
		strbuf_addf(out, "| %-*.*s |", lw, lw, res->host);
		for (c = 0; c < n; c++) {
			char name[40];

			snprintf(name, sizeof(name), "%s (%s-map)", cols[c]->layout,
				 strcmp(cols[c]->layout, "pmd") ? "pte" : "pmd");
			strbuf_addf(out, " %-17.17s |", name);
		}
		strbuf_addf(out, "\n| %-*s |", lw, wl);
		for (c = 0; c < n; c++)
			strbuf_addstr(out, "-------------------|");
		strbuf_addf(out, "\n| %-*s |", lw, "microbench");
		for (c = 0; c < n; c++)
			strbuf_addstr(out, "    mean |   stdev |");
		strbuf_addstr(out, "\n|");
		for (c = 0; c < lw + 2; c++)
			strbuf_addch(out, '-');
		strbuf_addch(out, '|');
		for (c = 0; c < n; c++)
			strbuf_addstr(out, "---------|---------|");
		strbuf_addf(out, "\n| %-*s |", lw, "baseline");
		for (c = 0; c < n; c++) {
			pct_cell(out, cols[c]->nb ? 0.0 : NAN);
			pct_cell(out, cols[c]->base_sd_pct);
		}
		strbuf_addf(out, "\n| %-*s |", lw, "after-change");
		for (c = 0; c < n; c++) {
			pct_cell(out, cols[c]->delta_pct);
			pct_cell(out, cols[c]->head_sd_pct);
		}
		strbuf_addstr(out, "\n\n");
		for (c = 0; c < n; c++) {
			const struct compare_row *t = cols[c];

			strbuf_addf(out, "%s %s: %s", wl, t->layout, verdict_words(t));
			if (isfinite(t->delta_pct) && res->by_boot && !isfinite(t->ci_lo))
				strbuf_addf(out, " (%+.1f%%, boots %u/%u, runs %u/%u: too few boots for an interval)",
					    t->delta_pct, t->boots_b, t->boots_h, t->nb, t->nh);
			else if (isfinite(t->delta_pct) && res->by_boot)
				strbuf_addf(out, " (%+.1f%%, %.0f%% CI %+.1f%% .. %+.1f%%, p=%.2g, boots %u/%u, runs %u/%u)",
					    t->delta_pct, 100 * res->confidence, t->ci_lo, t->ci_hi, t->p_welch,
					    t->boots_b, t->boots_h, t->nb, t->nh);
			else if (isfinite(t->delta_pct) && t->session_model)
				strbuf_addf(out, " (%+.1f%%, %.0f%% CI %+.1f%% .. %+.1f%%, p=%.2g, n=%u/%u in %u/%u "
					    "uploads; uploads stray by sd %.1f%%)", t->delta_pct, 100 * res->confidence,
					    t->ci_lo, t->ci_hi, t->p_welch, t->nb, t->nh, t->sessions_b, t->sessions_h,
					    compare_level_sd_pct(t));
			else if (isfinite(t->delta_pct))
				strbuf_addf(out, " (%+.1f%%, %.0f%% CI %+.1f%% .. %+.1f%%, p=%.2g, n=%u/%u)",
					    t->delta_pct, 100 * res->confidence, t->ci_lo, t->ci_hi, t->p_welch, t->nb, t->nh);
			if (t->cannot_decide)
				strbuf_addf(out, "; more uploads of %s on this host cannot decide it (%s)", res->head,
					    t->head_sessions_needed ? "more than a comparison reads would be needed" :
								      "the baseline's own uploads leave it too wide");
			else if (wants_runs(t) && t->session_model)
				strbuf_addf(out, "; about %u uploads of %s in all would decide", t->head_sessions_needed,
					    res->head);
			else if (wants_runs(t))
				strbuf_addf(out, "; about %u %s per side would decide", t->runs_needed,
					    res->by_boot ? "boots" : "runs");
			strbuf_addstr(out, "\n   counters: ");
			compare_attribution(res, t, out);
			strbuf_addch(out, '\n');
		}
		strbuf_addch(out, '\n');
	}
}
