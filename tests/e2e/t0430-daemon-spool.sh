#!/usr/bin/env bash
# The lab machine's path against the real forkwatchd: `forkwatch register`
# keeps the host token; `forkwatch run` while the server is down spools
# its result and gives up (exit 3); once the server is back, the next run
# delivers the spooled result and its own, oldest first; `forkwatch agent`
# sees that the running kernel has a complete upload and does not
# benchmark again, and benchmarks a kernel that has none; the server
# records that it wants more runs (issue 10) and the agent adds them, or,
# without the record, asks the comparison itself; a retired
# host's results stay spooled (exit 4).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
need_root
[ -x "$FW" ] || fail "no $FW: run make first"
"$FW" register --help >/dev/null 2>&1 || skip "this forkwatch has no register command (built without upload support?)"
"$FW" run --help >/dev/null 2>&1 && "$FW" agent --help >/dev/null 2>&1 || skip "this forkwatch has no run/agent commands"

spool=$T/spool
name="lab test"
bench=(--wait --size 4M --runs 2 --iterations 3 --warmup 0 --layouts order-0 --workloads fork,munmap --quiet)
entries() { find "$spool" -maxdepth 1 -name '*.json' 2>/dev/null | sort; }
# fw CODE args...: forkwatch must exit CODE; its output in $T/out, $T/err
fw() {
	local want=$1 rc=0
	shift
	timeout 300 "$FW" "$@" >"$T/out" 2>"$T/err" || rc=$?
	[ $rc -eq "$want" ] || { cat "$T/out" "$T/err" >&2; fail "forkwatch $1: exit $rc, expected $want"; }
}

mkdir "$T/srv"
start_daemon "$T/d1.log" --db "$T/srv/fw.db"
port=$PORT

say "register: the token goes to the token file (0600), never to the terminal"
fw 0 register --server "$URL" --admin-token-file "$T/srv/admin.token" --name "$name" --token-file "$T/host.token"
[ "$(stat -c %a "$T/host.token")" = 600 ] || fail "token file mode $(stat -c %a "$T/host.token")"
grep -qx "name=$name" "$T/host.token" || fail "token file: no name line"
token=$(sed -n 's/^token=//p' "$T/host.token")
case $token in fwh_*) ;; *) fail "token file: no host token" ;; esac
! grep -qF "$token" "$T/out" "$T/err" "$T/d1.log" || fail "the host token was printed or logged"
expect 200 GET "/api/v1/hosts/$(pct "$name")"
jcheck "$T/body" 'd["host"]["hostname"] == "'"$(hostname)"'" and d["host"]["uploads"] == 0' "registered host"
say "register again: the server says the name is taken"
rc=0
"$FW" register --server "$URL" --admin-token-file "$T/srv/admin.token" --name "$name" \
	--token-file "$T/again.token" >"$T/out" 2>"$T/err" || rc=$?
[ $rc -ne 0 ] || fail "registering a taken name succeeded"
grep -q '409' "$T/err" || grep -qi 'exists\|taken' "$T/err" || fail "no reason given: $(cat "$T/err")"
say "    $(head -1 "$T/err")"
[ ! -e "$T/again.token" ] || fail "a token file was written for a refused registration"

say "the server goes down; forkwatch run spools its result and gives up (exit 3)"
stop_daemon
[ "$drc" = 0 ] || fail "SIGTERM: exit $drc"
fw 3 run --server "http://127.0.0.1:$port" --token-file "$T/host.token" --spool "$spool" --retry-for 2 "${bench[@]}"
[ "$(entries | wc -l)" = 1 ] || fail "expected 1 spooled result: $(entries)"
first=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["run_uuid"])' "$(entries)")
say "spooled $first"

say "the server is back on the same address: the next run delivers both, oldest first"
start_daemon "$T/d2.log" --db "$T/srv/fw.db" --listen "127.0.0.1:$port"
fw 0 run --server "$URL" --token-file "$T/host.token" --spool "$spool" --retry-for 60 "${bench[@]}"
[ -z "$(entries)" ] || fail "the spool is not empty: $(entries)"
expect 200 GET "/api/v1/hosts/$(pct "$name")"
cp "$T/body" "$T/host.json"
jcheck "$T/host.json" 'd["host"]["uploads"] == 2' "2 uploads"
jcheck "$T/host.json" 'len(d["kernels"]) == 1 and d["kernels"][0]["uploads"] == 2' "one kernel, 2 uploads"
ident=$(jget "$T/host.json" 'd["kernels"][0]["ident"]')
expect 200 GET /api/v1/runs/1
jcheck "$T/body" 'd["run"]["uuid"] == "'"$first"'"' "the spooled result was stored first"
expect 200 GET /api/v1/runs/2
jcheck "$T/body" 'd["run"]["uuid"] != "'"$first"'" and d["run"]["host"] == "'"$name"'"' "the new result second"
jcheck "$T/body" '{(c["workload"], c["layout"]) for c in d["cases"]} == {("fork", "order-0"), ("munmap", "order-0")}' "cases"
jcheck "$T/body" 'd["cases"][0]["metrics"]["ns"]["runs"]["n"] == 2' "per-run summaries"
# order-0 at 4 MiB verifies wherever forkwatch runs: a run that is not
# complete is a failure here, not a reason to pass over the agent's checks
complete=$(jget "$T/body" 'd["run"]["complete"]')
[ "$complete" = true ] ||
	fail "the new run is not complete, so the agent's skip cannot be checked: $(jget "$T/body" '[(c["workload"], c["layout"], c.get("layout_ok"), c.get("layout_reason"), c.get("runs_ok")) for c in d["cases"]]')"
[ "$(grep -c 'stored as' "$T/d2.log")" = 2 ] || fail "the daemon did not log 2 stored runs"

say "agent: the running kernel has a complete upload (and, the host's first, no baseline): no benchmark"
jcheck "$T/host.json" 'd["kernels"][0]["wants"] is None' "the first kernel's record: no baseline (wants null)"
fw 0 agent --server "$URL" --token-file "$T/host.token" --spool "$spool" --retry-for 30 "${bench[@]}"
grep -q 'not benchmarking it again' "$T/out" || fail "agent did not skip: $(cat "$T/out" "$T/err")"
grep -q 'nothing to compare it with yet' "$T/out" || fail "agent did not read the server's record: $(cat "$T/out")"
grep -qF "$ident" "$T/out" || fail "agent does not name the kernel $ident: $(cat "$T/out")"
expect 200 GET "/api/v1/hosts/$(pct "$name")"
jcheck "$T/body" 'd["host"]["uploads"] == 2' "no new upload from a skipping agent"

say "agent: a kernel without results is benchmarked and delivered; then, undecided, given more runs"
fw 0 agent --server "$URL" --token-file "$T/host.token" --spool "$spool" --retry-for 30 \
	--kernel-commit 0123456789abcdef "${bench[@]}"
[ -z "$(entries)" ] || fail "agent left the spool: $(entries)"
expect 200 GET /api/v1/kernels
jcheck "$T/body" '{k["ident"]: k["uploads"] for k in d["kernels"]}.get("0123456789abcdef") == 1' "the new kernel's upload"
# it has a baseline now (the kernel before): 2 runs of 3 forks cannot
# decide a 1% budget, and the server recorded that it wants more runs
# (issue 10: "has runs enough to decide")
newk() { jget "$T/body" '[k for k in d["kernels"] if k["ident"] == "0123456789abcdef"][0]'"$1"; }
expect 200 GET "/api/v1/hosts/$(pct "$name")"
wants1=$(newk '["wants"]["runs"]')
[ "$(newk '["wants"]["base"]')" = "$ident" ] || fail "the record's baseline: $(newk '["wants"]')"
[ "$wants1" -gt 0 ] || fail "2 runs of 3 forks want no more runs: $(newk '["wants"]')"
say "    recorded: wants $wants1 more runs ($(newk '["wants"]["cases"]'))"
say "agent: the undecided kernel is given more runs; the server pools them"
fw 0 agent --server "$URL" --token-file "$T/host.token" --spool "$spool" --retry-for 30 \
	--kernel-commit 0123456789abcdef "${bench[@]}"
grep -q "kernel '0123456789abcdef' on this host wants $wants1 more runs\?: running" "$T/out" ||
	fail "agent did not add runs to the undecided kernel: $(cat "$T/out" "$T/err")"
say "    $(grep 'on this host wants' "$T/out")"
[ -z "$(entries)" ] || fail "agent left the spool: $(entries)"
expect 200 GET /api/v1/kernels
jcheck "$T/body" '{k["ident"]: k["uploads"] for k in d["kernels"]}.get("0123456789abcdef") == 2' "the kernel's two uploads"
expect 200 GET "/api/v1/hosts/$(pct "$name")"
jcheck "$T/body" 'd["host"]["uploads"] == 4' "4 uploads"
say "    recorded after the second upload: $(newk '["wants"]')"
[ "$(newk '["wants"]["recorded_at"] is not None')" = true ] || fail "no record after the second upload"

say "agent against a server without the record (as before schema 11): it asks the comparison"
stop_daemon
[ "$drc" = 0 ] || fail "SIGTERM: exit $drc"
"$PY" -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("UPDATE host_kernels SET wants_at = NULL"); c.commit()' "$T/srv/fw.db" ||
	fail "clearing the records"
start_daemon "$T/d3.log" --db "$T/srv/fw.db" --listen "127.0.0.1:$port"
expect 200 GET "/api/v1/hosts/$(pct "$name")"
[ "$(newk '.get("wants", "absent")')" = absent ] || fail "a cleared record is served: $(newk '["wants"]')"
fw 0 agent --server "$URL" --token-file "$T/host.token" --spool "$spool" --retry-for 30 \
	--kernel-commit 0123456789abcdef "${bench[@]}"
grep -q 'not enough runs to decide.*adding runs' "$T/out" "$T/err" ||
	fail "agent without the record did not add runs by the comparison: $(cat "$T/out" "$T/err")"
expect 200 GET "/api/v1/hosts/$(pct "$name")"
jcheck "$T/body" 'd["host"]["uploads"] == 5' "5 uploads"
[ "$(newk '["wants"]["base"]')" = "$ident" ] || fail "no record again after an upload: $(newk '.get("wants")')"

say "a retired host: the server refuses its token, the result stays spooled (exit 4)"
expect 200 POST "/api/v1/hosts/$(pct "$name")" -H "Authorization: Bearer $(cat "$T/srv/admin.token")" -d '{"retire": true}'
fw 4 run --server "$URL" --token-file "$T/host.token" --spool "$spool" --retry-for 10 "${bench[@]}"
[ "$(entries | wc -l)" = 1 ] || fail "the refused result is not spooled: $(entries)"
grep -q 'answered 403' "$T/err" || fail "no 403 line: $(cat "$T/err")"
say "    $(grep 'answered 403' "$T/err" | head -1)"
expect 200 GET '/api/v1/hosts?retired=1'
jcheck "$T/body" '[h["uploads"] for h in d["hosts"]] == [5]' "nothing stored for a retired host"

stop_daemon
[ "$drc" = 0 ] || fail "SIGTERM: exit $drc"
"$PY" -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]' "$T/srv/fw.db" ||
	fail "database integrity"
echo ok
