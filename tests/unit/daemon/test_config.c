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
	const char *listen, *max_body, *db, *verbose;
};

static void table(struct vals *v, struct opt opts[5])
{
	const struct opt o[5] = {
		{ "listen", "ADDR:PORT", "", &v->listen },
		{ "max-body", "SIZE", "", &v->max_body },
		{ "db", "PATH", "", &v->db },
		{ "verbose", NULL, "", &v->verbose },
		{ NULL, NULL, NULL, NULL },
	};

	memset(v, 0, sizeof(*v));
	memcpy(opts, o, sizeof(o));
}

static int parse(const char *text, struct vals *v, struct config_file *cf, struct strbuf *err)
{
	struct opt opts[5];

	table(v, opts);
	strbuf_reset(err);
	return config_parse(cf, text, strlen(text), "f.conf", opts, err);
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
	assert_string_equal(v.max_body, "1M");
	assert_string_equal(v.verbose, "1");
	assert_string_equal(v.db, "a = b");
	config_release(&cf);

	/* a NUL byte ends the text */
	{
		struct opt opts[5];
		static const char text[] = "db = x\n\0listen = y\n";

		table(&v, opts);
		assert_int_equal(config_parse(&cf, text, sizeof(text) - 1, "f.conf", opts, &err), 0);
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
	v.db = "from-argv";
	assert_int_equal(config_parse(&cf, "db = from-file\nverbose = false\n", 31, "f.conf", opts,
				      &err), 0);
	assert_string_equal(v.db, "from-argv");
	assert_null(v.verbose);
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
	assert_int_equal(config_load(&cf, path, opts, &err), 0);
	assert_string_equal(v.listen, "[::1]:1");
	config_release(&cf);
	unlink(path);
	assert_int_equal(config_load(&cf, path, opts, &err), -ENOENT);
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
