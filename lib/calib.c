// SPDX-License-Identifier: GPL-2.0
/* Calibration: interleaved halves, the runs a width needs, the profile document. */
#include "lib/calib.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cmp.h"
#include "lib/jread.h"
#include "lib/parse.h"
#include "lib/plan.h"

void calib_halves(const double *v, size_t n, double *a, size_t *na, double *b, size_t *nb)
{
	size_t i;

	*na = *nb = 0;
	for (i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		if (i % 2)
			b[(*nb)++] = v[i];
		else
			a[(*na)++] = v[i];
	}
}

void calib_halves_sequential(const double *v, size_t n, double *a, size_t *na, double *b, size_t *nb)
{
	size_t i;

	*na = *nb = 0;
	for (i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		if (i >= n / 2)
			b[(*nb)++] = v[i];
		else
			a[(*na)++] = v[i];
	}
}

/* The per-run spread as plan.h's components: v(m) = cv^2 of a mean of 1 at m = 1. */
static void cv_components(double cv, struct cmp_components *vc)
{
	memset(vc, 0, sizeof(*vc));
	vc->mean = 1;
	vc->var_between = cv * cv;
	vc->var_within = 0;
}

double calib_half_width_pct(double cv, unsigned runs, double level)
{
	struct cmp_components vc;

	if (!(cv >= 0) || !isfinite(cv))
		return NAN;
	cv_components(cv, &vc);
	return plan_half_width_pct(&vc, 1, runs, level);
}

unsigned calib_runs_for(double cv, double target_pct, double level, unsigned max_runs)
{
	struct plan_limits lim = PLAN_LIMITS_INIT;
	struct cmp_components vc;

	if (!(cv >= 0) || !isfinite(cv) || max_runs < 3)
		return 0;
	lim.min_runs = 3;
	lim.max_runs = max_runs;
	cv_components(cv, &vc);
	return plan_runs_for(&vc, 1, target_pct, level, &lim);
}

const struct calib_case *calib_profile_case(const struct calib_profile *p, const char *workload,
					    const char *layout)
{
	size_t i;

	for (i = 0; i < p->ncases; i++)
		if (!strcmp(p->cases[i].workload, workload) && !strcmp(p->cases[i].layout, layout))
			return &p->cases[i];
	return NULL;
}

/* ---- the parser ---- */

struct vctx {
	struct strbuf *field, *err;
};

__attribute__((format(printf, 3, 4)))
static int bad(struct vctx *v, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (v->field) {
		strbuf_reset(v->field);
		strbuf_addstr(v->field, field);
	}
	va_start(ap, fmt);
	strbuf_vaddf(v->err, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_uuid(const char *s)
{
	int i;

	if (strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* YYYY-MM-DDTHH:MM:SSZ */
static bool is_utc(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t i;

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
			return false;
	return true;
}

static bool is_layout(const char *s)
{
	const char *d;

	if (!strcmp(s, "pmd"))
		return true;
	if (strncmp(s, "order-", 6) || !s[6] || strlen(s) > 10)
		return false;
	for (d = s + 6; *d; d++)
		if (!isdigit((unsigned char)*d))
			return false;
	return true;
}

static bool is_sha(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 7 || n > 40)
		return false;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

/* A string member: required or not (absent/null leaves out NULL), at most max bytes of text. */
static int get_str(struct vctx *v, const struct jread_node *obj, const char *path, const char *key,
		   bool required, size_t max, const char **out)
{
	const struct jread_node *n = jread_get(obj, key);
	char f[64];

	snprintf(f, sizeof(f), "%s%s", path, key);
	*out = NULL;
	if (!n || n->type == JREAD_NULL) {
		if (required)
			return bad(v, f, "missing '%s'", f);
		return 0;
	}
	if (n->type != JREAD_STR)
		return bad(v, f, "'%s' must be a string", f);
	if (strlen(n->str) > max || !parse_text_ok(n->str))
		return bad(v, f, "'%s' must be text of at most %zu bytes", f, max);
	*out = n->str;
	return 0;
}

/* A number in [lo, hi]; null (allowed when nullable) gives NAN. */
static int get_num(struct vctx *v, const struct jread_node *obj, const char *path, const char *key,
		   bool nullable, bool integer, double lo, double hi, double *out)
{
	const struct jread_node *n = jread_get(obj, key);
	char f[64];

	snprintf(f, sizeof(f), "%s%s", path, key);
	*out = NAN;
	if (n && n->type == JREAD_NULL && nullable)
		return 0;
	if (!n)
		return bad(v, f, "missing '%s'", f);
	if (n->type != JREAD_NUM || !jread_num(n, out) || (integer && !n->is_int) || !(*out >= lo && *out <= hi))
		return bad(v, f, "'%s' must be %s from %g to %g%s", f, integer ? "a whole number" : "a number",
			   lo, hi, nullable ? ", or null" : "");
	return 0;
}

static int parse_case(struct vctx *v, const struct jread_node *c, size_t i, unsigned runs_max,
		      struct calib_case *cc)
{
	char path[32], f[64];
	const char *s;
	double x;
	int ret;

	snprintf(path, sizeof(path), "cases[%zu].", i);
	if (c->type != JREAD_OBJ)
		return bad(v, "cases", "'cases[%zu]' must be an object", i);
	if ((ret = get_str(v, c, path, "workload", true, sizeof(cc->workload) - 1, &s)))
		return ret;
	if (!parse_workload_ok(s))
		return bad(v, (snprintf(f, sizeof(f), "%sworkload", path), f), "'%s' '%s' is not a workload name", f, s);
	snprintf(cc->workload, sizeof(cc->workload), "%s", s);
	if ((ret = get_str(v, c, path, "layout", true, sizeof(cc->layout) - 1, &s)))
		return ret;
	if (!is_layout(s))
		return bad(v, (snprintf(f, sizeof(f), "%slayout", path), f), "'%s' '%s': expected order-N or pmd", f, s);
	snprintf(cc->layout, sizeof(cc->layout), "%s", s);
	if ((ret = get_num(v, c, path, "order", false, true, 0, 30, &x)))
		return ret;
	cc->order = (int)x;
	/* pmd's order is the machine's PMD order (9 with 4 KiB pages, 13 with 64 KiB) */
	if (strcmp(cc->layout, "pmd") && cc->order != atoi(cc->layout + 6))
		return bad(v, (snprintf(f, sizeof(f), "%sorder", path), f), "'%s' %d: layout '%s' has order %s",
			   f, cc->order, cc->layout, cc->layout + 6);
	if ((ret = get_num(v, c, path, "runs", false, true, 0, CALIB_RUNS_MAX, &x)))
		return ret;
	cc->runs = (unsigned)x;
	if ((ret = get_num(v, c, path, "iterations", false, true, 1, 1000000, &x)))
		return ret;
	cc->iterations = (unsigned)x;
	if ((ret = get_num(v, c, path, "budget_pct", false, false, 0, 100, &cc->budget_pct)) ||
	    (ret = get_num(v, c, path, "half_width_pct", true, false, 0, 1e9, &cc->half_width_pct)) ||
	    (ret = get_num(v, c, path, "run_cv_pct", true, false, 0, 1e6, &cc->run_cv_pct)))
		return ret;
	if ((ret = get_num(v, c, path, "runs_for_1pct", true, true, 3, runs_max, &x)))
		return ret;
	cc->runs_for_1pct = isnan(x) ? 0 : (unsigned)x;
	if ((ret = get_num(v, c, path, "runs_for_2pct", true, true, 3, runs_max, &x)))
		return ret;
	cc->runs_for_2pct = isnan(x) ? 0 : (unsigned)x;
	if ((ret = get_str(v, c, path, "verdict", true, sizeof(cc->verdict) - 1, &s)))
		return ret;
	for (i = 0; i < CMP_VERDICTS && strcmp(cmp_verdict_name((enum cmp_verdict)i), s); i++)
		;
	if (i == CMP_VERDICTS)
		return bad(v, (snprintf(f, sizeof(f), "%sverdict", path), f), "'%s' '%s' is not a verdict", f, s);
	snprintf(cc->verdict, sizeof(cc->verdict), "%s", s);
	return 0;
}

static int parse_root(struct vctx *v, const struct jread_node *root, struct calib_profile *p)
{
	const struct jread_node *host, *kernel, *params, *cases;
	const char *s;
	double x;
	size_t i;
	int ret;

	if (root->type != JREAD_OBJ)
		return bad(v, "", "the document must be a JSON object");
	if ((ret = get_str(v, root, "", "format", true, 64, &s)))
		return ret;
	if (strcmp(s, CALIB_FORMAT))
		return bad(v, "format", "'format' '%s': expected '%s'", s, CALIB_FORMAT);
	if ((ret = get_str(v, root, "", "calibration_uuid", true, 36, &s)))
		return ret;
	if (!is_uuid(s))
		return bad(v, "calibration_uuid", "'calibration_uuid' '%s' is not a UUID", s);
	snprintf(p->uuid, sizeof(p->uuid), "%s", s);
	/* one profile, one key: as doc.c does with run_uuid */
	for (char *u = p->uuid; *u; u++)
		if (*u >= 'A' && *u <= 'F')
			*u = (char)(*u - 'A' + 'a');
	if ((ret = get_str(v, root, "", "finished_at", true, 31, &s)))
		return ret;
	if (!is_utc(s))
		return bad(v, "finished_at", "'finished_at' '%s': expected YYYY-MM-DDTHH:MM:SSZ", s);
	snprintf(p->finished_at, sizeof(p->finished_at), "%s", s);
	host = jread_get(root, "host");
	if (!host || host->type != JREAD_OBJ)
		return bad(v, "host", "'host' must be an object");
	if ((ret = get_str(v, host, "host.", "hostname", true, sizeof(p->hostname) - 1, &s)))
		return ret;
	snprintf(p->hostname, sizeof(p->hostname), "%s", s);
	kernel = jread_get(root, "kernel");
	if (!kernel || kernel->type != JREAD_OBJ)
		return bad(v, "kernel", "'kernel' must be an object");
	if ((ret = get_str(v, kernel, "kernel.", "release", true, sizeof(p->release) - 1, &s)))
		return ret;
	snprintf(p->release, sizeof(p->release), "%s", s);
	if ((ret = get_str(v, kernel, "kernel.", "commit", false, 40, &s)))
		return ret;
	if (s && !is_sha(s))
		return bad(v, "kernel.commit", "'kernel.commit' '%s': expected 7 to 40 lower-case hex digits", s);
	snprintf(p->commit, sizeof(p->commit), "%s", s ? s : "");
	params = jread_get(root, "params");
	if (!params || params->type != JREAD_OBJ)
		return bad(v, "params", "'params' must be an object");
	if ((ret = get_str(v, params, "params.", "placement", false, sizeof(p->placement) - 1, &s)))
		return ret;
	snprintf(p->placement, sizeof(p->placement), "%s", s ? s : "");
	if ((ret = get_str(v, params, "params.", "split", false, sizeof(p->split) - 1, &s)))
		return ret;
	if (s && strcmp(s, "interleaved") && strcmp(s, "sequential"))
		return bad(v, "params.split", "'params.split' '%s': expected interleaved or sequential", s);
	snprintf(p->split, sizeof(p->split), "%s", s ? s : "interleaved");
	if ((ret = get_num(v, root, "", "runs_max", false, true, 3, CALIB_RUNS_MAX, &x)))
		return ret;
	p->runs_max = (unsigned)x;
	cases = jread_get(root, "cases");
	if (!cases || cases->type != JREAD_ARR)
		return bad(v, "cases", "'cases' must be an array");
	if (!cases->n || cases->n > CALIB_CASES_MAX)
		return bad(v, "cases", "'cases' must hold 1 to %d cases", CALIB_CASES_MAX);
	for (i = 0; i < cases->n; i++) {
		if ((ret = parse_case(v, &cases->kids[i], i, p->runs_max, &p->cases[i])))
			return ret;
		if (calib_profile_case(p, p->cases[i].workload, p->cases[i].layout)) /* of cases[0, i) */
			return bad(v, "cases", "'cases[%zu]': %s %s twice", i, p->cases[i].workload,
				   p->cases[i].layout);
		p->ncases = i + 1;
	}
	return 0;
}

int calib_profile_parse(struct calib_profile *p, const char *text, size_t len, struct strbuf *field,
			struct strbuf *err)
{
	struct vctx v = { field, err };
	struct jread_node *root = NULL;
	int ret;

	memset(p, 0, sizeof(*p));
	if (len > CALIB_DOC_MAX) {
		strbuf_addf(err, "the document is %zu bytes, more than %d", len, CALIB_DOC_MAX);
		return -E2BIG;
	}
	ret = jread_parse_flags(&root, text, len, JREAD_REJECT_DUPLICATES | JREAD_REJECT_BIG_INTS, err);
	if (ret)
		return ret == -ENOMEM ? ret : -EINVAL;
	ret = parse_root(&v, root, p);
	jread_free(root);
	return ret;
}
