// SPDX-License-Identifier: GPL-2.0
/*
 * The body of POST /api/v1/calibrations (lib/calib.c): a refusal is
 * -EINVAL, -E2BIG or -ENOMEM with a reason; a profile taken holds 1 to
 * CALIB_CASES_MAX cases, each a workload name, a layout, numbers within
 * their ranges, a verdict name, and no case twice.
 */
#include <math.h>

#include "fuzz.h"
#include "lib/calib.h"
#include "lib/cmp.h"
#include "lib/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct calib_profile p;
	struct strbuf field = STRBUF_INIT, err = STRBUF_INIT;
	size_t i, j;
	int ret = calib_profile_parse(&p, (const char *)data, size, &field, &err);

	FUZZ_CHECK(!ret || ((ret == -EINVAL || ret == -E2BIG || ret == -ENOMEM) && err.len),
		   "calib_profile_parse returned %d (%s)", ret, err.buf);
	if (!ret) {
		FUZZ_CHECK(p.ncases >= 1 && p.ncases <= CALIB_CASES_MAX, "%zu cases", p.ncases);
		FUZZ_CHECK(strlen(p.uuid) == 36 && strlen(p.finished_at) == 20 && p.hostname[0] && p.release[0],
			   "identity");
		FUZZ_CHECK(p.runs_max >= 3 && p.runs_max <= CALIB_RUNS_MAX, "runs_max %u", p.runs_max);
		for (i = 0; i < p.ncases; i++) {
			const struct calib_case *c = &p.cases[i];
			bool verdict = false;

			FUZZ_CHECK(parse_workload_ok(c->workload), "workload '%s'", c->workload);
			FUZZ_CHECK(!strcmp(c->layout, "pmd") || !strncmp(c->layout, "order-", 6), "layout '%s'",
				   c->layout);
			FUZZ_CHECK(c->runs <= CALIB_RUNS_MAX && c->iterations >= 1, "runs %u", c->runs);
			FUZZ_CHECK(c->budget_pct >= 0 && c->budget_pct <= 100, "budget %g", c->budget_pct);
			FUZZ_CHECK(isnan(c->half_width_pct) || c->half_width_pct >= 0, "half-width %g",
				   c->half_width_pct);
			FUZZ_CHECK(isnan(c->run_cv_pct) || c->run_cv_pct >= 0, "cv %g", c->run_cv_pct);
			FUZZ_CHECK(c->runs_for_1pct <= p.runs_max && c->runs_for_2pct <= p.runs_max, "runs for");
			for (j = 0; j < CMP_VERDICTS; j++)
				verdict |= !strcmp(c->verdict, cmp_verdict_name((enum cmp_verdict)j));
			FUZZ_CHECK(verdict, "verdict '%s'", c->verdict);
			for (j = 0; j < i; j++)
				FUZZ_CHECK(strcmp(c->workload, p.cases[j].workload) || strcmp(c->layout, p.cases[j].layout),
					   "case %zu twice", i);
			/* the projection the alerts make of it: no NaN from a valid spread */
			if (isfinite(c->run_cv_pct))
				FUZZ_CHECK(calib_half_width_pct(c->run_cv_pct / 100, 8, CALIB_LEVEL) >= 0, "projection");
		}
	}
	strbuf_release(&field);
	strbuf_release(&err);
	return 0;
}
