#!/usr/bin/env bash
# The session level on bare metal: a kernel measured in one upload and its
# base in another differ by their sessions' own levels as well as by the
# kernels.  Base and head alike but the head's upload settled 12% higher
# (runs 0.5% apart): with no kernel uploaded twice the comparison cannot
# tell, says so ("Session level unknown"), calls it a regression and wants
# another upload.  Once the host has uploaded another kernel four times,
# at levels 15% apart, the same pair is judged with that level (runs
# grouped by upload, lib/nest.h's nest_compare_prior): inconclusive, with
# the level in the JSON and in /compare.txt; and since the base's one
# upload alone leaves the interval wider than any number of head uploads
# could narrow, the kernel's record says this host cannot decide it (the
# agent stops adding uploads).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

mkdir -p "$T/db"
start_daemon "$T/d.log" --db "$T/db/fw.db"
admin=(-H "Authorization: Bearer $(cat "$T/db/admin.token")")
curl -sf "${admin[@]}" -d '{"hostname": "lab-s"}' "$URL/api/v1/hosts" >"$T/reg.json" || fail "register"
tok=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$T/reg.json")

"$PY" - "$T" <<'PYEOF'
import json, random, sys, uuid
out = sys.argv[1]
rnd = random.Random(7)
def doc(commit, parent, level):
    cases = []
    for layout, order, mapping, base in (("order-0", 0, "pte", 5_000_000), ("pmd", 9, "pmd", 500_000)):
        runs = []
        for r in range(8):
            m = base * level * (1 + rnd.gauss(0, 0.005))
            runs.append({"index": r, "ok": True, "error": None,
                         "ns": [int(m * (1 + rnd.gauss(0, 0.002))) for _ in range(5)],
                         "counters": {}, "counter_times": []})
        cases.append({"workload": "fork", "layout": layout, "order": order, "mapping": mapping,
                      "iterations": 5, "layout_check": {"ok": True, "folios": {str(order): 1}, "reason": None},
                      "counters": {}, "runs_ok": 8, "runs": runs})
    return {"format": "forkwatch-result/1", "run_uuid": str(uuid.uuid4()),
            "host": {"hostname": "lab-s", "arch": "x86_64", "cpus": 2, "mem_bytes": 1 << 34, "page_size": 4096},
            "kernel": {"release": "6.9.0-g" + commit, "commit": commit, "parent_commit": parent},
            "params": {"size_bytes": 1 << 30, "runs": 8, "iterations": 5, "warmup": 3},
            "cases": cases}
json.dump(doc("aaaaaaaaaaaa", None, 1.0), open(out + "/base.json", "w"))
json.dump(doc("bbbbbbbbbbbb", "aaaaaaaaaaaa", 1.12), open(out + "/head.json", "w"))
for i, level in enumerate((1.0, 1.25, 0.85, 1.15)):
    json.dump(doc("cccccccccccc", None, level), open("%s/hist%d.json" % (out, i), "w"))
PYEOF

up() {
	code=$(curl -s -o "$T/up.json" -w '%{http_code}' -H "Authorization: Bearer $tok" \
		--data-binary @"$T/$1.json" "$URL/api/v1/runs")
	[ "$code" = 201 ] || fail "upload $1: $code $(cat "$T/up.json")"
}
check_cmp() { # FILE PYTHON-CONDITIONS...
	"$PY" - "$@" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
rows = {(r["layout"], r["metric"]): r for r in d["rows"]}
o0 = rows[("order-0", "ns")]
for cond in sys.argv[2:]:
    if not eval(cond):
        print("FAIL:", cond, json.dumps(o0)[:1500]); sys.exit(1)
PYEOF
}

up base
up head
say "one upload a side, no session level: the runs as independent, and a second upload wanted"
curl -sf "$URL/api/v1/compare?host=lab-s&head=bbbbbbbbbbbb" >"$T/c1.json" || fail "compare"
check_cmp "$T/c1.json" 'o0["verdict"] == "regression"' 'o0["session_level"] is None' \
	'"sessions" not in o0' '11 < o0["delta_pct"] < 13' || fail "without the level"
curl -sf "$URL/compare.txt?host=lab-s&head=bbbbbbbbbbbb" >"$T/c1.txt" || fail "compare.txt"
grep -q '^Session level unknown' "$T/c1.txt" || { cat "$T/c1.txt"; fail "no session-level note"; }
grep -q '^runs: bbbbbbbbbbbb wants 1 more run: fork order-0, fork pmd' "$T/c1.txt" ||
	{ cat "$T/c1.txt"; fail "a second upload not wanted"; }
curl -sf "$URL/api/v1/alerts?host=lab-s" >"$T/a1.json" || fail "alerts"
"$PY" -c '
import json, sys
a = [x for x in json.load(open(sys.argv[1]))["alerts"] if x["layout"] == "order-0"]
assert len(a) == 1 and a[0]["kind"] == "regression", a
assert "session level is not known yet" in a[0]["summary"], a[0]["summary"]' "$T/a1.json" ||
	fail "the alert does not say the session level is unknown"
curl -sf "$URL/compare?host=lab-s&head=bbbbbbbbbbbb" >"$T/c1.html" || fail "/compare"
grep -q 'Session level unknown' "$T/c1.html" || fail "/compare does not say the level is unknown"
curl -sf "$URL/hosts/lab-s" >"$T/h1.html" || fail "/hosts/lab-s"
grep -q 'Not known yet: too few repeated uploads' "$T/h1.html" || fail "the host page does not say the level is unknown"

say "another kernel uploaded four times, 15% apart: the same pair judged with the level"
for i in 0 1 2 3; do up "hist$i"; done
# the host's first level (cccccccccccc's second upload) made bbbbbbbbbbbb's record again
curl -sf "$URL/api/v1/hosts/lab-s" >"$T/h2.json" || fail "host API"
"$PY" -c '
import json, sys
k = {x["ident"]: x for x in json.load(open(sys.argv[1]))["kernels"]}
w = k["bbbbbbbbbbbb"]["wants"]
assert w["runs"] == 0 and w["cases"] == ["fork order-0", "fork pmd"] and w["base"] == "aaaaaaaaaaaa", w' "$T/h2.json" ||
	fail "the head's record was not made again with the level: $(cat "$T/h2.json")"
curl -sf "$URL/api/v1/compare?host=lab-s&head=bbbbbbbbbbbb&base=aaaaaaaaaaaa" >"$T/c2.json" || fail "compare 2"
check_cmp "$T/c2.json" 'o0["verdict"] == "inconclusive"' \
	'o0["session_level"]["kernels"] == 1 and o0["session_level"]["uploads"] == 4' \
	'8 < o0["session_level"]["sd_pct"] < 30' \
	'o0["sessions"]["base"] == 1 and o0["sessions"]["head"] == 1' \
	'o0["sessions"]["share"] > 0.9 and o0["sessions"]["floor_pct"] > 10' \
	'o0["ci_pct"][0] < 0 < o0["ci_pct"][1] and o0["p_welch"] > 0.01' \
	'o0["sessions"]["cannot_decide"] is True and "head_needed" not in o0["sessions"]' \
	'o0["precision"]["enough_runs"] is False and "more_runs" not in o0["precision"]' ||
	fail "with the level"
curl -sf "$URL/compare.txt?host=lab-s&head=bbbbbbbbbbbb&base=aaaaaaaaaaaa" >"$T/c2.txt" || fail "compare.txt 2"
cat "$T/c2.txt"
grep -q "fork order-0: inconclusive (no evidence either way) (+1[12]\.[0-9]%, 95% CI .*n=8/8 in 1/1 uploads; uploads stray by sd [0-9.]*%); more uploads of bbbbbbbbbbbb on this host cannot decide it (the baseline's own uploads leave it too wide)" "$T/c2.txt" ||
	fail "the text does not give the level"
grep -q '^runs: bbbbbbbbbbbb cannot decide with more uploads on this host: fork order-0, fork pmd' "$T/c2.txt" ||
	fail "the text does not say the host cannot decide it"
grep -q '^Session level unknown' "$T/c2.txt" && fail "still says the level is unknown"
curl -sf "$URL/compare?host=lab-s&head=bbbbbbbbbbbb&base=aaaaaaaaaaaa" >"$T/c2.html" || fail "/compare 2"
grep -q 'Session level unknown' "$T/c2.html" && fail "/compare still says the level is unknown"
grep -q 'n=8/8 in 1/1 uploads, uploads stray by sd [0-9.]*%' "$T/c2.html" || fail "/compare: no level in the cell"
grep -q 'more uploads of this kernel on this host cannot decide it' "$T/c2.html" || fail "/compare: cannot decide not said"
curl -sf "$URL/hosts/lab-s" >"$T/h2.html" || fail "/hosts/lab-s 2"
grep -q 'order-0 fork (5 iterations a run, placement free): one upload strays from its kernel&#39;s level by sd 1[0-9]\.[0-9]% (from 1 kernel uploaded twice or more, 4 uploads)' "$T/h2.html" ||
	grep -q "order-0 fork (5 iterations a run, placement free): one upload strays from its kernel's level by sd 1[0-9]\.[0-9]% (from 1 kernel uploaded twice or more, 4 uploads)" "$T/h2.html" ||
	{ grep -o 'order-0 fork (5 it[^<]*' "$T/h2.html"; fail "the host page does not give the level"; }
say "the agent booted into that kernel again: more uploads cannot decide it, so it does not benchmark"
printf 'name=lab-s\ntoken=%s\n' "$tok" >"$T/host.token"
chmod 600 "$T/host.token"
rc=0
timeout 300 "$FW" agent --server "$URL" --token-file "$T/host.token" --spool "$T/spool" --retry-for 30 \
	--kernel-commit bbbbbbbbbbbb --wait --size 4M --runs 2 --iterations 3 --warmup 0 --layouts order-0 \
	--workloads fork --quiet >"$T/agent.out" 2>"$T/agent.err" || rc=$?
[ $rc = 0 ] || { cat "$T/agent.out" "$T/agent.err"; fail "agent exited $rc"; }
grep -q "more uploads on this host cannot decide fork order-0, fork pmd (the server's session level): not benchmarking it again" "$T/agent.out" ||
	{ cat "$T/agent.out" "$T/agent.err"; fail "the agent did not read the cannot-decide record"; }
curl -sf "$URL/api/v1/hosts/lab-s" >"$T/h3.json" || fail "host API 3"
"$PY" -c 'import json,sys; k={x["ident"]: x for x in json.load(open(sys.argv[1]))["kernels"]}; assert k["bbbbbbbbbbbb"]["uploads"] == 1, k["bbbbbbbbbbbb"]' "$T/h3.json" ||
	fail "the agent uploaded anyway"
echo ok
