#!/usr/bin/env bash
# "wants N more runs" (issue 10): forkwatchd records, per host and
# kernel, what the comparison with its baseline wants before it can
# decide, on every upload, and serves it in GET /api/v1/hosts/{name}, on
# the host and kernel pages and in /compare.txt.  A host's first kernel
# has no baseline (null); a head of 4 noisy runs a side wants more; the
# baseline's own uploads make the head's record again; as quiet runs are
# added the number falls, and reaches 0 (every case can decide); pinning
# a baseline makes the records again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

mkdir -p "$T/db"
start_daemon "$T/d.log" --db "$T/db/fw.db"
admin=(-H "Authorization: Bearer $(cat "$T/db/admin.token")")
curl -sf "${admin[@]}" -d '{"hostname": "lab-w"}' "$URL/api/v1/hosts" >"$T/reg.json" || fail "register"
tok=$(jget "$T/reg.json" 'd["token"]')

# doc NAME COMMIT PARENT RUNS NOISE SEED: fork order-0 and pmd, the same
# means for every kernel, RUNS runs of 5 iterations, NOISE the run-to-run
# relative spread
doc() {
	"$PY" - "$T/$1.json" "$2" "$3" "$4" "$5" "$6" <<'PYEOF'
import json, random, sys, uuid
out, commit, parent, runs, noise, seed = sys.argv[1:]
rnd = random.Random(int(seed))
cases = []
for layout, order, mapping, base in (("order-0", 0, "pte", 5_000_000), ("pmd", 9, "pmd", 500_000)):
    rs = []
    for r in range(int(runs)):
        m = base * (1 + rnd.gauss(0, float(noise)))
        rs.append({"index": r, "ok": True, "error": None,
                   "ns": [int(m * (1 + rnd.gauss(0, 0.001))) for _ in range(5)],
                   "counters": {}, "counter_times": []})
    cases.append({"workload": "fork", "layout": layout, "order": order, "mapping": mapping,
                  "iterations": 5, "layout_check": {"ok": True, "folios": {str(order): 1}, "reason": None},
                  "counters": {}, "runs_ok": int(runs), "runs": rs})
json.dump({"format": "forkwatch-result/1", "run_uuid": str(uuid.uuid4()),
           "host": {"hostname": "lab-w", "arch": "x86_64", "cpus": 2, "mem_bytes": 1 << 34, "page_size": 4096},
           "kernel": {"release": "6.9.0-g" + commit, "commit": commit,
                      "parent_commit": None if parent == "-" else parent},
           "params": {"size_bytes": 1 << 30, "runs": int(runs), "iterations": 5, "warmup": 3},
           "cases": cases}, open(out, "w"))
PYEOF
}
up() {
	local code
	code=$(curl -s -o "$T/up.json" -w '%{http_code}' -H "Authorization: Bearer $tok" \
		--data-binary @"$T/$1.json" "$URL/api/v1/runs")
	[ "$code" = 201 ] || fail "upload $1: $code $(cat "$T/up.json")"
}
# wants KERNEL: the kernel's "wants" on the host, as JSON ("absent" when there is none)
wants() {
	expect 200 GET /api/v1/hosts/lab-w
	jget "$T/body" '{k["ident"]: k.get("wants", "absent") for k in d["kernels"]}["'"$1"'"]'
}
runs_of() { "$PY" -c 'import json, sys; print(json.loads(sys.argv[1])["runs"])' "$1"; }

base=aaaaaaaaaaaa head=bbbbbbbbbbbb

say "the host's first kernel: no baseline to compare with (null)"
doc b1 $base - 4 0.01 1 && up b1
w=$(wants $base)
[ "$w" = null ] || fail "the first kernel's wants: $w, expected null"

say "its child, 4 noisy runs a side: undecided, it wants more runs"
doc h1 $head $base 4 0.01 2 && up h1
w=$(wants $head)
say "    $w"
jcheck "$T/body" '[k for k in d["kernels"] if k["ident"] == "'$head'"][0]["wants"]["runs"] > 0' "wants runs > 0"
jcheck "$T/body" '[k for k in d["kernels"] if k["ident"] == "'$head'"][0]["wants"]["base"] == "'$base'"' "wants' baseline"
jcheck "$T/body" '"fork order-0" in [k for k in d["kernels"] if k["ident"] == "'$head'"][0]["wants"]["cases"]' "wants' cases"
n1=$(runs_of "$w")
# what the agent read before: the comparison's own precision agrees
curl -sf "$URL/api/v1/compare?host=lab-w&head=$head" >"$T/cmp.json" || fail "compare"
jcheck "$T/cmp.json" 'max(r["precision"].get("more_runs", 1) for r in d["rows"] if r["metric"] == "ns" and not r["precision"]["enough_runs"] and r["verdict"] in ("inconclusive", "significant-size-uncertain")) == '"$n1" "the record is the comparison's largest more_runs"

say "the pages and /compare.txt say so"
curl -sf "$URL/hosts/lab-w" >"$T/host.html" || fail "host page"
grep -q "wants $n1 more runs: fork order-0" "$T/host.html" || fail "host page: no 'wants $n1 more runs: fork order-0'"
curl -sf "$URL/kernels/$head" >"$T/kernel.html" || fail "kernel page"
grep -q "wants $n1 more runs: fork order-0" "$T/kernel.html" || fail "kernel page: no 'wants $n1 more runs'"
curl -sf "$URL/compare.txt?host=lab-w&head=$head" >"$T/cmp.txt" || fail "compare.txt"
grep -q "^runs: $head wants $n1 more runs: fork order-0" "$T/cmp.txt" || { cat "$T/cmp.txt"; fail "compare.txt: no runs line"; }

say "a quiet upload of the baseline makes the head's record again"
doc b2 $base - 20 0.002 3 && up b2
w=$(wants $head)
say "    $w"
n2=$(runs_of "$w")
[ "$n2" != "$n1" ] || fail "the head's record did not change with its baseline's runs ($n1)"
[ "$(wants $base)" = null ] || fail "the baseline's own record: $(wants $base)"

say "quiet runs of the head: it wants fewer, then none"
doc h2 $head $base 20 0.002 4 && up h2
w=$(wants $head)
say "    $w"
n3=$(runs_of "$w")
[ "$n3" -lt "$n1" ] || fail "wants $n3 runs after 20 quiet ones, $n1 before"
for i in 5 6; do
	doc b$i $base - 20 0.002 $((10 + i)) && up b$i
	doc h$i $head $base 20 0.002 $((20 + i)) && up h$i
done
w=$(wants $head)
say "    $w"
jcheck "$T/body" '[k for k in d["kernels"] if k["ident"] == "'$head'"][0]["wants"]["runs"] == 0 and [k for k in d["kernels"] if k["ident"] == "'$head'"][0]["wants"]["cases"] == []' "wants 0 runs once every case can decide"
curl -sf "$URL/hosts/lab-w" >"$T/host.html" || fail "host page"
grep -q "has enough runs to decide" "$T/host.html" || fail "host page: no 'has enough runs to decide'"

say "pinning a baseline makes the host's records again"
ccc=cccccccccccc
doc c1 $ccc - 3 0.03 7 && up c1
w=$(wants $ccc)
jcheck "$T/body" '[k for k in d["kernels"] if k["ident"] == "'$ccc'"][0]["wants"]["base"] == "'$head'"' "the kernel before as the baseline: $w"
expect 200 POST /api/v1/hosts/lab-w "${admin[@]}" -d '{"baseline": "'$base'"}'
w=$(wants $ccc)
say "    $w"
jcheck "$T/body" '[k for k in d["kernels"] if k["ident"] == "'$ccc'"][0]["wants"]["base"] == "'$base'"' "the pinned baseline in the record"

! grep -E "what .* wants: |the kernels compared with" "$T/d.log" || fail "the daemon failed to record what a kernel wants"
stop_daemon
[ "$drc" = 0 ] || fail "SIGTERM: exit $drc"

say "a restart with the same settings keeps the records; with another budget, clears them"
start_daemon "$T/d2.log" --db "$T/db/fw.db"
wants $ccc >/dev/null
jcheck "$T/body" '"wants" in [k for k in d["kernels"] if k["ident"] == "'$ccc'"][0]' "the record kept"
grep -q "comparison settings changed" "$T/d2.log" && fail "records cleared by a restart with the same settings"
stop_daemon
start_daemon "$T/d3.log" --db "$T/db/fw.db" --budget-order0 2
expect 200 GET /api/v1/hosts/lab-w
jcheck "$T/body" 'all("wants" not in k for k in d["kernels"])' "every record cleared: $(cat "$T/body")"
grep -q "comparison settings changed (alpha=0.01 budget_order0=2 " "$T/d3.log" ||
	fail "the clearing is not logged: $(cat "$T/d3.log")"
# an upload makes its kernel's record again, judged against the new budget
doc c2 $ccc - 3 0.03 8 && up c2
wants $ccc >/dev/null
jcheck "$T/body" '"wants" in [k for k in d["kernels"] if k["ident"] == "'$ccc'"][0]' "the record made again"
stop_daemon
[ "$drc" = 0 ] || fail "SIGTERM: exit $drc"
echo ok
