/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_CLOCK_H
#define FW_CLOCK_H

/* CLOCK_MONOTONIC in seconds: for intervals and deadlines, never for dates. */
double clock_mono_s(void);

#endif
