// SPDX-License-Identifier: GPL-2.0
/*
 * False alarms and detection of forkwatch's verdicts on real noise.
 *
 *   alert-quality RESULT.json...   (an even number of forkwatch bench
 *                                  results of one kernel on one machine)
 *
 * Pairs the results (1st with 2nd, 3rd with 4th, ...) as base and head,
 * compares each case's per-run means of the fork time with lib/cmp (the
 * daemon's verdicts: 1% budget for order-0, 2% for the other layouts,
 * alpha 0.01, 95% interval), and counts regressions (false alarms: the
 * kernel is the same) and gains.  Then scales the head's order-0 per-run
 * means by +1%, +2% and +5% and counts how many regressions are caught.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cmp.h"
#include "lib/jread.h"
#include "lib/strbuf.h"

#define MAXC 16
#define MAXR 64

struct result {
	int ncases;
	char layout[MAXC][16];
	int nruns[MAXC];
	double means[MAXC][MAXR];
};

static int load(const char *path, struct result *r)
{
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;
	struct jread_node *root = NULL;
	const struct jread_node *cases;
	size_t i, j, k;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (strbuf_read_file(&sb, path, 64 << 20) || jread_parse(&root, sb.buf, sb.len, &err)) {
		fprintf(stderr, "alert-quality: %s: cannot read: %s\n", path, err.buf);
		goto out;
	}
	cases = jread_get(root, "cases");
	for (i = 0; (size_t)r->ncases < MAXC && jread_at(cases, i); i++) {
		const struct jread_node *c = jread_at(cases, i), *runs = jread_get(c, "runs");

		if (strcmp(jread_str(jread_get(c, "workload")), "fork"))
			continue;
		snprintf(r->layout[r->ncases], 16, "%s", jread_str(jread_get(c, "layout")));
		for (j = 0; j < MAXR && jread_at(runs, j); j++) {
			const struct jread_node *ns = jread_get(jread_at(runs, j), "ns");
			double sum = 0, v;

			for (k = 0; jread_at(ns, k); k++)
				if (jread_num(jread_at(ns, k), &v))
					sum += v;
			if (k)
				r->means[r->ncases][r->nruns[r->ncases]++] = sum / (double)k;
		}
		r->ncases++;
	}
	ret = 0;
out:
	jread_free(root);
	strbuf_release(&sb);
	strbuf_release(&err);
	return ret;
}

int main(int argc, char **argv)
{
	static const double scales[] = { 0, 0.01, 0.02, 0.05 };
	struct result *res;
	int n = argc - 1, p, c, s, i;
	int counts[MAXC][4][CMP_VERDICTS] = { { { 0 } } }; /* case, scale, verdict */

	if (n < 2 || n % 2) {
		fprintf(stderr, "usage: alert-quality RESULT.json... (an even number, 2 or more)\n");
		return 2;
	}
	res = calloc((size_t)n, sizeof(*res));
	if (!res)
		return 1;
	for (i = 0; i < n; i++)
		if (load(argv[i + 1], &res[i]))
			return 1;
	for (p = 0; p < n / 2; p++) {
		struct result *b = &res[2 * p], *h = &res[2 * p + 1];

		for (c = 0; c < b->ncases && c < h->ncases; c++) {
			struct cmp_params prm = CMP_PARAMS_INIT;
			bool order0 = !strcmp(b->layout[c], "order-0");

			prm.threshold_pct = order0 ? 1.0 : 2.0;
			for (s = 0; s < 4; s++) {
				double head[MAXR];
				struct cmp_result cr;

				if (s && !order0)
					continue;
				for (i = 0; i < h->nruns[c]; i++)
					head[i] = h->means[c][i] * (1 + scales[s]);
				if (cmp_compare(b->means[c], (size_t)b->nruns[c], head, (size_t)h->nruns[c],
						&prm, &cr))
					continue;
				counts[c][s][cr.verdict]++;
			}
		}
	}
	printf("%d pairs of runs of one kernel (fork, 1 GiB, per-run means)\n\n", n / 2);
	printf("%-8s %-10s %11s %12s %9s %6s %13s\n", "layout", "head", "regression", "significant",
	       "unchanged", "gain", "inconclusive");
	for (c = 0; c < res[0].ncases; c++)
		for (s = 0; s < 4; s++) {
			char head[32];

			if (s && strcmp(res[0].layout[c], "order-0"))
				continue;
			snprintf(head, sizeof(head), s ? "+%.0f%%" : "as run", 100 * scales[s]);
			printf("%-8s %-10s %11d %12d %9d %6d %13d\n", res[0].layout[c], head,
			       counts[c][s][CMP_REGRESSION], counts[c][s][CMP_SIGNIFICANT],
			       counts[c][s][CMP_UNCHANGED],
			       counts[c][s][CMP_GAIN], counts[c][s][CMP_INCONCLUSIVE]);
		}
	printf("\nrows 'as run': a regression is a false alarm (both sides are the same kernel).\n"
	       "significant: significant, size uncertain (p < alpha, the estimate past the budget,\n"
	       "the interval reaching inside it): no alert.\n"
	       "rows '+N%%': the head's order-0 per-run means scaled by 1+N%%: a regression is a catch.\n");
	free(res);
	return 0;
}
