// SPDX-License-Identifier: GPL-2.0
#include "collectors/layout.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/parse.h"

#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif
#ifndef MADV_NOHUGEPAGE
#define MADV_NOHUGEPAGE 15
#endif

static int order_of(size_t bytes, size_t page_size)
{
	int o = 0;

	while (((size_t)page_size << o) < bytes)
		o++;
	return ((size_t)page_size << o) == bytes ? o : -1;
}

void layout_thp_probe(struct thp_info *thp, const char *dir, size_t page_size)
{
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	struct dirent *de;
	DIR *d;

	memset(thp, 0, sizeof(*thp));
	snprintf(thp->dir, sizeof(thp->dir), "%s", dir);
	thp->page_size = page_size;
	strbuf_addf(&path, "%s/hpage_pmd_size", dir);
	if (!strbuf_read_file(&sb, path.buf, 64)) {
		thp->pmd_size = strtoull(sb.buf, NULL, 10);
		thp->pmd_order = order_of(thp->pmd_size, page_size);
		if (thp->pmd_order <= 0)
			thp->pmd_size = 0;
	}
	strbuf_release(&sb);
	strbuf_release(&path);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		unsigned long kb;
		char unit[4];
		int o;

		if (sscanf(de->d_name, "hugepages-%lu%3s", &kb, unit) != 2 || strcmp(unit, "kB"))
			continue;
		o = order_of((size_t)kb * 1024, page_size);
		if (o > 0 && o < (int)(8 * sizeof(thp->orders))) {
			thp->orders |= 1UL << o;
			thp->per_size = true;
		}
	}
	closedir(d);
}

static bool offered(const struct thp_info *thp, int order)
{
	if (order == 0)
		return true;
	if (!thp->pmd_size)
		return false;
	if (order == thp->pmd_order)
		return true;
	return order < thp->pmd_order && (thp->orders & (1UL << order));
}

static int add_layout(struct layout *out, int *n, int max, enum layout_kind kind, int order,
		      struct strbuf *err)
{
	int i;

	for (i = 0; i < *n; i++)
		if (out[i].kind == kind && out[i].order == order)
			return 0; /* given twice: measure once */
	if (*n == max) {
		strbuf_addf(err, "too many layouts (at most %d)", max);
		return -EINVAL;
	}
	out[*n].kind = kind;
	out[*n].order = order;
	if (kind == LAYOUT_PMD)
		snprintf(out[*n].name, LAYOUT_NAME_MAX, "pmd");
	else
		snprintf(out[*n].name, LAYOUT_NAME_MAX, "order-%d", order);
	(*n)++;
	return 0;
}

int layout_parse_list(const char *spec, const struct thp_info *thp, bool skip_unoffered,
		      struct layout *out, int max, struct strbuf *skipped, struct strbuf *err)
{
	const char *p = spec;
	int n = 0, o;

	if (!*spec || spec[strlen(spec) - 1] == ',') {
		strbuf_addstr(err, "--layouts '': expected a list like order-0,order-4,order-9,pmd or all");
		return -EINVAL;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		char name[32];
		uint64_t order;

		if (len == 0 || len >= sizeof(name)) {
			strbuf_addf(err, "--layouts '%s': expected a list like order-0,order-4,order-9,pmd or all",
				    spec);
			return -EINVAL;
		}
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		if (!strcmp(name, "all")) {
			if (add_layout(out, &n, max, LAYOUT_ORDER0, 0, err))
				return -EINVAL;
			for (o = 1; thp->pmd_size && o < thp->pmd_order; o++)
				if (offered(thp, o) && add_layout(out, &n, max, LAYOUT_PTE, o, err))
					return -EINVAL;
			if (thp->pmd_size && (add_layout(out, &n, max, LAYOUT_PTE, thp->pmd_order, err) ||
					      add_layout(out, &n, max, LAYOUT_PMD, thp->pmd_order, err)))
				return -EINVAL;
		} else if (!strcmp(name, "pmd")) {
			if (!thp->pmd_size) {
				if (!skip_unoffered) {
					strbuf_addstr(err, "layout 'pmd': this kernel has no transparent huge pages");
					return -EINVAL;
				}
				strbuf_addf(skipped, "%s%s", skipped->len ? ", " : "", name);
			} else if (add_layout(out, &n, max, LAYOUT_PMD, thp->pmd_order, err)) {
				return -EINVAL;
			}
		} else if (!strncmp(name, "order-", 6) && !parse_uint(name + 6, 0, 30, &order)) {
			if (offered(thp, (int)order)) {
				if (add_layout(out, &n, max, order ? LAYOUT_PTE : LAYOUT_ORDER0, (int)order, err))
					return -EINVAL;
			} else if (skip_unoffered) {
				strbuf_addf(skipped, "%s%s", skipped->len ? ", " : "", name);
			} else {
				char sz[16];

				parse_format_size((uint64_t)thp->page_size << order, sz, sizeof(sz));
				if (!thp->pmd_size)
					strbuf_addf(err, "layout '%s': this kernel has no transparent huge pages", name);
				else if (order > (uint64_t)thp->pmd_order)
					strbuf_addf(err, "layout '%s': larger than the PMD order %d of this kernel",
						    name, thp->pmd_order);
				else
					strbuf_addf(err, "layout '%s': this kernel offers no %sB mTHP size (no %s/hugepages-%llukB)",
						    name, sz, thp->dir,
						    (unsigned long long)(((uint64_t)thp->page_size << order) / 1024));
				return -EINVAL;
			}
		} else {
			strbuf_addf(err, "unknown layout '%s': expected order-N, pmd or all", name);
			return -EINVAL;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	if (!n) {
		strbuf_addf(err, "--layouts '%s': no layout this kernel can make", spec);
		return -EINVAL;
	}
	return n;
}

int layout_apply_knobs(const struct layout *l, const struct thp_info *thp,
		       struct knob_journal *kj, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	char top[32];
	int o, ret = 0;

	if (l->kind == LAYOUT_ORDER0 || !thp->pmd_size)
		return 0; /* MADV_NOHUGEPAGE keeps order 0 whatever the knobs say */
	if (!thp->per_size) {
		/* pre-mTHP kernel: the top-level switch governs PMD THP */
		strbuf_addf(&path, "%s/enabled", thp->dir);
		if (!knob_read_choice(path.buf, top, sizeof(top)) && !strcmp(top, "never"))
			ret = knob_set(kj, path.buf, "madvise", err);
		strbuf_release(&path);
		return ret;
	}
	strbuf_addf(&path, "%s/enabled", thp->dir);
	if (knob_read_choice(path.buf, top, sizeof(top)))
		top[0] = '\0';
	for (o = 1; o <= thp->pmd_order && !ret; o++) {
		char cur[32];
		bool want = o == l->order;

		if (!(thp->orders & (1UL << o)))
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/hugepages-%zukB/enabled", thp->dir,
			    (thp->page_size << o) / 1024);
		if (knob_read_choice(path.buf, cur, sizeof(cur)))
			continue;
		if (want) {
			/* "inherit" from a top level that allows madvise regions is fine as is */
			bool on = !strcmp(cur, "always") || !strcmp(cur, "madvise") ||
				  (!strcmp(cur, "inherit") && (!strcmp(top, "always") || !strcmp(top, "madvise")));

			if (!on)
				ret = knob_set(kj, path.buf, "madvise", err);
		} else if (strcmp(cur, "never")) {
			ret = knob_set(kj, path.buf, "never", err);
		}
	}
	strbuf_release(&path);
	return ret;
}

int layout_populate(const struct layout *l, const struct thp_info *thp, size_t size,
		    void **addr, struct strbuf *err)
{
	size_t align = thp->pmd_size ? thp->pmd_size : thp->page_size;
	size_t off, map_len = size + align;
	char *raw, *p;

	*addr = NULL;
	raw = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED) {
		int e = errno;

		strbuf_addf(err, "mmap of %zu bytes: %s", map_len, strerror(e));
		return -e;
	}
	/* trim to a PMD-aligned region so that every folio can be whole */
	p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
	if (p > raw)
		munmap(raw, (size_t)(p - raw));
	if (p + size < raw + map_len)
		munmap(p + size, (size_t)(raw + map_len - (p + size)));

	if (madvise(p, size, l->kind == LAYOUT_ORDER0 ? MADV_NOHUGEPAGE : MADV_HUGEPAGE)) {
		int e = errno;

		strbuf_addf(err, "madvise(%s): %s", l->kind == LAYOUT_ORDER0 ? "MADV_NOHUGEPAGE" :
			    "MADV_HUGEPAGE", strerror(e));
		munmap(p, size);
		return -e;
	}
	/* write, not read: a read fault would map the shared zero page */
	for (off = 0; off < size; off += thp->page_size)
		p[off] = 1;
	if (l->kind == LAYOUT_PTE && l->order == thp->pmd_order) {
		/*
		 * Changing the protection of one sub-page splits the PMD
		 * mapping but not the folio; changing it back lets the VMAs
		 * merge again.
		 */
		for (off = 0; off < size; off += thp->pmd_size) {
			if (mprotect(p + off, thp->page_size, PROT_READ) ||
			    mprotect(p + off, thp->page_size, PROT_READ | PROT_WRITE)) {
				int e = errno;

				strbuf_addf(err, "mprotect: %s", strerror(e));
				munmap(p, size);
				return -e;
			}
		}
	}
	/* keep khugepaged from collapsing pte-mapped folios while we measure */
	if (l->kind == LAYOUT_PTE)
		madvise(p, size, MADV_NOHUGEPAGE);
	*addr = p;
	return 0;
}

bool layout_check(const struct layout *l, size_t size, const struct folio_hist *h,
		  struct strbuf *why)
{
	double frac = folio_hist_fraction(h, l->order);
	uint64_t pmd_kb = h->anon_huge_kb;
	int o, best = -1;

	for (o = 0; o <= FOLIO_MAX_ORDER; o++)
		if (h->by_order[o] && (best < 0 || h->by_order[o] > h->by_order[best]))
			best = o;
	if (h->present != h->pages) {
		strbuf_addf(why, "%llu of %llu pages not present",
			    (unsigned long long)(h->pages - h->present), (unsigned long long)h->pages);
		return false;
	}
	if (frac < 1.0) {
		if (best < 0)
			strbuf_addf(why, "no page in a whole folio: %llu pages in partial folios",
				    (unsigned long long)h->partial);
		else
			strbuf_addf(why, "%.1f%% of pages in order-%d folios (most in order-%d%s)",
				    100 * frac, l->order, best, h->partial ? ", some in partial folios" : "");
		return false;
	}
	if (l->kind == LAYOUT_PMD && pmd_kb * 1024 != size) {
		strbuf_addf(why, "only %llu of %zu kB PMD-mapped", (unsigned long long)pmd_kb, size / 1024);
		return false;
	}
	if (l->kind != LAYOUT_PMD && pmd_kb) {
		strbuf_addf(why, "%llu kB PMD-mapped, expected pte-mapped", (unsigned long long)pmd_kb);
		return false;
	}
	return true;
}
