// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/html.c (escaping of every value that reaches a page),
 * web/html.c (links), web/page.c (the frame), web/form.c (form bodies),
 * web/session.c (browser sessions and CSRF tokens) and web/svg.c (charts
 * escape what they are given).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "web/form.h"
#include "web/html.h"
#include "web/page.h"
#include "web/session.h"
#include "lib/strbuf.h"
#include "web/svg.h"

static char *txt(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	html_txt(&sb, s);
	return strbuf_detach(&sb, NULL);
}

static char *attr(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	html_attr(&sb, s);
	return strbuf_detach(&sb, NULL);
}

#define ASSERT_TXT(in, want) do { char *o = txt(in); assert_string_equal(o, want); free(o); } while (0)
#define ASSERT_ATTR(in, want) do { char *o = attr(in); assert_string_equal(o, want); free(o); } while (0)

static void test_markup(void **state)
{
	(void)state;
	ASSERT_TXT("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
	ASSERT_TXT("a & b", "a &amp; b");
	ASSERT_TXT("&amp;", "&amp;amp;");
	ASSERT_TXT("say \"hi\" it's", "say \"hi\" it's");
	ASSERT_ATTR("\" onmouseover=\"x", "&quot; onmouseover=&quot;x");
	ASSERT_ATTR("'><img src=x>", "&#39;&gt;&lt;img src=x&gt;");
	ASSERT_TXT(NULL, "");
	ASSERT_TXT("", "");
}

static void test_utf8(void **state)
{
	(void)state;
	/* valid sequences pass as they are */
	ASSERT_TXT("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7");
	/* a lone continuation byte, a truncated sequence, an overlong '<', a surrogate */
	ASSERT_TXT("a\x80z", "a\xef\xbf\xbdz");
	ASSERT_TXT("a\xe2\x82", "a\xef\xbf\xbd\xef\xbf\xbd");
	ASSERT_TXT("\xc0\xbc", "\xef\xbf\xbd\xef\xbf\xbd");
	ASSERT_TXT("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	ASSERT_TXT("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* control characters go, tab and newline stay */
	ASSERT_TXT("a\x01\x1b[31mb\x7f\tc\nd", "a[31mb\tc\nd");
	/* C1 controls too (U+0085, U+009B) */
	ASSERT_TXT("a\xc2\x85" "b\xc2\x9b" "c", "abc");
	/* characters XML 1.0 forbids and other noncharacters: U+FFFD (the Atom feed stays XML) */
	ASSERT_TXT("6.9\xef\xbf\xbf-rc\xef\xbf\xbe", "6.9\xef\xbf\xbd-rc\xef\xbf\xbd");
	ASSERT_ATTR("\xef\xb7\x90\xf0\x9f\xbf\xbf\xf4\x8f\xbf\xbe", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* their neighbours are text */
	ASSERT_TXT("\xef\xbf\xbd\xef\xb7\xb0\xf0\x9f\xbf\xbd", "\xef\xbf\xbd\xef\xb7\xb0\xf0\x9f\xbf\xbd");
}

static void test_long(void **state)
{
	char *in = malloc(100001), *o;
	size_t i;

	(void)state;
	for (i = 0; i < 100000; i++)
		in[i] = "<>&\"'"[i % 5];
	in[100000] = '\0';
	o = attr(in);
	assert_int_equal(strlen(o), 20000 * (4 + 4 + 5 + 6 + 5));
	assert_null(strchr(o, '<'));
	assert_null(strchr(o, '"'));
	free(o);
	free(in);
}

static void test_url_and_links(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	html_url(&sb, "a b/\"<>?&#");
	assert_string_equal(sb.buf, "a%20b%2F%22%3C%3E%3F%26%23");
	strbuf_reset(&sb);
	html_link_host(&sb, "<b>\"x\"");
	assert_string_equal(sb.buf, "<a href=\"/hosts/%3Cb%3E%22x%22\">&lt;b&gt;\"x\"</a>");
	strbuf_reset(&sb);
	html_link_kernel(&sb, "0123456789abcdef0123456789abcdef01234567");
	assert_non_null(strstr(sb.buf, ">0123456789ab</a>"));
	assert_non_null(strstr(sb.buf, "title=\"0123456789abcdef0123456789abcdef01234567\""));
	strbuf_reset(&sb);
	html_txtf(&sb, "%s=%d", "<i>", 5);
	assert_string_equal(sb.buf, "&lt;i&gt;=5");
	strbuf_release(&sb);
}

static void test_page_frame(void **state)
{
	struct resp rs = RESP_INIT;
	struct strbuf *sb = &rs.body;

	(void)state;
	strbuf_addstr(sb, "left over");
	page_begin(&rs, "</title><script>x</script>", "alerts");
	page_end(sb);
	assert_string_equal(rs.content_type, "text/html; charset=utf-8");
	assert_null(strstr(sb->buf, "left over"));
	assert_null(strstr(sb->buf, "<script>"));
	assert_non_null(strstr(sb->buf, "&lt;/title&gt;&lt;script&gt;"));
	assert_non_null(strstr(sb->buf, "<a href=\"/alerts\" aria-current=\"page\">"));
	/* nothing from elsewhere */
	assert_null(strstr(sb->buf, "http://"));
	assert_null(strstr(sb->buf, "https://"));
	strbuf_release(sb);
}

static void test_form(void **state)
{
	struct strbuf v = STRBUF_INIT;
	const char *body = "csrf=ab12&state=acknowledged&who=J%C3%B6rg+M%26M&empty=&flag&x=1";

	(void)state;
	assert_int_equal(form_get(body, strlen(body), "state", &v), 0);
	assert_string_equal(v.buf, "acknowledged");
	assert_int_equal(form_get(body, strlen(body), "who", &v), 0);
	assert_string_equal(v.buf, "J\xc3\xb6rg M&M");
	assert_int_equal(form_get(body, strlen(body), "empty", &v), 0);
	assert_string_equal(v.buf, "");
	assert_int_equal(form_get(body, strlen(body), "flag", &v), 0);
	assert_string_equal(v.buf, "");
	assert_int_equal(form_get(body, strlen(body), "nope", &v), -ENOENT);
	assert_int_equal(form_get(body, strlen(body), "csr", &v), -ENOENT);
	/* the first of two wins */
	assert_int_equal(form_get("a=1&a=2", 7, "a", &v), 0);
	assert_string_equal(v.buf, "1");
	/* bad escapes, encoded NUL and control characters, a raw NUL */
	assert_int_equal(form_get("a=%4", 4, "a", &v), -EINVAL);
	assert_int_equal(form_get("a=%zz", 5, "a", &v), -EINVAL);
	assert_int_equal(form_get("a=%00", 5, "a", &v), -EINVAL);
	assert_int_equal(form_get("a=%1b", 5, "a", &v), -EINVAL);
	assert_int_equal(form_get("a=1\0b=2", 7, "b", &v), -EINVAL);
	/* only len bytes are read */
	assert_int_equal(form_get("a=12345", 3, "a", &v), 0);
	assert_string_equal(v.buf, "1");
	strbuf_release(&v);
}

/* Sessions in a store (a temporary SQLite file): the database keeps the id's hash only. */
static void test_sessions(void **state)
{
	char dir[] = "/tmp/fw-test-session.XXXXXX", path[64], p[80];
	char id[SESSION_ID_LEN + 1], csrf[SESSION_ID_LEN + 1], c2[SESSION_ID_LEN + 1];
	char id2[SESSION_ID_LEN + 1], who[STORE_NAME_MAX];
	struct strbuf err = STRBUF_INIT, file = STRBUF_INIT;
	struct store *st = NULL;

	(void)state;
	assert_int_equal(sodium_init() >= 0, 1);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fw.db", dir);
	assert_int_equal(store_open(&st, path, &err), 0);
	assert_int_equal(web_session_create(st, "alice", id, csrf), 0);
	assert_int_equal(strlen(id), SESSION_ID_LEN);
	assert_string_not_equal(id, csrf);
	assert_true(web_session_get(st, id, c2, who));
	assert_string_equal(c2, csrf);
	assert_string_equal(who, "alice");
	assert_true(web_session_csrf_equal(c2, csrf));
	/* another session's token, a wrong one, a truncated one, none */
	assert_int_equal(web_session_create(st, "bob", id2, c2), 0);
	assert_true(web_session_get(st, id, csrf, NULL));
	assert_false(web_session_csrf_equal(csrf, c2));
	assert_true(web_session_get(st, id2, c2, NULL));
	assert_false(web_session_csrf_equal(c2, csrf));
	strcpy(c2, csrf);
	c2[0] = c2[0] == 'a' ? 'b' : 'a';
	assert_false(web_session_csrf_equal(csrf, c2));
	assert_false(web_session_csrf_equal(csrf, "abc"));
	assert_false(web_session_csrf_equal(csrf, NULL));
	assert_false(web_session_get(st, NULL, NULL, NULL));
	assert_false(web_session_get(st, "0000", NULL, NULL));
	web_session_end(st, id);
	assert_false(web_session_get(st, id, NULL, NULL));
	assert_true(web_session_get(st, id2, NULL, NULL));
	store_close(st);
	/* neither id is in the file, only their hashes */
	assert_int_equal(strbuf_read_file(&file, path, 1 << 24), 0);
	assert_null(memmem(file.buf, file.len, id2, SESSION_ID_LEN));
	strbuf_release(&file);
	strbuf_release(&err);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	assert_int_equal(rmdir(dir), 0);
}

static int count(const char *s, const char *what)
{
	int n = 0;

	while ((s = strstr(s, what))) {
		n++;
		s++;
	}
	return n;
}

static void test_svg_escapes(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	const double y[3] = { 1e6, NAN, 2e6 };
	const char *labels[3] = { "<k1>", "k2", "\"k3\"" };
	struct svg_series se = { "<s>", "s0", y, NULL, NULL, NULL };
	struct svg_mark m = { 2, "alert", "<script>boom</script>" };
	struct svg_chart c = { "<title>", "t", 1, 3, labels, &se, 1, &m, 1 };
	double v[5] = { 1, 2, 3, 1000, NAN };

	(void)state;
	svg_line_chart(&sb, &c);
	assert_null(strstr(sb.buf, "<script>"));
	assert_null(strstr(sb.buf, "<k1>"));
	assert_non_null(strstr(sb.buf, "&lt;script&gt;boom"));
	assert_non_null(strstr(sb.buf, "aria-label=\"&lt;title&gt;\""));
	/* two points drawn, the gap skipped */
	assert_int_equal(count(sb.buf, "<circle"), 2);
	strbuf_reset(&sb);
	svg_histogram(&sb, "\"h\"", v, 5);
	assert_non_null(strstr(sb.buf, "aria-label=\"&quot;h&quot;\""));
	/* the outlier has its bar: 4 values, two bins (1..3 share the first) */
	assert_non_null(strstr(sb.buf, "1 iterations"));
	assert_non_null(strstr(sb.buf, "3 iterations"));
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markup),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_url_and_links),
		cmocka_unit_test(test_page_frame),
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_svg_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
