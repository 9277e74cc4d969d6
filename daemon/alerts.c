// SPDX-License-Identifier: GPL-2.0
#include "daemon/alerts.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/calib.h"
#include "lib/html.h" /* one escaping helper for the feed's XML as for the pages */

const char *const alerts_kinds[] = { "regression", "gain", NULL };
const char *const alerts_states[] = { "new", "acknowledged", "invalid", "fixed", NULL };

bool alerts_one_of(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(v, *set))
			return true;
	return false;
}

/*
 * The host's latest calibration profile, or NULL when it has none (or it
 * cannot be read: the alert goes out without the note).  Freed by the caller.
 */
static struct calib_profile *latest_calibration(struct store *st, const char *host)
{
	struct strbuf doc = STRBUF_INIT, field = STRBUF_INIT, err = STRBUF_INIT;
	struct calib_profile *p = malloc(sizeof(*p));
	struct store_host h;

	if (p && (store_host_find(st, host, &h) || store_calibration_latest(st, h.id, &doc, NULL) ||
		  calib_profile_parse(p, doc.buf, doc.len, &field, &err))) {
		free(p);
		p = NULL;
	}
	strbuf_release(&doc);
	strbuf_release(&field);
	strbuf_release(&err);
	return p;
}

void alerts_calibration_note(const struct calib_profile *p, const char *workload, const char *layout,
			     unsigned runs, unsigned iterations, double budget_pct, struct strbuf *out)
{
	const struct calib_case *c = p ? calib_profile_case(p, workload, layout) : NULL;
	double hw;

	/* a run's spread, like its mean, depends on its iterations: another count says nothing here */
	if (!c || !isfinite(c->run_cv_pct) || c->iterations != iterations)
		return;
	/*
	 * NEEDSWORK: a VM's host compares boots (compare_result.by_boot), and
	 * a calibration measures runs of one boot: the note then projects the
	 * run-to-run spread to as many runs, which understates what boots vary by.
	 */
	hw = calib_half_width_pct(c->run_cv_pct / 100, runs, CALIB_LEVEL);
	if (!(hw > budget_pct))
		return;
	strbuf_addf(out, "; this machine resolves only \u00b1%.1f%% on %s %s in %u runs (calibrated %.10s)", hw,
		    layout, workload, runs, p->finished_at);
}

int alerts_find(struct store *st, const char *host, const char *kernel,
		const struct compare_config *cfg, struct alerts_found *out)
{
	struct strbuf err = STRBUF_INIT;
	struct compare_result res;
	int ret;

	out->n = 0;
	ret = compare_build(st, host, NULL, kernel, cfg, &res, &err);
	strbuf_release(&err);
	if (ret == -ENOENT || ret == -EINVAL)
		return 0; /* no baseline (yet): nothing to say */
	if (ret)
		return ret;
	alerts_from(st, host, &res, out);
	compare_result_release(&res);
	return 0;
}

void alerts_from(struct store *st, const char *host, const struct compare_result *res,
		 struct alerts_found *out)
{
	struct strbuf why = STRBUF_INIT, head = STRBUF_INIT, note = STRBUF_INIT;
	struct calib_profile *calib = NULL;
	bool calib_read = false;
	int i;

	out->n = 0;
	for (i = 0; i < res->nrows && out->n < ALERTS_MAX; i++) {
		const struct compare_row *r = &res->rows[i];
		struct store_alert *a;

		if (strcmp(r->metric, "ns") || r->missing || !r->supported)
			continue;
		switch (r->verdict) {
		case CMP_REGRESSION: /* an alert */
		case CMP_GAIN:       /* a notice */
			break;
		case CMP_SIGNIFICANT: /* not yet: see alerts.h */
		case CMP_UNCHANGED:
		case CMP_INCONCLUSIVE:
			continue;
		}
		a = &out->a[out->n++];
		memset(a, 0, sizeof(*a));
		snprintf(a->kernel, sizeof(a->kernel), "%s", res->head);
		snprintf(a->base, sizeof(a->base), "%s", res->base);
		snprintf(a->workload, sizeof(a->workload), "%s", r->workload);
		snprintf(a->layout, sizeof(a->layout), "%s", r->layout);
		snprintf(a->metric, sizeof(a->metric), "%s", r->metric);
		snprintf(a->kind, sizeof(a->kind), "%s", r->verdict == CMP_REGRESSION ? "regression" : "gain");
		a->delta_pct = r->delta_pct;
		a->ci_lo_pct = r->ci_lo;
		a->ci_hi_pct = r->ci_hi;
		a->p = r->p_welch;
		strbuf_reset(&why);
		strbuf_reset(&head);
		strbuf_reset(&note);
		compare_attribution(res, r, &why);
		strbuf_addf(&head, "%s %s %s %+.1f%% (%.0f%% CI %+.1f%% .. %+.1f%%, p=%.2g, %u/%u runs) against %s (%s): ",
			    r->workload, r->layout, r->verdict == CMP_REGRESSION ? "slower" : "faster",
			    r->delta_pct, 100 * res->confidence, r->ci_lo, r->ci_hi, r->p_welch, r->nb, r->nh, res->base,
			    res->base_why);
		/* read once, and only for a finding: most uploads raise nothing */
		if (!calib_read) {
			calib = latest_calibration(st, host);
			calib_read = true;
		}
		alerts_calibration_note(calib, r->workload, r->layout, r->nb < r->nh ? r->nb : r->nh, r->iterations,
					r->threshold, &note);
		if (!res->by_boot && !r->session_model)
			strbuf_addstr(&note, "; this host's session level is not known yet (too few repeated "
					     "uploads): one upload's own level can read as a change");
		/* the note is kept whole: the attribution gives way, cut at a character */
		if (head.len + why.len + note.len >= sizeof(a->summary) && note.len) {
			size_t room = sizeof(a->summary) - 1 - note.len;
			size_t keep = room > head.len ? room - head.len : 0;

			while (keep && keep < why.len && (why.buf[keep] & 0xc0) == 0x80)
				keep--;
			if (keep < why.len)
				strbuf_setlen(&why, keep);
		}
		snprintf(a->summary, sizeof(a->summary), "%s%s%s", head.buf, why.buf, note.buf);
	}
	free(calib);
	strbuf_release(&why);
	strbuf_release(&head);
	strbuf_release(&note);
}

void alerts_json(const struct store_alert *a, struct jw *jw, const char *key)
{
	jw_obj_begin(jw, key);
	jw_i64(jw, "id", a->id);
	jw_str(jw, "kind", a->kind);
	jw_str(jw, "host", a->host);
	jw_str(jw, "kernel", a->kernel);
	jw_str(jw, "base", a->base);
	jw_str(jw, "workload", a->workload);
	jw_str(jw, "layout", a->layout);
	jw_str(jw, "metric", a->metric);
	jw_double(jw, "delta_pct", a->delta_pct);
	jw_arr_begin(jw, "ci_pct");
	jw_double(jw, NULL, a->ci_lo_pct);
	jw_double(jw, NULL, a->ci_hi_pct);
	jw_arr_end(jw);
	jw_double(jw, "p_welch", a->p);
	jw_str(jw, "summary", a->summary);
	jw_str(jw, "state", a->state);
	jw_str_or_null(jw, "state_by", a->state_by);
	jw_time(jw, "state_at", a->state_at);
	jw_time(jw, "created_at", a->created_at);
	jw_obj_end(jw);
}

static void atom_time(struct strbuf *out, int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strbuf_addstr(out, buf);
}

void alerts_atom_begin(struct strbuf *out, const char *base_url)
{
	strbuf_addstr(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
			   "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
			   "  <title>forkwatch alerts</title>\n  <id>");
	html_attr(out, base_url);
	strbuf_addstr(out, "/alerts.atom</id>\n  <link rel=\"self\" href=\"");
	html_attr(out, base_url);
	strbuf_addstr(out, "/alerts.atom\"/>\n  <updated>");
	atom_time(out, (int64_t)time(NULL));
	strbuf_addstr(out, "</updated>\n  <author><name>forkwatchd</name></author>\n");
}

void alerts_atom_entry(struct strbuf *out, const struct store_alert *a, const char *base_url)
{
	struct strbuf title = STRBUF_INIT;

	strbuf_addf(&title, "%s on %s: %s %s %+.1f%% (%s)", a->kernel, a->host, a->workload,
		    a->layout, a->delta_pct, a->state);
	strbuf_addstr(out, "  <entry>\n    <title>");
	html_attr(out, title.buf);
	strbuf_addf(out, "</title>\n    <id>");
	html_attr(out, base_url);
	strbuf_addf(out, "/api/v1/alerts/%lld</id>\n    <updated>", (long long)a->id);
	atom_time(out, a->state_at ? a->state_at : a->created_at);
	strbuf_addstr(out, "</updated>\n    <link href=\"");
	html_attr(out, base_url);
	strbuf_reset(&title);
	strbuf_addstr(&title, "/compare.txt?");
	compare_query(&title, a->host, a->kernel, a->base);
	html_attr(out, title.buf);
	strbuf_addstr(out, "\"/>\n    <summary>");
	html_attr(out, a->summary);
	strbuf_addstr(out, "</summary>\n  </entry>\n");
	strbuf_release(&title);
}

void alerts_atom_end(struct strbuf *out)
{
	strbuf_addstr(out, "</feed>\n");
}
