/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_PLACEMENT_H
#define FW_PLACEMENT_H

#include <stdbool.h>

#include "collectors/noise.h"
#include "lib/strbuf.h"

/*
 * Where the benchmark's processes run (forkwatch bench --placement): it
 * changes both the noise and the answer.  A fork's per-page work touches
 * the struct pages that the previous child's exit touched last: on the
 * same CPU they are in its cache, on another they are pulled back.
 *
 *   same   the worker (the parent that forks) and every child on one CPU
 *   split  the worker on one CPU, every child moved to another before it exits
 *   free   no affinity set: the scheduler decides (forkwatch before --placement)
 */
enum placement { PLACEMENT_SAME, PLACEMENT_SPLIT, PLACEMENT_FREE, PLACEMENT_COUNT };

/* "same", "split", "free", then NULL (an option's choices) */
extern const char *const placement_names[PLACEMENT_COUNT + 1];

/* The placement --placement names when none is given (bench/README.md says why). */
#define PLACEMENT_DEFAULT PLACEMENT_FREE

/* "same", "split" or "free" into *out; -EINVAL for anything else.  Pure. */
int placement_parse(const char *s, enum placement *out);

/* A placement with its CPUs: -1 for free. */
struct placement_cpus {
	enum placement how;
	int parent, child;
};

/*
 * Choose the CPUs of a placement among allowed (the CPUs this process
 * may run on): the highest allowed CPU for the parent (CPU 0 is where
 * most machines steer housekeeping), for split the next lower allowed
 * one for the child.  Returns 0, or -EINVAL when allowed is empty or
 * split has fewer than two CPUs.  Pure.
 */
int placement_choose(enum placement how, const struct noise_cpuset *allowed,
		     struct placement_cpus *out);

/* The CPUs in use: {parent, child}; every CPU of allowed for free.  Pure. */
void placement_cpuset(const struct placement_cpus *pc, const struct noise_cpuset *allowed,
		      struct noise_cpuset *out);

/*
 * In words, for tables and notes: "same (parent and child on CPU 1)",
 * "split (parent on CPU 1, child on CPU 0)", "free (the scheduler
 * decides)".  Appends to out.  Pure.
 */
void placement_describe(const struct placement_cpus *pc, struct strbuf *out);

/* The CPUs this process may run on (sched_getaffinity); 0 or a negative errno. */
int placement_allowed(struct noise_cpuset *out);

/* Pin the calling thread to one CPU (sched_setaffinity); 0 or a negative errno. */
int placement_pin(int cpu);

#endif
