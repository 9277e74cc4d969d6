// SPDX-License-Identifier: GPL-2.0
#include "collectors/tune.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Directories end in '/': any knob below them; the rest are single files.
 * Kept narrow: a damaged journal can only write back values to these.
 */
static const char *const places[] = {
	"/sys/kernel/mm/transparent_hugepage/", /* the main prefix already, unless under a test root */
	"/sys/kernel/mm/damon/admin/kdamonds/",
	"/sys/module/damon_reclaim/parameters/enabled",
	"/sys/module/damon_lru_sort/parameters/enabled",
	"/sys/module/damon_stat/parameters/enabled",
	"/sys/kernel/mm/ksm/run",
	"/proc/sys/kernel/numa_balancing",
	"/sys/devices/system/cpu/cpufreq/",
	"/sys/devices/system/cpu/intel_pstate/no_turbo",
};

#define KHUGEPAGED "/sys/kernel/mm/transparent_hugepage/khugepaged"
#define KHUGEPAGED_PAUSE_MS "86400000" /* a day: longer than any run */

void tune_places(const char *root, struct tune_places *p)
{
	size_t n = strlen(root), i;

	while (n && root[n - 1] == '/')
		n--;
	for (i = 0; i < sizeof(places) / sizeof(places[0]) && i < TUNE_PLACES_MAX; i++) {
		snprintf(p->path[i], KNOB_PATH_MAX, "%.*s%s", (int)n, root, places[i]);
		p->list[i] = p->path[i];
	}
	p->list[i] = NULL;
}

/* Set root+rel to value through the journal and record the change. */
static int tune_one(struct noise_snapshot *s, struct knob_journal *kj, enum noise_id src,
		    const char *rel, const char *value, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	struct noise_tuned *t;
	char from[KNOB_VAL_MAX];
	size_t n = strlen(s->root);
	int ret;

	while (n && s->root[n - 1] == '/')
		n--;
	strbuf_add(&path, s->root, n);
	strbuf_addstr(&path, rel);
	ret = knob_read_choice(path.buf, from, sizeof(from));
	if (ret) {
		strbuf_addf(err, "--tune: cannot read '%s': %s", path.buf, strerror(-ret));
		goto out;
	}
	if (!strcmp(from, value))
		goto out;
	ret = knob_set(kj, path.buf, value, err);
	if (ret)
		goto out;
	if (s->ntuned == NOISE_TUNED_MAX) {
		strbuf_addf(err, "--tune: more than %d knobs", NOISE_TUNED_MAX);
		ret = -ENOSPC;
		goto out;
	}
	if (!s->tuned) {
		s->tuned = calloc(NOISE_TUNED_MAX, sizeof(*s->tuned));
		if (!s->tuned) {
			ret = -ENOMEM;
			goto out;
		}
	}
	t = &s->tuned[s->ntuned++];
	t->source = src;
	snprintf(t->path, sizeof(t->path), "%s", path.buf);
	snprintf(t->from, sizeof(t->from), "%s", from);
	snprintf(t->to, sizeof(t->to), "%s", value);
out:
	strbuf_release(&path);
	return ret;
}

int tune_apply(struct noise_snapshot *s, struct knob_journal *kj, struct strbuf *err)
{
	static const char *const modules[] = { "damon_reclaim", "damon_lru_sort", "damon_stat" };
	struct strbuf rel = STRBUF_INIT;
	int ret = 0, i;
	size_t m;

#define NOISY(id) (s->src[id].status == NOISE_NOISY && s->src[id].tunable)
	if (NOISY(NOISE_DAMON)) {
		for (i = 0; !ret && i < s->nkdamonds; i++) {
			if (strcmp(s->kd[i].state, "on"))
				continue;
			strbuf_reset(&rel);
			strbuf_addf(&rel, "/sys/kernel/mm/damon/admin/kdamonds/%u/state", s->kd[i].index);
			ret = tune_one(s, kj, NOISE_DAMON, rel.buf, "off", err);
		}
		for (m = 0; !ret && m < sizeof(modules) / sizeof(modules[0]); m++) {
			if (!strstr(s->damon_modules, modules[m]))
				continue;
			strbuf_reset(&rel);
			strbuf_addf(&rel, "/sys/module/%s/parameters/enabled", modules[m]);
			ret = tune_one(s, kj, NOISE_DAMON, rel.buf, "N", err);
		}
	}
	/* pages_to_scan first: writing scan_sleep_millisecs wakes khugepaged for one scan */
	if (NOISY(NOISE_KHUGEPAGED)) {
		static const char *const kh[][2] = {
			{ KHUGEPAGED "/pages_to_scan", "1" },
			{ KHUGEPAGED "/scan_sleep_millisecs", KHUGEPAGED_PAUSE_MS },
			{ KHUGEPAGED "/defrag", "0" },
		};

		for (m = 0; !ret && m < sizeof(kh) / sizeof(kh[0]); m++)
			ret = tune_one(s, kj, NOISE_KHUGEPAGED, kh[m][0], kh[m][1], err);
	}
	if (!ret && NOISY(NOISE_KSM))
		ret = tune_one(s, kj, NOISE_KSM, "/sys/kernel/mm/ksm/run", "0", err);
	if (!ret && NOISY(NOISE_NUMA))
		ret = tune_one(s, kj, NOISE_NUMA, "/proc/sys/kernel/numa_balancing", "0", err);
	if (!ret && NOISY(NOISE_THP))
		ret = tune_one(s, kj, NOISE_THP, "/sys/kernel/mm/transparent_hugepage/defrag", "madvise", err);
	if (NOISY(NOISE_GOVERNOR)) {
		for (i = 0; !ret && i < s->npolicies; i++) {
			if (!s->policies[i].can_performance)
				continue;
			strbuf_reset(&rel);
			strbuf_addf(&rel, "/sys/devices/system/cpu/cpufreq/policy%u/scaling_governor",
				    s->policies[i].index);
			ret = tune_one(s, kj, NOISE_GOVERNOR, rel.buf, "performance", err);
		}
	}
	if (!ret && NOISY(NOISE_BOOST))
		ret = tune_one(s, kj, NOISE_BOOST, s->boost_path,
			       strstr(s->boost_path, "no_turbo") ? "1" : "0", err);
#undef NOISY
	strbuf_release(&rel);
	return ret;
}

int tune_begin(struct noise_snapshot *s, const char *root, const struct noise_cpuset *cpus,
	       const char *cpuid, struct knob_journal *kj, bool tune, struct strbuf *err)
{
	struct noise_snapshot after;
	struct noise_cpuset used;
	int ret;

	ret = noise_snapshot_read(s, root, cpus, cpuid, err);
	if (ret || !tune)
		return ret;
	ret = tune_apply(s, kj, err);
	if (ret)
		return ret;
	/* the state the runs are measured under, with what was changed to get there */
	used = s->cpus;
	ret = noise_snapshot_read(&after, root, &used, cpuid, err);
	if (ret) {
		noise_snapshot_release(&after);
		return ret;
	}
	after.tuned = s->tuned;
	after.ntuned = s->ntuned;
	s->tuned = NULL;
	s->ntuned = 0;
	noise_snapshot_release(s);
	*s = after;
	return 0;
}
