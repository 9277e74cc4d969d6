// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/compare.c: what a comparison wants before it can
 * decide (compare_wants(), the record forkwatchd keeps per host and
 * kernel, "wants N more runs"), on rows built by hand, and its words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/compare.h"

/* a time row of fork LAYOUT with its verdict and precision */
static void row(struct compare_result *res, const char *wl, const char *layout, const char *metric,
		enum cmp_verdict v, bool enough, unsigned more)
{
	struct compare_row *r = &res->rows[res->nrows++];

	memset(r, 0, sizeof(*r));
	snprintf(r->workload, sizeof(r->workload), "%s", wl);
	snprintf(r->layout, sizeof(r->layout), "%s", layout);
	snprintf(r->metric, sizeof(r->metric), "%s", metric);
	r->supported = true;
	r->verdict = v;
	r->enough_runs = enough;
	r->more_runs = more;
}

static struct compare_result *result(void)
{
	struct compare_result *res = calloc(1, sizeof(*res));

	assert_non_null(res);
	res->arows = 16;
	res->rows = calloc(res->arows, sizeof(*res->rows));
	assert_non_null(res->rows);
	snprintf(res->base, sizeof(res->base), "aaaaaaaaaaaa");
	snprintf(res->head, sizeof(res->head), "bbbbbbbbbbbb");
	return res;
}

static void result_free(struct compare_result *res)
{
	compare_result_release(res);
	free(res);
}

/* the largest more_runs of the open time rows whose interval is too wide; the others want nothing */
static void test_wants_open_rows(void **state)
{
	struct compare_result *res = result();
	struct strbuf sb = STRBUF_INIT;
	struct store_wants w;

	(void)state;
	row(res, "fork", "order-0", "ns", CMP_INCONCLUSIVE, false, 12);
	row(res, "fork", "pmd", "ns", CMP_SIGNIFICANT, false, 30);
	row(res, "fork", "order-4", "ns", CMP_INCONCLUSIVE, true, 0);   /* narrow enough */
	row(res, "fork", "order-9", "ns", CMP_REGRESSION, false, 50);   /* decided */
	row(res, "fork", "order-0", "tlb_flushes", CMP_INCONCLUSIVE, false, 99); /* not the time */
	row(res, "munmap", "order-0", "ns", CMP_INCONCLUSIVE, false, 0); /* cannot estimate: 1 */
	row(res, "munmap", "pmd", "ns", CMP_INCONCLUSIVE, false, 40);
	res->rows[res->nrows - 1].missing = true; /* the base has none */
	row(res, "munmap", "order-4", "ns", CMP_INCONCLUSIVE, false, 40);
	res->rows[res->nrows - 1].supported = false;
	compare_wants(res, &w);
	assert_true(w.recorded);
	assert_true(w.has_base);
	assert_int_equal(w.runs, 30);
	assert_string_equal(w.cases, "fork order-0, fork pmd, munmap order-0");
	assert_string_equal(w.base, "aaaaaaaaaaaa");
	compare_wants_words(&w, &sb);
	assert_string_equal(sb.buf, "wants 30 more runs: fork order-0, fork pmd, munmap order-0");
	strbuf_release(&sb);
	result_free(res);
}

/* every row can decide: 0, no cases; and the words of each record */
static void test_wants_none(void **state)
{
	struct compare_result *res = result();
	struct strbuf sb = STRBUF_INIT;
	struct store_wants w;

	(void)state;
	row(res, "fork", "order-0", "ns", CMP_UNCHANGED, true, 0);
	row(res, "fork", "pmd", "ns", CMP_INCONCLUSIVE, true, 0);
	compare_wants(res, &w);
	assert_true(w.recorded && w.has_base);
	assert_int_equal(w.runs, 0);
	assert_string_equal(w.cases, "");
	compare_wants_words(&w, &sb);
	assert_string_equal(sb.buf, "has enough runs to decide");
	strbuf_reset(&sb);

	w.runs = 1;
	snprintf(w.cases, sizeof(w.cases), "fork pmd");
	compare_wants_words(&w, &sb);
	assert_string_equal(sb.buf, "wants 1 more run: fork pmd");
	strbuf_reset(&sb);

	w.runs = COMPARE_WANTS_MANY;
	compare_wants_words(&w, &sb);
	assert_string_equal(sb.buf, "wants 1000 more runs: fork pmd (or more: beyond what this machine "
				    "resolves in runs)");
	strbuf_reset(&sb);

	w.has_base = false;
	compare_wants_words(&w, &sb);
	assert_string_equal(sb.buf, "no baseline to compare with");
	strbuf_reset(&sb);

	w.recorded = false;
	compare_wants_words(&w, &sb);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
	result_free(res);
}

/*
 * A decided row compared without the host's session level wants a second
 * upload of its kernel (which gives the level); with the level, or a
 * second upload already there, it wants nothing.
 */
static void test_wants_session_unknown(void **state)
{
	struct compare_result *res = result();
	struct store_wants w;

	(void)state;
	row(res, "fork", "order-0", "ns", CMP_REGRESSION, true, 0);
	res->rows[0].nb = res->rows[0].nh = 8;
	res->rows[0].uploads_h = 1;
	assert_true(compare_session_unknown(res));
	compare_wants(res, &w);
	assert_int_equal(w.runs, 1);
	assert_string_equal(w.cases, "fork order-0");
	res->rows[0].uploads_h = NEST_PRIOR_MIN_DF + 1;
	compare_wants(res, &w);
	assert_int_equal(w.runs, 0);
	res->rows[0].uploads_h = 1;
	res->rows[0].session_model = true;
	assert_false(compare_session_unknown(res));
	compare_wants(res, &w);
	assert_int_equal(w.runs, 0);
	/* with the level, a case more uploads cannot decide: nothing wanted, and the case named */
	res->rows[0].verdict = CMP_INCONCLUSIVE;
	res->rows[0].enough_runs = false;
	res->rows[0].cannot_decide = true;
	compare_wants(res, &w);
	assert_int_equal(w.runs, 0);
	assert_string_equal(w.cases, "fork order-0");
	{
		struct strbuf sb = STRBUF_INIT;

		compare_wants_words(&w, &sb);
		assert_string_equal(sb.buf, "cannot decide with more uploads on this host: fork order-0");
		strbuf_release(&sb);
	}
	res->rows[0].cannot_decide = false;
	res->rows[0].verdict = CMP_REGRESSION;
	res->rows[0].enough_runs = true;
	res->rows[0].session_model = false;
	res->by_boot = true; /* a VM's host compares boots */
	assert_false(compare_session_unknown(res));
	compare_wants(res, &w);
	assert_int_equal(w.runs, 0);
	result_free(res);
}

/* too many cases for the record: cut at a case's end */
static void test_wants_cases_cut(void **state)
{
	struct compare_result *res = calloc(1, sizeof(*res));
	struct store_wants w;
	size_t len;
	int i;

	(void)state;
	assert_non_null(res);
	res->arows = 64;
	res->rows = calloc(res->arows, sizeof(*res->rows));
	assert_non_null(res->rows);
	for (i = 0; i < 64; i++) {
		char wl[32];

		snprintf(wl, sizeof(wl), "workload-number-%02d", i);
		row(res, wl, "order-0", "ns", CMP_INCONCLUSIVE, false, (unsigned)i + 1);
	}
	compare_wants(res, &w);
	assert_int_equal(w.runs, 64);
	len = strlen(w.cases);
	assert_true(len > 0 && len < sizeof(w.cases));
	assert_true(len >= strlen("workload-number-00 order-0"));
	assert_string_equal(w.cases + len - strlen(" order-0"), " order-0");
	assert_int_equal(strncmp(w.cases, "workload-number-00 order-0, ", 28), 0);
	result_free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wants_open_rows),
		cmocka_unit_test(test_wants_none),
		cmocka_unit_test(test_wants_session_unknown),
		cmocka_unit_test(test_wants_cases_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
