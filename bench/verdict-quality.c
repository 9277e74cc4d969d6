// SPDX-License-Identifier: GPL-2.0
/*
 * Verdict quality on a machine's real noise: A/A pairs replayed from a pool
 * of real forkwatch runs of one kernel (bench/verdict-quality.sh), compared
 * with the daemon's statistics (lib/cmp: the per-run means, Welch on the
 * log ratio, budgets 1% for order-0 and 2% for the other layouts, alpha
 * 0.01, 95% interval), and the same pairs with the head's order-0 runs
 * slowed by +2%, +5% and +10%.
 *
 *   verdict-quality [--pairs N] [--budgets "S S ..."] [--iterations M]
 *                   [--stat mean|median] [--seed X] POOL.json...
 *
 * The pool documents are `forkwatch bench --runs R --iterations I` of one
 * kernel, in the order they were taken.  Two ways of spending the machine's
 * time per kernel are replayed:
 *
 *   fixed    today's default: 8 runs of every case from one invocation,
 *            the base from invocation 2k and the head from 2k + 1, so that
 *            no pair shares a run with another (as many pairs as the pool
 *            has invocation pairs);
 *   budget   `--time-budget S` (collectors/budget.c, the collector's own
 *            code): runs of every case interleaved, each case stopping when
 *            its interval is narrow enough for its budget or when its next
 *            run does not fit.  The runs come from the pool in the order
 *            they were taken, on a clock that advances by each run's own
 *            measured cost (its `wall_s`, with only the first M of its
 *            iterations when --iterations M is smaller than the pool's:
 *            wall_s - measured_s (1 - M / I)).  Which runs a side takes
 *            (--pairing): interleaved (the default), the base from the
 *            even invocations and the head from the odd ones, so that both
 *            see the same slow drift of the machine, as `forkwatch ab`
 *            arranges with boots; sequential, the base from the pool's
 *            first half and the head from its second, as when a head
 *            kernel is measured after its base and the machine drifted
 *            in between.  Each side starts at a random invocation of its
 *            share and wraps inside it, so a pair never shares a run;
 *            different pairs do, so the pairs of a row are not independent
 *            when a session takes more than a small part of its share:
 *            the table says how much it took.
 *
 * For each row, per layout: the counts of regression, significant (size
 * uncertain, either sign), unchanged, inconclusive and gain; the median
 * runs per side and the median machine time per kernel (every case).
 * Nothing here is the daemon's code except lib/ and collectors/budget.c,
 * which are exactly what the daemon and the collector run.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/budget.h"
#include "lib/cmp.h"
#include "lib/nest.h"
#include "lib/jread.h"
#include "lib/stats.h"
#include "lib/strbuf.h"

#define MAXC 16
#define FIXED_RUNS 8

struct prun {
	double *ns;
	unsigned n;
	double wall_s, measured_s;
	unsigned inv;		/* the pool invocation it came from */
};

struct pcase {
	char workload[40], layout[40];
	struct prun *runs;
	size_t n, cap;
};

static struct pcase cases[MAXC];
static size_t ncases;
static unsigned ninv;
static unsigned iterations;	/* M: the iterations of a run used, 0 = all */
static int use_median;
static int sequential;		/* --pairing sequential: the base from the pool's first half */

static struct pcase *case_for(const char *wl, const char *layout)
{
	size_t i;

	for (i = 0; i < ncases; i++)
		if (!strcmp(cases[i].workload, wl) && !strcmp(cases[i].layout, layout))
			return &cases[i];
	if (ncases == MAXC)
		return NULL;
	snprintf(cases[ncases].workload, sizeof(cases[0].workload), "%s", wl);
	snprintf(cases[ncases].layout, sizeof(cases[0].layout), "%s", layout);
	return &cases[ncases++];
}

static int load(const char *path)
{
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;
	struct jread_node *root = NULL;
	const struct jread_node *cs;
	size_t i, j, k;
	int ret = -1;

	if (strbuf_read_file(&sb, path, 256 << 20) || jread_parse(&root, sb.buf, sb.len, &err)) {
		fprintf(stderr, "verdict-quality: %s: cannot read: %s\n", path, err.buf);
		goto out;
	}
	cs = jread_get(root, "cases");
	for (i = 0; jread_at(cs, i); i++) {
		const struct jread_node *c = jread_at(cs, i), *runs = jread_get(c, "runs");
		const char *wl = jread_str(jread_get(c, "workload"));
		const char *lay = jread_str(jread_get(c, "layout"));
		struct pcase *pc = wl && lay ? case_for(wl, lay) : NULL;

		if (!pc)
			continue;
		for (j = 0; jread_at(runs, j); j++) {
			const struct jread_node *r = jread_at(runs, j), *ns = jread_get(r, "ns");
			struct prun pr = { .inv = ninv };
			double v;

			if (!jread_num(jread_get(r, "wall_s"), &pr.wall_s) ||
			    !jread_num(jread_get(r, "measured_s"), &pr.measured_s)) {
				fprintf(stderr, "verdict-quality: %s: a run without wall_s/measured_s "
					"(a forkwatch older than this script?)\n", path);
				goto out;
			}
			for (k = 0; jread_at(ns, k); k++)
				;
			pr.ns = calloc(k ? k : 1, sizeof(*pr.ns));
			if (!pr.ns)
				goto out;
			for (k = 0; jread_at(ns, k); k++)
				if (jread_num(jread_at(ns, k), &v))
					pr.ns[pr.n++] = v;
			if (!pr.n) {
				free(pr.ns);
				continue;
			}
			if (pc->n == pc->cap) {
				size_t cap = pc->cap ? 2 * pc->cap : 256;
				struct prun *nr = realloc(pc->runs, cap * sizeof(*nr));

				if (!nr)
					goto out;
				pc->runs = nr;
				pc->cap = cap;
			}
			pc->runs[pc->n++] = pr;
		}
	}
	ninv++;
	ret = 0;
out:
	jread_free(root);
	strbuf_release(&sb);
	strbuf_release(&err);
	return ret;
}

static unsigned used(const struct prun *r)
{
	return iterations && iterations < r->n ? iterations : r->n;
}

/* the per-run statistic of the first M iterations: the mean (the daemon's) or the median */
static double run_stat(const struct prun *r)
{
	return use_median ? stats_median(r->ns, used(r)) : stats_mean(r->ns, used(r));
}

/* what the run costs with M of its iterations */
static double run_cost(const struct prun *r)
{
	return r->wall_s - r->measured_s * (1.0 - (double)used(r) / r->n);
}

static double budget_of(const struct pcase *c)
{
	return !strcmp(c->layout, "order-0") ? 1.0 : 2.0;
}

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t next_rand(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ---- one row of verdicts ---- */

#define NSLOW 4
static const double slow_pct[NSLOW] = { 0, 2, 5, 10 };

struct tally {
	unsigned v[NSLOW][CMP_VERDICTS];
	unsigned sig_slower[NSLOW];	/* significant-size-uncertain with a slowdown */
	double *runs;			/* runs per side of each pair */
	size_t pairs;
};

/*
 * Two comparisons of every pair: [0] the daemon's before sessions (Welch on
 * the runs, as if independent), [1] runs nested in their invocations with
 * the level estimated from the pool's other invocations (nest_compare_prior,
 * the daemon's comparison once a host has uploaded a kernel twice).
 */
#define NSETS 2
static struct tally tally_sets[NSETS][MAXC];
static struct tally *tallies = tally_sets[0];
static const char *const set_names[NSETS] = {
	"runs as independent (Welch on the runs)",
	"runs in sessions, the level from the pool's other invocations (nest_compare_prior)",
};
static double *kernel_s;	/* machine time per kernel of each session */
static size_t nkernel_s;

static void tally_reset(size_t pairs)
{
	size_t i, k;

	for (k = 0; k < NSETS; k++)
		for (i = 0; i < ncases; i++) {
			struct tally *t = &tally_sets[k][i];

			free(t->runs);
			memset(t, 0, sizeof(*t));
			t->runs = calloc(2 * pairs + 1, sizeof(double));
		}
	free(kernel_s);
	kernel_s = calloc(2 * pairs + 1, sizeof(double));
	nkernel_s = 0;
}

static void judge_one(int set, size_t c, const double *base, const unsigned *bl, size_t nb,
		      const double *head, const unsigned *hl, size_t nh, const struct nest_prior *pr);

/* the statistic of the runs of each invocation, per case: n, mean, stdev (filled once) */
static struct stats_summary *inv_sums[MAXC];

static void inv_sums_fill(void)
{
	size_t c, i;

	for (c = 0; c < ncases; c++) {
		size_t *at = calloc(ninv + 1, sizeof(size_t));
		double *v = calloc(cases[c].n + 1, sizeof(double));

		inv_sums[c] = calloc(ninv, sizeof(struct stats_summary));
		if (!at || !v || !inv_sums[c])
			exit(1);
		/* the runs' statistics grouped by invocation (a counting sort), each group summarized */
		for (i = 0; i < cases[c].n; i++)
			at[cases[c].runs[i].inv + 1]++;
		for (i = 0; i < ninv; i++)
			at[i + 1] += at[i];
		for (i = 0; i < cases[c].n; i++)
			v[at[cases[c].runs[i].inv]++] = run_stat(&cases[c].runs[i]);
		for (i = ninv; i > 0; i--) /* at[k] is now group k's end: shift back to the starts */
			at[i] = at[i - 1];
		at[0] = 0;
		for (i = 0; i < ninv; i++)
			stats_summarize(v + at[i], at[i + 1] - at[i], &inv_sums[c][i]);
		free(at);
		free(v);
	}
}

static unsigned level_from;	/* --level-from K: the level from K random unused invocations (0: all) */
static uint64_t next_rand(void);

/*
 * The session level of case c from the invocations that the pair did not
 * use: all of them, or level_from of them drawn at random (a host that has
 * uploaded a kernel that many times, and nothing else, twice or more).
 */
static void prior_without(size_t c, const unsigned char *used, struct nest_prior *pr)
{
	struct nest_pool pool = NEST_POOL_INIT;
	unsigned *n = malloc(ninv * sizeof(*n));
	double *m = malloc(ninv * sizeof(*m)), *sd = malloc(ninv * sizeof(*sd));
	size_t i, k = 0;

	if (!n || !m || !sd)
		exit(1);
	for (i = 0; i < ninv; i++)
		if (!used[i] && inv_sums[c][i].n) {
			n[k] = inv_sums[c][i].n;
			m[k] = inv_sums[c][i].mean;
			sd[k++] = inv_sums[c][i].stdev;
		}
	/* a partial Fisher-Yates shuffle: the first level_from are a random draw */
	for (i = 0; level_from && i < level_from && i < k; i++) {
		size_t j = i + (size_t)(next_rand() % (k - i));
		unsigned tn = n[i];
		double tm = m[i], ts = sd[i];

		n[i] = n[j], m[i] = m[j], sd[i] = sd[j];
		n[j] = tn, m[j] = tm, sd[j] = ts;
	}
	if (level_from && level_from < k)
		k = level_from;
	nest_pool_add(&pool, n, m, sd, k);
	nest_pool_prior(&pool, pr);
	free(n);
	free(m);
	free(sd);
}

static double prior_var_sum[MAXC];
static size_t prior_var_n[MAXC];

/*
 * Judge a pair both ways: base and head are per-run values, bl and hl
 * their invocations, used the invocations the pair drew from.
 */
static void judge(size_t c, const double *base, const unsigned *bl, size_t nb, const double *head,
		  const unsigned *hl, size_t nh, const unsigned char *used)
{
	struct nest_prior pr;

	prior_without(c, used, &pr);
	if (isfinite(pr.var)) {
		prior_var_sum[c] += pr.var;
		prior_var_n[c]++;
	}
	judge_one(0, c, base, NULL, nb, head, NULL, nh, NULL);
	judge_one(1, c, base, bl, nb, head, hl, nh, isfinite(pr.var) ? &pr : NULL);
}

static void judge_one(int set, size_t c, const double *base, const unsigned *bl, size_t nb,
		      const double *head, const unsigned *hl, size_t nh, const struct nest_prior *pr)
{
	struct tally *t = &tally_sets[set][c];

	/* without an estimate of the level (too little data) the pair is not judged, nor counted */
	if (set == 1 && !pr)
		return;
	double *h = malloc((nh ? nh : 1) * sizeof(*h));
	size_t s, i;

	if (!h)
		exit(1);
	for (s = 0; s < NSLOW; s++) {
		struct cmp_params p = CMP_PARAMS_INIT;
		struct cmp_result r;

		/* only order-0 is slowed: the others are A/A in every column */
		if (s && strcmp(cases[c].layout, "order-0"))
			break;
		for (i = 0; i < nh; i++)
			h[i] = head[i] * (1 + slow_pct[s] / 100);
		p.threshold_pct = budget_of(&cases[c]);
		if (set == 0) {
			if (cmp_compare(base, nb, h, nh, &p, &r))
				continue;
		} else {
			struct nest_prior_result nr;

			if (nest_compare_prior(base, bl, nb, h, hl, nh, &p, pr, &nr))
				continue;
			r = nr.cmp;
		}
		t->v[s][r.verdict]++;
		if (r.verdict == CMP_SIGNIFICANT && r.change_pct > 0)
			t->sig_slower[s]++;
	}
	t->runs[t->pairs++] = (double)(nb < nh ? nb : nh);
	free(h);
}

static int missed;	/* a target was missed: exit 3 */

/*
 * The targets, for a row whose sessions had budget_s each (0: the
 * fixed runs): at most 1 false regression in 20 A/A pairs per layout in
 * every row; +10% on order-0 caught every time within 120 s; +5% caught 9
 * times in 10 within 300 s.
 */
static int counting = 1;	/* whether a miss sets missed (the daemon's comparison now: set 1) */

static void targets(double budget_s)
{
	size_t c;

	for (c = 0; c < ncases; c++) {
		const struct tally *t = &tallies[c];
		unsigned fr = t->v[0][CMP_REGRESSION];
		int ok = 20 * fr <= t->pairs;

		printf("  %s: A/A false regressions of %s %u/%zu (at most 1 in 20)\n", ok ? "PASS" : "FAIL",
		       cases[c].layout, fr, t->pairs);
		missed |= !ok && counting;
		if (strcmp(cases[c].layout, "order-0"))
			continue;
		if (budget_s > 0 && budget_s <= 120) {
			ok = t->v[3][CMP_REGRESSION] == t->pairs;
			printf("  %s: order-0 +10%% caught %u/%zu within %.0f s (every time within 120 s)\n",
			       ok ? "PASS" : "FAIL", t->v[3][CMP_REGRESSION], t->pairs, budget_s);
			missed |= !ok && budget_s == 120 && counting;
		}
		if (budget_s > 0 && budget_s <= 300) {
			ok = 10 * t->v[2][CMP_REGRESSION] >= 9 * t->pairs;
			printf("  %s: order-0 +5%% caught %u/%zu within %.0f s (9 in 10 within 300 s)\n",
			       ok ? "PASS" : "FAIL", t->v[2][CMP_REGRESSION], t->pairs, budget_s);
			missed |= !ok && budget_s == 300 && counting;
		}
	}
}

static void print_row(const char *what, double per_kernel_s, const char *extra)
{
	size_t c;

	printf("\n%s: %zu pairs, median machine time per kernel %.1f s%s\n", what,
	       tallies[0].pairs, per_kernel_s, extra ? extra : "");
	printf("  %-9s %5s | %-21s | %-21s | %-21s | %-21s\n", "", "runs", "A/A", "order-0 +2%",
	       "order-0 +5%", "order-0 +10%");
	printf("  %-9s %5s |", "layout", "/side");
	for (c = 0; c < NSLOW; c++)
		printf(" %3s %3s %4s %3s %4s |", "reg", c ? "sg+" : "sig", "unch", "inc", "gain");
	printf("\n");
	for (c = 0; c < ncases; c++) {
		struct tally *t = &tallies[c];
		size_t s;

		printf("  %-9s %5.0f |", cases[c].layout, stats_median(t->runs, t->pairs));
		for (s = 0; s < NSLOW; s++) {
			if (s && strcmp(cases[c].layout, "order-0")) {
				printf(" %-21s |", "");
				continue;
			}
			printf(" %3u %3u %4u %3u %4u |", t->v[s][CMP_REGRESSION],
			       s ? t->sig_slower[s] : t->v[s][CMP_SIGNIFICANT], t->v[s][CMP_UNCHANGED],
			       t->v[s][CMP_INCONCLUSIVE], t->v[s][CMP_GAIN]);
		}
		printf("\n");
	}
	/* the targets in one line: false regressions, and order-0 slowdowns caught */
	printf("  A/A false regressions:");
	for (c = 0; c < ncases; c++)
		printf(" %s %u/%zu", cases[c].layout, tallies[c].v[0][CMP_REGRESSION], tallies[c].pairs);
	for (c = 0; c < ncases; c++) {
		size_t s;

		if (strcmp(cases[c].layout, "order-0"))
			continue;
		printf("; order-0 caught (regression):");
		for (s = 1; s < NSLOW; s++)
			printf(" +%.0f%% %u/%zu", slow_pct[s], tallies[c].v[s][CMP_REGRESSION], tallies[c].pairs);
	}
	printf("\n");
}

/* both comparisons' rows and targets; the second's misses decide the exit status */
static void report(const char *what, double per_kernel_s, const char *extra, double budget_s)
{
	size_t c;
	int k;

	for (k = 0; k < NSETS; k++) {
		char w[160];

		tallies = tally_sets[k];
		counting = k == NSETS - 1;
		snprintf(w, sizeof(w), "%s [%s]", what, set_names[k]);
		print_row(w, per_kernel_s, extra);
		if (k == 1)
			for (c = 0; c < ncases; c++)
				if (prior_var_n[c])
					printf("  %s: session level sd %.1f%% of the mean (mean of its estimates)\n",
					       cases[c].layout, 100 * sqrt(prior_var_sum[c] / prior_var_n[c]));
		targets(budget_s);
	}
	tallies = tally_sets[0];
	memset(prior_var_sum, 0, sizeof(prior_var_sum));
	memset(prior_var_n, 0, sizeof(prior_var_n));
}

/* ---- fixed: 8 runs of one invocation a side ---- */

static size_t runs_of(const struct pcase *c, unsigned inv, double *v, unsigned *lab, size_t max,
		      double *cost)
{
	size_t i, n = 0;

	for (i = 0; i < c->n && n < max; i++) {
		if (c->runs[i].inv != inv)
			continue;
		lab[n] = inv;
		v[n++] = run_stat(&c->runs[i]);
		*cost += run_cost(&c->runs[i]);
	}
	return n;
}

static void fixed(void)
{
	double base[FIXED_RUNS], head[FIXED_RUNS];
	unsigned bl[FIXED_RUNS], hl[FIXED_RUNS], k;
	unsigned char *used = calloc(ninv, 1);
	size_t c;

	if (!used)
		exit(1);
	tally_reset(ninv / 2);
	for (k = 0; k + 1 < ninv; k += 2) {
		double cb = 0, ch = 0;

		used[k] = used[k + 1] = 1;
		for (c = 0; c < ncases; c++) {
			size_t nb = runs_of(&cases[c], k, base, bl, FIXED_RUNS, &cb);
			size_t nh = runs_of(&cases[c], k + 1, head, hl, FIXED_RUNS, &ch);

			judge(c, base, bl, nb, head, hl, nh, used);
		}
		used[k] = used[k + 1] = 0;
		kernel_s[nkernel_s++] = cb;
		kernel_s[nkernel_s++] = ch;
	}
	free(used);
	report("fixed 8 runs a case", stats_median(kernel_s, nkernel_s), NULL, 0);
}

/* ---- budget: collectors/budget.c on replayed runs ---- */

struct session {
	size_t *idx[MAXC], n[MAXC];	/* each case's runs in the side's share of the pool */
	size_t next[MAXC];		/* the next of them */
	size_t taken[MAXC];
	unsigned *labels[MAXC];		/* the invocation of each run taken, in order */
	unsigned char *used;		/* the invocations it took a run from */
	double clock;
};

static int replay_run(void *ctx, int i, unsigned run, double *value)
{
	struct session *s = ctx;
	const struct prun *r;

	(void)run;
	if (s->taken[i] >= s->n[i])
		return -ENOSPC; /* the session would reuse its own runs: the pool is too small */
	r = &cases[i].runs[s->idx[i][s->next[i]]];
	*value = run_stat(r);
	s->clock += run_cost(r);
	s->labels[i][s->taken[i]] = r->inv;
	s->used[r->inv] = 1;
	s->taken[i]++;
	if (++s->next[i] == s->n[i])
		s->next[i] = 0;
	return 0;
}

/* whether invocation inv is in side half's share: interleaved, the even or odd ones; sequential, the first or second half */
static int in_share(unsigned inv, int half)
{
	return sequential ? (inv >= ninv / 2) == !!half : (int)(inv % 2) == half;
}

static double replay_clock(void *ctx)
{
	return ((struct session *)ctx)->clock;
}

/*
 * One kernel's session of `--time-budget seconds` from a random point of
 * the pool's first (half 0) or second half; fills v[c] with each case's
 * per-run values.  Returns the runs' time, or -1 when a session would run
 * past its half.
 */
static double session(double seconds, int half, double **v, unsigned **lab, size_t *n, double *frac,
		      unsigned char *used)
{
	double pct[MAXC];
	struct session s;
	struct budget b;
	unsigned start_inv;
	size_t c;
	int ret;

	memset(&s, 0, sizeof(s));
	s.used = used;
	/* the start: a random invocation of the side's share, the same point in every case */
	start_inv = (unsigned)(next_rand() % (ninv / 2));
	start_inv = sequential ? start_inv + (half ? ninv / 2 : 0) : 2 * start_inv + (unsigned)half;
	for (c = 0; c < ncases; c++) {
		const struct pcase *pc = &cases[c];
		size_t i, k = 0;

		s.idx[c] = malloc((pc->n ? pc->n : 1) * sizeof(size_t));
		s.labels[c] = malloc((pc->n ? pc->n : 1) * sizeof(unsigned));
		if (!s.idx[c] || !s.labels[c])
			exit(1);
		s.n[c] = 0;
		for (i = 0; i < pc->n; i++) {
			unsigned inv = pc->runs[i].inv;

			if (inv >= 2 * (ninv / 2) || !in_share(inv, half))
				continue;
			if (inv < start_inv)
				k = s.n[c] + 1;
			s.idx[c][s.n[c]++] = i;
		}
		s.next[c] = k < s.n[c] ? k : 0;
		pct[c] = budget_of(pc);
	}
	if (budget_init(&b, seconds, 100000, (int)ncases, pct))
		exit(1);
	ret = budget_run(&b, replay_run, replay_clock, &s);
	for (c = 0; c < ncases; c++)
		free(s.idx[c]);
	if (ret) {
		for (c = 0; c < ncases; c++)
			free(s.labels[c]);
		budget_release(&b);
		return -1;
	}
	*frac = 0;
	for (c = 0; c < ncases; c++) {
		double f = (double)s.taken[c] / (double)s.n[c];

		v[c] = malloc((b.cases[c].runs ? b.cases[c].runs : 1) * sizeof(double));
		if (!v[c])
			exit(1);
		memcpy(v[c], b.cases[c].values, b.cases[c].runs * sizeof(double));
		n[c] = b.cases[c].runs;
		lab[c] = s.labels[c]; /* budget_run() appends each case's values in the order they were run */
		if (f > *frac)
			*frac = f;
	}
	budget_release(&b);
	return s.clock;
}

static void budget_row(double seconds, size_t pairs)
{
	double fmax = 0, f;
	size_t k, c, done = 0;
	char extra[160];
	unsigned char *used = malloc(ninv);

	if (!used)
		exit(1);
	tally_reset(pairs);
	for (k = 0; k < pairs; k++) {
		double *vb[MAXC], *vh[MAXC];
		unsigned *lb[MAXC], *lh[MAXC];
		size_t nb[MAXC], nh[MAXC];
		double tb, th;

		memset(used, 0, ninv);
		tb = session(seconds, 0, vb, lb, nb, &f, used);
		if (tb < 0)
			break;
		if (f > fmax)
			fmax = f;
		th = session(seconds, 1, vh, lh, nh, &f, used);
		if (th < 0) {
			for (c = 0; c < ncases; c++) {
				free(vb[c]);
				free(lb[c]);
			}
			break;
		}
		if (f > fmax)
			fmax = f;
		for (c = 0; c < ncases; c++) {
			judge(c, vb[c], lb[c], nb[c], vh[c], lh[c], nh[c], used);
			free(vb[c]);
			free(vh[c]);
			free(lb[c]);
			free(lh[c]);
		}
		kernel_s[nkernel_s++] = tb;
		kernel_s[nkernel_s++] = th;
		done++;
	}
	free(used);
	if (!done) {
		printf("\n--time-budget %.0f: the pool is too small (a session needs more than half of it)\n",
		       seconds);
		return;
	}
	snprintf(extra, sizeof(extra), "; a session took up to %.0f%% of its share of the pool", 100 * fmax);
	{
		char what[64];

		snprintf(what, sizeof(what), "--time-budget %.0f", seconds);
		report(what, stats_median(kernel_s, nkernel_s), extra, seconds);
	}
}

int main(int argc, char **argv)
{
	const char *budgets = NULL;
	size_t pairs = 200, c;
	double fixed_s;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--pairs") && i + 1 < argc)
			pairs = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--budgets") && i + 1 < argc)
			budgets = argv[++i];
		else if (!strcmp(argv[i], "--iterations") && i + 1 < argc)
			iterations = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--stat") && i + 1 < argc)
			use_median = !strcmp(argv[++i], "median");
		else if (!strcmp(argv[i], "--pairing") && i + 1 < argc)
			sequential = !strcmp(argv[++i], "sequential");
		else if (!strcmp(argv[i], "--level-from") && i + 1 < argc)
			level_from = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			rng = strtoull(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "usage: verdict-quality [--pairs N] [--budgets \"S ...\"] "
				"[--iterations M] [--stat mean|median] [--pairing interleaved|sequential]\n"
				"                       [--level-from K] [--seed X] POOL.json...\n");
			return 2;
		}
	}
	for (; i < argc; i++)
		if (load(argv[i]))
			return 1;
	if (ninv < 4 || !ncases) {
		fprintf(stderr, "verdict-quality: needs at least 4 pool documents\n");
		return 2;
	}
	printf("pool: %u invocations;", ninv);
	for (c = 0; c < ncases; c++) {
		double t = 0;
		size_t k;

		for (k = 0; k < cases[c].n; k++)
			t += run_cost(&cases[c].runs[k]);
		printf(" %s %s %zu runs (%.0f s)", cases[c].workload, cases[c].layout, cases[c].n, t);
	}
	if (iterations)
		printf("\nper-run statistic: the %s of the first %u iterations of each run\n",
		       use_median ? "median" : "mean", iterations);
	else
		printf("\nper-run statistic: the %s of each run's iterations\n",
		       use_median ? "median" : "mean");
	inv_sums_fill();
	fixed();
	fixed_s = stats_median(kernel_s, nkernel_s);
	budget_row(fixed_s, pairs);
	if (!budgets)
		budgets = "30 60 120 300 600";
	while (*budgets) {
		char *end;
		double s = strtod(budgets, &end);

		if (end == budgets)
			break;
		budget_row(s, pairs);
		budgets = end;
	}
	if (missed)
		printf("\nverdict-quality: targets missed (FAIL above)\n");
	return missed ? 3 : 0;
}
