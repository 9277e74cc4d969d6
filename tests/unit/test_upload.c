// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for collectors/upload.c (status policy, backoff, kernel ident,
 * token file, error messages) and the pure helpers it builds on: the JSON
 * reader (jread.c) and the URL, token and path helpers of http.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/http.h"
#include "lib/jread.h"
#include "collectors/upload.h"

static void test_upload_classify(void **state)
{
	static const struct {
		long status;
		enum upload_action action;
	} cases[] = {
		{ 200, UPLOAD_DONE }, { 201, UPLOAD_DONE }, { 204, UPLOAD_DONE },
		{ 408, UPLOAD_RETRY }, { 429, UPLOAD_RETRY }, { 500, UPLOAD_RETRY },
		{ 502, UPLOAD_RETRY }, { 503, UPLOAD_RETRY }, { 507, UPLOAD_RETRY },
		{ 400, UPLOAD_REJECT }, { 409, UPLOAD_REJECT }, { 413, UPLOAD_REJECT },
		{ 422, UPLOAD_REJECT }, { 499, UPLOAD_REJECT },
		{ 401, UPLOAD_STOP }, { 403, UPLOAD_STOP }, { 404, UPLOAD_STOP }, { 405, UPLOAD_STOP },
		{ 301, UPLOAD_STOP }, { 100, UPLOAD_STOP }, { 0, UPLOAD_STOP }, { 600, UPLOAD_STOP },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (upload_classify(cases[i].status) != cases[i].action)
			fail_msg("status %ld: action %d, want %d", cases[i].status,
				 upload_classify(cases[i].status), cases[i].action);
}

static void test_upload_backoff(void **state)
{
	struct upload_backoff b;
	unsigned step = 1000, i, w;

	(void)state;
	upload_backoff_reset(&b);
	for (i = 0; i < 12; i++) {
		/* the least and the most jitter give half and all of the step */
		struct upload_backoff lo = b, hi = b;

		assert_int_equal(upload_backoff_next(&lo, 0), step / 2);
		assert_int_equal(upload_backoff_next(&hi, step / 2), step);
		w = upload_backoff_next(&b, 12345 * i);
		assert_true(w >= step / 2 && w <= step);
		step = step * 2 > 60000 ? 60000 : step * 2;
	}
	assert_int_equal(b.step_ms, 60000);
	upload_backoff_reset(&b);
	assert_int_equal(upload_backoff_next(&b, 0), 500);
}

static void test_upload_kernel_ident(void **state)
{
	static const struct {
		const char *commit, *release, *ident;
	} cases[] = {
		{ NULL, "6.8.0-rc3-00042-gdeadbeef1234", "deadbeef1234" },
		{ NULL, "6.8.0-rc3-00042-gdeadbeef1234-dirty", "deadbeef1234" },
		{ "", "6.8.0-gdeadbeef1234", "deadbeef1234" },
		{ "0123456", "6.8.0-gdeadbeef1234", "0123456" },
		{ NULL, "6.1.0-18-amd64", "release:6.1.0-18-amd64" },
		{ NULL, "6.9.0-gabcdef12345", "release:6.9.0-gabcdef12345" },
		{ "abcdef0", "6.1.0-18-amd64", "abcdef0" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf sb = STRBUF_INIT;

		upload_kernel_ident(cases[i].commit, cases[i].release, &sb);
		if (strcmp(sb.buf, cases[i].ident))
			fail_msg("%s/%s: '%s', want '%s'", cases[i].commit, cases[i].release, sb.buf,
				 cases[i].ident);
		strbuf_release(&sb);
	}
}

static void test_upload_token_file(void **state)
{
	static const struct {
		const char *text, *name, *token;
		int ret;
	} cases[] = {
		{ "name=lab-7\ntoken=fwh_abc\n", "lab-7", "fwh_abc", 0 },
		{ "# comment\ntoken=fwh_abc  \r\nname=a b = 'c' \"d\"\n", "a b = 'c' \"d\"", "fwh_abc", 0 },
		{ "fwh_bare\n", "", "fwh_bare", 0 },
		{ "  fwh_bare  ", "", "fwh_bare", 0 },
		{ "fwh_x==\n", "", "fwh_x==", 0 },
		{ "name=only\n", "only", "", -EINVAL },
		{ "", "", "", -EINVAL },
		{ "\n\n", "", "", -EINVAL },
		{ "two\nlines\n", "", "", -EINVAL },
	};
	struct strbuf name = STRBUF_INIT, token = STRBUF_INIT, text = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strbuf_reset(&name);
		strbuf_reset(&token);
		if (upload_token_parse(cases[i].text, &name, &token) != cases[i].ret ||
		    strcmp(name.buf, cases[i].name) || strcmp(token.buf, cases[i].token))
			fail_msg("case %zu: name '%s' token '%s'", i, name.buf, token.buf);
	}
	/* what register writes reads back */
	upload_token_format(&text, "lab 7 \"x\"=y", "fwh_0123");
	strbuf_reset(&name);
	strbuf_reset(&token);
	assert_int_equal(upload_token_parse(text.buf, &name, &token), 0);
	assert_string_equal(name.buf, "lab 7 \"x\"=y");
	assert_string_equal(token.buf, "fwh_0123");
	strbuf_release(&text);
	strbuf_release(&token);
	strbuf_release(&name);
}

static void test_upload_error_message(void **state)
{
	static const struct {
		const char *body, *msg;
	} cases[] = {
		{ "{\"error\": {\"status\": 400, \"message\": \"expected a non-negative integer\", "
		  "\"field\": \"cases[2].runs[0].ns[5]\"}}",
		  "expected a non-negative integer (field 'cases[2].runs[0].ns[5]')" },
		{ "{\"error\": {\"status\": 409, \"message\": \"name taken\"}}", "name taken" },
		{ "<html>\n<h1>502 Bad Gateway</h1></html>", "<html> <h1>502 Bad Gateway</h1></html>" },
		{ "", "empty answer" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf sb = STRBUF_INIT;

		upload_error_message(cases[i].body, strlen(cases[i].body), &sb);
		assert_string_equal(sb.buf, cases[i].msg);
		strbuf_release(&sb);
	}
}

static void test_jread_values(void **state)
{
	static const char text[] =
		" {\"host\": {\"name\": \"lab \\\"7\\\" \\u00e9\\ud83d\\ude00\", \"cpus\": 64},"
		"  \"kernels\": [{\"ident\": \"release:6.1\", \"complete_uploads\": 2}, {}],"
		"  \"ok\": true, \"no\": false, \"nil\": null, \"neg\": -1.5e3, \"dup\": 1, \"dup\": 2} ";
	struct strbuf err = STRBUF_INIT;
	struct jread_node *root;
	const struct jread_node *k;
	double v;

	(void)state;
	assert_int_equal(jread_parse(&root, text, strlen(text), &err), 0);
	assert_string_equal(jread_str(jread_get(jread_get(root, "host"), "name")),
			    "lab \"7\" \xc3\xa9\xf0\x9f\x98\x80");
	assert_true(jread_num(jread_get(jread_get(root, "host"), "cpus"), &v) && v == 64);
	k = jread_at(jread_get(root, "kernels"), 0);
	assert_string_equal(jread_str(jread_get(k, "ident")), "release:6.1");
	assert_true(jread_num(jread_get(k, "complete_uploads"), &v) && v == 2);
	assert_non_null(jread_at(jread_get(root, "kernels"), 1));
	assert_null(jread_at(jread_get(root, "kernels"), 2));
	assert_true(jread_get(root, "ok")->b && !jread_get(root, "no")->b);
	assert_int_equal(jread_get(root, "nil")->type, JREAD_NULL);
	assert_true(jread_num(jread_get(root, "neg"), &v) && v == -1500);
	assert_true(jread_num(jread_get(root, "dup"), &v) && v == 2);
	/* wrong types and missing things are NULL, never a crash */
	assert_null(jread_str(jread_get(root, "ok")));
	assert_null(jread_get(jread_get(root, "missing"), "x"));
	assert_null(jread_at(root, 0));
	assert_false(jread_num(NULL, &v));
	jread_free(root);
	strbuf_release(&err);
}

static void test_jread_errors(void **state)
{
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\" 1}", "{\"a\": 1,}", "tru", "nul", "\"abc", "\"a\\x\"",
		"\"\\ud800\"", "\"\\udc00x\"", "\"\\u0000\"", "\"a\nb\"", "1 2", "{\"a\": -}", "[01x]",
	};
	struct strbuf err = STRBUF_INIT, deep = STRBUF_INIT;
	struct jread_node *root;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&err);
		root = (struct jread_node *)1;
		if (jread_parse(&root, bad[i], strlen(bad[i]), &err) != -EINVAL || root)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(err.buf, "malformed JSON at byte"));
	}
	/* hostile nesting ends with an error, not a stack overflow */
	for (i = 0; i < 100000; i++)
		strbuf_addch(&deep, '[');
	assert_int_equal(jread_parse(&root, deep.buf, deep.len, &err), -EINVAL);
	/* a text that is not NUL-terminated: only len bytes count */
	assert_int_equal(jread_parse(&root, "[1]]", 3, &err), 0);
	jread_free(root);
	strbuf_release(&deep);
	strbuf_release(&err);
}

static void test_http_path_escape(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "lab-7.example_x~", "lab-7.example_x~" },
		{ "lab 7", "lab%207" },
		{ "a/b", "a%2Fb" },
		{ "\"q\" 'x' %?#&+", "%22q%22%20%27x%27%20%25%3F%23%26%2B" },
		{ "\xc3\xa9", "%C3%A9" },
		{ "..", ".." },
		{ "", "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf sb = STRBUF_INIT;

		http_path_escape(&sb, cases[i].in);
		assert_string_equal(sb.buf, cases[i].out);
		strbuf_release(&sb);
	}
}

static void test_http_check_server(void **state)
{
	static const struct {
		const char *in, *out; /* out NULL: refused */
	} cases[] = {
		{ "http://127.0.0.1:8080", "http://127.0.0.1:8080" },
		{ "https://fw.lab/", "https://fw.lab" },
		{ "HTTPS://fw.lab/prefix//", "HTTPS://fw.lab/prefix" },
		{ "http://[::1]:8080", "http://[::1]:8080" },
		{ "fw.lab:8080", NULL },
		{ "ftp://fw.lab", NULL },
		{ "http://", NULL },
		{ "http:///x", NULL },
		{ "http://user:pw@fw.lab", NULL },
		{ "http://fw.lab/?x=1", NULL },
		{ "http://fw lab", NULL },
		{ "", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
		int ret = http_check_server(cases[i].in, &out, &err);

		if (cases[i].out) {
			if (ret || strcmp(out.buf, cases[i].out))
				fail_msg("'%s': %d '%s' (%s)", cases[i].in, ret, out.buf, err.buf);
		} else {
			if (ret != -EINVAL)
				fail_msg("'%s' accepted as '%s'", cases[i].in, out.buf);
			/* the offending value quoted */
			assert_non_null(strstr(err.buf, "--server '"));
		}
		strbuf_release(&err);
		strbuf_release(&out);
	}
}

static void test_http_check_token(void **state)
{
	struct strbuf err = STRBUF_INIT;
	char big[5000];

	(void)state;
	assert_int_equal(http_check_token("fwh_AbC-123_=+/", &err), 0);
	assert_int_equal(http_check_token("", &err), -EINVAL);
	strbuf_reset(&err);
	assert_int_equal(http_check_token("fwh_secret\r\nX-Evil: 1", &err), -EINVAL);
	/* the message never quotes the token */
	assert_null(strstr(err.buf, "secret"));
	assert_int_equal(http_check_token("a b", &err), -EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(http_check_token(big, &err), -EINVAL);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upload_classify),
		cmocka_unit_test(test_upload_backoff),
		cmocka_unit_test(test_upload_kernel_ident),
		cmocka_unit_test(test_upload_token_file),
		cmocka_unit_test(test_upload_error_message),
		cmocka_unit_test(test_jread_values),
		cmocka_unit_test(test_jread_errors),
		cmocka_unit_test(test_http_path_escape),
		cmocka_unit_test(test_http_check_server),
		cmocka_unit_test(test_http_check_token),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
