// SPDX-License-Identifier: GPL-2.0
/*
 * The noise snapshot's CPU sets and per-CPU counters (/proc/stat,
 * /proc/interrupts, /proc/softirqs, /proc/schedstat) and what changed
 * between two readings: the part of noise.h that parses text.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collectors/noise.h"
#include "collectors/noise_internal.h"

/* Files that can be long: /proc/interrupts on a machine of many CPUs. */
#define READ_LIMIT (16u << 20)

/* ---- CPU sets ------------------------------------------------------------ */

int noise_cpuset_parse(const char *list, struct noise_cpuset *set)
{
	const char *p = list;

	memset(set, 0, sizeof(*set));
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '\n')
		return 0;
	for (;;) {
		unsigned long lo, hi, c;
		char *end;

		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		lo = strtoul(p, &end, 10);
		hi = lo;
		p = end;
		if (*p == '-') {
			if (!isdigit((unsigned char)p[1]))
				return -EINVAL;
			hi = strtoul(p + 1, &end, 10);
			p = end;
		}
		if (lo > hi || hi >= NOISE_CPUS_MAX)
			return -EINVAL;
		for (c = lo; c <= hi; c++)
			noise_cpuset_add(set, (unsigned)c);
		if (*p == ',') {
			p++;
			continue;
		}
		if (!*p || (*p == '\n' && !p[1]))
			return 0;
		return -EINVAL;
	}
}

unsigned noise_cpuset_count(const struct noise_cpuset *set)
{
	unsigned n = 0, i;

	for (i = 0; i < NOISE_CPUS_MAX / 64; i++)
		n += (unsigned)__builtin_popcountll(set->bits[i]);
	return n;
}

unsigned noise_cpuset_end(const struct noise_cpuset *set)
{
	unsigned i = NOISE_CPUS_MAX / 64;

	while (i--)
		if (set->bits[i])
			return i * 64 + 64 - (unsigned)__builtin_clzll(set->bits[i]);
	return 0;
}

void noise_cpuset_format(const struct noise_cpuset *set, struct strbuf *out)
{
	unsigned c = 0, end = noise_cpuset_end(set);
	bool first = true;

	while (c < end) {
		unsigned lo;

		if (!noise_cpuset_has(set, c)) {
			c++;
			continue;
		}
		lo = c;
		while (c + 1 < end && noise_cpuset_has(set, c + 1))
			c++;
		strbuf_addf(out, first ? "%u" : ",%u", lo);
		if (c > lo)
			strbuf_addf(out, "-%u", c);
		first = false;
		c++;
	}
}

/* ---- reading files under the root ---------------------------------------- */

void noise_root_path(const char *root, const char *rel, struct strbuf *out)
{
	size_t n = strlen(root);

	strbuf_reset(out);
	while (n && root[n - 1] == '/')
		n--;
	strbuf_add(out, root, n);
	strbuf_addstr(out, rel);
}

int noise_read_rel(const char *root, const char *rel, struct strbuf *sb)
{
	struct strbuf path = STRBUF_INIT;
	int ret;

	noise_root_path(root, rel, &path);
	strbuf_reset(sb);
	ret = strbuf_read_file(sb, path.buf, READ_LIMIT);
	strbuf_release(&path);
	return ret;
}

/* ---- counters -------------------------------------------------------------- */

void noise_counters_release(struct noise_counters *c)
{
	free(c->total);
	free(c->busy);
	free(c->steal);
	free(c->irqs);
	free(c->softirqs);
	free(c->scheds);
	memset(c, 0, sizeof(*c));
	c->procs_running = -1;
}

/* Grow every array of c to hold cpu; 0 or -ENOMEM (-ERANGE past NOISE_CPUS_MAX). */
static int counters_fit(struct noise_counters *c, unsigned long cpu)
{
	uint64_t **arrays[] = { &c->total, &c->busy, &c->steal, &c->irqs, &c->softirqs, &c->scheds };
	unsigned n, i;

	if (cpu >= NOISE_CPUS_MAX)
		return -ERANGE;
	if (cpu < c->ncpu)
		return 0;
	n = (unsigned)cpu + 1;
	for (i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++) {
		uint64_t *p = realloc(*arrays[i], n * sizeof(uint64_t));

		if (!p)
			return -ENOMEM;
		memset(p + c->ncpu, 0, (n - c->ncpu) * sizeof(uint64_t));
		*arrays[i] = p;
	}
	c->ncpu = n;
	return 0;
}

/* The next line of text (NUL-terminated copy in line, cut at size); false at the end. */
static bool next_line(const char **p, const char *end, char *line, size_t size)
{
	const char *s = *p, *nl;
	size_t n;

	if (s >= end || !*s)
		return false;
	nl = memchr(s, '\n', (size_t)(end - s));
	if (!nl)
		nl = end;
	n = strnlen(s, (size_t)(nl - s));
	*p = nl < end ? nl + 1 : end;
	if (n < (size_t)(nl - s))
		*p = end; /* a NUL byte ends the text */
	if (n >= size)
		n = size - 1;
	memcpy(line, s, n);
	line[n] = '\0';
	return true;
}

/* Parse an unsigned decimal at *p, skipping blanks first; false when there is none. */
static bool take_u64(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++)
		x = x * 10 + (uint64_t)(*s - '0'); /* wraps on absurd input: never undefined */
	if (*s && *s != ' ' && *s != '\t')
		return false;
	*p = s;
	*v = x;
	return true;
}

int noise_parse_stat(const char *text, size_t len, struct noise_counters *c)
{
	const char *p = text, *end = text + len;
	char line[1024];

	while (next_line(&p, end, line, sizeof(line))) {
		const char *q = line;
		uint64_t v[8] = { 0 };
		unsigned long cpu;
		char *e;
		int n, ret;

		if (!strncmp(line, "ctxt ", 5)) {
			q = line + 4;
			if (take_u64(&q, &v[0]))
				c->ctxt = v[0];
			continue;
		}
		if (!strncmp(line, "procs_running ", 14)) {
			q = line + 13;
			if (take_u64(&q, &v[0]) && v[0] < 1u << 30)
				c->procs_running = (long)v[0];
			continue;
		}
		if (strncmp(line, "cpu", 3) || !isdigit((unsigned char)line[3]))
			continue;
		cpu = strtoul(line + 3, &e, 10);
		if (*e != ' ')
			continue;
		q = e;
		/* user nice system idle iowait irq softirq steal [guest guest_nice]: guest is in user */
		for (n = 0; n < 8 && take_u64(&q, &v[n]); n++)
			;
		if (n < 4)
			continue;
		ret = counters_fit(c, cpu);
		if (ret == -ERANGE)
			continue;
		if (ret)
			return ret;
		c->total[cpu] = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
		c->busy[cpu] = v[0] + v[1] + v[2] + v[5] + v[6];
		c->steal[cpu] = v[7];
		c->have_stat = true;
	}
	return 0;
}

int noise_parse_irq_table(const char *text, size_t len, bool softirqs, struct noise_counters *c)
{
	const char *p = text, *end = text + len;
	unsigned *col = NULL;
	size_t ncol = 0, alloc = 0;
	char *line = malloc(1 << 16);
	int ret = 0;

	if (!line)
		return -ENOMEM;
	/* the header: "CPU0 CPU1 ..." (offline CPUs have no column) */
	if (next_line(&p, end, line, 1 << 16)) {
		const char *q = line;

		while ((q = strstr(q, "CPU"))) {
			char *e;
			unsigned long cpu = strtoul(q + 3, &e, 10);

			if (e == q + 3 || cpu >= NOISE_CPUS_MAX) {
				q += 3;
				continue;
			}
			if (ncol == alloc) {
				unsigned *n = realloc(col, (alloc = alloc ? 2 * alloc : 64) * sizeof(*col));

				if (!n) {
					ret = -ENOMEM;
					goto out;
				}
				col = n;
			}
			col[ncol++] = (unsigned)cpu;
			q = e;
		}
	}
	if (!ncol)
		goto out;
	ret = counters_fit(c, 0);
	for (size_t i = 0; !ret && i < ncol; i++)
		ret = counters_fit(c, col[i]);
	if (ret)
		goto out;
	while (next_line(&p, end, line, 1 << 16)) {
		const char *q = strchr(line, ':');
		uint64_t *dst = softirqs ? c->softirqs : c->irqs;
		uint64_t v;
		size_t i, n = 0;

		if (!q)
			continue;
		q++;
		/* count first: rows like "ERR: 0" have one number, not one per CPU */
		{
			const char *r = q;

			while (n < ncol && take_u64(&r, &v))
				n++;
		}
		if (n != ncol)
			continue;
		for (i = 0; i < ncol && take_u64(&q, &v); i++)
			dst[col[i]] += v;
	}
	if (softirqs)
		c->have_softirqs = true;
	else
		c->have_irqs = true;
out:
	free(col);
	free(line);
	return ret;
}

int noise_parse_schedstat(const char *text, size_t len, struct noise_counters *c)
{
	const char *p = text, *end = text + len;
	char line[1024];
	unsigned long version = 0;

	while (next_line(&p, end, line, sizeof(line))) {
		const char *q;
		uint64_t v[3];
		unsigned long cpu;
		char *e;
		int n, ret;

		if (!strncmp(line, "version ", 8)) {
			version = strtoul(line + 8, NULL, 10);
			continue;
		}
		/* from version 15 on, the third number of a cpu line is schedule()'s count */
		if (version < 15 || strncmp(line, "cpu", 3) || !isdigit((unsigned char)line[3]))
			continue;
		cpu = strtoul(line + 3, &e, 10);
		if (*e != ' ')
			continue;
		q = e;
		for (n = 0; n < 3 && take_u64(&q, &v[n]); n++)
			;
		if (n < 3)
			continue;
		ret = counters_fit(c, cpu);
		if (ret == -ERANGE)
			continue;
		if (ret)
			return ret;
		c->scheds[cpu] = v[2];
		c->have_scheds = true;
	}
	return 0;
}

int noise_counters_read(struct noise_counters *c, const char *root)
{
	static const struct {
		const char *rel;
		int kind;
	} files[] = { { "/proc/stat", 0 }, { "/proc/interrupts", 1 }, { "/proc/softirqs", 2 },
		      { "/proc/schedstat", 3 } };
	struct strbuf sb = STRBUF_INIT;
	struct timespec ts;
	size_t i;
	int ret = 0;

	noise_counters_release(c);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	c->at = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	for (i = 0; !ret && i < sizeof(files) / sizeof(files[0]); i++) {
		if (noise_read_rel(root, files[i].rel, &sb))
			continue;
		switch (files[i].kind) {
		case 0:
			ret = noise_parse_stat(sb.buf, sb.len, c);
			break;
		case 1:
		case 2:
			ret = noise_parse_irq_table(sb.buf, sb.len, files[i].kind == 2, c);
			break;
		default:
			ret = noise_parse_schedstat(sb.buf, sb.len, c);
		}
	}
	strbuf_release(&sb);
	return ret;
}

uint64_t noise_delta_at(const uint64_t *a, unsigned na, const uint64_t *b, unsigned nb, unsigned cpu)
{
	uint64_t x = cpu < na ? a[cpu] : 0, y = cpu < nb ? b[cpu] : 0;

	return y > x ? y - x : 0; /* a CPU that went offline and back restarts at 0 */
}

void noise_during_compute(const struct noise_counters *a, const struct noise_counters *b,
			  const struct noise_cpuset *cpus, long hz, struct noise_during *d)
{
	uint64_t total = 0, busy = 0;
	unsigned cpu, end = noise_cpuset_end(cpus);

	memset(d, 0, sizeof(*d));
	d->valid = a->have_stat && b->have_stat;
	d->seconds = b->at > a->at ? b->at - a->at : 0;
	d->hz = hz > 0 ? hz : 100;
	d->have_irqs = a->have_irqs && b->have_irqs;
	d->have_softirqs = a->have_softirqs && b->have_softirqs;
	d->have_scheds = a->have_scheds && b->have_scheds;
	d->context_switches = b->ctxt > a->ctxt ? b->ctxt - a->ctxt : 0;
	for (cpu = 0; cpu < end; cpu++) {
		if (!noise_cpuset_has(cpus, cpu))
			continue;
		total += noise_delta_at(a->total, a->ncpu, b->total, b->ncpu, cpu);
		busy += noise_delta_at(a->busy, a->ncpu, b->busy, b->ncpu, cpu);
		d->steal_ticks += noise_delta_at(a->steal, a->ncpu, b->steal, b->ncpu, cpu);
		d->interrupts += noise_delta_at(a->irqs, a->ncpu, b->irqs, b->ncpu, cpu);
		d->softirqs += noise_delta_at(a->softirqs, a->ncpu, b->softirqs, b->ncpu, cpu);
		d->schedules += noise_delta_at(a->scheds, a->ncpu, b->scheds, b->ncpu, cpu);
	}
	d->steal_pct = total ? 100.0 * (double)d->steal_ticks / (double)total : NAN;
	d->busy_pct = total ? 100.0 * (double)busy / (double)total : NAN;
}
