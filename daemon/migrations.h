/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FW_MIGRATIONS_H
#define FW_MIGRATIONS_H

/*
 * The schema migrations, compiled in from schema/migrations/NNN-name.sql
 * and its PostgreSQL text schema/migrations/pg/NNN-name.sql
 * (scripts/embed-sql.sh), in ascending version order, ended by an entry
 * with a NULL name.  Migration N brings the schema version (SQLite's
 * PRAGMA user_version, PostgreSQL's schema_version table) from N-1 to N.
 */
struct migration {
	int version;
	const char *name;
	const char *sql; /* SQLite */
	const char *pg;  /* PostgreSQL: the same tables in its dialect */
};

extern const struct migration migrations[];

#endif
