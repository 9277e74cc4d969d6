/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_SEEN_H
#define FW_SEEN_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The runs whose alerts this daemon has evaluated since it started: a
 * re-sent upload of one of them is answered without comparing again
 * (and without the write lock that recording alerts takes).  A run
 * stored before a restart is not in it, so that a re-send after a crash
 * between storing a run and recording its alerts records them.  A fixed
 * table: the oldest ids make room for new ones, and an id that fell out
 * is merely evaluated again.  Thread-safe.
 */
struct seen;

struct seen *seen_new(void);
void seen_free(struct seen *s);
/* Whether run id was added (and counts a skip when it was). */
bool seen_has(struct seen *s, int64_t id);
/* Note that run id was evaluated. */
void seen_add(struct seen *s, int64_t id);

struct seen_stats {
	uint64_t evaluated; /* seen_add() calls */
	uint64_t skipped;   /* seen_has() that said yes */
};
void seen_stats(struct seen *s, struct seen_stats *out);

#endif
