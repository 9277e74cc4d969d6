// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for collectors/workload.c and the engine that runs it
 * (collectors/bench.c): the table's names pass forkwatchd's rule and are
 * unique, --workloads refuses unknown names, each workload does to its
 * region what it says (moved, zapped, unmapped, protected and back), and
 * every workload runs through bench_run() on order-0 memory with its
 * layout verified before and after (as root; without root the
 * verification is reported as impossible, never as passed).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/bench.h"
#include "collectors/knob.h"
#include "collectors/workload.h"
#include "lib/parse.h"

#define SIZE (4UL << 20)

static const struct bench_workload *wl(const char *name)
{
	const struct bench_workload *w = bench_workload_find(name, strlen(name));

	if (!w)
		fail_msg("no workload '%s' in the table", name);
	return w;
}

static void test_workload_table(void **state)
{
	unsigned i, j, dflt = 0;

	(void)state;
	assert_true(bench_nworkloads >= 5 && bench_nworkloads <= BENCH_WORKLOADS_MAX);
	for (i = 0; i < bench_nworkloads; i++) {
		const struct bench_workload *w = &bench_workloads[i];

		if (!parse_workload_ok(w->name))
			fail_msg("'%s' breaks the rule for workload names", w->name);
		assert_non_null(w->measure);
		assert_non_null(w->about);
		/* counting apart makes the call twice on one region */
		assert_false(w->fresh && w->count_apart);
		for (j = 0; j < i; j++)
			assert_string_not_equal(w->name, bench_workloads[j].name);
		assert_ptr_equal(bench_workload_find(w->name, strlen(w->name)), w);
		dflt |= w->in_default ? 1u << i : 0;
	}
	assert_int_equal(bench_workloads_default(), dflt);
	/* the review thread's two, as before the table */
	assert_int_equal(dflt, (1u << (wl("fork") - bench_workloads)) | (1u << (wl("munmap") - bench_workloads)));
	/* those whose call consumes the region */
	assert_true(wl("munmap")->fresh && wl("dontneed")->fresh);
	assert_false(wl("fork")->fresh || wl("mprotect")->fresh || wl("mremap")->fresh);
	assert_null(bench_workload_find("fork", 3));
	assert_null(bench_workload_find("exec", 4));
}

static void test_workload_names_rule(void **state)
{
	char longest[WORKLOAD_NAME_MAX + 1];

	(void)state;
	assert_true(parse_workload_ok("fork"));
	assert_true(parse_workload_ok("a-b_c9"));
	memset(longest, 'a', sizeof(longest));
	longest[WORKLOAD_NAME_MAX - 1] = '\0';
	assert_true(parse_workload_ok(longest));
	longest[WORKLOAD_NAME_MAX - 1] = 'a';
	longest[WORKLOAD_NAME_MAX] = '\0';
	assert_false(parse_workload_ok(longest));
	assert_false(parse_workload_ok(""));
	assert_false(parse_workload_ok("Fork"));
	assert_false(parse_workload_ok("9fork"));
	assert_false(parse_workload_ok("-fork"));
	assert_false(parse_workload_ok("fork munmap"));
	assert_false(parse_workload_ok("fork/munmap"));
	assert_false(parse_workload_ok("f\xc3\xb6rk"));
}

static void test_workloads_parse(void **state)
{
	struct strbuf why = STRBUF_INIT, want = STRBUF_INIT;
	unsigned mask, all = 0, i;

	(void)state;
	for (i = 0; i < bench_nworkloads; i++)
		all |= 1u << i;
	assert_int_equal(bench_workloads_parse("all", &mask, &why), 0);
	assert_int_equal(mask, all);
	assert_int_equal(bench_workloads_parse("mremap,fork,mremap", &mask, &why), 0);
	assert_int_equal(mask, (1u << (wl("mremap") - bench_workloads)) | (1u << (wl("fork") - bench_workloads)));
	assert_int_equal(bench_workloads_parse("fork,exec", &mask, &why), -EINVAL);
	strbuf_addstr(&want, "unknown workload 'exec': expected ");
	bench_workloads_names(&want);
	strbuf_addstr(&want, " or all");
	assert_string_equal(why.buf, want.buf);
	assert_non_null(strstr(why.buf, "expected fork, munmap, mprotect, mremap, dontneed"));
	strbuf_reset(&why);
	assert_int_equal(bench_workloads_parse("Fork", &mask, &why), -EINVAL);
	assert_non_null(strstr(why.buf, "unknown workload 'Fork'"));
	strbuf_reset(&why);
	assert_int_equal(bench_workloads_parse("fork,", &mask, &why), -EINVAL);
	assert_string_equal(why.buf, "expected a list of workloads like fork,munmap, or all");
	strbuf_reset(&why);
	assert_int_equal(bench_workloads_parse("", &mask, &why), -EINVAL);
	strbuf_reset(&why);
	assert_int_equal(bench_workloads_parse(",fork", &mask, &why), -EINVAL);
	strbuf_release(&why);
	strbuf_release(&want);
}

/* A populated order-0 region of SIZE bytes, every page holding its index. */
static void populate(struct wl_ctx *w, struct thp_info *thp)
{
	struct layout l = { "order-0", LAYOUT_ORDER0, 0 };
	struct strbuf err = STRBUF_INIT;
	size_t off;

	layout_thp_probe(thp, THP_SYSFS_DIR, (size_t)sysconf(_SC_PAGESIZE));
	memset(w, 0, sizeof(*w));
	w->size = SIZE;
	w->align = thp->pmd_size ? thp->pmd_size : thp->page_size;
	if (layout_populate(&l, thp, SIZE, &w->addr, &err))
		fail_msg("populate: %s", err.buf);
	for (off = 0; off < SIZE; off += thp->page_size)
		((char *)w->addr)[off] = (char)(off / thp->page_size);
	strbuf_release(&err);
}

static bool holds_pattern(const struct wl_ctx *w, size_t page)
{
	size_t off;

	for (off = 0; off < w->size; off += page)
		if (((const char *)w->addr)[off] != (char)(off / page))
			return false;
	return true;
}

/*
 * Whether every byte of [p, p + len) lies in a mapping of /proc/self/maps
 * (which qemu-user emulates too, unlike what mincore says of PROT_NONE).
 */
static bool mapped(const void *p, size_t len)
{
	uintptr_t at = (uintptr_t)p, end = at + len;
	bool moved = true;

	while (at < end && moved) {
		FILE *f = fopen("/proc/self/maps", "r");
		unsigned long lo, hi;
		char line[512];

		assert_non_null(f);
		moved = false;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= at && at < hi) {
				at = hi;
				moved = true;
				break;
			}
		fclose(f);
	}
	return at >= end;
}

static void test_workload_effects(void **state)
{
	struct thp_info thp;
	struct wl_ctx w;
	void *first, *second;

	(void)state;
	/* fork: the region stays as it was */
	populate(&w, &thp);
	assert_int_equal(wl("fork")->measure(&w), 0);
	assert_true(w.ns > 0);
	assert_true(holds_pattern(&w, thp.page_size));
	munmap(w.addr, SIZE);

	/* munmap: gone, and the engine told so */
	populate(&w, &thp);
	first = w.addr;
	assert_int_equal(wl("munmap")->measure(&w), 0);
	assert_null(w.addr);
	assert_false(mapped(first, SIZE));

	/* mprotect: read-only during the call, writable again after it, contents kept */
	populate(&w, &thp);
	assert_int_equal(wl("mprotect")->measure(&w), 0);
	assert_true(holds_pattern(&w, thp.page_size));
	((char *)w.addr)[SIZE - 1] = 1; /* would fault if left read-only */
	munmap(w.addr, SIZE);

	/* mremap: to the reserved range, then back, aligned, contents kept, the other end reserved */
	populate(&w, &thp);
	first = w.addr;
	assert_int_equal(wl("mremap")->setup(&w), 0);
	second = w.spare;
	assert_non_null(second);
	assert_true(((uintptr_t)second & (w.align - 1)) == 0);
	assert_int_equal(wl("mremap")->measure(&w), 0);
	assert_ptr_equal(w.addr, second);
	assert_ptr_equal(w.spare, first);
	assert_true(holds_pattern(&w, thp.page_size));
	assert_true(mapped(first, SIZE)); /* reserved again: nothing else can land there */
	assert_int_equal(wl("mremap")->measure(&w), 0);
	assert_ptr_equal(w.addr, first);
	assert_ptr_equal(w.spare, second);
	assert_true(holds_pattern(&w, thp.page_size));
	munmap(w.addr, SIZE);
	munmap(w.spare, SIZE);

	/* dontneed: still mapped, every page zapped (reads back as zero) */
	populate(&w, &thp);
	first = w.addr;
	assert_int_equal(wl("dontneed")->measure(&w), 0);
	assert_ptr_equal(w.addr, first);
	assert_int_equal(((char *)w.addr)[thp.page_size * 5], 0);
	assert_int_equal(((char *)w.addr)[SIZE - thp.page_size], 0);
	munmap(w.addr, SIZE);
}

/*
 * Each workload through the engine, on order-0 (no THP knob changes):
 * every iteration measured, the layout checked before and after, and
 * every counter the machine can count read at every iteration, also
 * for a workload that counts apart (its counting pass, which the run
 * and the document record).
 */
static void test_workload_engine(void **state)
{
	static volatile sig_atomic_t stop;
	bool root = geteuid() == 0 && !access("/proc/kpageflags", R_OK);
	unsigned w;

	struct strbuf cerr = STRBUF_INIT;
	struct ctr_set ctrs;
	int j;

	(void)state;
	if (!root)
		printf("# not root: the layout checks must say they could not verify\n");
	if (ctr_init(&cerr) || ctr_set_build(&ctrs, "task_clock_ns,page_faults", &cerr))
		fail_msg("counters: %s", cerr.buf);
	if (!ctrs.spec[0].supported)
		printf("# task_clock_ns not countable here (%s): the readings are not checked\n", ctrs.spec[0].reason);
	for (w = 0; w < bench_nworkloads; w++) {
		struct bench_result *res = calloc(1, sizeof(*res));
		struct bench_params *p = &res->params;
		struct strbuf err = STRBUF_INIT, skipped = STRBUF_INIT, doc = STRBUF_INIT, want = STRBUF_INIT;
		const struct bench_case *c;
		const char *why;
		unsigned r, i;

		p->size = SIZE;
		p->runs = 2;
		p->iterations = 4;
		p->fresh_iterations = 2;
		p->warmup = 1;
		p->workloads = 1u << w;
		p->ctrs = ctrs;
		layout_thp_probe(&p->thp, THP_SYSFS_DIR, (size_t)sysconf(_SC_PAGESIZE));
		assert_int_equal(layout_parse_list("order-0", &p->thp, false, p->layouts, LAYOUT_MAX, &skipped,
						   &err), 1);
		p->nlayouts = 1;
		if (bench_run(res, NULL, &stop, NULL, NULL, &err))
			fail_msg("%s: %s", bench_workloads[w].name, err.buf);
		assert_int_equal(res->ncases, 1);
		c = &res->cases[0];
		assert_ptr_equal(c->wl, &bench_workloads[w]);
		assert_int_equal(c->iterations, c->wl->fresh ? 2 : 4);
		for (r = 0; r < p->runs; r++) {
			if (!c->runs[r].ok)
				fail_msg("%s run %u: %s", c->wl->name, r, c->runs[r].error);
			assert_int_equal(c->runs[r].iters, c->iterations);
			assert_true(c->runs[r].ns[0] > 0);
			assert_true(c->runs[r].before.done && c->runs[r].after.done);
			/* mremap counts apart, in a second pass, wherever a counter can count */
			assert_int_equal(c->runs[r].counted_apart, bench_counts_apart(c->wl, &ctrs));
			assert_int_equal(bench_counts_apart(c->wl, &ctrs),
					 c->wl->count_apart && (ctrs.spec[0].supported || ctrs.spec[1].supported));
			for (i = 0; i < c->iterations; i++)
				for (j = 0; j < ctrs.n; j++) {
					const struct ctr_reading *rd = &c->runs[r].rd[i * (unsigned)ctrs.n + (unsigned)j];

					if (!ctrs.spec[j].supported)
						continue;
					if (!rd->valid)
						fail_msg("%s run %u iteration %u: no %s reading", c->wl->name, r, i,
							 ctrs.spec[j].metric);
					/* the counters ran, over a call and not over the whole run */
					if (j == 0 && (rd->value == 0 || rd->value > c->runs[r].measured_ns))
						fail_msg("%s: task_clock_ns %llu of a run measured in %llu ns", c->wl->name,
							 (unsigned long long)rd->value,
							 (unsigned long long)c->runs[r].measured_ns);
				}
		}
		if (root) {
			if (bench_case_verified(res, c, &why) != p->runs)
				fail_msg("%s: layout not verified: %s", c->wl->name, why);
		} else {
			assert_int_equal(bench_case_verified(res, c, &why), 0);
			assert_non_null(strstr(why, "cannot verify"));
		}
		bench_result_json(res, &doc);
		strbuf_addf(&want, "\"workload\":\"%s\"", c->wl->name);
		assert_non_null(strstr(doc.buf, want.buf));
		assert_non_null(strstr(doc.buf, c->runs[0].counted_apart ? "\"counted_apart\":true" :
					   "\"counted_apart\":false"));
		assert_non_null(strstr(doc.buf, "\"fresh_iterations\":2"));
		assert_null(strstr(doc.buf, "munmap_iterations"));
		bench_result_release(res);
		free(res);
		strbuf_release(&want);
		strbuf_release(&doc);
		strbuf_release(&skipped);
		strbuf_release(&err);
	}
	ctr_release_resolver();
	strbuf_release(&cerr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workload_table),
		cmocka_unit_test(test_workload_names_rule),
		cmocka_unit_test(test_workloads_parse),
		cmocka_unit_test(test_workload_effects),
		cmocka_unit_test(test_workload_engine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
