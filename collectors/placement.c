// SPDX-License-Identifier: GPL-2.0
#include "collectors/placement.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

const char *const placement_names[PLACEMENT_COUNT + 1] = { "same", "split", "free", NULL };

int placement_parse(const char *s, enum placement *out)
{
	int i;

	for (i = 0; i < PLACEMENT_COUNT; i++)
		if (!strcmp(s, placement_names[i])) {
			*out = (enum placement)i;
			return 0;
		}
	return -EINVAL;
}

int placement_choose(enum placement how, const struct noise_cpuset *allowed,
		     struct placement_cpus *out)
{
	int c, end = (int)noise_cpuset_end(allowed);

	out->how = how;
	out->parent = out->child = -1;
	if (how == PLACEMENT_FREE)
		return 0;
	if (!end)
		return -EINVAL;
	out->parent = end - 1;
	if (how == PLACEMENT_SAME) {
		out->child = out->parent;
		return 0;
	}
	for (c = out->parent - 1; c >= 0; c--)
		if (noise_cpuset_has(allowed, (unsigned)c)) {
			out->child = c;
			return 0;
		}
	out->parent = -1;
	return -EINVAL;
}

void placement_cpuset(const struct placement_cpus *pc, const struct noise_cpuset *allowed,
		      struct noise_cpuset *out)
{
	if (pc->how == PLACEMENT_FREE) {
		*out = *allowed;
		return;
	}
	memset(out, 0, sizeof(*out));
	noise_cpuset_add(out, (unsigned)pc->parent);
	noise_cpuset_add(out, (unsigned)pc->child);
}

void placement_describe(const struct placement_cpus *pc, struct strbuf *out)
{
	switch (pc->how) {
	case PLACEMENT_SAME:
		strbuf_addf(out, "same (parent and child on CPU %d)", pc->parent);
		break;
	case PLACEMENT_SPLIT:
		strbuf_addf(out, "split (parent on CPU %d, child on CPU %d)", pc->parent, pc->child);
		break;
	default:
		strbuf_addstr(out, "free (the scheduler decides)");
		break;
	}
}

int placement_allowed(struct noise_cpuset *out)
{
	cpu_set_t set;
	unsigned c;

	memset(out, 0, sizeof(*out));
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	for (c = 0; c < CPU_SETSIZE && c < NOISE_CPUS_MAX; c++)
		if (CPU_ISSET(c, &set))
			noise_cpuset_add(out, c);
	return 0;
}

int placement_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}
