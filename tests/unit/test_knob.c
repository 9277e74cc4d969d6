// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for collectors/knob.c: choice parsing and the knob journal,
 * with a temp directory standing in for /sys/kernel/mm/transparent_hugepage
 * and plain files for its knobs.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "collectors/knob.h"

#define TOP_TEXT "always [madvise] never\n"
#define MTHP_TEXT "always inherit madvise [never]\n"

/* A scratch tree: <dir>/thp is the prefix, <dir>/state the state directory. */
struct fixture {
	char dir[64];
	char prefix[128];
	char state[128];
	char journal[160];
	char top[160];     /* <prefix>/enabled */
	char mthp[192];    /* <prefix>/hugepages-64kB/enabled */
	char outside[160]; /* <dir>/outside: a file no journal may touch */
};

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

/* The whole content of path, in a buffer the caller releases. */
static void read_file(const char *path, struct strbuf *sb)
{
	strbuf_reset(sb);
	assert_int_equal(strbuf_read_file(sb, path, 0), 0);
}

static int file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void assert_choice(const char *path, const char *want)
{
	char val[64];

	assert_int_equal(knob_read_choice(path, val, sizeof(val)), 0);
	if (strcmp(val, want))
		fail_msg("%s: choice '%s', want '%s'", path, val, want);
}

/* The knob's file starts with word: what a write of word leaves behind. */
static void assert_starts(const char *path, const char *word)
{
	struct strbuf sb = STRBUF_INIT;

	read_file(path, &sb);
	if (strncmp(sb.buf, word, strlen(word)))
		fail_msg("%s holds '%s', want it to start with '%s'", path, sb.buf, word);
	strbuf_release(&sb);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char sub[160];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/fw-test-knob-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->prefix, sizeof(f->prefix), "%s/thp", f->dir);
	snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	snprintf(f->journal, sizeof(f->journal), "%s/knobs.journal", f->state);
	snprintf(f->top, sizeof(f->top), "%s/enabled", f->prefix);
	snprintf(sub, sizeof(sub), "%s/hugepages-64kB", f->prefix);
	snprintf(f->mthp, sizeof(f->mthp), "%s/enabled", sub);
	snprintf(f->outside, sizeof(f->outside), "%s/outside", f->dir);
	if (mkdir(f->prefix, 0700) || mkdir(sub, 0700))
		return -1;
	write_file(f->top, TOP_TEXT);
	write_file(f->mthp, MTHP_TEXT);
	write_file(f->outside, "untouched\n");
	*state = f;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void test_knob_parse_choice(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(knob_parse_choice("always inherit [madvise] never", out, sizeof(out)), 0);
	assert_string_equal(out, "madvise");
	assert_int_equal(knob_parse_choice("[never]", out, sizeof(out)), 0);
	assert_string_equal(out, "never");
	assert_int_equal(knob_parse_choice("[always] madvise never\n", out, sizeof(out)), 0);
	assert_string_equal(out, "always");
	/* a plain value is the whole trimmed text */
	assert_int_equal(knob_parse_choice("5", out, sizeof(out)), 0);
	assert_string_equal(out, "5");
	assert_int_equal(knob_parse_choice("  511\n", out, sizeof(out)), 0);
	assert_string_equal(out, "511");

	memset(out, 'x', sizeof(out));
	out[sizeof(out) - 1] = '\0';
	assert_int_equal(knob_parse_choice("[abc", out, sizeof(out)), -EINVAL);
	assert_int_equal(knob_parse_choice("always [] never", out, sizeof(out)), -EINVAL);
	assert_int_equal(knob_parse_choice("", out, sizeof(out)), -EINVAL);
	assert_int_equal(knob_parse_choice(" \n", out, sizeof(out)), -EINVAL);

	/*
	 * one word without control characters: a newline would tear the
	 * journal line that keeps the value (found by tests/fuzz/fuzz_knob)
	 */
	assert_int_equal(knob_parse_choice("[\t\n\xf8]", out, sizeof(out)), -EINVAL);
	assert_int_equal(knob_parse_choice("always [mad\nvise] never", out, sizeof(out)), -EINVAL);
	assert_int_equal(knob_parse_choice("[mad vise]", out, sizeof(out)), -EINVAL);
	assert_int_equal(knob_parse_choice("madvise\r\n", out, sizeof(out)), -EINVAL);
	assert_int_equal(knob_parse_choice("[a\x7f]", out, sizeof(out)), -EINVAL);

		/* at most len - 1 bytes: a longer choice is an error, not cut short */
	assert_int_equal(knob_parse_choice("[madvise]", out, 7), -EINVAL);
	assert_int_equal(knob_parse_choice("[madvise]", out, 8), 0);
	assert_string_equal(out, "madvise");
}

static void test_knob_read_choice(void **state)
{
	struct fixture *f = *state;
	char val[16], missing[192];

	assert_choice(f->top, "madvise");
	assert_choice(f->mthp, "never");
	snprintf(missing, sizeof(missing), "%s/no-such-knob", f->prefix);
	assert_int_equal(knob_read_choice(missing, val, sizeof(val)), -ENOENT);
	write_file(f->outside, "");
	assert_int_equal(knob_read_choice(f->outside, val, sizeof(val)), -EINVAL);
}

static void test_knob_open_creates_state_dir(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct knob_journal *kj = (void *)1;
	struct stat st;
	int restored = -1;

	assert_int_equal(knob_journal_open(&kj, f->state, f->prefix, &restored, &err), 0);
	assert_non_null(kj);
	assert_int_equal(restored, 0);
	assert_int_equal(err.len, 0);
	assert_int_equal(stat(f->state, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_false(file_exists(f->journal)); /* nothing changed yet: no journal */
	knob_journal_free(kj);
	strbuf_release(&err);
}

static void test_knob_open_errors(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct knob_journal *kj = (void *)1;
	char path[PATH_MAX + 16];
	int restored = -1;

	/* a state directory inside a regular file cannot be created */
	snprintf(path, sizeof(path), "%s/state", f->outside);
	assert_true(knob_journal_open(&kj, path, f->prefix, &restored, &err) < 0);
	assert_null(kj);
	assert_int_equal(restored, 0);
	assert_non_null(strstr(err.buf, path));

	strbuf_reset(&err);
	memset(path, 'a', PATH_MAX);
	path[0] = '/';
	path[PATH_MAX] = '\0';
	assert_int_equal(knob_journal_open(&kj, path, f->prefix, &restored, &err), -ENAMETOOLONG);
	assert_null(kj);
	assert_true(err.len > 0);
	strbuf_release(&err);
}

static void test_knob_set_journals_original(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT, want = STRBUF_INIT;
	struct knob_journal *kj;
	int restored;

	assert_int_equal(knob_journal_open(&kj, f->state, f->prefix, &restored, &err), 0);

	/* the value it already has: nothing written, nothing journaled */
	assert_int_equal(knob_set(kj, f->mthp, "never", &err), 0);
	assert_false(file_exists(f->journal));
	read_file(f->mthp, &sb);
	assert_string_equal(sb.buf, MTHP_TEXT);

	assert_int_equal(knob_set(kj, f->mthp, "madvise", &err), 0);
	assert_int_equal(err.len, 0);
	assert_starts(f->mthp, "madvise");
	read_file(f->journal, &sb);
	strbuf_addf(&want, "%s\tnever\n", f->mthp);
	assert_string_equal(sb.buf, want.buf);

	/* a second change of the same knob keeps the first original only */
	assert_int_equal(knob_set(kj, f->mthp, "always", &err), 0);
	assert_starts(f->mthp, "always");
	assert_int_equal(knob_set(kj, f->top, "never", &err), 0);
	assert_starts(f->top, "never");
	read_file(f->journal, &sb);
	strbuf_addf(&want, "%s\tmadvise\n", f->top);
	assert_string_equal(sb.buf, want.buf);

	/* restore writes every original back and drops the journal */
	assert_int_equal(knob_restore_all(kj), 0);
	assert_false(file_exists(f->journal));
	assert_starts(f->mthp, "never");
	assert_choice(f->mthp, "never");
	assert_starts(f->top, "madvise");
	assert_choice(f->top, "madvise");
	assert_int_equal(knob_restore_all(kj), 0); /* again: nothing left to do */
	knob_journal_free(kj);
	strbuf_release(&want);
	strbuf_release(&sb);
	strbuf_release(&err);
}

/*
 * BUG (collectors/knob.c:83, write_knob): the knob is opened O_WRONLY
 * without O_TRUNC, so writing "madvise" over "always inherit madvise
 * [never]\n" leaves "madviseinherit madvise [never]\n" behind; the choice
 * read back is still "never", and restoring "never" over "madvise" gives
 * "nevere".  sysfs ignores the old content, but any regular file standing
 * in for a knob (tests, a fake prefix) keeps a corrupted value.
 */
static void test_knob_set_replaces_content(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT;
	struct knob_journal *kj;
	int restored;

	assert_int_equal(knob_journal_open(&kj, f->state, f->prefix, &restored, &err), 0);
	assert_int_equal(knob_set(kj, f->mthp, "madvise", &err), 0);
	assert_choice(f->mthp, "madvise");
	read_file(f->mthp, &sb);
	assert_string_equal(sb.buf, "madvise");
	assert_int_equal(knob_restore_all(kj), 0);
	read_file(f->mthp, &sb);
	assert_string_equal(sb.buf, "never");
	assert_choice(f->mthp, "never");
	knob_journal_free(kj);
	strbuf_release(&sb);
	strbuf_release(&err);
}

static void test_knob_set_refuses_outside_prefix(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT;
	struct knob_journal *kj;
	char path[256], sibling[192];
	int restored;

	assert_int_equal(knob_journal_open(&kj, f->state, f->prefix, &restored, &err), 0);

	assert_int_equal(knob_set(kj, f->outside, "never", &err), -EPERM);
	assert_non_null(strstr(err.buf, f->outside));

	/* climbing out of the prefix is outside it too */
	snprintf(path, sizeof(path), "%s/../outside", f->prefix);
	strbuf_reset(&err);
	assert_int_equal(knob_set(kj, path, "never", &err), -EPERM);
	assert_true(err.len > 0);

	/* a sibling whose name merely starts with the prefix */
	snprintf(sibling, sizeof(sibling), "%s2", f->prefix);
	assert_int_equal(mkdir(sibling, 0700), 0);
	snprintf(path, sizeof(path), "%s/enabled", sibling);
	write_file(path, TOP_TEXT);
	strbuf_reset(&err);
	assert_int_equal(knob_set(kj, path, "never", &err), -EPERM);
	/* the prefix directory itself is no knob under it */
	strbuf_reset(&err);
	assert_int_equal(knob_set(kj, f->prefix, "never", &err), -EPERM);
	snprintf(path, sizeof(path), "%s/..", f->prefix);
	strbuf_reset(&err);
	assert_int_equal(knob_set(kj, path, "never", &err), -EPERM);
	snprintf(path, sizeof(path), "%s/enabled", sibling);

	read_file(f->outside, &sb);
	assert_string_equal(sb.buf, "untouched\n");
	read_file(path, &sb);
	assert_string_equal(sb.buf, TOP_TEXT);
	assert_false(file_exists(f->journal));

	/* a knob that does not exist is an error, and nothing is journaled */
	snprintf(path, sizeof(path), "%s/no-such-knob", f->prefix);
	strbuf_reset(&err);
	assert_int_equal(knob_set(kj, path, "never", &err), -ENOENT);
	assert_non_null(strstr(err.buf, path));
	assert_false(file_exists(f->journal));
	knob_journal_free(kj);
	strbuf_release(&sb);
	strbuf_release(&err);
}

static void test_knob_free_restores(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct knob_journal *kj;
	int restored;

	assert_int_equal(knob_journal_open(&kj, f->state, f->prefix, &restored, &err), 0);
	assert_int_equal(knob_set(kj, f->mthp, "always", &err), 0);
	assert_starts(f->mthp, "always");
	knob_journal_free(kj);
	assert_starts(f->mthp, "never");
	assert_choice(f->mthp, "never");
	assert_false(file_exists(f->journal));
	knob_journal_free(NULL);
	strbuf_release(&err);
}

/* A forkwatch that dies without restoring: the next open restores for it. */
static void test_knob_crash_then_open_restores(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct knob_journal *kj;
	int restored = -1, status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct knob_journal *child;
		int r;

		if (knob_journal_open(&child, f->state, f->prefix, &r, &err) ||
		    knob_set(child, f->mthp, "madvise", &err) ||
		    knob_set(child, f->top, "never", &err))
			_exit(1);
		_exit(0); /* killed: no knob_journal_free */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_starts(f->mthp, "madvise");
	assert_starts(f->top, "never");
	assert_true(file_exists(f->journal));

	assert_int_equal(knob_journal_open(&kj, f->state, f->prefix, &restored, &err), 0);
	assert_int_equal(restored, 2);
	assert_starts(f->mthp, "never");
	assert_choice(f->mthp, "never");
	assert_starts(f->top, "madvise");
	assert_choice(f->top, "madvise");
	assert_false(file_exists(f->journal));
	knob_journal_free(kj);

	/* and only once */
	assert_int_equal(knob_journal_open(&kj, f->state, f->prefix, &restored, &err), 0);
	assert_int_equal(restored, 0);
	knob_journal_free(kj);
	strbuf_release(&err);
}

/* Open the journal in a child; its exit status is 0 for ok, 1 for -EBUSY. */
static int open_in_child(const struct fixture *f)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct strbuf err = STRBUF_INIT;
		struct knob_journal *kj;
		int r, ret = knob_journal_open(&kj, f->state, f->prefix, &r, &err);

		if (ret == -EBUSY)
			_exit(kj == NULL && strstr(err.buf, "another forkwatch") ? 1 : 3);
		_exit(ret ? 2 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_knob_lock_busy(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct knob_journal *kj;
	int restored;

	assert_int_equal(knob_journal_open(&kj, f->state, f->prefix, &restored, &err), 0);
	assert_int_equal(knob_set(kj, f->mthp, "madvise", &err), 0);
	assert_int_equal(open_in_child(f), 1);
	/* the refused opener restored nothing behind the holder's back */
	assert_starts(f->mthp, "madvise");
	assert_true(file_exists(f->journal));
	knob_journal_free(kj);
	assert_int_equal(open_in_child(f), 0);
	strbuf_release(&err);
}

static void test_knob_torn_journal(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT, j = STRBUF_INIT, sb = STRBUF_INIT;
	struct knob_journal *kj;
	int restored = -1;

	assert_int_equal(mkdir(f->state, 0700), 0);
	write_file(f->mthp, "always inherit [madvise] never\n");
	write_file(f->top, "[always] madvise never\n");
	/* the last line was cut by the crash while it was being written */
	strbuf_addf(&j, "%s\tnever\n%s\tmadv", f->mthp, f->top);
	write_file(f->journal, j.buf);

	assert_int_equal(knob_journal_open(&kj, f->state, f->prefix, &restored, &err), 0);
	assert_int_equal(restored, 1);
	assert_starts(f->mthp, "never");
	read_file(f->top, &sb);
	assert_string_equal(sb.buf, "[always] madvise never\n");
	assert_false(file_exists(f->journal));
	knob_journal_free(kj);

	/* a journal of nothing but a torn line: nothing to restore, and it goes */
	strbuf_reset(&j);
	strbuf_addf(&j, "%s\tnev", f->mthp);
	write_file(f->journal, j.buf);
	assert_int_equal(knob_journal_open(&kj, f->state, f->prefix, &restored, &err), 0);
	assert_int_equal(restored, 0);
	assert_false(file_exists(f->journal));
	assert_starts(f->mthp, "never");
	knob_journal_free(kj);
	strbuf_release(&sb);
	strbuf_release(&j);
	strbuf_release(&err);
}

/* The journal's text: what is kept of it, without the files. */
static void test_knob_journal_parse(void **state)
{
	static const char text[] =
		"/thp/enabled\tmadvise\n"
		"/thp/..\tx\n"                     /* the directory above */
		"/thp/a/../../etc/passwd\tx\n"
		"/thpx/enabled\tx\n"               /* not under /thp/ */
		"/thp/hugepages-64kB/enabled\tinherit\n"
		"/thp/defrag\t\n"                  /* no value */
		"/thp/defrag\tnever";               /* torn: no newline */
	struct knob_entry e[KNOB_MAX];

	(void)state;
	assert_int_equal(knob_journal_parse(text, sizeof(text) - 1, "/thp", e, KNOB_MAX), 2);
	assert_string_equal(e[0].path, "/thp/enabled");
	assert_string_equal(e[0].orig, "madvise");
	assert_string_equal(e[1].path, "/thp/hugepages-64kB/enabled");
	assert_string_equal(e[1].orig, "inherit");
	/* at most max, and a NUL byte ends the text */
	assert_int_equal(knob_journal_parse(text, sizeof(text) - 1, "/thp", e, 1), 1);
	assert_int_equal(knob_journal_parse("/thp/a\tb\n\0/thp/c\td\n", 19, "/thp", e, KNOB_MAX), 1);
}

/* Other places (--tune's): directories with a trailing '/', single files exactly. */
static void test_knob_journal_parse_in(void **state)
{
	static const char *const also[] = { "/damon/", "/ksm/run", NULL };
	static const char text[] =
		"/thp/enabled\tmadvise\n"
		"/damon/0/state\ton\n"
		"/damon/..\tx\n"                  /* the directory above */
		"/damon/0/../../etc/passwd\tx\n"
		"/damon\tx\n"                     /* the directory itself */
		"/damonx/0/state\tx\n"
		"/ksm/run\t1\n"
		"/ksm/run/x\t1\n"                 /* a file is not a directory */
		"/ksm/runx\t1\n"
		"/ksm/pages_to_scan\t1\n";
	struct knob_entry e[KNOB_MAX];

	(void)state;
	assert_int_equal(knob_journal_parse_in(text, sizeof(text) - 1, "/thp", also, e, KNOB_MAX), 3);
	assert_string_equal(e[0].path, "/thp/enabled");
	assert_string_equal(e[1].path, "/damon/0/state");
	assert_string_equal(e[1].orig, "on");
	assert_string_equal(e[2].path, "/ksm/run");
	/* without the places, only the prefix */
	assert_int_equal(knob_journal_parse_in(text, sizeof(text) - 1, "/thp", NULL, e, KNOB_MAX), 1);
}

/* knob_set() writes in the other places, and nowhere else; the next open restores them. */
static void test_knob_set_other_places(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct knob_journal *kj;
	char dir[160], knob[192], file[160];
	const char *also[] = { dir, file, NULL };
	int restored;

	snprintf(dir, sizeof(dir), "%s/damon/", f->dir);
	snprintf(knob, sizeof(knob), "%s/damon/state", f->dir);
	snprintf(file, sizeof(file), "%s/run", f->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_file(knob, "on\n");
	write_file(file, "1\n");
	assert_int_equal(knob_journal_open_in(&kj, f->state, f->prefix, also, &restored, &err), 0);
	assert_int_equal(knob_set(kj, knob, "off", &err), 0);
	assert_int_equal(knob_set(kj, file, "0", &err), 0);
	assert_int_equal(knob_set(kj, f->outside, "x", &err), -EPERM);
	assert_starts(knob, "off");
	assert_starts(file, "0");
	/* the journal holds both, for a start after a SIGKILL to restore */
	{
		struct strbuf j = STRBUF_INIT;

		read_file(f->journal, &j);
		assert_non_null(strstr(j.buf, knob));
		assert_non_null(strstr(j.buf, file));
		strbuf_release(&j);
	}
	knob_journal_free(kj);
	assert_starts(knob, "on");
	assert_starts(file, "1");
	strbuf_release(&err);
}

/* A damaged or hostile journal cannot make it write outside the prefix. */
static void test_knob_hostile_journal(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT, j = STRBUF_INIT, sb = STRBUF_INIT;
	struct knob_journal *kj;
	int restored = -1;

	assert_int_equal(mkdir(f->state, 0700), 0);
	write_file(f->mthp, "[always] inherit madvise never\n");
	strbuf_addf(&j, "%s\tpwned\n", f->outside);
	strbuf_addf(&j, "%s/../outside\tpwned\n", f->prefix);
	strbuf_addf(&j, "%s/..\tpwned\n", f->prefix);     /* the directory above (fuzz_knob) */
	strbuf_addf(&j, "%s\t\n", f->top);               /* no value */
	strbuf_addf(&j, "%s never\n", f->top);           /* no tab */
	strbuf_addf(&j, "\n");
	strbuf_addf(&j, "%s\tnever\n", f->mthp);         /* the one good line */
	write_file(f->journal, j.buf);

	assert_int_equal(knob_journal_open(&kj, f->state, f->prefix, &restored, &err), 0);
	assert_int_equal(restored, 1);
	read_file(f->outside, &sb);
	assert_string_equal(sb.buf, "untouched\n");
	read_file(f->top, &sb);
	assert_string_equal(sb.buf, TOP_TEXT);
	assert_starts(f->mthp, "never");
	assert_false(file_exists(f->journal));
	knob_journal_free(kj);
	strbuf_release(&sb);
	strbuf_release(&j);
	strbuf_release(&err);
}

/* A restore that fails keeps the journal, so that the next start tries again. */
static void test_knob_failed_restore_keeps_journal(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT;
	struct knob_journal *kj;
	int restored;

	assert_int_equal(knob_journal_open(&kj, f->state, f->prefix, &restored, &err), 0);
	assert_int_equal(knob_set(kj, f->mthp, "madvise", &err), 0);
	assert_int_equal(knob_set(kj, f->top, "never", &err), 0);
	assert_int_equal(unlink(f->mthp), 0); /* the knob went away */
	assert_int_equal(knob_restore_all(kj), -ENOENT);
	assert_true(file_exists(f->journal));
	assert_starts(f->top, "madvise"); /* the others are still written back */

	write_file(f->mthp, "always inherit [madvise] never\n");
	assert_int_equal(knob_restore_all(kj), 0);
	assert_starts(f->mthp, "never");
	assert_false(file_exists(f->journal));
	knob_journal_free(kj);
	strbuf_release(&err);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_knob_parse_choice),
		cmocka_unit_test(test_knob_journal_parse),
		cmocka_unit_test(test_knob_journal_parse_in),
		T(test_knob_set_other_places),
		T(test_knob_read_choice),
		T(test_knob_open_creates_state_dir),
		T(test_knob_open_errors),
		T(test_knob_set_journals_original),
		T(test_knob_set_replaces_content),
		T(test_knob_set_refuses_outside_prefix),
		T(test_knob_free_restores),
		T(test_knob_crash_then_open_restores),
		T(test_knob_lock_busy),
		T(test_knob_torn_journal),
		T(test_knob_hostile_journal),
		T(test_knob_failed_restore_keeps_journal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
