/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by bench/ingest-load.c and bench/sqlite-alone.c (included, not
 * compiled alone): variations of one real forkwatch-result/1 document.
 *
 * Every document made here is the template (a document written by
 * `forkwatch bench --json`) with a fresh run_uuid, and optionally another
 * host.hostname and another kernel, and with every measured value scaled
 * a little (a factor per document, and for "ns" a jitter per value), so
 * that no upload is a replay of another.  The shape (cases, runs,
 * iterations, counters, unsupported metrics) stays the template's.
 *
 * Nothing here belongs to forkwatch: only jansson and libc.
 */
#ifndef BENCHDOC_H
#define BENCHDOC_H

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t bd_splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, 1) */
static double bd_unit(uint64_t *s)
{
	return (double)(bd_splitmix(s) >> 11) / 9007199254740992.0;
}

/* A seed from the kernel, for runs that must not repeat uuids. */
static uint64_t bd_random_seed(void)
{
	uint64_t s = 0;
	FILE *f = fopen("/dev/urandom", "rb");

	if (!f || fread(&s, sizeof(s), 1, f) != 1) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec;
	}
	if (f)
		fclose(f);
	return s;
}

/* A random (version 4) UUID from the stream s. */
static void bd_uuid(uint64_t *s, char out[37])
{
	uint64_t a = bd_splitmix(s), b = bd_splitmix(s);

	a = (a & ~0xf000ULL) | 0x4000ULL;                          /* version 4 */
	b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL; /* variant 10 */
	snprintf(out, 37, "%08" PRIx32 "-%04" PRIx32 "-%04" PRIx32 "-%04" PRIx32 "-%012" PRIx64,
		 (uint32_t)(a >> 32), (uint32_t)(a >> 16) & 0xffff, (uint32_t)a & 0xffff,
		 (uint32_t)(b >> 48), (uint64_t)(b & 0xffffffffffffULL));
}

/* n lower-case hex digits (n <= 48), a function of (salt, k) only */
static void bd_hex(uint64_t salt, long k, int n, char *out)
{
	uint64_t s = salt * 0x100000001b3ULL + (uint64_t)k, w = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (i % 16 == 0)
			w = bd_splitmix(&s);
		out[i] = "0123456789abcdef"[w & 15];
		w >>= 4;
	}
	out[n] = '\0';
}

/* Kernel number k of a synthetic lab history: 40-hex commit, its parent k-1. */
static void bd_kernel_commit(long k, char out[41])
{
	bd_hex(0x6b65726e656cULL, k, 40, out);
}

static json_t *bd_template_load(const char *path)
{
	json_error_t je;
	json_t *t = json_load_file(path, JSON_REJECT_DUPLICATES, &je);

	if (!t) {
		fprintf(stderr, "%s: line %d: %s\n", path, je.line, je.text);
		return NULL;
	}
	if (!json_is_object(t) || !json_is_string(json_object_get(t, "format")) ||
	    strcmp(json_string_value(json_object_get(t, "format")), "forkwatch-result/1") ||
	    !json_is_array(json_object_get(t, "cases")) ||
	    !json_is_object(json_object_get(t, "host")) ||
	    !json_is_object(json_object_get(t, "kernel"))) {
		fprintf(stderr, "%s: not a forkwatch-result/1 document\n", path);
		json_decref(t);
		return NULL;
	}
	return t;
}

/* What one document changes from the template. */
struct bd_var {
	const char *hostname; /* NULL: the template's */
	long kernel;          /* < 0: the template's kernel; else synthetic kernel number */
	double scale;         /* every measured value times this (1.0: none) */
	uint64_t seed;        /* the uuid and the per-value jitter come from it */
};

static void bd_scale_array(json_t *arr, double f, double jitter, uint64_t *rng)
{
	size_t i;
	json_t *x;

	if (!json_is_array(arr))
		return;
	json_array_foreach(arr, i, x) {
		double v;

		if (!json_is_integer(x))
			continue;
		v = (double)json_integer_value(x) * f;
		if (jitter > 0)
			v *= 1.0 + jitter * (2.0 * bd_unit(rng) - 1.0);
		json_integer_set(x, v < 0 ? 0 : (json_int_t)llround(v));
	}
}

static void bd_scale_runs(json_t *doc, double f, uint64_t *rng)
{
	json_t *c, *r, *a, *ct;
	size_t i, j, k;
	const char *key;

	json_array_foreach(json_object_get(doc, "cases"), i, c) {
		json_array_foreach(json_object_get(c, "runs"), j, r) {
			/* times: a factor for the document and +-0.5 % per value */
			bd_scale_array(json_object_get(r, "ns"), f, 0.005, rng);
			/* counts: the factor only, rounded (2 TLB flushes stay 2) */
			json_object_foreach(json_object_get(r, "counters"), key, a)
				bd_scale_array(a, f, 0, rng);
			json_array_foreach(json_object_get(r, "counter_times"), k, ct) {
				bd_scale_array(json_object_get(ct, "enabled_ns"), f, 0, rng);
				bd_scale_array(json_object_get(ct, "running_ns"), f, 0, rng);
			}
		}
	}
}

/*
 * One document: malloc'ed compact JSON (*len bytes), its uuid in uuid[].
 * NULL when out of memory.
 */
static char *bd_make(json_t *tmpl, const struct bd_var *v, char uuid[37], size_t *len)
{
	uint64_t rng = v->seed;
	json_t *d = json_deep_copy(tmpl);
	char *text;

	if (!d)
		return NULL;
	bd_uuid(&rng, uuid);
	json_object_set_new(d, "run_uuid", json_string(uuid));
	if (v->hostname)
		json_object_set_new(json_object_get(d, "host"), "hostname", json_string(v->hostname));
	if (v->kernel >= 0) {
		json_t *k = json_object_get(d, "kernel");
		char commit[41], parent[41], build[41], rel[128], ver[256];

		bd_kernel_commit(v->kernel, commit);
		bd_kernel_commit(v->kernel - 1, parent);
		bd_hex(0x6275696c64ULL, v->kernel, 40, build);
		snprintf(rel, sizeof(rel), "6.18.0-rc%ld-%05ld-g%.12s", 1 + v->kernel % 7, v->kernel,
			 commit);
		snprintf(ver, sizeof(ver), "Linux version %s (bench@forkwatch) (gcc 12.2.0) #1 SMP", rel);
		json_object_set_new(k, "release", json_string(rel));
		json_object_set_new(k, "commit", json_string(commit));
		json_object_set_new(k, "commit_source", json_string("option"));
		json_object_set_new(k, "parent_commit", v->kernel > 0 ? json_string(parent) : json_null());
		json_object_set_new(k, "build_id", json_string(build));
		json_object_set_new(k, "version", json_string(ver));
		json_object_set_new(k, "dirty", json_false());
	}
	bd_scale_runs(d, v->scale, &rng);
	text = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	if (text)
		*len = strlen(text);
	return text;
}

/* A document-level factor in [1 - spread, 1 + spread] from seed. */
static double bd_factor(uint64_t seed, double spread)
{
	uint64_t s = seed ^ 0x5ca1ab1eULL;

	return 1.0 + spread * (2.0 * bd_unit(&s) - 1.0);
}

/* Percentile (nearest rank) of n sorted values. */
static double bd_pct(const double *sorted, size_t n, double p)
{
	size_t i;

	if (!n)
		return NAN;
	i = (size_t)ceil(p / 100.0 * (double)n);
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return sorted[i - 1];
}

static int bd_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double bd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
