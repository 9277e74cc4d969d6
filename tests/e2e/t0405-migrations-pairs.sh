#!/usr/bin/env bash
# Every schema migration exists in both dialects: each
# schema/migrations/NNN-name.sql (SQLite) has its PostgreSQL text
# schema/migrations/pg/NNN-name.sql, no PostgreSQL text is without its
# SQLite migration, and they are numbered 1 to N, one each.
# scripts/embed-sql.sh (the build) refuses a tree that breaks this,
# naming the file; that is first shown on small broken trees, so that a
# check that could not fail does not pass.  Adding migration N is two
# files of one name, one in each folder (schema/migrations/README.md).
. "$(dirname "$0")/lib.sh"
embed=$top/scripts/embed-sql.sh

# tree DIR NAME...: DIR/NNN-x.sql for each NAME, and DIR/pg/NAME for NAME ending in +pg
tree() {
	local d=$1 n
	shift
	rm -rf "$d"
	mkdir -p "$d/pg"
	for n in "$@"; do
		echo "SELECT 1;" >"$d/${n%+pg}"
		[ "${n%+pg}" = "$n" ] || echo "SELECT 1;" >"$d/pg/${n%+pg}"
	done
}
# refused WHAT PATTERN: embed-sql.sh on $T/m fails, naming the file
refused() {
	local rc=0
	"$embed" $(ls "$T"/m/*.sql 2>/dev/null | sort) >/dev/null 2>"$T/err" || rc=$?
	[ $rc -ne 0 ] || fail "$1: embed-sql.sh exits 0"
	grep -q -- "$2" "$T/err" || { cat "$T/err" >&2; fail "$1: the message lacks '$2'"; }
	say "ok: $1 -> $(cat "$T/err")"
}

say "the build refuses a tree whose migrations are not paired"
tree "$T/m" 001-a.sql+pg 002-b.sql+pg 003-c.sql
refused "a SQLite migration without its PostgreSQL text" "003-c.sql has no PostgreSQL text .*/pg/003-c.sql"
tree "$T/m" 001-a.sql+pg 002-b.sql+pg
echo "SELECT 1;" >"$T/m/pg/003-c.sql"
refused "a PostgreSQL text without its SQLite migration" "pg/003-c.sql has no SQLite migration"
tree "$T/m" 001-a.sql+pg 003-c.sql+pg
refused "a gap in the numbers" "003-c.sql: expected migration 002 here"
tree "$T/m" 001-a.sql+pg 002-b.sql+pg 002-other.sql+pg
refused "a number twice (two branches' migrations 002)" "002-other.sql: expected migration 003 here"
tree "$T/m" 001-a.sql+pg 002-b.sql+pg 003-c.sql+pg
"$embed" "$T"/m/*.sql >"$T/out" || fail "embed-sql.sh refuses a tree of three paired migrations"
[ "$(grep -cE '^[[:space:]]+[{] [1-9]' "$T/out")" = 3 ] || fail "not three migrations in $(cat "$T/out")"

say "this tree: every migration in both dialects, numbered 1 to $SCHEMA"
missing=
n=0
for f in "$top"/schema/migrations/[0-9]*.sql; do
	n=$((n + 1))
	b=$(basename "$f")
	[ "$((10#${b%%-*}))" = $n ] || fail "$b: expected migration $(printf %03d $n) in its place"
	[ -f "$top/schema/migrations/pg/$b" ] || missing="$missing schema/migrations/pg/$b"
	echo "  $b"
done
[ -z "$missing" ] || fail "SQLite migrations without their PostgreSQL text:$missing (write each in PostgreSQL's dialect)"
for f in "$top"/schema/migrations/pg/*.sql; do
	[ -f "$top/schema/migrations/$(basename "$f")" ] || fail "pg/$(basename "$f") has no SQLite migration"
done
[ $n = "$SCHEMA" ] && [ $n -gt 0 ] || fail "$n migrations, the tests expect schema version $SCHEMA"
"$embed" $(ls "$top"/schema/migrations/*.sql | sort) >/dev/null || fail "embed-sql.sh refuses this tree"
echo "ok: $n migrations, each with its PostgreSQL text"
