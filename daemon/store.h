/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_STORE_H
#define FW_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/doc.h"
#include "lib/strbuf.h"

/*
 * The store: every read and write of forkwatchd's database goes through
 * these functions; nothing else holds SQL or knows which database engine
 * runs.  Every value is a bound parameter.
 *
 * The database is an SQLite file (one forkwatchd) or a PostgreSQL
 * database (one or several forkwatchd on it): store_open() tells them
 * apart by their name.  One struct store is one connection and must be
 * used by one thread at a time; open one per worker thread.  SQLite runs
 * in WAL mode with a busy timeout, so readers never wait for the writer
 * and writers queue; PostgreSQL runs each connection's transactions
 * beside the others'.
 *
 * Functions return 0 or a negative errno: -ENOENT (no such row), -EEXIST
 * (a unique name or token taken), -EIO (the database failed:
 * store_errmsg() says why), -ENOSPC (the disk is full), -EBUSY (locked
 * past the timeout).  Callback iterations stop early when the callback
 * returns non-zero and pass that value back.
 */
struct store;

#define STORE_NAME_MAX 129 /* 128 bytes and the NUL */

/*
 * Open the database db and bring its schema up to date with the
 * migrations in schema/migrations (compiled in, one text per dialect).
 * db is a PostgreSQL connection URI ("postgresql://user@host/db" or
 * "postgres://..."), or an SQLite file, created if needed: "sqlite:PATH"
 * or a plain path.  A database whose schema is newer than this program is
 * refused with -EPROTO.  err receives a sentence on failure.
 */
int store_open(struct store **out, const char *db, struct strbuf *err);
void store_close(struct store *st);

/*
 * db as messages and logs may name it (a URI's password left out), into
 * out.  Returns true when db is a file (its directory then holds what
 * lives beside the database), false when it is a server's.
 */
bool store_db_describe(const char *db, struct strbuf *out);

/* The schema version this program writes, and the database's. */
int store_schema_latest(void);
int store_schema_version(struct store *st);

/* Rows this connection has inserted, updated or deleted since it opened. */
int64_t store_total_changes(struct store *st);

/* The last error message of this connection. */
const char *store_errmsg(struct store *st);

struct store_host {
	int64_t id;
	char name[STORE_NAME_MAX];
	char hostname[DOC_NAME_MAX]; /* what uploads must give as host.hostname */
	char arch[65];
	char cpu_model[256];
	int64_t cpus, mem_bytes, page_size;
	int64_t created_at, last_seen_at, retired_at; /* 0: never */
	int64_t uploads;                 /* runs stored for this host */
	char latest_kernel[DOC_IDENT_MAX]; /* ident of the kernel of the newest upload, or "" */
};

/* token_hash: BLAKE2b-256 of the host's token. */
int store_host_create(struct store *st, const char *name, const char *hostname,
		      const uint8_t token_hash[32], int64_t *id);
int store_host_get(struct store *st, const char *name, struct store_host *out);
/*
 * Also finds retired hosts: the caller decides (retired_at != 0).  Leaves
 * uploads 0 and latest_kernel empty: counting walks the host's runs, and
 * every upload authenticates through here.
 */
int store_host_by_token(struct store *st, const uint8_t token_hash[32], struct store_host *out);
/* store_host_get() without uploads and latest_kernel, for the same reason. */
int store_host_find(struct store *st, const char *name, struct store_host *out);
typedef int (*store_host_cb)(void *ctx, const struct store_host *h);
int store_host_list(struct store *st, bool include_retired, store_host_cb cb, void *ctx);
int store_host_rename(struct store *st, const char *name, const char *new_name);
int store_host_retire(struct store *st, const char *name);

/*
 * What host_id's comparison of a kernel with its baseline wants before it
 * can decide (issue 10's "wants N more runs"), as forkwatchd records it
 * when an upload of the kernel or of its baseline arrives: the agent's
 * "has enough runs to decide".  compare_wants() fills one from a
 * comparison.
 */
#define STORE_WANTS_CASES 512
struct store_wants {
	bool recorded;          /* false: nothing recorded (compared before schema 11, or cleared) */
	bool has_base;          /* false: no baseline to compare with (runs 0, cases and base "") */
	unsigned runs;          /* further runs a side its undecided cases want; 0: every case can decide */
	char cases[STORE_WANTS_CASES]; /* those cases, "fork order-0, munmap pmd"; "" when runs is 0 */
	char base[DOC_IDENT_MAX]; /* the baseline compared with */
	int64_t at;             /* when recorded, Unix seconds */
};

struct store_kernel {
	int64_t id;
	char ident[DOC_IDENT_MAX];
	char commit[DOC_SHA_MAX];
	char release[DOC_NAME_MAX];
	char parent_commit[DOC_SHA_MAX];
	char build_id[129];
	int64_t first_seen_at;
	int64_t hosts;  /* hosts with runs of it */
	int64_t uploads;
	int64_t complete_uploads; /* of them complete (runs.complete) */
	int64_t last_received_at;
	/*
	 * Facts hosts disagree on (STORE_DISPUTED_*): each host keeps its own
	 * parent commit and release of a kernel (store_host_kernel_facts());
	 * release and parent_commit above are the first host's, except in
	 * store_host_kernels(), where they are that host's.
	 */
	unsigned disputed;
	struct store_wants wants; /* store_host_kernels() only: that host's record; else not recorded */
};
#define STORE_DISPUTED_PARENT 1u
#define STORE_DISPUTED_RELEASE 2u
typedef int (*store_kernel_cb)(void *ctx, const struct store_kernel *k);
/* The newest limit kernels (0: all), newest first (by first_seen_at). */
int store_kernel_list(struct store *st, unsigned limit, store_kernel_cb cb, void *ctx);
/*
 * The kernels one host ran, newest first; hosts/uploads count that host
 * only, and release and parent_commit are what that host said.
 */
int store_host_kernels(struct store *st, int64_t host_id, store_kernel_cb cb, void *ctx);

/*
 * Store one validated document for host_id in one transaction: the kernel
 * (created on first sight), the run, its cases, series and samples, and the
 * host's facts and last_seen_at.  A document whose run_uuid is already
 * stored stores nothing: *existed is set and *run_id names the stored run
 * (-EEXIST instead when that run belongs to another host).  On any error
 * nothing of the document is stored.
 */
int store_run_ingest(struct store *st, int64_t host_id, const struct doc *d, int64_t *run_id,
		     bool *existed);

struct store_run {
	int64_t id;
	char uuid[37];
	int64_t host_id;
	char host[STORE_NAME_MAX];
	int64_t kernel_id;
	char kernel[DOC_IDENT_MAX];
	char release[DOC_NAME_MAX];
	int64_t received_at;
	char started_at[32], finished_at[32];
	char tool_version[64];
	uint64_t size_bytes;
	unsigned runs, iterations, fresh_iterations, warmup; /* fresh: 0 when the upload did not say */
	bool complete;
	int64_t doc_bytes;
	bool noise_known;         /* the document carried a noise snapshot */
	char noise[2048];         /* its noisy sources, space-separated; "" when quiet */
	int64_t samples_dropped_at; /* when retention dropped its samples; 0: kept */
	char placement[8];        /* "same", "split", "free" (also runs stored before placement) */
	int parent_cpu, child_cpu; /* the CPUs pinned to; -1 for free */
};
int store_run_get(struct store *st, int64_t id, struct store_run *out);
int store_run_by_uuid(struct store *st, const char *uuid, struct store_run *out);
/* Runs of one host on one kernel (ident), newest first. */
typedef int (*store_run_cb)(void *ctx, const struct store_run *r);
int store_host_kernel_runs(struct store *st, int64_t host_id, const char *kernel_ident,
			   store_run_cb cb, void *ctx);

/* One summary row with its case: what pages and comparisons read. */
struct store_series {
	int64_t id;
	char workload[WORKLOAD_NAME_MAX], layout[16], mapping[8];
	int order;
	unsigned iterations;
	bool layout_ok;
	char layout_reason[1001];
	char folios[2048];
	unsigned runs_ok;
	char metric[32];
	bool supported;
	char event[160];
	char reason[1001];
	bool multiplexed;
	struct stats_summary runs_sum, it_sum;
	double runs_median, it_median;
	unsigned nrun_means;
	double run_means[64]; /* the first 64 per-run means */
};
typedef int (*store_series_cb)(void *ctx, const struct store_series *s);
/* The summaries of one run in case then metric order; never reads samples. */
int store_run_series(struct store *st, int64_t run_id, store_series_cb cb, void *ctx);

/*
 * The samples of one series: *values (nvalues) and *run_len (nruns), both
 * malloc'ed for the caller to free.  -ENOENT when it has none: an
 * unsupported metric, or a run whose samples were dropped
 * (store_run.samples_dropped_at).  Decompresses its case's samples.
 */
int store_series_samples(struct store *st, int64_t series_id, double **values, size_t *nvalues,
			 uint32_t **run_len, size_t *nruns);

/*
 * Retention (forkwatchd --keep-samples): drop the per-iteration samples of
 * the oldest runs received before `before`, at most limit (up to
 * STORE_DROP_MAX) in one transaction, and note when in their
 * samples_dropped_at.  Every summary stays, and so do the samples of a run
 * on its host's pinned baseline kernel and of a run on a kernel that an
 * alert of its host names, as the alert's kernel or as its base.
 * *dropped receives how many runs lost their samples: call again while it
 * is limit.
 */
#define STORE_DROP_MAX 256
int store_samples_drop(struct store *st, int64_t before, unsigned limit, unsigned *dropped);

/* The names of the hosts with runs of a kernel (ident), by name. */
typedef int (*store_name_cb)(void *ctx, const char *name);
int store_kernel_hosts(struct store *st, const char *kernel_ident, store_name_cb cb, void *ctx);

/*
 * One point of a host's trend: the time per operation of one case of one
 * upload (metric ns, over the per-run means).
 */
struct store_trend_point {
	char kernel[DOC_IDENT_MAX];
	char workload[WORKLOAD_NAME_MAX], layout[16];
	int order;
	bool layout_ok;
	unsigned n;               /* runs with values */
	double mean, stdev;       /* of the per-run means, ns */
};
typedef int (*store_trend_cb)(void *ctx, const struct store_trend_point *p);
/* Every upload of host_id, in upload order, case by case; reads summaries only. */
int store_host_trend(struct store *st, int64_t host_id, store_trend_cb cb, void *ctx);

/*
 * The session level's raw material: per upload, the summary of each case
 * and metric (runs, mean and stdev of the per-run means), of the newest
 * STORE_SESSION_UPLOADS uploads of the kernels that host_id uploaded at
 * least twice with placement (NULL: any), ordered by workload, layout,
 * iterations, metric, kernel and upload (newest first), layouts that did
 * not verify and unsupported metrics left out.  Summaries only; bounded,
 * since every comparison of the host reads it.
 */
#define STORE_SESSION_UPLOADS 64
struct store_session_point {
	int64_t kernel_id;
	char workload[WORKLOAD_NAME_MAX], layout[16], metric[32];
	unsigned iterations;
	unsigned n;               /* runs with values */
	double mean, stdev;       /* of the per-run means */
};
typedef int (*store_session_cb)(void *ctx, const struct store_session_point *p);
int store_host_sessions(struct store *st, int64_t host_id, const char *placement, store_session_cb cb,
			void *ctx);

/*
 * Whether host_id has uploaded kernel_ident (*known), and how many kernels
 * it uploaded first at or after since (*n; *first: the earliest of those
 * first uploads, 0 when none): the bound on new kernels per host.
 */
int store_host_new_kernels(struct store *st, int64_t host_id, const char *kernel_ident,
			   int64_t since, bool *known, unsigned *n, int64_t *first);

/*
 * What host_id said of a kernel: the release of its first upload of it
 * and the parent commit (the first it gave; "" when it never gave one).
 * -ENOENT when the host never uploaded it.  What comparisons on a host
 * go by: another host's claim never changes them.
 */
int store_host_kernel_facts(struct store *st, int64_t host_id, const char *kernel_ident,
			    char *release, size_t release_len, char *parent, size_t parent_len);

/*
 * Record what host_id's comparison of a kernel wants (w->recorded false,
 * or w NULL, clears the record: the kernel then reads as not recorded);
 * w->at is ignored: now.  -ENOENT when the host never uploaded the
 * kernel.
 */
int store_host_kernel_wants_set(struct store *st, int64_t host_id, const char *kernel_ident,
				const struct store_wants *w);
/*
 * The same for the comparison made when run_id arrived: nothing is
 * written, and -ENOENT returned, when the host uploaded the kernel again
 * since (that upload's own comparison, which sees both, records it).
 */
int store_host_kernel_wants_set_as_of(struct store *st, int64_t host_id, const char *kernel_ident,
				      const struct store_wants *w, int64_t run_id);

/*
 * The comparison settings the wants records are judged against, as one
 * line (config): when the database last saw other ones (or none), every
 * record is cleared (*cleared of them) and config kept, in one
 * transaction.  Each kernel's next upload makes its record again.
 */
int store_wants_config(struct store *st, const char *config, int64_t *cleared);
/* The record of host_id's kernel into out (out->recorded false when none); -ENOENT as above. */
int store_host_kernel_wants(struct store *st, int64_t host_id, const char *kernel_ident,
			    struct store_wants *out);
/*
 * The kernels of host_id other than kernel_ident whose record an upload
 * of kernel_ident changes: those last compared with it, and those whose
 * parent commit (as host_id gave it) it is, newest first.
 */
int store_host_kernels_after(struct store *st, int64_t host_id, const char *kernel_ident,
			     store_name_cb cb, void *ctx);

/* What each host that ran a kernel says of it, by host name. */
struct store_claim {
	char host[STORE_NAME_MAX];
	char release[DOC_NAME_MAX];
	char parent_commit[DOC_SHA_MAX]; /* "" when it gave none */
};
typedef int (*store_claim_cb)(void *ctx, const struct store_claim *c);
int store_kernel_claims(struct store *st, const char *kernel_ident, store_claim_cb cb, void *ctx);

/* One kernel by ident (its counts are 0: this reads no runs); -ENOENT. */
int store_kernel_get(struct store *st, const char *ident, struct store_kernel *out);

/*
 * The summaries of the newest STORE_COMPARE_UPLOADS uploads of host_id on
 * a kernel made with placement ("same", "split", "free"; NULL: any), upload
 * by upload (upload order), then case, then metric; never reads samples.
 * What comparisons read: each summary row carries its upload's per-run
 * means.  The cap keeps a comparison's cost bounded however often one
 * kernel is uploaded.
 */
#define STORE_COMPARE_UPLOADS 16
int store_host_kernel_series(struct store *st, int64_t host_id, const char *kernel_ident,
			     const char *placement, store_series_cb cb, void *ctx);

/*
 * The kernel of host_id's last upload before its first upload of
 * kernel_ident (the kernel it ran before), into out; -ENOENT when none.
 */
int store_host_previous_kernel(struct store *st, int64_t host_id, const char *kernel_ident,
			       char *out, size_t len);

/*
 * Pin the baseline of host name to a kernel (NULL unpins).  -ENOENT when
 * the host does not exist or has no run of the kernel: a baseline is
 * something the host measured.
 */
int store_host_pin_baseline(struct store *st, const char *name, const char *kernel_ident);
/* The pinned baseline of host_id into out; -ENOENT when none is pinned. */
int store_host_pinned_baseline(struct store *st, int64_t host_id, char *out, size_t len);

/*
 * The accelerator of host_id's latest run (host.vm.accel: "kvm", "tcg"),
 * "" when it ran on bare metal, into out; -ENOENT when it has no runs.
 */
int store_host_vm_accel(struct store *st, int64_t host_id, char *out, size_t len);

/* Whether host_id has a complete run on the kernel with this ident. */
int store_host_has_complete_run(struct store *st, int64_t host_id, const char *kernel_ident,
				bool *has);

/*
 * Alerts: a regression (kind "regression") or an improvement recorded as
 * a notice (kind "gain") of one host's kernel against its baseline, for
 * one case and metric.  Triage states: new, acknowledged, invalid, fixed.
 */
struct store_alert {
	int64_t id;
	char host[STORE_NAME_MAX];
	char kernel[DOC_IDENT_MAX], base[DOC_IDENT_MAX];
	char workload[WORKLOAD_NAME_MAX], layout[16], metric[32], kind[16];
	double delta_pct, ci_lo_pct, ci_hi_pct, p;
	char summary[512];
	char state[16], state_by[STORE_NAME_MAX];
	int64_t state_at, created_at; /* state_at 0: never triaged */
};

/*
 * Record an alert (host is ignored: host_id says it).  When one of this
 * host, kernel, case and metric exists already nothing changes and
 * *created is false; *id names the stored one either way.
 */
int store_alert_add(struct store *st, int64_t host_id, const struct store_alert *a, int64_t *id,
		    bool *created);
typedef int (*store_alert_cb)(void *ctx, const struct store_alert *a);
/* What store_alert_list() selects; a NULL field matches everything. */
struct store_alert_filter {
	const char *kind, *state, *host, *kernel;
};
/* Newest first, at most limit. */
int store_alert_list(struct store *st, const struct store_alert_filter *f, unsigned limit,
		     store_alert_cb cb, void *ctx);
int store_alert_get(struct store *st, int64_t id, struct store_alert *out);
/* Set the triage state; -ENOENT when there is no such alert. */
int store_alert_triage(struct store *st, int64_t id, const char *state, const char *by);

/*
 * Deliveries of alerts, grouped per (host, kernel) and receiver (channel
 * "webhook" with a URL, "mail" with an address).
 */
struct store_delivery {
	int64_t id;
	char host[STORE_NAME_MAX];
	char kernel[DOC_IDENT_MAX];
	char channel[16];
	char target[512];
	unsigned attempts;
};
typedef int (*store_delivery_cb)(void *ctx, const struct store_delivery *d);

/* Make the group's delivery to target pending (again), due now. */
int store_delivery_add(struct store *st, int64_t host_id, const char *kernel, const char *channel,
		       const char *target);
/* Pending deliveries due at or before at, soonest first, at most limit. */
int store_delivery_due(struct store *st, int64_t at, unsigned limit, store_delivery_cb cb, void *ctx);
/* Log one attempt and mark it delivered, or pending until next_at: one transaction. */
int store_delivery_result(struct store *st, int64_t id, bool ok, const char *detail, int64_t next_at);

struct store_delivery_attempt {
	int64_t delivery_id;
	char channel[16], target[512], state[16];
	unsigned attempts;
	bool tried;               /* false: no attempt yet (the other fields say so) */
	int64_t at;
	bool ok;
	char detail[512];
};
typedef int (*store_delivery_log_cb)(void *ctx, const struct store_delivery_attempt *a);
/* Every delivery of a host's kernel and each of its attempts, in order. */
int store_delivery_log(struct store *st, const char *host, const char *kernel,
		       store_delivery_log_cb cb, void *ctx);

/*
 * Whether the database runs several writers side by side (PostgreSQL),
 * rather than one at a time (SQLite: its writers are best queued by the
 * caller, server.c's write lock, instead of in SQLite's busy sleep).
 */
bool store_writes_overlap(struct store *st);

/*
 * What several forkwatchd on one database share.
 *
 * The data generation: a number that moves after every write that
 * changed what pages show, whichever process wrote.  store_generation()
 * reads it, store_generation_bump() moves it (call it after such a write
 * committed, before answering it: a reader told of the write then sees
 * the new generation).  Both return -ENOTSUP for a database only one
 * process writes (SQLite), whose writers count their own writes.
 */
int store_generation(struct store *st, uint64_t *gen);
int store_generation_bump(struct store *st);

/*
 * Leases: work that one process at a time does among every forkwatchd on
 * the database (alert delivery, retention).  *held says whether this
 * connection holds l: it keeps it until it closes or the connection is
 * lost (a process killed loses it at once), and asking again while held
 * is cheap.  Another process's connection then takes it over.  Always
 * held on SQLite, which one process owns.
 */
enum store_lease {
	STORE_LEASE_DELIVERY = 1,
	STORE_LEASE_RETENTION = 2,
};
int store_lease_try(struct store *st, enum store_lease l, bool *held);

/*
 * Calibration profiles (store_calibration.c; forkwatch-calibration/1,
 * lib/calib.h), validated by the caller.  put stores doc (NUL-terminated
 * text) for host_id, idempotent on uuid: *existed true when this host
 * already has it (nothing written), -EEXIST when another host has.
 * latest appends the host's latest profile (the greatest finished_at, then
 * the last stored) to doc, with when it was received; -ENOENT when the
 * host has none.  A host keeps its newest STORE_CALIBRATIONS_KEEP
 * profiles: put drops older ones (whose uuids then count as new again).
 */
#define STORE_CALIBRATIONS_KEEP 32
int store_calibration_put(struct store *st, int64_t host_id, const char *uuid, const char *finished_at,
			  const char *release, const char *commit, const char *doc, bool *existed);
int store_calibration_latest(struct store *st, int64_t host_id, struct strbuf *doc, int64_t *received_at);

/*
 * Browser sessions (web/session.h) in the database, so that whichever
 * forkwatchd answers knows them: the session id's hash (BLAKE2b-256 of
 * the cookie value: the database never holds a cookie), its CSRF token and
 * who logged in.  store_session_get() finds one used after idle_since and
 * notes its use (a write at most once a minute).  Creating one drops the
 * sessions idle since idle_since and the least recently used beyond max.
 */
int store_session_create(struct store *st, const uint8_t id_hash[32], const char *csrf,
			 const char *who, int64_t idle_since, unsigned max);
int store_session_get(struct store *st, const uint8_t id_hash[32], int64_t idle_since,
		      char *csrf, size_t csrf_size, char *who, size_t who_size);
int store_session_end(struct store *st, const uint8_t id_hash[32]);

/*
 * Failed token attempts per client address (daemon/auth.h's limiter), in
 * windows of window_s seconds: store_auth_failures() gives the failures
 * of addr's current window (0 when it has none), store_auth_fail() counts
 * one more, starting a new window when the last one ended.
 */
int store_auth_failures(struct store *st, const char *addr, unsigned window_s, unsigned *n);
int store_auth_fail(struct store *st, const char *addr, unsigned window_s);

/*
 * forkwatchd migrate: copy every table of from into to (both at the
 * latest schema), in one transaction of to, then verify that each table
 * holds as many rows with the same checksum (BLAKE2b over every value of
 * every row, in key order) on both sides.  A table already copied whole
 * (same count and checksum) is left as it is, so a second run changes
 * nothing; a target table that holds other rows is refused, -EEXIST.
 * progress (may be NULL) hears one line per table.  Returns 0 or a
 * negative errno with err set.
 */
typedef void (*store_copy_cb)(void *ctx, const char *line);
int store_copy(struct store *from, struct store *to, store_copy_cb progress, void *ctx,
	       struct strbuf *err);

#endif
