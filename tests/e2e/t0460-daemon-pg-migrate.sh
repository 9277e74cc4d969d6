#!/usr/bin/env bash
# forkwatchd migrate: a lab's SQLite database (hosts, uploads, alerts and
# their triage, a browser session, failed token attempts) copied into
# PostgreSQL: every table's row count the same on both sides, the API's
# answers the same from a forkwatchd on either, new uploads get new ids;
# a second run changes nothing; a target that holds other rows is refused
# and left as it was; SQLite to SQLite works the same; usage errors exit 2.
# Needs PostgreSQL (a throw-away cluster, tests/pg-cluster.sh): skips
# without it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
pg_need

mkdir -p "$T/db"
db=$T/db/fw.db
start_daemon "$T/d.log" --db "$db"
admin=(-H "Authorization: Bearer $(cat "$T/db/admin.token")")
expect 201 POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "lab-1.example", "name": "lab \"one\""}'
tok=$(jget "$T/body" 'd["token"]')
"$PY" "$(dirname "$0")/compare-docs.py" "$T" lab-1.example
for f in base head head2 other; do
	expect 201 POST /api/v1/runs -H "Authorization: Bearer $tok" --data-binary @"$T/$f.json"
done
expect 200 GET '/api/v1/alerts?kind=regression'
alert=$(jget "$T/body" 'd["alerts"][0]["id"]')
expect 200 POST "/api/v1/alerts/$alert" "${admin[@]}" -d '{"state": "acknowledged", "by": "dev"}'
expect 403 POST /api/v1/hosts -H "Authorization: Bearer fwa_not-the-token" -d '{"hostname": "x"}'
curl -s -o /dev/null -H "Origin: $URL" --data-urlencode "token=$(cat "$T/db/admin.token")" \
	--data-urlencode "who=dev" "$URL/login"

# what the API says, to compare with the PostgreSQL daemon's answers
answers() { # OUT_DIR
	local p n=0
	mkdir -p "$1"
	for p in /api/v1/hosts '/api/v1/hosts/lab%20%22one%22' /api/v1/kernels /api/v1/alerts \
		/api/v1/runs/1 /api/v1/runs/3 \
		'/api/v1/compare?host=lab%20%22one%22&base=aaaaaaaaaaaa&head=bbbbbbbbbbbb'; do
		expect 200 GET "$p"
		cp "$T/body" "$1/$n.json"
		n=$((n + 1))
	done
}
answers "$T/a-sqlite"
stop_daemon

tables="kernels hosts runs cases series samples alerts deliveries delivery_attempts sessions auth_failures"
sqlite_count() { "$PY" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM " + sys.argv[2]).fetchone()[0])' "$db" "$1"; }

say "migrate into an empty PostgreSQL database"
pg_db target
to=$PG_URI
"$FWD" migrate --from "$db" --to "$to" >"$T/m1.out" 2>&1 || { cat "$T/m1.out"; fail "forkwatchd migrate exited $?"; }
cat "$T/m1.out"
grep -q "verified: every table's row count and checksum match" "$T/m1.out" || fail "no verification line"
for t in $tables; do
	want=$(sqlite_count "$t")
	got=$(pg_sql "$to" "SELECT count(*) FROM $t")
	[ "$got" = "$want" ] || fail "$t: $got rows in PostgreSQL, $want in SQLite"
	if [ "$want" = 0 ]; then
		grep -q "^  $t  *no rows$" "$T/m1.out" || fail "no line for $t"
	else
		grep -q "^  $t  *$want rows copied, checksum [0-9a-f]\{16\}$" "$T/m1.out" || fail "no line for $t"
	fi
done
[ "$(sqlite_count runs)" = 4 ] && [ "$(sqlite_count sessions)" = 1 ] && [ "$(sqlite_count auth_failures)" = 1 ] ||
	fail "the source lacks what the test made"

say "twice: nothing changes"
"$FWD" migrate --from "$db" --to "$to" >"$T/m2.out" 2>&1 || { cat "$T/m2.out"; fail "the second run exited $?"; }
for t in $tables; do
	grep -q "^  $t  *\($(sqlite_count "$t") rows already there\|no rows$\)" "$T/m2.out" ||
		{ cat "$T/m2.out"; fail "$t copied again"; }
	[ "$(pg_sql "$to" "SELECT count(*) FROM $t")" = "$(sqlite_count "$t")" ] || fail "$t changed"
done

say "a forkwatchd on PostgreSQL answers as the one on SQLite did"
start_daemon "$T/pg.log" --db "$to" --admin-token-file "$T/db/admin.token"
answers "$T/a-pg"
for f in "$T"/a-sqlite/*.json; do
	"$PY" - "$f" "$T/a-pg/$(basename "$f")" <<'PYEOF' || fail "answer $(basename "$f") differs"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
if a != b:
    print("SQLite: %s\nPostgreSQL: %s" % (json.dumps(a)[:1500], json.dumps(b)[:1500]))
    sys.exit(1)
PYEOF
done
say "    the same answers to $(ls "$T/a-sqlite" | wc -l) requests"
"$PY" "$(dirname "$0")/daemon-doc.py" make --from "$T/other.json" --new-uuid --out "$T/new.json"
expect 201 POST /api/v1/runs -H "Authorization: Bearer $tok" --data-binary @"$T/new.json"
jcheck "$T/body" 'd["run"]["id"] == 5' "the next run id after the copied ones"
# an identity that did not go on after the copied ids would clash: 409
expect 201 POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "lab-2.example"}'
[ "$(pg_sql "$to" "SELECT max(id) FROM hosts")" = 2 ] || fail "the next host id"
stop_daemon

say "a target holding other rows is refused and left as it was"
pg_db other
"$FWD" migrate --from "$db" --to "$PG_URI" >/dev/null 2>&1 || fail "migrate into a second database"
pg_sql "$PG_URI" "UPDATE alerts SET state = 'fixed'" >/dev/null
before=$(pg_sql "$PG_URI" "SELECT count(*), min(state) FROM alerts")
expect_fail "other rows" "alerts of '.*' holds other rows" "$FWD" migrate --from "$db" --to "$PG_URI"
[ "$(pg_sql "$PG_URI" "SELECT count(*), min(state) FROM alerts")" = "$before" ] || fail "the refused target changed"

say "a target a daemon started on with other settings: its settings stay, the rest is copied"
pg_db started
start_daemon "$T/started.log" --db "$PG_URI" --admin-token-file "$T/db/admin.token" --budget-order0 3
stop_daemon
"$FWD" migrate --from "$db" --to "$PG_URI" >"$T/m4.out" 2>&1 || { cat "$T/m4.out"; fail "migrate into a started database exited $?"; }
grep -q "settings .* rows of the target's own kept" "$T/m4.out" || { cat "$T/m4.out"; fail "the target's settings not kept"; }
[ "$(pg_sql "$PG_URI" "SELECT value FROM settings WHERE name = 'wants_config'")" = \
	"alpha=0.01 budget_order0=3 budget=2 confidence=0.94999999999999996" ] || fail "the target's settings changed"
[ "$(pg_sql "$PG_URI" "SELECT count(*) FROM runs")" = "$(sqlite3 "$db" "SELECT count(*) FROM runs" 2>/dev/null || pg_sql "$to" "SELECT count(*) FROM runs")" ] ||
	fail "the runs were not copied"
# the copied wants records were made under the source's other settings: cleared
[ "$("$PY" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM host_kernels WHERE wants_at IS NOT NULL").fetchone()[0])' "$db")" -gt 0 ] ||
	fail "the source holds no wants records to clear"
grep -q "host_kernels .* wants records cleared" "$T/m4.out" || { cat "$T/m4.out"; fail "no line for the cleared wants records"; }
[ "$(pg_sql "$PG_URI" "SELECT count(*) FROM host_kernels WHERE wants_at IS NOT NULL")" = 0 ] ||
	fail "wants records of other settings kept"
[ "$(pg_sql "$PG_URI" "SELECT count(*) FROM host_kernels")" = "$(sqlite_count host_kernels)" ] ||
	fail "host_kernels rows not copied"

say "SQLite to SQLite"
"$FWD" migrate --from "$db" --to "sqlite:$T/copy.db" >"$T/m3.out" 2>&1 || { cat "$T/m3.out"; fail "SQLite to SQLite"; }
grep -q "verified" "$T/m3.out" || fail "SQLite to SQLite: not verified"
if grep -q "wants records cleared" "$T/m3.out"; then fail "SQLite to SQLite: wants records cleared under the same settings"; fi

say "usage"
expect_fail "no --to" "needs --from and --to" "$FWD" migrate --from "$db"
expect_fail "one database" "are one database" "$FWD" migrate --from "$db" --to "sqlite:$db"
"$FWD" migrate --help | grep -q "forkwatchd migrate --from" || fail "migrate --help"
rc=0
"$FWD" migrate --from "$db" >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "a usage error exits $rc, expected 2"
echo ok
