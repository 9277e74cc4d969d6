// SPDX-License-Identifier: GPL-2.0
#include "collectors/bench.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collectors/budget.h"
#include "lib/cmp.h"
#include "lib/jsonw.h"

/*
 * Everything a run records lives in one MAP_SHARED arena mapped before the
 * first worker is forked: workers write their results in place, and the
 * parent's private memory stays as small as at the start.  That matters:
 * every anonymous page a worker inherits is copied by each measured
 * fork(), and results kept on the parent's heap would make later runs
 * fork slower than earlier ones.  Shared mappings are not copied by fork().
 */
struct arena {
	char *base;
	size_t len, used;
};

static void *arena_alloc(struct arena *a, size_t size)
{
	size_t off = (a->used + 63) & ~(size_t)63;

	if (off + size > a->len)
		abort(); /* sized exactly in bench_run(): a programming error */
	a->used = off + size;
	return a->base + off;
}

static size_t run_bytes(unsigned iters, int nctr)
{
	return ((iters * sizeof(uint64_t) + 63) & ~(size_t)63) +
	       (((size_t)iters * (size_t)nctr * sizeof(struct ctr_reading) + 63) & ~(size_t)63) + 128;
}

static void check_region(const struct bench_params *p, const struct layout *l, void *addr,
			 struct bench_check *c)
{
	struct strbuf why = STRBUF_INIT;
	int ret;

	c->done = true;
	ret = folio_hist_read(addr, p->size, p->thp.page_size, &c->hist);
	if (ret) {
		c->ok = false;
		snprintf(c->why, sizeof(c->why), "cannot verify: %s%s", strerror(-ret),
			 ret == -EPERM || ret == -EACCES ? " (reading /proc/kpageflags needs root)" : "");
		return;
	}
	c->ok = layout_check(l, p->size, &c->hist, &why);
	snprintf(c->why, sizeof(c->why), "%s", why.buf);
	strbuf_release(&why);
}

void bench_cpus_seen_add(struct bench_cpus_seen *s, int cpu)
{
	unsigned i;

	if (cpu < 0)
		return;
	for (i = 0; i < s->n; i++)
		if (s->cpu[i] == cpu)
			return;
	if (s->n < BENCH_CPUS_SEEN)
		s->cpu[s->n++] = (int16_t)cpu;
	else
		s->more = true;
}

/* Where a fork child goes and notes its CPU (the shared run record). */
struct child_place {
	bool move;
	cpu_set_t set;
	struct bench_run *r;
};

/*
 * In each fork child before it exits: --placement split moves it to the
 * child's CPU, so that its exit, which tears down the copied address
 * space, runs there; then it notes its CPU in the shared run record.
 */
static void child_placed(struct wl_ctx *w)
{
	struct child_place *cp = w->child_ctx;

	if (cp->move)
		sched_setaffinity(0, sizeof(cp->set), &cp->set);
	bench_cpus_seen_add(&cp->r->child_cpus, sched_getcpu());
}

/* What one worker works with: its run, its region, its counters. */
struct wk {
	const struct bench_params *p;
	const struct bench_case *c;
	struct bench_run *r;
	struct wl_ctx w;
	struct strbuf err;
};

/*
 * One pass over the run's warm-up and measured iterations.  g NULL: the
 * calls are timed with no counter enabled (the timing pass of a workload
 * that counts apart).  timed false: the counters g are enabled around
 * each call and read, the times not kept (its counting pass).  Otherwise
 * both, as every other workload runs.  0 or -1 with wk->err set.
 */
static int pass(struct wk *k, struct ctr_group *g, bool timed)
{
	const struct bench_params *p = k->p;
	const struct bench_case *c = k->c;
	const struct bench_workload *wl = c->wl;
	struct bench_run *r = k->r;
	struct ctr_reading scratch[CTR_MAX];
	unsigned total = p->warmup + c->iterations, i;
	uint64_t t_measured = 0;
	int ret;

	if (g)
		ctr_group_read(g, scratch); /* baseline for the deltas */
	k->w.g = g;
	for (i = 0; i < total; i++) {
		bool measured = i >= p->warmup;

		if (i == p->warmup)
			t_measured = wl_now_ns();

		if (wl->fresh) {
			ret = layout_populate(c->layout, &p->thp, p->size, &k->w.addr, &k->err);
			if (ret)
				return -1;
			/* verify the first and the last measured region just before the call */
			if (i == p->warmup)
				check_region(p, c->layout, k->w.addr, &r->before);
			if (i == total - 1)
				check_region(p, c->layout, k->w.addr, &r->after);
		}
		k->w.on = 0;
		k->w.ns = 0;
		ret = wl->measure(&k->w);
		if (wl->fresh && k->w.addr) {
			munmap(k->w.addr, p->size); /* what the call left of the region, untimed */
			k->w.addr = NULL;
		}
		if (ret) {
			strbuf_addf(&k->err, "%s: %s", wl->name, strerror(-ret));
			return -1;
		}
		if (timed) /* where the timed calls ran */
			bench_cpus_seen_add(&r->parent_cpus, sched_getcpu());
		if (k->w.on) {
			strbuf_addstr(&k->err, "starting the counters failed");
			return -1;
		}
		if (g && ctr_group_read(g, measured ? r->rd + (size_t)(i - p->warmup) * (size_t)p->ctrs.n : scratch)) {
			strbuf_addstr(&k->err, "reading the counters failed");
			return -1;
		}
		if (measured && timed) {
			r->ns[i - p->warmup] = k->w.ns;
			r->iters = i - p->warmup + 1;
		}
	}
	r->measured_ns += wl_now_ns() - t_measured;
	return 0;
}

bool bench_counts_apart(const struct bench_workload *wl, const struct ctr_set *set)
{
	int i;

	if (!wl->count_apart)
		return false;
	for (i = 0; i < set->n; i++)
		if (set->spec[i].supported)
			return true;
	return false; /* nothing to count: no second pass */
}

static int open_counters(struct wk *k, struct ctr_group **g)
{
	int ret = ctr_group_open(g, &k->p->ctrs);

	if (ret) {
		strbuf_addf(&k->err, "cannot open counters: %s", strerror(-ret));
		return -1;
	}
	k->r->grouped = ctr_group_is_grouped(*g);
	return 0;
}

/*
 * The worker: one run of one case; never returns.  A workload that
 * counts apart opens its counters only after its timing pass: an open
 * tracepoint costs each call that fires it even while disabled (perf's
 * probe runs and finds no event enabled), about 2 % of an mremap().
 */
static void __attribute__((noreturn))
worker(const struct bench_params *p, const struct bench_case *c, struct bench_run *r, pid_t parent)
{
	const struct bench_workload *wl = c->wl;
	struct wk k = { p, c, r, { .size = p->size, .align = p->thp.pmd_size ? p->thp.pmd_size : p->thp.page_size },
			STRBUF_INIT };
	struct child_place cp = { p->placement.how == PLACEMENT_SPLIT, { { 0 } }, r };
	struct ctr_group *g = NULL;
	int ret;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(3);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);

	/* pinned before it maps anything: populate's first touches land on its CPU's node */
	if (p->placement.how != PLACEMENT_FREE) {
		ret = placement_pin(p->placement.parent);
		if (ret) {
			snprintf(r->error, sizeof(r->error), "cannot pin the worker to CPU %d: %s",
				 p->placement.parent, strerror(-ret));
			_exit(2);
		}
	}
	CPU_ZERO(&cp.set);
	if (cp.move)
		CPU_SET(p->placement.child, &cp.set);
	k.w.child = child_placed;
	k.w.child_ctx = &cp;

	if (!wl->count_apart && open_counters(&k, &g))
		goto fail;
	if (!wl->fresh) {
		ret = layout_populate(c->layout, &p->thp, p->size, &k.w.addr, &k.err);
		if (ret)
			goto fail;
		check_region(p, c->layout, k.w.addr, &r->before);
	}
	if (wl->setup && (ret = wl->setup(&k.w))) {
		strbuf_addf(&k.err, "%s: setting up: %s", wl->name, strerror(-ret));
		goto fail;
	}
	if (pass(&k, g, true))
		goto fail;
	if (!wl->fresh)
		check_region(p, c->layout, k.w.addr, &r->after); /* where the timed calls left it */
	if (bench_counts_apart(wl, &p->ctrs)) {
		if (open_counters(&k, &g) || pass(&k, g, false))
			goto fail;
		r->counted_apart = true;
	}
	r->done = true;
	_exit(0);
fail:
	snprintf(r->error, sizeof(r->error), "%s", k.err.buf);
	_exit(2);
}

static void iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void make_uuid(char out[37])
{
	unsigned char b[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC), i;
	ssize_t n = fd >= 0 ? read(fd, b, sizeof(b)) : -1;

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(b)) {
		/* no /dev/urandom: time and pid still make collisions unlikely */
		uint64_t x = wl_now_ns() ^ ((uint64_t)getpid() << 32);

		for (i = 0; i < 16; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			b[i] = (unsigned char)(x >> 56);
		}
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

/* Run one case once in a fresh worker, which records into r. */
static int run_one(struct bench_result *res, struct bench_case *c, struct bench_run *r,
		   volatile sig_atomic_t *stop)
{
	const struct bench_params *p = &res->params;
	pid_t pid, parent = getpid();
	uint64_t t0 = wl_now_ns();
	int status;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		worker(p, c, r, parent);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
		if (*stop) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -EINTR;
		}
	}
	r->wall_ns = wl_now_ns() - t0;
	if (r->grouped)
		res->grouped = true;
	r->ok = r->done && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (!r->ok && !r->error[0]) {
		if (WIFSIGNALED(status))
			snprintf(r->error, sizeof(r->error), "worker killed by signal %d (%s)%s",
				 WTERMSIG(status), strsignal(WTERMSIG(status)),
				 WTERMSIG(status) == SIGKILL ? ": out of memory?" : "");
		else
			snprintf(r->error, sizeof(r->error), "worker exited with status %d",
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	return 0;
}

/* What the run loops share: the result, the knobs, the progress callback. */
struct loop {
	struct bench_result *res;
	struct knob_journal *kj;
	volatile sig_atomic_t *stop;
	bench_progress_fn progress;
	void *ctx;
	struct strbuf *err;
	uint64_t start;
};

/* Run r of case i: the case's knobs, a fresh worker. */
static int loop_one(struct loop *lp, int i, unsigned r)
{
	struct bench_result *res = lp->res;
	struct bench_case *c = &res->cases[i];
	int ret;

	if (*lp->stop)
		return -EINTR;
	if (lp->progress)
		lp->progress(lp->ctx, r, res->params.time_budget_s > 0 ? 0 : res->params.runs, i,
			     res->ncases, c, (double)(wl_now_ns() - lp->start) / 1e9);
	ret = layout_apply_knobs(c->layout, &res->params.thp, lp->kj, lp->err);
	if (ret)
		return ret;
	ret = run_one(res, c, &c->runs[r], lp->stop);
	if (ret == -EINTR)
		return ret;
	if (ret) {
		strbuf_addf(lp->err, "run %u of %s %s: %s", r + 1, c->wl->name,
			    c->layout->name, strerror(-ret));
		return ret;
	}
	c->nruns = r + 1;
	return 0;
}

/* budget_run()'s callbacks: a run, and its per-run statistic (the mean time) */
static int budget_one(void *ctx, int i, unsigned r, double *value)
{
	struct loop *lp = ctx;
	struct bench_case *c = &lp->res->cases[i];
	const struct bench_run *run = &c->runs[r];
	double sum = 0;
	unsigned k;
	int ret = loop_one(lp, i, r);

	if (ret)
		return ret;
	*value = NAN;
	if (run->ok && run->iters) {
		for (k = 0; k < run->iters; k++)
			sum += (double)run->ns[k];
		*value = sum / run->iters;
	}
	return 0;
}

static double budget_clock(void *ctx)
{
	(void)ctx;
	return (double)wl_now_ns() / 1e9;
}

/* The time budget's rounds (collectors/budget.h); params.runs becomes the most runs a case took. */
static int loop_budget(struct loop *lp)
{
	struct bench_result *res = lp->res;
	struct bench_params *p = &res->params;
	double *pct = calloc((size_t)res->ncases, sizeof(*pct));
	struct budget b;
	unsigned most = 0;
	int i, ret;

	if (!pct)
		return -ENOMEM;
	for (i = 0; i < res->ncases; i++)
		pct[i] = bench_case_budget_pct(&res->cases[i]);
	ret = budget_init(&b, p->time_budget_s, p->runs, res->ncases, pct);
	free(pct);
	if (ret)
		return ret;
	ret = budget_run(&b, budget_one, budget_clock, lp);
	if (ret == -EINVAL && !lp->err->len)
		strbuf_addf(lp->err, "--time-budget needs --runs of at least %u", b.stop.min_runs);
	for (i = 0; !ret && i < res->ncases; i++) {
		struct bench_case *c = &res->cases[i];
		const struct budget_case *bc = &b.cases[i];

		c->end = (int)bc->end;
		c->budget_pct = bc->budget_pct;
		c->half_width_pct = bc->runs ? bc->last.half_width_pct : NAN;
		c->target_pct = bc->runs ? bc->last.target_pct : NAN;
		if (c->nruns > most)
			most = c->nruns;
	}
	if (!ret) {
		p->runs = most;
		res->elapsed_s = b.elapsed_s;
	}
	budget_release(&b);
	return ret;
}

int bench_run(struct bench_result *res, struct knob_journal *kj, volatile sig_atomic_t *stop,
	      bench_progress_fn progress, void *ctx, struct strbuf *err)
{
	struct bench_params *p = &res->params;
	struct loop lp = { res, kj, stop, progress, ctx, err, wl_now_ns() };
	unsigned run, w;
	int i, ret;
	struct arena a = { NULL, 0, 0 };
	unsigned r;

	make_uuid(res->run_uuid);
	iso_now(res->started_at, sizeof(res->started_at));
	res->ncases = 0;
	res->cases = calloc((size_t)p->nlayouts * bench_nworkloads, sizeof(*res->cases));
	if (!res->cases)
		return -ENOMEM;
	for (i = 0; i < p->nlayouts; i++) {
		for (w = 0; w < bench_nworkloads; w++) {
			struct bench_case *c;

			if (!(p->workloads & (1u << w)))
				continue;
			c = &res->cases[res->ncases++];
			c->wl = &bench_workloads[w];
			c->layout = &p->layouts[i];
			c->iterations = c->wl->fresh ? p->fresh_iterations : p->iterations;
			c->half_width_pct = c->target_pct = NAN;
			a.len += p->runs * (sizeof(struct bench_run) + 64 +
					    run_bytes(c->iterations, p->ctrs.n));
		}
	}
	/* with a time budget most of it stays untouched: no swap or commit is reserved for it */
	a.base = mmap(NULL, a.len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
		      -1, 0);
	if (a.base == MAP_FAILED) {
		strbuf_addf(err, "cannot map %zu bytes for the results: %s", a.len, strerror(errno));
		return -ENOMEM;
	}
	res->arena = a.base;
	res->arena_len = a.len;
	for (i = 0; i < res->ncases; i++) {
		struct bench_case *c = &res->cases[i];

		c->runs = arena_alloc(&a, p->runs * sizeof(*c->runs));
		for (r = 0; r < p->runs; r++) {
			c->runs[r].ns = arena_alloc(&a, c->iterations * sizeof(uint64_t));
			c->runs[r].rd = arena_alloc(&a, (size_t)c->iterations * (size_t)p->ctrs.n *
							    sizeof(struct ctr_reading));
		}
	}
	if (p->time_budget_s > 0) {
		ret = loop_budget(&lp);
	} else {
		ret = 0;
		for (run = 0; !ret && run < p->runs; run++)
			for (i = 0; !ret && i < res->ncases; i++)
				ret = loop_one(&lp, i, run);
	}
	if (!(p->time_budget_s > 0))
		res->elapsed_s = (double)(wl_now_ns() - lp.start) / 1e9;
	if (ret)
		return ret;
	iso_now(res->finished_at, sizeof(res->finished_at));
	return 0;
}

double bench_case_budget_pct(const struct bench_case *c)
{
	return c->layout->kind == LAYOUT_ORDER0 ? 1.0 : 2.0;
}

void bench_result_release(struct bench_result *res)
{
	if (res->arena)
		munmap(res->arena, res->arena_len);
	res->arena = NULL;
	free(res->cases);
	res->cases = NULL;
	res->ncases = 0;
	noise_snapshot_release(&res->noise);
}

unsigned bench_case_verified(const struct bench_result *res, const struct bench_case *c,
			     const char **why)
{
	unsigned r, ok = 0;

	(void)res; /* the runs are the case's own now (nruns) */
	if (why)
		*why = NULL;
	for (r = 0; r < c->nruns; r++) {
		const struct bench_run *run = &c->runs[r];
		const char *w = run->before.done && !run->before.ok ? run->before.why :
				run->after.done && !run->after.ok ? run->after.why : NULL;

		ok += run->before.done && run->before.ok && run->after.done && run->after.ok;
		if (why && w && !*why)
			*why = w;
	}
	return ok;
}

unsigned bench_case_run_means(const struct bench_result *res, const struct bench_case *c,
			      int metric, double *means)
{
	int nctr = res->params.ctrs.n;
	unsigned r, k = 0, i;

	for (r = 0; r < c->nruns; r++) {
		const struct bench_run *run = &c->runs[r];
		double sum = 0;
		unsigned n = 0;

		if (!run->ok || !run->iters)
			continue;
		for (i = 0; i < run->iters; i++) {
			if (metric < 0) {
				sum += (double)run->ns[i];
				n++;
			} else if (run->rd[(size_t)i * (size_t)nctr + (size_t)metric].valid) {
				sum += (double)run->rd[(size_t)i * (size_t)nctr + (size_t)metric].value;
				n++;
			}
		}
		if (n)
			means[k++] = sum / n;
	}
	return k;
}

/* JSON */

static void json_hist(struct jw *jw, const struct folio_hist *h)
{
	int o;

	jw_obj_begin(jw, "folios");
	for (o = 0; o <= FOLIO_MAX_ORDER; o++) {
		char key[8];

		if (!h->folios[o])
			continue;
		snprintf(key, sizeof(key), "%d", o);
		jw_u64(jw, key, h->folios[o]);
	}
	jw_obj_end(jw);
	jw_u64(jw, "pages", h->pages);
	jw_u64(jw, "present_pages", h->present);
	jw_u64(jw, "partial_pages", h->partial);
	jw_u64(jw, "anon_huge_kb", h->anon_huge_kb);
	jw_u64(jw, "rss_kb", h->rss_kb);
}

static void json_check(struct jw *jw, const char *key, const struct bench_check *c)
{
	if (!c->done) {
		jw_null(jw, key);
		return;
	}
	jw_obj_begin(jw, key);
	jw_bool(jw, "ok", c->ok);
	json_hist(jw, &c->hist);
	if (c->ok)
		jw_null(jw, "reason");
	else
		jw_str(jw, "reason", c->why);
	jw_obj_end(jw);
}

static void json_cpus_seen(struct jw *jw, const char *key, const struct bench_cpus_seen *s)
{
	unsigned i;

	jw_arr_begin(jw, key);
	for (i = 0; i < s->n; i++)
		jw_i64(jw, NULL, s->cpu[i]);
	jw_arr_end(jw);
	if (s->more) {
		char more[32];

		snprintf(more, sizeof(more), "%s_more", key);
		jw_bool(jw, more, true);
	}
}

static bool case_multiplexed(const struct bench_result *res, const struct bench_case *c, int m,
			     unsigned *count)
{
	unsigned r, i;
	int n = res->params.ctrs.n;

	*count = 0;
	for (r = 0; r < c->nruns; r++)
		for (i = 0; i < c->runs[r].iters; i++) {
			const struct ctr_reading *rd = &c->runs[r].rd[(size_t)i * (size_t)n + (size_t)m];

			if (ctr_reading_multiplexed(rd))
				(*count)++;
		}
	return *count > 0;
}

/*
 * The time's variance split between runs and within a run (lib/cmp.h,
 * cmp_components()), in % of the mean as standard deviations: whether
 * more runs or more iterations pay (lib/plan.h).
 */
static void json_variance(const struct bench_case *c, struct jw *jw)
{
	struct cmp_group g[BENCH_RUNS_MAX];
	struct cmp_components vc;
	double *v = NULL;
	size_t ng = 0, nv = 0, off = 0;
	unsigned r, i;

	for (r = 0; r < c->nruns; r++)
		if (c->runs[r].ok)
			nv += c->runs[r].iters;
	v = calloc(nv ? nv : 1, sizeof(*v));
	if (!v) {
		jw_null(jw, "variance");
		return;
	}
	for (r = 0; r < c->nruns; r++) {
		const struct bench_run *run = &c->runs[r];

		if (!run->ok || !run->iters)
			continue;
		for (i = 0; i < run->iters; i++)
			v[off + i] = (double)run->ns[i];
		g[ng++] = (struct cmp_group){ v + off, run->iters };
		off += run->iters;
	}
	cmp_components(g, ng, &vc);
	free(v);
	jw_obj_begin(jw, "variance");
	jw_u64(jw, "runs", vc.groups);
	jw_u64(jw, "iterations", vc.values);
	if (vc.mean > 0) {
		jw_double(jw, "between_runs_sd_pct", 100 * sqrt(vc.var_between) / vc.mean);
		jw_double(jw, "within_run_sd_pct", 100 * sqrt(vc.var_within) / vc.mean);
	} else {
		jw_null(jw, "between_runs_sd_pct");
		jw_null(jw, "within_run_sd_pct");
	}
	jw_double(jw, "between_share", vc.icc);
	jw_double(jw, "p", vc.p);
	jw_obj_end(jw);
}

static void json_case(const struct bench_result *res, const struct bench_case *c,
		      struct jw *jw)
{
	const struct ctr_set *cs = &res->params.ctrs;
	const struct bench_run *first = NULL;
	const char *why;
	unsigned r, i, runs_ok = 0, checks_ok = bench_case_verified(res, c, &why);
	int m;

	jw_obj_begin(jw, NULL);
	jw_str(jw, "workload", c->wl->name);
	jw_str(jw, "layout", c->layout->name);
	jw_i64(jw, "order", c->layout->order);
	jw_str(jw, "mapping", c->layout->kind == LAYOUT_PMD ? "pmd" : "pte");
	jw_u64(jw, "iterations", c->iterations);
	jw_bool(jw, "counted_apart", bench_counts_apart(c->wl, cs));

	for (r = 0; r < c->nruns; r++) {
		const struct bench_run *run = &c->runs[r];

		runs_ok += run->ok;
		if (!first && run->before.done)
			first = run;
	}
	jw_obj_begin(jw, "layout_check");
	jw_bool(jw, "ok", checks_ok == c->nruns);
	jw_u64(jw, "runs_verified", checks_ok);
	jw_u64(jw, "runs", c->nruns);
	if (first)
		json_hist(jw, &first->before.hist);
	if (checks_ok == c->nruns)
		jw_null(jw, "reason");
	else
		jw_str(jw, "reason", why ? why : "run failed before verification");
	jw_obj_end(jw);

	jw_obj_begin(jw, "counters");
	for (m = 0; m < cs->n; m++) {
		const struct ctr_spec *s = &cs->spec[m];
		unsigned mux;

		jw_obj_begin(jw, s->metric);
		if (s->supported) {
			jw_str(jw, "status", "ok");
			jw_str(jw, "event", s->event);
			jw_str(jw, "encoding", s->encoding);
			jw_bool(jw, "multiplexed", case_multiplexed(res, c, m, &mux));
			jw_u64(jw, "multiplexed_iterations", mux);
		} else {
			jw_str(jw, "status", "unsupported");
			jw_str(jw, "reason", s->reason);
			if (s->event[0])
				jw_str(jw, "event", s->event);
		}
		jw_obj_end(jw);
	}
	jw_obj_end(jw);

	json_variance(c, jw);
	if (res->params.time_budget_s > 0) {
		jw_obj_begin(jw, "budget");
		jw_double(jw, "budget_pct", c->budget_pct);
		jw_double(jw, "target_half_width_pct", c->target_pct);
		jw_double(jw, "half_width_pct", c->half_width_pct);
		jw_str(jw, "stopped", budget_end_name((enum budget_end)c->end));
		jw_obj_end(jw);
	}
	jw_u64(jw, "runs_ok", runs_ok);
	jw_arr_begin(jw, "runs");
	for (r = 0; r < c->nruns; r++) {
		const struct bench_run *run = &c->runs[r];
		int lead = -1;

		jw_obj_begin(jw, NULL);
		jw_u64(jw, "index", r);
		jw_bool(jw, "ok", run->ok);
		if (run->ok)
			jw_null(jw, "error");
		else
			jw_str(jw, "error", run->error);
		jw_obj_begin(jw, "layout_check");
		json_check(jw, "before", &run->before);
		json_check(jw, "after", &run->after);
		jw_obj_end(jw);
		jw_obj_begin(jw, "cpus");
		json_cpus_seen(jw, "parent", &run->parent_cpus);
		if (run->child_cpus.n) /* workloads that fork: fork */
			json_cpus_seen(jw, "child", &run->child_cpus);
		jw_obj_end(jw);
		if (run->ok) {
			jw_double(jw, "wall_s", (double)run->wall_ns / 1e9);
			jw_double(jw, "measured_s", (double)run->measured_ns / 1e9);
		}
		jw_arr_begin(jw, "ns");
		for (i = 0; i < run->iters; i++)
			jw_u64(jw, NULL, run->ns[i]);
		jw_arr_end(jw);
		jw_obj_begin(jw, "counters");
		for (m = 0; m < cs->n; m++) {
			if (!cs->spec[m].supported)
				continue;
			if (lead < 0)
				lead = m;
			jw_arr_begin(jw, cs->spec[m].metric);
			for (i = 0; i < run->iters; i++) {
				const struct ctr_reading *rd = &run->rd[(size_t)i * (size_t)cs->n + (size_t)m];

				if (rd->valid)
					jw_u64(jw, NULL, rd->value);
				else
					jw_null(jw, NULL);
			}
			jw_arr_end(jw);
		}
		jw_obj_end(jw);
		/*
		 * time_enabled/time_running per iteration: once for the group
		 * (its members run exactly when the leader does), else per counter.
		 */
		jw_arr_begin(jw, "counter_times");
		for (m = 0; m < cs->n; m++) {
			if (!cs->spec[m].supported || (res->grouped && m != lead))
				continue;
			jw_obj_begin(jw, NULL);
			jw_arr_begin(jw, "metrics");
			if (res->grouped) {
				int k;

				for (k = 0; k < cs->n; k++)
					if (cs->spec[k].supported)
						jw_str(jw, NULL, cs->spec[k].metric);
			} else {
				jw_str(jw, NULL, cs->spec[m].metric);
			}
			jw_arr_end(jw);
			jw_arr_begin(jw, "enabled_ns");
			for (i = 0; i < run->iters; i++)
				jw_u64(jw, NULL, run->rd[(size_t)i * (size_t)cs->n + (size_t)m].enabled);
			jw_arr_end(jw);
			jw_arr_begin(jw, "running_ns");
			for (i = 0; i < run->iters; i++)
				jw_u64(jw, NULL, run->rd[(size_t)i * (size_t)cs->n + (size_t)m].running);
			jw_arr_end(jw);
			jw_obj_end(jw);
		}
		jw_arr_end(jw);
		jw_obj_end(jw);
	}
	jw_arr_end(jw);
	jw_obj_end(jw);
}

void bench_result_json(const struct bench_result *res, struct strbuf *out)
{
	const struct bench_params *p = &res->params;
	struct jw jw;
	unsigned w;
	int i;

	jw_init(&jw, out);
	jw_obj_begin(&jw, NULL);
	jw_str(&jw, "format", "forkwatch-result/1");
	jw_str(&jw, "run_uuid", res->run_uuid);
	jw_obj_begin(&jw, "tool");
	jw_str(&jw, "name", "forkwatch");
	jw_str(&jw, "version", FORKWATCH_VERSION);
	jw_obj_end(&jw);
	jw_str(&jw, "started_at", res->started_at);
	jw_str(&jw, "finished_at", res->finished_at);
	ident_host_json(&res->host, &jw);
	ident_kernel_json(&res->kernel, &jw);
	noise_json(&res->noise, &jw, "noise");
	jw_obj_begin(&jw, "params");
	jw_u64(&jw, "size_bytes", p->size);
	jw_u64(&jw, "runs", p->runs);
	jw_u64(&jw, "iterations", p->iterations);
	jw_u64(&jw, "fresh_iterations", p->fresh_iterations);
	jw_u64(&jw, "warmup", p->warmup);
	if (p->time_budget_s > 0) {
		jw_double(&jw, "time_budget_s", p->time_budget_s);
		jw_double(&jw, "elapsed_s", res->elapsed_s);
	}
	jw_arr_begin(&jw, "layouts");
	for (i = 0; i < p->nlayouts; i++)
		jw_str(&jw, NULL, p->layouts[i].name);
	jw_arr_end(&jw);
	jw_arr_begin(&jw, "workloads");
	for (w = 0; w < bench_nworkloads; w++)
		if (p->workloads & (1u << w))
			jw_str(&jw, NULL, bench_workloads[w].name);
	jw_arr_end(&jw);
	jw_bool(&jw, "counters_grouped", res->grouped);
	jw_str(&jw, "placement", placement_names[p->placement.how]);
	if (p->placement.how == PLACEMENT_FREE) {
		jw_null(&jw, "placement_cpus");
	} else {
		jw_obj_begin(&jw, "placement_cpus");
		jw_i64(&jw, "parent", p->placement.parent);
		jw_i64(&jw, "child", p->placement.child);
		jw_obj_end(&jw);
	}
	jw_obj_end(&jw);
	jw_arr_begin(&jw, "cases");
	for (i = 0; i < res->ncases; i++)
		json_case(res, &res->cases[i], &jw);
	jw_arr_end(&jw);
	jw_obj_end(&jw);
	strbuf_addch(out, '\n');
}

static int eta_slot(int ci)
{
	return ci < BENCH_ETA_CASES ? ci : BENCH_ETA_CASES - 1;
}

double bench_eta_step(struct bench_eta *e, unsigned run, unsigned runs, int ci, int ncases,
		      double elapsed)
{
	double known = 0, left = 0, each;
	unsigned nknown = 0, r;
	int c;

	if (e->started && e->prev >= 0 && elapsed >= e->prev_at) {
		e->sum[eta_slot(e->prev)] += elapsed - e->prev_at;
		e->n[eta_slot(e->prev)]++;
	}
	e->started = true;
	e->prev = ci;
	e->prev_at = elapsed;
	for (c = 0; c < ncases; c++)
		if (e->n[eta_slot(c)]) {
			known += e->sum[eta_slot(c)] / e->n[eta_slot(c)];
			nknown++;
		}
	if (!nknown)
		return -1;
	/* this run's cases from ci on, then every case of the runs after it */
	for (c = 0; c < ncases; c++) {
		int s = eta_slot(c);

		each = e->n[s] ? e->sum[s] / e->n[s] : known / nknown;
		r = runs - run - (c < ci);
		left += each * r;
	}
	return left;
}
