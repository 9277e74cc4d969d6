/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_MIGRATE_H
#define FW_MIGRATE_H

/*
 * forkwatchd migrate --from DB --to DB: move a lab's database, say from
 * its SQLite file to PostgreSQL (store_copy()).  argv[0] is "migrate".
 * Returns the exit status: 0 copied and verified (or found copied
 * already), 1 failed (nothing of it stored), 2 a usage error.
 */
int migrate_command(int argc, char **argv);

#endif
