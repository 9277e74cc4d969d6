/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_ALERTS_H
#define FW_ALERTS_H

#include <stdbool.h>

#include "daemon/compare.h"
#include "lib/jsonw.h"
#include "daemon/store.h"
#include "lib/strbuf.h"

/*
 * Alerts found when an upload arrives: the host's kernel against its
 * baseline (compare_build), per case, on the time per operation.  A
 * regression verdict is an alert; a gain is recorded as a notice.  The
 * counters that changed most explain each one in its summary.
 *
 * "Significant, size uncertain" (CMP_SIGNIFICANT) raises nothing: an alert
 * says the change is past the budget at the interval's confidence, and this
 * verdict cannot say that yet (the change may lie within the budget).  It
 * asks for more runs (runs_needed), like inconclusive, and an alert is one
 * per host, kernel and case, never rewritten: raising it now would fix
 * words that the next uploads may contradict.  Once they narrow the
 * interval past the budget the verdict is regression and the alert comes.
 */
#define ALERTS_MAX 64

struct alerts_found {
	int n;
	struct store_alert a[ALERTS_MAX];
};

/*
 * Find what comparing host's kernel with its baseline shows.  No
 * baseline yet is no finding (0, out->n == 0).  Reads only: the caller
 * records out->a[] with store_alert_add().  Returns 0 or a store error.
 */
int alerts_find(struct store *st, const char *host, const char *kernel,
		const struct compare_config *cfg, struct alerts_found *out);

/*
 * The words an alert's summary ends with (and so its page, the Atom feed
 * and the delivered mail and webhook) when the host's latest calibration
 * (lib/calib.h; p NULL: none) says that the runs the comparison used
 * (runs a side) cannot resolve the case's budget: the projected half-width
 * calib_half_width_pct() of the calibration's run-to-run spread at those
 * runs exceeds budget_pct, when the calibration's runs had the compared
 * iterations per run (a run's spread depends on them).  Appends
 *   "; this machine resolves only +-X% on <layout> <workload> in N runs (calibrated YYYY-MM-DD)"
 * to out (with U+00B1 for +-), or nothing.
 */
struct calib_profile;
void alerts_calibration_note(const struct calib_profile *p, const char *workload, const char *layout,
			     unsigned runs, unsigned iterations, double budget_pct, struct strbuf *out);

/*
 * What a comparison built already shows (alerts_find() without building
 * it); st and host only for the calibration note, read once and only when
 * there is a finding.
 */
void alerts_from(struct store *st, const char *host, const struct compare_result *res,
		 struct alerts_found *out);

/* The kinds of alerts and their triage states, each list ended by NULL. */
extern const char *const alerts_kinds[];
extern const char *const alerts_states[];
/* Whether v is one of set (alerts_kinds or alerts_states). */
bool alerts_one_of(const char *v, const char *const *set);

/* One alert as a JSON object, under key (NULL inside an array). */
void alerts_json(const struct store_alert *a, struct jw *jw, const char *key);

/* The Atom feed of the alerts given (newest first); base_url starts the links. */
void alerts_atom_begin(struct strbuf *out, const char *base_url);
void alerts_atom_entry(struct strbuf *out, const struct store_alert *a, const char *base_url);
void alerts_atom_end(struct strbuf *out);

#endif
