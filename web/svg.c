// SPDX-License-Identifier: GPL-2.0
#include "web/svg.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/html.h"

#define W 640
#define H 220
#define ML 64  /* margins: left for the y ticks */
#define MR 12
#define MT 10
#define MB 28

void svg_fmt_time(char *out, size_t len, double ns)
{
	double a = fabs(ns);

	if (!isfinite(ns))
		snprintf(out, len, "n/a");
	else if (a >= 1e9)
		snprintf(out, len, "%.3g s", ns / 1e9);
	else if (a >= 1e6)
		snprintf(out, len, "%.3g ms", ns / 1e6);
	else if (a >= 1e3)
		snprintf(out, len, "%.3g \xc2\xb5s", ns / 1e3);
	else
		snprintf(out, len, "%.3g ns", ns);
}

static void fmt_val(char *out, size_t len, double v, int ytime)
{
	if (ytime)
		svg_fmt_time(out, len, v);
	else
		snprintf(out, len, "%.3g", v);
}

/* A "nice" tick step for a range (1, 2 or 5 times a power of ten). */
static double nice_step(double range, int ticks)
{
	double raw = range / ticks, p = pow(10, floor(log10(raw))), f = raw / p;

	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

struct scale {
	double y0, y1;
	size_t n;
};

static double sx(const struct scale *s, size_t i)
{
	return s->n <= 1 ? ML + (W - ML - MR) / 2.0 : ML + (double)i * (W - ML - MR) / (double)(s->n - 1);
}

static double sy(const struct scale *s, double v)
{
	return MT + (H - MT - MB) * (1 - (v - s->y0) / (s->y1 - s->y0));
}

void svg_line_chart(struct strbuf *sb, const struct svg_chart *c)
{
	struct scale s = { INFINITY, -INFINITY, c->n };
	double step, t;
	char a[64];
	size_t i, k;

	for (k = 0; k < c->nseries; k++)
		for (i = 0; i < c->n; i++) {
			const struct svg_series *se = &c->series[k];
			double lo = se->lo ? se->lo[i] : se->y[i], hi = se->hi ? se->hi[i] : se->y[i];

			if (isfinite(lo) && lo < s.y0)
				s.y0 = lo;
			if (isfinite(hi) && hi > s.y1)
				s.y1 = hi;
			if (isfinite(se->y[i])) {
				if (se->y[i] < s.y0)
					s.y0 = se->y[i];
				if (se->y[i] > s.y1)
					s.y1 = se->y[i];
			}
		}
	strbuf_addf(sb, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", W, H);
	html_attr(sb, c->title);
	strbuf_addstr(sb, "\">");
	if (!isfinite(s.y0)) {
		strbuf_addf(sb, "<text x=\"%d\" y=\"%d\" class=\"empty\">no verified values</text></svg>",
			    W / 2 - 60, H / 2);
		return;
	}
	if (s.y1 - s.y0 < fabs(s.y1) * 1e-9 + 1e-12) {
		s.y0 -= fabs(s.y0) * 0.05 + 1;
		s.y1 += fabs(s.y1) * 0.05 + 1;
	}
	/* room above and below, then the axis on round numbers */
	t = (s.y1 - s.y0) * 0.08;
	s.y0 = s.y0 - t < 0 && s.y0 >= 0 ? 0 : s.y0 - t;
	s.y1 += t;
	step = nice_step(s.y1 - s.y0, 4);
	s.y0 = floor(s.y0 / step) * step;
	s.y1 = ceil(s.y1 / step) * step;
	/* y grid and ticks */
	for (t = s.y0; t <= s.y1 + step / 2; t += step) {
		fmt_val(a, sizeof(a), t, c->ytime);
		strbuf_addf(sb, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
			    "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
			    ML, W - MR, sy(&s, t), sy(&s, t), ML - 4, sy(&s, t) + 4);
		html_txt(sb, a);
		strbuf_addstr(sb, "</text>");
	}
	/* x: the first and the last label (one point: its label once, in the middle) */
	if (c->n == 1 && c->xlabels) {
		strbuf_addf(sb, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
			    (ML + W - MR) / 2, H - 8);
		html_txt(sb, c->xlabels[0]);
		strbuf_addstr(sb, "</text>");
	} else if (c->n && c->xlabels) {
		strbuf_addf(sb, "<text class=\"tick\" x=\"%d\" y=\"%d\">", ML, H - 8);
		html_txt(sb, c->xlabels[0]);
		strbuf_addf(sb, "</text><text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">",
			    W - MR, H - 8);
		html_txt(sb, c->xlabels[c->n - 1]);
		strbuf_addstr(sb, "</text>");
	}
	/* change points under the data, alerts on top of it */
	for (i = 0; i < c->nmarks; i++) {
		const struct svg_mark *m = &c->marks[i];

		if (m->x >= c->n || strcmp(m->cls, "cp"))
			continue;
		strbuf_addf(sb, "<line class=\"cp\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"><title>",
			    sx(&s, m->x), sx(&s, m->x), MT, H - MB);
		html_txt(sb, m->title);
		strbuf_addstr(sb, "</title></line>");
	}
	for (k = 0; k < c->nseries; k++) {
		const struct svg_series *se = &c->series[k];
		int pen = 0;

		/* the spread: a band from lo to hi, one polygon per gap-free stretch */
		if (se->lo && se->hi) {
			for (i = 0; i <= c->n; i++) {
				bool ok = i < c->n && isfinite(se->lo[i]) && isfinite(se->hi[i]);
				size_t j, start;

				if (ok) {
					pen++;
					continue;
				}
				if (pen > 1) {
					start = i - (size_t)pen;
					strbuf_addf(sb, "<polygon class=\"band %s\" points=\"", se->cls);
					for (j = start; j < i; j++)
						strbuf_addf(sb, "%.1f,%.1f ", sx(&s, j), sy(&s, se->hi[j]));
					for (j = i; j-- > start;)
						strbuf_addf(sb, "%.1f,%.1f ", sx(&s, j), sy(&s, se->lo[j]));
					strbuf_addstr(sb, "\"/>");
				}
				pen = 0;
			}
		}
		strbuf_addf(sb, "<polyline class=\"line %s\" points=\"", se->cls);
		for (i = 0; i < c->n; i++)
			if (isfinite(se->y[i]))
				strbuf_addf(sb, "%.1f,%.1f ", sx(&s, i), sy(&s, se->y[i]));
		strbuf_addstr(sb, "\"/>");
		/* points with their numbers on hover; many points get small dots */
		for (i = 0; i < c->n; i++) {
			if (!isfinite(se->y[i]))
				continue;
			strbuf_addf(sb, "<circle class=\"pt %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%s\"><title>",
				    se->cls, sx(&s, i), sy(&s, se->y[i]), c->n > 60 ? "1.6" : "3");
			if (se->tips && se->tips[i]) {
				html_txt(sb, se->tips[i]);
			} else {
				fmt_val(a, sizeof(a), se->y[i], c->ytime);
				html_txt(sb, se->name);
				strbuf_addstr(sb, ", ");
				html_txt(sb, c->xlabels ? c->xlabels[i] : "");
				strbuf_addstr(sb, ": ");
				html_txt(sb, a);
			}
			strbuf_addstr(sb, "</title></circle>");
		}
	}
	for (i = 0; i < c->nmarks; i++) {
		const struct svg_mark *m = &c->marks[i];
		double x;

		if (m->x >= c->n || !strcmp(m->cls, "cp"))
			continue;
		x = sx(&s, m->x);
		strbuf_addf(sb, "<path class=\"%s\" d=\"M%.1f %d l-5 -8 h10 z\"><title>",
			    !strcmp(m->cls, "gain") ? "mark-gain" : "mark-alert", x, MT + 8);
		html_txt(sb, m->title);
		strbuf_addstr(sb, "</title></path>");
	}
	/* a legend when there is more than one series */
	if (c->nseries > 1) {
		int x = ML + 4;

		for (k = 0; k < c->nseries; k++) {
			strbuf_addf(sb, "<rect class=\"key %s\" x=\"%d\" y=\"%d\" width=\"10\" height=\"10\"/>"
				    "<text class=\"tick\" x=\"%d\" y=\"%d\">",
				    c->series[k].cls, x, MT + 2, x + 13, MT + 11);
			html_txt(sb, c->series[k].name);
			strbuf_addstr(sb, "</text>");
			x += 20 + 7 * (int)strlen(c->series[k].name);
		}
	}
	strbuf_addstr(sb, "</svg>");
}

#define HBINS 40

void svg_histogram(struct strbuf *sb, const char *title, const double *v, size_t n)
{
	const int w = 320, h = 120, ml = 8, mr = 8, mt = 6, mb = 22;
	unsigned count[HBINS] = { 0 }, maxc = 0;
	double lo = INFINITY, hi = -INFINITY, bw;
	char a[64], b[64];
	size_t i, m = 0;
	int k;

	for (i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		m++;
		lo = fmin(lo, v[i]);
		hi = fmax(hi, v[i]);
	}
	strbuf_addf(sb, "<svg class=\"hist\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", w, h);
	html_attr(sb, title);
	strbuf_addstr(sb, "\">");
	if (!m) {
		strbuf_addf(sb, "<text class=\"empty\" x=\"%d\" y=\"%d\">no values</text></svg>", 20, h / 2);
		return;
	}
	bw = hi > lo ? (hi - lo) / HBINS : 1;
	for (i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		k = hi > lo ? (int)((v[i] - lo) / bw) : 0;
		if (k >= HBINS)
			k = HBINS - 1;
		if (++count[k] > maxc)
			maxc = count[k];
	}
	for (k = 0; k < HBINS; k++) {
		double bh;

		if (!count[k])
			continue;
		bh = (double)(h - mt - mb) * count[k] / maxc;
		if (bh < 2)
			bh = 2; /* a lone outlier stays visible */
		svg_fmt_time(a, sizeof(a), lo + k * bw);
		svg_fmt_time(b, sizeof(b), lo + (k + 1) * bw);
		strbuf_addf(sb, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
			    "<title>", ml + (double)k * (w - ml - mr) / HBINS, h - mb - bh,
			    (double)(w - ml - mr) / HBINS - 1, bh);
		html_txtf(sb, "%s to %s: %u iterations", a, b, count[k]);
		strbuf_addstr(sb, "</title></rect>");
	}
	svg_fmt_time(a, sizeof(a), lo);
	svg_fmt_time(b, sizeof(b), hi);
	strbuf_addf(sb, "<text class=\"tick\" x=\"%d\" y=\"%d\">", ml, h - 6);
	html_txt(sb, a);
	strbuf_addf(sb, "</text><text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">", w - mr, h - 6);
	html_txt(sb, b);
	/* the axes named: x the time of an iteration, y how many iterations took it */
	strbuf_addf(sb, "</text><text class=\"tick axis\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
		    "time per iteration</text>", w / 2, h - 6);
	strbuf_addf(sb, "<text class=\"tick axis\" x=\"%d\" y=\"%d\">iterations (tallest bar: %u)</text>",
		    ml, mt + 8, maxc);
	strbuf_addstr(sb, "</svg>");
}
