#!/usr/bin/env bash
# The migrations of both dialects make the same schema: after forkwatchd
# has migrated a fresh SQLite file and a fresh PostgreSQL database, each
# has the same tables, each table the same columns (of matching types:
# INTEGER/BIGINT, REAL/DOUBLE PRECISION, TEXT, BLOB/BYTEA) and the same
# named indexes, and both are at schema version N.  PostgreSQL's own
# bookkeeping (its schema_version table, the data_generation sequence)
# is left out.  The comparison is first run on schemas that differ, so
# that a check that could not fail does not pass.  Needs PostgreSQL (a
# throw-away cluster, tests/pg-cluster.sh): skips without it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
pg_need

# schema lines "table column type" and "index table name", sorted
sqlite_schema() {
	"$PY" - "$1" <<'PYEOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
out = []
for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
    for _, col, typ, *_ in c.execute("SELECT * FROM pragma_table_info(?)", (t,)):
        out.append("%s %s %s" % (t, col, {"INTEGER": "int", "REAL": "real", "TEXT": "text", "BLOB": "blob"}.get(typ.upper(), typ)))
for t, i in c.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"):
    out.append("index %s %s" % (t, i))
print("\n".join(sorted(out)))
PYEOF
}
pg_schema() {
	pg_sql "$1" "SELECT table_name || ' ' || column_name || ' ' ||
		CASE data_type WHEN 'bigint' THEN 'int' WHEN 'double precision' THEN 'real'
		WHEN 'text' THEN 'text' WHEN 'bytea' THEN 'blob' ELSE data_type END
		FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_version'
		UNION ALL
		SELECT 'index ' || tablename || ' ' || indexname FROM pg_indexes i
		WHERE schemaname = 'public' AND tablename <> 'schema_version' AND NOT EXISTS
		(SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)" | LC_ALL=C sort
}
# same A B: A and B have the same lines, else the differences on stdout and false
same() {
	diff <(LC_ALL=C sort "$1") <(LC_ALL=C sort "$2") | grep '^[<>]' && return 1
	return 0
}

say "the comparison sees a difference"
printf 'hosts id int\nhosts name text\nindex runs runs_by_host\n' >"$T/a"
printf 'hosts id int\nhosts name blob\nindex runs runs_by_host\n' >"$T/b"
! same "$T/a" "$T/b" >/dev/null || fail "a column of another type passes"
printf 'hosts id int\nhosts name text\n' >"$T/b"
! same "$T/a" "$T/b" >/dev/null || fail "an index missing passes"
same "$T/a" "$T/a" || fail "a schema differs from itself"

say "forkwatchd migrates a fresh database of each engine"
mkdir -p "$T/lite"
start_daemon "$T/lite.log" --db "$T/lite/fw.db"
expect 200 GET /healthz
jcheck "$T/body" "d['schema_version'] == $SCHEMA" "SQLite's schema version"
stop_daemon
pg_db schema
(umask 077 && echo "fwa_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$T/admin.token")
start_daemon "$T/pg.log" --db "$PG_URI" --admin-token-file "$T/admin.token"
expect 200 GET /healthz
jcheck "$T/body" "d['schema_version'] == $SCHEMA" "PostgreSQL's schema version"
stop_daemon
[ "$(pg_sql "$PG_URI" "SELECT version FROM schema_version")" = "$SCHEMA" ] || fail "schema_version table"

say "the same tables, columns and indexes"
sqlite_schema "$T/lite/fw.db" >"$T/sqlite.schema"
pg_schema "$PG_URI" >"$T/pg.schema"
[ -s "$T/sqlite.schema" ] && [ -s "$T/pg.schema" ] || fail "no schema read"
if ! same "$T/sqlite.schema" "$T/pg.schema" >"$T/diff"; then
	sed 's/^</  SQLite only:/; s/^>/  PostgreSQL only:/' "$T/diff"
	fail "the PostgreSQL migrations (schema/migrations/pg/) do not make SQLite's schema"
fi
echo "ok: $(grep -vc '^index' "$T/sqlite.schema") columns of $(cut -d' ' -f1 "$T/sqlite.schema" | grep -v '^index' | sort -u | wc -l) tables, $(grep -c '^index' "$T/sqlite.schema") indexes"
