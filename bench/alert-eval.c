// SPDX-License-Identifier: GPL-2.0
/*
 * How long evaluating alerts on ingest takes with a long history.
 *
 *   alert-eval DB [REPEAT]
 *
 * Opens a forkwatchd database (e.g. bench/read.sh's 100 hosts x 300
 * kernels), takes the host with the most kernels and its newest kernel,
 * and times alerts_find() (the comparison with the baseline that every
 * upload triggers: baseline choice, the summaries of both kernels, the
 * statistics) REPEAT times; prints p50, p99 and max.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/alerts.h"
#include "lib/stats.h"
#include "daemon/store.h"

struct best {
	char host[STORE_NAME_MAX];
	int64_t id;
	int64_t kernels;
};

static int count_kernel(void *ctx, const struct store_kernel *k)
{
	(void)k;
	(*(int64_t *)ctx)++;
	return 0;
}

static int pick_host(void *ctx, const struct store_host *h)
{
	struct best *b = ctx;

	if (!b->host[0]) {
		snprintf(b->host, sizeof(b->host), "%s", h->name);
		b->id = h->id;
	}
	return 0;
}

struct newest {
	char ident[DOC_IDENT_MAX];
};

static int first_kernel(void *ctx, const struct store_kernel *k)
{
	struct newest *n = ctx;

	if (!n->ident[0])
		snprintf(n->ident, sizeof(n->ident), "%s", k->ident);
	return 0;
}

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	struct store *st;
	struct best b = { "", 0, 0 };
	struct newest nk = { "" };
	struct compare_config cfg;
	struct alerts_found *f = malloc(sizeof(*f));
	int repeat = argc > 2 ? atoi(argv[2]) : 200, i;
	double *t;

	if (argc < 2 || repeat < 1 || !f) {
		fprintf(stderr, "usage: alert-eval DB [REPEAT]\n");
		return 2;
	}
	t = calloc((size_t)repeat, sizeof(*t));
	if (!t || store_open(&st, argv[1], &err)) {
		fprintf(stderr, "alert-eval: %s\n", err.buf);
		return 1;
	}
	store_host_list(st, false, pick_host, &b);
	store_host_kernels(st, b.id, count_kernel, &b.kernels);
	store_host_kernels(st, b.id, first_kernel, &nk);
	compare_config_defaults(&cfg);
	for (i = 0; i < repeat; i++) {
		double t0 = now_us();

		if (alerts_find(st, b.host, nk.ident, &cfg, f)) {
			fprintf(stderr, "alert-eval: %s\n", store_errmsg(st));
			return 1;
		}
		t[i] = now_us() - t0;
	}
	qsort(t, (size_t)repeat, sizeof(*t), cmp_d);
	printf("host '%s' with %lld kernels of history, head %s: %d findings\n", b.host,
	       (long long)b.kernels, nk.ident, f->n);
	printf("alerts_find: p50 %.0f us, p99 %.0f us, max %.0f us over %d evaluations\n",
	       t[repeat / 2], t[(repeat * 99) / 100], t[repeat - 1], repeat);
	store_close(st);
	free(t);
	free(f);
	return 0;
}
