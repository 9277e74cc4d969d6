/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_NOISE_H
#define FW_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/jsonw.h"
#include "lib/strbuf.h"

/*
 * The machine's noise sources (forkwatch check, and the snapshot every
 * result document carries): what in the kernel and the machine around
 * the benchmark adds run-to-run noise, each with its state and one line
 * of advice, in the manner of pyperf's `system show`.
 *
 * Everything is read under a root directory ("/" on a lab machine; a
 * constructed tree of /proc and /sys files in the tests and the fuzz
 * target), so that the readers can be fed fixtures.  Nothing here writes
 * a knob: tune.c does, through the knob journal.
 */

/* ---- CPU sets ------------------------------------------------------------ */

#define NOISE_CPUS_MAX 8192

struct noise_cpuset {
	uint64_t bits[NOISE_CPUS_MAX / 64];
};

/*
 * Parse a kernel CPU list ("0-3,8,10-11", as in .../cpu/online; a
 * newline ends it; "" is the empty set) into set.  Returns 0, or -EINVAL
 * for anything else (a CPU at or beyond NOISE_CPUS_MAX, a range running
 * backwards).  Pure.
 */
int noise_cpuset_parse(const char *list, struct noise_cpuset *set);
/* Append set as a CPU list ("0-3,8"); "" for the empty set. */
void noise_cpuset_format(const struct noise_cpuset *set, struct strbuf *out);
static inline bool noise_cpuset_has(const struct noise_cpuset *set, unsigned cpu)
{
	return cpu < NOISE_CPUS_MAX && (set->bits[cpu / 64] >> (cpu % 64)) & 1;
}
static inline void noise_cpuset_add(struct noise_cpuset *set, unsigned cpu)
{
	if (cpu < NOISE_CPUS_MAX)
		set->bits[cpu / 64] |= 1ULL << (cpu % 64);
}
unsigned noise_cpuset_count(const struct noise_cpuset *set);
/* The highest CPU in set plus one; 0 for the empty set. */
unsigned noise_cpuset_end(const struct noise_cpuset *set);

/* ---- per-CPU counters: what changes while a benchmark runs ------------- */

/*
 * Cumulative counters at one moment, per CPU (arrays of ncpu, indexed by
 * CPU number): from /proc/stat (time in USER_HZ ticks, and steal),
 * /proc/interrupts, /proc/softirqs and, where the kernel has schedstats,
 * /proc/schedstat (schedule() calls).  A CPU a file does not name reads 0.
 */
struct noise_counters {
	unsigned ncpu;
	uint64_t *total;        /* every tick of the CPU: user .. steal */
	uint64_t *busy;         /* total less idle, iowait and steal */
	uint64_t *steal;
	uint64_t *irqs, *softirqs, *scheds;
	bool have_stat, have_irqs, have_softirqs, have_scheds;
	uint64_t ctxt;          /* context switches, the whole machine (/proc/stat ctxt) */
	long procs_running;     /* /proc/stat procs_running; -1 unknown */
	double at;              /* CLOCK_MONOTONIC seconds when read; 0 for parsed text */
};

void noise_counters_release(struct noise_counters *c);

/*
 * Parsers of the counters' files, text of len bytes (a NUL byte ends
 * it), adding into c (allocated up to the highest CPU named, at most
 * NOISE_CPUS_MAX).  Lines they do not understand are skipped.  Pure but
 * for the allocation; 0 or -ENOMEM.
 */
int noise_parse_stat(const char *text, size_t len, struct noise_counters *c);
/* /proc/interrupts and /proc/softirqs: the "CPU0 CPU1 ..." header names the columns. */
int noise_parse_irq_table(const char *text, size_t len, bool softirqs, struct noise_counters *c);
int noise_parse_schedstat(const char *text, size_t len, struct noise_counters *c);

/* Read every counter file under root; missing files leave their have_* false.  0 or -ENOMEM. */
int noise_counters_read(struct noise_counters *c, const char *root);

/* What changed between two readings, summed over a CPU set. */
struct noise_during {
	bool valid;
	double seconds;
	double steal_pct;       /* steal in % of the CPUs' ticks; NaN without ticks */
	double busy_pct;        /* busy ticks in % of the CPUs' ticks; NaN without ticks */
	uint64_t steal_ticks;
	uint64_t interrupts, softirqs, schedules, context_switches;
	bool have_irqs, have_softirqs, have_scheds;
	long hz;                /* USER_HZ, for ticks as milliseconds */
};

void noise_during_compute(const struct noise_counters *a, const struct noise_counters *b,
			  const struct noise_cpuset *cpus, long hz, struct noise_during *d);

/* ---- the snapshot --------------------------------------------------------- */

enum noise_status {
	NOISE_ABSENT,  /* not on this machine (no DAMON, no cpufreq) */
	NOISE_QUIET,
	NOISE_INFO,    /* advice only: does not make the machine noisy */
	NOISE_NOISY,
};

extern const char *const noise_status_names[]; /* "absent", "quiet", "info", "noisy" */

enum noise_id {
	NOISE_DAMON,
	NOISE_KHUGEPAGED,
	NOISE_KSM,
	NOISE_NUMA,
	NOISE_THP,
	NOISE_GOVERNOR,
	NOISE_BOOST,
	NOISE_SMT,
	NOISE_ISOLATED,
	NOISE_LOAD,
	NOISE_STEAL,
	NOISE_HYPERVISOR,
	NOISE_COUNT
};

/* The sources' names, as documents and the daemon know them ("damon", "numa_balancing", ...). */
extern const char *const noise_names[NOISE_COUNT];

struct noise_source {
	enum noise_status status;
	bool tunable;            /* forkwatch bench --tune quiets it for a run */
	char state[320];
	char advice[320];
};

#define NOISE_KDAMONDS_MAX 32
#define NOISE_DAMON_CTXS_MAX 4
#define NOISE_DAMON_SCHEMES_MAX 8
#define NOISE_POLICIES_MAX 1024

struct noise_kdamond {
	unsigned index;
	char state[16];          /* "on", "off" */
	long pid;                /* -1 when off or unknown */
	int nctx;
	struct {
		char ops[16];        /* "paddr", "vaddr", "fvaddr" */
		int nschemes;        /* may exceed the actions kept */
		char actions[NOISE_DAMON_SCHEMES_MAX][24];
	} ctx[NOISE_DAMON_CTXS_MAX];
};

/* One cpufreq policy that governs a CPU in use. */
struct noise_policy {
	unsigned index;          /* policyN */
	char governor[32];
	bool can_performance;    /* "performance" is among its scaling_available_governors */
};

/* A knob --tune changed: what it was and what the run measured under. */
struct noise_tuned {
	enum noise_id source;
	char path[256];
	char from[64], to[64];
};

#define NOISE_TUNED_MAX 512

struct noise_snapshot {
	char root[256];
	struct noise_cpuset cpus;        /* the CPUs in use */
	struct noise_cpuset online;
	struct noise_source src[NOISE_COUNT];

	/* the facts the sources were assessed from, and --tune works from */
	bool damon_sysfs;
	int nkdamonds;                   /* kept: at most NOISE_KDAMONDS_MAX */
	struct noise_kdamond kd[NOISE_KDAMONDS_MAX];
	char damon_modules[96];          /* enabled DAMON modules: "damon_reclaim damon_stat" */
	bool khugepaged_dir;
	long khugepaged_pages, khugepaged_sleep_ms, khugepaged_defrag, khugepaged_full_scans;
	char thp_enabled[32], thp_defrag[32];
	bool mthp_enabled;               /* some hugepages-<size>kB/enabled is not "never" */
	long ksm_run;                    /* -1: no KSM */
	long numa_balancing;             /* -1: no such sysctl */
	unsigned numa_nodes;
	int npolicies;
	struct noise_policy *policies;   /* [npolicies], those of the CPUs in use */
	int boost;                       /* -1 no knob, 0 off, 1 on */
	char boost_path[96];             /* relative to root */
	struct noise_cpuset isolated, nohz_full;
	char smt_pairs[160];             /* "0:4 1:5": CPUs in use with online siblings */
	double loadavg[3];               /* -1 unknown */
	bool hypervisor;
	char hypervisor_how[256];        /* "CPUID: KVMKVMKVM", "cpuinfo flag", "DMI: QEMU" */

	struct noise_counters start;     /* counters when the snapshot was taken */
	struct noise_counters end;       /* and by noise_snapshot_finish() */
	struct noise_during during;      /* set by noise_snapshot_finish() */
	int ntuned;
	struct noise_tuned *tuned;       /* [ntuned], by tune.c */
};

/*
 * Take a snapshot of the machine under root: every source's facts, its
 * state and advice, and the counters at this moment.  cpus: the CPUs the
 * benchmark uses (those --placement pins to), NULL for every online
 * CPU.  hypervisor_cpuid: on x86 the CPUID hypervisor
 * signature, read by the caller when root is the running system (NULL
 * otherwise).  Returns 0, -ENOENT when root holds no /proc/stat (not a
 * Linux root: err says so), -ENAMETOOLONG for a root of 256 bytes or
 * more, or -ENOMEM.  Release with
 * noise_snapshot_release(), also after an error.
 */
int noise_snapshot_read(struct noise_snapshot *s, const char *root, const struct noise_cpuset *cpus,
			const char *hypervisor_cpuid, struct strbuf *err);

/*
 * Read the counters again and record what changed since the snapshot in
 * s->during: steal time (judged again from it: the steal source becomes
 * noisy when more than 1% of the CPUs' time was stolen), interrupts,
 * softirqs and context switches, and, for a sample taken only for the
 * purpose (idle: forkwatch check), how busy other work kept the CPUs.
 */
void noise_snapshot_finish(struct noise_snapshot *s, bool idle);

void noise_snapshot_release(struct noise_snapshot *s);

/*
 * Assess every source from the facts in s (what noise_snapshot_read()
 * does after reading them): its status, state and advice.  Pure; the
 * tests call it on facts they make.
 */
void noise_assess(struct noise_snapshot *s);

/* How many sources are noisy; their names, space-separated, into names when not NULL. */
int noise_count_noisy(const struct noise_snapshot *s, struct strbuf *names);

/* The snapshot as the document's "noise" object (schema/result-format.md) under key. */
void noise_json(const struct noise_snapshot *s, struct jw *jw, const char *key);

/* The report of forkwatch check: a line per source, its advice under it, a summary. */
void noise_report(const struct noise_snapshot *s, struct strbuf *out);

/*
 * The x86 CPUID hypervisor signature of the running machine ("KVMKVMKVM",
 * "bhyve bhyve ") into out, or "" where there is none or not on x86.
 */
void noise_cpuid_hypervisor(char *out, size_t len);

#endif
