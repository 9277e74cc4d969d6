// SPDX-License-Identifier: GPL-2.0
/* Unit tests for lib/strbuf.c: the growable buffer every document is built in. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/strbuf.h"

/* The invariants every strbuf keeps between calls. */
static void check_sb(const struct strbuf *sb)
{
	assert_non_null(sb->buf);
	assert_int_equal(sb->buf[sb->len], '\0');
	if (sb->alloc)
		assert_true(sb->len < sb->alloc);
	else
		assert_ptr_equal(sb->buf, strbuf_empty);
	assert_int_equal(strbuf_empty[0], '\0');
}

static void test_strbuf_init_is_printable(void **state)
{
	struct strbuf a = STRBUF_INIT, b;

	(void)state;
	check_sb(&a);
	assert_string_equal(a.buf, "");
	strbuf_init(&b, 0);
	check_sb(&b);
	assert_int_equal(b.alloc, 0);
	strbuf_init(&b, 100);
	check_sb(&b);
	assert_true(b.alloc >= 101);
	assert_string_equal(b.buf, "");
	strbuf_release(&b);
	check_sb(&b);
	strbuf_release(&a); /* releasing a fresh buffer is harmless */
	check_sb(&a);
}

static void test_strbuf_growth(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *want = malloc(100001);
	size_t i;

	(void)state;
	assert_non_null(want);
	for (i = 0; i < 100000; i++) {
		want[i] = (char)('a' + i % 26);
		strbuf_addch(&sb, want[i]);
		check_sb(&sb);
	}
	want[i] = '\0';
	assert_int_equal(sb.len, 100000);
	assert_memory_equal(sb.buf, want, 100001);

	strbuf_reset(&sb);
	check_sb(&sb);
	assert_int_equal(sb.len, 0);
	assert_true(sb.alloc > 100000); /* reset keeps the allocation */

	strbuf_add(&sb, "a\0b", 3); /* binary data with a NUL inside */
	check_sb(&sb);
	assert_int_equal(sb.len, 3);
	assert_memory_equal(sb.buf, "a\0b", 4);
	strbuf_addstr(&sb, "cd");
	assert_memory_equal(sb.buf, "a\0bcd", 6);
	strbuf_add(&sb, "", 0);
	assert_int_equal(sb.len, 5);
	strbuf_release(&sb);
	check_sb(&sb);
	free(want);
}

static void test_strbuf_grow_keeps_content(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t alloc;

	(void)state;
	strbuf_addstr(&sb, "hello");
	strbuf_grow(&sb, 1000);
	check_sb(&sb);
	assert_true(sb.alloc >= sb.len + 1001);
	assert_string_equal(sb.buf, "hello");
	alloc = sb.alloc;
	strbuf_grow(&sb, 10); /* room already there: no change */
	assert_int_equal(sb.alloc, alloc);
	strbuf_release(&sb);
}

/*
 * BUG (lib/strbuf.c:47, strbuf_grow): the overflow check computes
 * want = len + extra + 1 and tests want < len, which misses the wrap to
 * exactly len: strbuf_grow(sb, SIZE_MAX) returns as if the room were there
 * (want == len <= alloc) instead of aborting, and a following add writes
 * past the allocation.  The header promises that the buffer aborts rather
 * than misbehave.
 */
static void test_strbuf_grow_overflow_aborts(void **state)
{
	size_t extras[] = { SIZE_MAX, SIZE_MAX - 3 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(extras) / sizeof(extras[0]); i++) {
		int status;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			struct strbuf sb = STRBUF_INIT;

			/* keep the expected abort message out of the test output */
			if (!freopen("/dev/null", "w", stderr))
				_exit(3);
			strbuf_addstr(&sb, "abcd");
			strbuf_grow(&sb, extras[i]);
			_exit(0); /* reached only when the overflow went unnoticed */
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
			fail_msg("strbuf_grow(len 4, extra %zu) returned instead of aborting", extras[i]);
	}
}

static void test_strbuf_addf(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *big = malloc(10001);
	size_t alloc;

	(void)state;
	assert_non_null(big);
	memset(big, 'z', 10000);
	big[10000] = '\0';

	strbuf_addf(&sb, "%d-%s", 42, "x");
	check_sb(&sb);
	assert_string_equal(sb.buf, "42-x");
	assert_int_equal(sb.len, 4);

	/* far longer than the first guess: must be formatted again in full */
	strbuf_addf(&sb, "[%s]", big);
	check_sb(&sb);
	assert_int_equal(sb.len, 4 + 10002);
	assert_memory_equal(sb.buf, "42-x[", 5);
	assert_memory_equal(sb.buf + 5, big, 10000);
	assert_string_equal(sb.buf + 10005, "]");

	/* exactly filling what is left, and once more past it */
	strbuf_reset(&sb);
	alloc = sb.alloc;
	strbuf_addf(&sb, "%0*d", (int)(alloc - 1), 7);
	check_sb(&sb);
	assert_int_equal(sb.len, alloc - 1);
	assert_int_equal(sb.buf[alloc - 2], '7');
	strbuf_addf(&sb, "%s", "tail");
	check_sb(&sb);
	assert_int_equal(sb.len, alloc + 3);
	assert_string_equal(sb.buf + alloc - 1, "tail");

	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s", "");
	check_sb(&sb);
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
	free(big);
}

static void test_strbuf_detach(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = 99;
	char *s;

	(void)state;
	/* a fresh buffer still hands out memory the caller can free */
	s = strbuf_detach(&sb, &len);
	assert_non_null(s);
	assert_ptr_not_equal(s, strbuf_empty);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	check_sb(&sb);

	strbuf_addstr(&sb, "owned by the caller");
	s = strbuf_detach(&sb, &len);
	assert_string_equal(s, "owned by the caller");
	assert_int_equal(len, strlen("owned by the caller"));
	/* the buffer is reset and usable again */
	check_sb(&sb);
	assert_int_equal(sb.len, 0);
	assert_int_equal(sb.alloc, 0);
	strbuf_addstr(&sb, "again");
	assert_string_equal(sb.buf, "again");
	assert_ptr_not_equal(sb.buf, s);
	free(s);
	s = strbuf_detach(&sb, NULL);
	assert_string_equal(s, "again");
	free(s);
}

static void test_strbuf_rtrim(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_rtrim(&sb); /* fresh buffer: must not write to the shared empty string */
	check_sb(&sb);

	strbuf_addstr(&sb, "  keep leading\tspace \t\r\n \n");
	strbuf_rtrim(&sb);
	check_sb(&sb);
	assert_string_equal(sb.buf, "  keep leading\tspace");
	assert_int_equal(sb.len, strlen("  keep leading\tspace"));

	strbuf_rtrim(&sb); /* nothing left to trim */
	assert_string_equal(sb.buf, "  keep leading\tspace");

	strbuf_reset(&sb);
	strbuf_addstr(&sb, " \n\t\r ");
	strbuf_rtrim(&sb);
	check_sb(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
}

/* Write len bytes of text to a fresh temp file; returns its path (free it). */
static char *temp_file(const char *text, size_t len)
{
	char *path = strdup("/tmp/fw-test-strbuf-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	return path;
}

static void test_strbuf_read_file(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = 3 * 4096 + 123; /* several read() chunks */
	char *text = malloc(n + 1), *path;
	size_t i;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < n; i++)
		text[i] = (char)('A' + i % 23);
	text[n] = '\0';
	path = temp_file(text, n);

	/* appends after what is there */
	strbuf_addstr(&sb, "head:");
	assert_int_equal(strbuf_read_file(&sb, path, 0), 0);
	check_sb(&sb);
	assert_int_equal(sb.len, 5 + n);
	assert_memory_equal(sb.buf, "head:", 5);
	assert_memory_equal(sb.buf + 5, text, n + 1);

	/* a limit of exactly the size is enough */
	strbuf_reset(&sb);
	assert_int_equal(strbuf_read_file(&sb, path, n), 0);
	assert_int_equal(sb.len, n);

	/* one byte over the limit: -EFBIG, buffer as it was */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "kept");
	assert_int_equal(strbuf_read_file(&sb, path, n - 1), -EFBIG);
	check_sb(&sb);
	assert_int_equal(sb.len, 4);
	assert_string_equal(sb.buf, "kept");
	assert_int_equal(strbuf_read_file(&sb, path, 10), -EFBIG);
	assert_string_equal(sb.buf, "kept");

	assert_int_equal(unlink(path), 0);
	assert_int_equal(strbuf_read_file(&sb, path, 0), -ENOENT);
	assert_string_equal(sb.buf, "kept");
	assert_int_equal(sb.len, 4);

	/* opens but cannot be read: the error comes from read() */
	assert_int_equal(strbuf_read_file(&sb, "/tmp", 0), -EISDIR);
	check_sb(&sb);
	assert_string_equal(sb.buf, "kept");
	strbuf_release(&sb);

	/* an empty file into a fresh buffer */
	free(path);
	path = temp_file("", 0);
	assert_int_equal(strbuf_read_file(&sb, path, 0), 0);
	check_sb(&sb);
	assert_int_equal(sb.len, 0);
	assert_int_equal(unlink(path), 0);
	strbuf_release(&sb);
	free(path);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf_init_is_printable),
		cmocka_unit_test(test_strbuf_growth),
		cmocka_unit_test(test_strbuf_grow_keeps_content),
		cmocka_unit_test(test_strbuf_grow_overflow_aborts),
		cmocka_unit_test(test_strbuf_addf),
		cmocka_unit_test(test_strbuf_detach),
		cmocka_unit_test(test_strbuf_rtrim),
		cmocka_unit_test(test_strbuf_read_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
