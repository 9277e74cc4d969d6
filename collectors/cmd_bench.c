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

/* What bench's options set besides bench_params. */
struct bench_args {
	const char *layouts, *events, *kernel_commit, *parent_commit, *json;
	bool quiet, wait, tune;
	int placement;              /* enum placement */
};

static int opt_workloads(const struct opt *o, const char *s, struct strbuf *why)
{
	return bench_workloads_parse(s, o->dest.uint, why);
}

/* "fork,munmap": the workloads measured when --workloads is not given. */
static void default_workloads(struct strbuf *out)
{
	unsigned w;

	for (w = 0; w < bench_nworkloads; w++)
		if (bench_workloads[w].in_default)
			strbuf_addf(out, "%s%s", out->len ? "," : "", bench_workloads[w].name);
}

/*
 * bench's options, after the caller's extra ones, into opts (room for
 * BENCH_OPTS_MAX): the values go straight into p and a.  wl_default is
 * --workloads' default (default_workloads()), kept while opts is used.
 */
#define BENCH_OPTS_MAX 40
static void bench_options(struct opt *opts, const struct opt *extra, struct bench_params *p,
			  struct bench_args *a, const char *wl_default)
{
	const struct opt own[] = {
		{ OPT_SIZE("size", "SIZE", &p->size, 1, UINT64_MAX, "1G", "memory to populate per case") },
		{ OPT_UINT("runs", "N", &p->runs, 1, BENCH_RUNS_MAX, "8", "runs, each a fresh process") },
		{ OPT_UINT("iterations", "N", &p->iterations, 1, 1000000, "100",
			   "measured iterations per run") },
		{ OPT_UINT("fresh-iterations", "N", &p->fresh_iterations, 1, 100000, NULL,
			   "measured iterations per run of the workloads that need a fresh region each "
			   "(default min(10, --iterations))") },
		/* the name before 0.2: munmap was the only such workload */
		{ OPT_UINT("munmap-iterations", "N", &p->fresh_iterations, 1, 100000, NULL, ""),
		  .flags = OPT_HIDDEN },
		{ OPT_UINT("warmup", "N", &p->warmup, 0, 10000, "3", "unmeasured iterations before each run") },
		{ OPT_STRING("layouts", "LIST", &a->layouts, "order-0,order-4,order-9,pmd (default) or all") },
		{ OPT_FN("workloads", "LIST", &p->workloads, opt_workloads, "comma-separated, or all"),
		  .def = wl_default },
		{ OPT_STRING("events", "LIST", &a->events, "counters to read instead of the default set") },
		{ OPT_STRING("kernel-commit", "SHA", &a->kernel_commit,
			     "the running kernel's commit (default: from uname -r)"),
		  .valid = ident_valid_sha, .expect = "expected 7 to 40 lower-case hex digits" },
		{ OPT_STRING("parent-commit", "SHA", &a->parent_commit, "the commit it is compared against"),
		  .valid = ident_valid_sha, .expect = "expected 7 to 40 lower-case hex digits" },
		{ OPT_STRING("json", "FILE|-", &a->json, "write the result document to FILE or standard output") },
		{ OPT_FLAG("quiet", &a->quiet, "no progress line") },
		{ OPT_FLAG("wait", &a->wait,
			   "wait for another forkwatch benchmarking here to finish, instead of failing") },
		{ OPT_FLAG("tune", &a->tune,
			   "quiet the noise sources a knob can quiet (forkwatch check) for the run") },
		{ OPT_REAL("time-budget", "SECONDS", &p->time_budget_s, 1, 7 * 86400, NULL,
			   "add runs until each case is decided or the time is up (--runs: most per case, default 1000)"),
		  .expect = "expected seconds from 1 to 604800" },
		{ OPT_CHOICE("placement", "WHERE", &a->placement, placement_names,
			     placement_names[PLACEMENT_DEFAULT],
			     "same (parent and child on one CPU), split (on two) or free (the scheduler decides)") },
	};
	size_t n = 0, i;

	for (i = 0; extra && extra[i].name && n < BENCH_OPTS_MAX - 1 - sizeof(own) / sizeof(own[0]); i++)
		opts[n++] = extra[i];
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		opts[n++] = own[i];
	memset(&opts[n], 0, sizeof(opts[n]));
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
	double budget_s;	/* --time-budget, else 0 */
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
	/* --time-budget (runs 0): the runs are not known before, the time is */
	double left = runs ? bench_eta_step(&pr->eta, run, runs, ci, ncases, elapsed) : -1;
	char el[32], lf[32];

	if (pr->quiet)
		return;
	if (!runs) {
		/* --time-budget: the runs are not known before, the time is */
		if (pr->tty) {
			fprintf(stderr, "\r\033[Kforkwatch: %s %-9s run %u  %.0fs of %.0fs",
				c->wl->name, c->layout->name, run + 1, elapsed, pr->budget_s);
			fflush(stderr);
		} else if (pr->last_run == (unsigned)-1 || elapsed >= (double)pr->last_run + 30) {
			fprintf(stderr, "forkwatch: %.0fs of %.0fs\n", elapsed, pr->budget_s);
			pr->last_run = (unsigned)elapsed;
		}
		return;
	}
	fmt_duration(el, sizeof(el), elapsed);
	fmt_duration(lf, sizeof(lf), left);
	if (pr->tty) {
		fprintf(stderr, "\r\033[Kforkwatch: run %u/%u  %s %-9s  case %u/%u  %s", run + 1, runs,
			c->wl->name, c->layout->name, done + 1, total, el);
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
int cmd_write_json(const char *path, const struct strbuf *doc)
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
	"Benchmark memory-management calls per folio layout, each run in a fresh process,\n"
	"layouts interleaved run by run, under perf counters.  Layouts: order-0, order-N\n"
	"(pte-mapped folios of order N: mTHP sizes, and the PMD order split from its PMD),\n"
	"pmd (PMD-mapped THP), all (every order this kernel offers).  Needs root: it reads\n"
	"/proc/kpageflags to verify layouts and sets mTHP knobs, which it journals and\n"
	"restores (also after a crash, at the next start).\n\n"
	"Events: METRIC or METRIC=EVENT, comma-separated; metrics cycles, instructions,\n"
	"dtlb_misses, cache_misses, tlb_flushes, page_faults, task_clock_ns; EVENT a libpfm4\n"
	"name (e.g. perf::CYCLES) or a tracepoint SYSTEM:NAME.\n\n"
	"--time-budget SECONDS: instead of --runs rounds, rounds of the cases still going\n"
	"until the 95% interval of each case's comparison would reach +-half its budget\n"
	"(order-0 1%, others 2%: the server's defaults), judged on the spread of its runs\n"
	"so far and never on a change or a p-value, or until its next run would not fit\n"
	"in the time left.  The table and the document say how many runs each case took.\n\n"
	"Workloads: what is timed (*: a fresh region each iteration, --fresh-iterations;\n"
	"+: timed with no counter open, counted in a pass of untimed calls after the timed ones)";

/* The about text: the caller's, bench's, then every workload of the table. */
static void bench_about_text(struct strbuf *about, const char *about_extra)
{
	unsigned w;

	if (about_extra)
		strbuf_addf(about, "%s\n\n", about_extra);
	strbuf_addstr(about, bench_about);
	for (w = 0; w < bench_nworkloads; w++)
		strbuf_addf(about, "\n  %-10s %s%s%s", bench_workloads[w].name, bench_workloads[w].about,
			    bench_workloads[w].fresh ? " *" : "", bench_workloads[w].count_apart ? " +" : "");
}

/*
 * What the options alone cannot check: sizes against the machine, the
 * layouts this kernel offers, root, memory, counters.  An exit code.
 */
static int bench_check(struct bench_params *p, const struct bench_args *a, struct strbuf *skipped)
{
	struct strbuf err = STRBUF_INIT;
	struct noise_cpuset allowed;
	char defaults[64], sz[16];
	uint64_t need, avail;
	int n, ret = 0;

	ret = placement_allowed(&allowed);
	if (ret) {
		ret = cmd_say(2, "cannot read this process's CPU affinity: %s", strerror(-ret));
		goto out;
	}
	if (placement_choose((enum placement)a->placement, &allowed, &p->placement)) {
		noise_cpuset_format(&allowed, &err);
		ret = cmd_say(2, "--placement '%s' needs %s; this process may run on CPU %s only",
			      placement_names[a->placement],
			      a->placement == PLACEMENT_SPLIT ? "two CPUs" : "a CPU", err.buf);
		goto out;
	}

	if (!p->fresh_iterations)
		p->fresh_iterations = p->iterations < 10 ? p->iterations : 10;
	layout_thp_probe(&p->thp, THP_SYSFS_DIR, (size_t)sysconf(_SC_PAGESIZE));
	parse_format_size(p->size, sz, sizeof(sz));
	if (p->thp.pmd_size && p->size % p->thp.pmd_size) {
		char pmd[16];

		parse_format_size(p->thp.pmd_size, pmd, sizeof(pmd));
		ret = cmd_say(2, "--size '%s': expected a multiple of %s (the PMD size here)", sz, pmd);
		goto out;
	}
	snprintf(defaults, sizeof(defaults), "order-0,order-4,order-%d,pmd", p->thp.pmd_order);
	n = layout_parse_list(a->layouts ? a->layouts : defaults, &p->thp, !a->layouts, p->layouts,
			      LAYOUT_MAX, skipped, &err);
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
			  sz, (double)need / (1 << 30), (double)avail / (1 << 30));
		goto out;
	}
	if (ctr_init(&err) || ctr_set_build(&p->ctrs, a->events, &err)) {
		ret = cmd_say(2, "%s", err.buf);
		goto out;
	}
	ctr_release_resolver();
out:
	strbuf_release(&err);
	return ret;
}

int bench_main(int argc, char **argv, const struct opt *extra, const char *synopsis_extra,
	       const char *about_extra, struct strbuf *doc)
{
	struct bench_args a = { 0 };
	struct opt opts[BENCH_OPTS_MAX];
	struct strbuf synopsis = STRBUF_INIT, about = STRBUF_INIT, defaults = STRBUF_INIT;
	struct bench_result *res = NULL;
	struct bench_params *p;
	struct strbuf err = STRBUF_INIT, skipped = STRBUF_INIT, out = STRBUF_INIT, noisy = STRBUF_INIT;
	struct knob_journal *kj = NULL;
	struct progress pr = { 0 };
	struct sigaction sa;
	uint64_t given;
	int ret, restored;

	res = calloc(1, sizeof(*res));
	if (!res) {
		ret = cmd_say(2, "out of memory");
		goto out;
	}
	p = &res->params;
	default_workloads(&defaults);
	bench_options(opts, extra, p, &a, defaults.buf);
	ret = opt_parse(opts, argc, argv, 0, &given, &err);
	if (ret == 1) {
		strbuf_addstr(&synopsis, synopsis_extra ? synopsis_extra : "forkwatch bench");
		strbuf_addstr(&synopsis, " [--size 1G] [--runs 8] [--iterations 100] [--warmup 3]\n"
				  "          [--fresh-iterations 10] [--layouts LIST|all] [--workloads LIST|all]\n"
				  "          [--events LIST] [--kernel-commit SHA] [--parent-commit SHA]\n"
				  "          [--json FILE|-] [--quiet] [--wait] [--tune] [--time-budget SECONDS]\n"
				  "          [--placement same|split|free]");
		bench_about_text(&about, about_extra);
		opt_usage(stdout, synopsis.buf, about.buf, opts);
		ret = 0;
		goto out;
	}
	if (ret == -EINVAL) {
		ret = cmd_say(2, "%s: see 'forkwatch %s --help'", err.buf, argv[0]);
		goto out;
	}
	if (ret) {
		ret = cmd_say(2, "%s", err.buf);
		goto out;
	}
	if (given & (1ULL << (opt_find(opts, "munmap-iterations", 17) - opts)))
		fprintf(stderr, "forkwatch: --munmap-iterations is now --fresh-iterations: the iterations of "
			"every workload that needs a fresh region\n");
	if (p->time_budget_s > 0) {
		if (!(given & (1ULL << (opt_find(opts, "runs", 4) - opts)))) {
			p->runs = BENCH_RUNS_MAX;
		} else if (p->runs < 5) {
			ret = cmd_say(2, "--runs '%u' with --time-budget: a case takes at least 5 runs "
				      "before its spread is known", p->runs);
			goto out;
		}
	}
	if ((ret = bench_check(p, &a, &skipped)))
		goto out;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: waitpid must return to see the flag */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	ret = open_journal(&kj, a.wait, &restored, &err);
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
		struct noise_cpuset used = { { 0 } };

		/* the CPUs --placement pins to; free: every online CPU */
		if (p->placement.how != PLACEMENT_FREE)
			placement_cpuset(&p->placement, &used, &used);
		ret = tune_begin(&res->noise, cmd_sysroot(),
				 p->placement.how == PLACEMENT_FREE ? NULL : &used, cpuid, kj, a.tune, &err);
		if (ret) {
			ret = cmd_say(2, "%s", err.len ? err.buf : strerror(-ret));
			goto out;
		}
	}

	pr.tty = isatty(STDERR_FILENO);
	pr.quiet = a.quiet;
	pr.last_run = (unsigned)-1;
	pr.budget_s = p->time_budget_s;
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
			ret = cmd_write_json(a.json, &out);
		if (doc)
			strbuf_add(doc, out.buf, out.len);
	}
out:
	strbuf_release(&synopsis);
	strbuf_release(&about);
	strbuf_release(&defaults);
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
	bool wait = false;
	const struct opt opts[] = {
		{ OPT_FLAG("wait", &wait, "wait for a forkwatch benchmarking here to finish, instead of failing") },
		{ OPT_END },
	};
	struct strbuf err = STRBUF_INIT;
	struct knob_journal *kj;
	int ret, restored;

	ret = opt_parse(opts, argc, argv, 0, NULL, &err);
	if (ret == 1) {
		opt_usage(stdout, "forkwatch restore [--wait]",
			  "Restore the THP knobs and those of --tune that a killed forkwatch left changed,\n"
			  "from the journal in $FORKWATCH_STATE_DIR (default /var/lib/forkwatch).  Every\n"
			  "forkwatch bench does this at start too.", opts);
		return 0;
	}
	if (!ret)
		ret = open_journal(&kj, wait, &restored, &err);
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
