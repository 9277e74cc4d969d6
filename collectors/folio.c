// SPDX-License-Identifier: GPL-2.0
#include "collectors/folio.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/strbuf.h"

static int is_head(uint64_t f) { return (f >> KPF_COMPOUND_HEAD) & 1; }
static int is_tail(uint64_t f) { return (f >> KPF_COMPOUND_TAIL) & 1; }

void folio_hist_build(const uint64_t *pm, const uint64_t *kf, size_t n, struct folio_hist *h)
{
	size_t i = 0;

	memset(h, 0, sizeof(*h));
	h->pages = n;
	while (i < n) {
		uint64_t pfn;
		size_t len;
		int order;

		if (!(pm[i] & PM_PRESENT)) {
			i++;
			continue;
		}
		h->present++;
		pfn = pm[i] & PM_PFN_MASK;
		if (!is_head(kf[i]) && !is_tail(kf[i])) {
			h->folios[0]++;
			h->by_order[0]++;
			i++;
			continue;
		}
		len = 1;
		while (i + len < n && (pm[i + len] & PM_PRESENT) &&
		       (pm[i + len] & PM_PFN_MASK) == pfn + len && is_tail(kf[i + len]) &&
		       !is_head(kf[i + len]))
			len++;
		h->present += len - 1;
		/*
		 * A run that starts on a tail began before the range, and a head
		 * without its tails continues past it: neither is a whole folio.
		 */
		order = -1;
		if (is_head(kf[i]) && len > 1 && !(len & (len - 1)))
			order = __builtin_ctzll(len);
		if (order > 0 && order <= FOLIO_MAX_ORDER) {
			h->folios[order]++;
			h->by_order[order] += len;
		} else {
			h->partial += len;
		}
		i += len;
	}
}

double folio_hist_fraction(const struct folio_hist *h, int order)
{
	if (!h->pages || order < 0 || order > FOLIO_MAX_ORDER)
		return 0;
	return (double)h->by_order[order] / (double)h->pages;
}

int folio_parse_smaps(const char *text, uintptr_t start, uintptr_t end, struct folio_hist *h)
{
	const char *line = text;
	int in = 0, found = 0;

	h->rss_kb = 0;
	h->anon_huge_kb = 0;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		unsigned long long a, b, kb;

		if (sscanf(line, "%llx-%llx ", &a, &b) == 2 && strchr(line, '-') &&
		    (size_t)(strchr(line, '-') - line) <= 16) {
			in = a < end && b > start;
			found |= in;
		} else if (in && sscanf(line, "Rss: %llu kB", &kb) == 1) {
			h->rss_kb += kb;
		} else if (in && sscanf(line, "AnonHugePages: %llu kB", &kb) == 1) {
			h->anon_huge_kb += kb;
		}
		line = nl ? nl + 1 : NULL;
	}
	return found ? 0 : -EINVAL;
}

static int pread_all(int fd, void *buf, size_t len, off_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* Read kpageflags for every present entry, one pread per physically contiguous run. */
static int read_kflags(int fd, const uint64_t *pm, uint64_t *kf, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint64_t pfn;
		size_t run = 1;
		int ret;

		if (!(pm[i] & PM_PRESENT)) {
			kf[i++] = 0;
			continue;
		}
		pfn = pm[i] & PM_PFN_MASK;
		if (!pfn)
			return -EPERM; /* PFNs hidden: no CAP_SYS_ADMIN */
		while (i + run < n && run < 8192 && (pm[i + run] & PM_PRESENT) &&
		       (pm[i + run] & PM_PFN_MASK) == pfn + run)
			run++;
		ret = pread_all(fd, kf + i, run * sizeof(uint64_t), (off_t)(pfn * sizeof(uint64_t)));
		if (ret)
			return ret;
		i += run;
	}
	return 0;
}

int folio_hist_read(void *addr, size_t len, size_t page_size, struct folio_hist *h)
{
	size_t n = len / page_size;
	uint64_t *pm = NULL, *kf = NULL;
	struct strbuf smaps = STRBUF_INIT;
	uint64_t rss = 0, ahp = 0;
	int pfd = -1, kfd = -1, ret;

	pm = malloc(n * sizeof(*pm));
	kf = malloc(n * sizeof(*kf));
	if (!pm || !kf) {
		ret = -ENOMEM;
		goto out;
	}
	pfd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pfd < 0) {
		ret = -errno;
		goto out;
	}
	kfd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (kfd < 0) {
		ret = -errno;
		goto out;
	}
	ret = pread_all(pfd, pm, n * sizeof(*pm), (off_t)((uintptr_t)addr / page_size * sizeof(*pm)));
	if (ret)
		goto out;
	ret = read_kflags(kfd, pm, kf, n);
	if (ret)
		goto out;
	folio_hist_build(pm, kf, n, h);
	ret = strbuf_read_file(&smaps, "/proc/self/smaps", 64 << 20);
	if (!ret) {
		struct folio_hist tmp;

		ret = folio_parse_smaps(smaps.buf, (uintptr_t)addr, (uintptr_t)addr + len, &tmp);
		rss = tmp.rss_kb;
		ahp = tmp.anon_huge_kb;
	}
	h->rss_kb = rss;
	h->anon_huge_kb = ahp;
out:
	strbuf_release(&smaps);
	if (kfd >= 0)
		close(kfd);
	if (pfd >= 0)
		close(pfd);
	free(kf);
	free(pm);
	return ret;
}
