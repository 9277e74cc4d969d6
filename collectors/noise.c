// SPDX-License-Identifier: GPL-2.0
/*
 * The noise snapshot: each source's facts read under the root, assessed
 * into a status, a state and advice; the document's JSON and the report
 * of forkwatch check.  CPU sets and per-CPU counters: noise_counters.c.
 */
#include "collectors/noise.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collectors/knob.h"
#include "collectors/noise_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

const char *const noise_status_names[] = { "absent", "quiet", "info", "noisy" };

const char *const noise_names[NOISE_COUNT] = {
	[NOISE_DAMON] = "damon",
	[NOISE_KHUGEPAGED] = "khugepaged",
	[NOISE_KSM] = "ksm",
	[NOISE_NUMA] = "numa_balancing",
	[NOISE_THP] = "thp",
	[NOISE_GOVERNOR] = "governor",
	[NOISE_BOOST] = "boost",
	[NOISE_SMT] = "smt",
	[NOISE_ISOLATED] = "isolated_cpus",
	[NOISE_LOAD] = "load",
	[NOISE_STEAL] = "steal",
	[NOISE_HYPERVISOR] = "hypervisor",
};

/* Thresholds: what counts as noise. */
#define STEAL_NOISY_PCT 1.0      /* of the CPUs' time stolen by the hypervisor */
#define LOAD_NOISY 0.5           /* 1-minute load average */
#define BUSY_NOISY_PCT 10.0      /* of the CPUs' time used by other work while check sampled */
#define KHUGEPAGED_PAUSED_MS 3600000L /* a scan at most hourly: as good as paused */

/* ---- facts ----------------------------------------------------------------- */

static bool cpuset_intersects(const struct noise_cpuset *a, const struct noise_cpuset *b)
{
	unsigned i;

	for (i = 0; i < NOISE_CPUS_MAX / 64; i++)
		if (a->bits[i] & b->bits[i])
			return true;
	return false;
}

static bool cpuset_subset(const struct noise_cpuset *a, const struct noise_cpuset *b)
{
	unsigned i;

	for (i = 0; i < NOISE_CPUS_MAX / 64; i++)
		if (a->bits[i] & ~b->bits[i])
			return false;
	return true;
}

/* The first line of root+rel, trimmed, into out ("" when unreadable): 0 or a negative errno. */
static int read_line_rel(const char *root, const char *rel, char *out, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = noise_read_rel(root, rel, &sb);

	out[0] = '\0';
	if (!ret) {
		size_t n = strcspn(sb.buf, "\n");
		size_t i;

		while (n && (sb.buf[n - 1] == ' ' || sb.buf[n - 1] == '\t' || sb.buf[n - 1] == '\r'))
			n--;
		snprintf(out, len, "%.*s", (int)n, sb.buf);
		/* one line of printable text: it ends up in documents and terminals */
		for (i = 0; out[i]; i++)
			if ((unsigned char)out[i] < ' ' || out[i] == 0x7f)
				out[i] = '?';
	}
	strbuf_release(&sb);
	return ret;
}

static int read_long_rel(const char *root, const char *rel, long *out)
{
	char line[64], *end;
	long v;
	int ret = read_line_rel(root, rel, line, sizeof(line));

	if (ret)
		return ret;
	v = strtol(line, &end, 10);
	if (end == line || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int read_choice_rel(const char *root, const char *rel, char *out, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = noise_read_rel(root, rel, &sb);

	if (!ret)
		ret = knob_parse_choice(sb.buf, out, len);
	if (ret)
		out[0] = '\0';
	strbuf_release(&sb);
	return ret;
}

static int read_cpuset_rel(const char *root, const char *rel, struct noise_cpuset *set)
{
	char line[4096];
	int ret = read_line_rel(root, rel, line, sizeof(line));

	memset(set, 0, sizeof(*set));
	if (ret)
		return ret;
	return noise_cpuset_parse(line, set);
}

static bool exists_rel(const char *root, const char *rel)
{
	struct strbuf path = STRBUF_INIT;
	bool ok;

	noise_root_path(root, rel, &path);
	ok = access(path.buf, F_OK) == 0;
	strbuf_release(&path);
	return ok;
}

#define DAMON_DIR "/sys/kernel/mm/damon/admin/kdamonds"
#define THP_REL "/sys/kernel/mm/transparent_hugepage"
#define CPU_REL "/sys/devices/system/cpu"

static void read_damon(struct noise_snapshot *s)
{
	static const char *const modules[] = { "damon_reclaim", "damon_lru_sort", "damon_stat" };
	struct strbuf rel = STRBUF_INIT;
	long nr = 0;
	size_t m;
	int i, j, k;

	s->damon_sysfs = exists_rel(s->root, DAMON_DIR);
	if (s->damon_sysfs && read_long_rel(s->root, DAMON_DIR "/nr_kdamonds", &nr))
		nr = 0;
	for (i = 0; i < nr && s->nkdamonds < NOISE_KDAMONDS_MAX; i++) {
		struct noise_kdamond *kd = &s->kd[s->nkdamonds++];
		long nctx = 0;

		kd->index = (unsigned)i;
		strbuf_reset(&rel);
		strbuf_addf(&rel, DAMON_DIR "/%d/state", i);
		if (read_choice_rel(s->root, rel.buf, kd->state, sizeof(kd->state)))
			snprintf(kd->state, sizeof(kd->state), "unknown");
		strbuf_reset(&rel);
		strbuf_addf(&rel, DAMON_DIR "/%d/pid", i);
		if (read_long_rel(s->root, rel.buf, &kd->pid) || kd->pid <= 0)
			kd->pid = -1;
		strbuf_reset(&rel);
		strbuf_addf(&rel, DAMON_DIR "/%d/contexts/nr_contexts", i);
		if (read_long_rel(s->root, rel.buf, &nctx) || nctx < 0)
			nctx = 0;
		for (j = 0; j < nctx && kd->nctx < NOISE_DAMON_CTXS_MAX; j++) {
			long nsch = 0;

			strbuf_reset(&rel);
			strbuf_addf(&rel, DAMON_DIR "/%d/contexts/%d/operations", i, j);
			if (read_choice_rel(s->root, rel.buf, kd->ctx[j].ops, sizeof(kd->ctx[j].ops)))
				snprintf(kd->ctx[j].ops, sizeof(kd->ctx[j].ops), "unknown");
			strbuf_reset(&rel);
			strbuf_addf(&rel, DAMON_DIR "/%d/contexts/%d/schemes/nr_schemes", i, j);
			if (read_long_rel(s->root, rel.buf, &nsch) || nsch < 0)
				nsch = 0;
			kd->ctx[j].nschemes = nsch > 1000 ? 1000 : (int)nsch;
			for (k = 0; k < nsch && k < NOISE_DAMON_SCHEMES_MAX; k++) {
				strbuf_reset(&rel);
				strbuf_addf(&rel, DAMON_DIR "/%d/contexts/%d/schemes/%d/action", i, j, k);
				if (read_choice_rel(s->root, rel.buf, kd->ctx[j].actions[k],
						    sizeof(kd->ctx[j].actions[k])))
					snprintf(kd->ctx[j].actions[k], sizeof(kd->ctx[j].actions[k]), "unknown");
			}
			kd->nctx++;
		}
	}
	for (m = 0; m < sizeof(modules) / sizeof(modules[0]); m++) {
		char yn[8];

		strbuf_reset(&rel);
		strbuf_addf(&rel, "/sys/module/%s/parameters/enabled", modules[m]);
		if (!read_choice_rel(s->root, rel.buf, yn, sizeof(yn)) && (yn[0] == 'Y' || yn[0] == '1'))
			snprintf(s->damon_modules + strlen(s->damon_modules),
				 sizeof(s->damon_modules) - strlen(s->damon_modules), "%s%s",
				 s->damon_modules[0] ? " " : "", modules[m]);
	}
	strbuf_release(&rel);
}

static void read_thp(struct noise_snapshot *s)
{
	struct strbuf path = STRBUF_INIT, rel = STRBUF_INIT;
	struct dirent *de;
	DIR *d;

	read_choice_rel(s->root, THP_REL "/enabled", s->thp_enabled, sizeof(s->thp_enabled));
	read_choice_rel(s->root, THP_REL "/defrag", s->thp_defrag, sizeof(s->thp_defrag));
	s->khugepaged_dir = exists_rel(s->root, THP_REL "/khugepaged");
	s->khugepaged_pages = s->khugepaged_sleep_ms = s->khugepaged_defrag = -1;
	s->khugepaged_full_scans = -1;
	read_long_rel(s->root, THP_REL "/khugepaged/pages_to_scan", &s->khugepaged_pages);
	read_long_rel(s->root, THP_REL "/khugepaged/scan_sleep_millisecs", &s->khugepaged_sleep_ms);
	read_long_rel(s->root, THP_REL "/khugepaged/defrag", &s->khugepaged_defrag);
	read_long_rel(s->root, THP_REL "/khugepaged/full_scans", &s->khugepaged_full_scans);
	noise_root_path(s->root, THP_REL, &path);
	d = opendir(path.buf);
	while (d && (de = readdir(d))) {
		char val[32];

		if (strncmp(de->d_name, "hugepages-", 10))
			continue;
		strbuf_reset(&rel);
		strbuf_addf(&rel, THP_REL "/%s/enabled", de->d_name);
		if (read_choice_rel(s->root, rel.buf, val, sizeof(val)))
			continue;
		if (strcmp(val, "never") && (strcmp(val, "inherit") || strcmp(s->thp_enabled, "never")))
			s->mthp_enabled = true;
	}
	if (d)
		closedir(d);
	strbuf_release(&path);
	strbuf_release(&rel);
}

/* The cpufreq policies whose CPUs include one in use, with their governors. */
static int read_policies(struct noise_snapshot *s)
{
	struct strbuf path = STRBUF_INIT, rel = STRBUF_INIT, sb = STRBUF_INIT;
	struct dirent *de;
	int ret = 0;
	DIR *d;

	noise_root_path(s->root, CPU_REL "/cpufreq", &path);
	d = opendir(path.buf);
	while (d && (de = readdir(d))) {
		struct noise_cpuset affected;
		struct noise_policy *p;
		unsigned long idx;
		char *e, *q, line[4096];

		if (strncmp(de->d_name, "policy", 6) || !isdigit((unsigned char)de->d_name[6]))
			continue;
		idx = strtoul(de->d_name + 6, &e, 10);
		if (*e || idx >= NOISE_CPUS_MAX)
			continue;
		/* affected_cpus is a space-separated list ("0 1 2"): make it a CPU list */
		strbuf_reset(&rel);
		strbuf_addf(&rel, CPU_REL "/cpufreq/policy%lu/affected_cpus", idx);
		if (read_line_rel(s->root, rel.buf, line, sizeof(line)))
			continue;
		for (q = line; *q; q++)
			if (*q == ' ')
				*q = ',';
		if (noise_cpuset_parse(line, &affected) || !cpuset_intersects(&affected, &s->cpus))
			continue;
		if (s->npolicies == NOISE_POLICIES_MAX)
			break;
		if (!s->policies) {
			s->policies = calloc(NOISE_POLICIES_MAX, sizeof(*s->policies));
			if (!s->policies) {
				ret = -ENOMEM;
				break;
			}
		}
		p = &s->policies[s->npolicies++];
		p->index = (unsigned)idx;
		strbuf_reset(&rel);
		strbuf_addf(&rel, CPU_REL "/cpufreq/policy%lu/scaling_governor", idx);
		if (read_choice_rel(s->root, rel.buf, p->governor, sizeof(p->governor)))
			snprintf(p->governor, sizeof(p->governor), "unknown");
		strbuf_reset(&rel);
		strbuf_addf(&rel, CPU_REL "/cpufreq/policy%lu/scaling_available_governors", idx);
		if (!noise_read_rel(s->root, rel.buf, &sb)) {
			const char *w = sb.buf;

			while ((w = strstr(w, "performance"))) {
				if ((w == sb.buf || isspace((unsigned char)w[-1])) &&
				    (!w[11] || isspace((unsigned char)w[11])))
					p->can_performance = true;
				w += 11;
			}
		}
	}
	if (d)
		closedir(d);
	strbuf_release(&path);
	strbuf_release(&rel);
	strbuf_release(&sb);
	return ret;
}

static void read_boost(struct noise_snapshot *s)
{
	long v;

	s->boost = -1;
	if (!read_long_rel(s->root, CPU_REL "/cpufreq/boost", &v)) {
		s->boost = v != 0;
		snprintf(s->boost_path, sizeof(s->boost_path), CPU_REL "/cpufreq/boost");
	} else if (!read_long_rel(s->root, CPU_REL "/intel_pstate/no_turbo", &v)) {
		s->boost = v == 0;
		snprintf(s->boost_path, sizeof(s->boost_path), CPU_REL "/intel_pstate/no_turbo");
	}
}

static void read_smt(struct noise_snapshot *s)
{
	struct strbuf rel = STRBUF_INIT, pairs = STRBUF_INIT;
	unsigned cpu, end = noise_cpuset_end(&s->cpus);

	for (cpu = 0; cpu < end; cpu++) {
		struct noise_cpuset sib;
		unsigned o, oend;

		if (!noise_cpuset_has(&s->cpus, cpu))
			continue;
		strbuf_reset(&rel);
		strbuf_addf(&rel, CPU_REL "/cpu%u/topology/thread_siblings_list", cpu);
		if (read_cpuset_rel(s->root, rel.buf, &sib))
			continue;
		oend = noise_cpuset_end(&sib);
		for (o = 0; o < oend; o++)
			if (o != cpu && noise_cpuset_has(&sib, o) && noise_cpuset_has(&s->online, o)) {
				if (pairs.len < sizeof(s->smt_pairs) - 24)
					strbuf_addf(&pairs, "%s%u:%u", pairs.len ? " " : "", cpu, o);
				else if (pairs.len && pairs.buf[pairs.len - 1] != '.')
					strbuf_addstr(&pairs, " ...");
				break;
			}
	}
	snprintf(s->smt_pairs, sizeof(s->smt_pairs), "%s", pairs.buf);
	strbuf_release(&rel);
	strbuf_release(&pairs);
}

/* Known vendors of virtual machines in DMI, and what CPUID signatures name. */
static const struct {
	const char *match, *name;
} vm_vendors[] = {
	{ "QEMU", "QEMU" }, { "KVM", "KVM" }, { "VMware", "VMware" }, { "VirtualBox", "VirtualBox" },
	{ "innotek", "VirtualBox" }, { "Xen", "Xen" }, { "Microsoft Corporation", "Hyper-V" },
	{ "Amazon EC2", "Amazon EC2" }, { "Google Compute Engine", "Google Compute Engine" },
	{ "OpenStack", "OpenStack" }, { "Parallels", "Parallels" }, { "bhyve", "bhyve" },
	{ "BHYVE", "bhyve" }, { "Firecracker", "Firecracker" }, { "Cloud Hypervisor", "Cloud Hypervisor" },
	{ "KVMKVMKVM", "KVM" }, { "Microsoft Hv", "Hyper-V" }, { "VMwareVMware", "VMware" },
	{ "XenVMMXenVMM", "Xen" }, { "TCGTCGTCGTCG", "QEMU TCG" }, { "ACRNACRNACRN", "ACRN" },
	{ " lrpepyh  vr", "Parallels" }, { "QNXQVMBSQG", "QNX" },
};

static const char *vm_name(const char *text)
{
	size_t i;

	for (i = 0; i < sizeof(vm_vendors) / sizeof(vm_vendors[0]); i++)
		if (strstr(text, vm_vendors[i].match))
			return vm_vendors[i].name;
	return NULL;
}

static void read_hypervisor(struct noise_snapshot *s, const char *cpuid)
{
	struct strbuf sb = STRBUF_INIT;
	char line[160];
	const char *name;

	s->hypervisor = false;
	if (cpuid && *cpuid) {
		name = vm_name(cpuid);
		s->hypervisor = true;
		snprintf(s->hypervisor_how, sizeof(s->hypervisor_how), "%s (CPUID signature '%s')",
			 name ? name : "unknown hypervisor", cpuid);
		goto out;
	}
	if (!read_line_rel(s->root, "/sys/hypervisor/type", line, sizeof(line)) && line[0]) {
		s->hypervisor = true;
		snprintf(s->hypervisor_how, sizeof(s->hypervisor_how), "%s (/sys/hypervisor/type)", line);
		goto out;
	}
	if (!read_line_rel(s->root, "/proc/device-tree/hypervisor/compatible", line, sizeof(line))) {
		s->hypervisor = true;
		snprintf(s->hypervisor_how, sizeof(s->hypervisor_how), "%s (device tree)",
			 line[0] ? line : "a hypervisor node");
		goto out;
	}
	if ((!read_line_rel(s->root, "/sys/class/dmi/id/sys_vendor", line, sizeof(line)) &&
	     (name = vm_name(line))) ||
	    (!read_line_rel(s->root, "/sys/class/dmi/id/product_name", line, sizeof(line)) &&
	     (name = vm_name(line)))) {
		s->hypervisor = true;
		snprintf(s->hypervisor_how, sizeof(s->hypervisor_how), "%s (DMI: '%s')", name, line);
		goto out;
	}
	/* x86 sets the "hypervisor" CPU flag under any hypervisor */
	if (!noise_read_rel(s->root, "/proc/cpuinfo", &sb)) {
		const char *f = strstr(sb.buf, "\nflags");

		if (f) {
			const char *e = strchr(f + 1, '\n'), *h = strstr(f, " hypervisor");

			if (h && (!e || h < e) && (h[11] == ' ' || h[11] == '\n' || !h[11])) {
				s->hypervisor = true;
				snprintf(s->hypervisor_how, sizeof(s->hypervisor_how),
					 "the 'hypervisor' CPU flag in /proc/cpuinfo");
			}
		}
	}
out:
	strbuf_release(&sb);
}

void noise_cpuid_hypervisor(char *out, size_t len)
{
	out[0] = '\0';
#if defined(__x86_64__) || defined(__i386__)
	{
		unsigned a, b, c, d;
		char sig[13];
		int i;

		__cpuid(1, a, b, c, d);
		if (!(c & (1u << 31)))
			return; /* no hypervisor bit: leaf 0x40000000 means nothing */
		__cpuid(0x40000000, a, b, c, d);
		memcpy(sig, &b, 4);
		memcpy(sig + 4, &c, 4);
		memcpy(sig + 8, &d, 4);
		sig[12] = '\0';
		for (i = 0; i < 12; i++)
			if ((unsigned char)sig[i] < ' ' || (unsigned char)sig[i] > '~')
				sig[i] = sig[i] ? '?' : '\0';
		snprintf(out, len, "%s", sig[0] ? sig : "?");
	}
#else
	(void)len;
#endif
}

int noise_snapshot_read(struct noise_snapshot *s, const char *root, const struct noise_cpuset *cpus,
			const char *hypervisor_cpuid, struct strbuf *err)
{
	char line[256];
	int ret;

	memset(s, 0, sizeof(*s));
	s->start.procs_running = s->end.procs_running = -1;
	if (strlen(root) >= sizeof(s->root)) {
		strbuf_addf(err, "root directory '%s': path too long", root);
		return -ENAMETOOLONG;
	}
	snprintf(s->root, sizeof(s->root), "%s", root);
	ret = noise_counters_read(&s->start, root);
	if (ret)
		return ret;
	if (!s->start.have_stat) {
		strbuf_addf(err, "cannot read '%s%s': no Linux /proc under '%s'",
			    strcmp(root, "/") ? root : "", "/proc/stat", root);
		return -ENOENT;
	}
	if (read_cpuset_rel(root, CPU_REL "/online", &s->online) || !noise_cpuset_count(&s->online)) {
		unsigned c;

		/* no sysfs: the CPUs /proc/stat names */
		memset(&s->online, 0, sizeof(s->online));
		for (c = 0; c < s->start.ncpu; c++)
			if (s->start.total[c])
				noise_cpuset_add(&s->online, c);
	}
	s->cpus = cpus ? *cpus : s->online;

	read_damon(s);
	read_thp(s);
	s->ksm_run = -1;
	if (read_long_rel(root, "/sys/kernel/mm/ksm/run", &s->ksm_run))
		s->ksm_run = -1;
	s->numa_balancing = -1;
	if (read_long_rel(root, "/proc/sys/kernel/numa_balancing", &s->numa_balancing))
		s->numa_balancing = -1;
	{
		struct noise_cpuset nodes;

		s->numa_nodes = read_cpuset_rel(root, "/sys/devices/system/node/online", &nodes) ? 1 :
				noise_cpuset_count(&nodes);
	}
	ret = read_policies(s);
	if (ret)
		return ret;
	read_boost(s);
	read_smt(s);
	read_cpuset_rel(root, CPU_REL "/isolated", &s->isolated);
	read_cpuset_rel(root, CPU_REL "/nohz_full", &s->nohz_full);
	s->loadavg[0] = s->loadavg[1] = s->loadavg[2] = -1;
	if (!read_line_rel(root, "/proc/loadavg", line, sizeof(line)) &&
	    sscanf(line, "%lf %lf %lf", &s->loadavg[0], &s->loadavg[1], &s->loadavg[2]) != 3)
		s->loadavg[0] = s->loadavg[1] = s->loadavg[2] = -1;
	read_hypervisor(s, hypervisor_cpuid);
	noise_assess(s);
	return 0;
}

void noise_snapshot_release(struct noise_snapshot *s)
{
	free(s->policies);
	free(s->tuned);
	noise_counters_release(&s->start);
	noise_counters_release(&s->end);
	s->policies = NULL;
	s->tuned = NULL;
	s->npolicies = s->ntuned = 0;
}

/* ---- assessment ------------------------------------------------------------ */

static void set(struct noise_source *src, enum noise_status st, const char *advice,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void set(struct noise_source *src, enum noise_status st, const char *advice,
		const char *fmt, ...)
{
	va_list ap;

	src->status = st;
	va_start(ap, fmt);
	vsnprintf(src->state, sizeof(src->state), fmt, ap);
	va_end(ap);
	snprintf(src->advice, sizeof(src->advice), "%s", advice);
}

/* Whether a DAMON scheme action changes memory (rather than only counting). */
static bool damon_acts(const char *action)
{
	return strcmp(action, "stat") != 0;
}

static void assess_damon(struct noise_snapshot *s)
{
	struct noise_source *src = &s->src[NOISE_DAMON];
	struct strbuf st = STRBUF_INIT;
	bool on = false, acts = false;
	int i, j, k;

	for (i = 0; i < s->nkdamonds; i++) {
		const struct noise_kdamond *kd = &s->kd[i];

		if (strcmp(kd->state, "on"))
			continue;
		on = true;
		strbuf_addf(&st, "%skdamond %u on", st.len ? "; " : "", kd->index);
		if (kd->pid > 0)
			strbuf_addf(&st, " (pid %ld)", kd->pid);
		for (j = 0; j < kd->nctx; j++) {
			strbuf_addf(&st, "%s %s", j ? "," : ":", kd->ctx[j].ops);
			if (!kd->ctx[j].nschemes)
				strbuf_addstr(&st, ", monitoring only");
			for (k = 0; k < kd->ctx[j].nschemes && k < NOISE_DAMON_SCHEMES_MAX; k++) {
				strbuf_addf(&st, "%s%s", k ? " " : ", scheme ", kd->ctx[j].actions[k]);
				acts |= damon_acts(kd->ctx[j].actions[k]);
			}
			if (kd->ctx[j].nschemes > NOISE_DAMON_SCHEMES_MAX)
				strbuf_addf(&st, " (+%d)", kd->ctx[j].nschemes - NOISE_DAMON_SCHEMES_MAX);
		}
	}
	if (s->damon_modules[0]) {
		on = true;
		acts = true;
		strbuf_addf(&st, "%smodule %s enabled", st.len ? "; " : "", s->damon_modules);
	}
	src->tunable = on;
	if (on)
		set(src, NOISE_NOISY,
		    acts ? "its schemes act on memory (pageout reclaims idle pages, the benchmark's too) "
			   "and its sampling costs CPU: --tune turns it off for the run"
			 : "its access sampling costs CPU and page-table walks: --tune turns it off for "
			   "the run",
		    "%s", st.buf);
	else if (s->damon_sysfs)
		set(src, NOISE_QUIET, "nothing to do", "no kdamond running (%d configured)", s->nkdamonds);
	else
		set(src, NOISE_ABSENT, "nothing to do", "no DAMON in this kernel");
	strbuf_release(&st);
}

static void assess_khugepaged(struct noise_snapshot *s)
{
	struct noise_source *src = &s->src[NOISE_KHUGEPAGED];
	bool runs = (s->thp_enabled[0] && strcmp(s->thp_enabled, "never")) || s->mthp_enabled;

	if (!s->khugepaged_dir) {
		set(src, NOISE_ABSENT, "nothing to do", "no khugepaged (kernel without THP)");
		return;
	}
	if (!runs) {
		set(src, NOISE_QUIET, "nothing to do", "not running: THP and every mTHP size are never");
		return;
	}
	if (s->khugepaged_sleep_ms >= KHUGEPAGED_PAUSED_MS) {
		set(src, NOISE_QUIET, "nothing to do", "paused: scans %ld page%s every %ld s",
		    s->khugepaged_pages, s->khugepaged_pages == 1 ? "" : "s", s->khugepaged_sleep_ms / 1000);
		return;
	}
	src->tunable = true;
	set(src, NOISE_NOISY,
	    "it scans madvised memory, the benchmark's too, and may collapse its PTE-mapped folios: "
	    "--tune pauses it for the run",
	    "scans %ld pages every %.1f s (defrag %ld, %ld full scans so far)", s->khugepaged_pages,
	    (double)s->khugepaged_sleep_ms / 1000, s->khugepaged_defrag, s->khugepaged_full_scans);
}

static void assess_ksm(struct noise_snapshot *s)
{
	struct noise_source *src = &s->src[NOISE_KSM];

	if (s->ksm_run < 0)
		set(src, NOISE_ABSENT, "nothing to do", "no KSM in this kernel");
	else if (s->ksm_run == 0)
		set(src, NOISE_QUIET, "nothing to do", "ksmd stopped (run 0)");
	else {
		src->tunable = s->ksm_run == 1;
		set(src, NOISE_NOISY,
		    s->ksm_run == 1 ? "ksmd scans and merges pages and takes CPU: --tune stops it for the run"
				    : "ksmd is unmerging every page: wait for it to finish",
		    "%s (run %ld)", s->ksm_run == 1 ? "ksmd merging" : "ksmd unmerging", s->ksm_run);
	}
}

static void assess_numa(struct noise_snapshot *s)
{
	struct noise_source *src = &s->src[NOISE_NUMA];

	if (s->numa_balancing < 0)
		set(src, NOISE_ABSENT, "nothing to do", "no NUMA balancing in this kernel");
	else if (s->numa_balancing == 0)
		set(src, NOISE_QUIET, "nothing to do", "off (%u NUMA node%s)", s->numa_nodes,
		    s->numa_nodes == 1 ? "" : "s");
	else {
		src->tunable = true;
		set(src, NOISE_NOISY,
		    "it unmaps pages to sample accesses (NUMA hinting faults) and migrates them: --tune "
		    "turns it off for the run",
		    "on (mode %ld, %u NUMA node%s)", s->numa_balancing, s->numa_nodes,
		    s->numa_nodes == 1 ? "" : "s");
	}
}

static void assess_thp(struct noise_snapshot *s)
{
	struct noise_source *src = &s->src[NOISE_THP];
	bool always = !strcmp(s->thp_enabled, "always");
	bool defrag = !strcmp(s->thp_defrag, "always") || !strncmp(s->thp_defrag, "defer", 5);

	if (!s->thp_enabled[0]) {
		set(src, NOISE_ABSENT, "nothing to do", "no transparent huge pages in this kernel");
		return;
	}
	if (!always && !defrag) {
		set(src, NOISE_QUIET, "nothing to do", "enabled %s, defrag %s", s->thp_enabled,
		    s->thp_defrag);
		return;
	}
	src->tunable = defrag;
	set(src, NOISE_NOISY,
	    defrag ? "defrag makes page faults compact memory or wake kcompactd: --tune sets defrag to "
		     "madvise for the run (forkwatch madvises what it needs)"
		   : "every process faults in huge pages and khugepaged collapses everywhere: set "
		     "enabled to madvise (forkwatch madvises what it needs)",
	    "enabled %s, defrag %s", s->thp_enabled, s->thp_defrag);
}

static void assess_governor(struct noise_snapshot *s)
{
	struct noise_source *src = &s->src[NOISE_GOVERNOR];
	struct strbuf st = STRBUF_INIT;
	int i, other = 0;

	if (!s->npolicies) {
		set(src, NOISE_ABSENT, "nothing to do",
		    "no cpufreq policy for the CPUs in use (a VM, or the firmware sets the frequency)");
		return;
	}
	for (i = 0; i < s->npolicies; i++) {
		if (strcmp(s->policies[i].governor, "performance")) {
			other++;
			if (st.len < 200)
				strbuf_addf(&st, "%spolicy%u %s", st.len ? ", " : "",
					    s->policies[i].index, s->policies[i].governor);
		}
	}
	if (!other) {
		set(src, NOISE_QUIET, "nothing to do", "performance on %d polic%s", s->npolicies,
		    s->npolicies == 1 ? "y" : "ies");
	} else {
		src->tunable = true;
		set(src, NOISE_NOISY,
		    "the frequency follows the load, so the clock rate differs run to run: --tune sets "
		    "performance for the run",
		    "%s%s", st.buf, other > 8 ? " ..." : "");
	}
	strbuf_release(&st);
}

static void assess_boost(struct noise_snapshot *s)
{
	struct noise_source *src = &s->src[NOISE_BOOST];

	if (s->boost < 0)
		set(src, NOISE_ABSENT, "nothing to do", "no boost or turbo knob");
	else if (!s->boost)
		set(src, NOISE_QUIET, "nothing to do", "off (%s)", s->boost_path);
	else {
		src->tunable = true;
		set(src, NOISE_NOISY,
		    "the turbo frequency depends on temperature and on the other cores' load: --tune "
		    "turns it off for the run",
		    "on (%s)", s->boost_path);
	}
}

static void assess_smt(struct noise_snapshot *s)
{
	struct noise_source *src = &s->src[NOISE_SMT];
	struct strbuf cpus = STRBUF_INIT;

	noise_cpuset_format(&s->cpus, &cpus);
	if (s->smt_pairs[0])
		set(src, NOISE_NOISY,
		    "a sibling thread shares the core's caches and TLB: use one thread per core "
		    "(echo off > /sys/devices/system/cpu/smt/control, or CPUs whose siblings are idle)",
		    "CPUs in use with an online sibling (cpu:sibling): %s", s->smt_pairs);
	else
		set(src, NOISE_QUIET, "nothing to do", "no online SMT sibling of CPUs %s", cpus.buf);
	strbuf_release(&cpus);
}

static void assess_isolated(struct noise_snapshot *s)
{
	struct noise_source *src = &s->src[NOISE_ISOLATED];
	struct strbuf iso = STRBUF_INIT, nohz = STRBUF_INIT;

	noise_cpuset_format(&s->isolated, &iso);
	noise_cpuset_format(&s->nohz_full, &nohz);
	if (noise_cpuset_count(&s->cpus) && cpuset_subset(&s->cpus, &s->isolated))
		set(src, NOISE_QUIET, "nothing to do", "the CPUs in use are isolated (isolated %s%s%s)",
		    iso.buf, nohz.len ? ", nohz_full " : "", nohz.buf);
	else if (iso.len)
		set(src, NOISE_INFO, "run the benchmark on the isolated CPUs",
		    "CPUs %s isolated%s%s, but not all CPUs in use", iso.buf,
		    nohz.len ? ", nohz_full " : "", nohz.buf);
	else
		set(src, NOISE_INFO,
		    "for the least noise boot with isolcpus=, nohz_full= and rcu_nocbs= for the "
		    "benchmark's CPUs",
		    "no CPU isolated");
	strbuf_release(&iso);
	strbuf_release(&nohz);
}

static void assess_load(struct noise_snapshot *s)
{
	struct noise_source *src = &s->src[NOISE_LOAD];
	const struct noise_during *d = &s->during;
	bool sampled = d->valid && s->end.at > 0 && d->seconds > 0 && isfinite(d->busy_pct);
	struct strbuf st = STRBUF_INIT;

	if (s->loadavg[0] < 0) {
		set(src, NOISE_ABSENT, "nothing to do", "no /proc/loadavg");
		return;
	}
	strbuf_addf(&st, "load average %.2f %.2f %.2f", s->loadavg[0], s->loadavg[1], s->loadavg[2]);
	if (s->start.procs_running > 0)
		strbuf_addf(&st, ", %ld other task%s running", s->start.procs_running - 1,
			    s->start.procs_running == 2 ? "" : "s");
	if (sampled)
		strbuf_addf(&st, "; the CPUs in use %.0f%% busy over %.1f s", d->busy_pct, d->seconds);
	if (s->loadavg[0] >= LOAD_NOISY || (sampled && d->busy_pct >= BUSY_NOISY_PCT))
		set(src, NOISE_NOISY, "other work competes for the CPUs and caches: stop it first",
		    "%s", st.buf);
	else
		set(src, NOISE_QUIET, "nothing to do", "%s", st.buf);
	strbuf_release(&st);
}

static void assess_steal(struct noise_snapshot *s)
{
	struct noise_source *src = &s->src[NOISE_STEAL];
	const struct noise_counters *c = &s->start;
	uint64_t total = 0, steal = 0;
	unsigned cpu;
	double boot;

	for (cpu = 0; cpu < c->ncpu; cpu++)
		if (noise_cpuset_has(&s->cpus, cpu)) {
			total += c->total[cpu];
			steal += c->steal[cpu];
		}
	boot = total ? 100.0 * (double)steal / (double)total : 0;
	if (s->during.valid && s->end.at > 0 && isfinite(s->during.steal_pct)) {
		double now = s->during.steal_pct;

		set(src, now >= STEAL_NOISY_PCT ? NOISE_NOISY : NOISE_QUIET,
		    now >= STEAL_NOISY_PCT ? "the hypervisor ran other work on these CPUs: give the VM "
					     "dedicated host CPUs, or measure on bare metal"
					   : "nothing to do",
		    "%.2f%% of the CPUs' time stolen over %.1f s (%.2f%% since boot)", now,
		    s->during.seconds, boot);
		return;
	}
	set(src, boot >= STEAL_NOISY_PCT ? NOISE_NOISY : NOISE_QUIET,
	    boot >= STEAL_NOISY_PCT ? "the hypervisor runs other work on these CPUs: give the VM "
				      "dedicated host CPUs, or measure on bare metal"
				    : "nothing to do",
	    "%.2f%% of the CPUs' time stolen since boot", boot);
}

static void assess_hypervisor(struct noise_snapshot *s)
{
	struct noise_source *src = &s->src[NOISE_HYPERVISOR];

	if (s->hypervisor)
		set(src, NOISE_NOISY,
		    "virtual CPUs share the host's cores and caches, and the host's load moves results: "
		    "compare only runs of one VM set-up, or measure on bare metal",
		    "running under %s", s->hypervisor_how);
	else
		set(src, NOISE_QUIET, "nothing to do", "bare metal: no sign of a hypervisor");
}

void noise_assess(struct noise_snapshot *s)
{
	int i;

	for (i = 0; i < NOISE_COUNT; i++) {
		s->src[i].tunable = false;
		s->src[i].status = NOISE_ABSENT;
	}
	assess_damon(s);
	assess_khugepaged(s);
	assess_ksm(s);
	assess_numa(s);
	assess_thp(s);
	assess_governor(s);
	assess_boost(s);
	assess_smt(s);
	assess_isolated(s);
	assess_load(s);
	assess_steal(s);
	assess_hypervisor(s);
}

void noise_snapshot_finish(struct noise_snapshot *s, bool idle)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct noise_source load = s->src[NOISE_LOAD];

	if (noise_counters_read(&s->end, s->root) || !s->end.have_stat) {
		s->during.valid = false;
		return;
	}
	noise_during_compute(&s->start, &s->end, &s->cpus, hz, &s->during);
	assess_steal(s);
	/* over a benchmark the CPUs are busy with it: only an idle sample says how busy others are */
	if (idle)
		assess_load(s);
	else
		s->src[NOISE_LOAD] = load;
}

int noise_count_noisy(const struct noise_snapshot *s, struct strbuf *names)
{
	int i, n = 0;

	for (i = 0; i < NOISE_COUNT; i++) {
		if (s->src[i].status != NOISE_NOISY)
			continue;
		if (names)
			strbuf_addf(names, "%s%s", n ? " " : "", noise_names[i]);
		n++;
	}
	return n;
}

/* ---- output ---------------------------------------------------------------- */

static void json_during(const struct noise_snapshot *s, struct jw *jw)
{
	const struct noise_during *d = &s->during;
	struct strbuf cpus = STRBUF_INIT;
	unsigned cpu, end = noise_cpuset_end(&s->cpus);
	double ms = 1000.0 / (double)d->hz;

	if (!d->valid) {
		jw_null(jw, "during");
		return;
	}
	noise_cpuset_format(&s->cpus, &cpus);
	jw_obj_begin(jw, "during");
	jw_double(jw, "seconds", round(d->seconds * 1000) / 1000);
	jw_str(jw, "cpus", cpus.buf);
	jw_double(jw, "steal_pct", round(d->steal_pct * 1000) / 1000);
	jw_double(jw, "steal_ms", (double)d->steal_ticks * ms);
	if (d->have_irqs)
		jw_u64(jw, "interrupts", d->interrupts);
	else
		jw_null(jw, "interrupts");
	if (d->have_softirqs)
		jw_u64(jw, "softirqs", d->softirqs);
	else
		jw_null(jw, "softirqs");
	if (d->have_scheds)
		jw_u64(jw, "schedules", d->schedules);
	else
		jw_null(jw, "schedules");
	jw_u64(jw, "context_switches", d->context_switches);
	jw_arr_begin(jw, "per_cpu");
	for (cpu = 0; cpu < end; cpu++) {
		if (!noise_cpuset_has(&s->cpus, cpu))
			continue;
		jw_obj_begin(jw, NULL);
		jw_u64(jw, "cpu", cpu);
		jw_double(jw, "steal_ms",
			  (double)noise_delta_at(s->start.steal, s->start.ncpu, s->end.steal, s->end.ncpu, cpu) * ms);
		if (d->have_irqs)
			jw_u64(jw, "interrupts",
			       noise_delta_at(s->start.irqs, s->start.ncpu, s->end.irqs, s->end.ncpu, cpu));
		if (d->have_softirqs)
			jw_u64(jw, "softirqs",
			       noise_delta_at(s->start.softirqs, s->start.ncpu, s->end.softirqs, s->end.ncpu, cpu));
		if (d->have_scheds)
			jw_u64(jw, "schedules",
			       noise_delta_at(s->start.scheds, s->start.ncpu, s->end.scheds, s->end.ncpu, cpu));
		jw_obj_end(jw);
	}
	jw_arr_end(jw);
	jw_obj_end(jw);
	strbuf_release(&cpus);
}

void noise_json(const struct noise_snapshot *s, struct jw *jw, const char *key)
{
	struct strbuf cpus = STRBUF_INIT;
	int i, j, k;

	noise_cpuset_format(&s->cpus, &cpus);
	jw_obj_begin(jw, key);
	jw_str(jw, "cpus", cpus.buf);
	jw_bool(jw, "quiet", noise_count_noisy(s, NULL) == 0);
	jw_arr_begin(jw, "noisy");
	for (i = 0; i < NOISE_COUNT; i++)
		if (s->src[i].status == NOISE_NOISY)
			jw_str(jw, NULL, noise_names[i]);
	jw_arr_end(jw);
	jw_arr_begin(jw, "sources");
	for (i = 0; i < NOISE_COUNT; i++) {
		jw_obj_begin(jw, NULL);
		jw_str(jw, "name", noise_names[i]);
		jw_str(jw, "status", noise_status_names[s->src[i].status]);
		jw_str(jw, "state", s->src[i].state);
		jw_str(jw, "advice", s->src[i].advice);
		jw_bool(jw, "tunable", s->src[i].tunable);
		jw_obj_end(jw);
	}
	jw_arr_end(jw);
	jw_obj_begin(jw, "damon");
	jw_arr_begin(jw, "kdamonds");
	for (i = 0; i < s->nkdamonds; i++) {
		const struct noise_kdamond *kd = &s->kd[i];

		jw_obj_begin(jw, NULL);
		jw_u64(jw, "index", kd->index);
		jw_str(jw, "state", kd->state);
		if (kd->pid > 0)
			jw_i64(jw, "pid", kd->pid);
		else
			jw_null(jw, "pid");
		jw_arr_begin(jw, "contexts");
		for (j = 0; j < kd->nctx; j++) {
			jw_obj_begin(jw, NULL);
			jw_str(jw, "operations", kd->ctx[j].ops);
			jw_u64(jw, "nr_schemes", (uint64_t)kd->ctx[j].nschemes);
			jw_arr_begin(jw, "actions");
			for (k = 0; k < kd->ctx[j].nschemes && k < NOISE_DAMON_SCHEMES_MAX; k++)
				jw_str(jw, NULL, kd->ctx[j].actions[k]);
			jw_arr_end(jw);
			jw_obj_end(jw);
		}
		jw_arr_end(jw);
		jw_obj_end(jw);
	}
	jw_arr_end(jw);
	jw_str_or_null(jw, "modules", s->damon_modules[0] ? s->damon_modules : NULL);
	jw_obj_end(jw);
	jw_arr_begin(jw, "tuned");
	for (i = 0; i < s->ntuned; i++) {
		jw_obj_begin(jw, NULL);
		jw_str(jw, "source", noise_names[s->tuned[i].source]);
		jw_str(jw, "knob", s->tuned[i].path);
		jw_str(jw, "from", s->tuned[i].from);
		jw_str(jw, "to", s->tuned[i].to);
		jw_obj_end(jw);
	}
	jw_arr_end(jw);
	json_during(s, jw);
	jw_obj_end(jw);
	strbuf_release(&cpus);
}

void noise_report(const struct noise_snapshot *s, struct strbuf *out)
{
	struct strbuf cpus = STRBUF_INIT, names = STRBUF_INIT, tunable = STRBUF_INIT;
	int i, n;

	noise_cpuset_format(&s->cpus, &cpus);
	strbuf_addf(out, "CPUs in use: %s (%s)\n\n", cpus.buf,
		    !memcmp(&s->cpus, &s->online, sizeof(s->cpus)) ? "every online CPU" : "the benchmark's");
	for (i = 0; i < NOISE_COUNT; i++) {
		const struct noise_source *src = &s->src[i];

		strbuf_addf(out, "%-15s %-6s %s\n", noise_names[i], noise_status_names[src->status],
			    src->state);
		if (src->status == NOISE_NOISY || src->status == NOISE_INFO)
			strbuf_addf(out, "%-22s -> %s\n", "", src->advice);
		if (src->status == NOISE_NOISY && src->tunable)
			strbuf_addf(&tunable, "%s%s", tunable.len ? ", " : "", noise_names[i]);
	}
	for (i = 0, n = 0; i < NOISE_COUNT; i++)
		if (s->src[i].status == NOISE_NOISY)
			strbuf_addf(&names, "%s%s", n++ ? ", " : "", noise_names[i]);
	if (!n) {
		strbuf_addstr(out, "\nquiet: no known noise source is active\n");
	} else {
		strbuf_addf(out, "\nnoisy: %d source%s will add noise: %s\n", n, n == 1 ? "" : "s",
			    names.buf);
		if (tunable.len)
			strbuf_addf(out, "'forkwatch bench --tune' quiets %s for the length of a run\n",
				    tunable.buf);
	}
	strbuf_release(&cpus);
	strbuf_release(&names);
	strbuf_release(&tunable);
}
