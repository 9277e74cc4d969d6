/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_COUNTERS_H
#define FW_COUNTERS_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/strbuf.h"

/*
 * Perf counters of the benchmark: which events stand for each metric on
 * this machine (libpfm4 names, tracepoints through tracefs), whether the
 * machine can count them, and counting them around one measured call
 * through libperf.
 *
 * A metric the machine cannot count is kept with supported = false and a
 * reason; it is never read as 0.
 */
#define CTR_MAX 16
#define CTR_NAME_MAX 32
#define CTR_EVENT_MAX 160
#define CTR_REASON_MAX 240

struct ctr_spec {
	char metric[CTR_NAME_MAX];     /* e.g. "dtlb_misses" */
	char event[CTR_EVENT_MAX];     /* the name that resolved, e.g. "perf::DTLB-LOAD-MISSES" */
	char encoding[CTR_EVENT_MAX];  /* libpfm4's full encoding or "tracepoint id N" */
	struct perf_event_attr attr;
	bool supported;
	char reason[CTR_REASON_MAX];   /* why not supported */
};

struct ctr_set {
	int n;
	struct ctr_spec spec[CTR_MAX];
};

/* The default metric names in document order. */
extern const char *const ctr_default_metrics[];

/*
 * The default events of metric on this architecture, in the order
 * ctr_set_build() tries them (NULL-terminated, static storage), or NULL
 * for a metric without defaults.  Where the list is empty, *none_reason
 * (when not NULL) says why; else it is set to NULL.
 */
const char *const *ctr_default_events(const char *metric, const char **none_reason);

/*
 * Call before resolving events (libpfm4 and libperf set-up); 0 or -errno.
 * Again after ctr_release_resolver() to resolve more.
 */
int ctr_init(struct strbuf *err);

/*
 * Release libpfm4's tables once every event is resolved, and give freed
 * heap back to the kernel: the benchmark processes forked afterwards then
 * inherit (and copy at every measured fork) as little memory as possible.
 */
void ctr_release_resolver(void);

/*
 * Fill set from an --events argument, or the defaults when spec is NULL.
 * spec is a comma-separated list of METRIC (that metric with this
 * architecture's default events) or METRIC=EVENT (a libpfm4 name, or
 * SYSTEM:NAME for a tracepoint).  Every entry is resolved and probed:
 * an event the machine cannot count becomes unsupported with a reason.
 * Returns 0, or -EINVAL with err set for malformed text, an unknown metric
 * without an event, or an event name nobody knows.
 */
int ctr_set_build(struct ctr_set *set, const char *spec, struct strbuf *err);

/*
 * Resolve one event name into attr (no probing): tracepoints through
 * tracefs, everything else through libpfm4, counting user and kernel.
 * Returns 0 or a negative errno with the reason in err.
 */
int ctr_resolve(const char *event, struct perf_event_attr *attr, char *encoding, size_t enclen,
		struct strbuf *err);

/*
 * Look up a tracepoint id under a tracefs root (events/SYS/NAME/id).
 * Where no tracefs is mounted and we may mount it, mount it for the
 * look-up and unmount it again.  Returns the id or a negative errno.
 */
long ctr_tracepoint_id(const char *system, const char *name);

/* One reading of one counter over one measured call. */
struct ctr_reading {
	uint64_t value;   /* scaled when multiplexed */
	uint64_t enabled; /* ns the counter was enabled */
	uint64_t running; /* ns it was counting: < enabled means multiplexed */
	bool valid;       /* false: it never ran, there is no value */
};

/*
 * One counter's reading from what it counted since the previous read and
 * the ns it was enabled and running meanwhile.  A multiplexed counter
 * (running < enabled) is scaled to the whole enabled time, rounded to the
 * nearest count (saturating); one that was enabled but never ran has no
 * value (valid = false, value 0); one that was not enabled at all counted
 * a true 0.  Pure: no PMU needed.
 */
struct ctr_reading ctr_reading_make(uint64_t counted, uint64_t enabled, uint64_t running);
/* Whether r holds a scaled value: valid, and running for less than it was enabled. */
bool ctr_reading_multiplexed(const struct ctr_reading *r);

/* The counters of one benchmark process; opened there, for itself only. */
struct ctr_group;

/* Open the supported counters of set, as one group where the kernel allows. */
int ctr_group_open(struct ctr_group **out, const struct ctr_set *set);
/*
 * Start and stop counting: one ioctl each when grouped.  Enabling returns
 * 0 or a negative errno: a counter that did not start has counted
 * nothing, and its reading must not pass for a 0.
 */
int ctr_group_enable(struct ctr_group *g);
void ctr_group_disable(struct ctr_group *g);
/*
 * Read every counter of set (index as in set); unsupported ones are left
 * invalid.  Values are the change since the previous read.
 */
int ctr_group_read(struct ctr_group *g, struct ctr_reading *out);
bool ctr_group_is_grouped(const struct ctr_group *g);
void ctr_group_free(struct ctr_group *g);

#endif
