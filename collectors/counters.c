// SPDX-License-Identifier: GPL-2.0
#include "collectors/counters.h"

#include <ctype.h>
#include <malloc.h>
#include <errno.h>
#include <perf/core.h>
#include <perf/evlist.h>
#include <perf/evsel.h>
#include <perf/threadmap.h>
#include <perfmon/pfmlib_perf_event.h>
#ifdef FW_PFM_DLOPEN
#include <dlfcn.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * Default events per metric, tried in order: the first name that libpfm4
 * resolves and the machine can open is used.  Native names resolve only
 * on their own PMU (Intel core, AMD Zen, Arm Neoverse); the perf::
 * generic names are the fallback everywhere.
 */
struct ctr_default {
	const char *metric;
	const char *events[6];
	const char *none_reason; /* when the list is empty on this architecture */
};

static const struct ctr_default ctr_defaults[] = {
#if defined(__x86_64__) || defined(__i386__)
	{ "cycles", { "UNHALTED_CORE_CYCLES", "CYCLES_NOT_IN_HALT", "perf::CYCLES" }, NULL },
	{ "instructions", { "INSTRUCTION_RETIRED", "RETIRED_INSTRUCTIONS", "perf::INSTRUCTIONS" }, NULL },
	{ "dtlb_misses", { "DTLB_LOAD_MISSES:WALK_COMPLETED", "perf::DTLB-LOAD-MISSES" }, NULL },
	{ "cache_misses", { "LLC_MISSES", "perf::CACHE-MISSES" }, NULL },
	{ "tlb_flushes", { "tlb:tlb_flush" }, NULL },
#elif defined(__aarch64__)
	{ "cycles", { "CPU_CYCLES", "perf::CYCLES" }, NULL },
	{ "instructions", { "INST_RETIRED", "perf::INSTRUCTIONS" }, NULL },
	{ "dtlb_misses", { "DTLB_WALK", "L1D_TLB_REFILL", "perf::DTLB-LOAD-MISSES" }, NULL },
	{ "cache_misses", { "LL_CACHE_MISS_RD", "L2D_CACHE_REFILL", "perf::CACHE-MISSES" }, NULL },
	{ "tlb_flushes", { NULL },
	  "arm64 has no tlb:tlb_flush tracepoint that fires and no architected PMU event "
	  "for TLB invalidations; name one with --events tlb_flushes=EVENT" },
#else
	{ "cycles", { "perf::CYCLES" }, NULL },
	{ "instructions", { "perf::INSTRUCTIONS" }, NULL },
	{ "dtlb_misses", { "perf::DTLB-LOAD-MISSES" }, NULL },
	{ "cache_misses", { "perf::CACHE-MISSES" }, NULL },
	{ "tlb_flushes", { "tlb:tlb_flush" }, NULL },
#endif
	{ "page_faults", { "perf::PAGE-FAULTS" }, NULL },
	{ "task_clock_ns", { "perf::TASK-CLOCK" }, NULL },
};

const char *const ctr_default_metrics[] = {
	"cycles", "instructions", "dtlb_misses", "cache_misses",
	"tlb_flushes", "page_faults", "task_clock_ns", NULL,
};

static int libperf_quiet(enum libperf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0; /* library code does not print; we report errors ourselves */
}

#ifdef FW_PFM_DLOPEN
/*
 * libpfm4 is loaded with dlopen() and unloaded once the events are
 * resolved: linked, its relocated tables are a megabyte of private pages
 * that every benchmark process would inherit and every measured fork()
 * would copy (a 10% bias on a PMD-mapped fork).
 */
static struct {
	void *lib;
	pfm_err_t (*initialize)(void);
	void (*terminate)(void);
	const char *(*strerror)(int);
	pfm_err_t (*get_os_event_encoding)(const char *, int, pfm_os_t, void *);
} pfm;

static int pfm_load(struct strbuf *err)
{
	if (pfm.lib)
		return 0;
	pfm.lib = dlopen("libpfm.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!pfm.lib) {
		strbuf_addf(err, "cannot load libpfm4 (%s): install libpfm4", dlerror());
		return -ENOENT;
	}
	*(void **)&pfm.initialize = dlsym(pfm.lib, "pfm_initialize");
	*(void **)&pfm.terminate = dlsym(pfm.lib, "pfm_terminate");
	*(void **)&pfm.strerror = dlsym(pfm.lib, "pfm_strerror");
	*(void **)&pfm.get_os_event_encoding = dlsym(pfm.lib, "pfm_get_os_event_encoding");
	if (!pfm.initialize || !pfm.terminate || !pfm.strerror || !pfm.get_os_event_encoding) {
		strbuf_addstr(err, "libpfm4 lacks the functions forkwatch uses");
		dlclose(pfm.lib);
		pfm.lib = NULL;
		return -ENOENT;
	}
	return 0;
}

#define pfm_initialize pfm.initialize
#define pfm_terminate pfm.terminate
#define pfm_strerror pfm.strerror
#define pfm_get_os_event_encoding pfm.get_os_event_encoding
#endif

void ctr_release_resolver(void)
{
#ifdef FW_PFM_DLOPEN
	if (!pfm.lib)
		return;
	pfm_terminate();
	dlclose(pfm.lib);
	memset(&pfm, 0, sizeof(pfm));
#else
	pfm_terminate();
#endif
	malloc_trim(0);
}

int ctr_init(struct strbuf *err)
{
	int ret;

#ifdef FW_PFM_DLOPEN
	ret = pfm_load(err);
	if (ret)
		return ret;
#endif
	ret = pfm_initialize();

	libperf_init(libperf_quiet);
	if (ret != PFM_SUCCESS) {
		strbuf_addf(err, "libpfm4 initialisation failed: %s", pfm_strerror(ret));
		return -EIO;
	}
	return 0;
}

static const char *const tracefs_roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

static long read_tp_id(const char *root, const char *system, const char *name)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	long id = -ENOENT;
	char *end;

	strbuf_addf(&path, "%s/events/%s/%s/id", root, system, name);
	if (!strbuf_read_file(&sb, path.buf, 64)) {
		id = strtol(sb.buf, &end, 10);
		if (end == sb.buf || id < 0)
			id = -EINVAL;
	}
	strbuf_release(&sb);
	strbuf_release(&path);
	return id;
}

long ctr_tracepoint_id(const char *system, const char *name)
{
	struct stat st;
	size_t i;
	long id;

	for (i = 0; i < sizeof(tracefs_roots) / sizeof(tracefs_roots[0]); i++) {
		struct strbuf ev = STRBUF_INIT;
		int mounted;

		strbuf_addf(&ev, "%s/events", tracefs_roots[i]);
		mounted = !stat(ev.buf, &st);
		strbuf_release(&ev);
		if (mounted)
			return read_tp_id(tracefs_roots[i], system, name);
	}
	/*
	 * No tracefs mounted (libpfm4 would look only in debugfs).  Mount it
	 * for the look-up and put things back as they were: the id stays
	 * valid without the mount.
	 */
	if (mount("nodev", tracefs_roots[0], "tracefs", 0, NULL))
		return -errno == -EPERM ? -EACCES : -ENOENT;
	id = read_tp_id(tracefs_roots[0], system, name);
	umount2(tracefs_roots[0], MNT_DETACH);
	return id;
}

static bool is_tracepoint_name(const char *ev)
{
	const char *c = strchr(ev, ':');
	const char *p;

	if (!c || c == ev || c[1] == ':' || c[1] == '\0' || strchr(c + 1, ':'))
		return false;
	for (p = ev; *p; p++)
		if (p != c && !(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
			return false;
	return true;
}

int ctr_resolve(const char *event, struct perf_event_attr *attr, char *encoding, size_t enclen,
		struct strbuf *err)
{
	pfm_perf_encode_arg_t arg;
	char *fstr = NULL;
	int ret;

	memset(attr, 0, sizeof(*attr));
	if (is_tracepoint_name(event)) {
		char sys[CTR_EVENT_MAX];
		const char *c = strchr(event, ':');
		long id;

		snprintf(sys, sizeof(sys), "%.*s", (int)(c - event), event);
		id = ctr_tracepoint_id(sys, c + 1);
		if (id < 0) {
			strbuf_addf(err, "tracepoint '%s' not found in tracefs: %s", event,
				    strerror((int)-id));
			return (int)id;
		}
		attr->type = PERF_TYPE_TRACEPOINT;
		attr->config = (uint64_t)id;
		attr->size = sizeof(*attr);
		snprintf(encoding, enclen, "tracepoint id %ld", id);
		return 0;
	}
	memset(&arg, 0, sizeof(arg));
	arg.attr = attr;
	arg.size = sizeof(arg);
	arg.fstr = &fstr;
	ret = pfm_get_os_event_encoding(event, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
	if (ret != PFM_SUCCESS) {
		strbuf_addf(err, "event '%s': %s (libpfm4)", event, pfm_strerror(ret));
		return -ENOENT;
	}
	snprintf(encoding, enclen, "%s", fstr ? fstr : event);
	free(fstr);
	attr->size = sizeof(*attr);
	return 0;
}

static void prepare_attr(struct perf_event_attr *attr)
{
	attr->size = sizeof(*attr);
	attr->disabled = 1;
	attr->inherit = 0; /* the parent only: forked children are not counted */
	attr->exclude_kernel = 0;
	attr->exclude_hv = 0;
	attr->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
}

static const char *errno_hint(int err)
{
	switch (err) {
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
		return "no PMU on this machine counts it";
	case ENOSYS:
		return "perf_event_open is not available: an emulator, or a kernel without perf events";
	case EACCES:
	case EPERM:
		return "not permitted: run as root or lower kernel.perf_event_paranoid";
	case EINVAL:
		return "the kernel rejects this encoding";
	default:
		return NULL;
	}
}

/* Try to open attr for this process; 0, or -errno with the reason in reason. */
static int ctr_probe(const char *event, struct perf_event_attr *attr, char *reason, size_t len)
{
	struct perf_event_attr a = *attr;
	int fd;

	prepare_attr(&a);
	fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0) {
		int e = errno;
		const char *hint = errno_hint(e);

		if (hint)
			snprintf(reason, len, "%s: perf_event_open: %s (%s)", event, strerror(e), hint);
		else
			snprintf(reason, len, "%s: perf_event_open: %s", event, strerror(e));
		return -e;
	}
	close(fd);
	return 0;
}

static bool valid_metric_name(const char *m, size_t len)
{
	size_t i;

	if (!len || len >= CTR_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!(islower((unsigned char)m[i]) || isdigit((unsigned char)m[i]) || m[i] == '_'))
			return false;
	return strncmp(m, "ns", len) || len != 2;
}

static const struct ctr_default *find_default(const char *metric)
{
	size_t i;

	for (i = 0; i < sizeof(ctr_defaults) / sizeof(ctr_defaults[0]); i++)
		if (!strcmp(ctr_defaults[i].metric, metric))
			return &ctr_defaults[i];
	return NULL;
}

const char *const *ctr_default_events(const char *metric, const char **none_reason)
{
	const struct ctr_default *d = find_default(metric);

	if (none_reason)
		*none_reason = d && !d->events[0] ? d->none_reason : NULL;
	return d ? d->events : NULL;
}

/* Resolve the first usable of the candidate events into s. */
static void spec_from_defaults(struct ctr_spec *s, const struct ctr_default *d)
{
	int i;

	s->supported = false;
	if (!d->events[0]) {
		snprintf(s->reason, sizeof(s->reason), "%s", d->none_reason);
		return;
	}
	for (i = 0; d->events[i]; i++) {
		struct strbuf err = STRBUF_INIT;

		if (ctr_resolve(d->events[i], &s->attr, s->encoding, sizeof(s->encoding), &err)) {
			/* keep the first failure unless a later name gets further */
			if (!i)
				snprintf(s->reason, sizeof(s->reason), "%s", err.buf);
			strbuf_release(&err);
			continue;
		}
		strbuf_release(&err);
		snprintf(s->event, sizeof(s->event), "%s", d->events[i]);
		if (!ctr_probe(d->events[i], &s->attr, s->reason, sizeof(s->reason))) {
			s->supported = true;
			s->reason[0] = '\0';
			return;
		}
	}
}

int ctr_set_build(struct ctr_set *set, const char *spec, struct strbuf *err)
{
	const char *p;
	int i;

	memset(set, 0, sizeof(*set));
	if (!spec) {
		for (i = 0; ctr_default_metrics[i]; i++) {
			struct ctr_spec *s = &set->spec[set->n++];

			snprintf(s->metric, sizeof(s->metric), "%s", ctr_default_metrics[i]);
			spec_from_defaults(s, find_default(s->metric));
		}
		return 0;
	}
	if (!*spec || spec[strlen(spec) - 1] == ',') {
		strbuf_addf(err, "--events '%s': %s; expected METRIC or METRIC=EVENT, comma-separated",
			    spec, *spec ? "empty item" : "empty list");
		return -EINVAL;
	}
	for (p = spec; *p;) {
		size_t len = strcspn(p, ","), mlen;
		const char *eq = memchr(p, '=', len);
		struct ctr_spec *s;

		mlen = eq ? (size_t)(eq - p) : len;
		if (!valid_metric_name(p, mlen)) {
			strbuf_addf(err, "--events '%.*s': expected METRIC or METRIC=EVENT, METRIC in [a-z0-9_]",
				    (int)len, p);
			return -EINVAL;
		}
		if (set->n == CTR_MAX) {
			strbuf_addf(err, "--events: at most %d events", CTR_MAX);
			return -EINVAL;
		}
		s = &set->spec[set->n];
		snprintf(s->metric, sizeof(s->metric), "%.*s", (int)mlen, p);
		for (i = 0; i < set->n; i++)
			if (!strcmp(set->spec[i].metric, s->metric)) {
				strbuf_addf(err, "--events: metric '%s' given twice", s->metric);
				return -EINVAL;
			}
		if (!eq) {
			const struct ctr_default *d = find_default(s->metric);

			if (!d) {
				strbuf_addf(err, "--events '%s': unknown metric; known: cycles, instructions, "
					    "dtlb_misses, cache_misses, tlb_flushes, page_faults, task_clock_ns, "
					    "or give METRIC=EVENT", s->metric);
				return -EINVAL;
			}
			spec_from_defaults(s, d);
		} else {
			size_t elen = len - mlen - 1;

			if (!elen || elen >= CTR_EVENT_MAX) {
				strbuf_addf(err, "--events '%.*s': missing or too long event name", (int)len, p);
				return -EINVAL;
			}
			snprintf(s->event, sizeof(s->event), "%.*s", (int)elen, eq + 1);
			if (ctr_resolve(s->event, &s->attr, s->encoding, sizeof(s->encoding), err)) {
				return -EINVAL;
			}
			s->supported = !ctr_probe(s->event, &s->attr, s->reason, sizeof(s->reason));
		}
		set->n++;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!set->n) {
		strbuf_addstr(err, "--events: empty list");
		return -EINVAL;
	}
	return 0;
}

struct ctr_group {
	struct perf_evlist *evlist;
	struct perf_thread_map *threads;
	struct perf_evsel *evsel[CTR_MAX]; /* by set index; NULL when unsupported */
	struct perf_evsel *leader;
	struct perf_counts_values last[CTR_MAX];
	int n;
	bool grouped;
	bool maps_set; /* the evsels hold thread-map references */
};

static int group_try_open(struct ctr_group *g, const struct ctr_set *set, bool grouped)
{
	int i, ret;

	g->evlist = perf_evlist__new();
	if (!g->evlist)
		return -ENOMEM;
	g->leader = NULL;
	for (i = 0; i < set->n; i++) {
		struct perf_event_attr attr = set->spec[i].attr;

		g->evsel[i] = NULL;
		if (!set->spec[i].supported)
			continue;
		prepare_attr(&attr);
		/*
		 * In a group only the leader starts disabled: enabling it
		 * starts the whole group with one ioctl, and members count
		 * exactly while the leader does.
		 */
		if (grouped && g->leader)
			attr.disabled = 0;
		g->evsel[i] = perf_evsel__new(&attr);
		if (!g->evsel[i])
			return -ENOMEM;
		if (!g->leader)
			g->leader = g->evsel[i];
		perf_evlist__add(g->evlist, g->evsel[i]);
	}
	if (!g->leader)
		return 0;
	perf_evlist__set_maps(g->evlist, NULL, g->threads);
	g->maps_set = true;
	if (grouped)
		perf_evlist__set_leader(g->evlist);
	ret = perf_evlist__open(g->evlist);
	if (ret)
		return ret;
	g->grouped = grouped;
	return 0;
}

static void group_close(struct ctr_group *g)
{
	int i;

	/*
	 * libperf 6.1: each evsel holds a reference on the thread map that
	 * perf_evsel__delete() does not drop.
	 */
	if (g->maps_set)
		for (i = 0; i < g->n; i++)
			if (g->evsel[i])
				perf_thread_map__put(g->threads);
	g->maps_set = false;
	if (g->evlist) {
		perf_evlist__close(g->evlist);
		perf_evlist__delete(g->evlist); /* deletes the evsels too */
		g->evlist = NULL;
	}
}

int ctr_group_open(struct ctr_group **out, const struct ctr_set *set)
{
	struct ctr_group *g = calloc(1, sizeof(*g));
	int ret;

	*out = NULL;
	if (!g)
		return -ENOMEM;
	g->n = set->n;
	g->threads = perf_thread_map__new_dummy();
	if (!g->threads) {
		free(g);
		return -ENOMEM;
	}
	perf_thread_map__set_pid(g->threads, 0, 0); /* this process */
	ret = group_try_open(g, set, true);
	if (ret) {
		/* e.g. more hardware events than counters: count them apart */
		group_close(g);
		ret = group_try_open(g, set, false);
	}
	if (ret) {
		group_close(g);
		perf_thread_map__put(g->threads);
		free(g);
		return ret;
	}
	*out = g;
	return 0;
}

int ctr_group_enable(struct ctr_group *g)
{
	struct perf_evsel *e;
	int ret = 0;

	if (!g->leader)
		return 0;
	if (g->grouped)
		return perf_evsel__enable(g->leader) ? -EIO : 0;
	/* perf_evlist__enable() drops the result: one evsel at a time */
	perf_evlist__for_each_evsel(g->evlist, e)
		if (perf_evsel__enable(e))
			ret = -EIO;
	return ret;
}

void ctr_group_disable(struct ctr_group *g)
{
	if (!g->leader)
		return;
	if (g->grouped)
		perf_evsel__disable(g->leader);
	else
		perf_evlist__disable(g->evlist);
}

struct ctr_reading ctr_reading_make(uint64_t counted, uint64_t enabled, uint64_t running)
{
	struct ctr_reading r = { 0, enabled, running, false };
	unsigned __int128 v;

	/*
	 * Enabled but never scheduled: no value.  Not enabled at all since
	 * the last read: a true 0 (nothing to count).
	 */
	r.valid = running > 0 || enabled == 0;
	if (!r.valid)
		return r;
	r.value = counted;
	if (running && running < enabled) {
		/* in 128 bits: exact where a double would lose the low digits */
		v = ((unsigned __int128)counted * enabled + running / 2) / running;
		r.value = v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
	}
	return r;
}

bool ctr_reading_multiplexed(const struct ctr_reading *r)
{
	return r->valid && r->running < r->enabled;
}

int ctr_group_read(struct ctr_group *g, struct ctr_reading *out)
{
	struct perf_counts_values now[CTR_MAX];
	uint64_t lead_en = 0, lead_run = 0;
	int i, li = -1;

	for (i = 0; i < g->n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		if (!g->evsel[i])
			continue;
		if (perf_evsel__read(g->evsel[i], 0, 0, &now[i]))
			return -EIO;
		if (g->evsel[i] == g->leader)
			li = i;
	}
	if (li >= 0) {
		lead_en = now[li].ena - g->last[li].ena;
		lead_run = now[li].run - g->last[li].run;
	}
	for (i = 0; i < g->n; i++) {
		uint64_t en, run;

		if (!g->evsel[i])
			continue;
		/*
		 * A member's own times also run while the disabled leader keeps
		 * the group off; the leader's times are the group's.
		 */
		en = g->grouped ? lead_en : now[i].ena - g->last[i].ena;
		run = g->grouped ? lead_run : now[i].run - g->last[i].run;
		out[i] = ctr_reading_make(now[i].val - g->last[i].val, en, run);
		g->last[i] = now[i];
	}
	return 0;
}

bool ctr_group_is_grouped(const struct ctr_group *g)
{
	return g->grouped;
}

void ctr_group_free(struct ctr_group *g)
{
	if (!g)
		return;
	group_close(g);
	perf_thread_map__put(g->threads);
	free(g);
}
