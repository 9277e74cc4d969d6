// SPDX-License-Identifier: GPL-2.0
#include "collectors/knob.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fileio.h"

struct knob_journal {
	char journal[KNOB_PATH_MAX + 32];
	char prefix[KNOB_PATH_MAX];
	char also[KNOB_ALSO_MAX + 1][KNOB_PATH_MAX];
	const char *also_list[KNOB_ALSO_MAX + 1]; /* NULL-terminated, into also */
	int lock_fd;
	int prefix_fd;  /* the knobs' directory, flocked: one benchmark per machine */
	int n;
	struct knob_entry e[KNOB_MAX];
};

int knob_parse_choice(const char *text, char *out, unsigned long len)
{
	const char *l = strchr(text, '['), *r;
	size_t n, i;

	if (l) {
		r = strchr(l, ']');
		if (!r)
			return -EINVAL;
		l++;
	} else {
		l = text;
		while (*l == ' ' || *l == '\t')
			l++;
		r = l + strcspn(l, " \t\n");
	}
	n = (size_t)(r - l);
	if (n == 0 || n >= len)
		return -EINVAL;
	/* one word: a newline in it would tear the journal line that keeps it */
	for (i = 0; i < n; i++)
		if ((unsigned char)l[i] <= ' ' || l[i] == 0x7f)
			return -EINVAL;
	memcpy(out, l, n);
	out[n] = '\0';
	return 0;
}

int knob_read_choice(const char *path, char *out, unsigned long len)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = strbuf_read_file(&sb, path, 4096);

	if (!ret)
		ret = knob_parse_choice(sb.buf, out, len);
	strbuf_release(&sb);
	return ret;
}

static int write_knob(const char *path, const char *value)
{
	/* O_TRUNC: what "echo value > knob" does, and right for a plain file too */
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = fileio_write_all(fd, value, strlen(value));
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

static int under_prefix(const char *prefix, const char *path)
{
	size_t n = strlen(prefix), len = strlen(path);

	/* no ".." anywhere: "<prefix>/.." is the directory above */
	return !strncmp(path, prefix, n) && path[n] == '/' && !strstr(path, "/../") &&
	       !(len >= 3 && !strcmp(path + len - 3, "/.."));
}

/* Whether path lies in one of the other places: "DIR/" and below, or a file exactly. */
static int in_also(const char *const *also, const char *path)
{
	for (; also && *also; also++) {
		size_t n = strlen(*also);

		if (n > 1 && (*also)[n - 1] == '/') {
			char dir[KNOB_PATH_MAX];

			snprintf(dir, sizeof(dir), "%.*s", (int)(n - 1), *also);
			if (under_prefix(dir, path))
				return 1;
		} else if (!strcmp(path, *also)) {
			return 1;
		}
	}
	return 0;
}

static int allowed(const char *prefix, const char *const *also, const char *path)
{
	return under_prefix(prefix, path) || in_also(also, path);
}

int knob_journal_parse(const char *text, size_t len, const char *prefix, struct knob_entry *e,
		       int max)
{
	return knob_journal_parse_in(text, len, prefix, NULL, e, max);
}

int knob_journal_parse_in(const char *text, size_t len, const char *prefix,
			  const char *const *also, struct knob_entry *e, int max)
{
	struct strbuf sb = STRBUF_INIT;
	char *line, *next;
	int n = 0;

	strbuf_add(&sb, text, len);
	for (line = sb.buf; (next = strchr(line, '\n')); line = next + 1) {
		char *tab;

		*next = '\0';
		tab = strchr(line, '\t');
		if (!tab || n == max)
			continue;
		*tab = '\0';
		if (strlen(line) >= KNOB_PATH_MAX || strlen(tab + 1) >= KNOB_VAL_MAX ||
		    !allowed(prefix, also, line) || !*(tab + 1))
			continue;
		snprintf(e[n].path, KNOB_PATH_MAX, "%s", line);
		snprintf(e[n].orig, KNOB_VAL_MAX, "%s", tab + 1);
		n++;
	}
	strbuf_release(&sb);
	return n;
}

/* Load a leftover journal. */
static int journal_load(struct knob_journal *kj)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = strbuf_read_file(&sb, kj->journal, 1 << 20);

	kj->n = 0;
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	kj->n = knob_journal_parse_in(sb.buf, sb.len, kj->prefix, kj->also_list, kj->e, KNOB_MAX);
	strbuf_release(&sb);
	return 0;
}

int knob_restore_all(struct knob_journal *kj)
{
	int i, ret = 0;

	for (i = kj->n - 1; i >= 0; i--) {
		int r = write_knob(kj->e[i].path, kj->e[i].orig);

		if (r && !ret)
			ret = r;
	}
	if (ret)
		return ret;
	if (unlink(kj->journal) && errno != ENOENT)
		return -errno;
	fileio_fsync_parent(kj->journal);
	kj->n = 0;
	return 0;
}

int knob_journal_open(struct knob_journal **out, const char *state_dir, const char *prefix,
		      int *restored, struct strbuf *err)
{
	return knob_journal_open_in(out, state_dir, prefix, NULL, restored, err);
}

int knob_journal_open_in(struct knob_journal **out, const char *state_dir, const char *prefix,
			 const char *const *also, int *restored, struct strbuf *err)
{
	struct knob_journal *kj;
	char lock[KNOB_PATH_MAX + 32];
	int ret, i;

	*out = NULL;
	*restored = 0;
	if (strlen(state_dir) >= KNOB_PATH_MAX || strlen(prefix) >= KNOB_PATH_MAX) {
		strbuf_addf(err, "state directory '%s': path too long", state_dir);
		return -ENAMETOOLONG;
	}
	for (i = 0; also && also[i]; i++) {
		if (i == KNOB_ALSO_MAX || strlen(also[i]) >= KNOB_PATH_MAX) {
			strbuf_addf(err, "knob place '%s': too many places or path too long", also[i]);
			return -ENAMETOOLONG;
		}
	}
	kj = calloc(1, sizeof(*kj));
	if (!kj)
		return -ENOMEM;
	for (i = 0; also && also[i]; i++) {
		snprintf(kj->also[i], KNOB_PATH_MAX, "%s", also[i]);
		kj->also_list[i] = kj->also[i];
	}
	kj->also_list[i] = NULL;
	kj->prefix_fd = -1;
	snprintf(kj->journal, sizeof(kj->journal), "%s/knobs.journal", state_dir);
	snprintf(kj->prefix, sizeof(kj->prefix), "%s", prefix);
	snprintf(lock, sizeof(lock), "%s/lock", state_dir);
	if (mkdir(state_dir, 0700) && errno != EEXIST) {
		ret = -errno;
		strbuf_addf(err, "cannot create state directory '%s': %s", state_dir, strerror(-ret));
		goto out_free;
	}
	kj->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (kj->lock_fd < 0) {
		ret = -errno;
		strbuf_addf(err, "cannot open '%s': %s", lock, strerror(-ret));
		goto out_free;
	}
	if (flock(kj->lock_fd, LOCK_EX | LOCK_NB)) {
		ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		strbuf_addf(err, "another forkwatch holds '%s': wait for it to finish", lock);
		goto out_close;
	}
	/*
	 * The knobs are the machine's, whatever state directory a run uses:
	 * two benchmarks would change them under each other.
	 */
	kj->prefix_fd = open(prefix, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (kj->prefix_fd >= 0 && flock(kj->prefix_fd, LOCK_EX | LOCK_NB)) {
		ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		strbuf_addf(err, "another forkwatch is benchmarking on this machine (it holds '%s'): "
			    "wait for it to finish", prefix);
		goto out_close;
	}
	ret = journal_load(kj);
	if (ret) {
		strbuf_addf(err, "cannot read '%s': %s", kj->journal, strerror(-ret));
		goto out_close;
	}
	if (kj->n) {
		*restored = kj->n;
		ret = knob_restore_all(kj);
		if (ret) {
			strbuf_addf(err, "cannot restore the knobs listed in '%s': %s",
				    kj->journal, strerror(-ret));
			goto out_close;
		}
	} else {
		/* an empty or fully torn journal: nothing was changed */
		unlink(kj->journal);
	}
	*out = kj;
	return 0;

out_close:
	if (kj->prefix_fd >= 0)
		close(kj->prefix_fd);
	close(kj->lock_fd);
out_free:
	free(kj);
	return ret;
}

static int journal_append(struct knob_journal *kj, const char *path, const char *orig)
{
	char line[KNOB_PATH_MAX + KNOB_VAL_MAX + 4];
	int fd, ret, created;

	created = access(kj->journal, F_OK) != 0;
	fd = open(kj->journal, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	snprintf(line, sizeof(line), "%s\t%s\n", path, orig);
	ret = fileio_write_all(fd, line, strlen(line));
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && created)
		fileio_fsync_parent(kj->journal);
	return ret;
}

int knob_set(struct knob_journal *kj, const char *path, const char *value, struct strbuf *err)
{
	char cur[KNOB_VAL_MAX];
	int i, ret;

	if (!allowed(kj->prefix, kj->also_list, path) || strlen(path) >= KNOB_PATH_MAX) {
		strbuf_addf(err, "refusing to write knob '%s' outside '%s' and forkwatch's other knobs",
			    path, kj->prefix);
		return -EPERM;
	}
	if (strlen(value) >= KNOB_VAL_MAX) {
		strbuf_addf(err, "knob value for '%s' too long (%zu bytes, at most %d)", path,
			    strlen(value), KNOB_VAL_MAX - 1);
		return -EINVAL;
	}
	ret = knob_read_choice(path, cur, sizeof(cur));
	if (ret) {
		strbuf_addf(err, "cannot read '%s': %s", path, strerror(-ret));
		return ret;
	}
	if (!strcmp(cur, value))
		return 0;
	for (i = 0; i < kj->n; i++)
		if (!strcmp(kj->e[i].path, path))
			break;
	if (i == kj->n) {
		if (kj->n == KNOB_MAX) {
			strbuf_addf(err, "too many knobs changed (at most %d)", KNOB_MAX);
			return -ENOSPC;
		}
		ret = journal_append(kj, path, cur);
		if (ret) {
			strbuf_addf(err, "cannot journal '%s' in '%s': %s", path, kj->journal,
				    strerror(-ret));
			return ret;
		}
		snprintf(kj->e[kj->n].path, KNOB_PATH_MAX, "%s", path);
		snprintf(kj->e[kj->n].orig, KNOB_VAL_MAX, "%s", cur);
		kj->n++;
	}
	ret = write_knob(path, value);
	if (ret)
		strbuf_addf(err, "cannot write '%s' to '%s': %s", value, path, strerror(-ret));
	return ret;
}

void knob_journal_free(struct knob_journal *kj)
{
	if (!kj)
		return;
	knob_restore_all(kj);
	if (kj->prefix_fd >= 0)
		close(kj->prefix_fd);
	close(kj->lock_fd);
	free(kj);
}
