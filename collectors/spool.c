// SPDX-License-Identifier: GPL-2.0
#include "collectors/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/array.h"
#include "lib/fileio.h"

#define SPOOL_TIME_DIGITS 20
#define SPOOL_UUID_MAX 64
#define SPOOL_TMP_PREFIX ".tmp-"
#define SPOOL_REJECTED "rejected"
#define SPOOL_MAX_DOC (64u << 20)
/* a temporary file this old is stale even if its pid now names a live process */
#define SPOOL_TMP_STALE_S 3600

struct spool {
	struct strbuf dir;
	struct strbuf rejected;
	unsigned seq; /* makes temporary names unique within the process */
};

const char *spool_dir(const struct spool *sp)
{
	return sp->dir.buf;
}

int spool_valid_uuid(const char *u)
{
	size_t n = strlen(u), i;

	if (!n || n > SPOOL_UUID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((u[i] >= '0' && u[i] <= '9') || (u[i] >= 'a' && u[i] <= 'z') ||
		      (u[i] >= 'A' && u[i] <= 'Z') || u[i] == '-'))
			return 0;
	return 1;
}

uint64_t spool_entry_time(const char *name)
{
	size_t n = strlen(name), i;
	char uuid[SPOOL_UUID_MAX + 1];
	uint64_t t = 0;

	if (n < SPOOL_TIME_DIGITS + 1 + 1 + 5 || name[SPOOL_TIME_DIGITS] != '-' ||
	    strcmp(name + n - 5, ".json"))
		return 0;
	for (i = 0; i < SPOOL_TIME_DIGITS; i++) {
		unsigned d;

		if (name[i] < '0' || name[i] > '9')
			return 0;
		d = (unsigned)(name[i] - '0');
		if (t > (UINT64_MAX - d) / 10)
			return 0;
		t = t * 10 + d;
	}
	n -= SPOOL_TIME_DIGITS + 1 + 5;
	if (n > SPOOL_UUID_MAX)
		return 0;
	memcpy(uuid, name + SPOOL_TIME_DIGITS + 1, n);
	uuid[n] = '\0';
	return spool_valid_uuid(uuid) ? t : 0;
}

/* mkdir -p with mode 0700 for what it creates; an existing directory is kept as it is. */
static int mkdir_p(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	size_t i;
	int ret = 0;

	strbuf_addstr(&sb, path);
	for (i = 1; i <= sb.len; i++) {
		if (sb.buf[i] != '/' && sb.buf[i] != '\0')
			continue;
		sb.buf[i] = '\0';
		if (mkdir(sb.buf, 0700) && errno != EEXIST) {
			ret = -errno;
			break;
		}
		if (i < sb.len)
			sb.buf[i] = '/';
	}
	if (!ret && (stat(path, &st) || !S_ISDIR(st.st_mode)))
		ret = -ENOTDIR;
	strbuf_release(&sb);
	return ret;
}

/*
 * dir/name := data, all or nothing: a temporary file in dir, fsync,
 * rename, fsync of dir.  The temporary file is gone on every return.
 */
static int write_durable(struct spool *sp, const char *dir, const char *name, const char *data,
			 size_t len, struct strbuf *err)
{
	struct strbuf tmp = STRBUF_INIT, path = STRBUF_INIT;
	int fd, ret;

	strbuf_addf(&path, "%s/%s", dir, name);
	do {
		strbuf_reset(&tmp);
		strbuf_addf(&tmp, "%s/" SPOOL_TMP_PREFIX "%d-%u", dir, (int)getpid(), sp->seq++);
		fd = open(tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	} while (fd < 0 && errno == EEXIST && sp->seq < 1000);
	if (fd < 0) {
		ret = -errno;
		strbuf_addf(err, "cannot create '%s': %s", tmp.buf, strerror(-ret));
		goto out;
	}
	ret = fileio_commit(fd, tmp.buf, path.buf, data, len, err);
out:
	strbuf_release(&path);
	strbuf_release(&tmp);
	return ret;
}

/* A temporary file whose writer has exited (or that is very old) is left from a crash. */
static int tmp_is_stale(int dfd, const char *name)
{
	struct stat st;
	long pid = strtol(name + strlen(SPOOL_TMP_PREFIX), NULL, 10);

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return 0;
	if (time(NULL) - st.st_mtime > SPOOL_TMP_STALE_S)
		return 1;
	/* our own pid: a crashed run before a reboot had it; this process has written nothing yet */
	if (pid <= 0 || pid == (long)getpid())
		return 1;
	return kill((pid_t)pid, 0) && errno == ESRCH;
}

static void clean_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, SPOOL_TMP_PREFIX, strlen(SPOOL_TMP_PREFIX)) &&
		    tmp_is_stale(dirfd(d), de->d_name))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

int spool_open(struct spool **out, const char *dir, struct strbuf *err)
{
	struct spool *sp;
	int ret;

	*out = NULL;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	strbuf_init(&sp->dir, 0);
	strbuf_init(&sp->rejected, 0);
	strbuf_addstr(&sp->dir, dir);
	while (sp->dir.len > 1 && sp->dir.buf[sp->dir.len - 1] == '/')
		sp->dir.buf[--sp->dir.len] = '\0';
	strbuf_addf(&sp->rejected, "%s/" SPOOL_REJECTED, sp->dir.buf);
	ret = mkdir_p(sp->dir.buf);
	if (!ret)
		ret = mkdir_p(sp->rejected.buf);
	if (ret) {
		strbuf_addf(err, "cannot create spool directory '%s': %s", sp->rejected.buf, strerror(-ret));
		spool_free(sp);
		return ret;
	}
	clean_tmp(sp->dir.buf);
	clean_tmp(sp->rejected.buf);
	*out = sp;
	return 0;
}

void spool_free(struct spool *sp)
{
	if (!sp)
		return;
	strbuf_release(&sp->dir);
	strbuf_release(&sp->rejected);
	free(sp);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int spool_list(struct spool *sp, struct spool_list *list)
{
	DIR *d = opendir(sp->dir.buf);
	struct dirent *de;
	size_t alloc = 0;
	int ret = 0;

	list->names = NULL;
	list->n = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!spool_entry_time(de->d_name))
			continue;
		if (array_reserve((void **)&list->names, &alloc, list->n, sizeof(*list->names))) {
			ret = -ENOMEM;
			break;
		}
		list->names[list->n] = strdup(de->d_name);
		if (!list->names[list->n]) {
			ret = -ENOMEM;
			break;
		}
		list->n++;
	}
	closedir(d);
	if (ret) {
		spool_list_release(list);
		return ret;
	}
	/* fixed-width times: the names' order is the time order */
	if (list->n)
		qsort(list->names, list->n, sizeof(*list->names), cmp_names);
	return 0;
}

void spool_list_release(struct spool_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		free(list->names[i]);
	free(list->names);
	list->names = NULL;
	list->n = 0;
}

int spool_put(struct spool *sp, const char *run_uuid, const char *doc, size_t len,
	      struct strbuf *name, struct strbuf *err)
{
	struct spool_list list;
	struct strbuf entry = STRBUF_INIT;
	struct timespec ts;
	uint64_t t, newest = 0;
	int ret;

	if (!spool_valid_uuid(run_uuid)) {
		strbuf_addf(err, "run_uuid '%.80s': expected 1 to 64 letters, digits or '-'", run_uuid);
		return -EINVAL;
	}
	ret = spool_list(sp, &list);
	if (ret) {
		strbuf_addf(err, "cannot list spool directory '%s': %s", sp->dir.buf, strerror(-ret));
		return ret;
	}
	if (list.n)
		newest = spool_entry_time(list.names[list.n - 1]);
	spool_list_release(&list);
	clock_gettime(CLOCK_REALTIME, &ts);
	t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (t <= newest)
		t = newest + 1;
	strbuf_addf(&entry, "%0*llu-%s.json", SPOOL_TIME_DIGITS, (unsigned long long)t, run_uuid);
	ret = write_durable(sp, sp->dir.buf, entry.buf, doc, len, err);
	if (!ret && name)
		strbuf_addstr(name, entry.buf);
	strbuf_release(&entry);
	return ret;
}

int spool_read(struct spool *sp, const char *name, struct strbuf *doc)
{
	struct strbuf path = STRBUF_INIT;
	int ret;

	if (!spool_entry_time(name))
		return -EINVAL;
	strbuf_addf(&path, "%s/%s", sp->dir.buf, name);
	ret = strbuf_read_file(doc, path.buf, SPOOL_MAX_DOC);
	strbuf_release(&path);
	return ret;
}

int spool_remove(struct spool *sp, const char *name)
{
	struct strbuf path = STRBUF_INIT;
	int ret = 0;

	if (!spool_entry_time(name))
		return -EINVAL;
	strbuf_addf(&path, "%s/%s", sp->dir.buf, name);
	if (unlink(path.buf))
		ret = errno == ENOENT ? 0 : -errno;
	else
		ret = fileio_fsync_dir(sp->dir.buf);
	strbuf_release(&path);
	return ret;
}

int spool_reject(struct spool *sp, const char *name, const char *reason, struct strbuf *err)
{
	struct strbuf line = STRBUF_INIT, rname = STRBUF_INIT, from = STRBUF_INIT, to = STRBUF_INIT;
	const char *p;
	int ret;

	if (!spool_entry_time(name)) {
		strbuf_addf(err, "'%s' is not a spool entry", name);
		return -EINVAL;
	}
	/* one line, whatever the server said */
	for (p = reason; *p; p++)
		strbuf_addch(&line, (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p);
	strbuf_addch(&line, '\n');
	strbuf_addf(&rname, "%s.reason", name);
	ret = write_durable(sp, sp->rejected.buf, rname.buf, line.buf, line.len, err);
	if (ret)
		goto out;
	strbuf_addf(&from, "%s/%s", sp->dir.buf, name);
	strbuf_addf(&to, "%s/%s", sp->rejected.buf, name);
	if (rename(from.buf, to.buf)) {
		ret = -errno;
		strbuf_addf(err, "cannot move '%s' to '%s': %s", from.buf, to.buf, strerror(-ret));
		goto out;
	}
	ret = fileio_fsync_dir(sp->rejected.buf);
	if (!ret)
		ret = fileio_fsync_dir(sp->dir.buf);
	if (ret)
		strbuf_addf(err, "cannot fsync '%s': %s", sp->dir.buf, strerror(-ret));
out:
	strbuf_release(&to);
	strbuf_release(&from);
	strbuf_release(&rname);
	strbuf_release(&line);
	return ret;
}
