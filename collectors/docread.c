// SPDX-License-Identifier: GPL-2.0
#include "collectors/docread.h"

#include <math.h>
#include <stddef.h>

#include "lib/jread.h"

static bool is_true(const struct jread_node *n)
{
	return n && n->type == JREAD_BOOL && n->b;
}

bool docread_run_verified(const struct jread_node *run)
{
	const struct jread_node *lc = jread_get(run, "layout_check");

	return is_true(jread_get(run, "ok")) && is_true(jread_get(jread_get(lc, "before"), "ok")) &&
	       is_true(jread_get(jread_get(lc, "after"), "ok"));
}

double docread_mean(const struct jread_node *values)
{
	double sum = 0, x;
	size_t i, n = 0;

	for (i = 0; values && values->type == JREAD_ARR && i < values->n; i++) {
		long long v;

		if (values->packed) {
			if (!jread_int_at(values, i, &v))
				continue;
			x = (double)v;
		} else if (!jread_num(jread_at(values, i), &x)) {
			continue;
		}
		sum += x;
		n++;
	}
	return n ? sum / (double)n : NAN;
}
