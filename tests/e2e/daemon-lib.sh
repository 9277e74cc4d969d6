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
