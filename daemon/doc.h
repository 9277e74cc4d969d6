/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_DOC_H
#define FW_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/parse.h"
#include "lib/stats.h"
#include "lib/strbuf.h"

/*
 * A result document (schema/result-format.md) as the daemon takes it in:
 * parsed, validated, and reduced to what the store keeps.  Every string
 * is NUL-terminated, valid UTF-8 without NUL bytes; every number finite.
 */
#define DOC_NAME_MAX 256
#define DOC_SHA_MAX 41
#define DOC_IDENT_MAX 300
/* the host object as kept with its run (doc.host_json), at most */
#define DOC_HOST_JSON_MAX 16384

struct doc_series {
	char metric[32];          /* "ns" for the time, else a counter metric */
	bool supported;
	char *event;              /* may be NULL */
	char *reason;             /* unsupported: why; else NULL */
	bool multiplexed;
	unsigned nruns;
	uint32_t *run_len;        /* [nruns]: values each run contributed */
	double *values;           /* [nvalues]: per iteration, runs in order; NaN = no reading */
	size_t nvalues;
	double *run_means;        /* [nruns]: NaN for a run without values */
	struct stats_summary runs_sum, it_sum; /* of run_means and of values */
	double runs_median, it_median;
};

struct doc_case {
	char workload[WORKLOAD_NAME_MAX];
	char layout[16];
	int order;
	char mapping[8];
	unsigned iterations;
	bool layout_ok;
	char *layout_reason;      /* NULL when ok */
	char *folios_json;        /* the histogram's "folios" object, re-serialised */
	unsigned runs_ok;
	int nseries;
	struct doc_series *series; /* [0] is "ns", then the counters in document order */
};

struct doc {
	char run_uuid[37];
	char tool_version[64];
	char started_at[32], finished_at[32];
	struct {
		char hostname[DOC_NAME_MAX];
		char arch[65];
		char *cpu_model;
		int64_t cpus, mem_bytes, page_size;
	} host;
	char *host_json;          /* the host object, re-serialised (host.vm in it) */
	struct {                  /* host.vm: the result came from forkwatch vm's guest */
		char accel[8];    /* "kvm" or "tcg"; "" on bare metal */
		char role[8];     /* forkwatch ab's "base" or "head", else "" */
		char session[37]; /* the vm or ab invocation's UUID, or "" */
		long long boot;   /* the kernel's boot number in the session; -1 when none */
	} vm;
	struct {
		char release[DOC_NAME_MAX];
		char commit[DOC_SHA_MAX];        /* "" when unknown */
		char parent_commit[DOC_SHA_MAX]; /* "" when unknown */
		char build_id[129];
		char *version;
		bool dirty;
	} kernel;
	char kernel_ident[DOC_IDENT_MAX]; /* commit, else "release:<release>" */
	struct {
		uint64_t size_bytes;
		/* fresh_iterations: 0 when not given (munmap_iterations in documents before 0.2) */
		unsigned runs, iterations, fresh_iterations, warmup;
		double time_budget_s;     /* > 0: --time-budget, each case's runs up to runs */
		/*
		 * "same", "split" or "free"; "free" for documents without one
		 * (collectors before --placement set no affinity: the scheduler
		 * decided).  The CPUs pinned to, -1 for free.
		 */
		char placement[8];
		int parent_cpu, child_cpu;
	} params;
	/*
	 * The noise snapshot's noisy sources, their names space-separated in
	 * the document's order ("damon load"); "" when the machine was quiet;
	 * NULL when the document carries no snapshot (collectors before it).
	 */
	char *noise;
	int ncases;
	struct doc_case *cases;
	bool complete;            /* every case verified, every run ok */
	size_t bytes;             /* size of the uploaded text */
};

/*
 * Parse and validate len bytes of JSON.  Returns 0, or -EINVAL with field
 * set to the offending field's path ("cases[2].runs[0].ns[5]") and err to
 * what is wrong with it.  Never keeps a pointer into buf.  On error d
 * holds nothing to release.
 */
int doc_parse(struct doc *d, const char *buf, size_t len, struct strbuf *field, struct strbuf *err);

/* Free what d holds. */
void doc_release(struct doc *d);

/* Kernel identity as the store keys it: the commit, else "release:<release>". */
void doc_kernel_ident(const char *commit, const char *release, char *out, size_t len);

#endif
