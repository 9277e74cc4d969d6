/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_PAGES_H
#define FW_PAGES_H

#include <stdbool.h>

#include "daemon/compare.h"
#include "daemon/server.h"
#include "daemon/store.h"
#include "lib/strbuf.h"

/*
 * The HTML dashboards (docs/design.md's `/`, `/hosts/{name}`,
 * `/kernels/{commit}`, `/compare`, `/alerts`, and `/runs/{id}`), rendered
 * from the store's summaries into rs->body.  Routes, the page cache and
 * the admin session live in routes.c (web_ui, daemon/ui.h); each page_*
 * renders one page.
 */

void page_overview(struct req *rq, struct resp *rs);
void page_kernels(struct req *rq, struct resp *rs);
void page_kernel(struct req *rq, struct resp *rs);
void page_compare(struct req *rq, struct resp *rs);
void page_host(struct req *rq, struct resp *rs);
void page_run(struct req *rq, struct resp *rs);
/* csrf: the session's CSRF token when someone is logged in (triage forms shown), else NULL. */
void page_alerts(struct req *rq, struct resp *rs, const char *csrf);

/*
 * The comparison as tables in the review thread's shape: per workload,
 * layouts as columns, the baseline and the after-change rows with the
 * mean and stdev in % of the baseline mean; cells carry the verdict as a
 * class (v-gain, v-regression, v-unchanged, v-inconclusive, v-na) and a
 * word; the counter attribution under each table.  details adds every
 * metric's n, means, CI and p-values.
 */
void page_compare_tables(struct strbuf *sb, const struct compare_result *res, bool details);
/*
 * Links of a comparison: to /compare (with details), to the mailing-list
 * text /compare.txt, and (without details: on /compare itself) the JSON.
 */
void page_compare_links(struct strbuf *sb, const struct compare_result *res, bool details);
/*
 * A kernel with nothing to compare it with (compare_own): per workload its
 * own table in the review thread's shape (layouts as columns; time mean
 * and stdev, the ratio to order-0, each counter), and for a glance the
 * time per layout of one workload as cells.
 */
void page_own_tables(struct strbuf *sb, const struct compare_result *res);
void page_own_glance(struct strbuf *sb, const struct compare_result *res, const char *wl);
/*
 * Noise (page_noise.c): the sources of forkwatch check that were active
 * while results were measured.  names: space-separated source names, as
 * the store keeps them (store_run.noise).
 *   page_noise_list      "<b>damon</b> (a DAMON kdamond ran ...), <b>load</b> (...)";
 *                        without explain the words go to each name's title
 *   page_noise_warning   a paragraph for one run's page; nothing when !known or quiet
 *   page_compare_noise   a paragraph when a comparison uses such runs, per side
 *   page_compare_noise_mark  a small "noise" cell with the sources in its title
 */
void page_noise_list(struct strbuf *sb, const char *names, bool explain);
void page_noise_warning(struct strbuf *sb, bool known, const char *names);
void page_compare_noise(struct strbuf *sb, const struct compare_result *res);
void page_compare_noise_mark(struct strbuf *sb, const struct compare_result *res);
/*
 * The placement compared (compare_placement_note()) as a paragraph; of
 * class "noise" (a warning) when the baseline has no runs of it.
 */
void page_compare_placement(struct strbuf *sb, const struct compare_result *res);

/*
 * What the host's comparison of a kernel wants, as recorded
 * (compare_wants_words()): "wants 12 more runs: fork order-0, munmap pmd"
 * in a span of class "wants", "has enough runs to decide" of class
 * "hint"; nothing when no record was made or there is no baseline.
 */
void page_wants(struct strbuf *sb, const struct store_wants *w);

/*
 * The verdict of row r as a CSS class and a short word ("lost gain" for a
 * large-folio regression; "slower, size uncertain" for a significant change
 * whose interval still reaches inside the budget, apart from "inconclusive",
 * no evidence either way).
 */
const char *page_verdict_class(const struct compare_row *r);
const char *page_verdict_word(const struct compare_row *r);

#endif
