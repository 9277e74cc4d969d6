/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_LAYOUT_H
#define FW_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "collectors/folio.h"
#include "collectors/knob.h"
#include "lib/strbuf.h"

/*
 * Folio layouts: which folio size backs the benchmark's memory and how it
 * is mapped, named as kernel developers say them.
 *
 *   order-0   4 KiB folios (MADV_NOHUGEPAGE)
 *   order-N   folios of order N mapped by PTEs: mTHP sizes for N below the
 *             PMD order; at the PMD order, PMD-sized THPs whose PMD mapping
 *             was split without splitting the folio
 *   pmd       PMD-mapped THP
 */
#define LAYOUT_MAX 24
#define LAYOUT_NAME_MAX 16

enum layout_kind { LAYOUT_ORDER0, LAYOUT_PTE, LAYOUT_PMD };

struct layout {
	char name[LAYOUT_NAME_MAX];
	enum layout_kind kind;
	int order;
};

/* What the running kernel offers. */
struct thp_info {
	char dir[128];       /* /sys/kernel/mm/transparent_hugepage */
	size_t page_size;
	size_t pmd_size;     /* 0 without THP */
	int pmd_order;
	bool per_size;       /* hugepages-<size>kB directories exist (mTHP) */
	unsigned long orders; /* bit N: a hugepages-<size>kB directory for order N */
};

/* Read what dir (normally /sys/kernel/mm/transparent_hugepage) offers. */
void layout_thp_probe(struct thp_info *thp, const char *dir, size_t page_size);

/*
 * Parse a comma-separated layout list ("order-0,order-4,order-9,pmd" or
 * "all").  Returns the number of layouts, or -EINVAL with err set for an
 * unknown name or an order the kernel does not offer.  With
 * skip_unoffered, orders the kernel does not offer are left out and named
 * in skipped instead (for the default matrix).
 */
int layout_parse_list(const char *spec, const struct thp_info *thp, bool skip_unoffered,
		      struct layout *out, int max, struct strbuf *skipped, struct strbuf *err);

/*
 * Set the sysfs knobs this layout needs: its own size allowed for
 * MADV_HUGEPAGE regions, every other size off (so that a failed
 * allocation falls back to order 0 and shows up in verification).
 * Every change is journaled.  Returns 0 or a negative errno, err set.
 */
int layout_apply_knobs(const struct layout *l, const struct thp_info *thp,
		       struct knob_journal *kj, struct strbuf *err);

/*
 * Map size bytes (PMD-aligned), advise, populate every page and, for
 * pte-mapped PMD-order folios, split each PMD mapping.  *addr receives
 * the region.  Returns 0 or a negative errno, err set.
 */
int layout_populate(const struct layout *l, const struct thp_info *thp, size_t size,
		    void **addr, struct strbuf *err);

/*
 * Judge a histogram against the layout: ok when every page is in a whole
 * folio of the layout's order and the mapping is of the right kind
 * (AnonHugePages covers the region for pmd, none of it otherwise).
 * why receives a short explanation when not ok.
 */
bool layout_check(const struct layout *l, size_t size, const struct folio_hist *h,
		  struct strbuf *why);

#endif
