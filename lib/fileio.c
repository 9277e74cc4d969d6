// SPDX-License-Identifier: GPL-2.0
#include "lib/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/strbuf.h"

int fileio_write_all(int fd, const void *buf, size_t len)
{
	const char *s = buf;

	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int fileio_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

int fileio_fsync_parent(const char *path)
{
	struct strbuf dir = STRBUF_INIT;
	const char *slash = strrchr(path, '/');
	int ret;

	if (!slash)
		strbuf_addch(&dir, '.');
	else if (slash == path)
		strbuf_addch(&dir, '/');
	else
		strbuf_add(&dir, path, (size_t)(slash - path));
	ret = fileio_fsync_dir(dir.buf);
	strbuf_release(&dir);
	return ret;
}

int fileio_commit(int fd, const char *tmp, const char *path, const void *buf, size_t len,
		  struct strbuf *err)
{
	int ret = fileio_write_all(fd, buf, len);

	if (ret)
		strbuf_addf(err, "cannot write '%s': %s", tmp, strerror(-ret));
	if (!ret && fsync(fd)) {
		ret = -errno;
		strbuf_addf(err, "cannot fsync '%s': %s", tmp, strerror(-ret));
	}
	if (close(fd) && !ret) {
		ret = -errno;
		strbuf_addf(err, "cannot close '%s': %s", tmp, strerror(-ret));
	}
	if (!ret && rename(tmp, path)) {
		ret = -errno;
		strbuf_addf(err, "cannot rename '%s' to '%s': %s", tmp, path, strerror(-ret));
	}
	if (ret) {
		unlink(tmp);
		return ret;
	}
	ret = fileio_fsync_parent(path);
	if (ret)
		strbuf_addf(err, "cannot fsync the directory of '%s': %s", path, strerror(-ret));
	return ret;
}
