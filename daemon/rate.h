/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_RATE_H
#define FW_RATE_H

#include <stdint.h>

/*
 * A rate per key (a host's id): token buckets that hold `burst` and fill
 * with `per_min` a minute.  Thread-safe; a fixed table: with more keys
 * than slots, the slot of a key that has not taken for the longest time
 * is given to a new one (which starts full), so memory stays bounded.
 */
struct rate;

/* NULL when out of memory. */
struct rate *rate_new(unsigned per_min, unsigned burst);
void rate_free(struct rate *r);
/* Take one for key: 0, or (nothing taken) the whole seconds until one is there, at least 1. */
unsigned rate_take(struct rate *r, int64_t key);

#endif
