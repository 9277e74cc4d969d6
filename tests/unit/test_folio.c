// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for collectors/folio.c: the folio histogram from synthetic
 * pagemap/kpageflags arrays, and the smaps parser.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/folio.h"

#define HEAD (1ULL << KPF_COMPOUND_HEAD)
#define TAIL (1ULL << KPF_COMPOUND_TAIL)
#define THP (1ULL << KPF_THP)
#define LRU (1ULL << 5) /* KPF_LRU: an unrelated flag that order-0 pages carry */

#define NPAGES 2048

/* A synthetic range of pages, as folio_hist_read would have read it. */
struct range {
	uint64_t pm[NPAGES];
	uint64_t kf[NPAGES];
};

static struct range r;

static void range_clear(void)
{
	memset(&r, 0, sizeof(r));
}

/* pages [at, at + count) are order-0 pages at pfn, pfn + stride, ... */
static void put_small(size_t at, size_t count, uint64_t pfn, uint64_t stride)
{
	size_t i;

	for (i = 0; i < count; i++) {
		r.pm[at + i] = PM_PRESENT | (pfn + i * stride);
		r.kf[at + i] = LRU;
	}
}

/* a whole folio of the given order at page at, physically at pfn */
static void put_folio(size_t at, int order, uint64_t pfn)
{
	size_t i, n = (size_t)1 << order;

	for (i = 0; i < n; i++) {
		r.pm[at + i] = PM_PRESENT | (pfn + i);
		r.kf[at + i] = (i ? TAIL : HEAD) | THP | LRU;
	}
}

static uint64_t sum_by_order(const struct folio_hist *h)
{
	uint64_t s = 0;
	int o;

	for (o = 0; o <= FOLIO_MAX_ORDER; o++)
		s += h->by_order[o];
	return s;
}

/* Invariants of every histogram: pages are counted once each. */
static void check_hist(const struct folio_hist *h, size_t n)
{
	int o;

	assert_int_equal(h->pages, n);
	assert_true(h->present <= h->pages);
	assert_int_equal(sum_by_order(h) + h->partial, h->present);
	for (o = 0; o <= FOLIO_MAX_ORDER; o++)
		assert_int_equal(h->by_order[o], h->folios[o] << o);
}

static void test_folio_all_order0(void **state)
{
	struct folio_hist h;

	(void)state;
	range_clear();
	/* physically contiguous or scattered makes no difference to order 0 */
	put_small(0, 32, 0x1000, 1);
	put_small(32, 32, 0x9000, 7);
	memset(&h, 0xa5, sizeof(h)); /* every field is (re)set */
	folio_hist_build(r.pm, r.kf, 64, &h);
	check_hist(&h, 64);
	assert_int_equal(h.present, 64);
	assert_int_equal(h.folios[0], 64);
	assert_int_equal(h.by_order[0], 64);
	assert_int_equal(h.partial, 0);
	assert_int_equal(h.folios[9], 0);
	assert_int_equal(h.rss_kb, 0);
	assert_int_equal(h.anon_huge_kb, 0);
	assert_true(folio_hist_fraction(&h, 0) == 1.0);
	assert_true(folio_hist_fraction(&h, 4) == 0.0);
}

static void test_folio_order9(void **state)
{
	struct folio_hist h;

	(void)state;
	range_clear();
	put_folio(0, 9, 0x40000);
	put_folio(512, 9, 0x80200); /* right after the first virtually, elsewhere physically */
	folio_hist_build(r.pm, r.kf, 1024, &h);
	check_hist(&h, 1024);
	assert_int_equal(h.present, 1024);
	assert_int_equal(h.folios[9], 2);
	assert_int_equal(h.by_order[9], 1024);
	assert_int_equal(h.folios[0], 0);
	assert_int_equal(h.partial, 0);
	assert_true(folio_hist_fraction(&h, 9) == 1.0);
	assert_true(folio_hist_fraction(&h, 0) == 0.0);
}

static void test_folio_order4_adjacent(void **state)
{
	struct folio_hist h;
	size_t i;

	(void)state;
	range_clear();
	/*
	 * Eight order-4 folios, physically back to back: only the heads
	 * separate them.
	 */
	for (i = 0; i < 8; i++)
		put_folio(16 * i, 4, 0x2000 + 16 * i);
	folio_hist_build(r.pm, r.kf, 128, &h);
	check_hist(&h, 128);
	assert_int_equal(h.folios[4], 8);
	assert_int_equal(h.by_order[4], 128);
	assert_int_equal(h.folios[8], 0);
	assert_int_equal(h.partial, 0);
	assert_true(folio_hist_fraction(&h, 4) == 1.0);
}

static void test_folio_mixed(void **state)
{
	struct folio_hist h;

	(void)state;
	range_clear();
	put_small(0, 16, 0x100, 3);
	put_folio(16, 4, 0x3000);
	put_folio(32, 5, 0x4000);
	put_small(64, 64, 0x5000, 1);
	folio_hist_build(r.pm, r.kf, 128, &h);
	check_hist(&h, 128);
	assert_int_equal(h.folios[0], 80);
	assert_int_equal(h.folios[4], 1);
	assert_int_equal(h.folios[5], 1);
	assert_int_equal(h.partial, 0);
	assert_true(folio_hist_fraction(&h, 0) == 80.0 / 128);
	assert_true(folio_hist_fraction(&h, 4) == 16.0 / 128);
	assert_true(folio_hist_fraction(&h, 5) == 32.0 / 128);
}

static void test_folio_starts_on_tail(void **state)
{
	struct folio_hist h;

	(void)state;
	range_clear();
	put_folio(0, 4, 0x7000);
	put_folio(16, 4, 0x7010);
	/* the range starts at page 5: its first folio began before it */
	folio_hist_build(r.pm + 5, r.kf + 5, 27, &h);
	check_hist(&h, 27);
	assert_int_equal(h.present, 27);
	assert_int_equal(h.partial, 11);
	assert_int_equal(h.folios[4], 1);
	assert_int_equal(h.folios[3], 0); /* 11 tails are no order-3 folio either */
	assert_int_equal(h.folios[0], 0);

	/* eight tails are a power of two, and still no folio of order 3 */
	folio_hist_build(r.pm + 8, r.kf + 8, 24, &h);
	check_hist(&h, 24);
	assert_int_equal(h.partial, 8);
	assert_int_equal(h.folios[3], 0);
	assert_int_equal(h.folios[4], 1);
}

static void test_folio_not_present(void **state)
{
	struct folio_hist h;

	(void)state;
	range_clear();
	/* pages 0..7 never touched, an order-4 folio, a hole, order-0 pages */
	put_folio(8, 4, 0x6000);
	put_small(30, 10, 0x8000, 1);
	r.kf[2] = HEAD; /* flags of a page that is not present mean nothing */
	folio_hist_build(r.pm, r.kf, 48, &h);
	check_hist(&h, 48);
	assert_int_equal(h.present, 26);
	assert_int_equal(h.folios[4], 1);
	assert_int_equal(h.folios[0], 10);
	assert_int_equal(h.partial, 0);
	assert_true(folio_hist_fraction(&h, 4) == 16.0 / 48);

	/* nothing present at all */
	range_clear();
	folio_hist_build(r.pm, r.kf, 64, &h);
	check_hist(&h, 64);
	assert_int_equal(h.present, 0);
	assert_int_equal(h.partial, 0);
	assert_true(folio_hist_fraction(&h, 0) == 0.0);

	/* an empty range */
	folio_hist_build(r.pm, r.kf, 0, &h);
	check_hist(&h, 0);
	assert_true(folio_hist_fraction(&h, 0) == 0.0);
}

static void test_folio_tails_not_contiguous(void **state)
{
	struct folio_hist h;

	(void)state;
	range_clear();
	/* the head at one pfn, its "tails" somewhere else */
	put_folio(0, 4, 0x1000);
	r.pm[0] = PM_PRESENT | 0x9990;
	folio_hist_build(r.pm, r.kf, 16, &h);
	check_hist(&h, 16);
	assert_int_equal(h.present, 16);
	assert_int_equal(h.folios[4], 0);
	assert_int_equal(h.folios[0], 0);
	assert_int_equal(h.partial, 16);

	/* a gap in the middle of the physical run splits it */
	range_clear();
	put_folio(0, 4, 0x1000);
	r.pm[8] = PM_PRESENT | 0x5555;
	folio_hist_build(r.pm, r.kf, 16, &h);
	check_hist(&h, 16);
	assert_int_equal(h.present, 16);
	assert_int_equal(h.folios[4], 0);
	assert_true(h.partial >= 8); /* at least the pages from the gap on */
}

static void test_folio_odd_sized_run(void **state)
{
	struct folio_hist h;

	(void)state;
	range_clear();
	/* a head with two tails, then an order-0 page: three pages are no folio */
	put_folio(0, 2, 0x3000);
	put_small(3, 1, 0x3003, 1);
	/* a lone head followed by another folio's head */
	r.pm[4] = PM_PRESENT | 0x4000;
	r.kf[4] = HEAD;
	put_folio(5, 1, 0x4001);
	folio_hist_build(r.pm, r.kf, 7, &h);
	check_hist(&h, 7);
	assert_int_equal(h.present, 7);
	assert_int_equal(h.partial, 4);
	assert_int_equal(h.folios[0], 1);
	assert_int_equal(h.folios[1], 1);
	assert_int_equal(h.folios[2], 0);
}

static void test_folio_fraction_bounds(void **state)
{
	struct folio_hist h;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_true(folio_hist_fraction(&h, 0) == 0.0); /* no pages: no division by 0 */
	h.pages = 512;
	h.by_order[9] = 512;
	h.by_order[FOLIO_MAX_ORDER] = 256;
	assert_true(folio_hist_fraction(&h, 9) == 1.0);
	assert_true(folio_hist_fraction(&h, FOLIO_MAX_ORDER) == 0.5);
	assert_true(folio_hist_fraction(&h, -1) == 0.0);
	assert_true(folio_hist_fraction(&h, FOLIO_MAX_ORDER + 1) == 0.0);
	assert_true(folio_hist_fraction(&h, 1000) == 0.0);
}

/* A trimmed but realistic /proc/self/smaps. */
static const char smaps[] =
	"55d0c8a00000-55d0c8a28000 r--p 00000000 08:01 1234567                    /usr/bin/forkwatch\n"
	"Size:                160 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                 152 kB\n"
	"Pss:                 152 kB\n"
	"Shared_Clean:          0 kB\n"
	"Private_Clean:       152 kB\n"
	"Anonymous:             0 kB\n"
	"AnonHugePages:      2048 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Swap:                  0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:    0\n"
	"VmFlags: rd mr mw me dw sd\n"
	"7f0000000000-7f0000400000 rw-p 00000000 00:00 0 \n"
	"Size:               4096 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                4096 kB\n"
	"Pss:                4096 kB\n"
	"Pss_Anon:           4096 kB\n"
	"Anonymous:          4096 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:      4096 kB\n"
	"ShmemPmdMapped:     8192 kB\n"
	"FilePmdMapped:      8192 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"THPeligible:    1\n"
	"VmFlags: rd wr mr mw me ac sd hg\n"
	"7f0000400000-7f0000600000 rw-p 00000000 00:00 0 \n"
	"Size:               2048 kB\n"
	"Rss:                1024 kB\n"
	"AnonHugePages:         0 kB\n"
	"VmFlags: rd wr mr mw me ac sd nh\n"
	"7ffd12345000-7ffd12366000 rw-p 00000000 00:00 0                          [stack]\n"
	"Size:                132 kB\n"
	"Rss:                  16 kB\n"
	"AnonHugePages:         0 kB\n"
	"VmFlags: rd wr mr mw me gd ac\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n"
	"Size:                  4 kB\n"
	"Rss:                   0 kB\n"
	"AnonHugePages:         0 kB\n"
	"VmFlags: ex";

static void test_folio_smaps_one_mapping(void **state)
{
	struct folio_hist h;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.rss_kb = 999; /* stale values are replaced, not added to */
	h.anon_huge_kb = 999;
	assert_int_equal(folio_parse_smaps(smaps, 0x7f0000000000, 0x7f0000400000, &h), 0);
	assert_int_equal(h.rss_kb, 4096);
	assert_int_equal(h.anon_huge_kb, 4096); /* not ShmemPmdMapped or FilePmdMapped */

	/* any overlap selects the whole mapping */
	assert_int_equal(folio_parse_smaps(smaps, 0x7f0000001000, 0x7f0000002000, &h), 0);
	assert_int_equal(h.rss_kb, 4096);
	assert_int_equal(h.anon_huge_kb, 4096);

	/* the last mapping, with no newline after the text */
	assert_int_equal(folio_parse_smaps(smaps, 0xffffffffff600000, 0xffffffffff601000, &h), 0);
	assert_int_equal(h.rss_kb, 0);
	assert_int_equal(h.anon_huge_kb, 0);

	assert_int_equal(folio_parse_smaps(smaps, 0x7ffd12350000, 0x7ffd12351000, &h), 0);
	assert_int_equal(h.rss_kb, 16);
}

static void test_folio_smaps_two_mappings(void **state)
{
	struct folio_hist h;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(folio_parse_smaps(smaps, 0x7f00003ff000, 0x7f0000401000, &h), 0);
	assert_int_equal(h.rss_kb, 4096 + 1024);
	assert_int_equal(h.anon_huge_kb, 4096);

	assert_int_equal(folio_parse_smaps(smaps, 0x7f0000000000, 0x7f0000600000, &h), 0);
	assert_int_equal(h.rss_kb, 5120);
}

static void test_folio_smaps_no_overlap(void **state)
{
	struct folio_hist h;

	(void)state;
	memset(&h, 0, sizeof(h));
	/* ends are exclusive: touching a mapping is not overlapping it */
	assert_int_equal(folio_parse_smaps(smaps, 0x7f0000600000, 0x7f0000700000, &h), -EINVAL);
	assert_int_equal(folio_parse_smaps(smaps, 0x7efffff00000, 0x7f0000000000, &h), -EINVAL);
	assert_int_equal(folio_parse_smaps(smaps, 0x1000, 0x2000, &h), -EINVAL);
	assert_int_equal(h.rss_kb, 0);
	assert_int_equal(h.anon_huge_kb, 0);
	assert_int_equal(folio_parse_smaps("", 0x1000, 0x2000, &h), -EINVAL);
}

/*
 * The real reader, on this process: needs CAP_SYS_ADMIN for PFNs and a
 * /proc/kpageflags, and under qemu-user the pagemap is the emulator's.
 * Only what holds whatever backs the memory is checked.
 */
static void test_folio_hist_read_self(void **state)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE), len = 64 * ps, i;
	struct folio_hist h;
	char *p;
	int ret;

	(void)state;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	for (i = 0; i < len; i += ps)
		p[i] = 1;
	ret = folio_hist_read(p, len, ps, &h);
	if (ret) {
		munmap(p, len);
		printf("skip: folio_hist_read: %s\n", strerror(-ret));
		assert_true(ret < 0);
		skip();
	}
	check_hist(&h, 64);
	munmap(p, len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folio_all_order0),
		cmocka_unit_test(test_folio_order9),
		cmocka_unit_test(test_folio_order4_adjacent),
		cmocka_unit_test(test_folio_mixed),
		cmocka_unit_test(test_folio_starts_on_tail),
		cmocka_unit_test(test_folio_not_present),
		cmocka_unit_test(test_folio_tails_not_contiguous),
		cmocka_unit_test(test_folio_odd_sized_run),
		cmocka_unit_test(test_folio_fraction_bounds),
		cmocka_unit_test(test_folio_smaps_one_mapping),
		cmocka_unit_test(test_folio_smaps_two_mappings),
		cmocka_unit_test(test_folio_smaps_no_overlap),
		cmocka_unit_test(test_folio_hist_read_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
