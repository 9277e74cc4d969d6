// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/auth.c: token format and uniqueness, hashes,
 * parsing of the Authorization header, the admin token file.  The
 * limiter of failed token attempts counts in the database: test_store.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "daemon/auth.h"
#include "lib/strbuf.h"

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int setup_sodium(void **state)
{
	(void)state;
	return auth_init();
}

/* ---- tokens and hashes ------------------------------------------------ */

static void test_token_format(void **state)
{
	char t[AUTH_TOKEN_MAX];

	(void)state;
	memset(t, 0x7f, sizeof(t));
	auth_token_new("fwh_", t);
	assert_non_null(memchr(t, '\0', sizeof(t)));
	assert_int_equal(strncmp(t, "fwh_", 4), 0);
	/* 32 random bytes in base64url without padding: 43 characters */
	assert_int_equal(strlen(t), 4 + 43);
	assert_int_equal(strspn(t + 4, b64url), 43);
	/* what a client sends is what auth_bearer gives back */
	{
		char h[AUTH_TOKEN_MAX + 16];

		snprintf(h, sizeof(h), "Bearer %s", t);
		assert_string_equal(auth_bearer(h), t);
	}
	auth_token_new("fwa_", t);
	assert_int_equal(strncmp(t, "fwa_", 4), 0);
	assert_int_equal(strlen(t), 47);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void test_token_unique(void **state)
{
	enum { N = 2000 };
	char (*t)[AUTH_TOKEN_MAX] = calloc(N, sizeof(*t));
	int i, same_first = 0;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < N; i++)
		auth_token_new("fwh_", t[i]);
	qsort(t, N, sizeof(*t), cmp_str);
	for (i = 1; i < N; i++) {
		assert_string_not_equal(t[i - 1], t[i]);
		same_first += t[i - 1][4] == t[i][4];
	}
	/* sorted, neighbours share their first character often, but not always */
	assert_true(same_first < N - 1);
	free(t);
}

static void test_hash(void **state)
{
	uint8_t a[AUTH_HASH_LEN], b[AUTH_HASH_LEN], c[AUTH_HASH_LEN], want[AUTH_HASH_LEN];
	char t[AUTH_TOKEN_MAX];

	(void)state;
	auth_token_new("fwh_", t);
	auth_token_hash(t, a);
	auth_token_hash(t, b);
	assert_memory_equal(a, b, AUTH_HASH_LEN);
	assert_true(auth_hash_equal(a, b));
	/* one character more, one character different */
	{
		char u[AUTH_TOKEN_MAX + 1];

		snprintf(u, sizeof(u), "%sx", t);
		auth_token_hash(u, c);
		assert_false(auth_hash_equal(a, c));
		memcpy(u, t, sizeof(t));
		u[10] = u[10] == 'A' ? 'B' : 'A';
		auth_token_hash(u, c);
		assert_false(auth_hash_equal(a, c));
	}
	/* differing only in the last byte */
	memcpy(c, a, AUTH_HASH_LEN);
	c[AUTH_HASH_LEN - 1] ^= 1;
	assert_false(auth_hash_equal(a, c));
	/* BLAKE2b-256 of the token text, no key */
	crypto_generichash(want, sizeof(want), (const unsigned char *)"fwh_abc", 7, NULL, 0);
	auth_token_hash("fwh_abc", a);
	assert_memory_equal(a, want, AUTH_HASH_LEN);
	/* the hash never is the token */
	assert_int_not_equal(memcmp(a, "fwh_abc", 7), 0);
}

/* ---- Authorization header --------------------------------------------- */

static void test_bearer(void **state)
{
	char h[200], tok[100];

	(void)state;
	assert_string_equal(auth_bearer("Bearer fwh_abc"), "fwh_abc");
	assert_string_equal(auth_bearer("bearer fwh_abc"), "fwh_abc");
	assert_string_equal(auth_bearer("BEARER fwh_abc"), "fwh_abc");
	assert_string_equal(auth_bearer("Bearer    fwh_abc"), "fwh_abc");
	/* it points into the header */
	{
		const char *hdr = "Bearer fwh_abc";

		assert_ptr_equal(auth_bearer(hdr), hdr + 7);
	}
	/* RFC 6750 b64token characters */
	assert_string_equal(auth_bearer("Bearer a-b_c.d~e+f/g=="), "a-b_c.d~e+f/g==");

	assert_null(auth_bearer(NULL));
	assert_null(auth_bearer(""));
	assert_null(auth_bearer("Bearer"));
	assert_null(auth_bearer("Bearer "));
	assert_null(auth_bearer("Bearer    "));
	assert_null(auth_bearer("Bearerfwh_abc"));
	assert_null(auth_bearer("Bearer\tfwh_abc"));
	assert_null(auth_bearer("Basic dXNlcjpwYXNz"));
	assert_null(auth_bearer("Token fwh_abc"));
	assert_null(auth_bearer(" Bearer fwh_abc"));
	assert_null(auth_bearer("fwh_abc"));
	assert_null(auth_bearer("Bearer fwh abc"));
	assert_null(auth_bearer("Bearer fwh_abc garbage"));
	assert_null(auth_bearer("Bearer fwh_abc\r\nX-Evil: 1"));
	assert_null(auth_bearer("Bearer fwh_\"abc\""));
	assert_null(auth_bearer("Bearer fwh_abc;"));
	assert_null(auth_bearer("Bearer fwh_\xc3\xa9"));
	assert_null(auth_bearer("Bearer fwh_abc\x01"));

	/* length: up to AUTH_TOKEN_MAX - 1 characters */
	memset(tok, 'a', sizeof(tok));
	tok[AUTH_TOKEN_MAX - 1] = '\0';
	snprintf(h, sizeof(h), "Bearer %s", tok);
	assert_string_equal(auth_bearer(h), tok);
	tok[AUTH_TOKEN_MAX - 1] = 'a';
	tok[AUTH_TOKEN_MAX] = '\0';
	snprintf(h, sizeof(h), "Bearer %s", tok);
	assert_null(auth_bearer(h));
	tok[99] = '\0';
	snprintf(h, sizeof(h), "Bearer %s", tok);
	assert_null(auth_bearer(h));
}

/* ---- admin token file ------------------------------------------------- */

struct dir {
	char path[64];
};

static int setup_dir(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	strcpy(d->path, "/tmp/fw-test-auth.XXXXXX");
	assert_non_null(mkdtemp(d->path));
	*state = d;
	return auth_init();
}

static int teardown_dir(void **state)
{
	struct dir *d = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	assert_int_equal(system(cmd), 0);
	free(d);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_admin_generated(void **state)
{
	struct dir *d = *state;
	struct strbuf used = STRBUF_INIT, err = STRBUF_INIT, text = STRBUF_INIT;
	char tok[AUTH_TOKEN_MAX], again[AUTH_TOKEN_MAX], path[128];
	struct stat st;
	bool created;
	mode_t old;

	/* even with a permissive umask the file is 0600 */
	old = umask(0);
	assert_int_equal(auth_admin_token_load(NULL, d->path, tok, &created, &used, &err), 0);
	umask(old);
	assert_true(created);
	snprintf(path, sizeof(path), "%s/admin.token", d->path);
	assert_string_equal(used.buf, path);
	assert_int_equal(strncmp(tok, "fwa_", 4), 0);
	assert_int_equal(strlen(tok), 47);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	/* the file holds the token and a newline */
	assert_int_equal(strbuf_read_file(&text, path, 4096), 0);
	assert_int_equal(text.len, strlen(tok) + 1);
	assert_int_equal(memcmp(text.buf, tok, strlen(tok)), 0);
	assert_int_equal(text.buf[text.len - 1], '\n');

	/* the second start reads it back */
	assert_int_equal(auth_admin_token_load(NULL, d->path, again, &created, &used, &err), 0);
	assert_false(created);
	assert_string_equal(again, tok);
	/* and so does an explicit path */
	assert_int_equal(auth_admin_token_load(path, "/nonexistent", again, &created, &used, &err), 0);
	assert_false(created);
	assert_string_equal(used.buf, path);
	assert_string_equal(again, tok);
	strbuf_release(&used);
	strbuf_release(&err);
	strbuf_release(&text);
}

static void test_admin_file(void **state)
{
	struct dir *d = *state;
	struct strbuf used = STRBUF_INIT, err = STRBUF_INIT;
	char tok[AUTH_TOKEN_MAX], path[128], big[200];
	bool created;
	int ret;

	snprintf(path, sizeof(path), "%s/my.token", d->path);

	/* an explicit file that is missing is an error, not created */
	ret = auth_admin_token_load(path, d->path, tok, &created, &used, &err);
	assert_int_equal(ret, -ENOENT);
	assert_false(created);
	assert_non_null(strstr(err.buf, path));
	assert_int_equal(access(path, F_OK), -1);

	/* a hand-written one, without a final newline, or with CRLF */
	write_file(path, "fwa_handwritten-token_1");
	strbuf_reset(&err);
	assert_int_equal(auth_admin_token_load(path, NULL, tok, &created, &used, &err), 0);
	assert_string_equal(tok, "fwa_handwritten-token_1");
	write_file(path, "fwa_handwritten-token_2\r\n");
	assert_int_equal(auth_admin_token_load(path, NULL, tok, &created, &used, &err), 0);
	assert_string_equal(tok, "fwa_handwritten-token_2");

	/* two lines are refused */
	write_file(path, "fwa_one\nfwa_two\n");
	strbuf_reset(&err);
	ret = auth_admin_token_load(path, NULL, tok, &created, &used, &err);
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(err.buf, path));
	assert_non_null(strstr(err.buf, "one token line"));

	/* empty, blank, spaces inside, too long */
	write_file(path, "");
	strbuf_reset(&err);
	assert_int_equal(auth_admin_token_load(path, NULL, tok, &created, &used, &err), -EINVAL);
	write_file(path, "\n\n");
	strbuf_reset(&err);
	assert_int_equal(auth_admin_token_load(path, NULL, tok, &created, &used, &err), -EINVAL);
	write_file(path, "fwa_ one\n");
	strbuf_reset(&err);
	assert_int_equal(auth_admin_token_load(path, NULL, tok, &created, &used, &err), -EINVAL);
	memset(big, 'a', sizeof(big));
	big[AUTH_TOKEN_MAX] = '\0';
	write_file(path, big);
	strbuf_reset(&err);
	assert_int_equal(auth_admin_token_load(path, NULL, tok, &created, &used, &err), -EINVAL);
	big[AUTH_TOKEN_MAX - 1] = '\0';
	write_file(path, big);
	assert_int_equal(auth_admin_token_load(path, NULL, tok, &created, &used, &err), 0);
	assert_string_equal(tok, big);

	/* a directory that cannot hold it */
	strbuf_reset(&err);
	ret = auth_admin_token_load(NULL, "/nonexistent/dir", tok, &created, &used, &err);
	assert_true(ret < 0);
	assert_false(created);
	assert_non_null(strstr(err.buf, "/nonexistent/dir/admin.token"));

	strbuf_release(&used);
	strbuf_release(&err);
}

/* ---- the failed-token count's key (counted in the store: test_store) ---- */

static void check_key(const char *addr, const char *want)
{
	char key[64];

	auth_client_key(addr, key, sizeof(key));
	assert_string_equal(key, want);
}

/*
 * An IPv6 client has a /64 to take addresses from: its failures count
 * together, whichever of them it uses; another /64 is another client.
 * IPv4, mapped or not, counts per address.
 */
static void test_client_key(void **state)
{
	(void)state;
	check_key("192.0.2.1", "192.0.2.1");
	check_key("2001:db8:1:2::1", "2001:db8:1:2::/64");
	check_key("2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2::/64");
	check_key("2001:0db8:0001:0002:0:0:0:7", "2001:db8:1:2::/64");
	check_key("2001:db8:1:3::1", "2001:db8:1:3::/64");
	check_key("::ffff:192.0.2.7", "::ffff:192.0.2.7");
	/* the longest IPv6 text form fits */
	check_key("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "ffff:ffff:ffff:ffff::/64");
	/* not an address (a unix socket's peer): as it is */
	check_key("unix", "unix");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_token_format, setup_sodium),
		cmocka_unit_test_setup(test_token_unique, setup_sodium),
		cmocka_unit_test_setup(test_hash, setup_sodium),
		cmocka_unit_test(test_bearer),
		cmocka_unit_test_setup_teardown(test_admin_generated, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_admin_file, setup_dir, teardown_dir),
		cmocka_unit_test(test_client_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
