/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_COMPARE_H
#define FW_COMPARE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/cmp.h"
#include "daemon/doc.h"
#include "lib/jsonw.h"
#include "daemon/store.h"
#include "lib/strbuf.h"

/*
 * A comparison of two kernels on one host: per case (workload, layout)
 * and metric, the per-run means of every upload of each kernel (the run
 * is the unit of replication), their statistics and a verdict.  Reads
 * summaries only, never samples.
 */

#define COMPARE_MAX_RUNS 256 /* per-run means kept per side and row */

struct compare_config {
	double alpha;           /* significance, default 0.01 */
	double budget_order0;   /* % slowdown allowed for order-0, default 1 */
	double budget_other;    /* % for other layouts, default 2 */
	double confidence;      /* of the interval, default 0.95 */
};

void compare_config_defaults(struct compare_config *cfg);

struct compare_row {
	char workload[WORKLOAD_NAME_MAX], layout[16], metric[32];
	int order;
	bool supported;         /* on both sides */
	char reason[1001];      /* why not supported, or why missing */
	unsigned nb, nh;
	double base[COMPARE_MAX_RUNS], head[COMPARE_MAX_RUNS]; /* per-run means */
	double base_mean, head_mean;
	double base_sd_pct, head_sd_pct; /* stdev in % of the baseline mean (the thread's convention) */
	double delta_pct, ci_lo, ci_hi;  /* change of the mean, % of the baseline mean */
	double p_welch, p_mw;
	double threshold;       /* the budget that applied, % */
	enum cmp_verdict verdict;
	bool missing;           /* the base has no values for it */
	unsigned runs_needed;   /* inconclusive or significant: runs per side that would likely decide */
	/*
	 * Whether the runs are enough to decide against the budget, on the
	 * interval's width alone (lib/plan.h, plan_stop() of head against
	 * base): projected half-width (spreads bounded from above), its
	 * target (half the budget), and the further runs per side it wants.
	 */
	double width_pct, width_target_pct;
	bool enough_runs;
	unsigned more_runs;
	unsigned skipped_runs;  /* runs left out: their layout did not verify */
};

/* The noise sources active in one side's uploads (their noise snapshots). */
struct compare_noise {
	unsigned uploads;       /* compared */
	unsigned noisy;         /* of them, measured with a noise source active */
	unsigned unknown;       /* of them, without a snapshot (older collectors) */
	char names[2048];       /* every active source once, space-separated; "" none */
};

/*
 * Uploads of one side by placement, in compare_placement_names' order:
 * how many the comparison pooled (those of its placement) and left out.
 */
#define COMPARE_PLACEMENTS 3
extern const char *const compare_placement_names[COMPARE_PLACEMENTS]; /* same, split, free */
struct compare_uploads {
	unsigned by_placement[COMPARE_PLACEMENTS];
};

struct compare_result {
	char host[STORE_NAME_MAX];
	char base[DOC_IDENT_MAX], head[DOC_IDENT_MAX];
	const char *base_why;   /* "requested", "parent commit", "pinned baseline", "previous kernel" */
	/*
	 * Runs made with different placements are never pooled: the
	 * comparison takes the placement of the head's newest upload, and of
	 * each side only the uploads made with it.
	 */
	char placement[8];      /* "same", "split", "free" */
	int parent_cpu, child_cpu; /* of the head's newest upload; -1 for free */
	struct compare_uploads base_uploads, head_uploads;
	bool base_lacks_placement; /* the base has no upload of this placement: every row is missing */
	double confidence;      /* of the intervals, as configured */
	int nrows;
	size_t arows;
	struct compare_row *rows; /* in the head's case and metric order (ns first) */
	struct compare_noise base_noise, head_noise;
};

/*
 * The noise of the uploads a comparison takes of kernel on host (the
 * newest STORE_COMPARE_UPLOADS made with placement; NULL: any).  0 or a
 * store error.
 */
int compare_noise_of(struct store *st, int64_t host_id, const char *kernel, const char *placement,
		     struct compare_noise *n);

/*
 * In words: "same (parent and child on CPU 1)", "split (parent on CPU 1,
 * child on CPU 0)", "free (the scheduler decides)".  Appends to out.
 */
void compare_placement_words(const char *placement, int parent_cpu, int child_cpu,
			     struct strbuf *out);

/*
 * One line for pages and reports about the placement: which one was
 * compared, the uploads of other placements left out, and when the base
 * has none of it, that nothing could be compared and what to do.
 */
void compare_placement_note(const struct compare_result *res, struct strbuf *out);

/*
 * One line for pages and reports when a side was measured with a noise
 * source active: "baseline: 2 of 3 uploads with damon, load active;
 * after-change: ...".  Appends nothing when neither was.  Returns whether
 * it appended.
 */
bool compare_noise_words(const struct compare_result *res, struct strbuf *out);

/*
 * Compare kernel head against base on host (names and idents as stored).
 * base may be NULL: then the kernel's parent commit if the host ran it,
 * else the baseline pinned for the host, else the kernel the host ran
 * before it.  Returns 0, -ENOENT with err
 * set (no such host, kernel or baseline), or a store error.
 */
int compare_build(struct store *st, const char *host, const char *base, const char *head,
		  const struct compare_config *cfg, struct compare_result *res, struct strbuf *err);
void compare_result_release(struct compare_result *res);

/* How reports name a metric: "dTLB misses", "TLB flushes", "time"; unknown ones as they are. */
const char *compare_metric_words(const char *metric);

/*
 * In words, the counters whose per-operation change is largest for the
 * case of row t (at most three, largest first): what accounts for its time
 * change, "+18.2% dTLB misses per W; +0.0% TLB flushes per W (unchanged)",
 * W the row's workload.
 */
void compare_attribution(const struct compare_result *res, const struct compare_row *t,
			 struct strbuf *out);

/*
 * Append the query of a comparison, "host=H&head=K[&base=B]", each value
 * percent-encoded: what /compare, /compare.txt and /api/v1/compare take.
 * base may be NULL (the host's baseline).
 */
void compare_query(struct strbuf *out, const char *host, const char *head, const char *base);

/*
 * Whether row i is the first row of its workload (rows keep the head's
 * case order).  Code that shows a comparison per workload walks the rows
 * and starts a workload where this is true: it meets each workload once,
 * in the order the collector ran them, and names none.  O(i).
 */
bool compare_row_starts_workload(const struct compare_result *res, int i);

/* The JSON of GET /api/v1/compare, as an object under key (NULL at the top). */
void compare_json(const struct compare_result *res, struct jw *jw, const char *key);

/*
 * The plain-text report of GET /compare.txt: per workload a table in the
 * review thread's shape (rows baseline / after-change, columns per
 * layout, mean % and stdev % of the baseline), then the counter lines
 * and the verdicts.
 */
void compare_text(const struct compare_result *res, struct strbuf *out);

#endif
