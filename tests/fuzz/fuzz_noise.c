// SPDX-License-Identifier: GPL-2.0
/*
 * The noise snapshot (forkwatch check, and every result document), from
 * collectors/noise.c: /proc/stat, /proc/interrupts, /proc/softirqs,
 * /proc/schedstat, CPU lists, and a whole /proc and /sys tree.
 *
 * The input is records separated by "%%\n" lines: the first is fed to
 * the text parsers; each one, in order, also becomes a file of a tree
 * (the table below) that noise_snapshot_read() reads as its root, as
 * the tests' fixtures do.  Contracts: the counters stay within
 * NOISE_CPUS_MAX, a parsed CPU list reads back the same, the snapshot's
 * JSON is valid (jread, strict UTF-8) and names every source, and the
 * report holds no control characters but newlines.
 */
#include "fuzz.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/noise.h"
#include "lib/jread.h"

static const char *const files[] = {
	"/proc/stat",
	"/proc/interrupts",
	"/proc/softirqs",
	"/proc/schedstat",
	"/proc/loadavg",
	"/proc/cpuinfo",
	"/sys/devices/system/cpu/online",
	"/sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds",
	"/sys/kernel/mm/damon/admin/kdamonds/0/state",
	"/sys/kernel/mm/damon/admin/kdamonds/0/pid",
	"/sys/kernel/mm/damon/admin/kdamonds/0/contexts/nr_contexts",
	"/sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/operations",
	"/sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/nr_schemes",
	"/sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/action",
	"/sys/kernel/mm/transparent_hugepage/enabled",
	"/sys/kernel/mm/transparent_hugepage/defrag",
	"/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled",
	"/sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan",
	"/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs",
	"/sys/kernel/mm/ksm/run",
	"/proc/sys/kernel/numa_balancing",
	"/sys/devices/system/cpu/cpufreq/policy0/affected_cpus",
	"/sys/devices/system/cpu/cpufreq/policy0/scaling_governor",
	"/sys/devices/system/cpu/cpufreq/policy0/scaling_available_governors",
	"/sys/devices/system/cpu/cpufreq/boost",
	"/sys/devices/system/cpu/cpu0/topology/thread_siblings_list",
	"/sys/devices/system/cpu/isolated",
	"/sys/hypervisor/type",
	"/sys/class/dmi/id/sys_vendor",
	"/sys/module/damon_reclaim/parameters/enabled",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static char root[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_root(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void put(const char *rel, const char *data, size_t len)
{
	char path[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	f = fopen(path, "w");
	if (!f)
		abort();
	if (len && fwrite(data, 1, len, f) != len)
		abort();
	fclose(f);
}

static void check_counters(const struct noise_counters *c)
{
	FUZZ_CHECK(c->ncpu <= NOISE_CPUS_MAX, "%u CPUs", c->ncpu);
	FUZZ_CHECK(!c->ncpu || (c->total && c->steal && c->irqs && c->softirqs && c->scheds),
		   "arrays missing for %u CPUs", c->ncpu);
}

static void parsers(const char *text, size_t len)
{
	struct noise_counters c = { 0 };
	struct noise_cpuset set, again;
	char *s;

	c.procs_running = -1;
	if (noise_parse_stat(text, len, &c) || noise_parse_irq_table(text, len, false, &c) ||
	    noise_parse_irq_table(text, len, true, &c) || noise_parse_schedstat(text, len, &c))
		abort(); /* only -ENOMEM */
	check_counters(&c);
	noise_counters_release(&c);

	s = fuzz_cstr((const uint8_t *)text, len);
	if (!noise_cpuset_parse(s, &set)) {
		struct strbuf sb = STRBUF_INIT;

		noise_cpuset_format(&set, &sb);
		FUZZ_CHECK(!noise_cpuset_parse(sb.buf, &again) && !memcmp(&set, &again, sizeof(set)),
			   "CPU list '%s' does not read back", sb.buf);
		strbuf_release(&sb);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct noise_snapshot s;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct jread_node *doc;
	struct jw jw;
	size_t i, k;

	if (!root[0]) {
		/* in memory where there is a tmpfs: files are written every run */
		snprintf(root, sizeof(root), "%s/fuzz-noise-XXXXXX",
			 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
		if (!mkdtemp(root))
			abort();
		atexit(remove_root);
	}
	/* the files the input has no record for do not exist (directories stay: cheaper) */
	for (k = 0; k < NFILES; k++) {
		const char *sep = p < end ? memmem(p, (size_t)(end - p), "%%\n", 3) : NULL;
		const char *stop = sep ? sep : end;
		char path[512];

		if (p >= end) {
			snprintf(path, sizeof(path), "%s%s", root, files[k]);
			unlink(path);
			continue;
		}
		if (k == 0)
			parsers(p, (size_t)(stop - p));
		put(files[k], p, (size_t)(stop - p));
		p = sep ? sep + 3 : end;
	}

	if (!noise_snapshot_read(&s, root, NULL, NULL, &err)) {
		noise_snapshot_finish(&s, true);
		check_counters(&s.start);
		check_counters(&s.end);
		jw_init(&jw, &out);
		noise_json(&s, &jw, NULL);
		FUZZ_CHECK(!jread_parse(&doc, out.buf, out.len, &err), "JSON: %s: %s", err.buf, out.buf);
		FUZZ_CHECK(jread_get(doc, "sources") && jread_get(doc, "sources")->n == NOISE_COUNT,
			   "sources missing: %s", out.buf);
		jread_free(doc);
		strbuf_reset(&out);
		noise_report(&s, &out);
		for (i = 0; i < out.len; i++)
			FUZZ_CHECK((unsigned char)out.buf[i] >= ' ' || out.buf[i] == '\n',
				   "control character %#x in the report", (unsigned char)out.buf[i]);
	}
	noise_snapshot_release(&s);
	strbuf_release(&err);
	strbuf_release(&out);
	return 0;
}
