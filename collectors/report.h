/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_REPORT_H
#define FW_REPORT_H

#include "collectors/bench.h"
#include "lib/strbuf.h"

/*
 * The terminal report: per workload, a table in the shape of the tables
 * of the fork-batching review thread (layouts as columns, mean and stdev
 * per column), with the time, its ratio to order-0, each counter per
 * operation and the layout verification, then notes on unsupported
 * counters, layout mismatches and failed runs.
 */
void report_table(const struct bench_result *res, struct strbuf *out);

#endif
