/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_COMPARE_H
#define FW_COMPARE_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/cmp.h"
#include "lib/nest.h"
#include "lib/plan.h"
#include "daemon/doc.h"
#include "lib/jsonw.h"
#include "daemon/store.h"
#include "lib/strbuf.h"

/*
 * A comparison of two kernels on one host: per case (workload, layout)
 * and metric, the per-run means of every upload of each kernel, their
 * statistics and a verdict.  Reads summaries only, never samples.
 *
 * The unit of replication is the run on bare metal.  On a host whose
 * results ran in forkwatch vm's guest (vm_accel set) every upload is one
 * boot of its kernel, whose runs share that boot's effects: there the
 * unit is the boot, as in forkwatch ab (lib/nest.h says why): each
 * upload's mean of its runs is one value, the verdict is on those, and a
 * verdict needs 3 boots a side.
 */

#define COMPARE_MAX_RUNS 256 /* per-run means kept per side and row */
/*
 * more_runs when more than that would be needed ("1000 or more"):
 * plan_stop()'s cap, PLAN_STOP_INIT's max_runs, where it stops counting
 */
#define COMPARE_WANTS_MANY (((struct plan_stop_params)PLAN_STOP_INIT).max_runs)

struct compare_config {
	double alpha;           /* significance, default 0.01 */
	double budget_order0;   /* % slowdown allowed for order-0, default 1 */
	double budget_other;    /* % for other layouts, default 2 */
	double confidence;      /* of the interval, default 0.95 */
};

/* The budget a case is decided against: budget_order0 for order-0, budget_other for the rest. */
double compare_budget(const struct compare_config *cfg, int order, const char *layout);

void compare_config_defaults(struct compare_config *cfg);

struct compare_row {
	char workload[WORKLOAD_NAME_MAX], layout[16], metric[32];
	int order;
	bool supported;         /* on both sides */
	char reason[1001];      /* why not supported, or why missing */
	unsigned nb, nh;
	double base[COMPARE_MAX_RUNS], head[COMPARE_MAX_RUNS]; /* per-run means */
	unsigned base_upload[COMPARE_MAX_RUNS], head_upload[COMPARE_MAX_RUNS]; /* of each value */
	unsigned uploads_b, uploads_h; /* uploads read for this row, per side */
	/* by boot (compare_result.by_boot): boots with values, and the share of each side's variance that is boot to boot */
	unsigned boots_b, boots_h;
	double boot_share_b, boot_share_h;
	double base_mean, head_mean;
	double base_sd_pct, head_sd_pct; /* stdev in % of the baseline mean (the thread's convention) */
	double delta_pct, ci_lo, ci_hi;  /* change of the mean, % of the baseline mean */
	double p_welch, p_mw;
	double threshold;       /* the budget that applied, % */
	enum cmp_verdict verdict;
	bool missing;           /* the base has no values for it */
	unsigned runs_needed;   /* inconclusive or significant: runs (by boot: boots) per side that would likely decide */
	/*
	 * Whether the runs are enough to decide against the budget, on the
	 * interval's width alone (lib/plan.h, plan_stop() of head against
	 * base): projected half-width (spreads bounded from above), its
	 * target (half the budget), and the further runs per side it wants.
	 */
	double width_pct, width_target_pct;
	bool enough_runs;
	unsigned more_runs;	/* at most COMPARE_WANTS_MANY: that many or more */
	unsigned skipped_runs;  /* runs left out: their layout did not verify */
	/*
	 * The iterations per run compared (the head's newest upload's), and
	 * the runs of each side left out because they had other iterations
	 * per run (the last such count seen in other_iterations_*): a run's
	 * mean depends on how many iterations it has, since its first
	 * iterations are slower than the rest (bench/README.md,
	 * "verdict-quality.sh").  head_iters[] is each head value's, until
	 * compare_keep_newest_iterations() has kept the newest's.
	 */
	unsigned iterations;
	unsigned head_iters[COMPARE_MAX_RUNS];
	/*
	 * The session level (bare metal only): how far the mean of one
	 * upload of a kernel strays from the kernel's own level, as an sd in
	 * % of the mean, for this case, metric and iterations on this host,
	 * pooled from every kernel the host uploaded twice or more with this
	 * placement (lib/nest.h, nest_pool_prior(): `level`, whose var is NAN
	 * when unknown; its kernels and sessions say from how much;
	 * compare_level_sd_pct() gives it as the sd).  When it is known
	 * (session_model) the verdict counts it: the runs are grouped by
	 * upload and compared by nest_compare_prior(), so that a kernel
	 * measured in one session and its base in another are not told apart
	 * by their sessions' levels; sessions_b/h are the uploads with runs,
	 * session_share the level's part of the interval's variance, and
	 * session_floor_pct how far the interval would still reach with
	 * infinitely many runs in the uploads it has.  Unknown (the host has
	 * no kernel uploaded twice): the runs are compared as independent
	 * (cmp_compare()), and the interval covers run-to-run noise only.
	 */
	bool session_model;
	struct nest_prior level;
	unsigned sessions_b, sessions_h;
	double session_share, session_floor_pct;
	/*
	 * Undecided with the session level: the head's uploads in all that
	 * would likely decide, the base as it is (nest_prior_result's
	 * head_sessions_needed; more_runs then counts their runs), or
	 * cannot_decide when more uploads of the head cannot (the base's own
	 * uploads leave the interval too wide, or more than
	 * STORE_COMPARE_UPLOADS would be needed): the case is then not wanted.
	 */
	unsigned head_sessions_needed;
	bool cannot_decide;
	unsigned skipped_iterations_b, skipped_iterations_h;
	unsigned other_iterations_b, other_iterations_h;
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
	char vm_accel[8];       /* the host's runs ran in forkwatch vm's guest: "kvm", "tcg"; "" bare metal */
	bool by_boot;           /* the unit is the boot (an upload): a VM's host */
	/*
	 * Runs made with different placements are never pooled: the
	 * comparison takes the placement of the head's newest upload, and of
	 * each side only the uploads made with it.
	 */
	char placement[8];      /* "same", "split", "free" */
	int parent_cpu, child_cpu; /* of the head's newest upload; -1 for free */
	struct compare_uploads base_uploads, head_uploads;
	bool base_lacks_placement; /* the base has no upload of this placement: every row is missing */
	int64_t head_newest_run;   /* the id of the head's newest upload read (its records are as of it) */
	double confidence;      /* of the intervals, as configured */
	int nrows;
	size_t arows;
	struct compare_row *rows; /* in the head's case and metric order (ns first) */
	struct compare_noise base_noise, head_noise;
	/*
	 * Set when compare_build answers -ENOENT because the host and the
	 * kernel exist but nothing to compare it with does: the host's first
	 * kernel (compare_own then gives the kernel's own figures).
	 */
	bool no_base;
};

/* A row's session level as an sd in % of the mean; NAN when unknown. */
static inline double compare_level_sd_pct(const struct compare_row *r)
{
	return 100 * sqrt(r->level.var);
}

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
 * Compare kernel head against base on host.  Kernels are named by their
 * ident as stored ("<sha>", "release:<uname -r>"), or by a bare release
 * when exactly one kernel the host ran has it (several: err names them).
 * base may be NULL: then the kernel's parent commit if the host ran it,
 * else the baseline pinned for the host, else the kernel the host ran
 * before it.  Returns 0, -ENOENT with err set (no such host, kernel or
 * baseline; res->no_base when only the baseline is missing, res holding
 * nothing to release), -EINVAL with err set (an ambiguous release, base
 * and head the same), or a store error.
 */
int compare_build(struct store *st, const char *host, const char *base, const char *head,
		  const struct compare_config *cfg, struct compare_result *res, struct strbuf *err);

/*
 * Whether compare_build(host, NULL, head) would find a baseline: *has, and
 * 0 or a store error (no such host or kernel: 0, *has false).  For pages,
 * so that no link leads to a comparison that cannot be made.
 */
int compare_has_base(struct store *st, const char *host, const char *head, bool *has);

/*
 * The kernel's own figures on host, for a kernel with nothing to compare
 * it with: res as compare_build fills it for the head side alone (base
 * empty, base_why NULL; rows' nb 0; head_mean, and head_sd_pct in % of
 * the head's own mean).  Returns 0, -ENOENT with err set, -EINVAL with
 * err set (an ambiguous release), or a store error.  Release res after 0.
 */
int compare_own(struct store *st, const char *host, const char *head, struct compare_result *res,
		struct strbuf *err);
void compare_result_release(struct compare_result *res);

/*
 * What a comparison of a VM's results must say, or NULL on bare metal:
 * which accelerator, and under TCG that only ratios and counts mean
 * anything.  (A host's runs are all of one kind: api.c refuses a mix.)
 */
const char *compare_vm_note(const char *vm_accel);

/* What a comparison by boot (compare_result.by_boot) says of its verdicts, one sentence. */
#define COMPARE_BY_BOOT_WORDS                                                                         \
	"Verdicts on per-boot means: each upload of a VM is one boot, whose runs share its effects, " \
	"so the boot is the unit (3 boots a side for a verdict)."

/*
 * What a bare-metal comparison says when a row had no session level to
 * count (compare_row.session_model false), one paragraph.
 */
#define COMPARE_SESSION_UNKNOWN_WORDS                                                                  \
	"Session level unknown: too few repeated uploads on this host of a kernel with this case, "    \
	"iterations and placement (a kernel uploaded three times, or two kernels twice, give it), so " \
	"the runs are compared as if independent, and one upload's own level can read as a change "   \
	"(on a noisy machine often: bench/README.md, verdict-quality.sh). forkwatch agent adds "       \
	"uploads of the kernel until it is known."

/*
 * Whether a time row of res was compared without the host's session level
 * (bare metal, both sides with runs, compare_row.session_model false):
 * then COMPARE_SESSION_UNKNOWN_WORDS belongs beside it.
 */
bool compare_session_unknown(const struct compare_result *res);
/* Whether a time row of res was compared with the host's session level. */
bool compare_level_known(const struct compare_result *res);
/* The head's uploads of the compared placement. */
unsigned compare_head_uploads(const struct compare_result *res);

/*
 * The session level of every case, metric and iterations of a host with
 * placement (NULL: any) that it can be estimated for (a kernel uploaded
 * twice or more), as its comparisons take it: cb for each, in workload,
 * layout, iterations and metric order.  0, a store error, or what cb
 * returned.
 */
typedef int (*compare_level_cb)(void *ctx, const char *workload, const char *layout, const char *metric,
				unsigned iterations, const struct nest_prior *level);
int compare_session_levels(struct store *st, int64_t host_id, const char *placement, compare_level_cb cb,
			   void *ctx);

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

/*
 * What a comparison wants before it can decide, as forkwatchd records it
 * per host and kernel (store_wants; the agent's "has enough runs to
 * decide"): the time rows whose verdict is still open (inconclusive, or
 * significant with its size uncertain) and whose interval is too wide
 * to decide against the budget (precision's enough_runs false) want
 * more runs; w->runs is the largest of their more_runs (at least 1 each:
 * a row whose further runs cannot be estimated still wants one), and
 * w->cases names them.  0 when every row can decide.  w->recorded and
 * w->has_base are set, w->base is res->base.
 */
void compare_wants(const struct compare_result *res, struct store_wants *w);

/*
 * "wants 12 more runs: fork order-0, munmap pmd" / "has enough runs to
 * decide" / "no baseline to compare with", appended to out; nothing for
 * a record not made.
 */
void compare_wants_words(const struct store_wants *w, struct strbuf *out);

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
