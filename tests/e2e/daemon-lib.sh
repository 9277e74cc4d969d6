# shellcheck shell=bash
# Shared by the forkwatchd end-to-end scripts (t04*.sh): source it after
# lib.sh.  Starts the real daemon on a free loopback port (--listen
# 127.0.0.1:0; the port is read back from its "listening on ... (port N)"
# log line, so nothing races for it) and talks to it with curl.
FWD=${FWD:-$top/build/$arch/forkwatchd}
[ -x "$FWD" ] || fail "no $FWD: run make first"
command -v curl >/dev/null || skip "needs curl (Debian package curl)"
"$PY" -c 'import json, sqlite3, urllib.parse' 2>/dev/null || skip "needs python3 with json and sqlite3"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

dpid='' URL='' PORT='' DLOG='' drc=''

# ---- PostgreSQL --------------------------------------------------------------
# FW_PG_DIR names a running throw-away cluster (tests/pg-cluster.sh; make
# test's tests/run-all.sh starts one for the whole run).  A test that needs
# PostgreSQL calls pg_need, which starts one of its own when there is none,
# or skips with the reason when PostgreSQL is not installed.  With
# FW_TEST_DB=pg a test of the SQLite daemon runs on PostgreSQL instead:
# start_daemon gives forkwatchd, for each --db PATH, a database of the
# cluster made for PATH at its first use, and the admin token file an
# SQLite database would have beside it.
PGC=$top/tests/pg-cluster.sh
on_pg() { [ "${FW_TEST_DB:-sqlite}" = pg ]; }

pg_need() {
	local why rc=0
	[ -z "${FW_PG_DIR:-}" ] || return 0
	FW_PG_DIR=$(mktemp -d /tmp/fw-pg.XXXXXX)
	cleanup_hooks+=("$PGC stop $FW_PG_DIR")
	why=$("$PGC" start "$FW_PG_DIR" fsync=off) || rc=$?
	[ $rc -eq 0 ] || { [ $rc -eq 77 ] && skip "$why"; fail "$why"; }
	export FW_PG_DIR
}

# pg_db NAME: a fresh database of the cluster for this test (dropped at
# its end, unless the cluster was this test's own and is gone already);
# its URI in $PG_URI
pg_db() {
	local name=fw_$(printf '%s' "$T/$1" | md5sum | cut -c1-16)
	"$PGC" createdb "$FW_PG_DIR" "$name" || fail "cannot create database $name"
	cleanup_hooks+=("[ ! -d $FW_PG_DIR ] || \"$PGC\" psql $FW_PG_DIR postgres -c 'DROP DATABASE IF EXISTS $name WITH (FORCE)'")
	PG_URI=$("$PGC" url "$FW_PG_DIR" "$name")
}

# pg_sql URI SQL: the rows, '|'-separated, one a line
pg_sql() {
	local name=${1#*@/}
	"$PGC" psql "$FW_PG_DIR" "${name%%\?*}" -A -t -c "$2"
}

# db_for PATH: on PostgreSQL, the database made for PATH (at its first use) into ${pg_of[PATH]}
declare -A pg_of
db_for() {
	on_pg || return 0
	if [ -z "${pg_of[$1]:-}" ]; then
		pg_db "$1"
		pg_of[$1]=$PG_URI
	fi
}

# token_beside PATH: the admin token file an SQLite database at PATH has beside it, made if missing
token_beside() {
	local f
	f=$(dirname "$1")/admin.token
	[ -f "$f" ] || (umask 077 && "$PY" -c 'import secrets; print("fwa_" + secrets.token_urlsafe(32))' >"$f")
	echo "$f"
}

# start_daemon LOG [forkwatchd options...]: start it in the background and
# wait until /healthz answers; sets $dpid, $PORT, $URL, $DLOG.  Without a
# --listen or --config option it listens on 127.0.0.1:0.  With TLS, curl
# trusts $DAEMON_CACERT.
start_daemon() {
	local log=$1 a listen=--listen=127.0.0.1:0 scheme=http curlopt=()
	shift
	for a in "$@"; do
		case $a in
		--listen | --listen=* | --config | --config=*) listen= ;;
		esac
	done
	[ -z "${DAEMON_CACERT:-}" ] || curlopt=(--cacert "$DAEMON_CACERT")
	if on_pg; then
		local args=() next='' path='' tok=''
		for a in "$@"; do
			if [ -n "$next" ]; then
				path=$a
				db_for "$a"
				args+=("${pg_of[$a]}")
				next=
				continue
			fi
			case $a in
			--db) next=1; args+=("$a") ;;
			--db=*) path=${a#--db=}; db_for "$path"; args+=("--db=${pg_of[$path]}") ;;
			--admin-token-file | --admin-token-file=*) tok=1; args+=("$a") ;;
			*) args+=("$a") ;;
			esac
		done
		[ -z "$path" ] || [ -n "$tok" ] || args+=(--admin-token-file "$(token_beside "$path")")
		set -- "${args[@]}"
	fi
	DLOG=$log
	: >"$DLOG"
	"$FWD" $listen "$@" >>"$DLOG" 2>&1 &
	dpid=$!
	PORT=
	for _ in $(seq 100); do
		PORT=$(sed -n 's/.*listening on .* (port \([0-9][0-9]*\)).*/\1/p' "$DLOG" | head -1)
		[ -n "$PORT" ] && break
		kill -0 "$dpid" 2>/dev/null || { cat "$DLOG" >&2; dpid=; fail "forkwatchd $* exited at start"; }
		sleep 0.1
	done
	[ -n "$PORT" ] || { cat "$DLOG" >&2; fail "forkwatchd did not say which port it listens on"; }
	[ "$PORT" != 0 ] || fail "forkwatchd reports port 0"
	! grep -q 'listening on https://' "$DLOG" || scheme=https
	URL=$scheme://127.0.0.1:$PORT
	for _ in $(seq 50); do
		curl -s -o /dev/null "${curlopt[@]}" "$URL/healthz" && return 0
		sleep 0.1
	done
	cat "$DLOG" >&2
	fail "forkwatchd on port $PORT does not answer /healthz"
}

# stop_daemon [quiet]: SIGTERM, wait; $drc is its exit status.  Fails
# when a sanitizer reported something in its log (unless quiet).
stop_daemon() {
	drc=
	[ -n "$dpid" ] || return 0
	kill -TERM "$dpid" 2>/dev/null || true
	drc=0
	wait "$dpid" || drc=$?
	dpid=
	[ "${1:-}" != quiet ] || return 0
	if grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$DLOG"; then
		cat "$DLOG" >&2
		fail "the sanitizer reported an error in forkwatchd"
	fi
}
cleanup_hooks+=("stop_daemon quiet")

# api METHOD PATH [curl options...]: the status in $status, the body in $T/body
api() {
	local method=$1 path=$2
	shift 2
	status=$(curl -s -o "$T/body" -w '%{http_code}' -X "$method" "$@" "$URL$path") ||
		fail "curl $method $path failed (exit $?)"
}

# expect STATUS METHOD PATH [curl options...]: the answer must have STATUS
expect() {
	local want=$1
	shift
	api "$@"
	[ "$status" = "$want" ] || { cat "$T/body" >&2; fail "$1 $2: status $status, expected $want"; }
}

# expect_error STATUS FIELD WHAT METHOD PATH [curl options...]: an error
# answer of that status, naming FIELD ("-" for none), with WHAT in its
# message (may be empty)
expect_error() {
	local want=$1 field=$2 what=$3
	shift 3
	expect "$want" "$@"
	"$PY" - "$T/body" "$want" "$field" "$what" <<'PYEOF' || fail "$1 $2: error answer"
import json, sys
body, want, field, what = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    e = json.load(open(body))["error"]
except Exception as x:
    print("not an error object: %r: %s" % (open(body).read(), x)); sys.exit(1)
ok = e.get("status") == want and isinstance(e.get("message"), str) and e["message"]
if field == "-":
    ok = ok and "field" not in e
else:
    ok = ok and e.get("field") == field
ok = ok and what in e.get("message", "")
if not ok:
    print("error answer %s: expected status %d, field %s, message with %r" % (json.dumps(e), want, field, what))
    sys.exit(1)
print("    %d %s%s" % (want, e["message"], " (field %s)" % e["field"] if "field" in e else ""))
PYEOF
}

# jcheck FILE 'python condition on d' MESSAGE: d is the JSON in FILE
jcheck() {
	"$PY" - "$1" "$2" "$3" <<'PYEOF' || fail "$3"
import json, sys
d = json.load(open(sys.argv[1]))
if not eval(sys.argv[2]):
    print("FAIL: %s: %s is false for %s" % (sys.argv[3], sys.argv[2], json.dumps(d)[:3000]))
    sys.exit(1)
PYEOF
}

# jget FILE 'python expression on d': print it
jget() {
	"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); v = eval(sys.argv[2]); print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2"
}

# pct NAME: NAME percent-encoded for a path segment
pct() {
	"$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"
}

# the cluster of a test on PostgreSQL; registered last: it stops after the daemon
if on_pg; then
	pg_need
fi
