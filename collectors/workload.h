/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_WORKLOAD_H
#define FW_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "collectors/counters.h"
#include "lib/strbuf.h"

/*
 * The workloads: what one measured iteration of a case does.  A workload
 * is one line of bench_workloads[] and one function, as a benchmark is in
 * perf bench (tools/perf/builtin-bench.c); nothing else in forkwatch or
 * forkwatchd names it.  The engine (bench.c) populates and verifies the
 * region, runs warm-up and measured iterations, reads the counters and
 * records everything; a workload only says what to do to the region.
 *
 * Names follow the rule forkwatchd enforces (parse_workload_ok in
 * lib/parse.h): 1 to WORKLOAD_NAME_MAX - 1 bytes of [a-z0-9_-], a letter
 * first.
 */

/* What a workload works on: one run's region and its clock. */
struct wl_ctx {
	size_t size;          /* bytes of the region */
	size_t align;         /* its alignment: the PMD size (the page size without THP) */
	/*
	 * The populated region.  A measure that moves it or unmaps it says
	 * so here (the new address, or NULL): the engine verifies the
	 * layout where addr points after the last iteration.
	 */
	void *addr;
	void *spare;          /* setup's to use: a second range (mremap's other end) */
	struct ctr_group *g;  /* the counters, enabled by wl_start; NULL: none */
	int on;               /* what enabling the counters returned: not 0 fails the run */
	uint64_t t0, ns;      /* the clock: ns is what wl_stop measured */
	/*
	 * What a child the measured call forks does before it exits (the
	 * engine's placement: move it to another CPU, note where it ran),
	 * with child_ctx; NULL: nothing.  Called in the child, after the
	 * parent's clock has stopped or concurrently with it.
	 */
	void (*child)(struct wl_ctx *w);
	void *child_ctx;
};

struct bench_workload {
	const char *name;
	/*
	 * Each iteration needs a freshly populated region (the call
	 * consumes it): the engine populates one, untimed, before every
	 * iteration, verifies the first and the last measured one just
	 * before the call, and unmaps what is left after it.  Otherwise
	 * one region serves every iteration of a run, verified before the
	 * first and after the last.
	 */
	bool fresh;
	bool in_default;      /* measured when --workloads is not given */
	/*
	 * Counted apart from the timing: the worker times its warm-up and
	 * measured iterations with no counter open at all, then opens the
	 * counters and makes as many calls again, untimed, under them; the
	 * i-th counted call's counts are the i-th iteration's.  For a call
	 * that fires a counted event so often that counting costs it time
	 * (mremap flushes the TLB once per PMD it moves: perf's tracepoint
	 * handler at each flush is 6-9 % of the call, and merely having the
	 * tracepoint open 2-3 %).  Only for a workload that reuses its
	 * region.
	 */
	bool count_apart;
	const char *about;    /* what is timed, for --help and the docs */
	/*
	 * Once per run before the first iteration, after the region is
	 * populated (not for fresh ones: addr is NULL then); NULL when there
	 * is nothing to prepare.  0 or a negative errno.
	 */
	int (*setup)(struct wl_ctx *w);
	/*
	 * One iteration: the measured call between wl_start() and
	 * wl_stop(), then, untimed, whatever puts the region back for the
	 * next iteration.  0 or a negative errno.
	 */
	int (*measure)(struct wl_ctx *w);
};

/* The table, in the order cases run and tables print. */
extern const struct bench_workload bench_workloads[];
extern const unsigned bench_nworkloads;

/* The most workloads the table may hold: a selection is a bit mask. */
#define BENCH_WORKLOADS_MAX 32

/* The workload named by the len bytes at name, or NULL. */
const struct bench_workload *bench_workload_find(const char *name, size_t len);

/* The mask of the workloads measured when --workloads is not given. */
unsigned bench_workloads_default(void);

/*
 * Parse a --workloads value: names separated by commas, or "all".  *mask
 * receives a bit per bench_workloads[] index.  Returns 0, or -EINVAL with
 * why set ("unknown workload 'exec': expected fork, munmap, ... or all").
 */
int bench_workloads_parse(const char *spec, unsigned *mask, struct strbuf *why);

/* "fork, munmap, mprotect, mremap, dontneed": every name, for messages and --help. */
void bench_workloads_names(struct strbuf *out);

static inline uint64_t wl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Start the counters, then the clock: right before the measured call. */
static inline void wl_start(struct wl_ctx *w)
{
	if (w->g)
		w->on = ctr_group_enable(w->g);
	w->t0 = wl_now_ns();
}

/* Stop the clock, then the counters: right after the measured call. */
static inline void wl_stop(struct wl_ctx *w)
{
	uint64_t t1 = wl_now_ns();

	if (w->g)
		ctr_group_disable(w->g);
	w->ns = t1 - w->t0;
}

#endif
