// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for collectors/calibrate.c: a result document of known
 * per-run means split into interleaved halves and compared, the half-width
 * checked against scipy 1.10 (Welch's interval on the log of the ratio of
 * the halves' means, stats.t.ppf), a run that failed its layout check left
 * out, and the profile read back by lib/calib.c's parser (the server's).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/calibrate.h"
#include "lib/calib.h"

/* A run of two iterations whose mean is ns; ok false: its layout failed after. */
static void run(struct strbuf *d, double ns, int ok, int first)
{
	strbuf_addf(d, "%s{\"ok\":true,\"layout_check\":{\"before\":{\"ok\":true},\"after\":{\"ok\":%s}},"
		       "\"ns\":[%.0f,%.0f]}",
		    first ? "" : ",", ok ? "true" : "false", ns - 10, ns + 10);
}

static void doc(struct strbuf *d, const double *v, size_t n, int bad)
{
	size_t i;

	strbuf_addstr(d, "{\"format\":\"forkwatch-result/1\",\"run_uuid\":\"2d1f140f-ca41-488c-856e-d742d2c0cab3\","
			 "\"started_at\":\"2026-12-06T11:12:40Z\",\"finished_at\":\"2026-12-06T11:12:42Z\","
			 "\"host\":{\"hostname\":\"lab1\",\"arch\":\"x86_64\"},\"kernel\":{\"release\":\"6.18.0\","
			 "\"commit\":\"0123456789ab\"},\"params\":{\"runs\":8,\"placement\":\"same\"},"
			 "\"cases\":[{\"workload\":\"fork\",\"layout\":\"order-0\",\"order\":0,\"iterations\":2,"
			 "\"runs\":[");
	for (i = 0; i < n; i++)
		run(d, v[i], (int)i != bad, i == 0);
	strbuf_addstr(d, "]},{\"workload\":\"fork\",\"layout\":\"pmd\",\"order\":9,\"iterations\":2,\"runs\":[");
	for (i = 0; i < n; i++)
		run(d, 500, 1, i == 0);
	strbuf_addstr(d, "]}]}");
}

static void test_halves_compared(void **state)
{
	const double v[] = { 1000, 1100, 980, 1050, 1020, 990, 1070, 1010 };
	struct strbuf d = STRBUF_INIT, tbl = STRBUF_INIT, prof = STRBUF_INIT, err = STRBUF_INIT;
	struct strbuf field = STRBUF_INIT;
	static struct calib_profile p;
	const struct calib_case *c;

	(void)state;
	doc(&d, v, 8, -1);
	assert_int_equal(calibrate_doc(d.buf, d.len, false, &tbl, &prof, &err), 0);
	print_message("%s", tbl.buf);
	if (calib_profile_parse(&p, prof.buf, prof.len, &field, &err))
		print_message("%s (%s)\n%s", err.buf, field.buf, prof.buf);
	assert_int_equal(err.len, 0);
	assert_string_equal(p.uuid, "2d1f140f-ca41-488c-856e-d742d2c0cab3");
	assert_string_equal(p.hostname, "lab1");
	assert_string_equal(p.commit, "0123456789ab");
	assert_string_equal(p.placement, "same");
	assert_int_equal(p.ncases, 2);
	c = calib_profile_case(&p, "fork", "order-0");
	assert_non_null(c);
	assert_int_equal(c->runs, 4);
	assert_true(c->budget_pct == 1);
	/* scipy: 100 expm1(t.ppf(0.975, df) se) of the halves' log ratio */
	assert_true(fabs(c->half_width_pct - 7.734468814287972) < 1e-6);
	assert_string_equal(c->verdict, "inconclusive");
	assert_int_equal(c->runs_for_1pct, calib_runs_for(c->run_cv_pct / 100, 1, 0.95, CALIB_RUNS_MAX));
	assert_non_null(strstr(tbl.buf, "fork       order-0       4     +-7.73%"));
	/* no spread at all: resolves +-0, 3 runs do */
	c = calib_profile_case(&p, "fork", "pmd");
	assert_true(c->half_width_pct == 0 && c->runs_for_1pct == 3 && c->budget_pct == 2);
	assert_string_equal(c->verdict, "unchanged");

	/* run 3 failed its check: 4 against 3, still interleaved */
	strbuf_reset(&d);
	strbuf_reset(&tbl);
	strbuf_reset(&prof);
	doc(&d, v, 8, 3);
	assert_int_equal(calibrate_doc(d.buf, d.len, false, &tbl, &prof, &err), 0);
	assert_int_equal(calib_profile_parse(&p, prof.buf, prof.len, &field, &err), 0);
	assert_int_equal(p.cases[0].runs, 3);
	assert_non_null(strstr(prof.buf, "\"runs_a\":4,\"runs_b\":3"));

	strbuf_reset(&err);
	assert_int_equal(calibrate_doc("{\"cases\":[]}", 12, false, &tbl, &prof, &err), -EINVAL);
	assert_true(err.len > 0);
	strbuf_release(&d);
	strbuf_release(&tbl);
	strbuf_release(&prof);
	strbuf_release(&err);
	strbuf_release(&field);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_halves_compared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
