/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_SPOOL_H
#define FW_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"

/*
 * The spool: result documents waiting for the server, one file each, in a
 * directory (by default $FORKWATCH_STATE_DIR/spool, mode 0700).
 *
 *   NNNNNNNNNNNNNNNNNNNN-<run_uuid>.json   an entry: 20-digit nanoseconds since
 *                                          the epoch, so that names sort oldest first
 *   .tmp-<pid>-<n>                         being written; never listed
 *   rejected/<entry>                       refused by the server for good, and
 *   rejected/<entry>.reason                why (one line), both kept for a person
 *
 * An entry appears whole or not at all: it is written to a temporary file
 * in the same directory, fsync'ed, renamed into place, and the directory
 * fsync'ed.  A crash leaves at most a temporary file, which spool_open()
 * removes once its writer is gone.
 *
 * Several processes may use one spool: an entry that another process
 * delivered and removed meanwhile reads as -ENOENT, and removing it again
 * is not an error.  (The server ignores a second upload of a run_uuid.)
 *
 * Functions return 0 or a negative errno, and append one line to err
 * where they take one; they print nothing.
 */

struct spool;

/* Entry names, oldest first (owned by the list: spool_list_release()). */
struct spool_list {
	char **names;
	size_t n;
};

/*
 * Open (creating it and rejected/ with mode 0700, parents too) the spool
 * in dir.  Temporary files whose writer has exited, or older than an
 * hour, are removed.  The caller frees the spool with spool_free().
 */
int spool_open(struct spool **out, const char *dir, struct strbuf *err);
void spool_free(struct spool *sp);

/* The directory, as given to spool_open(). */
const char *spool_dir(const struct spool *sp);

/* True when run_uuid may be part of an entry name: 1 to 64 of [0-9A-Za-z-]. */
int spool_valid_uuid(const char *run_uuid);

/*
 * Store a document durably under a new name (appended to name when not
 * NULL).  Its time is now, or 1 ns after the newest entry when the clock
 * says otherwise, so that the spool keeps the order of the puts even when
 * the clock steps back (lab machines boot before NTP).  -EINVAL for a bad
 * run_uuid; -ENOSPC, -EIO, ... from the file system, nothing left behind.
 */
int spool_put(struct spool *sp, const char *run_uuid, const char *doc, size_t len,
	      struct strbuf *name, struct strbuf *err);

/* The entries now in the spool, oldest first.  Other files are ignored. */
int spool_list(struct spool *sp, struct spool_list *list);
void spool_list_release(struct spool_list *list);

/* Append an entry's content to doc (at most 64 MiB). */
int spool_read(struct spool *sp, const char *name, struct strbuf *doc);

/* Remove an entry after the server took it; an entry already gone is fine. */
int spool_remove(struct spool *sp, const char *name);

/*
 * Move an entry to rejected/, with rejected/<name>.reason holding reason
 * (one line; written first, durably).  The entry is never deleted.
 */
int spool_reject(struct spool *sp, const char *name, const char *reason, struct strbuf *err);

/* The time in an entry's name (ns), or 0 when name is not an entry's. */
uint64_t spool_entry_time(const char *name);

#endif
