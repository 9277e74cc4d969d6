/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_SVG_H
#define FW_SVG_H

#include <stddef.h>

#include "lib/strbuf.h"

/*
 * Charts drawn by the server as inline SVG: no script, no external file.
 * Every point carries a <title> (the browser shows it on hover) with its
 * numbers; every text goes through html.h's escaping.
 */

/* A series along the x positions 0..n-1; NAN values are gaps. */
struct svg_series {
	const char *name;
	const char *cls;          /* CSS class: colour */
	const double *y;
	const double *lo, *hi;    /* a band around y (the spread), or NULL */
	const char *const *tips;  /* per point, the hover text, or NULL: "x: y" */
};

/* A vertical mark at an x position: a change point or an alert. */
struct svg_mark {
	size_t x;
	const char *cls;          /* "cp" (dashed line) or "alert" (a marker on top) */
	const char *title;
};

struct svg_chart {
	const char *title;        /* the accessible name */
	const char *ylabel;       /* "time per operation" */
	int ytime;                /* y values are nanoseconds: ticks read as µs/ms */
	size_t n;                 /* x positions */
	const char *const *xlabels; /* per x position (hover and first/last ticks) */
	const struct svg_series *series;
	size_t nseries;
	const struct svg_mark *marks;
	size_t nmarks;
};

void svg_line_chart(struct strbuf *sb, const struct svg_chart *c);

/*
 * A histogram of v[0, n) (per-iteration times, ns) in bins from the
 * smallest to the largest value, so that one outlier stretches the axis
 * and stays visible: every non-empty bin is at least 2 px high.
 */
void svg_histogram(struct strbuf *sb, const char *title, const double *v, size_t n);

/* ns as a readable time: "812 ns", "5.61 µs", "16.4 ms". */
void svg_fmt_time(char *out, size_t len, double ns);

#endif
