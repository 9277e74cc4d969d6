// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/opt.c: the typed option table.  Each type converts
 * into its destination within its bounds, defaults go through the same
 * conversion, a refusal has one shape ("--size '1X': expected a size
 * like 512M or 1G"), syntax errors (-EINVAL) differ from refused values
 * (-ERANGE), the given mask says what the command line set, and the pick
 * mode takes a table's options out of an argv that holds others.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/opt.h"

struct vals {
	uint64_t size;
	unsigned runs, fresh;
	double alpha, pct;
	int level;
	const char *name;
	bool quiet;
	unsigned mask;
};

static const char *const levels[] = { "error", "warn", "info", "debug", NULL };

static bool name_ok(const char *s)
{
	return s[0] && !strchr(s, '/');
}

/* OPT_T_FN: "a,b" sets bits 0 and 1 */
static int parse_mask(const struct opt *o, const char *s, struct strbuf *why)
{
	unsigned *m = o->dest.uint;

	*m = 0;
	for (; *s; s++) {
		if (*s == 'a')
			*m |= 1;
		else if (*s == 'b')
			*m |= 2;
		else if (*s != ',') {
			strbuf_addf(why, "unknown letter '%c': expected a or b", *s);
			return -EINVAL;
		}
	}
	return 0;
}

enum { O_SIZE, O_RUNS, O_FRESH, O_OLD, O_ALPHA, O_PCT, O_LEVEL, O_NAME, O_QUIET, O_MASK, NOPTS };

static void table(struct vals *v, struct opt opts[NOPTS + 1])
{
	const struct opt o[NOPTS + 1] = {
		{ OPT_SIZE("size", "SIZE", &v->size, 1, 1ULL << 40, "1G", "memory") },
		{ OPT_UINT("runs", "N", &v->runs, 1, 1000, "8", "runs") },
		{ OPT_UINT("fresh", "N", &v->fresh, 1, 100, NULL, "fresh") },
		{ OPT_UINT("old-fresh", "N", &v->fresh, 1, 100, NULL, ""), .flags = OPT_HIDDEN },
		{ OPT_REAL("alpha", "P", &v->alpha, 0, 1, "0.01", "significance"), .flags = OPT_OPEN,
		  .expect = "expected a probability such as 0.01" },
		{ OPT_REAL("pct", "PERCENT", &v->pct, 0, 100, NULL, "percent") },
		{ OPT_CHOICE("level", "LEVEL", &v->level, levels, "info", "log level") },
		{ OPT_STRING("name", "NAME", &v->name, "a name"), .valid = name_ok,
		  .expect = "expected a name without '/'" },
		{ OPT_FLAG("quiet", &v->quiet, "no progress") },
		{ OPT_FN("mask", "LIST", &v->mask, parse_mask, "letters"), .def = "a" },
		{ OPT_END },
	};

	memset(v, 0, sizeof(*v));
	v->fresh = 7; /* no default: the caller's value stays */
	memcpy(opts, o, sizeof(o));
}

static int parse(struct vals *v, struct strbuf *err, uint64_t *given, unsigned flags, ...)
{
	struct opt opts[NOPTS + 1];
	char *argv[32];
	int argc = 0;
	va_list ap;

	table(v, opts);
	argv[argc++] = (char *)"cmd";
	va_start(ap, flags);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	strbuf_reset(err);
	return opt_parse(opts, argc, argv, flags, given, err);
}

static void test_opt_defaults(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct vals v;
	uint64_t given = 99;

	(void)state;
	assert_int_equal(parse(&v, &err, &given, 0, NULL), 0);
	assert_int_equal(v.size, 1ULL << 30);
	assert_int_equal(v.runs, 8);
	assert_int_equal(v.fresh, 7);
	assert_true(v.alpha == 0.01);
	assert_int_equal(v.level, 2);
	assert_null(v.name);
	assert_false(v.quiet);
	assert_int_equal(v.mask, 1);
	assert_int_equal(given, 0);
	strbuf_release(&err);
}

static void test_opt_values(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct vals v;
	uint64_t given;

	(void)state;
	assert_int_equal(parse(&v, &err, &given, 0, "--size", "512M", "--runs=1000", "--fresh", "3",
			       "--alpha", "0.5", "--pct=100", "--level", "debug", "--name", "lab 7",
			       "--quiet", "--mask", "b,a", NULL), 0);
	assert_int_equal(v.size, 512ULL << 20);
	assert_int_equal(v.runs, 1000);
	assert_int_equal(v.fresh, 3);
	assert_true(v.alpha == 0.5);
	assert_true(v.pct == 100);
	assert_int_equal(v.level, 3);
	assert_string_equal(v.name, "lab 7");
	assert_true(v.quiet);
	assert_int_equal(v.mask, 3);
	assert_int_equal(given, (1u << O_SIZE) | (1u << O_RUNS) | (1u << O_FRESH) | (1u << O_ALPHA) |
					(1u << O_PCT) | (1u << O_LEVEL) | (1u << O_NAME) | (1u << O_QUIET) |
					(1u << O_MASK));

	/* a hidden spelling sets the same destination; the last one given wins */
	assert_int_equal(parse(&v, &err, &given, 0, "--fresh", "3", "--old-fresh", "4", NULL), 0);
	assert_int_equal(v.fresh, 4);
	assert_int_equal(given, (1u << O_FRESH) | (1u << O_OLD));
	strbuf_release(&err);
}

static void test_opt_refused_values(void **state)
{
	static const struct {
		const char *arg, *val, *msg;
	} cases[] = {
		{ "--size", "1X", "--size '1X': expected a size like 512M or 1G" },
		{ "--size", "0", "--size '0': expected a size like 512M or 1G" },
		{ "--size", "2T", "--size '2T': expected a size like 512M or 1G" },
		{ "--runs", "0", "--runs '0': expected a whole number from 1 to 1000" },
		{ "--runs", "1001", "--runs '1001': expected a whole number from 1 to 1000" },
		{ "--runs", "-1", "--runs '-1': expected a whole number from 1 to 1000" },
		{ "--runs", "", "--runs '': expected a whole number from 1 to 1000" },
		{ "--alpha", "0", "--alpha '0': expected a probability such as 0.01" },
		{ "--alpha", "1", "--alpha '1': expected a probability such as 0.01" },
		{ "--alpha", "nan", "--alpha 'nan': expected a probability such as 0.01" },
		{ "--pct", "100.5", "--pct '100.5': expected a number from 0 to 100" },
		{ "--level", "loud", "--level 'loud': expected error, warn, info or debug" },
		{ "--name", "a/b", "--name 'a/b': expected a name without '/'" },
		{ "--mask", "a,c", "--mask 'a,c': unknown letter 'c': expected a or b" },
	};
	struct strbuf err = STRBUF_INIT;
	struct vals v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(&v, &err, NULL, 0, cases[i].arg, cases[i].val, NULL), -ERANGE);
		assert_string_equal(err.buf, cases[i].msg);
	}
	/* the same through the = spelling */
	assert_int_equal(parse(&v, &err, NULL, 0, "--runs=x", NULL), -ERANGE);
	assert_string_equal(err.buf, "--runs 'x': expected a whole number from 1 to 1000");
	/* a refused value leaves the destination as it was */
	assert_int_equal(parse(&v, &err, NULL, 0, "--runs", "5", "--runs", "0", NULL), -ERANGE);
	assert_int_equal(v.runs, 5);
	strbuf_release(&err);
}

static void test_opt_syntax_errors(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct vals v;

	(void)state;
	assert_int_equal(parse(&v, &err, NULL, 0, "--frob", NULL), -EINVAL);
	assert_string_equal(err.buf, "unknown option '--frob'");
	assert_int_equal(parse(&v, &err, NULL, 0, "--size", NULL), -EINVAL);
	assert_string_equal(err.buf, "option '--size' needs a value (SIZE)");
	assert_int_equal(parse(&v, &err, NULL, 0, "--quiet=1", NULL), -EINVAL);
	assert_string_equal(err.buf, "option '--quiet' takes no value");
	assert_int_equal(parse(&v, &err, NULL, 0, "word", NULL), -EINVAL);
	assert_string_equal(err.buf, "unexpected argument 'word'");
	assert_int_equal(parse(&v, &err, NULL, 0, "--", NULL), -EINVAL);
	assert_int_equal(parse(&v, &err, NULL, 0, "--runs", "2", "--help", "--frob", NULL), 1);
	assert_int_equal(parse(&v, &err, NULL, 0, "-h", NULL), 1);
	strbuf_release(&err);
}

static void test_opt_pick(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct vals v;
	uint64_t given;

	(void)state;
	/* others' options (with and without values) and words are skipped */
	assert_int_equal(parse(&v, &err, &given, OPT_PARSE_PICK, "--server", "http://x", "--runs", "3",
			       "--other=1", "word", "--flag", "--quiet", "--size", "2M", NULL), 0);
	assert_int_equal(v.runs, 3);
	assert_true(v.quiet);
	assert_int_equal(v.size, 2 << 20);
	assert_int_equal(given, (1u << O_RUNS) | (1u << O_QUIET) | (1u << O_SIZE));
	/* an unknown option takes the next word as its value: --name here is not ours to read */
	assert_int_equal(parse(&v, &err, &given, OPT_PARSE_PICK, "--server", "--name", "n", NULL), 0);
	assert_string_equal(v.name, "n");
	assert_int_equal(parse(&v, &err, &given, OPT_PARSE_PICK, "--server", "x", "--name", "n", NULL), 0);
	assert_string_equal(v.name, "n");
	assert_int_equal(parse(&v, &err, &given, OPT_PARSE_PICK, "--other", "--runs", "4", NULL), 0);
	assert_int_equal(v.runs, 4);
	/* its own values are still checked */
	assert_int_equal(parse(&v, &err, NULL, OPT_PARSE_PICK, "--other", "x", "--runs", "0", NULL), -ERANGE);
	assert_string_equal(err.buf, "--runs '0': expected a whole number from 1 to 1000");
	assert_int_equal(parse(&v, &err, NULL, OPT_PARSE_PICK, "--other", "--help", NULL), 1);
	strbuf_release(&err);
}

static void test_opt_set(void **state)
{
	struct strbuf why = STRBUF_INIT;
	struct opt opts[NOPTS + 1];
	struct vals v;

	(void)state;
	table(&v, opts);
	assert_int_equal(opt_set(&opts[O_QUIET], "true", &why), 0);
	assert_true(v.quiet);
	assert_int_equal(opt_set(&opts[O_QUIET], "0", &why), 0);
	assert_false(v.quiet);
	assert_int_equal(opt_set(&opts[O_QUIET], "yes", &why), -ERANGE);
	assert_string_equal(why.buf, "expected true or false");
	assert_int_equal(opt_set(&opts[O_SIZE], "64k", &why), 0);
	assert_int_equal(v.size, 64 << 10);
	assert_int_equal(opt_set(&opts[O_RUNS], "1x", &why), -ERANGE);
	assert_string_equal(why.buf, "expected a whole number from 1 to 1000");
	assert_ptr_equal(opt_find(opts, "runs=3", 4), &opts[O_RUNS]);
	assert_null(opt_find(opts, "run", 3));
	assert_false(opt_takes_value(&opts[O_QUIET]));
	assert_true(opt_takes_value(&opts[O_NAME]));
	strbuf_release(&why);
}

static void test_opt_bad_default(void **state)
{
	struct strbuf err = STRBUF_INIT;
	unsigned n = 0;
	const struct opt opts[] = {
		{ OPT_UINT("n", "N", &n, 1, 10, "11", "") },
		{ OPT_END },
	};
	char *argv[] = { (char *)"cmd", NULL };

	(void)state;
	assert_int_equal(opt_defaults(opts, &err), -ERANGE);
	assert_string_equal(err.buf, "--n: the default '11' is refused: expected a whole number from 1 to 10");
	strbuf_reset(&err);
	assert_int_equal(opt_parse(opts, 1, argv, 0, NULL, &err), -ERANGE);
	strbuf_release(&err);
}

static void test_opt_usage(void **state)
{
	struct opt opts[NOPTS + 1];
	struct vals v;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	table(&v, opts);
	opt_usage(f, "cmd [--size 1G]", "About it.", opts);
	fclose(f);
	assert_non_null(strstr(text, "usage: cmd [--size 1G]\n\nAbout it.\n\noptions:\n"));
	assert_non_null(strstr(text, "  --size SIZE                memory (default 1G)\n"));
	assert_non_null(strstr(text, "  --fresh N                  fresh\n"));
	assert_non_null(strstr(text, "  --quiet                    no progress\n"));
	assert_non_null(strstr(text, "  --help                     show this help\n"));
	assert_null(strstr(text, "old-fresh"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opt_defaults),
		cmocka_unit_test(test_opt_values),
		cmocka_unit_test(test_opt_refused_values),
		cmocka_unit_test(test_opt_syntax_errors),
		cmocka_unit_test(test_opt_pick),
		cmocka_unit_test(test_opt_set),
		cmocka_unit_test(test_opt_bad_default),
		cmocka_unit_test(test_opt_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
