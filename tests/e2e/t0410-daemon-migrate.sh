#!/usr/bin/env bash
# forkwatchd at start: databases old, new, foreign and missing; options
# and --config; a clean stop.  Every refusal is one clear line on stderr
# and a non-zero exit, and leaves the database as it was.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

# sql DB STATEMENT: print the rows as Python sees them
sql() {
	"$PY" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchall())' "$1" "$2"
}
tables() { sql "$1" "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"; }

# refused WHAT PATTERN forkwatchd-args...: forkwatchd must exit non-zero at
# start with one error line (besides its info/warn log lines) that says
# PATTERN (a fixed string)
refused() {
	local what=$1 pat=$2 rc=0
	shift 2
	timeout 20 "$FWD" "$@" >"$T/out" 2>"$T/err" || rc=$?
	[ $rc -ne 0 ] || fail "$what: exit 0, expected a refusal"
	[ $rc -ne 124 ] || fail "$what: still running after 20 s, expected a refusal"
	grep -v '^forkwatchd: \(info\|warn\|debug\): ' "$T/err" >"$T/errline" || true
	[ "$(wc -l <"$T/errline")" = 1 ] || { cat "$T/err" >&2; fail "$what: expected one error line"; }
	grep -q '^forkwatchd: ' "$T/errline" || fail "$what: the error does not start with 'forkwatchd: '"
	grep -qF -- "$pat" "$T/errline" || { cat "$T/err" >&2; fail "$what: the error lacks '$pat'"; }
	say "ok: $what -> $(cat "$T/errline")"
}

say "--help, and options it does not know"
"$FWD" --help >"$T/out" 2>&1 || fail "--help exited $?"
grep -q -- '--listen' "$T/out" && grep -q -- '--config' "$T/out" && grep -q -- '--max-body' "$T/out" ||
	fail "--help: $(cat "$T/out")"
expect_fail "unknown option" "unknown option '--bogus'" "$FWD" --bogus
expect_fail "--max-connections 0" "\-\-max-connections '0'" "$FWD" --max-connections 0 --db "$T/x.db"
expect_fail "--max-body 1" "\-\-max-body '1'" "$FWD" --max-body 1 --db "$T/x.db"
expect_fail "--log-level loud" "\-\-log-level 'loud'" "$FWD" --log-level loud --db "$T/x.db"
[ ! -e "$T/x.db" ] || fail "a bad option created the database"

say "an empty database (user_version 0, no tables) is migrated"
mkdir "$T/v0"
"$PY" -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE t(x)"); c.execute("DROP TABLE t"); c.commit()' "$T/v0/fw.db"
[ "$(sql "$T/v0/fw.db" 'PRAGMA user_version')" = "[(0,)]" ] && [ "$(tables "$T/v0/fw.db")" = "[]" ] ||
	fail "test database not at version 0"
start_daemon "$T/v0.log" --db "$T/v0/fw.db"
expect 200 GET /healthz
jcheck "$T/body" "d['schema_version'] == $SCHEMA" "schema_version after migration"
grep -q "database $T/v0/fw.db, schema version $SCHEMA" "$T/v0.log" || fail "the log does not say the schema version"
[ "$(sql "$T/v0/fw.db" 'PRAGMA journal_mode')" = "[('wal',)]" ] || fail "the database is not in WAL mode"
expect 201 POST /api/v1/hosts -H "Authorization: Bearer $(cat "$T/v0/admin.token")" -d '{"hostname": "lab-1"}'
stop_daemon
[ "$drc" = 0 ] || fail "SIGTERM: exit $drc"
[ "$(sql "$T/v0/fw.db" 'PRAGMA user_version')" = "[($SCHEMA,)]" ] || fail "user_version after migration"
tables "$T/v0/fw.db" | grep -q "'hosts'.*'runs'" || fail "tables after migration: $(tables "$T/v0/fw.db")"

say "a second start migrates nothing and keeps the data and the admin token"
tok=$(cat "$T/v0/admin.token")
start_daemon "$T/v0b.log" --db "$T/v0/fw.db"
grep -q "admin token from $T/v0/admin.token" "$T/v0b.log" || fail "admin token not read back: $(cat "$T/v0b.log")"
[ "$(cat "$T/v0/admin.token")" = "$tok" ] || fail "the admin token changed"
expect 200 GET /api/v1/hosts/lab-1
expect 409 POST /api/v1/hosts -H "Authorization: Bearer $tok" -d '{"hostname": "lab-1"}'
stop_daemon

say "an empty file is a new database"
mkdir "$T/empty"
: >"$T/empty/fw.db"
start_daemon "$T/empty.log" --db "$T/empty/fw.db"
expect 200 GET /healthz
jcheck "$T/body" "d['schema_version'] == $SCHEMA" "schema_version of an empty file"
stop_daemon

say "a version-1 database with data is upgraded in place to version $SCHEMA"
mkdir "$T/v1"
"$PY" - "$T/v1/fw.db" "$top/schema/migrations/001-initial.sql" <<'PYEOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.executescript(open(sys.argv[2]).read())
c.execute("INSERT INTO hosts (name, hostname, token_hash, created_at) VALUES ('old-lab', 'old-lab', x'00', 1)")
c.execute("PRAGMA user_version = 1")
c.commit()
PYEOF
start_daemon "$T/v1.log" --db "$T/v1/fw.db"
expect 200 GET /healthz
jcheck "$T/body" "d['schema_version'] == $SCHEMA" "schema_version after upgrading version 1"
expect 200 GET /api/v1/hosts/old-lab
expect 200 GET /api/v1/alerts
jcheck "$T/body" 'd == {"alerts": []}' "the alerts table of migration 2"
stop_daemon
[ "$(sql "$T/v1/fw.db" 'PRAGMA user_version')" = "[($SCHEMA,)]" ] || fail "user_version after the upgrade"
sql "$T/v1/fw.db" "SELECT name FROM pragma_table_info('runs')" | grep -q "'noise'" ||
	fail "no runs.noise column (migration 4) after the upgrade"

say "a database newer than this forkwatchd is refused, untouched"
mkdir "$T/v99"
"$PY" -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version = 99"); c.execute("CREATE TABLE future(x)"); c.commit()' "$T/v99/fw.db"
sum=$(md5sum <"$T/v99/fw.db")
refused "user_version 99" "schema version 99, newer than this forkwatchd's $SCHEMA" \
	--listen 127.0.0.1:0 --db "$T/v99/fw.db"
[ "$(wc -l <"$T/err")" = 1 ] || fail "more than one line: $(cat "$T/err")"
grep -q "$T/v99/fw.db" "$T/err" || fail "the message does not name the database"
[ "$(md5sum <"$T/v99/fw.db")" = "$sum" ] || fail "the newer database was changed"
[ ! -e "$T/v99/admin.token" ] || fail "an admin token was made for a refused database"

say "a database whose tables clash with the schema: the migration fails whole"
mkdir "$T/clash"
"$PY" -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE hosts(x)"); c.execute("INSERT INTO hosts VALUES (42)"); c.commit()' "$T/clash/fw.db"
refused "clashing tables" "migration 001" --listen 127.0.0.1:0 --db "$T/clash/fw.db"
[ "$(sql "$T/clash/fw.db" 'PRAGMA user_version')" = "[(0,)]" ] || fail "user_version changed"
[ "$(tables "$T/clash/fw.db")" = "[('hosts',)]" ] || fail "a failed migration left tables: $(tables "$T/clash/fw.db")"
[ "$(sql "$T/clash/fw.db" 'SELECT x FROM hosts')" = "[(42,)]" ] || fail "a failed migration changed data"

say "files that are not databases, paths that cannot be"
printf 'not a database, just text\n' >"$T/text.db"
refused "a text file" "database '$T/text.db': file is not an SQLite database" \
	--listen 127.0.0.1:0 --db "$T/text.db"
[ "$(cat "$T/text.db")" = "not a database, just text" ] || fail "the text file was changed"
head -c 65536 /dev/urandom >"$T/random.db"
refused "random bytes" "$T/random.db" --listen 127.0.0.1:0 --db "$T/random.db"
refused "a missing directory" "directory '$T/no/such' does not exist" \
	--listen 127.0.0.1:0 --db "$T/no/such/fw.db"
[ ! -e "$T/no" ] || fail "the missing directory was created"
mkdir "$T/isdir.db"
refused "a directory" "$T/isdir.db" --listen 127.0.0.1:0 --db "$T/isdir.db"

say "--listen that is not ADDRESS:PORT"
mkdir "$T/l"
for l in garbage 127.0.0.1 127.0.0.1:99999 127.0.0.1:http :8080 999.1.1.1:80 '[::1' '127.0.0.1:-1'; do
	refused "--listen '$l'" "--listen '$l'" --db "$T/l/fw.db" --listen "$l"
done
say "an address in use"
start_daemon "$T/l1.log" --db "$T/l/fw.db"
refused "port in use" "cannot listen on 127.0.0.1:$PORT" --db "$T/l/fw.db" --listen "127.0.0.1:$PORT"
stop_daemon

say "--admin-token-file"
refused "a missing admin token file" "$T/none.token" --listen 127.0.0.1:0 --db "$T/l/fw.db" --admin-token-file "$T/none.token"
printf 'fwa_one\nfwa_two\n' >"$T/two.token"
refused "two tokens in the file" "one token line" --listen 127.0.0.1:0 --db "$T/l/fw.db" --admin-token-file "$T/two.token"
printf 'fwa_given-admin-token\n' >"$T/given.token"
start_daemon "$T/tok.log" --db "$T/l/fw.db" --admin-token-file "$T/given.token"
expect 201 POST /api/v1/hosts -H "Authorization: Bearer fwa_given-admin-token" -d '{"hostname": "lab-9"}'
expect 403 POST /api/v1/hosts -H "Authorization: Bearer $(cat "$T/l/admin.token")" -d '{"hostname": "lab-8"}'
stop_daemon

say "--config: keys, comments, errors with file and line"
mkdir "$T/c"
cat >"$T/c/bad.conf" <<EOF
# forkwatchd
listen = 127.0.0.1:0

bogus_key = 1
EOF
refused "unknown key" "$T/c/bad.conf:4: unknown key" --config "$T/c/bad.conf"
grep -q "bogus" "$T/err" || fail "the message does not name the key"
printf 'listen 127.0.0.1:0\n' >"$T/c/noeq.conf"
refused "no '='" "$T/c/noeq.conf:1: expected 'key = value'" --config "$T/c/noeq.conf"
printf 'db =\n' >"$T/c/empty.conf"
refused "no value" "$T/c/empty.conf:1: 'db' needs a value" --config "$T/c/empty.conf"
printf 'config = other.conf\n' >"$T/c/nested.conf"
refused "config in config" "$T/c/nested.conf:1: unknown key 'config'" --config "$T/c/nested.conf"
refused "a missing config" "$T/c/none.conf" --config "$T/c/none.conf"

say "--config values are used"
cat >"$T/c/fw.conf" <<EOF
# the lab's server
listen = 127.0.0.1:0
db = $T/c/from-config.db
max_body = 2k
log-level = debug
max_connections = 20
EOF
start_daemon "$T/c1.log" --config "$T/c/fw.conf"
grep -q "database $T/c/from-config.db" "$T/c1.log" || fail "db from the config: $(cat "$T/c1.log")"
grep -q "listening on http://127.0.0.1:0 (port $PORT), up to 20 connections, bodies up to 2048 bytes" "$T/c1.log" ||
	fail "listen, max_connections, max_body from the config: $(cat "$T/c1.log")"
head -c 3000 /dev/zero | tr '\0' ' ' >"$T/3k"
expect 413 POST /api/v1/runs --data-binary @"$T/3k"
grep -q 'debug:' "$T/c1.log" || fail "log-level debug from the config"
stop_daemon

say "the command line wins over --config"
start_daemon "$T/c2.log" --config "$T/c/fw.conf" --db "$T/c/from-cmdline.db" --max-body 64k --log-level=info
grep -q "database $T/c/from-cmdline.db" "$T/c2.log" || fail "db: the command line should win: $(cat "$T/c2.log")"
grep -q "bodies up to 65536 bytes" "$T/c2.log" || fail "max-body: the command line should win"
expect 401 POST /api/v1/runs --data-binary @"$T/3k"
! grep -q 'debug:' "$T/c2.log" || fail "log-level: the command line should win"
stop_daemon
# the listen address too: the config's port is taken, the command line's is free
start_daemon "$T/c3.log" --db "$T/c/from-config.db"
taken=$PORT
printf 'listen = 127.0.0.1:%s\ndb = %s\n' "$taken" "$T/c/from-config.db" >"$T/c/taken.conf"
refused "the config's listen" "127.0.0.1:$taken" --config "$T/c/taken.conf"
pid1=$dpid dlog1=$DLOG
dpid=
start_daemon "$T/c4.log" --config "$T/c/taken.conf" --listen 127.0.0.1:0
[ "$PORT" != "$taken" ] || fail "--listen did not win over the config"
stop_daemon
dpid=$pid1 DLOG=$dlog1
stop_daemon

say "signals: SIGHUP keeps it running, SIGTERM and SIGINT stop it with exit 0"
start_daemon "$T/s.log" --db "$T/c/from-config.db"
kill -HUP "$dpid"
sleep 0.2
expect 200 GET /healthz
grep -q 'SIGHUP' "$T/s.log" || fail "SIGHUP not logged"
stop_daemon
[ "$drc" = 0 ] || fail "SIGTERM: exit $drc"
grep -q 'stopped' "$T/s.log" || fail "no 'stopped' after SIGTERM: $(cat "$T/s.log")"
start_daemon "$T/s2.log" --db "$T/c/from-config.db"
kill -INT "$dpid"
drc=0
wait "$dpid" || drc=$?
dpid=
[ "$drc" = 0 ] || fail "SIGINT: exit $drc"
grep -q 'stopped' "$T/s2.log" || fail "no 'stopped' after SIGINT"

say "SIGTERM while an upload streams in: the request finishes, then it stops"
start_daemon "$T/s3.log" --db "$T/c/from-config.db"
# a slow body: curl sends it at 20 kB/s
head -c 40000 /dev/zero | tr '\0' ' ' >"$T/slow"
curl -s -o "$T/slow.out" -w '%{http_code}' --limit-rate 20k -X POST --data-binary @"$T/slow" \
	"$URL/api/v1/runs" >"$T/slow.status" &
cpid=$!
sleep 0.5
stop_daemon
wait $cpid || true
[ "$drc" = 0 ] || fail "SIGTERM during a request: exit $drc"
got=$(cat "$T/slow.status")
[ "$got" = 401 ] || fail "the request in flight got $got, expected its answer (401): SIGTERM must let it finish"
grep -q 'stopped' "$T/s3.log" || fail "no 'stopped' after SIGTERM"
echo ok
