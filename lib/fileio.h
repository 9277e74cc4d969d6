/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_FILEIO_H
#define FW_FILEIO_H

#include <stddef.h>

#include "lib/strbuf.h"

/*
 * Small durable-file helpers shared by the knob journal, the spool and
 * the result writer.  All return 0 or a negative errno.
 */

/* Write all of len bytes to fd, retrying short writes and EINTR. */
int fileio_write_all(int fd, const void *buf, size_t len);

/* fsync a directory, so that a rename or create in it survives a crash. */
int fileio_fsync_dir(const char *dir);

/* fsync the directory that holds path ("." when path has no slash). */
int fileio_fsync_parent(const char *path);

/*
 * path := buf, all or nothing: write buf to fd (open on the temporary
 * file tmp, in path's directory), fsync, close, rename tmp to path, fsync
 * the directory.  fd is closed and tmp is gone on every return; err
 * receives a sentence on failure ("cannot write 'tmp': ...").
 */
int fileio_commit(int fd, const char *tmp, const char *path, const void *buf, size_t len,
		  struct strbuf *err);

#endif
