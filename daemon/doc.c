// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing and validation of uploaded result documents.  Everything that
 * reaches the store passes through here: a document is taken whole or
 * refused with the path of the first offending field.
 */
#include "doc.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOC_MAX_CASES 64
#define DOC_MAX_RUNS 1000
#define DOC_MAX_ITERATIONS 1000000
#define DOC_MAX_SIZE (1ULL << 40)
#define DOC_MAX_METRICS 17
#define DOC_MAX_VALUE 1000000000000000000LL /* 1e18: a count or ns beyond this is corrupt */

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

/* A path one level down: "cases[2]" + ".runs" or "[3]". */
static void path_key(struct strbuf *out, const char *base, const char *key)
{
	strbuf_reset(out);
	if (*base)
		strbuf_addf(out, "%s.%s", base, key);
	else
		strbuf_addstr(out, key);
}

static bool clean_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/*
 * A string member: required or optional (then NULL/absent allowed),
 * at most max bytes, no control characters unless multiline.
 */
static int get_str(struct vctx *v, json_t *obj, const char *base, const char *key, bool required,
		   size_t max, bool multiline, const char **out)
{
	struct strbuf p = STRBUF_INIT;
	json_t *j = json_object_get(obj, key);
	int ret = 0;

	*out = NULL;
	path_key(&p, base, key);
	if (!j || json_is_null(j)) {
		if (required)
			ret = bad(v, p.buf, "missing");
		goto out;
	}
	if (!json_is_string(j)) {
		ret = bad(v, p.buf, "expected a string");
		goto out;
	}
	*out = json_string_value(j);
	if (required && !**out)
		ret = bad(v, p.buf, "must not be empty");
	else if (json_string_length(j) > max)
		ret = bad(v, p.buf, "longer than %zu bytes", max);
	else if (!multiline && !clean_text(*out))
		ret = bad(v, p.buf, "contains control characters");
out:
	strbuf_release(&p);
	return ret;
}

static int get_int(struct vctx *v, json_t *obj, const char *base, const char *key, bool required,
		   long long min, long long max, long long *out)
{
	struct strbuf p = STRBUF_INIT;
	json_t *j = json_object_get(obj, key);
	int ret = 0;

	path_key(&p, base, key);
	if (!j || json_is_null(j)) {
		if (required)
			ret = bad(v, p.buf, "missing");
		else
			*out = min - 1; /* absent: below any valid value */
		goto out;
	}
	if (!json_is_integer(j)) {
		ret = bad(v, p.buf, "expected an integer");
		goto out;
	}
	*out = json_integer_value(j);
	if (*out < min || *out > max)
		ret = bad(v, p.buf, "%lld is out of range [%lld, %lld]", *out, min, max);
out:
	strbuf_release(&p);
	return ret;
}

static int get_bool(struct vctx *v, json_t *obj, const char *base, const char *key, bool required,
		    bool *out)
{
	struct strbuf p = STRBUF_INIT;
	json_t *j = json_object_get(obj, key);
	int ret = 0;

	path_key(&p, base, key);
	*out = false;
	if (!j) {
		if (required)
			ret = bad(v, p.buf, "missing");
	} else if (!json_is_boolean(j)) {
		ret = bad(v, p.buf, "expected true or false");
	} else {
		*out = json_is_true(j);
	}
	strbuf_release(&p);
	return ret;
}

static int get_obj(struct vctx *v, json_t *obj, const char *base, const char *key, json_t **out)
{
	struct strbuf p = STRBUF_INIT;
	int ret = 0;

	*out = json_object_get(obj, key);
	path_key(&p, base, key);
	if (!*out)
		ret = bad(v, p.buf, "missing");
	else if (!json_is_object(*out))
		ret = bad(v, p.buf, "expected an object");
	strbuf_release(&p);
	return ret;
}

static int get_arr(struct vctx *v, json_t *obj, const char *base, const char *key, json_t **out)
{
	struct strbuf p = STRBUF_INIT;
	int ret = 0;

	*out = json_object_get(obj, key);
	path_key(&p, base, key);
	if (!*out)
		ret = bad(v, p.buf, "missing");
	else if (!json_is_array(*out))
		ret = bad(v, p.buf, "expected an array");
	strbuf_release(&p);
	return ret;
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

/* Append one run's array (ns or a counter) to series s. */
static int take_values(struct vctx *v, json_t *arr, const char *path, unsigned expect,
		       bool exact, bool nulls, struct doc_series *s, unsigned run)
{
	struct strbuf p = STRBUF_INIT;
	size_t n, i;
	int ret = 0;

	if (!json_is_array(arr)) {
		ret = bad(v, path, "expected an array");
		goto out;
	}
	n = json_array_size(arr);
	if (exact ? n != expect : n > expect) {
		ret = bad(v, path, "has %zu values, expected %s%u", n, exact ? "" : "at most ", expect);
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_t *x = json_array_get(arr, i);

		if (nulls && json_is_null(x)) {
			s->values[s->nvalues++] = NAN;
			continue;
		}
		if (!json_is_integer(x) || json_integer_value(x) < 0 ||
		    json_integer_value(x) > DOC_MAX_VALUE) {
			strbuf_reset(&p);
			strbuf_addf(&p, "%s[%zu]", path, i);
			ret = bad(v, p.buf, "expected a non-negative integer%s", nulls ? " or null" : "");
			goto out;
		}
		s->values[s->nvalues++] = (double)json_integer_value(x);
	}
	s->run_len[run] = (uint32_t)n;
out:
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

static int parse_case(struct vctx *v, json_t *jc, const char *base, const struct doc *d,
		      struct doc_case *c)
{
	struct strbuf p = STRBUF_INIT, q = STRBUF_INIT;
	json_t *lc, *ctrs, *runs, *folios;
	const char *s, *key;
	json_t *val;
	long long ll;
	int ret, lorder = -1, kind, m;
	size_t r;
	bool ok;

	if (!json_is_object(jc))
		return bad(v, base, "expected an object");
	if ((ret = get_str(v, jc, base, "workload", true, 15, false, &s)))
		goto out;
	if (strcmp(s, "fork") && strcmp(s, "munmap")) {
		path_key(&p, base, "workload");
		ret = bad(v, p.buf, "unknown workload '%s': expected fork or munmap", s);
		goto out;
	}
	snprintf(c->workload, sizeof(c->workload), "%s", s);
	if ((ret = get_str(v, jc, base, "layout", true, 15, false, &s)))
		goto out;
	kind = parse_layout(s, &lorder);
	if (kind < 0) {
		path_key(&p, base, "layout");
		ret = bad(v, p.buf, "unknown layout '%s': expected order-N or pmd", s);
		goto out;
	}
	snprintf(c->layout, sizeof(c->layout), "%s", s);
	if ((ret = get_int(v, jc, base, "order", true, 0, 20, &ll)))
		goto out;
	c->order = (int)ll;
	if (kind == 0 && lorder != c->order) {
		path_key(&p, base, "order");
		ret = bad(v, p.buf, "%d does not match layout '%s'", c->order, c->layout);
		goto out;
	}
	if ((ret = get_str(v, jc, base, "mapping", true, 7, false, &s)))
		goto out;
	if (strcmp(s, kind == 1 ? "pmd" : "pte")) {
		path_key(&p, base, "mapping");
		ret = bad(v, p.buf, "'%s' does not match layout '%s'", s, c->layout);
		goto out;
	}
	snprintf(c->mapping, sizeof(c->mapping), "%s", s);
	if ((ret = get_int(v, jc, base, "iterations", true, 1, DOC_MAX_ITERATIONS, &ll)))
		goto out;
	c->iterations = (unsigned)ll;

	path_key(&p, base, "layout_check");
	if ((ret = get_obj(v, jc, base, "layout_check", &lc)) ||
	    (ret = get_bool(v, lc, p.buf, "ok", true, &c->layout_ok)) ||
	    (ret = get_str(v, lc, p.buf, "reason", false, 1000, false, &s)))
		goto out;
	c->layout_reason = c->layout_ok ? NULL : dup_or_null(s ? s : "not verified");
	folios = json_object_get(lc, "folios");
	if (folios) {
		if (!json_is_object(folios)) {
			path_key(&q, p.buf, "folios");
			ret = bad(v, q.buf, "expected an object");
			goto out;
		}
		json_object_foreach(folios, key, val) {
			char *end;
			long o = strtol(key, &end, 10);

			if (*end || end == key || o < 0 || o > 20 || !json_is_integer(val) ||
			    json_integer_value(val) < 0) {
				path_key(&q, p.buf, "folios");
				ret = bad(v, q.buf, "expected order -> non-negative count");
				goto out;
			}
		}
		c->folios_json = json_dumps(folios, JSON_COMPACT | JSON_SORT_KEYS);
	}
	if ((ret = get_int(v, jc, base, "runs_ok", false, 0, DOC_MAX_RUNS, &ll)))
		goto out;

	/* series: ns first, then each counter of the case in document order */
	if ((ret = get_obj(v, jc, base, "counters", &ctrs)))
		goto out;
	if (json_object_size(ctrs) > DOC_MAX_METRICS - 1) {
		path_key(&p, base, "counters");
		ret = bad(v, p.buf, "more than %d counters", DOC_MAX_METRICS - 1);
		goto out;
	}
	c->series = xcalloc(1 + json_object_size(ctrs), sizeof(*c->series));
	c->nseries = 1;
	snprintf(c->series[0].metric, sizeof(c->series[0].metric), "ns");
	c->series[0].supported = true;
	json_object_foreach(ctrs, key, val) {
		struct doc_series *se = &c->series[c->nseries];

		path_key(&p, base, "counters");
		path_key(&q, p.buf, key);
		if (!is_metric(key) || !strcmp(key, "ns")) {
			ret = bad(v, q.buf, "metric names are [a-z0-9_], 1 to 31 characters, not 'ns'");
			goto out;
		}
		if (!json_is_object(val)) {
			ret = bad(v, q.buf, "expected an object");
			goto out;
		}
		snprintf(se->metric, sizeof(se->metric), "%s", key);
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
	if (json_array_size(runs) != d->params.runs) {
		path_key(&p, base, "runs");
		ret = bad(v, p.buf, "has %zu runs, params.runs says %u", json_array_size(runs),
			  d->params.runs);
		goto out;
	}
	/*
	 * Every value takes at least two bytes of JSON: a document cannot
	 * hold more, so a larger claim is refused before anything is allocated.
	 */
	for (m = 0; m < c->nseries; m++)
		if (c->series[m].supported)
			v->claimed += (uint64_t)d->params.runs * c->iterations;
	if (v->claimed > d->bytes / 2) {
		path_key(&p, base, "iterations");
		ret = bad(v, p.buf, "%u runs x %u iterations cannot fit in a %zu-byte document "
			  "(%d series, counting the cases before)", d->params.runs, c->iterations,
			  d->bytes, c->nseries);
		goto out;
	}
	for (m = 0; m < c->nseries; m++) {
		struct doc_series *se = &c->series[m];

		se->nruns = d->params.runs;
		se->run_len = xcalloc(se->nruns, sizeof(*se->run_len));
		se->run_means = xcalloc(se->nruns, sizeof(*se->run_means));
		if (se->supported)
			se->values = xcalloc((size_t)se->nruns * c->iterations, sizeof(*se->values));
	}
	c->runs_ok = 0;
	for (r = 0; r < json_array_size(runs); r++) {
		json_t *jr = json_array_get(runs, r), *jctr;
		struct strbuf rp = STRBUF_INIT;

		strbuf_addf(&rp, "%s.runs[%zu]", base, r);
		if (!json_is_object(jr)) {
			ret = bad(v, rp.buf, "expected an object");
			strbuf_release(&rp);
			goto out;
		}
		if ((ret = get_bool(v, jr, rp.buf, "ok", true, &ok)) ||
		    (ret = get_str(v, jr, rp.buf, "error", false, 1000, false, &s))) {
			strbuf_release(&rp);
			goto out;
		}
		c->runs_ok += ok;
		path_key(&p, rp.buf, "ns");
		ret = take_values(v, json_object_get(jr, "ns"), p.buf, c->iterations, ok, false,
				  &c->series[0], (unsigned)r);
		if (ret) {
			if (!json_object_get(jr, "ns"))
				ret = bad(v, p.buf, "missing");
			strbuf_release(&rp);
			goto out;
		}
		jctr = json_object_get(jr, "counters");
		path_key(&p, rp.buf, "counters");
		if (jctr && !json_is_object(jctr)) {
			ret = bad(v, p.buf, "expected an object");
			strbuf_release(&rp);
			goto out;
		}
		for (m = 1; m < c->nseries; m++) {
			struct doc_series *se = &c->series[m];
			json_t *arr = jctr ? json_object_get(jctr, se->metric) : NULL;

			path_key(&q, p.buf, se->metric);
			if (!se->supported) {
				if (arr) {
					ret = bad(v, q.buf, "values for a counter reported unsupported");
					strbuf_release(&rp);
					goto out;
				}
				continue;
			}
			if (!arr) {
				ret = bad(v, q.buf, "missing (the counter is reported ok)");
				strbuf_release(&rp);
				goto out;
			}
			ret = take_values(v, arr, q.buf, c->series[0].run_len[r], true, true, se,
					  (unsigned)r);
			if (ret) {
				strbuf_release(&rp);
				goto out;
			}
		}
		if (jctr) {
			json_object_foreach(jctr, key, val) {
				for (m = 1; m < c->nseries && strcmp(c->series[m].metric, key); m++)
					;
				if (m == c->nseries) {
					path_key(&q, p.buf, key);
					ret = bad(v, q.buf, "not a counter of this case");
					strbuf_release(&rp);
					goto out;
				}
			}
		}
		strbuf_release(&rp);
	}
	for (m = 0; m < c->nseries; m++)
		if (c->series[m].supported)
			series_summarize(&c->series[m]);
	ret = 0;
out:
	strbuf_release(&p);
	strbuf_release(&q);
	return ret;
}

static int parse_doc(struct vctx *v, json_t *root, struct doc *d)
{
	json_t *host, *kernel, *params, *cases, *tool;
	const char *s;
	long long ll;
	size_t i;
	int ret, j;

	if (!json_is_object(root))
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
	tool = json_object_get(root, "tool");
	if (tool && json_is_object(tool)) {
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
	d->host_json = json_dumps(host, JSON_COMPACT | JSON_SORT_KEYS);
	if (!d->host_json || strlen(d->host_json) > 16384)
		return bad(v, "host", "too large");

	if ((ret = get_obj(v, root, "", "kernel", &kernel)) ||
	    (ret = get_str(v, kernel, "kernel", "release", true, DOC_NAME_MAX - 1, false, &s)))
		return ret;
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
	if ((ret = get_int(v, params, "params", "munmap_iterations", false, 1, DOC_MAX_ITERATIONS, &ll)))
		return ret;
	d->params.munmap_iterations = ll > 0 ? (unsigned)ll : 0;
	if ((ret = get_int(v, params, "params", "warmup", false, 0, 100000, &ll)))
		return ret;
	d->params.warmup = ll >= 0 ? (unsigned)ll : 0;

	if ((ret = get_arr(v, root, "", "cases", &cases)))
		return ret;
	if (json_array_size(cases) == 0 || json_array_size(cases) > DOC_MAX_CASES)
		return bad(v, "cases", "expected 1 to %d cases", DOC_MAX_CASES);
	/* the samples of one upload are bounded: runs x iterations x metrics x cases */
	d->cases = xcalloc(json_array_size(cases), sizeof(*d->cases));
	d->complete = true;
	for (i = 0; i < json_array_size(cases); i++) {
		struct strbuf p = STRBUF_INIT;
		struct doc_case *c = &d->cases[i];
		int k;

		strbuf_addf(&p, "cases[%zu]", i);
		d->ncases++;
		ret = parse_case(v, json_array_get(cases, i), p.buf, d, c);
		for (k = 0; !ret && k < (int)i; k++)
			if (!strcmp(d->cases[k].workload, c->workload) &&
			    !strcmp(d->cases[k].layout, c->layout))
				ret = bad(v, p.buf, "%s %s given twice (also cases[%d])", c->workload,
					  c->layout, k);
		strbuf_release(&p);
		if (ret)
			return ret;
		if (!c->layout_ok || c->runs_ok != d->params.runs)
			d->complete = false;
	}
	return 0;
}

int doc_parse(struct doc *d, const char *buf, size_t len, struct strbuf *field, struct strbuf *err)
{
	struct vctx v = { field, err, 0 };
	json_error_t je;
	json_t *root;
	int ret;

	memset(d, 0, sizeof(*d));
	strbuf_reset(field);
	strbuf_reset(err);
	/* jansson refuses invalid UTF-8 and, by default, NUL bytes in strings */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		strbuf_addf(err, "malformed JSON at line %d column %d: %s", je.line, je.column, je.text);
		return -EINVAL;
	}
	d->bytes = len;
	ret = parse_doc(&v, root, d);
	json_decref(root);
	if (ret) {
		doc_release(d);
		return ret;
	}
	return 0;
}
