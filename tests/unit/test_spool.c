// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for collectors/spool.c: entries written whole and listed
 * oldest first, removal, rejection with a reason, stale temporary files,
 * names that keep the order of the puts when the clock steps back.
 */
#include <dirent.h>
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
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/spool.h"

struct fixture {
	char top[64];    /* scratch directory */
	char dir[128];   /* <top>/state/spool: spool_open() creates it */
	struct spool *sp;
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct strbuf err = STRBUF_INIT;

	if (!f)
		return -1;
	snprintf(f->top, sizeof(f->top), "/tmp/fw-test-spool-XXXXXX");
	if (!mkdtemp(f->top))
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/state/spool", f->top);
	if (spool_open(&f->sp, f->dir, &err)) {
		fprintf(stderr, "spool_open: %s\n", err.buf);
		return -1;
	}
	strbuf_release(&err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	spool_free(f->sp);
	nftw(f->top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

static void put(struct fixture *f, const char *uuid, const char *doc, struct strbuf *name)
{
	struct strbuf err = STRBUF_INIT;
	int ret = spool_put(f->sp, uuid, doc, strlen(doc), name, &err);

	if (ret)
		fail_msg("spool_put '%s': %d %s", uuid, ret, err.buf);
	strbuf_release(&err);
}

static int exists(const struct fixture *f, const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
	return access(path, F_OK) == 0;
}

static void assert_listed(struct fixture *f, const char *const *uuids, size_t n)
{
	struct spool_list l;
	size_t i;

	assert_int_equal(spool_list(f->sp, &l), 0);
	if (l.n != n)
		fail_msg("%zu entries listed, want %zu", l.n, n);
	for (i = 0; i < n; i++) {
		char want[96];

		snprintf(want, sizeof(want), "-%s.json", uuids[i]);
		if (strlen(l.names[i]) != 20 + strlen(want) || strcmp(l.names[i] + 20, want))
			fail_msg("entry %zu is '%s', want '<time>%s'", i, l.names[i], want);
	}
	spool_list_release(&l);
}

static void test_spool_open_creates_dirs(void **state)
{
	struct fixture *f = *state;
	char path[256];
	struct stat st;

	assert_string_equal(spool_dir(f->sp), f->dir);
	assert_int_equal(stat(f->dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/rejected", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
}

static void test_spool_put_list_read_remove(void **state)
{
	static const char *const all[] = { "aaaa-1", "cccc-2", "bbbb-3" };
	static const char *const two[] = { "aaaa-1", "bbbb-3" };
	struct fixture *f = *state;
	struct strbuf n1 = STRBUF_INIT, n2 = STRBUF_INIT, n3 = STRBUF_INIT, doc = STRBUF_INIT;
	char path[512];
	struct stat st;

	/* the order of the puts, not of the uuids */
	put(f, "aaaa-1", "{\"run_uuid\": \"aaaa-1\"}", &n1);
	put(f, "cccc-2", "{\"run_uuid\": \"cccc-2\"}", &n2);
	put(f, "bbbb-3", "{\"run_uuid\": \"bbbb-3\"}", &n3);
	assert_listed(f, all, 3);
	assert_true(strcmp(n1.buf, n2.buf) < 0 && strcmp(n2.buf, n3.buf) < 0);

	assert_int_equal(spool_read(f->sp, n2.buf, &doc), 0);
	assert_string_equal(doc.buf, "{\"run_uuid\": \"cccc-2\"}");
	snprintf(path, sizeof(path), "%s/%s", f->dir, n2.buf);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(spool_remove(f->sp, n2.buf), 0);
	assert_listed(f, two, 2);
	/* gone already (another process delivered it): not an error */
	assert_int_equal(spool_remove(f->sp, n2.buf), 0);
	strbuf_reset(&doc);
	assert_int_equal(spool_read(f->sp, n2.buf, &doc), -ENOENT);
	/* only entry names: no way out of the directory */
	assert_int_equal(spool_read(f->sp, "../../etc/passwd", &doc), -EINVAL);
	assert_int_equal(spool_remove(f->sp, "rejected"), -EINVAL);

	strbuf_release(&doc);
	strbuf_release(&n3);
	strbuf_release(&n2);
	strbuf_release(&n1);
}

static void test_spool_names_sort_by_time(void **state)
{
	static const char *const order[] = { "old", "new" };
	static const char *const later[] = { "old", "new", "future", "after" };
	struct fixture *f = *state;
	struct strbuf name = STRBUF_INIT;
	struct timespec ts;
	uint64_t now, t;
	char path[512];

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	/* an entry from long ago (1970): listed first */
	snprintf(path, sizeof(path), "%s/00000000000000000005-old.json", f->dir);
	write_file(path, "{}");
	put(f, "new", "{}", &name);
	assert_listed(f, order, 2);
	/* 20 digits of nanoseconds, about now */
	assert_int_equal(strlen(name.buf), 20 + strlen("-new.json"));
	t = spool_entry_time(name.buf);
	assert_true(t >= now && t < now + 60ull * 1000000000u);
	assert_int_equal(spool_entry_time("00000000000000000005-old.json"), 5);

	/* the clock stepped back: an entry dated 2540 is there; the next put still sorts last */
	snprintf(path, sizeof(path), "%s/18000000000000000000-future.json", f->dir);
	write_file(path, "{}");
	strbuf_reset(&name);
	put(f, "after", "{}", &name);
	assert_int_equal(spool_entry_time(name.buf), 18000000000000000001ull);
	assert_listed(f, later, 4);
	strbuf_release(&name);
}

static void test_spool_entry_names(void **state)
{
	static const struct {
		const char *name;
		uint64_t t;
	} cases[] = {
		{ "00000000000000000001-a.json", 1 },
		{ "01732712345123456789-0f1e2d3c-aaaa-4bbb-8ccc-0123456789ab.json", 1732712345123456789ull },
		{ "18446744073709551615-x.json", 18446744073709551615ull },
		{ "18446744073709551616-x.json", 0 },   /* overflows */
		{ "0000000000000000001-a.json", 0 },    /* 19 digits */
		{ "00000000000000000001_a.json", 0 },
		{ "00000000000000000001-.json", 0 },
		{ "00000000000000000001-a.json.tmp", 0 },
		{ "00000000000000000001-a b.json", 0 },
		{ "00000000000000000001-../x.json", 0 },
		{ ".tmp-123-0", 0 },
		{ "rejected", 0 },
		{ "", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (spool_entry_time(cases[i].name) != cases[i].t)
			fail_msg("'%s': time %llu, want %llu", cases[i].name,
				 (unsigned long long)spool_entry_time(cases[i].name),
				 (unsigned long long)cases[i].t);
}

static void test_spool_put_bad_uuid(void **state)
{
	static const char *const bad[] = { "", "../x", "a/b", "a b", "a.json", "ü",
		"0123456789012345678901234567890123456789012345678901234567890123456789" };
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&err);
		assert_int_equal(spool_put(f->sp, bad[i], "{}", 2, NULL, &err), -EINVAL);
		assert_non_null(strstr(err.buf, "run_uuid"));
	}
	assert_listed(f, NULL, 0);
	strbuf_release(&err);
}

static void test_spool_reject_keeps_doc_and_reason(void **state)
{
	static const char *const rest[] = { "keep" };
	struct fixture *f = *state;
	struct strbuf name = STRBUF_INIT, other = STRBUF_INIT, err = STRBUF_INIT, sb = STRBUF_INIT;
	char path[512];

	put(f, "bad", "{\"broken\": 1}", &name);
	put(f, "keep", "{}", &other);
	assert_int_equal(spool_reject(f->sp, name.buf, "HTTP 400: expected a UUID\n(field 'run_uuid')", &err), 0);
	assert_listed(f, rest, 1);
	snprintf(path, sizeof(path), "%s/rejected/%s", f->dir, name.buf);
	assert_int_equal(strbuf_read_file(&sb, path, 0), 0);
	assert_string_equal(sb.buf, "{\"broken\": 1}");
	strbuf_reset(&sb);
	snprintf(path, sizeof(path), "%s/rejected/%s.reason", f->dir, name.buf);
	assert_int_equal(strbuf_read_file(&sb, path, 0), 0);
	/* one line, whatever the server sent */
	assert_string_equal(sb.buf, "HTTP 400: expected a UUID (field 'run_uuid')\n");

	/* rejecting what is not an entry, or is gone, fails and says so */
	strbuf_reset(&err);
	assert_int_equal(spool_reject(f->sp, "../x", "r", &err), -EINVAL);
	assert_true(err.len > 0);
	strbuf_reset(&err);
	assert_int_equal(spool_reject(f->sp, name.buf, "again", &err), -ENOENT);
	assert_non_null(strstr(err.buf, name.buf));

	strbuf_release(&sb);
	strbuf_release(&err);
	strbuf_release(&other);
	strbuf_release(&name);
}

static void test_spool_stale_tmp_files(void **state)
{
	static const char *const one[] = { "real" };
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct timeval old[2] = { { 0, 0 }, { 0, 0 } };
	char dead[64], live[64], ancient[64], path[512];
	pid_t pid;

	/* a pid that surely is no process now: a child that has been reaped */
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	snprintf(dead, sizeof(dead), ".tmp-%d-0", (int)pid);
	snprintf(live, sizeof(live), ".tmp-%d-0", (int)getppid());
	snprintf(ancient, sizeof(ancient), ".tmp-%d-1", (int)getppid());
	snprintf(path, sizeof(path), "%s/%s", f->dir, dead);
	write_file(path, "{\"half\": ");
	snprintf(path, sizeof(path), "%s/%s", f->dir, live);
	write_file(path, "{\"being written\": ");
	snprintf(path, sizeof(path), "%s/%s", f->dir, ancient);
	write_file(path, "{");
	old[0].tv_sec = old[1].tv_sec = time(NULL) - 7200;
	assert_int_equal(utimes(path, old), 0);
	snprintf(path, sizeof(path), "%s/rejected/.tmp-%d-5", f->dir, (int)pid);
	write_file(path, "half a reason");
	/* neither entries nor temporary files: left alone, never listed */
	snprintf(path, sizeof(path), "%s/notes.txt", f->dir);
	write_file(path, "x");
	snprintf(path, sizeof(path), "%s/123-abc.json", f->dir);
	write_file(path, "{}");
	snprintf(path, sizeof(path), "%s/00000000000000000009-real.json", f->dir);
	write_file(path, "{}");

	/* temporary files are never listed */
	assert_listed(f, one, 1);

	/* the next open cleans what crashed writers left, not what a live one writes
	 * (the parent stands in for another live forkwatch) */
	spool_free(f->sp);
	f->sp = NULL;
	assert_int_equal(spool_open(&f->sp, f->dir, &err), 0);
	assert_false(exists(f, dead));
	assert_true(exists(f, live));
	assert_false(exists(f, ancient));
	snprintf(path, sizeof(path), "rejected/.tmp-%d-5", (int)pid);
	assert_false(exists(f, path));
	assert_true(exists(f, "notes.txt"));
	assert_true(exists(f, "123-abc.json"));
	assert_listed(f, one, 1);
	strbuf_release(&err);
}

static void test_spool_put_leaves_no_tmp(void **state)
{
	struct fixture *f = *state;
	struct dirent *de;
	DIR *d;
	int n = 0;

	put(f, "x1", "{}", NULL);
	put(f, "x2", "{}", NULL);
	d = opendir(f->dir);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, ".tmp-", 5))
			n++;
	closedir(d);
	assert_int_equal(n, 0);
}

static void test_spool_open_errors(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct spool *sp = NULL;
	char path[256];

	/* a file where the directory should be */
	snprintf(path, sizeof(path), "%s/file", f->top);
	write_file(path, "x");
	assert_true(spool_open(&sp, path, &err) < 0);
	assert_null(sp);
	assert_non_null(strstr(err.buf, path));
	strbuf_reset(&err);
	snprintf(path, sizeof(path), "%s/file/spool", f->top);
	assert_true(spool_open(&sp, path, &err) < 0);
	assert_null(sp);
	strbuf_release(&err);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_spool_open_creates_dirs),
		T(test_spool_put_list_read_remove),
		T(test_spool_names_sort_by_time),
		cmocka_unit_test(test_spool_entry_names),
		T(test_spool_put_bad_uuid),
		T(test_spool_reject_keeps_doc_and_reason),
		T(test_spool_stale_tmp_files),
		T(test_spool_put_leaves_no_tmp),
		T(test_spool_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
