#!/usr/bin/env bash
# Tokens: failed attempts are limited per client address across every
# route that takes a token (admin on /api/v1/hosts, host on
# /api/v1/runs, the admin token on the web /login): 20 failures, then 429
# for that address, also with the right token, while another address
# (127.0.0.2) is served.  No token (admin, host, the ones guessed wrong,
# a web session's cookie and CSRF token) ever reaches the daemon's log at
# --log-level debug, nor forkwatch's output, over a session of register,
# upload, triage, rename and failures.  The files that hold tokens are
# 0600: admin.token and the host token file of forkwatch register (the
# spool's entries: t0630); a looser admin token file is warned about at
# start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
DOC="$PY $top/tests/e2e/daemon-doc.py"

mkdir -p "$T/srv"
db=$T/srv/fw.db
start_daemon "$T/d.log" --db "$db" --log-level debug
admin_tok=$(cat "$T/srv/admin.token")
admin=(-H "Authorization: Bearer $admin_tok")
secrets=("$admin_tok")
[ "$(stat -c %a "$T/srv/admin.token")" = 600 ] || fail "admin.token mode $(stat -c %a "$T/srv/admin.token")"
curl -s -o /dev/null --interface 127.0.0.2 "$URL/healthz" || skip "cannot connect from 127.0.0.2 to 127.0.0.1"
# the other address is never throttled: its requests bypass nothing but the limit
other=(--interface 127.0.0.2)

say "register: by forkwatch (token file 0600) and over the API"
if "$FW" register --help >/dev/null 2>&1; then
	"$FW" register --server "$URL" --admin-token-file "$T/srv/admin.token" --name lab-cli \
		--hostname lab-cli.example --token-file "$T/host.token" >"$T/fw.out" 2>&1 ||
		{ cat "$T/fw.out"; fail "forkwatch register"; }
	[ "$(stat -c %a "$T/host.token")" = 600 ] || fail "host token file mode $(stat -c %a "$T/host.token")"
	secrets+=("$(sed -n 's/^token=//p' "$T/host.token")")
	cli=1
else
	say "(this forkwatch has no register command: over the API only)"
	cli=0
fi
expect 201 POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "lab-1.example", "name": "lab-1"}'
tok1=$(jget "$T/body" 'd["token"]')
secrets+=("$tok1")

say "uploads, a regression, triage, rename"
"$PY" "$top/tests/e2e/compare-docs.py" "$T" lab-1.example
expect 201 POST /api/v1/runs -H "Authorization: Bearer $tok1" --data-binary @"$T/base.json"
expect 201 POST /api/v1/runs -H "Authorization: Bearer $tok1" --data-binary @"$T/head.json"
expect 200 GET '/api/v1/alerts?kind=regression'
aid=$(jget "$T/body" 'd["alerts"][0]["id"]')
expect 200 POST "/api/v1/alerts/$aid" "${admin[@]}" -d '{"state": "acknowledged", "by": "dev"}'
if [ $cli = 1 ]; then
	"$FW" hosts --server "$URL" --admin-token-file "$T/srv/admin.token" rename lab-cli lab-cli2 \
		>>"$T/fw.out" 2>&1 || { cat "$T/fw.out"; fail "forkwatch hosts rename"; }
	expect 200 GET /api/v1/hosts/lab-cli2
fi
# a web session, when the pages are there
web=0
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/login")
if [ "$code" = 200 ]; then
	web=1
	code=$(curl -s -D "$T/login.h" -o "$T/login.html" -w '%{http_code}' -H "Origin: $URL" \
		--data-urlencode "who=dev" --data-urlencode "token=$admin_tok" --data-urlencode "next=/alerts" "$URL/login")
	[ "$code" = 303 ] || { cat "$T/login.html"; fail "POST /login with the admin token: $code"; }
	cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' "$T/login.h" | tr -d '\r')
	[ -n "$cookie" ] || fail "no session cookie"
	secrets+=("${cookie#*=}")
	curl -s -o "$T/alerts.html" -H "Cookie: $cookie" "$URL/alerts"
	csrf=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$T/alerts.html" | head -1)
	[ -z "$csrf" ] || secrets+=("$csrf")
else
	say "(no /login yet: $code; the web session is not part of this run)"
fi

say "failed attempts: admin, host and login tokens, 20 from one address, then 429"
n=0 g=
guess() { # the next wrong token into $g, kept to look for in the log
	case $((n % 3)) in
	0) g=fwa_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=') ;;
	1) g=fwh_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=') ;;
	2) g=${admin_tok%?}$([ "${admin_tok: -1}" = A ] && echo B || echo A) ;; # one character off
	esac
	secrets+=("$g")
}
try() { # the n-th attempt, a kind by turn: its status in $status
	guess
	case $((n % 3)) in
	0) api POST /api/v1/hosts -H "Authorization: Bearer $g" -d '{"hostname": "x.example"}' ;;
	1) api POST /api/v1/runs -H "Authorization: Bearer $g" --data-binary @"$T/base.json" ;;
	2) if [ $web = 1 ]; then
		api POST /login -H "Origin: $URL" --data-urlencode "who=eve" --data-urlencode "token=$g"
	   else
		api POST "/api/v1/alerts/$aid" -H "Authorization: Bearer $g" -d '{"state": "fixed", "by": "eve"}'
	   fi ;;
	esac
	n=$((n + 1))
}
while :; do
	try
	[ "$status" = 403 ] || break
	[ $n -le 40 ] || fail "no 429 after $n failed tokens"
done
[ "$status" = 429 ] || { cat "$T/body"; fail "status $status after $((n - 1)) failed tokens, expected 429"; }
say "    429 at attempt $n: after $((n - 1)) failures"
[ $((n - 1)) = 20 ] || fail "the limit is $((n - 1)) failures, expected 20"
t0=$(date +%s.%N)
expect_error 429 - "too many failed token attempts from 127.0.0.1" POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "y.example"}'
expect_error 429 - "" POST /api/v1/runs -H "Authorization: Bearer $tok1" --data-binary @"$T/base.json"
expect_error 429 - "" POST "/api/v1/alerts/$aid" "${admin[@]}" -d '{"state": "fixed", "by": "dev"}'
[ $web = 0 ] || expect 429 POST /login -H "Origin: $URL" --data-urlencode "who=dev" --data-urlencode "token=$admin_tok"
say "    the right tokens from 127.0.0.1: 429 as well"
expect 200 GET /api/v1/hosts

say "another address is served: the right tokens from 127.0.0.2 work"
expect 201 POST /api/v1/hosts "${other[@]}" "${admin[@]}" -d '{"hostname": "lab-2.example", "name": "lab-2"}'
secrets+=("$(jget "$T/body" 'd["token"]')")
$DOC make --hostname lab-1.example --out "$T/new.json"
expect 201 POST /api/v1/runs "${other[@]}" -H "Authorization: Bearer $tok1" --data-binary @"$T/new.json"
expect 200 POST "/api/v1/alerts/$aid" "${other[@]}" "${admin[@]}" -d '{"state": "fixed", "by": "dev"}'
# and has its own count: one failure there does not block it
expect 403 POST /api/v1/hosts "${other[@]}" -H "Authorization: Bearer fwa_wrong" -d '{"hostname": "z"}'
expect 200 POST "/api/v1/alerts/$aid" "${other[@]}" "${admin[@]}" -d '{"state": "acknowledged", "by": "dev"}'
t1=$(date +%s.%N)
"$PY" -c "import sys; sys.exit(0 if $t1 - $t0 < 30 else 1)" || fail "the checks took longer than the 60 s window allows"

say "no token in the daemon's log ($(wc -l <"$DLOG") lines at debug) nor in forkwatch's output"
grep -q 'POST /api/v1/runs 201' "$DLOG" || fail "the log has no debug lines: $(head -5 "$DLOG")"
grep -q 'failed token from 127.0.0.1' "$DLOG" || fail "the failed attempts are not logged"
files=("$DLOG")
[ $cli = 0 ] || files+=("$T/fw.out")
leaks=0
for s in "${secrets[@]}"; do
	# the whole token, and 20 characters of its random part (a shortened one)
	for part in "$s" "${s:4:20}"; do
		if grep -qF -- "$part" "${files[@]}"; then
			echo "LEAK: '${part:0:8}...' in $(grep -lF -- "$part" "${files[@]}" | tr '\n' ' ')" >&2
			leaks=$((leaks + 1))
		fi
	done
done
[ $leaks = 0 ] || fail "$leaks token(s) in the logs"
say "    ${#secrets[@]} secrets looked for: none found"
! grep -qF "$admin_tok" "$db" "$db-wal" 2>/dev/null || fail "the admin token is in the database"
! grep -qF "$tok1" "$db" "$db-wal" 2>/dev/null || fail "a host token is in the database"

if [ $cli = 1 ]; then
	say "forkwatch warns about a token file open to others"
	cp "$T/srv/admin.token" "$T/open.token"
	chmod 644 "$T/open.token"
	"$FW" hosts --server "$URL" --admin-token-file "$T/open.token" list >"$T/out" 2>"$T/err" ||
		{ cat "$T/err"; fail "forkwatch hosts list"; }
	grep -q "warning: --admin-token-file '$T/open.token' is open to others (mode 0644): chmod 600" "$T/err" ||
		fail "no warning: $(cat "$T/err")"
	"$FW" hosts --server "$URL" --admin-token-file "$T/srv/admin.token" list >"$T/out" 2>"$T/err"
	[ ! -s "$T/err" ] || fail "a warning about a 0600 file: $(cat "$T/err")"
fi

say "an admin token file readable by others: a warning at start"
stop_daemon
cp "$T/srv/admin.token" "$T/loose.token"
chmod 644 "$T/loose.token"
start_daemon "$T/d2.log" --db "$db" --admin-token-file "$T/loose.token"
grep -q "admin token file '$T/loose.token' is open to others (mode 0644)" "$DLOG" ||
	fail "no warning about a mode 0644 admin token file: $(cat "$DLOG")"
say "    $(grep 'open to others' "$DLOG")"
stop_daemon
chmod 600 "$T/loose.token"
start_daemon "$T/d3.log" --db "$db" --admin-token-file "$T/loose.token"
! grep -q "open to others" "$DLOG" || fail "a warning about a 0600 file"
stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc"
echo ok
