// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 counter set (docs/counters.md) against libpfm4 built for
 * arm64: forkwatch's default events, resolved in the order ctr_set_build()
 * tries them, on each PMU that arm64 lab machines have, must give the
 * encodings the Arm architecture assigns.
 *
 * The expected numbers come from the Arm Architecture Reference Manual's
 * common event numbers (the same in the Neoverse N1, V1, N2 and V2
 * technical reference manuals), not from libpfm4 or forkwatch:
 *   0x05 L1D_TLB_REFILL   0x08 INST_RETIRED   0x11 CPU_CYCLES
 *   0x17 L2D_CACHE_REFILL 0x34 DTLB_WALK      0x37 LL_CACHE_MISS_RD
 * and, for a CPU that libpfm4 does not know, the generic perf events of
 * perf_event_open(2), which the kernel's PMUv3 driver maps itself.
 *
 * libpfm4 chooses its PMU once per process (from /proc/cpuinfo, or
 * LIBPFM_FORCE_PMU), and pfm_terminate() does not make it choose again.
 * So each PMU is resolved in a child process that writes what it got to
 * shared memory; the parent checks it.  Built for other architectures,
 * this test skips: their builds do not hold the arm64 defaults.
 */
#include <stdio.h>

#ifdef __aarch64__
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/counters.h"

#define MAX_METRICS 8

/* What one metric's default events resolved to under one PMU. */
struct got {
	char metric[CTR_NAME_MAX];
	int resolved;                  /* 1: event and attr are set */
	char event[CTR_EVENT_MAX];     /* the first default name that resolved */
	char encoding[CTR_EVENT_MAX];
	char why[CTR_REASON_MAX];      /* unresolved: the first error, or the none_reason */
	uint32_t type;
	uint64_t config;
	int exclude_user, exclude_kernel;
};

struct report {
	char init_error[CTR_REASON_MAX];
	int n;
	struct got got[MAX_METRICS];
};

/* In the child: resolve every default metric as ctr_set_build() would, without probing. */
static void resolve_defaults(const char *pmu, struct report *rep)
{
	struct strbuf err = STRBUF_INIT;
	int i, j;

	setenv("LIBPFM_FORCE_PMU", pmu, 1);
	if (ctr_init(&err)) {
		snprintf(rep->init_error, sizeof(rep->init_error), "%s", err.buf);
		strbuf_release(&err);
		return;
	}
	for (i = 0; ctr_default_metrics[i] && i < MAX_METRICS; i++) {
		struct got *g = &rep->got[rep->n++];
		const char *none = NULL;
		const char *const *ev = ctr_default_events(ctr_default_metrics[i], &none);

		snprintf(g->metric, sizeof(g->metric), "%s", ctr_default_metrics[i]);
		if (none)
			snprintf(g->why, sizeof(g->why), "%s", none);
		for (j = 0; ev && ev[j]; j++) {
			struct perf_event_attr attr;

			strbuf_reset(&err);
			if (ctr_resolve(ev[j], &attr, g->encoding, sizeof(g->encoding), &err)) {
				if (!j)
					snprintf(g->why, sizeof(g->why), "%s", err.buf);
				continue;
			}
			g->resolved = 1;
			snprintf(g->event, sizeof(g->event), "%s", ev[j]);
			g->type = attr.type;
			g->config = attr.config;
			g->exclude_user = attr.exclude_user;
			g->exclude_kernel = attr.exclude_kernel;
			break;
		}
	}
	ctr_release_resolver();
	strbuf_release(&err);
}

/* Resolve the defaults under pmu in a child; the report stays mapped for the caller. */
static struct report *resolve_in_child(const char *pmu)
{
	struct report *rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status = 0;
	pid_t pid;

	assert_true(rep != MAP_FAILED);
	memset(rep, 0, sizeof(*rep));
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		resolve_defaults(pmu, rep);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("%s: the resolving child died (status 0x%x)", pmu, status);
	if (rep->init_error[0])
		fail_msg("%s: ctr_init: %s", pmu, rep->init_error);
	return rep;
}

static const struct got *find_got(const struct report *rep, const char *metric)
{
	int i;

	for (i = 0; i < rep->n; i++)
		if (!strcmp(rep->got[i].metric, metric))
			return &rep->got[i];
	fail_msg("metric '%s' is not among the defaults", metric);
	return NULL;
}

/* One expected resolution: metric -> event, perf type and config. */
struct want {
	const char *metric;
	const char *event; /* NULL: no default event on arm64 */
	uint32_t type;
	uint64_t config;
};

static void check_want(const char *pmu, const struct report *rep, const struct want *w)
{
	const struct got *g = find_got(rep, w->metric);
	char prefix[CTR_EVENT_MAX];

	if (!w->event) {
		if (g->resolved)
			fail_msg("%s: %s resolved to '%s', expected no default event", pmu, w->metric, g->event);
		if (!g->why[0])
			fail_msg("%s: %s has no default event and no reason", pmu, w->metric);
		return;
	}
	if (!g->resolved)
		fail_msg("%s: %s: no default event resolved: %s", pmu, w->metric, g->why);
	if (strcmp(g->event, w->event))
		fail_msg("%s: %s resolved to '%s', expected '%s'", pmu, w->metric, g->event, w->event);
	if (g->type != w->type || g->config != w->config)
		fail_msg("%s: %s = %s: type %u config 0x%llx, expected type %u config 0x%llx (%s)",
			 pmu, w->metric, g->event, g->type, (unsigned long long)g->config, w->type,
			 (unsigned long long)w->config, g->encoding);
	/* fork() and munmap() spend their time in the kernel: count both modes */
	if (g->exclude_user || g->exclude_kernel)
		fail_msg("%s: %s excludes user (%d) or kernel (%d) mode", pmu, w->metric,
			 g->exclude_user, g->exclude_kernel);
	/* the full encoding names the PMU that resolved it */
	if (w->type == PERF_TYPE_RAW) {
		snprintf(prefix, sizeof(prefix), "%s::%s:", pmu, w->event);
		if (strncmp(g->encoding, prefix, strlen(prefix)))
			fail_msg("%s: %s: encoding '%s' does not start with '%s'", pmu, w->metric,
				 g->encoding, prefix);
	}
}

/*
 * Neoverse cores: every default is a native architectural event.
 * page_faults and task_clock_ns are perf:: software events, which a
 * forced PMU leaves out of libpfm4 (only the forced model is active);
 * test_generic_pmu checks them.
 */
static const struct want neoverse[] = {
	{ "cycles", "CPU_CYCLES", PERF_TYPE_RAW, 0x11 },
	{ "instructions", "INST_RETIRED", PERF_TYPE_RAW, 0x08 },
	{ "dtlb_misses", "DTLB_WALK", PERF_TYPE_RAW, 0x34 },
	{ "cache_misses", "LL_CACHE_MISS_RD", PERF_TYPE_RAW, 0x37 },
	{ "tlb_flushes", NULL, 0, 0 },
};

static void check_pmu(const char *pmu, const struct want *want, size_t n)
{
	struct report *rep = resolve_in_child(pmu);
	size_t i;

	for (i = 0; i < n; i++)
		check_want(pmu, rep, &want[i]);
	munmap(rep, sizeof(*rep));
}

static void test_neoverse_n1(void **state)
{
	(void)state;
	check_pmu("arm_n1", neoverse, sizeof(neoverse) / sizeof(neoverse[0]));
}

static void test_neoverse_v1(void **state)
{
	(void)state;
	check_pmu("arm_v1", neoverse, sizeof(neoverse) / sizeof(neoverse[0]));
}

static void test_neoverse_n2(void **state)
{
	(void)state;
	check_pmu("arm_n2", neoverse, sizeof(neoverse) / sizeof(neoverse[0]));
}

static void test_neoverse_v2(void **state)
{
	(void)state;
	check_pmu("arm_v2", neoverse, sizeof(neoverse) / sizeof(neoverse[0]));
}

/*
 * Cortex-A57 and A53 (libpfm4's tables have neither DTLB_WALK nor
 * LL_CACHE_MISS_RD for them): the second names of the lists stand in.
 */
static const struct want cortex[] = {
	{ "cycles", "CPU_CYCLES", PERF_TYPE_RAW, 0x11 },
	{ "instructions", "INST_RETIRED", PERF_TYPE_RAW, 0x08 },
	{ "dtlb_misses", "L1D_TLB_REFILL", PERF_TYPE_RAW, 0x05 },
	{ "cache_misses", "L2D_CACHE_REFILL", PERF_TYPE_RAW, 0x17 },
	{ "tlb_flushes", NULL, 0, 0 },
};

static void test_cortex_a57(void **state)
{
	(void)state;
	check_pmu("arm_ac57", cortex, sizeof(cortex) / sizeof(cortex[0]));
}

static void test_cortex_a53(void **state)
{
	(void)state;
	check_pmu("arm_ac53", cortex, sizeof(cortex) / sizeof(cortex[0]));
}

/*
 * A core libpfm4 does not know (QEMU's "max", newer designs): only its
 * generic perf PMU is active, and the perf:: names give the kernel's
 * generic events, which the PMUv3 driver maps to CPU_CYCLES,
 * INST_RETIRED, L1D_TLB_REFILL and L1D_CACHE_REFILL.
 */
static const struct want generic[] = {
	{ "cycles", "perf::CYCLES", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions", "perf::INSTRUCTIONS", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	{ "dtlb_misses", "perf::DTLB-LOAD-MISSES", PERF_TYPE_HW_CACHE,
	  PERF_COUNT_HW_CACHE_DTLB | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
		  (PERF_COUNT_HW_CACHE_RESULT_MISS << 16) },
	{ "cache_misses", "perf::CACHE-MISSES", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
	{ "tlb_flushes", NULL, 0, 0 },
	{ "page_faults", "perf::PAGE-FAULTS", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "task_clock_ns", "perf::TASK-CLOCK", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
};

static void test_generic_pmu(void **state)
{
	(void)state;
	check_pmu("perf", generic, sizeof(generic) / sizeof(generic[0]));
}

/* Why tlb_flushes has no default on arm64: the reason goes into every document. */
static void test_tlb_flushes_reason(void **state)
{
	const char *why = NULL;
	const char *const *ev = ctr_default_events("tlb_flushes", &why);

	(void)state;
	assert_non_null(ev);
	assert_null(ev[0]);
	assert_non_null(why);
	assert_non_null(strstr(why, "arm64"));
	assert_non_null(strstr(why, "tlb:tlb_flush"));
	assert_non_null(strstr(why, "--events tlb_flushes="));

	why = "unchanged";
	assert_null(ctr_default_events("no_such_metric", &why));
	assert_null(why);
	ev = ctr_default_events("cycles", &why);
	assert_non_null(ev);
	assert_string_equal(ev[0], "CPU_CYCLES");
	assert_null(why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_neoverse_n1),
		cmocka_unit_test(test_neoverse_v1),
		cmocka_unit_test(test_neoverse_n2),
		cmocka_unit_test(test_neoverse_v2),
		cmocka_unit_test(test_cortex_a57),
		cmocka_unit_test(test_cortex_a53),
		cmocka_unit_test(test_generic_pmu),
		cmocka_unit_test(test_tlb_flushes_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else

int main(void)
{
	printf("skip: the arm64 default events are built into aarch64 builds only "
	       "(make ARCH=aarch64 unit; tests/run-all.sh runs it under qemu-aarch64-static)\n");
	return 77;
}

#endif
