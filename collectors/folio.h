/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_FOLIO_H
#define FW_FOLIO_H

#include <stddef.h>
#include <stdint.h>

/*
 * What backs a range of this process's memory, read from /proc/self/pagemap
 * and /proc/kpageflags (both need CAP_SYS_ADMIN for PFNs) and from smaps.
 */
#define FOLIO_MAX_ORDER 20

/* bits of /proc/kpageflags (include/uapi/linux/kernel-page-flags.h) */
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_HUGE 17
#define KPF_THP 22

/* bits of /proc/<pid>/pagemap entries (Documentation/admin-guide/mm/pagemap.rst) */
#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)

struct folio_hist {
	uint64_t pages;   /* pages looked at */
	uint64_t present; /* of them present */
	uint64_t folios[FOLIO_MAX_ORDER + 1];   /* whole folios inside the range, by order */
	uint64_t by_order[FOLIO_MAX_ORDER + 1]; /* pages in those folios */
	uint64_t partial; /* pages of folios cut by the range or of odd size */
	uint64_t anon_huge_kb; /* smaps AnonHugePages over the range: PMD-mapped THP */
	uint64_t rss_kb;       /* smaps Rss over the range */
};

/*
 * Build the histogram from n pagemap entries of consecutive pages and the
 * kpageflags of each entry's PFN (0 where not present).  A folio is a
 * compound head followed by tails at consecutive virtual and physical
 * pages; a page that is neither is an order-0 folio.  Pure: no I/O.
 * Limitation: a folio cut off by the end of the range looks like a
 * smaller whole folio when its visible part has a power-of-two length;
 * callers pass ranges aligned to and sized in multiples of the largest
 * folio they expect (the benchmark uses PMD multiples).
 */
void folio_hist_build(const uint64_t *pagemap, const uint64_t *kflags, size_t n,
		      struct folio_hist *h);

/*
 * Sum Rss and AnonHugePages of the smaps text's mappings that overlap
 * [start, end).  Pure.  Returns 0, or -EINVAL when the text has no mapping
 * overlapping the range.
 */
int folio_parse_smaps(const char *text, uintptr_t start, uintptr_t end, struct folio_hist *h);

/*
 * Read the histogram of [addr, addr + len) of this process.  page_size is
 * the base page size.  Returns 0 or a negative errno (-EPERM without
 * CAP_SYS_ADMIN, -ENOENT where the files do not exist).
 */
int folio_hist_read(void *addr, size_t len, size_t page_size, struct folio_hist *h);

/*
 * Fraction of the range's pages that lie in whole folios of the given
 * order, in [0, 1].
 */
double folio_hist_fraction(const struct folio_hist *h, int order);

#endif
