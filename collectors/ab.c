// SPDX-License-Identifier: GPL-2.0
/* forkwatch ab's comparison: boots of a base and a head kernel, the boot as the unit. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/ab.h"
#include "collectors/docread.h"
#include "lib/cmp.h"
#include "lib/jread.h"
#include "lib/nest.h"
#include "lib/stats.h"

/* Per-run means of one case and metric on one side, each with its boot. */
struct side {
	double *v;
	unsigned *boot;
	size_t n, alloc;
	bool counted;            /* the metric was counted in some boot */
};

struct series {
	char workload[16], layout[16], metric[32];
	int order;
	struct side s[2];        /* [0] base, [1] head */
};

struct ab {
	struct series *s;
	size_t n, alloc;
};

struct ab *ab_new(void)
{
	struct ab *ab = calloc(1, sizeof(*ab));

	if (!ab)
		abort();
	return ab;
}

void ab_free(struct ab *ab)
{
	size_t i;
	int k;

	if (!ab)
		return;
	for (i = 0; i < ab->n; i++)
		for (k = 0; k < 2; k++) {
			free(ab->s[i].s[k].v);
			free(ab->s[i].s[k].boot);
		}
	free(ab->s);
	free(ab);
}

static struct series *series_for(struct ab *ab, const char *wl, const char *layout, int order, const char *metric)
{
	struct series *s;
	size_t i;

	for (i = 0; i < ab->n; i++)
		if (!strcmp(ab->s[i].workload, wl) && !strcmp(ab->s[i].layout, layout) &&
		    !strcmp(ab->s[i].metric, metric))
			return &ab->s[i];
	if (ab->n == ab->alloc) {
		ab->alloc = ab->alloc ? 2 * ab->alloc : 32;
		ab->s = realloc(ab->s, ab->alloc * sizeof(*ab->s));
		if (!ab->s)
			abort();
	}
	s = &ab->s[ab->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->workload, sizeof(s->workload), "%s", wl);
	snprintf(s->layout, sizeof(s->layout), "%s", layout);
	snprintf(s->metric, sizeof(s->metric), "%s", metric);
	s->order = order;
	return s;
}

static void side_add(struct side *sd, double v, unsigned boot)
{
	if (sd->n == sd->alloc) {
		sd->alloc = sd->alloc ? 2 * sd->alloc : 16;
		sd->v = realloc(sd->v, sd->alloc * sizeof(*sd->v));
		sd->boot = realloc(sd->boot, sd->alloc * sizeof(*sd->boot));
		if (!sd->v || !sd->boot)
			abort();
	}
	sd->v[sd->n] = v;
	sd->boot[sd->n++] = boot;
}

int ab_add_doc(struct ab *ab, bool head, unsigned boot, const char *doc, size_t len, struct strbuf *err)
{
	const struct jread_node *cases, *c, *runs, *r, *ctrs, *m;
	struct jread_node *root = NULL;
	size_t i, j, k;
	int ret = jread_parse(&root, doc, len, err);

	if (ret)
		return -EINVAL;
	cases = jread_get(root, "cases");
	if (!cases || cases->type != JREAD_ARR) {
		strbuf_addstr(err, "a document without cases");
		jread_free(root);
		return -EINVAL;
	}
	for (i = 0; (c = jread_at(cases, i)); i++) {
		const char *wl = jread_str(jread_get(c, "workload")), *layout = jread_str(jread_get(c, "layout"));
		double order = 0;
		struct series *s;

		if (!wl || !layout)
			continue;
		jread_num(jread_get(c, "order"), &order);
		runs = jread_get(c, "runs");
		s = series_for(ab, wl, layout, (int)order, "ns");
		s->s[head].counted = true;
		ctrs = jread_get(c, "counters");
		for (k = 0; ctrs && ctrs->type == JREAD_OBJ && k < ctrs->n; k++) {
			const char *st = jread_str(jread_get(&ctrs->kids[k], "status"));
			struct series *cs = series_for(ab, wl, layout, (int)order, ctrs->kids[k].key);

			if (st && !strcmp(st, "ok"))
				cs->s[head].counted = true;
		}
		/* re-find: series_for may move the array */
		for (j = 0; (r = jread_at(runs, j)); j++) {
			if (!docread_run_verified(r))
				continue;
			s = series_for(ab, wl, layout, (int)order, "ns");
			side_add(&s->s[head], docread_mean(jread_get(r, "ns")), boot);
			m = jread_get(r, "counters");
			for (k = 0; m && m->type == JREAD_OBJ && k < m->n; k++) {
				struct series *cs = series_for(ab, wl, layout, (int)order, m->kids[k].key);

				side_add(&cs->s[head], docread_mean(&m->kids[k]), boot);
			}
		}
	}
	jread_free(root);
	return 0;
}

/* What a row says, computed once per report. */
struct row {
	const struct series *s;
	struct nest_result nr;
	bool ok;                 /* compared: both sides have values */
	double base_mean, sd_base_pct, sd_head_pct;
	double boot_sd_pct, run_sd_pct, icc; /* over both kernels' boots */
	double threshold;
};

static bool large_folio(const struct series *s)
{
	return s->order > 0 || !strcmp(s->layout, "pmd");
}

static const char *verdict_words(const struct row *r)
{
	if (!r->ok)
		return r->s->s[0].counted && r->s->s[1].counted ? "no verified runs" : "unsupported";
	switch (r->nr.cmp.verdict) {
	case CMP_GAIN: return large_folio(r->s) ? "batching gain" : "faster";
	case CMP_REGRESSION: return large_folio(r->s) ? "lost gain" : "order-0 slowdown";
	case CMP_UNCHANGED: return "unchanged";
	default: return "inconclusive";
	}
}

/*
 * The variance split over both kernels: each value less its kernel's
 * mean, then one analysis of variance by boot (boot labels are unique
 * across the session).
 */
static void split_both(const struct series *s, struct row *r)
{
	size_t n = s->s[0].n + s->s[1].n, i, k, o = 0;
	double *v = calloc(n ? n : 1, sizeof(*v));
	unsigned *b = calloc(n ? n : 1, sizeof(*b));
	struct nest_anova a;

	if (!v || !b)
		abort();
	for (k = 0; k < 2; k++) {
		double mean = stats_mean(s->s[k].v, s->s[k].n);

		for (i = 0; i < s->s[k].n; i++) {
			v[o] = s->s[k].v[i] - mean;
			b[o++] = s->s[k].boot[i];
		}
	}
	r->boot_sd_pct = r->run_sd_pct = r->icc = NAN;
	if (!nest_anova(v, b, n, &a) && r->base_mean != 0) {
		r->boot_sd_pct = 100 * sqrt(a.var_between) / r->base_mean;
		r->run_sd_pct = 100 * sqrt(a.var_within) / r->base_mean;
		r->icc = a.icc;
	}
	free(v);
	free(b);
}

static void row_compute(const struct series *s, struct row *r)
{
	struct cmp_params p = CMP_PARAMS_INIT;
	struct stats_summary sb, sh;

	memset(r, 0, sizeof(*r));
	r->s = s;
	r->threshold = s->order == 0 && strcmp(s->layout, "pmd") ? 1.0 : 2.0;
	r->base_mean = r->sd_base_pct = r->sd_head_pct = NAN;
	stats_summarize(s->s[0].v, s->s[0].n, &sb);
	stats_summarize(s->s[1].v, s->s[1].n, &sh);
	if (!sb.n || !sh.n)
		return;
	r->base_mean = sb.mean;
	if (sb.mean != 0) {
		r->sd_base_pct = 100 * sb.stdev / sb.mean;
		r->sd_head_pct = 100 * sh.stdev / sb.mean;
	}
	p.threshold_pct = r->threshold;
	r->ok = !nest_compare(s->s[0].v, s->s[0].boot, s->s[0].n, s->s[1].v, s->s[1].boot, s->s[1].n, &p, &r->nr);
	split_both(s, r);
}

static void pct_cell(struct strbuf *out, double v, bool sign)
{
	char b[32];

	if (isfinite(v))
		snprintf(b, sizeof(b), sign ? "%+.1f%%" : "%.1f%%", v);
	else
		snprintf(b, sizeof(b), "-");
	strbuf_addf(out, " %7s |", b);
}

/* A percentage, or "-" where it cannot be had (one boot, one run a boot). */
static void pct_text(struct strbuf *out, double v)
{
	if (isfinite(v))
		strbuf_addf(out, "%.2f%%", v);
	else
		strbuf_addch(out, '-');
}

static void counters_line(const struct ab *ab, const struct series *t, struct strbuf *out)
{
	const struct series *best[3];
	double d[3], x;
	struct row r;
	int n = 0, j;
	size_t i;

	for (i = 0; i < ab->n; i++) {
		const struct series *s = &ab->s[i];

		if (strcmp(s->workload, t->workload) || strcmp(s->layout, t->layout) || !strcmp(s->metric, "ns"))
			continue;
		row_compute(s, &r);
		if (!r.ok || !isfinite(x = r.nr.cmp.change_pct))
			continue;
		if (n < 3) {
			best[n] = s;
			d[n++] = x;
		} else if (fabs(x) > fabs(d[2])) {
			best[2] = s;
			d[2] = x;
		} else {
			continue;
		}
		for (j = n - 1; j > 0 && fabs(d[j]) > fabs(d[j - 1]); j--) {
			const struct series *bs = best[j];
			double bd = d[j];

			best[j] = best[j - 1];
			d[j] = d[j - 1];
			best[j - 1] = bs;
			d[j - 1] = bd;
		}
	}
	for (j = 0; j < n; j++)
		strbuf_addf(out, "%s%+.1f%% %s per %s", j ? "; " : "", d[j], best[j]->metric, t->workload);
	if (!n)
		strbuf_addstr(out, "none counted on both sides");
}

int ab_report(const struct ab *ab, const char *base, const char *head, const char *accel, struct strbuf *out)
{
	const char *wls[8];
	size_t nw = 0, i, w;
	int decided = 0;

	strbuf_addf(out, "%s (after-change) against %s (baseline), under %s\n"
			 "negative is faster, positive is slower; stdev of the runs in %% of the baseline mean;\n"
			 "verdicts take each boot's mean as one value (boot-to-boot effects are not kernel effects)\n",
		    head, base, accel);
	if (!strcmp(accel, "tcg"))
		strbuf_addstr(out, "TCG emulates the CPU: only ratios and counts are meaningful here, never absolute times\n");
	strbuf_addch(out, '\n');
	for (i = 0; i < ab->n; i++) {
		for (w = 0; w < nw && strcmp(wls[w], ab->s[i].workload); w++)
			;
		if (w == nw && nw < 8)
			wls[nw++] = ab->s[i].workload;
	}
	for (w = 0; w < nw; w++) {
		struct row rows[32];
		int n = 0, c;

		for (i = 0; i < ab->n && n < 32; i++)
			if (!strcmp(ab->s[i].workload, wls[w]) && !strcmp(ab->s[i].metric, "ns"))
				row_compute(&ab->s[i], &rows[n++]);
		strbuf_addf(out, "| %-13s |", accel);
		for (c = 0; c < n; c++) {
			char name[40];

			snprintf(name, sizeof(name), "%s (%s-map)", rows[c].s->layout,
				 strcmp(rows[c].s->layout, "pmd") ? "pte" : "pmd");
			strbuf_addf(out, " %-17.17s |", name);
		}
		strbuf_addf(out, "\n| %-13s |", wls[w]);
		for (c = 0; c < n; c++)
			strbuf_addstr(out, "-------------------|");
		strbuf_addstr(out, "\n| microbench    |");
		for (c = 0; c < n; c++)
			strbuf_addstr(out, "    mean |   stdev |");
		strbuf_addstr(out, "\n|---------------|");
		for (c = 0; c < n; c++)
			strbuf_addstr(out, "---------|---------|");
		strbuf_addstr(out, "\n| baseline      |");
		for (c = 0; c < n; c++) {
			pct_cell(out, rows[c].ok ? 0.0 : NAN, true);
			pct_cell(out, rows[c].sd_base_pct, false);
		}
		strbuf_addstr(out, "\n| after-change  |");
		for (c = 0; c < n; c++) {
			pct_cell(out, rows[c].ok ? rows[c].nr.cmp.change_pct : NAN, true);
			pct_cell(out, rows[c].sd_head_pct, false);
		}
		strbuf_addstr(out, "\n\n");
		for (c = 0; c < n; c++) {
			const struct row *r = &rows[c];
			const struct cmp_result *cr = &r->nr.cmp;

			strbuf_addf(out, "%s %s: %s", wls[w], r->s->layout, verdict_words(r));
			if (r->ok && isfinite(cr->change_pct) && isfinite(cr->ci_lo_pct))
				strbuf_addf(out, " (%+.1f%%, 95%% CI %+.1f%% .. %+.1f%%, p=%.2g, boots %zu/%zu, runs %zu/%zu)",
					    cr->change_pct, cr->ci_lo_pct, cr->ci_hi_pct, cr->welch.p, r->nr.nb,
					    r->nr.nh, r->nr.base.runs, r->nr.head.runs);
			else if (r->ok && isfinite(cr->change_pct))
				strbuf_addf(out, " (%+.1f%%, boots %zu/%zu, runs %zu/%zu: too few boots for an interval)",
					    cr->change_pct, r->nr.nb, r->nr.nh, r->nr.base.runs, r->nr.head.runs);
			if (r->ok && cr->verdict == CMP_INCONCLUSIVE && cr->runs_needed)
				strbuf_addf(out, "; about %zu boots per side would decide", cr->runs_needed);
			if (r->ok && (cr->verdict == CMP_GAIN || cr->verdict == CMP_REGRESSION))
				decided++;
			strbuf_addstr(out, "\n   spread: boot to boot ");
			pct_text(out, r->boot_sd_pct);
			strbuf_addstr(out, ", run to run ");
			pct_text(out, r->run_sd_pct);
			strbuf_addstr(out, " (stdev in % of the base mean; boot share of the variance ");
			pct_text(out, 100 * r->icc);
			strbuf_addstr(out, ")\n   counters: ");
			counters_line(ab, r->s, out);
			strbuf_addch(out, '\n');
		}
		strbuf_addch(out, '\n');
	}
	return decided;
}

bool ab_precise(const struct ab *ab)
{
	struct row r;
	size_t i;

	for (i = 0; i < ab->n; i++) {
		if (strcmp(ab->s[i].metric, "ns"))
			continue;
		row_compute(&ab->s[i], &r);
		/* the interval, not the verdict: a p-value looked at after every pair would find chance */
		if (r.ok && !(r.nr.nb >= 3 && r.nr.nh >= 3 && r.nr.cmp.ci_hi_pct - r.nr.cmp.ci_lo_pct <= r.threshold))
			return false;
	}
	return true;
}

bool ab_more_pairs(bool precise, unsigned pairs_done, unsigned min_pairs, unsigned max_pairs, double elapsed_s,
		   double budget_s)
{
	if (pairs_done >= max_pairs)
		return false;
	if (pairs_done < min_pairs)
		return true;
	if (!(budget_s > 0) || precise || !pairs_done)
		return false;
	return elapsed_s + elapsed_s / pairs_done <= budget_s;
}
