/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_KNOB_H
#define FW_KNOB_H

#include "lib/strbuf.h"

/*
 * Journaled sysfs knob changes.
 *
 * Before a knob is written for the first time, its original value is
 * appended to a journal file and the journal is fsync'ed; only then is the
 * knob changed.  knob_restore_all() writes every original back and removes
 * the journal.  A process killed with SIGKILL leaves the journal behind,
 * and the next knob_journal_open() restores what it holds, so a lab
 * machine never stays with forkwatch's THP settings.
 *
 * Only paths under the journal's prefix are ever written or restored: a
 * damaged or hostile journal cannot make forkwatch write elsewhere.
 */
struct knob_journal;

/* Where the kernel keeps its THP knobs. */
#define THP_SYSFS_DIR "/sys/kernel/mm/transparent_hugepage"

#define KNOB_MAX 512 /* --tune may set a governor per cpufreq policy */
#define KNOB_ALSO_MAX 16
#define KNOB_PATH_MAX 256
#define KNOB_VAL_MAX 64

/* One journaled knob: its path and the value to restore. */
struct knob_entry {
	char path[KNOB_PATH_MAX];
	char orig[KNOB_VAL_MAX];
};

/*
 * Lock the state directory (created 0700 if missing) and the knobs'
 * directory itself (so that runs with different state directories do not
 * change the machine's knobs under each other), restore and remove
 * any journal a killed run left, and return a journal ready for changes.
 * prefix: the directory under which knobs may live (normally
 * /sys/kernel/mm/transparent_hugepage).  On failure returns a negative
 * errno and explains in err; -EBUSY when another forkwatch holds the lock.
 * restored: set to the number of knobs restored from a leftover journal.
 */
int knob_journal_open(struct knob_journal **out, const char *state_dir, const char *prefix,
		      int *restored, struct strbuf *err);

/*
 * knob_journal_open() with knobs allowed in other places too (forkwatch
 * bench --tune: DAMON, KSM, cpufreq, ...): also is a NULL-terminated
 * list (at most KNOB_ALSO_MAX, each shorter than KNOB_PATH_MAX) of
 * directories, written with a trailing '/' (any path below it, no ".."
 * component), and of single files (that path exactly).  Only prefix is
 * locked.  A journal entry outside prefix and also is dropped, as with
 * knob_journal_open(); so the same list must be given to the start that
 * restores what a killed run left.
 */
int knob_journal_open_in(struct knob_journal **out, const char *state_dir, const char *prefix,
			 const char *const *also, int *restored, struct strbuf *err);

/*
 * Write value to the knob at path (under the journal's prefix or one of
 * its other places), journaling its original value first.
 * Writing a value equal to the current one changes nothing.
 * Returns 0 or a negative errno with the reason in err.
 */
int knob_set(struct knob_journal *kj, const char *path, const char *value, struct strbuf *err);

/*
 * Write back every journaled original, newest first, then remove the
 * journal.  Returns 0, or the first negative errno (the journal is kept
 * then, so that a later start tries again).  Safe to call repeatedly.
 * Not for signal handlers: callers set a flag and restore on the way out.
 */
int knob_restore_all(struct knob_journal *kj);

/*
 * Parse journal text of len bytes (a NUL byte ends it): one
 * "path\tvalue\n" per line.  A torn last line (no newline), a line
 * without a tab or a value, one too long for a knob_entry, and a path
 * outside prefix are dropped.  Fills e[0..max) and returns how many.  Pure.
 */
int knob_journal_parse(const char *text, size_t len, const char *prefix, struct knob_entry *e,
		       int max);

/* knob_journal_parse() with the places of knob_journal_open_in()'s also (may be NULL).  Pure. */
int knob_journal_parse_in(const char *text, size_t len, const char *prefix,
			  const char *const *also, struct knob_entry *e, int max);

/* Restore, unlock and free. */
void knob_journal_free(struct knob_journal *kj);

/*
 * The selected value of a sysfs choice file such as
 * "always inherit [madvise] never" (the bracketed word), or the whole
 * first word when nothing is bracketed.  Copies at most len-1 bytes.
 * Returns 0, or -EINVAL when there is no choice or it holds a space or a
 * control character.
 */
int knob_parse_choice(const char *text, char *out, unsigned long len);

/* Read the knob at path and parse its choice; 0 or a negative errno. */
int knob_read_choice(const char *path, char *out, unsigned long len);

#endif
