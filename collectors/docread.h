/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_DOCREAD_H
#define FW_DOCREAD_H

#include <stdbool.h>

struct jread_node;

/*
 * Reading a forkwatch-result/1 document back (lib/jread.h), for the
 * commands that compare what a benchmark wrote: ab (ab.c) and calibrate
 * (calibrate.c).
 *
 * docread_run_verified(): whether a run of cases[].runs[] measured every
 * iteration ("ok") and verified its layout before and after.
 * docread_mean(): the mean of a per-iteration array (its "ns", or a
 * counter's); NAN when it has no numbers.
 */
bool docread_run_verified(const struct jread_node *run);
double docread_mean(const struct jread_node *values);

#endif
