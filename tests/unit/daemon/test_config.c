// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/config.c: "key = value" lines through an option
 * table, the command line winning, flags, and the errors that name the
 * file and line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/config.h"

struct vals {
	const char *listen, *db;
	uint64_t max_body;
	bool verbose;
};

static void table(struct vals *v, struct opt opts[5])
{
	const struct opt o[5] = {
		{ OPT_STRING("listen", "ADDR:PORT", &v->listen, "") },
		{ OPT_SIZE("max-body", "SIZE", &v->max_body, 1024, 1ULL << 32, NULL, "") },
		{ OPT_STRING("db", "PATH", &v->db, "") },
		{ OPT_FLAG("verbose", &v->verbose, "") },
		{ OPT_END },
	};

	memset(v, 0, sizeof(*v));
	memcpy(opts, o, sizeof(o));
}

static int parse(const char *text, struct vals *v, struct config_file *cf, struct strbuf *err)
{
	struct opt opts[5];

	table(v, opts);
	strbuf_reset(err);
	return config_parse(cf, text, strlen(text), "f.conf", opts, 0, err);
}

static void test_config_values(void **state)
{
	struct config_file cf;
	struct strbuf err = STRBUF_INIT;
	struct vals v;

	(void)state;
	assert_int_equal(parse("# comment\n\n  listen = 127.0.0.1:9000 \r\nmax_body=1M\n"
			       "\tverbose = true\ndb = a = b", &v, &cf, &err), 0);
	assert_string_equal(v.listen, "127.0.0.1:9000");
	assert_int_equal(v.max_body, 1 << 20);
	assert_true(v.verbose);
	assert_string_equal(v.db, "a = b");
	config_release(&cf);

	/* a NUL byte ends the text */
	{
		struct opt opts[5];
		static const char text[] = "db = x\n\0listen = y\n";

		table(&v, opts);
		assert_int_equal(config_parse(&cf, text, sizeof(text) - 1, "f.conf", opts, 0, &err), 0);
		assert_string_equal(v.db, "x");
		assert_null(v.listen);
		config_release(&cf);
	}
	strbuf_release(&err);
}

static void test_config_command_line_wins(void **state)
{
	struct config_file cf;
	struct strbuf err = STRBUF_INIT;
	struct opt opts[5];
	struct vals v;

	(void)state;
	table(&v, opts);
	/* what opt_parse() reports for "--db from-argv --verbose" */
	v.db = "from-argv";
	v.verbose = true;
	assert_int_equal(config_parse(&cf, "db = from-file\nverbose = false\n", 31, "f.conf", opts,
				      1u << 2 | 1u << 3, &err), 0);
	assert_string_equal(v.db, "from-argv");
	assert_true(v.verbose);
	config_release(&cf);

	/* what the command line did not give, the file sets */
	table(&v, opts);
	v.db = "from-argv";
	assert_int_equal(config_parse(&cf, "listen = [::1]:2\nmax-body = 2M\n", 32, "f.conf", opts,
				      1u << 2, &err), 0);
	assert_string_equal(v.db, "from-argv");
	assert_string_equal(v.listen, "[::1]:2");
	assert_int_equal(v.max_body, 2 << 20);
	config_release(&cf);
	strbuf_release(&err);
}

static void test_config_errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "listen 1", "f.conf:1: expected 'key = value'" },
		{ "\n\nnope = 1", "f.conf:3: unknown key 'nope'" },
		{ "config = x", "f.conf:1: unknown key 'config'" },
		{ "max_body =", "f.conf:1: 'max-body' needs a value" },
		{ "verbose = yes", "f.conf:1: 'verbose' takes true or false" },
		{ "= x", "f.conf:1: unknown key ''" },
		/* values go through the option's type, as on the command line */
		{ "db = x\nmax_body = 1X", "f.conf:2: max-body '1X': expected a size like 512M or 1G" },
		{ "max-body = 1k\nmax-body = 12", "f.conf:2: max-body '12': expected a size like 512M or 1G" },
	};
	struct config_file cf;
	struct strbuf err = STRBUF_INIT;
	struct vals v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].text, &v, &cf, &err), -EINVAL);
		assert_string_equal(err.buf, cases[i].msg);
		config_release(&cf);
	}
	strbuf_release(&err);
}

static void test_config_load(void **state)
{
	char path[] = "/tmp/fw-test-config.XXXXXX";
	struct config_file cf;
	struct strbuf err = STRBUF_INIT;
	struct opt opts[5];
	struct vals v;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "listen = [::1]:1\n", 17), 17);
	close(fd);
	table(&v, opts);
	assert_int_equal(config_load(&cf, path, opts, 0, &err), 0);
	assert_string_equal(v.listen, "[::1]:1");
	config_release(&cf);
	unlink(path);
	assert_int_equal(config_load(&cf, path, opts, 0, &err), -ENOENT);
	assert_non_null(strstr(err.buf, "--config '/tmp/fw-test-config."));
	config_release(&cf);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_values),
		cmocka_unit_test(test_config_command_line_wins),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
