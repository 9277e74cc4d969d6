/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_CALIBRATE_H
#define FW_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"

/*
 * forkwatch calibrate's arithmetic (lib/calib.h): from the
 * forkwatch-result/1 document of one benchmark of 2R runs, per case the
 * A/A comparison of its interleaved halves (even runs against odd runs,
 * each run's mean time per iteration, the runs that verified their
 * layout before and after), as forkwatchd compares two kernels (lib/cmp.h
 * cmp_compare(), budgets 1% for order-0 and 2% for the others): the
 * verdict (any but unchanged or inconclusive is a false alarm), the
 * interval's half-width (the smallest change these settings resolve),
 * the per-run spread, and the runs a side that +-1% and +-2% need.
 *
 * calibrate_doc() appends to table the terminal report and to profile the
 * forkwatch-calibration/1 document (schema/result-format.md): its
 * calibration_uuid is the benchmark's run_uuid, host and kernel are the
 * result document's, as are params (with runs_per_half and split added).
 * sequential splits the runs in time instead (lib/calib.h,
 * calib_halves_sequential(): the first R against the last R).  Returns
 * 0, or -EINVAL with err set for a document that is not a result with
 * cases.
 */
int calibrate_doc(const char *doc, size_t len, bool sequential, struct strbuf *table,
		  struct strbuf *profile, struct strbuf *err);

#endif
