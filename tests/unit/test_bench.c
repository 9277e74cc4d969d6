// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for collectors/bench.c without running a benchmark or
 * needing a PMU: a result put together by hand, with counter readings
 * that were multiplexed (running < enabled), that never ran (running 0)
 * and that ran whole, written as a document (bench_result_json) and
 * reduced to per-run means (bench_case_run_means).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/bench.h"
#include "collectors/workload.h"
#include "lib/jread.h"

#define RUNS 3
#define ITERS 3
#define NCTR 3

enum { M_CYCLES, M_DTLB, M_FAULTS };

struct fixture {
	struct bench_result res;
	struct bench_run runs[RUNS];
	uint64_t ns[RUNS][ITERS];
	struct ctr_reading rd[RUNS][ITERS * NCTR];
};

/* (counted, enabled, running) of one reading, as the kernel would return them. */
struct raw {
	uint64_t counted, enabled, running;
};

/*
 * cycles:      run 0: whole, multiplexed (x2), never ran
 *              run 1: multiplexed (x2) three times
 *              run 2: never ran three times (no value at all)
 * dtlb_misses: unsupported
 * page_faults: whole everywhere, 1 + iteration
 */
static const struct raw cycles[RUNS][ITERS] = {
	{ { 100, 1000, 1000 }, { 100, 2000, 1000 }, { 5, 1000, 0 } },
	{ { 50, 1000, 500 }, { 60, 1000, 500 }, { 70, 1000, 500 } },
	{ { 1, 1000, 0 }, { 2, 1000, 0 }, { 3, 1000, 0 } },
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct bench_params *p;
	struct bench_case *c;
	unsigned r, i;

	assert_non_null(f);
	p = &f->res.params;
	p->size = 64 << 20;
	p->runs = RUNS;
	p->iterations = ITERS;
	p->fresh_iterations = ITERS;
	p->warmup = 0;
	p->workloads = 1u << 0; /* bench_workloads[0]: fork */
	p->nlayouts = 1;
	snprintf(p->layouts[0].name, sizeof(p->layouts[0].name), "order-0");
	p->layouts[0].kind = LAYOUT_ORDER0;
	p->ctrs.n = NCTR;
	snprintf(p->ctrs.spec[M_CYCLES].metric, CTR_NAME_MAX, "cycles");
	snprintf(p->ctrs.spec[M_CYCLES].event, CTR_EVENT_MAX, "perf::CYCLES");
	snprintf(p->ctrs.spec[M_CYCLES].encoding, CTR_EVENT_MAX, "perf::PERF_COUNT_HW_CPU_CYCLES");
	p->ctrs.spec[M_CYCLES].supported = true;
	snprintf(p->ctrs.spec[M_DTLB].metric, CTR_NAME_MAX, "dtlb_misses");
	snprintf(p->ctrs.spec[M_DTLB].reason, CTR_REASON_MAX, "switched off by the test");
	snprintf(p->ctrs.spec[M_FAULTS].metric, CTR_NAME_MAX, "page_faults");
	snprintf(p->ctrs.spec[M_FAULTS].event, CTR_EVENT_MAX, "perf::PAGE-FAULTS");
	snprintf(p->ctrs.spec[M_FAULTS].encoding, CTR_EVENT_MAX, "perf::PERF_COUNT_SW_PAGE_FAULTS");
	p->ctrs.spec[M_FAULTS].supported = true;

	snprintf(f->res.run_uuid, sizeof(f->res.run_uuid), "00000000-0000-4000-8000-000000000000");
	f->res.grouped = true;
	f->res.ncases = 1;
	f->res.cases = calloc(1, sizeof(*f->res.cases));
	assert_non_null(f->res.cases);
	c = &f->res.cases[0];
	c->wl = &bench_workloads[0];
	assert_string_equal(c->wl->name, "fork");
	c->nruns = RUNS; /* every run taken: no --time-budget */
	c->layout = &p->layouts[0];
	c->iterations = ITERS;
	c->runs = f->runs;
	for (r = 0; r < RUNS; r++) {
		struct bench_run *run = &f->runs[r];

		run->ok = run->done = run->grouped = true;
		run->before.done = run->before.ok = true;
		run->after.done = run->after.ok = true;
		run->iters = ITERS;
		run->ns = f->ns[r];
		run->rd = f->rd[r];
		for (i = 0; i < ITERS; i++) {
			const struct raw *x = &cycles[r][i];

			run->ns[i] = 1000 * (r + 1) + i;
			run->rd[i * NCTR + M_CYCLES] = ctr_reading_make(x->counted, x->enabled, x->running);
			/* dtlb_misses (unsupported) is never written, as in a worker */
			run->rd[i * NCTR + M_FAULTS] = ctr_reading_make(1 + i, x->enabled, x->enabled);
		}
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->res.cases);
	free(f);
	return 0;
}

static const struct jread_node *path(const struct jread_node *n, const char *const *keys)
{
	for (; *keys; keys++) {
		char *end;
		unsigned long i = strtoul(*keys, &end, 10);

		n = *end ? jread_get(n, *keys) : jread_at(n, i);
		if (!n)
			fail_msg("no member '%s' in the document", *keys);
	}
	return n;
}

static double num(const struct jread_node *n)
{
	double v;

	if (!jread_num(n, &v))
		fail_msg("not a number");
	return v;
}

/* The array of numbers (NaN for null) at n must be want. */
static void check_values(const struct jread_node *n, const double *want, size_t len, const char *what)
{
	size_t i;

	assert_non_null(n);
	if (n->type != JREAD_ARR || n->n != len)
		fail_msg("%s: not an array of %zu", what, len);
	for (i = 0; i < len; i++) {
		const struct jread_node *e = jread_at(n, i);

		if (isnan(want[i])) {
			if (e->type != JREAD_NULL)
				fail_msg("%s[%zu]: %g, expected null (no value)", what, i, num(e));
		} else if (e->type != JREAD_NUM || num(e) != want[i]) {
			fail_msg("%s[%zu]: expected %g", what, i, want[i]);
		}
	}
}

static void test_json_multiplexed(void **state)
{
	struct fixture *f = *state;
	struct strbuf doc = STRBUF_INIT, err = STRBUF_INIT;
	struct jread_node *root = NULL;
	const struct jread_node *ctrs, *n;
	const double run0[] = { 100, 200, NAN }, run1[] = { 100, 120, 140 }, run2[] = { NAN, NAN, NAN };
	const double faults[] = { 1, 2, 3 };

	bench_result_json(&f->res, &doc);
	if (jread_parse(&root, doc.buf, doc.len, &err))
		fail_msg("the document does not parse: %s", err.buf);

	ctrs = path(root, (const char *const[]){ "cases", "0", "counters", NULL });
	/* cycles: four iterations scaled (one of run 0, all of run 1); never-ran ones are not */
	n = jread_get(jread_get(ctrs, "cycles"), "multiplexed");
	assert_non_null(n);
	assert_int_equal(n->type, JREAD_BOOL);
	assert_true(n->b);
	assert_true(num(jread_get(jread_get(ctrs, "cycles"), "multiplexed_iterations")) == 4);
	n = jread_get(jread_get(ctrs, "page_faults"), "multiplexed");
	assert_non_null(n);
	assert_false(n->b);
	assert_true(num(jread_get(jread_get(ctrs, "page_faults"), "multiplexed_iterations")) == 0);
	/* unsupported: a reason, no flag, no values */
	assert_string_equal(jread_str(jread_get(jread_get(ctrs, "dtlb_misses"), "status")), "unsupported");
	assert_null(jread_get(jread_get(ctrs, "dtlb_misses"), "multiplexed"));

	/* the values: scaled, and null where the counter never ran (never a 0) */
	check_values(path(root, (const char *const[]){ "cases", "0", "runs", "0", "counters", "cycles", NULL }),
		     run0, ITERS, "run 0 cycles");
	check_values(path(root, (const char *const[]){ "cases", "0", "runs", "1", "counters", "cycles", NULL }),
		     run1, ITERS, "run 1 cycles");
	check_values(path(root, (const char *const[]){ "cases", "0", "runs", "2", "counters", "cycles", NULL }),
		     run2, ITERS, "run 2 cycles");
	check_values(path(root, (const char *const[]){ "cases", "0", "runs", "1", "counters", "page_faults", NULL }),
		     faults, ITERS, "run 1 page_faults");
	assert_null(jread_get(path(root, (const char *const[]){ "cases", "0", "runs", "0", "counters", NULL }),
			      "dtlb_misses"));

	/* the group's times once, from its leader: what the scaling used */
	n = path(root, (const char *const[]){ "cases", "0", "runs", "0", "counter_times", NULL });
	assert_int_equal(n->n, 1);
	{
		const double en[] = { 1000, 2000, 1000 }, run[] = { 1000, 1000, 0 };

		check_values(jread_get(jread_at(n, 0), "enabled_ns"), en, ITERS, "enabled_ns");
		check_values(jread_get(jread_at(n, 0), "running_ns"), run, ITERS, "running_ns");
	}
	jread_free(root);
	strbuf_release(&doc);
	strbuf_release(&err);
}

static void test_run_means(void **state)
{
	struct fixture *f = *state;
	const struct bench_case *c = &f->res.cases[0];
	double means[RUNS];

	/* cycles: run 0 over its two values, run 1 whole, run 2 has none: left out */
	assert_int_equal(bench_case_run_means(&f->res, c, M_CYCLES, means), 2);
	assert_true(means[0] == 150);
	assert_true(means[1] == 120);
	assert_int_equal(bench_case_run_means(&f->res, c, M_FAULTS, means), 3);
	assert_true(means[0] == 2 && means[2] == 2);
	/* time: every run */
	assert_int_equal(bench_case_run_means(&f->res, c, -1, means), 3);
	assert_true(means[0] == 1001 && means[2] == 3001);
	/* a failed run counts for nothing */
	f->runs[1].ok = false;
	assert_int_equal(bench_case_run_means(&f->res, c, M_CYCLES, means), 1);
	assert_true(means[0] == 150);
	f->runs[1].ok = true;
}

/* Nothing multiplexed: the flag is false, not missing. */
static void test_json_not_multiplexed(void **state)
{
	struct fixture *f = *state;
	struct strbuf doc = STRBUF_INIT, err = STRBUF_INIT;
	struct jread_node *root = NULL;
	const struct jread_node *cyc;
	unsigned r, i;

	for (r = 0; r < RUNS; r++)
		for (i = 0; i < ITERS; i++)
			f->rd[r][i * NCTR + M_CYCLES] = ctr_reading_make(10, 500, 500);
	bench_result_json(&f->res, &doc);
	if (jread_parse(&root, doc.buf, doc.len, &err))
		fail_msg("the document does not parse: %s", err.buf);
	cyc = path(root, (const char *const[]){ "cases", "0", "counters", "cycles", NULL });
	assert_int_equal(jread_get(cyc, "multiplexed")->type, JREAD_BOOL);
	assert_false(jread_get(cyc, "multiplexed")->b);
	assert_true(num(jread_get(cyc, "multiplexed_iterations")) == 0);
	jread_free(root);
	strbuf_release(&doc);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_json_multiplexed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_means, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_not_multiplexed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
