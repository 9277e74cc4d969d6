#!/usr/bin/env bash
# forkwatchd's JSON API end to end (docs/http-api.md): the real daemon on a
# free loopback port with a fresh database, driven over HTTP like a lab
# machine and an admin would.  Registration, uploads of a real result
# document (from forkwatch bench when root, else a synthetic one),
# idempotence, the summaries read back, every kind of refusal with its
# status and field, names full of quotes and SQL read back verbatim, and
# nothing of a refused upload stored.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
DOC="$PY $top/tests/e2e/daemon-doc.py"

mkdir -p "$T/srv"
db=$T/srv/fw.db

say "a result document"
if [ "$(id -u)" = 0 ] && [ -x "$FW" ] &&
	"$FW" bench --wait --size 4M --runs 2 --iterations 3 --warmup 0 --layouts order-0,pmd --quiet \
		--json "$T/bench.json" >"$T/bench.out" 2>&1; then
	say "from forkwatch bench"
	$DOC make --from "$T/bench.json" --hostname lab-1.example --out "$T/doc1.json"
else
	say "synthetic (forkwatch bench needs root and a build; $(tail -1 "$T/bench.out" 2>/dev/null || echo not run))"
	$DOC make --out "$T/doc1.json"
fi
ident=$($DOC ident "$T/doc1.json")
complete=$($DOC complete "$T/doc1.json")
ncases=$(jget "$T/doc1.json" 'len(d["cases"])')

say "start on a fresh database: admin.token generated beside it, 0600"
start_daemon "$T/d.log" --db "$db"
[ -f "$T/srv/admin.token" ] || fail "no admin.token beside the database"
[ "$(stat -c %a "$T/srv/admin.token")" = 600 ] || fail "admin.token mode $(stat -c %a "$T/srv/admin.token")"
if on_pg; then
	# PostgreSQL has no folder beside it: start_daemon gave the token file (daemon-lib.sh)
	grep -q "admin token from $T/srv/admin.token" "$T/d.log" || fail "the log does not say where the admin token is"
else
	grep -q "generated the admin token in $T/srv/admin.token" "$T/d.log" || fail "the log does not say where the admin token is"
fi
! grep -q "$(cat "$T/srv/admin.token")" "$T/d.log" || fail "the admin token is in the log"
admin=(-H "Authorization: Bearer $(cat "$T/srv/admin.token")")
json=(-H "Content-Type: application/json")

expect 200 GET /healthz
jcheck "$T/body" "d[\"status\"] == \"ok\" and d[\"schema_version\"] == $SCHEMA_LATEST and d[\"page_cache\"][\"pages\"] == 0" "/healthz"

say "register a lab machine"
expect 201 POST /api/v1/hosts "${admin[@]}" "${json[@]}" -d '{"hostname": "lab-1.example", "name": "lab-1"}'
jcheck "$T/body" 'd["host"]["name"] == "lab-1" and d["host"]["hostname"] == "lab-1.example" and d["host"]["uploads"] == 0' "registered host"
jcheck "$T/body" 'd["token"].startswith("fwh_") and len(d["token"]) > 40' "host token"
tok1=$(jget "$T/body" 'd["token"]')
! grep -q "$tok1" "$T/d.log" || fail "the host token is in the log"
h1=(-H "Authorization: Bearer $tok1")

say "the name defaults to the hostname"
expect 201 POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "lab-2.example"}'
jcheck "$T/body" 'd["host"]["name"] == "lab-2.example"' "default name"
tok2=$(jget "$T/body" 'd["token"]')
[ "$tok2" != "$tok1" ] || fail "two hosts got the same token"
h2=(-H "Authorization: Bearer $tok2")

say "registration refusals"
expect_error 409 name "lab-1" POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "other.example", "name": "lab-1"}'
expect_error 401 - "" POST /api/v1/hosts -d '{"hostname": "x.example", "name": "x"}'
expect_error 401 - "" POST /api/v1/hosts -H "Authorization: Basic YWRtaW46YWRtaW4=" -d '{"hostname": "x.example"}'
expect_error 403 - "" POST /api/v1/hosts -H "Authorization: Bearer fwa_wrong" -d '{"hostname": "x.example"}'
expect_error 403 - "" POST /api/v1/hosts "${h1[@]}" -d '{"hostname": "x.example"}'
expect_error 400 - "malformed JSON" POST /api/v1/hosts "${admin[@]}" -d '{"hostname": '
expect_error 400 - "" POST /api/v1/hosts "${admin[@]}" -d '["x.example"]'
expect_error 400 hostname "" POST /api/v1/hosts "${admin[@]}" -d '{"name": "x"}'
expect_error 400 hostname "" POST /api/v1/hosts "${admin[@]}" -d '{"hostname": 7}'
expect_error 400 hostname "" POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "x\ty"}'
expect_error 400 name "" POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "x.example", "name": "a/b"}'
expect_error 400 name "" POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "x.example", "name": ""}'
expect_error 400 - "malformed JSON" POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "x.example", "hostname": "y"}'

say "list hosts"
expect 200 GET /api/v1/hosts
jcheck "$T/body" 'sorted(h["name"] for h in d["hosts"]) == ["lab-1", "lab-2.example"]' "host list"
jcheck "$T/body" 'all("token" not in h and "token_hash" not in h for h in d["hosts"])' "no tokens in the list"

say "upload a result: 201, then the same again: 200, created false"
expect 201 POST /api/v1/runs "${h1[@]}" "${json[@]}" --data-binary @"$T/doc1.json"
jcheck "$T/body" 'd["created"] is True and d["run"]["uuid"] == json.load(open("'"$T/doc1.json"'"))["run_uuid"]' "upload answer"
run1=$(jget "$T/body" 'd["run"]["id"]')
jcheck "$T/body" 'd["run"]["url"] == "/api/v1/runs/%d" % d["run"]["id"]' "run url"
expect 200 POST /api/v1/runs "${h1[@]}" "${json[@]}" --data-binary @"$T/doc1.json"
jcheck "$T/body" 'd["created"] is False and d["run"]["id"] == '"$run1" "re-upload answer"
grep -q "stored as $run1" "$T/d.log" || fail "the log does not say the run was stored"

expect 200 GET /api/v1/hosts/lab-1
cp "$T/body" "$T/host1.json"
jcheck "$T/host1.json" 'd["host"]["uploads"] == 1' "uploads after two posts of one document"
jcheck "$T/host1.json" 'd["host"]["latest_kernel"] == "'"$ident"'" and d["host"]["last_seen_at"]' "latest kernel"
jcheck "$T/host1.json" 'd["host"]["cpus"] == json.load(open("'"$T/doc1.json"'"))["host"]["cpus"]' "host facts from the upload"
jcheck "$T/host1.json" '[(k["ident"], k["uploads"], k["complete_uploads"]) for k in d["kernels"]] == [("'"$ident"'", 1, '"$([ "$complete" = true ] && echo 1 || echo 0)"')]' "the host's kernels"
jcheck "$T/host1.json" 'd["kernels"][0]["last_received_at"]' "last_received_at"

say "the run reads back with its cases and summaries"
expect 200 GET "/api/v1/runs/$run1"
cp "$T/body" "$T/run1.json"
$DOC check-run "$T/doc1.json" "$T/run1.json" lab-1 || fail "GET /api/v1/runs/$run1 does not match the document"
jcheck "$T/run1.json" 'len(d["cases"]) == '"$ncases" "cases"

expect 200 GET /api/v1/kernels
jcheck "$T/body" '[(k["ident"], k["hosts"], k["uploads"]) for k in d["kernels"]] == [("'"$ident"'", 1, 1)]' "kernels"

say "uploads that are refused: status, field, and nothing stored"
# each refused document has a new run_uuid: were anything stored, counts would show it
bad() { # STATUS FIELD WHAT EDIT-ARGS...: a refused edit of doc1 uploaded with host 1's token
	local st=$1 field=$2 what=$3
	shift 3
	$DOC make --from "$T/doc1.json" --new-uuid "$@" --out "$T/bad.json"
	expect_error "$st" "$field" "$what" POST /api/v1/runs "${h1[@]}" "${json[@]}" --data-binary @"$T/bad.json"
}
expect_error 400 - "malformed JSON" POST /api/v1/runs "${h1[@]}" --data-binary '{"format": "forkwatch-result/1", '
expect_error 400 - "malformed JSON" POST /api/v1/runs "${h1[@]}" --data-binary ''
expect_error 400 - "expected a JSON object" POST /api/v1/runs "${h1[@]}" --data-binary '[1, 2, 3]'
bad 400 host.cpus "expected an integer" --set 'host.cpus="2"'
bad 400 host.mem_bytes "-5" --set 'host.mem_bytes=-5'
bad 400 format "forkwatch-result/9" --set 'format="forkwatch-result/9"'
bad 400 run_uuid "not-a-uuid" --set 'run_uuid="not-a-uuid"'
bad 400 kernel.commit "DEADBEEF" --set 'kernel.commit="DEADBEEF"'
bad 400 params.runs "0 is out of range" --set 'params.runs=0'
bad 400 'cases[0].runs[0].ns[0]' "non-negative integer" --set 'cases[0].runs[0].ns[0]=-1'
bad 400 'cases[0].runs[1].ns[1]' "non-negative integer" --set 'cases[0].runs[1].ns[1]=1.5'
bad 400 'cases[0].runs' "params.runs says 3" --set 'params.runs=3'
bad 400 'cases[0].workload' "'9exec': expected a workload name" --set 'cases[0].workload="9exec"'
bad 400 'cases[0].layout' "'order-x'" --set 'cases[0].layout="order-x"'
bad 400 'cases[0].runs[0].counters.bogus' "not a counter" --set 'cases[0].runs[0].counters.bogus=[1,2,3]'
bad 400 'cases[0].runs[0].ns' "missing" --del 'cases[0].runs[0].ns'
bad 400 host.hostname "control characters" --set 'host.hostname="lab-1\u0007"'
# the right hostname is a must, also in an otherwise perfect document
bad 403 host.hostname "'lab-2.example' is not the machine" --hostname lab-2.example
# a NUL byte and bytes that are not UTF-8, raw on the wire
"$PY" -c 'import sys; t = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(t.replace(b"lab-1.example", b"lab-1.\xff\xfe", 1))' "$T/doc1.json" "$T/raw.json"
expect_error 400 host.hostname "malformed JSON" POST /api/v1/runs "${h1[@]}" --data-binary @"$T/raw.json"
"$PY" -c 'import sys; t = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(t.replace(b"{", b"{\x00", 1))' "$T/doc1.json" "$T/raw.json"
expect_error 400 - "malformed JSON" POST /api/v1/runs "${h1[@]}" --data-binary @"$T/raw.json"
"$PY" -c 'import sys; t = open(sys.argv[1]).read(); open(sys.argv[2], "w").write(t.replace("\"cpus\":", "\"cpus\": NaN, \"x\":", 1))' "$T/doc1.json" "$T/raw.json"
expect_error 400 host.cpus "malformed JSON" POST /api/v1/runs "${h1[@]}" --data-binary @"$T/raw.json"

say "tokens: none, malformed, unknown, another host's"
$DOC make --from "$T/doc1.json" --new-uuid --out "$T/new.json"
expect_error 401 - "" POST /api/v1/runs "${json[@]}" --data-binary @"$T/new.json"
expect_error 401 - "" POST /api/v1/runs -H "Authorization: $tok1" --data-binary @"$T/new.json"
expect_error 401 - "" POST /api/v1/runs -H "Authorization: Bearer" --data-binary @"$T/new.json"
expect_error 403 - "" POST /api/v1/runs -H "Authorization: Bearer fwh_wrong" --data-binary @"$T/new.json"
expect_error 403 - "" POST /api/v1/runs "${admin[@]}" --data-binary @"$T/new.json"
expect_error 403 host.hostname "" POST /api/v1/runs "${h2[@]}" --data-binary @"$T/new.json"
# the same run_uuid from another machine
$DOC make --from "$T/doc1.json" --hostname lab-2.example --out "$T/stolen.json"
expect_error 409 run_uuid "" POST /api/v1/runs "${h2[@]}" --data-binary @"$T/stolen.json"

say "a retired host's token no longer uploads"
$DOC make --from "$T/doc1.json" --new-uuid --hostname lab-2.example --out "$T/doc2.json"
expect 201 POST /api/v1/runs "${h2[@]}" --data-binary @"$T/doc2.json"
expect_error 401 - "" POST /api/v1/hosts/lab-2.example -d '{"retire": true}'
expect_error 403 - "" POST /api/v1/hosts/lab-2.example "${h2[@]}" -d '{"retire": true}'
expect_error 400 - "" POST /api/v1/hosts/lab-2.example "${admin[@]}" -d '{}'
expect_error 400 retire "" POST /api/v1/hosts/lab-2.example "${admin[@]}" -d '{"retire": false}'
expect_error 404 - "" POST /api/v1/hosts/no-such-host "${admin[@]}" -d '{"retire": true}'
expect 200 POST /api/v1/hosts/lab-2.example "${admin[@]}" -d '{"retire": true}'
jcheck "$T/body" 'd["host"]["retired_at"] and d["host"]["uploads"] == 1' "retired host"
$DOC make --from "$T/doc1.json" --new-uuid --hostname lab-2.example --out "$T/doc3.json"
expect_error 403 - "retired" POST /api/v1/runs "${h2[@]}" --data-binary @"$T/doc3.json"
expect 200 GET /api/v1/hosts
jcheck "$T/body" '[h["name"] for h in d["hosts"]] == ["lab-1"]' "retired hosts are not listed"
expect 200 GET '/api/v1/hosts?retired=1'
jcheck "$T/body" 'sorted(h["name"] for h in d["hosts"]) == ["lab-1", "lab-2.example"]' "?retired=1 lists them"

say "rename"
expect_error 409 rename "" POST /api/v1/hosts/lab-1 "${admin[@]}" -d '{"rename": "lab-2.example"}'
expect_error 400 rename "" POST /api/v1/hosts/lab-1 "${admin[@]}" -d '{"rename": "a/b"}'
expect 200 POST /api/v1/hosts/lab-1 "${admin[@]}" -d '{"rename": "lab-one"}'
jcheck "$T/body" 'd["host"]["name"] == "lab-one" and d["host"]["uploads"] == 1' "renamed host"
expect_error 404 - "" GET /api/v1/hosts/lab-1
expect 201 POST /api/v1/runs "${h1[@]}" --data-binary @"$T/new.json"
run_new=$(jget "$T/body" 'd["run"]["id"]')
expect 200 GET "/api/v1/runs/$run_new"
jcheck "$T/body" 'd["run"]["host"] == "lab-one"' "the token still uploads for the renamed host"

say "names with quotes, markup and SQL are stored and read back verbatim"
sqlname="lab'; DROP TABLE hosts;--"
odd='x"<b>'
body=$("$PY" -c 'import json, sys; print(json.dumps({"hostname": sys.argv[2], "name": sys.argv[1]}))' "$sqlname" "$odd")
expect 201 POST /api/v1/hosts "${admin[@]}" -d "$body"
tok3=$(jget "$T/body" 'd["token"]')
expect 200 GET "/api/v1/hosts/$(pct "$sqlname")"
"$PY" - "$T/body" "$sqlname" "$odd" <<'PYEOF' || fail "odd names read back"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["host"]["name"] == sys.argv[2] and d["host"]["hostname"] == sys.argv[3], d
PYEOF
$DOC make --from "$T/doc1.json" --new-uuid --hostname "$odd" --out "$T/odd.json"
expect 201 POST /api/v1/runs -H "Authorization: Bearer $tok3" --data-binary @"$T/odd.json"
odd_run=$(jget "$T/body" 'd["run"]["id"]')
expect 200 GET "/api/v1/runs/$odd_run"
jcheck "$T/body" 'd["run"]["host"] == "lab'"'"'; DROP TABLE hosts;--"' "the run's host name"
body=$("$PY" -c 'import json, sys; print(json.dumps({"hostname": "h", "name": sys.argv[1]}))' "$odd")
expect 201 POST /api/v1/hosts "${admin[@]}" -d "$body"
expect 200 GET "/api/v1/hosts/$(pct "$odd")"
"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["host"]["name"] == sys.argv[2], d' "$T/body" "$odd" ||
	fail "name $odd read back"
# UTF-8 and spaces
expect 201 POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "h", "name": "Läb 7 ✓ (rack 3)"}'
expect 200 GET "/api/v1/hosts/$(pct 'Läb 7 ✓ (rack 3)')"
jcheck "$T/body" 'd["host"]["name"] == "Läb 7 ✓ (rack 3)"' "UTF-8 name"
expect 200 GET /api/v1/hosts
jcheck "$T/body" 'len(d["hosts"]) == 4' "every host still there (hosts table intact)"
# names with '%' (the path was once percent-decoded twice)
expect 201 POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "h", "name": "100% lab"}'
expect 200 GET "/api/v1/hosts/$(pct '100% lab')"
expect 201 POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "h", "name": "a%41b"}'
expect 200 GET "/api/v1/hosts/$(pct 'a%41b')"
jcheck "$T/body" 'd["host"]["name"] == "a%41b"' "a name with %41"

say "routes and methods"
expect_error 404 - "" GET /api/v1/nothing
# a path outside the API that is no page: an HTML page says so
expect 404 GET /nowhere
grep -q '<h1>404</h1>' "$T/body" || { cat "$T/body"; fail "GET /nowhere: not an HTML error page"; }
expect_error 404 - "" GET /api/v1/hosts/lab-one/extra
expect_error 404 - "" GET /api/v1/hosts/no-such-host
expect_error 405 - "" DELETE /api/v1/hosts
expect_error 405 - "" PUT /api/v1/runs -d '{}'
expect_error 405 - "" GET /api/v1/runs
expect_error 405 - "" POST /healthz -d '{}'
expect_error 400 - "" GET /api/v1/runs/abc
expect_error 400 - "" GET /api/v1/runs/0
expect_error 404 - "" GET /api/v1/runs/999999
# an encoded '/' or NUL never reaches a handler as part of a name
for p in a%2Fb a%00b a%2fb%00; do
	api GET "/api/v1/hosts/$p"
	case $status in 400 | 404) ;; *) cat "$T/body"; fail "GET /api/v1/hosts/$p: status $status" ;; esac
done

say "after all the refusals: only what was accepted is stored"
expect 200 GET '/api/v1/hosts?retired=1'
jcheck "$T/body" '{h["name"]: h["uploads"] for h in d["hosts"] if "%" not in h["name"]} == {"lab-one": 2, "lab-2.example": 1, "lab'"'"'; DROP TABLE hosts;--": 1, "x\"<b>": 0, "Läb 7 ✓ (rack 3)": 0}' "uploads per host"
expect 200 GET /api/v1/kernels
jcheck "$T/body" 'sum(k["uploads"] for k in d["kernels"]) == 4' "4 uploads in all"

say "bodies over --max-body: 413"
stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc on SIGTERM"
start_daemon "$T/d2.log" --db "$db" --max-body 64k
expect 200 GET /api/v1/hosts/lab-one
head -c 100000 /dev/zero | tr '\0' ' ' >"$T/big.json"
expect_error 413 - "" POST /api/v1/runs "${h1[@]}" --data-binary @"$T/big.json"
# without a Content-Length, as it streams
expect_error 413 - "" POST /api/v1/runs "${h1[@]}" -H "Transfer-Encoding: chunked" --data-binary @"$T/big.json"
expect_error 413 - "" POST /api/v1/hosts "${admin[@]}" --data-binary @"$T/big.json"
# calibration profiles take up to 256 KiB, but never past a smaller --max-body
expect_error 413 - "" POST /api/v1/calibrations "${h1[@]}" --data-binary @"$T/big.json"
$DOC make --from "$T/doc1.json" --new-uuid --pad 100000 --out "$T/padded.json"
expect_error 413 - "" POST /api/v1/runs "${h1[@]}" --data-binary @"$T/padded.json"
# a declared Content-Length over the limit is answered at once, before the body
# (with the host's token: without one the answer is a 401, as soon)
"$PY" - "$PORT" "${h1[1]}" <<'PYEOF' || fail "a declared oversize body is read before the 413"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /api/v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n" + sys.argv[2].encode() +
          b"\r\nContent-Length: 1000000000\r\n\r\n" + b" " * 1000)
s.settimeout(5)
try:
    head = s.recv(100)
except socket.timeout:
    print("no answer within 5 s to a 1 GB Content-Length (limit 64k)"); sys.exit(1)
assert head.startswith(b"HTTP/1.1 413"), head
PYEOF
# a document within the limit is taken
$DOC make --from "$T/doc1.json" --new-uuid --out "$T/small.json"
[ "$(stat -c %s "$T/small.json")" -lt 65536 ] || fail "test document larger than 64k"
expect 201 POST /api/v1/runs "${h1[@]}" -H "Transfer-Encoding: chunked" --data-binary @"$T/small.json"
expect 200 GET /api/v1/hosts/lab-one
jcheck "$T/body" 'd["host"]["uploads"] == 3' "uploads after the 413s"

say "concurrent uploads: 16 runs at once, and one run 8 times at once"
for i in $(seq 16); do
	$DOC make --from "$T/doc1.json" --new-uuid --out "$T/par$i.json"
done
$DOC make --from "$T/doc1.json" --new-uuid --out "$T/same.json"
pids=()
for i in $(seq 16); do
	curl -s -o /dev/null -w '%{http_code}\n' -X POST "${h1[@]}" --data-binary @"$T/par$i.json" \
		"$URL/api/v1/runs" >"$T/par$i.status" &
	pids+=($!)
done
for i in $(seq 8); do
	curl -s -o "$T/same$i.out" -w '%{http_code}\n' -X POST "${h1[@]}" --data-binary @"$T/same.json" \
		"$URL/api/v1/runs" >"$T/same$i.status" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent curl failed"; done
[ "$(cat "$T"/par*.status | sort | uniq -c | awk '{print $1 "x" $2}')" = 16x201 ] ||
	fail "concurrent uploads: $(cat "$T"/par*.status | sort | uniq -c)"
[ "$(cat "$T"/same*.status | sort | uniq -c | awk '{print $1 "x" $2}' | tr '\n' ' ')" = "7x200 1x201 " ] ||
	fail "one run 8 times at once: $(cat "$T"/same*.status | sort | uniq -c)"
[ "$("$PY" -c 'import json, sys; print(len({json.load(open(f))["run"]["id"] for f in sys.argv[1:]}))' "$T"/same*.out)" = 1 ] ||
	fail "one run stored under several ids"
expect 200 GET /api/v1/hosts/lab-one
jcheck "$T/body" 'd["host"]["uploads"] == 20' "uploads after the concurrent ones"

say "too many failed tokens from one address: 429, also for a right token"
n=0
while :; do
	api POST /api/v1/runs -H "Authorization: Bearer fwh_guess$n" --data-binary @"$T/small.json"
	[ "$status" = 403 ] || break
	n=$((n + 1))
	[ $n -le 25 ] || fail "no 429 after $n failed tokens"
done
[ "$status" = 429 ] || { cat "$T/body"; fail "status $status after $n failed tokens, expected 429"; }
say "429 after $n more failures"
expect_error 429 - "too many" POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "y"}'
expect 200 GET /api/v1/hosts

say "SIGTERM: exit 0, the database intact"
stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc on SIGTERM"
grep -q 'stopped' "$T/d2.log" || fail "no 'stopped' in the log"
if on_pg; then
	pgdb=${pg_of[$db]}
	runs=$(pg_sql "$pgdb" "SELECT count(*) FROM runs")
	[ "$runs" = 22 ] || fail "$runs runs stored, expected 22"
	[ "$(pg_sql "$pgdb" "SELECT count(*) FROM hosts")" -ge 5 ] || fail "hosts"
	[ "$(pg_sql "$pgdb" "SELECT count(*) FROM hosts WHERE length(token_hash) <> 32")" = 0 ] || fail "token hashes"
	[ "$(pg_sql "$pgdb" "SELECT count(*) FROM hosts WHERE position(convert_to('$tok1', 'UTF8') in token_hash) > 0")" = 0 ] ||
		fail "a host token is in the database"
	say "database ok: $runs runs"
else
"$PY" - "$db" <<'PYEOF' || fail "database check"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
r = c.execute("PRAGMA integrity_check").fetchall()
assert r == [("ok",)], r
assert c.execute("PRAGMA foreign_key_check").fetchall() == []
runs = c.execute("SELECT count(*) FROM runs").fetchone()[0]
assert runs == 22, "%d runs stored, expected 22" % runs
hosts = c.execute("SELECT count(*) FROM hosts").fetchone()[0]
assert hosts >= 5, hosts
tokens = [r[0] for r in c.execute("SELECT token_hash FROM hosts")]
assert all(isinstance(t, bytes) and len(t) == 32 for t in tokens), "token hashes"
print("database ok: %d runs, %d hosts" % (runs, hosts))
PYEOF
! grep -q "$tok1" "$db" || fail "a host token is in the database"
fi
echo ok
