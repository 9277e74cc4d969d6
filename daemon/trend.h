/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_TREND_H
#define FW_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/changepoint.h"
#include "daemon/doc.h"
#include "daemon/store.h"

/*
 * A host's history: per case (workload, layout), the time per operation
 * on each kernel it ran, kernels in the order of their first upload.
 * Several uploads of one kernel pool into one point (their per-run means
 * together: mean and stdev over all runs).  Only uploads whose layout
 * verified count.  Change points are searched along each case's kernels
 * (lib/changepoint, default parameters).  Reads summaries only.
 */
struct trend_case {
	char workload[WORKLOAD_NAME_MAX], layout[16];
	int order;
	double *mean, *sd;     /* per kernel index; NAN where no verified upload */
	unsigned *runs;        /* per kernel index: runs pooled */
	int ncp;
	struct cp_point cp[CP_MAX]; /* cp[i].index is a kernel index */
};

struct trend {
	size_t nkernels;
	char (*kernel)[DOC_IDENT_MAX];
	size_t ncases;
	struct trend_case *cases;
};

/*
 * Build host_id's trend into t (released by trend_release). 0 or a
 * negative errno.  In two steps, so that the store connection is held
 * only for the first: trend_load() reads the points (no change points
 * yet), trend_changepoints() searches them (no store).
 */
int trend_build(struct store *st, int64_t host_id, struct trend *t);
int trend_load(struct store *st, int64_t host_id, struct trend *t);
int trend_changepoints(struct trend *t);
void trend_release(struct trend *t);
/*
 * Whether case c is the first case of its workload in t: code that draws
 * per workload walks the cases and starts one where this is true, so
 * that it names no workload.  O(c).
 */
bool trend_case_starts_workload(const struct trend *t, size_t c);
/* The case of t, or NULL. */
const struct trend_case *trend_case_find(const struct trend *t, const char *workload,
					 const char *layout);

#endif
