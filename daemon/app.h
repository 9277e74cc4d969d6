/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_APP_H
#define FW_APP_H

#include "compare.h"

/*
 * What forkwatchd's handlers share besides the store: the verdict
 * thresholds (--alpha, --budget-order0, --budget) and the delivery
 * thread.  Reached through req_app(); set up by main before the server
 * starts, read-only afterwards.
 */
struct deliver;

struct app {
	struct compare_config cmp;
	struct deliver *deliver; /* NULL without receivers */
};

#endif
