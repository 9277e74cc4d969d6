// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for collectors/layout.c: layout lists against what a kernel
 * offers, the verdict on a folio histogram, and the THP probe and knob
 * settings against a scratch directory shaped like sysfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/layout.h"

#define DEFAULT_LIST "order-0,order-4,order-9,pmd"
#define PMD (2UL << 20)

/* An x86-64 kernel with mTHP: 4 KiB pages, 2 MiB PMDs, orders 2..9 offered. */
static void make_thp(struct thp_info *t)
{
	int o;

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/sys/kernel/mm/transparent_hugepage");
	t->page_size = 4096;
	t->pmd_size = PMD;
	t->pmd_order = 9;
	t->per_size = true;
	for (o = 2; o <= 9; o++)
		t->orders |= 1UL << o;
}

/* A kernel built without THP. */
static void make_no_thp(struct thp_info *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/sys/kernel/mm/transparent_hugepage");
	t->page_size = 4096;
}

static void check_layout(const struct layout *l, const char *name, enum layout_kind kind, int order)
{
	if (strcmp(l->name, name) || l->kind != kind || l->order != order)
		fail_msg("layout %s kind %d order %d, want %s kind %d order %d", l->name, l->kind,
			 l->order, name, kind, order);
}

static int parse(const char *spec, const struct thp_info *t, bool skip, struct layout *out,
		 struct strbuf *skipped, struct strbuf *err)
{
	strbuf_reset(skipped);
	strbuf_reset(err);
	return layout_parse_list(spec, t, skip, out, LAYOUT_MAX, skipped, err);
}

static void test_layout_parse_default(void **state)
{
	struct strbuf skipped = STRBUF_INIT, err = STRBUF_INIT;
	struct layout l[LAYOUT_MAX];
	struct thp_info t;

	(void)state;
	make_thp(&t);
	assert_int_equal(parse(DEFAULT_LIST, &t, false, l, &skipped, &err), 4);
	check_layout(&l[0], "order-0", LAYOUT_ORDER0, 0);
	check_layout(&l[1], "order-4", LAYOUT_PTE, 4);
	check_layout(&l[2], "order-9", LAYOUT_PTE, 9);
	check_layout(&l[3], "pmd", LAYOUT_PMD, 9);
	assert_int_equal(err.len, 0);
	assert_int_equal(skipped.len, 0);

	/* the order they are given in is the order they are measured in */
	assert_int_equal(parse("pmd,order-2", &t, false, l, &skipped, &err), 2);
	check_layout(&l[0], "pmd", LAYOUT_PMD, 9);
	check_layout(&l[1], "order-2", LAYOUT_PTE, 2);
	strbuf_release(&skipped);
	strbuf_release(&err);
}

static void test_layout_parse_all(void **state)
{
	struct strbuf skipped = STRBUF_INIT, err = STRBUF_INIT;
	struct layout l[LAYOUT_MAX];
	struct thp_info t;
	char name[16];
	int o;

	(void)state;
	make_thp(&t);
	/* order-0, each mTHP order ascending, the PMD order pte-mapped, pmd */
	assert_int_equal(parse("all", &t, false, l, &skipped, &err), 10);
	check_layout(&l[0], "order-0", LAYOUT_ORDER0, 0);
	for (o = 2; o <= 9; o++) {
		snprintf(name, sizeof(name), "order-%d", o);
		check_layout(&l[o - 1], name, LAYOUT_PTE, o);
	}
	check_layout(&l[9], "pmd", LAYOUT_PMD, 9);

	/* only the sizes the kernel offers */
	t.orders = (1UL << 4) | (1UL << 9);
	assert_int_equal(parse("all", &t, false, l, &skipped, &err), 4);
	check_layout(&l[1], "order-4", LAYOUT_PTE, 4);
	check_layout(&l[2], "order-9", LAYOUT_PTE, 9);

	/* a pre-mTHP kernel still has the PMD order, both ways */
	t.orders = 0;
	t.per_size = false;
	assert_int_equal(parse("all", &t, false, l, &skipped, &err), 3);
	check_layout(&l[1], "order-9", LAYOUT_PTE, 9);
	check_layout(&l[2], "pmd", LAYOUT_PMD, 9);

	/* more layouts than room */
	make_thp(&t);
	strbuf_reset(&err);
	assert_int_equal(layout_parse_list("all", &t, false, l, 3, &skipped, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "too many"));
	strbuf_release(&skipped);
	strbuf_release(&err);
}

static void test_layout_parse_duplicates(void **state)
{
	struct strbuf skipped = STRBUF_INIT, err = STRBUF_INIT;
	struct layout l[LAYOUT_MAX];
	struct thp_info t;
	int i, j, n;

	(void)state;
	make_thp(&t);
	assert_int_equal(parse("order-4,order-4,order-04", &t, false, l, &skipped, &err), 1);
	check_layout(&l[0], "order-4", LAYOUT_PTE, 4);

	n = parse("order-4,all,pmd,order-0,all", &t, false, l, &skipped, &err);
	assert_int_equal(n, 10);
	check_layout(&l[0], "order-4", LAYOUT_PTE, 4);
	check_layout(&l[1], "order-0", LAYOUT_ORDER0, 0);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			assert_false(l[i].kind == l[j].kind && l[i].order == l[j].order);
	strbuf_release(&skipped);
	strbuf_release(&err);
}

static void test_layout_parse_errors(void **state)
{
	static const char *const bad[] = {
		"huge", "order-4,huge", "Order-4", "order-", "order-x", "order--1",
		"order-4x", "order-99", "PMD", "all2",
	};
	static const char *const malformed[] = { "", ",order-0", "order-0,,pmd" };
	struct strbuf skipped = STRBUF_INIT, err = STRBUF_INIT;
	struct layout l[LAYOUT_MAX];
	struct thp_info t;
	size_t i;

	(void)state;
	make_thp(&t);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *name = strrchr(bad[i], ',') ? strrchr(bad[i], ',') + 1 : bad[i];
		char quoted[64];

		/* skip_unoffered does not excuse a name nobody knows */
		assert_int_equal(parse(bad[i], &t, true, l, &skipped, &err), -EINVAL);
		snprintf(quoted, sizeof(quoted), "'%s'", name);
		if (!strstr(err.buf, quoted))
			fail_msg("--layouts %s: error '%s' does not name %s", bad[i], err.buf, quoted);
	}
	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		assert_int_equal(parse(malformed[i], &t, false, l, &skipped, &err), -EINVAL);
		assert_non_null(strstr(err.buf, "expected"));
	}
	strbuf_release(&skipped);
	strbuf_release(&err);
}

static void test_layout_parse_unoffered(void **state)
{
	struct strbuf skipped = STRBUF_INIT, err = STRBUF_INIT;
	struct layout l[LAYOUT_MAX];
	struct thp_info t;

	(void)state;
	make_thp(&t);
	t.orders &= ~(1UL << 3); /* no hugepages-32kB */

	assert_int_equal(parse("order-0,order-3", &t, false, l, &skipped, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "'order-3'"));
	assert_non_null(strstr(err.buf, "32kB"));
	assert_non_null(strstr(err.buf, "/sys/kernel/mm/transparent_hugepage/hugepages-32kB"));
	assert_int_equal(parse("order-1", &t, false, l, &skipped, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "'order-1'"));
	assert_non_null(strstr(err.buf, "8kB"));
	assert_int_equal(parse("order-10", &t, false, l, &skipped, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "'order-10'"));
	assert_non_null(strstr(err.buf, "PMD order 9"));

	/* for the default matrix: left out, and named */
	assert_int_equal(parse("order-0,order-3,pmd,order-10", &t, true, l, &skipped, &err), 2);
	check_layout(&l[0], "order-0", LAYOUT_ORDER0, 0);
	check_layout(&l[1], "pmd", LAYOUT_PMD, 9);
	assert_string_equal(skipped.buf, "order-3, order-10");
	assert_int_equal(err.len, 0);

	/* nothing left at all is still an error */
	assert_int_equal(parse("order-3", &t, true, l, &skipped, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "no layout"));
	strbuf_release(&skipped);
	strbuf_release(&err);
}

static void test_layout_parse_no_thp(void **state)
{
	struct strbuf skipped = STRBUF_INIT, err = STRBUF_INIT;
	struct layout l[LAYOUT_MAX];
	struct thp_info t;

	(void)state;
	make_no_thp(&t);
	assert_int_equal(parse("all", &t, false, l, &skipped, &err), 1);
	check_layout(&l[0], "order-0", LAYOUT_ORDER0, 0);

	assert_int_equal(parse("pmd", &t, false, l, &skipped, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "'pmd'"));
	assert_non_null(strstr(err.buf, "no transparent huge pages"));
	assert_int_equal(parse("order-4", &t, false, l, &skipped, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "'order-4'"));
	assert_non_null(strstr(err.buf, "no transparent huge pages"));
	assert_int_equal(parse("order-9", &t, false, l, &skipped, &err), -EINVAL);

	assert_int_equal(parse(DEFAULT_LIST, &t, true, l, &skipped, &err), 1);
	check_layout(&l[0], "order-0", LAYOUT_ORDER0, 0);
	assert_string_equal(skipped.buf, "order-4, order-9, pmd");
	strbuf_release(&skipped);
	strbuf_release(&err);
}

/* A histogram of pages all in whole folios of one order. */
static void make_hist(struct folio_hist *h, uint64_t pages, int order)
{
	memset(h, 0, sizeof(*h));
	h->pages = pages;
	h->present = pages;
	h->by_order[order] = pages;
	h->folios[order] = pages >> order;
	h->rss_kb = pages * 4;
}

static bool check(const char *name, const struct thp_info *t, const struct folio_hist *h,
		  struct strbuf *why)
{
	struct strbuf skipped = STRBUF_INIT, err = STRBUF_INIT;
	struct layout l;

	strbuf_reset(why);
	assert_int_equal(layout_parse_list(name, t, false, &l, 1, &skipped, &err), 1);
	strbuf_release(&skipped);
	strbuf_release(&err);
	return layout_check(&l, 4 * PMD, h, why);
}

static void test_layout_check_ok(void **state)
{
	struct strbuf why = STRBUF_INIT;
	struct folio_hist h;
	struct thp_info t;

	(void)state;
	make_thp(&t);
	make_hist(&h, 2048, 0);
	assert_true(check("order-0", &t, &h, &why));
	assert_int_equal(why.len, 0);
	make_hist(&h, 2048, 4);
	assert_true(check("order-4", &t, &h, &why));
	make_hist(&h, 2048, 9);
	assert_true(check("order-9", &t, &h, &why)); /* pte-mapped: no AnonHugePages */
	h.anon_huge_kb = 4 * PMD / 1024;
	assert_true(check("pmd", &t, &h, &why));
	assert_int_equal(why.len, 0);
	strbuf_release(&why);
}

static void test_layout_check_wrong_order(void **state)
{
	struct strbuf why = STRBUF_INIT;
	struct folio_hist h;
	struct thp_info t;

	(void)state;
	make_thp(&t);
	/* the allocation fell back to order 0 */
	make_hist(&h, 2048, 0);
	assert_false(check("order-4", &t, &h, &why));
	assert_non_null(strstr(why.buf, "0.0%"));
	assert_non_null(strstr(why.buf, "order-4"));
	assert_non_null(strstr(why.buf, "most in order-0"));

	/* three quarters right is still wrong */
	make_hist(&h, 2048, 9);
	h.by_order[9] = 1536;
	h.folios[9] = 3;
	h.by_order[0] = 512;
	h.folios[0] = 512;
	h.anon_huge_kb = 3 * PMD / 1024;
	assert_false(check("pmd", &t, &h, &why));
	assert_non_null(strstr(why.buf, "75.0%"));
	assert_non_null(strstr(why.buf, "most in order-9"));

	/* some pages in folios cut short */
	make_hist(&h, 2048, 4);
	h.by_order[4] = 2032;
	h.folios[4] = 127;
	h.partial = 16;
	assert_false(check("order-4", &t, &h, &why));
	assert_non_null(strstr(why.buf, "partial"));
	strbuf_release(&why);
}

/*
 * BUG (collectors/layout.c:295, layout_check): when no page is in a whole
 * folio (all partial), best stays -1 and the explanation reads "most in
 * order--1".  It should say that no page is in a whole folio instead.
 */
static void test_layout_check_all_partial_message(void **state)
{
	struct strbuf why = STRBUF_INIT;
	struct folio_hist h;
	struct thp_info t;

	(void)state;
	make_thp(&t);
	memset(&h, 0, sizeof(h));
	h.pages = h.present = h.partial = 2048;
	assert_false(check("order-4", &t, &h, &why));
	assert_non_null(strstr(why.buf, "partial"));
	if (strstr(why.buf, "order--1"))
		fail_msg("explanation names a negative order: '%s'", why.buf);
	strbuf_release(&why);
}

static void test_layout_check_mapping_kind(void **state)
{
	struct strbuf why = STRBUF_INIT;
	struct folio_hist h;
	struct thp_info t;

	(void)state;
	make_thp(&t);
	/* PMD-sized folios, but still mapped by PMDs where PTEs were wanted */
	make_hist(&h, 2048, 9);
	h.anon_huge_kb = 2048;
	assert_false(check("order-9", &t, &h, &why));
	assert_non_null(strstr(why.buf, "2048 kB PMD-mapped"));
	assert_non_null(strstr(why.buf, "pte-mapped"));

	/* PMD-sized folios whose PMD mappings were split */
	h.anon_huge_kb = 3 * 2048;
	assert_false(check("pmd", &t, &h, &why));
	assert_non_null(strstr(why.buf, "6144 of 8192 kB"));
	h.anon_huge_kb = 0;
	assert_false(check("pmd", &t, &h, &why));
	assert_non_null(strstr(why.buf, "0 of 8192 kB"));

	/* an mTHP region that khugepaged collapsed */
	make_hist(&h, 2048, 4);
	h.anon_huge_kb = 2048;
	assert_false(check("order-4", &t, &h, &why));
	assert_non_null(strstr(why.buf, "PMD-mapped"));
	strbuf_release(&why);
}

static void test_layout_check_not_present(void **state)
{
	struct strbuf why = STRBUF_INIT;
	struct folio_hist h;
	struct thp_info t;

	(void)state;
	make_thp(&t);
	make_hist(&h, 2048, 0);
	h.present = 2036;
	h.by_order[0] = h.folios[0] = 2036;
	assert_false(check("order-0", &t, &h, &why));
	assert_non_null(strstr(why.buf, "12 of 2048 pages not present"));

	memset(&h, 0, sizeof(h));
	h.pages = 2048;
	assert_false(check("pmd", &t, &h, &why));
	assert_non_null(strstr(why.buf, "2048 of 2048 pages not present"));
	strbuf_release(&why);
}

/* A scratch directory shaped like /sys/kernel/mm/transparent_hugepage. */
struct sysdir {
	char dir[64];
	char state[96];
};

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

static void add_size(const struct sysdir *s, const char *sub, const char *enabled)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", s->dir, sub);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file(path, "enabled", enabled);
}

static int sys_setup(void **state)
{
	struct sysdir *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/fw-test-layout-XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(s->state, sizeof(s->state), "%s/.state", s->dir);
	*state = s;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int sys_teardown(void **state)
{
	struct sysdir *s = *state;

	nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(s);
	return 0;
}

static void test_layout_thp_probe(void **state)
{
	struct sysdir *s = *state;
	struct thp_info t;

	write_file(s->dir, "hpage_pmd_size", "2097152\n");
	write_file(s->dir, "enabled", "always [madvise] never\n");
	add_size(s, "hugepages-16kB", "always inherit madvise [never]\n");
	add_size(s, "hugepages-64kB", "always inherit madvise [never]\n");
	add_size(s, "hugepages-2048kB", "always [inherit] madvise never\n");
	add_size(s, "hugepages-100kB", "[never]\n");  /* no power of two */
	add_size(s, "hugepages-4kB", "[never]\n");    /* order 0 is no mTHP size */
	add_size(s, "hugepages-64MB", "[never]\n");   /* not in kB */
	add_size(s, "hugepages-xyz", "[never]\n");

	layout_thp_probe(&t, s->dir, 4096);
	assert_string_equal(t.dir, s->dir);
	assert_int_equal(t.page_size, 4096);
	assert_int_equal(t.pmd_size, PMD);
	assert_int_equal(t.pmd_order, 9);
	assert_true(t.per_size);
	assert_int_equal(t.orders, (1UL << 2) | (1UL << 4) | (1UL << 9));

	/* 64 KiB base pages (arm64): the same PMD size is order 5 */
	layout_thp_probe(&t, s->dir, 65536);
	assert_int_equal(t.pmd_order, 5);
	assert_int_equal(t.orders, 1UL << 5);
}

static void test_layout_thp_probe_no_thp(void **state)
{
	struct sysdir *s = *state;
	char missing[128];
	struct thp_info t;

	/* a THP directory without hpage_pmd_size, and none at all */
	layout_thp_probe(&t, s->dir, 4096);
	assert_int_equal(t.pmd_size, 0);
	assert_false(t.per_size);
	assert_int_equal(t.orders, 0);
	snprintf(missing, sizeof(missing), "%s/none", s->dir);
	layout_thp_probe(&t, missing, 4096);
	assert_int_equal(t.pmd_size, 0);
	assert_false(t.per_size);

	/* a PMD size that is no power-of-two multiple of the page */
	write_file(s->dir, "hpage_pmd_size", "3000000\n");
	layout_thp_probe(&t, s->dir, 4096);
	assert_int_equal(t.pmd_size, 0);
}

/* The file at dir/sub starts with word (what writing word leaves there). */
static void assert_knob_starts(const char *dir, const char *sub, const char *word)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;

	strbuf_addf(&path, "%s/%s", dir, sub);
	assert_int_equal(strbuf_read_file(&sb, path.buf, 0), 0);
	if (strncmp(sb.buf, word, strlen(word)))
		fail_msg("%s holds '%s', want '%s'", path.buf, sb.buf, word);
	strbuf_release(&sb);
	strbuf_release(&path);
}

static void test_layout_apply_knobs(void **state)
{
	struct sysdir *s = *state;
	struct strbuf err = STRBUF_INIT, skipped = STRBUF_INIT;
	struct knob_journal *kj;
	struct layout l[2];
	struct thp_info t;
	int restored;

	write_file(s->dir, "hpage_pmd_size", "2097152\n");
	write_file(s->dir, "enabled", "always [madvise] never\n");
	add_size(s, "hugepages-16kB", "always inherit madvise [never]\n");
	add_size(s, "hugepages-64kB", "always inherit madvise [never]\n");
	add_size(s, "hugepages-2048kB", "always [inherit] madvise never\n");
	layout_thp_probe(&t, s->dir, 4096);
	assert_int_equal(layout_parse_list("order-4,order-0", &t, false, l, 2, &skipped, &err), 2);
	assert_int_equal(knob_journal_open(&kj, s->state, s->dir, &restored, &err), 0);

	/* order-0 needs no knob */
	assert_int_equal(layout_apply_knobs(&l[1], &t, kj, &err), 0);
	assert_knob_starts(s->dir, "hugepages-2048kB/enabled", "always [inherit]");

	/* its own size allowed, every other size off, the top level as it is */
	assert_int_equal(layout_apply_knobs(&l[0], &t, kj, &err), 0);
	assert_int_equal(err.len, 0);
	assert_knob_starts(s->dir, "hugepages-64kB/enabled", "madvise");
	assert_knob_starts(s->dir, "hugepages-16kB/enabled", "always inherit madvise [never]");
	assert_knob_starts(s->dir, "hugepages-2048kB/enabled", "never");
	assert_knob_starts(s->dir, "enabled", "always [madvise] never");

	/* and back */
	knob_journal_free(kj);
	assert_knob_starts(s->dir, "hugepages-64kB/enabled", "never");
	assert_knob_starts(s->dir, "hugepages-2048kB/enabled", "inherit");
	strbuf_release(&skipped);
	strbuf_release(&err);
}

static void test_layout_populate_order0(void **state)
{
	struct strbuf err = STRBUF_INIT, skipped = STRBUF_INIT;
	size_t ps = (size_t)sysconf(_SC_PAGESIZE), off;
	struct thp_info t;
	struct layout l;
	void *addr = NULL;
	int ret;

	(void)state;
	make_thp(&t);
	t.page_size = ps;
	assert_int_equal(layout_parse_list("order-0", &t, false, &l, 1, &skipped, &err), 1);
	ret = layout_populate(&l, &t, 2 * PMD, &addr, &err);
	if (ret) {
		printf("skip: layout_populate: %s\n", err.buf);
		skip();
	}
	assert_non_null(addr);
	assert_int_equal((uintptr_t)addr % PMD, 0);
	for (off = 0; off < 2 * PMD; off += ps)
		assert_int_equal(((char *)addr)[off], 1); /* every page written */
	assert_int_equal(munmap(addr, 2 * PMD), 0);
	strbuf_release(&skipped);
	strbuf_release(&err);
}

#define T(name) cmocka_unit_test_setup_teardown(name, sys_setup, sys_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_parse_default),
		cmocka_unit_test(test_layout_parse_all),
		cmocka_unit_test(test_layout_parse_duplicates),
		cmocka_unit_test(test_layout_parse_errors),
		cmocka_unit_test(test_layout_parse_unoffered),
		cmocka_unit_test(test_layout_parse_no_thp),
		cmocka_unit_test(test_layout_check_ok),
		cmocka_unit_test(test_layout_check_wrong_order),
		cmocka_unit_test(test_layout_check_all_partial_message),
		cmocka_unit_test(test_layout_check_mapping_kind),
		cmocka_unit_test(test_layout_check_not_present),
		T(test_layout_thp_probe),
		T(test_layout_thp_probe_no_thp),
		T(test_layout_apply_knobs),
		cmocka_unit_test(test_layout_populate_order0),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
