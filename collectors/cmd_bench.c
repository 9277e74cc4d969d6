// SPDX-License-Identifier: GPL-2.0
/* forkwatch bench: argument checking, set-up, and output around the engine. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collectors/bench.h"
#include "collectors/cmd.h"
#include "lib/fileio.h"
#include "collectors/knob.h"
#include "lib/opt.h"
#include "lib/parse.h"
#include "collectors/report.h"
#include "collectors/tune.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = sig;
}

const char *cmd_state_dir(void)
{
	const char *d = getenv("FORKWATCH_STATE_DIR");

	return d && *d ? d : "/var/lib/forkwatch";
}

int cmd_say(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("forkwatch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

struct bench_args {
	const char *size, *runs, *iterations, *munmap_iterations, *warmup, *layouts, *workloads;
	const char *events, *kernel_commit, *parent_commit, *json, *quiet, *wait, *tune;
};

static int parse_workloads(const char *spec, unsigned *mask)
{
	const char *p = spec;

	*mask = 0;
	if (!*spec || spec[strlen(spec) - 1] == ',')
		return cmd_say(2, "--workloads '%s': expected fork, munmap or fork,munmap", spec);
	while (*p) {
		size_t len = strcspn(p, ",");
		int w;

		for (w = 0; w < WL_COUNT; w++)
			if (strlen(bench_workload_names[w]) == len && !strncmp(p, bench_workload_names[w], len))
				break;
		if (w == WL_COUNT)
			return cmd_say(2, "--workloads '%s': unknown workload '%.*s': expected fork, munmap", spec,
				   (int)len, p);
		*mask |= 1u << w;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!*mask)
		return cmd_say(2, "--workloads '%s': expected fork, munmap or fork,munmap", spec);
	return 0;
}

static int parse_count(const char *opt, const char *s, uint64_t min, uint64_t max, unsigned *out)
{
	uint64_t v;

	if (parse_uint(s, min, max, &v))
		return cmd_say(2, "%s '%s': expected a whole number from %llu to %llu", opt, s,
			   (unsigned long long)min, (unsigned long long)max);
	*out = (unsigned)v;
	return 0;
}

static uint64_t mem_available(void)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned long long kb = 0;
	char *p;

	if (!strbuf_read_file(&sb, "/proc/meminfo", 1 << 16) && (p = strstr(sb.buf, "MemAvailable:")))
		sscanf(p, "MemAvailable: %llu kB", &kb);
	strbuf_release(&sb);
	return (uint64_t)kb * 1024;
}

struct progress {
	bool tty;
	bool quiet;
	unsigned last_run;
	struct bench_eta eta;
};

/* "42s", "4m05s", "1h02m" */
static void fmt_duration(char *buf, size_t len, double s)
{
	unsigned long t = (unsigned long)(s + 0.5);

	if (t < 60)
		snprintf(buf, len, "%lus", t);
	else if (t < 3600)
		snprintf(buf, len, "%lum%02lus", t / 60, t % 60);
	else
		snprintf(buf, len, "%luh%02lum", t / 3600, t / 60 % 60);
}

static void show_progress(void *ctx, unsigned run, unsigned runs, int ci, int ncases,
			  const struct bench_case *c, double elapsed)
{
	struct progress *pr = ctx;
	unsigned done = run * (unsigned)ncases + (unsigned)ci;
	unsigned total = runs * (unsigned)ncases;
	double left = bench_eta_step(&pr->eta, run, runs, ci, ncases, elapsed);
	char el[32], lf[32];

	if (pr->quiet)
		return;
	fmt_duration(el, sizeof(el), elapsed);
	fmt_duration(lf, sizeof(lf), left);
	if (pr->tty) {
		fprintf(stderr, "\r\033[Kforkwatch: run %u/%u  %s %-9s  case %u/%u  %s", run + 1, runs,
			bench_workload_names[c->wl], c->layout->name, done + 1, total, el);
		if (left >= 0)
			fprintf(stderr, ", about %s left", lf);
		fflush(stderr);
	} else if (run != pr->last_run || done == 0) {
		if (left >= 0)
			fprintf(stderr, "forkwatch: run %u/%u (%s elapsed, about %s left)\n", run + 1, runs,
				el, lf);
		else
			fprintf(stderr, "forkwatch: run %u/%u (%s elapsed)\n", run + 1, runs, el);
		pr->last_run = run;
	}
}

/*
 * Take the knob journal (the THP knobs' and --tune's places, restoring
 * what a killed run left) and the machine's benchmark lock.  With wait, a
 * lock another forkwatch holds is retried every 200 ms, saying so at once
 * and every 30 s, until it is free or a signal asks to stop (-EINTR).
 */
static int open_journal(struct knob_journal **kj, bool wait, int *restored, struct strbuf *err)
{
	const struct timespec tick = { 0, 200 * 1000 * 1000 };
	struct tune_places places;
	unsigned waited = 0;
	int ret;

	tune_places(cmd_sysroot(), &places);
	for (;;) {
		strbuf_reset(err);
		ret = knob_journal_open_in(kj, cmd_state_dir(), THP_SYSFS_DIR, places.list, restored, err);
		if (ret != -EBUSY || !wait)
			return ret;
		if (waited % 150 == 0)
			fprintf(stderr, "forkwatch: %s; waiting (%us so far)\n", err->buf, waited / 5);
		if (stop_requested)
			return -EINTR;
		nanosleep(&tick, NULL);
		waited++;
	}
}

/* Write the document to path through a temporary file and rename: never half-written. */
static int write_json(const char *path, const struct strbuf *doc)
{
	struct strbuf tmp = STRBUF_INIT, err = STRBUF_INIT;
	int fd, ret = 0;

	if (!strcmp(path, "-")) {
		if (fwrite(doc->buf, 1, doc->len, stdout) != doc->len || fflush(stdout))
			return cmd_say(2, "writing the result to standard output: %s", strerror(errno));
		return 0;
	}
	strbuf_addf(&tmp, "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = cmd_say(2, "--json '%s': cannot create '%s': %s", path, tmp.buf, strerror(errno));
		goto out;
	}
	if (fileio_commit(fd, tmp.buf, path, doc->buf, doc->len, &err))
		ret = cmd_say(2, "--json '%s': %s", path, err.buf);
out:
	strbuf_release(&tmp);
	strbuf_release(&err);
	return ret;
}

static const char bench_about[] =
	"Benchmark fork() (the call in the parent; the child exits at once) and munmap()\n"
	"(of the whole populated region) per folio layout, each run in a fresh process,\n"
	"layouts interleaved run by run, under perf counters.  Layouts: order-0, order-N\n"
	"(pte-mapped folios of order N: mTHP sizes, and the PMD order split from its PMD),\n"
	"pmd (PMD-mapped THP), all (every order this kernel offers).  Needs root: it reads\n"
	"/proc/kpageflags to verify layouts and sets mTHP knobs, which it journals and\n"
	"restores (also after a crash, at the next start).\n\n"
	"Events: METRIC or METRIC=EVENT, comma-separated; metrics cycles, instructions,\n"
	"dtlb_misses, cache_misses, tlb_flushes, page_faults, task_clock_ns; EVENT a libpfm4\n"
	"name (e.g. perf::CYCLES) or a tracepoint SYSTEM:NAME.";

int bench_main(int argc, char **argv, const struct opt *extra, const char *synopsis_extra,
	       const char *about_extra, struct strbuf *doc)
{
	struct bench_args a = { 0 };
	const struct opt bench_opts[] = {
		{ "size", "SIZE", "memory to populate per case (default 1G)", &a.size },
		{ "runs", "N", "runs, each a fresh process (default 8)", &a.runs },
		{ "iterations", "N", "measured forks per run (default 100)", &a.iterations },
		{ "munmap-iterations", "N", "measured munmaps per run (default min(10, --iterations))", &a.munmap_iterations },
		{ "warmup", "N", "unmeasured iterations before each run (default 3)", &a.warmup },
		{ "layouts", "LIST", "order-0,order-4,order-9,pmd (default) or all", &a.layouts },
		{ "workloads", "LIST", "fork,munmap (default)", &a.workloads },
		{ "events", "LIST", "counters to read instead of the default set", &a.events },
		{ "kernel-commit", "SHA", "the running kernel's commit (default: from uname -r)", &a.kernel_commit },
		{ "parent-commit", "SHA", "the commit it is compared against", &a.parent_commit },
		{ "json", "FILE|-", "write the result document to FILE or standard output", &a.json },
		{ "quiet", NULL, "no progress line", &a.quiet },
		{ "wait", NULL, "wait for another forkwatch benchmarking here to finish, instead of failing", &a.wait },
		{ "tune", NULL, "quiet the noise sources a knob can quiet (forkwatch check) for the run", &a.tune },
	};
	struct opt opts[sizeof(bench_opts) / sizeof(bench_opts[0]) + 17];
	struct strbuf synopsis = STRBUF_INIT, about = STRBUF_INIT;
	struct bench_result *res = NULL;
	struct bench_params *p;
	struct strbuf err = STRBUF_INIT, skipped = STRBUF_INIT, out = STRBUF_INIT, noisy = STRBUF_INIT;
	struct knob_journal *kj = NULL;
	struct progress pr = { 0 };
	struct sigaction sa;
	char defaults[64];
	uint64_t need, avail;
	size_t nopt = 0, i;
	int ret, restored, n;

	/* the caller's own options first, then the bench options */
	for (i = 0; extra && extra[i].name && nopt < 16; i++)
		opts[nopt++] = extra[i];
	for (i = 0; i < sizeof(bench_opts) / sizeof(bench_opts[0]); i++)
		opts[nopt++] = bench_opts[i];
	memset(&opts[nopt], 0, sizeof(opts[nopt]));
	strbuf_addstr(&synopsis, synopsis_extra ? synopsis_extra : "forkwatch bench");
	strbuf_addstr(&synopsis, " [--size 1G] [--runs 8] [--iterations 100] [--warmup 3]\n"
			  "          [--munmap-iterations 10] [--layouts LIST|all] [--workloads fork,munmap]\n"
			  "          [--events LIST] [--kernel-commit SHA] [--parent-commit SHA]\n"
			  "          [--json FILE|-] [--quiet] [--wait] [--tune]");
	if (about_extra)
		strbuf_addf(&about, "%s\n\n", about_extra);
	strbuf_addstr(&about, bench_about);

	ret = opt_parse(opts, argc, argv, &err);
	if (ret == 1) {
		opt_usage(stdout, synopsis.buf, about.buf, opts);
		ret = 0;
		goto out;
	}
	if (ret) {
		ret = cmd_say(2, "%s: see 'forkwatch %s --help'", err.buf, argv[0]);
		goto out;
	}
	res = calloc(1, sizeof(*res));
	if (!res) {
		ret = cmd_say(2, "out of memory");
		goto out;
	}
	p = &res->params;
	p->size = 1ULL << 30;
	p->runs = 8;
	p->iterations = 100;
	p->warmup = 3;
	p->workloads = (1u << WL_FORK) | (1u << WL_MUNMAP);
	if (a.size && (parse_size(a.size, &p->size) || p->size == 0)) {
		ret = cmd_say(2, "--size '%s': expected a size like 512M or 1G", a.size);
		goto out;
	}
	if ((a.runs && (ret = parse_count("--runs", a.runs, 1, BENCH_RUNS_MAX, &p->runs))) ||
	    (a.iterations && (ret = parse_count("--iterations", a.iterations, 1, 1000000, &p->iterations))) ||
	    (a.warmup && (ret = parse_count("--warmup", a.warmup, 0, 10000, &p->warmup))) ||
	    (a.workloads && (ret = parse_workloads(a.workloads, &p->workloads))))
		goto out;
	p->munmap_iterations = p->iterations < 10 ? p->iterations : 10;
	if (a.munmap_iterations &&
	    (ret = parse_count("--munmap-iterations", a.munmap_iterations, 1, 100000, &p->munmap_iterations)))
		goto out;
	if (a.kernel_commit && !ident_valid_sha(a.kernel_commit)) {
		ret = cmd_say(2, "--kernel-commit '%s': expected 7 to 40 lower-case hex digits", a.kernel_commit);
		goto out;
	}
	if (a.parent_commit && !ident_valid_sha(a.parent_commit)) {
		ret = cmd_say(2, "--parent-commit '%s': expected 7 to 40 lower-case hex digits", a.parent_commit);
		goto out;
	}

	layout_thp_probe(&p->thp, THP_SYSFS_DIR, (size_t)sysconf(_SC_PAGESIZE));
	if (p->thp.pmd_size && p->size % p->thp.pmd_size) {
		char pmd[16];

		parse_format_size(p->thp.pmd_size, pmd, sizeof(pmd));
		ret = cmd_say(2, "--size '%s': expected a multiple of %s (the PMD size here)", a.size, pmd);
		goto out;
	}
	snprintf(defaults, sizeof(defaults), "order-0,order-4,order-%d,pmd", p->thp.pmd_order);
	n = layout_parse_list(a.layouts ? a.layouts : defaults, &p->thp, !a.layouts, p->layouts,
			      LAYOUT_MAX, &skipped, &err);
	if (n < 0) {
		ret = cmd_say(2, "%s", err.buf);
		goto out;
	}
	p->nlayouts = n;

	if (geteuid() != 0) {
		ret = cmd_say(2, "bench needs root: it reads /proc/kpageflags to verify layouts and sets THP knobs "
			  "(run it with sudo)");
		goto out;
	}
	need = p->size + p->size / 128 + (64ULL << 20);
	avail = mem_available();
	if (avail && avail < need) {
		ret = cmd_say(2, "--size '%s' needs about %.1fG of available memory; this machine has %.1fG",
			  a.size ? a.size : "1G", (double)need / (1 << 30), (double)avail / (1 << 30));
		goto out;
	}
	if (ctr_init(&err) || ctr_set_build(&p->ctrs, a.events, &err)) {
		ret = cmd_say(2, "%s", err.buf);
		goto out;
	}
	ctr_release_resolver();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: waitpid must return to see the flag */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	ret = open_journal(&kj, a.wait != NULL, &restored, &err);
	if (ret == -EINTR) {
		ret = cmd_say(130, "interrupted by signal %d while waiting for the other forkwatch",
			      (int)stop_requested);
		goto out;
	}
	if (ret) {
		ret = cmd_say(2, "%s", err.buf);
		goto out;
	}
	if (restored)
		fprintf(stderr, "forkwatch: restored %d knob(s) that a killed run had changed\n", restored);
	if (skipped.len)
		fprintf(stderr, "forkwatch: this kernel does not offer %s: left out of the default matrix\n",
			skipped.buf);

	/* identity first: the host facts record the THP knobs as the lab set them */
	ident_kernel_read(&res->kernel);
	ident_host_read(&res->host);
	if (a.kernel_commit) {
		snprintf(res->kernel.commit, sizeof(res->kernel.commit), "%s", a.kernel_commit);
		res->kernel.commit_source = "option";
	}
	if (a.parent_commit)
		snprintf(res->kernel.parent_commit, sizeof(res->kernel.parent_commit), "%s", a.parent_commit);
	{
		char cpuid[32];

		cmd_hypervisor_cpuid(cmd_sysroot(), cpuid, sizeof(cpuid));
		/* NEEDSWORK: the CPUs --placement pins to, once it exists; today every online CPU */
		ret = tune_begin(&res->noise, cmd_sysroot(), NULL, cpuid, kj, a.tune != NULL, &err);
		if (ret) {
			ret = cmd_say(2, "%s", err.len ? err.buf : strerror(-ret));
			goto out;
		}
	}

	pr.tty = isatty(STDERR_FILENO);
	pr.quiet = a.quiet != NULL;
	pr.last_run = (unsigned)-1;
	ret = bench_run(res, kj, &stop_requested, show_progress, &pr, &err);
	noise_snapshot_finish(&res->noise, false);
	if (pr.tty && !pr.quiet)
		fputs("\r\033[K", stderr);
	knob_journal_free(kj); /* restores every knob it changed */
	kj = NULL;
	if (ret == -EINTR) {
		ret = cmd_say(2, "interrupted by signal %d; knobs restored, no result written",
			  (int)stop_requested);
		ret = 130;
		goto out;
	}
	if (ret) {
		ret = cmd_say(2, "%s", err.buf);
		goto out;
	}
	report_table(res, &out);
	if (noise_count_noisy(&res->noise, &noisy))
		strbuf_addf(&out, "noise sources active: %s (forkwatch check says more)\n", noisy.buf);
	if (a.json && !strcmp(a.json, "-"))
		fputs(out.buf, stderr);
	else
		fputs(out.buf, stdout);
	fflush(stdout);
	if (a.json || doc) {
		strbuf_reset(&out);
		bench_result_json(res, &out);
		if (a.json)
			ret = write_json(a.json, &out);
		if (doc)
			strbuf_add(doc, out.buf, out.len);
	}
out:
	strbuf_release(&synopsis);
	strbuf_release(&about);
	knob_journal_free(kj);
	if (res) {
		bench_result_release(res);
		free(res);
	}
	strbuf_release(&out);
	strbuf_release(&skipped);
	strbuf_release(&noisy);
	strbuf_release(&err);
	return ret;
}

int cmd_bench(int argc, char **argv)
{
	return bench_main(argc, argv, NULL, NULL, NULL, NULL);
}

int cmd_restore(int argc, char **argv)
{
	const char *wait = NULL;
	const struct opt opts[] = {
		{ "wait", NULL, "wait for a forkwatch benchmarking here to finish, instead of failing", &wait },
		{ NULL, NULL, NULL, NULL },
	};
	struct strbuf err = STRBUF_INIT;
	struct knob_journal *kj;
	int ret, restored;

	ret = opt_parse(opts, argc, argv, &err);
	if (ret == 1) {
		opt_usage(stdout, "forkwatch restore [--wait]",
			  "Restore the THP knobs and those of --tune that a killed forkwatch left changed,\n"
			  "from the journal in $FORKWATCH_STATE_DIR (default /var/lib/forkwatch).  Every\n"
			  "forkwatch bench does this at start too.", opts);
		return 0;
	}
	if (!ret)
		ret = open_journal(&kj, wait != NULL, &restored, &err);
	if (ret) {
		ret = cmd_say(2, "restore: %s", err.buf);
		strbuf_release(&err);
		return ret;
	}
	printf("forkwatch: restored %d knob(s)\n", restored);
	knob_journal_free(kj);
	strbuf_release(&err);
	return 0;
}
