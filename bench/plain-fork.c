// SPDX-License-Identifier: GPL-2.0
/*
 * plain-fork: a plain timing loop of fork() and of the other calls forkwatch
 * measures, written apart from forkwatch (no code or headers shared with
 * it) to measure forkwatch's harness overhead and to give perf stat
 * something plain to count.
 *
 *   plain-fork [--count] [--no-check] [--workload W] [--pin P[,C]]
 *              [--tracepoint SYS:NAME | --tracepoint-after SYS:NAME] [--per-call]
 *              LAYOUTS SIZE RUNS ITERS WARMUP
 *
 * W        what is timed (default fork):
 *          fork      the fork() call in the parent
 *          munmap    munmap() of the whole region (a fresh region each iteration)
 *          mprotect  mprotect(PROT_READ) of the whole region, made writable
 *                    again after the clock stopped
 *          mremap    mremap(MREMAP_MAYMOVE|MREMAP_FIXED) of the whole region onto
 *                    a reserved PMD-aligned range; the range it left is reserved
 *                    again after the clock stopped, and the next call moves it back
 *          dontneed  madvise(MADV_DONTNEED) of the whole region (a fresh region
 *                    each iteration, unmapped after the clock stopped)
 *
 * --pin P    each worker (the parent that forks) runs on CPU P only, and so
 *            does every child (they inherit it)
 * --pin P,C  the worker on CPU P; each child moves itself to CPU C before it
 *            _exit()s, so that its exit (the copied page tables torn down)
 *            runs there
 * Without --pin no affinity is set: the scheduler decides.
 *
 * Experiments, off by default (bench/README.md, "mremap: what the
 * 17 us were"):
 * --tracepoint SYS:NAME  each worker counts that tracepoint on itself
 *            (perf_event_open, opened disabled before it populates, as
 *            forkwatch opens its counters), enabled right before the
 *            first clock read and disabled right after the second, read
 *            after each call: what counting it costs the timed call.
 *            Needs tracefs at /sys/kernel/tracing (or the debugfs one).
 * --tracepoint-after SYS:NAME  the same counter, opened only after the
 *            worker's timed calls, around as many calls again, untimed,
 *            on a second region populated then (forkwatch's counting pass
 *            reuses the first): the tracepoint is never open while a
 *            timed call runs, as when forkwatch counts a workload apart
 * --per-call also prints 'call LAYOUT RUN NS' on stderr for each measured
 *            call, for the calls' distribution rather than their mean
 *
 * LAYOUTS  order-0, order-9 or pmd, or a comma-separated list of them: the
 *          runs are then interleaved layout by layout, as forkwatch does
 * SIZE     memory to populate, a multiple of the PMD size: a number of MiB,
 *          or with a K, M or G suffix
 * RUNS     runs per layout, each in a fresh worker process
 * ITERS    measured forks per run
 * WARMUP   unmeasured forks before them
 *
 * Timed mode (the default) prints one line per run: LAYOUT RUN MEAN_NS, the
 * mean over the ITERS measured calls of the time of the call
 * (CLOCK_MONOTONIC right before and right after it; fork's child _exit(0)s
 * at once and is reaped after the clock has stopped).
 *
 * --count: no clock at all and no worker: this process itself populates
 * one layout and forks WARMUP + ITERS times, then exits, so that
 * `perf stat --no-inherit` counts exactly the forking process.  ITERS 0
 * populates (and verifies) only: the difference between the two, divided
 * by the number of forks, is what one fork costs the forking process.
 * RUNS must be 1.
 *
 * Each populated region is verified before the first and after the last
 * call (where the region is then: mremap moves it), or, for munmap and
 * dontneed, the first and the last measured region just before the call
 * (unless --no-check): pagemap + kpageflags for the folio sizes (the
 * first page of every PMD-sized block a compound head followed by 511
 * physically contiguous tails for order-9 and pmd; no compound page at all
 * for order-0) and smaps AnonHugePages for the mapping (all of the region
 * for pmd, none otherwise).  A region that is not what was asked fails the
 * run; nothing is measured on a wrong layout.  Needs root (PFNs in pagemap,
 * /proc/kpageflags).
 *
 * Exit status: 0 all runs measured, 1 some run failed, 2 usage or setup.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif
#ifndef MADV_NOHUGEPAGE
#define MADV_NOHUGEPAGE 15
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"
#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define KPF_HEAD (1ULL << 15)
#define KPF_TAIL (1ULL << 16)

enum kind { ORDER0, ORDER9, PMD };
static const char *const kind_name[] = { "order-0", "order-9", "pmd" };

enum work { FORK, MUNMAP, MPROTECT, MREMAP, DONTNEED, NWORK };
static const char *const work_name[] = { "fork", "munmap", "mprotect", "mremap", "dontneed" };
/* the call consumes the region: a fresh one each iteration */
static const int work_fresh[] = { 0, 1, 0, 0, 1 };
static enum work work = FORK;

static size_t page_size, pmd_size;
static int pin_parent = -1, pin_child = -1; /* --pin; -1: none */
static cpu_set_t child_cpus;                /* {pin_child}, made once */
static long tp_id = -1;   /* --tracepoint: its id; -1: none */
static int tp_fd = -1;    /* the worker's counter of it */
static int per_call;      /* --per-call */
static int tp_after;      /* --tracepoint-after: counted in a second pass */

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "plain-fork: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static int parse_kind(const char *s, size_t len)
{
	int k;

	for (k = 0; k < 3; k++)
		if (strlen(kind_name[k]) == len && !strncmp(s, kind_name[k], len))
			return k;
	return -1;
}

static unsigned long parse_ulong(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		die("bad %s", what);
	return v;
}

static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		die("bad SIZE '%s'", s);
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	case 'm': case 'M': end++; /* fall through */
	case '\0': v <<= 20; break;
	default: die("bad SIZE '%s'", s);
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	if (*end)
		die("bad SIZE '%s'", s);
	return (size_t)v;
}

/* Read the first word of FILE, or the [bracketed] choice of a sysfs knob. */
static int read_choice(const char *file, char *out, size_t len)
{
	char buf[256], *b, *e;
	FILE *f = fopen(file, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	b = strchr(buf, '[');
	if (b && (e = strchr(b, ']'))) {
		b++;
	} else {
		b = buf;
		e = b + strcspn(b, " \n");
	}
	n = (size_t)(e - b) < len ? (size_t)(e - b) : len - 1;
	memcpy(out, b, n);
	out[n] = '\0';
	return 0;
}

/*
 * order-9 and pmd need PMD-sized THP in MADV_HUGEPAGE regions; this program
 * changes no knob, so refuse when the knobs say no.
 */
static void check_thp(void)
{
	char top[32], per[32], path[128];

	if (read_choice(THP_DIR "/enabled", top, sizeof(top)))
		die("%s: no transparent huge pages on this kernel (needed for order-9 and pmd)",
		    THP_DIR "/enabled");
	snprintf(path, sizeof(path), THP_DIR "/hugepages-%zukB/enabled", pmd_size / 1024);
	if (read_choice(path, per, sizeof(per)))
		snprintf(per, sizeof(per), "inherit"); /* pre-mTHP kernel: the top level decides */
	if (!strcmp(per, "always") || !strcmp(per, "madvise") ||
	    (!strcmp(per, "inherit") && (!strcmp(top, "always") || !strcmp(top, "madvise"))))
		return;
	fprintf(stderr,
		"plain-fork: PMD-sized THP is off for MADV_HUGEPAGE regions (%s is [%s], %s is [%s]);\n"
		"  order-9 and pmd need %s to be inherit (with %s madvise or always), madvise or always;\n"
		"  this program changes no knob: set them, or leave order-9 and pmd out\n",
		THP_DIR "/enabled", top, path, per, path, THP_DIR "/enabled");
	exit(2);
}

/* The id of tracepoint SYS:NAME from tracefs, or -1. */
static long tracepoint_id(const char *spec)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[512], buf[32];
	const char *colon = strchr(spec, ':');
	unsigned i;

	if (!colon || colon == spec || !colon[1] || strchr(spec, '/'))
		return -1;
	for (i = 0; i < 2; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/events/%.*s/%s/id", roots[i], (int)(colon - spec), spec,
			 colon + 1);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
		return buf[0] ? strtol(buf, NULL, 10) : -1;
	}
	return -1;
}

/* In the worker, before it populates: open the --tracepoint counter, disabled. */
static int tracepoint_open(char *err, size_t errlen)
{
	struct perf_event_attr a;

	if (tp_id < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_TRACEPOINT;
	a.config = (uint64_t)tp_id;
	a.disabled = 1;
	a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	tp_fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (tp_fd < 0) {
		snprintf(err, errlen, "perf_event_open of tracepoint %ld: %s", tp_id, strerror(errno));
		return -1;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* mmap SIZE bytes PMD-aligned, madvise, write one byte per page, split for order-9. */
static char *populate(enum kind k, size_t size, char *err, size_t errlen)
{
	size_t len = size + pmd_size, off;
	char *raw, *p;

	raw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED) {
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		return NULL;
	}
	p = (char *)(((uintptr_t)raw + pmd_size - 1) & ~(uintptr_t)(pmd_size - 1));
	if (p > raw)
		munmap(raw, (size_t)(p - raw));
	if (p + size < raw + len)
		munmap(p + size, (size_t)(raw + len - (p + size)));
	if (madvise(p, size, k == ORDER0 ? MADV_NOHUGEPAGE : MADV_HUGEPAGE)) {
		snprintf(err, errlen, "madvise: %s", strerror(errno));
		return NULL;
	}
	for (off = 0; off < size; off += page_size)
		p[off] = 1;
	if (k == ORDER9) {
		/* split each PMD mapping, not the folio: one sub-page read-only and back */
		for (off = 0; off < size; off += pmd_size)
			if (mprotect(p + off, page_size, PROT_READ) ||
			    mprotect(p + off, page_size, PROT_READ | PROT_WRITE)) {
				snprintf(err, errlen, "mprotect: %s", strerror(errno));
				return NULL;
			}
		/* keep khugepaged from collapsing them again */
		madvise(p, size, MADV_NOHUGEPAGE);
	}
	return p;
}

/* Sum AnonHugePages (kB) of the mappings in /proc/self/smaps overlapping [p, p + size). */
static long long anon_huge_kb(const char *p, size_t size)
{
	char line[512];
	unsigned long lo, hi;
	long long sum = 0, kb;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = lo < (uintptr_t)p + size && hi > (uintptr_t)p;
		else if (in && sscanf(line, "AnonHugePages: %lld kB", &kb) == 1)
			sum += kb;
	}
	fclose(f);
	return sum;
}

/* Is [p, p + size) the layout asked for?  0 if so, else -1 with a reason. */
static int verify(enum kind k, const char *p, size_t size, char *err, size_t errlen)
{
	size_t npages = size / page_size, per_pmd = pmd_size / page_size, i, j;
	uint64_t *pm = malloc(npages * sizeof(*pm)), *fl = malloc(npages * sizeof(*fl));
	int fpm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int fkf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	long long huge;
	int ret = -1;

	if (!pm || !fl || fpm < 0 || fkf < 0) {
		snprintf(err, errlen, "cannot verify: %s (reading PFNs and /proc/kpageflags needs root)",
			 pm && fl ? strerror(errno) : "out of memory");
		goto out;
	}
	if (pread(fpm, pm, npages * sizeof(*pm), (off_t)((uintptr_t)p / page_size * sizeof(*pm))) !=
	    (ssize_t)(npages * sizeof(*pm))) {
		snprintf(err, errlen, "cannot read /proc/self/pagemap");
		goto out;
	}
	for (i = 0; i < npages; i++)
		if (!(pm[i] & PM_PRESENT) || !(pm[i] & PM_PFN_MASK)) {
			snprintf(err, errlen, "page %zu not present or no PFN (root needed)", i);
			goto out;
		}
	/* read the flags of runs of consecutive PFNs in one go */
	for (i = 0; i < npages; i = j) {
		uint64_t pfn = pm[i] & PM_PFN_MASK;

		for (j = i + 1; j < npages && (pm[j] & PM_PFN_MASK) == pfn + (j - i); j++)
			;
		if (pread(fkf, fl + i, (j - i) * sizeof(*fl), (off_t)(pfn * sizeof(*fl))) !=
		    (ssize_t)((j - i) * sizeof(*fl))) {
			snprintf(err, errlen, "cannot read /proc/kpageflags");
			goto out;
		}
	}
	for (i = 0; i < npages; i++) {
		uint64_t pfn = pm[i] & PM_PFN_MASK, f = fl[i];
		size_t in = i % per_pmd;

		if (k == ORDER0) {
			if (f & (KPF_HEAD | KPF_TAIL)) {
				snprintf(err, errlen, "page %zu is in a large folio, expected order-0", i);
				goto out;
			}
		} else if (in == 0 ? !(f & KPF_HEAD) || pfn % per_pmd :
			   !(f & KPF_TAIL) || pfn != (pm[i - in] & PM_PFN_MASK) + in) {
			snprintf(err, errlen, "page %zu: not in a whole order-9 folio for its PMD block", i);
			goto out;
		}
	}
	huge = anon_huge_kb(p, size);
	if (huge < 0) {
		snprintf(err, errlen, "cannot read /proc/self/smaps");
		goto out;
	}
	if (k == PMD ? (unsigned long long)huge * 1024 != size : huge != 0) {
		snprintf(err, errlen, "%lld kB PMD-mapped (AnonHugePages), expected %zu", huge,
			 k == PMD ? size / 1024 : (size_t)0);
		goto out;
	}
	ret = 0;
out:
	if (fpm >= 0)
		close(fpm);
	if (fkf >= 0)
		close(fkf);
	free(pm);
	free(fl);
	return ret;
}

/* size bytes of PROT_NONE address space at a PMD boundary; NULL on failure */
static char *reserve(size_t size)
{
	size_t len = size + pmd_size;
	char *raw = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), *p;

	if (raw == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)raw + pmd_size - 1) & ~(uintptr_t)(pmd_size - 1));
	if (p > raw)
		munmap(raw, (size_t)(p - raw));
	if (p + size < raw + len)
		munmap(p + size, (size_t)(raw + len - (p + size)));
	return p;
}

/*
 * One call on *p, timed when timed (t1 - t0 in *ns); what must follow it
 * untimed follows it.  mremap moves *p onto *spare and reserves the range
 * it left as the next *spare.  0, or -1 with a reason.
 */
static int one_call(char **p, char **spare, size_t size, int timed, uint64_t *ns, char *err,
		    size_t errlen)
{
	uint64_t t0 = 0, t1 = 0;
	pid_t pid = 0;
	int st, ret = 0, e;
	char *q = NULL;

	if (tp_fd >= 0)
		ioctl(tp_fd, PERF_EVENT_IOC_ENABLE, 0);
	if (timed)
		t0 = now_ns();
	switch (work) {
	case FORK:
		pid = fork();
		if (pid == 0) {
			if (pin_child >= 0)
				sched_setaffinity(0, sizeof(child_cpus), &child_cpus);
			_exit(0);
		}
		break;
	case MUNMAP:
		ret = munmap(*p, size);
		break;
	case MPROTECT:
		ret = mprotect(*p, size, PROT_READ);
		break;
	case MREMAP:
		q = mremap(*p, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, *spare);
		break;
	case DONTNEED:
		ret = madvise(*p, size, MADV_DONTNEED);
		break;
	default:
		break;
	}
	if (timed)
		t1 = now_ns();
	e = errno;
	if (tp_fd >= 0) {
		uint64_t rd[3];

		ioctl(tp_fd, PERF_EVENT_IOC_DISABLE, 0);
		if (read(tp_fd, rd, sizeof(rd)) != (ssize_t)sizeof(rd)) {
			snprintf(err, errlen, "reading the tracepoint counter: %s", strerror(errno));
			return -1;
		}
	}
	*ns = t1 - t0;
	if (pid < 0 || ret || q == MAP_FAILED) {
		snprintf(err, errlen, "%s: %s", work_name[work], strerror(e));
		return -1;
	}
	switch (work) {
	case FORK:
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR) {
				snprintf(err, errlen, "waitpid: %s", strerror(errno));
				return -1;
			}
		break;
	case MUNMAP:
		*p = NULL;
		break;
	case MPROTECT:
		if (mprotect(*p, size, PROT_READ | PROT_WRITE)) {
			snprintf(err, errlen, "mprotect back: %s", strerror(errno));
			return -1;
		}
		break;
	case MREMAP:
		*spare = mmap(*p, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			      MAP_FIXED_NOREPLACE, -1, 0);
		if (*spare != *p) {
			snprintf(err, errlen, "cannot reserve the range mremap left");
			return -1;
		}
		*p = q;
		break;
	case DONTNEED:
		munmap(*p, size);
		*p = NULL;
		break;
	default:
		break;
	}
	return 0;
}

/*
 * One run: populate, verify, WARMUP + ITERS calls, verify (for munmap and
 * dontneed: populate before each call, verify the first and the last
 * measured region).  Returns 0 and the mean ns of the measured calls
 * (timed), or -1 with a reason.
 */
static int one_run(enum kind k, size_t size, unsigned long iters, unsigned long warmup,
		   int timed, int check, unsigned long run, double *mean, char *err, size_t errlen)
{
	unsigned long i;
	uint64_t sum = 0, ns;
	char *p = NULL, *spare = NULL;

	if (!work_fresh[work]) {
		p = populate(k, size, err, errlen);
		if (!p)
			return -1;
		if (check && verify(k, p, size, err, errlen))
			return -1;
	}
	if (work == MREMAP && !(spare = reserve(size))) {
		snprintf(err, errlen, "cannot reserve %zu bytes", size);
		return -1;
	}
	for (i = 0; i < warmup + iters; i++) {
		if (work_fresh[work]) {
			p = populate(k, size, err, errlen);
			if (!p)
				return -1;
			if (check && (i == warmup || i == warmup + iters - 1) && verify(k, p, size, err, errlen))
				return -1;
		}
		if (one_call(&p, &spare, size, timed, &ns, err, errlen))
			return -1;
		if (i >= warmup) {
			sum += ns;
			if (per_call && timed)
				fprintf(stderr, "call %s %lu %llu\n", kind_name[k], run, (unsigned long long)ns);
		}
	}
	if (!work_fresh[work] && check && verify(k, p, size, err, errlen))
		return -1;
	*mean = iters ? (double)sum / (double)iters : 0;
	return 0;
}

struct result {
	int ok;
	double mean;
	char err[256];
};

/* Run one run in a fresh worker process. */
static int worker_run(enum kind k, size_t size, unsigned long iters, unsigned long warmup,
		      int check, unsigned long run, struct result *out)
{
	struct result *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t parent = getpid(), pid;
	int st;

	if (r == MAP_FAILED)
		return -1;
	memset(r, 0, sizeof(*r));
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		munmap(r, sizeof(*r));
		return -1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(3);
		if (pin_parent >= 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(pin_parent, &set);
			if (sched_setaffinity(0, sizeof(set), &set)) {
				snprintf(r->err, sizeof(r->err), "cannot pin to CPU %d: %s", pin_parent,
					 strerror(errno));
				_exit(2);
			}
		}
		if (tp_after) {
			double ignored;

			/* timed with the tracepoint never open, then counted on a fresh region */
			if (!one_run(k, size, iters, warmup, 1, check, run, &r->mean, r->err, sizeof(r->err)) &&
			    !tracepoint_open(r->err, sizeof(r->err)) &&
			    !one_run(k, size, iters, warmup, 0, 0, run, &ignored, r->err, sizeof(r->err)))
				r->ok = 1;
		} else if (!tracepoint_open(r->err, sizeof(r->err)) &&
			   !one_run(k, size, iters, warmup, 1, check, run, &r->mean, r->err, sizeof(r->err)))
			r->ok = 1;
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			break;
	*out = *r;
	if (!out->ok && !out->err[0]) {
		if (WIFSIGNALED(st))
			snprintf(out->err, sizeof(out->err), "worker killed by signal %d%s", WTERMSIG(st),
				 WTERMSIG(st) == SIGKILL ? " (out of memory?)" : "");
		else
			snprintf(out->err, sizeof(out->err), "worker failed");
	}
	munmap(r, sizeof(*r));
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: plain-fork [--count] [--no-check] [--workload W] [--pin P[,C]] [--tracepoint SYS:NAME]\n"
		"                  [--tracepoint-after SYS:NAME] [--per-call] LAYOUTS SIZE RUNS ITERS WARMUP\n"
		"  LAYOUTS  order-0, order-9, pmd or a comma-separated list (runs interleaved)\n"
		"  SIZE     MiB, or with a K/M/G suffix; a multiple of the PMD size\n"
		"  timed mode prints 'LAYOUT RUN MEAN_NS' per run (mean time of the call)\n"
		"  --workload W  fork (default), munmap, mprotect, mremap or dontneed\n"
		"  --count    no timing, no worker: populate and call WARMUP+ITERS times in this\n"
		"             process (for perf stat --no-inherit); one layout, RUNS 1\n"
		"  --no-check do not verify the layout from pagemap/kpageflags/smaps\n"
		"  --pin P[,C] worker on CPU P, children on P (or moved to C before they exit)\n"
		"  --tracepoint SYS:NAME  count it on the worker, enabled just around each call\n"
		"  --tracepoint-after SYS:NAME  count it only after the timed calls, on as many again\n"
		"  --per-call also 'call LAYOUT RUN NS' on stderr for each measured call\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int count = 0, check = 1, nk = 0, failed = 0, kinds[3], need_thp = 0, i;
	unsigned long runs, iters, warmup, run;
	const char *s;
	char choice[32];
	size_t size;

	while (argc > 1 && argv[1][0] == '-' && argv[1][1] == '-') {
		if (!strcmp(argv[1], "--count"))
			count = 1;
		else if (!strcmp(argv[1], "--no-check"))
			check = 0;
		else if (!strcmp(argv[1], "--per-call"))
			per_call = 1;
		else if ((!strcmp(argv[1], "--tracepoint") || !strcmp(argv[1], "--tracepoint-after")) && argc > 2) {
			tp_after = !strcmp(argv[1], "--tracepoint-after");
			tp_id = tracepoint_id(argv[2]);
			if (tp_id < 0)
				die("--tracepoint '%s': expected SYS:NAME of a tracepoint in tracefs "
				    "(mounted at /sys/kernel/tracing?)", argv[2]);
			argv++;
			argc--;
		}
		else if (!strcmp(argv[1], "--workload") && argc > 2) {
			for (i = 0; i < NWORK && strcmp(argv[2], work_name[i]); i++)
				;
			if (i == NWORK)
				die("bad --workload '%s': expected fork, munmap, mprotect, mremap or dontneed",
				    argv[2]);
			work = (enum work)i;
			argv++;
			argc--;
		} else if (!strcmp(argv[1], "--pin") && argc > 2) {
			char *end;

			pin_parent = (int)strtol(argv[2], &end, 10);
			pin_child = pin_parent;
			if (*end == ',')
				pin_child = (int)strtol(end + 1, &end, 10);
			if (*end || pin_parent < 0 || pin_child < 0 || pin_parent >= CPU_SETSIZE ||
			    pin_child >= CPU_SETSIZE)
				die("bad --pin '%s': expected a CPU or two, like 1 or 1,0", argv[2]);
			if (pin_child == pin_parent)
				pin_child = -1; /* inherited: no move */
			CPU_ZERO(&child_cpus);
			if (pin_child >= 0)
				CPU_SET(pin_child, &child_cpus);
			argv++;
			argc--;
		} else
			usage();
		argv++;
		argc--;
	}
	if (argc != 6)
		usage();
	for (s = argv[1]; *s;) {
		size_t len = strcspn(s, ",");
		int k = parse_kind(s, len);

		if (k < 0 || nk == 3)
			die("bad LAYOUTS '%s': expected order-0, order-9, pmd or a list of them", argv[1]);
		for (i = 0; i < nk; i++)
			if (kinds[i] == k)
				die("layout given twice in '%s'", argv[1]);
		kinds[nk++] = k;
		need_thp |= k != ORDER0;
		s += len;
		if (*s)
			s++;
	}
	if (!nk)
		usage();
	size = parse_size(argv[2]);
	runs = parse_ulong(argv[3], "RUNS");
	iters = parse_ulong(argv[4], "ITERS");
	warmup = parse_ulong(argv[5], "WARMUP");
	if (count && (nk != 1 || runs != 1))
		die("%s", "--count takes one layout and RUNS 1");
	if (!count && (!runs || !iters))
		die("%s", "RUNS and ITERS must be at least 1");
	if (check && geteuid() != 0)
		die("%s", "needs root: the layout check reads PFNs and /proc/kpageflags (or --no-check)");

	page_size = (size_t)sysconf(_SC_PAGESIZE);
	pmd_size = 0;
	if (!read_choice(THP_DIR "/hpage_pmd_size", choice, sizeof(choice)))
		pmd_size = strtoul(choice, NULL, 10);
	if (!pmd_size) {
		if (need_thp)
			die("%s", "no transparent huge pages on this kernel (needed for order-9 and pmd)");
		pmd_size = page_size * 512;
	}
	if (pmd_size / page_size != 512)
		die("%s", "order-9 here means the PMD order of a 4 KiB-page x86-64 kernel (PMD = 512 pages)");
	if (!size || size % pmd_size)
		die("SIZE '%s' must be a nonzero multiple of the PMD size", argv[2]);
	if (need_thp)
		check_thp();

	if (count) {
		char err[256];
		double mean;

		if (tracepoint_open(err, sizeof(err)) ||
		    one_run((enum kind)kinds[0], size, iters, warmup, 0, check, 0, &mean, err, sizeof(err))) {
			fprintf(stderr, "plain-fork: %s: %s\n", kind_name[kinds[0]], err);
			return 1;
		}
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (run = 0; run < runs; run++) {
		for (i = 0; i < nk; i++) {
			struct result r;

			if (worker_run((enum kind)kinds[i], size, iters, warmup, check, run, &r)) {
				fprintf(stderr, "plain-fork: fork of a worker: %s\n", strerror(errno));
				return 2;
			}
			if (r.ok) {
				printf("%s %lu %.1f\n", kind_name[kinds[i]], run, r.mean);
			} else {
				fprintf(stderr, "plain-fork: %s run %lu: %s\n", kind_name[kinds[i]], run, r.err);
				failed = 1;
			}
		}
	}
	return failed;
}
