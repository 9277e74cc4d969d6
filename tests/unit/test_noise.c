// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for collectors/noise.c and collectors/tune.c: the parsers of
 * /proc files, and snapshots of constructed /proc and /sys trees standing
 * in for a quiet bare-metal machine and for a noisy VM; --tune on such a
 * tree, its restore at the end and after a killed run.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/knob.h"
#include "collectors/noise.h"
#include "collectors/tune.h"
#include "lib/jread.h"

/* ---- fixture trees -------------------------------------------------------- */

struct fixture {
	char root[64];
	char state[96];
};

/* Write text to root+rel, making the directories on the way. */
static void put(const char *root, const char *rel, const char *text)
{
	char path[512], *p;
	int fd;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

static void assert_file(const char *root, const char *rel, const char *want)
{
	char path[512], val[64];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	assert_int_equal(knob_read_choice(path, val, sizeof(val)), 0);
	if (strcmp(val, want))
		fail_msg("%s: '%s', want '%s'", rel, val, want);
}

#define THP "/sys/kernel/mm/transparent_hugepage"
#define KD "/sys/kernel/mm/damon/admin/kdamonds"
#define CPU "/sys/devices/system/cpu"

/* A quiet bare-metal machine of four CPUs, two of them isolated and used. */
static void quiet_tree(const char *r)
{
	put(r, "/proc/stat",
	    "cpu  400 0 200 10000 0 0 0 0 0 0\n"
	    "cpu0 100 0 50 2500 0 0 0 0 0 0\n"
	    "cpu1 100 0 50 2500 0 0 0 0 0 0\n"
	    "cpu2 100 0 50 2500 0 0 0 0 0 0\n"
	    "cpu3 100 0 50 2500 0 0 0 0 0 0\n"
	    "intr 1000 0 0\nctxt 5000\nbtime 1\nprocesses 10\nprocs_running 1\nprocs_blocked 0\n");
	put(r, "/proc/interrupts", "           CPU0       CPU1       CPU2       CPU3\n"
				   "  0:         10          0          0          0   IO-APIC   2-edge      timer\n"
				   "LOC:        100        200        300        400   Local timer interrupts\n"
				   "ERR:          7\n");
	put(r, "/proc/softirqs", "                    CPU0       CPU1       CPU2       CPU3\n"
			         "          HI:          1          2          3          4\n");
	put(r, "/proc/loadavg", "0.01 0.05 0.10 1/200 1234\n");
	put(r, "/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme de pse\n\n");
	put(r, "/proc/sys/kernel/numa_balancing", "0\n");
	put(r, CPU "/online", "0-3\n");
	put(r, CPU "/isolated", "2-3\n");
	put(r, CPU "/nohz_full", "2-3\n");
	put(r, CPU "/cpu2/topology/thread_siblings_list", "2\n");
	put(r, CPU "/cpu3/topology/thread_siblings_list", "3\n");
	put(r, CPU "/cpufreq/policy2/affected_cpus", "2\n");
	put(r, CPU "/cpufreq/policy2/scaling_governor", "performance\n");
	put(r, CPU "/cpufreq/policy2/scaling_available_governors", "performance powersave\n");
	put(r, CPU "/cpufreq/policy3/affected_cpus", "3\n");
	put(r, CPU "/cpufreq/policy3/scaling_governor", "performance\n");
	put(r, CPU "/cpufreq/boost", "0\n");
	put(r, THP "/enabled", "always [madvise] never\n");
	put(r, THP "/defrag", "always defer defer+madvise [madvise] never\n");
	put(r, THP "/hugepages-64kB/enabled", "always inherit madvise [never]\n");
	put(r, THP "/khugepaged/pages_to_scan", "4096\n");
	put(r, THP "/khugepaged/scan_sleep_millisecs", "86400000\n");
	put(r, THP "/khugepaged/defrag", "1\n");
	put(r, THP "/khugepaged/full_scans", "3\n");
	put(r, "/sys/kernel/mm/ksm/run", "0\n");
	put(r, KD "/nr_kdamonds", "1\n");
	put(r, KD "/0/state", "off\n");
	put(r, KD "/0/pid", "-1\n");
	put(r, KD "/0/contexts/nr_contexts", "0\n");
	put(r, "/sys/devices/system/node/online", "0\n");
}

/* A noisy VM of four CPUs: everything this file knows of is on. */
static void noisy_tree(const char *r)
{
	put(r, "/proc/stat",
	    "cpu  400 0 200 10000 0 0 0 600 0 0\n"
	    "cpu0 100 0 50 2500 0 0 0 150 0 0\n"
	    "cpu1 100 0 50 2500 0 0 0 150 0 0\n"
	    "cpu2 100 0 50 2500 0 0 0 150 0 0\n"
	    "cpu3 100 0 50 2500 0 0 0 150 0 0\n"
	    "ctxt 5000\nprocs_running 4\n");
	put(r, "/proc/loadavg", "2.50 1.00 0.50 4/200 1234\n");
	put(r, "/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme hypervisor lahf_lm\n\n");
	put(r, "/proc/sys/kernel/numa_balancing", "1\n");
	put(r, "/sys/devices/system/node/online", "0-1\n");
	put(r, CPU "/online", "0-3\n");
	put(r, CPU "/isolated", "\n");
	put(r, CPU "/cpu0/topology/thread_siblings_list", "0,2\n");
	put(r, CPU "/cpu1/topology/thread_siblings_list", "1,3\n");
	put(r, CPU "/cpu2/topology/thread_siblings_list", "0,2\n");
	put(r, CPU "/cpu3/topology/thread_siblings_list", "1,3\n");
	put(r, CPU "/cpufreq/policy0/affected_cpus", "0 1\n");
	put(r, CPU "/cpufreq/policy0/scaling_governor", "schedutil\n");
	put(r, CPU "/cpufreq/policy0/scaling_available_governors", "conservative ondemand userspace powersave performance schedutil\n");
	put(r, CPU "/cpufreq/policy2/affected_cpus", "2 3\n");
	put(r, CPU "/cpufreq/policy2/scaling_governor", "performance\n");
	put(r, CPU "/cpufreq/policy2/scaling_available_governors", "performance schedutil\n");
	put(r, CPU "/intel_pstate/no_turbo", "0\n");
	put(r, THP "/enabled", "[always] madvise never\n");
	put(r, THP "/defrag", "[always] defer defer+madvise madvise never\n");
	put(r, THP "/khugepaged/pages_to_scan", "4096\n");
	put(r, THP "/khugepaged/scan_sleep_millisecs", "10000\n");
	put(r, THP "/khugepaged/defrag", "1\n");
	put(r, THP "/khugepaged/full_scans", "7\n");
	put(r, "/sys/kernel/mm/ksm/run", "1\n");
	put(r, KD "/nr_kdamonds", "2\n");
	put(r, KD "/0/state", "on\n");
	put(r, KD "/0/pid", "83\n");
	put(r, KD "/0/contexts/nr_contexts", "1\n");
	put(r, KD "/0/contexts/0/operations", "paddr\n");
	put(r, KD "/0/contexts/0/schemes/nr_schemes", "1\n");
	put(r, KD "/0/contexts/0/schemes/0/action", "pageout\n");
	put(r, KD "/1/state", "off\n");
	put(r, KD "/1/pid", "-1\n");
	put(r, KD "/1/contexts/nr_contexts", "1\n");
	put(r, KD "/1/contexts/0/operations", "vaddr\n");
	put(r, KD "/1/contexts/0/schemes/nr_schemes", "0\n");
	put(r, "/sys/module/damon_reclaim/parameters/enabled", "Y\n");
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->root, sizeof(f->root), "/tmp/fw-test-noise-XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	snprintf(f->state, sizeof(f->state), "%s/state", f->root);
	*state = f;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void assert_has(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("'%s' lacks '%s'", text, want);
}

static void assert_status(const struct noise_snapshot *s, enum noise_id id, enum noise_status st)
{
	if (s->src[id].status != st)
		fail_msg("%s: %s (%s), want %s", noise_names[id], noise_status_names[s->src[id].status],
			 s->src[id].state, noise_status_names[st]);
}

/* ---- parsers ------------------------------------------------------------------ */

static void test_noise_cpuset(void **state)
{
	struct noise_cpuset s;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(noise_cpuset_parse("0-3,8,10-11\n", &s), 0);
	assert_int_equal(noise_cpuset_count(&s), 7);
	assert_int_equal(noise_cpuset_end(&s), 12);
	assert_true(noise_cpuset_has(&s, 8));
	assert_false(noise_cpuset_has(&s, 9));
	noise_cpuset_format(&s, &sb);
	assert_string_equal(sb.buf, "0-3,8,10-11");
	assert_int_equal(noise_cpuset_parse("", &s), 0);
	assert_int_equal(noise_cpuset_count(&s), 0);
	assert_int_equal(noise_cpuset_end(&s), 0);
	assert_int_equal(noise_cpuset_parse("\n", &s), 0);
	assert_int_equal(noise_cpuset_parse("63-64,8191", &s), 0);
	strbuf_reset(&sb);
	noise_cpuset_format(&s, &sb);
	assert_string_equal(sb.buf, "63-64,8191");

	assert_int_equal(noise_cpuset_parse("3-1", &s), -EINVAL);
	assert_int_equal(noise_cpuset_parse("8192", &s), -EINVAL);
	assert_int_equal(noise_cpuset_parse("1,", &s), -EINVAL);
	assert_int_equal(noise_cpuset_parse("1-", &s), -EINVAL);
	assert_int_equal(noise_cpuset_parse("a", &s), -EINVAL);
	assert_int_equal(noise_cpuset_parse("1 2", &s), -EINVAL);
	assert_int_equal(noise_cpuset_parse("1\n2", &s), -EINVAL);
	assert_int_equal(noise_cpuset_parse("99999999999999999999", &s), -EINVAL);
	strbuf_release(&sb);
}

static void test_noise_parse_stat(void **state)
{
	static const char text[] =
		"cpu  10 20 30 40 50 60 70 80 90 100\n"
		"cpu0 1 2 3 4 5 6 7 8 9 10\n"
		"cpu3 10 0 10 100 0 0 0\n"      /* an old kernel: no steal column */
		"cpu9999999 1 1 1 1\n"          /* past NOISE_CPUS_MAX: skipped */
		"cpux 1 2 3 4\n"
		"cpu1\n"
		"intr 55 1 2 3\n"
		"ctxt 123456\n"
		"procs_running 3\n";
	struct noise_counters c = { 0 };

	(void)state;
	assert_int_equal(noise_parse_stat(text, sizeof(text) - 1, &c), 0);
	assert_true(c.have_stat);
	assert_int_equal(c.ncpu, 4);
	assert_int_equal(c.total[0], 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8);
	assert_int_equal(c.busy[0], 1 + 2 + 3 + 6 + 7);
	assert_int_equal(c.steal[0], 8);
	assert_int_equal(c.total[3], 120);
	assert_int_equal(c.steal[3], 0);
	assert_int_equal(c.total[1], 0);
	assert_int_equal(c.ctxt, 123456);
	assert_int_equal(c.procs_running, 3);
	noise_counters_release(&c);

	/* a NUL byte ends the text */
	assert_int_equal(noise_parse_stat("ctxt 5\n\0ctxt 7\n", 15, &c), 0);
	assert_int_equal(c.ctxt, 5);
	assert_false(c.have_stat);
	noise_counters_release(&c);
}

static void test_noise_parse_irq_table(void **state)
{
	/* CPU1 is offline: no column */
	static const char irqs[] =
		"           CPU0       CPU2\n"
		"  0:         10          1   IO-APIC   2-edge      timer\n"
		" 24:          5          6   PCI-MSI 1 2 3 virtio0\n"
		"NMI:          0          0   Non-maskable interrupts\n"
		"ERR:          7\n"
		"MIS:          9\n"
		"bad line\n";
	static const char softirqs[] =
		"                    CPU0       CPU1       CPU2\n"
		"          HI:          1          2          3\n"
		"       TIMER:         10         20         30\n";
	struct noise_counters c = { 0 };

	(void)state;
	assert_int_equal(noise_parse_irq_table(irqs, sizeof(irqs) - 1, false, &c), 0);
	assert_true(c.have_irqs);
	assert_int_equal(c.ncpu, 3);
	assert_int_equal(c.irqs[0], 15);
	assert_int_equal(c.irqs[1], 0);
	assert_int_equal(c.irqs[2], 7);
	assert_int_equal(noise_parse_irq_table(softirqs, sizeof(softirqs) - 1, true, &c), 0);
	assert_true(c.have_softirqs);
	assert_int_equal(c.softirqs[0], 11);
	assert_int_equal(c.softirqs[1], 22);
	assert_int_equal(c.softirqs[2], 33);
	assert_int_equal(c.irqs[0], 15); /* softirqs are kept apart */
	noise_counters_release(&c);

	/* no header: nothing */
	assert_int_equal(noise_parse_irq_table(" 0: 1 2\n", 8, false, &c), 0);
	assert_false(c.have_irqs);
	noise_counters_release(&c);
}

static void test_noise_parse_schedstat(void **state)
{
	static const char v15[] = "version 15\ntimestamp 4295\n"
				  "cpu0 0 0 500 100 300 200 999 888 50\n"
				  "domain0 3 1 2 3\n"
				  "cpu1 0 0 700 100 300 200 999 888 50\n";
	static const char v10[] = "version 10\ncpu0 1 2 3 4 5 6 7 8 9 10 11 12\n";
	struct noise_counters c = { 0 };

	(void)state;
	assert_int_equal(noise_parse_schedstat(v15, sizeof(v15) - 1, &c), 0);
	assert_true(c.have_scheds);
	assert_int_equal(c.scheds[0], 500);
	assert_int_equal(c.scheds[1], 700);
	noise_counters_release(&c);
	/* another layout: not guessed at */
	assert_int_equal(noise_parse_schedstat(v10, sizeof(v10) - 1, &c), 0);
	assert_false(c.have_scheds);
	noise_counters_release(&c);
}

static void test_noise_during(void **state)
{
	static const char a_stat[] = "cpu0 100 0 0 900 0 0 0 0\ncpu1 100 0 0 900 0 0 0 0\nctxt 10\n";
	static const char b_stat[] = "cpu0 150 0 0 930 0 0 0 20\ncpu1 500 0 0 900 0 0 0 100\nctxt 70\n";
	static const char a_irq[] = " CPU0 CPU1\n 1: 10 20\n";
	static const char b_irq[] = " CPU0 CPU1\n 1: 15 220\n";
	struct noise_counters a = { 0 }, b = { 0 };
	struct noise_cpuset cpus;
	struct noise_during d;

	(void)state;
	assert_int_equal(noise_parse_stat(a_stat, sizeof(a_stat) - 1, &a), 0);
	assert_int_equal(noise_parse_stat(b_stat, sizeof(b_stat) - 1, &b), 0);
	assert_int_equal(noise_parse_irq_table(a_irq, sizeof(a_irq) - 1, false, &a), 0);
	assert_int_equal(noise_parse_irq_table(b_irq, sizeof(b_irq) - 1, false, &b), 0);
	a.at = 10;
	b.at = 12.5;
	assert_int_equal(noise_cpuset_parse("0", &cpus), 0);
	noise_during_compute(&a, &b, &cpus, 100, &d);
	assert_true(d.valid);
	assert_true(fabs(d.seconds - 2.5) < 1e-9);
	/* cpu0: 100 ticks passed, 20 stolen, 50 busy */
	assert_int_equal(d.steal_ticks, 20);
	assert_true(fabs(d.steal_pct - 20.0) < 1e-9);
	assert_true(fabs(d.busy_pct - 50.0) < 1e-9);
	assert_int_equal(d.interrupts, 5);
	assert_true(d.have_irqs);
	assert_false(d.have_softirqs);
	assert_int_equal(d.context_switches, 60);
	assert_int_equal(noise_cpuset_parse("0-1", &cpus), 0);
	noise_during_compute(&a, &b, &cpus, 100, &d);
	assert_int_equal(d.steal_ticks, 120);
	assert_int_equal(d.interrupts, 205);
	/* counters that went backwards (a CPU hot-plugged) count as no change */
	noise_during_compute(&b, &a, &cpus, 100, &d);
	assert_int_equal(d.steal_ticks, 0);
	assert_int_equal(d.context_switches, 0);
	noise_counters_release(&a);
	noise_counters_release(&b);
}

/* ---- snapshots of fixture trees ------------------------------------------------ */

static void test_noise_quiet_machine(void **state)
{
	struct fixture *f = *state;
	struct noise_snapshot s;
	struct noise_cpuset cpus;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	int i;

	quiet_tree(f->root);
	assert_int_equal(noise_cpuset_parse("2-3", &cpus), 0);
	assert_int_equal(noise_snapshot_read(&s, f->root, &cpus, NULL, &err), 0);
	for (i = 0; i < NOISE_COUNT; i++)
		if (s.src[i].status == NOISE_NOISY || s.src[i].status == NOISE_INFO)
			fail_msg("%s: %s (%s)", noise_names[i], noise_status_names[s.src[i].status],
				 s.src[i].state);
	assert_int_equal(noise_count_noisy(&s, NULL), 0);
	assert_status(&s, NOISE_DAMON, NOISE_QUIET);
	assert_has(s.src[NOISE_DAMON].state, "no kdamond running (1 configured)");
	assert_status(&s, NOISE_KHUGEPAGED, NOISE_QUIET);
	assert_has(s.src[NOISE_KHUGEPAGED].state, "paused");
	assert_status(&s, NOISE_GOVERNOR, NOISE_QUIET);
	assert_has(s.src[NOISE_GOVERNOR].state, "performance on 2 policies");
	assert_status(&s, NOISE_BOOST, NOISE_QUIET);
	assert_status(&s, NOISE_ISOLATED, NOISE_QUIET);
	assert_status(&s, NOISE_HYPERVISOR, NOISE_QUIET);
	assert_int_equal(s.start.irqs[3], 400);
	assert_int_equal(s.start.softirqs[2], 3);
	noise_report(&s, &out);
	assert_has(out.buf, "CPUs in use: 2-3 (the benchmark's)");
	assert_has(out.buf, "quiet: no known noise source is active");
	noise_snapshot_release(&s);

	/* every online CPU by default: then the two that are not isolated are in use too */
	assert_int_equal(noise_snapshot_read(&s, f->root, NULL, NULL, &err), 0);
	assert_status(&s, NOISE_ISOLATED, NOISE_INFO);
	assert_has(s.src[NOISE_ISOLATED].state, "CPUs 2-3 isolated, nohz_full 2-3");
	assert_int_equal(noise_count_noisy(&s, NULL), 0);
	noise_snapshot_release(&s);
	strbuf_release(&err);
	strbuf_release(&out);
}

static void test_noise_noisy_machine(void **state)
{
	struct fixture *f = *state;
	struct noise_snapshot s;
	struct strbuf err = STRBUF_INIT, names = STRBUF_INIT, out = STRBUF_INIT;

	noisy_tree(f->root);
	assert_int_equal(noise_snapshot_read(&s, f->root, NULL, NULL, &err), 0);
	assert_status(&s, NOISE_DAMON, NOISE_NOISY);
	assert_has(s.src[NOISE_DAMON].state, "kdamond 0 on (pid 83): paddr, scheme pageout");
	assert_has(s.src[NOISE_DAMON].state, "module damon_reclaim enabled");
	assert_true(strstr(s.src[NOISE_DAMON].state, "kdamond 1") == NULL);
	assert_int_equal(s.nkdamonds, 2);
	assert_string_equal(s.kd[1].ctx[0].ops, "vaddr");
	assert_status(&s, NOISE_KHUGEPAGED, NOISE_NOISY);
	assert_has(s.src[NOISE_KHUGEPAGED].state, "scans 4096 pages every 10.0 s");
	assert_status(&s, NOISE_KSM, NOISE_NOISY);
	assert_status(&s, NOISE_NUMA, NOISE_NOISY);
	assert_has(s.src[NOISE_NUMA].state, "2 NUMA nodes");
	assert_status(&s, NOISE_THP, NOISE_NOISY);
	assert_status(&s, NOISE_GOVERNOR, NOISE_NOISY);
	assert_has(s.src[NOISE_GOVERNOR].state, "policy0 schedutil");
	assert_true(strstr(s.src[NOISE_GOVERNOR].state, "policy2") == NULL);
	assert_status(&s, NOISE_BOOST, NOISE_NOISY);
	assert_has(s.src[NOISE_BOOST].state, "intel_pstate/no_turbo");
	assert_status(&s, NOISE_SMT, NOISE_NOISY);
	assert_has(s.src[NOISE_SMT].state, "0:2 1:3 2:0 3:1");
	assert_status(&s, NOISE_ISOLATED, NOISE_INFO);
	assert_status(&s, NOISE_LOAD, NOISE_NOISY);
	assert_has(s.src[NOISE_LOAD].state, "load average 2.50 1.00 0.50, 3 other tasks running");
	assert_status(&s, NOISE_STEAL, NOISE_NOISY);
	assert_has(s.src[NOISE_STEAL].state, "5.36% of the CPUs' time stolen since boot");
	assert_status(&s, NOISE_HYPERVISOR, NOISE_NOISY);
	assert_has(s.src[NOISE_HYPERVISOR].state, "'hypervisor' CPU flag");
	assert_int_equal(noise_count_noisy(&s, &names), 11);
	assert_string_equal(names.buf, "damon khugepaged ksm numa_balancing thp governor boost smt "
				       "load steal hypervisor");
	noise_report(&s, &out);
	assert_has(out.buf, "noisy: 11 sources will add noise: damon, khugepaged, ksm");
	assert_has(out.buf, "--tune' quiets damon, khugepaged, ksm, numa_balancing, thp, governor, boost");
	noise_snapshot_release(&s);

	/* only CPU 2 in use: its policy runs performance; its sibling 0 is online */
	{
		struct noise_cpuset cpus;

		assert_int_equal(noise_cpuset_parse("2", &cpus), 0);
		assert_int_equal(noise_snapshot_read(&s, f->root, &cpus, NULL, &err), 0);
		assert_status(&s, NOISE_GOVERNOR, NOISE_QUIET);
		assert_int_equal(s.npolicies, 1);
		assert_string_equal(s.smt_pairs, "2:0");
		/* steal over CPU 2 only */
		assert_has(s.src[NOISE_STEAL].state, "5.36%");
		assert_int_equal(noise_cpuset_count(&s.cpus), 1);
		noise_snapshot_release(&s);
	}
	/* a CPUID signature names the hypervisor */
	assert_int_equal(noise_snapshot_read(&s, f->root, NULL, "KVMKVMKVM", &err), 0);
	assert_has(s.src[NOISE_HYPERVISOR].state, "KVM (CPUID signature 'KVMKVMKVM')");
	noise_snapshot_release(&s);
	strbuf_release(&err);
	strbuf_release(&names);
	strbuf_release(&out);
}

/* A root without /proc: an error that says so; a bare /proc: every source absent or quiet. */
static void test_noise_bare_roots(void **state)
{
	struct fixture *f = *state;
	struct noise_snapshot s;
	struct strbuf err = STRBUF_INIT;
	char path[128];
	int i;

	snprintf(path, sizeof(path), "%s/nothing", f->root);
	assert_int_equal(noise_snapshot_read(&s, path, NULL, NULL, &err), -ENOENT);
	assert_has(err.buf, "/proc/stat");
	noise_snapshot_release(&s);

	strbuf_reset(&err);
	put(f->root, "/proc/stat", "cpu0 1 0 0 99 0 0 0 0\ncpu1 1 0 0 99 0 0 0 0\nctxt 1\n");
	assert_int_equal(noise_snapshot_read(&s, f->root, NULL, NULL, &err), 0);
	assert_int_equal(noise_cpuset_count(&s.cpus), 2); /* the CPUs /proc/stat names */
	for (i = 0; i < NOISE_COUNT; i++)
		if (s.src[i].status == NOISE_NOISY)
			fail_msg("%s noisy on a bare tree: %s", noise_names[i], s.src[i].state);
	assert_status(&s, NOISE_DAMON, NOISE_ABSENT);
	assert_status(&s, NOISE_KHUGEPAGED, NOISE_ABSENT);
	assert_status(&s, NOISE_GOVERNOR, NOISE_ABSENT);
	noise_snapshot_release(&s);
	strbuf_release(&err);
}

/* What a sample over time says: steal and busy CPUs judged from the change. */
static void test_noise_finish(void **state)
{
	struct fixture *f = *state;
	struct noise_snapshot s;
	struct strbuf err = STRBUF_INIT;

	noisy_tree(f->root);
	assert_int_equal(noise_snapshot_read(&s, f->root, NULL, NULL, &err), 0);
	/* no time passed: nothing to judge from, the share since boot stays */
	noise_snapshot_finish(&s, true);
	assert_status(&s, NOISE_STEAL, NOISE_NOISY);
	assert_has(s.src[NOISE_STEAL].state, "since boot");
	noise_snapshot_release(&s);

	/* idle and nothing stolen since: quiet now, whatever happened since boot */
	assert_int_equal(noise_snapshot_read(&s, f->root, NULL, NULL, &err), 0);
	put(f->root, "/proc/stat",
	    "cpu0 100 0 50 2600 0 0 0 150 0 0\n"
	    "cpu1 100 0 50 2600 0 0 0 150 0 0\n"
	    "cpu2 100 0 50 2600 0 0 0 150 0 0\n"
	    "cpu3 120 0 50 2580 0 0 0 150 0 0\n");
	noise_snapshot_finish(&s, true);
	assert_true(s.during.valid);
	assert_status(&s, NOISE_STEAL, NOISE_QUIET);
	assert_has(s.src[NOISE_STEAL].state, "0.00% of the CPUs' time stolen over");
	assert_has(s.src[NOISE_LOAD].state, "the CPUs in use 5% busy over");
	assert_status(&s, NOISE_LOAD, NOISE_NOISY); /* the load average of 2.5 */
	noise_snapshot_release(&s);
	noisy_tree(f->root);

	assert_int_equal(noise_snapshot_read(&s, f->root, NULL, NULL, &err), 0);
	put(f->root, "/proc/stat",
	    "cpu0 200 0 50 2500 0 0 0 250 0 0\n"
	    "cpu1 100 0 50 2600 0 0 0 150 0 0\n"
	    "cpu2 100 0 50 2600 0 0 0 150 0 0\n"
	    "cpu3 100 0 50 2600 0 0 0 150 0 0\n"
	    "ctxt 5100\n");
	/* during a benchmark: 100 of 600 ticks stolen; load is not judged from busy CPUs */
	noise_snapshot_finish(&s, false);
	assert_status(&s, NOISE_STEAL, NOISE_NOISY);
	assert_int_equal(s.during.steal_ticks, 100);
	assert_int_equal(s.during.context_switches, 100);
	assert_true(strstr(s.src[NOISE_LOAD].state, "busy") == NULL);
	noise_snapshot_release(&s);
	strbuf_release(&err);
}

static void test_noise_json(void **state)
{
	struct fixture *f = *state;
	struct noise_snapshot s;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	const struct jread_node *n, *src;
	struct jread_node *root;
	struct jw jw;

	noisy_tree(f->root);
	assert_int_equal(noise_snapshot_read(&s, f->root, NULL, NULL, &err), 0);
	noise_snapshot_finish(&s, false);
	jw_init(&jw, &out);
	noise_json(&s, &jw, NULL);
	assert_int_equal(jread_parse(&root, out.buf, out.len, &err), 0);
	assert_false(jread_get(root, "quiet")->b);
	assert_string_equal(jread_str(jread_get(root, "cpus")), "0-3");
	n = jread_get(root, "noisy");
	assert_int_equal(n->n, 11);
	assert_string_equal(jread_str(jread_at(n, 0)), "damon");
	n = jread_get(root, "sources");
	assert_int_equal(n->n, NOISE_COUNT);
	src = jread_at(n, 0);
	assert_string_equal(jread_str(jread_get(src, "name")), "damon");
	assert_string_equal(jread_str(jread_get(src, "status")), "noisy");
	n = jread_at(jread_get(jread_get(root, "damon"), "kdamonds"), 0);
	assert_string_equal(jread_str(jread_get(n, "state")), "on");
	assert_int_equal(jread_get(n, "pid")->i, 83);
	n = jread_at(jread_get(n, "contexts"), 0);
	assert_string_equal(jread_str(jread_get(n, "operations")), "paddr");
	assert_string_equal(jread_str(jread_at(jread_get(n, "actions"), 0)), "pageout");
	n = jread_get(root, "during");
	assert_int_equal(n->type, JREAD_OBJ);
	assert_int_equal(jread_get(n, "context_switches")->i, 0);
	assert_int_equal(jread_get(n, "interrupts")->type, JREAD_NULL); /* no /proc/interrupts */
	assert_int_equal(jread_get(n, "per_cpu")->n, 4);
	assert_int_equal(jread_get(root, "tuned")->n, 0);
	jread_free(root);
	noise_snapshot_release(&s);
	strbuf_release(&err);
	strbuf_release(&out);
}

/* ---- --tune -------------------------------------------------------------------- */

static int open_journal(struct fixture *f, struct knob_journal **kj, int *restored)
{
	struct tune_places places;
	struct strbuf err = STRBUF_INIT;
	char prefix[128];
	int ret;

	snprintf(prefix, sizeof(prefix), "%s" THP, f->root);
	tune_places(f->root, &places);
	ret = knob_journal_open_in(kj, f->state, prefix, places.list, restored, &err);
	if (ret)
		print_error("%s\n", err.buf);
	strbuf_release(&err);
	return ret;
}

static void assert_noisy_knobs(const char *r)
{
	assert_file(r, KD "/0/state", "on");
	assert_file(r, KD "/1/state", "off");
	assert_file(r, "/sys/module/damon_reclaim/parameters/enabled", "Y");
	assert_file(r, THP "/khugepaged/pages_to_scan", "4096");
	assert_file(r, THP "/khugepaged/scan_sleep_millisecs", "10000");
	assert_file(r, THP "/khugepaged/defrag", "1");
	assert_file(r, "/sys/kernel/mm/ksm/run", "1");
	assert_file(r, "/proc/sys/kernel/numa_balancing", "1");
	assert_file(r, THP "/defrag", "always");
	assert_file(r, THP "/enabled", "always");
	assert_file(r, CPU "/cpufreq/policy0/scaling_governor", "schedutil");
	assert_file(r, CPU "/cpufreq/policy2/scaling_governor", "performance");
	assert_file(r, CPU "/intel_pstate/no_turbo", "0");
}

static void test_tune_restores(void **state)
{
	struct fixture *f = *state;
	struct noise_snapshot s;
	struct knob_journal *kj;
	struct strbuf err = STRBUF_INIT;
	int restored, i;

	noisy_tree(f->root);
	assert_int_equal(open_journal(f, &kj, &restored), 0);
	assert_int_equal(tune_begin(&s, f->root, NULL, NULL, kj, true, &err), 0);
	assert_int_equal(err.len, 0);
	/* what the runs are measured under */
	assert_file(f->root, KD "/0/state", "off");
	assert_file(f->root, "/sys/module/damon_reclaim/parameters/enabled", "N");
	assert_file(f->root, THP "/khugepaged/pages_to_scan", "1");
	assert_file(f->root, THP "/khugepaged/scan_sleep_millisecs", "86400000");
	assert_file(f->root, THP "/khugepaged/defrag", "0");
	assert_file(f->root, "/sys/kernel/mm/ksm/run", "0");
	assert_file(f->root, "/proc/sys/kernel/numa_balancing", "0");
	assert_file(f->root, THP "/defrag", "madvise");
	assert_file(f->root, THP "/enabled", "always"); /* not forkwatch's to change */
	assert_file(f->root, CPU "/cpufreq/policy0/scaling_governor", "performance");
	assert_file(f->root, CPU "/intel_pstate/no_turbo", "1");
	/* the snapshot is taken again after tuning, and says what was changed */
	assert_status(&s, NOISE_DAMON, NOISE_QUIET);
	assert_status(&s, NOISE_KHUGEPAGED, NOISE_QUIET);
	assert_status(&s, NOISE_KSM, NOISE_QUIET);
	assert_status(&s, NOISE_NUMA, NOISE_QUIET);
	assert_status(&s, NOISE_GOVERNOR, NOISE_QUIET);
	assert_status(&s, NOISE_BOOST, NOISE_QUIET);
	assert_status(&s, NOISE_THP, NOISE_NOISY); /* enabled always */
	assert_status(&s, NOISE_HYPERVISOR, NOISE_NOISY);
	assert_int_equal(s.ntuned, 10);
	assert_int_equal(s.tuned[0].source, NOISE_DAMON);
	assert_has(s.tuned[0].path, KD "/0/state");
	assert_string_equal(s.tuned[0].from, "on");
	assert_string_equal(s.tuned[0].to, "off");
	for (i = 0; i < s.ntuned; i++)
		assert_string_not_equal(s.tuned[i].from, s.tuned[i].to);
	knob_journal_free(kj); /* restores */
	assert_noisy_knobs(f->root);
	noise_snapshot_release(&s);

	/* tuning a quiet machine changes nothing */
	assert_int_equal(open_journal(f, &kj, &restored), 0);
	assert_int_equal(restored, 0);
	assert_int_equal(tune_begin(&s, f->root, NULL, NULL, kj, false, &err), 0);
	assert_int_equal(s.ntuned, 0);
	assert_file(f->root, KD "/0/state", "on");
	knob_journal_free(kj);
	noise_snapshot_release(&s);
	strbuf_release(&err);
}

/* A run killed after tuning (SIGKILL: no restore) leaves the journal; the next start restores. */
static void test_tune_killed_run(void **state)
{
	struct fixture *f = *state;
	struct knob_journal *kj;
	int restored, status;
	pid_t pid;

	noisy_tree(f->root);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct noise_snapshot s;
		struct strbuf err = STRBUF_INIT;

		if (open_journal(f, &kj, &restored) || tune_begin(&s, f->root, NULL, NULL, kj, true, &err))
			_exit(1);
		_exit(0); /* as a SIGKILL would: nothing restored */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	assert_file(f->root, KD "/0/state", "off");
	assert_file(f->root, CPU "/cpufreq/policy0/scaling_governor", "performance");

	assert_int_equal(open_journal(f, &kj, &restored), 0);
	assert_int_equal(restored, 10);
	assert_noisy_knobs(f->root);
	knob_journal_free(kj);
}

/* A knob --tune cannot write: an error naming it, and what was changed is restored. */
static void test_tune_error(void **state)
{
	struct fixture *f = *state;
	struct noise_snapshot s;
	struct knob_journal *kj;
	struct strbuf err = STRBUF_INIT;
	char path[256];
	int restored;

	noisy_tree(f->root);
	snprintf(path, sizeof(path), "%s/sys/kernel/mm/ksm/run", f->root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0); /* reads fail: not a knob */
	assert_int_equal(open_journal(f, &kj, &restored), 0);
	assert_int_equal(noise_snapshot_read(&s, f->root, NULL, NULL, &err), 0);
	s.ksm_run = 1; /* as if it had read 1 */
	noise_assess(&s);
	assert_true(tune_apply(&s, kj, &err) < 0);
	assert_has(err.buf, "/sys/kernel/mm/ksm/run");
	assert_file(f->root, KD "/0/state", "off"); /* tuned before the failure */
	knob_journal_free(kj);
	assert_file(f->root, KD "/0/state", "on");
	noise_snapshot_release(&s);
	strbuf_release(&err);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noise_cpuset),
		cmocka_unit_test(test_noise_parse_stat),
		cmocka_unit_test(test_noise_parse_irq_table),
		cmocka_unit_test(test_noise_parse_schedstat),
		cmocka_unit_test(test_noise_during),
		T(test_noise_quiet_machine),
		T(test_noise_noisy_machine),
		T(test_noise_bare_roots),
		T(test_noise_finish),
		T(test_noise_json),
		T(test_tune_restores),
		T(test_tune_killed_run),
		T(test_tune_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
