// SPDX-License-Identifier: GPL-2.0
/* Unit tests for collectors/ab.c: boots taken in, precise or not, and when ab boots another pair. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/ab.h"
#include "lib/strbuf.h"

/*
 * A boot's document: fork order-0 with two verified runs whose time per
 * fork is mean * (1 -+ 0.001), and a third run whose layout did not verify
 * afterwards (at 10 times the mean: counted, it would show).
 */
static void boot_doc(struct strbuf *sb, double mean)
{
	static const char run[] = "{\"ok\": true, \"ns\": [%.1f, %.1f], \"layout_check\": {\"before\": {\"ok\": true}, "
				  "\"after\": {\"ok\": %s}}, \"counters\": {}}";

	strbuf_reset(sb);
	strbuf_addstr(sb, "{\"cases\": [{\"workload\": \"fork\", \"layout\": \"order-0\", \"order\": 0, "
			  "\"counters\": {}, \"runs\": [");
	strbuf_addf(sb, run, mean * 0.999, mean * 0.999, "true");
	strbuf_addch(sb, ',');
	strbuf_addf(sb, run, mean * 1.001, mean * 1.001, "true");
	strbuf_addch(sb, ',');
	strbuf_addf(sb, run, mean * 10, mean * 10, "false");
	strbuf_addstr(sb, "]}]}");
}

/* Boots a side, the head at scale of the base, boot effects of +-spread: precise? */
static bool precise(unsigned boots, double scale, double spread)
{
	struct ab *ab = ab_new();
	struct strbuf doc = STRBUF_INIT, err = STRBUF_INIT;
	unsigned i;
	bool p;

	for (i = 0; i < boots; i++) {
		double off = 1 + spread * (i % 2 ? 1 : -1);

		boot_doc(&doc, 1000 * off);
		assert_int_equal(ab_add_doc(ab, false, 2 * i, doc.buf, doc.len, &err), 0);
		boot_doc(&doc, 1000 * scale * off);
		assert_int_equal(ab_add_doc(ab, true, 2 * i + 1, doc.buf, doc.len, &err), 0);
	}
	p = ab_precise(ab);
	ab_free(ab);
	strbuf_release(&doc);
	strbuf_release(&err);
	return p;
}

static void test_ab_precise(void **state)
{
	(void)state;
	/* 3 boots a side at least, however far apart the kernels */
	assert_false(precise(2, 1.5, 0.0001));
	/* precise whatever the change: the width decides, not the verdict */
	assert_true(precise(3, 1.5, 0.0001));
	assert_true(precise(3, 1.0, 0.0001));
	assert_true(precise(3, 1.004, 0.0001));
	/* boots 0.2% apart: 3 boots give +-0.52% (just wider than +-0.5%), 8 boots +-0.23% */
	assert_false(precise(3, 1.0, 0.002));
	assert_true(precise(8, 1.0, 0.002));
	/* boots 5% apart: far from +-0.5% */
	assert_false(precise(8, 1.0, 0.05));
}

static void test_ab_report(void **state)
{
	struct ab *ab = ab_new();
	struct strbuf doc = STRBUF_INIT, err = STRBUF_INIT, out = STRBUF_INIT;
	unsigned i;

	(void)state;
	assert_int_equal(ab_add_doc(ab, false, 0, "{}", 2, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "without cases"));
	for (i = 0; i < 3; i++) {
		boot_doc(&doc, 1000);
		assert_int_equal(ab_add_doc(ab, false, 2 * i, doc.buf, doc.len, &err), 0);
		boot_doc(&doc, 1200);
		assert_int_equal(ab_add_doc(ab, true, 2 * i + 1, doc.buf, doc.len, &err), 0);
	}
	/* one regression (the thread's words); the runs whose layout failed left out: 3 boots and 6 runs a side */
	assert_int_equal(ab_report(ab, "base", "head", "tcg", &out), 1);
	assert_non_null(strstr(out.buf, "fork order-0: order-0 slowdown (+20.0%"));
	assert_non_null(strstr(out.buf, "boots 3/3, runs 6/6"));
	assert_non_null(strstr(out.buf, "only ratios and counts are meaningful"));
	ab_free(ab);
	strbuf_release(&doc);
	strbuf_release(&err);
	strbuf_release(&out);
}

static void test_ab_more_pairs(void **state)
{
	(void)state;
	/* --boots pairs always, whatever the budget or the verdicts */
	assert_true(ab_more_pairs(true, 0, 3, 128, 0, 0));
	assert_true(ab_more_pairs(true, 2, 3, 128, 1e6, 10));
	/* then, without a budget: stop */
	assert_false(ab_more_pairs(false, 3, 3, 128, 30, 0));
	/* with one: while undecided and one more mean pair fits */
	assert_true(ab_more_pairs(false, 3, 3, 128, 30, 40));
	assert_true(ab_more_pairs(false, 3, 3, 128, 30, 40.0));
	assert_false(ab_more_pairs(false, 3, 3, 128, 31, 40));
	assert_false(ab_more_pairs(true, 3, 3, 128, 30, 1000));
	/* never past the most pairs */
	assert_false(ab_more_pairs(false, 128, 3, 128, 1, 1e9));
	assert_false(ab_more_pairs(false, 5, 200, 5, 1, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ab_precise),
		cmocka_unit_test(test_ab_report),
		cmocka_unit_test(test_ab_more_pairs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
