/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_TUNE_H
#define FW_TUNE_H

#include <stdbool.h>

#include "collectors/knob.h"
#include "collectors/noise.h"
#include "lib/strbuf.h"

/*
 * forkwatch bench --tune: quiet the noise sources that a knob can quiet,
 * for the length of one run.  Every change goes through the knob journal
 * (journaled and fsync'ed before it is made, restored at the end, on
 * signals, and after a SIGKILL by the next start or forkwatch restore),
 * and is recorded in the snapshot (s->tuned) so that the document says
 * what the run measured under.
 *
 *   damon           every kdamond that is on: state off; DAMON modules: enabled N
 *   khugepaged      pages_to_scan 1, scan_sleep_millisecs 86400000, defrag 0
 *   ksm             run 0
 *   numa_balancing  0
 *   thp             defrag madvise
 *   governor        performance, on each policy of the CPUs in use that offers it
 *   boost           cpufreq/boost 0, or intel_pstate/no_turbo 1
 */

/* Where --tune may write under root: the also list of knob_journal_open_in(). */
#define TUNE_PLACES_MAX 12
struct tune_places {
	char path[TUNE_PLACES_MAX][KNOB_PATH_MAX];
	const char *list[TUNE_PLACES_MAX + 1]; /* NULL-terminated, into path */
};
void tune_places(const char *root, struct tune_places *p);

/*
 * Set the knobs of every noisy, tunable source of s through kj (opened
 * with tune_places() of s->root), appending each change to s->tuned.
 * Returns 0, or a negative errno with err set (what was already changed
 * stays journaled, for the caller to restore).
 */
int tune_apply(struct noise_snapshot *s, struct knob_journal *kj, struct strbuf *err);

/*
 * What a benchmark does before its first run: take the snapshot of the
 * machine under root for the CPUs in use (cpus; NULL: every online CPU;
 * cpuid: as noise_snapshot_read() takes them),
 * and with tune quiet what it can and take the snapshot again, so that
 * the document shows the state the runs were measured under and what
 * was changed to get there.  0 or a negative errno with err set.  The
 * caller calls noise_snapshot_finish(s, false) after the last run and
 * noise_snapshot_release(s) in any case.
 */
int tune_begin(struct noise_snapshot *s, const char *root, const struct noise_cpuset *cpus,
	       const char *cpuid, struct knob_journal *kj, bool tune, struct strbuf *err);

#endif
