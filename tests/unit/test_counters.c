// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for collectors/counters.c: event names, --events lists,
 * counting through libperf, and readings (scaling by time_enabled /
 * time_running, readings without a value) from constructed numbers.
 *
 * Whether a machine counts an event varies: a VM without a hardware PMU
 * has no cycles, qemu-user has no perf_event_open at all.  So nothing here
 * asserts that a counter is or is not supported; it asserts what holds
 * either way (supported, or not with a reason), and counts for real only
 * where the software page-fault event opens.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/counters.h"

static int group_setup(void **state)
{
	struct strbuf err = STRBUF_INIT;
	int ret = ctr_init(&err);

	(void)state;
	if (ret)
		fprintf(stderr, "ctr_init: %s\n", err.buf);
	strbuf_release(&err);
	return ret;
}

/* Every entry of a built set: supported with an event, or not with a reason. */
static void check_spec(const struct ctr_spec *s)
{
	assert_true(s->metric[0] != '\0');
	if (s->supported) {
		if (s->reason[0])
			fail_msg("%s: supported, yet reason '%s'", s->metric, s->reason);
		assert_true(s->event[0] != '\0');
		assert_true(s->encoding[0] != '\0');
		assert_int_equal(s->attr.size, sizeof(s->attr));
	} else if (!s->reason[0]) {
		fail_msg("%s: unsupported without a reason", s->metric);
	}
}

static void test_ctr_resolve_hardware(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct perf_event_attr attr;
	char enc[CTR_EVENT_MAX] = "";

	(void)state;
	memset(&attr, 0xff, sizeof(attr));
	if (ctr_resolve("perf::CYCLES", &attr, enc, sizeof(enc), &err))
		fail_msg("perf::CYCLES: %s", err.buf);
	assert_int_equal(attr.type, PERF_TYPE_HARDWARE);
	assert_int_equal(attr.config, PERF_COUNT_HW_CPU_CYCLES);
	/* user and kernel both: fork and munmap spend their time in the kernel */
	assert_int_equal(attr.exclude_kernel, 0);
	assert_int_equal(attr.exclude_user, 0);
	assert_int_equal(attr.size, sizeof(attr));
	assert_true(enc[0] != '\0');
	assert_int_equal(err.len, 0);
	strbuf_release(&err);
}

static void test_ctr_resolve_software(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct perf_event_attr attr;
	char enc[CTR_EVENT_MAX];

	(void)state;
	if (ctr_resolve("perf::PAGE-FAULTS", &attr, enc, sizeof(enc), &err))
		fail_msg("perf::PAGE-FAULTS: %s", err.buf);
	assert_int_equal(attr.type, PERF_TYPE_SOFTWARE);
	assert_int_equal(attr.config, PERF_COUNT_SW_PAGE_FAULTS);
	assert_int_equal(attr.exclude_kernel, 0);

	if (ctr_resolve("perf::TASK-CLOCK", &attr, enc, sizeof(enc), &err))
		fail_msg("perf::TASK-CLOCK: %s", err.buf);
	assert_int_equal(attr.type, PERF_TYPE_SOFTWARE);
	assert_int_equal(attr.config, PERF_COUNT_SW_TASK_CLOCK);
	strbuf_release(&err);
}

static void test_ctr_resolve_unknown(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct perf_event_attr attr;
	char enc[CTR_EVENT_MAX];

	(void)state;
	assert_true(ctr_resolve("foo::bar", &attr, enc, sizeof(enc), &err) < 0);
	assert_non_null(strstr(err.buf, "'foo::bar'"));

	strbuf_reset(&err);
	assert_true(ctr_resolve("NO_SUCH_EVENT_ANYWHERE", &attr, enc, sizeof(enc), &err) < 0);
	assert_non_null(strstr(err.buf, "'NO_SUCH_EVENT_ANYWHERE'"));

	/* SYSTEM:NAME is a tracepoint: looked up in tracefs, not in libpfm4 */
	strbuf_reset(&err);
	assert_true(ctr_resolve("nosuchsys:nosuchevent", &attr, enc, sizeof(enc), &err) < 0);
	assert_non_null(strstr(err.buf, "'nosuchsys:nosuchevent'"));
	assert_non_null(strstr(err.buf, "tracepoint"));
	strbuf_release(&err);
}

static void test_ctr_resolve_tracepoint(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct perf_event_attr attr;
	char enc[CTR_EVENT_MAX], want[CTR_EVENT_MAX];
	int ret;

	(void)state;
	/* sched:sched_process_fork exists wherever tracefs does */
	ret = ctr_resolve("sched:sched_process_fork", &attr, enc, sizeof(enc), &err);
	if (ret) {
		assert_true(ret < 0);
		assert_non_null(strstr(err.buf, "'sched:sched_process_fork'"));
		printf("skip: %s\n", err.buf);
		strbuf_release(&err);
		skip();
	}
	assert_int_equal(attr.type, PERF_TYPE_TRACEPOINT);
	assert_true(attr.config > 0);
	assert_int_equal(attr.size, sizeof(attr));
	snprintf(want, sizeof(want), "tracepoint id %llu", (unsigned long long)attr.config);
	assert_string_equal(enc, want);
	assert_int_equal(ctr_tracepoint_id("sched", "sched_process_fork"), (long)attr.config);
	strbuf_release(&err);
}

static void test_ctr_set_defaults(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct ctr_set set;
	int i;

	(void)state;
	assert_int_equal(ctr_set_build(&set, NULL, &err), 0);
	assert_int_equal(err.len, 0);
	assert_int_equal(set.n, 7);
	for (i = 0; ctr_default_metrics[i]; i++) {
		assert_true(i < set.n);
		assert_string_equal(set.spec[i].metric, ctr_default_metrics[i]);
		check_spec(&set.spec[i]);
	}
	assert_int_equal(i, set.n);
	assert_string_equal(ctr_default_metrics[0], "cycles");
	assert_string_equal(ctr_default_metrics[5], "page_faults");
	assert_string_equal(ctr_default_metrics[6], "task_clock_ns");

	/*
	 * Software events need no PMU: the only excuse for missing them is
	 * that perf_event_open itself failed (qemu-user: ENOSYS).
	 */
	for (i = 5; i <= 6; i++) {
		const struct ctr_spec *s = &set.spec[i];

		if (!s->supported && !strstr(s->reason, "perf_event_open"))
			fail_msg("%s unsupported for a reason other than perf_event_open: %s",
				 s->metric, s->reason);
		if (s->supported)
			assert_int_equal(s->attr.type, PERF_TYPE_SOFTWARE);
	}
	assert_string_equal(set.spec[5].event, "perf::PAGE-FAULTS");
	strbuf_release(&err);
}

static void test_ctr_set_explicit(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct ctr_set set;

	(void)state;
	if (ctr_set_build(&set, "cycles,page_faults=perf::PAGE-FAULTS", &err))
		fail_msg("%s", err.buf);
	assert_int_equal(set.n, 2);
	assert_string_equal(set.spec[0].metric, "cycles");
	assert_string_equal(set.spec[1].metric, "page_faults");
	assert_string_equal(set.spec[1].event, "perf::PAGE-FAULTS");
	assert_int_equal(set.spec[1].attr.type, PERF_TYPE_SOFTWARE);
	check_spec(&set.spec[0]);
	check_spec(&set.spec[1]);

	/* a metric of one's own with any event */
	if (ctr_set_build(&set, "my_faults2=perf::PAGE-FAULTS", &err))
		fail_msg("%s", err.buf);
	assert_int_equal(set.n, 1);
	assert_string_equal(set.spec[0].metric, "my_faults2");
	check_spec(&set.spec[0]);
	strbuf_release(&err);
}

struct bad_events {
	const char *spec;
	const char *says; /* in the error message */
};

static void test_ctr_set_errors(void **state)
{
	static const struct bad_events cases[] = {
		{ "nosuch", "'nosuch'" },
		{ "Bad=perf::CYCLES", "'Bad=perf::CYCLES'" },
		{ "page_faults=nosuch::event", "'nosuch::event'" },
		{ "cycles,cycles", "'cycles' given twice" },
		{ "page_faults=perf::PAGE-FAULTS,page_faults", "'page_faults' given twice" },
		{ "ns", "'ns'" },
		{ "ns=perf::TASK-CLOCK", "'ns=perf::TASK-CLOCK'" },
		{ "", "empty" },
		{ ",cycles", "expected" },
		{ "cycles,,page_faults", "expected" },
		{ "page_faults=", "missing" },
		{ "=perf::CYCLES", "expected" },
		{ "page-faults", "'page-faults'" },
	};
	struct strbuf err = STRBUF_INIT;
	struct ctr_set set;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret;

		strbuf_reset(&err);
		ret = ctr_set_build(&set, cases[i].spec, &err);
		if (ret != -EINVAL)
			fail_msg("--events '%s': %d, want -EINVAL", cases[i].spec, ret);
		if (!strstr(err.buf, cases[i].says))
			fail_msg("--events '%s': error '%s' does not say %s", cases[i].spec, err.buf,
				 cases[i].says);
	}
	strbuf_release(&err);
}

static void test_ctr_set_too_many(void **state)
{
	struct strbuf spec = STRBUF_INIT, err = STRBUF_INIT;
	struct ctr_set set;
	int i;

	(void)state;
	for (i = 0; i < CTR_MAX; i++)
		strbuf_addf(&spec, "%sm%d=perf::PAGE-FAULTS", i ? "," : "", i);
	assert_int_equal(ctr_set_build(&set, spec.buf, &err), 0);
	assert_int_equal(set.n, CTR_MAX);
	strbuf_addstr(&spec, ",one_more=perf::PAGE-FAULTS");
	assert_int_equal(ctr_set_build(&set, spec.buf, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "at most"));
	strbuf_release(&spec);
	strbuf_release(&err);
}

/* A set in which nothing is supported opens, counts nothing, reads invalid. */
static void test_ctr_group_nothing_supported(void **state)
{
	struct ctr_reading r[2];
	struct ctr_group *g = NULL;
	struct ctr_set set;

	(void)state;
	memset(&set, 0, sizeof(set));
	set.n = 2;
	snprintf(set.spec[0].metric, CTR_NAME_MAX, "cycles");
	snprintf(set.spec[0].reason, CTR_REASON_MAX, "no PMU");
	snprintf(set.spec[1].metric, CTR_NAME_MAX, "page_faults");
	snprintf(set.spec[1].reason, CTR_REASON_MAX, "no PMU");
	assert_int_equal(ctr_group_open(&g, &set), 0);
	assert_non_null(g);
	ctr_group_enable(g);
	ctr_group_disable(g);
	memset(r, 0xff, sizeof(r));
	assert_int_equal(ctr_group_read(g, r), 0);
	assert_false(r[0].valid);
	assert_false(r[1].valid);
	assert_int_equal(r[0].value, 0);
	assert_int_equal(r[1].value, 0);
	ctr_group_free(g);
	ctr_group_free(NULL);
}

/* Fault in n fresh pages of a new mapping. */
static void touch_pages(size_t n)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE), i;
	volatile char *p = mmap(NULL, n * ps, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
#ifdef MADV_NOHUGEPAGE
	madvise((void *)p, n * ps, MADV_NOHUGEPAGE); /* one fault per page */
#endif
	for (i = 0; i < n; i++)
		p[i * ps] = 1;
	assert_int_equal(munmap((void *)p, n * ps), 0);
}

static void test_ctr_group_counts_page_faults(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct ctr_reading r[3];
	struct ctr_group *g = NULL;
	struct ctr_set set;
	int ret;

	(void)state;
	if (ctr_set_build(&set, "page_faults,task_clock_ns,off=perf::PAGE-FAULTS", &err))
		fail_msg("%s", err.buf);
	if (!set.spec[0].supported) {
		printf("skip: %s\n", set.spec[0].reason);
		skip();
	}
	/* a metric the machine cannot count is left out, never read as 0 */
	set.spec[2].supported = false;
	snprintf(set.spec[2].reason, CTR_REASON_MAX, "switched off by the test");

	ret = ctr_group_open(&g, &set);
	if (ret)
		fail_msg("ctr_group_open: %s", strerror(-ret));
	ctr_group_enable(g);
	touch_pages(512);
	ctr_group_disable(g);
	assert_int_equal(ctr_group_read(g, r), 0);
	assert_true(r[0].valid);
	if (r[0].value < 512 - 16 || r[0].value > 512 + 4096)
		fail_msg("%llu page faults counted for 512 pages touched",
			 (unsigned long long)r[0].value);
	assert_true(r[0].enabled > 0);
	assert_true(r[0].running > 0);
	assert_true(r[0].running <= r[0].enabled);
	if (set.spec[1].supported) {
		assert_true(r[1].valid);
		assert_true(r[1].value > 0); /* ns of CPU time faulting 512 pages */
	}
	assert_false(r[2].valid);
	assert_int_equal(r[2].value, 0);

	/* disabled since: the change since the last read is nothing */
	touch_pages(64);
	assert_int_equal(ctr_group_read(g, r), 0);
	assert_true(r[0].valid);
	assert_int_equal(r[0].value, 0);
	assert_false(r[2].valid);

	/* counting again: only what happened since the last read */
	ctr_group_enable(g);
	touch_pages(128);
	ctr_group_disable(g);
	assert_int_equal(ctr_group_read(g, r), 0);
	if (r[0].value < 128 - 16 || r[0].value > 128 + 4096)
		fail_msg("%llu page faults counted for 128 pages touched",
			 (unsigned long long)r[0].value);
	ctr_group_free(g);
	strbuf_release(&err);
}

/*
 * The parent only: a forked child's page faults are never added to the
 * parent's reading, even with the counters enabled for the child's whole
 * life (inherit = 0; with inherit = 1 the kernel adds a child's counts
 * to its parent's when it exits).  forkwatch measures fork() in the
 * parent; what the child does after it is no part of that.
 */
static void test_ctr_group_parent_only(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct ctr_reading r[1];
	struct ctr_group *g = NULL;
	struct ctr_set set;
	int ret, status;
	pid_t pid;

	(void)state;
	if (ctr_set_build(&set, "page_faults", &err))
		fail_msg("%s", err.buf);
	if (!set.spec[0].supported) {
		printf("skip: %s\n", set.spec[0].reason);
		skip();
	}
	ret = ctr_group_open(&g, &set);
	if (ret)
		fail_msg("ctr_group_open: %s", strerror(-ret));
	touch_pages(16); /* the helper's own first faults, before counting */
	ctr_group_enable(g);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		touch_pages(1024);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	ctr_group_disable(g);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(ctr_group_read(g, r), 0);
	assert_true(r[0].valid);
	/* the parent's own COW faults after fork(): a handful, never the child's 1024 */
	if (r[0].value >= 256)
		fail_msg("%llu page faults in the parent while its child touched 1024 pages: "
			 "the child's were counted", (unsigned long long)r[0].value);
	ctr_group_free(g);
	strbuf_release(&err);
}

/* ---- readings, without a PMU --------------------------------------- */

static void check_reading(uint64_t counted, uint64_t en, uint64_t run, bool valid, uint64_t value,
			  bool mux)
{
	struct ctr_reading r = ctr_reading_make(counted, en, run);

	if (r.valid != valid || r.value != value || ctr_reading_multiplexed(&r) != mux ||
	    r.enabled != en || r.running != run)
		fail_msg("counted %llu enabled %llu running %llu: valid %d value %llu multiplexed %d, "
			 "expected valid %d value %llu multiplexed %d",
			 (unsigned long long)counted, (unsigned long long)en, (unsigned long long)run,
			 r.valid, (unsigned long long)r.value, ctr_reading_multiplexed(&r), valid,
			 (unsigned long long)value, mux);
}

static void test_reading_whole(void **state)
{
	(void)state;
	/* counting all the time it was enabled: the count as it is */
	check_reading(1000, 5000, 5000, true, 1000, false);
	check_reading(0, 5000, 5000, true, 0, false);
	/* more running than enabled (a group's member times): never scaled down */
	check_reading(1000, 5000, 7000, true, 1000, false);
	/* not enabled at all since the last read: a true 0 */
	check_reading(0, 0, 0, true, 0, false);
}

static void test_reading_multiplexed(void **state)
{
	(void)state;
	/* running half the time: twice the count */
	check_reading(1000, 200, 100, true, 2000, true);
	/* a quarter: four times */
	check_reading(3, 4000, 1000, true, 12, true);
	/* 7 * 3 / 2 = 10.5: rounded to the nearest */
	check_reading(7, 3, 2, true, 11, true);
	check_reading(7, 5, 4, true, 9, true);  /* 8.75 */
	check_reading(0, 900, 300, true, 0, true);
	/* exact beyond a double's 53 bits */
	check_reading((1ULL << 60) + 1, 2ULL << 40, 1ULL << 40, true, (1ULL << 61) + 2, true);
	check_reading(UINT64_MAX / 3, 3, 1, true, UINT64_MAX / 3 * 3, true);
	/* beyond 64 bits: saturated, not wrapped */
	check_reading(UINT64_MAX, 3, 1, true, UINT64_MAX, true);
	check_reading(1ULL << 63, 1ULL << 40, 1, true, UINT64_MAX, true);
}

static void test_reading_never_ran(void **state)
{
	(void)state;
	/* enabled, never scheduled: no value, whatever the kernel returned */
	check_reading(0, 5000, 0, false, 0, false);
	check_reading(1234, 5000, 0, false, 0, false);
	check_reading(0, 1, 0, false, 0, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctr_resolve_hardware),
		cmocka_unit_test(test_ctr_resolve_software),
		cmocka_unit_test(test_ctr_resolve_unknown),
		cmocka_unit_test(test_ctr_resolve_tracepoint),
		cmocka_unit_test(test_ctr_set_defaults),
		cmocka_unit_test(test_ctr_set_explicit),
		cmocka_unit_test(test_ctr_set_errors),
		cmocka_unit_test(test_ctr_set_too_many),
		cmocka_unit_test(test_ctr_group_nothing_supported),
		cmocka_unit_test(test_ctr_group_counts_page_faults),
		cmocka_unit_test(test_ctr_group_parent_only),
		cmocka_unit_test(test_reading_whole),
		cmocka_unit_test(test_reading_multiplexed),
		cmocka_unit_test(test_reading_never_ran),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
