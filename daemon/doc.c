// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing and validation of uploaded result documents.  Everything that
 * reaches the store passes through here: a document is taken whole or
 * refused with the path of the first offending field.
 */
#include "daemon/doc.h"
#include "lib/parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jread.h"
#include "lib/jsonw.h"

#define DOC_MAX_CASES 64
#define DOC_MAX_RUNS 1000
#define DOC_MAX_ITERATIONS 1000000
#define DOC_MAX_SIZE (1ULL << 40)
#define DOC_MAX_METRICS 17
#define DOC_MAX_VALUE 1000000000000000000LL /* 1e18: a count or ns beyond this is corrupt */
#define DOC_MAX_NOISE_SOURCES 64
#define DOC_MAX_TUNED 1024

struct vctx {
	struct strbuf *field;
	struct strbuf *err;
	uint64_t claimed; /* values the document's cases claim so far */
};

/* Set the error for path (printf-like) and return -EINVAL. */
static int bad(struct vctx *v, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct vctx *v, const char *path, const char *fmt, ...)
{
	va_list ap;

	strbuf_reset(v->field);
	strbuf_addstr(v->field, path);
	strbuf_reset(v->err);
	va_start(ap, fmt);
	strbuf_vaddf(v->err, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A path one level down: "cases[2]" + ".runs" or "[3]". */
static void path_key(struct strbuf *out, const char *base, const char *key)
{
	strbuf_reset(out);
	if (*base)
		strbuf_addf(out, "%s.%s", base, key);
	else
		strbuf_addstr(out, key);
}

/*
 * bad() for the member key of the object at base.  The path is built only
 * here, on error: the checks of a valid document format nothing.
 */
static int bad_key(struct vctx *v, const char *base, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int bad_key(struct vctx *v, const char *base, const char *key, const char *fmt, ...)
{
	va_list ap;

	path_key(v->field, base, key);
	strbuf_reset(v->err);
	va_start(ap, fmt);
	strbuf_vaddf(v->err, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static char *dup_or_null(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		abort();
	return d;
}

static bool is_integer(const struct jread_node *j)
{
	return j && j->type == JREAD_NUM && j->is_int;
}

/*
 * A string member: required or optional (then NULL/absent allowed),
 * at most max bytes, no control characters unless multiline.
 */
static int get_str(struct vctx *v, const struct jread_node *obj, const char *base, const char *key,
		   bool required, size_t max, bool multiline, const char **out)
{
	const struct jread_node *j = jread_get(obj, key);

	*out = NULL;
	if (!j || j->type == JREAD_NULL)
		return required ? bad_key(v, base, key, "missing") : 0;
	if (j->type != JREAD_STR)
		return bad_key(v, base, key, "expected a string");
	*out = j->str;
	if (required && !**out)
		return bad_key(v, base, key, "must not be empty");
	if (strlen(*out) > max)
		return bad_key(v, base, key, "longer than %zu bytes", max);
	if (!multiline && !parse_text_ok(*out))
		return bad_key(v, base, key, "contains control characters or noncharacters (U+FFFE, U+FFFF...)");
	return 0;
}

static int get_int(struct vctx *v, const struct jread_node *obj, const char *base, const char *key,
		   bool required, long long min, long long max, long long *out)
{
	const struct jread_node *j = jread_get(obj, key);

	if (!j || j->type == JREAD_NULL) {
		if (required)
			return bad_key(v, base, key, "missing");
		*out = min - 1; /* absent: below any valid value */
		return 0;
	}
	if (!is_integer(j))
		return bad_key(v, base, key, "expected an integer");
	*out = j->i;
	if (*out < min || *out > max)
		return bad_key(v, base, key, "%lld is out of range [%lld, %lld]", *out, min, max);
	return 0;
}

static int get_bool(struct vctx *v, const struct jread_node *obj, const char *base, const char *key,
		    bool required, bool *out)
{
	const struct jread_node *j = jread_get(obj, key);

	*out = false;
	if (!j)
		return required ? bad_key(v, base, key, "missing") : 0;
	if (j->type != JREAD_BOOL)
		return bad_key(v, base, key, "expected true or false");
	*out = j->b;
	return 0;
}

static int get_obj(struct vctx *v, const struct jread_node *obj, const char *base, const char *key,
		   const struct jread_node **out)
{
	*out = jread_get(obj, key);
	if (!*out)
		return bad_key(v, base, key, "missing");
	if ((*out)->type != JREAD_OBJ)
		return bad_key(v, base, key, "expected an object");
	return 0;
}

static int get_arr(struct vctx *v, const struct jread_node *obj, const char *base, const char *key,
		   const struct jread_node **out)
{
	*out = jread_get(obj, key);
	if (!*out)
		return bad_key(v, base, key, "missing");
	if ((*out)->type != JREAD_ARR)
		return bad_key(v, base, key, "expected an array");
	return 0;
}

static bool is_sha(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!(isdigit((unsigned char)s[n]) || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n >= 7 && n <= 40;
}

static bool is_hex(const char *s)
{
	for (; *s; s++)
		if (!(isdigit((unsigned char)*s) || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static bool is_uuid(const char *s)
{
	int i;

	if (strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

static bool is_metric(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!(islower((unsigned char)s[n]) || isdigit((unsigned char)s[n]) || s[n] == '_'))
			return false;
	return n > 0 && n < 32;
}

void doc_kernel_ident(const char *commit, const char *release, char *out, size_t len)
{
	if (commit && *commit)
		snprintf(out, len, "%s", commit);
	else
		snprintf(out, len, "release:%s", release);
}

static void series_release(struct doc_series *s)
{
	free(s->event);
	free(s->reason);
	free(s->run_len);
	free(s->values);
	free(s->run_means);
	memset(s, 0, sizeof(*s));
}

static void case_release(struct doc_case *c)
{
	int i;

	for (i = 0; i < c->nseries; i++)
		series_release(&c->series[i]);
	free(c->series);
	free(c->layout_reason);
	free(c->folios_json);
	memset(c, 0, sizeof(*c));
}

void doc_release(struct doc *d)
{
	int i;

	for (i = 0; i < d->ncases; i++)
		case_release(&d->cases[i]);
	free(d->cases);
	free(d->host.cpu_model);
	free(d->host_json);
	free(d->kernel.version);
	free(d->noise);
	memset(d, 0, sizeof(*d));
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		abort();
	return p;
}

/* Summaries of a series once its values are in. */
static void series_summarize(struct doc_series *s)
{
	size_t off = 0;
	unsigned r;

	for (r = 0; r < s->nruns; r++) {
		s->run_means[r] = stats_mean(s->values + off, s->run_len[r]);
		off += s->run_len[r];
	}
	stats_summarize(s->run_means, s->nruns, &s->runs_sum);
	stats_summarize(s->values, s->nvalues, &s->it_sum);
	s->runs_median = stats_median(s->run_means, s->nruns);
	s->it_median = stats_median(s->values, s->nvalues);
}

/*
 * Append one run's array (ns or a counter) to series s.  base is the run's
 * path; the array is base.ns, or base.counters.<counter> when counter is
 * not NULL.
 */
static int take_values(struct vctx *v, const struct jread_node *arr, const char *base,
		       const char *counter, unsigned expect, bool exact, bool nulls,
		       struct doc_series *s, unsigned run)
{
	struct strbuf p = STRBUF_INIT;
	double *out = s->values + s->nvalues;
	size_t n = 0, i = 0;
	int ret = 0;

	if (!arr || arr->type != JREAD_ARR)
		goto out_bad;
	n = arr->n;
	if (exact ? n != expect : n > expect)
		goto out_bad;
	for (i = 0; arr->packed && i < n; i++) {
		if (arr->ints[i] < 0 || arr->ints[i] > DOC_MAX_VALUE)
			goto out_bad;
		out[i] = (double)arr->ints[i];
	}
	for (i = 0; !arr->packed && i < n; i++) {
		const struct jread_node *x = &arr->kids[i];

		if (x->type == JREAD_NUM && x->is_int && x->i >= 0 && x->i <= DOC_MAX_VALUE) {
			out[i] = (double)x->i;
			continue;
		}
		if (nulls && x->type == JREAD_NULL) {
			out[i] = NAN;
			continue;
		}
		goto out_bad;
	}
	s->nvalues += n;
	s->run_len[run] = (uint32_t)n;
	return 0;

out_bad:
	/* the error's path and message are built only now */
	if (counter)
		strbuf_addf(&p, "%s.counters.%s", base, counter);
	else
		strbuf_addf(&p, "%s.ns", base);
	if (!arr)
		ret = bad(v, p.buf, "missing");
	else if (arr->type != JREAD_ARR)
		ret = bad(v, p.buf, "expected an array");
	else if (exact ? n != expect : n > expect)
		ret = bad(v, p.buf, "has %zu values, expected %s%u", n, exact ? "" : "at most ", expect);
	else {
		strbuf_addf(&p, "[%zu]", i);
		ret = bad(v, p.buf, "expected a non-negative integer%s", nulls ? " or null" : "");
	}
	strbuf_release(&p);
	return ret;
}

static int parse_layout(const char *name, int *order)
{
	char *end;
	long o;

	if (!strcmp(name, "pmd"))
		return 1;
	if (strncmp(name, "order-", 6) || !isdigit((unsigned char)name[6]))
		return -1;
	if (name[6] == '0' && name[7])
		return -1; /* "order-04" would be a second name for order-4 */
	o = strtol(name + 6, &end, 10);
	if (*end || o < 0 || o > 20)
		return -1;
	*order = (int)o;
	return 0;
}

/* n re-serialised by jw_node(); NULL when it nests too deeply.  free() it. */
static char *dump_sorted(const struct jread_node *n)
{
	struct strbuf sb = STRBUF_INIT;
	struct jw jw;

	jw_init(&jw, &sb);
	if (jw_node(&jw, NULL, n)) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

/*
 * Each case has its own count of iterations; it must be one that params
 * announced: iterations, or fresh_iterations for a workload that needs a
 * fresh region per iteration (which ones do is the collector's to know).
 */
static int case_iterations_ok(struct vctx *v, const char *base, unsigned n, unsigned iterations,
			      unsigned fresh)
{
	if (n == iterations || n == fresh)
		return 0;
	if (fresh)
		return bad_key(v, base, "iterations", "%u, but params.iterations says %u and "
			       "params.fresh_iterations %u", n, iterations, fresh);
	return bad_key(v, base, "iterations", "%u, but params.iterations says %u", n, iterations);
}

static int parse_case(struct vctx *v, const struct jread_node *jc, const char *base,
		      const struct doc *d, struct doc_case *c)
{
	struct strbuf p = STRBUF_INIT, q = STRBUF_INIT, rp = STRBUF_INIT;
	const struct jread_node *lc, *ctrs, *runs, *folios;
	const char *s;
	long long ll;
	int ret, lorder = -1, kind, m;
	size_t r, i;
	bool ok;

	if (jc->type != JREAD_OBJ)
		return bad(v, base, "expected an object");
	/* any name the rule allows: the collector's table says which workloads exist */
	if ((ret = get_str(v, jc, base, "workload", true, WORKLOAD_NAME_MAX - 1, false, &s)))
		goto out;
	if (!parse_workload_ok(s)) {
		ret = bad_key(v, base, "workload", "'%s': expected a workload name: a-z, 0-9, '-' and '_', "
			      "a letter first", s);
		goto out;
	}
	snprintf(c->workload, sizeof(c->workload), "%s", s);
	if ((ret = get_str(v, jc, base, "layout", true, 15, false, &s)))
		goto out;
	kind = parse_layout(s, &lorder);
	if (kind < 0) {
		ret = bad_key(v, base, "layout", "unknown layout '%s': expected order-N or pmd", s);
		goto out;
	}
	snprintf(c->layout, sizeof(c->layout), "%s", s);
	if ((ret = get_int(v, jc, base, "order", true, 0, 20, &ll)))
		goto out;
	c->order = (int)ll;
	if (kind == 0 && lorder != c->order) {
		ret = bad_key(v, base, "order", "%d does not match layout '%s'", c->order, c->layout);
		goto out;
	}
	if ((ret = get_str(v, jc, base, "mapping", true, 7, false, &s)))
		goto out;
	if (strcmp(s, kind == 1 ? "pmd" : "pte")) {
		ret = bad_key(v, base, "mapping", "'%s' does not match layout '%s'", s, c->layout);
		goto out;
	}
	snprintf(c->mapping, sizeof(c->mapping), "%s", s);
	if ((ret = get_int(v, jc, base, "iterations", true, 1, DOC_MAX_ITERATIONS, &ll)))
		goto out;
	c->iterations = (unsigned)ll;
	if ((ret = case_iterations_ok(v, base, c->iterations, d->params.iterations,
				      d->params.fresh_iterations)))
		goto out;

	path_key(&p, base, "layout_check");
	if ((ret = get_obj(v, jc, base, "layout_check", &lc)) ||
	    (ret = get_bool(v, lc, p.buf, "ok", true, &c->layout_ok)) ||
	    (ret = get_str(v, lc, p.buf, "reason", false, 1000, false, &s)))
		goto out;
	c->layout_reason = c->layout_ok ? NULL : dup_or_null(s ? s : "not verified");
	folios = jread_get(lc, "folios");
	if (folios) {
		if (folios->type != JREAD_OBJ) {
			ret = bad_key(v, p.buf, "folios", "expected an object");
			goto out;
		}
		for (i = 0; i < folios->n; i++) {
			const char *key = folios->kids[i].key;
			char *end;
			long o = strtol(key, &end, 10);

			if (*end || end == key || o < 0 || o > 20 || !is_integer(&folios->kids[i]) ||
			    folios->kids[i].i < 0) {
				ret = bad_key(v, p.buf, "folios", "expected order -> non-negative count");
				goto out;
			}
		}
		c->folios_json = dump_sorted(folios); /* integers only: never too deep */
	}
	if ((ret = get_int(v, jc, base, "runs_ok", false, 0, DOC_MAX_RUNS, &ll)))
		goto out;

	/* series: ns first, then each counter of the case in document order */
	if ((ret = get_obj(v, jc, base, "counters", &ctrs)))
		goto out;
	if (ctrs->n > DOC_MAX_METRICS - 1) {
		ret = bad_key(v, base, "counters", "more than %d counters", DOC_MAX_METRICS - 1);
		goto out;
	}
	c->series = xcalloc(1 + ctrs->n, sizeof(*c->series));
	c->nseries = 1;
	snprintf(c->series[0].metric, sizeof(c->series[0].metric), "ns");
	c->series[0].supported = true;
	path_key(&p, base, "counters");
	for (i = 0; i < ctrs->n; i++) {
		const struct jread_node *val = &ctrs->kids[i];
		struct doc_series *se = &c->series[c->nseries];

		path_key(&q, p.buf, val->key);
		if (!is_metric(val->key) || !strcmp(val->key, "ns")) {
			ret = bad(v, q.buf, "metric names are [a-z0-9_], 1 to 31 characters, not 'ns'");
			goto out;
		}
		if (val->type != JREAD_OBJ) {
			ret = bad(v, q.buf, "expected an object");
			goto out;
		}
		snprintf(se->metric, sizeof(se->metric), "%s", val->key);
		c->nseries++;
		if ((ret = get_str(v, val, q.buf, "status", true, 15, false, &s)))
			goto out;
		if (!strcmp(s, "ok")) {
			se->supported = true;
			if ((ret = get_str(v, val, q.buf, "event", false, 159, false, &s)))
				goto out;
			se->event = dup_or_null(s);
			if ((ret = get_bool(v, val, q.buf, "multiplexed", false, &se->multiplexed)))
				goto out;
		} else if (!strcmp(s, "unsupported")) {
			if ((ret = get_str(v, val, q.buf, "reason", true, 1000, false, &s)))
				goto out;
			se->reason = dup_or_null(s);
			if ((ret = get_str(v, val, q.buf, "event", false, 159, false, &s)))
				goto out;
			se->event = dup_or_null(s);
		} else {
			strbuf_addstr(&q, ".status");
			ret = bad(v, q.buf, "'%s': expected ok or unsupported", s);
			goto out;
		}
	}

	if ((ret = get_arr(v, jc, base, "runs", &runs)))
		goto out;
	if (runs->packed) { /* integers, not runs */
		strbuf_reset(&rp);
		strbuf_addf(&rp, "%s.runs[0]", base);
		ret = bad(v, rp.buf, "expected an object");
		goto out;
	}
	/* with a time budget each case takes its own runs, params.runs the most */
	if (d->params.time_budget_s > 0 ? runs->n < 1 || runs->n > d->params.runs
					: runs->n != d->params.runs) {
		ret = bad_key(v, base, "runs", "has %zu runs, params.runs says %s%u", runs->n,
			      d->params.time_budget_s > 0 ? "at most " : "", d->params.runs);
		goto out;
	}
	/*
	 * Every value takes at least two bytes of JSON: a document cannot
	 * hold more, so a larger claim is refused before anything is allocated.
	 */
	for (m = 0; m < c->nseries; m++)
		if (c->series[m].supported)
			v->claimed += (uint64_t)runs->n * c->iterations;
	if (v->claimed > d->bytes / 2) {
		ret = bad_key(v, base, "iterations", "%zu runs x %u iterations cannot fit in a %zu-byte "
			      "document (%d series, counting the cases before)", runs->n,
			      c->iterations, d->bytes, c->nseries);
		goto out;
	}
	for (m = 0; m < c->nseries; m++) {
		struct doc_series *se = &c->series[m];

		se->nruns = (unsigned)runs->n;
		se->run_len = xcalloc(se->nruns, sizeof(*se->run_len));
		se->run_means = xcalloc(se->nruns, sizeof(*se->run_means));
		if (se->supported)
			se->values = xcalloc((size_t)se->nruns * c->iterations, sizeof(*se->values));
	}
	c->runs_ok = 0;
	for (r = 0; r < runs->n; r++) {
		const struct jread_node *jr = &runs->kids[r], *jctr;

		strbuf_reset(&rp);
		strbuf_addf(&rp, "%s.runs[%zu]", base, r);
		if (jr->type != JREAD_OBJ) {
			ret = bad(v, rp.buf, "expected an object");
			goto out;
		}
		if ((ret = get_bool(v, jr, rp.buf, "ok", true, &ok)) ||
		    (ret = get_str(v, jr, rp.buf, "error", false, 1000, false, &s)))
			goto out;
		c->runs_ok += ok;
		if ((ret = take_values(v, jread_get(jr, "ns"), rp.buf, NULL, c->iterations, ok, false,
				       &c->series[0], (unsigned)r)))
			goto out;
		jctr = jread_get(jr, "counters");
		if (jctr && jctr->type != JREAD_OBJ) {
			ret = bad_key(v, rp.buf, "counters", "expected an object");
			goto out;
		}
		for (m = 1; m < c->nseries; m++) {
			struct doc_series *se = &c->series[m];
			const struct jread_node *arr = jread_get(jctr, se->metric);

			if (!se->supported) {
				if (arr) {
					path_key(&p, rp.buf, "counters");
					ret = bad_key(v, p.buf, se->metric,
						      "values for a counter reported unsupported");
					goto out;
				}
				continue;
			}
			if (!arr) {
				path_key(&p, rp.buf, "counters");
				ret = bad_key(v, p.buf, se->metric, "missing (the counter is reported ok)");
				goto out;
			}
			if ((ret = take_values(v, arr, rp.buf, se->metric, c->series[0].run_len[r], true,
					       true, se, (unsigned)r)))
				goto out;
		}
		/* each of the run's counters must be one of the case's: few, so a scan */
		for (i = 0; jctr && i < jctr->n; i++) {
			const char *key = jctr->kids[i].key;

			for (m = 1; m < c->nseries && strcmp(c->series[m].metric, key); m++)
				;
			if (m == c->nseries) {
				path_key(&p, rp.buf, "counters");
				ret = bad_key(v, p.buf, key, "not a counter of this case");
				goto out;
			}
		}
	}
	for (m = 0; m < c->nseries; m++)
		if (c->series[m].supported)
			series_summarize(&c->series[m]);
	ret = 0;
out:
	strbuf_release(&p);
	strbuf_release(&q);
	strbuf_release(&rp);
	return ret;
}

/*
 * The noise snapshot (optional): its sources are checked and the noisy
 * ones kept as names; what was tuned and what changed during the run are
 * checked for shape only (the store keeps the names).
 */
static int parse_noise(struct vctx *v, const struct jread_node *root, struct doc *d)
{
	static const char *const statuses[] = { "absent", "quiet", "info", "noisy" };
	const struct jread_node *noise = jread_get(root, "noise"), *srcs, *tuned, *during;
	struct strbuf p = STRBUF_INIT, names = STRBUF_INIT;
	const char *s;
	size_t i, k;
	int ret = 0;

	if (!noise || noise->type == JREAD_NULL)
		return 0;
	if (noise->type != JREAD_OBJ)
		return bad(v, "noise", "expected an object");
	if ((ret = get_arr(v, noise, "noise", "sources", &srcs)))
		return ret;
	if (srcs->n > DOC_MAX_NOISE_SOURCES)
		return bad(v, "noise.sources", "more than %d sources", DOC_MAX_NOISE_SOURCES);
	for (i = 0; i < srcs->n; i++) {
		const struct jread_node *src = &srcs->kids[i];
		const char *name;

		strbuf_reset(&p);
		strbuf_addf(&p, "noise.sources[%zu]", i);
		if (src->type != JREAD_OBJ) {
			ret = bad(v, p.buf, "expected an object");
			goto out;
		}
		if ((ret = get_str(v, src, p.buf, "name", true, 31, false, &name)))
			goto out;
		if (!is_metric(name)) {
			ret = bad_key(v, p.buf, "name", "'%s': expected [a-z0-9_], 1 to 31 characters", name);
			goto out;
		}
		if ((ret = get_str(v, src, p.buf, "status", true, 15, false, &s)))
			goto out;
		for (k = 0; k < sizeof(statuses) / sizeof(statuses[0]) && strcmp(s, statuses[k]); k++)
			;
		if (k == sizeof(statuses) / sizeof(statuses[0])) {
			ret = bad_key(v, p.buf, "status", "'%s': expected absent, quiet, info or noisy", s);
			goto out;
		}
		if ((ret = get_str(v, src, p.buf, "state", false, 1000, false, &s)) ||
		    (ret = get_str(v, src, p.buf, "advice", false, 1000, false, &s)))
			goto out;
		if (strcmp(statuses[k], "noisy"))
			continue;
		/* once each: few sources, so a scan */
		for (k = 0; k < i; k++)
			if (!strcmp(jread_str(jread_get(&srcs->kids[k], "name")), name))
				break;
		if (k == i)
			strbuf_addf(&names, "%s%s", names.len ? " " : "", name);
	}
	tuned = jread_get(noise, "tuned");
	if (tuned && tuned->type != JREAD_NULL) {
		static const char *const keys[] = { "source", "knob", "from", "to" };

		if (tuned->type != JREAD_ARR || tuned->n > DOC_MAX_TUNED) {
			ret = bad(v, "noise.tuned", "expected an array of at most %d knobs", DOC_MAX_TUNED);
			goto out;
		}
		for (i = 0; i < tuned->n; i++) {
			strbuf_reset(&p);
			strbuf_addf(&p, "noise.tuned[%zu]", i);
			if (tuned->kids[i].type != JREAD_OBJ) {
				ret = bad(v, p.buf, "expected an object");
				goto out;
			}
			for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
				if ((ret = get_str(v, &tuned->kids[i], p.buf, keys[k], true, 300, false, &s)))
					goto out;
		}
	}
	during = jread_get(noise, "during");
	if (during && during->type != JREAD_NULL && during->type != JREAD_OBJ) {
		ret = bad(v, "noise.during", "expected an object or null");
		goto out;
	}
	d->noise = strbuf_detach(&names, NULL);
out:
	strbuf_release(&p);
	strbuf_release(&names);
	return ret;
}

/* host.vm (schema/result-format.md): what forkwatch vm says of the VM that ran the benchmark. */
static int parse_vm(struct vctx *v, const struct jread_node *host, struct doc *d)
{
	const struct jread_node *vm = jread_get(host, "vm");
	const char *s;
	long long ll;
	int ret;

	d->vm.boot = -1;
	if (!vm || vm->type == JREAD_NULL)
		return 0;
	if (vm->type != JREAD_OBJ)
		return bad(v, "host.vm", "expected an object");
	if ((ret = get_str(v, vm, "host.vm", "accel", true, 7, false, &s)))
		return ret;
	if (strcmp(s, "kvm") && strcmp(s, "tcg"))
		return bad(v, "host.vm.accel", "'%s': expected kvm or tcg", s);
	snprintf(d->vm.accel, sizeof(d->vm.accel), "%s", s);
	if ((ret = get_str(v, vm, "host.vm", "qemu", false, 255, false, &s)) ||
	    (ret = get_str(v, vm, "host.vm", "host_cpu", false, 255, false, &s)) ||
	    (ret = get_str(v, vm, "host.vm", "host_hostname", false, DOC_NAME_MAX - 1, false, &s)) ||
	    (ret = get_int(v, vm, "host.vm", "vcpus", false, 1, 1 << 20, &ll)) ||
	    (ret = get_int(v, vm, "host.vm", "mem_bytes", false, 0, 1LL << 60, &ll)) ||
	    (ret = get_int(v, vm, "host.vm", "boots", false, 1, 1000000, &ll)) ||
	    (ret = get_int(v, vm, "host.vm", "boot", false, 0, 1000000, &d->vm.boot)))
		return ret;
	if (d->vm.boot < 0)
		d->vm.boot = -1;
	if ((ret = get_str(v, vm, "host.vm", "role", false, 7, false, &s)))
		return ret;
	if (s && strcmp(s, "base") && strcmp(s, "head"))
		return bad(v, "host.vm.role", "'%s': expected base, head or null", s);
	snprintf(d->vm.role, sizeof(d->vm.role), "%s", s ? s : "");
	if ((ret = get_str(v, vm, "host.vm", "session", false, 36, false, &s)))
		return ret;
	if (s && !is_uuid(s))
		return bad(v, "host.vm.session", "'%s' is not a UUID", s);
	snprintf(d->vm.session, sizeof(d->vm.session), "%s", s ? s : "");
	return 0;
}

/* params.placement and params.placement_cpus (schema/result-format.md) */
static int parse_placement(struct vctx *v, const struct jread_node *params, struct doc *d)
{
	static const char *const names[] = { "same", "split", "free" };
	const struct jread_node *cpus;
	const char *s;
	long long parent, child;
	size_t i;
	int ret;

	if ((ret = get_str(v, params, "params", "placement", false, 63, false, &s)))
		return ret;
	if (!s)
		s = "free";
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i]))
			break;
	if (i == sizeof(names) / sizeof(names[0]))
		return bad(v, "params.placement", "'%s': expected same, split or free", s);
	snprintf(d->params.placement, sizeof(d->params.placement), "%s", s);
	d->params.parent_cpu = d->params.child_cpu = -1;
	cpus = jread_get(params, "placement_cpus");
	if (!strcmp(s, "free")) {
		if (cpus && cpus->type != JREAD_NULL)
			return bad(v, "params.placement_cpus", "must be null: placement free pins no CPU");
		return 0;
	}
	if (!cpus || cpus->type == JREAD_NULL)
		return bad(v, "params.placement_cpus", "missing: placement %s names the CPUs it pinned to", s);
	if ((ret = get_obj(v, params, "params", "placement_cpus", &cpus)) ||
	    (ret = get_int(v, cpus, "params.placement_cpus", "parent", true, 0, 1 << 20, &parent)) ||
	    (ret = get_int(v, cpus, "params.placement_cpus", "child", true, 0, 1 << 20, &child)))
		return ret;
	if (!strcmp(s, "same") && parent != child)
		return bad(v, "params.placement_cpus", "parent on CPU %lld, child on CPU %lld: "
			   "placement same puts both on one CPU", parent, child);
	if (!strcmp(s, "split") && parent == child)
		return bad(v, "params.placement_cpus", "parent and child on CPU %lld: "
			   "placement split puts them on two CPUs", parent);
	d->params.parent_cpu = (int)parent;
	d->params.child_cpu = (int)child;
	return 0;
}

static int parse_doc(struct vctx *v, const struct jread_node *root, struct doc *d)
{
	const struct jread_node *host, *kernel, *params, *cases, *tool;
	const char *s;
	long long ll;
	size_t i;
	int ret, j;

	if (root->type != JREAD_OBJ)
		return bad(v, "", "expected a JSON object");
	if ((ret = get_str(v, root, "", "format", true, 63, false, &s)))
		return ret;
	if (strcmp(s, "forkwatch-result/1"))
		return bad(v, "format", "'%s': expected forkwatch-result/1", s);
	if ((ret = get_str(v, root, "", "run_uuid", true, 36, false, &s)))
		return ret;
	if (!is_uuid(s))
		return bad(v, "run_uuid", "'%s' is not a UUID", s);
	for (j = 0; j < 36; j++)
		d->run_uuid[j] = (char)tolower((unsigned char)s[j]);
	tool = jread_get(root, "tool");
	if (tool && tool->type == JREAD_OBJ) {
		if ((ret = get_str(v, tool, "tool", "version", false, 63, false, &s)))
			return ret;
		snprintf(d->tool_version, sizeof(d->tool_version), "%s", s ? s : "");
	}
	if ((ret = get_str(v, root, "", "started_at", false, 31, false, &s)))
		return ret;
	snprintf(d->started_at, sizeof(d->started_at), "%s", s ? s : "");
	if ((ret = get_str(v, root, "", "finished_at", false, 31, false, &s)))
		return ret;
	snprintf(d->finished_at, sizeof(d->finished_at), "%s", s ? s : "");

	if ((ret = get_obj(v, root, "", "host", &host)) ||
	    (ret = get_str(v, host, "host", "hostname", true, DOC_NAME_MAX - 1, false, &s)))
		return ret;
	snprintf(d->host.hostname, sizeof(d->host.hostname), "%s", s);
	if ((ret = get_str(v, host, "host", "arch", true, 64, false, &s)))
		return ret;
	snprintf(d->host.arch, sizeof(d->host.arch), "%s", s);
	if ((ret = get_str(v, host, "host", "cpu_model", false, 255, false, &s)))
		return ret;
	d->host.cpu_model = dup_or_null(s);
	if ((ret = get_int(v, host, "host", "cpus", true, 1, 1 << 20, &ll)))
		return ret;
	d->host.cpus = ll;
	if ((ret = get_int(v, host, "host", "mem_bytes", true, 0, 1LL << 60, &ll)))
		return ret;
	d->host.mem_bytes = ll;
	if ((ret = get_int(v, host, "host", "page_size", true, 1024, 1 << 30, &ll)))
		return ret;
	d->host.page_size = ll;
	if ((ret = parse_vm(v, host, d)))
		return ret;
	d->host_json = dump_sorted(host);
	if (!d->host_json)
		return bad(v, "host", "nested too deeply");
	if (strlen(d->host_json) > DOC_HOST_JSON_MAX)
		return bad(v, "host", "too large");

	if ((ret = get_obj(v, root, "", "kernel", &kernel)) ||
	    (ret = get_str(v, kernel, "kernel", "release", true, DOC_NAME_MAX - 1, false, &s)))
		return ret;
	/* the kernel's name on pages and in URLs: it shows what it holds */
	if (!parse_visible_ok(s))
		return bad(v, "kernel.release", "has a format, invisible or space character (such as "
			   "U+200B, U+202E, U+00A0) or a space at an end");
	snprintf(d->kernel.release, sizeof(d->kernel.release), "%s", s);
	if ((ret = get_str(v, kernel, "kernel", "commit", false, 40, false, &s)))
		return ret;
	if (s && !is_sha(s))
		return bad(v, "kernel.commit", "'%s': expected 7 to 40 lower-case hex digits", s);
	snprintf(d->kernel.commit, sizeof(d->kernel.commit), "%s", s ? s : "");
	if ((ret = get_str(v, kernel, "kernel", "parent_commit", false, 40, false, &s)))
		return ret;
	if (s && !is_sha(s))
		return bad(v, "kernel.parent_commit", "'%s': expected 7 to 40 lower-case hex digits", s);
	snprintf(d->kernel.parent_commit, sizeof(d->kernel.parent_commit), "%s", s ? s : "");
	if ((ret = get_str(v, kernel, "kernel", "build_id", false, 128, false, &s)))
		return ret;
	if (s && !is_hex(s))
		return bad(v, "kernel.build_id", "expected lower-case hex digits");
	snprintf(d->kernel.build_id, sizeof(d->kernel.build_id), "%s", s ? s : "");
	if ((ret = get_str(v, kernel, "kernel", "version", false, 1023, false, &s)))
		return ret;
	d->kernel.version = dup_or_null(s);
	if ((ret = get_bool(v, kernel, "kernel", "dirty", false, &d->kernel.dirty)))
		return ret;
	doc_kernel_ident(d->kernel.commit, d->kernel.release, d->kernel_ident, sizeof(d->kernel_ident));
	if ((ret = parse_noise(v, root, d)))
		return ret;

	if ((ret = get_obj(v, root, "", "params", &params)))
		return ret;
	if ((ret = get_int(v, params, "params", "size_bytes", true, 4096, (long long)DOC_MAX_SIZE, &ll)))
		return ret;
	d->params.size_bytes = (uint64_t)ll;
	if ((ret = get_int(v, params, "params", "runs", true, 1, DOC_MAX_RUNS, &ll)))
		return ret;
	d->params.runs = (unsigned)ll;
	if ((ret = get_int(v, params, "params", "iterations", true, 1, DOC_MAX_ITERATIONS, &ll)))
		return ret;
	d->params.iterations = (unsigned)ll;
	if ((ret = get_int(v, params, "params", "fresh_iterations", false, 1, DOC_MAX_ITERATIONS, &ll)))
		return ret;
	d->params.fresh_iterations = ll > 0 ? (unsigned)ll : 0;
	/* documents before forkwatch 0.2 give it under the name of the one such workload they had */
	if ((ret = get_int(v, params, "params", "munmap_iterations", false, 1, DOC_MAX_ITERATIONS, &ll)))
		return ret;
	if (ll > 0 && d->params.fresh_iterations && (unsigned)ll != d->params.fresh_iterations)
		return bad(v, "params.munmap_iterations", "%lld, but params.fresh_iterations says %u", ll,
			   d->params.fresh_iterations);
	if (ll > 0)
		d->params.fresh_iterations = (unsigned)ll;
	if ((ret = get_int(v, params, "params", "warmup", false, 0, 100000, &ll)))
		return ret;
	d->params.warmup = ll >= 0 ? (unsigned)ll : 0;
	{
		const struct jread_node *tb = jread_get(params, "time_budget_s");

		if (tb && tb->type != JREAD_NULL) {
			double sec = NAN;

			if (!jread_num(tb, &sec) || !(sec > 0 && sec <= 1e7))
				return bad(v, "params.time_budget_s", "expected seconds above 0");
			d->params.time_budget_s = sec;
		}
	}
	if ((ret = parse_placement(v, params, d)))
		return ret;

	if ((ret = get_arr(v, root, "", "cases", &cases)))
		return ret;
	if (cases->packed)
		return bad(v, "cases[0]", "expected an object");
	if (cases->n == 0 || cases->n > DOC_MAX_CASES)
		return bad(v, "cases", "expected 1 to %d cases", DOC_MAX_CASES);
	/* the samples of one upload are bounded: runs x iterations x metrics x cases */
	d->cases = xcalloc(cases->n, sizeof(*d->cases));
	d->complete = true;
	for (i = 0; i < cases->n; i++) {
		struct strbuf p = STRBUF_INIT;
		struct doc_case *c = &d->cases[i];
		int k;

		strbuf_addf(&p, "cases[%zu]", i);
		d->ncases++;
		ret = parse_case(v, &cases->kids[i], p.buf, d, c);
		for (k = 0; !ret && k < (int)i; k++)
			if (!strcmp(d->cases[k].workload, c->workload) &&
			    !strcmp(d->cases[k].layout, c->layout))
				ret = bad(v, p.buf, "%s %s given twice (also cases[%d])", c->workload,
					  c->layout, k);
		strbuf_release(&p);
		if (ret)
			return ret;
		if (!c->layout_ok || c->runs_ok != c->series[0].nruns)
			d->complete = false;
	}
	return 0;
}

int doc_parse(struct doc *d, const char *buf, size_t len, struct strbuf *field, struct strbuf *err)
{
	struct vctx v = { field, err, 0 };
	struct jread_node *root;
	int ret;

	memset(d, 0, sizeof(*d));
	strbuf_reset(field);
	strbuf_reset(err);
	/*
	 * As strict as jansson was: invalid UTF-8, U+0000 in strings, a name
	 * twice in an object and integers beyond int64 are malformed JSON.
	 * The field is where the text breaks, when inside a member.
	 */
	ret = jread_parse_path(&root, buf, len, JREAD_REJECT_DUPLICATES | JREAD_REJECT_BIG_INTS |
			       JREAD_PACK_INTS | JREAD_BOUND_MEMORY, err, field);
	if (ret == -ENOMEM)
		abort(); /* as every other allocation here: a 400 would make the client drop the run */
	if (ret == -E2BIG)
		strbuf_reset(field); /* a document of tiny values, as a whole: no result is made so */
	if (ret)
		return -EINVAL;
	if (root->type != JREAD_OBJ && root->type != JREAD_ARR) {
		/* a bare value was malformed JSON to jansson, an array merely not the document */
		strbuf_addstr(err, "malformed JSON: expected an object, not a bare value");
		jread_free(root);
		return -EINVAL;
	}
	d->bytes = len;
	ret = parse_doc(&v, root, d);
	jread_free(root);
	if (ret) {
		doc_release(d);
		return ret;
	}
	return 0;
}
