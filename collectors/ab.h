/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_AB_H
#define FW_AB_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"

/*
 * forkwatch ab's comparison: the result documents of interleaved boots of
 * a base and a head kernel, taken in as they come, and the review
 * thread's table with a verdict per case for head against base.
 *
 * The unit of replication is the boot (lib/nest.h says why): each case's
 * per-run means are grouped by boot, each boot's mean is one value, and
 * the verdict is lib/cmp.h's on those values, with the budgets of the
 * server's comparison (order-0 1%, other layouts 2%, alpha 0.01, 95%
 * intervals).  Beside it, each case says how its spread splits into
 * boot-to-boot and run-to-run (within a boot) parts, over both kernels'
 * boots (each around its own kernel's mean).  Only runs whose layout was
 * verified before and after count, as on the server.
 */
struct ab;

struct ab *ab_new(void);
void ab_free(struct ab *ab);

/*
 * Take in one document of a boot: head is false for the base; boot labels
 * the boot (unique within the session).  Returns 0, or -EINVAL with err
 * set when the document is not one (it is then left out).
 */
int ab_add_doc(struct ab *ab, bool head, unsigned boot, const char *doc, size_t len, struct strbuf *err);

/*
 * The report: per workload the thread's table (mean change and stdev in
 * % of the base mean; the stdev that of the runs, the thread's
 * convention), then per case its verdict with the boot-level interval,
 * the variance split and the counters that moved most.  tcg adds the
 * plain words that under emulation only ratios and counts mean anything.
 * Returns the number of cases whose verdict is a gain or a regression.
 */
int ab_report(const struct ab *ab, const char *base, const char *head, const char *accel, struct strbuf *out);

/*
 * Whether every case's time is known precisely enough to decide against
 * its budget: 3 boots a side at least, and the boot-level 95% interval of
 * the change no wider than the budget (+-half of it: order-0 +-0.5%,
 * other layouts +-1%).  What --time-budget stops on: the interval's
 * width, never a p-value or a verdict, so that looking after every pair
 * does not make false alarms more likely.  Cases without values on both
 * sides do not count.
 */
bool ab_precise(const struct ab *ab);

/*
 * Whether ab boots another pair (a base and a head): always until
 * min_pairs (--boots) are done; past them only with a time budget
 * (budget_s > 0), while not every case is precise and one more pair,
 * taken to last as long as the mean pair so far, ends within the budget
 * of elapsed_s since the first boot; never past max_pairs.
 */
bool ab_more_pairs(bool precise, unsigned pairs_done, unsigned min_pairs, unsigned max_pairs, double elapsed_s,
		   double budget_s);

#endif
