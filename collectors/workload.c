// SPDX-License-Identifier: GPL-2.0
/*
 * The workloads: the table and one function each.  To add one, write its
 * function (the measured call between wl_start() and wl_stop()), add its
 * line to bench_workloads[], a case to tests/unit/test_workload.c and a
 * row to the workload table of schema/result-format.md.
 */
#include "collectors/workload.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* fork(): the call in the parent; the child exits at once and is reaped untimed. */
static int wl_fork(struct wl_ctx *w)
{
	pid_t pid;
	int status;

	wl_start(w);
	pid = fork();
	if (pid == 0) {
		if (w->child)
			w->child(w);
		_exit(0);
	}
	wl_stop(w);
	if (pid < 0)
		return -errno;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* munmap() of the whole region: the zap path; the region is gone after it. */
static int wl_munmap(struct wl_ctx *w)
{
	int ret;

	wl_start(w);
	ret = munmap(w->addr, w->size);
	wl_stop(w);
	if (ret)
		return -errno;
	w->addr = NULL;
	return 0;
}

/* mprotect(PROT_READ) of the whole region; made writable again untimed. */
static int wl_mprotect(struct wl_ctx *w)
{
	int ret;

	wl_start(w);
	ret = mprotect(w->addr, w->size, PROT_READ);
	wl_stop(w);
	if (ret || mprotect(w->addr, w->size, PROT_READ | PROT_WRITE))
		return -errno;
	return 0;
}

/*
 * size bytes of PROT_NONE address space at a multiple of align, reserved
 * so that nothing else is mapped there; MAP_FAILED on failure.
 */
static void *reserve(size_t size, size_t align)
{
	size_t len = size + align;
	char *raw = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), *p;

	if (raw == MAP_FAILED)
		return MAP_FAILED;
	p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
	if (p > raw)
		munmap(raw, (size_t)(p - raw));
	if (p + size < raw + len)
		munmap(p + size, (size_t)(raw + len - (p + size)));
	return p;
}

/* mremap's other end: a reserved range, as aligned as the region. */
static int wl_mremap_setup(struct wl_ctx *w)
{
	w->spare = reserve(w->size, w->align);
	if (w->spare == MAP_FAILED) {
		w->spare = NULL;
		return -errno;
	}
	return 0;
}

/*
 * mremap() moving the whole region onto the reserved range (which it
 * replaces); untimed, the range it left is reserved again and becomes
 * the next move's destination: the region alternates between the two.
 * It counts apart (the table): its counts come from a second pass of
 * such moves, untimed, after the timed ones.
 */
static int wl_mremap(struct wl_ctx *w)
{
	void *from = w->addr, *to;

	wl_start(w);
	to = mremap(from, w->size, w->size, MREMAP_MAYMOVE | MREMAP_FIXED, w->spare);
	wl_stop(w);
	if (to == MAP_FAILED)
		return -errno;
	w->addr = to;
	w->spare = mmap(from, w->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			MAP_FIXED_NOREPLACE, -1, 0);
	if (w->spare != from) {
		/* a kernel before 4.17 takes the address as a hint only */
		if (w->spare != MAP_FAILED)
			munmap(w->spare, w->size);
		w->spare = NULL;
		return -EEXIST;
	}
	return 0;
}

/* madvise(MADV_DONTNEED) of the whole region: the zap path without the unmap. */
static int wl_dontneed(struct wl_ctx *w)
{
	int ret;

	wl_start(w);
	ret = madvise(w->addr, w->size, MADV_DONTNEED);
	wl_stop(w);
	return ret ? -errno : 0;
}

const struct bench_workload bench_workloads[] = {
	{ .name = "fork", .in_default = true, .measure = wl_fork,
	  .about = "the fork() call in the parent (the child exits at once)" },
	{ .name = "munmap", .fresh = true, .in_default = true, .measure = wl_munmap,
	  .about = "munmap() of the whole region" },
	{ .name = "mprotect", .measure = wl_mprotect,
	  .about = "mprotect(PROT_READ) of the whole region" },
	{ .name = "mremap", .count_apart = true, .setup = wl_mremap_setup, .measure = wl_mremap,
	  .about = "mremap() of the whole region to another PMD-aligned address" },
	{ .name = "dontneed", .fresh = true, .measure = wl_dontneed,
	  .about = "madvise(MADV_DONTNEED) of the whole region" },
};

const unsigned bench_nworkloads = sizeof(bench_workloads) / sizeof(bench_workloads[0]);

_Static_assert(sizeof(bench_workloads) / sizeof(bench_workloads[0]) <= BENCH_WORKLOADS_MAX,
	       "a selection of workloads is an unsigned bit mask");

const struct bench_workload *bench_workload_find(const char *name, size_t len)
{
	unsigned i;

	for (i = 0; i < bench_nworkloads; i++)
		if (strlen(bench_workloads[i].name) == len && !strncmp(bench_workloads[i].name, name, len))
			return &bench_workloads[i];
	return NULL;
}

unsigned bench_workloads_default(void)
{
	unsigned i, mask = 0;

	for (i = 0; i < bench_nworkloads; i++)
		if (bench_workloads[i].in_default)
			mask |= 1u << i;
	return mask;
}

void bench_workloads_names(struct strbuf *out)
{
	unsigned i;

	for (i = 0; i < bench_nworkloads; i++)
		strbuf_addf(out, "%s%s", i ? ", " : "", bench_workloads[i].name);
}

int bench_workloads_parse(const char *spec, unsigned *mask, struct strbuf *why)
{
	const char *p = spec;

	*mask = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		const struct bench_workload *wl = bench_workload_find(p, len);

		if (len == 3 && !strncmp(p, "all", 3)) {
			*mask |= (bench_nworkloads == BENCH_WORKLOADS_MAX ? 0u : 1u << bench_nworkloads) - 1;
		} else if (wl) {
			*mask |= 1u << (wl - bench_workloads);
		} else {
			strbuf_addf(why, "unknown workload '%.*s': expected ", (int)len, p);
			bench_workloads_names(why);
			strbuf_addstr(why, " or all");
			return -EINVAL;
		}
		p += len;
		if (*p == ',' && !*++p)
			break; /* a trailing comma: refused below */
	}
	if (!*mask || !*spec || spec[strlen(spec) - 1] == ',') {
		strbuf_reset(why);
		strbuf_addstr(why, "expected a list of workloads like fork,munmap, or all");
		return -EINVAL;
	}
	return 0;
}
