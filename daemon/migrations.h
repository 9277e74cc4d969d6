/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_MIGRATIONS_H
#define FW_MIGRATIONS_H

/*
 * The schema migrations, compiled in from schema/migrations/NNN-name.sql
 * (scripts/embed-sql.sh), in ascending version order, ended by an entry
 * with a NULL name.  Migration N brings PRAGMA user_version from N-1 to N.
 */
struct migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migration migrations[];

#endif
