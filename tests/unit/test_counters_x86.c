// SPDX-License-Identifier: GPL-2.0
/*
 * The x86-64 counter set (collectors/counters.c) against libpfm4: the
 * default events, resolved in the order ctr_set_build() tries them, on the
 * PMUs that x86 lab machines have, must give the encodings that Intel and
 * AMD document.
 *
 * The expected numbers come from the vendors, not from libpfm4 or forkwatch
 * (event select in bits 0-7 of the perf config, unit mask in bits 8-15):
 *   Intel 64 and IA-32 Architectures Software Developer's Manual, vol. 3B,
 *   "Pre-defined Architectural Performance Events":
 *     UnHalted Core Cycles   event 3CH umask 00H
 *     Instruction Retired    event C0H umask 00H
 *     LLC Misses             event 2EH umask 41H
 *   Intel's per-core event lists (perfmon-events.intel.com):
 *     DTLB_LOAD_MISSES.WALK_COMPLETED  event 08H umask 0EH on Skylake and
 *     Ice Lake, event 12H umask 0EH on Golden Cove (Sapphire Rapids)
 *   AMD Processor Programming Reference, families 17h (Zen, Zen 2) and
 *   19h (Zen 3, Zen 4), core performance events:
 *     PMCx076 Cycles not in Halt        event 76H
 *     PMCx0C0 Retired Instructions      event C0H
 * AMD documents no core event for completed dTLB walks of loads or for
 * last-level cache misses under forkwatch's names: there the generic perf
 * events of perf_event_open(2) stand in, which the kernel maps itself.
 *
 * libpfm4 picks its PMUs once per process, and on a real machine several
 * are active at once, searched in a fixed order for a name without a PMU
 * prefix: the core model's (skl, icl, spr, amd64_fam19h_zen3, ...), then,
 * on Intel, the architectural one (ix86arch, "checked last to give
 * priority to model specific event encodings"), then the generic "perf"
 * one.  LIBPFM_FORCE_PMU activates one PMU only; so each PMU of a machine
 * is resolved in a child process that writes what it got to shared
 * memory, and the parent looks the names up across them in libpfm4's
 * order.  Built for other architectures, this test skips: their builds do
 * not hold the x86 defaults.
 */
#include <stdio.h>

#ifdef __x86_64__
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

#define MAX_EVENTS 32
#define MAX_PMUS 4

/* One default event name resolved under one PMU. */
struct got {
	char metric[CTR_NAME_MAX];
	char event[CTR_EVENT_MAX];
	int resolved;
	char encoding[CTR_EVENT_MAX];
	char why[CTR_REASON_MAX];
	uint32_t type;
	uint64_t config;
	int exclude_user, exclude_kernel;
};

struct report {
	char init_error[CTR_REASON_MAX];
	int n;
	struct got got[MAX_EVENTS];
};

/* In the child: resolve every default event of every default metric, without probing. */
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
	for (i = 0; ctr_default_metrics[i]; i++) {
		const char *const *ev = ctr_default_events(ctr_default_metrics[i], NULL);

		for (j = 0; ev && ev[j] && rep->n < MAX_EVENTS; j++) {
			struct got *g = &rep->got[rep->n++];
			struct perf_event_attr attr;

			snprintf(g->metric, sizeof(g->metric), "%s", ctr_default_metrics[i]);
			snprintf(g->event, sizeof(g->event), "%s", ev[j]);
			strbuf_reset(&err);
			if (ctr_resolve(ev[j], &attr, g->encoding, sizeof(g->encoding), &err)) {
				snprintf(g->why, sizeof(g->why), "%s", err.buf);
				continue;
			}
			g->resolved = 1;
			g->type = attr.type;
			g->config = attr.config;
			g->exclude_user = attr.exclude_user;
			g->exclude_kernel = attr.exclude_kernel;
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
	if (!rep->n)
		fail_msg("%s: no default events", pmu);
	return rep;
}

static const struct got *find_got(const struct report *rep, const char *metric, const char *event)
{
	int i;

	for (i = 0; i < rep->n; i++)
		if (!strcmp(rep->got[i].metric, metric) && !strcmp(rep->got[i].event, event))
			return &rep->got[i];
	return NULL;
}

/* A lab machine: the PMUs libpfm4 activates on it, in its search order. */
struct machine {
	const char *name;
	const char *pmus[MAX_PMUS]; /* NULL-terminated */
};

/* One expected resolution: metric -> event, the PMU that knows it, perf type and config. */
struct want {
	const char *metric;
	const char *event;
	const char *pmu;
	uint32_t type;
	uint64_t config;
};

/* Intel's event select and unit mask as a perf raw config. */
#define INTEL(event, umask) ((uint64_t)(event) | ((uint64_t)(umask) << 8))
#define AMD(event) ((uint64_t)(event))

/* The generic perf events that stand in for what a core does not name. */
#define DTLB_READ_MISS                                                                 \
	(PERF_COUNT_HW_CACHE_DTLB | (PERF_COUNT_HW_CACHE_OP_READ << 8) |                \
	 (PERF_COUNT_HW_CACHE_RESULT_MISS << 16))

static void check_machine(const struct machine *m, const struct want *want, size_t nwant)
{
	struct report *rep[MAX_PMUS] = { NULL };
	size_t w;
	int p, np, i;

	for (np = 0; np < MAX_PMUS && m->pmus[np]; np++)
		rep[np] = resolve_in_child(m->pmus[np]);
	for (w = 0; w < nwant; w++) {
		const struct want *x = &want[w];
		const char *const *ev = ctr_default_events(x->metric, NULL);
		const struct got *g = NULL;
		const char *pmu = NULL;
		char prefix[CTR_EVENT_MAX];

		if (!ev)
			fail_msg("%s: %s is not a default metric", m->name, x->metric);
		/* the first default name that any PMU knows, looked up as libpfm4 does */
		for (i = 0; ev[i] && !g; i++)
			for (p = 0; p < np && !g; p++) {
				const struct got *c = find_got(rep[p], x->metric, ev[i]);

				if (c && c->resolved) {
					g = c;
					pmu = m->pmus[p];
				}
			}
		if (!g)
			fail_msg("%s: %s: none of its default events resolves", m->name, x->metric);
		if (strcmp(g->event, x->event) || strcmp(pmu, x->pmu))
			fail_msg("%s: %s resolved to %s on %s, expected %s on %s", m->name, x->metric,
				 g->event, pmu, x->event, x->pmu);
		if (g->type != x->type || g->config != x->config)
			fail_msg("%s: %s = %s: type %u config 0x%llx, expected type %u config 0x%llx (%s)",
				 m->name, x->metric, g->event, g->type, (unsigned long long)g->config,
				 x->type, (unsigned long long)x->config, g->encoding);
		/* fork() and munmap() spend their time in the kernel: count both modes */
		if (g->exclude_user || g->exclude_kernel)
			fail_msg("%s: %s excludes user (%d) or kernel (%d) mode", m->name, x->metric,
				 g->exclude_user, g->exclude_kernel);
		/* the full encoding names the PMU and the event that resolved it */
		if (x->type == PERF_TYPE_RAW) {
			snprintf(prefix, sizeof(prefix), "%s::%s:", x->pmu, x->event);
			if (strncmp(g->encoding, prefix, strlen(prefix)))
				fail_msg("%s: %s: encoding '%s' does not start with '%s'", m->name,
					 x->metric, g->encoding, prefix);
		}
		print_message("%-12s %-14s %-32s %s 0x%llx\n", m->name, x->metric, g->event, pmu,
			      (unsigned long long)g->config);
	}
	for (p = 0; p < np; p++)
		munmap(rep[p], sizeof(*rep[p]));
}

/*
 * Intel Skylake and Ice Lake: the core names the cycles, instructions and
 * dTLB events; LLC_MISSES is the architectural PMU's (the core tables
 * call it LONGEST_LAT_CACHE:MISS, the same 2EH/41H).
 */
static const struct want skylake[] = {
	{ "cycles", "UNHALTED_CORE_CYCLES", "skl", PERF_TYPE_RAW, INTEL(0x3c, 0x00) },
	{ "instructions", "INSTRUCTION_RETIRED", "skl", PERF_TYPE_RAW, INTEL(0xc0, 0x00) },
	{ "dtlb_misses", "DTLB_LOAD_MISSES:WALK_COMPLETED", "skl", PERF_TYPE_RAW, INTEL(0x08, 0x0e) },
	{ "cache_misses", "LLC_MISSES", "ix86arch", PERF_TYPE_RAW, INTEL(0x2e, 0x41) },
	{ "page_faults", "perf::PAGE-FAULTS", "perf", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "task_clock_ns", "perf::TASK-CLOCK", "perf", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
};

static void test_intel_skylake(void **state)
{
	const struct machine m = { "skylake", { "skl", "ix86arch", "perf", NULL } };

	(void)state;
	check_machine(&m, skylake, sizeof(skylake) / sizeof(skylake[0]));
}

static const struct want icelake[] = {
	{ "cycles", "UNHALTED_CORE_CYCLES", "icl", PERF_TYPE_RAW, INTEL(0x3c, 0x00) },
	{ "instructions", "INSTRUCTION_RETIRED", "icl", PERF_TYPE_RAW, INTEL(0xc0, 0x00) },
	{ "dtlb_misses", "DTLB_LOAD_MISSES:WALK_COMPLETED", "icl", PERF_TYPE_RAW, INTEL(0x08, 0x0e) },
	{ "cache_misses", "LLC_MISSES", "ix86arch", PERF_TYPE_RAW, INTEL(0x2e, 0x41) },
	{ "page_faults", "perf::PAGE-FAULTS", "perf", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "task_clock_ns", "perf::TASK-CLOCK", "perf", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
};

static void test_intel_icelake(void **state)
{
	const struct machine m = { "icelake", { "icl", "ix86arch", "perf", NULL } };

	(void)state;
	check_machine(&m, icelake, sizeof(icelake) / sizeof(icelake[0]));
}

/* Golden Cove moved the dTLB load walks to event 12H. */
static const struct want sapphire_rapids[] = {
	{ "cycles", "UNHALTED_CORE_CYCLES", "spr", PERF_TYPE_RAW, INTEL(0x3c, 0x00) },
	{ "instructions", "INSTRUCTION_RETIRED", "spr", PERF_TYPE_RAW, INTEL(0xc0, 0x00) },
	{ "dtlb_misses", "DTLB_LOAD_MISSES:WALK_COMPLETED", "spr", PERF_TYPE_RAW, INTEL(0x12, 0x0e) },
	{ "cache_misses", "LLC_MISSES", "ix86arch", PERF_TYPE_RAW, INTEL(0x2e, 0x41) },
	{ "page_faults", "perf::PAGE-FAULTS", "perf", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "task_clock_ns", "perf::TASK-CLOCK", "perf", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
};

static void test_intel_sapphire_rapids(void **state)
{
	const struct machine m = { "sapphire", { "spr", "ix86arch", "perf", NULL } };

	(void)state;
	check_machine(&m, sapphire_rapids, sizeof(sapphire_rapids) / sizeof(sapphire_rapids[0]));
}

/* A core libpfm4 has no table for still has the architectural events. */
static const struct want intel_arch[] = {
	{ "cycles", "UNHALTED_CORE_CYCLES", "ix86arch", PERF_TYPE_RAW, INTEL(0x3c, 0x00) },
	{ "instructions", "INSTRUCTION_RETIRED", "ix86arch", PERF_TYPE_RAW, INTEL(0xc0, 0x00) },
	{ "dtlb_misses", "perf::DTLB-LOAD-MISSES", "perf", PERF_TYPE_HW_CACHE, DTLB_READ_MISS },
	{ "cache_misses", "LLC_MISSES", "ix86arch", PERF_TYPE_RAW, INTEL(0x2e, 0x41) },
};

static void test_intel_architectural(void **state)
{
	const struct machine m = { "intel-arch", { "ix86arch", "perf", NULL } };

	(void)state;
	check_machine(&m, intel_arch, sizeof(intel_arch) / sizeof(intel_arch[0]));
}

/* AMD Zen: the core's cycles and instructions, the generic events for the rest. */
#define ZEN_WANT(pmu)                                                                              \
	{                                                                                          \
		{ "cycles", "CYCLES_NOT_IN_HALT", pmu, PERF_TYPE_RAW, AMD(0x76) },                 \
		{ "instructions", "RETIRED_INSTRUCTIONS", pmu, PERF_TYPE_RAW, AMD(0xc0) },         \
		{ "dtlb_misses", "perf::DTLB-LOAD-MISSES", "perf", PERF_TYPE_HW_CACHE, DTLB_READ_MISS }, \
		{ "cache_misses", "perf::CACHE-MISSES", "perf", PERF_TYPE_HARDWARE,                \
		  PERF_COUNT_HW_CACHE_MISSES },                                                    \
		{ "page_faults", "perf::PAGE-FAULTS", "perf", PERF_TYPE_SOFTWARE,                  \
		  PERF_COUNT_SW_PAGE_FAULTS },                                                     \
		{ "task_clock_ns", "perf::TASK-CLOCK", "perf", PERF_TYPE_SOFTWARE,                 \
		  PERF_COUNT_SW_TASK_CLOCK },                                                      \
	}

static void check_zen(const char *pmu)
{
	const struct want want[] = ZEN_WANT(pmu);
	const struct machine m = { pmu, { pmu, "perf", NULL } };

	check_machine(&m, want, sizeof(want) / sizeof(want[0]));
}

static void test_amd_zen2(void **state)
{
	(void)state;
	check_zen("amd64_fam17h_zen2");
}

static void test_amd_zen3(void **state)
{
	(void)state;
	check_zen("amd64_fam19h_zen3");
}

static void test_amd_zen4(void **state)
{
	(void)state;
	check_zen("amd64_fam19h_zen4");
}

/* No PMU libpfm4 knows (a VM without one): the generic perf events, as on this machine. */
static const struct want generic[] = {
	{ "cycles", "perf::CYCLES", "perf", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions", "perf::INSTRUCTIONS", "perf", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	{ "dtlb_misses", "perf::DTLB-LOAD-MISSES", "perf", PERF_TYPE_HW_CACHE, DTLB_READ_MISS },
	{ "cache_misses", "perf::CACHE-MISSES", "perf", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
	{ "page_faults", "perf::PAGE-FAULTS", "perf", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "task_clock_ns", "perf::TASK-CLOCK", "perf", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
};

static void test_generic_pmu(void **state)
{
	const struct machine m = { "generic", { "perf", NULL } };

	(void)state;
	check_machine(&m, generic, sizeof(generic) / sizeof(generic[0]));
}

/* TLB flushes: the tracepoint, whose id tracefs gives (not libpfm4). */
static void test_tlb_flushes_tracepoint(void **state)
{
	const char *why = "unchanged";
	const char *const *ev = ctr_default_events("tlb_flushes", &why);
	struct strbuf err = STRBUF_INIT;
	struct perf_event_attr attr;
	char enc[CTR_EVENT_MAX];
	long id;

	(void)state;
	assert_non_null(ev);
	assert_string_equal(ev[0], "tlb:tlb_flush");
	assert_null(ev[1]);
	assert_null(why);
	id = ctr_tracepoint_id("tlb", "tlb_flush");
	if (id < 0) {
		printf("skip: tracepoint tlb:tlb_flush: %s (tracefs needs root)\n", strerror((int)-id));
		skip();
	}
	if (ctr_resolve("tlb:tlb_flush", &attr, enc, sizeof(enc), &err))
		fail_msg("tlb:tlb_flush: %s", err.buf);
	assert_int_equal(attr.type, PERF_TYPE_TRACEPOINT);
	assert_int_equal(attr.config, (uint64_t)id);
	assert_int_equal(attr.exclude_kernel, 0);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intel_skylake),
		cmocka_unit_test(test_intel_icelake),
		cmocka_unit_test(test_intel_sapphire_rapids),
		cmocka_unit_test(test_intel_architectural),
		cmocka_unit_test(test_amd_zen2),
		cmocka_unit_test(test_amd_zen3),
		cmocka_unit_test(test_amd_zen4),
		cmocka_unit_test(test_generic_pmu),
		cmocka_unit_test(test_tlb_flushes_tracepoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else

int main(void)
{
	printf("skip: the x86 default events are built into x86-64 builds only\n");
	return 77;
}

#endif
