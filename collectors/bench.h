/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_BENCH_H
#define FW_BENCH_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "collectors/counters.h"
#include "collectors/folio.h"
#include "collectors/ident.h"
#include "collectors/layout.h"
#include "collectors/noise.h"
#include "collectors/workload.h"
#include "collectors/placement.h"
#include "lib/strbuf.h"

/*
 * The benchmark engine: runs x cases, a case a (workload, layout), each
 * run of each case in a fresh worker process with a fresh mapping,
 * layouts interleaved run by run so that drift hits every case alike.
 * What a workload does is its line of bench_workloads[] (workload.h).
 */

/* The most runs one benchmark takes (--runs): the table's per-run arrays are this long. */
#define BENCH_RUNS_MAX 1000

struct bench_params {
	uint64_t size;
	unsigned runs;
	unsigned iterations;        /* per run, of the workloads that reuse their region */
	unsigned fresh_iterations;  /* per run, of those that need a fresh region each (wl->fresh) */
	unsigned warmup;
	unsigned workloads;         /* bit per bench_workloads[] index */
	int nlayouts;
	struct layout layouts[LAYOUT_MAX];
	struct thp_info thp;
	struct ctr_set ctrs;
	double time_budget_s;       /* > 0: --time-budget; runs is then each case's most */
	struct placement_cpus placement; /* where the worker and its children run */
};

/* One layout verification. */
struct bench_check {
	bool done;      /* false: no check was made (the run failed first) */
	bool ok;
	struct folio_hist hist;
	char why[200];  /* when !ok */
};

/* The CPUs a process was seen on (sched_getcpu()), the first few distinct ones. */
#define BENCH_CPUS_SEEN 8
struct bench_cpus_seen {
	int16_t cpu[BENCH_CPUS_SEEN];
	uint8_t n;
	bool more;                 /* seen on more CPUs than cpu[] holds */
};

/* Note cpu in s (a negative cpu, sched_getcpu() failing, is not noted). */
/*
 * Whether a run of wl under the counters set counts apart: the workload
 * says so (workload.h) and at least one counter of set is supported.
 */
bool bench_counts_apart(const struct bench_workload *wl, const struct ctr_set *set);

void bench_cpus_seen_add(struct bench_cpus_seen *s, int cpu);

/* One run of one case; lives in shared memory the worker writes into. */
struct bench_run {
	bool ok;                   /* the worker measured every iteration */
	bool done;                 /* set by the worker when it finished */
	bool grouped;              /* its counters were one perf group */
	char error[256];           /* when !ok */
	struct bench_check before, after;
	struct bench_cpus_seen parent_cpus; /* the worker's CPU after each fork or munmap */
	struct bench_cpus_seen child_cpus;  /* each fork child's CPU right before it exits */
	unsigned iters;
	uint64_t wall_ns;          /* the parent's fork of the worker to its reaping: the run's cost */
	/*
	 * The worker's measured iterations, first start to last end; for a
	 * run that counted apart, plus those of its counting pass.
	 */
	uint64_t measured_ns;
	bool counted_apart;        /* the worker made the second, untimed pass (bench_counts_apart) */
	uint64_t *ns;              /* [iters] */
	struct ctr_reading *rd;    /* [iters * ctrs.n], row per iteration */
};

struct bench_case {
	const struct bench_workload *wl;
	const struct layout *layout;
	unsigned iterations;
	struct bench_run *runs;    /* [params.runs] */
	unsigned nruns;            /* runs taken: params.runs, or fewer with --time-budget */
	/* with --time-budget (collectors/budget.h): why it stopped, its last width check */
	int end;                   /* enum budget_end */
	double budget_pct;
	double half_width_pct, target_pct;
};

struct bench_result {
	struct bench_params params;
	char run_uuid[37];
	char started_at[32], finished_at[32];
	struct kernel_ident kernel;
	struct host_ident host;
	struct noise_snapshot noise; /* the machine's noise sources, what --tune changed, what changed during */
	bool grouped;              /* counters opened as one group */
	double elapsed_s;          /* the runs' time, together */
	int ncases;
	struct bench_case *cases;
	void *arena;               /* the runs' shared memory (MAP_SHARED) */
	size_t arena_len;
};

/*
 * Called between cases with what is about to run (run: the case's run, from
 * 0; runs 0 with a time budget, where the runs are not known before);
 * library code prints nothing itself.
 */
typedef void (*bench_progress_fn)(void *ctx, unsigned run, unsigned runs, int case_idx,
				  int ncases, const struct bench_case *c, double elapsed_s);

/*
 * Run the matrix: params.runs rounds of every case, or with a time budget
 * (params.time_budget_s > 0) rounds of the cases still going until each
 * case's interval is narrow enough or the time is up (collectors/budget.h),
 * params.runs then the most runs a case may take; each case's nruns says
 * how many it took.  params must be complete (layouts, counters, thp);
 * kernel and host identity must already be in res.  Knobs are set through
 * kj and left for the caller to restore.  stop: set by a signal handler to
 * abandon the run (the current worker is killed).
 * Returns 0, -EINTR when stopped, or a negative errno with err set.  A
 * case whose layout could not be made or verified is not an error: it is
 * recorded in the result.
 */
int bench_run(struct bench_result *res, struct knob_journal *kj, volatile sig_atomic_t *stop,
	      bench_progress_fn progress, void *ctx, struct strbuf *err);

/*
 * The budget a case is decided against, as the server's defaults: 1% for
 * order-0, 2% for the large folios (--time-budget's target is half of it).
 */
double bench_case_budget_pct(const struct bench_case *c);

/* Free what res holds (not res itself). */
void bench_result_release(struct bench_result *res);

/* Write res as a forkwatch-result/1 document (schema/result-format.md). */
void bench_result_json(const struct bench_result *res, struct strbuf *out);

/*
 * How many runs of c verified their layout before and after measuring;
 * *why (when why is not NULL) the first reason one did not, or NULL.
 */
unsigned bench_case_verified(const struct bench_result *res, const struct bench_case *c,
			     const char **why);

/*
 * The mean over runs of each run's mean per iteration of a metric
 * (metric < 0: time in ns), skipping runs that failed.  means receives
 * up to runs values; returns how many.
 */
unsigned bench_case_run_means(const struct bench_result *res, const struct bench_case *c,
			      int metric, double *means);

/*
 * The time left of a benchmark, estimated per case (phase) from the runs
 * so far: a case's remaining runs each take what its finished runs took
 * on average; a case not yet run once, the average of the cases that
 * have.  Cases are at most BENCH_ETA_CASES (more share the last slot).
 * Zero-initialise, then call bench_eta_step() as each case starts.
 */
#define BENCH_ETA_CASES (2 * LAYOUT_MAX)

struct bench_eta {
	double sum[BENCH_ETA_CASES]; /* seconds, of the finished runs of each case */
	unsigned n[BENCH_ETA_CASES];
	int prev;                    /* the case that ran last, -1 none */
	double prev_at;              /* elapsed seconds when it started */
	bool started;
};

/*
 * Case ci of ncases is starting in run (0-based) of runs, elapsed seconds
 * after the start: the case before it has finished.  Returns the seconds
 * left including this case, or a negative value while nothing is known.
 */
double bench_eta_step(struct bench_eta *e, unsigned run, unsigned runs, int ci, int ncases,
		      double elapsed);

#endif
