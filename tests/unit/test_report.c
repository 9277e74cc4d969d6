// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for collectors/report.c: the terminal table's first column
 * holds "host arch" whole (a long host name is cut, never the arch), and
 * every line of a table is as wide as its header, however long the name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/report.h"
#include "collectors/workload.h"

#define RUNS 2
#define ITERS 3

struct fake {
	struct bench_result res;
	struct bench_case cases[2];
	struct bench_run runs[2][RUNS];
	uint64_t ns[2][RUNS][ITERS];
};

/* fork on order-0 and pmd, 2 runs of 3 iterations, every run verified */
static void fake_init(struct fake *f, const char *host, const char *arch)
{
	static const char *const names[2] = { "order-0", "pmd" };
	static const enum layout_kind kinds[2] = { LAYOUT_ORDER0, LAYOUT_PMD };
	int c, r, i;

	memset(f, 0, sizeof(*f));
	snprintf(f->res.host.hostname, sizeof(f->res.host.hostname), "%s", host);
	snprintf(f->res.host.arch, sizeof(f->res.host.arch), "%s", arch);
	f->res.params.size = 64 << 20;
	f->res.params.runs = RUNS;
	f->res.params.iterations = ITERS;
	f->res.params.nlayouts = 2;
	for (c = 0; c < 2; c++) {
		snprintf(f->res.params.layouts[c].name, sizeof(f->res.params.layouts[c].name), "%s",
			 names[c]);
		f->res.params.layouts[c].kind = kinds[c];
		f->cases[c].wl = &bench_workloads[0]; /* fork */
		f->cases[c].nruns = RUNS;
		f->cases[c].layout = &f->res.params.layouts[c];
		f->cases[c].iterations = ITERS;
		f->cases[c].runs = f->runs[c];
		for (r = 0; r < RUNS; r++) {
			struct bench_run *run = &f->runs[c][r];

			run->ok = run->done = true;
			run->before.done = run->before.ok = true;
			run->after.done = run->after.ok = true;
			run->iters = ITERS;
			run->ns = f->ns[c][r];
			for (i = 0; i < ITERS; i++)
				f->ns[c][r][i] = (uint64_t)(500000 / (c + 1) + 1000 * r + i);
		}
	}
	f->res.ncases = 2;
	f->res.cases = f->cases;
	snprintf(f->res.run_uuid, sizeof(f->res.run_uuid), "00000000-0000-4000-8000-000000000000");
}

/* The first table of a report: its first line that starts with '|' (a placement line comes before). */
static const char *first_table(const char *t)
{
	const char *p = *t == '|' ? t : strstr(t, "\n|");

	assert_non_null(p);
	return *p == '|' ? p : p + 1;
}

/* The table's lines (those starting with '|') all have the first line's width. */
static size_t check_aligned(const char *t)
{
	size_t width = strcspn(t, "\n"), lines = 0;
	const char *p;

	for (p = t; *p == '|'; p += strcspn(p, "\n") + 1, lines++)
		if (strcspn(p, "\n") != width)
			fail_msg("line %zu is %zu wide, the header %zu:\n%s", lines + 1,
				 strcspn(p, "\n"), width, t);
	assert_true(lines >= 6);
	return width;
}

static void test_short_host(void **state)
{
	struct fake *f = malloc(sizeof(*f));
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_non_null(f);
	fake_init(f, "vm", "x86_64");
	report_table(&f->res, &out);
	/* the column keeps its width of old for a short name */
	assert_memory_equal(first_table(out.buf), "| vm x86_64     | order-0 (pte-map)", 35);
	assert_non_null(strstr(out.buf, "\n| fork          |---"));
	check_aligned(first_table(out.buf));
	strbuf_release(&out);
	free(f);
}

static void test_long_host_keeps_arch(void **state)
{
	struct fake *f = malloc(sizeof(*f));
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_non_null(f);
	fake_init(f, "fw-arm-lab", "aarch64");
	report_table(&f->res, &out);
	/* once cut to "fw-arm-lab aa" */
	assert_memory_equal(first_table(out.buf), "| fw-arm-lab aarch64 | order-0", 30);
	check_aligned(first_table(out.buf));
	strbuf_release(&out);
	free(f);
}

static void test_very_long_host_cut(void **state)
{
	static const char host[] = "lab-rack12-slot07-neoverse-v2-grace-superchip.example.org";
	struct fake *f = malloc(sizeof(*f));
	struct strbuf out = STRBUF_INIT;
	size_t width;

	(void)state;
	assert_non_null(f);
	fake_init(f, host, "aarch64");
	report_table(&f->res, &out);
	/* the name is cut so that the arch stays whole, the column bounded */
	assert_memory_equal(first_table(out.buf), "| lab-rack12-slot07-neoverse-v2-grac aarch64 |", 46);
	width = check_aligned(first_table(out.buf));
	assert_int_equal(width, 46 + 2 * 20);
	strbuf_release(&out);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_host),
		cmocka_unit_test(test_long_host_keeps_arch),
		cmocka_unit_test(test_very_long_host_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
